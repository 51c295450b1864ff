"""Organisations on the mailing list (R-ENGAGE-9): added with the channels and topics they chose,
taken off the day they ask, and downloaded with only what each chose; each organisation keeps its
own list. Families are on the people's list by consent (privacy/tests/test_mailing.py)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from familyhub.casework.models import MailingOrganisation
from familyhub.casework.services import mailing
from familyhub.core.errors import NotFound, PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord

pytestmark = pytest.mark.django_db

NURSERY = {
    "name": "Bulwell  Community Nursery",
    "by_email": True,
    "email": "Office@Bulwell-Nursery.example",
    "topics": ["news", "services"],
}
SURGERY = {
    "name": "Hyson Green Surgery",
    "by_post": True,
    "address": "1 Example Road, Nottingham",
    "postcode": "ng7 5hy",
    "topics": ["evaluation"],
}


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))


def test_added_with_its_choices_and_history(personas):
    entry = mailing.mailing_organisation_add(actor=personas.practitioner, data=NURSERY)
    assert (entry.name, entry.email, entry.channels) == (
        "Bulwell Community Nursery",
        "office@bulwell-nursery.example",
        ["email"],
    )
    assert entry.organisation == personas.lead and entry.topics == ["news", "services"]
    assert ChangeRecord.objects.filter(object_uuid=entry.uuid, action="create").exists()


@pytest.mark.parametrize(
    "data,field",
    [
        ({**NURSERY, "name": " "}, "name"),
        ({**NURSERY, "by_email": False}, "by_email"),
        ({**NURSERY, "email": ""}, "email"),
        ({**SURGERY, "address": ""}, "address"),
        ({**SURGERY, "postcode": "nonsense"}, "postcode"),
        ({**NURSERY, "topics": []}, "topics"),
    ],
    ids=["no name", "no channel", "email missing", "address missing", "bad postcode", "no topic"],
)
def test_bad_input_is_refused_at_the_field(personas, data, field):
    with pytest.raises(ValidationFailed) as refused:
        mailing.mailing_organisation_add(actor=personas.practitioner, data=data)
    assert field in refused.value.errors
    assert not MailingOrganisation.objects.exists()


def test_the_same_address_twice_is_refused_until_it_left(personas):
    first = mailing.mailing_organisation_add(actor=personas.practitioner, data=NURSERY)
    with pytest.raises(ValidationFailed) as refused:
        mailing.mailing_organisation_add(actor=personas.practitioner, data=NURSERY)
    assert "already on" in refused.value.errors["email"][0]
    mailing.mailing_organisation_leave(actor=personas.practitioner, entry=first)
    mailing.mailing_organisation_add(actor=personas.practitioner, data=NURSERY)  # back on


def test_each_organisation_keeps_its_own_list(personas):
    entry = mailing.mailing_organisation_add(actor=personas.practitioner, data=NURSERY)
    with pytest.raises(NotFound):
        mailing.mailing_organisation_for(personas.partner_staff, entry.uuid)
    with pytest.raises(PermissionRefused):
        mailing.mailing_organisation_leave(actor=personas.partner_staff, entry=entry)
    with pytest.raises(PermissionRefused):
        mailing.mailing_organisations(personas.analyst)


def test_the_page_adds_takes_off_and_downloads_only_what_each_chose(personas, client_for):
    client = client_for(personas.practitioner)
    url = reverse("casework:mailing_organisations")
    bad = client.post(url, {"name": "Nameless", "by_email": "on", "topics": ["news"]})
    assert bad.status_code == 200 and "email" in bad.context["form"].errors
    assert b"Nameless" in bad.content  # what was typed is kept
    for data in (NURSERY, SURGERY):
        assert client.post(url, data).status_code == 302
    header, *rows = _rows(client.get(reverse("casework:mailing_organisations_csv")))
    assert header == list(mailing.CSV_HEADER)
    by_name = {r[0]: r for r in rows}
    assert by_name["Bulwell Community Nursery"][2:5] == ["office@bulwell-nursery.example", "", ""]
    assert by_name["Hyson Green Surgery"][2:5] == ["", "1 Example Road, Nottingham", "NG7 5HY"]
    _, *news = _rows(client.get(reverse("casework:mailing_organisations_csv") + "?topic=news"))
    assert [r[0] for r in news] == ["Bulwell Community Nursery"]

    nursery = MailingOrganisation.objects.get(name="Bulwell Community Nursery")
    left = client.post(reverse("casework:mailing_organisation_leave", args=[nursery.uuid]))
    assert left.status_code == 302
    page = client.get(left["Location"])
    assert b"Bulwell Community Nursery is off the mailing list" in page.content
    _, *rows = _rows(client.get(reverse("casework:mailing_organisations_csv")))
    assert [r[0] for r in rows] == ["Hyson Green Surgery"]  # off at once
    assert ChangeRecord.objects.filter(object_uuid=nursery.uuid, field="left_on").exists()
