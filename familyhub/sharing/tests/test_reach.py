"""Reach (R-SHARE-6; ADR 0019): Wilson intervals, the population file, disclosure control."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from familyhub.core.errors import ValidationFailed
from familyhub.core.testing import make_household
from familyhub.places.models import PopulationEstimate
from familyhub.sharing import reach
from familyhub.sharing.models import Level
from familyhub.sharing.testing import make_agreement


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        # Known values (Newcombe 1998, Table I; Wilson 1927): 95% intervals.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (10, 100, 0.0552, 0.1744),
    ],
)
def test_wilson_known_values(x, n, low, high):
    lo, hi = reach.wilson(x, n)
    assert lo == pytest.approx(low, abs=1e-4) and hi == pytest.approx(high, abs=1e-4)


@given(st.integers(1, 10_000), st.data())
def test_wilson_contains_the_estimate_and_stays_in_range(n, data):
    x = data.draw(st.integers(0, n))
    lo, hi = reach.wilson(x, n)
    assert 0 <= lo <= x / n <= hi <= 1


def test_example_population_loads_and_is_labelled_synthetic(db):
    from familyhub.core.testing import ensure_reference_data

    ensure_reference_data()
    assert "SYNTHETIC EXAMPLE" in reach.load_example_population()
    n = PopulationEstimate.objects.count()
    assert n == 120  # 20 wards x (total + 5 groups)
    reach.load_example_population()
    assert PopulationEstimate.objects.count() == n  # twice changes nothing
    assert all(
        "SYNTHETIC EXAMPLE" in s
        for s in PopulationEstimate.objects.values_list("source", flat=True)
    )


def test_population_file_errors_name_the_row(db):
    from familyhub.core.testing import ensure_reference_data

    ensure_reference_data()
    text = (
        "ward_code,year,age_from,age_to,sex,ethnic_group,count,source\nE05XXXXXX,2024,0,4,,,10,x\n"
    )
    with pytest.raises(ValidationFailed) as e:
        reach.population_load(text)
    assert "row 2" in e.value.message
    with pytest.raises(ValidationFailed):
        reach.population_load("ward_code,count\n")
    assert not PopulationEstimate.objects.exists()


def test_load_population_command(db, tmp_path):
    from django.core.management import call_command

    from familyhub.core.testing import ensure_reference_data

    ensure_reference_data()
    path = tmp_path / "pop.csv"
    path.write_text(
        "ward_code,year,age_from,age_to,sex,ethnic_group,count\nE05012275,2024,0,4,,,900\n"
    )
    out = io.StringIO()
    call_command("load_population", str(path), source="Test source", stdout=out)
    assert "1 population rows loaded" in out.getvalue()
    assert PopulationEstimate.objects.get().source == "Test source"


@pytest.fixture
def reached(personas):
    """Bulwell: 10 young children registered with the lead organisation, 3 of them engaged."""
    reach.load_example_population()
    today = timezone.localdate()
    kids = []
    for _ in range(9):
        h = make_household(organisation=personas.lead, ward=personas.ward, children=1)
        kids.append(h.memberships.get(role="child").person)
    return personas, kids, today


def test_reach_counts_are_disclosure_controlled(reached):
    personas, _kids, today = reached
    agreement = make_agreement(level=Level.AGGREGATE)
    result = reach.reach(
        actor=personas.dpo,
        agreement=agreement,
        date_from=today - timedelta(days=365),
        date_to=today,
    )
    assert result.rule_set == "round-5-suppress-1-7"
    bulwell = next(r for r in result.by_ward if r.label == "Bulwell")
    # 10 children aged 0-4 registered in Bulwell (the personas' family's child and 9 more):
    # published rounded to 10, with a rate over the example population.
    assert bulwell.registered == "10"
    assert bulwell.registered_rate is not None and bulwell.registered_ci is not None
    assert bulwell.registered_ci[0] <= bulwell.registered_rate <= bulwell.registered_ci[1]
    # Nobody engaged: 0 stays 0.
    assert bulwell.engaged == "0"
    # A ward with no children shows 0; nothing between 1 and 7 is ever published.
    for row in result.by_ward + result.by_ethnicity:
        for shown in (row.registered, row.engaged):
            assert shown in ("*", "[c]") or not 1 <= int(shown) <= 7
            if shown in ("*", "[c]"):
                assert row.registered_rate is None or shown != row.registered


def test_small_counts_are_suppressed_with_their_rates(personas):
    reach.load_example_population()
    for _ in range(2):
        make_household(organisation=personas.lead, ward=personas.ward, children=1)
    agreement = make_agreement(level=Level.AGGREGATE)
    today = timezone.localdate()
    result = reach.reach(
        actor=personas.dpo,
        agreement=agreement,
        date_from=date(today.year - 1, 1, 1),
        date_to=today,
    )
    bulwell = next(r for r in result.by_ward if r.label == "Bulwell")
    assert bulwell.registered == "*" and bulwell.registered_rate is None
    assert bulwell.registered_ci is None


def test_reach_page_and_csv(reached, client_for):
    personas, _kids, today = reached
    agreement = make_agreement(level=Level.AGGREGATE)
    query = {
        "agreement": agreement.reference,
        "date_from": (today - timedelta(days=365)).strftime("%d/%m/%Y"),
        "date_to": today.strftime("%d/%m/%Y"),
    }
    client = client_for(personas.team_manager)
    page = client.get(reverse("sharing:reach"), query)
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "Children by ward" in body and "SYNTHETIC EXAMPLE" in body
    response = client.get(reverse("sharing:reach_csv"), query)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert any(r and r[0] == "Bulwell" and r[2] == "10" for r in rows)
    # The download left familyhub: one disclosure record with the file's checksum (R-SHARE-5).
    from familyhub.rights.models import DisclosureRecord
    from familyhub.sharing.models import Output

    record = DisclosureRecord.objects.get(agreement=agreement)
    assert record.kind == "report" and record.level == "aggregate"
    assert record.sha256 == hashlib.sha256(response.content).hexdigest()
    output = Output.objects.get(disclosure=record)
    assert output.kind == "reach" and output.status == "released"


def test_reach_under_an_agreement_that_does_not_cover_it_is_refused_and_recorded(
    reached, client_for
):
    """R-SHARE-1: an agreement without the ethnic group item cannot release reach by ethnicity."""
    from familyhub.sharing.models import Output

    personas, _kids, today = reached
    agreement = make_agreement(level=Level.AGGREGATE, items=["ward", "children", "age_band"])
    query = {
        "agreement": agreement.reference,
        "date_from": (today - timedelta(days=30)).strftime("%d/%m/%Y"),
        "date_to": today.strftime("%d/%m/%Y"),
    }
    client = client_for(personas.team_manager)
    response = client.get(reverse("sharing:reach_csv"), query)
    body = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in body
    assert "does not cover" in body and "Ethnic group" in body
    refused = Output.objects.get(agreement=agreement)
    assert refused.status == "refused" and "Ethnic group" in refused.refusal_reason


def test_reach_page_without_an_agreement_asks_for_one(personas, client_for):
    response = client_for(personas.dpo).get(reverse("sharing:reach"), {"agreement": ""})
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
