"""The duplicate-detection model: comparisons, their levels and weights (R-LINK-1, ADR 0021).

One definition serves three callers, so they cannot drift apart:
- `splink_settings()` turns it into a Splink settings dictionary (DuckDB SQL per level) for the
  whole-database run;
- `score()` evaluates the same levels in Python for one pair (the check at registration, external
  matching and the reviewer's explanation);
- `explain()` puts each comparison's contribution into words for the reviewer.
`tests/test_comparisons.py` proves that Splink and `score()` pick the same level for every
known-answer pair.

Weights are Fellegi-Sunter: each level has m (how often two records of the same person fall in
it) and u (how often two records of different people do); its weight is log2(m/u) and a pair's
match weight is the sum of its levels' weights plus the prior log2(lambda/(1-lambda)). The m and u
below are set by hand for this field (children 0-5 and their parents in one city; see ADR 0021
for the reasoning and the calibration on synthetic families); they are fixed in the Splink run
so that the queue, the check at registration and the explanation all use the same numbers.

Placeholders ('Baby Smith', 'Unborn') compare as missing (names.py). Twins (same date of birth,
same surname, same address, different first names) are kept apart by the first-name comparison's
'different first names, same date of birth' level, whose weight outweighs everything else that
twins share; only an NHS number agreement can overcome it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rapidfuzz.distance import JaroWinkler

from familyhub.linkage.features import Features

# One pair in 100,000 is the same person before anything is compared (a register of children and
# their parents: a few duplicates among a million records).
PRIOR_PROBABILITY = 1e-5
PRIOR_WEIGHT = math.log2(PRIOR_PROBABILITY / (1 - PRIOR_PROBABILITY))

# Review thresholds on the match probability.
QUEUE_THRESHOLD = 0.5  # the background run puts pairs at or above this into the review queue
LIKELY_THRESHOLD = 0.95  # 'likely the same person' (below: 'possibly')
REGISTRATION_THRESHOLD = 0.2  # shown to the worker at registration (cheap to look at)

Pred = Callable[[Features, Features], bool]


@dataclass(frozen=True)
class Level:
    label: str
    words: str  # for the reviewer: completes 'Evidence: ...'
    sql: str
    test: Pred
    m: float = 0.0
    u: float = 0.0
    null: bool = False

    @property
    def weight(self) -> float:
        return 0.0 if self.null else math.log2(self.m / self.u)


@dataclass(frozen=True)
class Comparison:
    name: str
    title: str
    levels: tuple[Level, ...] = field(default_factory=tuple)

    def level_for(self, left: Features, right: Features) -> int:
        """Index of the first level whose test holds (the last level always holds)."""
        for i, level in enumerate(self.levels):
            if level.test(left, right):
                return i
        return len(self.levels) - 1


def jw(a: str | None, b: str | None) -> float:
    """Jaro-Winkler similarity, the same numbers as DuckDB's jaro_winkler_similarity."""
    if not a or not b:
        return 0.0
    return float(JaroWinkler.similarity(a, b))


def _swapped(a: date | None, b: date | None) -> bool:
    return bool(a and b and a.year == b.year and a.month == b.day and a.day == b.month)


def _one_part_differs(a: date | None, b: date | None) -> bool:
    if not a or not b:
        return False
    same = [a.year == b.year, a.month == b.month, a.day == b.day]
    return sum(same) >= 2


def _within_days(a: date | None, b: date | None, days: int) -> bool:
    return bool(a and b and abs((a - b).days) <= days)


# --- the comparisons ------------------------------------------------------------------------------

