"""The disclosure log pages (R-SHARE-5; ADR 0019): the DPO's searchable, read-only list of
everything that left, each record, the CSV of the list, and the form for a disclosure made by
hand. No route edits or deletes a record. Reads through `sharing.services.disclosures`."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from familyhub.core.decorators import staff_view
from familyhub.core.errors import ValidationFailed
from familyhub.core.http import posted
from familyhub.people.forms import apply_errors
from familyhub.sharing.forms.extracts import DisclosureForm, LogFilterForm
from familyhub.sharing.models import Agreement
from familyhub.sharing.services import disclosures as service

READ = service.READ_LOG
PAGE_SIZE = 25


def _filter(request: HttpRequest) -> tuple[LogFilterForm, service.LogFilter]:
    form = LogFilterForm(request.GET or None)
    f = service.LogFilter()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        f = service.LogFilter(
            recipient=d["recipient"],
            kind=d["kind"],
            agreement=d["agreement"],
            date_from=d["date_from"],
            date_to=d["date_to"],
            person=d["person"],
        )
    return form, f


@staff_view(READ)
def log_list(request: HttpRequest) -> HttpResponse:
    form, f = _filter(request)
    page = Paginator(service.log_entries(request.user, f), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "sharing/log/list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@staff_view(READ)
def log_csv(request: HttpRequest) -> HttpResponse:
    _form, f = _filter(request)
    body = service.log_csv(request.user, service.log_entries(request.user, f))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    name = f"disclosure-log-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_view(READ)
def log_detail(request: HttpRequest, disclosure_id: UUID) -> HttpResponse:
    record = service.log_entry(request.user, disclosure_id)
    return render(
        request,
        "sharing/log/detail.html",
        {
            "d": record,
            "people": service.people_in(request.user, record),
            "outputs": list(record.outputs.defer("content")),
        },
    )


@staff_view(READ)
def log_new(request: HttpRequest) -> HttpResponse:
    form = DisclosureForm(posted(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            record = service.disclosure_record(
                actor=request.user,
                kind=d["kind"],
                recipient=d["recipient"],
                recipient_kind=d["recipient_kind"],
                what=d["what"],
                legal_basis=d["legal_basis"],
                disclosed_on=d["disclosed_on"] or timezone.localdate(),
                people_text=d["people"],
                channel=d["channel"],
                agreement=Agreement.objects.filter(reference=d["agreement"]).first()
                if d["agreement"]
                else None,
            )
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            messages.success(request, "Disclosure recorded in the log.")
            return redirect("sharing:log_detail", record.uuid)
    return render(request, "sharing/log/new.html", {"form": form})
