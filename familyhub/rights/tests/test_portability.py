"""Portability (R-RIGHTS-3): the data the person gave us, as JSON, CSV and a FHIR R4 bundle with UK
Core conventions, the bundle checked against a JSON Schema of the subset used; each file sent is a
disclosure and an export in the access log."""

from __future__ import annotations

import copy
import csv
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from familyhub.access.models import AccessLogEntry
from familyhub.core.errors import ValidationFailed
from familyhub.core.testing import build_personas
from familyhub.people import choices as c
from familyhub.people import services as people
from familyhub.people.models import PersonIdentifier
from familyhub.places.models import EthnicityCategory
from familyhub.privacy.models import ContactPreference
from familyhub.rights import fhir, portability, services
from familyhub.rights.models import DisclosurePerson, DisclosureRecord, RequestKind
from familyhub.rights.testing import a_child, a_parent, make_request

pytestmark = pytest.mark.django_db


def _mother_with_details(personas):
    household = personas.household
    mother = a_parent(household)
    people.person_update(
        actor=personas.practitioner,
        person=mother,
        data={
            "phone": "07700 900123",
            "email": "mum@example.org",
            "known_as": "Bee",
            "middle_names": "Rose",
            "ethnicity": EthnicityCategory.objects.get(ons_code=3),  # Indian: NHS code H
            "interpreter_needed": True,
            "main_language": "Gujarati",
            "other_languages": "English, Hindi",
            "relationship_status": c.RelationshipStatus.MARRIED,
            "gp_practice": "Bulwell Health Centre",
            "gp_practice_code": "C84034",
        },
        expected_version=mother.version,
    )
    PersonIdentifier.objects.create(
        person=mother, scheme=c.IdentifierScheme.EARLY_HELP, value="EH-12345"
    )
    ContactPreference.objects.create(person=mother, agreed="yes", by_email=True, topics=["news"])
    mother.refresh_from_db()
    return mother


def test_the_provided_data_is_decided_by_the_data_map(personas):
    fields = portability.provided_person_fields()
    assert {"given_name", "date_of_birth", "nhs_number", "phone", "ethnicity", "religion"} <= set(
        fields
    )
    # Not what familyhub derives (search keys, the log key) or what staff record.
    assert not {"search_name", "given_key", "log_key", "created_by", "archive_reason"} & set(fields)


def test_json_has_their_details_identifiers_address_preferences_and_family(personas):
    mother = _mother_with_details(personas)
    child = a_child(personas.household)
    data = json.loads(portability.as_json(portability.provided_data(mother)))
    person = data["person"]
    assert person["given_name"] == mother.given_name and person["known_as"] == "Bee"
    assert person["date_of_birth"] == mother.date_of_birth.isoformat()
    assert person["sex"] == {"code": "female", "label": "Female"}
    assert person["ethnicity"]["nhs_code"] == "H" and person["ethnicity"]["ons_code"] == 3
    assert data["identifiers"] == [
        {"scheme": "early_help", "label": "Early Help ID", "value": "EH-12345"}
    ]
    assert data["addresses"][0]["postcode"] == "NG6 8AB"
    assert data["contact_preferences"]["channels"] == ["email"]
    related = {r["name"]: r for r in data["related_people"]}
    assert related[child.display_name]["relationship"] == "Child"
    assert "notes" not in json.dumps(data["households"])  # no staff notes


def test_csv_has_one_row_per_value_with_its_code(personas):
    mother = _mother_with_details(personas)
    rows = list(
        csv.DictReader(io.StringIO(portability.as_csv(portability.provided_data(mother)).decode()))
    )
    by_field = {r["field"]: r for r in rows}
    assert by_field["person.given_name"]["value"] == mother.given_name
    assert by_field["person.sex"] == {"field": "person.sex", "value": "Female", "code": "female"}
    assert by_field["person.interpreter_needed"]["value"] == "yes"
    assert by_field["identifiers.1.value"]["value"] == "EH-12345"
    assert by_field["contact_preferences.channels"]["value"] == "email"


