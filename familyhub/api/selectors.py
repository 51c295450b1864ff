"""The API's reads, every one starting from the access helpers (invariant 2).

Nothing here touches a people model's manager: each query begins with `people_visible_to(user)`,
`households_visible_to(user)` or an object the helpers returned, so need-to-know scoping is in the
SQL. Logging is the caller's job (what was shown, to whom), as the helpers' docstrings say.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import F, QuerySet

from familyhub.access import helpers as access


def person_list(user: Any) -> QuerySet[Any]:
    """People the user may see, with what a person's JSON shows, in a fixed number of queries."""
    return (
        access.people_visible_to(user)
        .select_related("ethnicity")
        .prefetch_related("identifiers")
        .order_by("family_name", "given_name", "id")
    )


def household_list(user: Any) -> QuerySet[Any]:
    """Households the user may see, with members and addresses, in a fixed number of queries."""
    return access.household_queryset_for_page(access.households_visible_to(user)).order_by(
        "name", "id"
    )


def attach_households(user: Any, people: Sequence[Any]) -> None:
    """Set `api_households` on each person: the households they belong to that the user may see.

    One query for the whole page. Households out of the user's scope are not mentioned at all.
    """
    by_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if people:
        rows = (
            access.households_visible_to(user)
            .filter(memberships__person_id__in=[p.pk for p in people])
            .order_by("name", "id")
            .values_list(
                "memberships__person_id",
                "uuid",
                "name",
                "memberships__role",
                "memberships__lives_here",
            )
        )
        for person_id, uuid, name, role, lives_here in rows:
            by_person[person_id].append(
                {"id": uuid, "name": name, "role": role, "lives_here": lives_here}
            )
    for person in people:
        person.api_households = by_person.get(person.pk, [])


@dataclass
class RelationshipRow:
    id: UUID
    from_person: Any
    to_person: Any
    kind: str
    parental_responsibility: bool
    ended_on: date | None


def _rows(people: QuerySet[Any], via: str) -> QuerySet[Any]:
    """Annotate each person with the relationship they were reached through (`via`)."""
    return people.annotate(
        rel_uuid=F(f"{via}__uuid"),
        rel_kind=F(f"{via}__kind"),
        rel_pr=F(f"{via}__parental_responsibility"),
        rel_ended_on=F(f"{via}__ended_on"),
    ).order_by(f"{via}__created_at", f"{via}__id")


def relationships_of(user: Any, person: Any) -> list[RelationshipRow]:
    """The person's relationships with people the user may also see (others are not mentioned)."""
    visible = access.people_visible_to(user)
    out: list[RelationshipRow] = []
    # People this person is the <kind> of ...
    for other in _rows(visible.filter(relationships_to__from_person=person), "relationships_to"):
        out.append(
            RelationshipRow(
                other.rel_uuid, person, other, other.rel_kind, other.rel_pr, other.rel_ended_on
            )
        )
    # ... and people who are the <kind> of this person.
    for other in _rows(visible.filter(relationships_from__to_person=person), "relationships_from"):
        out.append(
            RelationshipRow(
                other.rel_uuid, other, person, other.rel_kind, other.rel_pr, other.rel_ended_on
            )
        )
    return out


def relationships_among(user: Any, people: Sequence[Any]) -> list[RelationshipRow]:
    """Relationships between the given people (a household's members), in one query."""
    by_pk = {p.pk: p for p in people}
    if not by_pk:
        return []
    ids = list(by_pk)
    rows = _rows(
        access.people_visible_to(user).filter(pk__in=ids, relationships_from__to_person_id__in=ids),
        "relationships_from",
    ).annotate(rel_to_id=F("relationships_from__to_person_id"))
    return [
        RelationshipRow(
            r.rel_uuid, by_pk[r.pk], by_pk[r.rel_to_id], r.rel_kind, r.rel_pr, r.rel_ended_on
        )
        for r in rows.only("pk")
    ]
