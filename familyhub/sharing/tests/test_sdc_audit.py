"""The fast LP audit against the plain one (R-SHARE-2).

The fast audit's shortcuts (bound propagation, components, harvested points, small LPs around a
cell, interior point for large components, a cap on whole-component LPs) only switch on for
large tables. Here the size thresholds are lowered so that a small table takes every path, and
every interval is compared with the plain audit: two LPs per cell over the whole system.
"""

from __future__ import annotations

import numpy as np
import pytest

from familyhub.sharing import sdc
from familyhub.sharing.sdc import audit, lp
from familyhub.sharing.sdc.verify import system_for


def _table(rows: int, cols: int, mean: float, seed: int) -> tuple[sdc.Cube, sdc.Table]:
    rng = np.random.default_rng(seed)
    means = np.outer(rng.lognormal(0, 0.6, rows), rng.lognormal(0, 0.6, cols))
    counts = rng.poisson(means * mean / means.mean())
    wards = [f"w{i}" for i in range(rows)]
    groups = [f"g{j}" for j in range(cols)]
    cube = sdc.Cube.build(
        {"ward": wards, "group": groups},
        {(w, g): int(counts[i, j]) for i, w in enumerate(wards) for j, g in enumerate(groups)},
    )
    return cube, sdc.cross_table(cube, "t", rows="ward", columns="group")


@pytest.fixture
def small_thresholds(monkeypatch):
    monkeypatch.setattr(audit, "SMALL_COMPONENT", 20)
    monkeypatch.setattr(audit, "IPM_ATOMS", 150)
    monkeypatch.setattr(lp, "IPM_ATOMS", 150)
    monkeypatch.setattr(audit, "BATCH_MIN_LARGE", 4)
    monkeypatch.setattr(lp, "NEAR_ROW_LIMIT", 10)


@pytest.mark.parametrize(
    "rule", [sdc.DEFAULT_RULE_SET, sdc.threshold_rule(10), sdc.ons_10_5()], ids=lambda r: r.name
)
def test_every_shortcut_gives_the_plain_audits_intervals(small_thresholds, rule):
    cube, table = _table(16, 14, 14.0, seed=7)
    out = sdc.protect(cube, [table], rule)
    assert out.audit.passed and out.audit.exact
    system, targets, _, _, _ = system_for(out, cube)
    lows, highs, _ = audit.full_audit(system, targets)
    assert [(c.lower, np.inf if c.upper is None else c.upper) for c in out.audit.cells] == list(
        zip(lows.tolist(), highs.tolist(), strict=True)
    )
    # the shortcuts really ran
    required = np.zeros(len(targets))
    fast = audit.audit_system(system, targets, required, exact=True)
    assert fast.stats.near_solves + fast.stats.relaxed_solves > 0
    assert fast.stats.free_atoms < system.matrix.shape[1] or rule.rounding_base > 1


def test_capped_whole_component_lps_leave_proven_but_inexact_intervals(monkeypatch):
    monkeypatch.setattr(audit, "LARGE_COMPONENT", 10)
    monkeypatch.setattr(audit, "EXACT_BUDGET", 0)
    monkeypatch.setattr(audit, "BATCH_ROUNDS", 0)
    monkeypatch.setattr(audit, "SMALL_COMPONENT", 10**9)  # no small LPs either
    cube, table = _table(12, 10, 12.0, seed=3)
    out = sdc.protect(cube, [table])
    system, targets, _, _, _ = system_for(out, cube)
    lows, highs, _ = audit.full_audit(system, targets)
    inexact = [c for c in out.audit.cells if not c.exact]
    assert inexact and not out.audit.exact
    for cell, low, high in zip(out.audit.cells, lows, highs, strict=True):
        upper = np.inf if cell.upper is None else cell.upper
        assert low <= cell.lower and upper <= high  # proven inside the true interval
        if cell.exact:
            assert (cell.lower, upper) == (low, high)
    assert out.audit.passed  # a pass proven on the inner interval is a pass


def test_feasible_points_from_a_stricter_system_are_reused_and_wrong_ones_ignored():
    cube, table = _table(10, 8, 10.0, seed=5)
    out = sdc.protect(cube, [table], sdc.threshold_rule(10))
    system, targets, _, _, _ = system_for(out, cube)
    required = np.zeros(len(targets))
    first = audit.audit_system(system, targets, required, exact=True)
    again = audit.audit_system(system, targets, required, exact=True, points=first.points)
    assert again.stats.lp_solves <= first.stats.lp_solves
    assert np.array_equal(again.inner_lo, first.inner_lo)
    bogus = [np.full(system.matrix.shape[1], 1000.0)]  # breaks every published total
    wrong = audit.audit_system(system, targets, required, exact=True, points=bogus)
    assert np.array_equal(wrong.inner_hi, first.inner_hi)
