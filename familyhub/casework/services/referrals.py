"""Referrals and signposting, in and out (R-ENGAGE-5).

A referral is made with the family's agreement (who agreed, when, how) to an organisation that
delivers the service; the receiving organisation sees the family while it decides (ADR 0013), then
accepts (which opens or joins a case allocation) or declines with a reason. The referring
organisation may withdraw it while it waits. Signposting records that the family was told about a
service: nobody else is sent anything, so it needs no decision and opens no visibility.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.casework.models import AllocationDetail, Referral
from familyhub.casework.scopes import forget_referred
from familyhub.casework.services._common import (
    CASEWORK,
    Errors,
    acting_organisation,
    ensure_household_visible,
    ensure_member,
    ensure_not_restricted,
    ensure_worker,
    members_of,
    organisations_with,
    today,
)
from familyhub.casework.services.caseloads import allocation_label, move_single_point_of_contact
from familyhub.core.errors import ApplicationError, PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet
from familyhub.people.models import CaseAllocation, Household, Person

NO_AGREEMENT = (
    "A referral is made only with the family's agreement: record who agreed, when and how"
)


def delivering_organisations(service: Any) -> list[Any]:
    """The provider and every organisation that delivers the service, by name."""
    orgs = {service.provider_id: service.provider}
    for org in service.delivered_by.all():
        orgs[org.pk] = org
    return sorted(orgs.values(), key=lambda o: o.name)


def delivers(organisation: Any, service: Any) -> bool:
    return organisation.pk in {o.pk for o in delivering_organisations(service)}


def refusal_for(organisation: Any, service: Any) -> str:
    names = [o.name for o in delivering_organisations(service)]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return (
        f"{organisation.name} does not deliver {service.name}, so it cannot take this referral. "
        f"Refer to {listed}, or choose another service."
    )


def _label(referral: Referral) -> str:
    kind = "Signposting" if referral.kind == Referral.Kind.SIGNPOSTING else "Referral"
    return f"{kind} to {referral.to_organisation.name} for {referral.service.name}"


def referral_make(
    *,
    actor: Any,
    household: Household,
    service: Any,
    to_organisation: Any = None,
    from_organisation: Any = None,
    incoming: bool = False,
    kind: str = Referral.Kind.REFERRAL,
    person: Person | None = None,
    reason: str = "",
    agreed_by: Person | None = None,
    agreed_on: date | None = None,
    agreement_method: str = "",
    referred_on: date | None = None,
    referrer_name: str = "",
) -> Referral:
    """Refer the family (or one member) for a service, or signpost them to it.

    Out (the default): from the actor's organisation to `to_organisation`. In (`incoming`): the
    actor records a referral their own organisation received from `from_organisation`, an agency
    that may not use familyhub (`referrer_name` says who referred).
    """
    access.require(actor, CASEWORK)
    ensure_household_visible(actor, household)
    errs = Errors()
    if incoming:
        to_organisation = acting_organisation(actor, to_organisation)
        if from_organisation is None:
            errs.add("from_organisation", "Choose the agency that referred the family")
    else:
        from_organisation = acting_organisation(actor, from_organisation)
        if to_organisation is None:
            errs.add("to_organisation", "Choose the organisation to refer the family to")
    if kind not in Referral.Kind.values:
        errs.add("kind", "Choose referral or signposting")
    if service is None:
        errs.add("service", "Choose the service")
    elif not service.active:
        errs.add("service", f"{service.name} is no longer offered")
    elif to_organisation is not None and not delivers(to_organisation, service):
        errs.add("to_organisation", refusal_for(to_organisation, service))
    referred_on = referred_on or today()
    if referred_on > today():
        errs.add("referred_on", "The referral date must be today or in the past")
    ensure_member(household, person, "person", errs)
    # A referral passes the family's details to another organisation: for the whole family, no
    # current member may be restricted; the others can be referred one by one instead.
    ensure_not_restricted(
        [person]
        if person
        else [m.person for m in household.memberships.filter(left_on__isnull=True)],
        "person",
        errs,
    )
    if kind == Referral.Kind.REFERRAL:
        if agreed_by is None:
            errs.add("agreed_by", NO_AGREEMENT)
        ensure_member(household, agreed_by, "agreed_by", errs)
        if agreed_on is None:
            errs.add("agreed_on", "Enter the date the family agreed")
        elif agreed_on > today():
            errs.add("agreed_on", "The family's agreement must be today or in the past")
        if agreement_method not in Referral.Agreement.values:
            errs.add("agreement_method", "Choose how the family agreed")
        if not (reason or "").strip():
            errs.add("reason", "Say why the family is referred")
    if (
        not errs
        and kind == Referral.Kind.REFERRAL
        and Referral.objects.filter(
            household=household,
            service=service,
            to_organisation=to_organisation,
            status=Referral.Status.SENT,
        ).exists()
    ):
        errs.add(
            "service",
            f"This family already has a referral to {to_organisation.name} for {service.name} "
            "waiting for a decision",
        )
    errs.raise_if_any()
    agreed = kind == Referral.Kind.REFERRAL
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        referral = Referral.objects.create(
            household=household,
            person=person,
            kind=kind,
            status=Referral.Status.SENT if agreed else Referral.Status.SIGNPOSTED,
            service=service,
            from_organisation=from_organisation,
            to_organisation=to_organisation,
            referred_on=referred_on,
            referrer=actor,
            referrer_name=(referrer_name or "").strip()[:150],
            reason=(reason or "").strip(),
            family_agreed=agreed,
            agreed_by=agreed_by if agreed else None,
            agreed_on=agreed_on if agreed else None,
            agreement_method=agreement_method if agreed else "",
        )
        text = _label(referral) + f", from {from_organisation.name}"
        if agreed:
            text += (
                f"; agreed by {agreed_by.display_name} on {agreed_on:%d/%m/%Y} "  # type: ignore[union-attr]
                f"({referral.get_agreement_method_display().lower()})"
            )
        changes.record(
            referral,
            action=ChangeRecord.Action.CREATE,
            new=text,
            household=household,
            person=person,
            label=_label(referral),
        )
        changes.flush()
        access.log_change(actor, members_of(household), created=True, object_type="referral")
    forget_referred(actor)
    return referral


def _decide(
    referral: Referral,
    *,
    actor: Any,
    status: str,
    reason: str,
    changes: ChangeSet,
    allocation: CaseAllocation | None = None,
) -> None:
    at = timezone.now()
    updated = Referral.objects.filter(pk=referral.pk, status=Referral.Status.SENT).update(
        status=status,
        decided_at=at,
        decided_by=actor,
        decision_reason=reason,
        allocation=allocation,
        updated_at=at,
    )
    if updated != 1:
        fresh = Referral.objects.get(pk=referral.pk)
        raise ApplicationError(
            f"This referral was {fresh.get_status_display().lower()} in the meantime: nothing was changed."
        )
    old = referral.get_status_display()
    referral.refresh_from_db()
    changes.record(
        referral,
        action=ChangeRecord.Action.UPDATE,
        field_name="status",
        old=old,
        new=referral.get_status_display(),
        household=referral.household,
        person=referral.person,
        label=_label(referral),
    )


def _open_decision(referral: Referral) -> None:
    if referral.status != Referral.Status.SENT:
        raise ApplicationError(
            f"This referral is {referral.get_status_display().lower()}: there is nothing to decide."
        )


def _receiver(actor: Any, referral: Referral) -> None:
    if referral.to_organisation_id not in {o.pk for o in organisations_with(actor)}:
        raise PermissionRefused(
            f"Only staff of {referral.to_organisation.name} can accept or decline this referral."
        )


def referral_accept(
    *,
    actor: Any,
    referral: Referral,
    worker: Any = None,
    team: Any = None,
    single_point_of_contact: bool = False,
    review_due_on: date | None = None,
) -> Referral:
    """The receiving organisation takes the family on: the referral is accepted and the family is
    allocated to `worker` (or joins the worker's open allocation, which then names the service)."""
    access.require(actor, CASEWORK)
    _receiver(actor, referral)
    _open_decision(referral)
    org = referral.to_organisation
    errs = Errors()
    if worker is None:
        errs.add("worker", "Choose the worker who will work with the family")
    ensure_worker(worker, org.pk, "worker", errs)
    if team is not None and team.organisation_id != org.pk:
        errs.add("team", f"Choose a team of {org.name}")
    elif team is not None and not team.active:
        errs.add("team", f"{team.name} is retired: choose another team")
    if review_due_on is not None and review_due_on < today():
        errs.add("review_due_on", "The next review must be today or later")
    errs.raise_if_any()
    household = referral.household
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        allocation = (
            CaseAllocation.objects.filter(
                household=household, organisation=org, worker=worker, ended_on__isnull=True
            )
            .select_related("organisation", "team", "worker")
            .first()
        )
        if allocation is None:
            allocation = CaseAllocation.objects.create(
                household=household, organisation=org, team=team, worker=worker, started_on=today()
            )
            text = f"Allocated to {allocation_label(allocation)} for {referral.service.name}"
            changes.record(
                allocation,
                action=ChangeRecord.Action.CREATE,
                new=text + ("; single point of contact" if single_point_of_contact else ""),
                household=household,
                label="Allocation (referral accepted)",
            )
        detail, _ = AllocationDetail.objects.get_or_create(
            allocation=allocation, defaults={"allocated_by": actor, "household": household}
        )
        AllocationDetail.objects.filter(pk=detail.pk).update(
            service=referral.service,
            referral=referral,
            review_due_on=review_due_on or detail.review_due_on,
            single_point_of_contact=single_point_of_contact or detail.single_point_of_contact,
            reason=detail.reason or f"Referral from {referral.from_organisation.name}",
        )
        if single_point_of_contact:
            move_single_point_of_contact(household, allocation, changes)
        _decide(
            referral,
            actor=actor,
            status=Referral.Status.ACCEPTED,
            reason="",
            changes=changes,
            allocation=allocation,
        )
        changes.flush()
        access.log_change(actor, members_of(household), created=False, object_type="referral")
    forget_referred(actor)
    return referral


def referral_decline(*, actor: Any, referral: Referral, reason: str) -> Referral:
    """The receiving organisation will not take the family on; it stops seeing the family."""
    access.require(actor, CASEWORK)
    _receiver(actor, referral)
    _open_decision(referral)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the referral is declined", field="reason")
    changes = ChangeSet(actor=actor, reason=reason)
    with transaction.atomic():
        _decide(
            referral, actor=actor, status=Referral.Status.DECLINED, reason=reason, changes=changes
        )
        changes.flush()
        access.log_change(
            actor, members_of(referral.household), created=False, object_type="referral"
        )
    forget_referred(actor)
    return referral


def referral_withdraw(*, actor: Any, referral: Referral, reason: str) -> Referral:
    """The referring organisation takes the referral back while it waits (the family changed
    their mind, or it was sent in error)."""
    access.require(actor, CASEWORK)
    if referral.from_organisation_id not in {o.pk for o in organisations_with(actor)}:
        raise PermissionRefused(
            f"Only staff of {referral.from_organisation.name} can withdraw this referral."
        )
    _open_decision(referral)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the referral is withdrawn", field="reason")
    changes = ChangeSet(actor=actor, reason=reason)
    with transaction.atomic():
        _decide(
            referral, actor=actor, status=Referral.Status.WITHDRAWN, reason=reason, changes=changes
        )
        changes.flush()
        access.log_change(
            actor, members_of(referral.household), created=False, object_type="referral"
        )
    forget_referred(actor)
    return referral
