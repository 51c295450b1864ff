"""Secondary suppression and the LP audit (R-SHARE-2): single tables, pairs in a line, linked
tables sharing a margin, differencing with last month's output, stored outputs, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from familyhub.core.errors import ValidationFailed
from familyhub.sharing import sdc
from familyhub.sharing.sdc import Kind
from familyhub.sharing.sdc.problem import build_problem
from familyhub.sharing.sdc.verify import system_for

THRESHOLD_10 = sdc.threshold_rule(10)


def _one_way(values: dict[str, int]) -> tuple[sdc.Cube, sdc.Table]:
    cube = sdc.Cube.build({"ward": list(values)}, {(w,): v for w, v in values.items()})
    return cube, sdc.margin_table(cube, "wards", by="ward")


def _audit_by_labels(output: sdc.ProtectedOutput) -> dict[tuple[str, ...], sdc.CellAudit]:
    return {cell.places[0][1]: cell for cell in output.audit.cells}


def test_a_lone_small_count_gets_a_complement_with_room_to_hide_it():
    """Row total minus the rest would give the '*' away: the cheapest cell that leaves it at least
    4 wide is withheld too, and the audit's intervals are the known answers."""
    cube, table = _one_way({"Bulwell": 3, "St Ann's": 20, "Aspley": 30})
    out = sdc.protect(cube, [table], THRESHOLD_10)
    wards = out.table("wards")
    assert [c.display for c in wards] == ["*", "[c]", "30", "53"]
    audit = _audit_by_labels(out)
    # Bulwell + St Ann's = 23 and St Ann's >= 10: Bulwell is anything from 1 to 9.
    assert (audit[("Bulwell",)].lower, audit[("Bulwell",)].upper) == (1, 9)
    assert (audit[("St Ann's",)].lower, audit[("St Ann's",)].upper) == (14, 22)
    assert audit[("St Ann's",)].kind is Kind.SECONDARY
    assert audit[("St Ann's",)].required_width == 0
    assert all(c.exact and c.passed for c in out.audit.cells)


def test_without_secondary_suppression_the_audit_finds_the_lone_cell():
    cube, table = _one_way({"Bulwell": 3, "St Ann's": 20, "Aspley": 30})
    baseline = sdc.audit_primary_only(cube, [table], THRESHOLD_10, exact_audit=True)
    assert not baseline.passed
    (cell,) = baseline.failures
    assert (cell.lower, cell.upper, cell.places) == (3, 3, (("wards", ("Bulwell",)),))


def test_a_pair_of_small_counts_in_one_line_is_not_enough():
    """1 + 1 with every other cell and the total exact: each '*' would be exactly 1."""
    cube, table = _one_way({"a": 1, "b": 1, "c": 40, "d": 50})
    assert not sdc.audit_primary_only(cube, [table], THRESHOLD_10).passed
    out = sdc.protect(cube, [table], THRESHOLD_10)
    assert [c.display for c in out.table("wards")] == ["*", "*", "[c]", "50", "92"]
    audit = _audit_by_labels(out)
    assert audit[("a",)].width >= 4 and audit[("b",)].width >= 4


def test_rounding_alone_can_narrow_a_star_and_the_audit_catches_it():
    """Default rule: a '*' beside a rounded cell under a rounded total: 20 - 10 leaves 6..7."""
    cube, table = _one_way({"a": 6, "b": 11})  # a '*', b 10 (8..12), total 17 -> 15 (13..17)
    assert [c.display for c in sdc.protect(cube, [table]).table("wards")][:1] == ["*"]
    cube, table = _one_way({"a": 7, "b": 12, "c": 0})  # total 19 -> 20 (18..22): a is 6..7
    baseline = sdc.audit_primary_only(cube, [table], exact_audit=True)
    assert [(c.lower, c.upper, c.passed) for c in baseline.cells] == [(6, 7, False)]
    out = sdc.protect(cube, [table])
    assert [c.display for c in out.table("wards")] == ["*", "[c]", "0", "20"]
    assert out.audit.passed


def test_cross_table_lines_are_rows_columns_and_the_margins():
    cube = sdc.Cube.build(
        {"ward": ["w0", "w1", "w2"], "eth": ["a", "b", "c", "d"]}, {("w0", "a"): 4}
    )
    table = sdc.cross_table(cube, "t", rows="ward", columns="eth")
    assert len(table.cells) == (3 + 1) * (4 + 1)
    problem = build_problem(cube, [table])
    assert len(problem.lines) == 3 + 4 + 2
    assert problem.n_atoms == 12


