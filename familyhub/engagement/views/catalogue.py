"""The service catalogue and its eligibility rules (R-ENGAGE-1, R-ENGAGE-2).

Every member of staff may read the catalogue; team managers and administrators (MANAGE_SERVICES)
add and change services and write new versions of their rules.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ConcurrentEdit, ValidationFailed
from familyhub.core.http import posted
from familyhub.engagement import eligibility, rules, selectors, services
from familyhub.engagement.forms import RuleForm, ServiceForm
from familyhub.people.forms import apply_errors

MANAGE = Capability.MANAGE_SERVICES


@staff_view(None)
def service_list(request: HttpRequest) -> HttpResponse:
    show_all = request.GET.get("all") == "1"
    return render(
        request,
        "engagement/service_list.html",
        {
            "services": selectors.service_list(include_inactive=show_all),
            "show_all": show_all,
            "can_manage": access.can(request.user, MANAGE),
        },
    )


@staff_view(None)
def service_detail(request: HttpRequest, code: str) -> HttpResponse:
    service = selectors.service_by_code(code)
    rule = eligibility.current_rule(service)
    sessions = (
        selectors.upcoming_sessions_of(request.user, service)
        if access.can(request.user, Capability.VIEW_PEOPLE)
        else []
    )
    return render(
        request,
        "engagement/service_detail.html",
        {
            "service": service,
            "rule": rule,
            "outcomes": [o for o in service.target_outcomes.splitlines() if o.strip()],
            "sessions": sessions,
            "can_manage": access.can(request.user, MANAGE),
            "can_see_sessions": access.can(request.user, Capability.VIEW_PEOPLE),
        },
    )


@staff_view(MANAGE)
def service_add(request: HttpRequest) -> HttpResponse:
    form = ServiceForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            service = services.service_create(
                actor=request.user,
                data=form.service_data(),
                delivered_by=list(form.cleaned_data["delivered_by"]),
                venues=list(form.cleaned_data["venues"]),
            )
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            messages.success(
                request, f"{service.name} added to the catalogue. Set its eligibility rule next."
            )
            return redirect("engagement:service_detail", service.code)
    return render(request, "engagement/service_form.html", {"form": form, "service": None})


@staff_view(MANAGE)
def service_edit(request: HttpRequest, code: str) -> HttpResponse:
    service = selectors.service_by_code(code)
    initial = {
        "name": service.name,
        "code": service.code,
        "kind": service.kind,
        "description": service.description,
        "provider": service.provider,
        "delivered_by": list(service.delivered_by.all()),
        "venues": list(service.venues.all()),
        "target_outcomes": service.target_outcomes,
        "capacity": service.capacity,
        "source": service.source,
        "consent_purpose": service.consent_purpose,
        "active": service.active,
        "version": service.version,
    }
    form = ServiceForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_update(
                actor=request.user,
                service=service,
                data=form.service_data(),
                expected_version=form.cleaned_data.get("version") or 0,
                delivered_by=list(form.cleaned_data["delivered_by"]),
                venues=list(form.cleaned_data["venues"]),
            )
        except (ValidationFailed, ConcurrentEdit) as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(request, f"{service.name} saved.")
            return redirect("engagement:service_detail", service.code)
    return render(request, "engagement/service_form.html", {"form": form, "service": service})


@staff_view(MANAGE)
def rule_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Write the next version of the rule; earlier versions are kept (R-ENGAGE-2)."""
    service = selectors.service_by_code(code)
    current = eligibility.current_rule(service)
    initial = RuleForm.initial_from(
        current.conditions if current else {}, current.number if current else 0
    )
    form = RuleForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.rule_save(
                actor=request.user,
                service=service,
                conditions=form.conditions(),
                note=form.cleaned_data.get("note") or "",
                based_on=form.cleaned_data.get("based_on") or 0,
            )
        except (ValidationFailed, ConcurrentEdit) as e:
            errors = {RuleForm.ERROR_FIELDS.get(k, k): v for k, v in e.errors.items()}
            apply_errors(form, errors or {"__all__": [e.message]})
        else:
            messages.success(request, f"Version {rule.number} of the rule saved: {rule.summary}")
            return redirect("engagement:service_detail", service.code)
    return render(
        request,
        "engagement/rule_form.html",
        {
            "service": service,
            "rule": current,
            "form": form,
            "circumstances": rules.CIRCUMSTANCES,
        },
    )


@staff_view(None)
def rule_history(request: HttpRequest, code: str) -> HttpResponse:
    service = selectors.service_by_code(code)
    return render(
        request,
        "engagement/rule_history.html",
        {"service": service, "versions": selectors.rule_versions(service)},
    )
