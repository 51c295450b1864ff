"""Every kind of bad input is refused with 400 application/problem+json naming the field; never 500.

(The test client re-raises any exception a view lets escape, so a 500 would fail these loudly.)
"""

from __future__ import annotations

import copy
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from familyhub.api.tests.conftest import household_payload, member_uuids, problem_fields

pytestmark = pytest.mark.django_db
LIST = "/api/v1/households/"


def _today():
    return timezone.localdate()


def changed(path: str, value: Any) -> dict[str, Any]:
    """The good household payload with one value (at a dotted path) replaced."""
    body = household_payload()
    target: Any = body
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return body


def twice_existing(existing: str) -> dict[str, Any]:
    return household_payload(
        members=[
            {"role": "parent_carer", "existing_person": existing},
            {"role": "parent_carer", "existing_person": existing},
        ],
        relationships=[],
    )


REGISTER_CASES = {
    "invalid NHS number": (
        changed("members.0.person.nhs_number", "999 000 0019"),
        "members.0.person.nhs_number",
    ),
    "NHS number with letters": (
        changed("members.0.person.nhs_number", "99900000AB"),
        "members.0.person.nhs_number",
    ),
    "future date of birth": (
        changed("members.0.person.date_of_birth", (_today() + timedelta(days=2)).isoformat()),
        "members.0.person.date_of_birth",
    ),
    "not a date": (
        changed("members.0.person.date_of_birth", "31/02/2020"),
        "members.0.person.date_of_birth",
    ),
    "expected delivery long past": (
        changed(
            "members.1.person.expected_date_of_delivery",
            (_today() - timedelta(weeks=10)).isoformat(),
        ),
        "members.1.person.expected_date_of_delivery",
    ),
    "malformed postcode": (changed("address.postcode", "NG7 CIKM"), "address.postcode"),
    "missing address line": (changed("address.line1", ""), "address.line1"),
    "unknown ward": (changed("address.ward", "E99999999"), "address.ward"),
    "relationship to oneself": (changed("relationships.0.to", 0), "relationships.0.to"),
    "relationship to nobody": (changed("relationships.0.to", 7), "relationships.0.to"),
    "negative member index": (changed("relationships.0.from", -1), "relationships.0.from"),
    "unknown relationship kind": (changed("relationships.0.kind", "aunt"), "relationships.0.kind"),
    "unknown role": (changed("members.0.role", "boss"), "members.0.role"),
    "unborn as a parent": (changed("members.1.role", "parent_carer"), "members.1.role"),
    "unknown ethnicity key": (
        changed("members.0.person.ethnicity", "ons-99"),
        "members.0.person.ethnicity",
    ),
    "unknown choice": (changed("members.0.person.sex", "x"), "members.0.person.sex"),
    "no last name": (changed("members.0.person.family_name", ""), "members.0.person.family_name"),
    "null name": (changed("members.0.person.given_name", None), "members.0.person.given_name"),
    "too long name": (changed("name", "x" * 151), "name"),
    "blank household name": (changed("name", "  "), "name"),
    "bad household phone": (changed("phone", "call me"), "phone"),
    "bad email": (changed("members.0.person.email", "not-an-email"), "members.0.person.email"),
    "no members": (household_payload(members=[], relationships=[]), "members"),
    "member neither new nor existing": (
        changed("members.0", {"role": "child"}),
        "members.0.person",
    ),
    "existing person id not a uuid": (
        changed("members.0", {"role": "child", "existing_person": "x"}),
        "members.0.existing_person",
    ),
    "existing person unknown": (
        changed("members.0", {"role": "child", "existing_person": str(uuid.uuid4())}),
        "members.0.existing_person",
    ),
    "members not a list": (changed("members", {"role": "child"}), "members"),
}


@pytest.mark.parametrize("case", list(REGISTER_CASES))
def test_register_bad_input(personas, api, case):
    payload, field = REGISTER_CASES[case]
    response = api(personas.practitioner).post(LIST, copy.deepcopy(payload), format="json")
    assert response.status_code == 400, response.content
    assert field in problem_fields(response), response.json()
    body = response.json()
    assert body["status"] == 400 and body["title"] and body["detail"]


def test_register_reports_every_field_at_once(personas, api):
    payload = household_payload()
    payload["members"][0]["person"]["nhs_number"] = "999 000 0019"
    payload["members"][0]["person"]["date_of_birth"] = (_today() + timedelta(days=1)).isoformat()
    payload["address"]["postcode"] = "nonsense"
    payload["relationships"][0]["to"] = 0
    response = api(personas.practitioner).post(LIST, payload, format="json")
    assert problem_fields(response) == {
        "members.0.person.nhs_number",
        "members.0.person.date_of_birth",
        "address.postcode",
        "relationships.0.to",
    }


