"""The one policy decision point (invariant 3, R-CONSENT-3, R-RIGHTS-5).

    policy.decide(person, "receiving-information")           -> Decision(allowed, code, reason)
    policy.decide_many(family_members, purposes)             -> {(person, purpose): Decision}
    policy.permitted(people_queryset, "receiving-information") -> the people it allows, in SQL
    policy.restricted(people)                                -> {person id: reason} (Article 18)

Every step that uses personal data for a purpose (a mailing list, an evaluation data set, a photo's
use, an extract) asks here and nowhere else. The two functions apply the same rules in the same
order (`decide` and `decide_many` share one function of the rows, `_rules`); a hypothesis test
checks that all three always agree.

The rules, first match wins:
 1. the record is archived or erased                    -> no
 2. the purpose is no longer in use                      -> no
 3. the record is restricted (Article 18), unless the purpose is storage or legal claims -> no
 4. an objection to this purpose stands (Article 21): pending or upheld -> no
 5. the purpose relies on consent: consent given on or before the day, not withdrawn, not expired
    -> yes; refused, withdrawn, expired or never asked -> no
 6. any other lawful basis                               -> yes, naming the basis
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.utils import timezone

from familyhub.core.errors import NotFound
from familyhub.privacy.models import (
    Consent,
    ConsentState,
    Objection,
    Purpose,
    Restriction,
)

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    code: str
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


# Reason codes: stable identifiers for tests, reports and the API; `reason` is the sentence.
ARCHIVED = "archived"
PURPOSE_INACTIVE = "purpose_inactive"
RESTRICTED = "restricted"
OBJECTED = "objected"
CONSENT_GIVEN = "consent_given"
CONSENT_REFUSED = "consent_refused"
CONSENT_WITHDRAWN = "consent_withdrawn"
CONSENT_EXPIRED = "consent_expired"
CONSENT_NOT_YET = "consent_not_yet_given"
NOT_ASKED = "not_asked"
LAWFUL_BASIS = "lawful_basis"
CODES = (
    ARCHIVED,
    PURPOSE_INACTIVE,
    RESTRICTED,
    OBJECTED,
    CONSENT_GIVEN,
    CONSENT_REFUSED,
    CONSENT_WITHDRAWN,
    CONSENT_EXPIRED,
    CONSENT_NOT_YET,
    NOT_ASKED,
    LAWFUL_BASIS,
)


def purpose_of(purpose: Purpose | str) -> Purpose:
    if isinstance(purpose, Purpose):
        return purpose
    try:
        return Purpose.objects.get(code=purpose)
    except Purpose.DoesNotExist:
        raise NotFound(f"There is no purpose '{purpose}' in the register.") from None


def _today() -> date:
    return timezone.localdate()


def _d(value: date) -> str:
    return value.strftime("%d/%m/%Y")


# --- the SQL pieces, shared by both functions ----------------------------------------------------


def _active_restrictions(on: date) -> QuerySet[Restriction]:
    return Restriction.objects.filter(started_on__lte=on).filter(
        Q(lifted_on__isnull=True) | Q(lifted_on__gt=on)
    )


def _standing_objections(purpose: Purpose, on: date) -> QuerySet[Objection]:
    return (
        Objection.objects.filter(purpose=purpose, received_on__lte=on)
        .exclude(decision=Objection.Decision.OVERRIDDEN)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
    )


def _valid_consents(purpose: Purpose, on: date) -> QuerySet[Consent]:
    return Consent.objects.filter(
        purpose=purpose, state=ConsentState.GIVEN, decided_on__lte=on
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=on))


# --- one person ----------------------------------------------------------------------------------


def decide(person: Any, purpose: Purpose | str, *, on: date | None = None) -> Decision:
    """May this person's data be used for this purpose on this day (default today)? And why."""
    p = purpose_of(purpose)
    on = on or _today()
    restriction = objection = consent = None
    if person.archived_at is None and p.active:
        if not p.allowed_when_restricted:
            restriction = (
                _active_restrictions(on).filter(person=person).order_by("started_on").first()
            )
        if restriction is None:
            objection = (
                _standing_objections(p, on).filter(person=person).order_by("received_on").first()
            )
        if restriction is None and objection is None and p.needs_consent:
            consent = (
                Consent.objects.filter(person=person, purpose=p).select_related("given_by").first()
            )
    return _rules(person, p, on, restriction=restriction, objection=objection, consent=consent)


def decide_many(
    people: list[Any], purposes: list[Purpose], *, on: date | None = None
) -> dict[tuple[int, int], Decision]:
    """`decide` for every (person, purpose) pair of a small set (a family), in three queries
    whatever their number: the rows the rules read are fetched together, then the same rules run.
    Keyed by (person pk, purpose pk)."""
    on = on or _today()
    ids = [person.pk for person in people]
    restricted: dict[int, Restriction] = {}
    for r in _active_restrictions(on).filter(person_id__in=ids).order_by("-started_on"):
        restricted[r.person_id] = r  # the earliest wins, as in `decide`
    objected: dict[tuple[int, int], Objection] = {}
    for o in (
        Objection.objects.filter(person_id__in=ids, purpose__in=purposes, received_on__lte=on)
        .exclude(decision=Objection.Decision.OVERRIDDEN)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
        .order_by("-received_on")
    ):
        objected[(o.person_id, o.purpose_id)] = o
    consents = {
        (c.person_id, c.purpose_id): c
        for c in Consent.objects.filter(person_id__in=ids, purpose__in=purposes).select_related(
            "given_by"
        )
    }
    return {
        (person.pk, p.pk): _rules(
            person,
            p,
            on,
            restriction=None if p.allowed_when_restricted else restricted.get(person.pk),
            objection=objected.get((person.pk, p.pk)),
            consent=consents.get((person.pk, p.pk)),
        )
        for person in people
        for p in purposes
    }


