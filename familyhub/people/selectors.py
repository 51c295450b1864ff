"""Reads of records related to a household or person the caller has ALREADY fetched through the
access helpers (which checked scope and logged the view). Never call these with an object that
did not come from `access.helpers`."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q

from familyhub.access import helpers as access
from familyhub.core.models import ChangeRecord
from familyhub.people.models import Address, Household, Membership, Person, Relationship


def household_relationships(household: Household) -> list[Relationship]:
    ids = [m.person_id for m in household.memberships.all()]
    return list(
        Relationship.objects.filter(Q(from_person_id__in=ids) | Q(to_person_id__in=ids))
        .select_related("from_person", "to_person")
        .order_by("to_person__date_of_birth", "to_person_id", "kind")
    )


def person_relationships(person: Person, user: Any) -> list[Relationship]:
    """The person's relationships with people the user may also see.

    The person's few relationships are read first and only the people at their other ends are
    checked against the scope: an IN over the whole scope costs seconds at a million people.
    """
    rels = list(
        Relationship.objects.filter(Q(from_person=person) | Q(to_person=person)).select_related(
            "from_person", "to_person"
        )
    )
    others = {r.to_person_id if r.from_person_id == person.pk else r.from_person_id for r in rels}
    visible = set(access.people_visible_to(user).filter(pk__in=others).values_list("pk", flat=True))
    return [
        r
        for r in rels
        if (r.to_person_id if r.from_person_id == person.pk else r.from_person_id) in visible
    ]


def person_households(person: Person, user: Any) -> list[Membership]:
    """The person's households that the user may see (a parent may live in another family)."""
    memberships = list(
        Membership.objects.filter(person=person)
        .select_related("household")
        .prefetch_related("household__addresses__ward")
    )
    visible = set(
        access.households_visible_to(user)
        .filter(pk__in=[m.household_id for m in memberships])
        .values_list("pk", flat=True)
    )
    return [m for m in memberships if m.household_id in visible]


def household_timeline(household: Household, limit: int | None = 20) -> list[ChangeRecord]:
    ids = [m.person_id for m in household.memberships.all()]
    qs = ChangeRecord.objects.filter(Q(household=household) | Q(person_id__in=ids)).select_related(
        "actor"
    )
    return list(qs[:limit] if limit else qs)


def person_timeline(person: Person, limit: int | None = 50) -> list[ChangeRecord]:
    qs = ChangeRecord.objects.filter(person=person).select_related("actor")
    return list(qs[:limit] if limit else qs)


def current_address(household: Household) -> Any:
    return next((a for a in household.addresses.all() if a.valid_to is None), None)


def household_list(user: Any, *, mine: bool = False, ward_code: str = "") -> Any:
    """Families in scope for a list page, with what a row shows prefetched (fixed query count)."""
    qs = access.households_visible_to(user)
    if mine:
        qs = qs.filter(allocations__worker=user, allocations__ended_on__isnull=True)
    if ward_code:
        qs = qs.filter(addresses__valid_to__isnull=True, addresses__ward__code=ward_code)
    return qs.order_by("-updated_at", "-id").prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("person").order_by("role", "id"),
        ),
        Prefetch(
            "addresses",
            queryset=Address.objects.filter(valid_to__isnull=True).select_related("ward"),
            to_attr="current_addresses",
        ),
    )