def test_categories_make_lines_at_each_level():
    """ONS high-level groups over detailed categories: each group is the sum of its details, and
    the total is both the sum of the details and the sum of the groups."""
    cube = sdc.Cube.build({"eth": ["w1", "w2", "b1", "b2", "a1"]}, {("w1",): 12, ("b2",): 3})
    detail = sdc.margin_table(cube, "detail", by="eth")
    groups = sdc.margin_table(
        cube,
        "groups",
        by="eth",
        categories={"White": ["w1", "w2"], "Black": ["b1", "b2"], "Asian": ["a1"]},
    )
    problem = build_problem(cube, [detail, groups])
    # Asian is a1 and the two totals are one cell: 5 details, their total, White and Black
    assert problem.n_quantities == 5 + 1 + 2
    assert len(problem.lines) == 4  # White, Black, total by detail, total by group
    out = sdc.protect(cube, [detail, groups], THRESHOLD_10)
    assert out.table("groups").cell("Black").display == "*"
    assert out.table("detail").cell("b2").display == "*"
    assert out.audit.passed


# --- linked tables ---------------------------------------------------------------------------------

LINKED_COUNTS = {
    ("w0", "e0", "s0"): 1, ("w0", "e0", "s1"): 2, ("w0", "e1", "s0"): 0, ("w0", "e1", "s1"): 5,
    ("w0", "e2", "s0"): 3, ("w0", "e2", "s1"): 3, ("w1", "e0", "s0"): 5, ("w1", "e0", "s1"): 12,
    ("w1", "e1", "s0"): 0, ("w1", "e1", "s1"): 8, ("w1", "e2", "s0"): 3, ("w1", "e2", "s1"): 20,
    ("w2", "e0", "s0"): 5, ("w2", "e0", "s1"): 12, ("w2", "e1", "s0"): 3, ("w2", "e1", "s1"): 15,
    ("w2", "e2", "s0"): 30, ("w2", "e2", "s1"): 0,
}  # fmt: skip


def _linked() -> tuple[sdc.Cube, sdc.Table, sdc.Table]:
    cube = sdc.Cube.build(
        {"ward": ["w0", "w1", "w2"], "eth": ["e0", "e1", "e2"], "svc": ["s0", "s1"]},
        LINKED_COUNTS,
    )
    by_eth = sdc.cross_table(cube, "by-ethnicity", rows="ward", columns="eth")
    by_svc = sdc.cross_table(cube, "by-service", rows="ward", columns="svc")
    return cube, by_eth, by_svc


def test_tables_protected_one_at_a_time_leak_through_their_shared_ward_margin():
    """By ethnicity shows ward w0's total (14); by service hides it ('[c]') to protect w0/s0
    ('*'), and then 14 - 10 = 4 gives that '*' away."""
    cube, by_eth, by_svc = _linked()
    a = sdc.protect(cube, [by_eth], THRESHOLD_10)
    b = sdc.protect(cube, [by_svc], THRESHOLD_10)
    assert a.audit.passed and b.audit.passed
    assert a.table("by-ethnicity").cell("w0", "Total").display == "14"
    assert b.table("by-service").cell("w0", "Total").display == "[c]"
    together = sdc.ProtectedOutput(
        THRESHOLD_10, cube.dimensions, a.domains, a.tables + b.tables, a.audit
    )
    check = sdc.verify(together, cube)
    leaked = {c.places[0]: (c.lower, c.upper) for c in check.failures}
    assert leaked[("by-service", ("w0", "s0"))] == (4, 4)
    assert leaked[("by-service", ("w1", "s0"))] == (8, 8)


def test_linked_tables_protected_together_withhold_the_shared_margin_in_both():
    cube, by_eth, by_svc = _linked()
    out = sdc.protect(cube, [by_eth, by_svc], THRESHOLD_10)
    for ward in ("w0", "w1", "w2"):
        shown = {t.cell(ward, "Total").display for t in out.tables}
        assert len(shown) == 1  # the same quantity, shown the same way in both tables
    assert out.table("by-ethnicity").cell("w0", "Total").display == "[c]"
    shared = [c for c in out.audit.cells if len(c.places) == 2]
    assert {p[1] for c in shared for p in c.places} >= {("w0", "Total"), ("w1", "Total")}
    assert out.audit.passed
    assert sdc.verify(out, cube, full=True).passed


