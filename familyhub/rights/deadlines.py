"""Statutory deadlines for rights requests, as the ICO states them (R-RIGHTS-1; ADR 0015).

Pure functions on dates: no database, no clock (today is always passed in), so that every rule is
tested directly, including with hypothesis over month ends, leap years and pauses.

The rules (ICO, "Right of access: time limits for responding"; the same limits apply to every right):

1. **One calendar month, starting on the day of receipt.** "You should calculate the time limit
   from the day you receive the request (whether it is a working day or not) until the
   corresponding calendar date in the next month." Received on 3 September: due 3 October.
2. **No corresponding date: the last day of the month.** Received on 31 January: due 28 February
   (29 February in a leap year). Received on 31 March: due 30 April.
3. **Extension: by up to two further months** for a complex request or a number of requests from
   the person, counted from the same start as the first month (`add_months(start, 1 + n)`: received
   on 31 January and extended by two months, due 30 April, not 28 April). The person must be told
   within the first month, so an extension is possible only up to the one-month due date
   (`extension_allowed`). An extension needs a reason; more than two months is refused.
4. **Identity: the month starts when the proof arrives.** "The period for responding to the
   request begins when you receive the additional information" (ICO): a request waiting for proof
   of identity has not started its clock; when the proof arrives, that day is the new start and the
   month (and any extension) runs from it. This is the ICO's "the time limit starts from receipt
   of the information requested", taken literally: a restart, not a pause.
5. **Clarification: the clock is paused.** "The time limit for responding to the request is paused
   until you receive clarification." The days from the day clarification was asked for to the day
   it arrived (asked on the 5th, answered on the 10th: 5 days) are added to the due date. Only days
   after the start count (a pause while the clock had not started moves nothing), overlapping
   pauses count once, and a pause that began after the due date had already passed moves nothing
   (the deadline was missed before it; the service refuses such a pause anyway).
6. **While a pause is open** the due date is computed as if the answer arrived today, so it moves
   on by a day every day the clock is stopped; `Deadline.waiting` says so.
7. **Weekends and bank holidays are not skipped.** The ICO allows the next working day when the
   date falls on one; familyhub shows the calendar date, which is never later than the legal one.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

IDENTITY = "identity"
CLARIFICATION = "clarification"
MAX_EXTENSION_MONTHS = 2


@dataclass(frozen=True)
class Pause:
    """The clock stopped on `started_on` (asked) until `ended_on` (answer received), or is still
    stopped (`ended_on` None)."""

    reason: str  # IDENTITY or CLARIFICATION
    started_on: date
    ended_on: date | None = None


@dataclass(frozen=True)
class Deadline:
    start: date  # the day the month starts from (receipt, or the day proof of identity arrived)
    one_month: date  # start + one month, plus paused days: the limit without an extension
    due: date  # the limit, with the extension and the paused days
    paused_days: int  # clarification days added
    waiting: bool  # a pause is open: the clock is stopped today
    waiting_for: str = ""  # IDENTITY or CLARIFICATION while waiting

    def days_left(self, today: date) -> int:
        return days_left(self.due, today)

    def overdue(self, today: date) -> bool:
        return is_overdue(self.due, today)


def last_day_of_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(day: date, months: int) -> date:
    """The corresponding calendar date `months` later, or that month's last day if there is none.

    add_months(date(2026, 1, 31), 1) == date(2026, 2, 28); in 2028 (a leap year) February 29.
    """
    if months < 0:
        raise ValueError("months must not be negative")
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, last_day_of_month(year, month)))


def one_month_after(received_on: date) -> date:
    """The plain statutory limit: one calendar month from the day of receipt (rules 1 and 2)."""
    return add_months(received_on, 1)


def _merged(intervals: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    """Half-open [start, end) day intervals, sorted, with overlaps and touching ones merged."""
    merged: list[tuple[date, date]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def clock_start(received_on: date, pauses: Iterable[Pause], today: date) -> date:
    """The day the month runs from: receipt, or the day the last requested proof of identity
    arrived (rule 4). While proof is still awaited, today (the earliest it could arrive)."""
    start = received_on
    for p in pauses:
        if p.reason == IDENTITY:
            start = max(start, p.ended_on if p.ended_on is not None else max(today, p.started_on))
    return start


def _shift(limit: date, clarifications: list[tuple[date, date]]) -> tuple[date, int]:
    """Move `limit` on by the clarification days that fell before it (rule 5)."""
    paused = 0
    for start, end in clarifications:
        if start > limit:
            break  # began after the deadline had already passed
        days = (end - start).days
        limit += timedelta(days=days)
        paused += days
    return limit, paused


def deadline(
    received_on: date,
    *,
    today: date,
    extension_months: int = 0,
    pauses: Iterable[Pause] = (),
) -> Deadline:
    """The due date of a request received on `received_on`, extended by `extension_months`
    (0 to 2), with the clock stopped during `pauses` (rules 1 to 6)."""
    if not 0 <= extension_months <= MAX_EXTENSION_MONTHS:
        raise ValueError(f"an extension is 0 to {MAX_EXTENSION_MONTHS} months")
    pauses = list(pauses)
    start = clock_start(received_on, pauses, today)
    clarifications = _merged(
        (max(p.started_on, start), p.ended_on if p.ended_on is not None else max(today, start))
        for p in pauses
        if p.reason == CLARIFICATION
    )
    one_month, _ = _shift(add_months(start, 1), clarifications)
    due, paused = _shift(add_months(start, 1 + extension_months), clarifications)
    open_pauses = [p for p in pauses if p.ended_on is None]
    return Deadline(
        start=start,
        one_month=one_month,
        due=due,
        paused_days=paused,
        waiting=bool(open_pauses),
        waiting_for=open_pauses[-1].reason if open_pauses else "",
    )


def days_left(due: date, today: date) -> int:
    """Days until the due date: 0 on the day itself, negative once overdue."""
    return (due - today).days


def is_overdue(due: date, today: date) -> bool:
    """The due date is the last day to answer: overdue from the day after."""
    return today > due


def extension_allowed(
    received_on: date, *, today: date, pauses: Iterable[Pause] = ()
) -> tuple[bool, date]:
    """Whether an extension may still be made today, and the last day it may (rule 3: the person
    must be told within the first month, pauses included)."""
    limit = deadline(received_on, today=today, pauses=pauses).one_month
    return today <= limit, limit


def describe(d: Deadline, today: date) -> str:
    """'Due 03/10/2026: 5 days left', 'Due today', 'Overdue by 2 days (due 01/10/2026)',
    'Clock stopped: waiting for proof of identity'."""
    if d.waiting:
        what = "proof of identity" if d.waiting_for == IDENTITY else "clarification"
        return f"Clock stopped: waiting for {what}"
    left = days_left(d.due, today)
    if left > 0:
        return f"Due {d.due:%d/%m/%Y}: {left} day{'s' if left != 1 else ''} left"
    if left == 0:
        return f"Due today ({d.due:%d/%m/%Y})"
    return f"Overdue by {-left} day{'s' if left != -1 else ''} (due {d.due:%d/%m/%Y})"
