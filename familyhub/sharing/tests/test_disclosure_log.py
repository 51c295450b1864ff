"""The disclosure log pages (R-SHARE-5; ADR 0019): search, detail, CSV, disclosures by hand."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from familyhub.rights.models import DisclosurePerson, DisclosureRecord
from familyhub.sharing.models import Level
from familyhub.sharing.services import disclosures, extracts
from familyhub.sharing.testing import make_agreement


def _child(household):
    return household.memberships.filter(role="child", person__is_unborn=False).first().person


@pytest.fixture
def logged(personas):
    agreement = make_agreement(
        level=Level.DEPERSONALISED, recipient="Evaluation Partner Ltd", k_threshold=1, l_threshold=1
    )
    extracts.extract_produce(
        actor=personas.dpo, agreement=agreement, level=Level.DEPERSONALISED, items=["pseudonym"]
    )
    child = _child(personas.household)
    record = disclosures.disclosure_record(
        actor=personas.dpo,
        kind="safeguarding",
        recipient="Children's Social Care",
        recipient_kind="organisation",
        what="Chronology of home visits",
        legal_basis="Children Act 1989 s.47",
        disclosed_on=timezone.localdate() - timedelta(days=3),
        people_text=child.nhs_number,
    )
    return personas, agreement, record, child


def test_recorded_by_hand_with_the_people_in_it(logged):
    _personas, _agreement, record, child = logged
    assert record.kind == DisclosureRecord.Kind.SAFEGUARDING and record.people_count == 1
    assert DisclosurePerson.objects.filter(disclosure=record, person=child).exists()
    assert len(record.sha256) == 64


def test_by_hand_finds_people_by_name_and_date_of_birth(personas):
    child = _child(personas.household)
    record = disclosures.disclosure_record(
        actor=personas.dpo,
        kind="court_order",
        recipient="Family Court",
        recipient_kind="organisation",
        what="Case notes",
        legal_basis="Order ZC24P00001",
        disclosed_on=timezone.localdate(),
        people_text=f"{child.family_name}, {child.date_of_birth:%d/%m/%Y}",
    )
    assert list(record.subjects.values_list("person", flat=True)) == [child.pk]


def test_by_hand_refuses_bad_input_with_field_errors(personas):
    from familyhub.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as e:
        disclosures.disclosure_record(
            actor=personas.dpo,
            kind="nonsense",
            recipient="",
            recipient_kind="organisation",
            what="",
            legal_basis="",
            disclosed_on=timezone.localdate() + timedelta(days=1),
            people_text="9999999999\nnot a line",
        )
    assert set(e.value.errors) >= {
        "kind",
        "recipient",
        "what",
        "legal_basis",
        "disclosed_on",
        "people",
    }
    assert not DisclosureRecord.objects.exists()


def test_only_the_dpo_records_by_hand(personas):
    from familyhub.core.errors import PermissionRefused

    with pytest.raises(PermissionRefused):
        disclosures.disclosure_record(
            actor=personas.team_manager,
            kind="safeguarding",
            recipient="x",
            recipient_kind="organisation",
            what="x",
            legal_basis="x",
            disclosed_on=timezone.localdate(),
            people_text="",
        )


def test_search_by_kind_recipient_agreement_dates_and_person(logged, client_for):
    personas, agreement, _record, child = logged
    client = client_for(personas.dpo)
    url = reverse("sharing:log_list")

    def found(**query):
        response = client.get(url, query)
        assert response.status_code == 200
        return response.content.decode()

    assert "Children&#x27;s Social Care" in found(kind="safeguarding")
    assert "Evaluation Partner Ltd" not in found(kind="safeguarding")
    assert "Evaluation Partner Ltd" in found(recipient="evaluation")
    assert "Evaluation Partner Ltd" in found(agreement=agreement.reference)
    today = timezone.localdate()
    only_old = found(date_to=(today - timedelta(days=1)).strftime("%d/%m/%Y"))
    assert "Social Care" in only_old and "Evaluation Partner Ltd" not in only_old
    by_name = found(person=child.given_name + " " + child.family_name)
    assert "Social Care" in by_name  # the extract and the hand record both hold the child


def test_csv_download_of_the_log(logged, client_for):
    personas, *_ = logged
    response = client_for(personas.dpo).get(reverse("sharing:log_csv"), {"kind": "safeguarding"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1 and rows[0]["recipient"] == "Children's Social Care"
    assert rows[0]["people_count"] == "1"


def test_detail_lists_the_people_and_is_read_only(logged, client_for):
    personas, _agreement, record, child = logged
    client = client_for(personas.dpo)
    response = client.get(reverse("sharing:log_detail", args=[record.uuid]))
    assert response.status_code == 200 and child.family_name in response.content.decode()
    assert client.post(reverse("sharing:log_detail", args=[record.uuid])).status_code == 200
    record.refresh_from_db()
    assert record.recipient == "Children's Social Care"


def test_log_list_query_count(logged, client_for, django_assert_max_num_queries):
    personas, agreement, *_ = logged
    for _ in range(5):
        extracts.extract_produce(
            actor=personas.dpo, agreement=agreement, level=Level.DEPERSONALISED, items=["pseudonym"]
        )
    client = client_for(personas.dpo)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("sharing:log_list"))
    assert response.status_code == 200


def test_form_keeps_what_was_typed_on_error(personas, client_for):
    response = client_for(personas.dpo).post(
        reverse("sharing:log_new"),
        {"kind": "safeguarding", "recipient": "Police", "what": "", "people": "nobody here"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body and 'value="Police"' in body and "nobody here" in body
    assert not DisclosureRecord.objects.exists()


def test_form_records_a_disclosure(personas, client_for):
    child = _child(personas.household)
    response = client_for(personas.dpo).post(
        reverse("sharing:log_new"),
        {
            "kind": "court_order",
            "recipient": "Family Court",
            "recipient_kind": "organisation",
            "what": "Visit records",
            "legal_basis": "Order 123",
            "channel": "Secure email",
            "disclosed_on": timezone.localdate().strftime("%d/%m/%Y"),
            "people": child.nhs_number,
        },
    )
    assert response.status_code == 302
    assert DisclosureRecord.objects.get().subjects.get().person == child


@pytest.mark.parametrize(
    ("persona", "status"),
    [("practitioner", 403), ("team_manager", 403), ("analyst", 403), ("admin", 403), ("dpo", 200)],
)
def test_who_reads_the_log(personas, client_for, persona, status):
    assert client_for(getattr(personas, persona)).get(reverse("sharing:log_list")).status_code == (
        status
    )
