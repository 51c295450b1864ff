"""Validation rules for person details, shared by forms, the API and imports (R-PEOPLE-2).

Each function returns the cleaned value or raises `InvalidValue` with a message that says what to
fix. They are pure, so hypothesis tests them directly.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from nhs_number import is_valid as _nhs_is_valid


class InvalidValue(ValueError):
    pass


def normalise_nhs_number(raw: str) -> str:
    """'999 000 0018' -> '9990000018'; refuses anything that fails the modulus 11 check."""
    digits = re.sub(r"[\s-]", "", raw or "")
    if not digits:
        return ""
    if not digits.isdigit() or len(digits) != 10:
        raise InvalidValue("Enter an NHS number with 10 digits, like 999 000 0018")
    if not modulus_11_ok(digits):
        raise InvalidValue(
            "This is not a valid NHS number: the last digit does not match. Check it was copied correctly"
        )
    if not nhs_number_checksum_ok(digits):
        raise InvalidValue(
            "This is not a valid NHS number: numbers starting 010 to 311 are Scottish CHI numbers "
            "and begin with a date of birth. Check it was copied correctly"
        )
    return digits


def nhs_number_checksum_ok(digits: str) -> bool:
    """Valid as an NHS number: modulus 11 (NHS Data Dictionary), and, in the Scottish CHI range,
    a date of birth in the first six digits. Decided by the `nhs-number` package (ADR 0002)."""
    return len(digits) == 10 and digits.isdigit() and bool(_nhs_is_valid(digits))


def modulus_11_ok(digits: str) -> bool:
    """The bare modulus 11 check, for tests of the package's answer."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def nhs_number_valid_by_library(digits: str) -> bool:
    return bool(_nhs_is_valid(digits))


def format_nhs_number(digits: str) -> str:
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits


# A full UK postcode: outward code (area, district) then inward code (sector digit, unit letters).
# Inward-code letters never include C, I, K, M, O or V.
_POSTCODE = re.compile(r"^(?P<out>[A-Z]{1,2}[0-9][A-Z0-9]?)(?P<in>[0-9][ABD-HJLNP-UW-Z]{2})$")
_OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def postcode_key(raw: str) -> str:
    """Upper case, no spaces: the form postcodes are indexed and compared in."""
    return re.sub(r"\s+", "", raw or "").upper()


def normalise_postcode(raw: str) -> str:
    """' ng7 5hy' -> 'NG7 5HY'; refuses what is not shaped like a UK postcode."""
    key = postcode_key(raw)
    if not key:
        raise InvalidValue("Enter a postcode, like NG7 5HY")
    m = _POSTCODE.match(key)
    if not m:
        raise InvalidValue("Enter a real postcode, like NG7 5HY")
    return f"{m['out']} {m['in']}"


def looks_like_postcode(raw: str) -> bool:
    return bool(_POSTCODE.match(postcode_key(raw)))


def looks_like_outward_code(raw: str) -> bool:
    return bool(_OUTWARD.match(postcode_key(raw)))


def check_date_of_birth(value: date | None, *, today: date) -> date | None:
    if value is None:
        return None
    if value > today:
        raise InvalidValue(
            "Date of birth must be today or in the past. For a baby not yet born, "
            "choose 'unborn' and give the expected date of delivery"
        )
    if value < date(today.year - 120, 1, 1):
        raise InvalidValue("Date of birth is more than 120 years ago. Check the year")
    return value


# An expected date of delivery a few weeks past is normal (babies arrive late, births are recorded
# late); further back means the birth should be recorded instead.
EDD_GRACE = timedelta(weeks=6)
EDD_HORIZON = timedelta(weeks=44)


def check_expected_delivery(value: date | None, *, today: date) -> date:
    if value is None:
        raise InvalidValue("Enter the expected date of delivery for an unborn child")
    if value < today - EDD_GRACE:
        raise InvalidValue(
            "Expected date of delivery is more than 6 weeks ago. If the baby has been born, "
            "record the birth with the date of birth instead"
        )
    if value > today + EDD_HORIZON:
        raise InvalidValue("Expected date of delivery is more than 44 weeks away. Check the date")
    return value


_PHONE = re.compile(r"^\+?[0-9 ()-]{7,20}$")


def normalise_phone(raw: str) -> str:
    value = (raw or "").strip()
    if not value:
        return ""
    if not _PHONE.match(value) or sum(ch.isdigit() for ch in value) < 7:
        raise InvalidValue("Enter a phone number, like 0115 496 0000 or 07700 900 982")
    return value
