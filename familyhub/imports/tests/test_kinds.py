"""People and households, and the postcode lookup (R-IMPORT-1, R-PEOPLE-1, R-PEOPLE-2)."""

from __future__ import annotations

import pytest

from familyhub.imports.models import ImportedRecord
from familyhub.imports.testing import csv_bytes, import_file
from familyhub.people.models import CaseAllocation, Household, Person
from familyhub.places.models import PostcodeWard

pytestmark = pytest.mark.django_db
PEOPLE_HEADER = [
    "Client ID",
    "Family ID",
    "Forename",
    "Surname",
    "DOB",
    "Role",
    "NHS No.",
    "Address 1",
    "Postcode",
]


def test_people_rows_register_households_through_the_services(personas):
    data = csv_bytes(
        [
            PEOPLE_HEADER,
            [
                "P1",
                "F1",
                "Amira",
                "Okafor",
                "14/02/1992",
                "Parent",
                "999 000 0018",
                "1 Elm Road",
                "NG6 8AB",
            ],
            ["P2", "F1", "Tobi", "Okafor", "2024-05-01", "Child", "", "1 Elm Road", "NG6 8AB"],
            [
                "P3",
                "",
                "Sam",
                "Reed",
                "1-Mar-1990",
                "parent",
                "999 000 0000",
                "2 Ash St",
                "NG7 5HY",
            ],
            ["P4", "", "", "", "01/01/1990", "parent", "", "3 Oak St", "NG7 5HY"],
            ["P5", "", "Jo", "Bell", "01/01/1990", "uncle", "", "3 Oak St", "NOT A PC"],
        ]
    )
    batch = import_file(personas.team_manager, "people", data)
    assert (batch.rows_loaded, batch.rows_rejected) == (2, 3)
    amira = Person.objects.get(given_name="Amira")
    household = Household.objects.get(memberships__person=amira)
    assert set(household.memberships.values_list("person__given_name", flat=True)) == {
        "Amira",
        "Tobi",
    }
    assert CaseAllocation.objects.get(household=household).organisation == personas.lead
    errors = {r.row_number: dict(map(tuple, r.errors)) for r in batch.rejected.all()}
    assert "not a valid NHS number" in errors[4]["NHS No."]
    assert errors[5]["Surname"].startswith("Enter a last name")
    assert "not a role" in errors[6]["Role"]
    # Again, in another file: the partner's record ids are the row keys, nothing new is made.
    again = import_file(personas.team_manager, "people", data + b"\n")
    assert (again.rows_loaded, again.rows_unchanged, again.rows_rejected) == (0, 2, 3)
    assert Person.objects.filter(family_name="Okafor").count() == 2
    assert ImportedRecord.objects.filter(kind="person").count() == 2


def test_postcode_lookup_from_the_onspd_layout(personas):
    data = csv_bytes(
        [
            ["pcd", "pcds", "dointr", "doterm", "osward"],
            ["NG6 8AB", "NG6 8AB", "198001", "", personas.ward.code],
            ["NG7 5HY", "NG7 5HY", "198001", "", "E05999999"],  # another area: skipped
            ["NG6 9ZZ", "NG6 9ZZ", "198001", "201001", personas.ward.code],  # terminated
            ["BAD", "BAD", "198001", "", personas.ward.code],
        ]
    )
    batch = import_file(personas.admin, "postcodes", data)
    assert (batch.rows_loaded, batch.rows_unchanged, batch.rows_rejected) == (1, 2, 1)
    assert PostcodeWard.objects.get().ward == personas.ward
    again = import_file(personas.admin, "postcodes", data + b"\n")
    assert (again.rows_loaded, again.rows_unchanged) == (0, 3)


def test_population_figures_load_update_and_change_nothing_twice(personas):
    from familyhub.places.models import PopulationEstimate

    header = ["ward_code", "year", "age_from", "age_to", "sex", "ethnic_group", "count", "source"]
    code = personas.ward.code
    data = csv_bytes(
        [
            header,
            [code, "2024", "0", "4", "", "", "900", "ONS MYE 2024"],
            [code, "2024", "0", "4", "", "Asian", "120", "ONS MYE 2024"],
            ["E05XXXXXX", "2024", "0", "4", "", "", "10", "x"],
            [code, "2024", "5", "4", "", "", "10", "x"],
            [code, "twenty", "0", "4", "", "", "-3", "x"],
        ]
    )
    batch = import_file(personas.admin, "population", data, name="pop.csv")
    assert (batch.rows_loaded, batch.rows_rejected) == (2, 3)
    errors = {r.row_number: dict(map(tuple, r.errors)) for r in batch.rejected.all()}
    assert "not a ward" in errors[4]["ward_code"]
    assert "ends before it starts" in errors[5]["age_to"]
    assert set(errors[6]) == {"year", "count"}
    again = import_file(personas.admin, "population", data + b"\n")
    assert (again.rows_loaded, again.rows_unchanged) == (0, 2)
    changed = csv_bytes([header, [code, "2024", "0", "4", "", "", "950", "ONS MYE 2024"]])
    third = import_file(personas.admin, "population", changed)
    assert third.rows_loaded == 1
    assert PopulationEstimate.objects.get(ethnic_group="", source="ONS MYE 2024").count == 950


def test_referrals_received_go_through_the_referral_service(personas):
    from familyhub.casework.models import Referral
    from familyhub.casework.tests.factories import make_service

    service = make_service(personas.lead)
    parent = personas.household.memberships.filter(role="parent_carer").first().person
    child = personas.household.memberships.filter(role="child").first().person
    outsider = personas.partner_household.memberships.first().person
    header = [
        "Ref",
        "Person",
        "Service",
        "From",
        "Referrer",
        "Date",
        "Reason",
        "Agreed by",
        "Agreed on",
        "How",
    ]
    row = [
        "R1",
        child.uuid,
        service.code,
        personas.partner.name,
        "Health visitor",
        "03/11/2026",
        "Speech",
        parent.uuid,
        "2026-11-02",
        "Phone",
    ]
    data = csv_bytes(
        [
            header,
            row,
            ["R2", outsider.uuid, *row[2:]],  # a family the importer does not work with
            [
                "R3",
                child.uuid,
                "no-such",
                personas.partner.name,
                "",
                "03/11/2026",
                "",
                parent.uuid,
                "02/11/26",
                "carrier pigeon",
            ],
        ]
    )
    batch = import_file(
        personas.team_manager,
        "referrals",
        data,
        mapping={
            "record_id": "Ref",
            "from_organisation": "From",
            "referred_on": "Date",
            "agreed_by": "Agreed by",
            "agreed_on": "Agreed on",
            "agreement_method": "How",
        },
    )
    assert (batch.rows_loaded, batch.rows_rejected) == (1, 2), list(batch.rejected.values("errors"))
    referral = Referral.objects.get()
    assert (referral.person, referral.agreed_by, referral.to_organisation) == (
        child,
        parent,
        personas.lead,
    )
    errors = {r.row_number: dict(map(tuple, r.errors)) for r in batch.rejected.all()}
    assert "families you work with" in errors[3]["Person"]
    assert {"Service", "Agreed on", "How"} <= set(errors[4])
    again = import_file(personas.team_manager, "referrals", data + b"\n")
    assert (again.rows_loaded, again.rows_unchanged) == (0, 1)
    assert Referral.objects.count() == 1
