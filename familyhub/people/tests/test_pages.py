"""The family and person pages and the edits made from them (R-PEOPLE-1..5, R-ACCESS-1..3).

What a worker sees (members, relationships, addresses, history), what each role may see
(special-category data), what is logged, what each page costs in queries, and the refusals a worker
gets at the field they need to correct.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from typing import Any

import pytest
from django import forms
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from familyhub.access.models import AccessLogEntry, AccessLogSubject
from familyhub.core.models import ChangeRecord
from familyhub.core.testing import make_household, sign_in_verified
from familyhub.people import services
from familyhub.people.choices import MemberRole
from familyhub.people.models import Household, Membership, Person
from familyhub.places.models import EthnicityCategory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]


def _today() -> date:
    return timezone.localdate()


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _parent(household: Household) -> Person:
    return household.memberships.filter(role=MemberRole.PARENT_CARER).order_by("id").first().person


def _unborn(household: Household) -> Person:
    return household.memberships.filter(person__is_unborn=True).get().person


def form_data(form: forms.BaseForm) -> dict[str, Any]:
    """What a browser submits for an unchanged form: every field's current value, as typed text."""
    data: dict[str, Any] = {}
    for bf in form:
        value = bf.value()
        if isinstance(bf.field, forms.BooleanField):
            if value:
                data[bf.html_name] = "on"
            continue
        if value is None:
            value = ""
        if isinstance(value, date):
            value = _d(value)
        data[bf.html_name] = value
    return data


def field_error(html: str, auto_id: str) -> str:
    """The error message the page shows at one field (GOV.UK: <p id="<id>_error">), or ''."""
    m = re.search(
        rf'<p id="{re.escape(auto_id)}_error" class="govuk-error-message">(.*?)</p>', html, re.S
    )
    if not m:
        return ""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", m.group(1))).split())


def _new_log_entries(before: int) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.order_by("id")[before:])


def _ethnicities() -> tuple[EthnicityCategory, EthnicityCategory]:
    indian = EthnicityCategory.objects.get(label__endswith=": Indian")
    pakistani = EthnicityCategory.objects.get(label__endswith=": Pakistani")
    return indian, pakistani


# --- the family page ----------------------------------------------------------------------------


def test_family_page_shows_members_relationships_addresses_and_history(personas, client_for):
    """R-PEOPLE-1, R-PEOPLE-2, R-PEOPLE-5: members with roles, relationships, the current address
    with the earlier ones and their dates, and the history."""
    household = personas.household
    old = household.addresses.get()
    moved_on = _today() - timedelta(days=10)
    services.household_move(
        actor=personas.practitioner,
        household=household,
        address={"line1": "2 New Road", "postcode": "ng7 5hy", "ward": None},
        moved_on=moved_on,
        reason="Family told us at the visit",
    )
    response = client_for(personas.practitioner).get(
        reverse("people:household_detail", args=[household.uuid])
    )
    assert response.status_code == 200
    body = unescape(response.content.decode())
    for m in household.memberships.select_related("person"):
        assert m.person.display_name in body
        assert reverse("people:person_detail", args=[m.person.uuid]) in body
    assert "Unborn" in body  # the unborn child, with the expected date of delivery
    assert _d(_unborn(household).expected_date_of_delivery) in body
    mother, child = (
        _parent(household),
        household.memberships.get(role="child", person__is_unborn=False).person,
    )
    assert f"{mother.display_name} is the mother of {child.display_name}" in body
    assert "2 New Road" in body and "NG7 5HY" in body
    previous = re.search(r'id="previous-addresses">(.*?)</ul>', body, re.S).group(1)
    assert old.line1 in previous and old.postcode in previous
    assert f"from {_d(old.valid_from)} to {_d(moved_on)}" in previous
    assert "Reason: Family told us at the visit" in body  # the history
    assert "Address" in body


