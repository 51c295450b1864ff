"""Every list page costs the same number of queries however many families there are."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from familyhub.core.testing import make_household

pytestmark = pytest.mark.django_db


def queries_for(client, path: str, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_households(personas, n: int) -> None:
    for i in range(n):
        make_household(
            organisation=personas.lead,
            ward=personas.ward,
            adults=2,
            children=2,
            unborn=i % 2 == 0,
            family_name="Smith",
        )


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/households/", {}),
        ("/api/v1/people/", {}),
        ("/api/v1/people/", {"q": "Smith"}),
    ],
    ids=["households", "people", "search"],
)
def test_list_query_count_is_constant(personas, api, path, params):
    client = api(personas.practitioner)
    add_households(personas, 1)  # two in scope
    client.get(path, params)  # warm per-user caches
    few = queries_for(client, path, **params)
    add_households(personas, 8)  # ten in scope
    many = queries_for(client, path, **params)
    assert few == many, (few, many)
    assert many <= 16


def test_household_detail_query_count_is_constant(personas, api):
    client = api(personas.practitioner)
    small = make_household(organisation=personas.lead, adults=1, children=1)
    large = make_household(organisation=personas.lead, adults=2, children=6, unborn=True)
    client.get(f"/api/v1/households/{small.uuid}/")
    assert queries_for(client, f"/api/v1/households/{small.uuid}/") == queries_for(
        client, f"/api/v1/households/{large.uuid}/"
    )


def _work(personas, n: int):
    """n more rows in every list of the work with families, for the lead organisation."""
    from datetime import timedelta

    from django.utils import timezone

    from familyhub.casework.models import (
        Contact,
        Outcome,
        OutcomeRecord,
        OutcomeReview,
        OutcomeScore,
    )
    from familyhub.casework.tests.factories import make_referral
    from familyhub.engagement.testing import a_session, attend

    household = personas.household
    session = getattr(personas, "_api_session", None) or a_session(organisation=personas.lead)
    personas._api_session = session
    outcome = Outcome.objects.get(framework__code="family-hub", code="secure-housing")
    for _ in range(n):
        extra = make_household(organisation=personas.lead, adults=1, children=0)
        person = extra.memberships.get().person
        attend(session, person, as_child=False)
        a_session(organisation=personas.lead)
        make_referral(extra, from_organisation=personas.lead, to_organisation=personas.other_org)
        Contact.objects.create(
            household=household,
            person=person,
            kind="phone",
            occurred_at=timezone.now() - timedelta(hours=1),
            duration_minutes=5,
            worker=personas.practitioner,
            organisation=personas.lead,
        )
        OutcomeRecord.objects.create(
            household=household,
            outcome=outcome,
            kind="need",
            description="Damp",
            organisation=personas.lead,
            recorded_on=timezone.localdate(),
        )
        review = OutcomeReview.objects.create(
            household=household, organisation=personas.lead, reviewed_on=timezone.localdate()
        )
        OutcomeScore.objects.create(review=review, household=household, outcome=outcome, score=3)
    return session


WORK_LISTS = {
    "sessions": lambda p, s: "/api/v1/sessions/",
    "attendance": lambda p, s: f"/api/v1/sessions/{s.uuid}/attendance/",
    "contacts": lambda p, s: f"/api/v1/households/{p.household.uuid}/contacts/",
    "referrals": lambda p, s: "/api/v1/referrals/",
    "outcome-records": lambda p, s: f"/api/v1/households/{p.household.uuid}/outcome-records/",
    "outcome-reviews": lambda p, s: f"/api/v1/households/{p.household.uuid}/outcome-reviews/",
}


@pytest.mark.parametrize("sync", [False, True], ids=["pages", "changed_since"])
@pytest.mark.parametrize("name", list(WORK_LISTS))
def test_work_list_query_count_is_constant(
    personas, api, django_assert_max_num_queries, name, sync
):
    client = api(personas.practitioner)
    params = {"changed_since": "2000-01-01"} if sync else {}
    session = _work(personas, 1)
    path = WORK_LISTS[name](personas, session)
    client.get(path, params)  # warm per-user caches
    few = queries_for(client, path, **params)
    _work(personas, 6)
    with django_assert_max_num_queries(few):
        response = client.get(path, params)
    assert response.status_code == 200
    assert response.json()["count"] >= 7 or name == "sessions"
    assert few <= 16


@pytest.mark.parametrize(
    "path", ["/api/v1/households/", "/api/v1/people/"], ids=["households", "people"]
)
def test_changed_since_query_count_is_constant(personas, api, path):
    client = api(personas.practitioner)
    add_households(personas, 1)
    client.get(path, {"changed_since": "2000-01-01"})
    few = queries_for(client, path, changed_since="2000-01-01")
    add_households(personas, 8)
    assert queries_for(client, path, changed_since="2000-01-01") == few
