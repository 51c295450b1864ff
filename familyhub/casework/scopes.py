"""Referral-based visibility (R-ENGAGE-5, R-ACCESS-2, ADR 0013).

A referral waiting for a decision makes the family visible to the receiving organisation, so that
its staff can read what they are asked to take on before they accept or decline. Accepting opens a
case allocation (the ordinary basis of need to know, ADR 0004); declining or withdrawing ends the
visibility. `access.scopes` calls `referred_household_ids` for every scope it builds.

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
    from familyhub.casework.models import Referral

    ids = sorted(
        set(
            Referral.objects.filter(
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
