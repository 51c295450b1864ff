"""Choices for casework forms: services, agencies, caseworkers, teams; and people to log."""

from __future__ import annotations

from typing import Any

from familyhub.casework.selectors.caseloads import caseload_roles
from familyhub.people.models import Membership


def active_services() -> list[Any]:
    from familyhub.engagement.models import Service

    return list(Service.objects.filter(active=True).select_related("provider").order_by("name"))


def referral_organisations() -> list[Any]:
    """Agencies a family can be referred to or from (not funders or evaluators)."""
    from familyhub.places.models import Organisation

    return list(
        Organisation.objects.filter(active=True)
        .exclude(kind__in=[Organisation.Kind.FUNDER, Organisation.Kind.EVALUATOR])
        .order_by("name")
    )


def caseworkers(organisation_ids: list[int]) -> list[Any]:
    """Staff with an active casework role in these organisations, by name."""
    from familyhub.access.models import User

    return list(
        User.objects.filter(
            is_active=True,
            memberships__active=True,
            memberships__organisation_id__in=organisation_ids,
            memberships__role__in=caseload_roles(),
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def teams_of(organisation_ids: list[int]) -> list[Any]:
    """The teams in use of these organisations (a retired team is not offered: R-PEOPLE-4)."""
    from familyhub.places.models import Team

    return list(
        Team.objects.filter(organisation_id__in=organisation_ids, active=True).order_by("name")
    )


def people_of(household_ids: list[int]) -> list[Any]:
    """The members of households the caller is about to show (for the access log)."""
    return [
        m.person
        for m in Membership.objects.filter(household_id__in=household_ids).select_related("person")
    ]
