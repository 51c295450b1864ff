"""Every read of the rights app for a user (invariant 2; R-RIGHTS-1, R-RIGHTS-2).

The DPO (MANAGE_PRIVACY) has no case scope: they reach a family's data only through a rights
request, by these functions, which check the capability, answer 404 alike for missing records, and
write the access log with the request's reference as the reason ("why"). Finding the person a
request is about is a search on exact details, never a browse (`find_people_for_request`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Prefetch, Q, QuerySet

from familyhub.access import helpers as access
from familyhub.access import log
from familyhub.access.models import AccessLogEntry
from familyhub.access.roles import Capability
from familyhub.core.errors import NotFound, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.people.models import Address, Membership, Person, Relationship
from familyhub.people.validators import InvalidValue, normalise_nhs_number, normalise_postcode
from familyhub.privacy.models import Consent, ConsentState, Purpose
from familyhub.rights.models import (
    AccessPack,
    DisclosureRecord,
    Notification,
    RequestKind,
    RequestPause,
    RightsRequest,
    Status,
)

MANAGE = Capability.MANAGE_PRIVACY
Action = AccessLogEntry.Action
FINDER_LIMIT = 10
NOT_FOUND = access.NOT_FOUND


def _uuid(value: Any) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise NotFound(NOT_FOUND) from None


def _people_keys(*people: Person | None) -> list[Any]:
    return [p.log_key for p in people if p is not None]


# --- requests ------------------------------------------------------------------------------------


def _requests() -> QuerySet[RightsRequest]:
    return RightsRequest.objects.select_related(
        "person",
        "requester_person",
        "purpose",
        "received_by",
        "identity_checked_by",
        "extended_by",
        "closed_by",
        "restriction",
        "objection",
        "objection__purpose",
    ).prefetch_related(Prefetch("pauses", queryset=RequestPause.objects.order_by("started_on")))


def request_for(user: Any, request_id: Any, *, log_view: bool = True) -> RightsRequest:
    """One request, for the DPO; showing it shows the person it is about (logged)."""
    access.require(user, MANAGE)
    request = _requests().filter(uuid=_uuid(request_id)).first()
    if request is None:
        raise NotFound(NOT_FOUND)
    if log_view and request.person is not None:
        log.record(
            user=user,
            action=Action.VIEW_PERSON,
            object_type="rights request",
            person_keys=_people_keys(request.person, request.requester_person),
            detail="rights request",
            reason=request.reference,
        )
    return request


def open_requests(user: Any) -> list[RightsRequest]:
    """Open requests (clock running or stopped), soonest due first: the dashboard. Logged as a list
    of the people named."""
    access.require(user, MANAGE)
    found = list(
        _requests().filter(status__in=[Status.OPEN, Status.WAITING]).order_by("due_on", "id")
    )
    _log_listed(user, found, "rights requests: open")
    return found


def register(user: Any, *, status: str = "", kind: str = "", reference: str = "") -> Any:
    """Every request, newest first, optionally filtered (the register; the view paginates)."""
    access.require(user, MANAGE)
    qs = _requests().order_by("-received_on", "-id")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if reference.strip():
        qs = qs.filter(reference__icontains=reference.strip())
    return qs


def log_listed(user: Any, requests: list[RightsRequest], detail: str) -> None:
    _log_listed(user, requests, detail)


def _log_listed(user: Any, requests: list[RightsRequest], detail: str) -> None:
    people = {r.person.pk: r.person for r in requests if r.person is not None}
    if people:
        access.log_people_shown(user, list(people.values()), detail=detail)


def notifications(user: Any, limit: int = 20) -> list[Notification]:
    """Recent notifications about open requests (the message names only the reference)."""
    access.require(user, MANAGE)
    return list(
        Notification.objects.filter(request__status__in=[Status.OPEN, Status.WAITING])
        .select_related("request")
        .order_by("-created_at", "-id")[:limit]
    )


def request_history(request: RightsRequest) -> list[ChangeRecord]:
    """The request's own change records (for a request fetched with `request_for`)."""
    return list(
        ChangeRecord.objects.filter(model="rightsrequest", object_uuid=request.uuid)
        .select_related("actor")
        .order_by("-at", "-id")
    )


def packs_of(request: RightsRequest) -> list[AccessPack]:
    return list(
        request.packs.select_related("generated_by", "released_by", "disclosure").order_by(
            "-generated_at", "-id"
        )
    )


def disclosures_of(request: RightsRequest) -> list[DisclosureRecord]:
    return list(request.disclosures.select_related("disclosed_by").order_by("-disclosed_at", "-id"))


ARTICLE_19_KINDS = (RequestKind.RECTIFICATION, RequestKind.ERASURE, RequestKind.RESTRICTION)


def recipients_to_tell(request: RightsRequest) -> list[DisclosureRecord]:
    """Article 19: the disclosures of the person's data to other organisations, whose recipients
    are told of a rectification, an erasure or a restriction (one row per recipient, the latest).
    Empty for other kinds of request, and once the person is erased (read before erasing)."""
    if request.kind not in ARTICLE_19_KINDS or request.person_id is None:
        return []
    latest: dict[str, DisclosureRecord] = {}
    for d in DisclosureRecord.objects.filter(
        subjects__person_id=request.person_id,
        recipient_kind=DisclosureRecord.RecipientKind.ORGANISATION,
    ).order_by("disclosed_at", "id"):
        latest[d.recipient] = d
    return sorted(latest.values(), key=lambda d: d.recipient.lower())


def purposes_for_objection() -> list[Purpose]:
    return list(Purpose.objects.filter(active=True).order_by("sort_order", "name"))


def purpose_by_code(code: str) -> Purpose | None:
    """A purpose of the register (reference data), by its code; None for '' or an unknown code."""
    return Purpose.objects.filter(code=code).first() if code else None


