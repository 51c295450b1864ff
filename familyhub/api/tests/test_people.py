"""People and relationships through the API."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from familyhub.access.models import AccessLogEntry
from familyhub.api.tests.conftest import PROBLEM, member_uuids, problem_fields, register_smiths
from familyhub.core.testing import make_household
from familyhub.people.choices import RelationshipKind
from familyhub.people.models import Membership, Relationship
from familyhub.people.services import SPECIAL_CATEGORY_FIELDS

pytestmark = pytest.mark.django_db
LIST = "/api/v1/people/"


def url(person_id, tail: str = "") -> str:
    return f"/api/v1/people/{person_id}/{tail}"


def person_in(household, **where):
    return next(
        m.person
        for m in household.memberships.select_related("person")
        if all(getattr(m.person, k) == v for k, v in where.items())
    )


def test_list_people_in_scope(personas, api):
    response = api(personas.practitioner).get(LIST)
    assert response.status_code == 200
    ids = {p["id"] for p in response.json()["results"]}
    assert ids == set(member_uuids(personas.household))
    assert AccessLogEntry.objects.latest("id").detail == "api people list"


def test_list_is_paginated_and_logs_only_the_page(personas, api):
    response = api(personas.practitioner).get(LIST, {"page_size": 2})
    body = response.json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"] is not None
    entry = AccessLogEntry.objects.latest("id")
    assert (entry.action, entry.subject_count) == ("list", 2)
    second = api(personas.practitioner).get(LIST, {"page_size": 2, "page": 2}).json()
    assert len(second["results"]) == 1


def test_search_tolerates_misspelling(personas, api):
    register_smiths(personas.practitioner)
    response = api(personas.practitioner).get(LIST, {"q": "Jon Smyth"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["display_name"] == "John Smith"
    assert results[0]["households"][0]["name"] == "Smith family"
    entry = AccessLogEntry.objects.latest("id")
    assert entry.action == AccessLogEntry.Action.SEARCH
    assert "Smyth" not in entry.detail  # the query holds names: never in the log


def test_search_stays_in_scope(personas, api):
    register_smiths(personas.practitioner)
    response = api(personas.other_org_staff).get(LIST, {"q": "John Smith"})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_search_by_nhs_number(personas, api):
    register_smiths(personas.practitioner)
    results = api(personas.practitioner).get(LIST, {"q": "999 000 0018"}).json()["results"]
    assert [p["display_name"] for p in results] == ["John Smith"]


def test_read_person(personas, api):
    person = person_in(personas.household, is_unborn=False, sex="female")
    response = api(personas.practitioner).get(url(person.uuid))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(person.uuid)
    assert body["version"] == 1
    assert set(SPECIAL_CATEGORY_FIELDS) <= set(body)
    assert body["households"] == [
        {
            "id": str(personas.household.uuid),
            "name": personas.household.name,
            "role": body["households"][0]["role"],
            "lives_here": True,
        }
    ]
    assert AccessLogEntry.objects.latest("id").action == AccessLogEntry.Action.VIEW_PERSON


def test_special_category_hidden_from_group_worker(personas, api):
    person = person_in(personas.household, is_unborn=False, sex="female")
    body = api(personas.group_worker).get(url(person.uuid)).json()
    assert not set(SPECIAL_CATEGORY_FIELDS) & set(body)
    assert body["nhs_number"] == person.nhs_number
    for p in api(personas.group_worker).get(LIST).json()["results"]:
        assert not set(SPECIAL_CATEGORY_FIELDS) & set(p)


def test_out_of_scope_person_is_404_like_a_missing_one(personas, api):
    person_id = member_uuids(personas.household)[0]
    client = api(personas.other_org_staff)
    forbidden = client.get(url(person_id))
    missing = client.get(url(uuid.uuid4()))
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden["Content-Type"] == PROBLEM
    assert forbidden.json() == missing.json()
    assert client.patch(url(person_id), {"version": 1}, format="json").status_code == 404
    assert client.post(url(person_id, "birth/"), {}, format="json").status_code == 404
    assert client.get(url(person_id, "relationships/")).status_code == 404


@pytest.mark.parametrize("persona", ["analyst", "dpo", "admin"])
def test_roles_without_family_access_get_403(personas, api, persona):
    client = api(getattr(personas, persona))
    for response in (
        client.get(LIST),
        client.get(LIST, {"q": "Smith"}),
        client.get(url(member_uuids(personas.household)[0])),
    ):
        assert response.status_code == 403
        assert response["Content-Type"] == PROBLEM


def test_update_person(personas, api):
    person = person_in(personas.household, is_unborn=False, sex="female")
    response = api(personas.practitioner).patch(
        url(person.uuid),
        {
            "version": 1,
            "known_as": "Ash",
            "phone": "07700 900982",
            "ethnicity": "prefer-not-to-say",
            "reason": "Told us on the phone",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["known_as"], body["display_name"].split()[0]) == ("Ash", "Ash")
    assert body["ethnicity"] == "prefer-not-to-say"
    assert body["version"] == 2
    # Only the fields sent were changed.
    assert body["family_name"] == person.family_name


def test_stale_version_is_409(personas, api):
    person = person_in(personas.household, is_unborn=False, sex="female")
    first = api(personas.practitioner).patch(
        url(person.uuid), {"version": 1, "phone": "0115 496 0000"}, format="json"
    )
    assert first.status_code == 200
    second = api(personas.team_manager).patch(
        url(person.uuid), {"version": 1, "phone": "0115 496 0001"}, format="json"
    )
    assert second.status_code == 409
    assert second["Content-Type"] == PROBLEM
    assert problem_fields(second) == {"version"}
    assert "version 1" in second.json()["detail"]
    assert api(personas.practitioner).get(url(person.uuid)).json()["phone"] == "0115 496 0000"


def test_update_needs_version(personas, api):
    person_id = member_uuids(personas.household)[0]
    response = api(personas.practitioner).patch(url(person_id), {"known_as": "X"}, format="json")
    assert response.status_code == 400
    assert problem_fields(response) == {"version"}


def test_group_worker_cannot_set_special_category(personas, api):
    person = person_in(personas.household, is_unborn=False, sex="female")
    client = api(personas.group_worker)
    response = client.patch(
        url(person.uuid), {"version": 1, "religion": "christian"}, format="json"
    )
    assert response.status_code == 403
    assert problem_fields(response) == {"religion"}
    ok = client.patch(url(person.uuid), {"version": 1, "known_as": "Ash"}, format="json")
    assert ok.status_code == 200
    assert "religion" not in ok.json()


def test_record_birth(personas, api):
    baby = person_in(personas.household, is_unborn=True)
    born = timezone.localdate() - timedelta(days=1)
    response = api(personas.practitioner).post(
        url(baby.uuid, "birth/"),
        {"version": 1, "date_of_birth": born.isoformat(), "given_name": "Rose", "sex": "female"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["is_unborn"], body["date_of_birth"], body["given_name"]) == (
        False,
        born.isoformat(),
        "Rose",
    )
    assert body["id"] == str(baby.uuid)  # the same person, history kept
    again = api(personas.practitioner).post(
        url(baby.uuid, "birth/"),
        {"version": 2, "date_of_birth": born.isoformat()},
        format="json",
    )
    assert again.status_code == 400
    assert problem_fields(again) == {"date_of_birth"}


def test_record_birth_in_the_future_refused(personas, api):
    baby = person_in(personas.household, is_unborn=True)
    future = timezone.localdate() + timedelta(days=3)
    response = api(personas.practitioner).post(
        url(baby.uuid, "birth/"),
        {"version": 1, "date_of_birth": future.isoformat(), "given_name": "Rose"},
        format="json",
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"date_of_birth"}


def test_person_relationships(personas, api):
    mother = person_in(personas.household, is_unborn=False, sex="female")
    response = api(personas.practitioner).get(url(mother.uuid, "relationships/"))
    assert response.status_code == 200
    rels = response.json()["results"]
    assert [r["kind"] for r in rels] == ["mother"]
    assert rels[0]["from"]["id"] == str(mother.uuid)
    child = rels[0]["to"]["id"]
    from_child = api(personas.practitioner).get(url(child, "relationships/")).json()["results"]
    assert [(r["from"]["id"], r["to"]["id"]) for r in from_child] == [(str(mother.uuid), child)]


def test_relationships_with_people_out_of_scope_are_not_shown(personas, api):
    mother = person_in(personas.household, is_unborn=False, sex="female")
    outsider = personas.other_household.memberships.select_related("person").first().person
    # Set up behind the services' back: they refuse to link people outside the actor's scope.
    Relationship.objects.create(
        from_person=outsider, to_person=mother, kind=RelationshipKind.FRIEND
    )
    rels = api(personas.practitioner).get(url(mother.uuid, "relationships/")).json()["results"]
    assert [r["kind"] for r in rels] == ["mother"]
    assert str(outsider.uuid) not in str(rels)


def test_add_relationship(personas, api):
    ids = member_uuids(personas.household)
    response = api(personas.practitioner).post(
        "/api/v1/relationships/",
        {
            "from": ids[2],
            "to": ids[1],
            "kind": "sibling",
            "household": str(personas.household.uuid),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["from"]["id"], body["to"]["id"], body["kind"]) == (ids[2], ids[1], "sibling")
    assert response["Location"] == f"/api/v1/people/{ids[2]}/relationships/"
    duplicate = api(personas.practitioner).post(
        "/api/v1/relationships/",
        {"from": ids[2], "to": ids[1], "kind": "sibling"},
        format="json",
    )
    assert duplicate.status_code == 400
    assert problem_fields(duplicate) == {"kind"}


def test_relationship_with_someone_out_of_scope_refused_like_a_missing_one(personas, api):
    ids = member_uuids(personas.household)
    outsider = member_uuids(personas.other_household)[0]
    client = api(personas.practitioner)
    forbidden = client.post(
        "/api/v1/relationships/", {"from": ids[0], "to": outsider, "kind": "friend"}, format="json"
    )
    missing = client.post(
        "/api/v1/relationships/",
        {"from": ids[0], "to": str(uuid.uuid4()), "kind": "friend"},
        format="json",
    )
    assert forbidden.status_code == missing.status_code == 400
    assert problem_fields(forbidden) == {"to"}
    assert forbidden.json() == missing.json()


def test_group_worker_can_write_analyst_cannot(personas, api):
    ids = member_uuids(personas.household)
    body = {"from": ids[0], "to": ids[1], "kind": "friend"}
    assert (
        api(personas.group_worker).post("/api/v1/relationships/", body, format="json").status_code
        == 201
    )
    refused = api(personas.analyst).post("/api/v1/relationships/", body, format="json")
    assert refused.status_code == 403
    assert refused["Content-Type"] == PROBLEM


def test_a_persons_households_are_only_those_in_scope(personas, api):
    """A parent living apart, in a family of another organisation too: each side sees its own."""
    mother = person_in(personas.household, is_unborn=False, sex="female")
    # Set up behind the services' back: they refuse to link people outside the actor's scope.
    elsewhere = make_household(
        organisation=personas.other_org, name="Elsewhere family", adults=0, children=0
    )
    Membership.objects.create(
        household=elsewhere, person=mother, role="parent_carer", lives_here=False
    )
    ours = api(personas.practitioner).get(url(mother.uuid)).json()["households"]
    theirs = api(personas.other_org_staff).get(url(mother.uuid)).json()["households"]
    assert [h["id"] for h in ours] == [str(personas.household.uuid)]
    assert [h["name"] for h in theirs] == ["Elsewhere family"]
    assert theirs[0]["lives_here"] is False
    # ... and the relationships of the lead family stay out of the other organisation's sight.
    assert (
        api(personas.other_org_staff).get(url(mother.uuid, "relationships/")).json()["results"]
        == []
    )
