"""Linear-programming building blocks of the audit (internal; see `sdc.audit`).

Every row of the systems here is a 0/1 sum of atoms with an interval on it; atoms are
non-negative with their own bounds. All LPs are solved by HiGHS through
`scipy.optimize.linprog` (dual simplex for small problems, interior point with crossover for
large ones, where it is about twice as fast).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

EPS = 1e-6
MAX_PROPAGATION_ROUNDS = 60
NEAR_ROW_LIMIT = 200  # rows longer than this (and than 4 sqrt(n)) never join a neighbourhood
IPM_ATOMS = 3000  # components at least this large are solved by interior point
LONG_ROW_SAMPLE = 48  # atoms taken from each long row through a cell, for its small LPs
ROW_SAMPLE = 8  # atoms taken from each row beyond the first hop, for a cell's small LPs


@dataclass
class Counters:
    lp_solves: int = 0  # LPs over a whole component
    near_solves: int = 0  # small LPs around one cell (a part of the component moves)
    relaxed_solves: int = 0  # small LPs with only the rows around one cell (an outer bound)
    lp_failures: int = 0
    components: int = 0
    largest_component: int = 0
    atoms: int = 0
    free_atoms: int = 0
    inexact_by_budget: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def floor(v: np.ndarray | float) -> np.ndarray:
    return np.floor(np.asarray(v, dtype=float) + EPS)


def ceil(v: np.ndarray | float) -> np.ndarray:
    return np.ceil(np.asarray(v, dtype=float) - EPS)


class ComponentLP:
    """lo <= a @ x <= hi, lb <= x <= ub: one independent part of a system."""

    def __init__(
        self, a: sparse.csr_matrix, lo: np.ndarray, hi: np.ndarray, lb: np.ndarray, ub: np.ndarray
    ) -> None:
        self.a = a
        self.n = a.shape[1]
        self.lo = lo
        self.hi = hi
        self.bounds = np.column_stack([lb, ub])
        eq = np.isfinite(lo) & np.isfinite(hi) & (lo == hi)
        up = np.isfinite(hi) & ~eq
        down = np.isfinite(lo) & ~eq
        parts, rhs = [], []
        if up.any():
            parts.append(a[up])
            rhs.append(hi[up])
        if down.any():
            parts.append(-a[down])
            rhs.append(-lo[down])
        self.a_ub = sparse.vstack(parts).tocsr() if parts else None
        self.b_ub = np.concatenate(rhs) if rhs else None
        self.a_eq = a[eq].tocsr() if eq.any() else None
        self.b_eq = hi[eq] if eq.any() else None
        self._csc: sparse.csc_matrix | None = None
        sizes = np.diff(a.indptr)
        self.expands = sizes <= max(NEAR_ROW_LIMIT, 4 * int(np.sqrt(max(self.n, 1))))

    @property
    def a_csc(self) -> sparse.csc_matrix:
        if self._csc is None:
            self._csc = self.a.tocsc()
        return self._csc

    def solve(
        self, c: np.ndarray, counters: Counters | None, cap: np.ndarray | None = None
    ) -> tuple[str, np.ndarray | None]:
        """Minimise c @ x: ("optimal", x) | ("unbounded", None) | ("failed", None).

        `cap` bounds every atom from above for this solve only: any solution is still feasible
        for the real system, which is all harvesting needs, and it keeps a batch objective from
        being unbounded."""
        if counters is not None:
            counters.lp_solves += 1
        bounds = self.bounds
        if cap is not None:
            bounds = np.column_stack([bounds[:, 0], np.minimum(bounds[:, 1], cap)])
        res = linprog(
            c,
            A_ub=self.a_ub,
            b_ub=self.b_ub,
            A_eq=self.a_eq,
            b_eq=self.b_eq,
            bounds=bounds,
            method="highs-ipm" if self.n >= IPM_ATOMS else "highs",
        )
        if res.status == 0:
            return "optimal", np.asarray(res.x)
        if res.status == 3:
            return "unbounded", None
        if counters is not None:
            counters.lp_failures += 1
        return "failed", None

    def neighbourhood(
        self, focus: np.ndarray, hops: int, room: np.ndarray | None = None
    ) -> np.ndarray:
        """Atoms within `hops` rows of the focus atoms, through rows that are not too long.
        With `room` (how far each atom can move), the second and later hops take from each
        row only the ROW_SAMPLE atoms with most room, which keeps the cycles that let a cell
        move (a rectangle through two rows and two columns) while staying small."""
        near = np.zeros(self.n, dtype=bool)
        near[focus] = True
        frontier = focus
        for hop in range(hops):
            rows = np.unique(self.a_csc[:, frontier].indices)
            rows = rows[self.expands[rows]]
            if rows.size == 0:
                break
            if room is None or hop == 0:
                reached = np.unique(self.a[rows].indices)
            else:
                picked = []
                for row in rows:
                    atoms = self.a.indices[self.a.indptr[row] : self.a.indptr[row + 1]]
                    atoms = atoms[~near[atoms]]
                    if atoms.size > ROW_SAMPLE:
                        atoms = atoms[np.argsort(-room[atoms], kind="stable")[:ROW_SAMPLE]]
                    picked.append(atoms)
                reached = np.unique(np.concatenate(picked))
            frontier = reached[~near[reached]]
            near[reached] = True
            if frontier.size == 0:
                break
        return np.flatnonzero(near)

    def room(self, point: np.ndarray) -> np.ndarray:
        lb, ub = self.bounds[:, 0], self.bounds[:, 1]
        return np.minimum(point - lb, np.where(np.isinf(ub), 1e9, ub - point))

    def _with_room(self, near: np.ndarray, focus: np.ndarray, room: np.ndarray) -> np.ndarray:
        """Add, from each long row through the focus (a column margin across every ward), the
        atoms with most room to move: without them the long row's own slack would be all the
        room the focus has."""
        rows = np.unique(self.a_csc[:, focus].indices)
        long_rows = rows[~self.expands[rows]]
        if long_rows.size == 0:
            return near
        chosen = [near]
        for row in long_rows:
            atoms = self.a.indices[self.a.indptr[row] : self.a.indptr[row + 1]]
            if atoms.size > LONG_ROW_SAMPLE:
                atoms = atoms[np.argsort(-room[atoms], kind="stable")[:LONG_ROW_SAMPLE]]
            chosen.append(atoms)
        return np.unique(np.concatenate(chosen))

    def solve_near(
        self, c: np.ndarray, focus: np.ndarray, point: np.ndarray, hops: int, counters: Counters
    ) -> np.ndarray | None:
        """Minimise c @ x moving only the atoms near `focus`, the rest held at `point` (a
        feasible point): a feasible point at least as good as `point`, or None. A restriction:
        sound for harvesting, never for a bound."""
        room = self.room(point)
        near = self._with_room(self.neighbourhood(focus, hops, room), focus, room)
        if near.size >= 0.6 * self.n or near.size == 0:
            return None
        rows = np.unique(self.a_csc[:, near].indices)
        a_rows = self.a[rows]
        sub = a_rows[:, near].tocsr()
        held = np.asarray(a_rows @ point).ravel() - np.asarray(sub @ point[near]).ravel()
        local = ComponentLP(sub, self.lo[rows] - held, self.hi[rows] - held, *self.bounds[near].T)
        counters.near_solves += 1
        status, y = local.solve(c[near], None)
        if status != "optimal" or y is None:
            return None
        x = point.copy()
        x[near] = y
        return x

    def solve_relaxed(
        self, c: np.ndarray, focus: np.ndarray, hops: int, counters: Counters
    ) -> float | None:
        """A lower bound on min c @ x (c zero away from `focus`), or None when the
        neighbourhood is not small. -inf when unbounded.

        A relaxation: the atoms near the focus stay as they are; in every row that touches
        them, all its other atoms are replaced by one slack variable bounded by their summed
        bounds (so rows no longer constrain those atoms jointly). Every solution of the real
        system gives a solution of this one, so its minimum can only be lower."""
        near = self.neighbourhood(focus, hops)
        if near.size >= 0.6 * self.n or near.size == 0:
            return None
        rows = np.unique(self.a_csc[:, near].indices)
        a_rows = self.a[rows]
        inside = np.zeros(self.n)
        inside[near] = 1.0
        lb, ub = self.bounds[:, 0], self.bounds[:, 1]
        outside = 1.0 - inside
        n_out = np.asarray(a_rows @ outside).ravel()
        ub_inf = np.isinf(ub)
        slack_lb = np.asarray(a_rows @ (lb * outside)).ravel()
        slack_ub_fin = np.asarray(a_rows @ (np.where(ub_inf, 0.0, ub) * outside)).ravel()
        slack_inf = np.asarray(a_rows @ (ub_inf * outside)).ravel() > 0.5
        slack_ub = np.where(slack_inf, np.inf, slack_ub_fin)
        has = np.flatnonzero(n_out > 0.5)
        slack = sparse.csr_matrix(
            (np.ones(has.size), (has, np.arange(has.size))), shape=(rows.size, has.size)
        )
        sub = sparse.hstack([a_rows[:, near], slack]).tocsr()
        bounds_lb = np.concatenate([lb[near], slack_lb[has]])
        bounds_ub = np.concatenate([ub[near], slack_ub[has]])
        local = ComponentLP(sub, self.lo[rows], self.hi[rows], bounds_lb, bounds_ub)
        counters.relaxed_solves += 1
        objective = np.concatenate([c[near], np.zeros(has.size)])
        status, y = local.solve(objective, None)
        if status == "unbounded":
            return -np.inf
        if status != "optimal" or y is None:
            return None
        return float(objective @ y)


def singletons(
    m: sparse.csr_matrix, lower: np.ndarray, upper: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Atom bounds from one-atom rows, and the rows with two or more atoms."""
    n = m.shape[1]
    counts = np.diff(m.indptr)
    lb = np.zeros(n)
    ub = np.full(n, np.inf)
    single = np.flatnonzero(counts == 1)
    cols = m.indices[m.indptr[single]]
    np.maximum.at(lb, cols, lower[single])
    np.minimum.at(ub, cols, upper[single])
    return lb, ub, np.flatnonzero(counts >= 2)


