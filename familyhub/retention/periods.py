"""Retention periods as date arithmetic (R-RETAIN-1): pure functions, tested with hypothesis.

A record whose period starts on `start` is due on `due_on(start, years, months)`: the same day so
many years and months later, or the last day of that month where the day does not exist (a period
starting on 29 February ends on 28 February in a year that is not a leap year). The disposal job
filters in SQL on the start date, so it needs the latest start date that is due by a given day:
`latest_due_start(as_of, ...)`, defined so that `start <= latest_due_start(as_of)` exactly when
`due_on(start) <= as_of`.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_period(start: date, years: int = 0, months: int = 0) -> date:
    total = start.year * 12 + (start.month - 1) + years * 12 + months
    year, month = divmod(total, 12)
    month += 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def due_on(start: date, years: int = 0, months: int = 0) -> date:
    return add_period(start, years, months)


def latest_due_start(as_of: date, years: int = 0, months: int = 0) -> date:
    """The latest start date whose period has ended by `as_of` (inclusive)."""
    candidate = add_period(as_of, -years, -months)
    # Month ends: add_period clamps, so a few later start dates may also be due by as_of.
    while due_on(candidate + timedelta(days=1), years, months) <= as_of:
        candidate += timedelta(days=1)
    while due_on(candidate, years, months) > as_of:
        candidate -= timedelta(days=1)
    return candidate
