"""Demo groups and registers (R-ENGAGE-1..3): weekly sessions of a few services over recent weeks,
with attendance, two people added at the door still to complete, the demo venues linked to the
services, and a few enrolments decided by the eligibility rules.

Sessions and attendance are written in bulk like the family loader (a fixture load: no change
history); the walk-ins go through the register's own service, as at a real door. Each series has
six past weeks, one this week (today) and one coming, so that a register can be taken at once.
Today's session has a few people ticked if it has already started. Reproducible with the same
seed; safe to run again (nothing is added once any session exists).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from familyhub.access.models import User
from familyhub.core.demo.organisations import (
    FRAMEWORK,
    HOME_START,
    LEAD,
    TOY_LIBRARY,
)
from familyhub.engagement import eligibility, rules
from familyhub.engagement.catalogue import ensure_catalogue
from familyhub.engagement.models import Attendance, Enrolment, Service, Session, SessionSeries
from familyhub.people import choices as c
from familyhub.people.models import CaseAllocation, Household, Membership
from familyhub.places.models import Organisation, Venue


@dataclass(frozen=True)
class SeriesSpec:
    service: str  # service code
    title: str
    organisation: str
    venue: str
    start: time
    minutes: int
    places: int
    workers: tuple[str, ...]  # demo usernames
    regulars: int  # families who come most weeks


SERIES: tuple[SeriesSpec, ...] = (
    SeriesSpec(
        "cook-and-play",
        "Cook and Play",
        TOY_LIBRARY,
        "Bulwell Children's Centre",
        time(10, 0),
        90,
        20,
        ("partner.toylibrary", "practitioner.toylibrary"),
        14,
    ),
    SeriesSpec(
        "fred",
        "FRED (Fathers Reading Every Day)",
        FRAMEWORK,
        "St. Ann's Library",
        time(16, 0),
        60,
        12,
        ("partner.framework",),
        8,
    ),
    SeriesSpec(
        "cook-and-play",
        "Cook and Play",
        HOME_START,
        "Aspley Children's Centre",
        time(13, 0),
        90,
        16,
        ("partner.homestart", "practitioner.homestart"),
        10,
    ),
    SeriesSpec(
        "best-start-team",
        "Baby and toddler group",
        LEAD,
        "Radford Children's Centre",
        time(9, 30),
        120,
        24,
        ("groupworker",),
        16,
    ),
)
PAST_WEEKS = 6
# Demo-only capacities (the source documents give none) and venues (the demo's own, fictional).
CAPACITY = {"cook-and-play": 20, "fred": 12, "best-start-team": 24}
VENUE_KINDS = {
    "cook-and-play": ("Children's Centre",),
    "fred": ("Library",),
    "best-start-team": ("Children's Centre",),
    "childrens-centre-membership": ("Children's Centre",),
    "triple-p": ("Library",),
}
SSBC_ONLY = {"cook-and-play", "fred"}
SSBC_WARD_NAMES = {"Aspley", "Bulwell", "Hyson Green & Arboretum", "St. Ann's"}
ENROLMENTS_PER_SERVICE = 12


@dataclass
class EngagementStats:
    sessions: int = 0
    attendances: int = 0
    walk_ins: int = 0
    enrolments: int = 0
    skipped: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.sessions and not self.enrolments:
            return "Sessions are already set up: none added." + (
                f" ({'; '.join(self.skipped)})" if self.skipped else ""
            )
        return (
            f"Made {self.sessions} sessions with {self.attendances} attendances, "
            f"{self.walk_ins} walk-ins to complete and {self.enrolments} enrolments."
        )


def _link_venues() -> None:
    venues = list(Venue.objects.select_related("ward"))
    for code, kinds in VENUE_KINDS.items():
        service = Service.objects.filter(code=code).first()
        if service is None or service.venues.exists():
            continue
        chosen = [
            v
            for v in venues
            if v.name.endswith(kinds)
            and (code not in SSBC_ONLY or (v.ward and v.ward.name in SSBC_WARD_NAMES))
        ]
        service.venues.set(chosen)
        if code in CAPACITY and service.capacity is None:
            Service.objects.filter(pk=service.pk).update(capacity=CAPACITY[code])


def _families_of(org: Organisation, ward_id: int | None, limit: int, rng: random.Random) -> list:
    """Families allocated to the organisation, in the venue's ward when there are enough, with
    their children and parents (ids only)."""
    allocated = CaseAllocation.objects.filter(organisation=org, ended_on__isnull=True)
    households = Household.objects.filter(
        pk__in=allocated.values("household_id"), archived_at__isnull=True
    )
    local = households.filter(addresses__valid_to__isnull=True, addresses__ward=ward_id)
    pool = list(local.values_list("pk", flat=True)[:400])
    if len(pool) < limit:
        pool += list(households.exclude(pk__in=pool).values_list("pk", flat=True)[:400])
    rng.shuffle(pool)
    chosen = pool[:limit]
    members: dict[int, list[tuple[int, bool]]] = {h: [] for h in chosen}
    for household_id, person_id, role, unborn in Membership.objects.filter(
        household_id__in=chosen, left_on__isnull=True
    ).values_list("household_id", "person_id", "role", "person__is_unborn"):
        if unborn:
            continue
        if role in (c.MemberRole.CHILD, c.MemberRole.PARENT_CARER):
            members[household_id].append((person_id, role == c.MemberRole.CHILD))
    return [m for m in members.values() if any(child for _, child in m)]


def _at(day: date, start: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, start))


def _sessions(stats: EngagementStats, rng: random.Random, today: date) -> Any:
    orgs = {
        o.name: o for o in Organisation.objects.filter(name__in={s.organisation for s in SERIES})
    }
    users = {
        u.username: u
        for u in User.objects.filter(username__in={w for s in SERIES for w in s.workers})
    }
    venues = {v.name: v for v in Venue.objects.select_related("ward")}
    services = {s.code: s for s in Service.objects.all()}
    lead_walk_in_session = None
    attendances: list[Attendance] = []
    for spec in SERIES:
        org, venue, service = (
            orgs.get(spec.organisation),
            venues.get(spec.venue),
            services.get(spec.service),
        )
        if org is None or venue is None or service is None:
            stats.skipped.append(f"{spec.title} at {spec.venue}: missing organisation or venue")
            continue
        first = today - timedelta(weeks=PAST_WEEKS)
        end = (datetime.combine(today, spec.start) + timedelta(minutes=spec.minutes)).time()
        series = SessionSeries.objects.create(
            service=service,
            title=spec.title,
            organisation=org,
            first_date=first,
            weeks=PAST_WEEKS + 2,
            start_time=spec.start,
            end_time=end,
        )
        workers = [users[w] for w in spec.workers if w in users]
        families = _families_of(org, venue.ward_id, spec.regulars, rng)
        for week in range(PAST_WEEKS + 2):
            day = first + timedelta(weeks=week)
            session = Session.objects.create(
                service=service,
                series=series,
                title=spec.title,
                date=day,
                start_time=spec.start,
                end_time=end,
                venue=venue,
                ward=venue.ward,
                organisation=org,
                capacity=spec.places,
            )
            session.workers.set(workers)
            stats.sessions += 1
            if day > today or not session.has_started():
                continue  # no attendance before a session has happened (R-ENGAGE-3)
            if day == today:
                # This week's is being taken now: a few already ticked.
                attending = families[: max(1, len(families) // 4)]
            else:
                attending = [f for f in families if rng.random() < 0.75]
            recorded_by = workers[0] if workers else None
            at = _at(day, spec.start) + timedelta(minutes=5)
            for members in attending:
                for person_id, is_child in members:
                    if not is_child and rng.random() < 0.3:
                        continue  # not every parent comes in
                    attendances.append(
                        Attendance(
                            session=session,
                            person_id=person_id,
                            present=True,
                            as_child=is_child,
                            client_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                            client_at=at,
                            recorded_by=recorded_by,
                            recorded_at=at,
                        )
                    )
            if spec.organisation == LEAD and day == today - timedelta(weeks=1):
                lead_walk_in_session = session
    Attendance.objects.bulk_create(attendances, batch_size=2000)
    stats.attendances = len(attendances)
    return lead_walk_in_session, users.get("groupworker")


def _walk_ins(session: Session, worker: User, stats: EngagementStats, today: date) -> None:
    """Two people added at the door last week: a mother and her baby, on the list to complete."""
    from familyhub.engagement import services

    mum_id = uuid.UUID("6f0c1d52-9e1a-4c77-8a43-2d1b5f0e7a01")
    at = _at(session.date, session.start_time)
    entries: list[services.Tick | services.WalkInEntry] = [
        services.WalkInEntry(
            id=mum_id,
            given_name="Amara",
            family_name="Okonjo",
            adult=True,
            date_of_birth=None,
            unborn=False,
            expected_date_of_delivery=None,
            postcode="NG7 3LR",
            at=at,
        ),
        services.WalkInEntry(
            id=uuid.UUID("6f0c1d52-9e1a-4c77-8a43-2d1b5f0e7a02"),
            given_name="Kemi",
            family_name="Okonjo",
            adult=False,
            date_of_birth=rules.add_months(today, -9),
            unborn=False,
            expected_date_of_delivery=None,
            postcode="NG7 3LR",
            family_of=mum_id,
            at=at,
        ),
    ]
    results = services.register_apply(actor=worker, session=session, entries=entries)
    stats.walk_ins = sum(r.saved for r in results)


def _enrolments(stats: EngagementStats, rng: random.Random, today: date) -> None:
    """A few eligible families enrolled in the one-to-one services, decided by the rules."""
    from familyhub.access.helpers import household_queryset_for_page

    enrolments = []
    for code in ("family-mentor-service", "small-steps-at-home"):
        service = Service.objects.filter(code=code).first()
        rule = eligibility.current_rule(service) if service else None
        if service is None or rule is None:
            continue
        eligible = eligibility.eligible_households(
            rule, Household.objects.filter(archived_at__isnull=True), on=today
        )
        ids = list(eligible.order_by("pk").values_list("pk", flat=True)[:200])
        rng.shuffle(ids)
        for household in household_queryset_for_page(
            Household.objects.filter(pk__in=ids[:ENROLMENTS_PER_SERVICE])
        ):
            decided = eligibility.decide_for_household(service, household, on=today, rule=rule)
            members = [m for m in household.memberships.all() if m.role == c.MemberRole.CHILD]
            if not members or not decided.decision.eligible:
                continue
            allocation = next((a for a in household.allocations.all() if a.ended_on is None), None)
            enrolments.append(
                Enrolment(
                    person=members[-1].person,
                    household=household,
                    service=service,
                    organisation=allocation.organisation if allocation else None,
                    worker=allocation.worker if allocation else None,
                    started_on=today - timedelta(days=rng.randint(7, 120)),
                    rule=rule,
                    eligible=True,
                    decision=decided.decision.explanation,
                )
            )
    Enrolment.objects.bulk_create(enrolments)
    stats.enrolments = len(enrolments)


def load_engagement_demo(*, seed: int = 2026, today: date | None = None) -> EngagementStats:
    stats = EngagementStats()
    if Session.objects.exists():
        return stats
    today = today or timezone.localdate()
    rng = random.Random(seed + 7)
    ensure_catalogue()
    with transaction.atomic():
        _link_venues()
        walk_in_session, worker = _sessions(stats, rng, today)
        _enrolments(stats, rng, today)
    if walk_in_session is not None and worker is not None:
        _walk_ins(walk_in_session, worker, stats, today)
    return stats
