"""Sending a person the data they gave us (R-RIGHTS-3): each file made is a disclosure.

The file is built (`rights.portability`, `rights.fhir`), checked (a FHIR bundle must pass
`fhir.validate_bundle`, or nothing is sent), recorded as a disclosure with its SHA-256, and logged
in the access log as an EXPORT, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access import log
from familyhub.access.models import AccessLogEntry
from familyhub.access.roles import Capability
from familyhub.core.errors import ApplicationError, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet
from familyhub.people.models import Person
from familyhub.rights import fhir, portability, sar
from familyhub.rights.models import (
    DisclosurePerson,
    DisclosureRecord,
    RequesterKind,
    RequestKind,
    RightsRequest,
)
from familyhub.rights.services.requests import ready_to_act

LEGAL_BASIS = "UK GDPR Article 20: the right to data portability"
FORMATS = {
    "json": ("JSON", "application/json", "json"),
    "csv": ("CSV", "text/csv; charset=utf-8", "csv"),
    "fhir": ("a FHIR R4 bundle (UK Core)", "application/fhir+json", "fhir.json"),
}


@dataclass(frozen=True)
class Export:
    body: bytes
    content_type: str
    filename: str
    disclosure: DisclosureRecord


def _recipient(request: RightsRequest) -> tuple[str, str]:
    from familyhub.rights.services.packs import requester_text

    kind = (
        DisclosureRecord.RecipientKind.DATA_SUBJECT
        if request.requester_kind == RequesterKind.SELF
        else DisclosureRecord.RecipientKind.REPRESENTATIVE
    )
    return requester_text(request), kind


def portability_release(
    *,
    actor: Any,
    request: RightsRequest,
    fmt: str,
    recipient: str = "",
    recipient_kind: str = "",
    channel: str = "downloaded by the DPO to send",
) -> Export:
    """Build the person's data in `fmt` (json, csv or fhir) and record its disclosure."""
    access.require(actor, Capability.MANAGE_PRIVACY)
    person = ready_to_act(request, RequestKind.PORTABILITY)
    if fmt not in FORMATS:
        raise ValidationFailed("Choose JSON, CSV or FHIR.", field="format")
    default_recipient, default_kind = _recipient(request)
    recipient = recipient.strip() or default_recipient
    recipient_kind = recipient_kind or default_kind
    if recipient_kind not in DisclosureRecord.RecipientKind.values:
        raise ValidationFailed("Choose who receives it.", field="recipient_kind")
    data = portability.provided_data(person)
    if fmt == "fhir":
        bundle = fhir.bundle_for(person, data)
        problems = fhir.validate_bundle(bundle)
        if problems:
            raise ApplicationError(
                "The FHIR bundle failed its own checks, so it was not sent: " + problems[0]
            )
        body = fhir.as_json(bundle)
    elif fmt == "csv":
        body = portability.as_csv(data)
    else:
        body = portability.as_json(data)
    name, content_type, suffix = FORMATS[fmt]
    filename = f"{request.reference}-portability.{suffix}"
    digest = sar.sha256(body)
    related = list(
        Person.objects.filter(uuid__in=[p["id"] for p in data["related_people"]]).exclude(
            pk=person.pk
        )
    )
    people = [person, *related]
    now = timezone.now()
    with transaction.atomic():
        disclosure = DisclosureRecord.objects.create(
            kind=DisclosureRecord.Kind.PORTABILITY,
            disclosed_at=now,
            disclosed_by=actor if getattr(actor, "pk", None) else None,
            recipient=recipient[:200],
            recipient_kind=recipient_kind,
            what=f"The data they provided, as {name}, for request {request.reference}",
            legal_basis=LEGAL_BASIS,
            channel=channel[:100],
            request=request,
            person=person,
            people_count=len(people),
            sha256=digest,
            files=[{"name": filename, "bytes": len(body), "sha256": digest}],
        )
        DisclosurePerson.objects.bulk_create(
            [DisclosurePerson(disclosure=disclosure, person=p) for p in people]
        )
        changes = ChangeSet(actor=actor)
        changes.record(
            request,
            action=ChangeRecord.Action.UPDATE,
            field_name="kind",
            new=f"Their data sent as {name} to {disclosure.recipient}; SHA-256 {digest}",
            person=person,
            label=f"Rights request {request.reference}",
        )
        changes.flush()
        log.record(
            user=actor,
            action=AccessLogEntry.Action.EXPORT,
            object_type="person",
            person_keys=[p.log_key for p in people],
            detail=f"portability export ({fmt})",
            reason=request.reference,
        )
    return Export(body, content_type, filename, disclosure)
