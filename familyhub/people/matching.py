"""Likely existing records for someone about to be registered (R-PEOPLE-1, R-LINK-1 at the door).

A likely match is the same NHS number; or the same date of birth (or expected date of delivery)
with a similar name or the same postcode. The full probabilistic linkage across the database is the
linkage app's; this check is the quick one a worker sees before a new record is created.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from rapidfuzz import fuzz

from familyhub.people.models import Address, Membership, Person
from familyhub.people.search_keys import normalise_name, phonetic_key

NAME_SIMILARITY = 80.0


@dataclass
class Match:
    person: Person
    reasons: list[str]


def _similar_name(a: str, b: str) -> bool:
    return fuzz.token_sort_ratio(a, b) >= NAME_SIMILARITY


def likely_matches(
    scoped: QuerySet[Person],
    *,
    given_name: str = "",
    family_name: str = "",
    date_of_birth: date | None = None,
    expected_date_of_delivery: date | None = None,
    nhs_number: str = "",
    postcode_key: str = "",
    limit: int = 10,
) -> list[Match]:
    condition = Q(pk__in=[])
    if nhs_number:
        condition |= Q(nhs_number=nhs_number)
    day = date_of_birth or expected_date_of_delivery
    if day:
        condition |= Q(date_of_birth=day) | Q(expected_date_of_delivery=day)
    if condition == Q(pk__in=[]):
        return []
    qs = scoped.filter(condition)
    if postcode_key:
        at_postcode = Address.objects.filter(
            household_id=OuterRef("household_id"), postcode_key=postcode_key
        )
        qs = qs.annotate(
            at_postcode=Exists(
                Membership.objects.filter(Exists(at_postcode), person=OuterRef("pk"))
            )
        )
    rows = list(qs.select_related("ethnicity")[:200])
    name = normalise_name(f"{given_name} {family_name}")
    family_key = phonetic_key(family_name)
    matches: list[Match] = []
    for p in rows:
        reasons: list[Any] = []
        if nhs_number and p.nhs_number == nhs_number:
            reasons.append("same NHS number")
        same_day = day and day in (p.date_of_birth, p.expected_date_of_delivery)
        if same_day:
            similar = (name and _similar_name(name, p.search_name)) or (
                family_key and family_key == p.family_key
            )
            if similar:
                reasons.append("same date of birth and a similar name")
            if getattr(p, "at_postcode", False):
                reasons.append("same date of birth and the same postcode")
        if reasons:
            matches.append(Match(p, reasons))
    matches.sort(key=lambda m: (-len(m.reasons), m.person.family_name))
    return matches[:limit]