def _family_page_queries(client: Client, household: Household) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("people:household_detail", args=[household.uuid]))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_family_page_query_count_does_not_grow_with_the_family(personas, client_for):
    """Performance habit: 2 people or 12 people with 20 relationships, the same number of queries."""
    small = make_household(organisation=personas.lead, ward=personas.ward, adults=1, children=1)
    large = make_household(organisation=personas.lead, ward=personas.ward, adults=2, children=10)
    assert (small.memberships.count(), large.memberships.count()) == (2, 12)
    for h in (small, large):  # a history for both, and a previous address
        services.household_move(
            actor=personas.practitioner,
            household=h,
            address={"line1": "9 Moved Street", "postcode": "NG7 5HY"},
            moved_on=_today() - timedelta(days=3),
        )
    client = client_for(personas.practitioner)
    client.get(reverse("people:household_detail", args=[personas.household.uuid]))  # warm up
    assert _family_page_queries(client, small) == _family_page_queries(client, large)


def test_person_page_query_count_does_not_grow_with_relationships(personas, client_for):
    small = make_household(organisation=personas.lead, adults=1, children=1)
    large = make_household(organisation=personas.lead, adults=1, children=10)
    client = client_for(personas.practitioner)
    # Warm up: the session and user rows, and the access log's chain head (made by the first entry).
    client.get(reverse("people:household_detail", args=[personas.household.uuid]))
    counts = []
    for h in (small, large):
        with CaptureQueriesContext(connection) as ctx:
            assert (
                client.get(reverse("people:person_detail", args=[_parent(h).uuid])).status_code
                == 200
            )
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_family_page_logs_one_view_with_every_member(personas, client_for):
    """R-ACCESS-3: opening a family page writes exactly one VIEW_HOUSEHOLD entry naming every member
    (by log_key), and nothing else."""
    household = make_household(organisation=personas.lead, adults=2, children=4, unborn=True)
    before = AccessLogEntry.objects.count()
    client_for(personas.practitioner).get(reverse("people:household_detail", args=[household.uuid]))
    entries = _new_log_entries(before)
    assert [e.action for e in entries] == [AccessLogEntry.Action.VIEW_HOUSEHOLD]
    entry = entries[0]
    keys = set(AccessLogSubject.objects.filter(entry=entry).values_list("person_key", flat=True))
    assert keys == {m.person.log_key for m in household.memberships.select_related("person")}
    assert entry.subject_count == 7
    assert entry.username == "practitioner" and entry.path == reverse(
        "people:household_detail", args=[household.uuid]
    )


def test_out_of_scope_family_page_is_not_logged_as_a_view(personas, client_for):
    before = AccessLogEntry.objects.count()
    response = client_for(personas.other_org_staff).get(
        reverse("people:household_detail", args=[personas.household.uuid])
    )
    assert response.status_code == 404
    assert _new_log_entries(before) == []


# --- special-category data (R-PEOPLE-3) ---------------------------------------------------------


@pytest.fixture
def parent_with_equality_data(personas):
    """The lead family's mother, with ethnicity and religion recorded by the practitioner."""
    indian, _ = _ethnicities()
    mother = _parent(personas.household)
    services.person_update(
        actor=personas.practitioner,
        person=mother,
        data={"ethnicity": indian, "religion": "hindu", "additional_needs": "Uses a wheelchair"},
        expected_version=mother.version,
        reason="Asked at registration",
    )
    mother.refresh_from_db()
    return mother


def test_person_page_shows_special_category_only_to_roles_allowed(
    personas, client_for, parent_with_equality_data
):
    """R-PEOPLE-3: the practitioner sees ethnicity, religion and health needs; the group worker does
    not see them anywhere on the page, nor in the history."""
    mother = parent_with_equality_data
    url = reverse("people:person_detail", args=[mother.uuid])
    practitioner = unescape(client_for(personas.practitioner).get(url).content.decode())
    assert 'id="special-category"' in practitioner
    assert mother.ethnicity.label in practitioner and "Hindu" in practitioner
    assert "Uses a wheelchair" in practitioner
    group_worker = unescape(client_for(personas.group_worker).get(url).content.decode())
    assert 'id="special-category"' not in group_worker
    for secret in (mother.ethnicity.label, "Indian", "Hindu", "Uses a wheelchair"):
        assert secret not in group_worker, secret
    assert "Special-category detail changed (hidden for your role)" in group_worker


