"""Every write to retention rules and holds (invariant 1; R-RETAIN-1, R-RETAIN-2).

Erasure is in `retention.erasure`, disposal runs in `retention.disposal`. Each service here checks
the actor's capability (MANAGE_PRIVACY: the DPO), validates, writes in one transaction and records
the change (ChangeRecord), so the history of every rule and hold is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.errors import ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet, model_update
from familyhub.people.models import Household, Person
from familyhub.retention.models import Hold, RetentionRule

RULE_FIELDS = [
    "name",
    "applies_to",
    "period_years",
    "period_months",
    "starts_from",
    "programme_ends_on",
    "disposal_enabled",
    "source",
    "note",
]
# The start events that make sense for each category (a staff account has no "last contact").
STARTS_FOR_CATEGORY: dict[str, set[str]] = {
    "CASE_RECORD": {RetentionRule.StartsFrom.LAST_CONTACT},
    "EVALUATION": {RetentionRule.StartsFrom.PROGRAMME_END, RetentionRule.StartsFrom.LAST_CONTACT},
    "STAFF_ACCOUNT": {RetentionRule.StartsFrom.ACCOUNT_CLOSED},
    "AUDIT_LOG": {RetentionRule.StartsFrom.RECORDED},
    "REFERENCE": {RetentionRule.StartsFrom.IN_USE},
}
MAX_YEARS = 100


def _today() -> date:
    return timezone.localdate()


def rule_update(
    *, actor: Any, rule: RetentionRule, data: Mapping[str, Any], expected_version: int
) -> RetentionRule:
    """The DPO changes a rule; refused if someone saved it since `expected_version`."""
    access.require(actor, Capability.MANAGE_PRIVACY)
    clean = {k: data[k] for k in RULE_FIELDS if k in data}
    merged = {k: getattr(rule, k) for k in RULE_FIELDS} | clean
    errors: dict[str, list[str]] = {}
    for name in ("name", "applies_to"):
        if name in clean:
            clean[name] = (clean[name] or "").strip()
            if not clean[name]:
                errors.setdefault(name, []).append("This cannot be empty.")
    starts = merged["starts_from"]
    if starts not in RetentionRule.StartsFrom.values:
        errors.setdefault("starts_from", []).append("Choose when the period starts.")
    elif starts not in STARTS_FOR_CATEGORY.get(rule.category, set(RetentionRule.StartsFrom.values)):
        allowed = ", ".join(
            RetentionRule.StartsFrom(s).label for s in sorted(STARTS_FOR_CATEGORY[rule.category])
        )
        errors.setdefault("starts_from", []).append(
            f"For {rule.get_category_display().split(':')[0]} the period can only start from: "
            f"{allowed}."
        )
    years, months = merged["period_years"] or 0, merged["period_months"] or 0
    if starts != RetentionRule.StartsFrom.IN_USE:
        if years < 0 or months < 0 or months > 11:
            errors.setdefault("period_months", []).append("Enter 0 to 11 months.")
        if not years and not months:
            errors.setdefault("period_years", []).append(
                "Enter how long the records are kept: a period of at least one month."
            )
        if years > MAX_YEARS:
            errors.setdefault("period_years", []).append(f"Enter at most {MAX_YEARS} years.")
    if starts == RetentionRule.StartsFrom.PROGRAMME_END and not merged["programme_ends_on"]:
        errors.setdefault("programme_ends_on", []).append(
            "Enter the date the programme ends: the period runs from it."
        )
    if errors:
        raise ValidationFailed.from_errors(errors)
    changes = ChangeSet(actor=actor, reason="Retention rule changed by the DPO")
    with transaction.atomic():
        model_update(
            instance=rule,
            fields=RULE_FIELDS,
            data=clean,
            changes=changes,
            expected_version=expected_version,
        )
    return rule


# --- holds ---------------------------------------------------------------------------------------


def hold_place(
    *,
    actor: Any,
    kind: str,
    reason: str,
    person: Person | None = None,
    household: Household | None = None,
    reference: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Hold:
    """Put a person or a family on hold: neither erasure nor disposal touches them meanwhile."""
    access.require(actor, Capability.MANAGE_PRIVACY)
    errors: dict[str, list[str]] = {}
    if (person is None) == (household is None):
        errors.setdefault("reference", []).append("Choose one person or one family to hold.")
    if kind not in Hold.Kind.values:
        errors.setdefault("kind", []).append(
            "Choose the kind of hold: safeguarding, legal, or an open rights request."
        )
    reason = (reason or "").strip()
    if not reason:
        errors.setdefault("reason", []).append("Say why the records must be kept.")
    start = starts_on or _today()
    if ends_on is not None and ends_on < start:
        errors.setdefault("ends_on", []).append("The hold cannot end before it starts.")
    if ends_on is not None and ends_on < _today():
        errors.setdefault("ends_on", []).append("A hold that has already ended holds nothing.")
    if errors:
        raise ValidationFailed.from_errors(errors)
    changes = ChangeSet(actor=actor, reason=reason)
    with transaction.atomic():
        hold = Hold.objects.create(
            person=person,
            household=household,
            kind=kind,
            reason=reason,
            reference=(reference or "").strip()[:60],
            starts_on=start,
            ends_on=ends_on,
            placed_by=actor,
        )
        changes.record(
            hold,
            action=ChangeRecord.Action.CREATE,
            field_name="kind",
            new=f"{hold.get_kind_display()} hold from {start:%d/%m/%Y}",
            person=person,
            household=household,
            label="Retention hold",
        )
        changes.flush()
    return hold


def hold_release(*, actor: Any, hold: Hold, reason: str, released_on: date | None = None) -> Hold:
    access.require(actor, Capability.MANAGE_PRIVACY)
    on = released_on or _today()
    if hold.released_on is not None:
        raise ValidationFailed("This hold was already released.", field="reason")
    if not (reason or "").strip():
        raise ValidationFailed("Say why the hold is released.", field="reason")
    if on < hold.starts_on:
        raise ValidationFailed("A hold cannot be released before it starts.", field="released_on")
    changes = ChangeSet(actor=actor, reason=reason.strip())
    with transaction.atomic():
        model_update(
            instance=hold,
            fields=["released_on", "released_by", "release_reason"],
            data={"released_on": on, "released_by": actor, "release_reason": reason.strip()},
            changes=changes,
            person=hold.person,
            household=hold.household,
        )
    return hold


def holds_in_force_q(on: date, prefix: str = "") -> Q:
    """The SQL condition for a hold in force on `on` (prefix: a lookup path to Hold)."""
    return Q(
        **{
            f"{prefix}released_on__isnull": True,
            f"{prefix}starts_on__lte": on,
        }
    ) & (Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": on}))
