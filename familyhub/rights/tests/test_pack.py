"""The subject access pack (R-RIGHTS-2): generated from the data map so that nothing is missed,
grouped by topic with its codes explained, other people's data flagged and reviewed, and its
release recorded as a disclosure and an export."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.models import AccessLogEntry
from familyhub.core.datamap import DATA_MAP, Category
from familyhub.core.errors import ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.personal_data import rows_about_household, rows_about_person
from familyhub.people import services as people
from familyhub.people.models import Household, Person
from familyhub.places.models import EthnicityCategory
from familyhub.privacy import services as privacy
from familyhub.privacy.models import ConsentMethod, ConsentState
from familyhub.privacy.testing import make_purpose
from familyhub.rights import sar, services
from familyhub.rights.models import AccessPack, DisclosurePerson, DisclosureRecord, PackDecision
from familyhub.rights.services.packs import render_html
from familyhub.rights.testing import a_child, a_parent, make_request

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% a scanned consent form\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def _records(content):
    for section in content["sections"]:
        for record in section["records"]:
            yield section, record


def _field_ids(content) -> set[str]:
    return {f["id"] for _, r in _records(content) for f in r["fields"]}


def _rich_family(personas):
    """The Testingtons with something in most places: details, equality data, consent with a
    scanned form, a note naming the child, a change history, a look by the worker."""
    household = personas.household
    mother, child = a_parent(household), a_child(household)
    worker = personas.practitioner
    people.person_update(
        actor=worker,
        person=mother,
        data={
            "phone": "07700 900123",
            "email": "mum@example.org",
            "religion": "christian",
            "ethnicity": EthnicityCategory.objects.get(ons_code=13),
            "housing_needs": f"Damp in {child.given_name}'s bedroom",
        },
        expected_version=mother.version,
        reason="She phoned with new details",
    )
    people.household_update(
        actor=worker,
        household=household,
        data={"notes": f"Best to visit after {child.given_name} is back from nursery"},
        expected_version=household.version,
    )
    purpose = make_purpose("receiving-information", name="Receiving information")
    privacy.consent_record(
        actor=worker,
        person=mother,
        purpose=purpose,
        state=ConsentState.GIVEN,
        method=ConsentMethod.PAPER,
        decided_on=timezone.localdate() - timedelta(days=3),
        evidence=SimpleUploadedFile("form.pdf", PDF, content_type="application/pdf"),
    )
    access.person_for(worker, mother.uuid)  # a look at her record, for the access log
    mother.refresh_from_db()
    return household, mother, child


def test_every_personal_field_of_every_row_is_in_the_pack(personas):
    """Nothing missed: each row the data map's links find, and each of its personal fields."""
    household, mother, _ = _rich_family(personas)
    rr = make_request(personas.dpo, mother)
    content = sar.build_pack(mother, request=rr)
    ids = _field_ids(content)
    by_uuid = {(r["model"], r["record_id"]): r for _, r in _records(content) if r["record_id"]}
    rows = [(mother._meta.label, mother), (household._meta.label, household)]
    for _, qs in [*rows_about_person(mother), *rows_about_household(household)]:
        rows += [(row._meta.label, row) for row in qs]
    checked = 0
    for label, row in rows:
        if label in sar.OWN_SECTIONS:
            continue
        record = by_uuid.get((label, str(row.uuid)))
        assert record is not None, f"{label} {row.uuid} is missing from the pack"
        prefix = record["id"].split("-")[0]
        for name, fc in DATA_MAP[label].items():
            f = row._meta.get_field(name)
            if not fc.personal:
                continue
            value = getattr(row, name) if f.is_relation and not f.many_to_many else None
            if value in (mother, household):
                continue  # the link back to them: they know whose record it is
            if record.get("withheld"):
                continue
            assert f"{prefix}.{name}" in ids, f"{label}.{name} is missing from the pack"
            checked += 1
    assert checked > 60
    # Nothing that is not personal (internal ids, keys) is in it.
    assert not any(
        f["name"] in ("id", "version") for _, r in _records(content) for f in r["fields"]
    )


