"""The mailing list for 'receiving information' and the Imagination Library registration list, as
pages and CSV downloads (R-CONSENT-3, R-CONSENT-4, R-SHARE-4).

Each list is one query built in `privacy.mailing` from the user's scope and the policy's filter, so
a withdrawal, a restriction or an objection takes a person off the list at once. A page is logged as
a list of the people shown; a download as an export of every person in it (R-ACCESS-3).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from familyhub.access import log
from familyhub.access.models import AccessLogEntry
from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import NotFound
from familyhub.core.http import csv_attachment
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


# What the registration file holds, in the agreements register's words (sharing.items).
IMAGINATION_LIBRARY_ITEMS = ("name", "date_of_birth", "parent_name", "address", "postcode")


@purpose_step(purposes.IMAGINATION_LIBRARY)
@staff_view(VIEW)
def imagination_library_csv(request: HttpRequest) -> HttpResponse:
    """The registration file for the Imagination Library: identifiable data leaving for another
    organisation, so only under the register's agreement for the purpose (R-SHARE-4), and logged
    as a disclosure with its checksum and every child in it (R-SHARE-5), as well as an export."""
    from familyhub.sharing import guard
    from familyhub.sharing.models import Level
    from familyhub.sharing.services import disclosures

    try:
        rows = list(mailing.imagination_library_list(request.user))
    except NotFound:
        rows = []
    agreement = disclosures.agreement_for_purpose(
        purposes.IMAGINATION_LIBRARY, level=Level.IDENTIFIABLE
    )
    refused = guard.reasons(
        agreement,
        level=Level.IDENTIFIABLE,
        items=IMAGINATION_LIBRARY_ITEMS,
        on=timezone.localdate(),
    )
    if refused:
        if agreement is None:
            refused = [
                "No data sharing agreement for the Imagination Library is in the register: the "
                "DPO records one before the list can be sent."
            ]
        messages.error(request, " ".join(refused))
        return redirect("privacy:imagination_library")
    assert agreement is not None
    name = f"imagination-library-{timezone.localdate():%Y-%m-%d}.csv"
    content = "".join(
        mailing.to_csv(
            mailing.IMAGINATION_LIBRARY_HEADER, mailing.imagination_library_csv_lines(rows)
        )
    ).encode("utf-8")
    with transaction.atomic():  # the export and the disclosure are logged together, or neither
        _log(request, rows, Action.EXPORT, "Imagination Library download")
        disclosures.record_identifiable_release(
            agreement,
            actor=request.user,
            what=f"Imagination Library registration list: {len(rows)} children",
            channel="download from familyhub",
            people_ids=[r["pk"] for r in rows],
            file_name=name,
            content=content,
        )
    return csv_attachment(content, name)
