"""The access review (R-ACCESS-3): unusual patterns in the access log, for team managers and the DPO.

Each rule is a small function over plain facts read from the log (no database in the rules, so
each is tested on its own): it returns `Finding`s, one per member of staff and day (or period).
`review` reads the facts for a window and a set of staff in a fixed number of queries and runs
every rule. Thresholds are the defaults below; a finding is a prompt to ask, not a verdict.

Rules:

- `out_of_hours`: many records opened outside working hours (before 07:00, from 19:00, weekends);
- `outside_caseload`: many records opened that are not on the person's own or their team's
  caseload (allocations with them as worker, or with their team);
- `many_large_searches`: several searches in a day that each showed a near-full page of people;
- `break_glass_often`: emergency access asked for repeatedly, or found not justified;
- `own_surname`: records opened of people who share the member of staff's last name (possibly
  relatives: worth a question, as the issue asks).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from familyhub.access.models import AccessLogEntry, AccessLogSubject, BreakGlassGrant, User

Action = AccessLogEntry.Action
OPENED = (Action.VIEW_PERSON, Action.VIEW_HOUSEHOLD)

WORKDAY_START = time(7, 0)
WORKDAY_END = time(19, 0)
OUT_OF_HOURS_THRESHOLD = 10  # distinct people opened out of hours in one day
OUTSIDE_CASELOAD_THRESHOLD = 25  # distinct people opened, not on their caseload, in one day
LARGE_SEARCH_RESULTS = 40  # a search showing this many people is "large" (the page shows 50)
LARGE_SEARCHES_THRESHOLD = 3  # large searches in one day
BREAK_GLASS_THRESHOLD = 3  # requests for emergency access in the window
OWN_SURNAME_THRESHOLD = 1  # people opened who share the staff member's last name


@dataclass(frozen=True)
class Opened:
    """A person's record opened by a member of staff (a person page, or a family page's member)."""

    user_id: int
    at: datetime  # local time
    person_key: str


@dataclass(frozen=True)
class Searched:
    user_id: int
    at: datetime  # local time
    shown: int


@dataclass(frozen=True)
class Asked:
    """A break-glass request."""

    user_id: int
    at: datetime
    decision: str  # "", "justified" or "not_justified"


@dataclass(frozen=True)
class Finding:
    rule: str
    title: str
    user_id: int
    day: date | None  # None: the whole window
    count: int
    detail: str
    username: str = ""
    staff_name: str = ""

    CSV_HEADER = ("Rule", "Username", "Staff member", "Day", "Count", "What was seen")

    def csv_row(self) -> tuple[str, ...]:
        return (
            self.title,
            self.username,
            self.staff_name,
            self.day.strftime("%d/%m/%Y") if self.day else "whole period",
            str(self.count),
            self.detail,
        )


RULE_TITLES = {
    "out_of_hours": "Many records out of hours",
    "outside_caseload": "Many records outside their caseload",
    "many_large_searches": "Many searches with many results",
    "break_glass_often": "Emergency access asked for often or not justified",
    "own_surname": "Records of people with their own last name",
}


def is_out_of_hours(local: datetime) -> bool:
    """Before 07:00, from 19:00, or on a Saturday or Sunday (local time)."""
    return local.weekday() >= 5 or not (WORKDAY_START <= local.time() < WORKDAY_END)


def _per_user_day(facts: Iterable[Opened]) -> dict[tuple[int, date], set[str]]:
    grouped: dict[tuple[int, date], set[str]] = defaultdict(set)
    for fact in facts:
        grouped[(fact.user_id, fact.at.date())].add(fact.person_key)
    return grouped


def out_of_hours(
    opened: Iterable[Opened], threshold: int = OUT_OF_HOURS_THRESHOLD
) -> list[Finding]:
    """At least `threshold` different people's records opened out of hours in one day."""
    grouped = _per_user_day(o for o in opened if is_out_of_hours(o.at))
    return [
        Finding(
            "out_of_hours",
            RULE_TITLES["out_of_hours"],
            user_id,
            day,
            len(keys),
            f"{len(keys)} people's records opened before {WORKDAY_START:%H:%M}, after "
            f"{WORKDAY_END:%H:%M} or at the weekend",
        )
        for (user_id, day), keys in sorted(grouped.items())
        if len(keys) >= threshold
    ]


