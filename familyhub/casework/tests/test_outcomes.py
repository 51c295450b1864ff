"""Outcomes (R-ENGAGE-7): the frameworks as data, needs/strengths/goals, reviews over time, and
the progress charts (accessible SVG with a data table) per family and per service."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from familyhub.casework import selectors
from familyhub.casework.models import Outcome, OutcomeFramework, OutcomeRecord, OutcomeReview
from familyhub.casework.reference import FAMILY_HUB, SSBC
from familyhub.casework.services import outcomes
from familyhub.casework.tests.conftest import child_of
from familyhub.core.errors import PermissionRefused, ValidationFailed
from familyhub.core.testing import make_household

pytestmark = pytest.mark.django_db


def _outcome(code: str) -> Outcome:
    return Outcome.objects.select_related("framework").get(code=code)


def test_the_frameworks_are_loaded_from_the_source_documents():
    ssbc = OutcomeFramework.objects.get(code="ssbc")
    assert [o.name for o in ssbc.outcomes.order_by("position")] == [
        "Learn to talk and communicate",
        "Be confident, friendly and understand their emotions and behaviour",
        "Enjoy eating well and keeping healthy",
    ]
    hub = OutcomeFramework.objects.get(code="family-hub")
    assert hub.outcomes.count() == len(FAMILY_HUB["outcomes"]) == 19
    assert hub.outcomes.filter(name="Safe from domestic abuse").exists()
    assert (ssbc.scale_min, ssbc.scale_max) == (1, 5)
    assert len(SSBC["outcomes"]) == 3


def _goal(personas, code="talk-and-communicate", **kwargs):
    return outcomes.outcome_record_add(
        actor=kwargs.pop("actor", personas.practitioner),
        household=personas.household,
        outcome=_outcome(code),
        kind=kwargs.pop("kind", OutcomeRecord.Kind.GOAL),
        description=kwargs.pop("description", "Says ten words by Christmas"),
        **kwargs,
    )


def _review(personas, on: date, scores: dict[str, int], **kwargs):
    return outcomes.outcome_review_record(
        actor=personas.practitioner,
        household=kwargs.pop("household", personas.household),
        reviewed_on=on,
        scores={_outcome(code): s for code, s in scores.items()},
        **kwargs,
    )


def test_needs_strengths_and_goals_are_recorded_against_an_outcome(personas):
    record = _goal(personas, person=child_of(personas.household))
    assert record.organisation == personas.lead and record.recorded_on == timezone.localdate()
    with pytest.raises(ValidationFailed) as e:
        outcomes.outcome_record_add(
            actor=personas.practitioner,
            household=personas.household,
            outcome=None,
            kind="wish",
            description=" ",
        )
    assert {"outcome", "kind", "description"} <= set(e.value.errors)
    with pytest.raises(PermissionRefused):
        _goal(personas, actor=personas.group_worker)
    outcomes.outcome_record_close(actor=personas.practitioner, record=record, reason="Goal met")
    record.refresh_from_db()
    assert record.closed_on == timezone.localdate()


def test_a_review_scores_outcomes_on_the_frameworks_scale(personas):
    today = timezone.localdate()
    review = _review(personas, today, {"talk-and-communicate": 3, "eating-well-healthy": 4})
    assert sorted(review.scores.values_list("score", flat=True)) == [3, 4]
    with pytest.raises(ValidationFailed) as e:
        _review(personas, today + timedelta(days=1), {"talk-and-communicate": 3})
    assert e.value.errors["reviewed_on"] == ["A review can only be recorded once it has happened"]
    with pytest.raises(ValidationFailed) as e:
        _review(personas, today, {"talk-and-communicate": 6})
    outcome_pk = _outcome("talk-and-communicate").pk
    assert "from 1 to 5" in e.value.errors[f"score_{outcome_pk}"][0]
    with pytest.raises(ValidationFailed) as e:
        outcomes.outcome_review_record(
            actor=personas.practitioner,
            household=personas.household,
            reviewed_on=today,
            scores={_outcome("talk-and-communicate"): None},
        )
    assert "scores" in e.value.errors


def test_progress_per_family_is_a_series_per_outcome_over_the_reviews(personas):
    d = timezone.localdate()
    _review(personas, d - timedelta(days=60), {"talk-and-communicate": 2})
    _review(personas, d - timedelta(days=30), {"talk-and-communicate": 3, "eating-well-healthy": 2})
    _review(personas, d, {"talk-and-communicate": 4, "eating-well-healthy": 3})
    _, reviews = selectors.family_outcomes(personas.household)
    (progress,) = selectors.family_progress(reviews)
    assert progress.framework.code == "ssbc"
    assert progress.dates == [d - timedelta(days=60), d - timedelta(days=30), d]
    series = {s.outcome.code: s.scores for s in progress.series}
    assert series == {"talk-and-communicate": [2, 3, 4], "eating-well-healthy": [None, 2, 3]}


def test_the_family_outcomes_page_draws_an_accessible_chart_with_the_table_beside_it(
    personas, client_for
):
    _goal(personas)
    d = timezone.localdate()
    _review(personas, d - timedelta(days=30), {"talk-and-communicate": 2})
    _review(personas, d, {"talk-and-communicate": 4})
    r = client_for(personas.group_worker).get(
        reverse("casework:family_outcomes", args=[personas.household.uuid])
    )
    assert r.status_code == 200
    body = r.content.decode()
    svg = re.search(r'<svg class="app-chart".*?</svg>', body, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="progress-0-title progress-0-desc"' in svg
    assert "<title" in svg and "<desc" in svg and "Learn to talk and communicate: 2" in svg
    assert "style=" not in svg  # the Content-Security-Policy forbids inline styles
    assert "<polyline" in svg
    table = re.search(
        r'<table class="govuk-table govuk-body-s" id="progress-table-0">.*?</table>', body, re.S
    )
    assert table and ">2<" in table.group(0) and ">4<" in table.group(0)
    # A group worker sees the scores but not the description written with the family.
    assert "Says ten words by Christmas" not in body


def test_progress_per_service_averages_in_scope_families_by_quarter(
    personas, mentoring, client_for
):
    d = timezone.localdate()
    second = make_household(organisation=personas.lead)
    _review(personas, d, {"talk-and-communicate": 2}, service=mentoring)
    _review(personas, d, {"talk-and-communicate": 4}, service=mentoring, household=second)
    # A review by the partner of its own family is outside the lead organisation's scope.
    outcomes.outcome_review_record(
        actor=personas.partner_staff,
        household=personas.partner_household,
        reviewed_on=d,
        scores={_outcome("talk-and-communicate"): 1},
        service=mentoring,
    )
    (progress,) = selectors.service_progress(personas.practitioner, mentoring)
    (series,) = progress.series
    assert series.means == [3.0] and series.families == [2]
    (partner_view,) = selectors.service_progress(personas.partner_staff, mentoring)
    assert partner_view.series[0].means == [1.0]
    r = client_for(personas.practitioner).get(
        reverse("casework:service_outcomes"), {"service": str(mentoring.uuid)}
    )
    body = r.content.decode()
    assert 'id="service-progress-0"' in body and "3 (2)" in body
    assert personas.household.name not in body


def test_a_review_form_scores_only_the_outcomes_the_family_works_on(personas, client_for):
    client = client_for(personas.practitioner)
    url = reverse("casework:outcome_review_new", args=[personas.household.uuid])
    assert 'id="no-focus"' in client.get(url).content.decode()
    _goal(personas)
    outcome = _outcome("talk-and-communicate")
    r = client.get(url)
    assert [f.name for f in r.context["form"].score_fields] == [f"score_{outcome.pk}"]
    r = client.post(
        url,
        {"reviewed_on": timezone.localdate().strftime("%d/%m/%Y"), f"score_{outcome.pk}": "3"},
    )
    assert r.status_code == 302
    assert OutcomeReview.objects.get().scores.get().score == 3
