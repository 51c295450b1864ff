"""A family's services: eligibility for each, with its reasons, and enrolments (R-ENGAGE-1, 2).

The family page (people) loads the panel from here with htmx (a link without JavaScript).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import NotFound, PermissionRefused, ValidationFailed
from familyhub.core.http import posted
from familyhub.engagement import eligibility, selectors, services
from familyhub.engagement.forms import EndEnrolmentForm, EnrolForm
from familyhub.engagement.models import Service
from familyhub.people.forms import apply_errors
from familyhub.people.models import Household


def _panel_context(request: HttpRequest, household: Household) -> dict[str, Any]:
    found = selectors.family_services(household)
    return {
        "household": household,
        "decisions": found.decisions,
        "enrolments": found.enrolments,
        "ended": found.ended,
        "can_edit": access.can(request.user, Capability.EDIT_PEOPLE),
    }


@staff_view(Capability.VIEW_PEOPLE)
def household_services(request: HttpRequest, household_id: str) -> HttpResponse:
    household = access.household_for(request.user, household_id, reason="services and eligibility")
    ctx = _panel_context(request, household)
    if request.headers.get("HX-Request"):
        return render(request, "engagement/_family_services.html", ctx)
    return render(request, "engagement/household_services.html", ctx)


def _members(household: Household) -> list[Any]:
    return [m for m in household.memberships.all() if m.left_on is None]


@staff_view(Capability.EDIT_PEOPLE)
def household_enrol(request: HttpRequest, household_id: str) -> HttpResponse:
    household = access.household_for(request.user, household_id)
    members = _members(household)
    can_override = access.can(request.user, Capability.MANAGE_SERVICES)
    initial: dict[str, Any] = {}
    code = request.GET.get("service", "")
    if code:
        initial["service"] = Service.objects.filter(code=code, active=True).first()
    if len(members) == 1:
        initial["person"] = str(members[0].person.uuid)
    form = EnrolForm(posted(request), initial=initial, members=members, can_override=can_override)
    chosen = None
    if form.is_bound and form.is_valid():
        chosen = form.cleaned_data.get("service")
    elif not form.is_bound:
        chosen = initial.get("service")
    decided = eligibility.decide_for_household(chosen, household) if chosen else None
    if request.method == "POST" and form.is_valid():
        person = next(
            (m.person for m in members if str(m.person.uuid) == form.cleaned_data.get("person")),
            None,
        )
        if person is None:
            form.add_error("person", "Choose who is enrolled")
        if chosen is None:
            form.add_error("service", "Choose a service")
        if person is not None and chosen is not None:
            try:
                services.enrolment_create(
                    actor=request.user,
                    household=household,
                    person=person,
                    service=chosen,
                    started_on=form.cleaned_data.get("started_on"),
                    override_reason=form.cleaned_data.get("override_reason") or "",
                )
            except ValidationFailed as e:
                apply_errors(form, e.errors)
            except PermissionRefused as e:
                form.add_error(None, e.message)
            else:
                messages.success(request, f"{person.display_name} enrolled in {chosen.name}.")
                return redirect("engagement:household_services", household.uuid)
    return render(
        request,
        "engagement/enrol.html",
        {
            "household": household,
            "form": form,
            "decided": decided,
            "can_override": can_override,
        },
    )


@staff_view(Capability.EDIT_PEOPLE)
def enrolment_end(request: HttpRequest, household_id: str) -> HttpResponse:
    household = access.household_for(request.user, household_id)
    wanted = request.POST.get("enrolment") or request.GET.get("enrolment")
    enrolment = None
    if wanted:
        try:
            enrolment = selectors.enrolment_for(household, wanted)
        except NotFound:
            enrolment = None
    form = EndEnrolmentForm(posted(request), initial={"enrolment": wanted})
    if request.method == "POST" and form.is_valid():
        if enrolment is None:
            form.add_error(None, "Choose the enrolment to end from the family's services")
        else:
            try:
                services.enrolment_end(
                    actor=request.user,
                    enrolment=enrolment,
                    ended_on=form.cleaned_data.get("ended_on"),
                    reason=form.cleaned_data.get("reason") or "",
                )
            except ValidationFailed as e:
                apply_errors(form, e.errors)
            else:
                messages.success(
                    request,
                    f"{enrolment.service.name} ended for {enrolment.person.display_name}.",
                )
                return redirect("engagement:household_services", household.uuid)
    if request.method == "GET" and enrolment is None:
        return redirect("engagement:household_services", household.uuid)
    return render(
        request,
        "engagement/enrolment_end.html",
        {"household": household, "form": form, "enrolment": enrolment},
    )
