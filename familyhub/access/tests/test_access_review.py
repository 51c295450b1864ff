"""The access review (R-ACCESS-3): each pattern rule on its own, then the rules over the real log,
and the page for team managers and the DPO (filters, remit, CSV)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from familyhub.access import helpers, log, patterns, services
from familyhub.access.models import AccessLogEntry, BreakGlassGrant
from familyhub.access.patterns import Asked, Opened, Searched
from familyhub.core.testing import make_household

Action = AccessLogEntry.Action
TZ = timezone.get_fixed_timezone(0)
MONDAY = date(2026, 11, 23)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


# --- the rules, one by one (no database) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "out"),
    [
        (at(MONDAY, 6, 59), True),
        (at(MONDAY, 7, 0), False),
        (at(MONDAY, 18, 59), False),
        (at(MONDAY, 19, 0), True),
        (at(MONDAY, 23, 30), True),
        (at(MONDAY + timedelta(days=5), 11, 0), True),  # Saturday
        (at(MONDAY + timedelta(days=6), 11, 0), True),  # Sunday
        (at(MONDAY + timedelta(days=4), 11, 0), False),  # Friday
    ],
)
def test_out_of_hours_is_before_7_from_19_and_weekends(when, out):
    assert patterns.is_out_of_hours(when) is out


def test_out_of_hours_counts_different_people_per_user_and_day():
    night = [Opened(1, at(MONDAY, 22, i), f"p{i}") for i in range(10)]
    repeat = [Opened(1, at(MONDAY, 23, 0), "p0")] * 5  # the same person again does not count
    daytime = [Opened(1, at(MONDAY, 12, i), f"q{i}") for i in range(30)]
    other_user = [Opened(2, at(MONDAY, 22, i), f"p{i}") for i in range(9)]
    findings = patterns.out_of_hours(night + repeat + daytime + other_user)
    assert [(f.user_id, f.day, f.count) for f in findings] == [(1, MONDAY, 10)]
    assert patterns.out_of_hours(night[:9]) == []
    assert patterns.out_of_hours(night[:3], threshold=3)[0].rule == "out_of_hours"


def test_outside_caseload_ignores_people_on_the_caseload():
    caseload = {1: {f"p{i}" for i in range(20)}}
    opened = [Opened(1, at(MONDAY, 10), f"p{i}") for i in range(40)]
    findings = patterns.outside_caseload(opened, caseload, threshold=20)
    assert [(f.user_id, f.count) for f in findings] == [(1, 20)]
    assert patterns.outside_caseload(opened, caseload, threshold=21) == []
    # Somebody with no caseload at all: everything counts.
    assert patterns.outside_caseload(opened, {}, threshold=40)[0].count == 40


def test_many_large_searches_needs_several_near_full_pages_in_a_day():
    searches = [Searched(1, at(MONDAY, 9, i), 45) for i in range(3)] + [
        Searched(1, at(MONDAY, 10), 39),
        Searched(1, at(MONDAY + timedelta(days=1), 10), 50),
    ]
    findings = patterns.many_large_searches(searches)
    assert [(f.day, f.count) for f in findings] == [(MONDAY, 3)]
    assert patterns.many_large_searches(searches[:2]) == []


def test_break_glass_often_or_ever_unjustified():
    often = [Asked(1, at(MONDAY, 10), "") for _ in range(3)]
    once_unjustified = [Asked(2, at(MONDAY, 10), BreakGlassGrant.Decision.NOT_JUSTIFIED)]
    once_fine = [Asked(3, at(MONDAY, 10), BreakGlassGrant.Decision.JUSTIFIED)]
    findings = patterns.break_glass_often(often + once_unjustified + once_fine)
    assert [(f.user_id, f.count) for f in findings] == [(1, 3), (2, 1)]
    assert "1 found not justified" in findings[1].detail
    assert findings[0].day is None


def test_own_surname_ignores_case_and_punctuation():
    opened = [
        Opened(1, at(MONDAY, 10), "a"),
        Opened(1, at(MONDAY, 10), "b"),
        Opened(1, at(MONDAY, 11), "c"),
    ]
    surnames = {"a": "O'Brien", "b": "OBRIEN", "c": "Smith"}
    findings = patterns.own_surname(opened, surnames, {1: "o'brien"})
    assert [(f.user_id, f.count) for f in findings] == [(1, 2)]
    assert patterns.own_surname(opened, surnames, {1: ""}) == []


def test_a_finding_as_a_csv_row():
    finding = patterns.Finding("out_of_hours", "Many", 1, MONDAY, 12, "12 people", "ann", "Ann A")
    assert finding.csv_row() == ("Many", "ann", "Ann A", "23/11/2026", "12", "12 people")


# --- the rules over the real log ---------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """Set the time at which log entries are written (the log refuses to be edited afterwards);
    `clock(None)` puts the real clock back."""
    real = timezone.now

    def set_to(when: datetime | None) -> None:
        monkeypatch.setattr(timezone, "now", real if when is None else (lambda: when))

    return set_to


@pytest.fixture
def night_worker(db, personas, clock, monkeypatch):
    """The practitioner opens 12 families' records one Monday night, one of them their namesake's."""
    monkeypatch.setattr(log, "_enabled", True)
    personas.practitioner.last_name = "Namesake"
    personas.practitioner.save()
    families = [
        make_household(organisation=personas.lead, adults=1, children=0) for _ in range(11)
    ] + [make_household(organisation=personas.lead, adults=1, children=0, family_name="Namesake")]
    for i, family in enumerate(families):
        clock(at(MONDAY, 22, i))
        helpers.household_for(personas.practitioner, family.uuid)
    clock(at(MONDAY, 12))
    for _ in range(3):  # three searches that each showed 45 people
        shown = [SimpleNamespace(log_key=uuid.uuid4()) for _ in range(45)]
        helpers.log_people_shown(personas.team_manager, shown, action=Action.SEARCH)
    clock(None)
    return families


def test_review_reads_the_log_and_runs_every_rule(personas, night_worker):
    result = patterns.review(MONDAY, MONDAY)
    found = {(f.rule, f.username): f for f in result.findings}
    night = found[("out_of_hours", "practitioner")]
    assert night.count == 12 and night.day == MONDAY
    assert ("outside_caseload", "practitioner") not in found  # 12 < 25
    assert found[("own_surname", "practitioner")].count == 1
    assert found[("many_large_searches", "manager")].count == 3
    assert result.opened == 12 and result.searches == 3
    # Outside the window: nothing.
    assert patterns.review(MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)).findings == []


def test_outside_caseload_uses_allocations(personas, night_worker):
    from familyhub.people.models import CaseAllocation

    facts_before = patterns.review(MONDAY, MONDAY)
    assert not [f for f in facts_before.findings if f.rule == "outside_caseload"]
    caseload_of = patterns._caseload_and_surnames
    keys = [
        str(m.person.log_key)
        for family in night_worker
        for m in family.memberships.select_related("person")
    ]
    users = {personas.practitioner.pk: personas.practitioner}
    caseload, surnames = caseload_of(keys, users)
    assert caseload.get(personas.practitioner.pk, set()) == set()
    CaseAllocation.objects.filter(household=night_worker[0]).update(worker=personas.practitioner)
    CaseAllocation.objects.filter(household=night_worker[1]).update(team=personas.team)
    caseload, surnames = caseload_of(keys, users)
    mine = {str(m.person.log_key) for f in night_worker[:2] for m in f.memberships.all()}
    assert caseload[personas.practitioner.pk] == mine
    assert set(surnames) == set(keys)


def test_the_page_shows_findings_in_the_reviewers_remit(personas, client_for, night_worker):
    from familyhub.core.testing import make_staff

    url = reverse("access:access_review")
    params = {"date_from": "23/11/2026", "date_to": "23/11/2026"}

    def seen(user, **extra):
        response = client_for(user).get(url, {**params, **extra})
        assert response.status_code == 200
        return response, {(f.rule, f.username) for f in response.context["result"].findings}

    response, found = seen(personas.team_manager)
    assert ("out_of_hours", "practitioner") in found
    assert '<table class="govuk-table" id="findings">' in response.content.decode()
    # A manager of another organisation does not see the lead organisation's staff.
    other_manager = make_staff("other.manager", "team_manager", personas.other_org)
    response, found = seen(other_manager)
    assert not found and "No unusual patterns in this period" in response.content.decode()
    # The DPO sees everyone; filtered by username.
    response, found = seen(personas.dpo, username="manager")
    assert found == {("many_large_searches", "manager")}


def test_the_page_downloads_csv_and_checks_its_filters(personas, client_for, night_worker):
    client = client_for(personas.dpo)
    url = reverse("access:access_review")
    response = client.get(
        url, {"date_from": "23/11/2026", "date_to": "23/11/2026", "download": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert tuple(rows[0]) == patterns.Finding.CSV_HEADER
    assert {r[0] for r in rows[1:]} == {
        "Many records out of hours",
        "Many searches with many results",
        "Records of people with their own last name",
    }
    body = client.get(url, {"date_from": "23/11/2026", "date_to": "01/11/2026"}).content.decode()
    assert "The end date must be on or after the start date" in body
    body = client.get(url, {"date_from": "01/09/2026", "date_to": "01/11/2026"}).content.decode()
    assert "Review at most 31 days at a time" in body


def test_break_glass_requests_appear_in_the_review(personas):
    for family in (personas.partner_household, personas.other_household):
        services.break_glass_request(
            actor=personas.practitioner,
            reference=str(family.uuid),
            reason=BreakGlassGrant.Reason.COVERING,
            explanation="Covering for a colleague who is off sick",
        )
    grant = BreakGlassGrant.objects.first()
    services.break_glass_review(
        actor=personas.dpo, grant=grant, decision="not_justified", note="Not their area"
    )
    today = timezone.localdate()
    findings = patterns.review(today, today).findings
    assert [(f.rule, f.username, f.count) for f in findings if f.rule == "break_glass_often"] == [
        ("break_glass_often", "practitioner", 2)
    ]


def test_the_review_costs_the_same_queries_for_few_and_many_accesses(personas, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(personas.team_manager)
    url = reverse("access:access_review")
    client.get(url)

    def open_families(n):
        for _ in range(n):
            family = make_household(organisation=personas.lead, adults=1, children=1)
            helpers.household_for(personas.practitioner, family.uuid)
            helpers.log_people_shown(
                personas.team_manager,
                [SimpleNamespace(log_key=uuid.uuid4()) for _ in range(45)],
                action=Action.SEARCH,
            )

    open_families(2)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    open_families(30)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.context["result"].opened == 2 * 32
    assert len(few) == len(many)
