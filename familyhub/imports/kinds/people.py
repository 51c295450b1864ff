"""People and households from a partner's list (R-IMPORT-1, R-PEOPLE-1, R-PEOPLE-2).

One row is one person. `record_id` is the partner's own id for the person (the row key) and
`household_id` the partner's id for the family (the person's own record id when empty): the first
row of a household registers it, with its address, through `people.services.household_register`;
later rows (in the same file or a later one) join it through `person_add_to_household`. Every
rule of the registration form applies, because these are the services the form calls. A row whose
record id was imported before changes nothing (updates to existing people are made in familyhub,
where the change history and optimistic locking apply).

The new households are allocated to the batch's organisation. The ward comes from the postcode
lookup when it has been loaded (`postcodes` kind).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.errors import ApplicationError
from familyhub.imports.kinds.base import (
    ChunkOutcome,
    Column,
    Kind,
    Row,
    RowErrors,
    already_imported,
)
from familyhub.imports.models import ImportedRecord
from familyhub.imports.values import BadValue, parse_date
from familyhub.people import choices as c
from familyhub.people import services as people
from familyhub.people.models import Household

ROLES = {
    "child": c.MemberRole.CHILD,
    "parent": c.MemberRole.PARENT_CARER,
    "carer": c.MemberRole.PARENT_CARER,
    "parentcarer": c.MemberRole.PARENT_CARER,
    "parent_carer": c.MemberRole.PARENT_CARER,
    "parent or carer": c.MemberRole.PARENT_CARER,
    "other": c.MemberRole.OTHER_MEMBER,
    "other member": c.MemberRole.OTHER_MEMBER,
}
SEXES = {"f": c.Sex.FEMALE, "female": c.Sex.FEMALE, "m": c.Sex.MALE, "male": c.Sex.MALE}
# Service field -> import column, so that a service's refusal lands on the partner's column.
FIELD_COLUMNS = {
    "given_name": "given_name",
    "family_name": "family_name",
    "date_of_birth": "date_of_birth",
    "nhs_number": "nhs_number",
    "phone": "phone",
    "email": "email",
    "line1": "address_line1",
    "line2": "address_line2",
    "town": "town",
    "postcode": "postcode",
    "role": "role",
    "name": "family_name",
}


class PeopleKind(Kind):
    code = "people"
    label = "People and households"
    description = (
        "One row per person: your record id, household id, names, date of birth, role (child or "
        "parent/carer), NHS number, contact details and address."
    )
    columns = (
        Column("record_id", "Your record id", True, ("id", "recordid", "clientid", "personid")),
        Column(
            "household_id", "Your household id", False, ("household", "familyid", "householdid")
        ),
        Column("given_name", "First name", False, ("firstname", "forename", "givenname")),
        Column("family_name", "Last name", True, ("lastname", "surname", "familyname")),
        Column("date_of_birth", "Date of birth", False, ("dob", "dateofbirth", "birthdate")),
        Column("role", "Role in household", False, ("role", "relationship", "memberrole")),
        Column("sex", "Sex", False, ("sex", "gender")),
        Column("nhs_number", "NHS number", False, ("nhs", "nhsno", "nhsnumber")),
        Column("phone", "Phone", False, ("phone", "telephone", "mobile", "phonenumber")),
        Column("email", "Email", False, ("email", "emailaddress")),
        Column("address_line1", "Address line 1", True, ("address", "address1", "addressline1")),
        Column("address_line2", "Address line 2", False, ("address2", "addressline2")),
        Column("town", "Town", False, ("town", "city", "towncity")),
        Column("postcode", "Postcode", True, ("postcode", "postalcode", "pcds")),
    )
    chunk_size = 500

    def prepare(self, *, batch: Any, actor: Any, options: dict[str, Any]) -> Any:
        access.require(actor, Capability.EDIT_PEOPLE)
        return {}

    def process(self, *, batch: Any, actor: Any, ctx: Any, rows: list[Row]) -> ChunkOutcome:
        outcome = ChunkOutcome()
        done = already_imported(batch, "person", rows)
        for row in rows:
            errs = RowErrors()
            record_id = row.values.get("record_id", "").strip()
            if not record_id:
                errs.add("record_id", "Enter your organisation's id for this person")
                outcome.reject(row, errs.items)
                continue
            if record_id in done:
                outcome.unchanged += 1
                continue
            try:
                with transaction.atomic():  # a row is written whole or not at all
                    self._import_row(batch, actor, row, record_id, errs)
            except ApplicationError as e:
                errs.from_application_error(e, FIELD_COLUMNS)
            if errs:
                outcome.reject(row, errs.items)
            else:
                done.add(record_id)
                outcome.loaded += 1
        return outcome

    def _import_row(
        self, batch: Any, actor: Any, row: Row, record_id: str, errs: RowErrors
    ) -> None:
        vals = row.values
        data: dict[str, Any] = {
            "given_name": vals.get("given_name", ""),
            "family_name": vals.get("family_name", ""),
            "nhs_number": vals.get("nhs_number", ""),
            "phone": vals.get("phone", ""),
            "email": vals.get("email", ""),
        }
        if vals.get("date_of_birth"):
            try:
                data["date_of_birth"] = parse_date(vals["date_of_birth"])
            except BadValue as e:
                errs.add("date_of_birth", str(e))
        sex = vals.get("sex", "").strip().lower()
        if sex:
            if sex not in SEXES:
                errs.add("sex", f"'{vals['sex']}' is not a sex we record: use Female or Male")
            else:
                data["sex"] = SEXES[sex]
        role_text = vals.get("role", "").strip().lower()
        if role_text:
            role = ROLES.get(role_text)
            if role is None:
                errs.add("role", f"'{vals['role']}' is not a role: use Child, Parent or Other")
        else:
            role = c.MemberRole.PARENT_CARER
        if errs or role is None:
            return
        household_key = vals.get("household_id", "").strip() or f"person:{record_id}"
        existing = ImportedRecord.objects.filter(
            organisation=batch.organisation, kind="household", external_id=household_key
        ).first()
        member = people.MemberSpec(role=role, data=data)
        if existing is not None:
            household = Household.objects.get(uuid=existing.object_uuid)
            person = people.person_add_to_household(actor=actor, household=household, member=member)
        else:
            postcode = vals.get("postcode", "")
            address = {
                "line1": vals.get("address_line1", ""),
                "line2": vals.get("address_line2", ""),
                "town": vals.get("town", ""),
                "postcode": postcode,  # the ward comes from it (people.services.clean_address)
            }
            household = people.household_register(
                actor=actor,
                name=f"{data['family_name'].strip()} family",
                address=address,
                members=[member],
                organisation=batch.organisation,
            )
            ImportedRecord.objects.create(
                organisation=batch.organisation,
                kind="household",
                external_id=household_key,
                object_uuid=household.uuid,
                household=household,
                batch=batch,
            )
            person = household.memberships.get().person
        ImportedRecord.objects.create(
            organisation=batch.organisation,
            kind="person",
            external_id=record_id,
            object_uuid=person.uuid,
            person=person,
            household=household,
            batch=batch,
        )
