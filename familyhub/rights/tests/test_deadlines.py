"""The statutory deadline arithmetic (R-RIGHTS-1; ADR 0015): pure functions, tested directly and
with hypothesis over month ends, leap years, extensions and pauses."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from familyhub.rights import deadlines as d
from familyhub.rights.deadlines import CLARIFICATION, IDENTITY, Pause

DAY = timedelta(days=1)
dates = st.dates(min_value=date(1999, 1, 1), max_value=date(2099, 12, 31))
months = st.integers(min_value=0, max_value=2)


# --- add_months / one month from receipt ---------------------------------------------------------


@pytest.mark.parametrize(
    "received,due",
    [
        (date(2026, 9, 3), date(2026, 10, 3)),  # the ICO's own example
        (date(2026, 1, 31), date(2026, 2, 28)),  # no 31 February: the month's last day
        (date(2028, 1, 31), date(2028, 2, 29)),  # leap year
        (date(2028, 1, 30), date(2028, 2, 29)),
        (date(2028, 1, 29), date(2028, 2, 29)),
        (date(2027, 1, 29), date(2027, 2, 28)),
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 8, 31), date(2026, 9, 30)),
        (date(2026, 12, 31), date(2027, 1, 31)),  # across the year end
        (date(2026, 12, 15), date(2027, 1, 15)),
        (date(2026, 2, 28), date(2026, 3, 28)),  # not "the end of next month"
        (date(2028, 2, 29), date(2028, 3, 29)),
        (date(2026, 4, 30), date(2026, 5, 30)),
    ],
)
def test_one_month_from_receipt(received, due):
    assert d.one_month_after(received) == due


@pytest.mark.parametrize(
    "received,n,due",
    [
        (date(2026, 1, 31), 3, date(2026, 4, 30)),  # counted from receipt, not from 28/02
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2026, 10, 31), 2, date(2026, 12, 31)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 5, 17), 0, date(2026, 5, 17)),
    ],
)
def test_add_months(received, n, due):
    assert d.add_months(received, n) == due


def test_add_months_refuses_a_negative_count():
    with pytest.raises(ValueError):
        d.add_months(date(2026, 1, 1), -1)


@given(dates, st.integers(min_value=0, max_value=36))
def test_add_months_lands_on_the_same_day_or_the_last_day_of_the_month(day, n):
    result = d.add_months(day, n)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == n
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(day.day, last)
    if day.day <= last:
        assert result.day == day.day
    else:
        assert result.day == last and (result + DAY).day == 1


@given(dates)
def test_one_month_is_28_to_31_days_and_never_shorter_for_a_later_receipt(day):
    due = d.one_month_after(day)
    assert 28 <= (due - day).days <= 31
    assert d.one_month_after(day + DAY) >= due  # monotone: a later receipt is never due earlier


@given(dates)
@example(date(2028, 2, 29))
@example(date(2027, 12, 31))
def test_leap_days(day):
    """29 February exists only in leap years; a request received on the 29th-31st of January is
    due on 28 or 29 February depending on the year."""
    due = d.one_month_after(day)
    if day.month == 1 and day.day >= 29:
        assert due == date(day.year, 2, 29 if calendar.isleap(day.year) else 28)
    if day.month == 2 and day.day == 29:
        assert due == date(day.year, 3, 29)


# --- extensions ----------------------------------------------------------------------------------


@given(dates, months)
def test_an_extension_counts_whole_months_from_the_start(day, n):
    assert d.deadline(day, today=day, extension_months=n).due == d.add_months(day, 1 + n)


@given(dates)
def test_each_further_month_moves_the_due_date_later(day):
    due = [d.deadline(day, today=day, extension_months=n).due for n in (0, 1, 2)]
    assert due[0] < due[1] < due[2]
    assert 84 <= (due[2] - day).days <= 92  # three calendar months in all


@pytest.mark.parametrize("n", [-1, 3, 12])
def test_more_than_two_further_months_is_refused(n):
    with pytest.raises(ValueError, match="0 to 2"):
        d.deadline(date(2026, 1, 1), today=date(2026, 1, 1), extension_months=n)


def test_an_extension_is_allowed_only_within_the_first_month():
    received = date(2026, 3, 10)
    assert d.extension_allowed(received, today=date(2026, 4, 10)) == (True, date(2026, 4, 10))
    assert d.extension_allowed(received, today=date(2026, 4, 11)) == (False, date(2026, 4, 10))
    # A pause for clarification moves that limit too.
    pauses = [Pause(CLARIFICATION, date(2026, 3, 20), date(2026, 3, 25))]
    assert d.extension_allowed(received, today=date(2026, 4, 14), pauses=pauses) == (
        True,
        date(2026, 4, 15),
    )


# --- pauses ----------------------------------------------------------------------------------------


def test_clarification_adds_the_days_waited():
    received = date(2026, 3, 1)  # due 01/04 without a pause
    pause = Pause(CLARIFICATION, date(2026, 3, 5), date(2026, 3, 10))  # asked on the 5th, got 10th
    result = d.deadline(received, today=date(2026, 3, 12), pauses=[pause])
    assert result.paused_days == 5
    assert result.due == date(2026, 4, 6)
    assert result.start == received and not result.waiting


def test_identity_restarts_the_month_from_the_day_the_proof_arrived():
    """ICO: "the time limit starts from receipt of the information requested"."""
    received = date(2026, 1, 15)
    pause = Pause(IDENTITY, date(2026, 1, 15), date(2026, 2, 20))
    result = d.deadline(received, today=date(2026, 2, 21), pauses=[pause])
    assert result.start == date(2026, 2, 20)
    assert result.due == date(2026, 3, 20)
    assert result.paused_days == 0
    # Not the same as adding the 36 days to 15/02 (which would give 23/03).
    assert result.due != d.one_month_after(received) + timedelta(days=36)


def test_identity_asked_late_still_restarts_from_its_arrival():
    pause = Pause(IDENTITY, date(2026, 1, 25), date(2026, 1, 31))
    result = d.deadline(date(2026, 1, 10), today=date(2026, 2, 1), pauses=[pause])
    assert result.start == date(2026, 1, 31) and result.due == date(2026, 2, 28)


def test_an_open_pause_moves_the_due_date_every_day():
    received = date(2026, 6, 1)
    pause = Pause(CLARIFICATION, date(2026, 6, 10))
    day10 = d.deadline(received, today=date(2026, 6, 10), pauses=[pause])
    day15 = d.deadline(received, today=date(2026, 6, 15), pauses=[pause])
    assert day10.waiting and day10.waiting_for == CLARIFICATION
    assert day10.due == date(2026, 7, 1)
    assert day15.due == date(2026, 7, 6)
    waiting_for_id = d.deadline(
        received, today=date(2026, 6, 20), pauses=[Pause(IDENTITY, received)]
    )
    assert waiting_for_id.waiting_for == IDENTITY and waiting_for_id.start == date(2026, 6, 20)


def test_a_pause_after_the_due_date_moves_nothing():
    received = date(2026, 1, 1)  # due 01/02
    late = Pause(CLARIFICATION, date(2026, 2, 3), date(2026, 2, 20))
    assert d.deadline(received, today=date(2026, 3, 1), pauses=[late]).due == date(2026, 2, 1)
    on_the_day = Pause(CLARIFICATION, date(2026, 2, 1), date(2026, 2, 4))
    assert d.deadline(received, today=date(2026, 3, 1), pauses=[on_the_day]).due == date(2026, 2, 4)


def test_clarification_while_the_clock_had_not_started_does_not_count():
    received = date(2026, 4, 1)
    pauses = [
        Pause(IDENTITY, date(2026, 4, 1), date(2026, 4, 10)),
        Pause(CLARIFICATION, date(2026, 4, 1), date(2026, 4, 12)),  # 2 days after the start
    ]
    result = d.deadline(received, today=date(2026, 4, 20), pauses=pauses)
    assert result.start == date(2026, 4, 10)
    assert result.paused_days == 2
    assert result.due == date(2026, 5, 12)


@st.composite
def clarifications(draw, received):
    pauses = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        start = received + timedelta(days=draw(st.integers(min_value=0, max_value=40)))
        length = draw(st.integers(min_value=0, max_value=30))
        pauses.append(Pause(CLARIFICATION, start, start + timedelta(days=length)))
    return pauses


@settings(max_examples=300)
@given(st.data(), dates, months)
def test_pauses_never_make_a_request_due_earlier_and_add_at_most_their_length(data, received, n):
    pauses = data.draw(clarifications(received))
    today = received + timedelta(days=200)
    plain = d.deadline(received, today=today, extension_months=n)
    paused = d.deadline(received, today=today, extension_months=n, pauses=pauses)
    total = sum((p.ended_on - p.started_on).days for p in pauses)
    assert plain.due <= paused.due <= plain.due + timedelta(days=total)
    assert paused.due - plain.due == timedelta(days=paused.paused_days)


@given(st.data(), dates)
def test_the_order_of_the_pauses_does_not_matter(data, received):
    pauses = data.draw(clarifications(received))
    today = received + timedelta(days=200)
    shuffled = data.draw(st.permutations(pauses))
    assert d.deadline(received, today=today, pauses=pauses) == d.deadline(
        received, today=today, pauses=shuffled
    )


@given(dates, st.integers(0, 25), st.integers(1, 20), st.integers(0, 20))
def test_overlapping_pauses_count_once(received, start, length, overlap):
    first = Pause(CLARIFICATION, received + timedelta(days=start), None)
    first = Pause(CLARIFICATION, first.started_on, first.started_on + timedelta(days=length))
    second_start = first.started_on + timedelta(days=min(overlap, length))
    second = Pause(CLARIFICATION, second_start, second_start + timedelta(days=length))
    union = (max(first.ended_on, second.ended_on) - first.started_on).days
    today = received + timedelta(days=120)
    assert d.deadline(received, today=today, pauses=[first, second]).paused_days == union


@given(dates, st.integers(0, 27), st.integers(0, 60))
def test_a_single_pause_inside_the_month_adds_exactly_its_days(received, offset, length):
    start = received + timedelta(days=offset)
    assume(start <= d.one_month_after(received))
    pause = Pause(CLARIFICATION, start, start + timedelta(days=length))
    result = d.deadline(received, today=start + timedelta(days=length + 1), pauses=[pause])
    assert result.due == d.one_month_after(received) + timedelta(days=length)


@given(dates, st.integers(0, 60), months)
def test_identity_proof_arriving_on_day_r_gives_the_month_from_r(received, wait, n):
    arrived = received + timedelta(days=wait)
    pause = Pause(IDENTITY, received, arrived)
    result = d.deadline(received, today=arrived, extension_months=n, pauses=[pause])
    assert result.start == arrived
    assert result.due == d.add_months(arrived, 1 + n)


@given(dates, st.integers(-40, 40))
def test_days_left_and_overdue(due, offset):
    today = due + timedelta(days=offset)
    assert d.days_left(due, today) == -offset
    assert d.is_overdue(due, today) == (offset > 0)  # the due date itself is not overdue


def test_describe():
    due = date(2026, 10, 3)
    plain = d.deadline(date(2026, 9, 3), today=date(2026, 9, 28))
    assert d.describe(plain, date(2026, 9, 28)) == "Due 03/10/2026: 5 days left"
    assert d.describe(plain, date(2026, 10, 2)) == "Due 03/10/2026: 1 day left"
    assert d.describe(plain, due) == "Due today (03/10/2026)"
    assert d.describe(plain, date(2026, 10, 5)) == "Overdue by 2 days (due 03/10/2026)"
    waiting = d.deadline(date(2026, 9, 3), today=date(2026, 9, 5), pauses=[Pause(IDENTITY, due)])
    assert d.describe(waiting, date(2026, 9, 5)) == "Clock stopped: waiting for proof of identity"
