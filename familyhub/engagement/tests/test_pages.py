"""The engagement pages: what each shows, what it refuses, what it logs, and a query count that
does not grow with the data (R-ENGAGE-1..3, R-ACCESS-1..3)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from familyhub.access.models import AccessLogEntry
from familyhub.core.testing import PersonFactory
from familyhub.engagement.models import Attendance, EligibilityRule, Enrolment, Service, WalkIn
from familyhub.engagement.rules import add_months
from familyhub.engagement.testing import a_session, attend, family, walk_in_for
from familyhub.people import choices as c
from familyhub.people.models import Membership
from familyhub.places.models import Ward

BULWELL, RADFORD = "E05012275", "E05012286"


def _queries(client, url, **kwargs):
    """Queries of a second request (the first may create one-off rows, e.g. the log's head)."""
    client.get(url, **kwargs)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, response.content[:2000]
    return len(ctx.captured_queries), response


def _child(household):
    return household.memberships.filter(role="child").order_by("id").first().person


# --- the catalogue -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_catalogue_lists_every_service_in_a_fixed_number_of_queries(personas, client_for):
    client = client_for(personas.analyst)  # every member of staff may read it
    count, response = _queries(client, "/services/")
    text = response.content.decode()
    for name in ("Family Mentor Service", "Small Steps at Home", "Cook and Play", "Hometalk"):
        assert name in text
    assert (
        "Families living in Aspley, Bulwell, Hyson Green &amp; Arboretum or St. Ann&#x27;s" in text
    )
    assert "Add a service" not in text  # analysts do not keep the catalogue
    Service.objects.create(
        code="extra",
        name="Extra group",
        kind="group",
        description="x",
        provider=personas.lead,
    )
    again, _ = _queries(client, "/services/")
    assert again == count


@pytest.mark.django_db
def test_the_service_page_shows_the_rule_in_force_and_offers_changes_to_managers(
    personas, client_for
):
    text = client_for(personas.practitioner).get("/services/small-steps-at-home/").content.decode()
    assert "Nottingham CityCare Partnership" in text and "The Toy Library" in text
    assert "Rule v1" in text and "first birthday" in text
    assert "Change the rule" not in text
    text = client_for(personas.team_manager).get("/services/small-steps-at-home/").content.decode()
    assert "Change the rule" in text and "Change the service" in text


@pytest.mark.django_db
def test_a_manager_changes_a_rule_in_the_ui(personas, client_for):
    client = client_for(personas.team_manager)
    url = "/services/cook-and-play/eligibility/"
    form = client.get(url).content.decode()
    assert 'value="E05012275"' in form and "checked" in form
    bad = client.post(
        url,
        {
            "ward_mode": "in",
            "child": "on",
            "born": "on",
            "min_months": "24",
            "max_months": "12",
            "note": "New age range",
            "based_on": "1",
        },
    )
    text = bad.content.decode()
    assert bad.status_code == 200 and "There is a problem" in text
    assert "Choose at least one ward" in text
    assert "no child could ever qualify" in text
    assert EligibilityRule.objects.filter(service__code="cook-and-play").count() == 1
    good = client.post(
        url,
        {
            "ward_mode": "in",
            "wards": [BULWELL, "E05012270"],
            "child": "on",
            "born": "on",
            "max_months": "48",
            "note": "Only Bulwell and Aspley this term; under-fours",
            "based_on": "1",
        },
    )
    assert good.status_code == 302
    rule = EligibilityRule.objects.filter(service__code="cook-and-play").order_by("-number").first()
    assert rule.number == 2 and rule.created_by == personas.team_manager
    assert rule.conditions["wards"]["codes"] == sorted([BULWELL, "E05012270"])
    history = client.get("/services/cook-and-play/eligibility/history/").content.decode()
    assert "Only Bulwell and Aspley this term" in history and "In force" in history


@pytest.mark.django_db
def test_the_rule_editor_chooses_which_child(personas, client_for):
    """Issue 7 (R-ENGAGE-2): the editor offers "the youngest child" or "any child", keeps the
    choice when the form comes back with an error, saves it as a new version, and shows it when
    the rule is edited again. Only managers may; a practitioner and a partner are refused."""
    url = "/services/small-steps-at-home/eligibility/"
    posted = {
        "ward_mode": "not_in",
        "wards": ["E05012270", BULWELL, "E05012281", "E05012287"],
        "local_authorities": ["E06000018"],
        "child": "on",
        "antenatal": "on",
        "born": "on",
        "max_months": "12",
        "which_child": "any",
        "note": "Any child under one, from the new contract",
        "based_on": "1",
    }
    for denied in (personas.practitioner, personas.partner_staff):
        client = client_for(denied)
        assert client.get(url).status_code == 403
        assert client.post(url, posted).status_code == 403
    assert EligibilityRule.objects.filter(service__code="small-steps-at-home").count() == 1

    client = client_for(personas.team_manager)
    form = client.get(url).content.decode()
    assert "Which child must meet these" in form
    assert re.search(r'value="youngest"\s+checked', form)  # the seeded rule: the youngest child
    assert not re.search(r'value="any"\s+checked', form)

    bad = client.post(url, {**posted, "min_months": "12"})
    text = bad.content.decode()
    assert bad.status_code == 200 and "no child could ever qualify" in text
    assert re.search(r'value="any"\s+checked', text)  # what was chosen is kept
    odd = client.post(url, {**posted, "which_child": "eldest"}).content.decode()
    assert "Choose the youngest child or any child" in odd
    assert EligibilityRule.objects.filter(service__code="small-steps-at-home").count() == 1

    assert client.post(url, posted).status_code == 302
    rule = (
        EligibilityRule.objects.filter(service__code="small-steps-at-home")
        .order_by("-number")
        .first()
    )
    assert rule.number == 2 and rule.conditions["child"]["which"] == "any"
    assert "with a child from pregnancy (unborn) to under 12 months" in rule.summary
    again = client.get(url).content.decode()
    assert re.search(r'value="any"\s+checked', again)
    detail = client.get("/services/small-steps-at-home/").content.decode()
    assert "with a child from pregnancy (unborn) to under 12 months" in detail
    # Back to the youngest child: stored as before the choice existed (no "which").
    back = {**posted, "which_child": "youngest", "based_on": "2", "note": "Youngest again"}
    assert client.post(url, back).status_code == 302
    v3 = EligibilityRule.objects.get(service__code="small-steps-at-home", number=3)
    assert "which" not in v3.conditions["child"] and "a youngest child" in v3.summary


@pytest.mark.django_db
def test_adding_a_service(personas, client_for):
    client = client_for(personas.admin)
    response = client.post(
        "/services/new/",
        {
            "name": "Stay and Play",
            "kind": "group",
            "description": "Play sessions for under-fives.",
            "provider": personas.lead.pk,
            "delivered_by": [personas.partner.pk],
            "active": "on",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/services/stay-and-play/"
    service = Service.objects.get(code="stay-and-play")
    assert list(service.delivered_by.all()) == [personas.partner]


# --- a family's services -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_family_page_loads_its_services_panel(personas, client_for):
    client = client_for(personas.practitioner)
    page = client.get(f"/families/{personas.household.uuid}/").content.decode()
    assert f'hx-get="/families/{personas.household.uuid}/services/"' in page
    panel = client.get(f"/families/{personas.household.uuid}/services/", HTTP_HX_REQUEST="true")
    text = panel.content.decode()
    assert "<html" not in text  # a fragment for htmx
    assert (
        "eligible: lives in Bulwell (E05012275); served by Test Toy Library"
        not in text  # the test partner is not one of the seeded rule's partners
    )
    assert "Family Mentor Service" in text
    assert "not eligible: lives in Bulwell (E05012275), one of the wards" in text
    full = client.get(f"/families/{personas.household.uuid}/services/").content.decode()
    assert "<html" in full and "Services and eligibility" in full
    assert AccessLogEntry.objects.filter(
        action=AccessLogEntry.Action.VIEW_HOUSEHOLD, reason="services and eligibility"
    ).exists()


@pytest.mark.django_db
def test_enrolling_from_the_family_page(personas, client_for):
    ward = Ward.objects.get(code=BULWELL)
    h = family(
        organisation=personas.lead,
        ward=ward,
        children=[add_months(timezone.localdate(), -7) - timedelta(days=1)],
    )
    child = _child(h)
    client = client_for(personas.practitioner)
    url = f"/families/{h.uuid}/enrol/?service=family-mentor-service"
    text = client.get(url).content.decode()
    assert "Family Mentor Service: eligible" in text
    assert "lives in Bulwell (E05012275)" in text and "child aged 7 months" in text
    assert "Reason to enrol although" not in text  # only managers override
    response = client.post(
        url, {"person": str(child.uuid), "service": "family-mentor-service", "started_on": ""}
    )
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(person=child)
    assert enrolment.rule.number == 1 and enrolment.eligible
    panel = client.get(f"/families/{h.uuid}/services/").content.decode()
    assert "Receiving now" in panel and "child aged 7 months (rule v1)" in panel


@pytest.mark.django_db
def test_enrolling_a_family_not_eligible_shows_why(personas, client_for):
    h = family(organisation=personas.lead, ward=Ward.objects.get(code=RADFORD), children=[None])
    client = client_for(personas.practitioner)
    response = client.post(
        f"/families/{h.uuid}/enrol/",
        {"person": str(_child(h).uuid), "service": "family-mentor-service"},
    )
    text = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in text
    assert "cannot be enrolled in Family Mentor Service: not eligible" in text
    assert "Radford" in text
    assert not Enrolment.objects.exists()
    manager = client_for(personas.team_manager)
    assert "Reason to enrol although" in manager.get(f"/families/{h.uuid}/enrol/").content.decode()


# --- sessions ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_planning_a_weekly_series_from_the_page(personas, client_for):
    client = client_for(personas.group_worker)
    day = timezone.localdate() + timedelta(days=2)
    response = client.post(
        "/sessions/new/",
        {
            "service": Service.objects.get(code="cook-and-play").pk,
            "date": day.strftime("%d/%m/%Y"),
            "start_time": "10:00",
            "end_time": "11:30",
            "organisation": personas.lead.pk,
            "workers": [str(personas.group_worker.pk)],
            "weeks": "4",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    listing = client.get("/sessions/").content.decode()
    assert listing.count("Cook and Play</a>") == 4


@pytest.mark.django_db
def test_the_session_list_has_a_fixed_number_of_queries(personas, client_for):
    client = client_for(personas.group_worker)
    a_session(
        organisation=personas.lead,
        day=timezone.localdate() - timedelta(days=30),
        start=time(10),
        workers=[personas.group_worker],
    )
    few, _ = _queries(client, "/sessions/?when=past")
    for days in range(1, 12):
        s = a_session(
            organisation=personas.lead,
            day=timezone.localdate() - timedelta(days=days),
            start=time(10),
            workers=[personas.group_worker, personas.practitioner],
        )
        attend(s, _child(personas.household))
    many, response = _queries(client, "/sessions/?when=past")
    assert many == few
    assert response.content.decode().count("Cook and Play</a>") == 12


# --- the register ------------------------------------------------------------------------------------


def _crowd(personas, session, n, ward):
    """n families in scope, a child and a parent of each registered at the session."""
    people = []
    for _ in range(n):
        h = family(
            organisation=personas.lead,
            ward=ward,
            children=[timezone.localdate() - timedelta(days=400)],
        )
        for m in h.memberships.all():
            attend(session, m.person, as_child=m.role == c.MemberRole.CHILD)
            people.append(m.person)
    return people


@pytest.mark.django_db
def test_the_register_and_its_search_keep_a_constant_query_count(personas, client_for):
    ward = Ward.objects.get(code=BULWELL)
    earlier = a_session(
        organisation=personas.lead,
        day=timezone.localdate() - timedelta(days=7),
        start=time(10),
    )
    session = a_session(organisation=personas.lead, workers=[personas.group_worker])
    earlier.series = session.series  # no series: earlier sessions of the same service and venue
    client = client_for(personas.group_worker)
    _crowd(personas, session, 2, ward)
    _crowd(personas, earlier, 1, ward)
    smith = family(organisation=personas.lead, ward=ward, family_name="Smith")
    attend(session, smith.memberships.first().person, as_child=False)
    url = f"/sessions/{session.uuid}/"
    few, _ = _queries(client, url)
    search_few, _ = _queries(client, f"/sessions/{session.uuid}/search/?q=Smith")
    _crowd(personas, session, 25, ward)
    _crowd(personas, earlier, 10, ward)
    for _ in range(12):
        PersonFactory(family_name="Smith")
        h = family(organisation=personas.lead, ward=ward, family_name="Smith")
        attend(session, h.memberships.first().person, as_child=False)
    many, response = _queries(client, url)
    assert many == few, (few, many)
    assert response.content.decode().count('name="present"') == 2 * 27 + 13 + 2 * 11
    search_many, found = _queries(client, f"/sessions/{session.uuid}/search/?q=Smith")
    assert search_many == search_few
    assert found.content.decode().count("app-register__tick-form") >= 13


@pytest.mark.django_db
def test_the_register_shows_the_minimum_details(personas, client_for):
    """R-ACCESS-1: names, ages and photo consent; never addresses or special-category data."""
    from familyhub.privacy.models import Consent, ConsentState, Purpose

    session = a_session(organisation=personas.lead, workers=[personas.group_worker])
    child = _child(personas.household)
    attend(session, child)
    mum = personas.household.memberships.filter(role="parent_carer").first().person
    attend(session, mum, as_child=False)
    Consent.objects.create(
        person=child,
        purpose=Purpose.objects.get(code="photos-video"),
        state=ConsentState.GIVEN,
        decided_on=timezone.localdate(),
        method="paper",
    )
    text = client_for(personas.group_worker).get(f"/sessions/{session.uuid}/").content.decode()
    assert child.display_name in text and mum.display_name in text
    rows = text.split('class="govuk-checkboxes__item app-register__row"')
    child_row = next(r for r in rows if child.display_name in r)
    mum_row = next(r for r in rows if mum.display_name in r)
    assert "No photos" not in child_row and "No photos" in mum_row
    assert "NG6 8AB" not in text and (mum.nhs_number or "no-nhs") not in text
    assert AccessLogEntry.objects.filter(detail="session register", subject_count=2).exists()


@pytest.mark.django_db
def test_a_group_worker_sees_people_at_their_sessions_on_the_register_only(personas, client_for):
    """A family of another organisation attends the group worker's session: on the register with
    the minimum details, but their family and person pages stay out of reach (404)."""
    partner_child = _child(personas.partner_household)
    session = a_session(organisation=personas.partner, workers=[personas.group_worker])
    attend(session, partner_child)
    client = client_for(personas.group_worker)
    text = client.get(f"/sessions/{session.uuid}/").content.decode()
    assert partner_child.display_name in text
    found = client.get(
        f"/sessions/{session.uuid}/search/?q={partner_child.family_name}"
    ).content.decode()
    assert partner_child.display_name in found
    assert client.get(f"/people/{partner_child.uuid}/").status_code == 404
    assert client.get(f"/families/{personas.partner_household.uuid}/").status_code == 404
    # A practitioner of the lead organisation, not on that session, gets nothing.
    practitioner = client_for(personas.practitioner)
    assert practitioner.get(f"/sessions/{session.uuid}/").status_code == 404


@pytest.mark.django_db
def test_the_register_saves_without_javascript(personas, client_for):
    session = a_session(organisation=personas.lead, workers=[personas.group_worker])
    child = _child(personas.household)
    mum = personas.household.memberships.filter(role="parent_carer").first().person
    attend(session, mum, as_child=False)
    client = client_for(personas.group_worker)
    url = f"/sessions/{session.uuid}/"
    response = client.post(url, {"tick": str(child.uuid)})
    assert response.status_code == 302
    assert Attendance.objects.get(person=child).present
    response = client.post(
        url, {"listed": [str(child.uuid), str(mum.uuid)], "present": [str(child.uuid)]}
    )
    assert response.status_code == 302
    assert not Attendance.objects.get(person=mum).present
    assert Attendance.objects.get(person=child).present
    text = client.get(url).content.decode()
    counts = re.sub(r"<[^>]+>", "", text.split('id="register-counts"')[1].split("</p>")[0])
    assert "Register saved." in text and "1 child and 0 adults here" in counts


@pytest.mark.django_db
def test_the_queue_endpoint_saves_once_and_answers_each_entry(personas, client_for):
    session = a_session(organisation=personas.lead, workers=[personas.group_worker])
    child = _child(personas.household)
    client = client_for(personas.group_worker)
    url = f"/sessions/{session.uuid}/entries/"
    tick = {"id": str(uuid.uuid4()), "kind": "tick", "person": str(child.uuid), "present": True}
    walk_in = {
        "id": str(uuid.uuid4()),
        "kind": "walk_in",
        "given_name": "Nia",
        "family_name": "Threshold",
        "adult": False,
        "date_of_birth": "12/05/2025",
        "unborn": False,
        "postcode": "NG7 5HY",
        "at": timezone.now().isoformat(),
    }
    body = json.dumps({"entries": [tick, walk_in, {"id": str(uuid.uuid4()), "kind": "hop"}]})
    for _ in range(2):  # the same batch twice: the answer to the first was lost
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 200
        results = {r["id"]: r for r in response.json()["results"]}
        assert results[tick["id"]]["status"] == "saved"
        assert results[walk_in["id"]]["status"] == "saved"
        assert (
            "unknown kind"
            in next(r for r in results.values() if r["status"] == "refused")["message"]
        )
    assert Attendance.objects.filter(session=session, present=True).count() == 2
    assert WalkIn.objects.count() == 1
    state = client.get(url).json()
    assert set(state["present"]) == {str(child.uuid), results[walk_in["id"]]["person"]}
    assert client.post(url, "not json", content_type="application/json").status_code == 400
    assert (
        client.post(url, json.dumps({"entries": []}), content_type="application/json").status_code
        == 400
    )


@pytest.mark.django_db
def test_the_register_of_a_future_session_refuses_ticks(personas, client_for):
    session = a_session(
        organisation=personas.lead,
        day=timezone.localdate() + timedelta(days=2),
        start=time(10),
        workers=[personas.group_worker],
    )
    client = client_for(personas.group_worker)
    text = client.get(f"/sessions/{session.uuid}/").content.decode()
    assert "has not happened yet" in text and 'data-open="0"' in text
    response = client.post(
        f"/sessions/{session.uuid}/entries/",
        json.dumps(
            {
                "entries": [
                    {
                        "id": str(uuid.uuid4()),
                        "kind": "tick",
                        "person": str(_child(personas.household).uuid),
                        "present": True,
                    }
                ]
            }
        ),
        content_type="application/json",
    )
    [result] = response.json()["results"]
    assert result["status"] == "refused" and "has not happened yet" in result["message"]
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_a_walk_in_without_javascript_and_the_list_to_complete(personas, client_for):
    session = a_session(organisation=personas.lead, workers=[personas.group_worker])
    client = client_for(personas.group_worker)
    bad = client.post(f"/sessions/{session.uuid}/walk-in/", {"walkin-family_name": "Stoop"})
    assert bad.status_code == 200 and "There is a problem" in bad.content.decode()
    good = client.post(
        f"/sessions/{session.uuid}/walk-in/",
        {
            "walkin-given_name": "Ola",
            "walkin-family_name": "Stoop",
            "walkin-adult": "0",
            "walkin-date_of_birth": "03/04/2025",
            "walkin-postcode": "ng6 8ab",
        },
    )
    assert good.status_code == 302
    walk_in = WalkIn.objects.get()
    listing = client.get("/walk-ins/").content.decode()
    assert "Ola Stoop" in listing and "the address, the ward" in listing
    page = client.get(f"/walk-ins/{walk_in.uuid}/")
    assert page.status_code == 200
    done = client.post(
        f"/walk-ins/{walk_in.uuid}/",
        {
            "line1": "9 Station Road",
            "town": "Nottingham",
            "postcode": "NG6 8AB",
            "ward": Ward.objects.get(code=BULWELL).pk,
            "date_of_birth": "03/04/2025",
            "version": walk_in.person.version,
        },
    )
    assert done.status_code == 302, done.content.decode()[:3000]
    listing = client.get("/walk-ins/").content.decode()
    assert "off the list" in listing and f"/walk-ins/{walk_in.uuid}/" not in listing


@pytest.mark.django_db
def test_the_list_to_complete_has_a_fixed_number_of_queries(personas, client_for):
    session = a_session(organisation=personas.lead)
    walk_in_for(session, family(organisation=personas.lead, ward=None))
    client = client_for(personas.practitioner)
    few, _ = _queries(client, "/walk-ins/")
    for _ in range(8):
        walk_in_for(session, family(organisation=personas.lead, ward=None))
    walk_in_for(session, family(organisation=personas.partner, ward=None))  # not theirs
    many, response = _queries(client, "/walk-ins/")
    assert many == few
    assert response.content.decode().count("/walk-ins/") >= 9


@pytest.mark.django_db
def test_membership_roles_decide_child_or_adult_on_the_register(personas):
    from familyhub.engagement import selectors

    session = a_session(organisation=personas.lead)
    teen = PersonFactory(date_of_birth=timezone.localdate() - timedelta(days=16 * 365))
    Membership.objects.create(
        household=personas.household, person=teen, role=c.MemberRole.OTHER_MEMBER
    )
    attend(session, teen, as_child=True)
    register = selectors.register_for(personas.group_worker, session)
    assert [r.name for r in register.children] == [teen.display_name]
