"""'The person says this is wrong' (Articles 16 and 18(1)(a); ADR 0027): recording a challenge to
the accuracy of a record and its outcome, from the person page (front-line staff, in scope) and from
a rectification request's page (the DPO, through the request). Reads go through
`rights.selectors_accuracy`, `rights.selectors` and `access.helpers`; writes through
`rights.services.accuracy`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from familyhub.core.http import posted
from familyhub.people.forms import apply_errors
from familyhub.rights import selectors
from familyhub.rights import selectors_accuracy as disputes
from familyhub.rights.forms import ChallengeDecisionForm, ChallengeForm
from familyhub.rights.models import AccuracyChallenge, RequestKind
from familyhub.rights.services import accuracy

MANAGE = Capability.MANAGE_PRIVACY
RECORD = Capability.RECORD_RIGHTS_REQUEST
EDIT = Capability.EDIT_PEOPLE
Target = AccuracyChallenge.Target

INTRO = (
    "Write down what {name} says is wrong and why, in their words. Their statement is shown to "
    "staff beside the record, and is part of what they receive if they ask for their data. If they "
    "want the use of their data restricted while it is checked (Article 18(1)(a)), record a "
    "restriction request too."
)


def _targets(disputable: disputes.Disputable) -> list[Any]:
    """The choices of what can be disputed, grouped as a person would look for them."""
    contacts = [
        (
            f"contact:{c.uuid}",
            f"{c.get_kind_display()} on {timezone.localtime(c.occurred_at):%d/%m/%Y}"
            + (f" with {c.person.display_name}" if c.person else "")
            + (" (cancelled)" if c.status == c.Status.CANCELLED else ""),
        )
        for c in disputable.contacts
    ]
    records = [
        (
            f"outcome_record:{r.uuid}",
            f"{r.get_kind_display()}: {r.outcome.name} (recorded {r.recorded_on:%d/%m/%Y})",
        )
        for r in disputable.outcome_records
    ]
    groups: list[Any] = [
        (
            "Their details",
            [
                (Target.DETAILS.value, "Their details as a whole"),
                *((f"field:{name}", label) for name, label in disputes.disputable_fields()),
            ],
        )
    ]
    if contacts:
        groups.append(("Contacts and visits", contacts))
    if records:
        groups.append(("Needs, strengths and goals", records))
    return groups


def _parsed(value: str, disputable: disputes.Disputable) -> dict[str, Any]:
    """The service's arguments for a chosen target ('' target when nothing valid was chosen)."""
    kind, _, key = (value or "").partition(":")
    if kind == Target.DETAILS:
        return {"target": Target.DETAILS}
    if kind == Target.FIELD:
        return {"target": Target.FIELD, "field_name": key}
    if kind == Target.CONTACT:
        return {"target": Target.CONTACT, "contact": disputes.contact_or_none(disputable, key)}
    if kind == Target.OUTCOME_RECORD:
        return {
            "target": Target.OUTCOME_RECORD,
            "outcome_record": disputes.outcome_record_or_none(disputable, key),
        }
    return {"target": ""}


def _form_page(request: HttpRequest, form: Any, **context: Any) -> HttpResponse:
    return render(request, "rights/accuracy_form.html", {"form": form, **context})


