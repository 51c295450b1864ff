"""The register of data sharing agreements (R-SHARE-1): list, detail with its outputs and
disclosures, create, edit, suspend, resume. Writes through `sharing.services.agreements`.

The DPO and administrators keep the register (MANAGE_SHARING). Those who produce outputs under
it (team managers, analysts: PRODUCE_REPORTS) read it, list and detail only, so they can see
what an agreement allows before they build a report; every write stays MANAGE_SHARING."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ApplicationError, NotFound, ValidationFailed
from familyhub.core.http import posted
from familyhub.people.forms import apply_errors
from familyhub.sharing import items as vocabulary
from familyhub.sharing.forms.agreements import (
    AgreementForm,
    ResumeForm,
    SuspendForm,
    initial_from,
)
from familyhub.sharing.models import Agreement
from familyhub.sharing.services import agreements as services

MANAGE = Capability.MANAGE_SHARING
READ = Capability.PRODUCE_REPORTS
PAGE_SIZE = 25


def read_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (both factors) with MANAGE_SHARING or PRODUCE_REPORTS: the register, read."""

    @staff_view(None)
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user: Any = request.user
        if not (user.has_capability(MANAGE) or user.has_capability(READ)):
            raise PermissionDenied("Your role does not include this work.")
        return view(request, *args, **kwargs)

    return wrapper


def _can_manage(request: HttpRequest) -> bool:
    return bool(request.user.has_capability(MANAGE))  # type: ignore[union-attr]


def _agreement(agreement_id: str) -> Agreement:
    found = (
        Agreement.objects.select_related("consent_purpose", "recipient_organisation")
        .filter(uuid=agreement_id)
        .first()
    )
    if found is None:
        raise NotFound("No such agreement.")
    return found


@read_view
def agreement_list(request: HttpRequest) -> HttpResponse:
    qs = Agreement.objects.select_related("consent_purpose", "recipient_organisation").order_by(
        "reference"
    )
    level = request.GET.get("level", "")
    if level:
        qs = qs.filter(level=level)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sharing/agreements/list.html",
        {
            "page": page,
            "level": level,
            "in_force": set(services.in_force().values_list("id", flat=True)),
            "can_manage": _can_manage(request),
        },
    )


@read_view
def agreement_detail(request: HttpRequest, agreement_id: str) -> HttpResponse:
    agreement = _agreement(agreement_id)
    return render(
        request,
        "sharing/agreements/detail.html",
        {
            "agreement": agreement,
            "items": [vocabulary.ITEMS[c] for c in agreement.data_items if c in vocabulary.ITEMS],
            "outputs": agreement.outputs.select_related("produced_by").order_by(
                "-created_at", "-id"
            )[:20],
            "disclosures": agreement.disclosures.select_related("disclosed_by").order_by(
                "-disclosed_at", "-id"
            )[:20],
            "reports": agreement.reports.order_by("name"),
            "history": services.agreement_history(agreement)[:50],
            "in_force": services.in_force().filter(pk=agreement.pk).exists(),
            "can_manage": _can_manage(request),
        },
    )


@staff_view(MANAGE)
def agreement_new(request: HttpRequest) -> HttpResponse:
    form = AgreementForm(posted(request), initial={"rule_set": "round-5-suppress-1-7"})
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_create(actor=request.user, data=form.service_data())
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            messages.success(request, f"Agreement {agreement.reference} added to the register.")
            return redirect("sharing:agreement_detail", agreement.uuid)
    return render(request, "sharing/agreements/form.html", {"form": form, "agreement": None})


@staff_view(MANAGE)
def agreement_edit(request: HttpRequest, agreement_id: str) -> HttpResponse:
    agreement = _agreement(agreement_id)
    form = AgreementForm(posted(request), initial=initial_from(agreement), editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            version = int(request.POST.get("version") or agreement.version)
            changed = services.agreement_update(
                actor=request.user,
                agreement=agreement,
                data=form.service_data(),
                expected_version=version,
            )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(
                request,
                f"Agreement {agreement.reference} saved"
                + (
                    f": {len(changed)} change{'s' if len(changed) != 1 else ''}."
                    if changed
                    else "."
                ),
            )
            return redirect("sharing:agreement_detail", agreement.uuid)
    return render(request, "sharing/agreements/form.html", {"form": form, "agreement": agreement})


@staff_view(MANAGE)
def agreement_suspend(request: HttpRequest, agreement_id: str) -> HttpResponse:
    agreement = _agreement(agreement_id)
    form = SuspendForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_suspend(
                actor=request.user, agreement=agreement, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(request, f"Agreement {agreement.reference} is suspended.")
            return redirect("sharing:agreement_detail", agreement.uuid)
    return render(
        request,
        "sharing/agreements/suspend.html",
        {"form": form, "agreement": agreement, "resume": False},
    )


@staff_view(MANAGE)
def agreement_resume(request: HttpRequest, agreement_id: str) -> HttpResponse:
    agreement = _agreement(agreement_id)
    form = ResumeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_resume(
                actor=request.user, agreement=agreement, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(request, f"Agreement {agreement.reference} is in use again.")
            return redirect("sharing:agreement_detail", agreement.uuid)
    return render(
        request,
        "sharing/agreements/suspend.html",
        {"form": form, "agreement": agreement, "resume": True},
    )
