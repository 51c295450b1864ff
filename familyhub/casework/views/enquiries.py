"""Enquiries and complaints (R-ENGAGE-9): the organisation's list with acknowledgements due or
overdue, recording one, and acknowledging and resolving it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode

from familyhub.access import helpers as access
from familyhub.access.models import AccessLogEntry
from familyhub.access.roles import Capability
from familyhub.casework import selectors
from familyhub.casework.forms import EnquiryForm, EnquiryUpdateForm
from familyhub.casework.services import enquiries
from familyhub.casework.views._common import by_uuid, page_number
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ApplicationError
from familyhub.core.http import posted
from familyhub.people.forms import apply_errors

HANDLE = Capability.EDIT_PEOPLE
SHOW = {"open": "Open", "overdue": "Acknowledgement overdue", "all": "All"}


@staff_view(HANDLE)
def enquiry_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "open")
    show = show if show in SHOW else "open"
    page = page_number(request)
    rows, has_next = selectors.enquiry_list(request.user, show=show, page=page)
    return render(
        request,
        "casework/enquiry_list.html",
        {
            "rows": rows,
            "show": show,
            "choices": SHOW.items(),
            "today": timezone.localdate(),
            "page": {"number": page, "has_previous": page > 1, "has_next": has_next},
            "query": urlencode({"show": show}),
        },
    )


@staff_view(HANDLE)
def enquiry_new(request: HttpRequest) -> HttpResponse:
    services = selectors.active_services()
    household = None
    if request.GET.get("family") or request.POST.get("family"):
        household = access.household_for(
            request.user, request.GET.get("family") or request.POST.get("family")
        )
    form = EnquiryForm(
        posted(request), services=services, initial={"received_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enquiry = enquiries.enquiry_record(
                actor=request.user,
                kind=data.get("kind") or "",
                received_on=data.get("received_on"),
                channel=data.get("channel") or "",
                from_name=data.get("from_name", ""),
                from_contact=data.get("from_contact", ""),
                about=data.get("about", ""),
                details=data.get("details", ""),
                service=by_uuid(services, data.get("service")),
                household=household,
            )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(
                request,
                f"{enquiry.get_kind_display()} recorded. Acknowledge it by "
                f"{enquiry.acknowledgement_due_on:%d/%m/%Y}.",
            )
            return redirect("casework:enquiry_detail", enquiry.uuid)
    return render(request, "casework/enquiry_new.html", {"form": form, "household": household})


@staff_view(HANDLE)
def enquiry_detail(request: HttpRequest, enquiry_id: str) -> HttpResponse:
    enquiry = selectors.enquiry_for(request.user, enquiry_id)
    form = EnquiryUpdateForm(
        posted(request),
        initial={
            "status": enquiry.status,
            "acknowledged_on": enquiry.acknowledged_on,
            "outcome": enquiry.outcome,
            "outcome_details": enquiry.outcome_details,
            "resolved_on": enquiry.resolved_on,
            "version": enquiry.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enquiries.enquiry_update(
                actor=request.user,
                enquiry=enquiry,
                data={
                    "status": data.get("status") or enquiry.status,
                    "acknowledged_on": data.get("acknowledged_on"),
                    "outcome": data.get("outcome") or "",
                    "outcome_details": data.get("outcome_details", ""),
                    "resolved_on": data.get("resolved_on"),
                    "handled_by": request.user,
                },
                expected_version=data["version"],
            )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(request, "Saved.")
            return redirect("casework:enquiry_detail", enquiry.uuid)
    household_id = enquiry.household_id
    family_visible = bool(
        household_id and access.households_visible_to(request.user).filter(pk=household_id).exists()
    )
    if family_visible and household_id:
        access.log_people_shown(
            request.user,
            selectors.people_of([household_id]),
            action=AccessLogEntry.Action.VIEW_HOUSEHOLD,
            detail="enquiry",
            object_type="enquiry",
        )
    return render(
        request,
        "casework/enquiry_detail.html",
        {
            "enquiry": enquiry,
            "form": form,
            "family_visible": family_visible,
            "today": timezone.localdate(),
        },
    )
