"""k-anonymity and l-diversity (R-SHARE-3): the GROUP BY in Python against a naive count."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from familyhub.sharing import risk

rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(["2023-01", "2023-02", "2024-05"]),
        st.sampled_from(["F", "M"]),
        st.sampled_from(["Bulwell", "Aspley", "Basford"]),
        st.sampled_from(["FRED", "Cook and Play", "None"]),
    ),
    max_size=60,
)


def _naive(rows, qi, s, k_min, l_min):
    k = min((sum(1 for o in rows if all(o[i] == r[i] for i in qi)) for r in rows), default=0)
    ls = [len({o[s] for o in rows if all(o[i] == r[i] for i in qi)}) for r in rows]
    bad = [
        r
        for r, n_l in zip(rows, ls, strict=True)
        if sum(1 for o in rows if all(o[i] == r[i] for i in qi)) < k_min or n_l < l_min
    ]
    return k, min(ls, default=0), len(bad)


@settings(max_examples=200, deadline=None)
@given(rows_strategy, st.integers(1, 6), st.integers(1, 3))
def test_measure_matches_a_naive_count(rows, k_min, l_min):
    m = risk.measure(rows, qi=[0, 1, 2], sensitive=3, k_min=k_min, l_min=l_min)
    k, l_value, violating = _naive(rows, [0, 1, 2], 3, k_min, l_min)
    assert (m.k, m.violating) == (k, violating)
    assert m.l == l_value
    assert m.records == len(rows)


@settings(max_examples=200, deadline=None)
@given(rows_strategy, st.integers(1, 6), st.integers(1, 3))
def test_suppression_leaves_only_safe_classes(rows, k_min, l_min):
    kept = risk.without_violating(rows, qi=[0, 1, 2], sensitive=3, k_min=k_min, l_min=l_min)
    after = risk.measure(kept, qi=[0, 1, 2], sensitive=3, k_min=k_min, l_min=l_min)
    assert after.violating == 0
    if kept:
        assert after.k >= k_min and after.l is not None and after.l >= l_min
    # Only whole violating classes go: everything safe is kept.
    assert (
        len(kept)
        == len(rows)
        - risk.measure(rows, qi=[0, 1, 2], sensitive=3, k_min=k_min, l_min=l_min).violating
    )


def test_known_example():
    rows = [("2023-01", "F", "A"), ("2023-01", "F", "B"), ("2023-01", "F", "A"), ("2024", "M", "A")]
    m = risk.measure(rows, qi=[0, 1], sensitive=2, k_min=2, l_min=2)
    assert (m.k, m.l, m.classes, m.violating) == (1, 1, 2, 1)
    assert not m.meets(2, 2)
    assert risk.measure(rows[:3], qi=[0, 1], sensitive=2, k_min=3, l_min=2).meets(3, 2)
    assert risk.measure([], qi=[0], sensitive=None, k_min=5, l_min=2).k == 0


def test_no_quasi_identifiers_is_one_class():
    m = risk.measure([("a",), ("b",)], qi=[], sensitive=0, k_min=2, l_min=2)
    assert (m.k, m.l, m.classes) == (2, 2, 1)
    assert risk.measure([("a",)], qi=[0], sensitive=None, k_min=1, l_min=1).k == 1
