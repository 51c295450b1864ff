"""A family's contacts and visits, its allocations, and the coordinated-support view
(R-ENGAGE-4, R-ENGAGE-5, R-ENGAGE-6). Every page starts from `access.household_for`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from familyhub.access import helpers as access
from familyhub.casework import selectors
from familyhub.casework.forms import (
    FOLLOW_UP_SLOTS,
    AllocationForm,
    CloseAllocationForm,
    ContactForm,
)
from familyhub.casework.models import Contact
from familyhub.casework.services import caseloads, contacts
from familyhub.casework.views._common import (
    CASEWORK,
    VIEW,
    by_pk,
    by_uuid,
    casework_org_ids,
    family_context,
    members,
    person_in,
)
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ApplicationError
from familyhub.core.http import posted
from familyhub.people.forms import apply_errors


@staff_view(VIEW)
def family_contacts(request: HttpRequest, household_id: str) -> HttpResponse:
    household = access.household_for(request.user, household_id)
    all_contacts = selectors.family_contacts(household)
    return render(
        request,
        "casework/family_contacts.html",
        family_context(
            request,
            household,
            contacts=[c for c in all_contacts if c.status != Contact.Status.PLANNED],
            planned=sorted(
                (c for c in all_contacts if c.status == Contact.Status.PLANNED),
                key=lambda c: c.occurred_at,
            ),
            follow_ups=selectors.open_follow_ups(household),
        ),
    )


def _follow_ups(form: ContactForm, workers: list[Any]) -> list[contacts.FollowUpSpec]:
    specs = []
    for i in range(FOLLOW_UP_SLOTS):
        description = form.cleaned_data.get(f"follow_up_{i}_description") or ""
        due_on = form.cleaned_data.get(f"follow_up_{i}_due_on")
        if not description.strip() and due_on is None:
            continue
        specs.append(
            contacts.FollowUpSpec(
                description=description,
                due_on=due_on,
                assigned_to=by_pk(workers, form.cleaned_data.get(f"follow_up_{i}_assigned_to")),
            )
        )
    return specs


@staff_view(CASEWORK)
def contact_new(request: HttpRequest, household_id: str) -> HttpResponse:
    """Record a contact or a home visit, plan one, or record a planned one as done (?planned=)."""
    household = access.household_for(request.user, household_id)
    planned_id = request.GET.get("planned") or request.POST.get("planned_contact") or ""
    planned = None
    if planned_id:
        planned = next(
            (
                c
                for c in selectors.family_contacts(household)
                if str(c.uuid) == planned_id and c.status == Contact.Status.PLANNED
            ),
            None,
        )
    show_notes = access.can_see_special_category(request.user)
    services = selectors.active_services()
    workers = selectors.caseworkers(casework_org_ids(request.user))
    initial: dict[str, Any] = {"planned": "0"}
    if planned is not None:
        initial.update(
            kind=planned.kind,
            on_date=planned.occurred_at.date(),
            at_time=planned.occurred_at.time(),
            person=str(planned.person.uuid) if planned.person else "",
            service=str(planned.service.uuid) if planned.service else "",
        )
    form = ContactForm(
        posted(request),
        members=members(household),
        services=services,
        workers=workers,
        show_notes=show_notes,
        completing=planned is not None,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if planned is not None:
                contacts.contact_complete(
                    actor=request.user,
                    contact=planned,
                    occurred_at=form.occurred_at(),
                    duration_minutes=data.get("duration_minutes"),
                    notes=data.get("notes", ""),
                    follow_ups=_follow_ups(form, workers),
                )
            else:
                contacts.contact_record(
                    actor=request.user,
                    household=household,
                    kind=data.get("kind") or "",
                    occurred_at=form.occurred_at(),
                    duration_minutes=data.get("duration_minutes"),
                    notes=data.get("notes", ""),
                    person=person_in(household, data.get("person")),
                    service=by_uuid(services, data.get("service")),
                    follow_ups=_follow_ups(form, workers),
                    planned=bool(data.get("planned")),
                )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            if data.get("planned") and planned is None:
                messages.success(request, "Visit planned.")
            else:
                messages.success(request, "Contact recorded.")
            return redirect("people:household_detail", household.uuid)
    return render(
        request,
        "casework/contact_form.html",
        family_context(request, household, form=form, planned=planned),
    )


@staff_view(CASEWORK)
def contact_action(request: HttpRequest, household_id: str) -> HttpResponse:
    """POST only: mark a follow-up action done, or cancel a planned visit (with a reason)."""
    household = access.household_for(request.user, household_id)
    if request.method != "POST":
        return redirect("casework:family_contacts", household.uuid)
    action = request.POST.get("action", "")
    if action not in ("follow_up_done", "cancel"):
        return redirect("casework:family_contacts", household.uuid)
    try:
        if action == "follow_up_done":
            follow_up = by_uuid(selectors.open_follow_ups(household), request.POST.get("follow_up"))
            if follow_up is None:
                raise ApplicationError("That action is not open on this family's record.")
            contacts.follow_up_done(actor=request.user, follow_up=follow_up)
            messages.success(request, "Action marked as done.")
        elif action == "cancel":
            contact = by_uuid(
                [
                    c
                    for c in selectors.family_contacts(household)
                    if c.status == Contact.Status.PLANNED
                ],
                request.POST.get("contact"),
            )
            if contact is None:
                raise ApplicationError("That planned visit is not on this family's record.")
            contacts.contact_cancel(
                actor=request.user, contact=contact, reason=request.POST.get("reason", "")
            )
            messages.success(request, "Planned visit cancelled.")
    except ApplicationError as e:
        messages.error(request, e.message)
    return redirect("casework:family_contacts", household.uuid)


def _labelled(allocations: list[Any]) -> list[Any]:
    for a in allocations:
        setattr(a, "label", caseloads.allocation_label(a))  # noqa: B010 - for the form
    return allocations


@staff_view(CASEWORK)
def allocate(request: HttpRequest, household_id: str) -> HttpResponse:
    """Allocate the family to a worker of the user's organisation, or re-allocate (?replaces=)."""
    household = access.household_for(request.user, household_id)
    org_ids = casework_org_ids(request.user)
    own_open = _labelled(
        [
            a
            for a in selectors.family_allocations(household)
            if a.ended_on is None and a.organisation_id in org_ids
        ]
    )
    services = selectors.active_services()
    workers = selectors.caseworkers(org_ids)
    teams = selectors.teams_of(org_ids)
    replaces = by_uuid(own_open, request.GET.get("replaces", ""))
    initial: dict[str, Any] = {}
    if replaces is not None:
        detail = selectors.detail_of(replaces)
        initial = {
            "replaces": str(replaces.uuid),
            "team": str(replaces.team.uuid) if replaces.team else "",
            "service": str(detail.service.uuid) if detail and detail.service else "",
            "review_due_on": detail.review_due_on if detail else None,
        }
    form = AllocationForm(
        posted(request),
        allocations=own_open,
        workers=workers,
        teams=teams,
        services=services,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        replaces = by_uuid(own_open, data.get("replaces"))
        team = by_uuid(teams, data.get("team"))
        organisation = replaces.organisation if replaces else (team.organisation if team else None)
        try:
            caseloads.allocation_open(
                actor=request.user,
                household=household,
                worker=by_pk(workers, data.get("worker")),
                team=team,
                organisation=organisation,
                service=by_uuid(services, data.get("service")),
                single_point_of_contact=data.get("single_point_of_contact", False),
                review_due_on=data.get("review_due_on"),
                reason=data.get("reason", ""),
                replaces=replaces,
            )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(request, "Family re-allocated." if replaces else "Family allocated.")
            return redirect("casework:coordinated_support", household.uuid)
    return render(
        request,
        "casework/allocation_form.html",
        family_context(request, household, form=form, replaces=replaces),
    )


@staff_view(CASEWORK)
def allocation_close(request: HttpRequest, household_id: str) -> HttpResponse:
    household = access.household_for(request.user, household_id)
    org_ids = casework_org_ids(request.user)
    own_open = _labelled(
        [
            a
            for a in selectors.family_allocations(household)
            if a.ended_on is None and a.organisation_id in org_ids
        ]
    )
    chosen = by_uuid(own_open, request.GET.get("allocation", ""))
    form = CloseAllocationForm(
        posted(request),
        allocations=own_open,
        initial={"allocation": str(chosen.uuid) if chosen else ""},
    )
    if request.method == "POST" and form.is_valid():
        allocation = by_uuid(own_open, form.cleaned_data.get("allocation"))
        try:
            if allocation is None:
                raise ApplicationError(
                    "Choose an open allocation of your organisation", field="allocation"
                )
            caseloads.allocation_close(
                actor=request.user,
                allocation=allocation,
                reason=form.cleaned_data.get("reason", ""),
            )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(request, "Allocation closed. It stays in the family's history.")
            if access.households_visible_to(request.user).filter(pk=household.pk).exists():
                return redirect("casework:coordinated_support", household.uuid)
            return redirect("casework:caseload")
    last_one = len({a.organisation_id for a in own_open}) == 1 and len(own_open) == 1
    return render(
        request,
        "casework/allocation_close.html",
        family_context(request, household, form=form, last_one=last_one),
    )


@staff_view(VIEW)
def coordinated_support(request: HttpRequest, household_id: str) -> HttpResponse:
    """Every service the family receives, in one view (R-ENGAGE-5: coordinated support)."""
    household = access.household_for(request.user, household_id)
    allocations = selectors.family_allocations(household)
    for a in allocations:
        setattr(a, "casework_detail", selectors.detail_of(a))  # noqa: B010 - for the template
    referrals = selectors.family_referrals(household)
    org_ids = set(casework_org_ids(request.user))
    return render(
        request,
        "casework/coordinated_support.html",
        family_context(
            request,
            household,
            open_allocations=[a for a in allocations if a.ended_on is None],
            past_allocations=[a for a in allocations if a.ended_on is not None],
            contact_person=selectors.single_point_of_contact(allocations),
            waiting=[r for r in referrals if r.status == r.Status.SENT],
            decided=[r for r in referrals if r.status not in (r.Status.SENT, r.Status.SIGNPOSTED)],
            signposted=[r for r in referrals if r.status == r.Status.SIGNPOSTED],
            enrolments=selectors.family_enrolments(household),
            own_org_ids=org_ids,
        ),
    )
