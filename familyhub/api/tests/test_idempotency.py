"""`Idempotency-Key` on every create (R-IMPORT-2, ADR 0022): a retry creates nothing more and gets
the first answer again; the same key with another request is refused; keys are per token."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from familyhub.api import idempotency
from familyhub.api.models import IdempotencyKey
from familyhub.api.tests.conftest import PROBLEM, household_payload, make_token, problem_fields
from familyhub.casework.models import Contact, OutcomeRecord, OutcomeReview, Referral
from familyhub.casework.tests.factories import make_service
from familyhub.engagement.models import Attendance
from familyhub.engagement.testing import a_session
from familyhub.people.models import Household, Membership, Person, Relationship
from familyhub.privacy.models import Consent
from familyhub.privacy.testing import make_purpose

pytestmark = pytest.mark.django_db


def token_client(user: Any) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {make_token(user)}")


def post(client: APIClient, url: str, body: Any, key: str | None) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url, body, format="json", **headers)


def parent(household: Any) -> Any:
    return household.memberships.filter(role="parent_carer").order_by("id").first().person


def children(household: Any) -> list[Any]:
    return [m.person for m in household.memberships.filter(role="child").order_by("id")]


# Every create of the API: (url, body, the model that counts what was written).
Case = Callable[[Any], tuple[str, dict[str, Any], Any]]


def _household(p: Any) -> tuple[str, dict[str, Any], Any]:
    return "/api/v1/households/", household_payload(), Household


def _member(p: Any) -> tuple[str, dict[str, Any], Any]:
    body = {"role": "child", "person": {"given_name": "Nia", "family_name": "Smith"}}
    body["person"]["date_of_birth"] = "2024-02-02"
    return f"/api/v1/households/{p.household.uuid}/members/", body, Membership


def _relationship(p: Any) -> tuple[str, dict[str, Any], Any]:
    child = next(c for c in children(p.household) if not c.is_unborn)
    other = Person.objects.create(given_name="Rhys", family_name="Test")
    Membership.objects.create(household=p.household, person=other, role="parent_carer")
    body = {"from": str(other.uuid), "to": str(child.uuid), "kind": "step_parent"}
    return "/api/v1/relationships/", body, Relationship


def _consent(p: Any) -> tuple[str, dict[str, Any], Any]:
    make_purpose("receiving-information", name="Receiving information", active=True)
    body = {
        "purpose": "receiving-information",
        "state": "given",
        "decided_on": timezone.localdate().isoformat(),
        "method": "verbal",
    }
    return f"/api/v1/people/{parent(p.household).uuid}/consents/", body, Consent


def _attendance(p: Any) -> tuple[str, dict[str, Any], Any]:
    session = a_session(organisation=p.lead)
    body = {"person": str(parent(p.household).uuid)}
    return f"/api/v1/sessions/{session.uuid}/attendance/", body, Attendance


def _contact(p: Any) -> tuple[str, dict[str, Any], Any]:
    body = {
        "kind": "phone",
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "duration_minutes": 10,
    }
    return f"/api/v1/households/{p.household.uuid}/contacts/", body, Contact


def _referral(p: Any) -> tuple[str, dict[str, Any], Any]:
    service = make_service(p.other_org)
    body = {
        "service": service.code,
        "to_organisation": str(p.other_org.uuid),
        "reason": "Support with routines",
        "agreed_by": str(parent(p.household).uuid),
        "agreed_on": timezone.localdate().isoformat(),
        "agreement_method": "phone",
    }
    return f"/api/v1/households/{p.household.uuid}/referrals/", body, Referral


def _outcome_record(p: Any) -> tuple[str, dict[str, Any], Any]:
    body = {"outcome": "family-hub/secure-housing", "kind": "need", "description": "Damp"}
    return f"/api/v1/households/{p.household.uuid}/outcome-records/", body, OutcomeRecord


def _outcome_review(p: Any) -> tuple[str, dict[str, Any], Any]:
    body = {
        "reviewed_on": timezone.localdate().isoformat(),
        "scores": [{"outcome": "family-hub/secure-housing", "score": 3}],
    }
    return f"/api/v1/households/{p.household.uuid}/outcome-reviews/", body, OutcomeReview


CASES = {
    "households": _household,
    "members": _member,
    "relationships": _relationship,
    "consents": _consent,
    "attendance": _attendance,
    "contacts": _contact,
    "referrals": _referral,
    "outcome-records": _outcome_record,
    "outcome-reviews": _outcome_review,
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_retry_creates_nothing_more_and_gets_the_first_answer(personas, case):
    url, body, model = CASES[case](personas)
    client = token_client(personas.practitioner)
    key = str(uuid.uuid4())
    first = post(client, url, body, key)
    assert first.status_code in (200, 201), first.content
    count = model.objects.count()
    again = post(client, url, body, key)
    assert again.status_code == first.status_code, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.get("Location") == first.get("Location")
    assert again.json() == first.json()
    assert model.objects.count() == count
    # The same key with another body: refused, nothing written.
    changed = {**body, "unexpected": "another request"}
    refused = post(client, url, changed, key)
    assert refused.status_code == 422, refused.content
    assert refused["Content-Type"] == PROBLEM
    assert problem_fields(refused) == {"Idempotency-Key"}
    assert model.objects.count() == count
    # Without a key, or with another key, the create happens again (where the service allows it).
    assert IdempotencyKey.objects.filter(key=key).count() == 1


def test_without_a_key_nothing_changes(personas):
    client = token_client(personas.practitioner)
    for _ in range(2):
        assert post(client, "/api/v1/households/", household_payload(), None).status_code == 201
    assert Household.objects.filter(name="Jones family").count() == 2
    assert not IdempotencyKey.objects.exists()


def test_a_refused_request_does_not_use_up_its_key(personas):
    client = token_client(personas.practitioner)
    bad = post(client, "/api/v1/households/", household_payload(name=""), "key-1")
    assert bad.status_code == 400
    good = post(client, "/api/v1/households/", household_payload(), "key-1")
    assert good.status_code == 201
    assert "Idempotent-Replayed" not in good


def test_keys_are_per_token(personas):
    one, two = token_client(personas.practitioner), token_client(personas.practitioner)
    assert post(one, "/api/v1/households/", household_payload(), "same").status_code == 201
    second = post(two, "/api/v1/households/", household_payload(), "same")
    assert second.status_code == 201 and "Idempotent-Replayed" not in second
    assert Household.objects.filter(name="Jones family").count() == 2


def test_an_expired_key_may_be_used_again(personas):
    client = token_client(personas.practitioner)
    assert post(client, "/api/v1/households/", household_payload(), "old").status_code == 201
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    again = post(client, "/api/v1/households/", household_payload(), "old")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Household.objects.filter(name="Jones family").count() == 2
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_a_malformed_key_is_refused_at_the_header(personas, key):
    client = token_client(personas.practitioner)
    response = post(client, "/api/v1/households/", household_payload(), key)
    assert response.status_code == 400, response.content
    assert problem_fields(response) == {"Idempotency-Key"}
    assert not Household.objects.filter(name="Jones family").exists()


def test_two_requests_at_once_write_once(personas):
    """The loser of a race (its key row collides on insert) has its write rolled back and is
    answered as a replay of the winner."""
    client = token_client(personas.practitioner)
    first = post(client, "/api/v1/households/", household_payload(), "race")
    assert first.status_code == 201
    with mock.patch.object(idempotency, "_find", return_value=None):
        loser = post(client, "/api/v1/households/", household_payload(), "race")
        assert loser.status_code == 201 and loser["Idempotent-Replayed"] == "true"
        assert loser.json()["id"] == first.json()["id"]
        other = post(client, "/api/v1/households/", household_payload(name="Other"), "race")
        assert other.status_code == 422
    assert Household.objects.filter(name__in=["Jones family", "Other"]).count() == 1


def test_a_replay_never_shows_what_the_caller_may_no_longer_see(personas):
    """The replay reads the record afresh through the access helpers: not a stored copy."""
    client = token_client(personas.practitioner)
    first = post(client, "/api/v1/households/", household_payload(), "gone")
    assert first.status_code == 201
    household = Household.objects.get(uuid=first.json()["id"])
    household.allocations.update(ended_on=timezone.localdate() - timedelta(days=1))
    again = post(client, "/api/v1/households/", household_payload(), "gone")
    assert again.status_code == 404 and again["Content-Type"] == PROBLEM


def test_session_users_keys_are_theirs(personas, api):
    client = api(personas.practitioner)
    assert post(client, "/api/v1/households/", household_payload(), "s").status_code == 201
    again = post(client, "/api/v1/households/", household_payload(), "s")
    assert again["Idempotent-Replayed"] == "true"
    assert IdempotencyKey.objects.get().owner == f"user:{personas.practitioner.pk}"


def test_expired_keys_of_anyone_are_deleted_by_the_next_keyed_create(personas):
    one, two = token_client(personas.practitioner), token_client(personas.team_manager)
    assert post(one, "/api/v1/households/", household_payload(), "a").status_code == 201
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert post(two, "/api/v1/households/", household_payload(), "b").status_code == 201
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["b"]
