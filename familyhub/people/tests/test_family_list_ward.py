"""The family list filtered by ward (R-PEOPLE-4), only within the user's scope (R-ACCESS-2), fast
whether the scope holds many of the ward's families or none (docs/benchmarks.md, ADR 0011).

Runs on SQLite and PostgreSQL (DATABASE_URL=postgres://... for the second).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from familyhub.core.testing import make_household
from familyhub.people import selectors
from familyhub.people.models import Address, Household
from familyhub.places.models import Ward

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

BULWELL, ASPLEY = "E05012275", "E05012270"


@pytest.fixture
def families(personas):
    """In Bulwell: the personas' lead family and partner family, three more lead families, one of
    the other organisation's; a lead family that moved from Bulwell to Aspley; one in Aspley."""
    bulwell, aspley = Ward.objects.get(code=BULWELL), Ward.objects.get(code=ASPLEY)
    lead_bulwell = [
        make_household(organisation=personas.lead, ward=bulwell, family_name=name, children=0)
        for name in ("Bulwellone", "Bulwelltwo", "Bulwellthree")
    ]
    other_bulwell = make_household(
        organisation=personas.other_org, ward=bulwell, family_name="Otherbulwell"
    )
    moved = make_household(
        organisation=personas.lead, ward=bulwell, family_name="Movedaway", children=0
    )
    Address.objects.filter(household=moved).update(valid_to=timezone.localdate() - timedelta(1))
    Address.objects.create(
        household=moved,
        line1="1 Aspley Lane",
        postcode="NG8 5AA",
        postcode_key="NG85AA",
        ward=aspley,
        valid_from=timezone.localdate(),
    )
    in_aspley = make_household(
        organisation=personas.lead, ward=aspley, family_name="Aspleyside", children=0
    )
    # Newest activity first: make the order known.
    for n, h in enumerate([personas.household, *lead_bulwell, moved, in_aspley]):
        Household.objects.filter(pk=h.pk).update(updated_at=timezone.now() - timedelta(hours=n))
    return {
        "bulwell": [personas.household, *lead_bulwell],
        "aspley": [moved, in_aspley],
        "other": other_bulwell,
    }


def _listed(user, ward_code):
    return list(selectors.household_list(user, ward_code=ward_code))


@pytest.mark.parametrize("few", [500, 2], ids=["from-the-ward", "walking-the-list"])
def test_ward_filter_lists_the_scope_s_families_living_there_now(
    personas, families, monkeypatch, few
):
    """Both plans give the same families in the same order: with WARD_FEW=2 the lead organisation's
    four Bulwell families are 'many' and the list is walked newest first."""
    monkeypatch.setattr(selectors, "WARD_FEW", few)
    bulwell = _listed(personas.practitioner, BULWELL)
    assert [h.pk for h in bulwell] == [h.pk for h in families["bulwell"]]  # newest first
    assert families["other"] not in bulwell and personas.partner_household not in bulwell
    assert families["aspley"][0] not in bulwell  # moved away: their old address does not count
    aspley = _listed(personas.practitioner, ASPLEY)
    assert [h.pk for h in aspley] == [h.pk for h in families["aspley"]]


def test_ward_filter_for_a_ward_the_scope_has_nobody_in(personas, families):
    """The case that walked every family of the benchmark: partner staff in Aspley, where their
    organisation has no family, and the other organisation's worker in Bulwell, where it has one."""
    assert _listed(personas.partner_staff, ASPLEY) == []
    assert _listed(personas.other_org_staff, BULWELL) == [families["other"]]
    assert _listed(personas.partner_staff, BULWELL) == [personas.partner_household]


def test_unknown_ward_lists_nobody(personas, families):
    assert _listed(personas.practitioner, "E99999999") == []


def test_ward_filter_page_shows_only_the_ward_and_a_bounded_number_of_queries(
    personas, families, client_for, django_assert_max_num_queries
):
    """Two queries more than the unfiltered list: the ward's id, and its families in scope."""
    client = client_for(personas.practitioner)
    url = reverse("people:household_list")
    client.get(url)  # warm up: session, user, roles
    with CaptureQueriesContext(connection) as unfiltered:
        client.get(url)
    with django_assert_max_num_queries(len(unfiltered.captured_queries) + 2):
        response = client.get(url, {"ward": BULWELL})
    assert response.status_code == 200
    shown = list(response.context["households"])
    assert [h.pk for h in shown] == [h.pk for h in families["bulwell"]]
    body = response.content.decode()
    assert families["aspley"][1].name not in body and families["other"].name not in body


def test_ward_filter_queries_do_not_grow_with_the_families_shown(personas, families, client_for):
    client = client_for(personas.practitioner)
    url = reverse("people:household_list")
    client.get(url)
    counts = []
    for extra in (0, 5):
        for _ in range(extra):
            make_household(organisation=personas.lead, ward=personas.ward, adults=2, children=2)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"ward": BULWELL}).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_ward_lookup_can_start_from_the_current_address_index(personas, families):
    """The first query of the ward filter can be answered from address_current_ward. The test
    database is tiny, so sequential scans are switched off to see which index the planner takes."""
    bulwell = Ward.objects.get(code=BULWELL)
    # As the selector uses it: a subquery of `pk__in`, which has no ORDER BY (the model's default
    # ordering made the planner prefer a sort over the per-household index: flaky on CI).
    in_ward = (
        Address.objects.filter(ward_id=bulwell.pk, valid_to__isnull=True)
        .order_by()
        .values("household_id")
    )
    sql, params = in_ward.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        # On a few rows the per-household index costs the same and the planner takes either; at
        # scale the ward index wins (docs/benchmarks.md). Hidden for this transaction only (DDL is
        # transactional on PostgreSQL; the test's transaction is rolled back).
        cur.execute("DROP INDEX address_one_current_per_household")
        # The foreign key's own index on ward_id alone ties with it too on a few rows, and the
        # planner's pick then depends on the statistics earlier tests left (seen flaky in a full run).
        constraints = connection.introspection.get_constraints(cur, "people_address")
        for name, info in constraints.items():
            if info["index"] and info["columns"] == ["ward_id"] and name != "address_current_ward":
                cur.execute(f'DROP INDEX "{name}"')
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(r[0] for r in cur.fetchall())
    assert "address_current_ward" in plan, plan


def test_the_indexes_the_ward_filter_relies_on_exist(db):
    with connection.cursor() as cur:
        address = connection.introspection.get_constraints(cur, "people_address")
        allocation = connection.introspection.get_constraints(cur, "people_caseallocation")
    assert address["address_current_ward"]["columns"] == ["ward_id", "household_id"]
    assert allocation["allocation_open"]["columns"] == ["organisation_id", "household_id"]
