"""Reads for the retention pages, the privacy notice and other apps (R-RETAIN-1, R-RIGHTS-4).

The DPO has no case scope (they see no family in search or lists), but erasure and holds are their
work: `person_for_erasure` and `subject_for_hold` fetch one record by its id for that purpose only,
require MANAGE_PRIVACY, write an access-log row with the reason, and answer 404 for an id that does
not exist (invariant 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Count, QuerySet
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access import log
from familyhub.access.models import AccessLogEntry
from familyhub.access.roles import Capability
from familyhub.core.datamap import DATA_MAP, Retention
from familyhub.core.errors import NotFound
from familyhub.people.models import Household, Membership, Person
from familyhub.retention.models import DisposalItem, DisposalRun, ErasureRecord, Hold, RetentionRule
from familyhub.retention.services import holds_in_force_q

UUID_IN_TEXT = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def rules_for_notice() -> list[dict[str, Any]]:
    """The retention rules as the privacy notice states them (R-RETAIN-1, R-NOTICE-1).

    One entry per rule, in a stable order: `category` (the data map's retention category name),
    `name`, `applies_to` (what it covers), `period` ('6 years'; '' for no fixed period),
    `starts_from` ('the last contact with the family'), `summary` (one sentence), and
    `data_categories` (the data map categories of the fields it covers).
    """
    used: dict[str, set[str]] = {}
    for fields in DATA_MAP.values():
        for fc in fields.values():
            if fc.personal:
                used.setdefault(Retention(fc.retention).name, set()).add(str(fc.category))
    out = []
    for rule in RetentionRule.objects.order_by("name"):
        out.append(
            {
                "category": rule.category,
                "name": rule.name,
                "applies_to": rule.applies_to,
                "period": rule.period_text if rule.has_period else "",
                "starts_from": rule.get_starts_from_display(),
                "summary": rule.summary,
                "data_categories": sorted(used.get(rule.category, set())),
            }
        )
    return out


def rules() -> QuerySet[RetentionRule]:
    return RetentionRule.objects.order_by("name")


def rule_by_category(category: str) -> RetentionRule:
    rule = RetentionRule.objects.filter(category=category).first()
    if rule is None:
        raise NotFound(access.NOT_FOUND)
    return rule


def _as_uuid(value: Any) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise NotFound(access.NOT_FOUND)


def person_for_erasure(user: Any, person_uuid: Any, *, log_view: bool = True) -> Person:
    """One person, for the DPO to erase (MANAGE_PRIVACY); logged with the reason."""
    access.require(user, Capability.MANAGE_PRIVACY)
    person = Person.objects.filter(uuid=_as_uuid(person_uuid)).first()
    if person is None:
        raise NotFound(access.NOT_FOUND)
    if log_view:
        log.record(
            user=user,
            action=AccessLogEntry.Action.VIEW_PERSON,
            object_type="person",
            person_keys=[person.log_key],
            reason="erasure: what would be erased",
        )
    return person


@dataclass
class HoldSubject:
    person: Person | None = None
    household: Household | None = None

    @property
    def description(self) -> str:
        if self.person is not None:
            return f"Person record {str(self.person.uuid)[:8]}"
        assert self.household is not None
        return f"Family record {str(self.household.uuid)[:8]}"


def subject_for_hold(user: Any, reference: str) -> HoldSubject:
    """The person or family a reference names (their id, or a link to their page); logged."""
    access.require(user, Capability.MANAGE_PRIVACY)
    found = UUID_IN_TEXT.search(reference or "")
    if not found:
        raise NotFound("Give the id of the person or family, or a link to their page.")
    uuid = _as_uuid(found.group(0))
    person = Person.objects.filter(uuid=uuid).first()
    household = None if person else Household.objects.filter(uuid=uuid).first()
    if person is None and household is None:
        raise NotFound("No person or family has this id.")
    keys = (
        [person.log_key]
        if person
        else list(
            Membership.objects.filter(household=household).values_list("person__log_key", flat=True)
        )
    )
    log.record(
        user=user,
        action=AccessLogEntry.Action.VIEW_PERSON
        if person
        else AccessLogEntry.Action.VIEW_HOUSEHOLD,
        object_type="person" if person else "household",
        person_keys=keys,
        reason="retention hold",
    )
    return HoldSubject(person=person, household=household)


def holds(*, in_force_on: date | None = None) -> QuerySet[Hold]:
    qs = Hold.objects.select_related("person", "household", "placed_by", "released_by")
    if in_force_on is not None:
        qs = qs.filter(holds_in_force_q(in_force_on))
    return qs.order_by("-starts_on", "-id")


def hold_by_uuid(user: Any, hold_uuid: Any) -> Hold:
    access.require(user, Capability.MANAGE_PRIVACY)
    hold = (
        Hold.objects.select_related("person", "household").filter(uuid=_as_uuid(hold_uuid)).first()
    )
    if hold is None:
        raise NotFound(access.NOT_FOUND)
    return hold


def erasure_records() -> QuerySet[ErasureRecord]:
    return ErasureRecord.objects.select_related("erased_by", "rule", "run").order_by(
        "-erased_at", "-id"
    )


def erasure_record(uuid: Any) -> ErasureRecord:
    record = erasure_records().filter(uuid=_as_uuid(uuid)).first()
    if record is None:
        raise NotFound(access.NOT_FOUND)
    return record


def runs() -> QuerySet[DisposalRun]:
    return DisposalRun.objects.select_related("started_by").order_by("-created_at", "-id")


def latest_dry_run() -> DisposalRun | None:
    return (
        DisposalRun.objects.filter(dry_run=True, status=DisposalRun.Status.COMPLETED)
        .order_by("-finished_at", "-id")
        .first()
    )


def run_by_uuid(uuid: Any) -> DisposalRun:
    run = runs().filter(uuid=_as_uuid(uuid)).first()
    if run is None:
        raise NotFound(access.NOT_FOUND)
    return run


def run_items(run: DisposalRun) -> QuerySet[DisposalItem]:
    return run.items.select_related("erasure").order_by("id")


def run_outcomes(run: DisposalRun) -> dict[str, int]:
    return dict(
        run.items.values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n")
    )


def today() -> date:
    return timezone.localdate()