def outside_caseload(
    opened: Iterable[Opened],
    caseload: dict[int, set[str]],
    threshold: int = OUTSIDE_CASELOAD_THRESHOLD,
) -> list[Finding]:
    """At least `threshold` different people opened in one day who are not on the caseload of the
    member of staff or their team (`caseload`: user id -> person keys)."""
    grouped = _per_user_day(o for o in opened if o.person_key not in caseload.get(o.user_id, set()))
    return [
        Finding(
            "outside_caseload",
            RULE_TITLES["outside_caseload"],
            user_id,
            day,
            len(keys),
            f"{len(keys)} people's records opened who are not on their or their team's caseload",
        )
        for (user_id, day), keys in sorted(grouped.items())
        if len(keys) >= threshold
    ]


def many_large_searches(
    searches: Iterable[Searched],
    min_results: int = LARGE_SEARCH_RESULTS,
    threshold: int = LARGE_SEARCHES_THRESHOLD,
) -> list[Finding]:
    """At least `threshold` searches in one day that each showed `min_results` people or more."""
    counts: dict[tuple[int, date], int] = defaultdict(int)
    for s in searches:
        if s.shown >= min_results:
            counts[(s.user_id, s.at.date())] += 1
    return [
        Finding(
            "many_large_searches",
            RULE_TITLES["many_large_searches"],
            user_id,
            day,
            n,
            f"{n} searches that each showed {min_results} or more people",
        )
        for (user_id, day), n in sorted(counts.items())
        if n >= threshold
    ]


def break_glass_often(
    asked: Iterable[Asked], threshold: int = BREAK_GLASS_THRESHOLD
) -> list[Finding]:
    """Emergency access asked for `threshold` times or more in the window, or found not justified
    at least once: one finding per member of staff for the window."""
    by_user: dict[int, list[Asked]] = defaultdict(list)
    for a in asked:
        by_user[a.user_id].append(a)
    findings = []
    for user_id, items in sorted(by_user.items()):
        unjustified = sum(1 for a in items if a.decision == BreakGlassGrant.Decision.NOT_JUSTIFIED)
        if len(items) >= threshold or unjustified:
            detail = f"{len(items)} requests for emergency access"
            if unjustified:
                detail += f", {unjustified} found not justified"
            findings.append(
                Finding(
                    "break_glass_often",
                    RULE_TITLES["break_glass_often"],
                    user_id,
                    None,
                    len(items),
                    detail,
                )
            )
    return findings


def _surname_key(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalpha())


def own_surname(
    opened: Iterable[Opened],
    surnames: dict[str, str],
    staff_surnames: dict[int, str],
    threshold: int = OWN_SURNAME_THRESHOLD,
) -> list[Finding]:
    """People opened whose last name is the member of staff's own (`surnames`: person key -> last
    name; `staff_surnames`: user id -> last name), per day. Case and punctuation are ignored."""
    grouped: dict[tuple[int, date], set[str]] = defaultdict(set)
    for o in opened:
        mine = _surname_key(staff_surnames.get(o.user_id, ""))
        if mine and _surname_key(surnames.get(o.person_key, "")) == mine:
            grouped[(o.user_id, o.at.date())].add(o.person_key)
    return [
        Finding(
            "own_surname",
            RULE_TITLES["own_surname"],
            user_id,
            day,
            len(keys),
            f"{len(keys)} people's records opened who share their last name",
        )
        for (user_id, day), keys in sorted(grouped.items())
        if len(keys) >= threshold
    ]


# --- reading the facts and running the rules -------------------------------------------------------


@dataclass
class Review:
    start: date
    end: date  # inclusive
    findings: list[Finding] = field(default_factory=list)
    opened: int = 0
    searches: int = 0
    requests: int = 0


