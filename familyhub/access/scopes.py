"""Need to know, in SQL (R-ACCESS-2): which households and people a user may see.

A household is in scope for a user when one of the organisations in which the user holds a role
with VIEW_PEOPLE has an open allocation for it. People are in scope through their households.
Lists, searches, exports and single records all start from these querysets.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from familyhub.access.roles import Capability
from familyhub.people.models import CaseAllocation, Household, Membership, Person


def _open_allocations(org_ids: list[int]) -> QuerySet[CaseAllocation]:
    return CaseAllocation.objects.filter(organisation_id__in=org_ids, ended_on__isnull=True)


def households_in_scope(user: Any, capability: str = Capability.VIEW_PEOPLE) -> QuerySet[Household]:
    org_ids = (
        user.organisation_ids_with(capability) if getattr(user, "is_authenticated", False) else []
    )
    if not org_ids:
        return Household.objects.none()
    return Household.objects.filter(
        Exists(_open_allocations(org_ids).filter(household=OuterRef("pk"))),
        archived_at__isnull=True,
    )


def people_in_scope(user: Any, capability: str = Capability.VIEW_PEOPLE) -> QuerySet[Person]:
    org_ids = (
        user.organisation_ids_with(capability) if getattr(user, "is_authenticated", False) else []
    )
    if not org_ids:
        return Person.objects.none()
    in_scope_household = _open_allocations(org_ids).filter(household=OuterRef("household_id"))
    return Person.objects.filter(
        Exists(Membership.objects.filter(Exists(in_scope_household), person=OuterRef("pk"))),
        archived_at__isnull=True,
    )