def consents_given(person: Person) -> list[Consent]:
    """The person's consents in force, for a withdrawal (a person fetched through a request)."""
    return list(
        Consent.objects.filter(person=person, state=ConsentState.GIVEN)
        .select_related("purpose")
        .order_by("purpose__sort_order", "purpose__name")
    )


# --- finding the person a request is about ---------------------------------------------------------


@dataclass
class Found:
    person: Person
    households: list[Membership] = field(default_factory=list)

    @property
    def postcodes(self) -> str:
        codes = []
        for m in self.households:
            for a in m.household.current_addresses:  # type: ignore[attr-defined]
                codes.append(a.postcode)
        return ", ".join(sorted(set(codes)))


def find_people_for_request(
    user: Any,
    request: RightsRequest,
    *,
    nhs_number: str = "",
    family_name: str = "",
    given_name: str = "",
    date_of_birth: date | None = None,
    postcode: str = "",
) -> list[Found]:
    """The people matching exact details, to link a request to whom it is about (R-RIGHTS-1).

    Needs an NHS number, or a last name with a date of birth or a postcode: it finds one person,
    it does not browse. At most FINDER_LIMIT people; logged as a search naming the request.
    """
    access.require(user, MANAGE)
    people = Person.objects.filter(archived_at__isnull=True)
    errors: dict[str, list[str]] = {}
    kind = ""
    if nhs_number.strip():
        try:
            people, kind = people.filter(nhs_number=normalise_nhs_number(nhs_number)), "NHS number"
        except InvalidValue as e:
            errors["nhs_number"] = [str(e)]
    elif family_name.strip() and (date_of_birth or postcode.strip()):
        people = people.filter(family_name__iexact=family_name.strip())
        kind = "last name"
        if given_name.strip():
            people = people.filter(
                Q(given_name__iexact=given_name.strip()) | Q(known_as__iexact=given_name.strip())
            )
        if date_of_birth:
            people = people.filter(
                Q(date_of_birth=date_of_birth) | Q(expected_date_of_delivery=date_of_birth)
            )
            kind += " and date of birth"
        if postcode.strip():
            try:
                key = normalise_postcode(postcode).replace(" ", "")
            except InvalidValue as e:
                errors["postcode"] = [str(e)]
            else:
                people = people.filter(
                    memberships__household__addresses__postcode_key=key,
                    memberships__household__addresses__valid_to__isnull=True,
                )
                kind += " and postcode"
    else:
        errors["family_name"] = [
            "Give an NHS number, or a last name with a date of birth or a postcode: the finder "
            "looks for one person, it does not browse."
        ]
    if errors:
        raise ValidationFailed.from_errors(errors)
    found = list(
        people.distinct()
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("household").prefetch_related(
                    Prefetch(
                        "household__addresses",
                        queryset=Address.objects.filter(valid_to__isnull=True),
                        to_attr="current_addresses",
                    )
                ),
            )
        )
        .order_by("family_name", "given_name", "id")[:FINDER_LIMIT]
    )
    log.record(
        user=user,
        action=Action.SEARCH,
        object_type="person",
        person_keys=[p.log_key for p in found],
        detail=f"rights request: find the person by {kind}",
        reason=request.reference,
    )
    return [Found(p, list(p.memberships.all())) for p in found]


def person_for_request(user: Any, request: RightsRequest, person_id: Any) -> Person:
    """The person chosen in the finder, by id (404 alike if missing or archived); logged."""
    access.require(user, MANAGE)
    person = Person.objects.filter(uuid=_uuid(person_id), archived_at__isnull=True).first()
    if person is None:
        raise NotFound(NOT_FOUND)
    log.record(
        user=user,
        action=Action.VIEW_PERSON,
        object_type="person",
        person_keys=[person.log_key],
        detail="rights request: person chosen",
        reason=request.reference,
    )
    return person


@dataclass
class PersonSummary:
    """What the DPO needs to know about the person to handle the request: who they are, their
    family, and who holds parental responsibility for them (to check a parent's request)."""

    person: Person
    households: list[Membership]
    parents: list[Relationship]


def person_summary(request: RightsRequest) -> PersonSummary | None:
    """For a request fetched with `request_for` (which logged the view)."""
    person = request.person
    if person is None:
        return None
    households = list(
        Membership.objects.filter(person=person)
        .select_related("household")
        .prefetch_related(
            Prefetch(
                "household__addresses",
                queryset=Address.objects.filter(valid_to__isnull=True),
                to_attr="current_addresses",
            )
        )
    )
    parents = list(
        Relationship.objects.filter(
            to_person=person, parental_responsibility=True, ended_on__isnull=True
        ).select_related("from_person")
    )
    return PersonSummary(person, households, parents)


# --- packs ---------------------------------------------------------------------------------------


def pack_for(user: Any, pack_id: Any, *, log_view: bool = True, detail: str = "") -> AccessPack:
    """One subject access pack, for the DPO; showing it shows everyone in it (logged)."""
    access.require(user, MANAGE)
    pack = (
        AccessPack.objects.select_related("request", "request__person", "person", "disclosure")
        .prefetch_related("decisions__decided_by")
        .filter(uuid=_uuid(pack_id))
        .first()
    )
    if pack is None:
        raise NotFound(NOT_FOUND)
    if log_view:
        uuids = {u for r in pack.review_items for u in r.get("about_ids", [])}
        others = list(Person.objects.filter(uuid__in=uuids)) if uuids else []
        log.record(
            user=user,
            action=Action.VIEW_PERSON,
            object_type="subject access pack",
            person_keys=_people_keys(pack.person, *others),
            detail=detail or "subject access pack",
            reason=pack.request.reference,
        )
    return pack
