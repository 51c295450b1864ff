"""A family's casework, for a household the caller fetched through `access.household_for`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import (
    Prefetch,
)

from familyhub.casework.models import (
    AllocationDetail,
    Contact,
    FollowUp,
    OutcomeReview,
    Referral,
)
from familyhub.people.models import CaseAllocation, Household


def family_contacts(household: Household, limit: int | None = None) -> list[Contact]:
    qs = (
        Contact.objects.filter(household=household)
        .select_related("worker", "person", "service", "organisation")
        .prefetch_related(
            Prefetch(
                "follow_ups", queryset=FollowUp.objects.select_related("assigned_to", "done_by")
            )
        )
    )
    return list(qs[:limit] if limit else qs)


def open_follow_ups(household: Household) -> list[FollowUp]:
    return list(
        FollowUp.objects.filter(household=household, done_at__isnull=True)
        .select_related("assigned_to", "contact")
        .order_by("due_on", "id")
    )


def family_allocations(household: Household) -> list[CaseAllocation]:
    """Every allocation of the family, open first, with what casework adds (one query)."""
    return list(
        CaseAllocation.objects.filter(household=household)
        .select_related("organisation", "team", "worker", "detail", "detail__service")
        .order_by("ended_on", "-started_on", "-id")
    )


def detail_of(allocation: CaseAllocation) -> AllocationDetail | None:
    try:
        return allocation.detail  # type: ignore[attr-defined]
    except AllocationDetail.DoesNotExist:
        return None


def single_point_of_contact(allocations: list[CaseAllocation]) -> CaseAllocation | None:
    """The open allocation flagged as the family's single point of contact; failing that, the
    only open allocation with a named worker."""
    open_ = [a for a in allocations if a.ended_on is None]
    flagged = [a for a in open_ if (d := detail_of(a)) is not None and d.single_point_of_contact]
    if flagged:
        return flagged[0]
    named = [a for a in open_ if a.worker_id]
    return named[0] if len(named) == 1 else None


def family_referrals(household: Household) -> list[Referral]:
    return list(
        Referral.objects.filter(household=household)
        .select_related(
            "service", "from_organisation", "to_organisation", "person", "agreed_by", "referrer"
        )
        .order_by("-referred_on", "-id")
    )


def family_enrolments(household: Household) -> list[Any]:
    """Enrolments from the engagement app (R-ENGAGE-1..3), if it has them."""
    try:
        model = apps.get_model("engagement", "Enrolment")
    except LookupError:
        return []
    names = {f.name for f in model._meta.get_fields()}
    if not {"household", "service"} <= names:
        return []
    related = [n for n in ("service", "organisation", "person", "worker") if n in names]
    qs = model._default_manager.filter(household=household).select_related(*related)
    order = [n for n in ("-started_on", "-id") if n.lstrip("-") in names]
    return list(qs.order_by(*order))


@dataclass
class FamilyPanel:
    contacts: list[Contact]
    planned: list[Contact]
    follow_ups: list[FollowUp]
    allocations: list[CaseAllocation]
    contact_person: CaseAllocation | None
    referrals: list[Referral]
    last_review: OutcomeReview | None


def family_panel(household: Household) -> FamilyPanel:
    """What the family page shows of casework (a fixed handful of queries)."""
    contacts = list(
        Contact.objects.filter(household=household)
        .exclude(status=Contact.Status.CANCELLED)
        .select_related("worker", "person", "service")[:8]
    )
    allocations = [a for a in family_allocations(household) if a.ended_on is None]
    return FamilyPanel(
        contacts=[c for c in contacts if c.status == Contact.Status.DONE][:5],
        planned=sorted(
            (c for c in contacts if c.status == Contact.Status.PLANNED), key=lambda c: c.occurred_at
        ),
        follow_ups=open_follow_ups(household),
        allocations=allocations,
        contact_person=single_point_of_contact(allocations),
        referrals=[
            r
            for r in Referral.objects.filter(household=household, status=Referral.Status.SENT)
            .select_related("service", "from_organisation", "to_organisation")
            .order_by("-referred_on")
        ],
        last_review=OutcomeReview.objects.filter(household=household)
        .select_related("reviewer", "service")
        .order_by("-reviewed_on", "-id")
        .first(),
    )
