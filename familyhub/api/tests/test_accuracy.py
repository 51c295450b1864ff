"""Disputed records in the partner API (R-RIGHTS-1, R-IMPORT-2; ADR 0027, ADR 0028).

`GET /api/v1/people/{id}/accuracy-challenges/` lists what the person says is wrong, read as the
person is read (scope, 404 alike, logged); statements about case notes and special-category details
are hidden from roles that do not see those, by the staff pages' rule; a person's `disputed` says
cheaply whether any challenge stands, at a constant query cost per page. Allowed and denied per
persona: the authorization matrix (`api-person-accuracy-challenges`).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from familyhub.access.models import AccessLogEntry
from familyhub.core.testing import make_household
from familyhub.rights.models import AccuracyChallenge
from familyhub.rights.services import accuracy
from familyhub.rights.testing import a_challenge, a_parent, a_visit

pytestmark = pytest.mark.django_db
Target = AccuracyChallenge.Target
Result = AccuracyChallenge.Outcome
PEOPLE = "/api/v1/people/"
DOB = "My date of birth is the 4th of March, not the 3rd."
RELIGION = "I am not of that faith and never said so."
VISIT = "I never said I felt low: the flat was cold because the boiler broke."


def url(person) -> str:
    return f"{PEOPLE}{person.uuid}/accuracy-challenges/"


def _three(personas):
    """A parent of the lead family with three challenges, oldest first: their date of birth (not
    special), their religion (special category) and a home visit (a case note), that last one
    decided not corrected."""
    person = a_parent(personas.household)
    today = timezone.localdate()
    worker = personas.practitioner
    dob = a_challenge(worker, person, statement=DOB, received_on=today - timedelta(days=9))
    religion = a_challenge(
        worker,
        person,
        field_name="religion",
        statement=RELIGION,
        received_on=today - timedelta(days=5),
    )
    visit = a_visit(worker, personas.household, person)
    contact = a_challenge(
        worker,
        person,
        target=Target.CONTACT,
        contact=visit,
        statement=VISIT,
        received_on=today - timedelta(days=1),
    )
    accuracy.challenge_decide(
        actor=worker,
        challenge=contact,
        outcome=Result.NOT_CORRECTED,
        reason="The note records what the worker saw at the time.",
    )
    return person, dob, religion, contact, visit


def test_lists_the_challenges_newest_first_with_what_is_disputed(personas, api):
    person, dob, religion, contact, visit = _three(personas)
    response = api(personas.practitioner).get(url(person))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 3
    rows = body["results"]
    assert [r["id"] for r in rows] == [str(contact.uuid), str(religion.uuid), str(dob.uuid)]
    first, second, third = rows
    assert first["target"] == "contact"
    assert first["contact"] == str(visit.uuid)
    assert first["field_name"] is None and first["outcome_record"] is None
    assert first["statement"] == VISIT
    assert first["outcome"] == "not_corrected"
    assert first["outcome_reason"] == "The note records what the worker saw at the time."
    assert first["decided_at"] is not None and first["disputed"] is True
    assert second["field_name"] == "religion" and second["statement"] == RELIGION
    assert third == {
        "id": str(dob.uuid),
        "target": "field",
        "field_name": "date_of_birth",
        "field_label": "date of birth",
        "contact": None,
        "outcome_record": None,
        "statement": DOB,
        "received_on": dob.received_on.isoformat(),
        "outcome": "checking",
        "outcome_reason": "",
        "decided_at": None,
        "disputed": True,
        "created_at": third["created_at"],
        "updated_at": third["updated_at"],
    }


def test_reading_them_is_logged_as_a_view_of_the_person(personas, api):
    person, *_ = _three(personas)
    before = AccessLogEntry.objects.count()
    assert api(personas.practitioner).get(url(person)).status_code == 200
    entries = list(AccessLogEntry.objects.order_by("id")[before:])
    assert len(entries) == 1
    entry = entries[0]
    assert entry.action == AccessLogEntry.Action.VIEW_PERSON
    assert entry.object_type == "accuracy challenge"
    assert entry.user_id_at_time == personas.practitioner.pk
    assert entry.channel == "api"
    assert [s.person_key for s in entry.subjects.all()] == [person.log_key]


def test_group_worker_sees_that_a_case_note_or_special_detail_is_disputed_not_what_was_said(
    personas, api
):
    person, dob, religion, contact, _ = _three(personas)
    rows = {r["id"]: r for r in api(personas.group_worker).get(url(person)).json()["results"]}
    assert set(rows) == {str(dob.uuid), str(religion.uuid), str(contact.uuid)}
    # Special category detail and case note: listed, disputed, but the words are withheld.
    for hidden in (religion, contact):
        row = rows[str(hidden.uuid)]
        assert hidden.special
        assert row["statement"] is None and row["outcome_reason"] is None
        assert row["disputed"] is True
    assert rows[str(contact.uuid)]["outcome"] == "not_corrected"
    # Not special: shown to the group worker as on the person page.
    assert rows[str(dob.uuid)]["statement"] == DOB
    # A role that sees special category data reads every statement.
    full = api(personas.team_manager).get(url(person)).json()["results"]
    assert {r["statement"] for r in full} == {DOB, RELIGION, VISIT}


def test_out_of_scope_person_is_404_like_a_missing_one(personas, api):
    person, *_ = _three(personas)
    client = api(personas.other_org_staff)
    before = AccessLogEntry.objects.count()
    forbidden = client.get(url(person))
    missing = client.get(f"{PEOPLE}00000000-0000-4000-8000-000000000000/accuracy-challenges/")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()
    assert forbidden["Content-Type"] == "application/problem+json"
    assert VISIT not in forbidden.content.decode()
    assert AccessLogEntry.objects.count() == before  # nothing shown, nothing logged as viewed


def test_no_challenges_is_an_empty_page(personas, api):
    person = a_parent(personas.household)
    body = api(personas.practitioner).get(url(person)).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_changed_since_sends_the_challenges_decided_since(personas, api):
    person, dob, *_ = _three(personas)
    since = timezone.now()
    accuracy.challenge_decide(
        actor=personas.practitioner,
        challenge=AccuracyChallenge.objects.get(pk=dob.pk),
        outcome=Result.CORRECTED,
        reason="Changed to the 4th of March.",
    )
    body = (
        api(personas.practitioner)
        .get(url(person), {"changed_since": since.isoformat().replace("+00:00", "Z")})
        .json()
    )
    assert [r["id"] for r in body["results"]] == [str(dob.uuid)]
    assert body["results"][0]["outcome"] == "corrected"
    assert body["results"][0]["disputed"] is False


# --- the person's `disputed` flag ------------------------------------------------------------------


def _disputed(client, person) -> tuple[bool, bool]:
    """The flag as the person's own route and the people list show it."""
    one = client.get(f"{PEOPLE}{person.uuid}/").json()["disputed"]
    listed = {
        r["id"]: r["disputed"] for r in client.get(PEOPLE, {"page_size": 200}).json()["results"]
    }
    return one, listed[str(person.uuid)]


