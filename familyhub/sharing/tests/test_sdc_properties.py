"""Property tests of disclosure control over random releases (R-SHARE-2).

Random cubes (ward x ethnicity x service x month), one table or two linked tables sharing the
ward margin, with or without last month's output, under every rule set. Whatever `protect`
releases must satisfy, checked independently of how it was made:

* no withheld cell's feasible interval is narrower than the rule requires, by the plain audit
  (two LPs per cell over everything, from the published symbols alone);
* the recorded audit gives the same intervals as that plain audit;
* no published number is a small count (1 to threshold-1);
* every cell, totals included, is the rule applied to its true total (a rounded total is the
  rounding of the true total, not the sum of rounded cells); a '[c]' is never small;
* a cell shared by two tables is shown the same in both.
"""

from __future__ import annotations

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from familyhub.sharing import sdc
from familyhub.sharing.sdc import Kind

RULES = [
    sdc.DEFAULT_RULE_SET,
    sdc.threshold_rule(10),
    sdc.threshold_rule(5),
    sdc.threshold_rule(10, zero_shown=False),
    sdc.ons_10_5(),
]

COUNT = st.one_of(
    st.just(0), st.integers(1, 9), st.integers(10, 40), st.integers(10, 40), st.integers(40, 90)
)


@st.composite
def releases(draw):
    wards = [f"ward {i}" for i in range(draw(st.integers(2, 4)))]
    groups = [f"group {i}" for i in range(draw(st.integers(2, 4)))]
    services = [f"service {i}" for i in range(draw(st.integers(2, 3)))]
    months = ["2026-10", "2026-11"]
    keys = [(w, g, s, m) for w in wards for g in groups for s in services for m in months]
    values = draw(st.lists(COUNT, min_size=len(keys), max_size=len(keys)))
    cube = sdc.Cube.build(
        {"ward": wards, "ethnicity": groups, "service": services, "month": months},
        dict(zip(keys, values, strict=True)),
    )
    rule = draw(st.sampled_from(RULES))
    linked = draw(st.booleans())
    with_previous = draw(st.booleans())
    return cube, rule, linked, with_previous


def _protect(cube, rule, linked, with_previous):
    previous = []
    if with_previous:
        october = sdc.cross_table(
            cube, "by-ethnicity", rows="ward", columns="ethnicity", where={"month": "2026-10"}
        )
        previous.append(sdc.protect(cube, [october], rule))
    tables = [sdc.cross_table(cube, "by-ethnicity", rows="ward", columns="ethnicity")]
    if linked:
        tables.append(sdc.cross_table(cube, "by-service", rows="ward", columns="service"))
    return sdc.protect(cube, tables, rule, previous=previous), previous


def _true_total(cube: sdc.Cube, cell: sdc.PublishedCell, output: sdc.ProtectedOutput) -> int:
    selection = {d: output.domains[d] for d in output.dimensions if d not in cell.box}
    selection.update(cell.box)
    return cube.total(cube.box(selection))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(releases())
def test_whatever_is_released_keeps_every_small_count_protected(release):
    cube, rule, linked, with_previous = release
    try:
        output, previous = _protect(cube, rule, linked, with_previous)
    except sdc.DisclosureControlFailed:
        event("refused: too few large counts to hide the small ones")
        assume(False)
        return
    event(f"{rule.name}, linked={linked}, previous={with_previous}")
    assert output.audit.passed

    plain = sdc.verify(output, cube, previous=previous, full=True)
    for recorded, checked in zip(output.audit.cells, plain.cells, strict=True):
        assert recorded.places == checked.places
        assert (recorded.lower, recorded.upper) == (checked.lower, checked.upper)
        if checked.kind is Kind.PRIMARY:
            assert checked.width >= rule.required_width, checked
    assert plain.passed

    shown_by_box: dict[tuple, str] = {}
    for table in output.tables:
        for cell in table:
            true = _true_total(cube, cell, output)
            if cell.display.isdigit():
                assert not 1 <= int(cell.display) < rule.threshold
            if cell.kind is Kind.ZERO:
                assert true == 0 and cell.display == "0"
            elif cell.kind is Kind.PRIMARY:
                assert rule.is_primary(true) and cell.display == rule.primary_symbol
            elif cell.kind is Kind.SECONDARY:
                assert true >= rule.threshold and cell.display == rule.secondary_symbol
            elif cell.kind is Kind.ROUNDED:
                assert cell.display == str(sdc.round_half_up(true, rule.rounding_base))
            else:
                assert cell.display == str(true)
            assert cell.lower <= true and (cell.upper is None or true <= cell.upper)
            key = tuple(sorted((d, tuple(v)) for d, v in cell.box.items()))
            assert shown_by_box.setdefault(key, cell.display) == cell.display


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(releases())
def test_secondary_suppression_only_ever_adds_to_the_rules_own(release):
    """The rule's own suppression is never undone or changed: every cell that is not a '[c]'
    shows exactly what the rule shows for its true total."""
    cube, rule, linked, with_previous = release
    try:
        output, _ = _protect(cube, rule, linked, with_previous)
    except sdc.DisclosureControlFailed:
        assume(False)
        return
    for table in output.tables:
        for cell in table:
            if cell.kind is not Kind.SECONDARY:
                assert rule.show(_true_total(cube, cell, output)).display == cell.display