def test_fields_are_grouped_by_topic_in_plain_english_with_codes_explained(personas):
    _, mother, _ = _rich_family(personas)
    content = sar.build_pack(mother)
    topic_of = {
        f["name"]: s["topic"]
        for s, r in _records(content)
        for f in r["fields"]
        if r["model"] == "people.Person"
    }
    assert topic_of["given_name"] == Category.IDENTITY
    assert topic_of["phone"] == Category.CONTACT
    assert topic_of["housing_status"] == Category.SOCIOECONOMIC
    assert topic_of["religion"] == topic_of["ethnicity"] == Category.SPECIAL
    titles = [s["title"] for s in content["sections"]]
    assert titles.index("Who you are") < titles.index("Equality and health information")
    person_fields = {
        f["name"]: f
        for _, r in _records(content)
        if r["model"] == "people.Person"
        for f in r["fields"]
    }
    assert person_fields["religion"]["value"] == "Christian"
    assert person_fields["religion"]["code"] == "christian"
    assert person_fields["date_of_birth"]["value"] == mother.date_of_birth.strftime("%d/%m/%Y")
    assert person_fields["ethnicity"]["code"] == "ONS 13; NHS A"
    assert person_fields["given_key"]["description"] == "phonetic key of the first name"
    codes = {c["field"]: c["codes"] for c in content["codes"]}
    assert {"code": "christian", "meaning": "Christian"} in codes["Your details: Religion"]
    assert {"code": "not_asked", "meaning": "Not asked"} in codes["Your details: Sex"]
    consent = next(r for _, r in _records(content) if r["model"] == "privacy.Consent")
    assert {f["name"]: f["value"] for f in consent["fields"]}["state"] == "Given"


def test_history_evidence_access_log_and_disclosures_are_in_the_pack(personas):
    _, mother, _ = _rich_family(personas)
    content = sar.build_pack(mother)
    history = {(h["field"], h["new"]) for h in content["history"]}
    assert ("Phone", "07700900123") in history or ("Phone", "07700 900123") in history
    assert any(h["reason"] == "She phoned with new details" for h in content["history"])
    assert [f["consent"] for f in content["evidence_files"]] == ["Receiving information"]
    assert content["evidence_files"][0]["file"].endswith(".pdf")
    assert content["evidence_files"][0]["bytes"] == len(PDF)
    who = {a["who"] for a in content["access_log"]}
    staff = personas.practitioner
    assert (staff.get_full_name() or staff.username) in who
    assert any(a["what"] == "Opened this person's record" for a in content["access_log"])
    assert content["disclosures"] == []


def test_other_peoples_data_is_flagged_for_review(personas):
    _household, mother, child = _rich_family(personas)
    content = sar.build_pack(mother)
    review = {r["item"]: r for r in content["review"]}
    whys = {(r["why"], tuple(r["about"])) for r in content["review"]}
    # The child's and the unborn baby's memberships are records about them.
    assert ("A record about another person", (child.display_name,)) in whys
    # The relationship names the child.
    assert ("Names another person", (child.display_name,)) in whys
    # Free text naming the child: the family's practical note and her housing needs.
    mentions = [r for r in review.values() if r["why"] == "Free text that mentions another person"]
    assert {r["where"].split(" (")[-1].rstrip(")") for r in mentions} >= {
        "Practical notes",
        "Housing needs",
    }
    assert all(r["about"] == [child.display_name] for r in mentions)
    # The mother's own details are not flagged.
    own = [
        r for r in review.values() if "Your details" in r["where"] and "Housing" not in r["where"]
    ]
    assert own == []


