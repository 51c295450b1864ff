"""The rights routes' rows of the authorization matrix (R-ACCESS-1, R-RIGHTS-1..3; ADR 0015).

`familyhub/core/tests/test_authorization_matrix.py` adds RIGHTS_TABLE to its TABLE and the records
below to the ones it requests, so that every rights route is requested as every persona and
`docs/access-matrix.md` lists them. Columns, in order: practitioner group_worker team_manager
partner_staff analyst dpo admin other_org_staff anonymous.

Records (made by the route's `setup`):
- rights_request: an access request about a parent of the lead organisation's family, and one about
  a parent of the partner organisation's family, both with the identity checked. The DPO, who has no
  case scope, handles both; nobody else reaches them.
- access_pack: a draft subject access pack generated for each of those requests.
A request received at the door is recorded from the family's page: the front-line roles, for the
families in their scope (RECORD_RIGHTS_REQUEST, a household record route).

Challenges to the accuracy of a record (ADR 0027), made by `_setup_challenges`:
- rectification_request: a rectification request about each family's parent, identity checked;
- dpo_challenge: a challenge recorded by the DPO with each of those requests (the DPO decides it);
- accuracy_challenge: a challenge told to front-line staff by each family's parent (recorded by the
  practitioner and by the partner's staff): staff who can correct the record, in scope, decide it.
A challenge is recorded from the person page by the front-line roles, in scope (a person route).
"""

from __future__ import annotations

import uuid
from typing import Any

from familyhub.core.tests.access_matrix import LEAD, MISSING, PARTNER, Route, row

DPO = row("forbidden forbidden forbidden forbidden forbidden ok forbidden forbidden login")
DPO_RECORD = (DPO, DPO)
DOOR = (
    row("ok ok ok 404 forbidden forbidden forbidden 404 login"),
    row("404 404 404 ok forbidden forbidden forbidden 404 login"),
)


def _setup(personas: Any) -> None:
    from familyhub.rights import services
    from familyhub.rights.testing import a_parent, make_request

    requests, packs = {}, {}
    for pass_, household in ((LEAD, personas.household), (PARTNER, personas.partner_household)):
        rr = make_request(personas.dpo, a_parent(household))
        requests[pass_] = str(rr.uuid)
        packs[pass_] = str(services.pack_generate(actor=personas.dpo, request=rr).uuid)
    requests[MISSING] = str(uuid.uuid4())
    packs[MISSING] = str(uuid.uuid4())
    personas.rights_records = {"rights_request": requests, "access_pack": packs}


def _setup_challenges(personas: Any) -> None:
    from familyhub.rights.models import RequestKind
    from familyhub.rights.testing import a_challenge, a_parent, make_request

    records: dict[str, dict[Any, str]] = {
        "rectification_request": {},
        "dpo_challenge": {},
        "accuracy_challenge": {},
    }
    for pass_, household, worker in (
        (LEAD, personas.household, personas.practitioner),
        (PARTNER, personas.partner_household, personas.partner_staff),
    ):
        parent = a_parent(household)
        rr = make_request(personas.dpo, parent, kind=RequestKind.RECTIFICATION)
        records["rectification_request"][pass_] = str(rr.uuid)
        records["dpo_challenge"][pass_] = str(a_challenge(personas.dpo, parent, request=rr).uuid)
        records["accuracy_challenge"][pass_] = str(a_challenge(worker, parent).uuid)
    for kind in records.values():
        kind[MISSING] = str(uuid.uuid4())
    personas.rights_records = {**getattr(personas, "rights_records", {}), **records}


def _dpo_page(note: str = "") -> Route:
    return Route(methods={"GET": DPO, "POST": DPO}, note=note)


def _request(note: str = "") -> Route:
    return Route(
        methods={"GET": DPO_RECORD, "POST": DPO_RECORD},
        record="rights_request",
        setup=_setup,
        note=note,
    )


def _pack(note: str = "") -> Route:
    return Route(
        methods={"GET": DPO_RECORD, "POST": DPO_RECORD},
        record="access_pack",
        setup=_setup,
        note=note,
    )


RIGHTS_TABLE: dict[str, Route] = {
    "rights:dashboard": _dpo_page("open requests by due date, overdue highlighted, reminders"),
    "rights:request_list": _dpo_page("every request, filtered; the people listed are logged"),
    "rights:request_new": _dpo_page("an empty form is shown again with its errors"),
    "rights:request_detail": _request("showing a request shows whom it is about: logged"),
    "rights:request_person": _request(
        "the DPO's person-finder: exact details only, logged with the request's reference"
    ),
    "rights:request_identity": _request("an empty form is shown again with its errors"),
    "rights:request_pause": _request("an empty form is shown again with its errors"),
    "rights:request_resume": _request("refused with a message when the clock is not stopped"),
    "rights:request_extend": _request("an extension without a reason is refused"),
    "rights:request_recipients_told": _request(
        "Article 19; an empty form is shown again with its errors"
    ),
    "rights:request_carry_out": _request(
        "restrict, object, withdraw consent or erase; an access request is sent back to its page"
    ),
    "rights:request_close": _request("completing needs the identity check: refused with errors"),
    "rights:pack_generate": _request("POST generates a draft pack; GET goes back to the request"),
    "rights:portability_json": _request(
        "POST downloads (a disclosure); on an access request refused with a message; GET goes back"
    ),
    "rights:portability_csv": _request("as portability_json"),
    "rights:portability_fhir": _request("as portability_json"),
    "rights:pack_review": _pack("an empty form saves nothing and says so"),
    "rights:pack_release": _pack("refused while flagged items have no decision"),
    "rights:pack_document": _pack("the printable document (a draft preview until released)"),
    "rights:pack_json": _pack("the JSON file"),
    "rights:request_challenge_new": Route(
        methods={"GET": DPO_RECORD, "POST": DPO_RECORD},
        record="rectification_request",
        setup=_setup_challenges,
        note="what the person says is wrong, with a rectification request; errors shown again",
    ),
    "rights:request_challenge_outcome": Route(
        methods={"GET": DPO_RECORD, "POST": DPO_RECORD},
        record="dpo_challenge",
        setup=_setup_challenges,
        note="a challenge that came with a request; an empty form is shown with its errors",
    ),
    "rights:person_challenge_new": Route(
        methods={"GET": DOOR, "POST": DOOR},
        record="person",
        note="front-line staff note that the person disputes their record; errors shown again",
    ),
    "rights:person_challenge_outcome": Route(
        methods={"GET": DOOR, "POST": DOOR},
        record="accuracy_challenge",
        setup=_setup_challenges,
        note="staff who can correct the record (EDIT_PEOPLE), in scope; errors shown again",
    ),
    "rights:request_log": Route(
        methods={"GET": DOOR, "POST": DOOR},
        record="household",
        note="front-line staff record a request made to them; an empty form is shown with errors",
    ),
}
