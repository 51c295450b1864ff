"""Programme outcome scores from partners: Hometalk, Triple P, Healthy Little Minds (R-IMPORT-1,
R-ENGAGE-7). Written through `casework.services.outcomes.outcome_review_record`."""

from __future__ import annotations

import pytest

from familyhub.casework.models import OutcomeReview, OutcomeScore
from familyhub.core.errors import ApplicationError
from familyhub.core.models import ChangeRecord
from familyhub.imports.models import ImportedRecord
from familyhub.imports.testing import csv_bytes, import_file, upload

pytestmark = pytest.mark.django_db
HEADER = ["Ref", "NHS No.", "Framework", "Outcome", "Score", "Review date", "Service", "Notes"]


def _people(personas):
    members = personas.household.memberships.select_related("person").order_by("id")
    parent = next(m.person for m in members if m.role == "parent_carer")
    child = next(m.person for m in members if m.role == "child" and not m.person.is_unborn)
    return parent, child


def _rows(personas):
    parent, child = _people(personas)
    outsider = personas.partner_household.memberships.first().person
    return [
        HEADER,
        [
            "HT-1",
            child.nhs_number,
            "ssbc",
            "talk-and-communicate",
            "3",
            "03/11/2026",
            "hometalk",
            "",
        ],
        [
            "HT-2",
            parent.nhs_number,
            "SSBC",
            "eating-well-healthy",
            "4",
            "2026-11-04",
            "",
            "Going well",
        ],
        # Each of these is refused, each for its own reason.
        ["HT-3", outsider.nhs_number, "ssbc", "talk-and-communicate", "3", "03/11/2026", "", ""],
        ["HT-4", child.nhs_number, "nope", "talk-and-communicate", "3", "03/11/2026", "", ""],
        ["HT-5", child.nhs_number, "ssbc", "no-such-outcome", "3", "03/11/2026", "", ""],
        ["HT-6", child.nhs_number, "ssbc", "talk-and-communicate", "9", "03/11/2026", "", ""],
        ["HT-7", child.nhs_number, "ssbc", "talk-and-communicate", "three", "11/03/26", "", ""],
        ["HT-8", child.nhs_number, "ssbc", "talk-and-communicate", "2", "01/01/2099", "", ""],
        ["", child.nhs_number, "ssbc", "talk-and-communicate", "2", "03/11/2026", "no-such", ""],
        ["HT-10", "123", "ssbc", "talk-and-communicate", "2", "03/11/2026", "", ""],
    ]


def _errors(batch):
    return {r.row_number: dict(map(tuple, r.errors)) for r in batch.rejected.all()}


def test_a_known_good_file_loads_through_the_review_service(personas):
    batch = import_file(personas.team_manager, "outcomes", csv_bytes(_rows(personas)[:3]))
    assert (batch.rows_loaded, batch.rows_rejected) == (2, 0), _errors(batch)
    reviews = OutcomeReview.objects.filter(household=personas.household).order_by("reviewed_on")
    assert [(r.reviewed_on.isoformat(), r.organisation) for r in reviews] == [
        ("2026-11-03", personas.lead),
        ("2026-11-04", personas.lead),
    ]
    assert reviews[0].service.code == "hometalk"
    scores = OutcomeScore.objects.order_by("review__reviewed_on")
    assert [(s.outcome.code, s.score) for s in scores] == [
        ("talk-and-communicate", 3),
        ("eating-well-healthy", 4),
    ]
    # The same history as the review form writes.
    assert ChangeRecord.objects.filter(object_uuid=reviews[0].uuid).exists()
    assert set(
        ImportedRecord.objects.filter(kind="outcome").values_list("external_id", flat=True)
    ) == {"HT-1", "HT-2"}


def test_each_bad_row_gets_its_own_message(personas):
    batch = import_file(personas.team_manager, "outcomes", csv_bytes(_rows(personas)))
    assert (batch.rows_loaded, batch.rows_rejected) == (2, 8)
    errors = _errors(batch)
    assert "families you work with" in errors[4]["NHS No."]
    assert "No outcomes framework with the code 'nope'" in errors[5]["Framework"]
    assert "'no-such-outcome' is not an outcome of" in errors[6]["Outcome"]
    assert "Choose a score from 1 to 5" in errors[7]["Score"]
    assert "not a score" in errors[8]["Score"] and "two-digit year" in errors[8]["Review date"]
    assert "once it has happened" in errors[9]["Review date"]
    assert "Enter your id" in errors[10]["Ref"]
    assert "with 10 digits" in errors[11]["NHS No."]


