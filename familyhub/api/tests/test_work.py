"""Sessions and attendance, contacts and visits, referrals and outcomes through the API (R-IMPORT-2;
R-ENGAGE-3, -4, -5, -7): what each persona may read and write, through the same services and the
same scope as the staff pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from familyhub.access.models import AccessLogEntry
from familyhub.api.tests.conftest import PROBLEM, problem_fields
from familyhub.casework.models import Contact, OutcomeRecord, OutcomeReview, Referral
from familyhub.casework.tests.factories import make_referral, make_service
from familyhub.core.models import ChangeRecord
from familyhub.engagement.models import Attendance
from familyhub.engagement.testing import a_service, a_session, attend

pytestmark = pytest.mark.django_db


def parent(household):
    return household.memberships.filter(role="parent_carer").order_by("id").first().person


# --- sessions and attendance (R-ENGAGE-3) -------------------------------------------------------


@pytest.fixture
def sessions(personas):
    lead = a_session(organisation=personas.lead, workers=[personas.group_worker])
    partner = a_session(organisation=personas.partner)
    return lead, partner


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("practitioner", {"lead"}),
        ("group_worker", {"lead"}),
        ("team_manager", {"lead"}),
        ("partner_staff", {"partner"}),
        ("other_org_staff", set()),
    ],
)
def test_sessions_list_is_the_users_sessions(personas, api, sessions, persona, sees):
    by_name = {"lead": str(sessions[0].uuid), "partner": str(sessions[1].uuid)}
    response = api(getattr(personas, persona)).get("/api/v1/sessions/")
    assert response.status_code == 200
    got = {r["id"] for r in response.json()["results"]}
    assert got == {by_name[n] for n in sees}
    for name, uuid in by_name.items():
        detail = api(getattr(personas, persona)).get(f"/api/v1/sessions/{uuid}/")
        assert detail.status_code == (200 if name in sees else 404)


@pytest.mark.parametrize("persona", ["analyst", "dpo", "admin"])
def test_sessions_refused_to_roles_without_families(personas, api, sessions, persona):
    response = api(getattr(personas, persona)).get("/api/v1/sessions/")
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM


def test_sessions_anonymous_is_401(api, sessions):
    assert api(None).get("/api/v1/sessions/").status_code in (401, 403)


def test_sessions_date_filter(personas, api, sessions):
    today = timezone.localdate()
    later = a_session(organisation=personas.lead, day=today + timedelta(days=7))
    client = api(personas.practitioner)
    ids = lambda r: {x["id"] for x in r.json()["results"]}  # noqa: E731
    assert ids(client.get("/api/v1/sessions/", {"date_from": today + timedelta(days=1)})) == {
        str(later.uuid)
    }
    assert str(later.uuid) not in ids(client.get("/api/v1/sessions/", {"date_to": today}))
    bad = client.get("/api/v1/sessions/", {"date_from": "31/12/2026"})
    assert bad.status_code == 400 and problem_fields(bad) == {"date_from"}


def test_attendance_recorded_through_the_register_service(personas, api, sessions):
    session = sessions[0]
    carer = parent(personas.household)
    client = api(personas.group_worker)
    response = client.post(
        f"/api/v1/sessions/{session.uuid}/attendance/",
        {"person": str(carer.uuid), "present": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["person"] == {"id": str(carer.uuid), "display_name": carer.display_name}
    assert body["present"] is True and body["as_child"] is False
    row = Attendance.objects.get(session=session, person=carer)
    assert row.recorded_by == personas.group_worker
    assert ChangeRecord.objects.filter(person=carer, field="present", new_value="Yes").exists()
    # Changing the answer: 200, and the register's history records it.
    again = client.post(
        f"/api/v1/sessions/{session.uuid}/attendance/",
        {"person": str(carer.uuid), "present": False},
        format="json",
    )
    assert again.status_code == 200 and again.json()["present"] is False
    # An answer made earlier than the one saved does not overwrite it (the later stands).
    older = client.post(
        f"/api/v1/sessions/{session.uuid}/attendance/",
        {
            "person": str(carer.uuid),
            "present": True,
            "at": (timezone.now() - timedelta(hours=3)).isoformat(),
        },
        format="json",
    )
    assert older.status_code == 200 and older.json()["present"] is False
    listed = client.get(f"/api/v1/sessions/{session.uuid}/attendance/").json()
    assert [r["person"]["id"] for r in listed["results"]] == [str(carer.uuid)]


def test_attendance_refusals(personas, api, sessions):
    session = sessions[0]
    client = api(personas.practitioner)
    url = f"/api/v1/sessions/{session.uuid}/attendance/"
    # Someone outside the user's families and sessions: refused at the field, as if missing.
    stranger = parent(personas.other_household)
    response = client.post(url, {"person": str(stranger.uuid)}, format="json")
    assert response.status_code == 400 and problem_fields(response) == {"person"}
    # A session that has not started yet.
    future = a_session(organisation=personas.lead, day=timezone.localdate() + timedelta(days=3))
    carer = parent(personas.household)
    response = client.post(
        f"/api/v1/sessions/{future.uuid}/attendance/", {"person": str(carer.uuid)}, format="json"
    )
    assert response.status_code == 400
    assert "has not happened yet" in response.json()["detail"]
    assert not Attendance.objects.filter(session=future).exists()
    # Another organisation's session: 404, as for one that does not exist.
    response = client.post(
        f"/api/v1/sessions/{sessions[1].uuid}/attendance/",
        {"person": str(carer.uuid)},
        format="json",
    )
    assert response.status_code == 404


def test_attendance_list_is_logged(personas, api, sessions):
    session = sessions[0]
    carer = parent(personas.household)
    attend(session, carer, as_child=False)
    before = AccessLogEntry.objects.count()
    response = api(personas.practitioner).get(f"/api/v1/sessions/{session.uuid}/attendance/")
    assert response.status_code == 200 and response.json()["count"] == 1
    entry = AccessLogEntry.objects.order_by("-id").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert entry.detail == "api session attendance" and entry.subject_count == 1


# --- contacts and visits (R-ENGAGE-4) -----------------------------------------------------------


def contact_body(**overrides):
    body = {
        "kind": "home_visit",
        "occurred_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "duration_minutes": 45,
        "notes": "Talked about sleep routines.",
    }
    body.update(overrides)
    return body


def test_contact_recorded_and_listed(personas, api):
    household = personas.household
    carer = parent(household)
    client = api(personas.practitioner)
    url = f"/api/v1/households/{household.uuid}/contacts/"
    response = client.post(url, contact_body(person=str(carer.uuid)), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["household"] == str(household.uuid)
    assert body["person"]["id"] == str(carer.uuid)
    assert body["notes"] == "Talked about sleep routines."
    assert body["organisation"]["name"] == personas.lead.name
    contact = Contact.objects.get(uuid=body["id"])
    assert contact.worker == personas.practitioner
    listed = client.get(url).json()
    assert [c["id"] for c in listed["results"]] == [body["id"]]


def test_contact_in_the_future_is_refused_at_its_field(personas, api):
    url = f"/api/v1/households/{personas.household.uuid}/contacts/"
    future = (timezone.now() + timedelta(days=2)).isoformat()
    response = api(personas.practitioner).post(url, contact_body(occurred_at=future), format="json")
    assert response.status_code == 400
    assert problem_fields(response) == {"occurred_at"}
    planned = api(personas.practitioner).post(
        url, contact_body(occurred_at=future, planned=True, duration_minutes=None), format="json"
    )
    assert planned.status_code == 201 and planned.json()["status"] == "planned"


def test_contact_notes_hidden_from_roles_without_special_category(personas, api):
    household = personas.household
    api(personas.practitioner).post(
        f"/api/v1/households/{household.uuid}/contacts/", contact_body(), format="json"
    )
    listed = api(personas.group_worker).get(f"/api/v1/households/{household.uuid}/contacts/")
    assert listed.status_code == 200
    assert [c["notes"] for c in listed.json()["results"]] == [None]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("practitioner", 201),
        ("team_manager", 201),
        ("group_worker", 403),  # sees families, does no casework
        ("partner_staff", 404),  # not their family
        ("other_org_staff", 404),
        ("analyst", 403),
        ("dpo", 403),
        ("admin", 403),
    ],
)
def test_contact_create_per_persona(personas, api, persona, status):
    url = f"/api/v1/households/{personas.household.uuid}/contacts/"
    response = api(getattr(personas, persona)).post(url, contact_body(), format="json")
    assert response.status_code == status, response.content
    assert Contact.objects.count() == (1 if status == 201 else 0)


# --- referrals (R-ENGAGE-5) -----------------------------------------------------------------------


def referral_body(personas, service, **overrides):
    carer = parent(personas.household)
    body = {
        "service": service.code,
        "to_organisation": str(personas.other_org.uuid),
        "reason": "Would like a volunteer visitor",
        "agreed_by": str(carer.uuid),
        "agreed_on": timezone.localdate().isoformat(),
        "agreement_method": "in_person",
    }
    body.update(overrides)
    return body


def test_referral_made_and_seen_by_both_sides(personas, api):
    service = make_service(personas.other_org)
    url = f"/api/v1/households/{personas.household.uuid}/referrals/"
    response = api(personas.practitioner).post(url, referral_body(personas, service), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == f"/api/v1/referrals/{body['id']}/"
    assert body["status"] == "sent" and body["household"] == str(personas.household.uuid)
    # The receiving organisation sees it, with the family, while it decides (ADR 0013) ...
    received = api(personas.other_org_staff).get(f"/api/v1/referrals/{body['id']}/")
    assert received.status_code == 200
    assert received.json()["household"] == str(personas.household.uuid)
    # ... and an organisation on neither side does not.
    assert api(personas.partner_staff).get(f"/api/v1/referrals/{body['id']}/").status_code == 404
    listed = api(personas.other_org_staff).get("/api/v1/referrals/").json()
    assert [r["id"] for r in listed["results"]] == [body["id"]]


def test_declined_referral_hides_the_family_from_the_receiver(personas, api):
    referral = make_referral(
        personas.household,
        from_organisation=personas.lead,
        to_organisation=personas.other_org,
        status=Referral.Status.DECLINED,
    )
    body = api(personas.other_org_staff).get(f"/api/v1/referrals/{referral.uuid}/").json()
    assert body["status"] == "declined"
    assert body["household"] is None and body["reason"] is None and body["person"] is None


def test_referral_refusals_name_the_field(personas, api):
    service = make_service(personas.other_org)
    url = f"/api/v1/households/{personas.household.uuid}/referrals/"
    client = api(personas.practitioner)
    # Without the family's agreement.
    response = client.post(
        url, referral_body(personas, service, agreed_by=None, agreement_method=""), format="json"
    )
    assert response.status_code == 400
    assert {"agreed_by", "agreement_method"} <= problem_fields(response)
    # To an organisation that does not deliver the service.
    response = client.post(
        url,
        referral_body(personas, service, to_organisation=str(personas.partner.uuid)),
        format="json",
    )
    assert response.status_code == 400 and problem_fields(response) == {"to_organisation"}
    # Agreed by someone who is not in the family (nor visible): as if they did not exist.
    stranger = parent(personas.partner_household)
    response = client.post(
        url, referral_body(personas, service, agreed_by=str(stranger.uuid)), format="json"
    )
    assert response.status_code == 400 and problem_fields(response) == {"agreed_by"}
    assert not Referral.objects.exists()


# --- outcomes (R-ENGAGE-7) -------------------------------------------------------------------------


def test_outcome_record_and_review(personas, api):
    household = personas.household
    client = api(personas.practitioner)
    base = f"/api/v1/households/{household.uuid}"
    record = client.post(
        f"{base}/outcome-records/",
        {
            "outcome": "family-hub/secure-housing",
            "kind": "goal",
            "description": "Get the damp fixed",
            "service": a_service("family-mentor-service").code,
        },
        format="json",
    )
    assert record.status_code == 201, record.content
    assert record.json()["outcome"] == "family-hub/secure-housing"
    assert OutcomeRecord.objects.filter(uuid=record.json()["id"]).exists()
    review = client.post(
        f"{base}/outcome-reviews/",
        {
            "reviewed_on": timezone.localdate().isoformat(),
            "scores": [{"outcome": "family-hub/secure-housing", "score": 2}],
            "notes": "Landlord contacted",
        },
        format="json",
    )
    assert review.status_code == 201, review.content
    assert review.json()["scores"] == [{"outcome": "family-hub/secure-housing", "score": 2}]
    assert OutcomeReview.objects.count() == 1
    assert client.get(f"{base}/outcome-records/").json()["count"] == 1
    reviews = api(personas.group_worker).get(f"{base}/outcome-reviews/").json()
    assert reviews["results"][0]["notes"] is None  # a case note: not for this role


def test_outcome_refusals_name_the_field(personas, api):
    client = api(personas.practitioner)
    base = f"/api/v1/households/{personas.household.uuid}"
    unknown = client.post(
        f"{base}/outcome-records/",
        {"outcome": "family-hub/no-such", "kind": "goal", "description": "x"},
        format="json",
    )
    assert unknown.status_code == 400 and problem_fields(unknown) == {"outcome"}
    out_of_scale = client.post(
        f"{base}/outcome-reviews/",
        {
            "reviewed_on": timezone.localdate().isoformat(),
            "scores": [
                {"outcome": "family-hub/good-education", "score": 3},
                {"outcome": "family-hub/secure-housing", "score": 9},
            ],
        },
        format="json",
    )
    assert out_of_scale.status_code == 400
    assert problem_fields(out_of_scale) == {"scores.1.score"}
    future = client.post(
        f"{base}/outcome-reviews/",
        {
            "reviewed_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
            "scores": [{"outcome": "family-hub/secure-housing", "score": 3}],
        },
        format="json",
    )
    assert future.status_code == 400 and problem_fields(future) == {"reviewed_on"}
    assert not OutcomeReview.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("practitioner", 200),
        ("group_worker", 200),
        ("team_manager", 200),
        ("partner_staff", 404),
        ("other_org_staff", 404),
        ("analyst", 403),
        ("dpo", 403),
        ("admin", 403),
    ],
)
def test_family_lists_per_persona(personas, api, persona, status):
    client = api(getattr(personas, persona))
    for what in ("contacts", "outcome-records", "outcome-reviews"):
        response = client.get(f"/api/v1/households/{personas.household.uuid}/{what}/")
        assert response.status_code == status, (what, response.content)
        assert response["Content-Type"] == ("application/json" if status == 200 else PROBLEM)


def test_malformed_references_are_field_errors_not_500s(personas, api):
    """Found by schemathesis on PostgreSQL: text with a NUL character, and an organisation id that
    is not a UUID, are refused at their field (PostgreSQL cannot store or compare either)."""
    client = api(personas.practitioner)
    household = personas.household
    service = make_service(personas.other_org)
    response = client.post(
        f"/api/v1/households/{household.uuid}/referrals/",
        referral_body(personas, service, to_organisation="not-a-uuid"),
        format="json",
    )
    assert response.status_code == 400 and problem_fields(response) == {"to_organisation"}
    response = client.post(
        f"/api/v1/households/{household.uuid}/move/",
        {
            "address": {"line1": "1 Road", "postcode": "NG7 5HY", "ward": "E05\x00"},
            "moved_on": "2026-01-01",
        },
        format="json",
    )
    assert response.status_code == 400 and problem_fields(response) == {"address.ward"}
    response = client.get("/api/v1/people/", {"q": "Smi\x00th"})
    assert response.status_code == 400 and problem_fields(response) == {"q"}


def test_the_receiver_accepts_and_is_allocated_the_family(personas, api):
    referral = make_referral(
        personas.household, from_organisation=personas.lead, to_organisation=personas.other_org
    )
    url = f"/api/v1/referrals/{referral.uuid}/accept/"
    # The referring side cannot accept its own referral.
    refused = api(personas.practitioner).post(url, {}, format="json")
    assert refused.status_code == 400 and "Only staff of" in refused.json()["detail"]
    response = api(personas.other_org_staff).post(
        url, {"single_point_of_contact": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    referral.refresh_from_db()
    assert referral.allocation.worker == personas.other_org_staff
    again = api(personas.other_org_staff).post(url, {}, format="json")
    assert again.status_code == 400  # nothing left to decide


def test_decline_and_withdraw_need_a_reason_and_the_right_side(personas, api):
    one = make_referral(
        personas.household, from_organisation=personas.lead, to_organisation=personas.other_org
    )
    decline = f"/api/v1/referrals/{one.uuid}/decline/"
    empty = api(personas.other_org_staff).post(decline, {"reason": ""}, format="json")
    assert empty.status_code == 400 and problem_fields(empty) == {"reason"}
    wrong_side = api(personas.practitioner).post(decline, {"reason": "No"}, format="json")
    assert wrong_side.status_code == 400
    declined = api(personas.other_org_staff).post(
        decline, {"reason": "Outside our area"}, format="json"
    )
    assert declined.status_code == 200, declined.content
    assert declined.json()["status"] == "declined"
    assert declined.json()["household"] is None  # the decliner no longer sees the family
    two = make_referral(
        personas.household, from_organisation=personas.lead, to_organisation=personas.other_org
    )
    withdraw = f"/api/v1/referrals/{two.uuid}/withdraw/"
    assert (
        api(personas.other_org_staff).post(withdraw, {"reason": "x"}, format="json").status_code
        == 400
    )
    withdrawn = api(personas.practitioner).post(
        withdraw, {"reason": "The family changed its mind"}, format="json"
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert (
        api(personas.group_worker).post(withdraw, {"reason": "x"}, format="json").status_code == 403
    )
