"""Carrying a request out from its page (R-RIGHTS-4, R-RIGHTS-5): restrict or lift, record and
decide an objection, withdraw a consent, erase (with legal exceptions chosen item by item from the
erasure service's inventory). Writes through `rights.services`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ApplicationError, ValidationFailed
from familyhub.core.http import posted
from familyhub.people.forms import apply_errors
from familyhub.privacy.models import Objection
from familyhub.rights import selectors, services
from familyhub.rights.forms import ObjectionDecisionForm, PurposeForm, ReasonForm
from familyhub.rights.models import RequestKind, RightsRequest
from familyhub.rights.views.requests import done, form_page

MANAGE = Capability.MANAGE_PRIVACY


def _exceptions_from(post: Any, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
    from familyhub.retention.erasure import LegalException

    chosen, typed = [], {}
    for key in [*(i.key for i in items), "identity"]:
        kind = post.get(f"keep-{key}", "")
        reason = post.get(f"why-{key}", "")
        typed[f"keep-{key}"], typed[f"why-{key}"] = kind, reason
        if kind:
            chosen.append(LegalException(key, kind, reason))
    return chosen, typed


def _carry_out_erasure(request: HttpRequest, rr: RightsRequest) -> HttpResponse:
    if not services.erasure_available():
        messages.error(
            request,
            "Erasure is not available in this installation yet (familyhub.retention.erasure).",
        )
        return redirect("rights:request_detail", rr.uuid)
    from familyhub.retention.erasure import ExceptionKind, inventory

    if rr.person is None:
        messages.error(request, "Find the person the request is about first.")
        return redirect("rights:request_detail", rr.uuid)
    groups = inventory(rr.person)
    items = [i for g in groups for i in g.items]
    errors: list[str] = []
    typed: dict[str, str] = {}
    if request.method == "POST":
        exceptions, typed = _exceptions_from(request.POST, items)
        if request.POST.get("confirm") != "yes":
            errors.append("Tick the box to confirm the erasure: it cannot be undone.")
        else:
            try:
                services.request_erase(actor=request.user, request=rr, exceptions=exceptions)
            except ApplicationError as e:
                errors += [m for ms in e.errors.values() for m in ms] or [e.message]
            else:
                return done(
                    request,
                    rr,
                    "The person's data was erased, except the items kept under a legal exception.",
                )
    return render(
        request,
        "rights/request_erase.html",
        {
            "rr": rr,
            "groups": groups,
            "kinds": ExceptionKind.choices,
            "errors": errors,
            "typed": typed,
        },
    )


@staff_view(MANAGE)
def request_carry_out(request: HttpRequest, request_id: str) -> HttpResponse:
    """What the request asks for: restrict, record or decide an objection, withdraw a consent,
    erase. (Access and portability are answered from the request's page; a correction is made on
    the person's record by the staff who work with the family.)"""
    rr = selectors.request_for(request.user, request_id, log_view=False)
    user = request.user
    if rr.kind == RequestKind.ERASURE:
        return _carry_out_erasure(request, rr)
    if rr.kind == RequestKind.RESTRICTION:
        lifting = rr.restriction is not None and rr.restriction.lifted_on is None
        form: Any = ReasonForm(posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                if lifting:
                    services.request_lift_restriction(
                        actor=user, request=rr, reason=form.cleaned_data["reason"]
                    )
                else:
                    services.request_restrict(
                        actor=user, request=rr, reason=form.cleaned_data["reason"]
                    )
            except ValidationFailed as e:
                apply_errors(form, e.errors or {"__all__": [e.message]})
            else:
                return done(
                    request,
                    rr,
                    "Restriction lifted." if lifting else "The use of their data is restricted.",
                )
        return form_page(
            request,
            rr,
            form,
            title="Lift the restriction" if lifting else "Restrict the use of their data",
            button="Lift the restriction" if lifting else "Restrict",
            intro="From now on their record is kept but used for nothing except storage and legal "
            "claims: it leaves mailing lists, evaluation data and reports at once."
            if not lifting
            else "Tell them before the restriction is lifted.",
        )
    if rr.kind == RequestKind.OBJECTION:
        if rr.objection is not None and rr.objection.decision == Objection.Decision.PENDING:
            form = ObjectionDecisionForm(posted(request))
            if request.method == "POST" and form.is_valid():
                try:
                    services.request_decide_objection(
                        actor=user,
                        request=rr,
                        decision=form.cleaned_data["decision"],
                        compelling_grounds=form.cleaned_data["compelling_grounds"],
                    )
                except ValidationFailed as e:
                    apply_errors(form, e.errors or {"__all__": [e.message]})
                else:
                    return done(request, rr, "Decision on the objection recorded.")
            return form_page(
                request,
                rr,
                form,
                title="Decide the objection",
                button="Save the decision",
                intro=f"They object to: {rr.objection.purpose.name}. Its use has stopped until "
                "you decide.",
            )
        form = PurposeForm(
            posted(request),
            purposes=selectors.purposes_for_objection(),
            initial={"purpose": rr.purpose.code if rr.purpose else ""},
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.request_record_objection(
                    actor=user,
                    request=rr,
                    purpose=selectors.purpose_by_code(form.cleaned_data["purpose"]),
                )
            except ValidationFailed as e:
                apply_errors(form, e.errors or {"__all__": [e.message]})
            else:
                return done(request, rr, "Objection recorded: that use of their data stops now.")
        return form_page(
            request, rr, form, title="Record the objection", button="Record the objection"
        )
    if rr.kind == RequestKind.WITHDRAW_CONSENT:
        given = selectors.consents_given(rr.person) if rr.person is not None else []
        form = PurposeForm(
            posted(request),
            purposes=[c.purpose for c in given],
            initial={"purpose": rr.purpose.code if rr.purpose else ""},
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.request_withdraw_consent(
                    actor=user,
                    request=rr,
                    purpose=selectors.purpose_by_code(form.cleaned_data["purpose"]),
                )
            except ValidationFailed as e:
                apply_errors(form, e.errors or {"__all__": [e.message]})
            else:
                return done(request, rr, "Consent withdrawn: it takes effect everywhere at once.")
        return form_page(
            request,
            rr,
            form,
            title="Withdraw their consent",
            button="Withdraw consent",
            intro="Only consents in force are listed." if given else "No consent is in force.",
        )
    messages.info(request, "This kind of request is answered from its page.")
    return redirect("rights:request_detail", rr.uuid)