def test_running_again_changes_nothing(personas):
    data = csv_bytes(_rows(personas))
    import_file(personas.team_manager, "outcomes", data)
    changes = ChangeRecord.objects.count()
    again = import_file(personas.team_manager, "outcomes", data + b"\n")
    assert (again.rows_loaded, again.rows_unchanged, again.rows_rejected) == (0, 2, 8)
    assert OutcomeReview.objects.count() == 2
    assert ChangeRecord.objects.count() == changes


@pytest.mark.parametrize("persona", ["admin", "practitioner", "dpo", "analyst", "partner_staff"])
def test_only_an_importer_who_registers_families_may_load_outcomes(personas, persona):
    """As for the other personal kinds (ADR 0020, 5): IMPORT_DATA and EDIT_PEOPLE."""
    with pytest.raises(ApplicationError):
        upload(getattr(personas, persona), "outcomes", csv_bytes(_rows(personas)[:2]))
    assert not OutcomeReview.objects.exists()


def test_through_the_pages_a_manager_loads_and_an_administrator_is_refused(
    personas, client_for, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from familyhub.imports.models import ImportBatch

    data = csv_bytes(_rows(personas)[:3])
    refused = client_for(personas.admin).post(
        reverse("imports:upload"),
        {"kind": "outcomes", "file": SimpleUploadedFile("hometalk.csv", data, "text/csv")},
    )
    assert refused.status_code == 200 and b"cannot import programme outcome scores" in (
        refused.content
    )
    client = client_for(personas.team_manager)
    r = client.post(
        reverse("imports:upload"),
        {"kind": "outcomes", "file": SimpleUploadedFile("hometalk.csv", data, "text/csv")},
    )
    batch = ImportBatch.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("imports:mapping", args=[batch.uuid])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(r["Location"], batch.mapping | {"outcome_code": "Outcome"})
    assert r.status_code == 302, r.content
    batch.refresh_from_db()
    assert (batch.status, batch.rows_loaded) == (ImportBatch.Status.COMPLETED, 2)


def test_needs_strengths_and_goals_go_through_the_outcome_record_service(personas):
    from familyhub.casework.models import OutcomeRecord

    _parent, child = _people(personas)
    header = ["Ref", "Person", "Framework", "Outcome", "Score", "Type", "Description", "Date"]
    row = [child.uuid, "ssbc", "talk-and-communicate"]
    data = csv_bytes(
        [
            header,
            ["G1", *row, "", "Goal", "Says ten words by Christmas", "03/11/2026"],
            ["G2", *row, "", "Wish", "Says ten words", "03/11/2026"],
            ["G3", *row, "3", "Goal", "Says ten words", "03/11/2026"],
            ["G4", *row, "", "", "", "03/11/2026"],
            ["G5", *row, "", "need", "", "03/11/2026"],
        ]
    )
    batch = import_file(personas.team_manager, "outcomes", data)
    assert (batch.rows_loaded, batch.rows_rejected) == (1, 4), _errors(batch)
    record = OutcomeRecord.objects.get()
    assert (record.kind, record.person, record.description, record.organisation) == (
        OutcomeRecord.Kind.GOAL,
        child,
        "Says ten words by Christmas",
        personas.lead,
    )
    assert ChangeRecord.objects.filter(object_uuid=record.uuid).exists()
    errors = _errors(batch)
    assert "'Wish' is not a type" in errors[3]["Type"]
    assert "not both" in errors[4]["Type"]
    assert "Enter a score, or say" in errors[5]["Score"]
    assert "Describe it" in errors[6]["Description"]
    again = import_file(personas.team_manager, "outcomes", data + b"\n")
    assert (again.rows_loaded, again.rows_unchanged) == (0, 1)
    assert OutcomeRecord.objects.count() == 1
