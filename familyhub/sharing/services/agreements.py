"""The register of data sharing agreements (R-SHARE-1): create, edit, suspend and resume.

Every write validates here (so the form, a command and the demo loader obey the same rules), runs
in one transaction and leaves ChangeRecords (who, when, old and new value) like every other
service, so an agreement's history of edits is one query (`agreement_history`).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from familyhub.core.errors import ApplicationError, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet, display_value, model_update
from familyhub.privacy.models import LawfulBasis, Purpose
from familyhub.sharing import items as vocabulary
from familyhub.sharing.models import LEVEL_RANK, Agreement, Frequency, Level
from familyhub.sharing.sdc import rule_set_names
from familyhub.sharing.sdc.rules import get_rule_set

# The fields a person edits; the rest (salt, suspension, author) only services set.
EDITABLE = (
    "reference",
    "title",
    "recipient",
    "recipient_organisation",
    "purpose",
    "level",
    "data_items",
    "lawful_basis",
    "basis_detail",
    "consent_purpose",
    "frequency",
    "starts_on",
    "ends_on",
    "responsible_name",
    "responsible_email",
    "rule_set",
    "k_threshold",
    "l_threshold",
    "notes",
)
REQUIRED = {
    "reference": "Enter the agreement's reference, for example DSA-2026-04",
    "title": "Enter a title",
    "recipient": "Enter the organisation that receives the data",
    "purpose": "Say what the recipient uses the data for",
    "level": "Choose how identifiable the data may be",
    "lawful_basis": "Choose the lawful basis",
    "frequency": "Choose how often data is shared",
    "starts_on": "Enter the date the agreement starts",
    "responsible_name": "Name the person responsible for the agreement",
}


def clean_agreement_data(
    data: Mapping[str, Any], *, instance: Agreement | None = None
) -> dict[str, Any]:
    """The agreement rules (R-SHARE-1), every problem at once as field errors:

    - the items exist, and each is allowed at the agreement's level;
    - the end date is after the start date;
    - an agreement relying on consent names a purpose that needs consent (its people are then
      exactly those `privacy.policy` permits for it);
    - the rule set is one `sharing.sdc` knows; thresholds are sensible.
    """
    errors: dict[str, list[str]] = {}
    out = {k: data[k] for k in EDITABLE if k in data}
    if "recipient_organisation" in out:
        org = _organisation(out["recipient_organisation"], instance)
        if org is False:
            errors.setdefault("recipient_organisation", []).append(
                "Choose the recipient's organisation from the list, or none"
            )
            org = None
        out["recipient_organisation"] = org
        if org is not None and not (out.get("recipient") or "").strip():
            out["recipient"] = org.name[:200]  # the organisation names the recipient
    for name, message in REQUIRED.items():
        value = out.get(name, getattr(instance, name, None) if instance else None)
        if value in (None, ""):
            errors.setdefault(name, []).append(message)
    for name in ("reference", "title", "recipient", "responsible_name"):
        if isinstance(out.get(name), str):
            out[name] = out[name].strip()
    reference = out.get("reference")
    if reference:
        clash = Agreement.objects.filter(reference__iexact=reference)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors.setdefault("reference", []).append(
                f"There is already an agreement with the reference {reference}"
            )

    def current(name: str) -> Any:
        return out[name] if name in out else (getattr(instance, name) if instance else None)

    level = current("level")
    if level and level not in Level.values:
        errors.setdefault("level", []).append("Choose a level from the list")
        level = None
    items = list(current("data_items") or [])
    if "data_items" in out or instance is None:
        if not items:
            errors.setdefault("data_items", []).append("Choose the data items the agreement covers")
        for code in items:
            item = vocabulary.ITEMS.get(code)
            if item is None:
                errors.setdefault("data_items", []).append(f"'{code}' is not a data item")
            elif level and LEVEL_RANK[item.level] > LEVEL_RANK[Level(level)]:
                errors.setdefault("data_items", []).append(
                    f"'{item.label}' needs an agreement for {item.level.label.lower()}"
                )
        out["data_items"] = list(dict.fromkeys(items))
    basis = current("lawful_basis")
    if basis and basis not in LawfulBasis.values:
        errors.setdefault("lawful_basis", []).append("Choose a lawful basis from the list")
    purpose = current("consent_purpose")
    if isinstance(purpose, str) and purpose:
        found = Purpose.objects.filter(code=purpose).first()
        if found is None:
            errors.setdefault("consent_purpose", []).append(f"There is no purpose '{purpose}'")
        out["consent_purpose"] = purpose = found
    if basis == LawfulBasis.CONSENT:
        if purpose is None:
            errors.setdefault("consent_purpose", []).append(
                "An agreement relying on consent must name the consent purpose people agreed to"
            )
        elif not purpose.needs_consent:
            errors.setdefault("consent_purpose", []).append(
                f"'{purpose.name}' does not rely on consent: choose a purpose people consent to"
            )
    frequency = current("frequency")
    if frequency and frequency not in Frequency.values:
        errors.setdefault("frequency", []).append("Choose how often from the list")
    starts, ends = current("starts_on"), current("ends_on")
    if isinstance(starts, date) and isinstance(ends, date) and ends <= starts:
        errors.setdefault("ends_on", []).append("The end date must be after the start date")
    rule_set = current("rule_set")
    if rule_set:
        try:
            get_rule_set(rule_set)
        except ValidationFailed:
            errors.setdefault("rule_set", []).append(
                "Choose a rule set: " + ", ".join(rule_set_names())
            )
    for name, low in (("k_threshold", 2), ("l_threshold", 1)):
        value = current(name)
        if value is not None and int(value) < low:
            errors.setdefault(name, []).append(f"The threshold must be at least {low}")
    if errors:
        raise ValidationFailed.from_errors(errors)
    return out


def _organisation(value: Any, instance: Agreement | None) -> Any:
    """The recipient organisation chosen (an Organisation, its uuid, or nothing): None for none,
    False when there is no such organisation in use (keeping one already on the agreement is
    allowed even if it has since been made inactive)."""
    from familyhub.places.models import Organisation

    if value in (None, ""):
        return None
    if isinstance(value, Organisation):
        found: Organisation | None = value
    else:
        try:
            found = Organisation.objects.filter(uuid=str(value)).first()
        except (ValueError, ValidationError):
            found = None
    if found is None:
        return False
    if not found.active and (instance is None or instance.recipient_organisation_id != found.pk):
        return False
    return found


@transaction.atomic
def agreement_create(*, actor: Any, data: Mapping[str, Any]) -> Agreement:
    """Add an agreement to the register (R-SHARE-1); its pseudonym salt is made here, never typed."""
    clean = clean_agreement_data(data)
    clean.setdefault("rule_set", "round-5-suppress-1-7")
    agreement = Agreement(**clean, created_by=actor, pseudonym_salt=secrets.token_hex(16))
    agreement.save()
    changes = ChangeSet(actor=actor)
    changes.record(agreement, action=ChangeRecord.Action.CREATE)
    for name in EDITABLE:
        value = display_value(agreement, name)
        if name == "data_items":
            value = ", ".join(vocabulary.label(c) for c in agreement.data_items)
        if value:
            changes.record(agreement, action=ChangeRecord.Action.CREATE, field_name=name, new=value)
    changes.flush()
    return agreement


def agreement_update(
    *, actor: Any, agreement: Agreement, data: Mapping[str, Any], expected_version: int
) -> list[str]:
    """Change an agreement; each changed field is a ChangeRecord. A stale edit is refused."""
    clean = clean_agreement_data(data, instance=agreement)
    changes = ChangeSet(actor=actor, reason=str(data.get("reason", "")))
    with transaction.atomic():
        return model_update(
            instance=agreement,
            fields=EDITABLE,
            data=clean,
            changes=changes,
            expected_version=expected_version,
        )


def agreement_suspend(*, actor: Any, agreement: Agreement, reason: str) -> Agreement:
    """Stop every output under the agreement until it is resumed (R-SHARE-1)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the agreement is suspended", field="reason")
    if agreement.suspended_at is not None:
        raise ApplicationError(f"Agreement {agreement.reference} is already suspended.")
    changes = ChangeSet(actor=actor, reason=reason)
    with transaction.atomic():
        model_update(
            instance=agreement,
            fields=("suspended_at", "suspended_reason"),
            data={"suspended_at": timezone.now(), "suspended_reason": reason[:300]},
            changes=changes,
            expected_version=agreement.version,
        )
    return agreement


def agreement_resume(*, actor: Any, agreement: Agreement, reason: str = "") -> Agreement:
    if agreement.suspended_at is None:
        raise ApplicationError(f"Agreement {agreement.reference} is not suspended.")
    changes = ChangeSet(actor=actor, reason=(reason or "Resumed").strip())
    with transaction.atomic():
        model_update(
            instance=agreement,
            fields=("suspended_at", "suspended_reason"),
            data={"suspended_at": None, "suspended_reason": ""},
            changes=changes,
            expected_version=agreement.version,
        )
    return agreement


def agreement_history(agreement: Agreement) -> QuerySet[ChangeRecord]:
    return ChangeRecord.objects.filter(object_uuid=agreement.uuid).select_related("actor")


def in_force(on: date | None = None) -> QuerySet[Agreement]:
    """Agreements an output may be produced under today: started, not ended, not suspended."""
    from django.db.models import Q

    on = on or timezone.localdate()
    return Agreement.objects.filter(starts_on__lte=on, suspended_at__isnull=True).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)
    )
