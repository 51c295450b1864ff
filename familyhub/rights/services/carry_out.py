"""Carrying rights requests out (R-RIGHTS-4, R-RIGHTS-5; ADR 0015): restriction and objection
through `privacy.services` (so `privacy.policy` sees them at once), withdrawal of consent, and
erasure through the retention app's erasure service.

Each acts only on a request of its kind, open, about a known person whose requester's identity was
checked (`requests.ready_to_act`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.core.errors import ApplicationError, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet, model_update
from familyhub.privacy import services as privacy
from familyhub.privacy.models import Consent, LawfulBasis, Objection, Purpose
from familyhub.rights.models import RequesterKind, RequestKind, RightsRequest
from familyhub.rights.services.requests import MANAGE, _label, ready_to_act


def request_restrict(*, actor: Any, request: RightsRequest, reason: str) -> RightsRequest:
    """Article 18: restrict the use of the person's data (privacy.services.restriction_start);
    from now on `privacy.policy` allows nothing but storage and legal claims."""
    access.require(actor, MANAGE)
    person = ready_to_act(request, RequestKind.RESTRICTION)
    if request.restriction is not None and request.restriction.lifted_on is None:
        raise ValidationFailed("The use of their data is already restricted.")
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        restriction = privacy.restriction_start(
            actor=actor, person=person, reason=reason, request_reference=request.reference
        )
        model_update(
            instance=request,
            fields=["restriction"],
            data={"restriction": restriction},
            changes=changes,
            person=person,
        )
    return request


def request_lift_restriction(*, actor: Any, request: RightsRequest, reason: str) -> RightsRequest:
    """Lift the restriction this request made (privacy.services.restriction_lift)."""
    access.require(actor, MANAGE)
    if request.restriction is None or request.restriction.lifted_on is not None:
        raise ValidationFailed("There is no restriction in force from this request.")
    if not reason.strip():
        raise ValidationFailed(
            "Say why the restriction is lifted (the person must be told first).", field="reason"
        )
    privacy.restriction_lift(actor=actor, restriction=request.restriction, reason=reason.strip())
    return request


OBJECTABLE = {LawfulBasis.PUBLIC_TASK, LawfulBasis.LEGITIMATE_INTERESTS}


def request_record_objection(
    *, actor: Any, request: RightsRequest, purpose: Purpose | None = None
) -> RightsRequest:
    """Article 21: record the objection to one purpose (privacy.services.objection_record); the
    policy stops that use at once, until the DPO decides."""
    access.require(actor, MANAGE)
    person = ready_to_act(request, RequestKind.OBJECTION)
    purpose = purpose or request.purpose
    if purpose is None:
        raise ValidationFailed("Choose the use of their data they object to.", field="purpose")
    if request.objection_id is not None:
        raise ValidationFailed("The objection is already recorded.", field="purpose")
    if purpose.lawful_basis == LawfulBasis.CONSENT:
        raise ValidationFailed(
            f"'{purpose.name}' relies on consent: they can withdraw their consent instead "
            "(record a withdrawal of consent).",
            field="purpose",
        )
    if purpose.lawful_basis not in OBJECTABLE:
        raise ValidationFailed(
            f"The right to object applies to uses based on a public task or legitimate interests; "
            f"'{purpose.name}' relies on {purpose.get_lawful_basis_display() or 'no basis yet'}.",
            field="purpose",
        )
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        objection = privacy.objection_record(
            actor=actor,
            person=person,
            purpose=purpose,
            grounds=request.description,
            received_on=request.received_on,
            request_reference=request.reference,
        )
        model_update(
            instance=request,
            fields=["purpose", "objection"],
            data={"purpose": purpose, "objection": objection},
            changes=changes,
            person=person,
        )
    return request


def request_decide_objection(
    *, actor: Any, request: RightsRequest, decision: str, compelling_grounds: str = ""
) -> RightsRequest:
    """Uphold the objection, or record compelling legitimate grounds to continue
    (privacy.services.objection_decide)."""
    access.require(actor, MANAGE)
    ready_to_act(request, RequestKind.OBJECTION)
    if request.objection is None:
        raise ValidationFailed("Record the objection first.", field="decision")
    if request.objection.decision != Objection.Decision.PENDING:
        raise ValidationFailed("The objection is already decided.", field="decision")
    privacy.objection_decide(
        actor=actor,
        objection=request.objection,
        decision=decision,
        compelling_grounds=compelling_grounds,
    )
    return request


def request_withdraw_consent(
    *, actor: Any, request: RightsRequest, purpose: Purpose | None = None
) -> Consent:
    """Article 7(3): withdraw the person's consent for one purpose, today; `privacy.policy` reads
    the row, so the withdrawal takes effect everywhere at once.

    `privacy.services.consent_withdraw_on_request` makes the change (ADR 0015); this records which
    purpose the request was about.
    """
    access.require(actor, MANAGE)
    person = ready_to_act(request, RequestKind.WITHDRAW_CONSENT)
    purpose = purpose or request.purpose
    if purpose is None:
        raise ValidationFailed(
            "Choose the use of their data they withdraw consent for.", field="purpose"
        )
    with transaction.atomic():
        current = privacy.consent_withdraw_on_request(
            actor=actor,
            person=person,
            purpose=purpose,
            reason=f"{_label(request)}: consent withdrawn",
        )
        if request.purpose_id != purpose.pk:
            model_update(
                instance=request,
                fields=["purpose"],
                data={"purpose": purpose},
                changes=ChangeSet(actor=actor, reason=f"{_label(request)}: consent withdrawn"),
                person=person,
            )
    return current


def erasure_available() -> bool:
    try:
        from familyhub.retention.erasure import erase_person  # noqa: F401
    except ImportError:
        return False
    return True


def request_erase(
    *, actor: Any, request: RightsRequest, exceptions: Iterable[Any] = ()
) -> RightsRequest:
    """Article 17: erase the person with the retention app's erasure service, keeping the named
    legal exceptions; the request then keeps none of the erased data (ADR 0015, ADR 0016)."""
    access.require(actor, MANAGE)
    person = ready_to_act(request, RequestKind.ERASURE)
    try:
        from familyhub.retention.decisions import ERASED_TEXT
        from familyhub.retention.erasure import erase_person
    except ImportError:
        raise ApplicationError(
            "Erasure is not available in this installation yet (the erasure service "
            "familyhub.retention.erasure is missing): nothing was erased."
        ) from None
    with transaction.atomic():
        erase_person(actor=actor, person=person, request=request, exceptions=tuple(exceptions))
        now = timezone.now()
        # What stays of the request holds none of the erased data: the words of the request, what
        # was seen of their identity and where to write are blanked without a change record of
        # their old values (which would copy them into the history).
        data: dict[str, Any] = {
            "erased_at": now,
            "updated_at": now,
            "description": ERASED_TEXT,
            "identity_evidence": "",
            "reply_to": "",
        }
        if request.requester_kind == RequesterKind.SELF:
            data.update(requester_name="", requester_relationship="", authority_evidence="")
        RightsRequest.objects.filter(pk=request.pk).update(**data)
        request.refresh_from_db()
        changes = ChangeSet(actor=actor)
        changes.record(
            request,
            action=ChangeRecord.Action.UPDATE,
            field_name="erased_at",
            new=f"{timezone.localtime(now):%d/%m/%Y %H:%M}",
            label=_label(request),
        )
        changes.flush()
    return request