def test_every_unknown_existing_person_reported(personas, api):
    payload = household_payload(
        members=[
            {"role": "parent_carer", "existing_person": str(uuid.uuid4())},
            {"role": "child", "existing_person": str(uuid.uuid4())},
        ],
        relationships=[],
    )
    response = api(personas.practitioner).post(LIST, payload, format="json")
    assert problem_fields(response) == {"members.0.existing_person", "members.1.existing_person"}


def test_person_added_twice_when_registering(personas, api):
    existing = member_uuids(personas.household)[0]
    response = api(personas.practitioner).post(LIST, twice_existing(existing), format="json")
    assert response.status_code == 400
    assert problem_fields(response) == {"members.1.existing_person"}


def test_person_added_twice_to_a_household(personas, api):
    existing = member_uuids(personas.household)[0]
    response = api(personas.practitioner).post(
        f"/api/v1/households/{personas.household.uuid}/members/",
        {"role": "parent_carer", "existing_person": existing},
        format="json",
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"existing_person"}


def test_new_member_bad_details(personas, api):
    response = api(personas.practitioner).post(
        f"/api/v1/households/{personas.household.uuid}/members/",
        {
            "role": "child",
            "person": {
                "given_name": "Kit",
                "family_name": "Testington",
                "nhs_number": "1234567890",
            },
        },
        format="json",
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"person.nhs_number", "person.date_of_birth"}


def test_relationship_to_oneself(personas, api):
    me = member_uuids(personas.household)[0]
    response = api(personas.practitioner).post(
        "/api/v1/relationships/", {"from": me, "to": me, "kind": "sibling"}, format="json"
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"to"}


def test_relationship_bad_ids(personas, api):
    response = api(personas.practitioner).post(
        "/api/v1/relationships/", {"from": "nope", "kind": "sibling"}, format="json"
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"from", "to"}


PERSON_CASES = {
    "invalid NHS number": ({"nhs_number": "9990000019"}, "nhs_number"),
    "future date of birth": (
        {"date_of_birth": (_today() + timedelta(days=1)).isoformat()},
        "date_of_birth",
    ),
    "very old date of birth": ({"date_of_birth": "1800-01-01"}, "date_of_birth"),
    "blank last name": ({"family_name": " "}, "family_name"),
    "bad phone": ({"phone": "abc"}, "phone"),
    "too long": ({"gp_practice_code": "x" * 11}, "gp_practice_code"),
    "version not a number": ({"version": "one"}, "version"),
    "version zero": ({"version": 0}, "version"),
    "version too big for the database": ({"version": 10**20}, "version"),
    "NUL character": ({"known_as": "A\u0000"}, "known_as"),
}


@pytest.mark.parametrize("case", list(PERSON_CASES))
def test_person_update_bad_input(personas, api, case):
    data, field = PERSON_CASES[case]
    adult = next(m.person for m in personas.household.memberships.all() if m.role == "parent_carer")
    response = api(personas.practitioner).patch(
        f"/api/v1/people/{adult.uuid}/", {"version": 1, **data}, format="json"
    )
    assert response.status_code == 400, response.content
    assert problem_fields(response) == {field}


def test_unborn_expected_delivery_long_past(personas, api):
    baby = next(
        m.person
        for m in personas.household.memberships.select_related("person")
        if m.person.is_unborn
    )
    response = api(personas.practitioner).patch(
        f"/api/v1/people/{baby.uuid}/",
        {"version": 1, "expected_date_of_delivery": (_today() - timedelta(weeks=8)).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"expected_date_of_delivery"}
    # A few weeks late is normal, and accepted.
    ok = api(personas.practitioner).patch(
        f"/api/v1/people/{baby.uuid}/",
        {"version": 1, "expected_date_of_delivery": (_today() - timedelta(weeks=2)).isoformat()},
        format="json",
    )
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("address", "moved_on", "field"),
    [
        ({"line1": "1 New St", "postcode": "NG7 CIKM"}, -1, "address.postcode"),
        ({"line1": "", "postcode": "NG7 5HY"}, -1, "address.line1"),
        ({"line1": "1 New St", "postcode": "NG7 5HY"}, 3, "moved_on"),
        ({"line1": "1 New St", "postcode": "NG7 5HY"}, -1000, "moved_on"),
    ],
)
def test_move_bad_input(personas, api, address, moved_on, field):
    response = api(personas.practitioner).post(
        f"/api/v1/households/{personas.household.uuid}/move/",
        {"address": address, "moved_on": (_today() + timedelta(days=moved_on)).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert problem_fields(response) == {field}


def test_household_update_bad_phone(personas, api):
    response = api(personas.practitioner).patch(
        f"/api/v1/households/{personas.household.uuid}/",
        {"version": 1, "phone": "call me"},
        format="json",
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"phone"}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ("[]", "application/json"),
        ("name=x", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_bodies(personas, api, body, content_type):
    response = api(personas.practitioner).generic("POST", LIST, body, content_type=content_type)
    assert response.status_code in (400, 415)
    assert response["Content-Type"] == "application/problem+json"


def test_unknown_api_route_is_problem_404(personas, api):
    response = api(personas.practitioner).get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
