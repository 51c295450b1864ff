"""Organisations on an organisation's mailing list (R-ENGAGE-9): added with the channels and topics
they chose, and taken off the day they ask, with history. Families are on the people's list, by
consent and contact preference (`privacy.mailing`); this list holds organisational details only."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.casework.models import MailingOrganisation
from familyhub.casework.services._common import (
    Errors,
    acting_organisation,
    organisations_with,
    require_in_organisation,
    today,
)
from familyhub.core.errors import NotFound, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet, model_update
from familyhub.people import validators as v

# Front-door work, as enquiries: everyone who registers families keeps the lists.
KEEP = Capability.EDIT_PEOPLE
PERSONAL_MAILBOX = (
    "Use the organisation's shared address (for example info@ or office@), not a person's own: "
    "people join the families' list by consent instead"
)


def mailing_organisations(actor: Any, *, current: bool = True) -> QuerySet[MailingOrganisation]:
    """The lists of the actor's organisations (current entries, or all)."""
    access.require(actor, KEEP)
    qs = MailingOrganisation.objects.filter(
        organisation__in=[o.pk for o in organisations_with(actor, KEEP)]
    ).select_related("organisation")
    return qs.filter(left_on__isnull=True) if current else qs


def mailing_organisation_for(actor: Any, entry_uuid: Any) -> MailingOrganisation:
    found = mailing_organisations(actor, current=False).filter(uuid=access._as_uuid(entry_uuid))
    entry = found.first()
    if entry is None:
        raise NotFound(access.NOT_FOUND)
    return entry


def _clean(data: Mapping[str, Any], errs: Errors) -> dict[str, Any]:
    topics: list[str] = sorted({str(t) for t in data.get("topics") or []})
    out: dict[str, Any] = {
        "name": " ".join((data.get("name") or "").split()),
        "email": (data.get("email") or "").strip().lower(),
        "address": (data.get("address") or "").strip(),
        "postcode": "",
        "by_email": bool(data.get("by_email")),
        "by_post": bool(data.get("by_post")),
        "topics": topics,
    }
    if not out["name"]:
        errs.add("name", "Enter the organisation's name")
    if not (out["by_email"] or out["by_post"]):
        errs.add("by_email", "Choose how they want to hear from you: by email, by post or both")
    if out["by_email"] and not out["email"]:
        errs.add("email", "Enter the organisation's email address, or untick 'by email'")
    if out["by_post"] and not out["address"]:
        errs.add("address", "Enter the organisation's postal address, or untick 'by post'")
    if (data.get("postcode") or "").strip():
        try:
            out["postcode"] = v.normalise_postcode(data["postcode"])
        except v.InvalidValue as e:
            errs.add("postcode", str(e))
    if out["by_post"] and not out["postcode"] and "postcode" not in errs.errors:
        errs.add("postcode", "Enter the postcode, or untick 'by post'")
    if not topics or set(topics) - set(MailingOrganisation.Topic.values):
        errs.add("topics", "Choose at least one topic they want to hear about")
    return out


def mailing_organisation_add(
    *, actor: Any, data: Mapping[str, Any], organisation: Any = None
) -> MailingOrganisation:
    access.require(actor, KEEP)
    org = acting_organisation(actor, organisation, KEEP)
    errs = Errors()
    clean = _clean(data, errs)
    if (
        clean["email"]
        and MailingOrganisation.objects.filter(
            organisation=org, email=clean["email"], left_on__isnull=True
        ).exists()
    ):
        errs.add("email", f"{clean['email']} is already on {org.name}'s list")
    errs.raise_if_any()
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        entry = MailingOrganisation.objects.create(organisation=org, joined_on=today(), **clean)
        changes.record(
            entry,
            action=ChangeRecord.Action.CREATE,
            new=f"{entry.name}: by {' and '.join(entry.channels)}",
            label="Mailing list",
        )
        changes.flush()
    return entry


def mailing_organisation_leave(
    *, actor: Any, entry: MailingOrganisation, left_on: date | None = None
) -> MailingOrganisation:
    """Off the list from the day they asked (today by default): at once, whatever was planned."""
    require_in_organisation(actor, entry.organisation_id, KEEP)
    left_on = left_on or today()
    if entry.left_on is not None:
        raise ValidationFailed(f"{entry.name} already left the list", field="left_on")
    if left_on > today() or left_on < entry.joined_on:
        raise ValidationFailed(
            f"The date must be between {entry.joined_on:%d/%m/%Y} and today", field="left_on"
        )
    changes = ChangeSet(actor=actor, reason="Asked to come off the mailing list")
    with transaction.atomic():
        model_update(instance=entry, fields=["left_on"], data={"left_on": left_on}, changes=changes)
    return entry


CSV_HEADER = ("Organisation", "Channels", "Email", "Postal address", "Postcode", "Topics")


def csv_lines(entries: Iterable[MailingOrganisation], topic: str = "") -> Iterable[list[str]]:
    """Only what each chose: the email for those who want email, the address for post."""
    labels = dict(MailingOrganisation.Topic.choices)
    for e in entries:
        if topic and topic not in e.topics:
            continue
        yield [
            e.name,
            " and ".join(e.channels),
            e.email if e.by_email else "",
            e.address if e.by_post else "",
            e.postcode if e.by_post else "",
            "; ".join(labels.get(t, t) for t in e.topics),
        ]
