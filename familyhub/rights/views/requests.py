"""The DPO's register of rights requests and its dashboard, and the front-line form for a request
received at the door (R-RIGHTS-1). Reads go through `rights.selectors` or `access.helpers`, writes
through `rights.services`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ValidationFailed
from familyhub.core.http import posted
from familyhub.people.forms import apply_errors
from familyhub.rights import deadlines, selectors, services
from familyhub.rights import selectors_accuracy as accuracy_selectors
from familyhub.rights.forms import (
    CloseForm,
    DoorRequestForm,
    ExtensionForm,
    FinderForm,
    IdentityForm,
    PauseForm,
    RecipientsToldForm,
    RequestForm,
    ResumeForm,
)
from familyhub.rights.models import (
    RequesterKind,
    RequestKind,
    RightsRequest,
    Status,
)
from familyhub.rights.services.packs import requester_text

MANAGE = Capability.MANAGE_PRIVACY
RECORD = Capability.RECORD_RIGHTS_REQUEST
PAGE_SIZE = 25
DUE_SOON_DAYS = 7


def _today() -> Any:
    return timezone.localdate()


def _row(r: RightsRequest, today: Any) -> dict[str, Any]:
    d = services.deadline_of(r, today)
    return {
        "request": r,
        "deadline": d,
        "days_left": d.days_left(today),
        "days_overdue": max(0, -d.days_left(today)),
        "overdue": r.is_open and not d.waiting and d.overdue(today),
        "due_soon": r.is_open and not d.waiting and 0 <= d.days_left(today) <= DUE_SOON_DAYS,
        "text": deadlines.describe(d, today) if r.is_open else "",
    }


@staff_view(MANAGE)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Open requests, soonest due first, overdue ones highlighted; the reminders."""
    today = _today()
    rows = [_row(r, today) for r in selectors.open_requests(request.user)]
    return render(
        request,
        "rights/dashboard.html",
        {
            "rows": rows,
            "overdue": sum(1 for r in rows if r["overdue"]),
            "due_soon": sum(1 for r in rows if r["due_soon"]),
            "waiting": sum(1 for r in rows if r["deadline"].waiting),
            "notifications": selectors.notifications(request.user),
            "today": today,
        },
    )


