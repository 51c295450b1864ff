"""One person as a row of linkage features (R-LINK-1): the same derivation feeds the Splink run
(`export`), the check at registration (`selectors.registration_matches`) and external matching.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import jellyfish

from familyhub.linkage import names

# Column order of the exported table (and of `Features.as_row`).
COLUMNS = (
    "person_id",
    "given",
    "given_canon",
    "other_names",
    "family",
    "family_tokens",
    "dob",
    "dob_is_edd",
    "birth_year",
    "sex",
    "nhs",
    "postcode",
    "sector",
    "district",
    "ward",
    "given_sound",
    "family_sound",
)

SEXES = {"female", "male"}


def postcode_parts(postcode: str) -> tuple[str | None, str | None, str | None]:
    """('NG75HY', 'NG75', 'NG7') for 'NG7 5HY': the full postcode, its sector and district."""
    key = "".join((postcode or "").split()).upper()
    if len(key) < 5:
        return (key or None), None, None
    outward, inward = key[:-3], key[-3:]
    return key, outward + inward[0], outward


@dataclass(frozen=True)
class Features:
    person_id: int
    given: str | None
    given_canon: str | None
    other_names: list[str]
    family: str | None
    family_tokens: list[str]
    dob: date | None
    dob_is_edd: bool
    birth_year: int | None
    sex: str | None
    nhs: str | None
    postcode: str | None
    sector: str | None
    district: str | None
    ward: int | None
    given_sound: str | None
    family_sound: str | None

    def as_row(self) -> tuple[Any, ...]:
        return tuple(getattr(self, c) for c in COLUMNS)


def features_of(
    *,
    person_id: int = 0,
    given_name: str = "",
    middle_names: str = "",
    known_as: str = "",
    family_name: str = "",
    date_of_birth: date | None = None,
    expected_date_of_delivery: date | None = None,
    sex: str = "",
    nhs_number: str = "",
    postcode: str = "",
    ward: int | None = None,
) -> Features:
    """Features of one record. An unborn child's expected date of delivery stands in for the date
    of birth (flagged), so the record made before birth meets the one made after."""
    first = names.first_name_of(given_name, known_as)
    family = names.family_name_of(family_name)
    dob = date_of_birth or expected_date_of_delivery
    full, sector, district = postcode_parts(postcode)
    return Features(
        person_id=person_id,
        given=first,
        given_canon=names.canonical(first),
        other_names=names.other_names(given_name, middle_names, known_as),
        family=family,
        family_tokens=names.family_tokens(family_name),
        dob=dob,
        dob_is_edd=date_of_birth is None and expected_date_of_delivery is not None,
        birth_year=dob.year if dob else None,
        sex=sex if sex in SEXES else None,
        nhs=(nhs_number or "").replace(" ", "") or None,
        postcode=full,
        sector=sector,
        district=district,
        ward=ward,
        given_sound=jellyfish.soundex(first) if first else None,
        family_sound=jellyfish.soundex(family.split()[0]) if family else None,
    )
