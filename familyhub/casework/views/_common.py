"""Helpers shared by the casework views."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.casework.services._common import organisations_with

VIEW = Capability.VIEW_PEOPLE
CASEWORK = Capability.CASEWORK


def members(household: Any) -> list[Any]:
    """The family's memberships (prefetched by `access.household_for`)."""
    return list(household.memberships.all())


def person_in(household: Any, value: Any) -> Any:
    """The member of the family with this uuid, or None (the choice lists hold only members)."""
    return next(
        (m.person for m in household.memberships.all() if str(m.person.uuid) == str(value)), None
    )


def by_uuid(objects: list[Any], value: Any) -> Any:
    return next((o for o in objects if str(o.uuid) == str(value)), None)


def by_pk(objects: list[Any], value: Any) -> Any:
    return next((o for o in objects if str(o.pk) == str(value)), None)


def casework_org_ids(user: Any) -> list[int]:
    return [o.pk for o in organisations_with(user, CASEWORK)]


def page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def family_context(request: HttpRequest, household: Any, **extra: Any) -> dict[str, Any]:
    return {
        "household": household,
        "show_special": access.can_see_special_category(request.user),
        "can_casework": access.can(request.user, CASEWORK),
        **extra,
    }


def is_uuid(value: Any) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True
