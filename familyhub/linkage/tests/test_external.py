"""Matching a school-census-layout file (R-LINK-2): matched / possible / unmatched, estimated
quality, the result file and its disclosure record; only people the purpose allows."""

from __future__ import annotations

import csv
import io

import pytest

from familyhub.core.errors import PermissionRefused, ValidationFailed
from familyhub.linkage import external
from familyhub.linkage.models import ExternalMatch
from familyhub.people import choices as c
from familyhub.people.models import Person, PersonIdentifier
from familyhub.rights.models import DisclosureRecord


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=["UPN", "Surname", "Forename", "DOB", "Sex", "Postcode"])
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def allowed_all(monkeypatch):
    """The purpose allows everybody but the partner organisation's family (the consent rules
    themselves are privacy.policy's and tested there)."""

    def permitted(people, purpose, on=None):
        assert purpose == external.PURPOSE
        return people.exclude(memberships__household__name__startswith="Partnerfield")

    monkeypatch.setattr(external.policy, "permitted", permitted)


def test_census_file_is_matched_and_logged(personas, allowed_all):
    child = personas.household.memberships.filter(role=c.MemberRole.CHILD).first().person
    partner_child = personas.partner_household.memberships.filter(role="child").first().person
    other = personas.other_household.memberships.filter(role="child").first().person
    PersonIdentifier.objects.create(person=other, scheme=c.IdentifierScheme.UPN, value="H80120")
    rows = [
        {  # a typo in the forename, same date of birth and postcode
            "UPN": "A1",
            "Surname": child.family_name.upper(),
            "Forename": child.given_name[:-1] + "y",
            "DOB": child.date_of_birth.strftime("%d/%m/%Y"),
            "Sex": "F",
            "Postcode": "NG6 8AB",
        },
        {  # the UPN we hold
            "UPN": "H80120",
            "Surname": "Someone",
            "Forename": "Else",
            "DOB": "2020-01-01",
            "Sex": "M",
            "Postcode": "",
        },
        {  # a child the purpose does not allow: never matched
            "UPN": "A3",
            "Surname": partner_child.family_name,
            "Forename": partner_child.given_name,
            "DOB": partner_child.date_of_birth.isoformat(),
            "Sex": "F",
            "Postcode": "NG6 9ZZ",
        },
        {"UPN": "A4", "Surname": "Nobody", "Forename": "Known", "DOB": "2019-05-05"},
    ]
    report = external.external_match(
        actor=personas.dpo, file_name="census.csv", content=_csv(rows), recipient="Schools team"
    )
    statuses = [r.status for r in report.rows]
    assert statuses == ["matched", "matched", "unmatched", "unmatched"]
    assert report.rows[0].person == child and report.rows[1].person == other
    text = report.result_csv.decode()
    assert str(child.uuid) in text and str(partner_child.uuid) not in text
    record = ExternalMatch.objects.get()
    assert (record.matched, record.possible, record.unmatched) == (2, 0, 2)
    assert record.estimated_precision is not None and record.estimated_precision > 0.9
    assert record.estimated_recall is not None and 0.0 < record.estimated_recall <= 1.0
    disclosure = DisclosureRecord.objects.get(kind=DisclosureRecord.Kind.MATCHING)
    assert disclosure.people_count == 2 and disclosure.sha256 == record.result_sha256
    assert Person.objects.filter(archived_at__isnull=False).count() == 0


def test_a_team_manager_matches_only_among_their_own_families(personas, allowed_all):
    """R-ACCESS-2: the file is matched against the families the manager works with; a child known
    only to another organisation comes back unmatched, with no familyhub id (the DPO, who works
    across organisations, would match them: the test above)."""
    from familyhub.people.models import PersonIdentifier

    other = personas.other_household.memberships.filter(role="child").first().person
    PersonIdentifier.objects.create(person=other, scheme=c.IdentifierScheme.UPN, value="H80120")
    mine = personas.household.memberships.filter(role=c.MemberRole.CHILD).first().person
    rows = [
        {"UPN": "H80120", "Surname": other.family_name, "Forename": other.given_name},
        {
            "UPN": "A1",
            "Surname": mine.family_name,
            "Forename": mine.given_name,
            "DOB": mine.date_of_birth.isoformat(),
            "Postcode": "NG6 8AB",
        },
    ]
    report = external.external_match(
        actor=personas.team_manager, file_name="c.csv", content=_csv(rows), recipient="Schools"
    )
    assert [r.status for r in report.rows] == ["unmatched", "matched"]
    assert str(other.uuid) not in report.result_csv.decode()


def test_bad_files_get_a_clear_answer(personas, allowed_all):
    with pytest.raises(ValidationFailed, match="no column for"):
        external.external_match(
            actor=personas.dpo, file_name="x.csv", content=b"UPN,Name\n1,2\n", recipient="S"
        )
    with pytest.raises(ValidationFailed, match="no rows"):
        external.external_match(
            actor=personas.dpo, file_name="x.csv", content=_csv([]), recipient="S"
        )
    with pytest.raises(ValidationFailed, match="UTF-8"):
        external.external_match(
            actor=personas.dpo,
            file_name="x.csv",
            content="Surname\n\xe9".encode("utf-16"),
            recipient="S",
        )
    with pytest.raises(PermissionRefused):
        external.external_match(
            actor=personas.practitioner, file_name="x.csv", content=_csv([]), recipient="S"
        )


def test_upload_page_returns_the_result_file_and_lists_the_run(personas, client_for, allowed_all):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    child = personas.household.memberships.filter(role=c.MemberRole.CHILD).first().person
    row = {
        "UPN": "A1",
        "Surname": child.family_name,
        "Forename": child.given_name,
        "DOB": child.date_of_birth.isoformat(),
        "Sex": "F",
        "Postcode": "NG6 8AB",
    }
    client = client_for(personas.team_manager)
    url = reverse("linkage:external_match")
    refused = client.post(url, {"recipient": ""})
    assert refused.status_code == 400
    assert "Choose the file to match" in refused.content.decode()
    upload = SimpleUploadedFile("census.csv", _csv([row]), content_type="text/csv")
    response = client.post(url, {"recipient": "Schools team", "file": upload})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    assert str(child.uuid) in response.content.decode()
    page = client.get(url).content.decode()
    assert "census.csv" in page and "Schools team" in page
