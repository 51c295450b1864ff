"""Reads for duplicate review and the check at registration (R-LINK-1).

Scope: a reviewer with MANAGE_DUPLICATES sees pairs whose two people are both in their scope
(`access.people_visible_to`); one who also oversees access across organisations (the DPO) sees
every pair, since duplicates across organisations are what the queue is for. Missing and out of
reach answer alike (NotFound).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.errors import NotFound
from familyhub.core.services import display_value, field_label
from familyhub.linkage import comparisons
from familyhub.linkage.engine import features_of_row, people_rows
from familyhub.linkage.features import Features, features_of
from familyhub.linkage.models import ExternalMatch, MatchCandidate, Merge, NotSamePerson
from familyhub.people.models import Address, Membership, Person
from familyhub.people.services import PERSON_FIELDS, SPECIAL_CATEGORY_FIELDS

QUEUE_PAGE = 25
# The check at registration compares at most this many candidates (fast path, bounded work).
REGISTRATION_CANDIDATES = 300


def linkage_people(user: Any) -> QuerySet[Person]:
    """People whose records this reviewer may compare and merge."""
    access.require(user, Capability.MANAGE_DUPLICATES)
    if access.can(user, Capability.OVERSEE_ACCESS):
        return Person.objects.all()
    return access.people_visible_to(user)


def _pair_in_scope(user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    if access.can(user, Capability.OVERSEE_ACCESS):
        return qs
    people = access.people_visible_to(user)
    return qs.filter(
        Exists(people.filter(pk=OuterRef("person_a"))),
        Exists(people.filter(pk=OuterRef("person_b"))),
    )


def review_queue(
    user: Any, *, status: str = MatchCandidate.Status.OPEN
) -> QuerySet[MatchCandidate]:
    """The pairs waiting for this reviewer, most probable first."""
    access.require(user, Capability.MANAGE_DUPLICATES)
    qs = MatchCandidate.objects.filter(status=status).select_related("person_a", "person_b")
    if status == MatchCandidate.Status.OPEN:
        qs = qs.filter(person_a__archived_at__isnull=True, person_b__archived_at__isnull=True)
    return _pair_in_scope(user, qs).order_by("-probability", "id")


def candidate_for(user: Any, candidate_uuid: Any) -> MatchCandidate:
    candidate = (
        _pair_in_scope(user, MatchCandidate.objects.select_related("person_a", "person_b"))
        .filter(uuid=access._as_uuid(candidate_uuid))
        .first()
    )
    if candidate is None:
        raise NotFound(access.NOT_FOUND)
    return candidate


def merges_for(user: Any) -> QuerySet[Merge]:
    access.require(user, Capability.MANAGE_DUPLICATES)
    qs = Merge.objects.select_related("keep", "other", "merged_by")
    if access.can(user, Capability.OVERSEE_ACCESS):
        return qs
    people = access.people_visible_to(user)
    return qs.filter(Exists(people.filter(pk=OuterRef("keep"))))


def merge_for(user: Any, merge_uuid: Any) -> Merge:
    merge = merges_for(user).filter(uuid=access._as_uuid(merge_uuid)).first()
    if merge is None:
        raise NotFound(access.NOT_FOUND)
    return merge


def external_matches(user: Any) -> QuerySet[ExternalMatch]:
    """Past external matches: the DPO sees all, a team manager their own."""
    access.require(user, Capability.MANAGE_DUPLICATES)
    qs = ExternalMatch.objects.select_related("uploaded_by")
    if access.can(user, Capability.OVERSEE_ACCESS):
        return qs
    return qs.filter(uploaded_by=user)


def person_features(person: Person) -> Features:
    """The linkage features of one stored person (with their current address)."""
    row = next(people_rows(Person.objects.filter(pk=person.pk)))
    return features_of_row(row)


def pair_score(candidate: MatchCandidate) -> comparisons.Score:
    """The pair scored now (the record may have changed since the run that found it)."""
    return comparisons.score(
        person_features(candidate.person_a), person_features(candidate.person_b)
    )


def is_not_same(a: Person, b: Person) -> bool:
    lo, hi = sorted((a.pk, b.pk))
    return NotSamePerson.objects.filter(person_a_id=lo, person_b_id=hi).exists()


# --- the check at registration (fast path) --------------------------------------------------------


@dataclass
class RegistrationMatch:
    person: Person | None  # None when the person is outside the worker's scope
    score: comparisons.Score

    @property
    def likely(self) -> bool:
        return self.score.probability >= comparisons.LIKELY_THRESHOLD


@dataclass
class RegistrationCheck:
    shown: list[RegistrationMatch]  # in the worker's scope: shown with their details
    elsewhere: int  # likely matches held outside the worker's scope: counted, never shown


def _swap(day: date | None) -> date | None:
    if day is None or day.day > 12 or day.day == day.month:
        return None
    try:
        return day.replace(month=day.day, day=day.month)
    except ValueError:
        return None


def registration_candidates(new: Features) -> QuerySet[Person]:
    """Blocking through the people tables' indexes: the same NHS number; the same date of birth
    (or expected date of delivery), or with day and month swapped; the same sound of first and last
    name born the same year; the same postcode and sound of last name. Bounded."""
    cond = Q(pk__in=[])
    if new.nhs:
        cond |= Q(nhs_number=new.nhs)
    if new.dob:
        days = [new.dob]
        swapped = _swap(new.dob)
        if swapped:
            days.append(swapped)
        cond |= Q(date_of_birth__in=days) | Q(expected_date_of_delivery__in=days)
        if new.dob_is_edd:
            window = (new.dob - timedelta(days=31), new.dob + timedelta(days=31))
            cond |= Q(date_of_birth__range=window, family_sound=new.family_sound or "-")
    if new.given_sound and new.family_sound and new.birth_year:
        cond |= Q(
            family_sound=new.family_sound,
            given_sound=new.given_sound,
            date_of_birth__year=new.birth_year,
        )
    if new.postcode and new.family_sound:
        at_postcode = Address.objects.filter(
            postcode_key=new.postcode, valid_to__isnull=True
        ).values("household_id")
        cond |= Q(
            family_sound=new.family_sound,
            pk__in=Membership.objects.filter(household_id__in=at_postcode).values("person_id"),
        )
    return Person.objects.filter(cond, archived_at__isnull=True)


def registration_matches(
    user: Any,
    *,
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
    threshold: float = comparisons.REGISTRATION_THRESHOLD,
    limit: int = 10,
) -> RegistrationCheck:
    """Likely existing records for someone about to be registered, against the whole database
    with the duplicate model's own weights (R-LINK-1 at the door). People in the worker's scope are
    returned to show; likely matches elsewhere are only counted (the worker may not see them; the
    background run puts them in the review queue). The caller logs what it shows."""
    new = features_of(
        given_name=given_name,
        middle_names=middle_names,
        known_as=known_as,
        family_name=family_name,
        date_of_birth=date_of_birth,
        expected_date_of_delivery=expected_date_of_delivery,
        sex=sex,
        nhs_number=nhs_number,
        postcode=postcode,
        ward=ward,
    )
    ids = list(registration_candidates(new).values_list("pk", flat=True)[:REGISTRATION_CANDIDATES])
    if not ids:
        return RegistrationCheck([], 0)
    scored: list[tuple[int, comparisons.Score]] = []
    for row in people_rows(Person.objects.filter(pk__in=ids)):
        s = comparisons.score(new, features_of_row(row))
        if s.probability >= threshold:
            scored.append((row[0], s))
    scored.sort(key=lambda t: -t[1].match_weight)
    visible = set(
        access.people_visible_to(user)
        .filter(pk__in=[pk for pk, _ in scored])
        .values_list("pk", flat=True)
    )
    people = {p.pk: p for p in Person.objects.filter(pk__in=visible)}
    shown = [RegistrationMatch(people[pk], s) for pk, s in scored if pk in visible][:limit]
    elsewhere = sum(
        1 for pk, s in scored if pk not in visible and s.probability >= comparisons.LIKELY_THRESHOLD
    )
    return RegistrationCheck(shown, elsewhere)


def field_choices_for(keep: Person, other: Person) -> list[dict[str, Any]]:
    """Each person field with both values in words, and whether they differ (the merge form)."""
    out = []
    for name in PERSON_FIELDS:
        a, b = display_value(keep, name), display_value(other, name)
        out.append(
            {
                "name": name,
                "label": field_label(keep, name),
                "keep": a,
                "other": b,
                "differs": a != b,
                "special": name in SPECIAL_CATEGORY_FIELDS,
            }
        )
    return out


# --- a drop-in for the registration pages (people.views.registration._possible_matches) ---------


@dataclass
class LikelyMatch:
    """Shaped like people.matching.Match (`person`, `reasons`) so people/_matches.html shows it."""

    person: Person
    reasons: list[str]
    probability: float


class LikelyMatches(list[LikelyMatch]):
    """The matches to show, plus how many likely matches are held outside the worker's scope."""

    elsewhere: int = 0


def likely_matches_for(user: Any, **details: Any) -> LikelyMatches:
    """`registration_matches` with each match's positive evidence in words, for the registration
    pages: call it where `people.views.registration._possible_matches` and
    `people.views.records._matches_for` call `people.matching.likely_matches` (pass the member's
    form data and the household's postcode as `postcode`)."""
    check = registration_matches(user, **details)
    out = LikelyMatches(
        LikelyMatch(
            m.person,
            [p.words for p in sorted(m.score.parts, key=lambda p: -p.weight) if p.weight > 0],
            m.score.probability,
        )
        for m in check.shown
        if m.person is not None
    )
    out.elsewhere = check.elsewhere
    return out
