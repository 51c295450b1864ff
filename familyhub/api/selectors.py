"""The API's reads, every one starting from the access helpers (invariant 2).

Nothing here touches a people model's manager: each query begins with `people_visible_to(user)`,
`households_visible_to(user)` or an object the helpers returned, so need-to-know scoping is in the
SQL. Logging is the caller's job (what was shown, to whom), as the helpers' docstrings say.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
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
    """Set what a person's JSON adds to the person (`PersonOut`): `api_households`, the households
    they belong to that the user may see, and `api_disputed` (`attach_disputed`).

    Two queries for the whole page. Households out of the user's scope are not mentioned at all.
    """
    attach_disputed(people)
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


def attach_disputed(people: Sequence[Any]) -> None:
    """Set `api_disputed` on each person (people the caller fetched through the access helpers):
    whether they dispute part of their record and it stands, still being checked or not corrected
    (`AccuracyChallenge.stands`; R-RIGHTS-1, ADR 0027). One query for the whole page."""
    from familyhub.rights.selectors_accuracy import people_disputing

    disputed = people_disputing([p.pk for p in people])
    for person in people:
        person.api_disputed = person.pk in disputed


@dataclass
class RelationshipRow:
    id: UUID
    from_person: Any
    to_person: Any
    kind: str
    parental_responsibility: bool
    ended_on: date | None
    updated_at: datetime


def _rows(people: QuerySet[Any], via: str) -> QuerySet[Any]:
    """Annotate each person with the relationship they were reached through (`via`)."""
    return people.annotate(
        rel_uuid=F(f"{via}__uuid"),
        rel_kind=F(f"{via}__kind"),
        rel_pr=F(f"{via}__parental_responsibility"),
        rel_ended_on=F(f"{via}__ended_on"),
        rel_updated_at=F(f"{via}__updated_at"),
    ).order_by(f"{via}__created_at", f"{via}__id")


def relationships_of(user: Any, person: Any) -> list[RelationshipRow]:
    """The person's relationships with people the user may also see (others are not mentioned)."""
    visible = access.people_visible_to(user)
    out: list[RelationshipRow] = []
    # People this person is the <kind> of ...
    for other in _rows(visible.filter(relationships_to__from_person=person), "relationships_to"):
        out.append(
            RelationshipRow(
                other.rel_uuid,
                person,
                other,
                other.rel_kind,
                other.rel_pr,
                other.rel_ended_on,
                other.rel_updated_at,
            )
        )
    # ... and people who are the <kind> of this person.
    for other in _rows(visible.filter(relationships_from__to_person=person), "relationships_from"):
        out.append(
            RelationshipRow(
                other.rel_uuid,
                other,
                person,
                other.rel_kind,
                other.rel_pr,
                other.rel_ended_on,
                other.rel_updated_at,
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
            r.rel_uuid,
            by_pk[r.pk],
            by_pk[r.rel_to_id],
            r.rel_kind,
            r.rel_pr,
            r.rel_ended_on,
            r.rel_updated_at,
        )
        for r in rows.only("pk")
    ]


# --- sessions and attendance (R-ENGAGE-3) ------------------------------------------------------


def session_list(
    user: Any, *, date_from: date | None = None, date_to: date | None = None
) -> QuerySet[Any]:
    """Sessions the user may run (`engagement.scopes`), by date: no personal data."""
    from familyhub.engagement.scopes import sessions_visible_to

    qs = sessions_visible_to(user).select_related("service", "venue", "ward", "organisation")
    if date_from is not None:
        qs = qs.filter(date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(date__lte=date_to)
    return qs.order_by("date", "start_time", "uuid")


def attendance_of(session: Any) -> QuerySet[Any]:
    """Everyone with an attendance answer at a session the caller got from `session_for`: the
    register's people (the group-worker scope, R-ACCESS-1), by name."""
    from familyhub.engagement.models import Attendance

    return (
        Attendance.objects.filter(session=session, person__archived_at__isnull=True)
        .select_related("person")
        .order_by("person__family_name", "person__given_name", "uuid")
    )


def attendance_row(session: Any, person_uuid: Any) -> Any:
    return attendance_of(session).filter(person__uuid=person_uuid).first()


def attendance_by_uuid(session: Any, attendance_uuid: Any) -> Any:
    return attendance_of(session).filter(uuid=access._as_uuid(attendance_uuid)).first()


# --- casework (R-ENGAGE-4, R-ENGAGE-5, R-ENGAGE-7) ------------------------------------------------
# Family-level reads take a household the caller fetched through `access.household_for`.


def contacts_of(household: Any) -> QuerySet[Any]:
    from familyhub.casework.models import Contact

    return (
        Contact.objects.filter(household=household)
        .select_related("household", "person", "organisation", "service", "worker")
        .order_by("-occurred_at", "-uuid")
    )


def outcome_records_of(household: Any) -> QuerySet[Any]:
    from familyhub.casework.models import OutcomeRecord

    return (
        OutcomeRecord.objects.filter(household=household)
        .select_related("household", "person", "outcome__framework", "service", "organisation")
        .order_by("recorded_on", "uuid")
    )


def outcome_reviews_of(household: Any) -> QuerySet[Any]:
    from django.db.models import Prefetch

    from familyhub.casework.models import OutcomeReview, OutcomeScore

    return (
        OutcomeReview.objects.filter(household=household)
        .select_related("household", "service", "organisation")
        .prefetch_related(
            Prefetch(
                "scores",
                queryset=OutcomeScore.objects.select_related("outcome__framework").order_by(
                    "outcome__position", "id"
                ),
            )
        )
        .order_by("reviewed_on", "uuid")
    )


def referral_list(user: Any) -> QuerySet[Any]:
    """Referrals made or received by the user's organisations (both sides see a referral's status),
    newest first; `family_visible` says whether the family is in the user's scope (its details
    are shown only then, as in `casework.selectors.referral_list`)."""
    from django.db.models import Exists, OuterRef, Q

    from familyhub.access.roles import Capability
    from familyhub.casework.models import Referral

    org_ids = user.organisation_ids_with(Capability.VIEW_PEOPLE) if user.is_authenticated else []
    if not org_ids:
        return Referral.objects.none()
    visible = access.households_visible_to(user).filter(pk=OuterRef("household_id"))
    return (
        Referral.objects.filter(
            Q(from_organisation_id__in=org_ids) | Q(to_organisation_id__in=org_ids)
        )
        .annotate(family_visible=Exists(visible))
        .select_related("service", "from_organisation", "to_organisation", "household", "person")
        .order_by("-referred_on", "-uuid")
    )
