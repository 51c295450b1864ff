"""Break glass in the staff web UI (R-ACCESS-2, ADR 0010): asking for emergency access, ending it,
and the review queue for team managers and the DPO. The rules are in `access.services`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from familyhub.access import breakglass, selectors, services
from familyhub.access.forms import BreakGlassForm, BreakGlassReviewForm, FollowUpForm
from familyhub.access.models import BreakGlassGrant
from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ConcurrentEdit, NotFound, PermissionRefused, ValidationFailed
from familyhub.core.http import posted
from familyhub.people.forms import apply_errors

QUEUE_PAGE = 50


def _until(grant: BreakGlassGrant) -> str:
    return timezone.localtime(grant.expires_at).strftime("%H:%M on %d/%m/%Y")


@staff_view(Capability.BREAK_GLASS)
def break_glass_request(request: HttpRequest) -> HttpResponse:
    """Ask for a family outside your need to know: a reference, a reason and an explanation."""
    initial = {"reference": request.GET.get("ref", "")[:300]}
    form = BreakGlassForm(posted(request), initial=initial)
    unmatched = None
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.break_glass_request(
                actor=request.user,
                reference=form.cleaned_data["reference"],
                reason=form.cleaned_data["reason"],
                explanation=form.cleaned_data["explanation"],
            )
        except ValidationFailed as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        except PermissionRefused as e:
            form.add_error(None, e.message)
        else:
            if outcome.grants:
                grant = outcome.grants[0]
                messages.info(
                    request,
                    f"You have emergency access to this family until {_until(grant)}. Everything "
                    "you open is logged with your reason and will be reviewed.",
                )
                return redirect("people:household_detail", grant.household.uuid)  # type: ignore[union-attr]
            if outcome.already_visible:
                messages.info(
                    request, "You can already see this family: no emergency access needed."
                )
                return redirect("people:household_detail", outcome.already_visible[0].uuid)
            unmatched = outcome.request
            form = BreakGlassForm(initial={"reference": form.cleaned_data["reference"]})
    return render(
        request,
        "access/break_glass_request.html",
        {
            "form": form,
            "unmatched": unmatched,
            "minutes": breakglass.grant_minutes(),
            "mine": selectors.my_break_glass(request.user),
        },
    )


def _grant(grants: Any, grant_id: Any) -> BreakGlassGrant:
    grant = grants.select_related("household", "user", "organisation").filter(uuid=grant_id).first()
    if grant is None:
        raise NotFound("Not found, or you do not have access to it.")
    return grant


@staff_view(Capability.BREAK_GLASS)
@require_POST
def break_glass_end(request: HttpRequest, grant_id: Any) -> HttpResponse:
    """End your own emergency access before its time is up."""
    grant = _grant(BreakGlassGrant.objects.filter(user_id=request.user.pk or 0), grant_id)
    services.break_glass_end(actor=request.user, grant=grant)
    messages.success(request, "Your emergency access has ended.")
    return redirect("access:break_glass_request")


@staff_view(Capability.VIEW_ACCESS_LOG)
@require_GET
def break_glass_queue(request: HttpRequest) -> HttpResponse:
    """Requests for emergency access waiting for a decision, and unjustified ones to follow up."""
    grants = services.reviewable_grants(request.user)
    waiting = list(selectors.break_glass_queue(grants)[:QUEUE_PAGE])
    follow_up = list(selectors.break_glass_for_follow_up(grants)[:QUEUE_PAGE])
    recent = selectors.break_glass_recently_reviewed(grants)
    counts = selectors.count_accesses_under(waiting + follow_up + recent)
    for grant in waiting + follow_up + recent:
        grant.entry_count = counts.get(grant.pk, 0)  # type: ignore[attr-defined]
    return render(
        request,
        "access/break_glass_queue.html",
        {
            "waiting": waiting,
            "waiting_total": selectors.break_glass_queue(grants).count(),
            "follow_up": follow_up,
            "recent": recent,
            "own_waiting": selectors.break_glass_queue(
                BreakGlassGrant.objects.filter(user_id=request.user.pk or 0)
            ).count(),
        },
    )


@staff_view(Capability.VIEW_ACCESS_LOG)
def break_glass_review(request: HttpRequest, grant_id: Any) -> HttpResponse:
    """One request: who, why, what they opened under it; record the decision or the follow-up."""
    grant = _grant(services.reviewable_grants(request.user), grant_id)
    review_form = BreakGlassReviewForm(
        posted(request) if request.POST.get("step") != "follow_up" else None
    )
    follow_up_form = FollowUpForm(
        posted(request) if request.POST.get("step") == "follow_up" else None
    )
    if request.method == "POST":
        form: Any = follow_up_form if request.POST.get("step") == "follow_up" else review_form
        if form.is_valid():
            try:
                if form is follow_up_form:
                    services.break_glass_follow_up(
                        actor=request.user, grant=grant, note=form.cleaned_data["note"]
                    )
                    messages.success(request, "Follow-up recorded.")
                else:
                    services.break_glass_review(
                        actor=request.user,
                        grant=grant,
                        decision=form.cleaned_data["decision"],
                        note=form.cleaned_data["note"],
                    )
                    messages.success(request, "Decision recorded.")
            except (ValidationFailed, ConcurrentEdit) as e:
                apply_errors(form, e.errors or {"__all__": [e.message]})
            else:
                return redirect("access:break_glass_queue")
    return render(
        request,
        "access/break_glass_review.html",
        {
            "grant": grant,
            "entries": list(selectors.accesses_under(grant)[:200]),
            "review_form": review_form,
            "follow_up_form": follow_up_form,
            "form": review_form if request.POST.get("step") != "follow_up" else follow_up_form,
        },
    )
