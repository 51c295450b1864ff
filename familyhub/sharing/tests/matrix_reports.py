"""The agreement register's and the report builder's rows of the authorization matrix
(R-ACCESS-1, R-SHARE-1, R-SHARE-2; ADR 0018).

`familyhub/core/tests/test_authorization_matrix.py` adds REPORTS_TABLE to its TABLE and the
records below to the ones it requests. Columns, in order: practitioner group_worker team_manager
partner_staff analyst dpo admin other_org_staff anonymous.

Records (made by the routes' `setup`): an agreement, and a report produced under it. Neither
belongs to a family, so the lead and partner passes request the same record; a random id is 404
for everyone allowed the page. The register is kept by the DPO and administrators
(MANAGE_SHARING); reports are produced by the DPO, team managers and analysts (PRODUCE_REPORTS),
who may also read the register (list and detail: REGISTER) but not change it.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from familyhub.core.tests.access_matrix import LEAD, MISSING, PARTNER, Route, row

SHARING = row("forbidden forbidden forbidden forbidden forbidden ok ok forbidden login")
REPORTS = row("forbidden forbidden ok forbidden ok ok forbidden forbidden login")
# Reading the register: those who keep it and those who produce outputs under it.
REGISTER = row("forbidden forbidden ok forbidden ok ok ok forbidden login")


def _setup(personas: Any) -> None:
    from familyhub.sharing.cube import CubeQuery
    from familyhub.sharing.services import reports
    from familyhub.sharing.testing import make_agreement

    agreement = make_agreement()
    output = reports.report_produce(
        actor=personas.analyst,
        agreement=agreement,
        query=CubeQuery(
            measure="attendances",
            rows="ward",
            columns=None,
            start=date(2026, 1, 1),
            end=date(2026, 1, 31),
        ),
    )
    personas.reports_records = {
        "agreement": {LEAD: str(agreement.uuid), PARTNER: str(agreement.uuid)},
        "report_output": {LEAD: str(output.uuid), PARTNER: str(output.uuid)},
    }
    for records in personas.reports_records.values():
        records[MISSING] = str(uuid.uuid4())


def _agreement(note: str = "", allowed: Any = SHARING) -> Route:
    return Route(
        methods={"GET": (allowed, allowed), "POST": (allowed, allowed)},
        record="agreement",
        setup=_setup,
        note=note,
    )


def _output(note: str = "") -> Route:
    return Route(
        methods={"GET": (REPORTS, REPORTS), "POST": (REPORTS, REPORTS)},
        record="report_output",
        setup=_setup,
        note=note,
    )


REPORTS_TABLE: dict[str, Route] = {
    "sharing:agreement_list": Route(
        methods={"GET": REGISTER, "POST": REGISTER},
        note="read-only for team managers and analysts (no add, change or suspend)",
    ),
    "sharing:agreement_new": Route(
        methods={"GET": SHARING, "POST": SHARING},
        note="an empty form is shown again with its errors",
    ),
    "sharing:agreement_detail": _agreement(
        "with its outputs, disclosures and history; read-only for team managers and analysts",
        REGISTER,
    ),
    "sharing:agreement_edit": _agreement("an empty form is shown again with its errors"),
    "sharing:agreement_suspend": _agreement("a suspension without a reason is refused"),
    "sharing:agreement_resume": _agreement("resuming one not suspended is refused, with a message"),
    "sharing:report_list": Route(methods={"GET": REPORTS, "POST": REPORTS}),
    "sharing:report_builder": Route(
        methods={"GET": REPORTS, "POST": REPORTS},
        note="an empty form is shown again with its errors",
    ),
    "sharing:report_output": _output("the protected tables and notes only: no person's record"),
    "sharing:report_csv": _output("GET redirects to the report; POST releases it (logged) as CSV"),
    "sharing:report_xlsx": _output(
        "GET redirects to the report; POST releases it (logged) as XLSX"
    ),
    "sharing:report_mark_sent": _output("POST logs it as sent; both redirect to the report"),
}
