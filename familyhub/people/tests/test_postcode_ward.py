"""An address takes its ward from its postcode, and never contradicts the postcode directory
(R-PEOPLE-2; the ward decides who serves a family and its eligibility, R-ENGAGE-2; the directory
is the ONS Postcode Directory loaded by the postcode-lookup import, R-IMPORT-1).

Through the service (every write path: the registration pages, moves, the API, imports and the
register's walk-ins share `people.services.clean_address`), the staff pages and the API.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from familyhub.core.errors import ValidationFailed
from familyhub.core.testing import register_smith_family
from familyhub.people import services
from familyhub.people.models import Address
from familyhub.places.models import PostcodeWard, Ward
from familyhub.places.postcodes import ward_for_postcode_key

pytestmark = pytest.mark.django_db

BABY = {"given_name": "Amy", "date_of_birth": date(2025, 5, 1)}


@pytest.fixture
def directory(personas):
    """NG6 8AB is in the personas' ward (Bulwell) in the directory; NG6 9ZZ is not in it."""
    PostcodeWard.objects.create(
        postcode_key="NG68AB", postcode="NG6 8AB", ward=personas.ward, source="test directory"
    )
    return personas.ward


@pytest.fixture
def elsewhere(personas):
    return Ward.objects.exclude(pk=personas.ward.pk).order_by("code").first()


def _current(household) -> Address:
    return household.addresses.get(valid_to__isnull=True)


def test_the_lookup_reads_the_directory_by_postcode_key(directory):
    assert ward_for_postcode_key("NG68AB") == directory
    assert ward_for_postcode_key("NG69ZZ") is None
    assert ward_for_postcode_key("") is None


def test_a_ward_left_not_known_is_taken_from_the_postcode(personas, directory):
    household = register_smith_family(personas.practitioner, BABY)
    assert _current(household).ward == directory


def test_a_ward_that_contradicts_the_directory_is_refused_at_the_ward(
    personas, directory, elsewhere
):
    with pytest.raises(ValidationFailed) as refused:
        register_smith_family(
            personas.practitioner,
            BABY,
            address={"line1": "1 Test Street", "postcode": "ng6 8ab", "ward": elsewhere},
        )
    [message] = refused.value.errors["address_ward"]
    assert f"NG6 8AB is in {directory.name} ({directory.code})" in message
    assert "'Not known'" in message  # says how to fix it


def test_the_ward_is_reported_with_the_other_address_problems(personas, directory, elsewhere):
    with pytest.raises(ValidationFailed) as refused:
        services.clean_address({"line1": "", "postcode": "NG6 8AB", "ward": elsewhere})
    assert {"address_line1", "address_ward"} <= set(refused.value.errors)


def test_the_same_ward_as_the_directory_is_accepted(personas, directory):
    household = register_smith_family(
        personas.practitioner,
        BABY,
        address={"line1": "1 Test Street", "postcode": "NG6 8AB", "ward": directory},
    )
    assert _current(household).ward == directory


def test_a_postcode_not_in_the_directory_keeps_what_staff_chose(personas, directory, elsewhere):
    chosen = register_smith_family(
        personas.practitioner,
        BABY,
        address={"line1": "1 Test Street", "postcode": "NG6 9ZZ", "ward": elsewhere},
    )
    assert _current(chosen).ward == elsewhere
    unknown = register_smith_family(
        personas.practitioner,
        {"given_name": "Bea", "date_of_birth": date(2025, 6, 1)},
        john={"nhs_number": "999 000 0026", "given_name": "Jack"},
        address={"line1": "2 Test Street", "postcode": "NG6 9ZZ"},
    )
    assert _current(unknown).ward is None


def test_a_move_takes_the_new_postcodes_ward(personas, directory, elsewhere):
    household = register_smith_family(
        personas.practitioner,
        BABY,
        address={"line1": "1 Test Street", "postcode": "NG6 9ZZ", "ward": elsewhere},
        moved_in_on=timezone.localdate() - timedelta(days=30),
    )
    moved = services.household_move(
        actor=personas.practitioner,
        household=household,
        address={"line1": "5 New Road", "postcode": "ng68ab"},
        moved_on=timezone.localdate() - timedelta(days=1),
    )
    assert moved.ward == directory
    assert _current(household).ward == directory


