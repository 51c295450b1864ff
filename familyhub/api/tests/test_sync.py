"""`changed_since` on every list, for partner systems that keep a copy in step (R-IMPORT-2, ADR
0022): only rows changed since, in (`updated_at`, `id`) order, paged by a cursor that never skips
a row, even when rows change while the partner pages through."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from familyhub.api.pagination import parse_changed_since
from familyhub.api.tests.conftest import problem_fields
from familyhub.casework.tests.factories import make_referral
from familyhub.core.errors import ValidationFailed
from familyhub.core.testing import make_household
from familyhub.engagement.testing import a_session, attend
from familyhub.people.models import Person

pytestmark = pytest.mark.django_db

EPOCH = "2000-01-01T00:00:00Z"


def walk(client: Any, url: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every row of a changed_since list, following `next` links."""
    rows: list[dict[str, Any]] = []
    response = client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["previous"] is None
        rows += body["results"]
        if body["next"] is None:
            return rows
        response = client.get(body["next"])


def lists(personas: Any) -> dict[str, str]:
    session = a_session(organisation=personas.lead)
    attend(session, personas.household.memberships.first().person)
    make_referral(
        personas.household, from_organisation=personas.lead, to_organisation=personas.other_org
    )
    h = personas.household.uuid
    person = personas.household.memberships.order_by("id").first().person
    return {
        "households": "/api/v1/households/",
        "people": "/api/v1/people/",
        "relationships": f"/api/v1/people/{person.uuid}/relationships/",
        "sessions": "/api/v1/sessions/",
        "attendance": f"/api/v1/sessions/{session.uuid}/attendance/",
        "contacts": f"/api/v1/households/{h}/contacts/",
        "referrals": "/api/v1/referrals/",
        "outcome-records": f"/api/v1/households/{h}/outcome-records/",
        "outcome-reviews": f"/api/v1/households/{h}/outcome-reviews/",
    }


def test_every_list_takes_changed_since_and_refuses_a_bad_one(personas, api):
    client = api(personas.practitioner)
    for name, url in lists(personas).items():
        response = client.get(url, {"changed_since": EPOCH})
        assert response.status_code == 200, (name, response.content)
        body = response.json()
        stamps = [r["updated_at"] for r in body["results"] if "updated_at" in r]
        assert stamps == sorted(stamps), name
        future = client.get(url, {"changed_since": "2999-01-01"})
        assert future.json()["results"] == [] and future.json()["count"] == 0, name
        bad = client.get(url, {"changed_since": "yesterday"})
        assert bad.status_code == 400 and problem_fields(bad) == {"changed_since"}, name


def test_people_changed_since_are_only_the_changed_ones(personas, api):
    client = api(personas.practitioner)
    mark = timezone.now()
    person = personas.household.memberships.order_by("id").first().person
    Person.objects.filter(pk=person.pk).update(updated_at=mark + timedelta(seconds=1))
    rows = walk(client, "/api/v1/people/", {"changed_since": mark.isoformat()})
    assert [r["id"] for r in rows] == [str(person.uuid)]


def test_the_cursor_skips_nothing_when_rows_change_while_paging(personas, api):
    """Page numbers would skip a row here (every later row shifts left when an earlier one moves
    to the end); the cursor does not."""
    for _ in range(3):
        make_household(organisation=personas.lead, adults=1, children=1)
    client = api(personas.practitioner)
    base = timezone.now() - timedelta(days=1)
    people = list(Person.objects.order_by("id"))
    for i, p in enumerate(people):  # distinct, known times
        Person.objects.filter(pk=p.pk).update(updated_at=base + timedelta(minutes=i))
    params = {"changed_since": (base - timedelta(seconds=1)).isoformat(), "page_size": 2}
    first = client.get("/api/v1/people/", params).json()
    seen = [r["id"] for r in first["results"]]
    visible = first["count"]
    # The first row read changes now: it moves to the end of the order.
    Person.objects.filter(uuid=seen[0]).update(updated_at=timezone.now())
    response = client.get(first["next"])
    while True:
        body = response.json()
        seen += [r["id"] for r in body["results"]]
        if body["next"] is None:
            break
        response = client.get(body["next"])
    assert len(set(seen)) == visible  # every visible person, none skipped
    assert seen.count(seen[0]) == 2  # the changed one, sent again at the end


def test_search_and_changed_since_together(personas, api):
    client = api(personas.practitioner)
    rows = walk(client, "/api/v1/people/", {"q": "Smith", "changed_since": EPOCH})
    plain = client.get("/api/v1/people/", {"q": "Smith"}).json()["results"]
    assert {r["id"] for r in rows} == {r["id"] for r in plain}


def test_a_cursor_is_checked(personas, api):
    client = api(personas.practitioner)
    bad = client.get("/api/v1/people/", {"changed_since": EPOCH, "cursor": "not-a-cursor"})
    assert bad.status_code == 400 and problem_fields(bad) == {"cursor"}
    alone = client.get("/api/v1/people/", {"cursor": "abc"})
    assert alone.status_code == 400 and problem_fields(alone) == {"cursor"}


def test_page_numbers_still_work_without_changed_since(personas, api):
    body = api(personas.practitioner).get("/api/v1/households/", {"page_size": 1}).json()
    assert body["count"] >= 1 and body["previous"] is None
    assert body["next"] is None or "page=2" in body["next"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=40))
def test_changed_since_is_a_time_or_a_field_error(text):
    """Whatever a client sends, a time or a ValidationFailed naming the field (never a 500)."""
    try:
        when = parse_changed_since(text)
    except ValidationFailed as e:
        assert set(e.errors) == {"changed_since"}
    else:
        assert when.tzinfo is not None


@settings(max_examples=40, deadline=None)
@given(st.datetimes(timezones=st.timezones()))
def test_any_aware_time_parses_to_itself(value):
    text = value.isoformat()
    try:
        parsed = parse_changed_since(text)
    except ValidationFailed as e:  # a far-off year whose offset leaves the calendar
        assert set(e.errors) == {"changed_since"}
    else:
        # The instant the text names (a zone's skipped hour has no instant of its own).
        assert parsed == datetime.fromisoformat(text)
