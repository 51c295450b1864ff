"""The disclosure log (R-SHARE-5): disclosures recorded by hand, and the log's reads. ADR 0019.

The log is `rights.DisclosureRecord` (one log for everything that leaves: subject access packs,
portability exports, reports, extracts). It is read-only: no route edits or deletes a row.
This module adds the one write people make by hand, `disclosure_record` (a safeguarding referral,
a court order: recipient, what, legal basis, the people in it, the date), and the DPO's reads:
a filtered list, CSV of the same, and the people in one disclosure. Reads of people go through
`access.helpers` (the DPO's reach is every person: OVERSEE_ACCESS) and are logged.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access import log
from familyhub.access.models import AccessLogEntry
from familyhub.access.roles import Capability
from familyhub.core.errors import NotFound, ValidationFailed
from familyhub.people.models import Person
from familyhub.rights.models import DisclosurePerson, DisclosureRecord
from familyhub.sharing.models import Agreement, Level

Action = AccessLogEntry.Action
READ_LOG = Capability.MANAGE_PRIVACY
HAND_KINDS = [
    DisclosureRecord.Kind.SAFEGUARDING,
    DisclosureRecord.Kind.COURT_ORDER,
    DisclosureRecord.Kind.OTHER,
]


def record_aggregate_release(
    agreement: Agreement,
    *,
    actor: Any,
    what: str,
    channel: str,
    people_count: int,
    files: list[dict],
    recipient: str = "",
) -> DisclosureRecord:
    """The log's row for an aggregate output that leaves under `agreement` (a report, a reach):
    no people are listed (nobody is identifiable in it); the checksum is of its first file."""
    return DisclosureRecord.objects.create(
        kind=DisclosureRecord.Kind.REPORT,
        level=Level.AGGREGATE,
        agreement=agreement,
        disclosed_at=timezone.now(),
        disclosed_by=actor if getattr(actor, "pk", None) else None,
        recipient=(recipient or agreement.recipient)[:200],
        recipient_kind=DisclosureRecord.RecipientKind.ORGANISATION,
        what=what[:300],
        legal_basis=f"{agreement.get_lawful_basis_display()}, agreement {agreement.reference}"[
            :200
        ],
        channel=channel[:100],
        people_count=people_count,
        sha256=files[0]["sha256"] if files else "",
        files=files,
    )


def agreement_for_purpose(purpose_code: str, *, level: str) -> Agreement | None:
    """The register's agreement for sending data used under this consent purpose at this level
    (the one that started last), in force or not: `sharing.guard` says why one may not be used."""
    return (
        Agreement.objects.filter(consent_purpose__code=purpose_code, level=level)
        .order_by("-starts_on", "-id")
        .first()
    )


def record_identifiable_release(
    agreement: Agreement,
    *,
    actor: Any,
    what: str,
    channel: str,
    people_ids: Sequence[int],
    file_name: str,
    content: bytes,
) -> DisclosureRecord:
    """The log's row for a file of identifiable data that leaves under `agreement` (R-SHARE-4,
    R-SHARE-5): the recipient, the checksum of the file and every person in it, so that each one's
    subject access pack lists it (R-RIGHTS-2)."""
    sha256 = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        record = DisclosureRecord.objects.create(
            kind=DisclosureRecord.Kind.EXTRACT_IDENTIFIABLE,
            level=Level.IDENTIFIABLE,
            agreement=agreement,
            disclosed_at=timezone.now(),
            disclosed_by=actor if getattr(actor, "pk", None) else None,
            recipient=agreement.recipient[:200],
            recipient_kind=DisclosureRecord.RecipientKind.ORGANISATION,
            what=what[:300],
            legal_basis=(
                f"{agreement.get_lawful_basis_display()}, agreement {agreement.reference}"
            )[:200],
            channel=channel[:100],
            people_count=len(set(people_ids)),
            sha256=sha256,
            files=[{"name": file_name, "bytes": len(content), "sha256": sha256}],
        )
        DisclosurePerson.objects.bulk_create(
            [DisclosurePerson(disclosure=record, person_id=pk) for pk in sorted(set(people_ids))]
        )
    return record


MAX_PEOPLE_BY_HAND = 50
NAME_SEARCH_LIMIT = 200


def _people_in_reach(actor: Any) -> QuerySet[Person]:
    """Whom the actor may name in the log: the DPO anyone (OVERSEE_ACCESS), others their scope."""
    access.require(actor, READ_LOG)
    if access.can(actor, Capability.OVERSEE_ACCESS):
        return Person.objects.all()
    return access.people_visible_to(actor)


# --- recording a disclosure made by hand ---------------------------------------------------------

_DOB = re.compile(r"^\s*(?P<name>[^,]+),\s*(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})\s*$")


@dataclass(frozen=True)
class Found:
    line: str
    person: Person | None
    problem: str = ""


def find_people(actor: Any, text: str, *, reason: str) -> list[Found]:
    """Each line of `text`: an NHS number, or "Last name, dd/mm/yyyy". Exact details only, one
    person each (never a browse), logged as a search."""
    people = _people_in_reach(actor)
    found: list[Found] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        digits = line.replace(" ", "")
        if digits.isdigit() and len(digits) == 10:
            matches = list(people.filter(nhs_number=digits)[:2])
        else:
            m = _DOB.match(line)
            if not m:
                found.append(Found(line, None, "give an NHS number or 'Last name, dd/mm/yyyy'"))
                continue
            try:
                dob = date(int(m["y"]), int(m["m"]), int(m["d"]))
            except ValueError:
                found.append(Found(line, None, "that date does not exist"))
                continue
            matches = list(
                people.filter(family_name__iexact=m["name"].strip(), date_of_birth=dob)[:2]
            )
        if len(matches) == 1:
            found.append(Found(line, matches[0]))
        elif not matches:
            found.append(Found(line, None, "nobody found with these details"))
        else:
            found.append(Found(line, None, "more than one person: use the NHS number"))
    log.record(
        user=actor,
        action=Action.SEARCH,
        object_type="person",
        person_keys=[f.person.log_key for f in found if f.person],
        detail="disclosure recorded by hand: people named",
        reason=reason[:200],
    )
    return found


def disclosure_record(
    *,
    actor: Any,
    kind: str,
    recipient: str,
    recipient_kind: str,
    what: str,
    legal_basis: str,
    disclosed_on: date,
    people_text: str,
    channel: str = "",
    agreement: Agreement | None = None,
) -> DisclosureRecord:
    """Record a disclosure made outside familyhub (safeguarding, court order) in the log."""
    access.require(actor, READ_LOG)
    errors: dict[str, list[str]] = {}
    if kind not in HAND_KINDS:
        errors["kind"] = ["Choose what kind of disclosure it was."]
    if recipient_kind not in DisclosureRecord.RecipientKind.values:
        errors["recipient_kind"] = ["Choose who received it."]
    for name, value, message in (
        ("recipient", recipient, "Enter who it was disclosed to."),
        ("what", what, "Enter what was disclosed."),
        ("legal_basis", legal_basis, "Enter the legal basis (for example a court order number)."),
    ):
        if not value.strip():
            errors[name] = [message]
    if disclosed_on > timezone.localdate():
        errors["disclosed_on"] = ["The date of the disclosure must be today or in the past."]
    found = find_people(actor, people_text, reason=f"disclosure to {recipient.strip()[:80]}")
    problems = [f"{f.line}: {f.problem}" for f in found if f.person is None]
    people = list({f.person.pk: f.person for f in found if f.person}.values())
    if problems:
        errors["people"] = problems
    elif not people:
        errors["people"] = ["Name at least one person whose data was disclosed."]
    elif len(people) > MAX_PEOPLE_BY_HAND:
        errors["people"] = [f"At most {MAX_PEOPLE_BY_HAND} people in one record."]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, errors=errors)
    now = timezone.now()
    at = (
        now
        if disclosed_on == timezone.localdate()
        else timezone.make_aware(datetime.combine(disclosed_on, time(12, 0)))
    )
    summary = "\n".join(
        [
            kind,
            recipient.strip(),
            what.strip(),
            legal_basis.strip(),
            disclosed_on.isoformat(),
            *sorted(str(p.uuid) for p in people),
        ]
    )
    with transaction.atomic():
        record = DisclosureRecord.objects.create(
            kind=kind,
            level=Level.IDENTIFIABLE,
            agreement=agreement,
            disclosed_at=at,
            disclosed_by=actor if getattr(actor, "pk", None) else None,
            recipient=recipient.strip()[:200],
            recipient_kind=recipient_kind,
            what=what.strip()[:300],
            legal_basis=legal_basis.strip()[:200],
            channel=channel.strip()[:100],
            person=people[0] if len(people) == 1 else None,
            people_count=len(people),
            # Nothing was sent from familyhub: the checksum is of the record itself, so that
            # a later change to it would show.
            sha256=hashlib.sha256(summary.encode("utf-8")).hexdigest(),
            files=[],
        )
        DisclosurePerson.objects.bulk_create(
            [DisclosurePerson(disclosure=record, person=p) for p in people]
        )
        log.record(
            user=actor,
            action=Action.CREATE,
            object_type="disclosure",
            person_keys=[p.log_key for p in people],
            detail=f"{record.get_kind_display()} recorded in the disclosure log",
            reason=legal_basis.strip()[:200],
        )
    return record


# --- reading the log -----------------------------------------------------------------------------


@dataclass
class LogFilter:
    recipient: str = ""
    kind: str = ""
    agreement: str = ""  # reference
    date_from: date | None = None
    date_to: date | None = None
    person: str = ""  # a name: matched through the people the reader may reach


def log_entries(actor: Any, f: LogFilter) -> QuerySet[DisclosureRecord]:
    """The disclosure log, newest first, filtered. A search by a person's name is logged."""
    access.require(actor, READ_LOG)
    qs = DisclosureRecord.objects.select_related("agreement", "disclosed_by").order_by(
        "-disclosed_at", "-id"
    )
    if f.recipient.strip():
        qs = qs.filter(recipient__icontains=f.recipient.strip())
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.agreement.strip():
        qs = qs.filter(agreement__reference__iexact=f.agreement.strip())
    tz = timezone.get_current_timezone()
    if f.date_from:
        qs = qs.filter(disclosed_at__gte=datetime.combine(f.date_from, time.min, tz))
    if f.date_to:
        qs = qs.filter(disclosed_at__lte=datetime.combine(f.date_to, time.max, tz))
    if f.person.strip():
        words = f.person.strip().split()
        people = _people_in_reach(actor)
        for w in words:
            people = people.filter(Q(given_name__icontains=w) | Q(family_name__icontains=w))
        matched = list(people.order_by("family_name", "id")[:NAME_SEARCH_LIMIT])
        log.record(
            user=actor,
            action=Action.SEARCH,
            object_type="person",
            person_keys=[p.log_key for p in matched],
            detail="disclosure log searched by name",
            reason="disclosure log",
        )
        qs = qs.filter(
            Exists(
                DisclosurePerson.objects.filter(
                    disclosure=OuterRef("pk"), person_id__in=[p.pk for p in matched]
                )
            )
        )
    return qs


