"""What leaves the system, and the audit kept with it: plain, serialisable values.

`ProtectedOutput` is what `protect()` returns: the published tables (labels and what is shown:
never a true count below the rule), the rule set with its plain-English notes, and the
`AuditResult`. `to_dict()` gives JSON-ready data to store with the output (R-SHARE-5 keeps it
with the disclosure record); `ProtectedOutput.from_dict()` reads it back, so that next month's
release can be audited against it (`protect(..., previous=[last_month])`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from familyhub.core.errors import ValidationFailed

from .problem import PreviousCell
from .rules import Kind, RuleSet
from .tables import Box, Cube

__all__ = ["AuditResult", "CellAudit", "ProtectedOutput", "PublishedCell", "PublishedTable"]

FORMAT = "familyhub.sdc/1"


@dataclass(frozen=True)
class PublishedCell:
    """One published cell. `lower`..`upper` is what the public knows from `display` alone
    (upper None: no limit); `box` is the restricted dimensions of the sum (for re-auditing)."""

    labels: tuple[str, ...]
    display: str
    kind: Kind
    lower: int
    upper: int | None
    box: Mapping[str, tuple[str, ...]]

    @property
    def suppressed(self) -> bool:
        return self.kind.suppressed

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "display": self.display,
            "kind": self.kind.value,
            "lower": self.lower,
            "upper": self.upper,
            "box": {d: list(v) for d, v in self.box.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PublishedCell:
        return cls(
            labels=tuple(data["labels"]),
            display=str(data["display"]),
            kind=Kind(data["kind"]),
            lower=int(data["lower"]),
            upper=None if data["upper"] is None else int(data["upper"]),
            box={d: tuple(v) for d, v in data["box"].items()},
        )


@dataclass(frozen=True)
class PublishedTable:
    name: str
    title: str
    headers: tuple[str, ...]
    cells: tuple[PublishedCell, ...]
    where: Mapping[str, tuple[str, ...]] | None = None

    def cell(self, *labels: str) -> PublishedCell:
        for cell in self.cells:
            if cell.labels == labels:
                return cell
        raise KeyError(labels)

    def __iter__(self) -> Iterator[PublishedCell]:
        return iter(self.cells)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "headers": list(self.headers),
            "where": {d: list(v) for d, v in (self.where or {}).items()} or None,
            "cells": [c.to_dict() for c in self.cells],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PublishedTable:
        where = data.get("where")
        return cls(
            name=data["name"],
            title=data["title"],
            headers=tuple(data["headers"]),
            cells=tuple(PublishedCell.from_dict(c) for c in data["cells"]),
            where={d: tuple(v) for d, v in where.items()} if where else None,
        )


@dataclass(frozen=True)
class CellAudit:
    """The audit of one withheld cell (a cell in two linked tables is audited once, with both
    places). `lower`..`upper` is its feasible interval (upper None: unbounded); `exact` says
    whether these are the true min and max, or only proven to be reachable (a pass is then
    still proven: the real interval is at least as wide)."""

    places: tuple[tuple[str, tuple[str, ...]], ...]
    kind: Kind
    lower: int
    upper: int | None
    required_width: int
    passed: bool
    exact: bool

    @property
    def width(self) -> float:
        return float("inf") if self.upper is None else self.upper - self.lower

    def to_dict(self) -> dict[str, Any]:
        return {
            "places": [{"table": t, "labels": list(labels)} for t, labels in self.places],
            "kind": self.kind.value,
            "lower": self.lower,
            "upper": self.upper,
            "required_width": self.required_width,
            "passed": self.passed,
            "exact": self.exact,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CellAudit:
        return cls(
            places=tuple((p["table"], tuple(p["labels"])) for p in data["places"]),
            kind=Kind(data["kind"]),
            lower=int(data["lower"]),
            upper=None if data["upper"] is None else int(data["upper"]),
            required_width=int(data["required_width"]),
            passed=bool(data["passed"]),
            exact=bool(data["exact"]),
        )


@dataclass(frozen=True)
class AuditResult:
    """The LP audit kept with an output: every withheld cell's feasible interval, the width
    the rule set requires, and whether it passed."""

    rule_set: str
    passed: bool
    exact: bool
    method: str
    cells: tuple[CellAudit, ...]
    previous_outputs: int = 0
    previous_cells_widened: int = 0
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def failures(self) -> tuple[CellAudit, ...]:
        return tuple(c for c in self.cells if not c.passed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_set": self.rule_set,
            "passed": self.passed,
            "exact": self.exact,
            "method": self.method,
            "previous_outputs": self.previous_outputs,
            "previous_cells_widened": self.previous_cells_widened,
            "stats": dict(self.stats),
            "cells": [c.to_dict() for c in self.cells],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditResult:
        return cls(
            rule_set=data["rule_set"],
            passed=bool(data["passed"]),
            exact=bool(data["exact"]),
            method=data["method"],
            cells=tuple(CellAudit.from_dict(c) for c in data["cells"]),
            previous_outputs=int(data.get("previous_outputs", 0)),
            previous_cells_widened=int(data.get("previous_cells_widened", 0)),
            stats=dict(data.get("stats") or {}),
        )


@dataclass(frozen=True)
class ProtectedOutput:
    """Tables after disclosure control, the rule set that made them, and the audit."""

    rule_set: RuleSet
    dimensions: tuple[str, ...]
    domains: Mapping[str, tuple[str, ...]]
    tables: tuple[PublishedTable, ...]
    audit: AuditResult

    def table(self, name: str) -> PublishedTable:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    @property
    def notes(self) -> tuple[str, ...]:
        """The words that go on every copy of the output: the rule set's name and description,
        what each symbol means, and the audit's verdict."""
        rule = self.rule_set
        verdict = (
            f"Checked before release by linear programming: every '{rule.primary_symbol}' keeps "
            f"a feasible range at least {rule.required_width} wide "
            f"({len(self.audit.cells)} withheld cells audited)."
            if self.audit.passed
            else "The disclosure-control check did not pass: this output must not be released."
        )
        return (
            f"Disclosure control: {self.rule_set.name}.",
            self.rule_set.description,
            *self.rule_set.public_knowledge,
            verdict,
        )

    def previous_cells(self, cube: Cube) -> list[PreviousCell]:
        """This output's cells as constraints over `cube` (for auditing a later release)."""
        out: list[PreviousCell] = []
        if tuple(self.dimensions) != tuple(cube.dimensions):
            raise ValidationFailed(
                "An earlier output used other dimensions "
                f"({', '.join(self.dimensions)}) than this cube ({', '.join(cube.dimensions)}).",
                field="previous",
            )
        seen: set[Box] = set()
        for table in self.tables:
            for cell in table.cells:
                selection: dict[str, Sequence[str]] = {
                    d: self.domains[d] for d in self.dimensions if d not in cell.box
                }
                selection.update(cell.box)
                box = cube.box(selection)
                if box in seen:
                    continue
                seen.add(box)
                out.append(
                    PreviousCell(box, cell.lower, cell.upper, f"{table.name}: {cell.labels}")
                )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "rule_set": self.rule_set.to_dict(),
            "dimensions": list(self.dimensions),
            "domains": {d: list(v) for d, v in self.domains.items()},
            "notes": list(self.notes),
            "tables": [t.to_dict() for t in self.tables],
            "audit": self.audit.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProtectedOutput:
        if data.get("format") != FORMAT:
            raise ValidationFailed(
                "This is not a stored disclosure-control output.", field="format"
            )
        return cls(
            rule_set=RuleSet.from_dict(data["rule_set"]),
            dimensions=tuple(data["dimensions"]),
            domains={d: tuple(v) for d, v in data["domains"].items()},
            tables=tuple(PublishedTable.from_dict(t) for t in data["tables"]),
            audit=AuditResult.from_dict(data["audit"]),
        )
