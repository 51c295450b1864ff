"""Households through the API: each route allowed and denied, as each persona."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from familyhub.access.models import AccessLogEntry
from familyhub.api.tests.conftest import PROBLEM, household_payload, member_uuids, problem_fields

pytestmark = pytest.mark.django_db
LIST = "/api/v1/households/"


def detail(household) -> str:
    return f"/api/v1/households/{household.uuid}/"


def test_practitioner_lists_only_their_organisations_households(personas, api):
    response = api(personas.practitioner).get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert {h["id"] for h in body["results"]} == {str(personas.household.uuid)}
    assert body["count"] == 1
    household = body["results"][0]
    assert household["address"]["postcode"] == "NG6 8AB"
    assert household["address"]["ward"] == "E05012275"
    assert {m["person"]["id"] for m in household["members"]} == set(
        member_uuids(personas.household)
    )


def test_partner_staff_see_their_own_households(personas, api):
    response = api(personas.partner_staff).get(LIST)
    assert {h["id"] for h in response.json()["results"]} == {str(personas.partner_household.uuid)}


def test_list_logs_the_members_shown(personas, api):
    api(personas.practitioner).get(LIST)
    entry = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.LIST).latest("id")
    assert entry.detail == "api households list"
    assert entry.channel == "api"
    assert entry.subject_count == personas.household.memberships.count()


@pytest.mark.parametrize("persona", ["analyst", "dpo", "admin"])
def test_roles_without_family_access_are_refused(personas, api, persona):
    client = api(getattr(personas, persona))
    for response in (
        client.get(LIST),
        client.get(detail(personas.household)),
        client.post(LIST, household_payload(), format="json"),
    ):
        assert response.status_code == 403
        assert response["Content-Type"] == PROBLEM
        assert response.json()["status"] == 403


def test_anonymous_gets_401_problem(personas, api):
    response = api(None).get(LIST)
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["title"] == "Sign in needed"


def test_read_one_household_with_relationships_and_log(personas, api):
    response = api(personas.practitioner).get(detail(personas.household))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(personas.household.uuid)
    assert body["version"] == 1
    assert [r["kind"] for r in body["relationships"]] == ["mother"]
    rel = body["relationships"][0]
    assert {rel["from"]["id"], rel["to"]["id"]} <= set(member_uuids(personas.household))
    entry = AccessLogEntry.objects.latest("id")
    assert entry.action == AccessLogEntry.Action.VIEW_HOUSEHOLD


def test_out_of_scope_household_is_404_like_a_missing_one(personas, api):
    client = api(personas.other_org_staff)
    forbidden = client.get(detail(personas.household))
    missing = client.get(f"/api/v1/households/{uuid.uuid4()}/")
    junk = client.get("/api/v1/households/not-a-uuid/")
    for response in (forbidden, missing, junk):
        assert response.status_code == 404
        assert response["Content-Type"] == PROBLEM
    assert forbidden.json() == missing.json()
    assert junk.json()["title"] == "Not found"
    # ... and the same for every route under it.
    for path, body in [("move/", {}), ("members/", {})]:
        assert (
            client.post(detail(personas.household) + path, body, format="json").status_code == 404
        )
    assert (
        client.patch(detail(personas.household), {"version": 1}, format="json").status_code == 404
    )


def test_register_household(personas, api):
    response = api(personas.practitioner).post(LIST, household_payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == f"/api/v1/households/{body['id']}/"
    assert body["name"] == "Jones family"
    assert body["address"]["postcode"] == "NG7 5HY"
    assert body["organisations"] == ["Test Lead Partnership"]
    assert len(body["members"]) == 2
    assert body["relationships"][0]["kind"] == "mother"
    carys = next(m for m in body["members"] if m["person"]["given_name"] == "Carys")
    person = api(personas.practitioner).get(f"/api/v1/people/{carys['person']['id']}/").json()
    assert person["nhs_number"] == "9990000026"
    assert person["ethnicity"] == "ons-13"
    assert person["religion"] == "none"
    # ... and it now appears in the list.
    listed = api(personas.practitioner).get(LIST).json()
    assert body["id"] in {h["id"] for h in listed["results"]}


def test_register_with_an_existing_person(personas, api):
    existing = member_uuids(personas.household)[0]
    payload = household_payload(
        members=[{"role": "parent_carer", "existing_person": existing, "lives_here": False}],
        relationships=[],
    )
    response = api(personas.practitioner).post(LIST, payload, format="json")
    assert response.status_code == 201, response.json()
    person = api(personas.practitioner).get(f"/api/v1/people/{existing}/").json()
    assert len(person["households"]) == 2


def test_register_cannot_use_someone_out_of_scope(personas, api):
    outsider = member_uuids(personas.other_household)[0]
    payload = household_payload(
        members=[{"role": "parent_carer", "existing_person": outsider}], relationships=[]
    )
    response = api(personas.practitioner).post(LIST, payload, format="json")
    assert response.status_code == 400
    assert problem_fields(response) == {"members.0.existing_person"}
    missing = api(personas.practitioner).post(
        LIST,
        household_payload(
            members=[{"role": "parent_carer", "existing_person": str(uuid.uuid4())}],
            relationships=[],
        ),
        format="json",
    )
    assert missing.json()["errors"] == response.json()["errors"]


def test_group_worker_may_not_record_special_category_data(personas, api):
    before = AccessLogEntry.objects.filter(action="create").count()
    response = api(personas.group_worker).post(LIST, household_payload(), format="json")
    assert response.status_code == 403
    assert problem_fields(response) == {"members.0.person.ethnicity", "members.0.person.religion"}
    assert AccessLogEntry.objects.filter(action="create").count() == before
    # Without them, the same family registers.
    payload = household_payload()
    for key in ("ethnicity", "religion"):
        del payload["members"][0]["person"][key]
    assert api(personas.group_worker).post(LIST, payload, format="json").status_code == 201


def test_change_household_details(personas, api):
    client = api(personas.practitioner)
    response = client.patch(
        detail(personas.household),
        {"version": 1, "name": "Testington-Smith family", "reason": "Name changed"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "Testington-Smith family"
    assert response.json()["version"] == 2


def test_stale_household_version_is_409(personas, api):
    client = api(personas.practitioner)
    assert (
        client.patch(
            detail(personas.household), {"version": 1, "notes": "Dog"}, format="json"
        ).status_code
        == 200
    )
    response = client.patch(
        detail(personas.household), {"version": 1, "notes": "Cat"}, format="json"
    )
    assert response.status_code == 409
    assert problem_fields(response) == {"version"}
    assert client.get(detail(personas.household)).json()["notes"] == "Dog"


def test_household_update_needs_version(personas, api):
    response = api(personas.practitioner).patch(
        detail(personas.household), {"name": "X"}, format="json"
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"version"}


def test_move_keeps_history(personas, api):
    moved_on = timezone.localdate() - timedelta(days=2)
    response = api(personas.practitioner).post(
        detail(personas.household) + "move/",
        {
            "address": {"line1": "9 New Street", "postcode": "ng5 1aa"},
            "moved_on": moved_on.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["address"]["postcode"] == "NG5 1AA"
    assert response.json()["address"]["valid_from"] == moved_on.isoformat()
    assert personas.household.addresses.count() == 2


def test_add_new_member(personas, api):
    response = api(personas.practitioner).post(
        detail(personas.household) + "members/",
        {
            "role": "other_member",
            "person": {
                "given_name": "Gran",
                "family_name": "Testington",
                "date_of_birth": "1950-01-01",
            },
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["household"] == str(personas.household.uuid)
    assert body["person"]["given_name"] == "Gran"
    assert response["Location"] == f"/api/v1/people/{body['person']['id']}/"
    assert personas.household.memberships.count() == 4


def test_add_existing_member_from_another_household(personas, api):
    # A parent living apart, already recorded in another family the practitioner can see.
    other = api(personas.practitioner).post(LIST, household_payload(), format="json").json()
    carys = next(m["person"]["id"] for m in other["members"] if m["role"] == "parent_carer")
    response = api(personas.practitioner).post(
        detail(personas.household) + "members/",
        {"role": "parent_carer", "existing_person": carys, "lives_here": False},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert len(response.json()["person"]["households"]) == 2


def member(household, person) -> str:
    return f"{detail(household)}members/{person.uuid}/"


def a_parent(household):
    return household.memberships.filter(role="parent_carer").order_by("id").first().person


def test_change_a_members_place_keeps_history(personas, api):
    """R-PEOPLE-1, R-PEOPLE-5: a parent moves out but stays in the family; history keeps it."""
    from familyhub.core.models import ChangeRecord

    parent = a_parent(personas.household)
    version = personas.household.version
    response = api(personas.practitioner).patch(
        member(personas.household, parent),
        {"version": version, "lives_here": False, "reason": "Parents separated"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    row = next(m for m in body["members"] if m["person"]["id"] == str(parent.uuid))
    assert row["lives_here"] is False and row["role"] == "parent_carer"
    assert body["version"] == version + 1
    change = ChangeRecord.objects.get(model="membership", field="lives_here", person=parent)
    assert change.reason == "Parents separated" and change.actor == personas.practitioner


def test_a_member_who_left_stays_on_the_record(personas, api):
    parent = a_parent(personas.household)
    left = timezone.localdate() - timedelta(days=3)
    response = api(personas.practitioner).patch(
        member(personas.household, parent),
        {"version": personas.household.version, "left_on": left.isoformat(), "lives_here": True},
        format="json",
    )
    assert response.status_code == 200, response.json()
    row = next(m for m in response.json()["members"] if m["person"]["id"] == str(parent.uuid))
    # Someone who has left does not live there, whatever was sent.
    assert row["left_on"] == left.isoformat() and row["lives_here"] is False


def test_member_change_errors_name_the_field(personas, api):
    parent = a_parent(personas.household)
    client = api(personas.practitioner)
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.patch(
        member(personas.household, parent),
        {"version": personas.household.version, "left_on": future},
        format="json",
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"left_on"}
    response = client.patch(member(personas.household, parent), {"role": "nobody"}, format="json")
    assert response.status_code == 400
    assert problem_fields(response) == {"version", "role"}


def test_member_change_with_a_stale_version_is_409(personas, api):
    parent = a_parent(personas.household)
    client = api(personas.practitioner)
    stale = personas.household.version
    assert (
        client.patch(
            member(personas.household, parent),
            {"version": stale, "role": "other_member"},
            format="json",
        ).status_code
        == 200
    )
    response = client.patch(
        member(personas.household, parent), {"version": stale, "lives_here": False}, format="json"
    )
    assert response.status_code == 409
    assert problem_fields(response) == {"version"}
    parent_row = personas.household.memberships.get(person=parent)
    assert parent_row.lives_here is True and parent_row.role == "other_member"


def test_member_of_another_family_is_404_like_a_missing_one(personas, api):
    client = api(personas.practitioner)
    version = {"version": 1, "lives_here": False}
    # Someone from the partner's family, asked for through the practitioner's own family.
    stranger = a_parent(personas.partner_household)
    wrong = client.patch(member(personas.household, stranger), version, format="json")
    missing = client.patch(
        f"{detail(personas.household)}members/{uuid.uuid4()}/", version, format="json"
    )
    assert wrong.status_code == missing.status_code == 404
    assert wrong.json() == missing.json()
    assert personas.partner_household.memberships.get(person=stranger).lives_here is True
