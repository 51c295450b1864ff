"""The portability export as a FHIR R4 bundle following UK Core conventions (R-RIGHTS-3).

A `collection` Bundle with one Patient (the person) and one RelatedPerson for each person they
live with or are related to:

- Patient.identifier: the NHS number with the system https://fhir.nhs.uk/Id/nhs-number (UK Core),
  and familyhub's own id as a `urn:uuid:` identifier (system urn:ietf:rfc:3986); other identifiers
  (social care ID, ...) carry their name as `type.text` and no system (none is national).
- The ethnic group as the UK Core extension Extension-UKCore-EthnicCategory, coded with the NHS
  Data Dictionary ethnic category (`places.EthnicityCategory.nhs_code`) from the UK Core code
  system UKCore-EthnicCategoryEngland; omitted when not asked.
- Interpreter needed: the core extension patient-interpreterRequired; languages as text.
- RelatedPerson.relationship: HL7 v3 RoleCode where one fits exactly (MTH, FTH, CHILD, SIB, ...),
  the emergency-contact role from HL7 v2 table 0131, otherwise text only.
- References are `urn:uuid:` full URLs inside the bundle, so the bundle loads on its own.

No FHIR library is installed: `validate_bundle` checks the output against a JSON Schema written
for exactly the subset used (`data/fhir_r4_subset.schema.json`: resource types, required elements,
identifier and coding systems) and that every reference resolves within the bundle.
"""

from __future__ import annotations

import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone

from familyhub.people import choices as c
from familyhub.people.models import Person
from familyhub.rights import portability

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
URI_SYSTEM = "urn:ietf:rfc:3986"
ETHNIC_CATEGORY_URL = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
ETHNIC_CATEGORY_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland"
INTERPRETER_URL = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
ROLE_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
CONTACT_ROLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0131"
MARITAL_STATUS_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "fhir_r4_subset.schema.json"
# The namespace of the RelatedPerson ids (a stable id per person and related person).
RELATED_NAMESPACE = uuid.UUID("8d0b7c9e-4a55-4b0e-9d53-2f1f2d6c6a11")

K = c.RelationshipKind
# The other person's role for the patient, when the other is the `kind` of the patient ...
ROLE_OF_OTHER = {
    K.MOTHER: ("MTH", "mother"),
    K.FATHER: ("FTH", "father"),
    K.STEP_PARENT: ("STPPRN", "step parent"),
    K.FOSTER_CARER: ("PRNFOST", "foster parent"),
    K.GRANDPARENT: ("GRPRN", "grandparent"),
    K.SIBLING: ("SIB", "sibling"),
    K.PARTNER: ("SIGOTHR", "significant other"),
    K.OTHER_RELATIVE: ("EXT", "extended family member"),
    K.FRIEND: ("FRND", "unrelated friend"),
}
# ... and when the patient is the `kind` of the other.
ROLE_OF_OTHER_INVERSE = {
    K.MOTHER: ("CHILD", "child"),
    K.FATHER: ("CHILD", "child"),
    K.STEP_PARENT: ("STPCHLD", "step child"),
    K.FOSTER_CARER: ("CHLDFOST", "foster child"),
    K.GRANDPARENT: ("GRNDCHILD", "grandchild"),
    K.SIBLING: ("SIB", "sibling"),
    K.PARTNER: ("SIGOTHR", "significant other"),
    K.OTHER_RELATIVE: ("EXT", "extended family member"),
    K.FRIEND: ("FRND", "unrelated friend"),
}
GENDER = {
    c.Sex.FEMALE: "female",
    c.Sex.MALE: "male",
    c.Sex.NOT_YET_KNOWN: "unknown",
    c.Sex.PREFER_NOT: "unknown",
}
MARITAL = {
    c.RelationshipStatus.SINGLE: ("S", "Never Married"),
    c.RelationshipStatus.MARRIED: ("M", "Married"),
    c.RelationshipStatus.COHABITING: ("T", "Domestic partner"),
    c.RelationshipStatus.WIDOWED: ("W", "Widowed"),
}


def _name(person: Person) -> list[dict[str, Any]]:
    given = [n for n in [person.given_name, *person.middle_names.split()] if n]
    official: dict[str, Any] = {"use": "official", "family": person.family_name}
    if given:
        official["given"] = given
    elif person.is_unborn:
        official["text"] = person.display_name
    names = [official]
    if person.known_as:
        names.append({"use": "usual", "family": person.family_name, "given": [person.known_as]})
    return names


