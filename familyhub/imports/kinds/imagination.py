"""Dolly Parton's Imagination Library returns (R-IMPORT-1, R-ENGAGE-1, R-CONSENT-3).

The Dollywood Foundation (or the local Imagination Library partner) sends back what happened to the
children we registered (privacy notice 000, Appendix 1 and 2: "Dollywood Foundation"): registered,
books sent, registration refused, or books returned because the address is wrong. One row is one
such return for one child, found by our reference (the familyhub id) or, since the list we send
holds names, date of birth and address, by first name + last name + date of birth + postcode among
the families the importer works with.

Nothing new is invented to hold it: a return is a change of the child's enrolment in the service
whose consent purpose is `imagination-library` (engagement), made through the enrolment services
the enrolment pages call, so eligibility, history and the access log are the same:

- registered / books sent: the child is enrolled from the date (`enrolment_create`), unless an
  enrolment is already open (then the row confirms it and changes nothing);
- registration refused / address returned: the open enrolment ends on the date with the reason
  (`enrolment_end`); a child with no open enrolment is rejected, as there is nothing to end.

Consent is decided only by `privacy.policy` for the purpose `imagination-library` (R-CONSENT-3): a
row for a child whom the policy does not allow is rejected with the policy's reason and nothing of
it is stored: its cells are blanked in the rejected rows (only the status is kept), so the names,
date of birth and address sent back are not kept in familyhub. The row key is the child, the status
and the date: the same return again changes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.errors import ApplicationError
from familyhub.engagement import services as engagement
from familyhub.engagement.models import Enrolment, Service
from familyhub.imports.kinds.base import ChunkOutcome, Column, Kind, Row, RowErrors
from familyhub.imports.models import ImportedRecord
from familyhub.imports.values import BadValue, normalise_header, parse_date, parse_uuid
from familyhub.people.models import Person
from familyhub.privacy import policy, purposes

RECORD_KIND = "imagination_return"
REGISTERED = "registered"
BOOKS_SENT = "books_sent"
REFUSED = "refused"
RETURNED = "address_returned"
STATUSES = {
    "registered": REGISTERED,
    "newregistration": REGISTERED,
    "enrolled": REGISTERED,
    "bookssent": BOOKS_SENT,
    "booksent": BOOKS_SENT,
    "dispatched": BOOKS_SENT,
    "active": BOOKS_SENT,
    "registrationrefused": REFUSED,
    "refused": REFUSED,
    "rejected": REFUSED,
    "notaccepted": REFUSED,
    "addressreturned": RETURNED,
    "returned": RETURNED,
    "returntosender": RETURNED,
    "goneaway": RETURNED,
    "undeliverable": RETURNED,
}
ENDING = {
    REFUSED: "Imagination Library: registration refused",
    RETURNED: "Imagination Library: books returned, address not known",
}
FIELD_COLUMNS = {"started_on": "status_date", "ended_on": "status_date", "reason": "details"}


class ImaginationReturnKind(Kind):
    code = "imagination"
    label = "Imagination Library returns"
    description = (
        "What the Imagination Library sends back for each child: our reference (familyhub id) or "
        "first name, last name, date of birth and postcode; the status (registered, books sent, "
        "registration refused, address returned), its date, and any details."
    )
    columns = (
        Column("reference", "Our reference (familyhub id)", False, ("ref", "yourreference")),
        Column("given_name", "Child's first name", False, ("firstname", "forename", "childfirst")),
        Column("family_name", "Child's last name", False, ("lastname", "surname", "childlast")),
        Column("date_of_birth", "Date of birth", False, ("dob", "dateofbirth", "birthdate")),
        Column("postcode", "Postcode", False, ("postcode", "postalcode", "zip")),
        Column("status", "Status", True, ("status", "registrationstatus", "outcome")),
        Column("status_date", "Status date", True, ("date", "statusdate", "dateofchange")),
        Column("details", "Details", False, ("details", "reason", "comments", "notes")),
    )
    one_of = (("reference", "date_of_birth"),)
    chunk_size = 200

    def prepare(self, *, batch: Any, actor: Any, options: dict[str, Any]) -> Any:
        access.require(actor, Capability.EDIT_PEOPLE)
        service = (
            Service.objects.filter(consent_purpose=purposes.IMAGINATION_LIBRARY, active=True)
            .order_by("pk")
            .first()
        )
        if service is None:
            raise ApplicationError(
                "No active service needs consent for the purpose 'imagination-library': set up "
                "the Imagination Library service before loading its returns."
            )
        return {"service": service}

    def process(self, *, batch: Any, actor: Any, ctx: Any, rows: list[Row]) -> ChunkOutcome:
        outcome = ChunkOutcome()
        service: Service = ctx["service"]
        for row in rows:
            errs = RowErrors()
            try:
                with transaction.atomic():  # a row is written whole or not at all
                    result = self._import_row(batch, actor, service, row, errs)
            except ApplicationError as e:
                errs.from_application_error(e, FIELD_COLUMNS)
                result = ""
            if result == "refused_by_policy":
                _withhold(batch, row)
            if errs:
                outcome.reject(row, errs.items)
            elif result == "loaded":
                outcome.loaded += 1
            else:
                outcome.unchanged += 1
        return outcome

    def _child(self, actor: Any, vals: dict[str, str], errs: RowErrors) -> Person | None:
        visible: QuerySet[Person] = access.people_visible_to(actor)
        reference = (vals.get("reference") or "").strip()
        if reference:
            try:
                found = visible.filter(uuid=parse_uuid(reference)).first()
            except BadValue as e:
                errs.add("reference", str(e))
                return None
            if found is None:
                errs.add(
                    "reference", "No child with this reference is in the families you work with"
                )
            return found
        given = (vals.get("given_name") or "").strip()
        family = (vals.get("family_name") or "").strip()
        born_text = (vals.get("date_of_birth") or "").strip()
        postcode = normalise_header(vals.get("postcode") or "").upper()
        missing = [
            n
            for n, t in (
                ("given_name", given),
                ("family_name", family),
                ("date_of_birth", born_text),
                ("postcode", postcode),
            )
            if not t
        ]
        for n in missing:
            errs.add(
                n,
                "Without our reference, enter the child's first name, last name, date of birth "
                "and postcode",
            )
        born = errs.value("date_of_birth", parse_date, born_text) if born_text else None
        if missing or born is None:
            return None
        matches = list(
            visible.filter(
                Q(given_name__iexact=given) | Q(known_as__iexact=given),
                family_name__iexact=family,
                date_of_birth=born,
                memberships__left_on__isnull=True,
                memberships__household__addresses__valid_to__isnull=True,
                memberships__household__addresses__postcode_key=postcode,
            ).distinct()[:2]
        )
        if not matches:
            errs.add(
                "",
                "No child with this name, date of birth and postcode is in the families you work "
                "with: send our reference, or check the details",
            )
            return None
        if len(matches) > 1:
            errs.add("", "More than one child matches these details: send our reference")
            return None
        return matches[0]

    def _import_row(
        self, batch: Any, actor: Any, service: Service, row: Row, errs: RowErrors
    ) -> str:
        vals = row.values
        status_text = vals.get("status") or ""
        status = STATUSES.get(normalise_header(status_text))
        if status is None:
            errs.add(
                "status",
                f"'{status_text}' is not a status we know: use Registered, Books sent, "
                "Registration refused or Address returned",
            )
        on: date | None = errs.value("status_date", parse_date, vals.get("status_date", ""))
        child = self._child(actor, vals, errs)
        if errs or child is None or status is None or on is None:
            return ""
        decision = policy.decide(child, purposes.IMAGINATION_LIBRARY)
        if not decision.allowed:
            errs.add("", f"Not stored: the Imagination Library needs consent. {decision.reason}")
            return "refused_by_policy"
        key = f"{child.uuid}:{status}:{on.isoformat()}"
        if ImportedRecord.objects.filter(
            organisation=batch.organisation, kind=RECORD_KIND, external_id=key
        ).exists():
            return "unchanged"
        household = (
            access.households_visible_to(actor)
            .filter(memberships__person=child, memberships__left_on__isnull=True)
            .first()
        )
        if household is None:
            errs.add("reference", access.NOT_FOUND)
            return ""
        enrolment = Enrolment.objects.filter(
            person=child, service=service, ended_on__isnull=True
        ).first()
        result = "unchanged"
        if status in (REGISTERED, BOOKS_SENT):
            if enrolment is None:
                enrolment = engagement.enrolment_create(
                    actor=actor,
                    household=household,
                    person=child,
                    service=service,
                    started_on=on,
                )
                result = "loaded"
        else:
            if enrolment is None:
                errs.add(
                    "status",
                    f"{child.display_name} has no open Imagination Library enrolment in "
                    "familyhub, so there is nothing to end",
                )
                return ""
            details = (vals.get("details") or "").strip()
            engagement.enrolment_end(
                actor=actor,
                enrolment=enrolment,
                ended_on=on,
                reason=f"{ENDING[status]}" + (f": {details}" if details else ""),
            )
            result = "loaded"
        ImportedRecord.objects.create(
            organisation=batch.organisation,
            kind=RECORD_KIND,
            external_id=key,
            object_uuid=enrolment.uuid,
            person=child,
            household=household,
            batch=batch,
        )
        return result


def _withhold(batch: Any, row: Row) -> None:
    """Blank every cell but the status of a row the policy refused: nothing of it is kept."""
    keep = {batch.mapping.get("status"), batch.mapping.get("status_date")}
    row.cells = [c if h in keep else "" for h, c in zip(row.headers, row.cells, strict=False)]
