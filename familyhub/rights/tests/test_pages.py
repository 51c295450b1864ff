"""The rights pages (R-RIGHTS-1..3): the DPO's dashboard and register, recording a request (by the
DPO, and at the door by front-line staff), the person-finder, the clock, the pack's review and
release, and the portability downloads. What each page shows, logs and costs in queries."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from familyhub.access.models import AccessLogEntry
from familyhub.rights import services
from familyhub.rights.models import (
    AccessPack,
    DisclosureRecord,
    Notification,
    RequestKind,
    RightsRequest,
    Status,
)
from familyhub.rights.testing import a_child, a_parent, make_request

pytestmark = pytest.mark.django_db


def _today():
    return timezone.localdate()


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _new_entries(before: int) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.order_by("id")[before:])


# --- the dashboard and the register --------------------------------------------------------------


def test_the_dashboard_lists_open_requests_soonest_first_with_overdue_highlighted(
    personas, client_for
):
    mother = a_parent(personas.household)
    late = make_request(personas.dpo, mother, received_on=_today() - timedelta(days=40))
    soon = make_request(personas.dpo, mother, received_on=_today() - timedelta(days=26))
    later = make_request(personas.dpo, mother, received_on=_today())
    closed = make_request(personas.dpo, mother, kind=RequestKind.RECTIFICATION)
    services.request_close(
        actor=personas.dpo, request=closed, outcome="withdrawn", outcome_note="Withdrawn"
    )
    client = client_for(personas.dpo)
    before = AccessLogEntry.objects.count()
    response = client.get(reverse("rights:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    order = [html.index(r.reference) for r in (late, soon, later)]
    assert order == sorted(order) and closed.reference not in html
    overdue_row = re.search(
        r'<tr class="govuk-table__row app-rights-table__row--overdue">(.*?)</tr>', html, re.S
    )
    assert (
        overdue_row and late.reference in overdue_row.group(1) and "Overdue" in overdue_row.group(1)
    )
    assert "overdue by" in overdue_row.group(1)
    text = _text(response)
    assert "1 overdue" in text and "Due soon" in text
    assert "Rights requests" in text  # the navigation link
    # The names shown are logged as a list.
    (entry,) = _new_entries(before)
    assert entry.action == "list" and entry.detail == "rights requests: open"


def test_the_dashboard_costs_the_same_queries_for_many_requests(
    personas, client_for, django_assert_max_num_queries
):
    mother = a_parent(personas.household)
    make_request(personas.dpo, mother)
    client = client_for(personas.dpo)
    client.get(reverse("rights:dashboard"))  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("rights:dashboard"))
    for i in range(15):
        rr = make_request(personas.dpo, a_parent(personas.partner_household), identity=bool(i % 2))
        if i % 3 == 0:
            services.pause_start(actor=personas.dpo, request=rr, reason="clarification", note="?")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("rights:dashboard"))
    assert response.content.decode().count("govuk-table__row") >= 16


def test_the_register_filters_and_paginates(personas, client_for, django_assert_max_num_queries):
    mother = a_parent(personas.household)
    for _ in range(3):
        make_request(personas.dpo, mother)
    erasure = make_request(personas.dpo, mother, kind=RequestKind.ERASURE)
    client = client_for(personas.dpo)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("rights:request_list"), {"kind": "erasure"})
    html = response.content.decode()
    assert erasure.reference in html and html.count("rights/requests/") >= 1
    assert RightsRequest.objects.exclude(pk=erasure.pk).first().reference not in html
    response = client.get(reverse("rights:request_list"), {"reference": erasure.reference[-4:]})
    assert erasure.reference in response.content.decode()


def test_the_nav_shows_rights_requests_to_the_dpo_only(personas, client_for):
    assert "Rights requests" in client_for(personas.dpo).get(reverse("home")).content.decode()
    assert (
        "Rights requests"
        not in client_for(personas.practitioner).get(reverse("home")).content.decode()
    )


# --- recording a request -------------------------------------------------------------------------


def test_the_dpo_records_a_request_then_finds_the_person(personas, client_for):
    client = client_for(personas.dpo)
    response = client.post(
        reverse("rights:request_new"),
        {
            "kind": "access",
            "received_on": _today().strftime("%d/%m/%Y"),
            "received_via": "email",
            "requester_kind": "self",
            "description": "Please send me a copy of everything",
        },
    )
    rr = RightsRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("rights:request_person", args=[rr.uuid])
    mother = a_parent(personas.household)
    # Not enough to find one person: refused, nothing searched.
    before = AccessLogEntry.objects.count()
    response = client.post(
        reverse("rights:request_person", args=[rr.uuid]),
        {"action": "search", "family_name": mother.family_name},
    )
    assert "it does not browse" in response.content.decode()
    assert _new_entries(before) == []  # nobody searched, nobody shown
    # An exact search: found, and logged with the request's reference.
    before = AccessLogEntry.objects.count()
    response = client.post(
        reverse("rights:request_person", args=[rr.uuid]),
        {
            "action": "search",
            "family_name": mother.family_name.upper(),
            "date_of_birth": mother.date_of_birth.strftime("%d/%m/%Y"),
        },
    )
    assert mother.display_name in response.content.decode()
    search = [e for e in _new_entries(before) if e.action == "search"]
    assert search and search[0].reason == rr.reference
    assert search[0].detail == "rights request: find the person by last name and date of birth"
    response = client.post(
        reverse("rights:request_person", args=[rr.uuid]),
        {"action": "link", "person": str(mother.uuid)},
    )
    assert response.status_code == 302
    rr.refresh_from_db()
    assert rr.person == mother
    # By NHS number, too.
    response = client.post(
        reverse("rights:request_person", args=[rr.uuid]),
        {"action": "search", "nhs_number": mother.nhs_number},
    )
    assert mother.display_name in response.content.decode()


def test_the_form_shows_the_service_s_errors_at_their_fields(personas, client_for):
    client = client_for(personas.dpo)
    response = client.post(
        reverse("rights:request_new"),
        {"kind": "", "received_on": "", "requester_kind": "representative"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    for message in (
        "Choose what they asked for",
        "Enter the date the request was received",
        "Give the name of the person acting for them",
        "Write down what they asked for",
    ):
        assert message in html
    assert not RightsRequest.objects.exists()


def test_a_worker_records_a_request_at_the_door(personas, client_for):
    household = personas.household
    mother, child = a_parent(household), a_child(household)
    client = client_for(personas.practitioner)
    page = client.get(reverse("people:household_detail", args=[household.uuid]))
    assert reverse("rights:request_log", args=[household.uuid]) in page.content.decode()
    url = reverse("rights:request_log", args=[household.uuid])
    data = {
        "person": str(child.uuid),
        "kind": "access",
        "description": "Mum asked for her son's records at the group",
        "received_on": _today().strftime("%d/%m/%Y"),
        "received_via": "in_person",
        "requester_kind": "parent",
        "requester_person": str(mother.uuid),
        "requester_relationship": "mother",
        "identity_checked": "on",
        "identity_method": "known_in_person",
        "identity_evidence": "I am her family worker and know her",
    }
    # A parent's authority to act must be shown too: refused at that field, nothing saved.
    response = client.post(url, data)
    assert response.status_code == 200
    assert "may act for the person" in response.content.decode()
    assert not RightsRequest.objects.exists()
    data["authority_evidence"] = "She has parental responsibility (on the family record)"
    response = client.post(url, data)
    rr = RightsRequest.objects.get(person=child)
    assert response.status_code == 302
    assert response["Location"] == reverse("people:household_detail", args=[household.uuid])
    assert rr.requester_person == mother and rr.received_by == personas.practitioner
    assert rr.identity_checked_by == personas.practitioner
    assert Notification.objects.filter(request=rr, kind="new").exists()
    page = client.get(response["Location"])
    assert rr.reference in page.content.decode()


def test_the_door_form_is_for_the_family_s_members_only(personas, client_for):
    client = client_for(personas.practitioner)
    outsider = a_parent(personas.partner_household)
    response = client.post(
        reverse("rights:request_log", args=[personas.household.uuid]),
        {
            "person": str(outsider.uuid),
            "kind": "access",
            "description": "x",
            "received_on": _today().strftime("%d/%m/%Y"),
            "received_via": "in_person",
        },
    )
    assert response.status_code == 200
    assert "Choose whom the request is about" in response.content.decode()
    assert not RightsRequest.objects.exists()


# --- the request page and the clock --------------------------------------------------------------


def test_the_request_page_says_what_is_missing_and_logs_the_look(personas, client_for):
    mother = a_parent(personas.household)
    rr = make_request(personas.dpo, mother, identity=False)
    client = client_for(personas.dpo)
    before = AccessLogEntry.objects.count()
    response = client.get(reverse("rights:request_detail", args=[rr.uuid]))
    text = _text(response)
    assert mother.display_name in text and "Not checked" in text
    assert "cannot be completed" in text
    (entry,) = _new_entries(before)
    assert entry.action == "view_person" and entry.reason == rr.reference
    response = client.post(
        reverse("rights:request_close", args=[rr.uuid]),
        {"outcome": "completed", "outcome_note": "Sent"},
    )
    assert "identity has not been checked" in response.content.decode()
    rr.refresh_from_db()
    assert rr.status == Status.OPEN


def test_stopping_and_restarting_the_clock_and_extending_from_the_pages(personas, client_for):
    rr = make_request(
        personas.dpo, a_parent(personas.household), received_on=_today() - timedelta(days=3)
    )
    client = client_for(personas.dpo)
    response = client.post(
        reverse("rights:request_pause", args=[rr.uuid]),
        {"reason": "clarification", "note": "Which years?"},
    )
    assert response.status_code == 302
    rr.refresh_from_db()
    assert rr.status == Status.WAITING
    assert "Clock stopped" in _text(client.get(reverse("rights:request_detail", args=[rr.uuid])))
    client.post(reverse("rights:request_resume", args=[rr.uuid]), {})
    rr.refresh_from_db()
    assert rr.status == Status.OPEN
    response = client.post(
        reverse("rights:request_extend", args=[rr.uuid]),
        {"months": "2", "grounds": "complex", "reason": ""},
    )
    assert "An extension needs a reason" in response.content.decode()
    client.post(
        reverse("rights:request_extend", args=[rr.uuid]),
        {"months": "2", "grounds": "complex", "reason": "Ten years of records"},
    )
    rr.refresh_from_db()
    assert rr.extension_months == 2


def test_carrying_out_a_restriction_from_its_page(personas, client_for):
    rr = make_request(personas.dpo, a_parent(personas.household), kind=RequestKind.RESTRICTION)
    client = client_for(personas.dpo)
    page = client.get(reverse("rights:request_carry_out", args=[rr.uuid]))
    assert "Restrict the use of their data" in page.content.decode()
    client.post(
        reverse("rights:request_carry_out", args=[rr.uuid]), {"reason": "Accuracy contested"}
    )
    rr.refresh_from_db()
    assert rr.restriction is not None and rr.restriction.lifted_on is None
    page = client.get(reverse("rights:request_carry_out", args=[rr.uuid]))
    assert "Lift the restriction" in page.content.decode()


# --- packs and portability -----------------------------------------------------------------------


def test_reviewing_releasing_and_reading_a_pack(personas, client_for):
    household = personas.household
    mother, child = a_parent(household), a_child(household)
    rr = make_request(personas.dpo, mother)
    client = client_for(personas.dpo)
    response = client.post(reverse("rights:pack_generate", args=[rr.uuid]))
    pack = AccessPack.objects.get(request=rr)
    assert response["Location"] == reverse("rights:pack_review", args=[pack.uuid])
    page = client.get(response["Location"])
    items = pack.review_items
    assert all(i["where"] in page.content.decode().replace("&#x27;", "'") for i in items)
    # A decision without a reason is refused at that item; nothing is saved.
    first = items[0]["item"]
    response = client.post(
        reverse("rights:pack_review", args=[pack.uuid]), {f"decision-{first}": "redact"}
    )
    assert "Give the reason" in response.content.decode()
    assert not pack.decisions.exists()
    data = {f"decision-{i['item']}": "release" for i in items}
    data.update({f"reason-{i['item']}": "Her own household" for i in items})
    child_membership = next(
        i["item"]
        for i in items
        if i["why"] == "A record about another person" and i["about"] == [child.display_name]
    )
    data[f"decision-{child_membership}"] = "redact"
    data[f"reason-{child_membership}"] = "About her son; not needed"
    client.post(reverse("rights:pack_review", args=[pack.uuid]), data)
    assert pack.decisions.count() == len(items)
    # The draft document shows what will be sent.
    draft = client.get(reverse("rights:pack_document", args=[pack.uuid])).content.decode()
    assert "Draft: not released" in draft and "[Withheld: information about someone else]" in draft
    response = client.post(
        reverse("rights:pack_release", args=[pack.uuid]),
        {"recipient": mother.display_name, "recipient_kind": "data_subject", "channel": "email"},
    )
    assert response["Location"] == reverse("rights:request_detail", args=[rr.uuid])
    disclosure = DisclosureRecord.objects.get()
    document = client.get(reverse("rights:pack_document", args=[pack.uuid]))
    assert hashlib.sha256(document.content).hexdigest() == AccessPack.objects.get().html_sha256
    assert "Draft" not in document.content.decode()
    assert "Content-Security-Policy" in document.headers
    download = client.get(reverse("rights:pack_json", args=[pack.uuid]))
    assert hashlib.sha256(download.content).hexdigest() == disclosure.sha256
    assert json.loads(download.content)["withheld"] == 1
    assert "attachment" in download["Content-Disposition"]
    detail = _text(client.get(reverse("rights:request_detail", args=[rr.uuid])))
    assert disclosure.sha256 in detail and "Released" in detail


def test_portability_downloads_are_posted_and_recorded(personas, client_for):
    rr = make_request(personas.dpo, a_parent(personas.household), kind=RequestKind.PORTABILITY)
    client = client_for(personas.dpo)
    assert client.get(reverse("rights:portability_fhir", args=[rr.uuid])).status_code == 302
    assert not DisclosureRecord.objects.exists()  # a GET sends nothing
    response = client.post(reverse("rights:portability_fhir", args=[rr.uuid]))
    assert response["Content-Type"] == "application/fhir+json"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="{rr.reference}-portability.fhir.json"'
    )
    assert json.loads(response.content)["resourceType"] == "Bundle"
    assert response["X-Content-SHA256"] == DisclosureRecord.objects.get().sha256
    response = client.post(reverse("rights:portability_csv", args=[rr.uuid]))
    assert response.content.decode().startswith("field,value,code")
    # On an access request, refused with a message.
    access_request = make_request(personas.dpo, a_parent(personas.household))
    response = client.post(
        reverse("rights:portability_json", args=[access_request.uuid]), follow=True
    )
    assert "This is a request about access" in response.content.decode()
