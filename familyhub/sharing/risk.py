"""Re-identification risk of a record-level extract: k-anonymity and l-diversity (R-SHARE-3).

Over the extract's rows as they would leave (already generalised):

* the *quasi-identifiers* are the columns someone could know from elsewhere (month of birth, sex,
  ethnic group, ward: the items flagged `quasi_identifier` in `sharing.items`);
* an *equivalence class* is the set of rows sharing every quasi-identifier value;
* **k** is the size of the smallest class: every record looks like at least k-1 others;
* **l** (distinct l-diversity) is the fewest distinct values of the *sensitive* column in any
  class: a class whose members all attended the same service tells a reader that service for
  anyone they can place in the class, however large k is.

`measure()` is one pass of a Counter and a dict of sets (a GROUP BY in Python), so a million rows
cost about a second; `violating()` names the classes below the thresholds, which the extract
service then generalises further or suppresses (`sharing.services.extracts`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from operator import itemgetter

Row = Sequence[Hashable]


@dataclass(frozen=True)
class Measure:
    """k and l of a set of rows (l None: no sensitive column). `violating` counts the rows in
    classes below k_min or l_min; `classes` the equivalence classes."""

    records: int
    classes: int
    k: int
    l: int | None  # noqa: E741 - the name of the measure
    violating: int

    def meets(self, k_min: int, l_min: int) -> bool:
        return self.violating == 0 and self.k >= k_min and (self.l is None or self.l >= l_min)

    def as_dict(self) -> dict[str, int | None]:
        return {
            "records": self.records,
            "classes": self.classes,
            "k": self.k,
            "l": self.l,
            "violating": self.violating,
        }


def _keyer(qi: Sequence[int]) -> Callable[[Row], tuple[Hashable, ...]]:
    """The class key of a row: `operator.itemgetter` (in C), a tuple for several columns."""
    if not qi:
        return lambda row: ()
    if len(qi) == 1:
        i = qi[0]
        return lambda row: (row[i],)
    return itemgetter(*qi)  # type: ignore[return-value]


def classes(
    rows: Sequence[Row], qi: Sequence[int], sensitive: int | None
) -> tuple[Counter[tuple[Hashable, ...]], dict[tuple[Hashable, ...], set[Hashable]] | None]:
    sizes: Counter[tuple[Hashable, ...]] = Counter()
    values: dict[tuple[Hashable, ...], set[Hashable]] | None = None
    key_of = _keyer(qi)
    if sensitive is None:
        sizes.update(map(key_of, rows))  # type: ignore[arg-type]
    else:
        values = {}
        for r in rows:
            key = key_of(r)
            sizes[key] += 1
            values.setdefault(key, set()).add(r[sensitive])
    return sizes, values


def bad_classes(
    sizes: Counter[tuple[Hashable, ...]],
    values: dict[tuple[Hashable, ...], set[Hashable]] | None,
    k_min: int,
    l_min: int,
) -> set[tuple[Hashable, ...]]:
    bad = {key for key, n in sizes.items() if n < k_min}
    if values is not None:
        bad |= {key for key, v in values.items() if len(v) < l_min}
    return bad


def measure(
    rows: Sequence[Row], *, qi: Sequence[int], sensitive: int | None, k_min: int, l_min: int
) -> Measure:
    """k, l and how many rows sit in classes below `k_min` / `l_min` (an empty extract: k=0)."""
    sizes, values = classes(rows, qi, sensitive)
    if not sizes:
        return Measure(records=0, classes=0, k=0, l=None if values is None else 0, violating=0)
    bad = bad_classes(sizes, values, k_min, l_min)
    return Measure(
        records=len(rows),
        classes=len(sizes),
        k=min(sizes.values()),
        l=None if values is None else min(len(v) for v in values.values()),
        violating=sum(sizes[key] for key in bad),
    )


def without_violating(
    rows: Sequence[Row], *, qi: Sequence[int], sensitive: int | None, k_min: int, l_min: int
) -> list[Row]:
    """The rows left once every class below the thresholds is removed (record suppression)."""
    sizes, values = classes(rows, qi, sensitive)
    bad = bad_classes(sizes, values, k_min, l_min)
    if not bad:
        return list(rows)
    key_of = _keyer(qi)
    return [r for r in rows if key_of(r) not in bad]
