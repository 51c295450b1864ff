"""Re-audit a stored output against the cube it came from (R-SHARE-2).

`protect()` already audits what it returns. `verify()` audits an output as published, from the
stored JSON alone (the symbols shown and the boxes summed) and today's cube: a second opinion
for the DPO, and the tests' independent check. `full=True` uses the plain method, two LPs per
withheld cell over everything (slow; for small outputs and for checking the fast method).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from .audit import LinearSystem, audit_system, full_audit
from .output import AuditResult, CellAudit, ProtectedOutput
from .problem import PreviousCell, build_problem
from .rules import Kind
from .suppress import METHOD
from .tables import Cell, Cube, Table

__all__ = ["verify"]


def verify(
    output: ProtectedOutput,
    cube: Cube,
    *,
    previous: Sequence[ProtectedOutput] = (),
    full: bool = False,
) -> AuditResult:
    """The feasible interval of every withheld cell of `output`, from what it shows."""
    system, targets, places, kinds, prev_widened = system_for(output, cube, previous=previous)
    width = output.rule_set.required_width
    required = np.asarray([width if kinds[i] is Kind.PRIMARY else 0 for i in targets], float)
    if full:
        lows, highs, stats = full_audit(system, targets)
        exact = np.ones(len(targets), dtype=bool)
    else:
        intervals = audit_system(system, targets, required, exact=True)
        lows, highs, stats = intervals.inner_lo, intervals.inner_hi, intervals.stats
        exact = intervals.exact()
    passed = (highs - lows) >= required
    audited = tuple(
        CellAudit(
            places=tuple(places[t]),
            kind=kinds[t],
            lower=int(lows[i]),
            upper=None if np.isinf(highs[i]) else int(highs[i]),
            required_width=int(required[i]),
            passed=bool(passed[i]),
            exact=bool(exact[i]),
        )
        for i, t in enumerate(targets)
    )
    return AuditResult(
        rule_set=output.rule_set.name,
        passed=bool(passed.all()),
        exact=bool(np.all(exact)),
        method=METHOD + (" Plain method: two LPs per cell." if full else ""),
        cells=audited,
        previous_outputs=len(previous),
        previous_cells_widened=prev_widened,
        stats=stats.as_dict(),
    )


def system_for(
    output: ProtectedOutput, cube: Cube, *, previous: Sequence[ProtectedOutput] = ()
) -> tuple[LinearSystem, list[int], list[list[tuple[str, tuple[str, ...]]]], list[Kind], int]:
    """The linear system the public can write down from `output` (and `previous`): the system,
    the rows of withheld cells, each row's places and kind, and how many earlier cells were
    widened to today's counts."""
    tables = []
    knowledge: dict[tuple[str, tuple[str, ...]], tuple[float, float, Kind]] = {}
    for table in output.tables:
        cells = []
        for cell in table.cells:
            selection: dict[str, Sequence[str]] = {
                d: output.domains[d] for d in output.dimensions if d not in cell.box
            }
            selection.update(cell.box)
            cells.append(Cell(cell.labels, cube.box(selection)))
            upper = np.inf if cell.upper is None else float(cell.upper)
            knowledge[(table.name, cell.labels)] = (float(cell.lower), upper, cell.kind)
        tables.append(Table(table.name, table.title, table.headers, tuple(cells)))
    prev_cells: list[PreviousCell] = []
    for earlier in previous:
        prev_cells.extend(earlier.previous_cells(cube))
    problem = build_problem(cube, tables, prev_cells)
    q = problem.n_quantities
    lo = np.zeros(q)
    hi = np.full(q, np.inf)
    kinds: list[Kind] = [Kind.EXACT] * q
    for i, places in enumerate(problem.places):
        for place in places:
            low, high, kind = knowledge[place]
            lo[i] = max(lo[i], low)
            hi[i] = min(hi[i], high)
            if kind.suppressed:
                kinds[i] = kind
    system = LinearSystem(
        matrix=sparse.vstack([problem.matrix, problem.prev_matrix]).tocsr(),
        lower=np.concatenate([lo, problem.prev_lower]),
        upper=np.concatenate([hi, problem.prev_upper]),
        truth=problem.truth,
    )
    targets = [i for i in range(q) if kinds[i].suppressed]
    return system, targets, problem.places, kinds, problem.prev_widened