def _record(
    request: HttpRequest,
    *,
    person: Any,
    disputable: disputes.Disputable,
    rights_request: Any = None,
) -> tuple[Any, AccuracyChallenge | None]:
    form = ChallengeForm(
        posted(request),
        targets=_targets(disputable),
        initial={"received_on": timezone.localdate(), "target": request.GET.get("target", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            challenge = accuracy.challenge_record(
                actor=request.user,
                person=person,
                statement=data["statement"],
                received_on=data["received_on"],
                request=rights_request,
                **_parsed(data["target"], disputable),
            )
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            return form, challenge
    return form, None


@staff_view(RECORD)
def person_challenge_new(request: HttpRequest, person_id: str) -> HttpResponse:
    """A front-line worker notes that the person disputes part of their record."""
    person = access.person_for(request.user, person_id)
    form, challenge = _record(
        request, person=person, disputable=disputes.disputable_records(person, request.user)
    )
    if challenge is not None:
        messages.success(
            request, f"Recorded: {person.display_name} says {challenge.title} is wrong."
        )
        return redirect("people:person_detail", person.uuid)
    return _form_page(
        request,
        form,
        back=reverse("people:person_detail", args=[person.uuid]),
        back_text=f"Back to {person.display_name}",
        caption=person.display_name,
        title="Record that they say their record is wrong",
        intro=INTRO.format(name=person.display_name)
        + " If they want it corrected and you cannot correct it now, record a rights request "
        "(rectification) from their family's page: the month to answer starts today.",
        button="Record their challenge",
    )


@staff_view(MANAGE)
def request_challenge_new(request: HttpRequest, request_id: str) -> HttpResponse:
    """The DPO notes, with a rectification request, what the person disputes and their statement."""
    rr = selectors.request_for(request.user, request_id, log_view=request.method == "GET")
    if rr.kind != RequestKind.RECTIFICATION or rr.person is None or not rr.is_open:
        messages.error(
            request,
            "A challenge to the accuracy of a record is recorded with an open rectification "
            "request about a person who has been found.",
        )
        return redirect("rights:request_detail", rr.uuid)
    person = rr.person
    form, challenge = _record(
        request,
        person=person,
        disputable=disputes.disputable_records(person, request.user, in_scope=False),
        rights_request=rr,
    )
    if challenge is not None:
        messages.success(
            request, f"Recorded: {person.display_name} says {challenge.title} is wrong."
        )
        return redirect("rights:request_detail", rr.uuid)
    return _form_page(
        request,
        form,
        back=reverse("rights:request_detail", args=[rr.uuid]),
        back_text=f"Back to {rr.reference}",
        caption=f"{rr.reference}: rectification request",
        title="Record what they say is wrong",
        intro=INTRO.format(name=person.display_name),
        button="Record their challenge",
    )


def _decide(
    request: HttpRequest, challenge: AccuracyChallenge, *, done_url: str, **context: Any
) -> HttpResponse:
    form = ChallengeDecisionForm(posted(request), initial={"version": challenge.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            accuracy.challenge_decide(
                actor=request.user,
                challenge=challenge,
                outcome=data["outcome"],
                reason=data["reason"],
                expected_version=data["version"],
            )
        except ConcurrentEdit as e:
            form.add_error(None, e.message)
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        except PermissionRefused as e:
            form.add_error(None, e.message)
        else:
            messages.success(
                request, f"Outcome recorded: {challenge.get_outcome_display().lower()}."
            )
            return redirect(done_url)
    return render(
        request,
        "rights/accuracy_decide.html",
        {
            "form": form,
            "challenge": challenge,
            "show_special": access.can_see_special_category(request.user),
            "back": done_url,
            **context,
        },
    )


@staff_view(EDIT)
def person_challenge_outcome(request: HttpRequest, challenge_id: str) -> HttpResponse:
    """Front-line staff who can correct the record say whether they did (a challenge told to them;
    one that came with a rectification request is the DPO's, and the page says so)."""
    challenge = disputes.challenge_for(request.user, challenge_id)
    person = challenge.person
    return _decide(
        request,
        challenge,
        done_url=reverse("people:person_detail", args=[person.uuid]),
        back_text=f"Back to {person.display_name}",
        dpo_decides=accuracy.dpo_decides(challenge),
    )


@staff_view(MANAGE)
def request_challenge_outcome(request: HttpRequest, challenge_id: str) -> HttpResponse:
    """The DPO records the outcome of a challenge that came with a rectification request."""
    challenge = disputes.challenge_for_request(request.user, challenge_id)
    rr = challenge.request
    assert rr is not None
    return _decide(
        request,
        challenge,
        done_url=reverse("rights:request_detail", args=[rr.uuid]),
        back_text=f"Back to {rr.reference}",
        show_special=True,  # the DPO handles the request: they see what the person disputes
        dpo_decides="",
    )
