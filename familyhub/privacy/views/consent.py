"""Recording and withdrawing consent, contact preferences, the scanned forms, and 'may we use photos
of this person?' (R-CONSENT-2, R-CONSENT-3, R-CONSENT-4).

Reads go through the access helpers (scope, 404 alike for missing and forbidden, the access log);
writes through `privacy.services`; every yes or no about a purpose comes from `privacy.policy`.
"""

from __future__ import annotations

import mimetypes
from typing import Any, cast

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.models import AccessLogEntry
from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ConcurrentEdit, NotFound, ValidationFailed
from familyhub.core.http import posted
from familyhub.people import selectors as people_selectors
from familyhub.people.forms import apply_errors
from familyhub.privacy import purposes, services
from familyhub.privacy import selectors_consent as selectors
from familyhub.privacy.forms import ContactPreferenceForm, HouseholdConsentForm, WithdrawForm
from familyhub.privacy.steps import purpose_step

VIEW = Capability.VIEW_PEOPLE
EDIT = Capability.EDIT_PEOPLE
Action = AccessLogEntry.Action


def _back_to_family(request: HttpRequest, person: Any) -> dict[str, Any]:
    """The family to go back to: the first of the person's families the user may see."""
    households = people_selectors.person_households(person, request.user)
    return {"family": households[0].household if households else None}


@staff_view(EDIT)
def household_consent(request: HttpRequest, household_id: str) -> HttpResponse:
    """One screen for the whole household: every consent purpose for every member (R-CONSENT-2)."""
    household = access.household_for(request.user, household_id)
    today = timezone.localdate()
    people = [m.person for m in household.memberships.all()]
    notices = selectors.notices()
    form = HouseholdConsentForm(
        posted(request),
        request.FILES if request.method == "POST" else None,
        people=people,
        purposes=selectors.consent_purposes(),
        parents=selectors.parents_for(household, request.user, today),
        current=selectors.consents_of(people),
        notices=notices,
        today=today,
    )
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        try:
            services.consents_record(
                actor=request.user,
                answers=answers,
                decided_on=form.cleaned_data["decided_on"],
                method=form.cleaned_data["method"],
                notice=form.notice_object(notices),
                evidence=form.cleaned_data.get("evidence"),
                note=form.cleaned_data["note"],
            )
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            count = len(answers)
            messages.success(
                request,
                f"{count} answer{'s' if count != 1 else ''} saved for the {household.name}.",
            )
            return redirect(reverse("people:household_detail", args=[household.uuid]) + "#consent")
    return render(
        request,
        "privacy/consent_household.html",
        {
            "household": household,
            "form": form,
            "rows": form.rows(),
            "purposes": form.purposes,
            "file_lost": request.method == "POST" and bool(request.FILES) and bool(form.errors),
        },
    )


@staff_view(VIEW)
def person_consent(request: HttpRequest, person_id: str) -> HttpResponse:
    """A person's consent panel: each purpose with the policy's decision and reason, their contact
    preferences, and the history of both."""
    person = access.person_for(request.user, person_id)
    return render(
        request,
        "privacy/consent_person.html",
        {
            "person": person,
            "lines": selectors.person_panel(person),
            "contact": selectors.contact_preference_of(person),
            "history": selectors.consent_history(person),
            "can_edit": access.can(request.user, EDIT),
            "show_special": access.can_see_special_category(request.user),
            **_back_to_family(request, person),
        },
    )


@staff_view(EDIT)
def consent_withdraw(request: HttpRequest, person_id: str) -> HttpResponse:
    """Withdraw one consent, with a date and a note; the page itself is the confirmation."""
    person = access.person_for(request.user, person_id)
    consents = selectors.given_consents(person)
    code = request.POST.get("purpose") or request.GET.get("purpose") or ""
    form = WithdrawForm(
        posted(request), consents=consents, today=timezone.localdate(), initial={"purpose": code}
    )
    chosen = next((c for c in consents if c.purpose.code == code), None)
    if request.method == "POST" and form.is_valid():
        consent = next(c for c in consents if c.purpose.code == form.cleaned_data["purpose"])
        try:
            services.consent_withdraw(
                actor=request.user,
                consent=consent,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                note=form.cleaned_data["note"],
            )
        except (ValidationFailed, ConcurrentEdit) as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(
                request,
                f"{person.display_name}'s consent to '{consent.purpose.name}' is withdrawn. "
                "It takes effect at once.",
            )
            return redirect("privacy:person_consent", person.uuid)
    return render(
        request,
        "privacy/consent_withdraw.html",
        {"person": person, "form": form, "consents": consents, "chosen": chosen},
    )


_SUFFIX_TYPES = {"pdf": "application/pdf", "tif": "image/tiff", "tiff": "image/tiff"}


@staff_view(VIEW)
def consent_evidence(request: HttpRequest, person_id: str) -> HttpResponse:
    """The scanned form behind one answer (?purpose=<code>): only for staff who may see the
    person, and written to the access log as an export of the person's data."""
    person = access.person_for(request.user, person_id, log_view=False)
    code = request.GET.get("purpose") or ""
    if not code:
        return redirect("privacy:person_consent", person.uuid)
    consent = selectors.consent_for(person, code)
    if not consent.evidence:
        raise NotFound(access.NOT_FOUND)
    try:
        handle = consent.evidence.open("rb")
    except FileNotFoundError:
        raise NotFound(access.NOT_FOUND) from None
    access.log_people_shown(
        request.user,
        [person],
        action=Action.EXPORT,
        object_type="consent evidence",
        detail=f"scanned consent form ({code})",
    )
    suffix = str(consent.evidence.name).rsplit(".", 1)[-1].lower()
    content_type = _SUFFIX_TYPES.get(suffix) or mimetypes.guess_type(f"x.{suffix}")[0]
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"consent-form-{code}.{suffix}",
        content_type=content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "no-store"
    return cast(HttpResponse, response)  # a streaming response; staff_view's type says HttpResponse


@staff_view(EDIT)
def contact_preferences(request: HttpRequest, person_id: str) -> HttpResponse:
    """Whether, how and about what the person agreed to be contacted (R-CONSENT-4)."""
    person = access.person_for(request.user, person_id)
    pref = selectors.contact_preference_of(person)
    form = ContactPreferenceForm(posted(request), initial=ContactPreferenceForm.initial_for(pref))
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_preference_set(
                actor=request.user,
                person=person,
                data=form.service_data(),
                expected_version=form.cleaned_data["version"],
            )
        except ConcurrentEdit as e:
            fresh = selectors.contact_preference_of(person)
            data = request.POST.copy()
            data["version"] = str(fresh.version if fresh else "")
            form = ContactPreferenceForm(data, initial=ContactPreferenceForm.initial_for(fresh))
            form.is_valid()
            form.add_error(None, e.message)
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            messages.success(request, f"{person.display_name}'s contact preferences saved.")
            return redirect("privacy:person_consent", person.uuid)
    return render(
        request,
        "privacy/contact_preferences.html",
        {"person": person, "form": form, "current": pref, **_back_to_family(request, person)},
    )


@purpose_step(purposes.PHOTOS)
@staff_view(VIEW)
def photo_consent(request: HttpRequest, person_id: str) -> HttpResponse:
    """'May we use photos of this person?': the policy's answer and its reason (R-CONSENT-3)."""
    person = access.person_for(request.user, person_id)
    return render(
        request,
        "privacy/consent_photo.html",
        {
            "person": person,
            "decision": selectors.decided(person, purposes.PHOTOS),
            **_back_to_family(request, person),
        },
    )