FIRST_NAME = Comparison(
    "first_name",
    "First name",
    (
        Level(
            "missing",
            "a first name is missing or a placeholder such as 'Baby' (not counted)",
            "given_l IS NULL OR given_r IS NULL",
            lambda a, b: a.given is None or b.given is None,
            null=True,
        ),
        Level(
            "exact",
            "the same first name",
            "given_l = given_r",
            lambda a, b: a.given == b.given,
            m=0.80,
            u=0.003,
        ),
        Level(
            "nickname",
            "first names that are forms of the same name (for example Bob and Robert)",
            "given_canon_l = given_canon_r",
            lambda a, b: a.given_canon == b.given_canon,
            m=0.05,
            u=0.0005,
        ),
        Level(
            "close",
            "first names one or two letters apart",
            "jaro_winkler_similarity(given_l, given_r) >= 0.92",
            lambda a, b: jw(a.given, b.given) >= 0.92,
            m=0.06,
            u=0.002,
        ),
        Level(
            "other_name",
            "one record's first name is the other's middle or preferred name",
            "list_contains(other_names_r, given_l) OR list_contains(other_names_l, given_r)",
            lambda a, b: a.given in b.other_names or b.given in a.other_names,
            m=0.02,
            u=0.0005,
        ),
        Level(
            "similar",
            "first names that look alike",
            "jaro_winkler_similarity(given_l, given_r) >= 0.85",
            lambda a, b: jw(a.given, b.given) >= 0.85,
            m=0.04,
            u=0.01,
        ),
        Level(
            "twin",
            "different first names on the same date of birth: brothers or sisters born together "
            "(twins) are different people",
            "dob_l = dob_r",
            lambda a, b: a.dob is not None and a.dob == b.dob,
            m=1e-9,
            u=0.5,
        ),
        Level(
            "different",
            "different first names",
            "ELSE",
            lambda a, b: True,
            m=0.02,
            u=0.97,
        ),
    ),
)

FAMILY_NAME = Comparison(
    "family_name",
    "Last name",
    (
        Level(
            "missing",
            "a last name is missing (not counted)",
            "family_l IS NULL OR family_r IS NULL",
            lambda a, b: a.family is None or b.family is None,
            null=True,
        ),
        Level(
            "exact",
            "the same last name",
            "family_l = family_r",
            lambda a, b: a.family == b.family,
            m=0.80,
            u=0.002,
        ),
        Level(
            "close",
            "last names one or two letters apart",
            "jaro_winkler_similarity(family_l, family_r) >= 0.92",
            lambda a, b: jw(a.family, b.family) >= 0.92,
            m=0.06,
            u=0.002,
        ),
        Level(
            "part",
            "one last name is part of the other (a double-barrelled name)",
            "len(list_intersect(family_tokens_l, family_tokens_r)) > 0",
            lambda a, b: bool(set(a.family_tokens) & set(b.family_tokens)),
            m=0.03,
            u=0.0005,
        ),
        Level(
            "similar",
            "last names that look alike",
            "jaro_winkler_similarity(family_l, family_r) >= 0.85",
            lambda a, b: jw(a.family, b.family) >= 0.85,
            m=0.04,
            u=0.008,
        ),
        Level(
            "different",
            "different last names (which also happens when a surname changes after marriage or "
            "separation, so this counts against only moderately)",
            "ELSE",
            lambda a, b: True,
            m=0.07,
            u=0.97,
        ),
    ),
)