def _local(at: datetime) -> datetime:
    return timezone.localtime(at)


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def _caseload_and_surnames(
    keys: Sequence[str], users: dict[int, User]
) -> tuple[dict[int, set[str]], dict[str, str]]:
    """For the people opened: whose caseload they are on (per user), and their last names."""
    from familyhub.access.models import Membership as StaffMembership
    from familyhub.people.models import Person

    team_users: dict[int, set[int]] = defaultdict(set)
    for user_id, team_id in StaffMembership.objects.filter(
        user_id__in=list(users), team__isnull=False
    ).values_list("user_id", "team_id"):
        team_users[team_id].add(user_id)
    caseload: dict[int, set[str]] = defaultdict(set)
    surnames: dict[str, str] = {}
    for i in range(0, len(keys), 500):
        rows = Person.objects.filter(log_key__in=keys[i : i + 500]).values_list(
            "log_key",
            "family_name",
            "memberships__household__allocations__worker_id",
            "memberships__household__allocations__team_id",
            "memberships__household__allocations__ended_on",
        )
        for log_key, family_name, worker_id, team_id, ended_on in rows:
            key = str(log_key)
            surnames[key] = family_name
            if ended_on is not None:
                continue
            if worker_id in users:
                caseload[worker_id].add(key)
            for user_id in team_users.get(team_id, ()):
                caseload[user_id].add(key)
    return caseload, surnames


def review(start: date, end: date, *, staff: Any = None) -> Review:
    """Run every rule over [start, end] for `staff` (a queryset of users; None for everyone)."""
    low, high = _day_bounds(start, end)
    result = Review(start, end)
    window = Q(at__gte=low, at__lt=high)
    entries = AccessLogEntry.objects.filter(window)
    grants = BreakGlassGrant.objects.filter(created_at__gte=low, created_at__lt=high)
    if staff is not None:
        staff_ids = staff.values("pk")
        entries = entries.filter(user_id_at_time__in=staff_ids)
        grants = grants.filter(user__in=staff_ids)

    opened: list[Opened] = []
    subjects = AccessLogSubject.objects.filter(
        entry__in=entries.filter(action__in=OPENED).values("pk")
    ).values_list("entry__user_id_at_time", "entry__at", "person_key")
    for user_id, at, key in subjects.iterator(chunk_size=5000):
        if user_id is not None:
            opened.append(Opened(user_id, _local(at), str(key)))
    searches = [
        Searched(user_id or 0, _local(at), shown)
        for user_id, at, shown in entries.filter(
            action=Action.SEARCH, user_id_at_time__isnull=False
        ).values_list("user_id_at_time", "at", "subject_count")
    ]
    asked = [
        Asked(user_id, _local(at), decision)
        for user_id, at, decision in grants.values_list("user_id", "created_at", "decision")
    ]
    user_ids = (
        {o.user_id for o in opened} | {s.user_id for s in searches} | {a.user_id for a in asked}
    )
    users = User.objects.in_bulk(user_ids) if user_ids else {}
    caseload, surnames = _caseload_and_surnames(sorted({o.person_key for o in opened}), users)

    findings = (
        out_of_hours(opened)
        + outside_caseload(opened, caseload)
        + many_large_searches(searches)
        + break_glass_often(asked)
        + own_surname(opened, surnames, {pk: u.last_name for pk, u in users.items()})
    )
    for f in findings:
        user = users.get(f.user_id)
        result.findings.append(
            Finding(
                f.rule,
                f.title,
                f.user_id,
                f.day,
                f.count,
                f.detail,
                username=user.username if user else "",
                staff_name=(user.get_full_name() if user else "") or "",
            )
        )
    result.findings.sort(key=lambda f: (f.day or start, f.username, f.rule), reverse=True)
    result.opened = len({(o.user_id, o.person_key, o.at.date()) for o in opened})
    result.searches = len(searches)
    result.requests = len(asked)
    return result
