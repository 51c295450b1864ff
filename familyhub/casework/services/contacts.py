"""Home visits and other contacts, and their follow-up actions (R-ENGAGE-4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.casework.models import Contact, FollowUp
from familyhub.casework.services._common import (
    CASEWORK,
    Errors,
    acting_organisation,
    ensure_household_visible,
    ensure_member,
    ensure_not_restricted,
    ensure_worker,
    members_of,
    now,
    require_in_organisation,
)
from familyhub.core.errors import ApplicationError, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet
from familyhub.people.models import Household, Person

FUTURE_REFUSED = (
    "A visit can only be recorded once it has happened. To arrange one for later, plan it instead."
)
# Clocks differ a little between a laptop and the server: "now" typed a moment ago is not future.
CLOCK_TOLERANCE = timedelta(minutes=5)
MAX_DURATION_MINUTES = 12 * 60


@dataclass
class FollowUpSpec:
    description: str
    due_on: date | None
    assigned_to: Any = None


def _label(contact: Contact) -> str:
    when = timezone.localtime(contact.occurred_at).strftime("%d/%m/%Y %H:%M")
    worker = ""
    if contact.worker is not None:
        worker = contact.worker.get_full_name() or contact.worker.username
    return f"{contact.get_kind_display()} on {when}" + (f" with {worker}" if worker else "")


def _check_follow_ups(
    follow_ups: Sequence[FollowUpSpec], organisation_id: int, errs: Errors
) -> None:
    for i, f in enumerate(follow_ups):
        if not (f.description or "").strip():
            errs.add(f"follow_up_{i}_description", "Describe the action")
        if f.due_on is None:
            errs.add(f"follow_up_{i}_due_on", "Enter the date the action is due")
        ensure_worker(f.assigned_to, organisation_id, f"follow_up_{i}_assigned_to", errs)


def _add_follow_ups(
    household: Household,
    contact: Contact | None,
    follow_ups: Sequence[FollowUpSpec],
    changes: ChangeSet,
) -> list[FollowUp]:
    made = []
    for f in follow_ups:
        assert f.due_on is not None  # checked by _check_follow_ups
        item = FollowUp.objects.create(
            household=household,
            contact=contact,
            description=f.description.strip(),
            due_on=f.due_on,
            assigned_to=f.assigned_to,
        )
        # The description is a case note: the history says only that an action was agreed.
        changes.record(
            item,
            action=ChangeRecord.Action.CREATE,
            new=f"Follow-up action due {item.due_on:%d/%m/%Y}",
            household=household,
            label="Follow-up action",
        )
        made.append(item)
    return made


def contact_record(
    *,
    actor: Any,
    household: Household,
    kind: str,
    occurred_at: datetime | None,
    duration_minutes: int | None = None,
    notes: str = "",
    person: Person | None = None,
    service: Any = None,
    worker: Any = None,
    follow_ups: Sequence[FollowUpSpec] = (),
    planned: bool = False,
    organisation: Any = None,
) -> Contact:
    """Record a contact that has happened (or, with `planned`, arrange a visit for later).

    A contact dated in the future is refused: "a visit can only be recorded once it has happened".
    Notes are special category: taken only from roles that may see them.
    """
    access.require(actor, CASEWORK)
    ensure_household_visible(actor, household)
    org = acting_organisation(actor, organisation)
    worker = worker or actor
    errs = Errors()
    if kind not in Contact.Kind.values:
        errs.add("kind", "Choose the kind of contact")
    if occurred_at is None:
        errs.add("occurred_at", "Enter the date and time" + (" planned" if planned else ""))
    elif planned and occurred_at <= now():
        errs.add("occurred_at", "A planned visit must be in the future: record a past one as done")
    elif not planned and occurred_at > now() + CLOCK_TOLERANCE:
        errs.add("occurred_at", FUTURE_REFUSED)
    if duration_minutes is not None and not (1 <= duration_minutes <= MAX_DURATION_MINUTES):
        errs.add("duration_minutes", "Enter a duration between 1 minute and 12 hours")
    if not planned and duration_minutes is None:
        errs.add("duration_minutes", "Enter how long the contact took, in minutes")
    ensure_member(household, person, "person", errs)
    ensure_not_restricted([person] if person else [], "person", errs)
    ensure_worker(worker, org.pk, "worker", errs)
    if service is not None and not service.active:
        errs.add("service", f"{service.name} is no longer offered")
    if planned and follow_ups:
        errs.add(
            "follow_ups", "Follow-up actions are agreed at the visit: add them when you record it"
        )
    _check_follow_ups(follow_ups, org.pk, errs)
    errs.raise_if_any()
    assert occurred_at is not None
    if not access.can_see_special_category(actor):
        notes = ""  # never accepted from a role that could not read it back (R-PEOPLE-3)
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        contact = Contact.objects.create(
            household=household,
            person=person,
            kind=kind,
            status=Contact.Status.PLANNED if planned else Contact.Status.DONE,
            occurred_at=occurred_at,
            duration_minutes=duration_minutes,
            worker=worker,
            organisation=org,
            service=service,
            notes=(notes or "").strip(),
            recorded_by=actor,
        )
        changes.record(
            contact,
            action=ChangeRecord.Action.CREATE,
            new=("Planned: " if planned else "") + _label(contact),
            household=household,
            person=person,
            label=contact.get_kind_display() + (" (planned)" if planned else ""),
        )
        _add_follow_ups(household, contact, follow_ups, changes)
        changes.flush()
        access.log_change(actor, members_of(household), created=True, object_type="contact")
    return contact


def contact_complete(
    *,
    actor: Any,
    contact: Contact,
    occurred_at: datetime | None,
    duration_minutes: int | None,
    notes: str = "",
    follow_ups: Sequence[FollowUpSpec] = (),
) -> Contact:
    """A planned visit happened: record it (time, duration, notes, follow-ups)."""
    access.require(actor, CASEWORK)
    require_in_organisation(actor, contact.organisation_id)
    household = contact.household
    ensure_household_visible(actor, household)
    errs = Errors()
    if contact.status != Contact.Status.PLANNED:
        raise ApplicationError(
            "This visit is not a planned one: it is already recorded or cancelled."
        )
    if occurred_at is None:
        errs.add("occurred_at", "Enter the date and time")
    elif occurred_at > now() + CLOCK_TOLERANCE:
        errs.add("occurred_at", FUTURE_REFUSED)
    if duration_minutes is None or not (1 <= duration_minutes <= MAX_DURATION_MINUTES):
        errs.add("duration_minutes", "Enter how long the contact took, in minutes")
    _check_follow_ups(follow_ups, contact.organisation_id, errs)
    errs.raise_if_any()
    if not access.can_see_special_category(actor):
        notes = ""
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        updated = Contact.objects.filter(pk=contact.pk, status=Contact.Status.PLANNED).update(
            status=Contact.Status.DONE,
            occurred_at=occurred_at,
            duration_minutes=duration_minutes,
            notes=(notes or "").strip(),
            recorded_by=actor,
            updated_at=timezone.now(),
        )
        if updated != 1:
            raise ApplicationError("Someone else has recorded or cancelled this visit already.")
        contact.refresh_from_db()
        changes.record(
            contact,
            action=ChangeRecord.Action.UPDATE,
            field_name="status",
            old=Contact.Status.PLANNED.label,
            new=Contact.Status.DONE.label,
            household=household,
            person=contact.person,
            label=_label(contact),
        )
        _add_follow_ups(household, contact, follow_ups, changes)
        changes.flush()
        access.log_change(actor, members_of(household), created=False, object_type="contact")
    return contact


def contact_cancel(*, actor: Any, contact: Contact, reason: str) -> Contact:
    """A planned visit will not happen; it stays in the history as cancelled, with the reason."""
    access.require(actor, CASEWORK)
    require_in_organisation(actor, contact.organisation_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the visit is cancelled", field="reason")
    changes = ChangeSet(actor=actor, reason=reason)
    with transaction.atomic():
        updated = Contact.objects.filter(pk=contact.pk, status=Contact.Status.PLANNED).update(
            status=Contact.Status.CANCELLED,
            cancelled_reason=reason[:300],
            updated_at=timezone.now(),
        )
        if updated != 1:
            raise ApplicationError("Only a planned visit can be cancelled.")
        changes.record(
            contact,
            action=ChangeRecord.Action.UPDATE,
            field_name="status",
            old=Contact.Status.PLANNED.label,
            new=Contact.Status.CANCELLED.label,
            household=contact.household,
            person=contact.person,
            label=_label(contact),
        )
        changes.flush()
        contact.refresh_from_db()
    return contact


def follow_up_done(*, actor: Any, follow_up: FollowUp) -> FollowUp:
    access.require(actor, CASEWORK)
    ensure_household_visible(actor, follow_up.household)
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        at = timezone.now()
        if (
            FollowUp.objects.filter(pk=follow_up.pk, done_at__isnull=True).update(
                done_at=at, done_by=actor, updated_at=at
            )
            != 1
        ):
            raise ApplicationError("This action is already marked as done.")
        changes.record(
            follow_up,
            action=ChangeRecord.Action.UPDATE,
            field_name="done_at",
            old="",
            new=timezone.localtime(at).strftime("%d/%m/%Y %H:%M"),
            household=follow_up.household,
            label="Follow-up action",
        )
        changes.flush()
        follow_up.refresh_from_db()
    return follow_up
