"""Referrals both sides see (R-ENGAGE-5); the family's details only while it is in scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Exists,
    OuterRef,
    Q,
)

from familyhub.access import helpers as access
from familyhub.casework.models import (
    Referral,
)
from familyhub.casework.selectors._common import VIEW, uuid_of
from familyhub.core.errors import NotFound


@dataclass
class ReferralView:
    referral: Referral
    family_visible: bool
    incoming: bool
    outgoing: bool


def referral_for(user: Any, referral_id: Any) -> ReferralView:
    """A referral the user's organisation made or received (404 alike otherwise). Whether the
    family's details may be shown is decided by the scope: the receiving side stops seeing them
    once it declines."""
    org_ids = set(user.organisation_ids_with(VIEW)) if user.is_authenticated else set()
    referral = (
        Referral.objects.filter(
            Q(from_organisation_id__in=org_ids) | Q(to_organisation_id__in=org_ids),
            uuid=uuid_of(referral_id),
        )
        .select_related(
            "service",
            "from_organisation",
            "to_organisation",
            "person",
            "agreed_by",
            "referrer",
            "decided_by",
            "household",
            "allocation__worker",
            "allocation__team",
        )
        .first()
    )
    if referral is None or not org_ids:
        raise NotFound(access.NOT_FOUND)
    visible = access.households_visible_to(user).filter(pk=referral.household_id).exists()
    return ReferralView(
        referral=referral,
        family_visible=visible,
        incoming=referral.to_organisation_id in org_ids,
        outgoing=referral.from_organisation_id in org_ids,
    )


def referral_list(
    user: Any, *, direction: str = "in", status: str = "open", page: int = 1, per_page: int = 50
) -> tuple[list[Any], bool]:
    """The user's organisations' referrals received ('in') or made ('out'), newest first.

    Each row says whether the family is visible to the user (`family_visible`); names are shown
    only then. Returns the page and whether there is a next one.
    """
    org_ids = user.organisation_ids_with(VIEW)
    if not org_ids:
        return [], False
    qs = Referral.objects.filter(kind=Referral.Kind.REFERRAL)
    if direction == "in":
        qs = qs.filter(to_organisation_id__in=org_ids)
    else:
        qs = qs.filter(from_organisation_id__in=org_ids)
    if status == "open":
        qs = qs.filter(status=Referral.Status.SENT)
    elif status in Referral.Status.values:
        qs = qs.filter(status=status)
    visible = access.households_visible_to(user).filter(pk=OuterRef("household_id"))
    qs = (
        qs.annotate(family_visible=Exists(visible))
        .select_related("service", "from_organisation", "to_organisation", "household", "person")
        .order_by("-referred_on", "-id")
    )
    rows = list(qs[(page - 1) * per_page : page * per_page + 1])
    return rows[:per_page], len(rows) > per_page
