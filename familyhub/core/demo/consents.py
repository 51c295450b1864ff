"""Demo consents and contact preferences for the demo families (R-CONSENT-2, R-CONSENT-4).

Most people gave consent for service delivery; the other consent purposes of the register get a mix
of given, refused and not asked; some consents were withdrawn later; children under 13 and unborn
babies are answered for by a parent with parental responsibility; Imagination Library consent is
asked only for children under five. Parents and carers have contact preferences.

Like the family loader, rows are written in bulk and have no change history (a fixture load, not
staff work). Reproducible with the same seed; safe to run again (nothing is added once any consent
exists). Purposes come from the register (`privacy` migrations): none in use, nothing made.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from familyhub.people.models import CaseAllocation, Household, Membership, Person, Relationship
from familyhub.privacy.models import (
    Consent,
    ConsentMethod,
    ConsentState,
    ContactPreference,
    LawfulBasis,
    PrivacyNotice,
    Purpose,
)
from familyhub.privacy.purposes import IMAGINATION_LIBRARY, SERVICE_DELIVERY
from familyhub.privacy.services import needs_parent

# (given, refused) shares per purpose; the rest are not asked. Unknown purposes use DEFAULT.
SHARES = {
    SERVICE_DELIVERY: (0.92, 0.03),
    "receiving-information": (0.62, 0.18),
    "evaluation": (0.50, 0.20),
    "photos-video": (0.45, 0.35),
    "marketing-publicity": (0.25, 0.40),
    "school-census-matching": (0.40, 0.15),
    IMAGINATION_LIBRARY: (0.70, 0.10),
}
DEFAULT = (0.40, 0.30)
WITHDRAWN = 0.08  # of the consents given, later withdrawn
METHODS = ((ConsentMethod.PAPER, 0.6), (ConsentMethod.VERBAL, 0.3), (ConsentMethod.ONLINE, 0.1))
CHUNK = 2000


@dataclass
class ConsentStats:
    consents: int = 0
    withdrawn: int = 0
    preferences: int = 0
    skipped: str = ""

    def __str__(self) -> str:
        if self.skipped:
            return f"Consents: {self.skipped}"
        return (
            f"Made {self.consents:,} consent answers ({self.withdrawn:,} since withdrawn) and "
            f"{self.preferences:,} contact preferences for the demo families."
        )


def _households() -> Iterator[list[Household]]:
    ids = list(Household.objects.order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), CHUNK):
        yield list(
            Household.objects.filter(id__in=ids[start : start + CHUNK])
            .order_by("id")
            .prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=Membership.objects.select_related("person").order_by("id"),
                ),
                Prefetch(
                    "allocations",
                    queryset=CaseAllocation.objects.filter(ended_on__isnull=True).order_by("id"),
                ),
            )
        )


def _method(rng: random.Random) -> str:
    r, total = rng.random(), 0.0
    for method, share in METHODS:
        total += share
        if r < total:
            return method
    return ConsentMethod.PAPER


def load_demo_consents(*, seed: int = 2026, today: date | None = None) -> ConsentStats:
    """Consents and contact preferences for every household of the demo (see the module doc)."""
    stats = ConsentStats()
    wanted = list(Purpose.objects.filter(active=True, lawful_basis=LawfulBasis.CONSENT))
    if not wanted:
        stats.skipped = "no consent purposes in the register: none made."
        return stats
    if Consent.objects.exists() or ContactPreference.objects.exists():
        stats.skipped = "already recorded: none added."
        return stats
    today = today or timezone.localdate()
    rng = random.Random(seed)
    notice = PrivacyNotice.objects.order_by("-version").first()
    for households in _households():
        people = [m.person for h in households for m in h.memberships.all()]
        parents: dict[int, list[int]] = {}
        for child_id, parent_id in (
            Relationship.objects.filter(
                to_person__in=people, parental_responsibility=True, ended_on__isnull=True
            )
            .order_by("id")
            .values_list("to_person_id", "from_person_id")
        ):
            parents.setdefault(child_id, []).append(parent_id)
        consents: list[Consent] = []
        preferences: list[ContactPreference] = []
        for h in households:
            allocation = next(iter(h.allocations.all()), None)
            worker_id = allocation.worker_id if allocation else None
            asked_on = today - timedelta(days=rng.randint(1, 700))
            method = _method(rng)
            for m in h.memberships.all():
                person = m.person
                if person.pk in {c.person_id for c in consents}:
                    continue  # a parent in two families answers once
                consents += _answers(
                    rng, person, wanted, parents, asked_on, method, notice, worker_id, today
                )
                if m.role == "parent_carer":
                    pref = _preference(rng, person)
                    if pref is not None:
                        preferences.append(pref)
        with transaction.atomic():
            Consent.objects.bulk_create(consents, batch_size=1000)
            ContactPreference.objects.bulk_create(preferences, batch_size=1000)
        stats.consents += len(consents)
        stats.withdrawn += sum(c.state == ConsentState.WITHDRAWN for c in consents)
        stats.preferences += len(preferences)
    return stats


def _answers(
    rng: random.Random,
    person: Person,
    wanted: list[Purpose],
    parents: dict[int, list[int]],
    asked_on: date,
    method: str,
    notice: PrivacyNotice | None,
    worker_id: int | None,
    today: date,
) -> list[Consent]:
    given_by_id = None
    if needs_parent(person, asked_on):
        if not parents.get(person.pk):
            return []  # nobody may answer for this child
        given_by_id = parents[person.pk][0]
    age = person.age_on(today)
    out = []
    for purpose in wanted:
        if purpose.code == IMAGINATION_LIBRARY and (person.is_unborn or age is None or age >= 5):
            continue
        given, refused = SHARES.get(purpose.code, DEFAULT)
        r = rng.random()
        if r >= given + refused:
            continue  # not asked
        state = ConsentState.GIVEN if r < given else ConsentState.REFUSED
        withdrawn_on = None
        if state == ConsentState.GIVEN and rng.random() < WITHDRAWN:
            state = ConsentState.WITHDRAWN
            withdrawn_on = asked_on + timedelta(days=rng.randint(0, (today - asked_on).days))
        out.append(
            Consent(
                uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                person_id=person.pk,
                purpose=purpose,
                state=state,
                given_by_id=given_by_id,
                decided_on=asked_on,
                method=method,
                recorded_by_id=worker_id,
                notice=notice,
                withdrawn_on=withdrawn_on,
            )
        )
    return out


def _preference(rng: random.Random, person: Person) -> ContactPreference | None:
    r = rng.random()
    if r < 0.25:
        return None  # not asked
    pref = ContactPreference(
        uuid=uuid.UUID(int=rng.getrandbits(128), version=4), person_id=person.pk
    )
    if r < 0.40:
        pref.agreed = ContactPreference.Agreed.NO
        return pref
    pref.agreed = ContactPreference.Agreed.YES
    pref.by_email = bool(person.email) and rng.random() < 0.8
    pref.by_text = bool(person.phone) and rng.random() < 0.6
    pref.by_phone = bool(person.phone) and rng.random() < 0.3
    pref.by_post = rng.random() < 0.3 or not (pref.by_email or pref.by_text or pref.by_phone)
    topics = [
        t
        for t, share in (("service", 0.85), ("news", 0.65), ("evaluation", 0.3))
        if rng.random() < share
    ]
    pref.topics = topics or ["service"]
    return pref
