"""Outcomes (R-ENGAGE-7): a family's needs, strengths and goals, its reviews and its progress chart;
progress per service; the frameworks themselves."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from familyhub.access import helpers as access
from familyhub.casework import charts, selectors
from familyhub.casework.forms import OutcomeRecordForm, ReasonForm, ReviewForm
from familyhub.casework.models import OutcomeFramework
from familyhub.casework.services import outcomes
from familyhub.casework.views._common import (
    CASEWORK,
    VIEW,
    by_uuid,
    family_context,
    members,
    person_in,
)
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ApplicationError
from familyhub.core.http import posted
from familyhub.people.forms import apply_errors


def _family_charts(progress: list[selectors.FrameworkProgress]) -> list[dict[str, Any]]:
    result = []
    for n, p in enumerate(progress):
        labels = [d.strftime("%d/%m/%y") for d in p.dates]
        series = [charts.Series(s.outcome.name, s.scores) for s in p.series]
        fw = p.framework
        result.append(
            {
                "framework": fw,
                "table_id": f"progress-table-{n}",
                "caption": f"{fw.name}: scores at each review",
                "labels": [d.strftime("%d/%m/%Y") for d in p.dates],
                "rows": [
                    {
                        "outcome": s.outcome,
                        "values": [charts.number(v) for v in s.scores],
                        "key": charts.key_swatch(i),
                    }
                    for i, s in enumerate(p.series)
                ],
                "svg": charts.line_chart(
                    chart_id=f"progress-{n}",
                    title=f"{fw.name}: scores at each review",
                    description=charts.describe(series, labels),
                    x_labels=labels,
                    series=series,
                    y_min=fw.scale_min,
                    y_max=fw.scale_max,
                    y_label=f"Score ({fw.scale_min} = {fw.scale_low_label}, {fw.scale_max} = {fw.scale_high_label})",
                ),
            }
        )
    return result


@staff_view(VIEW)
def family_outcomes(request: HttpRequest, household_id: str) -> HttpResponse:
    household = access.household_for(request.user, household_id)
    records, reviews = selectors.family_outcomes(household)
    return render(
        request,
        "casework/family_outcomes.html",
        family_context(
            request,
            household,
            open_records=[r for r in records if r.closed_on is None],
            closed_records=[r for r in records if r.closed_on is not None],
            reviews=reviews,
            charts=_family_charts(selectors.family_progress(reviews)),
        ),
    )


@staff_view(CASEWORK)
def outcome_record_new(request: HttpRequest, household_id: str) -> HttpResponse:
    household = access.household_for(request.user, household_id)
    outcome_list = selectors.active_outcomes()
    services = selectors.active_services()
    form = OutcomeRecordForm(
        posted(request), outcomes=outcome_list, members=members(household), services=services
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            outcomes.outcome_record_add(
                actor=request.user,
                household=household,
                outcome=by_uuid(outcome_list, data.get("outcome")),
                kind=data.get("kind") or "",
                description=data.get("description", ""),
                person=person_in(household, data.get("person")),
                service=by_uuid(services, data.get("service")),
            )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(request, "Saved to the family's outcomes.")
            return redirect("casework:family_outcomes", household.uuid)
    return render(
        request, "casework/outcome_record_form.html", family_context(request, household, form=form)
    )


@staff_view(CASEWORK)
def outcome_record_close(request: HttpRequest, household_id: str) -> HttpResponse:
    """POST: close a need, strength or goal (?record=uuid), with a reason."""
    household = access.household_for(request.user, household_id)
    records, _ = selectors.family_outcomes(household)
    record = by_uuid([r for r in records if r.closed_on is None], request.GET.get("record", ""))
    form = ReasonForm(posted(request))
    if request.method == "POST" and form.is_valid():
        record = by_uuid(
            [r for r in records if r.closed_on is None], request.POST.get("record", "")
        )
        try:
            if record is None:
                raise ApplicationError("Choose an open need, strength or goal of this family")
            outcomes.outcome_record_close(
                actor=request.user, record=record, reason=form.cleaned_data.get("reason", "")
            )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(request, "Closed. It stays in the family's outcomes.")
            return redirect("casework:family_outcomes", household.uuid)
    return render(
        request,
        "casework/outcome_record_close.html",
        family_context(request, household, form=form, record=record),
    )


@staff_view(CASEWORK)
def outcome_review_new(request: HttpRequest, household_id: str) -> HttpResponse:
    """Score the family's outcomes (those with an open need, strength or goal) with them."""
    household = access.household_for(request.user, household_id)
    records, _ = selectors.family_outcomes(household)
    focus = list({r.outcome.pk: r.outcome for r in records if r.closed_on is None}.values())
    services = selectors.active_services()
    form = ReviewForm(
        posted(request),
        outcomes=focus,
        services=services,
        show_notes=access.can_see_special_category(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            outcomes.outcome_review_record(
                actor=request.user,
                household=household,
                reviewed_on=data.get("reviewed_on"),
                scores=form.scores(),
                service=by_uuid(services, data.get("service")),
                with_family=data.get("with_family", ""),
                notes=data.get("notes", ""),
                next_review_on=data.get("next_review_on"),
            )
        except ApplicationError as e:
            errors = dict(e.errors or {"__all__": [e.message]})
            if "scores" in errors:
                errors["__all__"] = errors.pop("scores")
            apply_errors(form, errors)
        else:
            messages.success(request, "Review saved.")
            return redirect("casework:family_outcomes", household.uuid)
    return render(
        request,
        "casework/outcome_review_form.html",
        family_context(request, household, form=form, focus=focus),
    )


@staff_view(VIEW)
def service_outcomes(request: HttpRequest) -> HttpResponse:
    """Progress per service: the mean score per outcome per quarter, over the families the user may
    see (no family is named)."""
    services = selectors.active_services()
    service = by_uuid(services, request.GET.get("service", ""))
    results = []
    if service is not None:
        for n, p in enumerate(selectors.service_progress(request.user, service)):
            labels = [f"{q.year} Q{(q.month - 1) // 3 + 1}" for q in p.quarters]
            series = [charts.Series(s.outcome.name, s.means) for s in p.series]
            fw = p.framework
            results.append(
                {
                    "framework": fw,
                    "table_id": f"service-progress-table-{n}",
                    "caption": f"{fw.name}: mean score per quarter (number of families)",
                    "labels": labels,
                    "rows": [
                        {
                            "outcome": s.outcome,
                            "values": [
                                f"{charts.number(m)} ({f})" if m is not None else "–"
                                for m, f in zip(s.means, s.families, strict=True)
                            ],
                            "key": charts.key_swatch(i),
                        }
                        for i, s in enumerate(p.series)
                    ],
                    "svg": charts.line_chart(
                        chart_id=f"service-progress-{n}",
                        title=f"{service.name}, {fw.name}: mean score per quarter",
                        description=charts.describe(series, labels),
                        x_labels=labels,
                        series=series,
                        y_min=fw.scale_min,
                        y_max=fw.scale_max,
                        y_label=f"Mean score ({fw.scale_min} to {fw.scale_max})",
                    ),
                }
            )
    return render(
        request,
        "casework/service_outcomes.html",
        {"services": services, "service": service, "results": results},
    )


@staff_view(None)
def outcome_frameworks(request: HttpRequest) -> HttpResponse:
    """The outcomes frameworks (reference data, no personal data)."""
    frameworks = OutcomeFramework.objects.prefetch_related("outcomes").order_by("name")
    return render(request, "casework/outcome_frameworks.html", {"frameworks": frameworks})
