"""Extracts (R-SHARE-3, R-SHARE-4, R-SHARE-5; ADR 0019): what goes in, what is refused, what the
disclosure log keeps."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import timedelta

import pytest
import pyzipper
from django.utils import timezone

from familyhub.core.errors import PermissionRefused, ValidationFailed
from familyhub.core.testing import make_household
from familyhub.people.models import Person
from familyhub.privacy.testing import make_purpose
from familyhub.rights.models import DisclosurePerson, DisclosureRecord
from familyhub.sharing.guard import OutputRefused
from familyhub.sharing.models import Level, Output
from familyhub.sharing.services import extracts
from familyhub.sharing.testing import make_agreement

DEP_ITEMS = ["pseudonym", "birth_month_year", "sex_field", "ward_field", "services_attended"]


@pytest.fixture
def families(personas):
    """Twelve more of the lead organisation's families in Bulwell, one child each."""
    for _ in range(12):
        make_household(organisation=personas.lead, ward=personas.ward, adults=1, children=1)
    return personas


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def _lead_children(personas) -> set[str]:
    return set(
        Person.objects.filter(
            memberships__household__allocations__organisation=personas.lead,
            memberships__role="child",
            is_unborn=False,
        ).values_list("uuid", flat=True)
    )


def test_depersonalised_extract_is_generalised_measured_and_logged(families):
    p = families
    agreement = make_agreement(
        level=Level.DEPERSONALISED, items=DEP_ITEMS, k_threshold=5, l_threshold=1
    )
    produced = extracts.extract_produce(
        actor=p.dpo, agreement=agreement, level=Level.DEPERSONALISED, items=DEP_ITEMS
    )
    out = produced.output
    assert produced.password == ""
    assert out.status == Output.Status.RELEASED and out.kind == Output.Kind.EXTRACT_DEPERSONALISED
    content = bytes(out.content)
    rows = _rows(content)
    # Only the lead organisation's children: 13 (the personas' family has one, plus 12).
    assert len(rows) + out.protection["suppressed"] == 13
    assert out.protection["k"] >= 5
    assert out.protection["generalisations"], "month and year of birth must have been widened"
    assert set(rows[0]) >= {"pseudonym", "sex", "ward", "services_attended"}
    assert all(len(r["pseudonym"]) == 16 for r in rows)
    names = {n for person in Person.objects.all() for n in (person.given_name, person.family_name)}
    assert not any(v in names for r in rows for v in r.values())
    assert {r["ward"] for r in rows} == {"Bulwell"}
    # The disclosure log: kind, level, agreement, count, checksum, and every person in it.
    d = out.disclosure
    assert (
        d.kind == DisclosureRecord.Kind.EXTRACT_DEPERSONALISED and d.level == Level.DEPERSONALISED
    )
    assert d.agreement == agreement and d.people_count == len(rows)
    assert d.sha256 == hashlib.sha256(content).hexdigest() == out.files[0]["sha256"]
    people = set(
        DisclosurePerson.objects.filter(disclosure=d).values_list("person__uuid", flat=True)
    )
    assert len(people) == len(rows) and people <= _lead_children(p)


def test_pseudonyms_are_stable_across_two_extracts_of_one_agreement(families):
    agreement = make_agreement(
        level=Level.DEPERSONALISED, items=DEP_ITEMS, k_threshold=1, l_threshold=1
    )
    other = make_agreement(
        level=Level.DEPERSONALISED, items=DEP_ITEMS, k_threshold=1, l_threshold=1
    )
    first, second, third = (
        {
            r["pseudonym"]
            for r in _rows(
                bytes(
                    extracts.extract_produce(
                        actor=families.dpo, agreement=a, level=Level.DEPERSONALISED, items=DEP_ITEMS
                    ).output.content
                )
            )
        }
        for a in (agreement, agreement, other)
    )
    assert first == second and len(first) == 13
    assert not first & third


def test_item_not_covered_is_refused_and_recorded(families):
    agreement = make_agreement(level=Level.DEPERSONALISED, items=["pseudonym", "sex_field"])
    with pytest.raises(OutputRefused) as e:
        extracts.extract_produce(
            actor=families.dpo, agreement=agreement, level=Level.DEPERSONALISED, items=DEP_ITEMS
        )
    assert any("does not cover" in r for r in e.value.reasons)
    refused = Output.objects.get(status=Output.Status.REFUSED)
    assert "does not cover" in refused.refusal_reason and refused.disclosure is None
    assert not DisclosureRecord.objects.exists()


def test_no_agreement_is_refused_and_recorded(families):
    with pytest.raises(OutputRefused):
        extracts.extract_produce(
            actor=families.dpo, agreement=None, level=Level.DEPERSONALISED, items=DEP_ITEMS
        )
    assert Output.objects.filter(status=Output.Status.REFUSED, agreement=None).exists()


def test_identifiable_level_needs_an_identifiable_agreement(families):
    agreement = make_agreement(level=Level.DEPERSONALISED)
    with pytest.raises(OutputRefused) as e:
        extracts.extract_produce(
            actor=families.dpo, agreement=agreement, level=Level.IDENTIFIABLE, items=["name"]
        )
    assert any("allows de-personalised" in r for r in e.value.reasons)


def test_missing_pseudonym_key_is_refused_and_recorded(families, settings):
    settings.FAMILYHUB_PSEUDONYM_SECRET = ""
    agreement = make_agreement(level=Level.DEPERSONALISED, items=DEP_ITEMS)
    with pytest.raises(OutputRefused) as e:
        extracts.extract_produce(
            actor=families.dpo, agreement=agreement, level=Level.DEPERSONALISED, items=DEP_ITEMS
        )
    assert "pseudonym key is missing" in e.value.reasons[0]
    assert "pseudonym key" in Output.objects.get(status="refused").refusal_reason