def dedupe(  # type: ignore[no-untyped-def]
    m: sparse.csr_matrix, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray
):
    """Identical rows (the same cell published twice) become one, with both intervals."""
    seen: dict[bytes, int] = {}
    keep: list[int] = []
    lo: list[float] = []
    hi: list[float] = []
    row_to_unique = np.full(m.shape[0], -1, dtype=np.int64)
    for r in rows:
        key = m.indices[m.indptr[r] : m.indptr[r + 1]].tobytes()
        u = seen.get(key)
        if u is None:
            u = seen[key] = len(keep)
            keep.append(int(r))
            lo.append(float(lower[r]))
            hi.append(float(upper[r]))
        else:
            lo[u] = max(lo[u], float(lower[r]))
            hi[u] = min(hi[u], float(upper[r]))
        row_to_unique[r] = u
    sub = m[np.asarray(keep, dtype=np.int64)] if keep else m[:0]
    return sub.tocsr(), np.asarray(lo), np.asarray(hi), row_to_unique


def propagate(
    a: sparse.csr_matrix, lo: np.ndarray, hi: np.ndarray, lb: np.ndarray, ub: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Bound propagation: each row's implied bounds on each of its atoms, until nothing
    changes (integer rounding makes every step at least 1, and the rounds are capped)."""
    if a.shape[0] == 0:
        return lb, ub
    coo = a.tocoo()
    ri, cj = coo.row, coo.col
    for _ in range(MAX_PROPAGATION_ROUNDS):
        inf_ub = np.isinf(ub)
        ub_f = np.where(inf_ub, 0.0, ub)
        row_min = a @ lb
        row_max = a @ ub_f
        row_inf = a @ inf_ub.astype(float)
        cand_u = hi[ri] - row_min[ri] + lb[cj]
        others_inf = row_inf[ri] - inf_ub[cj] > 0.5
        cand_l = np.where(others_inf, -np.inf, lo[ri] - row_max[ri] + ub_f[cj])
        new_ub = ub.copy()
        new_lb = lb.copy()
        np.minimum.at(new_ub, cj, cand_u)
        np.maximum.at(new_lb, cj, cand_l)
        new_ub = np.where(np.isinf(new_ub), new_ub, floor(new_ub))
        new_lb = np.maximum(ceil(new_lb), 0.0)
        if np.array_equal(new_ub, ub) and np.array_equal(new_lb, lb):
            break
        lb, ub = new_lb, new_ub
    return lb, ub
