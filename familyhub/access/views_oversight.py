"""Reading the access log: "who has looked at my record" for one person (R-RIGHTS-6), the person
lookup the DPO starts from, and the access review of unusual patterns (R-ACCESS-3)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from familyhub.access import helpers as access
from familyhub.access import patterns, selectors
from familyhub.access.forms import AccessLookupForm, AccessReviewFilterForm
from familyhub.access.models import User
from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.http import posted

PAGE_SIZE = 100
REVIEW_DEFAULT_DAYS = 7


class _Echo:
    """A file-like object whose write returns the line, for a streamed CSV."""

    def write(self, value: str) -> str:
        return value


def _csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable[str]]) -> Any:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@staff_view(Capability.VIEW_ACCESS_LOG)
def person_lookup(request: HttpRequest) -> HttpResponse:
    """Find the person a family asks about (exact details only), to show their access record.

    Posted, so that NHS numbers and names stay out of addresses and request logs; the lookup is
    itself logged, with the request's reference as its reason.
    """
    form = AccessLookupForm(posted(request))
    found = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        found = access.people_for_access_lookup(
            request.user,
            reference=data["reference"],
            nhs_number=data["nhs_number"],
            family_name=data["family_name"],
            given_name=data["given_name"],
            date_of_birth=data["date_of_birth"],
        )
    return render(
        request,
        "access/person_lookup.html",
        {
            "form": form,
            "found": found,
            "reference": form.cleaned_data.get("reference", "") if form.is_bound else "",
            "oversees": access.can(request.user, Capability.OVERSEE_ACCESS),
        },
    )


@staff_view(Capability.VIEW_ACCESS_LOG)
@require_GET
def who_looked(request: HttpRequest, person_id: Any) -> HttpResponse:
    """Every access to one person's record, readable, newest first; ?download=csv for all of it."""
    reference = request.GET.get("ref", "")[:100]
    download = request.GET.get("download") == "csv"
    person = access.person_for_access_record(
        request.user,
        person_id,
        reason=reference,
        export=download,
    )
    if download:
        name = f"access-record-{person.uuid}-{timezone.localdate():%Y%m%d}.csv"
        lines = (row.csv_row() for row in selectors.accesses_of_person(person))
        return _csv_response(name, selectors.AccessRow.CSV_HEADER, lines)
    paginator = Paginator(range(selectors.count_accesses_of_person(person)), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(
        selectors.accesses_of_person(person, offset=page.start_index() - 1, limit=PAGE_SIZE)
        if paginator.count
        else []
    )
    return render(
        request,
        "access/who_looked.html",
        {"person": person, "rows": rows, "page": page, "reference": reference},
    )


def _staff_in_remit(user: Any) -> Any:
    """Whose access the reviewer may review: everyone for the DPO, otherwise the staff (past and
    present) of the organisations where the reviewer reads the access log."""
    if access.can(user, Capability.OVERSEE_ACCESS):
        return None
    orgs = user.organisation_ids_with(Capability.VIEW_ACCESS_LOG)
    return User.objects.filter(memberships__organisation_id__in=orgs).distinct()


@staff_view(Capability.VIEW_ACCESS_LOG)
@require_GET
def access_review(request: HttpRequest) -> HttpResponse:
    """Unusual patterns in the access log, by member of staff and day, with filters and CSV."""
    today = timezone.localdate()
    data = request.GET.copy()
    data.setdefault(
        "date_from", (today - timedelta(days=REVIEW_DEFAULT_DAYS - 1)).strftime("%d/%m/%Y")
    )
    data.setdefault("date_to", today.strftime("%d/%m/%Y"))
    form = AccessReviewFilterForm(data)
    result = None
    unknown_user = False
    if form.is_valid():
        staff = _staff_in_remit(request.user)
        username = form.cleaned_data["username"].strip()
        if username:
            base = staff if staff is not None else User.objects.all()
            staff = base.filter(username=username)
            unknown_user = not staff.exists()
        start = form.cleaned_data["date_from"] or today - timedelta(days=REVIEW_DEFAULT_DAYS - 1)
        end = form.cleaned_data["date_to"] or today
        result = patterns.review(start, end, staff=staff)
        if request.GET.get("download") == "csv":
            name = f"access-review-{start:%Y%m%d}-{end:%Y%m%d}.csv"
            return _csv_response(
                name, patterns.Finding.CSV_HEADER, (f.csv_row() for f in result.findings)
            )
    return render(
        request,
        "access/access_review.html",
        {
            "form": form,
            "result": result,
            "unknown_user": unknown_user,
            "rules": patterns.RULE_TITLES,
            "query": request.GET.urlencode(),
        },
    )
