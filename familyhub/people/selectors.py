"""Reads of records related to a household or person the caller has ALREADY fetched through the
access helpers (which checked scope and logged the view). Never call these with an object that
did not come from `access.helpers`."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from familyhub.access import helpers as access
from familyhub.core.models import ChangeRecord
from familyhub.people.models import Address, Household, Membership, Person, Relationship
from familyhub.places.models import Ward


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


# The family list by ward: up to this many of the ward's families in scope are fetched by id first.
WARD_FEW = 500


def _in_ward(qs: QuerySet[Household], ward_code: str) -> QuerySet[Household]:
    """The families in `qs` whose current address is in the ward (R-PEOPLE-4), planned to be fast
    whether the user's scope holds many of the ward's families or none (docs/benchmarks.md, run 3).

    The list walks the families newest first (index `household_recent_first`) and stops at a page:
    quick when many of them are in the ward, but for a ward the user's organisation does not work
    in, it walked all 278,532 families of the benchmark to find none (333 ms p95). So the ward's
    families in scope are looked up first, starting from the ward's current addresses (index
    `address_current_ward`) and stopping at WARD_FEW: when there are fewer, the page is made from
    those ids; otherwise the walk finds a page soon. The lookup applies the whole of `qs` (scope,
    break glass, caseload), so both ways give the same families.
    """
    # By id, not through places_ward in the same query: matched by code in the join, the planner
    # expected 2,139 families in a ward of 29,804 (run 2).
    ward_id = Ward.objects.filter(code=ward_code).values_list("pk", flat=True).first()
    if ward_id is None:
        return qs.none()
    in_ward = Address.objects.filter(ward_id=ward_id, valid_to__isnull=True).values("household_id")
    few = list(qs.filter(pk__in=in_ward).order_by().values_list("pk", flat=True)[:WARD_FEW])
    if len(few) < WARD_FEW:
        return qs.filter(pk__in=few)
    # A join (one current address per household), so that the walk checks each family's address.
    return qs.filter(addresses__valid_to__isnull=True, addresses__ward_id=ward_id)


def household_list(user: Any, *, mine: bool = False, ward_code: str = "") -> Any:
    """Families in scope for a list page, with what a row shows prefetched (fixed query count)."""
    qs = access.households_visible_to(user)
    if mine:
        qs = qs.filter(allocations__worker=user, allocations__ended_on__isnull=True)
    if ward_code:
        qs = _in_ward(qs, ward_code)
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