DATE_OF_BIRTH = Comparison(
    "date_of_birth",
    "Date of birth",
    (
        Level(
            "missing",
            "a date of birth is missing (not counted)",
            "dob_l IS NULL OR dob_r IS NULL",
            lambda a, b: a.dob is None or b.dob is None,
            null=True,
        ),
        Level(
            "exact",
            "the same date of birth",
            "dob_l = dob_r",
            lambda a, b: a.dob == b.dob,
            m=0.85,
            u=0.0001,
        ),
        Level(
            "swapped",
            "dates of birth with the day and month swapped (03/04 and 04/03)",
            "year(dob_l) = year(dob_r) AND month(dob_l) = day(dob_r) AND day(dob_l) = month(dob_r)",
            lambda a, b: _swapped(a.dob, b.dob),
            m=0.02,
            u=0.0001,
        ),
        Level(
            "one_part",
            "dates of birth that differ in only the day, the month or the year",
            "(CAST(year(dob_l) = year(dob_r) AS INTEGER) + CAST(month(dob_l) = month(dob_r) AS "
            "INTEGER) + CAST(day(dob_l) = day(dob_r) AS INTEGER)) >= 2",
            lambda a, b: _one_part_differs(a.dob, b.dob),
            m=0.06,
            u=0.003,
        ),
        Level(
            "near",
            "dates within a month of each other (for example an expected date of delivery and "
            "the date of birth)",
            "abs(date_diff('day', dob_l, dob_r)) <= 31",
            lambda a, b: _within_days(a.dob, b.dob, 31),
            m=0.04,
            u=0.01,
        ),
        Level(
            "different",
            "different dates of birth",
            "ELSE",
            lambda a, b: True,
            m=0.01,
            u=0.9,
        ),
    ),
)

ADDRESS = Comparison(
    "address",
    "Address",
    (
        Level(
            "missing",
            "an address is missing (not counted)",
            "postcode_l IS NULL OR postcode_r IS NULL",
            lambda a, b: a.postcode is None or b.postcode is None,
            null=True,
        ),
        Level(
            "postcode",
            "the same postcode",
            "postcode_l = postcode_r",
            lambda a, b: a.postcode == b.postcode,
            m=0.70,
            u=0.0002,
        ),
        Level(
            "ward",
            "addresses in the same ward (a move within the neighbourhood)",
            "ward_l = ward_r",
            lambda a, b: a.ward is not None and a.ward == b.ward,
            m=0.08,
            u=0.02,
        ),
        Level(
            "sector",
            "postcodes in the same sector (for example NG7 5)",
            "sector_l = sector_r",
            lambda a, b: a.sector is not None and a.sector == b.sector,
            m=0.05,
            u=0.01,
        ),
        Level(
            "district",
            "postcodes in the same district (for example NG7)",
            "district_l = district_r",
            lambda a, b: a.district is not None and a.district == b.district,
            m=0.04,
            u=0.1,
        ),
        Level(
            "different",
            "addresses in different areas (people move, so this counts against only a little)",
            "ELSE",
            lambda a, b: True,
            m=0.13,
            u=0.87,
        ),
    ),
)

NHS_NUMBER = Comparison(
    "nhs_number",
    "NHS number",
    (
        Level(
            "missing",
            "an NHS number is missing (not counted)",
            "nhs_l IS NULL OR nhs_r IS NULL",
            lambda a, b: a.nhs is None or b.nhs is None,
            null=True,
        ),
        Level(
            "exact",
            "the same NHS number (strong evidence of the same person)",
            "nhs_l = nhs_r",
            lambda a, b: a.nhs == b.nhs,
            m=0.98,
            u=1e-6,
        ),
        Level(
            "different",
            "different NHS numbers (strong evidence of different people)",
            "ELSE",
            lambda a, b: True,
            m=0.002,
            u=0.999999,
        ),
    ),
)

SEX = Comparison(
    "sex",
    "Sex",
    (
        Level(
            "missing",
            "sex not recorded on one record (not counted)",
            "sex_l IS NULL OR sex_r IS NULL",
            lambda a, b: a.sex is None or b.sex is None,
            null=True,
        ),
        Level("exact", "the same sex", "sex_l = sex_r", lambda a, b: a.sex == b.sex, m=0.97, u=0.5),
        Level("different", "different sex", "ELSE", lambda a, b: True, m=0.01, u=0.5),
    ),
)

COMPARISONS: tuple[Comparison, ...] = (
    FIRST_NAME,
    FAMILY_NAME,
    DATE_OF_BIRTH,
    ADDRESS,
    NHS_NUMBER,
    SEX,
)
BY_NAME = {c.name: c for c in COMPARISONS}

