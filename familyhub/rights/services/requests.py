"""Rights requests: recording one, finding whom it is about, the identity check, the clock (pauses
and extension) and closing it (R-RIGHTS-1; ADR 0015). Carrying a request out is in `carry_out`.

Each service checks the actor's capability, validates, writes in one transaction with change
records (`core.services.ChangeSet` / `model_update`), and logs any look at or change of a family's
data in the access log. The deadline is recomputed by `rights.deadlines` whenever something it
depends on changes and stored in `RightsRequest.due_on`.

Who may do what (ADR 0015): any front-line role (RECORD_RIGHTS_REQUEST) may record a request made
to them about a family in their scope, with the identity check when they saw the person; everything
else is the DPO's (MANAGE_PRIVACY), who has no case scope and reaches the person through the
request (`rights.selectors`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.errors import ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet, model_update
from familyhub.people.models import Person
from familyhub.privacy import services as privacy
from familyhub.privacy.models import Consent, ConsentState, Objection, Purpose
from familyhub.rights import deadlines
from familyhub.rights.models import (
    AccessPack,
    ExtensionGrounds,
    IdentityMethod,
    Notification,
    Outcome,
    ReceivedVia,
    RequesterKind,
    RequestKind,
    RequestPause,
    RightsRequest,
    Status,
)

MANAGE = Capability.MANAGE_PRIVACY
RECORD = Capability.RECORD_RIGHTS_REQUEST
ADULT_AGE = 18

IDENTITY_FIRST = (
    "The requester's identity has not been checked: record the identity check before acting "
    "on the request."
)
CANNOT_COMPLETE_WITHOUT_IDENTITY = (
    "This request cannot be completed: the requester's identity has not been checked. Record the "
    "identity check first (or close the request as refused if their identity could not be "
    "confirmed)."
)


def _today() -> date:
    return timezone.localdate()


def _label(request: RightsRequest) -> str:
    return f"Rights request {request.reference}"


# --- the deadline -----------------------------------------------------------------------------------


def pauses_of(request: RightsRequest) -> list[deadlines.Pause]:
    """The request's pauses as the deadline functions take them (uses a prefetch if there is one)."""
    return [deadlines.Pause(p.reason, p.started_on, p.ended_on) for p in request.pauses.all()]


def deadline_of(request: RightsRequest, today: date | None = None) -> deadlines.Deadline:
    return deadlines.deadline(
        request.received_on,
        today=today or _today(),
        extension_months=request.extension_months,
        pauses=pauses_of(request),
    )


def _refresh_clock(request: RightsRequest, changes: ChangeSet) -> deadlines.Deadline:
    """Recompute the stored due date and the open/waiting status after a change to the clock."""
    request._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    d = deadline_of(request)
    data: dict[str, Any] = {"due_on": d.due}
    if request.status != Status.CLOSED:
        data["status"] = Status.WAITING if d.waiting else Status.OPEN
    model_update(
        instance=request,
        fields=["due_on", "status"],
        data=data,
        changes=changes,
        person=request.person,
    )
    return d


def _notify(request: RightsRequest, kind: str, message: str) -> None:
    Notification.objects.get_or_create(
        request=request, kind=kind, due_on=request.due_on, defaults={"message": message[:300]}
    )


# --- recording a request ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentityCheck:
    """How the requester's identity (and, for a parent or representative, their authority to act)
    was confirmed: the method, what was seen, and what showed their authority."""

    method: str
    evidence: str
    authority_evidence: str = ""


def is_child(person: Person, on: date) -> bool:
    """Under 18 or not yet born; a person whose date of birth is unknown is not ruled out."""
    if person.is_unborn:
        return True
    age = person.age_on(on)
    return age is None or age < ADULT_AGE


