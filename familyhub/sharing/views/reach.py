"""The reach page and its CSV (R-SHARE-6; ADR 0019): registered and engaged children by ward and
by ethnic group against the population, with disclosure control, charts and data tables."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from familyhub.core.decorators import staff_view
from familyhub.core.errors import ApplicationError
from familyhub.people.forms import apply_errors
from familyhub.sharing import guard
from familyhub.sharing import reach as service
from familyhub.sharing.forms.extracts import ReachForm
from familyhub.sharing.models import Agreement, Level
from familyhub.sharing.services.extracts import PRODUCE_EXTRACTS

PRODUCE = PRODUCE_EXTRACTS


def _compute(request: HttpRequest) -> tuple[ReachForm, Any]:
    today = timezone.localdate()
    initial = {"date_from": date(today.year - 1, today.month, 1), "date_to": today}
    form = ReachForm(request.GET or None, initial=initial)
    if not form.is_bound or not form.is_valid():
        return form, None
    d = form.cleaned_data
    agreement = Agreement.objects.filter(reference=d["agreement"]).first()
    if agreement is None:
        form.add_error("agreement", "Choose the agreement whose disclosure control applies.")
        return form, None
    try:
        result = service.reach(
            actor=request.user,
            agreement=agreement,
            date_from=d["date_from"] or initial["date_from"],
            date_to=d["date_to"] or today,
        )
    except ApplicationError as e:  # the period, or an agreement that does not allow it
        apply_errors(form, e.errors or {"date_to": [e.message]})
        return form, None
    return form, result


@staff_view(PRODUCE)
def reach(request: HttpRequest) -> HttpResponse:
    form, result = _compute(request)
    charts = None
    if result is not None:
        charts = {
            "ward_registered": service.chart(result.by_ward, "registered"),
            "ward_engaged": service.chart(result.by_ward, "engaged"),
            "eth_registered": service.chart(result.by_ethnicity, "registered"),
            "eth_engaged": service.chart(result.by_ethnicity, "engaged"),
        }
    return render(
        request,
        "sharing/reach/page.html",
        {"form": form, "result": result, "charts": charts, "query": request.GET.urlencode()},
    )


@staff_view(PRODUCE)
def reach_csv(request: HttpRequest) -> HttpResponse:
    """The reach CSV leaves (R-SHARE-5). The same reach released before is served again as it
    was released (not a new release); a new one is refused when the agreement's frequency does
    not allow another yet (R-SHARE-1)."""
    form = ReachForm(request.GET or None)
    if form.is_valid():
        d = form.cleaned_data
        agreement = Agreement.objects.filter(reference=d["agreement"]).first()
        if agreement is not None and d["date_from"] and d["date_to"]:
            earlier = service.reach_released(agreement, d["date_from"], d["date_to"])
            if earlier is not None and not guard.reasons(
                agreement, level=Level.AGGREGATE, items=[], on=timezone.localdate()
            ):
                return _attachment(bytes(earlier.content or b""), earlier.files[0]["name"])
    form, result = _compute(request)
    if result is not None:
        data = service.reach_csv(result)
        name = f"reach-{result.date_from:%Y%m%d}-{result.date_to:%Y%m%d}.csv"
        agreement = Agreement.objects.get(reference=form.cleaned_data["agreement"])
        try:
            service.reach_release(
                actor=request.user, agreement=agreement, result=result, data=data, name=name
            )
        except guard.OutputRefused as refused:
            for reason in refused.reasons:
                form.add_error("agreement", reason)
        else:
            return _attachment(data, name)
    return render(
        request,
        "sharing/reach/page.html",
        {"form": form, "result": None, "charts": None, "query": request.GET.urlencode()},
    )


def _attachment(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