def _patient(person: Person, data: dict[str, Any]) -> dict[str, Any]:
    patient: dict[str, Any] = {"resourceType": "Patient", "id": str(person.uuid)}
    extensions: list[dict[str, Any]] = []
    ethnicity = person.ethnicity
    if ethnicity is not None and ethnicity.kind != "not_asked":
        extensions.append(
            {
                "url": ETHNIC_CATEGORY_URL,
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": ETHNIC_CATEGORY_SYSTEM,
                            "code": ethnicity.nhs_code,
                            "display": ethnicity.nhs_display,
                        }
                    ],
                    "text": ethnicity.label,
                },
            }
        )
    if person.interpreter_needed:
        extensions.append({"url": INTERPRETER_URL, "valueBoolean": True})
    if extensions:
        patient["extension"] = extensions
    identifiers: list[dict[str, Any]] = []
    if person.nhs_number:
        identifiers.append({"system": NHS_NUMBER_SYSTEM, "value": person.nhs_number})
    identifiers.append({"system": URI_SYSTEM, "value": f"urn:uuid:{person.uuid}"})
    for i in data["identifiers"]:
        identifiers.append({"type": {"text": i["label"]}, "value": i["value"]})
    patient["identifier"] = identifiers
    patient["name"] = _name(person)
    telecom = []
    if person.phone:
        telecom.append({"system": "phone", "value": person.phone, "use": "mobile"})
    if person.email:
        telecom.append({"system": "email", "value": person.email})
    for h in data["households"]:
        if h["phone"]:
            telecom.append({"system": "phone", "value": h["phone"], "use": "home"})
    if telecom:
        patient["telecom"] = telecom
    if person.sex in GENDER:
        patient["gender"] = GENDER[person.sex]  # type: ignore[index]
    if person.date_of_birth:
        patient["birthDate"] = person.date_of_birth.isoformat()
    if data["addresses"]:
        patient["address"] = [
            {
                "use": "home",
                "line": [line for line in (a["line1"], a["line2"]) if line],
                "city": a["town"],
                "postalCode": a["postcode"],
                "period": {"start": a["from"]},
            }
            for a in data["addresses"]
        ]
    if person.relationship_status in MARITAL:
        code, display = MARITAL[person.relationship_status]  # type: ignore[index]
        patient["maritalStatus"] = {
            "coding": [{"system": MARITAL_STATUS_SYSTEM, "code": code, "display": display}]
        }
    languages = [person.main_language] if person.main_language else []
    languages += [x.strip() for x in person.other_languages.split(",") if x.strip()]
    if languages:
        patient["communication"] = [
            {"language": {"text": language}, "preferred": i == 0 and bool(person.main_language)}
            for i, language in enumerate(languages)
        ]
    if person.gp_practice_code or person.gp_practice:
        gp: dict[str, Any] = {}
        if person.gp_practice_code:
            gp["identifier"] = {"system": ODS_SYSTEM, "value": person.gp_practice_code}
        if person.gp_practice:
            gp["display"] = person.gp_practice
        patient["generalPractitioner"] = [gp]
    return patient


def _relationship(entry: dict[str, Any]) -> dict[str, Any]:
    table = ROLE_OF_OTHER_INVERSE if entry["inverse"] else ROLE_OF_OTHER
    coded = table.get(entry["kind"])
    concept: dict[str, Any] = {"text": entry["relationship"]}
    if coded is not None:
        concept["coding"] = [{"system": ROLE_CODE_SYSTEM, "code": coded[0], "display": coded[1]}]
    elif entry["role"] == c.MemberRole.EMERGENCY_CONTACT:
        concept["coding"] = [
            {"system": CONTACT_ROLE_SYSTEM, "code": "C", "display": "Emergency Contact"}
        ]
    return concept


def _related_person(person: Person, patient_url: str, entry: dict[str, Any]) -> dict[str, Any]:
    other: Person = entry["person"]
    name: dict[str, Any] = {"family": other.family_name}
    given = other.known_as or other.given_name
    if given:
        name["given"] = [given]
    else:
        name["text"] = other.display_name
    return {
        "resourceType": "RelatedPerson",
        "id": str(uuid.uuid5(RELATED_NAMESPACE, f"{person.uuid}/{other.uuid}")),
        "active": True,
        "patient": {"reference": patient_url, "display": person.display_name},
        "relationship": [_relationship(entry)],
        "name": [name],
    }


def bundle_for(person: Person, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The person's data as a FHIR R4 collection Bundle (Patient + RelatedPerson)."""
    data = data if data is not None else portability.provided_data(person)
    patient = _patient(person, data)
    patient_url = f"urn:uuid:{patient['id']}"
    entries = [{"fullUrl": patient_url, "resource": patient}]
    for entry in portability.related_people(person):
        related = _related_person(person, patient_url, entry)
        entries.append({"fullUrl": f"urn:uuid:{related['id']}", "resource": related})
    now = timezone.now().replace(microsecond=0).isoformat()
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": now},
        "type": "collection",
        "timestamp": now,
        "entry": entries,
    }


def as_json(bundle: dict[str, Any]) -> bytes:
    return json.dumps(bundle, ensure_ascii=False, indent=2).encode("utf-8")


# --- validation ------------------------------------------------------------------------------------


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        for item in value.values():
            found += _references(item)
        return found
    if isinstance(value, list):
        return [r for item in value for r in _references(item)]
    return []


def validate_bundle(bundle: Any) -> list[str]:
    """Every problem found in `bundle`: the schema's, then the bundle's own rules (unique full
    URLs, ids matching them, one Patient, every reference resolving inside the bundle)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    problems = [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(bundle)'}: {error.message}"
        for error in sorted(validator.iter_errors(bundle), key=lambda e: list(e.absolute_path))
    ]
    if problems:
        return problems
    urls = [e["fullUrl"] for e in bundle["entry"]]
    if len(set(urls)) != len(urls):
        problems.append("entry: two entries have the same fullUrl")
    for e in bundle["entry"]:
        if e["fullUrl"] != f"urn:uuid:{e['resource']['id']}":
            problems.append(f"{e['fullUrl']}: the resource id does not match its fullUrl")
    patients = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    if len(patients) != 1:
        problems.append(f"entry: expected one Patient, found {len(patients)}")
    for ref in _references(bundle["entry"]):
        if ref not in urls:
            problems.append(f"reference {ref} does not resolve within the bundle")
    return problems