def test_names_are_matched_as_names_not_as_words(personas):
    _household, mother, child = _rich_family(personas)
    child.given_name = "May"
    content_others = sar.Others(subject=mother)
    content_others.add(child)
    content_others.compile()
    assert content_others.named_in("May came to the group") == [child]
    assert content_others.named_in("She may come next week") == []
    assert content_others.named_in(f"{mother.given_name} phoned") == []


def _decide_all(pack, dpo, redact: str | None):
    decisions = {r["item"]: ("release", "Her own family's record") for r in pack.review_items}
    if redact:
        decisions[redact] = ("redact", "About her partner, who did not agree")
    services.pack_decide(actor=dpo, pack=pack, decisions=decisions)


def test_review_decisions_need_reasons_and_are_kept(personas):
    _, mother, _ = _rich_family(personas)
    rr = make_request(personas.dpo, mother)
    pack = services.pack_generate(actor=personas.dpo, request=rr)
    item = pack.review_items[0]["item"]
    with pytest.raises(ValidationFailed) as excinfo:
        services.pack_decide(actor=personas.dpo, pack=pack, decisions={item: ("redact", " ")})
    assert f"reason-{item}" in excinfo.value.errors
    with pytest.raises(ValidationFailed) as excinfo:
        services.pack_decide(actor=personas.dpo, pack=pack, decisions={"r999": ("redact", "x")})
    assert "not one flagged" in excinfo.value.errors["decision-r999"][0]
    services.pack_decide(actor=personas.dpo, pack=pack, decisions={item: ("redact", "No consent")})
    services.pack_decide(
        actor=personas.dpo, pack=pack, decisions={item: ("release", "He agreed after all")}
    )
    decision = PackDecision.objects.get(pack=pack, item=item)
    assert decision.decision == "release" and decision.reason == "He agreed after all"
    kept = ChangeRecord.objects.filter(object_uuid=decision.uuid).order_by("at", "id")
    texts = " ".join(f"{c.old_value} {c.new_value}" for c in kept)
    assert "No consent" in texts and "He agreed after all" in texts  # every decision is kept


def test_the_pack_cannot_be_released_until_every_flagged_item_is_decided(personas):
    _, mother, _ = _rich_family(personas)
    rr = make_request(personas.dpo, mother)
    pack = services.pack_generate(actor=personas.dpo, request=rr)
    n = len(pack.review_items)
    assert n >= 3
    with pytest.raises(ValidationFailed) as excinfo:
        services.pack_release(
            actor=personas.dpo,
            pack=pack,
            recipient="Her",
            recipient_kind="data_subject",
            channel="email",
        )
    assert (
        f"{n} items about other people still need a decision"
        in excinfo.value.errors["decisions"][0]
    )
    assert not DisclosureRecord.objects.exists()


