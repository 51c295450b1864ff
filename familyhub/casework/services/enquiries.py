"""Enquiries and complaints (R-ENGAGE-9): received, acknowledged within 30 days, resolved."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.casework.models import Enquiry
from familyhub.casework.services._common import (
    Errors,
    acting_organisation,
    ensure_household_visible,
    members_of,
    require_in_organisation,
    today,
)
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet, model_update

ACKNOWLEDGE_WITHIN_DAYS = 30
# Front-door work: everyone who registers families takes enquiries and complaints.
HANDLE = Capability.EDIT_PEOPLE
UPDATE_FIELDS = [
    "status",
    "acknowledged_on",
    "outcome",
    "outcome_details",
    "resolved_on",
    "handled_by",
]


def acknowledgement_due(received_on: date) -> date:
    return received_on + timedelta(days=ACKNOWLEDGE_WITHIN_DAYS)


def enquiry_record(
    *,
    actor: Any,
    kind: str,
    received_on: date | None,
    channel: str,
    from_name: str,
    about: str,
    from_contact: str = "",
    details: str = "",
    service: Any = None,
    household: Any = None,
    organisation: Any = None,
) -> Enquiry:
    access.require(actor, HANDLE)
    org = acting_organisation(actor, organisation, HANDLE)
    if household is not None:
        ensure_household_visible(actor, household)
    errs = Errors()
    if kind not in Enquiry.Kind.values:
        errs.add("kind", "Choose enquiry or complaint")
    if received_on is None:
        errs.add("received_on", "Enter the date it was received")
    elif received_on > today():
        errs.add("received_on", "The date received must be today or in the past")
    if channel not in Enquiry.Channel.values:
        errs.add("channel", "Choose how it was received")
    if not (from_name or "").strip():
        errs.add("from_name", "Enter who it is from")
    if not (about or "").strip():
        errs.add("about", "Say in a few words what it is about")
    errs.raise_if_any()
    assert received_on is not None
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        enquiry = Enquiry.objects.create(
            organisation=org,
            kind=kind,
            received_on=received_on,
            channel=channel,
            from_name=from_name.strip(),
            from_contact=(from_contact or "").strip(),
            household=household,
            about=about.strip(),
            details=(details or "").strip(),
            service=service,
            acknowledgement_due_on=acknowledgement_due(received_on),
            recorded_by=actor,
            handled_by=actor,
        )
        changes.record(
            enquiry,
            action=ChangeRecord.Action.CREATE,
            new=f"{enquiry.get_kind_display()} received {received_on:%d/%m/%Y}: {enquiry.about}",
            household=household,
            label=enquiry.get_kind_display(),
        )
        changes.flush()
        if household is not None:
            access.log_change(actor, members_of(household), created=True, object_type="enquiry")
    return enquiry


def enquiry_update(
    *, actor: Any, enquiry: Enquiry, data: Mapping[str, Any], expected_version: int
) -> Enquiry:
    """Acknowledge, resolve or withdraw; every step is kept in the history.

    Resolving needs an outcome and a date; a resolution sent without a separate acknowledgement
    counts as the acknowledgement.
    """
    access.require(actor, HANDLE)
    require_in_organisation(actor, enquiry.organisation_id, HANDLE)
    clean = {k: data[k] for k in UPDATE_FIELDS if k in data}
    merged = {k: clean.get(k, getattr(enquiry, k)) for k in UPDATE_FIELDS}
    errs = Errors()
    status = merged["status"]
    if status not in Enquiry.Status.values:
        errs.add("status", "Choose the status")
    for name in ("acknowledged_on", "resolved_on"):
        when = merged[name]
        if when is not None and when > today():
            errs.add(name, "The date must be today or in the past")
        elif when is not None and when < enquiry.received_on:
            errs.add(
                name, f"The date cannot be before it was received ({enquiry.received_on:%d/%m/%Y})"
            )
    if status == Enquiry.Status.ACKNOWLEDGED and merged["acknowledged_on"] is None:
        errs.add("acknowledged_on", "Enter the date it was acknowledged")
    if status == Enquiry.Status.RESOLVED:
        if not merged["outcome"]:
            errs.add("outcome", "Choose the outcome")
        if merged["resolved_on"] is None:
            errs.add("resolved_on", "Enter the date it was resolved")
        if merged["acknowledged_on"] is None and merged["resolved_on"] is not None:
            clean["acknowledged_on"] = merged["resolved_on"]
    if merged["outcome"] and merged["outcome"] not in Enquiry.Result.values:
        errs.add("outcome", "Choose the outcome")
    if (
        enquiry.kind == Enquiry.Kind.ENQUIRY
        and merged["outcome"]
        and merged["outcome"]
        in (Enquiry.Result.UPHELD, Enquiry.Result.PARTLY_UPHELD, Enquiry.Result.NOT_UPHELD)
    ):
        errs.add("outcome", "An enquiry is answered or passed on; upheld or not is for complaints")
    errs.raise_if_any()
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        model_update(
            instance=enquiry,
            fields=UPDATE_FIELDS,
            data=clean,
            changes=changes,
            expected_version=expected_version,
            household=enquiry.household,
        )
    return enquiry