# --- differencing with last month --------------------------------------------------------------------


def _two_months() -> sdc.Cube:
    october = {("w0", "e0"): 0, ("w0", "e1"): 20, ("w1", "e0"): 15, ("w1", "e1"): 14}
    october |= {("w2", "e0"): 13, ("w2", "e1"): 17}
    counts = {(w, e, "2026-10"): v for (w, e), v in october.items()}
    counts[("w0", "e0", "2026-11")] = 2  # November: two new children, both in w0 / e0
    return sdc.Cube.build(
        {"ward": ["w0", "w1", "w2"], "eth": ["e0", "e1"], "month": ["2026-10", "2026-11"]}, counts
    )


def test_differencing_with_last_months_output_is_prevented():
    """October's year-to-date table was published in full. November's alone withholds w0/e0 (2)
    and others, but shows w0's total (22) and the grand total (81, October 79): with October's
    figures every withheld cell can be worked back, w0/e0 exactly."""
    cube = _two_months()
    october = sdc.protect(
        cube,
        [sdc.cross_table(cube, "ytd", rows="ward", columns="eth", where={"month": "2026-10"})],
        THRESHOLD_10,
    )
    assert not october.audit.cells  # nothing small in October
    stored = json.loads(json.dumps(october.to_dict()))  # as kept with the disclosure record
    last_month = sdc.ProtectedOutput.from_dict(stored)
    november = sdc.cross_table(cube, "ytd", rows="ward", columns="eth")

    alone = sdc.protect(cube, [november], THRESHOLD_10)
    assert alone.audit.passed  # fine on its own...
    check = sdc.verify(alone, cube, previous=[last_month])
    (leak,) = check.failures  # ...but next to October's it is exactly 2
    assert leak.places == (("ytd", ("w0", "e0")),)
    assert (leak.lower, leak.upper) == (2, 2)

    out = sdc.protect(cube, [november], THRESHOLD_10, previous=[last_month])
    assert out.audit.passed and out.audit.previous_outputs == 1
    assert out.table("ytd").cell("w0", "e0").display == "*"
    assert out.table("ytd").cell("Total", "Total").display == "[c]"  # 81 - 79 would say "2 new"
    assert sdc.verify(out, cube, previous=[last_month], full=True).passed


def test_an_earlier_output_that_no_longer_matches_the_data_is_widened_not_trusted():
    cube = _two_months()
    october = sdc.protect(
        cube,
        [sdc.margin_table(cube, "wards", by="ward", where={"month": "2026-10"})],
        THRESHOLD_10,
    )
    # A late record: October's w2 changed after October's output was made.
    counts = dict(cube.counts)
    counts[("w2", "e0", "2026-10")] += 3
    corrected = sdc.Cube.build(dict(zip(cube.dimensions, cube.domains, strict=True)), counts)
    out = sdc.protect(
        corrected, [sdc.cross_table(corrected, "ytd", rows="ward", columns="eth")],
        THRESHOLD_10, previous=[october],
    )  # fmt: skip
    assert out.audit.previous_cells_widened == 2  # w2 and the total
    assert out.audit.passed


# --- stored outputs, the audit record, bad input --------------------------------------------------


def test_the_output_and_its_audit_round_trip_through_json():
    cube, by_eth, by_svc = _linked()
    out = sdc.protect(cube, [by_eth, by_svc], sdc.ons_10_5())
    data = json.loads(json.dumps(out.to_dict()))
    again = sdc.ProtectedOutput.from_dict(data)
    assert again.tables == out.tables
    assert again.audit.cells == out.audit.cells
    assert again.rule_set == out.rule_set
    assert data["notes"] == list(out.notes)
    assert data["audit"]["cells"][0].keys() >= {"lower", "upper", "required_width", "passed"}
    # the published data never carries a true small count
    text = json.dumps(data["tables"])
    assert '"display": "3"' not in text and '"display": "8"' not in text
    with pytest.raises(ValidationFailed):
        sdc.ProtectedOutput.from_dict({**data, "format": "other"})


