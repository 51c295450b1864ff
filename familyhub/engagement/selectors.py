"""Reads for the engagement pages, each in a fixed number of queries (invariant 2: people come
only from the access helpers or `engagement.scopes`; the caller logs what it shows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.core.errors import NotFound
from familyhub.engagement import eligibility, rules
from familyhub.engagement.models import Attendance, Enrolment, Service, Session, WalkIn
from familyhub.engagement.scopes import register_people, sessions_visible_to
from familyhub.people import search
from familyhub.people.models import Address, Household, Person

User = get_user_model()

REGISTER_REGULARS_FROM = 6  # earlier sessions whose attendees the register lists for ticking
REGISTER_LIMIT = 300


# --- catalogue -----------------------------------------------------------------------------------


def service_list(*, include_inactive: bool = False) -> list[Service]:
    qs = Service.objects.select_related("provider").prefetch_related("delivered_by")
    if not include_inactive:
        qs = qs.filter(active=True)
    services = list(qs.order_by("name"))
    current = eligibility.current_rules(services)
    for s in services:
        s.current_rule = current.get(s.pk)  # type: ignore[attr-defined]
    return services


def service_by_code(code: str) -> Service:
    service = (
        Service.objects.select_related("provider")
        .prefetch_related("delivered_by", "venues__ward")
        .filter(code=code)
        .first()
    )
    if service is None:
        raise NotFound("There is no such service.")
    return service


def rule_versions(service: Service) -> list[Any]:
    return list(service.eligibility_rules.select_related("created_by").order_by("-number"))


# --- the family's services (the family page's panel) -------------------------------------------


@dataclass
class FamilyServices:
    decisions: list[eligibility.ServiceDecision]
    enrolments: list[Enrolment]
    ended: list[Enrolment]


def family_services(household: Household, *, on: date | None = None) -> FamilyServices:
    """Eligibility for every active service, and the members' enrolments. `household` comes from
    `access.household_for` (scope checked, view logged)."""
    services = list(Service.objects.filter(active=True).order_by("name"))
    decisions = eligibility.decisions_for_household(household, services, on=on)
    decisions.sort(key=lambda d: (not d.decision.eligible, d.service.name))
    member_ids = [m.person_id for m in household.memberships.all()]
    enrolments = list(
        Enrolment.objects.filter(person_id__in=member_ids)
        .select_related("person", "service", "organisation", "worker", "rule")
        .order_by("-started_on", "-id")
    )
    return FamilyServices(
        decisions=decisions,
        enrolments=[e for e in enrolments if e.ended_on is None],
        ended=[e for e in enrolments if e.ended_on is not None],
    )


def enrolment_for(household: Household, enrolment_uuid: Any) -> Enrolment:
    member_ids = [m.person_id for m in household.memberships.all()]
    found = (
        Enrolment.objects.select_related("person", "service", "household")
        .filter(person_id__in=member_ids, uuid=access._as_uuid(enrolment_uuid))
        .first()
    )
    if found is None:
        raise NotFound(access.NOT_FOUND)
    return found


# --- sessions --------------------------------------------------------------------------------------


def session_list(
    user: Any, *, when: str = "upcoming", service_code: str = "", today: date | None = None
) -> QuerySet[Session]:
    today = today or timezone.localdate()
    qs = sessions_visible_to(user).select_related("service", "venue", "ward", "organisation")
    if service_code:
        qs = qs.filter(service__code=service_code)
    if when == "past":
        qs = qs.filter(date__lt=today).order_by("-date", "-start_time", "-id")
    else:
        qs = qs.filter(date__gte=today).order_by("date", "start_time", "id")
    return qs.annotate(
        present=Count("attendances", filter=Q(attendances__present=True))
    ).prefetch_related("workers")


# The page names the workers; their other columns (password hash included) need not travel.
_WORKER_NAMES = Prefetch(
    "workers", queryset=User.objects.only("pk", "username", "first_name", "last_name")
)


def session_for(user: Any, session_uuid: Any) -> Session:
    """One session the user may run (404 alike for missing and for someone else's)."""
    found = (
        sessions_visible_to(user)
        .select_related("service", "venue", "ward", "organisation", "series")
        .prefetch_related(_WORKER_NAMES)
        .filter(uuid=access._as_uuid(session_uuid))
        .first()
    )
    if found is None:
        raise NotFound(access.NOT_FOUND)
    return found


# --- the register ------------------------------------------------------------------------------------


@dataclass
class RegisterRow:
    """What the register shows of a person: the minimum needed to take attendance."""

    uuid: str
    name: str
    age: str
    as_child: bool
    present: bool
    recorded: bool  # has an attendance row at this session
    to_complete: bool  # added at the door, record not completed yet
    photos: bool  # photo and video consent (privacy.policy)


def age_text(person: Any, on: date) -> str:
    if person.is_unborn:
        edd = person.expected_date_of_delivery
        return f"unborn, due {edd:%d/%m/%Y}" if edd else "unborn"
    if person.date_of_birth is None:
        return ""
    if person.date_of_birth > on:
        return ""
    return rules.age_words(person.date_of_birth, on)


def _is_child(person: Any, on: date) -> bool:
    age = person.age_on(on)
    return person.is_unborn or (age is not None and age < 18)


def photo_consent_ids(people_ids: list[int]) -> set[int]:
    """Who may be photographed or filmed at the group (R-CONSENT-3: asked of privacy.policy).

    If the purpose is not in the register, nobody is (the safe answer)."""
    if not people_ids:
        return set()
    from familyhub.privacy import policy, purposes

    try:
        allowed = policy.permitted(Person.objects.filter(pk__in=people_ids), purposes.PHOTOS)
        return set(allowed.values_list("pk", flat=True))
    except NotFound:
        return set()


def _earlier_sessions(user: Any, session: Session) -> QuerySet[Session, int]:
    """The ids of the session's last few earlier sessions (its series', else the same service's at
    the same venue), as a subquery: the regulars are read in the same round trip."""
    qs = sessions_visible_to(user).filter(date__lt=session.date, cancelled_at__isnull=True)
    if session.series_id:
        qs = qs.filter(series_id=session.series_id)
    else:
        qs = qs.filter(
            service_id=session.service_id,
            organisation_id=session.organisation_id,
            venue=session.venue,
        )
    return qs.order_by("-date", "-start_time").values_list("pk", flat=True)[:REGISTER_REGULARS_FROM]


@dataclass
class Register:
    session: Session
    children: list[RegisterRow]
    adults: list[RegisterRow]
    people: list[Shown]

    @property
    def present_children(self) -> int:
        return sum(r.present for r in self.children)

    @property
    def present_adults(self) -> int:
        return sum(r.present for r in self.adults)

    @property
    def present(self) -> int:
        return self.present_children + self.present_adults


@dataclass(frozen=True)
class Shown:
    """A person on the register, as plain values (no model instance: a register lists a few
    hundred at most, and building instances cost more than the queries)."""

    pk: int
    uuid: Any
    given_name: str
    family_name: str
    known_as: str
    date_of_birth: date | None
    is_unborn: bool
    expected_date_of_delivery: date | None
    log_key: Any  # what the access log records

    @property
    def display_name(self) -> str:
        given = self.known_as or self.given_name
        if not given and self.is_unborn:
            given = "Unborn baby"
        return f"{given} {self.family_name}".strip()

    def age_on(self, on: date) -> int | None:
        if self.date_of_birth is None:
            return None
        dob = self.date_of_birth
        return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


PERSON_VALUES = (
    "person_id",
    "person__uuid",
    "person__given_name",
    "person__family_name",
    "person__known_as",
    "person__date_of_birth",
    "person__is_unborn",
    "person__expected_date_of_delivery",
    "person__log_key",
)


def register_for(user: Any, session: Session) -> Register:
    """Everyone registered at the session, and the regulars of its earlier sessions, to tick.

    A fixed number of queries whatever the numbers of people and attendances. The caller logs the
    people shown (`access.log_people_shown`).
    """
    on = session.date
    here: dict[int, tuple[bool, bool]] = {}
    people: dict[int, Shown] = {}
    for present, as_child, *values in (
        Attendance.objects.filter(session=session, person__archived_at__isnull=True)
        .order_by("person__family_name", "person__given_name", "person_id")
        .values_list("present", "as_child", *PERSON_VALUES)[:REGISTER_LIMIT]
    ):
        shown = Shown(*values)
        here[shown.pk] = (present, as_child)
        people[shown.pk] = shown
    for values in (
        Attendance.objects.filter(
            session_id__in=_earlier_sessions(user, session),
            present=True,
            person__archived_at__isnull=True,
        )
        .exclude(person_id__in=list(here))
        .order_by("-session__date", "person_id")
        .values_list(*PERSON_VALUES)[:REGISTER_LIMIT]
    ):
        if values[0] not in people:
            people[values[0]] = Shown(*values)
    ids = list(people)
    to_complete = set(
        WalkIn.objects.filter(person_id__in=ids, completed_at__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    photos = photo_consent_ids(ids)
    out: list[RegisterRow] = []
    for p in people.values():
        mine = here.get(p.pk)
        out.append(
            RegisterRow(
                uuid=str(p.uuid),
                name=p.display_name,
                age=age_text(p, on),
                as_child=mine[1] if mine else _is_child(p, on),
                present=bool(mine and mine[0]),
                recorded=mine is not None,
                to_complete=p.pk in to_complete,
                photos=p.pk in photos,
            )
        )
    out.sort(key=lambda r: r.name.lower())
    return Register(
        session=session,
        children=[r for r in out if r.as_child],
        adults=[r for r in out if not r.as_child],
        people=list(people.values()),
    )


@dataclass
class RegisterSearch:
    text: str
    rows: list[RegisterRow]
    people: list[Person]
    more: bool
    kinds: list[str]


def register_search(user: Any, session: Session, text: str, *, limit: int = 15) -> RegisterSearch:
    """Search-as-you-type at the door: families in the user's scope and people registered at the
    user's sessions (`engagement.scopes.register_people`), shown with the minimum details."""
    result = search.run(register_people(user), text, limit=limit)
    ids = [p.pk for p in result.people]
    present = set(
        Attendance.objects.filter(session=session, person_id__in=ids, present=True).values_list(
            "person_id", flat=True
        )
    )
    photos = photo_consent_ids(ids)
    on = session.date
    rows = [
        RegisterRow(
            uuid=str(p.uuid),
            name=p.display_name,
            age=age_text(p, on),
            as_child=_is_child(p, on),
            present=p.pk in present,
            recorded=p.pk in present,
            to_complete=False,
            photos=p.pk in photos,
        )
        for p in result.people
    ]
    return RegisterSearch(text, rows, result.people, result.more, result.query.kinds)


def register_state(session: Session) -> dict[str, Any]:
    """The saved register, for the page to reconcile its ticks with (JSON)."""
    present = list(
        Attendance.objects.filter(session=session, present=True).values_list(
            "person__uuid", flat=True
        )
    )
    return {"session": str(session.uuid), "present": [str(u) for u in present]}


# --- the 'to complete' list ------------------------------------------------------------------------


def walk_ins_to_complete(user: Any) -> QuerySet[WalkIn]:
    households = access.households_visible_to(user).values("pk")
    return (
        WalkIn.objects.filter(completed_at__isnull=True, household__in=households)
        .select_related("person", "household", "session", "session__venue", "created_by")
        .prefetch_related(
            Prefetch(
                "household__addresses",
                queryset=Address.objects.filter(valid_to__isnull=True).select_related("ward"),
                to_attr="current_addresses",
            )
        )
        .order_by("created_at", "id")
    )


def walk_in_for(user: Any, walk_in_uuid: Any) -> WalkIn:
    households = access.households_visible_to(user).values("pk")
    found = (
        WalkIn.objects.filter(household__in=households, uuid=access._as_uuid(walk_in_uuid))
        .select_related("person", "household", "session")
        .first()
    )
    if found is None:
        raise NotFound(access.NOT_FOUND)
    return found


def recent_enrolments_count(service: Service) -> int:
    return Enrolment.objects.filter(service=service, ended_on__isnull=True).count()


def upcoming_sessions_of(user: Any, service: Service, *, limit: int = 10) -> list[Session]:
    today = timezone.localdate()
    return list(
        sessions_visible_to(user)
        .filter(service=service, date__gte=today, date__lte=today + timedelta(days=60))
        .select_related("venue")
        .order_by("date", "start_time")[:limit]
    )
