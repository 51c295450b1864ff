"""The mailing list for 'receiving information' and the Imagination Library registration list, as
pages and CSV downloads (R-CONSENT-3, R-CONSENT-4, R-SHARE-4).

Each list is one query built in `privacy.mailing` from the user's scope and the policy's filter, so
a withdrawal, a restriction or an objection takes a person off the list at once. A page is logged as
a list of the people shown; a download as an export of every person in it (R-ACCESS-3).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from familyhub.access import log
from familyhub.access.models import AccessLogEntry
from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import NotFound
from familyhub.privacy import mailing, purposes
from familyhub.privacy.steps import purpose_step

VIEW = Capability.VIEW_PEOPLE
PAGE_SIZE = 50
Action = AccessLogEntry.Action


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _log(request: HttpRequest, rows: Iterable[dict[str, Any]], action: str, detail: str) -> None:
    log.record(
        user=request.user,
        action=action,
        object_type="person",
        person_keys=[r["log_key"] for r in rows],
        detail=detail,
    )


def _list_page(
    request: HttpRequest,
    build: Callable[[Any], QuerySet[Any]],
    template: str,
    detail: str,
    purpose_code: str,
) -> HttpResponse:
    missing = ""
    try:
        page = mailing.page_of(build(request.user), _page_number(request), PAGE_SIZE)
    except NotFound as e:  # the purpose is not in the register: nobody may be on the list
        page, missing = mailing.Page([], 1, False, False), e.message
    if page.rows:
        _log(request, page.rows, Action.LIST, detail)
    for row in page.rows:
        row["name"] = mailing.display_name(row)
        row["address"] = mailing.address_lines(row)
        if "by_email" in row:
            row["channels"] = mailing.channels(row)
    return render(
        request,
        template,
        {"page": page, "missing": missing, "purpose_code": purpose_code},
    )


def _download(
    request: HttpRequest,
    build: Callable[[Any], QuerySet[Any]],
    header: tuple[str, ...],
    lines: Callable[[Iterable[dict[str, Any]]], Iterable[list[Any]]],
    name: str,
    detail: str,
) -> HttpResponse:
    try:
        rows = list(build(request.user))
    except NotFound:
        rows = []
    # Logged before anything leaves: every person in the file, as an export.
    _log(request, rows, Action.EXPORT, detail)
    response = StreamingHttpResponse(
        mailing.to_csv(header, lines(rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    response["Cache-Control"] = "no-store"
    return cast(HttpResponse, response)  # streamed; staff_view's type says HttpResponse


@purpose_step(purposes.RECEIVING_INFORMATION)
@staff_view(VIEW)
def mailing_list(request: HttpRequest) -> HttpResponse:
    """People in scope who may receive information and agreed to news by email, text or post."""
    return _list_page(
        request,
        mailing.mailing_list,
        "privacy/mailing_list.html",
        "mailing list",
        purposes.RECEIVING_INFORMATION,
    )


@purpose_step(purposes.RECEIVING_INFORMATION)
@staff_view(VIEW)
def mailing_list_csv(request: HttpRequest) -> HttpResponse:
    return _download(
        request,
        mailing.mailing_list,
        mailing.MAILING_HEADER,
        mailing.mailing_csv_lines,
        "mailing-list",
        "mailing list download",
    )


@purpose_step(purposes.IMAGINATION_LIBRARY)
@staff_view(VIEW)
def imagination_library(request: HttpRequest) -> HttpResponse:
    """Children under five in scope, with an address, whom the policy allows to be registered."""
    return _list_page(
        request,
        mailing.imagination_library_list,
        "privacy/mailing_imagination_library.html",
        "Imagination Library list",
        purposes.IMAGINATION_LIBRARY,
    )


@purpose_step(purposes.IMAGINATION_LIBRARY)
@staff_view(VIEW)
def imagination_library_csv(request: HttpRequest) -> HttpResponse:
    return _download(
        request,
        mailing.imagination_library_list,
        mailing.IMAGINATION_LIBRARY_HEADER,
        mailing.imagination_library_csv_lines,
        "imagination-library",
        "Imagination Library download",
    )
