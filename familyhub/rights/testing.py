"""Test helpers for rights requests (used by the rights tests and the authorization matrix)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from familyhub.people.choices import MemberRole
from familyhub.people.models import Household, Person
from familyhub.rights import services
from familyhub.rights.models import IdentityMethod, RequesterKind, RequestKind, RightsRequest


def a_parent(household: Household) -> Person:
    return (
        household.memberships.filter(role=MemberRole.PARENT_CARER).order_by("id").first().person  # type: ignore[union-attr]
    )


def a_child(household: Household) -> Person:
    return (
        household.memberships.filter(role=MemberRole.CHILD, person__is_unborn=False)
        .order_by("id")
        .first()
        .person  # type: ignore[union-attr]
    )


IDENTITY = services.IdentityCheck(
    IdentityMethod.DOCUMENTS, "Passport and a council tax bill seen at the children's centre"
)


def make_request(
    dpo: Any,
    person: Person | None,
    *,
    kind: str = RequestKind.ACCESS,
    received_on: date | None = None,
    identity: bool = True,
    **fields: Any,
) -> RightsRequest:
    """A request recorded by the DPO about `person` (linked), identity checked unless told not."""
    fields.setdefault("requester_kind", RequesterKind.SELF)
    if fields["requester_kind"] != RequesterKind.SELF:
        check = services.IdentityCheck(
            IDENTITY.method, IDENTITY.evidence, "Birth certificate naming them as the mother"
        )
    else:
        check = IDENTITY
    return services.request_record(
        actor=dpo,
        kind=kind,
        person=person,
        received_on=received_on or timezone.localdate(),
        received_via="email",
        description=fields.pop("description", "Please send me everything you hold about me."),
        identity=check if identity else None,
        **fields,
    )


def exercise_rights(dpo: Any, person: Person, *, marker: str = "") -> dict[str, Any]:
    """Every rights record that can hold data about `person`, made through the services: an access
    request with a pause (its history), a generated, reviewed and released pack (a disclosure and
    its people), and a portability request with a disclosed export. For tests that need the
    person's data everywhere, such as the erasure completeness test (R-RIGHTS-4)."""
    text = f"{marker} " if marker else ""
    access = make_request(
        dpo,
        person,
        description=f"{text}Please send me everything you hold about me",
        reply_to=f"{text}{person.email or 'by post'}",
    )
    services.pause_start(
        actor=dpo, request=access, reason="clarification", note=f"{text}Which years?"
    )
    services.pause_end(actor=dpo, request=access)
    pack = services.pack_generate(actor=dpo, request=access)
    services.pack_decide(
        actor=dpo,
        pack=pack,
        decisions={r["item"]: ("release", f"{text}her own family") for r in pack.review_items},
    )
    released = services.pack_release(
        actor=dpo,
        pack=pack,
        recipient=f"{person.display_name} {text}".strip(),
        recipient_kind="data_subject",
        channel="secure email",
    )
    portability = make_request(dpo, person, kind=RequestKind.PORTABILITY)
    export = services.portability_release(actor=dpo, request=portability, fmt="fhir")
    return {
        "access": access,
        "pack": pack,
        "released": released,
        "portability": portability,
        "export": export.disclosure,
    }


def a_visit(worker: Any, household: Household, person: Person | None = None, **fields: Any) -> Any:
    """A home visit recorded by `worker` (a caseworker of the family's organisation) 3 days ago."""
    from datetime import timedelta

    from familyhub.casework.services import contacts

    return contacts.contact_record(
        actor=worker,
        household=household,
        person=person,
        kind=fields.pop("kind", "home_visit"),
        occurred_at=fields.pop("occurred_at", timezone.now() - timedelta(days=3)),
        duration_minutes=fields.pop("duration_minutes", 45),
        notes=fields.pop("notes", "Mum seemed low; the flat was cold and damp."),
        **fields,
    )


def a_challenge(actor: Any, person: Person, **fields: Any) -> Any:
    """A challenge to the accuracy of `person`'s record (their date of birth unless told)."""
    from familyhub.rights.models import AccuracyChallenge

    fields.setdefault("target", AccuracyChallenge.Target.FIELD)
    if fields["target"] == AccuracyChallenge.Target.FIELD:
        fields.setdefault("field_name", "date_of_birth")
    return services.challenge_record(
        actor=actor,
        person=person,
        statement=fields.pop("statement", "My date of birth is the 3rd of March, not May."),
        received_on=fields.pop("received_on", timezone.localdate()),
        **fields,
    )