def test_the_registration_page_shows_the_contradiction_at_the_ward_and_keeps_the_typing(
    personas, client_for, directory, elsewhere
):
    client = client_for(personas.practitioner)
    response = client.post(
        reverse("people:household_register_start"),
        {
            "name": "Smith family",
            "line1": "1 Test Street",
            "town": "Nottingham",
            "postcode": "ng6 8ab",
            "ward": str(elsewhere.pk),
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["ward"]
    assert f"is in {directory.name}" in errors["ward"][0]
    assert b"1 Test Street" in response.content  # what was typed is still there


def test_the_registration_page_accepts_not_known_for_a_postcode_in_the_directory(
    personas, client_for, directory
):
    client = client_for(personas.practitioner)
    response = client.post(
        reverse("people:household_register_start"),
        {"name": "Smith family", "line1": "1 Test Street", "postcode": "ng6 8ab", "ward": ""},
    )
    assert response.status_code == 302


def test_the_api_refuses_a_contradicting_ward_at_address_ward(personas, directory, elsewhere):
    from rest_framework.test import APIClient

    from familyhub.api.tests.conftest import household_payload, problem_fields

    client = APIClient()
    client.force_authenticate(personas.practitioner)
    payload = household_payload()
    payload["address"] = {"line1": "2 Test Road", "postcode": "NG6 8AB", "ward": elsewhere.code}
    response = client.post("/api/v1/households/", payload, format="json")
    assert response.status_code == 400, response.content
    assert "address.ward" in problem_fields(response)

    payload["address"].pop("ward")
    response = client.post("/api/v1/households/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["address"]["ward"] == directory.code


# --- addresses saved before the directory was loaded (ADR 0024) -------------------------------------


def _families_before_the_directory(personas, elsewhere):
    """Two lead families registered before NG6 8AB was in the directory: one without a ward, one
    with a ward the directory will contradict. And the partner's family (NG6 9ZZ: not in it)."""
    none = register_smith_family(
        personas.practitioner,
        BABY,
        address={"line1": "1 Test Street", "postcode": "NG6 8AB"},
    )
    other = register_smith_family(
        personas.practitioner,
        {"given_name": "Bea", "date_of_birth": date(2025, 6, 1)},
        john={"nhs_number": "999 000 0026", "given_name": "Jack"},
        address={"line1": "2 Test Street", "postcode": "NG6 8AB", "ward": elsewhere},
    )
    return none, other


def test_the_review_counts_what_the_directory_would_change_and_changes_nothing(personas, elsewhere):
    none, other = _families_before_the_directory(personas, elsewhere)
    PostcodeWard.objects.create(postcode_key="NG68AB", postcode="NG6 8AB", ward=personas.ward)
    review = services.address_wards_review(personas.practitioner)
    assert (review.without_ward, review.other_ward, review.total) == (1, 1, 2)
    assert _current(none).ward is None and _current(other).ward == elsewhere
    # Another organisation's staff see none of these families, so nothing to review.
    assert services.address_wards_review(personas.other_org_staff).total == 0


def test_applying_sets_the_wards_with_history_and_a_log_entry(personas, elsewhere):
    from familyhub.access.models import AccessLogEntry
    from familyhub.core.models import ChangeRecord

    none, other = _families_before_the_directory(personas, elsewhere)
    PostcodeWard.objects.create(postcode_key="NG68AB", postcode="NG6 8AB", ward=personas.ward)
    versions = {h.pk: h.version for h in (none, other)}
    review = services.address_wards_from_postcodes(personas.team_manager, chunk=1)
    assert review.changed == 2
    assert _current(none).ward == personas.ward and _current(other).ward == personas.ward
    change = ChangeRecord.objects.get(household=other, field="ward")
    assert change.reason == "Ward taken from the postcode directory"
    assert elsewhere.name in change.old_value and personas.ward.name in change.new_value
    for household in (none, other):
        household.refresh_from_db()
        assert household.version == versions[household.pk] + 1  # an open edit form is now stale
    assert AccessLogEntry.objects.filter(
        username=personas.team_manager.username, object_type="address"
    ).exists()
    assert services.address_wards_review(personas.team_manager).total == 0  # nothing left


def test_a_role_that_cannot_edit_families_is_refused(personas):
    from familyhub.core.errors import PermissionRefused

    with pytest.raises(PermissionRefused):
        services.address_wards_review(personas.analyst)


def test_the_command_counts_then_applies(personas, elsewhere):
    from io import StringIO

    from django.core.management import call_command

    none, _ = _families_before_the_directory(personas, elsewhere)
    PostcodeWard.objects.create(postcode_key="NG68AB", postcode="NG6 8AB", ward=personas.ward)
    out = StringIO()
    call_command("wards_from_postcodes", "--user", personas.team_manager.username, stdout=out)
    assert "2 (1 without a ward, 1 with another ward)" in out.getvalue()
    assert "run again with --apply" in out.getvalue()
    assert _current(none).ward is None
    out = StringIO()
    call_command(
        "wards_from_postcodes", "--user", personas.team_manager.username, "--apply", stdout=out
    )
    assert "Ward set from the postcode on 2 addresses." in out.getvalue()
    assert _current(none).ward == personas.ward


def test_the_postcode_import_page_offers_to_set_the_wards(personas, client_for, elsewhere):
    from familyhub.imports.models import ImportBatch

    none, other = _families_before_the_directory(personas, elsewhere)
    PostcodeWard.objects.create(postcode_key="NG68AB", postcode="NG6 8AB", ward=personas.ward)
    batch = ImportBatch.objects.create(
        kind="postcodes",
        organisation=personas.lead,
        uploaded_by=personas.team_manager,
        file_name="ONSPD.csv",
        file_format="csv",
        sha256="0" * 64,
        status=ImportBatch.Status.COMPLETED,
    )
    client = client_for(personas.team_manager)
    page = client.get(reverse("imports:batch_detail", args=[batch.uuid]))
    assert b"2 current addresses of the families you work with" in page.content
    response = client.post(reverse("imports:wards_from_postcodes", args=[batch.uuid]))
    assert response.status_code == 302
    assert _current(none).ward == personas.ward and _current(other).ward == personas.ward
    page = client.get(reverse("imports:batch_detail", args=[batch.uuid]))
    assert b"Ward set from the postcode on 2 addresses" in page.content
    assert b"agrees with this directory" in page.content
