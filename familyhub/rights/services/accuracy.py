"""The person says their record is wrong (UK GDPR Articles 16 and 18(1)(a); R-RIGHTS-1; ADR 0027).

When a record is corrected, the ordinary edit screens do it and the history keeps the old value.
When it is not (the organisation believes it is accurate, it is a worker's opinion in a contact
note, or it is still being checked), the ICO's guidance says to tell the person why and, as good
practice, to note on the record that they dispute it and why, with their own statement if they
ask. These services write that note and its outcome; nothing is ever deleted by hand.

    challenge_record(actor=..., person=..., target=Target.FIELD, field_name="date_of_birth",
                     statement="My date of birth is 3 March, not 3 May.", received_on=today)
    challenge_decide(actor=..., challenge=..., outcome=Outcome.NOT_CORRECTED,
                     reason="The visit note records the worker's opinion at the time ...")

Who may (ADR 0027): a challenge that comes with a rectification request is recorded and decided by
the DPO (MANAGE_PRIVACY), who reaches the person through the request; one told to front-line staff
is recorded by any front-line role (RECORD_RIGHTS_REQUEST) and decided by staff who can correct
the record (EDIT_PEOPLE), for a person in their scope.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.casework.models import Contact, OutcomeRecord
from familyhub.core.errors import PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet, model_update
from familyhub.people.models import Membership, Person
from familyhub.rights.models import AccuracyChallenge, Outcome, RequestKind, RightsRequest

MANAGE = Capability.MANAGE_PRIVACY
RECORD = Capability.RECORD_RIGHTS_REQUEST
EDIT = Capability.EDIT_PEOPLE
Target = AccuracyChallenge.Target
Result = AccuracyChallenge.Outcome
MAX_STATEMENT = 5000

DECIDED_BY_THE_DPO = (
    "This challenge came with rectification request {reference}: the data protection officer "
    "records its outcome there."
)
NOTE_NEEDED = (
    "The rectification is not made in full: record the person's challenge (what they dispute "
    "and their statement) so that it is noted on their record, or tick that they did not want a "
    "note."
)


def _today() -> date:
    return timezone.localdate()


def _label(challenge: AccuracyChallenge) -> str:
    return f"Challenge to the accuracy of {challenge.title}"


def _member_of(person: Person, household_id: int) -> bool:
    return Membership.objects.filter(person=person, household_id=household_id).exists()


def _target_errors(
    *,
    actor: Any,
    person: Person,
    target: str,
    field_name: str,
    contact: Contact | None,
    outcome_record: OutcomeRecord | None,
    in_scope: bool,
) -> dict[str, list[str]]:
    from familyhub.rights.selectors_accuracy import disputable_fields

    errors: dict[str, list[str]] = {}
    wrong = ["Choose what they say is wrong."]
    if target not in Target.values:
        return {"target": wrong}
    if target == Target.FIELD and field_name not in dict(disputable_fields()):
        errors["target"] = wrong
    if target == Target.CONTACT:
        if contact is None or contact.status == Contact.Status.PLANNED:
            errors["target"] = ["Choose a contact or visit that was recorded."]
        elif not _member_of(person, contact.household_id):
            errors["target"] = [f"That contact is not with {person.display_name}'s family."]
    if target == Target.OUTCOME_RECORD:
        if outcome_record is None:
            errors["target"] = wrong
        elif not _member_of(person, outcome_record.household_id):
            errors["target"] = [f"That need or goal is not {person.display_name}'s family's."]
    if not errors and in_scope:
        record = contact if target == Target.CONTACT else outcome_record
        if record is not None and not (
            access.households_visible_to(actor).filter(pk=record.household_id).exists()
        ):
            errors["target"] = wrong
    return errors


def _person_changed(person: Person, at: Any) -> None:
    """Whether their record is disputed is part of it as partner systems read it (the API's
    `disputed`, ADR 0028): the person's `updated_at` moves on, so `changed_since` sends them again.
    Their `version` does not: nothing staff edit has changed."""
    Person.objects.filter(pk=person.pk).update(updated_at=at)


def challenge_record(
    *,
    actor: Any,
    person: Person,
    target: str,
    statement: str,
    received_on: date | None,
    field_name: str = "",
    contact: Contact | None = None,
    outcome_record: OutcomeRecord | None = None,
    request: RightsRequest | None = None,
) -> AccuracyChallenge:
    """Note that `person` disputes part of their record, with their statement in their words.

    With `request` (a rectification request, by the DPO): the person is the request's, the request
    must be open and their identity checked. Without: a front-line worker, for a person in scope.
    The challenge starts as 'still being checked'.
    """
    if request is not None:
        access.require(actor, MANAGE)
        from familyhub.rights.services.requests import ready_to_act

        whom = ready_to_act(request, RequestKind.RECTIFICATION)
        if whom.pk != person.pk:
            raise ValidationFailed("The challenge must be the request's person's.", field="target")
    else:
        access.require(actor, RECORD)
        access.ensure_visible(actor, [person])
    today = _today()
    errors = _target_errors(
        actor=actor,
        person=person,
        target=target,
        field_name=field_name,
        contact=contact,
        outcome_record=outcome_record,
        in_scope=request is None,
    )
    statement = (statement or "").strip()
    if not statement:
        errors["statement"] = [
            "Write down what they say is wrong and why, in their words where you can."
        ]
    elif len(statement) > MAX_STATEMENT:
        errors["statement"] = [f"Keep the statement under {MAX_STATEMENT} characters."]
    if received_on is None:
        errors["received_on"] = ["Enter the date they told us, like 27/3/2026."]
    elif received_on > today:
        errors["received_on"] = ["The date they told us cannot be in the future."]
    elif request is not None and received_on < request.received_on:
        errors["received_on"] = [
            f"The date cannot be before the request was received ({request.received_on:%d/%m/%Y})."
        ]
    if errors:
        raise ValidationFailed.from_errors(errors)
    assert received_on is not None
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        challenge = AccuracyChallenge.objects.create(
            person=person,
            target=target,
            field_name=field_name if target == Target.FIELD else "",
            contact=contact if target == Target.CONTACT else None,
            outcome_record=outcome_record if target == Target.OUTCOME_RECORD else None,
            statement=statement,
            received_on=received_on,
            request=request,
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        # The history says what is disputed; the statement itself is on the challenge (shown with
        # the record, and in their subject access pack), not copied into the history.
        changes.record(
            challenge,
            action=ChangeRecord.Action.CREATE,
            field_name="target",
            new=f"Says {challenge.title} is wrong"
            + (f" (rights request {request.reference})" if request is not None else ""),
            person=person,
            label=_label(challenge),
        )
        changes.flush()
        _person_changed(person, changes.at)
        access.log_change(actor, [person], created=True, object_type="accuracy challenge")
    return challenge


def challenge_decide(
    *,
    actor: Any,
    challenge: AccuracyChallenge,
    outcome: str,
    reason: str,
    expected_version: int | None = None,
) -> AccuracyChallenge:
    """Record what was decided: corrected (say what), or not corrected (the reason the person was
    told: their statement then stays beside the record). A challenge not corrected may be
    corrected later; a corrected one is history (a new dispute is a new challenge)."""
    if challenge.request_id is not None:
        if not access.can(actor, MANAGE):
            raise PermissionRefused(dpo_decides(challenge))
    else:
        access.require(actor, EDIT)
        access.ensure_visible(actor, [challenge.person])
    errors: dict[str, list[str]] = {}
    if outcome not in (Result.CORRECTED, Result.NOT_CORRECTED):
        errors["outcome"] = ["Choose whether the record was corrected."]
    elif challenge.outcome == Result.CORRECTED:
        errors["outcome"] = [
            "This challenge is closed: the record was corrected. If they dispute it again, record "
            "a new challenge."
        ]
    elif outcome == challenge.outcome:
        errors["outcome"] = ["That is already the outcome recorded."]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [
            "Say what was corrected."
            if outcome == Result.CORRECTED
            else "Give the reason the record was not corrected, as you told them (and that they "
            "may complain to the Information Commissioner)."
        ]
    if errors:
        raise ValidationFailed.from_errors(errors)
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        model_update(
            instance=challenge,
            fields=["outcome", "outcome_reason", "decided_by", "decided_at"],
            data={
                "outcome": outcome,
                "outcome_reason": reason,
                "decided_by": actor if getattr(actor, "pk", None) else None,
                "decided_at": timezone.now(),
            },
            changes=changes,
            # Every decision moves the version on, so that a decision made on a stale page fails.
            expected_version=challenge.version if expected_version is None else expected_version,
            person=challenge.person,
            special_fields=("outcome_reason",) if challenge.special else (),
        )
        _person_changed(challenge.person, changes.at)
        access.log_change(
            actor, [challenge.person], created=False, object_type="accuracy challenge"
        )
    return challenge


def dpo_decides(challenge: AccuracyChallenge) -> str:
    """Why front-line staff cannot decide this challenge ('' when they can): one that came with a
    rectification request is the DPO's (ADR 0027)."""
    if challenge.request is None:
        return ""
    return DECIDED_BY_THE_DPO.format(reference=challenge.request.reference)


# --- the rectification request's completion (rights.services.requests) ----------------------------


def open_challenge_problem(request: RightsRequest) -> str:
    """A rectification request cannot be completed while a challenge it came with is still being
    checked ('' when none is)."""
    if request.kind != RequestKind.RECTIFICATION:
        return ""
    if request.accuracy_challenges.filter(outcome=Result.CHECKING).exists():
        return (
            "A challenge recorded with this request is still being checked: record whether the "
            "record was corrected first."
        )
    return ""


def note_problem(request: RightsRequest, outcome: str, no_note_wanted: bool) -> str:
    """A rectification refused in whole or in part needs the person's challenge noted on their
    record (a challenge 'not corrected' recorded with the request), or their explicit choice not
    to have a note ('' when neither is needed or one is there)."""
    if request.kind != RequestKind.RECTIFICATION or outcome not in (
        Outcome.REFUSED,
        Outcome.PARTLY_REFUSED,
    ):
        return ""
    if request.person_id is None or not request.identity_checked:
        return ""  # nobody found, or not identified: nothing can be noted on a record
    if no_note_wanted:
        return ""
    if request.accuracy_challenges.filter(outcome=Result.NOT_CORRECTED).exists():
        return ""
    return NOTE_NEEDED
