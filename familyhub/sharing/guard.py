"""Whether an agreement allows an output (R-SHARE-1): the one check every report and extract makes.

`check(agreement, level=..., items=..., on=...)` raises `OutputRefused` with every reason that
applies (no agreement, not in force, suspended, a level above the agreement's, an item it does
not list); the caller records the refusal (an `Output` with status refused) and shows the reasons.

`frequency_reasons(agreement, kind=..., report=..., on=...)` adds the agreement's frequency
(R-SHARE-1): how often each *series* of outputs may leave under it. A series is one saved report
(each scheduled governance report is its own), ad hoc reports together, reach, and each kind of
extract. The rule (docs/reports.md, ADR 0018):

- "On request": no limit.
- "Once": one release of the series, ever.
- Monthly, every two months, quarterly, annually: one release of the series per calendar window
  (a month; January-February, March-April, ...; a quarter from January; a calendar year).

A release falls in the window of its *occasion*: the day a scheduled report was due (so catching
up after downtime sends each missed period in its own window), otherwise the day it left. A
re-download of an output already released is not a new release and is never refused.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date
from typing import Any

from familyhub.core.errors import ApplicationError
from familyhub.sharing import items as vocabulary
from familyhub.sharing.models import LEVEL_RANK, Agreement, Frequency, Level, Output


class OutputRefused(ApplicationError):
    """An output an agreement does not allow. `reasons` says each thing to fix."""

    status = 422
    title = "This output is not allowed"
    code = "output_refused"

    def __init__(self, reasons: list[str], *, field: str = "agreement") -> None:
        super().__init__(reasons[0], errors={field: reasons})
        self.reasons = reasons


def reasons(
    agreement: Agreement | None, *, level: str, items: Iterable[str], on: date
) -> list[str]:
    if agreement is None:
        return ["Choose the data sharing agreement this output is produced under."]
    out: list[str] = []
    name = agreement.reference
    if agreement.suspended_at is not None:
        out.append(f"Agreement {name} is suspended: {agreement.suspended_reason or 'no reason'}.")
    if on < agreement.starts_on:
        out.append(f"Agreement {name} starts on {agreement.starts_on:%d/%m/%Y}.")
    if agreement.ends_on is not None and on > agreement.ends_on:
        out.append(f"Agreement {name} ended on {agreement.ends_on:%d/%m/%Y}.")
    if LEVEL_RANK[Level(level)] > LEVEL_RANK[Level(agreement.level)]:
        out.append(
            f"Agreement {name} allows {Level(agreement.level).label.lower()}, "
            f"not {Level(level).label.lower()}."
        )
    allowed = set(agreement.data_items)
    for code in items:
        item = vocabulary.ITEMS.get(code)
        if item is None:
            out.append(f"'{code}' is not a data item familyhub knows.")
        elif code not in allowed:
            out.append(f"Agreement {name} does not cover '{item.label}'.")
        elif LEVEL_RANK[item.level] > LEVEL_RANK[Level(agreement.level)]:
            out.append(f"'{item.label}' needs an {item.level.label.lower()} agreement.")
    return out


def check(agreement: Agreement | None, *, level: str, items: Iterable[str], on: date) -> None:
    found = reasons(agreement, level=level, items=list(items), on=on)
    if found:
        raise OutputRefused(found)


# --- frequency (R-SHARE-1) -----------------------------------------------------------------------

WINDOW_MONTHS = {
    Frequency.MONTHLY: 1,
    Frequency.BIMONTHLY: 2,
    Frequency.QUARTERLY: 3,
    Frequency.ANNUAL: 12,
}
WINDOW_WORDS = {
    Frequency.MONTHLY: "in a calendar month",
    Frequency.BIMONTHLY: "in two calendar months",
    Frequency.QUARTERLY: "in a quarter",
    Frequency.ANNUAL: "in a calendar year",
}
SERIES_WORDS = {
    Output.Kind.REPORT: "this report",
    Output.Kind.REACH: "reach",
    Output.Kind.EXTRACT_DEPERSONALISED: "a de-personalised extract",
    Output.Kind.EXTRACT_IDENTIFIABLE: "an identifiable extract",
}


def frequency_window(frequency: str, on: date) -> tuple[date, date] | None:
    """The window of `on` a release is counted in: None for no limit ("on request"), all time for
    "once", else the calendar month, two-month block, quarter or year holding `on`."""
    if frequency == Frequency.ONE_OFF:
        return date.min, date.max
    months = WINDOW_MONTHS.get(Frequency(frequency)) if frequency in Frequency.values else None
    if months is None:
        return None
    first = (on.month - 1) // months * months + 1
    last = first + months - 1
    return date(on.year, first, 1), date(on.year, last, calendar.monthrange(on.year, last)[1])


def occasion(output: Output) -> date | None:
    """The day a released output counts on: when it was due (scheduled reports), else when it
    left (its disclosure record)."""
    from django.utils import timezone

    due = (output.request or {}).get("due_on") if output.kind == Output.Kind.REPORT else None
    if due:
        return date.fromisoformat(str(due))
    if output.disclosure is not None:
        return timezone.localdate(output.disclosure.disclosed_at)
    return timezone.localdate(output.updated_at) if output.updated_at else None


def frequency_reasons(
    agreement: Agreement | None,
    *,
    kind: str,
    on: date,
    report: Any = None,
    exclude: Output | None = None,
) -> list[str]:
    """Why one more release of this series under `agreement` on `on` is more often than the
    agreement allows (empty when it is not); `exclude` is the output being released."""
    if agreement is None:
        return []
    window = frequency_window(agreement.frequency, on)
    if window is None:
        return []
    released = Output.objects.filter(
        agreement=agreement, kind=kind, status=Output.Status.RELEASED
    ).select_related("disclosure")
    if kind == Output.Kind.REPORT:
        released = released.filter(report=report)
    if exclude is not None and exclude.pk:
        released = released.exclude(pk=exclude.pk)
    for earlier in released.order_by("-created_at", "-id"):
        when = occasion(earlier)
        if when is not None and window[0] <= when <= window[1]:
            series = SERIES_WORDS.get(Output.Kind(kind), "this output")
            if kind == Output.Kind.REPORT and report is None:
                series = "an ad hoc report"
            name, frequency = agreement.reference, Frequency(agreement.frequency)
            already = f"'{earlier.title}' was released on {when:%d/%m/%Y}"
            if frequency == Frequency.ONE_OFF:
                return [
                    f"Agreement {name} allows {series} once, and {already}. Download that one "
                    "again, or ask the DPO to change the agreement's frequency."
                ]
            return [
                f"Agreement {name} allows {series} once {WINDOW_WORDS[frequency]} "
                f"({frequency.label.lower()}), and {already}. Download that one again, or "
                f"produce a new one from {_next_day(window[1]):%d/%m/%Y}."
            ]
    return []


def _next_day(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)