def test_the_fhir_bundle_follows_uk_core_and_passes_its_schema(personas):
    mother = _mother_with_details(personas)
    child = a_child(personas.household)
    bundle = fhir.bundle_for(mother)
    assert fhir.validate_bundle(bundle) == []
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    patient = bundle["entry"][0]["resource"]
    assert patient["resourceType"] == "Patient" and patient["id"] == str(mother.uuid)
    assert {"system": fhir.NHS_NUMBER_SYSTEM, "value": mother.nhs_number} in patient["identifier"]
    assert {"type": {"text": "Early Help ID"}, "value": "EH-12345"} in patient["identifier"]
    ethnic = next(e for e in patient["extension"] if e["url"] == fhir.ETHNIC_CATEGORY_URL)
    assert ethnic["valueCodeableConcept"]["coding"] == [
        {
            "system": fhir.ETHNIC_CATEGORY_SYSTEM,
            "code": "H",
            "display": "Asian or Asian British - Indian",
        }
    ]
    assert {"url": fhir.INTERPRETER_URL, "valueBoolean": True} in patient["extension"]
    assert patient["name"][0] == {
        "use": "official",
        "family": mother.family_name,
        "given": [mother.given_name, "Rose"],
    }
    assert patient["name"][1]["use"] == "usual" and patient["name"][1]["given"] == ["Bee"]
    assert (
        patient["gender"] == "female" and patient["birthDate"] == mother.date_of_birth.isoformat()
    )
    assert patient["maritalStatus"]["coding"][0]["code"] == "M"
    assert patient["communication"][0] == {"language": {"text": "Gujarati"}, "preferred": True}
    assert patient["generalPractitioner"][0]["identifier"]["value"] == "C84034"
    related = [e["resource"] for e in bundle["entry"][1:]]
    assert {r["resourceType"] for r in related} == {"RelatedPerson"}
    assert all(r["patient"]["reference"] == bundle["entry"][0]["fullUrl"] for r in related)
    to_child = next(r for r in related if r["name"][0].get("given") == [child.given_name])
    assert to_child["relationship"][0]["coding"] == [
        {"system": fhir.ROLE_CODE_SYSTEM, "code": "CHILD", "display": "child"}
    ]


def test_the_childs_bundle_names_the_mother(personas):
    household = personas.household
    mother, child = a_parent(household), a_child(household)
    bundle = fhir.bundle_for(child)
    assert fhir.validate_bundle(bundle) == []
    patient = bundle["entry"][0]["resource"]
    assert "extension" not in patient  # ethnicity not asked: no extension
    to_mother = next(
        e["resource"]
        for e in bundle["entry"][1:]
        if e["resource"]["name"][0].get("given") == [mother.given_name]
    )
    assert to_mother["relationship"][0]["coding"][0]["code"] == "MTH"


def test_an_unborn_child_s_bundle_is_valid(personas):
    unborn = next(m.person for m in personas.household.memberships.all() if m.person.is_unborn)
    bundle = fhir.bundle_for(unborn)
    assert fhir.validate_bundle(bundle) == []
    assert "birthDate" not in bundle["entry"][0]["resource"]


def _coded(bundle):
    return next(
        e["resource"] for e in bundle["entry"][1:] if "coding" in e["resource"]["relationship"][0]
    )


@pytest.mark.parametrize(
    "break_it,expected",
    [
        (lambda b: b["entry"][0]["resource"].update(resourceType="Person"), "resource"),
        (lambda b: b["entry"][0]["resource"].pop("name"), "resource"),
        (
            lambda b: b["entry"][0]["resource"]["identifier"][0].update(value="123"),
            "resource",
        ),
        (
            lambda b: b["entry"][0]["resource"]["identifier"][0].update(
                system="https://example.org/nhs"
            ),
            "resource",
        ),
        (lambda b: b["entry"][0]["resource"].update(gender="f"), "resource"),
        (lambda b: b["entry"][0]["resource"].update(birthDate="02/01/1990"), "resource"),
        (lambda b: b.update(type="transaction"), "type"),
        (
            lambda b: _coded(b)["relationship"][0]["coding"][0].update(
                system="http://snomed.info/sct"
            ),
            "resource",
        ),
        (
            lambda b: b["entry"][1]["resource"]["patient"].update(
                reference="urn:uuid:00000000-0000-0000-0000-000000000000"
            ),
            "does not resolve",
        ),
        (lambda b: b["entry"][1].update(fullUrl=b["entry"][0]["fullUrl"]), "same fullUrl"),
        (
            lambda b: b["entry"][0]["resource"]["extension"][0]["valueCodeableConcept"]["coding"][
                0
            ].update(code="Q"),
            "resource",
        ),
    ],
)
def test_the_schema_and_the_bundle_checks_catch_broken_bundles(personas, break_it, expected):
    mother = _mother_with_details(personas)
    bundle = fhir.bundle_for(mother)
    broken = copy.deepcopy(bundle)
    break_it(broken)
    problems = fhir.validate_bundle(broken)
    assert problems and any(expected in p for p in problems), problems


