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
