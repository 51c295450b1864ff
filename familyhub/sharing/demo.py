"""Demo data for sharing (R-SHARE-1, R-SHARE-7): the agreements the source documents describe and
the three scheduled governance reports. Made through the services, so they carry a history.
Safe to run again: agreements are matched by reference, reports by name."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from familyhub.sharing import items as vocabulary
from familyhub.sharing.cube import CubeQuery
from familyhub.sharing.models import Agreement, Level, ReportSpec

AGGREGATE_ITEMS = [c for c, i in vocabulary.ITEMS.items() if i.level == Level.AGGREGATE]
BASE: dict[str, Any] = {
    "starts_on": date(2025, 4, 1),
    "ends_on": date(2028, 3, 31),
    "responsible_name": "Information governance lead",
    "responsible_email": "ig@example.org",
}
AGREEMENTS: list[dict[str, Any]] = [
    {
        "reference": "DSA-SSBC-EVAL",
        "title": "Programme evaluation (aggregate counts)",
        "recipient": "The programme's evaluation partner",
        "purpose": "Evaluate who the programme reaches and how families use its services.",
        "level": "aggregate",
        "data_items": AGGREGATE_ITEMS,
        "lawful_basis": "public_task",
        "frequency": "quarterly",
    },
    {
        "reference": "DSA-FUNDER-MONTHLY",
        "title": "Funder's monthly report",
        "recipient": "The programme's funder",
        "purpose": "Monthly counts of children and adults reached, by ward and service.",
        "level": "aggregate",
        "data_items": [
            "ward",
            "service",
            "period",
            "age_band",
            "ethnicity_group",
            "children",
            "adults",
            "attendances",
        ],
        "lawful_basis": "public_task",
        "frequency": "monthly",
    },
    {
        "reference": "DSA-GOVERNANCE",
        "title": "Partnership board governance reports",
        "recipient": "The partnership board",
        "purpose": "Monthly operational, bi-monthly board and annual reports on the programme.",
        "level": "aggregate",
        "data_items": AGGREGATE_ITEMS,
        "lawful_basis": "public_task",
        "frequency": "monthly",
    },
    {
        "reference": "DSA-EVAL-EXTRACT",
        "title": "Evaluation data set (de-personalised)",
        "recipient": "The programme's evaluation partner",
        "purpose": "Record-level analysis of outcomes, for families who agreed to take part.",
        "level": "depersonalised",
        "data_items": [
            "pseudonym",
            "age_band_field",
            "sex_field",
            "ethnicity_group_field",
            "ward_field",
            "services_attended",
            "attendance_count",
            "visit_count",
            "first_registered",
        ],
        "lawful_basis": "consent",
        "consent_purpose": "evaluation",
        "frequency": "quarterly",
    },
    {
        "reference": "DSA-SCHOOL-CENSUS",
        "title": "School census matching (Small Steps at Home children)",
        "recipient": "The local authority's school census team",
        "purpose": "Match children who had Small Steps at Home to the school census, for outcomes.",
        "level": "identifiable",
        "data_items": ["name", "date_of_birth", "postcode", "address", "parent_name"],
        "lawful_basis": "consent",
        "consent_purpose": "school-census-matching",
        "frequency": "annual",
    },
    {
        "reference": "DSA-IMAGINATION-LIBRARY",
        "title": "Imagination Library registration",
        "recipient": "The Dollywood Foundation (Imagination Library)",
        "purpose": "Register children to receive a free book each month.",
        "level": "identifiable",
        "data_items": ["name", "date_of_birth", "address", "postcode", "parent_name"],
        "lawful_basis": "consent",
        "consent_purpose": "imagination-library",
        "frequency": "monthly",
    },
]


def _first_of_next_month(today: date) -> date:
    return date(today.year + (today.month == 12), today.month % 12 + 1, 1)


def load_sharing_demo(*, seed: int = 2026) -> str:
    from familyhub.access.models import User
    from familyhub.sharing.services import agreements, reports

    dpo = User.objects.filter(username="dpo").first()
    made = 0
    for spec in AGREEMENTS:
        if Agreement.objects.filter(reference=spec["reference"]).exists():
            continue
        agreements.agreement_create(actor=dpo, data={**BASE, **spec})
        made += 1
    governance = Agreement.objects.get(reference="DSA-GOVERNANCE")
    today = timezone.localdate()
    first = _first_of_next_month(today)
    year_start = date(today.year, 1, 1)
    scheduled = [
        (
            "Monthly operational report",
            "monthly",
            CubeQuery("attendances", "service", "age_band", year_start, today),
        ),
        (
            "Bi-monthly board report",
            "bimonthly",
            CubeQuery("children", "area", "ethnicity_group", year_start, today),
        ),
        (
            "Annual report",
            "annual",
            CubeQuery("registrations", "area", "service", year_start, today),
        ),
    ]
    reports_made = 0
    for name, schedule, query in scheduled:
        if ReportSpec.objects.filter(name=name).exists():
            continue
        reports.spec_save(
            actor=dpo,
            name=name,
            agreement=governance,
            query=query,
            schedule=schedule,
            next_run_on=first if schedule != "annual" else date(today.year + 1, 4, 1),
            recipients_note="The partnership board",
        )
        reports_made += 1
    return f"Sharing: {made} agreements and {reports_made} scheduled reports added."
