"""Referrals received from partners and agencies, from their list (R-IMPORT-1, R-ENGAGE-5).

One row is one referral the importing organisation received: the partner's referral id (the row
key), the person referred (familyhub id or NHS number; their family must be one the importer
works with), the service (its code), the referring organisation (its name in familyhub) and who
referred, the date, the reason, and the family's agreement (who agreed, when, how). Each row goes
through `casework.services.referrals.referral_make(incoming=True)`, the service the referral form
calls, so every rule of the form applies (agreement recorded, service delivered by the importer,
no second open referral for the same service).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.casework.models import Referral
from familyhub.casework.services import referrals as casework
from familyhub.core.errors import ApplicationError
from familyhub.engagement.models import Service
from familyhub.imports.kinds.base import (
    ChunkOutcome,
    Column,
    Kind,
    Row,
    RowErrors,
    already_imported,
)
from familyhub.imports.models import ImportedRecord
from familyhub.imports.values import BadValue, parse_date, parse_uuid
from familyhub.people import validators as v
from familyhub.people.models import Person
from familyhub.places.models import Organisation

METHODS = {
    "in person": Referral.Agreement.IN_PERSON,
    "verbal": Referral.Agreement.IN_PERSON,
    "in_person": Referral.Agreement.IN_PERSON,
    "phone": Referral.Agreement.PHONE,
    "telephone": Referral.Agreement.PHONE,
    "signed form": Referral.Agreement.SIGNED_FORM,
    "signed_form": Referral.Agreement.SIGNED_FORM,
    "form": Referral.Agreement.SIGNED_FORM,
    "online": Referral.Agreement.ONLINE,
    "email": Referral.Agreement.ONLINE,
    "e-mail": Referral.Agreement.ONLINE,
}
FIELD_COLUMNS = {
    "service": "service_code",
    "from_organisation": "from_organisation",
    "to_organisation": "service_code",
    "referred_on": "referred_on",
    "person": "person_id",
    "agreed_by": "agreed_by",
    "agreed_on": "agreed_on",
    "agreement_method": "agreement_method",
    "reason": "reason",
}


class ReferralKind(Kind):
    code = "referrals"
    label = "Referrals received"
    description = (
        "Referrals your organisation received: your referral id, the person (familyhub id or NHS "
        "number), service code, referring organisation and referrer, date, reason, and who in the "
        "family agreed, when and how."
    )
    columns = (
        Column("record_id", "Referral id", True, ("id", "referralid", "reference", "ref")),
        Column("person_id", "Person id (familyhub)", False, ("person", "familyhubid")),
        Column("nhs_number", "NHS number", False, ("nhs", "nhsno", "nhsnumber")),
        Column("service_code", "Service code", True, ("service", "servicecode", "programme")),
        Column(
            "from_organisation",
            "Referred by (organisation)",
            True,
            ("from", "referringorganisation", "agency"),
        ),
        Column("referrer_name", "Referrer", False, ("referrer", "referrername", "referredby")),
        Column("referred_on", "Date referred", True, ("date", "referraldate", "referredon")),
        Column("reason", "Reason", True, ("reason", "referralreason", "details")),
        Column(
            "agreed_by", "Agreed by (familyhub id or NHS number)", True, ("agreedby", "consentby")
        ),
        Column("agreed_on", "Date agreed", True, ("agreedon", "consentdate", "dateagreed")),
        Column(
            "agreement_method",
            "How the family agreed",
            True,
            ("agreementmethod", "consentmethod", "how"),
        ),
    )
    one_of = (("person_id", "nhs_number"),)
    chunk_size = 200

    def prepare(self, *, batch: Any, actor: Any, options: dict[str, Any]) -> Any:
        access.require(actor, Capability.CASEWORK)
        return {}

    def process(self, *, batch: Any, actor: Any, ctx: Any, rows: list[Row]) -> ChunkOutcome:
        outcome = ChunkOutcome()
        done = already_imported(batch, "referral", rows)
        for row in rows:
            errs = RowErrors()
            key = row.values.get("record_id", "").strip()
            if not key:
                errs.add("record_id", "Enter your id for this referral")
            elif key in done:
                outcome.unchanged += 1
                continue
            else:
                try:
                    with transaction.atomic():  # a row is written whole or not at all
                        self._import_row(batch, actor, row, key, errs)
                except ApplicationError as e:
                    errs.from_application_error(e, FIELD_COLUMNS)
            if errs:
                outcome.reject(row, errs.items)
            else:
                done.add(key)
                outcome.loaded += 1
        return outcome

    def _person(self, actor: Any, text: str, name: str, errs: RowErrors) -> Person | None:
        text = (text or "").strip()
        visible = access.people_visible_to(actor)
        try:
            if "-" in text and len(text) > 20:
                found = visible.filter(uuid=parse_uuid(text)).first()
            else:
                found = visible.filter(nhs_number=v.normalise_nhs_number(text)).first()
        except (BadValue, v.InvalidValue) as e:
            errs.add(name, str(e))
            return None
        if found is None:
            errs.add(name, "Nobody with this id or NHS number is in the families you work with")
        return found

    def _import_row(self, batch: Any, actor: Any, row: Row, key: str, errs: RowErrors) -> None:
        vals = row.values
        who = vals.get("person_id") or vals.get("nhs_number") or ""
        person = self._person(
            actor, who, "person_id" if vals.get("person_id") else "nhs_number", errs
        )
        service = Service.objects.filter(code=(vals.get("service_code") or "").strip()).first()
        if service is None:
            errs.add("service_code", f"No service with the code '{vals.get('service_code', '')}'")
        source = Organisation.objects.filter(
            name__iexact=(vals.get("from_organisation") or "").strip()
        ).first()
        if source is None:
            errs.add(
                "from_organisation",
                f"No organisation called '{vals.get('from_organisation', '')}' in familyhub",
            )
        dates = {}
        for name in ("referred_on", "agreed_on"):
            dates[name] = errs.value(name, parse_date, vals.get(name, ""))
        method = METHODS.get((vals.get("agreement_method") or "").strip().lower())
        if method is None:
            errs.add(
                "agreement_method",
                "Say how the family agreed: in person, phone, signed form or online",
            )
        agreed_by = self._person(actor, vals.get("agreed_by", ""), "agreed_by", errs)
        if errs or person is None:
            return
        household = access.households_visible_to(actor).filter(memberships__person=person).first()
        if household is None:
            errs.add("person_id", access.NOT_FOUND)
            return
        referral = casework.referral_make(
            actor=actor,
            household=household,
            service=service,
            to_organisation=batch.organisation,
            from_organisation=source,
            incoming=True,
            person=person,
            reason=vals.get("reason", ""),
            agreed_by=agreed_by,
            agreed_on=dates["agreed_on"],
            agreement_method=method or "",
            referred_on=dates["referred_on"],
            referrer_name=vals.get("referrer_name", ""),
        )
        ImportedRecord.objects.create(
            organisation=batch.organisation,
            kind="referral",
            external_id=key,
            object_uuid=referral.uuid,
            person=person,
            household=household,
            batch=batch,
        )