def log_entry(actor: Any, uuid: Any) -> DisclosureRecord:
    access.require(actor, READ_LOG)
    record = (
        DisclosureRecord.objects.select_related("agreement", "disclosed_by", "request")
        .filter(uuid=access._as_uuid(uuid))
        .first()
    )
    if record is None:
        raise NotFound(access.NOT_FOUND)
    return record


def people_in(actor: Any, record: DisclosureRecord, *, limit: int = 50) -> list[Person]:
    """The first `limit` people of a disclosure the reader may reach (logged as listed)."""
    people = list(
        _people_in_reach(actor)
        .filter(disclosures__disclosure=record)
        .order_by("family_name", "given_name", "id")[:limit]
    )
    if people:
        access.log_people_shown(actor, people, object_type="person", detail="disclosure log")
    return people


LOG_COLUMNS = [
    "disclosed_at",
    "kind",
    "level",
    "agreement",
    "recipient",
    "recipient_kind",
    "what",
    "legal_basis",
    "channel",
    "disclosed_by",
    "people_count",
    "sha256",
    "files",
    "id",
]


def log_csv(actor: Any, entries: Sequence[DisclosureRecord] | QuerySet[DisclosureRecord]) -> bytes:
    """The log (as filtered) as CSV for the DPO: no names of the people in it, only counts."""
    access.require(actor, READ_LOG)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(LOG_COLUMNS)
    for d in entries:
        writer.writerow(
            [
                timezone.localtime(d.disclosed_at).isoformat(timespec="seconds"),
                d.get_kind_display(),
                d.get_level_display(),
                d.agreement.reference if d.agreement else "",
                d.recipient,
                d.get_recipient_kind_display(),
                d.what,
                d.legal_basis,
                d.channel,
                d.disclosed_by.get_username() if d.disclosed_by else "",
                d.people_count,
                d.sha256,
                "; ".join(f"{f.get('name')} ({f.get('bytes')} bytes)" for f in d.files or []),
                str(d.uuid),
            ]
        )
    log.record(
        user=actor,
        action=Action.EXPORT,
        object_type="disclosure",
        detail="disclosure log downloaded as CSV",
    )
    return buffer.getvalue().encode("utf-8")
