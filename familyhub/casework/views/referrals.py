"""Referrals and signposting in and out (R-ENGAGE-5): make, list, read, accept, decline, withdraw.

Both sides see a referral's status; the family's details are shown only while the family is in the
user's scope (the receiving side sees them while it decides, and after it accepts)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode

from familyhub.access import helpers as access
from familyhub.access.models import AccessLogEntry
from familyhub.casework import selectors
from familyhub.casework.forms import AcceptForm, ReasonForm, ReferralForm
from familyhub.casework.models import Referral
from familyhub.casework.services import referrals
from familyhub.casework.services._common import organisations_with
from familyhub.casework.views._common import (
    CASEWORK,
    VIEW,
    by_pk,
    by_uuid,
    family_context,
    members,
    page_number,
    person_in,
)
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ApplicationError
from familyhub.core.http import posted
from familyhub.people.forms import apply_errors


@staff_view(CASEWORK)
def referral_new(request: HttpRequest, household_id: str) -> HttpResponse:
    household = access.household_for(request.user, household_id)
    services = selectors.active_services()
    organisations = selectors.referral_organisations()
    form = ReferralForm(
        posted(request),
        members=members(household),
        services=services,
        organisations=organisations,
        initial={"service": request.GET.get("service", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        incoming = data.get("direction") == "in"
        try:
            referral = referrals.referral_make(
                actor=request.user,
                household=household,
                service=by_uuid(services, data.get("service")),
                to_organisation=None
                if incoming
                else by_uuid(organisations, data.get("to_organisation")),
                from_organisation=by_uuid(organisations, data.get("from_organisation"))
                if incoming
                else None,
                incoming=incoming,
                kind=data.get("kind") or Referral.Kind.REFERRAL,
                person=person_in(household, data.get("person")),
                reason=data.get("reason", ""),
                agreed_by=person_in(household, data.get("agreed_by")),
                agreed_on=data.get("agreed_on"),
                agreement_method=data.get("agreement_method") or "",
                referred_on=data.get("referred_on"),
                referrer_name=data.get("referrer_name", ""),
            )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            if referral.kind == Referral.Kind.SIGNPOSTING:
                messages.success(request, "Signposting recorded.")
                return redirect("casework:coordinated_support", household.uuid)
            messages.success(
                request,
                f"Referral sent to {referral.to_organisation.name}. They can now see the family "
                "until they accept or decline.",
            )
            return redirect("casework:referral_detail", referral.uuid)
    return render(
        request,
        "casework/referral_form.html",
        family_context(request, household, form=form, services=services),
    )


@staff_view(VIEW)
def referral_list(request: HttpRequest) -> HttpResponse:
    direction = "out" if request.GET.get("direction") == "out" else "in"
    status = request.GET.get("status", "open")
    if status not in ("open", "all", *Referral.Status.values):
        status = "open"
    page = page_number(request)
    rows, has_next = selectors.referral_list(
        request.user, direction=direction, status=status, page=page
    )
    shown = [r.household_id for r in rows if r.family_visible]  # type: ignore[attr-defined]
    if shown:
        access.log_people_shown(
            request.user,
            selectors.people_of(shown),
            detail=f"referrals {direction}",
            object_type="household",
        )
    return render(
        request,
        "casework/referral_list.html",
        {
            "rows": rows,
            "direction": direction,
            "status": status,
            "statuses": Referral.Status.choices,
            "page": {"number": page, "has_previous": page > 1, "has_next": has_next},
            "query": urlencode({"direction": direction, "status": status}),
        },
    )


def _log_family(request: HttpRequest, view: selectors.ReferralView) -> None:
    if view.family_visible:
        access.log_people_shown(
            request.user,
            selectors.people_of([view.referral.household_id]),
            action=AccessLogEntry.Action.VIEW_HOUSEHOLD,
            detail="referral",
            object_type="referral",
        )


@staff_view(VIEW)
def referral_detail(request: HttpRequest, referral_id: str) -> HttpResponse:
    view = selectors.referral_for(request.user, referral_id)
    _log_family(request, view)
    return render(request, "casework/referral_detail.html", _detail_context(request, view))


def _detail_context(
    request: HttpRequest, view: selectors.ReferralView, **extra: Any
) -> dict[str, Any]:
    casework_orgs = {o.pk for o in organisations_with(request.user)}
    r = view.referral
    return {
        "view": view,
        "referral": r,
        "show_special": access.can_see_special_category(request.user),
        "can_decide": r.is_open and r.to_organisation_id in casework_orgs,
        "can_withdraw": r.is_open and r.from_organisation_id in casework_orgs,
        **extra,
    }


@staff_view(CASEWORK)
def referral_accept(request: HttpRequest, referral_id: str) -> HttpResponse:
    view = selectors.referral_for(request.user, referral_id)
    referral = view.referral
    org_ids = [referral.to_organisation_id]
    workers = selectors.caseworkers(org_ids)
    teams = selectors.teams_of(org_ids)
    form = AcceptForm(
        posted(request),
        workers=workers,
        teams=teams,
        initial={"worker": str(request.user.pk)},
    )
    ctx = _detail_context(request, view, form=form, action="accept")
    if request.method == "POST" and ctx["can_decide"] and form.is_valid():
        data = form.cleaned_data
        try:
            referrals.referral_accept(
                actor=request.user,
                referral=referral,
                worker=by_pk(workers, data.get("worker")),
                team=by_uuid(teams, data.get("team")),
                single_point_of_contact=data.get("single_point_of_contact", False),
                review_due_on=data.get("review_due_on"),
            )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(
                request,
                f"Referral accepted: the family is now allocated to {referral.to_organisation.name}.",
            )
            return redirect("people:household_detail", referral.household.uuid)
    _log_family(request, view)
    return render(request, "casework/referral_decide.html", ctx)


def _reasoned(request: HttpRequest, referral_id: str, action: str) -> HttpResponse:
    view = selectors.referral_for(request.user, referral_id)
    form = ReasonForm(posted(request))
    ctx = _detail_context(request, view, form=form, action=action)
    allowed = ctx["can_decide"] if action == "decline" else ctx["can_withdraw"]
    if request.method == "POST" and allowed and form.is_valid():
        reason = form.cleaned_data.get("reason", "")
        try:
            if action == "decline":
                referrals.referral_decline(
                    actor=request.user, referral=view.referral, reason=reason
                )
            else:
                referrals.referral_withdraw(
                    actor=request.user, referral=view.referral, reason=reason
                )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(
                request, f"Referral {'declined' if action == 'decline' else 'withdrawn'}."
            )
            return redirect("casework:referral_detail", view.referral.uuid)
    _log_family(request, view)
    return render(request, "casework/referral_decide.html", ctx)


@staff_view(CASEWORK)
def referral_decline(request: HttpRequest, referral_id: str) -> HttpResponse:
    return _reasoned(request, referral_id, "decline")


@staff_view(CASEWORK)
def referral_withdraw(request: HttpRequest, referral_id: str) -> HttpResponse:
    return _reasoned(request, referral_id, "withdraw")
