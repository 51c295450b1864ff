"""Property tests of the person-detail validators shared by forms, the API and imports (R-PEOPLE-2).

The validators are pure functions, so hypothesis drives them directly: NHS numbers (modulus 11,
cross-checked against the `nhs-number` package), postcodes, dates of birth, expected dates of
delivery and phone numbers. No database.
"""

from __future__ import annotations

import re
import string
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from familyhub.core.testing import nhs_number_999
from familyhub.people import validators as v

settings.register_profile(
    "familyhub-validators",
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PROPERTY = settings(settings.get_profile("familyhub-validators"))

TODAY = date(2026, 11, 23)  # a fixed 'today' so that date properties do not depend on the clock

DIGITS = st.text(alphabet=string.digits, min_size=10, max_size=10)


def with_check_digit(body: str) -> str | None:
    """The NHS Data Dictionary's modulus 11, written out independently of the code under test."""
    total = sum(int(d) * w for d, w in zip(body, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return None if check == 10 else body + str(check)


# Modulus 11 valid and outside the Scottish CHI range (whose numbers must also start with a date).
VALID_NHS = (
    st.text(alphabet=string.digits, min_size=9, max_size=9)
    .map(with_check_digit)
    .filter(lambda d: bool(d) and not 100_000_000 <= int(d) <= 3_112_999_999)
)


# --- NHS numbers --------------------------------------------------------------------------------


def test_known_answers():
    """R-PEOPLE-2: the NHS Data Dictionary's example, formatted three ways."""
    assert v.normalise_nhs_number("999 000 0018") == "9990000018"
    assert v.normalise_nhs_number("999-000-0018") == "9990000018"
    assert v.normalise_nhs_number(" 9990000018 ") == "9990000018"
    assert v.normalise_nhs_number("") == ""
    assert v.format_nhs_number("9990000018") == "999 000 0018"
    for bad in ("9990000019", "999 000 001", "999 000 00188", "999O000018", "nine"):
        with pytest.raises(v.InvalidValue):
            v.normalise_nhs_number(bad)


@PROPERTY
@given(st.integers(min_value=0, max_value=999_999))
def test_every_test_number_from_the_999_range_is_accepted(n):
    """R-PEOPLE-2: the factories' numbers (`nhs_number_999`) are valid, by us and by the library."""
    number = nhs_number_999(n)
    assert number.startswith("999") and len(number) == 10
    assert v.normalise_nhs_number(number) == number
    assert v.nhs_number_valid_by_library(number)


@st.composite
def formatted(draw, number: str) -> str:
    """The number with spaces and dashes sprinkled between (and around) its digits."""
    sep = st.sampled_from(["", "", "", " ", "-", "  ", " - ", "\t"])
    parts = [draw(sep)]
    for ch in number:
        parts += [ch, draw(sep)]
    return "".join(parts)


@PROPERTY
@given(st.data())
def test_any_spacing_or_dashes_are_accepted(data):
    """R-PEOPLE-2: however a valid number is typed with spaces and dashes, it normalises to digits."""
    number = data.draw(VALID_NHS | st.integers(0, 999_999).map(nhs_number_999))
    typed = data.draw(formatted(number))
    assert v.normalise_nhs_number(typed) == number


@PROPERTY
@given(VALID_NHS, st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9))
def test_every_single_digit_change_is_rejected(number, position, delta):
    """R-PEOPLE-2: modulus 11 catches every single-digit error (11 is prime; weights 2..10)."""
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    assert changed != number
    with pytest.raises(v.InvalidValue):
        v.normalise_nhs_number(changed)
    assert not v.nhs_number_checksum_ok(changed)


@PROPERTY
@given(VALID_NHS, st.integers(min_value=0, max_value=8))
def test_every_adjacent_transposition_is_rejected(number, position):
    """R-PEOPLE-2: swapping two different neighbouring digits is caught too."""
    a, b = number[position], number[position + 1]
    swapped = number[:position] + b + a + number[position + 2 :]
    if a != b:
        assert not v.nhs_number_checksum_ok(swapped)


@PROPERTY
@given(DIGITS)
@example("0000000000")
@example("9990000018")
@example("9990000019")
def test_checksum_agrees_with_the_library_on_random_strings(digits):
    """R-PEOPLE-2: our modulus 11 equals the `nhs-number` package's checksum on any 10 digits."""
    from nhs_number import calculate_checksum

    library = calculate_checksum(digits[:9]) == int(digits[9])
    assert v.modulus_11_ok(digits) == library


def _in_scottish_chi_range(digits: str) -> bool:
    return 100_000_000 <= int(digits) <= 3_112_999_999


@PROPERTY
@given(DIGITS | VALID_NHS)
@example("9990000018")
@example("4010232137")
def test_validity_agrees_with_the_library_outside_the_chi_range(digits):
    """R-PEOPLE-2: valid for us exactly when valid for `nhs-number` (England, Wales, NI, 999, ...)."""
    if _in_scottish_chi_range(digits):
        return
    ours = v.nhs_number_checksum_ok(digits)
    assert ours == v.nhs_number_valid_by_library(digits)
    if ours:
        assert v.normalise_nhs_number(digits) == digits


@PROPERTY
@given(VALID_NHS | DIGITS)
@example("0113000006")
@example("3000000003")
def test_validity_agrees_with_the_library_on_random_strings(digits):
    """R-PEOPLE-2: the product's validator agrees with the `nhs-number` package everywhere."""
    assert v.nhs_number_checksum_ok(digits) == v.nhs_number_valid_by_library(digits)


@PROPERTY
@given(st.text(max_size=20))
def test_normalise_nhs_number_returns_ten_digits_or_refuses(raw):
    try:
        out = v.normalise_nhs_number(raw)
    except v.InvalidValue:
        return
    assert out == "" or (len(out) == 10 and out.isdigit() and v.nhs_number_checksum_ok(out))


# --- Postcodes ----------------------------------------------------------------------------------

KNOWN_GOOD = [
    "NG7 5HY",
    "SW1A 1AA",
    "M1 1AE",
    "B33 8TH",
    "CR2 6XH",
    "DN55 1PT",
    "W1A 0AX",
    "EC1A 1BB",
    "NG6 8AB",
]
# The shape of a UK postcode, written independently of the code under test (broader: any letters).
BROAD_SHAPE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")


@st.composite
def retyped(draw, postcode: str) -> str:
    """The postcode in random case with random spaces (none, one or several) around its characters."""
    chars = [c for c in postcode if c != " "]
    out = [draw(st.sampled_from(["", " ", "  "]))]
    for c in chars:
        out.append(c.lower() if draw(st.booleans()) else c.upper())
        out.append(draw(st.sampled_from(["", "", "", " ", "   "])))
    return "".join(out)


@PROPERTY
@given(st.sampled_from(KNOWN_GOOD), st.data())
def test_postcodes_are_case_and_space_insensitive(postcode, data):
    """R-PEOPLE-2/R-PEOPLE-6: 'ng68ab', ' Ng6  8aB ' and 'NG6 8AB' are the same postcode."""
    typed = data.draw(retyped(postcode))
    assert v.normalise_postcode(typed) == postcode
    assert v.postcode_key(typed) == postcode.replace(" ", "")
    assert v.looks_like_postcode(typed)


@PROPERTY
@given(st.sampled_from(KNOWN_GOOD), st.data())
def test_normalise_postcode_is_idempotent(postcode, data):
    once = v.normalise_postcode(data.draw(retyped(postcode)))
    assert v.normalise_postcode(once) == once
    assert (
        len(once) <= 8 and len(v.postcode_key(once)) <= 7
    )  # Address.postcode / postcode_key sizes


@PROPERTY
@given(st.text(alphabet=string.ascii_letters + string.digits + " -./,'", max_size=12))
def test_what_is_not_shaped_like_a_postcode_is_refused(raw):
    """R-PEOPLE-2: text without the shape of a postcode is refused with a message, never stored."""
    key = re.sub(r"\s+", "", raw).upper()
    if BROAD_SHAPE.match(key):
        return  # shaped like one: covered by the other properties
    with pytest.raises(v.InvalidValue):
        v.normalise_postcode(raw)


@PROPERTY
@given(st.text(max_size=12))
def test_any_accepted_postcode_has_the_shape(raw):
    try:
        out = v.normalise_postcode(raw)
    except v.InvalidValue:
        return
    assert BROAD_SHAPE.match(out.replace(" ", "")) and out.count(" ") == 1


@pytest.mark.parametrize(
    "garbage",
    ["", "   ", "NOTAPOSTCODE", "NG7", "NG7 5H", "12345", "NG7 5CY", "NG7 5HI", "N G", "SW1A-1AA!"],
)
def test_garbage_examples_refused(garbage):
    with pytest.raises(v.InvalidValue):
        v.normalise_postcode(garbage)


def test_outward_codes():
    assert v.looks_like_outward_code("NG6") and v.looks_like_outward_code("ec1a")
    assert not v.looks_like_outward_code("NG6 8AB") and not v.looks_like_outward_code("6NG")


# --- Dates --------------------------------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@PROPERTY
@given(st.dates(min_value=TODAY + timedelta(days=1), max_value=date(2200, 1, 1)))
def test_date_of_birth_in_the_future_is_refused(day):
    """R-PEOPLE-2: a date of birth after today is refused (an unborn child has an EDD instead)."""
    with pytest.raises(v.InvalidValue, match="today or in the past"):
        v.check_date_of_birth(day, today=TODAY)


@PROPERTY
@given(st.dates(min_value=_years_before(TODAY, 120), max_value=TODAY))
def test_date_of_birth_in_the_last_120_years_is_accepted(day):
    assert v.check_date_of_birth(day, today=TODAY) == day


@PROPERTY
@given(st.dates(max_value=date(TODAY.year - 121, 12, 31)))
def test_date_of_birth_more_than_120_years_ago_is_refused(day):
    with pytest.raises(v.InvalidValue, match="120 years"):
        v.check_date_of_birth(day, today=TODAY)


def test_date_of_birth_may_be_unknown():
    assert v.check_date_of_birth(None, today=TODAY) is None


@PROPERTY
@given(st.dates(min_value=TODAY - timedelta(weeks=6), max_value=TODAY + timedelta(weeks=44)))
def test_expected_delivery_from_six_weeks_ago_to_44_weeks_ahead_is_accepted(day):
    """R-PEOPLE-1: an unborn child's EDD, allowing late births and late recording."""
    assert v.check_expected_delivery(day, today=TODAY) == day


@PROPERTY
@given(
    st.dates(max_value=TODAY - timedelta(weeks=6, days=1))
    | st.dates(min_value=TODAY + timedelta(weeks=44, days=1))
)
def test_expected_delivery_outside_the_window_is_refused(day):
    with pytest.raises(v.InvalidValue):
        v.check_expected_delivery(day, today=TODAY)


def test_expected_delivery_edges_and_missing():
    assert v.check_expected_delivery(TODAY - timedelta(weeks=6), today=TODAY)
    assert v.check_expected_delivery(TODAY + timedelta(weeks=44), today=TODAY)
    with pytest.raises(v.InvalidValue, match="more than 6 weeks ago"):
        v.check_expected_delivery(TODAY - timedelta(weeks=10), today=TODAY)
    with pytest.raises(v.InvalidValue, match="44 weeks"):
        v.check_expected_delivery(TODAY + timedelta(weeks=45), today=TODAY)
    with pytest.raises(v.InvalidValue, match="Enter the expected date of delivery"):
        v.check_expected_delivery(None, today=TODAY)


# --- Phone numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("0115 496 0000", "0115 496 0000"),
        ("07700 900 982", "07700 900 982"),
        ("  07700900982 ", "07700900982"),
        ("+44 115 496 0000", "+44 115 496 0000"),
        ("(0115) 496-0000", "(0115) 496-0000"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_phone_numbers_accepted(raw, expected):
    assert v.normalise_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "123",
        "0115 496 000x",
        "07700 900 982 ext 4",
        "+",
        "-------",
        "1234567890123456789012",
    ],
)
def test_phone_numbers_refused(raw):
    with pytest.raises(v.InvalidValue, match="Enter a phone number"):
        v.normalise_phone(raw)


@PROPERTY
@given(st.text(alphabet=string.digits + " ", min_size=7, max_size=20))
def test_phone_digits_and_spaces_accepted_when_seven_digits(raw):
    digits = sum(c.isdigit() for c in raw)
    stripped = raw.strip()
    if digits >= 7 and len(stripped) >= 7:
        assert v.normalise_phone(raw) == stripped


def test_letters_unicode_cannot_decompose_still_fold():
    """R-PEOPLE-6: 'Łukasz' sounds like 'Lukasz' (benchmark finding)."""
    from familyhub.people.search_keys import normalise_name, phonetic_key

    assert normalise_name("Łukasz Øster-Großmann") == "lukasz oster grossmann"
    assert phonetic_key("Łukasz") == phonetic_key("Lukasz")
