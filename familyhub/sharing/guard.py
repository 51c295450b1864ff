"""Whether an agreement allows an output (R-SHARE-1): the one check every report and extract makes.

`check(agreement, level=..., items=..., on=...)` raises `OutputRefused` with every reason that
applies (no agreement, not in force, suspended, a level above the agreement's, an item it does
not list); the caller records the refusal (an `Output` with status refused) and shows the reasons.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from familyhub.core.errors import ApplicationError
from familyhub.sharing import items as vocabulary
from familyhub.sharing.models import LEVEL_RANK, Agreement, Level


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
