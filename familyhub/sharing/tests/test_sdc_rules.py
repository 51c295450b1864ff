"""Rule sets of the disclosure-control library (R-SHARE-2): how counts are shown, what the public
then knows, and the source documents' examples."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from familyhub.core.errors import ValidationFailed
from familyhub.sharing import sdc
from familyhub.sharing.sdc import Kind

DEFAULT = sdc.DEFAULT_RULE_SET


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, "0"), (1, "*"), (3, "*"), (7, "*"), (8, "10"), (10, "10"), (12, "10"), (13, "15")],
)
def test_default_rule_known_answers(count, shown):
    """R-SHARE-2: 0 stays 0, 1 to 7 are '*', the rest to the nearest 5, half up."""
    assert DEFAULT.show(count).display == shown


def test_default_rule_is_the_round_5_suppress_1_7_rule():
    assert DEFAULT.name == "round-5-suppress-1-7"
    assert sdc.get_rule_set("round-5-suppress-1-7") == DEFAULT
    assert DEFAULT.primary_interval == (1, 7)
    assert DEFAULT.required_width == 3


def test_round_half_up_is_integer_arithmetic_not_bankers_rounding():
    # Python's round() sends halves to the even neighbour: round(25, -1) == 20.
    assert round(25, -1) == 20
    assert sdc.round_half_up(25, 10) == 30
    assert sdc.round_half_up(15, 10) == 20
    assert sdc.round_half_up(14, 10) == 10
    assert sdc.round_half_up(2, 5) == 0
    assert sdc.round_half_up(3, 5) == 5
    assert sdc.round_half_up(10**18 + 3, 5) == 10**18 + 5  # no float anywhere
    with pytest.raises(ValueError):
        sdc.round_half_up(-1, 5)
    with pytest.raises(ValueError):
        sdc.round_half_up(2.5, 5)  # type: ignore[arg-type]


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from([2, 3, 5, 10]))
def test_round_half_up_is_the_nearest_multiple_with_halves_up(value, base):
    r = sdc.round_half_up(value, base)
    assert r % base == 0
    assert 2 * abs(value - r) <= base
    if 2 * abs(value - r) == base:  # a tie: the upper multiple
        assert r > value


@given(st.integers(min_value=0, max_value=5000))
def test_what_is_shown_always_contains_the_true_count(value):
    """The audit's knowledge must never exclude the truth, for every rule set."""
    for rule in (
        DEFAULT,
        sdc.ons_10_5(),
        sdc.threshold_rule(10),
        sdc.threshold_rule(10, zero_shown=False),
    ):
        shown = rule.show(value)
        assert shown.lower <= value
        assert shown.upper is None or value <= shown.upper
        assert rule.interval_of(shown.kind, shown.display) == (shown.lower, shown.upper)
        if shown.kind is Kind.ROUNDED:
            assert int(shown.display) == sdc.round_half_up(value, rule.rounding_base)
        if shown.display.isdigit():
            assert not 1 <= int(shown.display) < rule.threshold  # never a small number


def test_a_rounded_value_stands_for_five_counts_and_at_least_the_threshold():
    assert DEFAULT.show(12) == sdc.Shown("10", Kind.ROUNDED, 8, 12)
    assert DEFAULT.show(47) == sdc.Shown("45", Kind.ROUNDED, 43, 47)
    ons = sdc.ons_10_5()
    assert ons.show(11) == sdc.Shown("10", Kind.ROUNDED, 10, 12)  # under 10 would be '*'
    assert ons.show(9).display == "*"
    assert ons.primary_interval == (1, 9)
    assert ons.required_width == 4


def test_threshold_rule_shows_exact_counts_and_can_hide_zeros():
    rule = sdc.threshold_rule(10)
    assert rule.name == "threshold-10"
    assert rule.show(10) == sdc.Shown("10", Kind.EXACT, 10, 10)
    assert rule.show(9).display == "*"
    assert rule.show(0) == sdc.Shown("0", Kind.ZERO, 0, 0)
    hidden = sdc.threshold_rule(10, zero_shown=False)
    assert hidden.name == "threshold-10-zero-suppressed"
    assert hidden.show(0) == sdc.Shown("*", Kind.PRIMARY, 0, 9)
    assert sdc.get_rule_set("threshold-10-zero-suppressed") == hidden
    assert sdc.get_rule_set("threshold-6").primary_interval == (1, 5)


def test_secondary_cells_say_only_that_they_are_not_small():
    assert DEFAULT.secondary() == sdc.Shown("[c]", Kind.SECONDARY, 8, None)
    assert sdc.threshold_rule(10).secondary().lower == 10


