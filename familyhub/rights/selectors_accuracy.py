"""Reads of challenges to the accuracy of a record (Articles 16 and 18(1)(a); ADR 0027).

Two ways in, as for everything else in the rights app (invariant 2):

- front-line staff reach a challenge through the person it is about, in their scope
  (`challenge_for`: 404 alike for a challenge that does not exist and one out of scope; logged);
- the DPO, who has no case scope, reaches it through the rectification request it came with
  (`challenge_for_request`: logged with the request's reference).

The notices on the person page, the contacts page and the outcomes page read the challenges of a
person or a family that the page already fetched through `access.helpers` (`of_person`,
`of_household`): one query each, whatever the number of challenges.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from familyhub.access import helpers as access
from familyhub.access import log
from familyhub.access.models import AccessLogEntry
from familyhub.access.roles import Capability
from familyhub.casework.models import Contact, OutcomeRecord
from familyhub.core.datamap import personal_fields
from familyhub.core.errors import NotFound
from familyhub.people.models import Household, Membership, Person
from familyhub.rights.models import AccuracyChallenge, RightsRequest

NOT_FOUND = access.NOT_FOUND
Target = AccuracyChallenge.Target

# Fields of people.Person that are derived, internal or not the person's own details: a person
# cannot dispute them as such (their name is disputed through the name fields they come from).
NOT_DISPUTABLE = frozenset(
    {
        "is_unborn",
        "search_name",
        "given_key",
        "family_key",
        "given_sound",
        "family_sound",
        "log_key",
        "created_by",
        "archive_reason",
    }
)


def disputable_fields() -> list[tuple[str, str]]:
    """(data-map name, label) of each detail of a person that can be disputed, in the data map's
    order (identity, contact, circumstances, special category)."""
    out = []
    for name in personal_fields("people.Person"):
        if name in NOT_DISPUTABLE:
            continue
        label = str(getattr(Person._meta.get_field(name), "verbose_name", name))
        out.append((name, label[:1].upper() + label[1:]))
    return out


def _challenges() -> QuerySet[AccuracyChallenge]:
    return AccuracyChallenge.objects.select_related(
        "person",
        "contact",
        "outcome_record",
        "request",
        "recorded_by",
        "decided_by",
    )


# --- for pages that already fetched the person or the family through access.helpers -------------


def people_disputing(person_ids: list[int]) -> set[int]:
    """Of `person_ids` (people already fetched through the access helpers), those with a challenge
    that stands (`AccuracyChallenge.stands`, in SQL): one query, whatever the number."""
    if not person_ids:
        return set()
    return set(
        AccuracyChallenge.objects.filter(person_id__in=person_ids)
        .exclude(outcome=AccuracyChallenge.Outcome.CORRECTED)
        .values_list("person_id", flat=True)
        .distinct()
    )


def of_person(person: Person) -> list[AccuracyChallenge]:
    """Every challenge the person made, newest first (decided ones stay: they are history)."""
    return list(_challenges().filter(person=person).order_by("-received_on", "-id"))


@dataclass
class Disputes:
    """A family's challenges to its contacts and needs, by the record disputed (its pk)."""

    contacts: dict[int, list[AccuracyChallenge]] = field(default_factory=dict)
    outcome_records: dict[int, list[AccuracyChallenge]] = field(default_factory=dict)

    def about(self, record: Any) -> list[AccuracyChallenge]:
        if isinstance(record, Contact):
            return self.contacts.get(record.pk, [])
        if isinstance(record, OutcomeRecord):
            return self.outcome_records.get(record.pk, [])
        return []