def test_the_recorded_audit_agrees_with_the_plain_two_lps_per_cell_audit():
    cube, by_eth, by_svc = _linked()
    for rule in (sdc.DEFAULT_RULE_SET, THRESHOLD_10, sdc.ons_10_5()):
        out = sdc.protect(cube, [by_eth, by_svc], rule)
        plain = sdc.verify(out, cube, full=True)
        assert [(c.lower, c.upper) for c in out.audit.cells] == [
            (c.lower, c.upper) for c in plain.cells
        ]
        assert out.audit.exact and plain.passed


def _integer_interval(system, row: int) -> tuple[float, float]:
    m = system.matrix
    c = m[row].toarray().ravel()
    kwargs = {
        "constraints": LinearConstraint(m, system.lower, system.upper),
        "integrality": np.ones(m.shape[1]),
        "bounds": Bounds(0, np.inf),
    }
    top = milp(-c, **kwargs)
    bottom = milp(c, **kwargs)
    assert bottom.status == 0
    return bottom.fun, (np.inf if top.status == 3 else -top.fun)


def test_the_lp_relaxation_never_claims_less_room_than_the_integer_problem():
    """The audit solves the LP relaxation. It contains the integer (MILP) interval, and equals
    it for a single two-way table (totally unimodular)."""
    cube, by_eth, by_svc = _linked()
    for tables, same in (([by_eth], True), ([by_eth, by_svc], False)):
        out = sdc.protect(cube, tables, sdc.DEFAULT_RULE_SET)
        system, targets, _, _, _ = system_for(out, cube)
        for row, cell in zip(targets, out.audit.cells, strict=True):
            low, high = _integer_interval(system, row)
            upper = np.inf if cell.upper is None else cell.upper
            assert cell.lower <= low and upper >= high
            if same:
                assert (cell.lower, upper) == (low, high)


def test_a_table_of_nothing_but_small_counts_cannot_be_released():
    cube = sdc.Cube.build(
        {"ward": ["w0", "w1", "w2", "w3"], "eth": ["e0", "e1"]},
        {("w0", "e0"): 1, ("w0", "e1"): 1, ("w1", "e0"): 2, ("w1", "e1"): 1,
         ("w2", "e0"): 6, ("w2", "e1"): 4, ("w3", "e1"): 2},
    )  # fmt: skip
    table = sdc.cross_table(cube, "t", rows="ward", columns="eth")
    with pytest.raises(sdc.DisclosureControlFailed) as refused:
        sdc.protect(cube, [table], sdc.ons_10_5())
    assert "t w0 / e0" in refused.value.message
    assert refused.value.status == 422


def test_bad_cubes_and_tables_are_refused_with_the_reason():
    with pytest.raises(ValidationFailed, match="not a value"):
        sdc.Cube.build({"ward": ["a"]}, {("b",): 1})
    with pytest.raises(ValidationFailed, match="non-negative"):
        sdc.Cube.build({"ward": ["a"]}, {("a",): -1})
    with pytest.raises(ValidationFailed, match="one value per dimension"):
        sdc.Cube.build({"ward": ["a"]}, {("a", "b"): 1})
    with pytest.raises(ValidationFailed, match="repeats"):
        sdc.Cube.build({"ward": ["a", "a"]}, {})
    cube = sdc.Cube.build({"ward": ["a", "b"], "eth": ["x", "y"]}, {("a", "x"): 9})
    with pytest.raises(ValidationFailed):
        sdc.cross_table(cube, "t", rows="ward", columns="ward")
    with pytest.raises(ValidationFailed, match="no dimension"):
        sdc.margin_table(cube, "t", by="service")
    table = sdc.margin_table(cube, "t", by="ward")
    with pytest.raises(ValidationFailed, match="share a name"):
        sdc.protect(cube, [table, table])
    with pytest.raises(ValidationFailed):
        sdc.protect(cube, [])
    other = sdc.Cube.build({"ward": ["a", "b"]}, {("a",): 9})
    earlier = sdc.protect(other, [sdc.margin_table(other, "t", by="ward")])
    with pytest.raises(ValidationFailed, match="other dimensions"):
        sdc.protect(cube, [table], previous=[earlier])


def test_counts_repeated_in_the_input_are_added_up():
    cube = sdc.Cube.build({"ward": ["a", "b"]}, [(("a",), 4), (("a",), 5), (("b",), 0)])
    assert cube.counts == {("a",): 9}
    assert cube.total(cube.box({"ward": "a"})) == 9