def _requester_errors(
    *,
    requester_kind: str,
    person: Person | None,
    requester_person: Person | None,
    requester_name: str,
    requester_relationship: str,
    on: date,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if requester_kind not in RequesterKind.values:
        add("requester_kind", "Choose who made the request.")
    elif requester_kind == RequesterKind.PARENT:
        if requester_person is None and not requester_name.strip():
            add("requester_name", "Give the name of the parent or carer who made the request.")
        if person is not None and not is_child(person, on):
            add(
                "requester_kind",
                f"{person.display_name} is 18 or over: a parent cannot make a request for them. If "
                "someone has authority to act for them, choose 'Someone acting for them'.",
            )
        if requester_person is not None and person is not None:
            if requester_person.pk == person.pk:
                add("requester_person", "Choose the parent or carer, not the child.")
            elif not privacy.holds_parental_responsibility(requester_person, person):
                add(
                    "requester_person",
                    f"{requester_person.display_name} does not have parental responsibility for "
                    f"{person.display_name}, so cannot make the request for them. Record it as "
                    "made by someone acting for them if they have the child's or a court's "
                    "authority.",
                )
    elif requester_kind == RequesterKind.REPRESENTATIVE:
        if not requester_name.strip():
            add("requester_name", "Give the name of the person acting for them.")
        if not requester_relationship.strip():
            add(
                "requester_relationship",
                "Say how they are connected to the person, for example 'solicitor' or 'aunt'.",
            )
    return errors


def _identity_errors(check: IdentityCheck, requester_kind: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if check.method not in IdentityMethod.values:
        errors["identity_method"] = ["Choose how their identity was checked."]
    if not check.evidence.strip():
        errors["identity_evidence"] = [
            "Say what was seen or checked, for example 'passport seen at the children's centre'."
        ]
    if requester_kind != RequesterKind.SELF and not check.authority_evidence.strip():
        errors["authority_evidence"] = [
            "Say what shows they may act for the person, for example a birth certificate naming "
            "them or a signed letter of authority."
        ]
    return errors


def _identity_data(check: IdentityCheck, actor: Any) -> dict[str, Any]:
    return {
        "identity_method": check.method,
        "identity_evidence": check.evidence.strip(),
        "authority_evidence": check.authority_evidence.strip(),
        "identity_checked_at": timezone.now(),
        "identity_checked_by": actor if getattr(actor, "pk", None) else None,
    }


def _next_reference(year: int) -> str:
    prefix = f"RR-{year}-"
    refs = RightsRequest.objects.filter(reference__startswith=prefix)
    numbers = [int(r.rsplit("-", 1)[1]) for r in refs.values_list("reference", flat=True)]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def request_record(
    *,
    actor: Any,
    kind: str,
    received_on: date | None,
    received_via: str,
    description: str,
    requester_kind: str = RequesterKind.SELF,
    person: Person | None = None,
    requester_person: Person | None = None,
    requester_name: str = "",
    requester_relationship: str = "",
    reply_to: str = "",
    purpose: Purpose | None = None,
    identity: IdentityCheck | None = None,
) -> RightsRequest:
    """Write down a request as it was received: its due date is set from the day of receipt.

    The DPO may record a request before knowing whom it is about (`request_link_person` later);
    front-line staff record one about a person in their own scope, from the family's page.
    """
    if not access.can(actor, MANAGE):
        access.require(actor, RECORD)
        if person is None:
            raise ValidationFailed("Choose whom the request is about.", field="person")
        access.ensure_visible(actor, [p for p in (person, requester_person) if p is not None])
    today = _today()
    errors: dict[str, list[str]] = {}
    if kind not in RequestKind.values:
        errors["kind"] = ["Choose what they asked for."]
    if received_via not in ReceivedVia.values:
        errors["received_via"] = ["Choose how the request arrived."]
    if received_on is None:
        errors["received_on"] = ["Enter the date the request was received, like 27/3/2026."]
    elif received_on > today:
        errors["received_on"] = ["The date received cannot be in the future."]
    if not description.strip():
        errors["description"] = ["Write down what they asked for, in their words where possible."]
    for key, messages in _requester_errors(
        requester_kind=requester_kind,
        person=person,
        requester_person=requester_person,
        requester_name=requester_name,
        requester_relationship=requester_relationship,
        on=received_on or today,
    ).items():
        errors.setdefault(key, []).extend(messages)
    if identity is not None:
        errors.update(_identity_errors(identity, requester_kind))
    if errors:
        raise ValidationFailed.from_errors(errors)
    assert received_on is not None
    if requester_kind == RequesterKind.SELF:
        requester_person, requester_name, requester_relationship = None, "", ""
    fields: dict[str, Any] = {
        "kind": kind,
        "person": person,
        "requester_kind": requester_kind,
        "requester_person": requester_person,
        "requester_name": requester_name.strip(),
        "requester_relationship": requester_relationship.strip(),
        "reply_to": reply_to.strip(),
        "received_on": received_on,
        "received_via": received_via,
        "received_by": actor if getattr(actor, "pk", None) else None,
        "description": description.strip(),
        "purpose": purpose,
        "due_on": deadlines.one_month_after(received_on),
        **(_identity_data(identity, actor) if identity is not None else {}),
    }
    for attempt in range(5):
        try:
            with transaction.atomic():
                request = RightsRequest.objects.create(
                    reference=_next_reference(received_on.year), **fields
                )
                changes = ChangeSet(actor=actor)
                changes.record(
                    request,
                    action=ChangeRecord.Action.CREATE,
                    field_name="kind",
                    new=request.get_kind_display(),
                    person=person,
                    label=_label(request),
                )
                if identity is not None:
                    changes.record(
                        request,
                        action=ChangeRecord.Action.UPDATE,
                        field_name="identity_method",
                        new=request.get_identity_method_display(),
                        person=person,
                        label=_label(request),
                    )
                changes.flush()
                by = getattr(actor, "username", "") or "a member of staff"
                _notify(
                    request,
                    Notification.Kind.NEW,
                    f"{request.reference}: new {request.kind_short} request recorded by {by}, "
                    f"due {request.due_on:%d/%m/%Y}.",
                )
                if person is not None:
                    access.log_change(actor, [person], created=True, object_type="rights request")
            return request
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def request_link_person(*, actor: Any, request: RightsRequest, person: Person) -> RightsRequest:
    """The DPO found whom the request is about (through `rights.selectors`)."""
    access.require(actor, MANAGE)
    _require_open(request)
    errors = _requester_errors(
        requester_kind=request.requester_kind,
        person=person,
        requester_person=request.requester_person,
        requester_name=request.requester_name,
        requester_relationship=request.requester_relationship,
        on=request.received_on,
    )
    if errors:
        raise ValidationFailed.from_errors({"person": [m for ms in errors.values() for m in ms]})
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        model_update(
            instance=request,
            fields=["person"],
            data={"person": person},
            changes=changes,
            person=person,
        )
        # The request's earlier history (recorded before anyone knew whom it was about) joins the
        # person's, so that their subject access and erasure find it.
        ChangeRecord.objects.filter(
            model="rightsrequest", object_uuid=request.uuid, person__isnull=True
        ).update(person=person)
        access.log_change(actor, [person], created=False, object_type="rights request")
    return request


def identity_check_record(
    *, actor: Any, request: RightsRequest, check: IdentityCheck
) -> RightsRequest:
    """Record how identity (and authority to act) was confirmed. If the clock was stopped waiting
    for proof of identity, it starts again today: the month runs from today (ADR 0015)."""
    access.require(actor, MANAGE)
    _require_open(request)
    errors = _identity_errors(check, request.requester_kind)
    if errors:
        raise ValidationFailed.from_errors(errors)
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        model_update(
            instance=request,
            fields=[
                "identity_method",
                "identity_evidence",
                "authority_evidence",
                "identity_checked_at",
                "identity_checked_by",
            ],
            data=_identity_data(check, actor),
            changes=changes,
            person=request.person,
        )
        waiting = request.pauses.filter(
            reason=RequestPause.Reason.IDENTITY, ended_on__isnull=True
        ).first()
        if waiting is not None:
            _end_pause(waiting, actor, max(_today(), waiting.started_on), changes)
        _refresh_clock(request, changes)
        _log(actor, request)
    return request


# --- the clock ---------------------------------------------------------------------------------------


def _require_open(request: RightsRequest) -> None:
    if request.status == Status.CLOSED:
        raise ValidationFailed("This request is closed: nothing more can be done on it.")


def _open_pause(request: RightsRequest) -> RequestPause | None:
    return request.pauses.filter(ended_on__isnull=True).first()


def pause_start(
    *,
    actor: Any,
    request: RightsRequest,
    reason: str,
    note: str,
    started_on: date | None = None,
) -> RequestPause:
    """Stop the clock while waiting for proof of identity or for clarification (ADR 0015)."""
    access.require(actor, MANAGE)
    _require_open(request)
    today = _today()
    on = started_on or today
    errors: dict[str, list[str]] = {}
    if reason not in RequestPause.Reason.values:
        errors["reason"] = ["Choose what you are waiting for."]
    elif reason == RequestPause.Reason.IDENTITY and request.identity_checked:
        errors["reason"] = ["Their identity is already checked: there is no proof to wait for."]
    if not note.strip():
        errors["note"] = ["Say what you asked them for."]
    if on > today:
        errors["started_on"] = ["The date you asked cannot be in the future."]
    elif on < request.received_on:
        errors["started_on"] = [
            f"The date you asked cannot be before the request was received "
            f"({request.received_on:%d/%m/%Y})."
        ]
    if _open_pause(request) is not None:
        errors["reason"] = ["The clock is already stopped: record the answer first."]
    if not errors:
        current = deadline_of(request, today)
        if on > current.due:
            errors["started_on"] = [
                f"The request was already overdue on that date (due {current.due:%d/%m/%Y}): the "
                "clock cannot be stopped after the deadline has passed."
            ]
    if errors:
        raise ValidationFailed.from_errors(errors)
    changes = ChangeSet(actor=actor, reason=note.strip())
    with transaction.atomic():
        pause = RequestPause.objects.create(
            request=request,
            reason=reason,
            started_on=on,
            started_by=actor if getattr(actor, "pk", None) else None,
        )
        changes.record(
            request,
            action=ChangeRecord.Action.UPDATE,
            field_name="status",
            new=f"{pause.get_reason_display()} from {on:%d/%m/%Y}",
            person=request.person,
            label=_label(request),
        )
        _refresh_clock(request, changes)
        changes.flush()
        _log(actor, request)
    return pause


def _end_pause(pause: RequestPause, actor: Any, on: date, changes: ChangeSet) -> None:
    model_update(
        instance=pause,
        fields=["ended_on", "ended_by"],
        data={"ended_on": on, "ended_by": actor if getattr(actor, "pk", None) else None},
        changes=changes,
        person=pause.request.person,
    )


def pause_end(*, actor: Any, request: RightsRequest, ended_on: date | None = None) -> RequestPause:
    """What was asked for arrived: the clock runs again (for identity, from that day)."""
    access.require(actor, MANAGE)
    _require_open(request)
    pause = _open_pause(request)
    if pause is None:
        raise ValidationFailed("The clock is not stopped.", field="ended_on")
    on = ended_on or _today()
    if on > _today():
        raise ValidationFailed("The date it arrived cannot be in the future.", field="ended_on")
    if on < pause.started_on:
        raise ValidationFailed(
            f"The date it arrived cannot be before it was asked for ({pause.started_on:%d/%m/%Y}).",
            field="ended_on",
        )
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        _end_pause(pause, actor, on, changes)
        _refresh_clock(request, changes)
        _log(actor, request)
    return pause


def extension_grant(
    *, actor: Any, request: RightsRequest, months: int, grounds: str, reason: str
) -> RightsRequest:
    """Extend the deadline by one or two further months, for a complex request or one of a number
    of requests, with the reason the person is told (ADR 0015)."""
    access.require(actor, MANAGE)
    _require_open(request)
    today = _today()
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [
            "An extension needs a reason: say why the request needs more time (you must tell the "
            "person why)."
        ]
    if grounds not in ExtensionGrounds.values:
        errors["grounds"] = ["Choose why: the request is complex, or they made a number of them."]
    if months > deadlines.MAX_EXTENSION_MONTHS:
        errors["months"] = [
            "The deadline can be extended by at most two further months (three months in all)."
        ]
    elif months < 1:
        errors["months"] = ["Choose one or two further months."]
    elif months <= request.extension_months:
        errors["months"] = [
            f"The deadline is already extended by {request.extension_months} "
            f"month{'s' if request.extension_months != 1 else ''}."
        ]
    allowed, limit = deadlines.extension_allowed(
        request.received_on, today=today, pauses=pauses_of(request)
    )
    if not allowed:
        errors.setdefault("months", []).append(
            f"Too late to extend: the person had to be told within the first month (by "
            f"{limit:%d/%m/%Y})."
        )
    if errors:
        raise ValidationFailed.from_errors(errors)
    changes = ChangeSet(actor=actor, reason=reason.strip())
    with transaction.atomic():
        model_update(
            instance=request,
            fields=[
                "extension_months",
                "extension_grounds",
                "extension_reason",
                "extended_on",
                "extended_by",
            ],
            data={
                "extension_months": months,
                "extension_grounds": grounds,
                "extension_reason": reason.strip(),
                "extended_on": today,
                "extended_by": actor if getattr(actor, "pk", None) else None,
            },
            changes=changes,
            person=request.person,
        )
        _refresh_clock(request, changes)
        _log(actor, request)
    return request


# --- closing ---------------------------------------------------------------------------------------


def completion_problem(request: RightsRequest) -> str:
    """Why the request cannot be completed yet ('' when it can)."""
    if not request.identity_checked:
        return CANNOT_COMPLETE_WITHOUT_IDENTITY
    if _open_pause(request) is not None:
        return "The clock is stopped waiting for the requester: record that their answer arrived."
    if request.person_id is None:
        # Erased, or nobody of that name is held: completing says so (the note records it).
        return ""
    kind = request.kind
    if (
        kind == RequestKind.ACCESS
        and not request.packs.filter(state=AccessPack.State.RELEASED).exists()
    ):
        return "Release the subject access pack first."
    if kind == RequestKind.PORTABILITY and not request.disclosures.exists():
        return "Send them their data first (as JSON, CSV or FHIR, from this page)."
    if kind == RequestKind.ERASURE and request.erased_at is None:
        return "Carry out the erasure first."
    if kind == RequestKind.RESTRICTION and request.restriction_id is None:
        return "Restrict the use of their data first."
    if kind == RequestKind.OBJECTION and (
        request.objection is None or request.objection.decision == Objection.Decision.PENDING
    ):
        return "Record and decide the objection first."
    if (
        kind in (RequestKind.RECTIFICATION, RequestKind.ERASURE, RequestKind.RESTRICTION)
        and request.recipients_told_on is None
        and _recipients_to_tell(request)
    ):
        return (
            "Tell the organisations their data was disclosed to about the change (Article 19), "
            "and record when."
        )
    if kind == RequestKind.RECTIFICATION:
        from familyhub.rights.services.accuracy import open_challenge_problem

        problem = open_challenge_problem(request)
        if problem:
            return problem
    if kind == RequestKind.WITHDRAW_CONSENT:
        consent = (
            Consent.objects.filter(
                person_id=request.person_id, purpose_id=request.purpose_id
            ).first()
            if request.purpose_id
            else None
        )
        if consent is None or consent.state == ConsentState.GIVEN:
            return "Withdraw the consent first."
    return ""


def _recipients_to_tell(request: RightsRequest) -> list[Any]:
    from familyhub.rights.selectors import recipients_to_tell

    return recipients_to_tell(request)


def recipients_told_record(
    *, actor: Any, request: RightsRequest, told_on: date | None, note: str
) -> RightsRequest:
    """Article 19: record when, and how, the organisations the person's data was disclosed to were
    told of the rectification, erasure or restriction."""
    access.require(actor, MANAGE)
    _require_open(request)
    errors: dict[str, list[str]] = {}
    if request.kind not in (
        RequestKind.RECTIFICATION,
        RequestKind.ERASURE,
        RequestKind.RESTRICTION,
    ):
        errors["told_on"] = ["Only a rectification, an erasure or a restriction is told onwards."]
    elif told_on is None:
        errors["told_on"] = ["Enter the date you told them."]
    elif told_on > _today() or told_on < request.received_on:
        errors["told_on"] = [f"The date must be between {request.received_on:%d/%m/%Y} and today."]
    if not note.strip():
        errors["note"] = ["Say whom you told and how (for example: by email to each)."]
    if errors:
        raise ValidationFailed.from_errors(errors)
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        model_update(
            instance=request,
            fields=["recipients_told_on", "recipients_told", "recipients_told_to"],
            data={
                "recipients_told_on": told_on,
                "recipients_told": note.strip(),
                "recipients_told_to": [d.recipient for d in _recipients_to_tell(request)],
            },
            changes=changes,
            person=request.person,
        )
    return request


def request_close(
    *,
    actor: Any,
    request: RightsRequest,
    outcome: str,
    outcome_note: str,
    refusal_reasons: str = "",
    no_challenge_note: bool = False,
) -> RightsRequest:
    """Close the request: done in full or in part (only once identity is checked and the request
    was carried out), refused (with the reasons), or withdrawn by the requester.

    A rectification refused in whole or in part needs the person's challenge noted on their record
    (`accuracy.challenge_record`, decided 'not corrected'), or `no_challenge_note`: the person said
    they did not want a note (ADR 0027)."""
    from familyhub.rights.services.accuracy import note_problem, open_challenge_problem

    access.require(actor, MANAGE)
    _require_open(request)
    errors: dict[str, list[str]] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = ["Choose the outcome."]
    elif outcome in (Outcome.COMPLETED, Outcome.PARTLY_REFUSED):
        problem = completion_problem(request)
        if problem:
            errors["outcome"] = [problem]
    elif outcome == Outcome.REFUSED and request.person_id is not None:
        problem = open_challenge_problem(request)
        if problem:
            errors["outcome"] = [problem]
    if not errors.get("outcome"):
        problem = note_problem(request, outcome, no_challenge_note)
        if problem:
            errors["no_challenge_note"] = [problem]
    if outcome in (Outcome.REFUSED, Outcome.PARTLY_REFUSED) and not refusal_reasons.strip():
        errors["refusal_reasons"] = [
            "Give the reasons for refusing (the exemption relied on), as the person is told them."
        ]
    if not outcome_note.strip():
        errors["outcome_note"] = ["Say what was done and what the person was told."]
    if errors:
        raise ValidationFailed.from_errors(errors)
    today = _today()
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        pause = _open_pause(request)
        if pause is not None:
            _end_pause(pause, actor, max(today, pause.started_on), changes)
        model_update(
            instance=request,
            fields=[
                "status",
                "outcome",
                "outcome_note",
                "refusal_reasons",
                "closed_on",
                "closed_by",
                "no_challenge_note",
            ],
            data={
                "status": Status.CLOSED,
                "outcome": outcome,
                "outcome_note": outcome_note.strip(),
                "refusal_reasons": refusal_reasons.strip(),
                "closed_on": today,
                "closed_by": actor if getattr(actor, "pk", None) else None,
                "no_challenge_note": bool(no_challenge_note)
                and request.kind == RequestKind.RECTIFICATION
                and outcome in (Outcome.REFUSED, Outcome.PARTLY_REFUSED),
            },
            changes=changes,
            person=request.person,
        )
        _log(actor, request)
    return request


# --- before carrying a request out -----------------------------------------------------------------


def ready_to_act(request: RightsRequest, kind: str) -> Person:
    """The request is of this kind, open, about a known person whose requester was identified."""
    if request.kind != kind:
        raise ValidationFailed(f"This is a request about {request.kind_short}.")
    _require_open(request)
    if request.person is None:
        raise ValidationFailed("Find the person the request is about first.")
    if not request.identity_checked:
        raise ValidationFailed(IDENTITY_FIRST)
    return request.person


def _log(actor: Any, request: RightsRequest) -> None:
    if request.person is not None:
        access.log_change(actor, [request.person], created=False, object_type="rights request")