def test_each_download_is_a_disclosure_and_an_export(personas):
    mother = _mother_with_details(personas)
    rr = make_request(personas.dpo, mother, kind=RequestKind.PORTABILITY)
    before = AccessLogEntry.objects.count()
    outputs = {}
    for fmt in ("json", "csv", "fhir"):
        export = services.portability_release(actor=personas.dpo, request=rr, fmt=fmt)
        outputs[fmt] = export
        assert export.disclosure.sha256 == portability_sha(export.body)
        assert export.filename.startswith(rr.reference)
    assert DisclosureRecord.objects.filter(request=rr).count() == 3
    assert json.loads(outputs["fhir"].body)["resourceType"] == "Bundle"
    d = outputs["fhir"].disclosure
    assert d.legal_basis.startswith("UK GDPR Article 20") and d.recipient.startswith(
        mother.display_name
    )
    assert DisclosurePerson.objects.filter(disclosure=d, person=mother).exists()
    exports = [e for e in AccessLogEntry.objects.order_by("id")[before:] if e.action == "export"]
    assert [e.detail for e in exports] == [
        "portability export (json)",
        "portability export (csv)",
        "portability export (fhir)",
    ]
    assert all(e.reason == rr.reference for e in exports)
    services.request_close(
        actor=personas.dpo, request=rr, outcome="completed", outcome_note="Sent as FHIR"
    )


def portability_sha(body: bytes) -> str:
    import hashlib

    return hashlib.sha256(body).hexdigest()


def test_portability_needs_a_portability_request_with_identity_checked(personas):
    mother = a_parent(personas.household)
    access_request = make_request(personas.dpo, mother)
    with pytest.raises(ValidationFailed, match="request about access"):
        services.portability_release(actor=personas.dpo, request=access_request, fmt="json")
    unchecked = make_request(personas.dpo, mother, kind=RequestKind.PORTABILITY, identity=False)
    with pytest.raises(ValidationFailed, match="identity"):
        services.portability_release(actor=personas.dpo, request=unchecked, fmt="json")
    checked = make_request(personas.dpo, mother, kind=RequestKind.PORTABILITY)
    with pytest.raises(ValidationFailed, match="JSON, CSV or FHIR"):
        services.portability_release(actor=personas.dpo, request=checked, fmt="xml")
    assert not DisclosureRecord.objects.exists()


names = st.text(alphabet=st.characters(whitelist_categories=("L",)), min_size=1, max_size=30)


class FhirForAnyDetails(HypothesisTestCase):
    """Whatever the person's details, the bundle passes its schema (R-RIGHTS-3)."""

    @classmethod
    def setUpTestData(cls):
        cls.personas = build_personas()

    @settings(max_examples=25, deadline=None)
    @given(
        given_name=names,
        family_name=names,
        known_as=st.one_of(st.just(""), names),
        sex=st.sampled_from(c.Sex.values),
        status=st.sampled_from(c.RelationshipStatus.values),
        ethnicity=st.integers(min_value=0, max_value=20),
        interpreter=st.booleans(),
    )
    def test_bundle_is_valid(
        self, given_name, family_name, known_as, sex, status, ethnicity, interpreter
    ):
        mother = a_parent(self.personas.household)
        categories = list(EthnicityCategory.objects.order_by("sort_order"))
        mother.given_name, mother.family_name, mother.known_as = given_name, family_name, known_as
        mother.sex, mother.relationship_status = sex, status
        mother.ethnicity = categories[ethnicity % len(categories)]
        mother.interpreter_needed = interpreter
        bundle = fhir.bundle_for(mother)
        assert fhir.validate_bundle(bundle) == [], bundle["entry"][0]
