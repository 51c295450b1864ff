"""Reads for the consent pages, the family page's consent panel, and other apps' purpose checks
(R-CONSENT-2..4).

Like `people.selectors`, these take households and people the caller ALREADY fetched through the
access helpers (which checked scope and logged the view). Whether a person's data may be used for a
purpose is never worked out here: every answer comes from `privacy.policy` (invariant 3); these
functions only show the recorded answers beside it.

For other apps:

    photo_consent_map(people) -> {person pk: True/False}  # may we use photos of them? one query
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from familyhub.access import helpers as access
from familyhub.core.errors import NotFound
from familyhub.core.models import ChangeRecord
from familyhub.people import selectors as people_selectors
from familyhub.people.models import Household, Person
from familyhub.privacy import policy, purposes
from familyhub.privacy.models import (
    Consent,
    ContactPreference,
    LawfulBasis,
    PrivacyNotice,
    Purpose,
)
from familyhub.privacy.services import needs_parent

# The models whose changes make up a person's consent history.
HISTORY_MODELS = ("consent", "contactpreference")


def consent_purposes() -> list[Purpose]:
    """The purposes a person is asked about: in use and relying on consent, in register order."""
    return list(Purpose.objects.filter(active=True, lawful_basis=LawfulBasis.CONSENT))


def active_purposes() -> list[Purpose]:
    return list(Purpose.objects.filter(active=True))


def notices() -> list[PrivacyNotice]:
    """Published privacy notices, newest first (a consent points at the one the family saw)."""
    return list(PrivacyNotice.objects.only("id", "version", "published_at").order_by("-version"))


def parents_for(household: Household, user: Any, on: date) -> dict[int, list[Person]]:
    """For each member who needs a parent to answer (under 13 or unborn): the people with parental
    responsibility for them that the user may see, parents of the household first."""
    members = [m.person for m in household.memberships.all()]
    children = {p.pk for p in members if needs_parent(p, on)}
    if not children:
        return {}
    links = [
        r
        for r in people_selectors.household_relationships(household)
        if r.to_person_id in children and r.parental_responsibility and r.ended_on is None
    ]
    holders = {r.from_person_id for r in links}
    visible = set(
        access.people_visible_to(user).filter(pk__in=holders).values_list("pk", flat=True)
    )
    out: dict[int, list[Person]] = {pk: [] for pk in children}
    for r in links:
        if r.from_person_id in visible and r.from_person not in out[r.to_person_id]:
            out[r.to_person_id].append(r.from_person)
    return out


def consents_of(people: Sequence[Person]) -> dict[tuple[int, int], Consent]:
    """The recorded answers of these people: {(person pk, purpose pk): consent}, one query."""
    rows = Consent.objects.filter(person__in=[p.pk for p in people]).select_related(
        "given_by", "notice"
    )
    return {(c.person_id, c.purpose_id): c for c in rows}


def contact_preferences_of(people: Sequence[Person]) -> dict[int, ContactPreference]:
    rows = ContactPreference.objects.filter(person__in=[p.pk for p in people])
    return {c.person_id: c for c in rows}


@dataclass
class Cell:
    purpose: Purpose
    consent: Consent | None
    allowed: bool
    reason: str = ""  # the policy's reason, where consent is given but the purpose is not in use


@dataclass
class PersonRow:
    person: Person
    cells: list[Cell] = field(default_factory=list)
    contact: ContactPreference | None = None


def household_summary(household: Household, user: Any) -> tuple[list[Purpose], list[PersonRow]]:
    """The family page's consent panel: for each member, each consent purpose's recorded answer
    and the policy's yes or no today with its reason, and their contact preferences. Six queries
    whatever the family's size: purposes, answers, the three the policy reads
    (`policy.decide_many`), contact preferences. `user` has already been checked by the access
    helper that gave the household."""
    wanted = consent_purposes()
    people = [m.person for m in household.memberships.all()]
    if not wanted and not people:
        return wanted, []
    recorded = consents_of(people)
    decisions = policy.decide_many(people, wanted)
    contacts = contact_preferences_of(people)
    rows = []
    for person in people:
        row = PersonRow(person, contact=contacts.get(person.pk))
        for p in wanted:
            decision = decisions[(person.pk, p.pk)]
            cell = Cell(p, recorded.get((person.pk, p.pk)), decision.allowed)
            if cell.consent is not None and cell.consent.state == "given" and not cell.allowed:
                # A restriction, an objection, an expiry: say why, in the policy's words.
                cell.reason = decision.reason
            row.cells.append(cell)
        rows.append(row)
    return wanted, rows


@dataclass
class PurposeLine:
    purpose: Purpose
    consent: Consent | None
    decision: policy.Decision


def person_panel(person: Person, *, on: date | None = None) -> list[PurposeLine]:
    """Every purpose in use, with the person's recorded answer and the policy's decision and
    reason (`policy.decide`, a few queries per purpose: one person's page, a bounded register)."""
    recorded = consents_of([person])
    return [
        PurposeLine(p, recorded.get((person.pk, p.pk)), policy.decide(person, p, on=on))
        for p in active_purposes()
    ]


def consent_history(person: Person, limit: int | None = 100) -> list[ChangeRecord]:
    """Every recorded change to the person's consents and contact preferences, newest first."""
    qs = ChangeRecord.objects.filter(person=person, model__in=HISTORY_MODELS).select_related(
        "actor"
    )
    return list(qs[:limit] if limit else qs)


def consent_for(person: Person, purpose_code: str) -> Consent:
    """The person's recorded answer for one purpose (NotFound if there is none)."""
    consent = (
        Consent.objects.select_related("purpose", "given_by")
        .filter(person=person, purpose__code=purpose_code)
        .first()
    )
    if consent is None:
        raise NotFound(access.NOT_FOUND)
    consent.person = person
    return consent


def given_consents(person: Person) -> list[Consent]:
    """The answers that can be withdrawn: consent given (whatever the policy says today)."""
    rows = Consent.objects.select_related("purpose").filter(person=person, state="given")
    out = list(rows.order_by("purpose__sort_order", "purpose__name"))
    for c in out:
        c.person = person
    return out


def contact_preference_of(person: Person) -> ContactPreference | None:
    return ContactPreference.objects.filter(person=person).first()


def photo_consent_map(people: Iterable[Person], *, on: date | None = None) -> dict[int, bool]:
    """May photographs or video of these people be used? {person pk: yes or no}, from
    `privacy.policy.permitted` in one query (R-CONSENT-3). For the session register's "photo
    consent" column: pass the people already fetched through the access helpers.

    A register without the photos purpose answers no for everyone: without a purpose there is no
    lawful basis to use the photos.
    """
    ids = [p.pk for p in people]
    if not ids:
        return {}
    try:
        purpose = policy.purpose_of(purposes.PHOTOS)
    except NotFound:
        return dict.fromkeys(ids, False)
    allowed = set(
        policy.permitted(Person.objects.filter(pk__in=ids), purpose, on=on).values_list(
            "pk", flat=True
        )
    )
    return {pk: pk in allowed for pk in ids}


def purpose_or_404(code: str) -> Purpose:
    try:
        return policy.purpose_of(code)
    except NotFound:
        raise NotFound(access.NOT_FOUND) from None


def decided(person: Person, code: str, *, on: date | None = None) -> policy.Decision:
    """The policy's answer for one person and purpose, a purpose missing from the register
    answering no with its reason."""
    try:
        return policy.decide(person, code, on=on)
    except NotFound:
        return policy.Decision(
            False,
            policy.PURPOSE_INACTIVE,
            f"There is no purpose '{code}' in the register, so the data may not be used for it.",
        )


def notice_by_version(version: int) -> PrivacyNotice | None:
    return PrivacyNotice.objects.filter(version=version).first()
