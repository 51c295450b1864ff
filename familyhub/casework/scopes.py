"""Referral-based visibility (R-ENGAGE-5, R-ACCESS-2, ADR 0013).

A referral waiting for a decision makes the family visible to the receiving organisation, so that
its staff can read what they are asked to take on before they accept or decline. Accepting opens a
case allocation (the ordinary basis of need to know, ADR 0004); declining or withdrawing ends the
visibility. `access.scopes` calls `referred_household_ids` for every scope it builds, and lets any
allocation row of those families match inside its allocation EXISTS: the condition stays one
EXISTS, which PostgreSQL plans as a semi-join (an OR beside it would make PostgreSQL hash every
open allocation of the organisation first: 0.3 ms became 100 ms for a partner's family list at a
million people). Every registered family has an allocation row (registration makes one, and rows
are never deleted), so only families with one are returned.

The ids are read once per user object (one request) and cached on it, like the user's roles:
one small indexed query, and no change at all to the scope's SQL for an organisation with no
referral waiting. Services that change a referral call `forget_referred(user)` for the actor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_CACHE = "_casework_referred_household_ids"


def referred_household_ids(user: Any, org_ids: Sequence[int]) -> list[int]:
    """Households with a referral to one of `org_ids` that waits for a decision."""
    if not org_ids:
        return []
    key = tuple(sorted(org_ids))
    cache = getattr(user, "__dict__", {})
    cached = cache.get(_CACHE)
    if cached is not None and cached[0] == key:
        return list(cached[1])
    from django.db.models import Exists, OuterRef

    from familyhub.casework.models import Referral
    from familyhub.people.models import CaseAllocation

    ids = sorted(
        set(
            Referral.objects.filter(
                Exists(CaseAllocation.objects.filter(household_id=OuterRef("household_id"))),
                to_organisation_id__in=key,
                status=Referral.Status.SENT,
                household__archived_at__isnull=True,
            ).values_list("household_id", flat=True)
        )
    )
    if hasattr(user, "__dict__"):
        user.__dict__[_CACHE] = (key, ids)
    return ids


def forget_referred(user: Any) -> None:
    """After a referral was made or decided: the next scope reads the ids afresh."""
    if hasattr(user, "__dict__"):
        user.__dict__.pop(_CACHE, None)
