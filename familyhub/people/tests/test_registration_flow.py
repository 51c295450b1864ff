"""The guided registration flow through the staff UI (R-PEOPLE-1), with bad input (issue 3)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from familyhub.core.models import ChangeRecord
from familyhub.people.models import Household, Person

pytestmark = pytest.mark.django_db


def _d(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).strftime("%d/%m/%Y")


def _start(client):
    return client.post(
        reverse("people:household_register_start"),
        {
            "name": "Smith family",
            "line1": "1 Test Street",
            "town": "Nottingham",
            "postcode": "ng6 8ab",
            "ward": "",
        },
    )


def _add(client, **fields):
    data = {
        "member-role": "parent_carer",
        "member-lives_here": "on",
        "member-family_name": "Smith",
        "member-sex": "not_asked",
        "member-gender": "not_asked",
        "member-relationship_status": "not_asked",
        "member-employment_status": "not_asked",
        "member-education_status": "not_asked",
        "member-housing_status": "not_asked",
        "member-religion": "not_asked",
        "member-sexual_orientation": "not_asked",
        "member-disability": "not_asked",
        "member-main_language": "English",
    }
    data.update({f"member-{k}": v for k, v in fields.items()})
    return client.post(reverse("people:household_register_members"), data)


def test_register_household_with_unborn_child(personas, client_for):
    client = client_for(personas.practitioner)
    assert _start(client).status_code == 302
    r = _add(
        client, given_name="John", date_of_birth="02/01/1990", nhs_number="999 000 0018", sex="male"
    )
    assert r.status_code == 302, r.context["form"].errors
    r = _add(client, role="child", given_name="", is_unborn="on", expected_date_of_delivery=_d(40))
    assert r.status_code == 302, r.context["form"].errors
    r = client.get(reverse("people:household_register_relationships"))
    assert r.status_code == 200
    assert b"Unborn baby Smith" in r.content
    r = client.post(
        reverse("people:household_register_relationships"),
        {
            "rel-TOTAL_FORMS": "1",
            "rel-INITIAL_FORMS": "1",
            "rel-MIN_NUM_FORMS": "0",
            "rel-MAX_NUM_FORMS": "1000",
            "rel-0-from_index": "0",
            "rel-0-to_index": "1",
            "rel-0-kind": "father",
            "rel-0-parental_responsibility": "on",
        },
    )
    assert r.status_code == 302
    r = client.get(reverse("people:household_register_check"))
    assert b"Check before registering" in r.content
    r = client.post(reverse("people:household_register_check"))
    assert r.status_code == 302
    household = Household.objects.get(name="Smith family")
    assert r["Location"] == reverse("people:household_detail", args=[household.uuid])
    page = client.get(r["Location"])
    assert b"John Smith" in page.content and b"Unborn" in page.content
    assert b"is the father of" in page.content


def test_bad_input_kept_and_explained(personas, client_for):
    client = client_for(personas.practitioner)
    _start(client)
    r = _add(client, given_name="Jane", date_of_birth=_d(5), nhs_number="9990000019")
    assert r.status_code == 200
    body = r.content.decode()
    assert "Date of birth must be today or in the past" in body
    assert "not a valid NHS number" in body
    assert 'value="Jane"' in body  # what was typed is kept
    r = _add(client, role="child", given_name="", is_unborn="on", expected_date_of_delivery=_d(-60))
    assert "more than 6 weeks ago" in r.content.decode()
    assert Person.objects.filter(given_name="Jane").count() == 0


def test_malformed_postcode_refused_at_field(personas, client_for):
    client = client_for(personas.practitioner)
    r = client.post(
        reverse("people:household_register_start"),
        {"name": "X family", "line1": "1 Road", "postcode": "NOTAPOSTCODE"},
    )
    assert r.status_code == 200
    assert "Enter a real postcode" in r.content.decode()
    assert 'value="NOTAPOSTCODE"' in r.content.decode()


def test_possible_duplicate_shown_before_create(personas, client_for):
    existing = personas.household.memberships.filter(role="parent_carer").first().person
    client = client_for(personas.practitioner)
    _start(client)
    r = _add(
        client,
        given_name=existing.given_name,
        family_name=existing.family_name,
        date_of_birth=existing.date_of_birth.strftime("%d/%m/%Y"),
    )
    assert r.status_code == 200
    assert b"may already be registered" in r.content
    # Using the existing record adds them without creating a new person.
    before = Person.objects.count()
    r = client.post(
        reverse("people:household_register_members"),
        {
            "member-role": "parent_carer",
            "member-lives_here": "on",
            "member-family_name": "x",
            "use_existing": str(existing.uuid),
            **{
                f"member-{k}": "not_asked"
                for k in (
                    "sex",
                    "gender",
                    "relationship_status",
                    "employment_status",
                    "education_status",
                    "housing_status",
                    "religion",
                    "sexual_orientation",
                    "disability",
                )
            },
        },
    )
    assert r.status_code == 302
    assert Person.objects.count() == before


def test_edit_keeps_history_and_refuses_stale_save(personas, client_for):
    person = personas.household.memberships.filter(role="parent_carer").first().person
    url = reverse("people:person_edit", args=[person.uuid])
    a = client_for(personas.practitioner)
    form = a.get(url).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(
        {
            "phone": "0115 496 0123",
            "reason": "Told us at the visit",
            "version": person.version,
            "date_of_birth": person.date_of_birth.strftime("%d/%m/%Y"),
            "ethnicity": "",
        }
    )
    data = {k: v for k, v in data.items() if not isinstance(v, bool) or v}
    r = a.post(url, data)
    assert r.status_code == 302, r.context["form"].errors
    change = ChangeRecord.objects.get(person=person, field="phone")
    assert change.new_value == "0115 496 0123" and change.reason == "Told us at the visit"
    # A second worker who loaded the form before that save is refused and keeps their typing.
    data.update({"phone": "0115 496 0999"})
    r = a.post(url, data)
    assert r.status_code == 200
    body = r.content.decode()
    assert "Someone else changed this record" in body
    assert "0115 496 0999" in body and "0115 496 0123" in body
    person.refresh_from_db()
    assert person.phone == "0115 496 0123"


def test_family_list_pages_with_a_fixed_number_of_queries(
    personas, client_for, django_assert_num_queries
):
    """List pages: the query count does not grow with the number of families (issue 3)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from familyhub.core.testing import make_household

    client = client_for(personas.practitioner)
    url = reverse("people:household_list")
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        r = client.get(url)
    assert personas.household.name in r.content.decode()
    for _ in range(30):
        make_household(organisation=personas.lead, adults=2, children=2)
    with CaptureQueriesContext(connection) as many:
        r = client.get(url)
    assert len(many) == len(few)
    assert r.context["page"]["has_next"] is True and len(r.context["households"]) == 25
    r = client.get(url, {"page": "2"})
    assert len(r.context["households"]) == 31 - 25 and r.context["page"]["has_next"] is False
    assert personas.other_household.name not in client.get(url, {"page": "2"}).content.decode()
