"""Primary and secondary suppression, checked by the audit until it passes (R-SHARE-2).

    output = protect(cube, [table_a, table_b], rule_set, previous=[last_month])

1. **Primary**: the rule set shows every cell of every table (`RuleSet.show`): small counts
   become '*', the rest exact or rounded. A cell shared by linked tables is one quantity, shown
   the same way everywhere.
2. **Secondary, by heuristic, along lines** (a total and its parts: rows, columns, margins,
   groups). For each withheld cell, its interval from that line alone (the other entries' public
   intervals) must be wide enough: the rule's protection width for a '*', at least 1 for a '[c]'
   so that no withheld cell is ever pinned by one line (with exact counts that is the familiar
   "no line with a single suppression"). Where a line fails, the cheapest complement in it is
   withheld too: the smallest count that gives enough width, counting extra for every other
   line it would leave with a lone suppression (so cells in lines that already have one are
   preferred). New complements put their lines back on the queue: across linked tables too,
   since a shared margin is one quantity. The check uses what earlier outputs already imply
   about each entry (bound propagation, once), so that a complement an earlier output has
   pinned is never chosen for the room it cannot give.
3. **The LP audit** (`sdc.audit`) then checks every withheld cell against everything at once,
   earlier outputs included, in the recorded audit's mode (exact min and max by default). When
   everything passes, as it usually does, that audit is the record kept with the output.
4. **Repair**: for each '*' that fails, the cheapest complement in one of its lines (else in a
   line of one of its lines' withheld cells) is withheld, step 2 runs again from there, and only
   the cells that failed are audited again (pass-or-fail mode), until none fails. Withholding
   more only ever widens intervals, so cells that passed stay passed, and every feasible point
   found so far stays feasible: they are carried from round to round. A final audit of every
   withheld cell is then the record.

If a '*' cannot be protected by withholding more of this release (an earlier output already
gave it away), `DisclosureControlFailed` is raised naming the cells: nothing may be released.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from familyhub.core.errors import ApplicationError

from .audit import Intervals, LinearSystem, audit_system, implied_bounds
from .output import AuditResult, CellAudit, ProtectedOutput, PublishedCell, PublishedTable
from .problem import PreviousCell, Problem, build_problem
from .rules import DEFAULT_RULE_SET, Kind, RuleSet
from .tables import Cube, Table

__all__ = ["DisclosureControlFailed", "audit_primary_only", "protect"]

METHOD = (
    "Linear programming (HiGHS, scipy.optimize.linprog) over the base cells behind every "
    "published cell, this release's tables and earlier outputs together; the LP relaxation, "
    "with bounds rounded inward to whole numbers."
)
MAX_ROUNDS = 200
MAX_POINTS = 64


class DisclosureControlFailed(ApplicationError):
    """No suppression pattern within this release protects every small count."""

    status = 422
    title = "This output cannot be made safe to release"
    code = "disclosure_control_failed"


class _State:
    """Shown kinds and public intervals per quantity, and suppressions per line."""

    def __init__(self, problem: Problem, rule: RuleSet) -> None:
        self.problem = problem
        self.rule = rule
        q = problem.n_quantities
        self.kind: list[Kind] = []
        self.display: list[str] = []
        self.lo = np.zeros(q)
        self.hi = np.zeros(q)
        for i, value in enumerate(problem.q_truth.tolist()):
            shown = rule.show(int(value))
            self.kind.append(shown.kind)
            self.display.append(shown.display)
            self.lo[i] = shown.lower
            self.hi[i] = np.inf if shown.upper is None else shown.upper
        # What earlier outputs alone imply about each cell (e.g. this year so far is at least what
        # was published last month): the heuristic's line checks use it, so that it does not
        # pick complements an earlier output has already pinned.
        self.plo = np.zeros(q)
        self.phi = np.full(q, np.inf)
        if problem.prev_matrix.shape[0]:
            lb, ub = implied_bounds(
                LinearSystem(
                    problem.prev_matrix, problem.prev_lower, problem.prev_upper, problem.truth
                )
            )
            inf_ub = np.isinf(ub)
            self.plo = np.asarray(problem.matrix @ lb).ravel()
            finite = np.asarray(problem.matrix @ np.where(inf_ub, 0.0, ub)).ravel()
            unbounded = np.asarray(problem.matrix @ inf_ub.astype(float)).ravel() > 0.5
            self.phi = np.where(unbounded, np.inf, finite)
        self.elo = np.maximum(self.lo, self.plo)
        self.ehi = np.minimum(self.hi, self.phi)
        self.line_parts = [np.asarray(parts, dtype=np.int64) for _, parts in problem.lines]
        self.line_total = [total for total, _ in problem.lines]
        self.supp_in_line = np.zeros(len(problem.lines), dtype=np.int64)
        for i, (total, parts) in enumerate(problem.lines):
            self.supp_in_line[i] = sum(self.kind[e].suppressed for e in (total, *parts))
        self.secondary_added = 0

    def need(self, e: int) -> int:
        return self.rule.required_width if self.kind[e] is Kind.PRIMARY else 1

    def withhold(self, e: int) -> None:
        shown = self.rule.secondary()
        self.kind[e] = Kind.SECONDARY
        self.display[e] = shown.display
        self.lo[e] = shown.lower
        self.hi[e] = np.inf
        self.elo[e] = max(float(shown.lower), self.plo[e])
        self.ehi[e] = self.phi[e]
        for line in self.problem.q_lines[e]:
            self.supp_in_line[line] += 1
        self.secondary_added += 1

    def can_withhold(self, e: int) -> bool:
        return self.kind[e] in (Kind.EXACT, Kind.ROUNDED)

    def cost(self, e: int, line: int | None) -> float:
        """Information lost: the count, more for every other line left with a lone suppression."""
        fresh = sum(
            1
            for other in self.problem.q_lines[e]
            if other != line and self.supp_in_line[other] == 0
        )
        return float(self.problem.q_truth[e]) * (1 + fresh)

    # --- one line ------------------------------------------------------------------------------

    def line_interval(self, line: int, e: int, swap: int = -1) -> tuple[float, float]:
        """The interval of entry e from this line alone (public intervals, narrowed by what
        earlier outputs imply); `swap` pretends that entry is a '[c]'."""
        total, parts = self.line_total[line], self.line_parts[line]
        lo, hi = self.elo, self.ehi
        k = float(self.rule.threshold)

        def get(x: int) -> tuple[float, float]:
            return (max(k, self.plo[x]), self.phi[x]) if x == swap else (lo[x], hi[x])

        def sums(members: np.ndarray) -> tuple[float, float, int]:
            low = lo[members].sum()
            inf = np.isinf(hi[members])
            high = np.where(inf, 0.0, hi[members]).sum()
            n_inf = int(inf.sum())
            if swap >= 0 and bool((members == swap).any()):
                s_lo, s_hi = get(swap)
                low += s_lo - lo[swap]
                n_inf -= int(np.isinf(hi[swap]))
                high -= 0.0 if np.isinf(hi[swap]) else hi[swap]
                if np.isinf(s_hi):
                    n_inf += 1
                else:
                    high += s_hi
            return low, high, n_inf

        elo, ehi = get(e)
        if e == total:
            plo, phi_fin, p_inf = sums(parts)
            return max(elo, plo), min(ehi, np.inf if p_inf else phi_fin)
        olo, ohi_fin, o_inf = sums(parts[parts != e])
        tlo, thi = get(total)
        low = -np.inf if o_inf else tlo - ohi_fin
        return max(elo, low), min(ehi, thi - olo)

    def complement_for(self, line: int, e: int) -> int | None:
        """The cheapest entry of the line whose withholding makes e wide enough there; if none
        does alone, the one that helps most."""
        need = self.need(e)
        total, parts = self.line_total[line], self.line_parts[line]
        best: tuple[float, float, int] | None = None  # (not enough, cost or -width, index)
        for c in (total, *parts.tolist()):
            if c == e or not self.can_withhold(c):
                continue
            lo, hi = self.line_interval(line, e, swap=c)
            width = hi - lo
            key = (0.0, self.cost(c, line), c) if width >= need else (1.0, -width, c)
            if best is None or key < best:
                best = key
        return None if best is None else best[2]

    def close_lines(self, lines: Sequence[int]) -> list[int]:
        """Step 2 from these lines until every line passes its local check; returns the cells
        no complement in their line could protect (left to the audit)."""
        queue = deque(sorted(set(lines)))
        queued = set(queue)
        stuck: list[int] = []
        while queue:
            line = queue.popleft()
            queued.discard(line)
            entries = (self.line_total[line], *self.line_parts[line].tolist())
            progress = True
            while progress:
                progress = False
                for e in entries:
                    if not self.kind[e].suppressed:
                        continue
                    lo, hi = self.line_interval(line, e)
                    if hi - lo >= self.need(e):
                        continue
                    c = self.complement_for(line, e)
                    if c is None:
                        stuck.append(e)
                        continue
                    self.withhold(c)
                    for other in self.problem.q_lines[c]:
                        if other != line and other not in queued:
                            queue.append(other)
                            queued.add(other)
                    progress = True
                    break
        return stuck

    def fix(self, e: int) -> int | None:
        """After an audit failure: the cheapest complement in one of e's lines, else in a line
        of a withheld cell of those lines."""
        best: tuple[float, int] | None = None
        lines = self.problem.q_lines[e]
        for line in lines:
            for c in (self.line_total[line], *self.line_parts[line].tolist()):
                if self.can_withhold(c):
                    key = (self.cost(c, line), c)
                    best = key if best is None or key < best else best
        if best is None:
            ring = {
                other
                for line in lines
                for x in (self.line_total[line], *self.line_parts[line].tolist())
                if self.kind[x].suppressed and x != e
                for other in self.problem.q_lines[x]
            }
            for line in sorted(ring):
                for c in (self.line_total[line], *self.line_parts[line].tolist()):
                    if self.can_withhold(c):
                        key = (self.cost(c, line), c)
                        best = key if best is None or key < best else best
        if best is None:
            return None
        self.withhold(best[1])
        return best[1]

    # --- the audit -----------------------------------------------------------------------------

    def system(self) -> LinearSystem:
        p = self.problem
        return LinearSystem(
            matrix=sparse.vstack([p.matrix, p.prev_matrix]).tocsr(),
            lower=np.concatenate([self.lo, p.prev_lower]),
            upper=np.concatenate([self.hi, p.prev_upper]),
            truth=p.truth,
        )

    def required(self, targets: Sequence[int]) -> np.ndarray:
        return np.asarray(
            [self.rule.required_width if self.kind[t] is Kind.PRIMARY else 0 for t in targets],
            dtype=float,
        )


def protect(
    cube: Cube,
    tables: Sequence[Table],
    rule_set: RuleSet = DEFAULT_RULE_SET,
    *,
    previous: Sequence[ProtectedOutput] = (),
    exact_audit: bool = True,
) -> ProtectedOutput:
    """Apply `rule_set` to `tables` (all from `cube`) with secondary suppression, audit the result
    against everything published including `previous` outputs, and return what may be released.

    Raises DisclosureControlFailed when no suppression within this release protects every '*'."""
    started = time.perf_counter()
    problem = _problem(cube, tables, previous)
    built = time.perf_counter()
    state = _State(problem, rule_set)
    primary = [q for q, kind in enumerate(state.kind) if kind is Kind.PRIMARY]
    lines = sorted({line for q in primary for line in problem.q_lines[q]})
    state.close_lines(lines)
    heuristic_done = time.perf_counter()
    # Round 1 audits everything withheld, in the recorded audit's mode: when it all passes (the
    # usual case) it is the record, and nothing is audited twice.
    withheld = [q for q, kind in enumerate(state.kind) if kind.suppressed]
    first = audit_system(state.system(), withheld, state.required(withheld), exact=exact_audit)
    points: list[np.ndarray] = first.points[-MAX_POINTS:]  # still feasible after more is withheld
    lp_solves = first.stats.lp_solves
    small_solves = first.stats.near_solves + first.stats.relaxed_solves
    to_check = [
        q for q, ok in zip(withheld, first.passed(state.required(withheld)), strict=True) if not ok
    ]
    record: tuple[list[int], Intervals] | None = None if to_check else (withheld, first)
    rounds = 1
    while to_check:
        added: list[int] = []
        for t in to_check:
            c = state.fix(t)
            if c is not None:
                added.append(c)
        if not added or rounds >= MAX_ROUNDS:
            raise DisclosureControlFailed(
                "These small counts could still be narrowed down whatever else is withheld: "
                + "; ".join(_place(problem, t) for t in to_check[:10])
                + (f" and {len(to_check) - 10} more" if len(to_check) > 10 else "")
                + ". The table has too few larger counts to hide them among, or an earlier "
                "output already reveals them: publish coarser categories or a longer period."
            )
        state.close_lines([line for c in added for line in problem.q_lines[c]])
        rounds += 1
        intervals = audit_system(
            state.system(), to_check, state.required(to_check), exact=False, points=points
        )
        points = (points + intervals.points)[-MAX_POINTS:]
        lp_solves += intervals.stats.lp_solves
        small_solves += intervals.stats.near_solves + intervals.stats.relaxed_solves
        to_check = [
            t
            for t, ok in zip(to_check, intervals.passed(state.required(to_check)), strict=True)
            if not ok
        ]
    if record is None:
        withheld = [q for q, kind in enumerate(state.kind) if kind.suppressed]
        final = audit_system(
            state.system(), withheld, state.required(withheld), exact=exact_audit, points=points
        )
        record = (withheld, final)
        lp_solves += final.stats.lp_solves
        small_solves += final.stats.near_solves + final.stats.relaxed_solves
    audit = _record(state, *record, len(previous))
    finished = time.perf_counter()
    audit.stats.update(
        {
            "tables": len(tables),
            "published_cells": sum(len(t.cells) for t in tables),
            "primary": len(primary),
            "secondary": state.secondary_added,
            "audit_rounds": rounds,
            "lp_solves": lp_solves,
            "small_lp_solves": small_solves,
            "seconds_build": round(built - started, 4),
            "seconds_heuristic": round(heuristic_done - built, 4),
            "seconds_audit": round(finished - heuristic_done, 4),
        }
    )
    return ProtectedOutput(
        rule_set=rule_set,
        dimensions=cube.dimensions,
        domains=dict(zip(cube.dimensions, cube.domains, strict=True)),
        tables=tuple(_published(cube, table, problem, state) for table in tables),
        audit=audit,
    )


def audit_primary_only(
    cube: Cube,
    tables: Sequence[Table],
    rule_set: RuleSet = DEFAULT_RULE_SET,
    *,
    previous: Sequence[ProtectedOutput] = (),
    exact_audit: bool = False,
) -> AuditResult:
    """The audit of the rule's own suppression alone, with no secondary suppression: the
    baseline that shows what secondary suppression is for (tests, benchmark, the DPO's guide).
    It returns only the audit, never tables: such an output must not be released."""
    state = _State(_problem(cube, tables, previous), rule_set)
    withheld = [q for q, kind in enumerate(state.kind) if kind.suppressed]
    final = audit_system(state.system(), withheld, state.required(withheld), exact=exact_audit)
    return _record(state, withheld, final, len(previous))


def _problem(cube: Cube, tables: Sequence[Table], previous: Sequence[ProtectedOutput]) -> Problem:
    prev_cells: list[PreviousCell] = []
    for earlier in previous:
        prev_cells.extend(earlier.previous_cells(cube))
    return build_problem(cube, tables, prev_cells)


def _record(state: _State, withheld: list[int], final: Intervals, previous: int) -> AuditResult:
    """The record kept with the output, from the audit of every withheld cell."""
    problem = state.problem
    required = state.required(withheld)
    passed = final.passed(required)
    is_exact = final.exact()
    cells = tuple(
        CellAudit(
            places=tuple(problem.places[q]),
            kind=state.kind[q],
            lower=int(final.inner_lo[i]),
            upper=None if np.isinf(final.inner_hi[i]) else int(final.inner_hi[i]),
            required_width=int(required[i]),
            passed=bool(passed[i]),
            exact=bool(is_exact[i]),
        )
        for i, q in enumerate(withheld)
    )
    return AuditResult(
        rule_set=state.rule.name,
        passed=bool(passed.all()),
        exact=bool(is_exact.all()),
        method=METHOD,
        cells=cells,
        previous_outputs=previous,
        previous_cells_widened=problem.prev_widened,
        stats={
            "distinct_cells": problem.n_quantities,
            "atoms": problem.n_atoms,
            "lines": len(problem.lines),
            "cells_not_exact": int((~is_exact).sum()),
            "components": final.stats.components,
            "largest_component": final.stats.largest_component,
        },
    )


def _place(problem: Problem, q: int) -> str:
    table, labels = problem.places[q][0]
    return f"{table} {' / '.join(labels)}"


def _published(cube: Cube, table: Table, problem: Problem, state: _State) -> PublishedTable:
    index = {box: q for q, box in enumerate(problem.boxes)}
    cells = []
    for cell in table.cells:
        q = index[cell.box]
        cells.append(
            PublishedCell(
                labels=cell.labels,
                display=state.display[q],
                kind=state.kind[q],
                lower=int(state.lo[q]),
                upper=None if np.isinf(state.hi[q]) else int(state.hi[q]),
                box={d: tuple(v) for d, v in cube.box_to_dict(cell.box).items()},
            )
        )
    return PublishedTable(
        name=table.name,
        title=table.title,
        headers=table.headers,
        cells=tuple(cells),
        where=table.where,
    )
