"""Consent and contact preferences through the REST API (R-CONSENT-2..4, R-IMPORT-2): the policy's
decision per purpose, recording, withdrawal, contact preferences; every persona allowed or denied;
bad input refused with problem+json naming the field, nothing saved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from familyhub.access.models import AccessLogEntry
from familyhub.api.tests.conftest import PROBLEM, make_token
from familyhub.people.models import Person
from familyhub.privacy import policy, services
from familyhub.privacy.models import Consent, ContactPreference, Purpose
from familyhub.privacy.services import Answer
from familyhub.privacy.testing import make_purpose

TODAY = timezone.localdate()


@pytest.fixture
def register(db):
    Purpose.objects.update(active=False)
    return (
        make_purpose("receiving-information", name="Receiving information", active=True),
        make_purpose("photos-video", name="Photographs and video", active=True),
        make_purpose("service-planning", basis="public_task", name="Service planning", active=True),
    )


@pytest.fixture
def family(personas):
    people = [
        m.person for m in personas.household.memberships.select_related("person").order_by("id")
    ]
    child = next(p for p in people[1:] if not p.is_unborn)
    unborn = next(p for p in people[1:] if p.is_unborn)
    return people[0], child, unborn


def consents_url(person):
    return f"/api/v1/people/{person.uuid}/consents/"


def errors_of(response):
    assert response["Content-Type"].startswith(PROBLEM), response.content
    return {e["field"]: e["messages"] for e in response.json().get("errors", [])}


def test_list_gives_every_purpose_with_the_policys_decision(personas, family, register, api):
    info = register[0]
    mother = family[0]
    services.consents_record(
        actor=personas.practitioner,
        answers=[Answer(mother, info, "given")],
        method="paper",
        decided_on=TODAY - timedelta(days=2),
    )
    response = api(personas.group_worker).get(consents_url(mother))
    assert response.status_code == 200
    by_code = {row["purpose"]["code"]: row for row in response.json()}
    assert set(by_code) == {"receiving-information", "photos-video", "service-planning"}
    assert by_code["receiving-information"]["decision"] == {
        "allowed": True,
        "code": "consent_given",
        "reason": f"Consent given on {TODAY - timedelta(days=2):%d/%m/%Y} by the person.",
    }
    consent = by_code["receiving-information"]["consent"]
    assert consent["state"] == "given" and consent["method"] == "paper"
    assert consent["given_by"] is None and consent["has_evidence"] is False
    assert by_code["photos-video"]["consent"] is None  # not asked is not refused
    assert by_code["photos-video"]["decision"]["code"] == "not_asked"
    assert by_code["service-planning"]["decision"]["code"] == "lawful_basis"
    assert by_code["service-planning"]["purpose"]["needs_consent"] is False
    assert AccessLogEntry.objects.get(action="view_person").subjects.get().person_key == (
        mother.log_key
    )


@pytest.mark.parametrize(
    "persona,status",
    [
        ("practitioner", 200),
        ("group_worker", 200),
        ("team_manager", 200),
        ("partner_staff", 404),
        ("other_org_staff", 404),
        ("analyst", 403),
        ("dpo", 403),
        ("admin", 403),
    ],
)
def test_who_may_read_and_record(personas, family, register, api, persona, status):
    mother = family[0]
    client = api(getattr(personas, persona))
    assert client.get(consents_url(mother)).status_code == status
    body = {"purpose": "receiving-information", "state": "given", "method": "verbal"}
    response = client.post(consents_url(mother), body, format="json")
    assert response.status_code == (201 if status == 200 else status)
    assert Consent.objects.exists() == (status == 200)


def test_anonymous_and_bearer_tokens(personas, family, register, client):
    mother = family[0]
    response = client.get(consents_url(mother))
    assert response.status_code == 401 and response["Content-Type"].startswith(PROBLEM)
    key = make_token(personas.practitioner)
    response = client.get(consents_url(mother), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


def test_a_parent_records_consent_for_a_child(personas, family, register, api):
    mother, child, _ = family
    response = api(personas.practitioner).post(
        consents_url(child),
        {
            "purpose": "photos-video",
            "state": "given",
            "method": "paper",
            "given_by": str(mother.uuid),
            "decided_on": (TODAY - timedelta(days=1)).isoformat(),
            "note": "signed at group",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["consent"]["given_by"] == str(mother.uuid)
    assert data["consent"]["given_by_name"] == mother.display_name
    assert data["decision"]["allowed"] is True
    assert f"by {mother.display_name}" in data["decision"]["reason"]


def test_consent_for_a_child_by_someone_without_parental_responsibility_is_refused(
    personas, family, register, api
):
    _, child, unborn = family
    client = api(personas.practitioner)
    body = {"purpose": "photos-video", "state": "given", "method": "paper"}
    response = client.post(
        consents_url(child), {**body, "given_by": str(unborn.uuid)}, format="json"
    )
    assert response.status_code == 400
    assert "does not have parental responsibility" in errors_of(response)["given_by"][0]
    response = client.post(consents_url(child), body, format="json")
    assert "a child under 13" in errors_of(response)["given_by"][0]
    # Someone the user may not see: worded like someone who does not exist.
    outsider = personas.partner_household.memberships.first().person
    response = client.post(
        consents_url(child), {**body, "given_by": str(outsider.uuid)}, format="json"
    )
    assert errors_of(response)["given_by"] == ["No such person, or you do not have access to them."]
    assert not Consent.objects.exists()


@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"decided_on": "2099-01-01"}, "decided_on", "cannot be in the future"),
        ({"state": "withdrawn"}, "state", "is not a valid choice"),
        ({"purpose": "no-such-purpose"}, "purpose", "There is no purpose 'no-such-purpose'"),
        ({"purpose": "service-planning"}, "purpose", "does not rely on consent"),
        ({"method": "carrier pigeon"}, "method", "is not a valid choice"),
        ({"notice_version": 99}, "notice_version", "There is no privacy notice version 99."),
        ({"expires_on": "2000-01-01"}, "expires_on", "must be after"),
    ],
)
def test_bad_input_is_refused_at_its_field(personas, family, register, api, change, field, message):
    body = {"purpose": "receiving-information", "state": "given", "method": "paper", **change}
    response = api(personas.practitioner).post(consents_url(family[0]), body, format="json")
    assert response.status_code == 400
    errors = errors_of(response)
    assert message in " ".join(errors[field]), errors
    assert not Consent.objects.exists()


def test_withdrawal(personas, family, register, api):
    info = register[0]
    mother = family[0]
    given_on = TODAY - timedelta(days=4)
    services.consents_record(
        actor=personas.practitioner,
        answers=[Answer(mother, info, "given")],
        method="paper",
        decided_on=given_on,
    )
    client = api(personas.practitioner)
    url = f"{consents_url(mother)}withdraw/"
    response = client.post(
        url,
        {
            "purpose": "receiving-information",
            "withdrawn_on": (given_on - timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "before the consent was given" in errors_of(response)["withdrawn_on"][0]
    response = client.post(
        url, {"purpose": "receiving-information", "withdrawn_on": "2099-01-01"}, format="json"
    )
    assert "in the future" in errors_of(response)["withdrawn_on"][0]
    response = client.post(url, {"purpose": "receiving-information", "version": 7}, format="json")
    assert response.status_code == 409 and errors_of(response)["version"]
    assert policy.decide(mother, info).allowed  # nothing changed so far

    response = client.post(
        url, {"purpose": "receiving-information", "note": "phoned"}, format="json"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["consent"]["state"] == "withdrawn"
    assert data["decision"]["code"] == "consent_withdrawn"
    assert not policy.decide(mother, info).allowed
    response = client.post(url, {"purpose": "receiving-information"}, format="json")
    assert "There is no consent to withdraw" in errors_of(response)["state"][0]
    response = client.post(url, {"purpose": "photos-video"}, format="json")
    assert "no answer is recorded" in errors_of(response)["purpose"][0]
    assert client.get(url).status_code == 405


def test_contact_preferences(personas, family, api):
    mother = family[0]
    Person.objects.filter(pk=mother.pk).update(email="mum@example.org", phone="")
    client = api(personas.practitioner)
    url = f"/api/v1/people/{mother.uuid}/contact-preferences/"
    assert client.get(url).json() == {
        "agreed": "not_asked",
        "channels": [],
        "topics": [],
        "version": None,
    }
    response = client.put(
        url, {"agreed": "yes", "channels": ["text"], "topics": ["news"]}, format="json"
    )
    assert response.status_code == 400
    assert errors_of(response)["channels"] == [
        "Add a phone number to their details before choosing phone or text."
    ]
    response = client.put(url, {"agreed": "maybe"}, format="json")
    assert "agreed" in errors_of(response)
    response = client.put(
        url, {"agreed": "yes", "channels": ["email", "post"], "topics": ["news"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {
        "agreed": "yes",
        "channels": ["email", "post"],
        "topics": ["news"],
        "version": 2,
    }
    response = client.put(url, {"agreed": "no", "version": 1}, format="json")
    assert response.status_code == 409
    assert ContactPreference.objects.get(person=mother).agreed == "yes"
    response = client.put(url, {"agreed": "no", "version": 2}, format="json")
    assert response.json()["channels"] == [] and response.json()["version"] == 3
    assert api(personas.partner_staff).get(url).status_code == 404
    assert api(personas.dpo).put(url, {"agreed": "no"}, format="json").status_code == 403


def test_schema_documents_the_routes_with_examples(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    listing = schema["paths"]["/api/v1/people/{id}/consents/"]["get"]
    assert listing["tags"] == ["consent"]
    content = listing["responses"]["200"]["content"]["application/json"]
    assert content["examples"]
    create = schema["paths"]["/api/v1/people/{id}/consents/"]["post"]
    assert "examples" in create["requestBody"]["content"]["application/json"]
    assert PROBLEM in create["responses"]["400"]["content"]
    withdraw = schema["paths"]["/api/v1/people/{id}/consents/withdraw/"]["post"]
    assert PROBLEM in withdraw["responses"]["409"]["content"]