# Blocking rules for the whole-database run: only pairs that share one of these are compared.
# Each is served by data the export already has in memory; the check at registration uses the
# same keys through the people tables' indexes (selectors.registration_matches).
BLOCKING_RULES = (
    "l.dob = r.dob",
    "l.nhs = r.nhs",
    "l.family_sound = r.family_sound AND l.given_sound = r.given_sound AND "
    "l.birth_year = r.birth_year",
    "l.postcode = r.postcode AND l.given_sound = r.given_sound",
    # 'Baby Smith' (no first name) before birth and the named child after, at one address.
    "l.postcode = r.postcode AND l.family_sound = r.family_sound",
    "l.given_canon = r.given_canon AND l.family_sound = r.family_sound AND l.sector = r.sector",
)


# --- the Python side: score one pair ---------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    comparison: str
    title: str
    level: str
    words: str
    weight: float


@dataclass(frozen=True)
class Score:
    match_weight: float
    probability: float
    parts: tuple[Part, ...]

    def as_json(self) -> list[dict[str, Any]]:
        return [
            {
                "comparison": p.comparison,
                "title": p.title,
                "level": p.level,
                "words": p.words,
                "weight": round(p.weight, 2),
            }
            for p in self.parts
        ]


def probability_of(match_weight: float) -> float:
    bayes = 2.0**match_weight
    return bayes / (1.0 + bayes)


def part_for(comparison: Comparison, index: int) -> Part:
    level = comparison.levels[index]
    return Part(
        comparison.name,
        comparison.title,
        level.label,
        level.words,
        level.weight,
    )


def score(left: Features, right: Features) -> Score:
    """The match weight and probability of one pair, with each comparison's contribution."""
    parts = tuple(part_for(c, c.level_for(left, right)) for c in COMPARISONS)
    weight = PRIOR_WEIGHT + sum(p.weight for p in parts)
    return Score(weight, probability_of(weight), parts)


def score_from_levels(levels: dict[str, int]) -> Score:
    """The same Score from level indexes per comparison (as the Splink run reports them)."""
    parts = tuple(part_for(c, levels[c.name]) for c in COMPARISONS)
    weight = PRIOR_WEIGHT + sum(p.weight for p in parts)
    return Score(weight, probability_of(weight), parts)


def explain(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each comparison as a sentence with its direction, strongest first (for the pair page)."""
    out = []
    for p in sorted(parts, key=lambda p: -abs(p["weight"])):
        w = p["weight"]
        if w >= 4:
            strength = "strong evidence for"
        elif w > 0:
            strength = "some evidence for"
        elif w == 0:
            strength = "not counted"
        elif w > -4:
            strength = "some evidence against"
        else:
            strength = "strong evidence against"
        out.append({**p, "strength": strength, "for": w > 0, "against": w < 0})
    return out


# --- the Splink side ------------------------------------------------------------------------------


def _level_dict(level: Level) -> dict[str, Any]:
    if level.null:
        return {"sql_condition": level.sql, "label_for_charts": level.label, "is_null_level": True}
    return {
        "sql_condition": level.sql,
        "label_for_charts": level.label,
        "m_probability": level.m,
        "u_probability": level.u,
        "fix_m_probability": True,
        "fix_u_probability": True,
    }


def splink_settings(*, blocking_rules: tuple[str, ...] = BLOCKING_RULES) -> dict[str, Any]:
    """The Splink settings dictionary of this model (dedupe within one table)."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "person_id",
        "probability_two_random_records_match": PRIOR_PROBABILITY,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule, "sql_dialect": "duckdb"} for rule in blocking_rules
        ],
        "comparisons": [
            {
                "output_column_name": c.name,
                "comparison_description": c.title,
                "comparison_levels": [_level_dict(level) for level in c.levels],
            }
            for c in COMPARISONS
        ],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": True,
        "additional_columns_to_retain": [],
    }