def test_releasing_applies_the_decisions_and_records_the_disclosure(personas):
    household, mother, child = _rich_family(personas)
    rr = make_request(personas.dpo, mother)
    pack = services.pack_generate(actor=personas.dpo, request=rr)
    membership = next(
        r["item"]
        for r in pack.review_items
        if r["why"] == "A record about another person" and r["about"] == [child.display_name]
    )
    unborn = next(m.person for m in household.memberships.all() if m.person.is_unborn)
    _decide_all(pack, personas.dpo, redact=membership)
    before = AccessLogEntry.objects.count()
    disclosure = services.pack_release(
        actor=personas.dpo,
        pack=pack,
        recipient=f"{mother.display_name} (the person themselves)",
        recipient_kind="data_subject",
        channel="secure email",
    )
    pack.refresh_from_db()
    released = pack.released_content
    assert pack.state == AccessPack.State.RELEASED and released["withheld"] == 1
    assert "review" not in released
    text = json.dumps(released)
    assert '"flag"' not in text and "about_ids" not in text
    withheld = next(r for _, r in _records(released) if r["id"] == membership)
    assert withheld["withheld"] and withheld["fields"] == [] and withheld["label"] == sar.WITHHELD
    # Exactly what was sent: its checksums can be checked again from what was kept.
    assert disclosure.sha256 == pack.json_sha256 == sar.sha256(sar.canonical_json(released))
    assert pack.html_sha256 == sar.sha256(render_html(released, draft=False).encode())
    assert [f["name"] for f in disclosure.files] == [
        f"{rr.reference}-subject-access-pack.json",
        f"{rr.reference}-subject-access-pack.html",
    ]
    assert disclosure.legal_basis.startswith("UK GDPR Article 15")
    assert disclosure.recipient.startswith(mother.display_name)
    assert disclosure.disclosed_by == personas.dpo and disclosure.request == rr
    # The people in it: her, and the others whose items were released (not the withheld child).
    people = set(
        DisclosurePerson.objects.filter(disclosure=disclosure).values_list("person", flat=True)
    )
    assert mother.pk in people and unborn.pk in people
    assert disclosure.people_count == len(people)
    # The access log: an export naming the request.
    (export,) = [e for e in AccessLogEntry.objects.order_by("id")[before:] if e.action == "export"]
    assert export.reason == rr.reference and export.detail == "subject access pack released"
    assert str(mother.log_key) in {
        str(k) for k in export.subjects.values_list("person_key", flat=True)
    }
    # The release is on the request's history, and the request can now be completed.
    assert "released" in ChangeRecord.objects.filter(object_uuid=rr.uuid).first().new_value
    services.request_close(
        actor=personas.dpo, request=rr, outcome="completed", outcome_note="Sent by secure email"
    )
    # Released packs cannot change, and the next pack lists this disclosure.
    with pytest.raises(ValidationFailed):
        services.pack_decide(
            actor=personas.dpo, pack=pack, decisions={membership: ("release", "x")}
        )
    later = sar.build_pack(mother)
    assert [d["sha256"] for d in later["disclosures"]] == [disclosure.sha256]


def test_a_child_s_pack_asked_for_by_a_parent(personas):
    household = personas.household
    mother, child = a_parent(household), a_child(household)
    rr = make_request(
        personas.dpo,
        child,
        requester_kind="parent",
        requester_person=mother,
        requester_relationship="mother",
    )
    pack = services.pack_generate(actor=personas.dpo, request=rr)
    assert pack.content["subject"]["name"] == child.display_name
    # The mother's membership is her data: flagged like anyone else's.
    assert any(r["about"] == [mother.display_name] for r in pack.review_items)


def test_building_a_pack_costs_the_same_number_of_queries_however_long_the_history(personas):
    household = personas.household
    mother = a_parent(household)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            sar.build_pack(Person.objects.get(pk=mother.pk))
        return len(ctx.captured_queries)

    before = count()
    for i in range(40):
        fresh = Person.objects.get(pk=mother.pk)
        people.person_update(
            actor=personas.practitioner,
            person=fresh,
            data={"other_languages": f"Language {i}"},
            expected_version=fresh.version,
        )
        Household.objects.get(pk=household.pk)
    for _ in range(15):
        access.person_for(personas.practitioner, mother.uuid)
    after = count()
    assert after <= before + 3, (before, after)


def test_generating_needs_an_identity_check_and_logs_the_look(personas):
    mother = a_parent(personas.household)
    rr = make_request(personas.dpo, mother, identity=False)
    with pytest.raises(ValidationFailed, match="identity has not been checked"):
        services.pack_generate(actor=personas.dpo, request=rr)
    services.identity_check_record(
        actor=personas.dpo,
        request=rr,
        check=services.IdentityCheck("documents", "Passport seen"),
    )
    before = AccessLogEntry.objects.count()
    services.pack_generate(actor=personas.dpo, request=rr)
    entry = AccessLogEntry.objects.order_by("id")[before:].get()
    assert (
        entry.reason == rr.reference and entry.detail == "subject access pack generated for review"
    )
    assert entry.subject_count >= 3  # her, and the others whose data is in it
