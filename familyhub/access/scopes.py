"""Need to know, in SQL (R-ACCESS-2): which households and people a user may see.

A household is in scope for a user when one of the organisations in which the user holds a role
with VIEW_PEOPLE has an open allocation for it, or while the user holds a break-glass grant for it
(ADR 0010), or while a referral of it to one of those organisations waits for a decision
(`casework.scopes`, ADR 0013). People are in scope through their households.
Lists, searches, exports and single records all start from these querysets.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from familyhub.access.roles import Capability
from familyhub.casework.scopes import referred_household_ids
from familyhub.people.models import CaseAllocation, Household, Membership, Person


def _open_allocations(org_ids: list[int], user: Any = None) -> QuerySet[CaseAllocation]:
    open_ = Q(organisation_id__in=org_ids, ended_on__isnull=True)
    if user is not None and (referred := referred_household_ids(user, org_ids)):
        # A family referred to one of these organisations, waiting for its decision (ADR 0013):
        # any allocation row of the family matches, inside the same EXISTS (a semi-join).
        open_ |= Q(household_id__in=referred)
    return CaseAllocation.objects.filter(open_)


def _break_glass_ids(user: Any, capability: str) -> list[int]:
    """Households opened to the user by break glass, until each grant ends (R-ACCESS-2, ADR 0010).

    Read with the user's roles, once per request; none for most users, whose SQL is then unchanged.
    """
    if capability not in (Capability.VIEW_PEOPLE, Capability.EDIT_PEOPLE):
        return []
    granted = getattr(user, "break_glass_household_ids", None)
    return granted() if granted is not None else []


def households_in_scope(user: Any, capability: str = Capability.VIEW_PEOPLE) -> QuerySet[Household]:
    org_ids = (
        user.organisation_ids_with(capability) if getattr(user, "is_authenticated", False) else []
    )
    if not org_ids:
        return Household.objects.none()
    allocated: Q | Exists = Exists(
        _open_allocations(org_ids, user).filter(household=OuterRef("pk"))
    )
    if granted := _break_glass_ids(user, capability):
        allocated = allocated | Q(pk__in=granted)
    return Household.objects.filter(allocated, archived_at__isnull=True)


def people_in_scope(user: Any, capability: str = Capability.VIEW_PEOPLE) -> QuerySet[Person]:
    org_ids = (
        user.organisation_ids_with(capability) if getattr(user, "is_authenticated", False) else []
    )
    if not org_ids:
        return Person.objects.none()
    in_scope_household: Q | Exists = Exists(
        _open_allocations(org_ids, user).filter(household=OuterRef("household_id"))
    )
    if granted := _break_glass_ids(user, capability):
        in_scope_household = in_scope_household | Q(household_id__in=granted)
    return Person.objects.filter(
        Exists(Membership.objects.filter(in_scope_household, person=OuterRef("pk"))),
        archived_at__isnull=True,
    )
