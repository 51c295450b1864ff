"""Published tables as sums over one base cube (R-SHARE-2).

A `Cube` holds the base counts: a tuple of dimension values (ward, ethnicity, service, month...)
-> a non-negative integer. Every published cell is the sum of the base cells inside a *box*: for
each dimension either every value or a chosen set of values. A ward x ethnicity table with totals,
a ward x service table sharing its ward margin, and last month's year-to-date table (the same box
with one month fewer) are then all linear sums over the same base cells, which is what lets the
audit treat linked tables and differencing as one system of linear constraints.

    cube = Cube.build(
        {"ward": ["Bulwell", "St Ann's"], "ethnicity": ["White", "Black", "Asian"]},
        {("Bulwell", "White"): 10, ("St Ann's", "Black"): 7},   # missing keys are 0
    )
    table = cross_table(cube, "fred", rows="ward", columns="ethnicity")
    # cells: every (ward, ethnicity), each ward's total, each ethnicity's total, the grand total

The measure must be additive over the cube (attendances, or distinct children when each child is
in exactly one base cell). A child counted under two services is not: model such a table as its
own release (see docs/disclosure-control.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from familyhub.core.errors import ValidationFailed

__all__ = [
    "Box",
    "Cell",
    "Cube",
    "Table",
    "cross_table",
    "margin_table",
    "table_from_cells",
]

# One entry per cube dimension: None = every value, else the chosen values (a proper subset).
Box = tuple[frozenset[str] | None, ...]

TOTAL = "Total"


@dataclass(frozen=True)
class Cube:
    """The base counts. `counts` maps a key (one value per dimension, in order) to its count;
    keys not present count 0. Every dimension lists its values (its domain) in display order."""

    dimensions: tuple[str, ...]
    domains: tuple[tuple[str, ...], ...]
    counts: Mapping[tuple[str, ...], int]

    @classmethod
    def build(
        cls,
        domains: Mapping[str, Sequence[str]],
        counts: Mapping[tuple[str, ...], int] | Iterable[tuple[tuple[str, ...], int]],
    ) -> Cube:
        """Validate and build a cube. Counts may be a mapping or (key, count) pairs; repeated
        keys are added together (so rows of a GROUP BY at a finer grain can be fed directly)."""
        dims = tuple(domains)
        if not dims:
            raise ValidationFailed("A cube needs at least one dimension.", field="dimensions")
        doms = tuple(tuple(str(v) for v in domains[d]) for d in dims)
        for d, dom in zip(dims, doms, strict=True):
            if not dom:
                raise ValidationFailed(f"The dimension {d!r} has no values.", field=d)
            if len(set(dom)) != len(dom):
                raise ValidationFailed(f"The dimension {d!r} repeats a value.", field=d)
        known = [frozenset(dom) for dom in doms]
        items = counts.items() if isinstance(counts, Mapping) else counts
        total: dict[tuple[str, ...], int] = {}
        for raw_key, count in items:
            key = tuple(str(v) for v in raw_key)
            if len(key) != len(dims):
                raise ValidationFailed(
                    f"The key {raw_key!r} does not have one value per dimension {dims}.",
                    field="counts",
                )
            for d, v, dom_set in zip(dims, key, known, strict=True):
                if v not in dom_set:
                    raise ValidationFailed(f"{v!r} is not a value of {d!r}.", field=d)
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValidationFailed(
                    f"Counts are non-negative whole numbers, not {count!r}.", field="counts"
                )
            if count:
                total[key] = total.get(key, 0) + count
        return cls(dims, doms, total)

    def index(self, dimension: str) -> int:
        try:
            return self.dimensions.index(dimension)
        except ValueError:
            raise ValidationFailed(
                f"The cube has no dimension {dimension!r}.", field="dimension"
            ) from None

    def box(self, selection: Mapping[str, str | Iterable[str]] | None = None) -> Box:
        """A normalised box: {dimension: value or values}; dimensions not named are 'all'."""
        entries: list[frozenset[str] | None] = [None] * len(self.dimensions)
        for dim, chosen in (selection or {}).items():
            i = self.index(dim)
            values = frozenset([chosen] if isinstance(chosen, str) else (str(v) for v in chosen))
            domain = frozenset(self.domains[i])
            unknown = values - domain
            if unknown:
                raise ValidationFailed(
                    f"{sorted(unknown)[0]!r} is not a value of {dim!r}.", field=dim
                )
            if not values:
                raise ValidationFailed(f"No values chosen for {dim!r}.", field=dim)
            if entries[i] is not None:
                values = values & entries[i]  # type: ignore[operator]
            entries[i] = None if values == domain else values
        return tuple(entries)

    def total(self, box: Box) -> int:
        """The true sum over a box (used by tests and by the output builder, never published)."""
        return sum(
            count
            for key, count in self.counts.items()
            if all(s is None or v in s for v, s in zip(key, box, strict=True))
        )

    def box_to_dict(self, box: Box) -> dict[str, list[str]]:
        """The restricted dimensions of a box, values in domain order (for storage)."""
        out: dict[str, list[str]] = {}
        for dim, dom, chosen in zip(self.dimensions, self.domains, box, strict=True):
            if chosen is not None:
                out[dim] = [v for v in dom if v in chosen]
        return out


@dataclass(frozen=True)
class Cell:
    """One published cell: its labels within its table and the box it sums."""

    labels: tuple[str, ...]
    box: Box


@dataclass(frozen=True)
class Table:
    """A published table: named cells. `headers` name the label positions (e.g. ward,
    ethnicity); `where` is the part of every box the table was filtered to, for its notes."""

    name: str
    title: str
    headers: tuple[str, ...]
    cells: tuple[Cell, ...]
    where: Mapping[str, tuple[str, ...]] | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValidationFailed("A table needs a name.", field="name")
        seen: set[tuple[str, ...]] = set()
        for cell in self.cells:
            if len(cell.labels) != len(self.headers):
                raise ValidationFailed(
                    f"The cell {cell.labels!r} of {self.name!r} needs one label per header.",
                    field="cells",
                )
            if cell.labels in seen:
                raise ValidationFailed(
                    f"The table {self.name!r} has two cells labelled {cell.labels!r}.",
                    field="cells",
                )
            seen.add(cell.labels)


def _categories(
    cube: Cube, dimension: str, categories: Mapping[str, Sequence[str]] | None
) -> list[tuple[str, frozenset[str] | None]]:
    dom = cube.domains[cube.index(dimension)]
    if categories is None:
        return [(v, frozenset([v])) for v in dom]
    out: list[tuple[str, frozenset[str] | None]] = []
    used: set[str] = set()
    for label, values in categories.items():
        chosen = frozenset(values)
        if chosen & used:
            raise ValidationFailed(
                f"The categories of {dimension!r} overlap at {sorted(chosen & used)[0]!r}.",
                field=dimension,
            )
        used |= chosen
        out.append((label, chosen))
    return out


def _merge(cube: Cube, base: Box, dimension: str, values: frozenset[str] | None) -> Box:
    if values is None:
        return base
    i = cube.index(dimension)
    entries = list(base)
    current = entries[i]
    chosen = values if current is None else values & current
    entries[i] = None if chosen == frozenset(cube.domains[i]) else chosen
    return tuple(entries)


def cross_table(
    cube: Cube,
    name: str,
    *,
    rows: str,
    columns: str,
    where: Mapping[str, str | Iterable[str]] | None = None,
    totals: bool = True,
    title: str = "",
    row_categories: Mapping[str, Sequence[str]] | None = None,
    column_categories: Mapping[str, Sequence[str]] | None = None,
    total_label: str = TOTAL,
) -> Table:
    """rows x columns, filtered by `where`, with row totals, column totals and a grand total.

    Categories group values (e.g. ONS high-level ethnic groups over detailed ones); by default
    each value is its own category. Totals are over the categories shown."""
    if rows == columns:
        raise ValidationFailed("Rows and columns must be different dimensions.", field="columns")
    base = cube.box(where)
    row_cats = _categories(cube, rows, row_categories)
    col_cats = _categories(cube, columns, column_categories)
    row_all = frozenset().union(*(v for _, v in row_cats if v is not None))
    col_all = frozenset().union(*(v for _, v in col_cats if v is not None))
    cells: list[Cell] = []
    for r_label, r_values in row_cats:
        r_box = _merge(cube, base, rows, r_values)
        for c_label, c_values in col_cats:
            cells.append(Cell((r_label, c_label), _merge(cube, r_box, columns, c_values)))
        if totals:
            cells.append(Cell((r_label, total_label), _merge(cube, r_box, columns, col_all)))
    if totals:
        all_rows = _merge(cube, base, rows, row_all)
        for c_label, c_values in col_cats:
            cells.append(Cell((total_label, c_label), _merge(cube, all_rows, columns, c_values)))
        cells.append(Cell((total_label, total_label), _merge(cube, all_rows, columns, col_all)))
    return Table(
        name=name,
        title=title or name,
        headers=(rows, columns),
        cells=tuple(cells),
        where=_where_dict(cube, where),
    )


def margin_table(
    cube: Cube,
    name: str,
    *,
    by: str,
    where: Mapping[str, str | Iterable[str]] | None = None,
    total: bool = True,
    title: str = "",
    categories: Mapping[str, Sequence[str]] | None = None,
    total_label: str = TOTAL,
) -> Table:
    """A one-way table: one cell per value (or category) of `by`, and their total."""
    base = cube.box(where)
    cats = _categories(cube, by, categories)
    every = frozenset().union(*(v for _, v in cats if v is not None))
    cells = [Cell((label,), _merge(cube, base, by, values)) for label, values in cats]
    if total:
        cells.append(Cell((total_label,), _merge(cube, base, by, every)))
    return Table(
        name=name,
        title=title or name,
        headers=(by,),
        cells=tuple(cells),
        where=_where_dict(cube, where),
    )


def table_from_cells(
    cube: Cube,
    name: str,
    headers: Sequence[str],
    cells: Iterable[tuple[Sequence[str], Mapping[str, str | Iterable[str]]]],
    *,
    title: str = "",
) -> Table:
    """Any other shape: (labels, {dimension: value or values}) per cell."""
    return Table(
        name=name,
        title=title or name,
        headers=tuple(headers),
        cells=tuple(Cell(tuple(labels), cube.box(sel)) for labels, sel in cells),
    )


def _where_dict(
    cube: Cube, where: Mapping[str, str | Iterable[str]] | None
) -> dict[str, tuple[str, ...]] | None:
    if not where:
        return None
    return {d: tuple(v) for d, v in cube.box_to_dict(cube.box(where)).items()}