def test_l_diversity_below_threshold_is_refused(families):
    """Nobody attended anything: every class has one sensitive value, so l = 1 < 2."""
    agreement = make_agreement(
        level=Level.DEPERSONALISED, items=DEP_ITEMS, k_threshold=1, l_threshold=2
    )
    with pytest.raises(OutputRefused) as e:
        extracts.extract_produce(
            actor=families.dpo, agreement=agreement, level=Level.DEPERSONALISED, items=DEP_ITEMS
        )
    assert "least diverse has 1 value(s) (needs 2)" in e.value.reasons[0]


def test_risk_above_threshold_is_refused_with_the_figures(families):
    agreement = make_agreement(
        level=Level.DEPERSONALISED, items=DEP_ITEMS, k_threshold=50, l_threshold=2
    )
    with pytest.raises(OutputRefused) as e:
        extracts.extract_produce(
            actor=families.dpo, agreement=agreement, level=Level.DEPERSONALISED, items=DEP_ITEMS
        )
    assert "Re-identification risk too high" in e.value.reasons[0]
    refused = Output.objects.get(status=Output.Status.REFUSED)
    assert refused.protection["k_threshold"] == 50 and refused.protection["attempts"]
    assert not DisclosureRecord.objects.exists()


def test_consent_purpose_limits_the_people(families):
    purpose = make_purpose("evaluation-extract-test")
    agreement = make_agreement(
        level=Level.DEPERSONALISED,
        items=DEP_ITEMS,
        consent_purpose=purpose,
        k_threshold=1,
        l_threshold=1,
    )
    out = extracts.extract_produce(
        actor=families.dpo, agreement=agreement, level=Level.DEPERSONALISED, items=DEP_ITEMS
    ).output
    assert out.people_count == 0  # nobody has consented to this purpose
    assert _rows(bytes(out.content)) == []


def test_sensitive_column_must_be_chosen(families):
    agreement = make_agreement(level=Level.DEPERSONALISED)
    with pytest.raises(ValidationFailed):
        extracts.extract_produce(
            actor=families.dpo,
            agreement=agreement,
            level=Level.DEPERSONALISED,
            items=["pseudonym", "sex_field"],
            sensitive="visit_count",
        )


def test_identifiable_extract_is_an_encrypted_zip_with_a_one_time_password(families):
    agreement = make_agreement(
        level=Level.IDENTIFIABLE, items=["name", "date_of_birth", "nhs_number", "postcode"]
    )
    produced = extracts.extract_produce(
        actor=families.dpo,
        agreement=agreement,
        level=Level.IDENTIFIABLE,
        items=["name", "date_of_birth", "nhs_number", "postcode"],
    )
    out = produced.output
    assert len(produced.password) >= 20
    assert produced.password not in str(out.protection) and produced.password not in str(
        out.request
    )
    data = bytes(out.content)
    with pyzipper.AESZipFile(io.BytesIO(data)) as zf:
        name = zf.namelist()[0]
        with pytest.raises(RuntimeError):
            zf.read(name)  # no password
        zf.setpassword(produced.password.encode())
        rows = _rows(zf.read(name))
    assert len(rows) == 13 and all(r["nhs_number"].startswith("999") for r in rows)
    assert {r["postcode"] for r in rows} == {"NG6 8AB"}
    assert out.disclosure.kind == DisclosureRecord.Kind.EXTRACT_IDENTIFIABLE
    assert DisclosurePerson.objects.filter(disclosure=out.disclosure).count() == 13


def test_only_the_dpo_produces_identifiable_extracts(families):
    agreement = make_agreement(level=Level.IDENTIFIABLE)
    for user in (families.analyst, families.team_manager, families.practitioner):
        with pytest.raises(PermissionRefused):
            extracts.extract_produce(
                actor=user, agreement=agreement, level=Level.IDENTIFIABLE, items=["name"]
            )


def test_content_is_emptied_after_the_download_window(families, settings):
    settings.FAMILYHUB_EXTRACT_DOWNLOAD_DAYS = 14
    agreement = make_agreement(
        level=Level.DEPERSONALISED, items=DEP_ITEMS, k_threshold=1, l_threshold=1
    )
    out = extracts.extract_produce(
        actor=families.dpo, agreement=agreement, level=Level.DEPERSONALISED, items=DEP_ITEMS
    ).output
    assert extracts.extracts_expire(now=timezone.now() + timedelta(days=13)) == 0
    assert extracts.extracts_expire(now=timezone.now() + timedelta(days=15)) == 1
    out.refresh_from_db()
    assert out.content is None and out.files and out.disclosure.sha256


def test_a_persons_subject_access_pack_lists_the_extract(families):
    """DisclosurePerson rows are what the SAR reads (rights.sar)."""
    agreement = make_agreement(
        level=Level.DEPERSONALISED, items=DEP_ITEMS, k_threshold=1, l_threshold=1
    )
    out = extracts.extract_produce(
        actor=families.dpo, agreement=agreement, level=Level.DEPERSONALISED, items=DEP_ITEMS
    ).output
    child = DisclosurePerson.objects.filter(disclosure=out.disclosure).first().person
    assert child.disclosures.filter(disclosure__kind="extract_depersonalised").count() == 1


def test_extracts_expire_command(families):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("extracts_expire", stdout=out)
    assert "0 extract file(s) deleted" in out.getvalue()
