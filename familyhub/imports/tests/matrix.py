"""The import routes' rows of the authorization matrix (R-ACCESS-1, R-IMPORT-1; ADR 0020).

`familyhub/core/tests/test_authorization_matrix.py` adds IMPORTS_TABLE to its TABLE and the
records below to the ones it requests. Columns, in order: practitioner group_worker team_manager
partner_staff analyst dpo admin other_org_staff anonymous.

Only roles with IMPORT_DATA (team manager, administrator) reach the pages. Record routes are
requested with an attendance batch of the lead organisation (its team manager: ok; the
administrator, who sees reference-data batches only: 404), a batch of the partner organisation
(404: not theirs, answered like a missing one) and a random id.
"""

from __future__ import annotations

import uuid
from typing import Any

from familyhub.core.tests.access_matrix import LEAD, MISSING, PARTNER, Route, row

IMPORTERS = row("forbidden forbidden ok forbidden forbidden forbidden ok forbidden login")
# A batch of attendance (personal data): the team manager of its organisation only; the
# administrator imports and sees reference data (postcode lookup) only, so gets 404 like a miss.
LEAD_BATCH = row("forbidden forbidden ok forbidden forbidden forbidden 404 forbidden login")
PARTNER_BATCH = row("forbidden forbidden 404 forbidden forbidden forbidden 404 forbidden login")
BATCH_405 = row("forbidden forbidden 405 forbidden forbidden forbidden 405 forbidden login")


def _setup(personas: Any) -> None:
    from familyhub.imports.models import ImportBatch

    batches = {}
    for pass_, org in ((LEAD, personas.lead), (PARTNER, personas.partner)):
        b = ImportBatch.objects.create(
            kind="attendance",
            organisation=org,
            uploaded_by=personas.team_manager,
            file_name="register.csv",
            file_format="csv",
            sha256=uuid.uuid4().hex * 2,
            headers=["session_id", "person_id"],
            status=ImportBatch.Status.MAPPING,
        )
        batches[pass_] = str(b.uuid)
    batches[MISSING] = str(uuid.uuid4())
    personas.imports_records = {"import_batch": batches}


def _batch(note: str = "") -> Route:
    return Route(
        methods={"GET": (LEAD_BATCH, PARTNER_BATCH), "POST": (LEAD_BATCH, PARTNER_BATCH)},
        record="import_batch",
        setup=_setup,
        note=note,
    )


IMPORTS_TABLE: dict[str, Route] = {
    "imports:batch_list": Route(methods={"GET": IMPORTERS, "POST": IMPORTERS}),
    "imports:upload": Route(
        methods={"GET": IMPORTERS, "POST": IMPORTERS},
        note="an empty POST shows the form again with its errors",
    ),
    "imports:batch_detail": _batch(),
    "imports:mapping": _batch("an empty POST shows the columns still to choose"),
    "imports:progress": _batch(),
    "imports:rejects_csv": _batch(),
    "imports:resume": Route(
        methods={"GET": (BATCH_405, BATCH_405), "POST": (LEAD_BATCH, PARTNER_BATCH)},
        record="import_batch",
        setup=_setup,
        note="POST only; a batch that is not interrupted shows the batch with the reason",
    ),
    "imports:wards_from_postcodes": Route(
        methods={"GET": (BATCH_405, BATCH_405), "POST": (LEAD_BATCH, PARTNER_BATCH)},
        record="import_batch",
        setup=_setup,
        note="POST only; a batch that is not a completed postcode directory shows the reason",
    ),
}