def test_disputed_follows_whether_any_challenge_stands(personas, api):
    client = api(personas.practitioner)
    person = a_parent(personas.household)
    assert _disputed(client, person) == (False, False)
    challenge = a_challenge(personas.practitioner, person)
    assert _disputed(client, person) == (True, True)  # still being checked
    challenge = accuracy.challenge_decide(
        actor=personas.practitioner,
        challenge=challenge,
        outcome=Result.NOT_CORRECTED,
        reason="The birth certificate says otherwise.",
    )
    assert _disputed(client, person) == (True, True)  # not corrected: it stands
    accuracy.challenge_decide(
        actor=personas.practitioner,
        challenge=AccuracyChallenge.objects.get(pk=challenge.pk),
        outcome=Result.CORRECTED,
        reason="Corrected to the 4th of March.",
    )
    assert _disputed(client, person) == (False, False)  # corrected: history only
    others = [m.person for m in personas.household.memberships.exclude(person=person)]
    assert not any(_disputed(client, p)[0] for p in others)


def test_people_changed_since_sends_a_person_whose_dispute_began_or_ended(personas, api):
    """A partner keeping a copy in step with `changed_since` on the people list learns that the
    `disputed` flag changed (ADR 0028), though no detail of the person was edited."""
    client = api(personas.practitioner)
    person = a_parent(personas.household)

    def changed_since(since) -> dict[str, bool]:
        stamp = since.isoformat().replace("+00:00", "Z")
        body = client.get(PEOPLE, {"changed_since": stamp, "page_size": 200}).json()
        return {r["id"]: r["disputed"] for r in body["results"]}

    since = timezone.now()
    version = person.version
    challenge = a_challenge(personas.practitioner, person)
    assert changed_since(since) == {str(person.uuid): True}
    since = timezone.now()
    accuracy.challenge_decide(
        actor=personas.practitioner,
        challenge=challenge,
        outcome=Result.CORRECTED,
        reason="Corrected to the 4th of March.",
    )
    assert changed_since(since) == {str(person.uuid): False}
    person.refresh_from_db()
    assert person.version == version  # nothing staff edit changed: no edit conflict follows


@pytest.mark.parametrize("outcome", list(Result))
def test_disputed_is_the_models_stands(personas, api, outcome):
    """The flag is computed in SQL; it must mean exactly what `AccuracyChallenge.stands` means."""
    person = a_parent(personas.household)
    challenge = a_challenge(personas.practitioner, person)
    AccuracyChallenge.objects.filter(pk=challenge.pk).update(outcome=outcome)
    challenge.refresh_from_db()
    assert _disputed(api(personas.practitioner), person) == (challenge.stands, challenge.stands)


def test_group_worker_sees_a_special_category_dispute_flagged(personas, api):
    person = a_parent(personas.household)
    a_challenge(personas.practitioner, person, field_name="religion", statement=RELIGION)
    body = api(personas.group_worker).get(f"{PEOPLE}{person.uuid}/").json()
    assert body["disputed"] is True
    assert "religion" not in body


# --- query counts -----------------------------------------------------------------------------------


def _count(client, path, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _disputed_family(personas):
    household = make_household(organisation=personas.lead, ward=personas.ward, adults=2, children=0)
    for m in household.memberships.select_related("person"):
        a_challenge(personas.practitioner, m.person)
    return household


def test_people_list_query_count_does_not_grow_with_disputed_people(personas, api):
    client = api(personas.practitioner)
    _disputed_family(personas)
    client.get(PEOPLE)  # warm per-user caches
    few = _count(client, PEOPLE)
    for _ in range(4):
        _disputed_family(personas)
    many = _count(client, PEOPLE)
    assert few == many, (few, many)
    results = client.get(PEOPLE, {"page_size": 200}).json()["results"]
    assert sum(r["disputed"] for r in results) == 10


def test_challenge_list_query_count_does_not_grow_with_challenges(personas, api):
    client = api(personas.practitioner)
    person = a_parent(personas.household)
    a_challenge(personas.practitioner, person)
    client.get(url(person))
    few = _count(client, url(person))
    for _ in range(3):
        visit = a_visit(personas.practitioner, personas.household, person)
        a_challenge(personas.practitioner, person, target=Target.CONTACT, contact=visit)
        a_challenge(personas.practitioner, person, field_name="religion")
    assert _count(client, url(person)) == few
    assert few <= 12
