"""The extract, disclosure log and reach routes' rows of the authorization matrix (R-ACCESS-1,
R-SHARE-3..6; ADR 0019).

`familyhub/core/tests/test_authorization_matrix.py` adds EXTRACTS_TABLE to its TABLE and the records
below to the ones it requests. Rows are derived from the roles table (`access.roles`), so that they
follow the capability each view asks for: de-personalised extracts and reach need the reports
capability (PRODUCE_REPORTS: DPO, team manager, analyst), identifiable extracts and the disclosure
log the DPO's MANAGE_PRIVACY.

Records (made by `_setup`):
- extract_output: LEAD pass = a de-personalised extract of the lead organisation's children;
  PARTNER pass = a second one, under another agreement (outputs belong to no organisation's
  families, so the two passes answer alike; that an identifiable extract is 404 for everyone but
  the DPO is tested in test_extracts_views.py).
- disclosure: the disclosure log records of those two extracts (the DPO only).
"""

from __future__ import annotations

import uuid
from typing import Any

from familyhub.access.roles import capabilities_of
from familyhub.core.tests.access_matrix import LEAD, MISSING, PARTNER, PERSONAS, Route, row

ROLE_OF = {
    "practitioner": "practitioner",
    "group_worker": "group_worker",
    "team_manager": "team_manager",
    "partner_staff": "partner_staff",
    "analyst": "analyst",
    "dpo": "dpo",
    "admin": "admin",
    "other_org_staff": "practitioner",
}


def _row(capability: str, *, ok: str = "ok", also: str | None = None, other: str = "") -> Any:
    """ok for personas whose role has `capability` (and `also`, when given), else forbidden
    (`other` for those with the capability but not `also`)."""
    out = []
    for persona in PERSONAS:
        role = ROLE_OF.get(persona)
        if role is None:
            out.append("login")
            continue
        caps = capabilities_of(role)
        if capability not in caps:
            out.append("forbidden")
        elif also is not None and also not in caps:
            out.append(other or "forbidden")
        else:
            out.append(ok)
    return row(" ".join(out))


def _setup(personas: Any) -> None:
    from familyhub.sharing.models import Level
    from familyhub.sharing.services import extracts
    from familyhub.sharing.testing import make_agreement

    dep = make_agreement(level=Level.DEPERSONALISED, k_threshold=1, l_threshold=1)
    other = make_agreement(level=Level.IDENTIFIABLE, k_threshold=1, l_threshold=1)
    a = extracts.extract_produce(
        actor=personas.dpo, agreement=dep, level=Level.DEPERSONALISED, items=["pseudonym"]
    ).output
    b = extracts.extract_produce(
        actor=personas.team_manager,
        agreement=other,
        level=Level.DEPERSONALISED,
        items=["pseudonym"],
    ).output
    personas.extracts_records = {
        "extract_output": {LEAD: str(a.uuid), PARTNER: str(b.uuid), MISSING: str(uuid.uuid4())},
        "disclosure": {
            LEAD: str(a.disclosure.uuid),
            PARTNER: str(b.disclosure.uuid),
            MISSING: str(uuid.uuid4()),
        },
    }


def table() -> dict[str, Route]:
    from familyhub.sharing.services import extracts

    produce = _row(extracts.PRODUCE_EXTRACTS)
    dpo = _row(extracts.PRODUCE_IDENTIFIABLE)
    output = {"GET": (produce, produce), "POST": (produce, produce)}
    log_record = {"GET": (dpo, dpo), "POST": (dpo, dpo)}
    return {
        "sharing:extract_list": Route(methods={"GET": produce, "POST": produce}),
        "sharing:extract_new": Route(
            methods={"GET": produce, "POST": produce},
            note="an empty form is shown again with its errors",
        ),
        "sharing:extract_detail": Route(
            methods=output,
            record="extract_output",
            setup=_setup,
            note="two de-personalised extracts (identifiable ones: the DPO only, 404 for others)",
        ),
        "sharing:extract_download": Route(
            methods=output,
            record="extract_output",
            setup=_setup,
            note="the file, during its download window",
        ),
        "sharing:log_list": Route(methods={"GET": dpo, "POST": dpo}),
        "sharing:log_csv": Route(methods={"GET": dpo, "POST": dpo}),
        "sharing:log_new": Route(
            methods={"GET": dpo, "POST": dpo}, note="an empty form is shown again with its errors"
        ),
        "sharing:log_detail": Route(
            methods=log_record,
            record="disclosure",
            setup=_setup,
            note="read-only: the log has no edit or delete route",
        ),
        "sharing:reach": Route(methods={"GET": produce, "POST": produce}),
        "sharing:reach_csv": Route(methods={"GET": produce, "POST": produce}),
    }


EXTRACTS_TABLE = table()
