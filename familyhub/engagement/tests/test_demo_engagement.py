"""The demo's groups and registers (familyhub/core/demo/engagement.py): sessions over recent weeks
with attendance only where a session has happened, two walk-ins to complete, enrolments the rules
allow; nothing added on a second run."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest
from django.utils import timezone

from familyhub.core.demo import load_families
from familyhub.core.demo.engagement import PAST_WEEKS, SERIES, load_engagement_demo
from familyhub.core.demo.organisations import ensure_organisations, ensure_staff
from familyhub.engagement.models import Attendance, Enrolment, Service, Session, WalkIn


@pytest.fixture
def demo(db):
    orgs = ensure_organisations()
    ensure_staff(orgs)
    load_families(families=120, seed=5, threaded=False)
    return load_engagement_demo(seed=5)


def test_sessions_with_attendance_only_once_they_have_happened(demo):
    assert demo.sessions == len(SERIES) * (PAST_WEEKS + 2) == Session.objects.count()
    assert demo.attendances > 100
    now = timezone.now()
    for session in Session.objects.prefetch_related("attendances"):
        if session.attendances.all():
            assert session.has_started(now), session
    past = Session.objects.filter(date__lt=timezone.localdate())
    assert Attendance.objects.filter(session__in=past).count() > 100
    # Each series runs weekly, one of them today and one next week.
    for series_dates in (
        Session.objects.filter(series=s).values_list("date", flat=True)
        for s in Session.objects.values_list("series", flat=True).distinct()
    ):
        dates = sorted(series_dates)
        assert dates[-2] == timezone.localdate()
        assert all(b - a == timedelta(weeks=1) for a, b in pairwise(dates))


def test_attendees_belong_to_the_running_organisation(demo):
    for a in Attendance.objects.select_related("session").filter(person__walk_ins__isnull=True)[
        :200
    ]:
        orgs = set(
            a.person.memberships.values_list("household__allocations__organisation_id", flat=True)
        )
        assert a.session.organisation_id in orgs


def test_two_walk_ins_to_complete_and_enrolments_decided_by_the_rules(demo):
    walk_ins = list(WalkIn.objects.select_related("person", "household"))
    assert [w.person.given_name for w in walk_ins] == ["Amara", "Kemi"]
    assert walk_ins[0].household == walk_ins[1].household
    assert all(w.completed_at is None for w in walk_ins)
    assert demo.enrolments == Enrolment.objects.count() > 0
    for e in Enrolment.objects.select_related("rule"):
        assert e.eligible and e.rule is not None and e.decision.startswith("eligible:")
        assert f"(rule v{e.rule.number})" in e.decision
    assert Service.objects.get(code="cook-and-play").venues.exists()


def test_a_second_run_adds_nothing(demo):
    counts = (Session.objects.count(), Attendance.objects.count(), WalkIn.objects.count())
    again = load_engagement_demo(seed=5)
    assert again.sessions == 0 and "already" in str(again)
    assert counts == (Session.objects.count(), Attendance.objects.count(), WalkIn.objects.count())
