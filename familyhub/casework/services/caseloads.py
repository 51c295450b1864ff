"""Caseloads (R-ENGAGE-6): a family allocated to a worker and team, with a single point of contact.

Allocations are `people.CaseAllocation` rows, the basis of need to know (ADR 0004); what casework
adds (service, single point of contact, next review, reasons) is in `casework.AllocationDetail`.
Re-allocation ends the old allocation and opens a new one, so the history is the list of rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from familyhub.access import helpers as access
from familyhub.casework.models import AllocationDetail
from familyhub.casework.services._common import (
    CASEWORK,
    Errors,
    acting_organisation,
    ensure_household_visible,
    ensure_worker,
    members_of,
    require_in_organisation,
    today,
)
from familyhub.core.errors import ApplicationError, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet
from familyhub.people.models import CaseAllocation, Household


def _worker_name(user: Any) -> str:
    return (user.get_full_name() or user.username) if user is not None else "no named worker"


def allocation_label(allocation: CaseAllocation) -> str:
    parts = [allocation.organisation.name]
    if allocation.team_id:
        parts.append(allocation.team.name)  # type: ignore[union-attr]
    return ", ".join(parts) + f" ({_worker_name(allocation.worker)})"


def move_single_point_of_contact(
    household: Household, keep: CaseAllocation, changes: ChangeSet
) -> None:
    """One single point of contact per family: the flag moves to `keep`."""
    others = AllocationDetail.objects.filter(
        allocation__household=household,
        allocation__ended_on__isnull=True,
        single_point_of_contact=True,
    ).exclude(allocation=keep)
    for detail in others.select_related("allocation__organisation", "allocation__worker"):
        AllocationDetail.objects.filter(pk=detail.pk).update(single_point_of_contact=False)
        changes.record(
            detail.allocation,
            action=ChangeRecord.Action.UPDATE,
            old="Single point of contact",
            new="No longer the single point of contact",
            household=household,
            label=allocation_label(detail.allocation),
        )


def allocation_open(
    *,
    actor: Any,
    household: Household,
    worker: Any = None,
    team: Any = None,
    organisation: Any = None,
    service: Any = None,
    single_point_of_contact: bool = False,
    review_due_on: date | None = None,
    reason: str = "",
    replaces: CaseAllocation | None = None,
    referral: Any = None,
) -> CaseAllocation:
    """Allocate the family to a worker (and team) of the actor's organisation.

    With `replaces` (an open allocation of the same organisation) this is a re-allocation: the old
    allocation ends today and is kept, and the new one carries on its service, review date and
    single point of contact unless given afresh. Nothing else ends the organisation's access: the
    new allocation is open before the old one closes, in one transaction.
    """
    access.require(actor, CASEWORK)
    ensure_household_visible(actor, household)
    org = acting_organisation(actor, organisation)
    errs = Errors()
    if worker is None:
        errs.add("worker", "Choose the worker")
    ensure_worker(worker, org.pk, "worker", errs)
    if team is not None and team.organisation_id != org.pk:
        errs.add("team", f"Choose a team of {org.name}")
    elif team is not None and not team.active:
        errs.add("team", f"{team.name} is retired: choose another team")
    if review_due_on is not None and review_due_on < today():
        errs.add("review_due_on", "The next review must be today or later")
    if service is not None and not service.active:
        errs.add("service", f"{service.name} is no longer offered")
    old_detail = None
    if replaces is not None:
        if replaces.household_id != household.pk or replaces.ended_on is not None:
            errs.add("replaces", "Choose an open allocation of this family")
        elif replaces.organisation_id != org.pk:
            errs.add("replaces", "Only the organisation's own allocations can be re-allocated")
        else:
            old_detail = AllocationDetail.objects.filter(allocation=replaces).first()
            if replaces.worker_id == getattr(worker, "pk", None) and replaces.team_id == getattr(
                team, "pk", None
            ):
                errs.add("worker", "The family is already allocated to this worker and team")
    elif (
        worker is not None
        and CaseAllocation.objects.filter(
            household=household, organisation=org, worker=worker, ended_on__isnull=True
        ).exists()
    ):
        errs.add("worker", "The family is already allocated to this worker: re-allocate instead")
    errs.raise_if_any()
    if old_detail is not None:
        service = service or old_detail.service
        review_due_on = review_due_on or old_detail.review_due_on
        single_point_of_contact = single_point_of_contact or old_detail.single_point_of_contact
    changes = ChangeSet(actor=actor, reason=(reason or "").strip())
    with transaction.atomic():
        allocation = CaseAllocation.objects.create(
            household=household,
            organisation=org,
            team=team,
            worker=worker,
            started_on=today(),
        )
        AllocationDetail.objects.create(
            allocation=allocation,
            household=household,
            service=service,
            single_point_of_contact=single_point_of_contact,
            review_due_on=review_due_on,
            reason=(reason or "").strip(),
            referral=referral,
            allocated_by=actor,
        )
        text = f"Allocated to {allocation_label(allocation)}"
        if service is not None:
            text += f" for {service.name}"
        if single_point_of_contact:
            text += "; single point of contact"
        changes.record(
            allocation,
            action=ChangeRecord.Action.CREATE,
            new=text,
            household=household,
            label="Re-allocation" if replaces is not None else "Allocation",
        )
        if single_point_of_contact:
            move_single_point_of_contact(household, allocation, changes)
        if replaces is not None:
            _end(replaces, f"Re-allocated to {_worker_name(worker)}", changes)
        changes.flush()
        access.log_change(actor, members_of(household), created=True, object_type="allocation")
    return allocation


def _end(allocation: CaseAllocation, reason: str, changes: ChangeSet) -> None:
    ended = today()
    if (
        CaseAllocation.objects.filter(pk=allocation.pk, ended_on__isnull=True).update(
            ended_on=ended
        )
        != 1
    ):
        raise ApplicationError("This allocation has already ended.")
    AllocationDetail.objects.update_or_create(
        allocation=allocation,
        defaults={"end_reason": reason[:300], "single_point_of_contact": False},
        create_defaults={
            "end_reason": reason[:300],
            "single_point_of_contact": False,
            "household_id": allocation.household_id,
        },
    )
    allocation.ended_on = ended
    changes.record(
        allocation,
        action=ChangeRecord.Action.UPDATE,
        field_name="ended_on",
        old="",
        new=f"{ended:%d/%m/%Y}: {reason}",
        household=allocation.household,
        label=allocation_label(allocation),
    )


def allocation_close(*, actor: Any, allocation: CaseAllocation, reason: str) -> CaseAllocation:
    """Close the organisation's work with the family (the history keeps the allocation).

    If it was the organisation's last open allocation of the family, its staff no longer see the
    family (ADR 0004).
    """
    access.require(actor, CASEWORK)
    require_in_organisation(actor, allocation.organisation_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the allocation is closed", field="reason")
    if allocation.ended_on is not None:
        raise ValidationFailed("This allocation has already ended", field="allocation")
    members = members_of(allocation.household)
    changes = ChangeSet(actor=actor, reason=reason)
    with transaction.atomic():
        _end(allocation, f"Closed: {reason}", changes)
        changes.flush()
        access.log_change(actor, members, created=False, object_type="allocation")
    return allocation


def allocation_set_review(
    *, actor: Any, household: Household, review_due_on: date, changes: ChangeSet
) -> int:
    """The next review of the family, for every open allocation of the actor's organisations
    (used by an outcome review); returns how many allocations were updated."""
    org_ids = actor.organisation_ids_with(CASEWORK)
    allocations = CaseAllocation.objects.filter(
        household=household, organisation_id__in=org_ids, ended_on__isnull=True
    ).select_related("organisation", "team", "worker")
    n = 0
    for allocation in allocations:
        detail, _ = AllocationDetail.objects.get_or_create(
            allocation=allocation, defaults={"household": household}
        )
        old = detail.review_due_on
        if old == review_due_on:
            continue
        AllocationDetail.objects.filter(pk=detail.pk).update(review_due_on=review_due_on)
        changes.record(
            allocation,
            action=ChangeRecord.Action.UPDATE,
            old=f"Next review {old:%d/%m/%Y}" if old else "",
            new=f"Next review {review_due_on:%d/%m/%Y}",
            household=household,
            label=allocation_label(allocation),
        )
        n += 1
    return n