def _rules(
    person: Any,
    p: Purpose,
    on: date,
    *,
    restriction: Restriction | None,
    objection: Objection | None,
    consent: Consent | None,
) -> Decision:
    """The rules of the module docstring, over the rows that apply to this person and purpose
    (`restriction` and `objection` only those in force on `on`)."""
    if person.archived_at is not None:
        return Decision(False, ARCHIVED, "The record is archived and is not used.")
    if not p.active:
        return Decision(False, PURPOSE_INACTIVE, f"'{p.name}' is no longer a purpose in use.")
    if restriction is not None and not p.allowed_when_restricted:
        return Decision(
            False,
            RESTRICTED,
            f"Processing is restricted since {_d(restriction.started_on)}: the record is "
            "kept but not used.",
        )
    if objection is not None:
        return Decision(
            False,
            OBJECTED,
            f"The person objected to '{p.name}' on {_d(objection.received_on)}"
            + (
                "; the objection is waiting for a decision."
                if objection.decision == Objection.Decision.PENDING
                else "; the objection was upheld."
            ),
        )
    if not p.needs_consent:
        return Decision(
            True,
            LAWFUL_BASIS,
            f"Lawful basis: {p.get_lawful_basis_display()}; no objection or restriction.",
        )
    if consent is None:
        return Decision(False, NOT_ASKED, f"Consent for '{p.name}' has not been asked.")
    if consent.state == ConsentState.GIVEN:
        if consent.decided_on > on:
            return Decision(
                False, CONSENT_NOT_YET, f"Consent is recorded from {_d(consent.decided_on)}."
            )
        if consent.expires_on is not None and consent.expires_on <= on:
            return Decision(False, CONSENT_EXPIRED, f"Consent expired on {_d(consent.expires_on)}.")
        by = (
            f"by {consent.given_by.display_name} (parental responsibility)"
            if consent.given_by is not None
            else "by the person"
        )
        return Decision(True, CONSENT_GIVEN, f"Consent given on {_d(consent.decided_on)} {by}.")
    if consent.state == ConsentState.WITHDRAWN:
        when = consent.withdrawn_on or consent.decided_on
        return Decision(False, CONSENT_WITHDRAWN, f"Consent withdrawn on {_d(when)}.")
    if consent.state == ConsentState.EXPIRED:
        when = consent.expires_on or consent.decided_on
        return Decision(False, CONSENT_EXPIRED, f"Consent expired on {_d(when)}.")
    return Decision(False, CONSENT_REFUSED, f"Consent refused on {_d(consent.decided_on)}.")


# --- a whole queryset, in one SQL statement ------------------------------------------------------


def permitted(
    people: QuerySet[M], purpose: Purpose | str, *, on: date | None = None
) -> QuerySet[M]:
    """The people of `people` whose data may be used for `purpose` on `on`: the same rules as
    `decide`, as one filtered query (no per-person round trips), so 100,000 people cost one query.
    """
    p = purpose_of(purpose)
    on = on or _today()
    if not p.active:
        return people.none()
    person = OuterRef("pk")
    qs = people.filter(archived_at__isnull=True)
    if not p.allowed_when_restricted:
        qs = qs.filter(~Exists(_active_restrictions(on).filter(person=person)))
    qs = qs.filter(~Exists(_standing_objections(p, on).filter(person=person)))
    if p.needs_consent:
        qs = qs.filter(Exists(_valid_consents(p, on).filter(person=person)))
    return qs


def permitted_people(purpose: Purpose | str, *, on: date | None = None) -> QuerySet[Any]:
    """Everyone in the database the purpose allows: for system steps (a scheduled extract, the
    mailing list job) that run without a user. User-facing lists start from the user's scope."""
    from familyhub.people.models import Person

    return permitted(Person.objects.all(), purpose, on=on)


# --- restriction of the record itself (R-RIGHTS-5) ---------------------------------------------


def restricted(people: Any, *, on: date | None = None) -> dict[int, str]:
    """Of `people` (people or their ids; None ignored), those whose processing is restricted on `on`
    (Article 18), each with the reason to show.

    A restricted record is kept but not used: nothing new may be recorded about the person (a
    visit or other contact with them, a referral, an enrolment, an attendance) until the
    restriction is lifted. Reading the record and correcting it stay allowed (a restriction is
    often asked for while the accuracy of the record is contested, and rectification ends it).
    """
    ids = {getattr(p, "pk", p) for p in people if p is not None}
    if not ids:
        return {}
    on = on or _today()
    found: dict[int, str] = {}
    for person_id, started_on in (
        _active_restrictions(on)
        .filter(person_id__in=ids)
        .order_by("started_on")
        .values_list("person_id", "started_on")
    ):
        found.setdefault(
            person_id,
            f"Processing is restricted since {_d(started_on)}: the record is kept but not used, "
            "so nothing new can be recorded about this person until the restriction is lifted.",
        )
    return found
