"""Rule sets: how each count is shown, and exactly what the public then knows (R-SHARE-2).

A rule set turns a true count into what is published, and states what a reader can deduce from
each published symbol: the audit (`sdc.audit`) uses exactly those statements, no more and no less.

    rule = get_rule_set("round-5-suppress-1-7")
    rule.show(12)     -> Shown(display="10", kind=ROUNDED, lower=8, upper=12)
    rule.show(7)      -> Shown(display="*", kind=PRIMARY, lower=1, upper=7)
    rule.show(0)      -> Shown(display="0", kind=ZERO, lower=0, upper=0)

Three families, each selectable by name (an agreement names one):

* ``round-5-suppress-1-7`` (the default): 0 stays 0; 1 to 7 are shown as '*'; every other count,
  totals included, is rounded to the nearest 5, half up (8 -> 10, 12 -> 10, 13 -> 15).
* ``threshold-<k>`` (for example ``threshold-10``): counts 1 to k-1 are shown as '*', every other
  count exactly; ``threshold-<k>-zero-suppressed`` also hides zeros behind '*'. Exact values make
  secondary suppression essential.
* ``ons-10-5``: counts under 10 are shown as '*', the others rounded to the nearest 5. As we
  understand the Office for National Statistics' practice: the ONS Secure Research Service output
  checking guidance (Statistical Disclosure Control "principles model", v1.1, 2022) treats a
  frequency-table cell as safe only with at least 10 units (the "threshold of 10" rule), and ONS
  and other UK producers of official statistics round published counts to base 5 to blur
  differencing. We combine the two: under 10 suppressed, the rest (totals too) rounded to the
  nearest 5, half up. We could not check an ONS document that prescribes this exact pairing; the
  name says "style" for that reason, and docs/disclosure-control.md says so too.

Every rule set also withholds further cells where the audit shows that a '*' could be narrowed
down (secondary suppression, `sdc.suppress`). Those cells are shown as '[c]' (the Government
Statistical Service symbol for "confidential"); the public may deduce that a '[c]' is at least the
threshold (it would otherwise have been a '*'), and the audit assumes exactly that.

The protection each rule set requires: the feasible interval of every '*' (the smallest and
largest true value consistent with everything published) must be at least ``protection_width``
wide. By default that is half the range the '*' stands for (3 for 1..7, 4 for 1..9), and never
less than 1, so a '*' is never pinned to one value. '[c]' cells are not sensitive themselves and
need no width.

Rounding is integer arithmetic (`round_half_up`), never Python's `round()`, which rounds halves to
even (round(2.5) == 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from familyhub.core.errors import ValidationFailed

__all__ = [
    "DEFAULT_RULE_SET",
    "Kind",
    "RuleSet",
    "Shown",
    "get_rule_set",
    "ons_10_5",
    "round5_suppress_1_7",
    "round_half_up",
    "rule_set_names",
    "threshold_rule",
]


class Kind(StrEnum):
    """How a published cell is shown."""

    ZERO = "zero"  # a true zero shown as 0
    EXACT = "exact"  # the true count
    ROUNDED = "rounded"  # the true count rounded to the rule's base
    PRIMARY = "primary"  # a small count withheld (the rule's own suppression), e.g. '*'
    SECONDARY = "secondary"  # withheld to protect a primary cell, '[c]'

    @property
    def suppressed(self) -> bool:
        return self in (Kind.PRIMARY, Kind.SECONDARY)


@dataclass(frozen=True)
class Shown:
    """What the public sees for one cell, and the interval of true values it allows.

    `upper` is None for "no upper limit" (a '[c]')."""

    display: str
    kind: Kind
    lower: int
    upper: int | None


def round_half_up(value: int, base: int) -> int:
    """`value` rounded to the nearest multiple of `base`, halves upwards, in integers.

    round_half_up(12, 5) == 10, round_half_up(13, 5) == 15, round_half_up(15, 10) == 20."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"counts are non-negative integers, not {value!r}")
    if base < 1:
        raise ValueError("the rounding base is a positive integer")
    return ((2 * value + base) // (2 * base)) * base


@dataclass(frozen=True)
class RuleSet:
    """A named disclosure-control rule set (see the module docstring).

    threshold: counts from 1 to threshold-1 are primary-suppressed (and 0 too unless zero_shown).
    rounding_base: 1 shows the other counts exactly; 5 rounds them to the nearest 5, half up.
    protection_width: the least width (upper - lower) the audit must find for every primary cell.
    """

    name: str
    title: str
    threshold: int
    rounding_base: int = 1
    zero_shown: bool = True
    protection_width: int | None = None
    primary_symbol: str = "*"
    secondary_symbol: str = "[c]"
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.rounding_base < 1:
            raise ValidationFailed("The rounding base must be 1 or more.", field="rounding_base")
        low = 1 if self.zero_shown else 0
        if self.threshold - 1 <= low:
            raise ValidationFailed(
                "The threshold leaves a '*' that stands for a single value: raise it.",
                field="threshold",
            )
        if self.rounding_base > 1 and 2 * self.threshold < self.rounding_base + 1:
            # The smallest shown count would round to 0 and read as a true zero.
            raise ValidationFailed(
                "With rounding, the threshold must be at least half the rounding base.",
                field="threshold",
            )
        if self.protection_width is None:
            object.__setattr__(self, "protection_width", max(1, (self.threshold - 1 - low) // 2))
        elif not 1 <= self.protection_width <= self.threshold - 1 - low:
            raise ValidationFailed(
                f"The protection width must be between 1 and {self.threshold - 1 - low}.",
                field="protection_width",
            )
        if not self.description:
            object.__setattr__(self, "description", self._describe())

    # --- what is shown ---------------------------------------------------------------------

    @property
    def primary_interval(self) -> tuple[int, int]:
        """The true values a primary '*' stands for."""
        return (0 if not self.zero_shown else 1, self.threshold - 1)

    @property
    def secondary_interval(self) -> tuple[int, None]:
        """What a '[c]' reveals: at least the threshold (it is not a '*'), no upper limit."""
        return (self.threshold, None)

    @property
    def required_width(self) -> int:
        assert self.protection_width is not None
        return self.protection_width

    def is_primary(self, value: int) -> bool:
        low, high = self.primary_interval
        return low <= value <= high

    def rounded_interval(self, shown: int) -> tuple[int, int]:
        """The true values a published (rounded or exact) number stands for."""
        b = self.rounding_base
        return (max(self.threshold, shown - b // 2), shown + (b + 1) // 2 - 1)

    def show(self, value: int) -> Shown:
        """Apply the rule to one true count (primary suppression only; secondary is
        `secondary()`)."""
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"counts are non-negative integers, not {value!r}")
        if value == 0 and self.zero_shown:
            return Shown("0", Kind.ZERO, 0, 0)
        if self.is_primary(value):
            low, high = self.primary_interval
            return Shown(self.primary_symbol, Kind.PRIMARY, low, high)
        if self.rounding_base == 1:
            return Shown(str(value), Kind.EXACT, value, value)
        shown = round_half_up(value, self.rounding_base)
        low, high = self.rounded_interval(shown)
        return Shown(str(shown), Kind.ROUNDED, low, high)

    def secondary(self) -> Shown:
        low, high = self.secondary_interval
        return Shown(self.secondary_symbol, Kind.SECONDARY, low, high)

    def interval_of(self, kind: Kind, display: str) -> tuple[int, int | None]:
        """What the public knows from one published symbol (the audit's input)."""
        if kind is Kind.PRIMARY:
            return self.primary_interval
        if kind is Kind.SECONDARY:
            return self.secondary_interval
        value = int(display)
        if kind is Kind.ROUNDED:
            return self.rounded_interval(value)
        return (value, value)

    # --- words -------------------------------------------------------------------------------

    @property
    def public_knowledge(self) -> tuple[str, ...]:
        """Plain-English statements of what a reader can deduce from each symbol: the audit
        assumes exactly these."""
        low, high = self.primary_interval
        lines = []
        if self.zero_shown:
            lines.append("0 means none.")
        lines.append(f"'{self.primary_symbol}' means a count from {low} to {high}.")
        if self.rounding_base == 1:
            lines.append(f"Any other number is the exact count (at least {self.threshold}).")
        else:
            b = self.rounding_base
            lines.append(
                f"Any other number v is the count rounded to the nearest {b}, so the true count "
                f"is from v-{b // 2} to v+{(b + 1) // 2 - 1} (and at least {self.threshold}). "
                "Totals are rounded from the true totals, so a row may not add up to its total."
            )
        lines.append(
            f"'{self.secondary_symbol}' means a count of at least {self.threshold}, withheld so "
            f"that no '{self.primary_symbol}' can be worked out."
        )
        lines.append(
            f"Whatever is combined (totals, other tables in the same release, earlier releases), "
            f"no '{self.primary_symbol}' can be narrowed to a range less than "
            f"{self.required_width} wide (at least {self.required_width + 1} possible values): "
            "checked by linear programming before release."
        )
        return tuple(lines)

    def _describe(self) -> str:
        low, high = self.primary_interval
        zero = "0 stays 0; " if self.zero_shown else ""
        if self.rounding_base == 1:
            others = "every other count is shown exactly"
        else:
            others = (
                f"every other count, totals included, is rounded to the nearest "
                f"{self.rounding_base} (halves up)"
            )
        return (
            f"{self.title}: {zero}counts from {low} to {high} are shown as "
            f"'{self.primary_symbol}'; {others}. Cells that would let a "
            f"'{self.primary_symbol}' be worked out are also withheld, shown as "
            f"'{self.secondary_symbol}'."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "threshold": self.threshold,
            "rounding_base": self.rounding_base,
            "zero_shown": self.zero_shown,
            "protection_width": self.required_width,
            "primary_symbol": self.primary_symbol,
            "secondary_symbol": self.secondary_symbol,
            "public_knowledge": list(self.public_knowledge),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RuleSet:
        return cls(
            name=data["name"],
            title=data["title"],
            threshold=int(data["threshold"]),
            rounding_base=int(data["rounding_base"]),
            zero_shown=bool(data["zero_shown"]),
            protection_width=int(data["protection_width"]),
            primary_symbol=data.get("primary_symbol", "*"),
            secondary_symbol=data.get("secondary_symbol", "[c]"),
            description=data.get("description", ""),
        )


def round5_suppress_1_7(*, protection_width: int | None = None) -> RuleSet:
    """The default: 0 stays 0, 1-7 as '*', everything else (totals too) to the nearest 5."""
    return RuleSet(
        name="round-5-suppress-1-7",
        title="Round to 5, suppress 1 to 7",
        threshold=8,
        rounding_base=5,
        zero_shown=True,
        protection_width=protection_width,
    )


def threshold_rule(
    k: int = 10, *, zero_shown: bool = True, protection_width: int | None = None
) -> RuleSet:
    """Counts 1..k-1 (and 0 too, unless zero_shown) as '*', the rest exact."""
    if isinstance(k, bool) or not isinstance(k, int):
        raise ValidationFailed("The threshold is a whole number.", field="threshold")
    name = f"threshold-{k}" + ("" if zero_shown else "-zero-suppressed")
    title = f"Threshold {k}" + ("" if zero_shown else ", zeros suppressed")
    return RuleSet(
        name=name,
        title=title,
        threshold=k,
        rounding_base=1,
        zero_shown=zero_shown,
        protection_width=protection_width,
    )


def ons_10_5(*, zero_shown: bool = True, protection_width: int | None = None) -> RuleSet:
    """ONS 10-5 style: under 10 as '*', the rest (totals too) to the nearest 5."""
    return RuleSet(
        name="ons-10-5" + ("" if zero_shown else "-zero-suppressed"),
        title="ONS style: suppress under 10, round to 5",
        threshold=10,
        rounding_base=5,
        zero_shown=zero_shown,
        protection_width=protection_width,
    )


DEFAULT_RULE_SET = round5_suppress_1_7()

_THRESHOLD = re.compile(r"^threshold-(\d{1,4})(-zero-suppressed)?$")


def get_rule_set(name: str) -> RuleSet:
    """The rule set an agreement names: "round-5-suppress-1-7", "threshold-<k>",
    "threshold-<k>-zero-suppressed", "ons-10-5" or "ons-10-5-zero-suppressed"."""
    if name == "round-5-suppress-1-7":
        return round5_suppress_1_7()
    if name in ("ons-10-5", "ons-10-5-zero-suppressed"):
        return ons_10_5(zero_shown=name == "ons-10-5")
    match = _THRESHOLD.match(name)
    if match:
        return threshold_rule(int(match.group(1)), zero_shown=match.group(2) is None)
    raise ValidationFailed(
        f"There is no disclosure-control rule set called {name!r}.", field="rule_set"
    )


def rule_set_names() -> tuple[str, ...]:
    """Names to offer in a form (threshold-k takes any k from 3)."""
    return ("round-5-suppress-1-7", "threshold-10", "threshold-10-zero-suppressed", "ons-10-5")
