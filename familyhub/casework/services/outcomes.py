"""Outcomes (R-ENGAGE-7): needs, strengths and goals recorded with the family against an outcomes
framework, and reviews that score each outcome on the framework's scale over time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction

from familyhub.access import helpers as access
from familyhub.casework.models import Outcome, OutcomeRecord, OutcomeReview, OutcomeScore
from familyhub.casework.services._common import (
    CASEWORK,
    Errors,
    acting_organisation,
    ensure_household_visible,
    ensure_member,
    ensure_not_restricted,
    members_of,
    require_in_organisation,
    today,
)
from familyhub.casework.services.caseloads import allocation_set_review
from familyhub.core.errors import ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet
from familyhub.people.models import Household, Person


def outcome_record_add(
    *,
    actor: Any,
    household: Household,
    outcome: Outcome | None,
    kind: str,
    description: str,
    person: Person | None = None,
    service: Any = None,
    recorded_on: date | None = None,
    organisation: Any = None,
) -> OutcomeRecord:
    """A need, strength or goal, agreed with the family, against one outcome."""
    access.require(actor, CASEWORK)
    ensure_household_visible(actor, household)
    org = acting_organisation(actor, organisation)
    errs = Errors()
    if outcome is None or not outcome.active:
        errs.add("outcome", "Choose the outcome")
    if kind not in OutcomeRecord.Kind.values:
        errs.add("kind", "Choose need, strength or goal")
    if not (description or "").strip():
        errs.add("description", "Describe it, in the family's words where possible")
    recorded_on = recorded_on or today()
    if recorded_on > today():
        errs.add("recorded_on", "The date must be today or in the past")
    ensure_member(household, person, "person", errs)
    ensure_not_restricted([person] if person else [], "person", errs)
    errs.raise_if_any()
    assert outcome is not None
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        record = OutcomeRecord.objects.create(
            household=household,
            person=person,
            outcome=outcome,
            kind=kind,
            description=description.strip(),
            service=service,
            organisation=org,
            recorded_by=actor,
            recorded_on=recorded_on,
        )
        changes.record(
            record,
            action=ChangeRecord.Action.CREATE,
            new=f"{record.get_kind_display()} recorded against '{outcome}'",
            household=household,
            person=person,
            label=f"{record.get_kind_display()} (outcomes)",
        )
        changes.flush()
        access.log_change(actor, members_of(household), created=True, object_type="outcome")
    return record


def outcome_record_close(*, actor: Any, record: OutcomeRecord, reason: str) -> OutcomeRecord:
    """A goal met, or a need no longer there: kept, but no longer reviewed."""
    access.require(actor, CASEWORK)
    require_in_organisation(actor, record.organisation_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why (for example: goal met)", field="reason")
    if record.closed_on is not None:
        raise ValidationFailed("This is already closed", field="reason")
    changes = ChangeSet(actor=actor, reason=reason)
    with transaction.atomic():
        OutcomeRecord.objects.filter(pk=record.pk).update(closed_on=today())
        record.closed_on = today()
        changes.record(
            record,
            action=ChangeRecord.Action.UPDATE,
            field_name="closed_on",
            new=f"{record.closed_on:%d/%m/%Y}",
            household=record.household,
            person=record.person,
            label=f"{record.get_kind_display()}: {record.outcome}",
        )
        changes.flush()
    return record


def outcome_review_record(
    *,
    actor: Any,
    household: Household,
    reviewed_on: date | None,
    scores: Mapping[Outcome, int | None],
    service: Any = None,
    with_family: str = "",
    notes: str = "",
    next_review_on: date | None = None,
    organisation: Any = None,
) -> OutcomeReview:
    """Score the family's outcomes with them on one date; optionally set the next review date
    (on the actor's organisation's open allocations of the family)."""
    access.require(actor, CASEWORK)
    ensure_household_visible(actor, household)
    org = acting_organisation(actor, organisation)
    errs = Errors()
    if reviewed_on is None:
        errs.add("reviewed_on", "Enter the date of the review")
    elif reviewed_on > today():
        errs.add("reviewed_on", "A review can only be recorded once it has happened")
    given = {o: s for o, s in scores.items() if s is not None}
    if not given:
        errs.add("scores", "Score at least one outcome")
    for outcome, score in given.items():
        fw = outcome.framework
        if not (fw.scale_min <= score <= fw.scale_max):
            errs.add(
                f"score_{outcome.pk}",
                f"Choose a score from {fw.scale_min} to {fw.scale_max} for '{outcome.name}'",
            )
    if next_review_on is not None and reviewed_on is not None and next_review_on <= reviewed_on:
        errs.add("next_review_on", "The next review must be after this one")
    errs.raise_if_any()
    assert reviewed_on is not None
    if not access.can_see_special_category(actor):
        notes = ""
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        review = OutcomeReview.objects.create(
            household=household,
            service=service,
            organisation=org,
            reviewer=actor,
            reviewed_on=reviewed_on,
            with_family=(with_family or "").strip()[:200],
            notes=(notes or "").strip(),
        )
        OutcomeScore.objects.bulk_create(
            [
                OutcomeScore(review=review, household=household, outcome=o, score=s)
                for o, s in given.items()
            ]
        )
        summary = "; ".join(
            f"{o.name}: {s}" for o, s in sorted(given.items(), key=lambda x: x[0].position)
        )
        changes.record(
            review,
            action=ChangeRecord.Action.CREATE,
            new=f"Outcome review on {reviewed_on:%d/%m/%Y}. {summary}"[:2000],
            household=household,
            label="Outcome review",
        )
        if next_review_on is not None:
            allocation_set_review(
                actor=actor, household=household, review_due_on=next_review_on, changes=changes
            )
        changes.flush()
        access.log_change(actor, members_of(household), created=True, object_type="outcome_review")
    return review
