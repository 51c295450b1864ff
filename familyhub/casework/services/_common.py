"""Helpers shared by the casework services: the actor's organisation, scope checks, dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.models import Membership as StaffMembership
from familyhub.access.roles import Capability, capabilities_of
from familyhub.core.errors import FieldErrors as Errors
from familyhub.core.errors import NotFound, PermissionRefused
from familyhub.people.models import Household, Person
from familyhub.places.models import Organisation

CASEWORK = Capability.CASEWORK


def today() -> date:
    return timezone.localdate()


def now() -> datetime:
    return timezone.now()


def organisations_with(actor: Any, capability: str = CASEWORK) -> list[Organisation]:
    """The organisations in which the actor holds `capability`, in a stable order."""
    seen: dict[int, Organisation] = {}
    for m in getattr(actor, "active_memberships", []):
        if capability in capabilities_of(m.role) and m.organisation_id not in seen:
            seen[m.organisation_id] = m.organisation
    return [seen[k] for k in sorted(seen)]


def acting_organisation(
    actor: Any, organisation: Organisation | None = None, capability: str = CASEWORK
) -> Organisation:
    """The organisation the actor works for in this action: the one given (which must be one of
    theirs), else their only one; several without a choice is refused."""
    orgs = organisations_with(actor, capability)
    if not orgs:
        raise PermissionRefused("Your role does not allow this.")
    if organisation is not None:
        if organisation.pk not in {o.pk for o in orgs}:
            raise PermissionRefused(
                f"You do not work for {organisation.name} in a role that may do this."
            )
        return organisation
    return orgs[0]


def require_in_organisation(actor: Any, organisation_id: int, capability: str = CASEWORK) -> None:
    if organisation_id not in actor.organisation_ids_with(capability):
        raise PermissionRefused("Only staff of the organisation concerned may do this.")


def ensure_household_visible(actor: Any, household: Household) -> None:
    """For callers other than the views (which fetched it through `access.household_for`)."""
    if not access.households_visible_to(actor).filter(pk=household.pk).exists():
        raise NotFound(access.NOT_FOUND)


def members_of(household: Household) -> list[Person]:
    return [m.person for m in household.memberships.select_related("person")]


def ensure_member(household: Household, person: Person | None, field: str, errors: Errors) -> None:
    if person is None:
        return
    if not household.memberships.filter(person=person).exists():
        errors.add(field, "Choose someone in this family")


def ensure_not_restricted(people: list[Person], field: str, errors: Errors) -> None:
    """Nothing new is recorded about a person whose record is restricted (R-RIGHTS-5, Article 18):
    the reason, from `privacy.policy`, at the field that named them."""
    from familyhub.privacy import policy

    by_pk = {p.pk: p for p in people if p is not None}
    for pk, reason in policy.restricted(list(by_pk)).items():
        errors.add(field, f"{by_pk[pk].display_name}: {reason}")


def _roles_with(capability: str) -> list[str]:
    from familyhub.access.roles import Role

    return [r.value for r in Role if capability in capabilities_of(r.value)]


def ensure_worker(
    worker: Any, organisation_id: int, field: str, errors: Errors, capability: str = CASEWORK
) -> None:
    if worker is None:
        return
    if not StaffMembership.objects.filter(
        user_id=worker.pk,
        organisation_id=organisation_id,
        role__in=_roles_with(capability),
        active=True,
    ).exists():
        errors.add(field, "Choose a worker of the organisation who does casework")


def person_label(person: Person | None) -> str:
    return person.display_name if person is not None else "the whole family"
