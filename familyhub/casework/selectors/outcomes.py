"""Outcomes of a family over time, and progress per service (R-ENGAGE-7)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import (
    Avg,
    Count,
    Exists,
    OuterRef,
    Prefetch,
)
from django.db.models.functions import TruncQuarter

from familyhub.access import helpers as access
from familyhub.casework.models import (
    Outcome,
    OutcomeRecord,
    OutcomeReview,
    OutcomeScore,
)
from familyhub.people.models import Household


@dataclass
class OutcomeSeries:
    outcome: Outcome
    scores: list[int | None]  # one per review date, None where not scored


@dataclass
class FrameworkProgress:
    framework: Any
    dates: list[date]
    series: list[OutcomeSeries]


def family_outcomes(household: Household) -> tuple[list[OutcomeRecord], list[OutcomeReview]]:
    records = list(
        OutcomeRecord.objects.filter(household=household)
        .select_related("outcome__framework", "person", "service", "recorded_by")
        .order_by("closed_on", "outcome__framework__name", "outcome__position", "kind", "id")
    )
    reviews = list(
        OutcomeReview.objects.filter(household=household)
        .select_related("reviewer", "service", "organisation")
        .prefetch_related(
            Prefetch("scores", queryset=OutcomeScore.objects.select_related("outcome__framework"))
        )
        .order_by("reviewed_on", "id")
    )
    return records, reviews


def family_progress(reviews: list[OutcomeReview]) -> list[FrameworkProgress]:
    """Scores over time per framework: one column per review, one series per outcome."""
    by_framework: dict[int, FrameworkProgress] = {}
    for i, review in enumerate(reviews):
        for s in review.scores.all():
            fw = s.outcome.framework
            progress = by_framework.setdefault(fw.pk, FrameworkProgress(fw, [], []))
            progress.dates = [r.reviewed_on for r in reviews]
            line = next((x for x in progress.series if x.outcome.pk == s.outcome.pk), None)
            if line is None:
                line = OutcomeSeries(s.outcome, [None] * len(reviews))
                progress.series.append(line)
            line.scores[i] = s.score
    result = []
    for progress in by_framework.values():
        # Only the reviews that scored this framework, in order.
        keep = [
            i for i in range(len(reviews)) if any(x.scores[i] is not None for x in progress.series)
        ]
        progress.dates = [reviews[i].reviewed_on for i in keep]
        for line in progress.series:
            line.scores = [line.scores[i] for i in keep]
        progress.series.sort(key=lambda x: x.outcome.position)
        result.append(progress)
    return sorted(result, key=lambda p: p.framework.name)


@dataclass
class ServiceSeries:
    outcome: Outcome
    means: list[float | None]
    families: list[int]


@dataclass
class ServiceProgress:
    framework: Any
    quarters: list[date]
    series: list[ServiceSeries]


def service_progress(user: Any, service: Any) -> list[ServiceProgress]:
    """Mean score per outcome per quarter, over the reviews for `service` of families in the user's
    scope (one grouped query): progress per service (R-ENGAGE-7). No family is named."""
    visible = access.households_visible_to(user).filter(pk=OuterRef("review__household_id"))
    rows = list(
        OutcomeScore.objects.filter(Exists(visible), review__service=service)
        .annotate(quarter=TruncQuarter("review__reviewed_on"))
        .values("outcome_id", "quarter")
        .annotate(mean=Avg("score"), families=Count("review__household_id", distinct=True))
        .order_by("quarter")
    )
    if not rows:
        return []
    outcomes = {
        o.pk: o
        for o in Outcome.objects.filter(pk__in={r["outcome_id"] for r in rows}).select_related(
            "framework"
        )
    }
    grouped: dict[int, dict[int, dict[Any, tuple[float, int]]]] = defaultdict(dict)
    quarters: dict[int, set[Any]] = defaultdict(set)
    for r in rows:
        o = outcomes[r["outcome_id"]]
        q = r["quarter"].date() if hasattr(r["quarter"], "date") else r["quarter"]
        grouped[o.framework_id].setdefault(o.pk, {})[q] = (float(r["mean"]), r["families"])
        quarters[o.framework_id].add(q)
    result = []
    for fw_id, per_outcome in grouped.items():
        qs = sorted(quarters[fw_id])
        series = []
        for outcome_id, values in sorted(
            per_outcome.items(), key=lambda x: outcomes[x[0]].position
        ):
            series.append(
                ServiceSeries(
                    outcome=outcomes[outcome_id],
                    means=[round(values[q][0], 2) if q in values else None for q in qs],
                    families=[values[q][1] if q in values else 0 for q in qs],
                )
            )
        fw = outcomes[next(iter(per_outcome))].framework
        result.append(ServiceProgress(framework=fw, quarters=qs, series=series))
    return sorted(result, key=lambda p: p.framework.name)


def active_outcomes() -> list[Outcome]:
    return list(
        Outcome.objects.filter(active=True, framework__active=True)
        .select_related("framework")
        .order_by("framework__name", "position")
    )