def test_timelines_hide_special_category_values_from_the_group_worker(
    personas, client_for, parent_with_equality_data
):
    """R-PEOPLE-3, R-PEOPLE-5: the history says a special-category detail changed, without the old or
    new value, on the person page, the family page and the full history."""
    mother = parent_with_equality_data
    _indian, pakistani = _ethnicities()
    services.person_update(
        actor=personas.practitioner,
        person=mother,
        data={"ethnicity": pakistani},
        expected_version=mother.version,
        reason="Corrected",
    )
    special = ChangeRecord.objects.filter(person=mother, special_category=True)
    assert set(special.values_list("field", flat=True)) >= {
        "ethnicity",
        "religion",
        "additional_needs",
    }
    urls = [
        reverse("people:person_detail", args=[mother.uuid]),
        reverse("people:household_detail", args=[personas.household.uuid]),
        reverse("people:household_history", args=[personas.household.uuid]),
    ]
    for url in urls:
        seen = unescape(client_for(personas.practitioner).get(url).content.decode())
        assert "Pakistani" in seen and "Indian" in seen, url  # old and new value
        hidden = unescape(client_for(personas.group_worker).get(url).content.decode())
        assert "Special-category detail changed (hidden for your role)" in hidden, url
        for secret in ("Pakistani", "Indian", "Hindu", "Uses a wheelchair"):
            assert secret not in hidden, (url, secret)


def test_edit_form_has_no_special_category_fields_for_the_group_worker(
    personas, client_for, parent_with_equality_data
):
    mother = parent_with_equality_data
    url = reverse("people:person_edit", args=[mother.uuid])
    practitioner_form = client_for(personas.practitioner).get(url).context["form"]
    assert {"ethnicity", "religion", "sexual_orientation", "disability", "additional_needs"} <= set(
        practitioner_form.fields
    )
    response = client_for(personas.group_worker).get(url)
    form = response.context["form"]
    for name in ("ethnicity", "religion", "sexual_orientation", "disability", "additional_needs"):
        assert name not in form.fields
        assert f'name="{name}"' not in response.content.decode()
    assert "Uses a wheelchair" not in response.content.decode()


