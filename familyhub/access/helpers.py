"""The one read path for personal data (invariant 2).

Every view, API route, command and task that reads a family's data for a user calls these. They
scope in SQL (`access.scopes`), write an access-log row, and raise `NotFound` alike for a record
that does not exist and one the user may not see.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol
from uuid import UUID

from django.db.models import Case, Prefetch, QuerySet, Value, When

from familyhub.access import breakglass, log
from familyhub.access.models import AccessLogEntry
from familyhub.access.roles import Capability
from familyhub.access.scopes import households_in_scope, people_in_scope
from familyhub.core.errors import NotFound, PermissionRefused, ValidationFailed
from familyhub.people.choices import MemberRole
from familyhub.people.models import Address, Household, Membership, Person

Action = AccessLogEntry.Action
# Parents and carers first, then children (eldest first, the unborn last), then the others.
MEMBER_ORDER = Case(
    When(role=MemberRole.PARENT_CARER, then=Value(0)),
    When(role=MemberRole.CHILD, then=Value(1)),
    When(role=MemberRole.OTHER_MEMBER, then=Value(2)),
    default=Value(3),
)
# One message for missing and for forbidden, so that neither reveals the other (invariant 2).
NOT_FOUND = "Not found, or you do not have access to it."


def can(user: Any, capability: str) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_capability(capability)


def require(user: Any, capability: str) -> None:
    if not can(user, capability):
        raise PermissionRefused("Your role does not allow this.")


def can_see_special_category(user: Any) -> bool:
    return can(user, Capability.VIEW_SPECIAL_CATEGORY)


def ensure_visible(user: Any, people: Iterable[Person]) -> None:
    """For services handed people by a caller: every one must be in the actor's scope (one query)."""
    ids = {p.pk for p in people}
    if ids and people_visible_to(user).filter(pk__in=ids).count() != len(ids):
        raise NotFound(NOT_FOUND)


def people_visible_to(user: Any) -> QuerySet[Person]:
    """People the user may see (unlogged: callers log what they show, via the functions below)."""
    return people_in_scope(user)


def households_visible_to(user: Any) -> QuerySet[Household]:
    return households_in_scope(user)


def _as_uuid(value: Any) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise NotFound(NOT_FOUND)


def person_for(user: Any, person_uuid: Any, *, reason: str = "", log_view: bool = True) -> Person:
    """One person, if the user may see them; logs the view."""
    person = (
        people_visible_to(user)
        .select_related("ethnicity")
        .prefetch_related("identifiers")
        .filter(uuid=_as_uuid(person_uuid))
        .first()
    )
    if person is None:
        raise NotFound(NOT_FOUND)
    breakglass.note_shown(user, person_keys=[person.log_key])
    if log_view:
        log.record(
            user=user,
            action=Action.VIEW_PERSON,
            object_type="person",
            person_keys=[person.log_key],
            reason=reason,
        )
    return person


def household_queryset_for_page(qs: QuerySet[Household]) -> QuerySet[Household]:
    """Everything a family page shows, fetched in a fixed number of queries whatever its size."""
    return qs.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("person", "person__ethnicity").order_by(
                MEMBER_ORDER, "person__date_of_birth", "id"
            ),
        ),
        Prefetch("addresses", queryset=Address.objects.select_related("ward")),
        "allocations__organisation",
        "allocations__team",
        "allocations__worker",
    )


def household_for(
    user: Any, household_uuid: Any, *, reason: str = "", log_view: bool = True
) -> Household:
    """One family, with its members, if the user may see it; logs the view with every member."""
    household = (
        household_queryset_for_page(households_visible_to(user))
        .filter(uuid=_as_uuid(household_uuid))
        .first()
    )
    if household is None:
        raise NotFound(NOT_FOUND)
    breakglass.note_shown(user, household_ids=[household.pk])
    if log_view:
        log.record(
            user=user,
            action=Action.VIEW_HOUSEHOLD,
            object_type="household",
            person_keys=[m.person.log_key for m in household.memberships.all()],
            reason=reason,
        )
    return household


