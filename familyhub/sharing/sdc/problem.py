"""The linear system behind a release: atoms, published quantities, lines (internal).

* **Atoms** are the variables. Base cells that lie in exactly the same published boxes can never
  be told apart, so each class of such cells is one variable (its count is their sum). A single
  2-way table over a five-dimensional cube has as many atoms as inner cells, not as base cells.
* **Quantities** are the distinct published boxes of the current release: a cell that appears in
  two tables (a shared ward margin) is one quantity, so it is shown and suppressed consistently.
* **Lines** are the additive relations between quantities (a total and the parts that partition
  it along one dimension: a row, a column, a margin, a group of categories): what the secondary
  suppression heuristic works along. The audit does not need them: it works on the atoms.
* **Previous** rows: cells of earlier outputs, with the interval the public learned from each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from familyhub.core.errors import ValidationFailed

from .tables import Box, Cube, Table

# A release with more variables than this is refused (narrow the tables or the cube).
MAX_ATOMS = 2_000_000


@dataclass(frozen=True)
class PreviousCell:
    """A cell published earlier: its box over this cube and what the public learned."""

    box: Box
    lower: int
    upper: int | None
    label: str = ""


@dataclass
class Problem:
    cube: Cube
    boxes: list[Box]
    places: list[list[tuple[str, tuple[str, ...]]]]
    matrix: sparse.csr_matrix  # quantities x atoms, 0/1
    truth: np.ndarray  # atom counts
    q_truth: np.ndarray  # quantity true values
    prev_matrix: sparse.csr_matrix
    prev_lower: np.ndarray
    prev_upper: np.ndarray
    prev_widened: int
    lines: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)
    q_lines: list[list[int]] = field(default_factory=list)

    @property
    def n_atoms(self) -> int:
        return int(self.truth.shape[0])

    @property
    def n_quantities(self) -> int:
        return len(self.boxes)


def build_problem(
    cube: Cube, tables: Sequence[Table], previous: Sequence[PreviousCell] = ()
) -> Problem:
    if not tables:
        raise ValidationFailed("A release needs at least one table.", field="tables")
    names = [t.name for t in tables]
    if len(set(names)) != len(names):
        raise ValidationFailed("Two tables in one release share a name.", field="tables")
    index: dict[Box, int] = {}
    boxes: list[Box] = []
    places: list[list[tuple[str, tuple[str, ...]]]] = []
    for table in tables:
        for cell in table.cells:
            if len(cell.box) != len(cube.dimensions):
                raise ValidationFailed(
                    f"A cell of {table.name!r} does not match the cube's dimensions.",
                    field="tables",
                )
            q = index.get(cell.box)
            if q is None:
                q = index[cell.box] = len(boxes)
                boxes.append(cell.box)
                places.append([])
            places[q].append((table.name, cell.labels))
    prev_boxes = [p.box for p in previous]
    atoms = _AtomIndex(cube, boxes + prev_boxes)
    n_full = atoms.n_full
    cur = atoms.matrix(boxes)
    prev = atoms.matrix(prev_boxes)
    used = np.unique(np.concatenate([cur.indices, prev.indices]))
    remap = np.full(n_full, -1, dtype=np.int64)
    remap[used] = np.arange(used.size)
    cur = _recolumn(cur, remap, used.size)
    prev = _recolumn(prev, remap, used.size)
    truth = np.zeros(used.size, dtype=np.int64)
    for key, count in cube.counts.items():
        flat = atoms.flat(key)
        if flat >= 0 and remap[flat] >= 0:
            truth[remap[flat]] += count
    q_truth = np.asarray(cur @ truth, dtype=np.int64)
    prev_lower = np.array([p.lower for p in previous], dtype=float)
    prev_upper = np.array([np.inf if p.upper is None else p.upper for p in previous], dtype=float)
    widened = 0
    if previous:
        # Records added or corrected since an earlier output was made: its published interval may
        # no longer hold for today's counts. Widen it just enough to hold (the attacker's
        # knowledge is then about slightly different numbers; see docs/disclosure-control.md).
        now = np.asarray(prev @ truth, dtype=float)
        outside = (now < prev_lower) | (now > prev_upper)
        widened = int(outside.sum())
        prev_lower = np.minimum(prev_lower, now)
        prev_upper = np.maximum(prev_upper, now)
    problem = Problem(
        cube=cube,
        boxes=boxes,
        places=places,
        matrix=cur,
        truth=truth,
        q_truth=q_truth,
        prev_matrix=prev,
        prev_lower=prev_lower,
        prev_upper=prev_upper,
        prev_widened=widened,
    )
    problem.lines = find_lines(cube, boxes)
    problem.q_lines = [[] for _ in boxes]
    for i, (total, parts) in enumerate(problem.lines):
        problem.q_lines[total].append(i)
        for p in parts:
            problem.q_lines[p].append(i)
    return problem


class _AtomIndex:
    """Per dimension, values grouped by the boxes that contain them; an atom is one such class
    per dimension, numbered in mixed radix (flat ids; unused ids are dropped later)."""

    def __init__(self, cube: Cube, boxes: Sequence[Box]) -> None:
        self.class_of: list[dict[str, int]] = []
        self.radix: list[int] = []
        self.set_classes: list[dict[frozenset[str], list[int]]] = []
        for d, domain in enumerate(cube.domains):
            sets: list[frozenset[str]] = sorted(
                {s for b in boxes if (s := b[d]) is not None}, key=sorted
            )
            any_all = any(b[d] is None for b in boxes)
            signature_class: dict[tuple[bool, ...], int] = {}
            mapping: dict[str, int] = {}
            for v in domain:
                signature = tuple(v in s for s in sets)
                if not any_all and not any(signature):
                    continue  # in no box: never part of a published sum
                mapping[v] = signature_class.setdefault(signature, len(signature_class))
            self.class_of.append(mapping)
            self.radix.append(max(1, len(signature_class)))
            self.set_classes.append({s: sorted({mapping[v] for v in s}) for s in sets})
        self.n_full = 1
        for r in self.radix:
            self.n_full *= r
        if self.n_full > MAX_ATOMS:
            raise ValidationFailed(
                "These tables split the data into too many pieces to check; publish fewer "
                "dimensions or coarser categories together.",
                field="tables",
            )
        strides = [1] * len(self.radix)
        for d in range(len(self.radix) - 2, -1, -1):
            strides[d] = strides[d + 1] * self.radix[d + 1]
        self.strides = strides

    def flat(self, key: tuple[str, ...]) -> int:
        flat = 0
        for d, v in enumerate(key):
            c = self.class_of[d].get(v, -1)
            if c < 0:
                return -1
            flat += c * self.strides[d]
        return flat

    def matrix(self, boxes: Sequence[Box]) -> sparse.csr_matrix:
        full_ranges = [
            np.arange(r, dtype=np.int64) * s for r, s in zip(self.radix, self.strides, strict=True)
        ]
        indptr = [0]
        chunks: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
        for box in boxes:
            flat = np.zeros(1, dtype=np.int64)
            for d, chosen in enumerate(box):
                offsets = (
                    full_ranges[d]
                    if chosen is None
                    else np.asarray(self.set_classes[d][chosen], dtype=np.int64) * self.strides[d]
                )
                flat = (flat[:, None] + offsets[None, :]).ravel()
            flat.sort()
            chunks.append(flat)
            indptr.append(indptr[-1] + flat.size)
        indices = np.concatenate(chunks)
        data = np.ones(indices.size, dtype=np.float64)
        return sparse.csr_matrix(
            (data, indices, np.asarray(indptr, dtype=np.int64)), shape=(len(boxes), self.n_full)
        )


def _recolumn(m: sparse.csr_matrix, remap: np.ndarray, n: int) -> sparse.csr_matrix:
    return sparse.csr_matrix((m.data, remap[m.indices], m.indptr), shape=(m.shape[0], n))


def find_lines(cube: Cube, boxes: Sequence[Box]) -> list[tuple[int, tuple[int, ...]]]:
    """Totals and the parts that partition them along one dimension, everything else equal.

    Found for each total: its single values, when all are published (a row of a cross table);
    and its largest published proper subsets, when they partition it (categories that group
    values, or a margin over groups)."""
    lines: set[tuple[int, tuple[int, ...]]] = set()
    for d, domain in enumerate(cube.domains):
        full = frozenset(domain)
        groups: dict[tuple, dict[frozenset[str], int]] = defaultdict(dict)
        for q, box in enumerate(boxes):
            rest = box[:d] + box[d + 1 :]
            groups[rest][full if box[d] is None else box[d]] = q  # type: ignore[index]
        for members in groups.values():
            if len(members) < 3:
                continue
            singles = {next(iter(s)): q for s, q in members.items() if len(s) == 1}
            for total_set, total_q in members.items():
                if len(total_set) < 2:
                    continue
                if all(v in singles for v in total_set):
                    parts = tuple(sorted(singles[v] for v in total_set))
                    lines.add((total_q, parts))
                inside = [s for s in members if s < total_set]
                maximal = [s for s in inside if not any(s < t for t in inside)]
                if (
                    len(maximal) >= 2
                    and sum(len(s) for s in maximal) == len(total_set)
                    and frozenset().union(*maximal) == total_set
                ):
                    lines.add((total_q, tuple(sorted(members[s] for s in maximal))))
    return sorted(lines)