@pytest.mark.parametrize("name", ["nonsense", "threshold-", "threshold-x", "round-10", ""])
def test_unknown_rule_set_names_are_refused(name):
    with pytest.raises(ValidationFailed):
        sdc.get_rule_set(name)


def test_rule_sets_that_could_not_protect_anything_are_refused():
    with pytest.raises(ValidationFailed):
        sdc.threshold_rule(2)  # a '*' that can only mean 1
    with pytest.raises(ValidationFailed):
        sdc.threshold_rule(10, protection_width=9)  # wider than 1..9 allows
    with pytest.raises(ValidationFailed):
        sdc.RuleSet(name="x", title="x", threshold=2, rounding_base=5, zero_shown=False)


def test_every_rule_set_describes_itself_in_plain_english():
    for name in sdc.rule_set_names():
        rule = sdc.get_rule_set(name)
        assert rule.name in sdc.rule_set_names()
        assert rule.primary_symbol in rule.description
        knowledge = " ".join(rule.public_knowledge)
        assert f"from {rule.primary_interval[0]} to {rule.primary_interval[1]}" in knowledge
        assert "[c]" in knowledge
        assert sdc.RuleSet.from_dict(rule.to_dict()) == rule
    assert "nearest 5" in DEFAULT.description
    assert "v-2 to v+2" in " ".join(DEFAULT.public_knowledge)


# --- the source documents' examples [000] ---------------------------------------------------------

WARDS = ["Bulwell", "St Ann's", "Aspley"]
ETHNICITY = ["White", "Black", "Asian", "Mixed"]


def _attendance_cube() -> sdc.Cube:
    counts = {
        # 10 children in Bulwell attended a Cook and Play session
        ("Bulwell", "White", "Cook and Play", "child"): 6,
        ("Bulwell", "Asian", "Cook and Play", "child"): 4,
        # 7 fathers in St Ann's attended FRED
        ("St Ann's", "Black", "FRED", "father"): 4,
        ("St Ann's", "White", "FRED", "father"): 3,
        ("Bulwell", "White", "FRED", "father"): 21,
        ("Bulwell", "Asian", "FRED", "father"): 9,
        ("Aspley", "White", "FRED", "father"): 16,
        ("Aspley", "Mixed", "FRED", "father"): 12,
        ("St Ann's", "White", "Cook and Play", "child"): 25,
        ("Aspley", "Black", "Cook and Play", "child"): 14,
    }
    return sdc.Cube.build(
        {
            "ward": WARDS,
            "ethnicity": ETHNICITY,
            "service": ["Cook and Play", "FRED"],
            "role": ["child", "father", "mother"],
        },
        counts,
    )


def test_ten_children_in_bulwell_attended_a_cook_and_play_session():
    """[000]: '10 children in Bulwell attended a Cook and Play session' is published as 10."""
    cube = _attendance_cube()
    table = sdc.margin_table(
        cube, "cook-and-play", by="ward", where={"service": "Cook and Play", "role": "child"}
    )
    out = sdc.protect(cube, [table])
    bulwell = out.table("cook-and-play").cell("Bulwell")
    assert (bulwell.display, bulwell.kind) == ("10", Kind.ROUNDED)
    assert (bulwell.lower, bulwell.upper) == (8, 12)
    assert out.audit.passed
    for rule in (sdc.threshold_rule(10), sdc.ons_10_5()):
        assert (
            sdc.protect(cube, [table], rule).table("cook-and-play").cell("Bulwell").display == "10"
        )


def test_seven_fathers_in_st_anns_attended_fred():
    """[000]: '7 fathers in St Ann's attended FRED', with ethnicity, is never published as 7."""
    cube = _attendance_cube()
    table = sdc.cross_table(
        cube, "fred", rows="ward", columns="ethnicity", where={"service": "FRED", "role": "father"}
    )
    out = sdc.protect(cube, [table])
    fred = out.table("fred")
    assert fred.cell("St Ann's", "Total").display == "*"
    assert fred.cell("St Ann's", "Black").display == "*"
    assert fred.cell("St Ann's", "White").display == "*"
    assert fred.cell("St Ann's", "Asian").display == "0"
    assert fred.cell("Bulwell", "White").display == "20"
    assert all(not (c.display.isdigit() and 1 <= int(c.display) <= 7) for c in fred)
    assert out.audit.passed
    audited = {c.places[0][1]: c for c in out.audit.cells}
    st_anns = audited[("St Ann's", "Total")]
    assert st_anns.width >= 3 and st_anns.passed and st_anns.exact
    assert out.notes[0] == "Disclosure control: round-5-suppress-1-7."
    assert "'*' means a count from 1 to 7." in out.notes