@staff_view(MANAGE)
def request_list(request: HttpRequest) -> HttpResponse:
    """Every request, open and closed, with filters."""
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    reference = request.GET.get("reference", "")
    qs = selectors.register(
        request.user,
        status=status if status in Status.values else "",
        kind=kind if kind in RequestKind.values else "",
        reference=reference,
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = _today()
    items = list(page.object_list)
    selectors.log_listed(request.user, items, "rights requests: register")
    return render(
        request,
        "rights/request_list.html",
        {
            "rows": [_row(r, today) for r in items],
            "page": page,
            "status": status,
            "kind": kind,
            "reference": reference,
            "statuses": Status.choices,
            "kinds": RequestKind.choices,
        },
    )


@staff_view(MANAGE)
def request_new(request: HttpRequest) -> HttpResponse:
    """The DPO records a request as it arrived; whom it is about is found next."""
    form = RequestForm(posted(request), initial={"received_on": _today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rr = services.request_record(
                actor=request.user,
                kind=data["kind"],
                received_on=data["received_on"],
                received_via=data["received_via"],
                description=data["description"],
                requester_kind=data["requester_kind"] or RequesterKind.SELF,
                requester_name=data["requester_name"],
                requester_relationship=data["requester_relationship"],
                reply_to=data["reply_to"],
            )
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            messages.success(
                request,
                f"Request {rr.reference} recorded: due {rr.due_on:%d/%m/%Y}. Now find the person "
                "it is about.",
            )
            return redirect("rights:request_person", rr.uuid)
    return render(request, "rights/request_new.html", {"form": form})


@staff_view(RECORD)
def request_log(request: HttpRequest, household_id: str) -> HttpResponse:
    """A front-line worker writes down a request a family made to them (the month starts today)."""
    household = access.household_for(request.user, household_id)
    people = [m.person for m in household.memberships.all()]
    by_id = {str(p.uuid): p for p in people}
    form = DoorRequestForm(
        posted(request), people=people, initial={"received_on": _today(), "kind": "access"}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        identity = (
            services.IdentityCheck(
                data["identity_method"], data["identity_evidence"], data["authority_evidence"]
            )
            if data["identity_checked"]
            else None
        )
        try:
            rr = services.request_record(
                actor=request.user,
                kind=data["kind"],
                person=by_id.get(data["person"]),
                received_on=data["received_on"],
                received_via=data["received_via"],
                description=data["description"],
                requester_kind=data["requester_kind"] or RequesterKind.SELF,
                requester_person=by_id.get(data["requester_person"]),
                requester_name=data["requester_name"],
                requester_relationship=data["requester_relationship"],
                reply_to=data["reply_to"],
                identity=identity,
            )
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            messages.success(
                request,
                f"Request {rr.reference} recorded. The data protection officer will handle it: it "
                f"must be answered by {rr.due_on:%d/%m/%Y}.",
            )
            return redirect("people:household_detail", household.uuid)
    return render(request, "rights/request_log.html", {"household": household, "form": form})


@staff_view(MANAGE)
def request_detail(request: HttpRequest, request_id: str) -> HttpResponse:
    rr = selectors.request_for(request.user, request_id)
    today = _today()
    packs = selectors.packs_of(rr)
    return render(
        request,
        "rights/request_detail.html",
        {
            "rr": rr,
            "row": _row(rr, today),
            "summary": selectors.person_summary(rr),
            "requester": requester_text(rr),
            "pauses": list(rr.pauses.all()),
            "packs": packs,
            "released_pack": next((p for p in packs if p.state == "released"), None),
            "draft_pack": next((p for p in packs if p.state == "draft"), None),
            "disclosures": selectors.disclosures_of(rr),
            "history": selectors.request_history(rr),
            "completion_problem": services.requests.completion_problem(rr) if rr.is_open else "",
            "recipients_to_tell": selectors.recipients_to_tell(rr),
            "challenges": accuracy_selectors.of_request(rr)
            if rr.kind == RequestKind.RECTIFICATION
            else [],
            "can_carry_out": rr.kind
            in (
                RequestKind.RESTRICTION,
                RequestKind.OBJECTION,
                RequestKind.WITHDRAW_CONSENT,
                RequestKind.ERASURE,
            ),
            "kinds": RequestKind,
        },
    )


@staff_view(MANAGE)
def request_person(request: HttpRequest, request_id: str) -> HttpResponse:
    """Find the person the request is about, on exact details, and link them (logged)."""
    rr = selectors.request_for(request.user, request_id)
    form = FinderForm(posted(request) if request.POST.get("action") != "link" else None)
    found: list[Any] | None = None
    if request.method == "POST" and request.POST.get("action") == "link":
        try:
            person = selectors.person_for_request(request.user, rr, request.POST.get("person"))
            services.request_link_person(actor=request.user, request=rr, person=person)
        except ValidationFailed as e:
            messages.error(request, e.message)
        else:
            messages.success(request, f"{person.display_name} linked to {rr.reference}.")
            return redirect("rights:request_detail", rr.uuid)
    elif request.method == "POST" and form.is_valid():
        try:
            found = selectors.find_people_for_request(request.user, rr, **form.cleaned_data)
        except ValidationFailed as e:
            apply_errors(form, e.errors)
    return render(request, "rights/request_person.html", {"rr": rr, "form": form, "found": found})


def form_page(
    request: HttpRequest,
    rr: RightsRequest,
    form: Any,
    *,
    title: str,
    button: str,
    intro: str = "",
    fields: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    return render(
        request,
        "rights/request_form.html",
        {
            "rr": rr,
            "form": form,
            "title": title,
            "button": button,
            "intro": intro,
            "fields": [form[name] for name in (fields or list(form.fields))],
            **(extra or {}),
        },
    )


def done(request: HttpRequest, rr: RightsRequest, message: str) -> HttpResponseRedirect:
    messages.success(request, message)
    return redirect("rights:request_detail", rr.uuid)


@staff_view(MANAGE)
def request_identity(request: HttpRequest, request_id: str) -> HttpResponse:
    rr = selectors.request_for(request.user, request_id, log_view=False)
    form = IdentityForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.identity_check_record(
                actor=request.user,
                request=rr,
                check=services.IdentityCheck(
                    data["identity_method"], data["identity_evidence"], data["authority_evidence"]
                ),
            )
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            return done(request, rr, "Identity check recorded.")
    fields = ["identity_method", "identity_evidence"]
    if rr.requester_kind != RequesterKind.SELF:
        fields.append("authority_evidence")
    return form_page(
        request,
        rr,
        form,
        title="Record the identity check",
        button="Save the identity check",
        intro=f"Who asked: {requester_text(rr)}. Ask only for what you need to be sure who they "
        "are; if you already know them, say so.",
        fields=fields,
    )


@staff_view(MANAGE)
def request_pause(request: HttpRequest, request_id: str) -> HttpResponse:
    rr = selectors.request_for(request.user, request_id, log_view=False)
    form = PauseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.pause_start(
                actor=request.user,
                request=rr,
                reason=data["reason"],
                note=data["note"],
                started_on=data["started_on"],
            )
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            return done(request, rr, "The clock is stopped until their answer arrives.")
    return form_page(
        request,
        rr,
        form,
        title="Stop the clock",
        button="Stop the clock",
        intro="While you wait for proof of identity, the month has not started: it runs from the "
        "day the proof arrives. While you wait for clarification, the days are added to the due "
        "date.",
    )


@staff_view(MANAGE)
def request_resume(request: HttpRequest, request_id: str) -> HttpResponse:
    rr = selectors.request_for(request.user, request_id, log_view=False)
    form = ResumeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.pause_end(
                actor=request.user, request=rr, ended_on=form.cleaned_data["ended_on"]
            )
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            rr.refresh_from_db()
            return done(request, rr, f"The clock is running again: due {rr.due_on:%d/%m/%Y}.")
    return form_page(
        request, rr, form, title="Their answer arrived", button="Start the clock again"
    )


@staff_view(MANAGE)
def request_recipients_told(request: HttpRequest, request_id: str) -> HttpResponse:
    """Article 19: record that the organisations the data went to were told of the change."""
    rr = selectors.request_for(request.user, request_id, log_view=False)
    form = RecipientsToldForm(posted(request), initial={"told_on": _today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.requests.recipients_told_record(
                actor=request.user, request=rr, told_on=data["told_on"], note=data["note"]
            )
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            return done(request, rr, "Recorded: the recipients were told (Article 19).")
    names = ", ".join(d.recipient for d in selectors.recipients_to_tell(rr)) or "none on record"
    return form_page(
        request,
        rr,
        form,
        title="The recipients were told",
        button="Record it",
        intro="Article 19: each organisation the person's data was disclosed to is told of a "
        f"rectification, an erasure or a restriction. Disclosed to: {names}.",
    )


@staff_view(MANAGE)
def request_extend(request: HttpRequest, request_id: str) -> HttpResponse:
    rr = selectors.request_for(request.user, request_id, log_view=False)
    form = ExtensionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.extension_grant(
                actor=request.user,
                request=rr,
                months=data["months"] or 0,
                grounds=data["grounds"],
                reason=data["reason"],
            )
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            return done(request, rr, f"Deadline extended: now due {rr.due_on:%d/%m/%Y}.")
    _, limit = deadlines.extension_allowed(
        rr.received_on, today=_today(), pauses=services.requests.pauses_of(rr)
    )
    return form_page(
        request,
        rr,
        form,
        title="Extend the deadline",
        button="Extend the deadline",
        intro="A complex request, or one of a number from the same person, may take up to two "
        f"further months. Tell them why, by {limit:%d/%m/%Y} (within the first month).",
    )


@staff_view(MANAGE)
def request_close(request: HttpRequest, request_id: str) -> HttpResponse:
    rr = selectors.request_for(request.user, request_id, log_view=False)
    form = CloseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.request_close(
                actor=request.user,
                request=rr,
                outcome=data["outcome"],
                outcome_note=data["outcome_note"],
                refusal_reasons=data["refusal_reasons"],
                no_challenge_note=data["no_challenge_note"],
            )
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            return done(request, rr, f"Request {rr.reference} closed.")
    fields = ["outcome", "outcome_note", "refusal_reasons"]
    intro = "Record what was done. A refusal, in whole or in part, needs its reasons."
    if rr.kind == RequestKind.RECTIFICATION:
        # A correction not made: their challenge is noted on the record, or they chose no note.
        fields.append("no_challenge_note")
        intro += (
            " A correction not made (in whole or in part) needs the person's challenge recorded "
            "from the request's page, unless they did not want a note on their record."
        )
    return form_page(
        request,
        rr,
        form,
        title="Close the request",
        button="Close the request",
        intro=services.requests.completion_problem(rr) or intro,
        fields=fields,
    )