def of_household(household: Household) -> Disputes:
    """The challenges to the family's contacts and needs, strengths and goals (one query)."""
    contacts: dict[int, list[AccuracyChallenge]] = defaultdict(list)
    records: dict[int, list[AccuracyChallenge]] = defaultdict(list)
    for c in (
        _challenges()
        .filter(Q(contact__household=household) | Q(outcome_record__household=household))
        .order_by("received_on", "id")
    ):
        if c.contact_id is not None:
            contacts[c.contact_id].append(c)
        elif c.outcome_record_id is not None:
            records[c.outcome_record_id].append(c)
    return Disputes(dict(contacts), dict(records))


# --- what can be disputed -----------------------------------------------------------------------


@dataclass
class Disputable:
    """The records of the person's families a person can dispute: contacts that happened (or were
    cancelled) and the needs, strengths and goals recorded with the family."""

    contacts: list[Contact]
    outcome_records: list[OutcomeRecord]


def _households_of(person: Person, user: Any, *, in_scope: bool) -> QuerySet[Household]:
    ids = Membership.objects.filter(person=person).values("household_id")
    qs = access.households_visible_to(user) if in_scope else Household.objects.all()
    return qs.filter(pk__in=ids)


def disputable_records(person: Person, user: Any, *, in_scope: bool = True) -> Disputable:
    """For front-line staff (`in_scope`), the records of the person's families in their scope; for
    the DPO through a rectification request, every family of the person."""
    households = _households_of(person, user, in_scope=in_scope)
    contacts = list(
        Contact.objects.filter(household__in=households)
        .exclude(status=Contact.Status.PLANNED)
        .select_related("person", "worker")
        .order_by("-occurred_at", "-id")
    )
    records = list(
        OutcomeRecord.objects.filter(household__in=households)
        .select_related("outcome", "person")
        .order_by("-recorded_on", "-id")
    )
    return Disputable(contacts, records)


# --- one challenge, for the page that decides it --------------------------------------------------


def _uuid_or_404(value: Any) -> Any:
    from uuid import UUID

    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise NotFound(NOT_FOUND) from None


def challenge_for(user: Any, challenge_id: Any) -> AccuracyChallenge:
    """A challenge about a person in the user's scope (front-line staff); logged as a view of the
    person. Missing and out of scope answer alike."""
    access.require(user, Capability.VIEW_PEOPLE)
    challenge = (
        _challenges()
        .filter(
            uuid=_uuid_or_404(challenge_id),
            person__in=access.people_visible_to(user),
        )
        .first()
    )
    if challenge is None:
        raise NotFound(NOT_FOUND)
    log.record(
        user=user,
        action=AccessLogEntry.Action.VIEW_PERSON,
        object_type="accuracy challenge",
        person_keys=[challenge.person.log_key],
        detail="challenge to the accuracy of the record",
    )
    return challenge


def challenge_for_request(user: Any, challenge_id: Any) -> AccuracyChallenge:
    """A challenge that came with a rectification request, for the DPO (MANAGE_PRIVACY), logged
    with the request's reference as the reason."""
    access.require(user, Capability.MANAGE_PRIVACY)
    challenge = _challenges().filter(uuid=_uuid_or_404(challenge_id), request__isnull=False).first()
    if challenge is None:
        raise NotFound(NOT_FOUND)
    request = challenge.request
    assert request is not None
    log.record(
        user=user,
        action=AccessLogEntry.Action.VIEW_PERSON,
        object_type="accuracy challenge",
        person_keys=[challenge.person.log_key],
        detail="challenge to the accuracy of the record",
        reason=request.reference,
    )
    return challenge


def of_request(request: RightsRequest) -> list[AccuracyChallenge]:
    """The challenges recorded with a request (for a request fetched with `request_for`)."""
    return list(_challenges().filter(request=request).order_by("received_on", "id"))


def contact_or_none(disputable: Disputable, uuid: str) -> Contact | None:
    return next((c for c in disputable.contacts if str(c.uuid) == uuid), None)


def outcome_record_or_none(disputable: Disputable, uuid: str) -> OutcomeRecord | None:
    return next((r for r in disputable.outcome_records if str(r.uuid) == uuid), None)