def test_group_worker_cannot_change_special_category_data_by_posting_it(
    personas, client_for, parent_with_equality_data
):
    """R-PEOPLE-3: a crafted POST with ethnicity from a group worker saves the other changes and
    leaves the special-category fields as they were (no history of a change either)."""
    mother = parent_with_equality_data
    indian, pakistani = _ethnicities()
    client = client_for(personas.group_worker)
    url = reverse("people:person_edit", args=[mother.uuid])
    data = form_data(client.get(url).context["form"])
    data.update(
        {
            "phone": "0115 496 0777",
            "reason": "Phoned us",
            "ethnicity": str(pakistani.pk),
            "religion": "none",
            "additional_needs": "",
            "disability": "yes",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    mother.refresh_from_db()
    assert mother.phone == "0115 496 0777"
    assert (mother.ethnicity, mother.religion, mother.additional_needs) == (
        indian,
        "hindu",
        "Uses a wheelchair",
    )
    assert mother.disability != "yes"
    changed = set(
        ChangeRecord.objects.filter(person=mother, reason="Phoned us").values_list(
            "field", flat=True
        )
    )
    assert changed == {"phone"}


def test_service_ignores_special_category_changes_from_the_group_worker(
    personas, parent_with_equality_data
):
    """Defence in depth: the service drops special-category fields for a role that may not see them."""
    mother = parent_with_equality_data
    indian, pakistani = _ethnicities()
    services.person_update(
        actor=personas.group_worker,
        person=mother,
        data={"ethnicity": pakistani, "phone": "0115 496 0778"},
        expected_version=mother.version,
    )
    mother.refresh_from_db()
    assert mother.ethnicity == indian and mother.phone == "0115 496 0778"


# --- changes with history (R-PEOPLE-5) ------------------------------------------------------------


def test_moving_house_through_the_ui_keeps_the_previous_address_with_dates(personas, client_for):
    household = personas.household
    old = household.addresses.get()
    moved_on = _today() - timedelta(days=5)
    client = client_for(personas.practitioner)
    response = client.post(
        reverse("people:household_move", args=[household.uuid]),
        {
            "line1": "14 Vernon Road",
            "line2": "",
            "town": "Nottingham",
            "postcode": "ng7  5hy",
            "ward": "",
            "moved_on": _d(moved_on),
            "reason": "Moved nearer to school",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    addresses = list(household.addresses.order_by("valid_from"))
    assert [(a.line1, a.valid_from, a.valid_to) for a in addresses] == [
        (old.line1, old.valid_from, moved_on),
        ("14 Vernon Road", moved_on, None),
    ]
    assert addresses[1].postcode == "NG7 5HY" and addresses[1].postcode_key == "NG75HY"
    page = unescape(client.get(response["Location"]).content.decode())
    assert "Previous addresses" in page
    previous = re.search(r'id="previous-addresses">(.*?)</ul>', page, re.S).group(1)
    assert f"{old.line1}" in previous and f"from {_d(old.valid_from)} to {_d(moved_on)}" in previous
    assert "14 Vernon Road" not in previous and "14 Vernon Road" in page
    assert "Reason: Moved nearer to school" in page


def test_a_move_before_the_current_address_began_is_refused_at_the_field(personas, client_for):
    household = personas.household
    old = household.addresses.get()
    response = client_for(personas.practitioner).post(
        reverse("people:household_move", args=[household.uuid]),
        {
            "line1": "1 Early Road",
            "postcode": "NG7 5HY",
            "moved_on": _d(old.valid_from - timedelta(days=1)),
        },
    )
    assert response.status_code == 200
    assert "The move date must be after" in field_error(response.content.decode(), "id_moved_on")
    assert household.addresses.count() == 1


def test_recording_a_birth_turns_the_unborn_child_into_a_born_child(personas, client_for):
    """R-PEOPLE-1, R-PEOPLE-5: the same record (same uuid) becomes a born child, with history."""
    household = personas.household
    baby = _unborn(household)
    born_on = _today() - timedelta(days=2)
    client = client_for(personas.practitioner)
    url = reverse("people:person_record_birth", args=[baby.uuid])
    form = client.get(url).context["form"]
    data = form_data(form)
    data.update({"date_of_birth": _d(born_on), "given_name": "Poppy", "sex": "female"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == reverse("people:person_detail", args=[baby.uuid])
    child = Person.objects.get(pk=baby.pk)
    assert child.uuid == baby.uuid and child.log_key == baby.log_key
    assert (
        child.is_unborn is False and child.date_of_birth == born_on and child.given_name == "Poppy"
    )
    assert Membership.objects.filter(household=household, person=child, role="child").exists()
    history = ChangeRecord.objects.filter(person=child, reason="Birth recorded")
    assert {"is_unborn", "date_of_birth", "given_name"} <= set(
        history.values_list("field", flat=True)
    )
    page = unescape(client.get(response["Location"]).content.decode())
    assert "Poppy" in page and _d(born_on) in page and "Unborn child" not in page
    assert "Reason: Birth recorded" in page
    family = unescape(
        client.get(reverse("people:household_detail", args=[household.uuid])).content.decode()
    )
    assert "Unborn</strong>" not in family and "Poppy Testington" in family


def test_recording_a_birth_twice_is_refused(personas, client_for):
    mother = _parent(personas.household)  # born long ago
    client = client_for(personas.practitioner)
    url = reverse("people:person_record_birth", args=[mother.uuid])
    data = form_data(client.get(url).context["form"])
    data.update({"date_of_birth": _d(_today() - timedelta(days=1))})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "already recorded" in field_error(response.content.decode(), "id_date_of_birth")


# --- refusals at the field (R-PEOPLE-1, R-PEOPLE-2) ------------------------------------------------

MEMBER_DEFAULTS = {
    "member-role": "child",
    "member-lives_here": "on",
    "member-family_name": "Testington",
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


def _add_member(client: Client, household: Household, **fields: str) -> Any:
    data = dict(MEMBER_DEFAULTS)
    data.update({f"member-{k}": v for k, v in fields.items()})
    return client.post(reverse("people:household_add_member", args=[household.uuid]), data)


def test_adding_the_same_person_twice_to_a_household_is_refused(personas, client_for):
    """R-PEOPLE-1: someone already in the family cannot be added again; the page says who and why
    (the 'Use this person' choice has no field of its own, so the message heads the form)."""
    household = personas.household
    mother = _parent(household)
    before = household.memberships.count()
    response = client_for(personas.practitioner).post(
        reverse("people:household_add_member", args=[household.uuid]),
        {**MEMBER_DEFAULTS, "member-role": "parent_carer", "use_existing": str(mother.uuid)},
    )
    assert response.status_code == 200
    message = f"{mother.display_name} is already in this household"
    form = response.context["form"]
    assert message in form.non_field_errors()
    body = unescape(response.content.decode())
    assert "There is a problem" in body and message in body
    assert household.memberships.count() == before


def test_adding_the_same_existing_person_twice_in_registration_is_refused(personas, client_for):
    mother = _parent(personas.household)
    client = client_for(personas.practitioner)
    client.post(
        reverse("people:household_register_start"),
        {"name": "Second family", "line1": "3 Other Street", "postcode": "NG6 8AB"},
    )
    use = {**MEMBER_DEFAULTS, "member-role": "parent_carer", "use_existing": str(mother.uuid)}
    assert client.post(reverse("people:household_register_members"), use).status_code == 302
    response = client.post(reverse("people:household_register_members"), use)
    assert response.status_code == 200
    assert f"{mother.display_name} is already in this household" in unescape(
        response.content.decode()
    )
    assert len(client.session["household_draft"]["members"]) == 1


def test_a_relationship_with_oneself_is_refused_at_the_field(personas, client_for):
    household = personas.household
    mother = _parent(household)
    before = ChangeRecord.objects.count()
    response = client_for(personas.practitioner).post(
        reverse("people:relationship_add", args=[household.uuid]),
        {"from_person": str(mother.uuid), "kind": "mother", "to_person": str(mother.uuid)},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["to_person"] == [
        "A person cannot have a relationship with themselves"
    ]
    assert "cannot have a relationship with themselves" in field_error(
        response.content.decode(), "id_to_person"
    )
    assert ChangeRecord.objects.count() == before


def test_an_expected_delivery_ten_weeks_ago_is_refused_at_the_field(personas, client_for):
    household = personas.household
    before = household.memberships.count()
    response = _add_member(
        client_for(personas.practitioner),
        household,
        given_name="",
        is_unborn="on",
        expected_date_of_delivery=_d(_today() - timedelta(weeks=10)),
    )
    assert response.status_code == 200
    message = field_error(response.content.decode(), "id_member-expected_date_of_delivery")
    assert "more than 6 weeks ago" in message
    assert household.memberships.count() == before


def test_a_date_of_birth_in_the_future_is_refused_at_the_field(personas, client_for):
    household = personas.household
    before = Person.objects.count()
    response = _add_member(
        client_for(personas.practitioner),
        household,
        given_name="Tomorrow",
        date_of_birth=_d(_today() + timedelta(days=1)),
    )
    assert response.status_code == 200
    assert "today or in the past" in field_error(
        response.content.decode(), "id_member-date_of_birth"
    )
    assert 'value="Tomorrow"' in response.content.decode()  # what was typed is kept
    assert Person.objects.count() == before


def test_a_future_date_of_birth_is_refused_when_editing(personas, client_for):
    mother = _parent(personas.household)
    client = client_for(personas.practitioner)
    url = reverse("people:person_edit", args=[mother.uuid])
    data = form_data(client.get(url).context["form"])
    data["date_of_birth"] = _d(_today() + timedelta(days=30))
    response = client.post(url, data)
    assert response.status_code == 200
    assert "today or in the past" in field_error(response.content.decode(), "id_date_of_birth")
    mother.refresh_from_db()
    assert mother.date_of_birth <= _today()


def test_a_valid_member_is_added_with_history(personas, client_for):
    household = personas.household
    response = _add_member(
        client_for(personas.practitioner),
        household,
        given_name="Ivy",
        date_of_birth=_d(_today() - timedelta(days=200)),
        **{"confirmed_new": "on"},
    )
    assert response.status_code == 302, response.context["form"].errors
    ivy = Person.objects.get(given_name="Ivy", family_name="Testington")
    assert household.memberships.filter(person=ivy, role="child").exists()
    assert ChangeRecord.objects.filter(person=ivy, action="create").exists()


@pytest.mark.parametrize("route", ["people:household_add_member", "people:person_edit"])
def test_an_empty_post_shows_the_form_again(personas, route):
    client = Client(raise_request_exception=False)
    sign_in_verified(client, personas.practitioner)
    target = personas.household.uuid if "household" in route else _parent(personas.household).uuid
    response = client.post(reverse(route, args=[target]))
    assert response.status_code == 200