def membership_for(user: Any, membership_uuid: Any) -> tuple[Household, Membership]:
    """A member's place in a family, with the family as `household_for` gives it (scoped, logged);
    missing and out of reach alike are NotFound."""
    wanted = _as_uuid(membership_uuid)
    found = (
        Membership.objects.filter(
            uuid=wanted, household__in=households_visible_to(user).values("pk")
        )
        .values_list("household__uuid", flat=True)
        .first()
    )
    if found is None:
        raise NotFound(NOT_FOUND)
    household = household_for(user, found)
    return household, next(m for m in household.memberships.all() if m.uuid == wanted)


class Shown(Protocol):
    """Anything that stands for a person on a page: a Person, or a row read as values (the
    session register) that carries the person's log key."""

    @property
    def log_key(self) -> Any: ...


def log_people_shown(
    user: Any,
    people: Iterable[Shown],
    *,
    action: str = Action.LIST,
    detail: str = "",
    object_type: str = "person",
) -> None:
    """Record that these people appeared on a list, search result or API page."""
    log.record(
        user=user,
        action=action,
        object_type=object_type,
        person_keys=[p.log_key for p in people],
        detail=detail,
    )


def log_change(user: Any, people: Sequence[Person], *, created: bool, object_type: str) -> None:
    log.record(
        user=user,
        action=Action.CREATE if created else Action.UPDATE,
        object_type=object_type,
        person_keys=[p.log_key for p in people],
    )


# --- the access record: who has looked at a person (R-RIGHTS-6) -----------------------------------


def access_record_people(user: Any) -> QuerySet[Person]:
    """People whose access record the user may read: anyone for those who oversee access across
    organisations (the DPO), otherwise the people in the user's own scope (a team manager)."""
    require(user, Capability.VIEW_ACCESS_LOG)
    if can(user, Capability.OVERSEE_ACCESS):
        return Person.objects.all()
    return people_visible_to(user)


def person_for_access_record(
    user: Any, person_uuid: Any, *, reason: str = "", export: bool = False
) -> Person:
    """One person whose access record the user may read; logs that it was read, or exported as a
    file (404 alike for missing and out of reach)."""
    person = access_record_people(user).filter(uuid=_as_uuid(person_uuid)).first()
    if person is None:
        raise NotFound(NOT_FOUND)
    log.record(
        user=user,
        action=Action.EXPORT if export else Action.VIEW_ACCESS_RECORD,
        object_type="person",
        person_keys=[person.log_key],
        detail="who has looked at this record" + (" (CSV file)" if export else ""),
        reason=reason,
    )
    return person


ACCESS_LOOKUP_LIMIT = 20


def people_for_access_lookup(
    user: Any,
    *,
    reference: str,
    nhs_number: str = "",
    family_name: str = "",
    given_name: str = "",
    date_of_birth: Any = None,
) -> list[Person]:
    """Find the person a family asks about, to answer "who has looked at my record" (R-RIGHTS-6).

    Exact details only (an NHS number, or a last name with a date of birth), never a browse, and
    logged as a search with the request's reference as its reason, like any other search.
    """
    people = access_record_people(user)
    if nhs_number:
        people, kind = people.filter(nhs_number=nhs_number), "NHS number"
    elif family_name and date_of_birth:
        people = people.filter(family_name__iexact=family_name.strip(), date_of_birth=date_of_birth)
        if given_name.strip():
            people = people.filter(given_name__iexact=given_name.strip())
        kind = "name and date of birth"
    else:
        raise ValidationFailed("Give an NHS number, or a last name and a date of birth.")
    found = list(people.order_by("family_name", "given_name", "id")[:ACCESS_LOOKUP_LIMIT])
    log.record(
        user=user,
        action=Action.SEARCH,
        object_type="person",
        person_keys=[p.log_key for p in found],
        detail=f"access record lookup by {kind}",
        reason=reference,
    )
    return found
