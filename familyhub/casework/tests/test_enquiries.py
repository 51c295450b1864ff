"""Enquiries and complaints (R-ENGAGE-9): received date, from whom, about what, acknowledgement due
within 30 days (due and overdue shown), resolution status and outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from familyhub.casework.models import Enquiry
from familyhub.casework.services import enquiries
from familyhub.casework.tests.factories import make_enquiry
from familyhub.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord

pytestmark = pytest.mark.django_db


def _complaint(personas, received_on=None, **kwargs):
    return enquiries.enquiry_record(
        actor=kwargs.pop("actor", personas.group_worker),
        kind=Enquiry.Kind.COMPLAINT,
        received_on=received_on or timezone.localdate(),
        channel=Enquiry.Channel.EMAIL,
        from_name="Jo Bloggs",
        from_contact="jo@example.org",
        about="Stay and Play cancelled without notice",
        **kwargs,
    )


def test_acknowledgement_is_due_thirty_days_after_it_was_received(personas):
    received = timezone.localdate() - timedelta(days=10)
    complaint = _complaint(personas, received)
    assert complaint.acknowledgement_due_on == received + timedelta(days=30)
    assert complaint.status == Enquiry.Status.RECEIVED and complaint.organisation == personas.lead
    assert ChangeRecord.objects.filter(object_uuid=complaint.uuid, action="create").exists()


def test_a_future_date_and_missing_details_are_refused(personas):
    with pytest.raises(ValidationFailed) as e:
        enquiries.enquiry_record(
            actor=personas.practitioner,
            kind="praise",
            received_on=timezone.localdate() + timedelta(days=1),
            channel="pigeon",
            from_name="",
            about="",
        )
    assert {"kind", "received_on", "channel", "from_name", "about"} <= set(e.value.errors)
    with pytest.raises(PermissionRefused):
        _complaint(personas, actor=personas.analyst)


def test_resolving_needs_an_outcome_and_counts_as_acknowledgement(personas):
    complaint = _complaint(personas)
    with pytest.raises(ValidationFailed) as e:
        enquiries.enquiry_update(
            actor=personas.team_manager,
            enquiry=complaint,
            data={"status": Enquiry.Status.RESOLVED},
            expected_version=complaint.version,
        )
    assert {"outcome", "resolved_on"} <= set(e.value.errors)
    today = timezone.localdate()
    stale = Enquiry.objects.get(pk=complaint.pk)  # a colleague's copy, read before the save
    enquiries.enquiry_update(
        actor=personas.team_manager,
        enquiry=complaint,
        data={
            "status": Enquiry.Status.RESOLVED,
            "outcome": Enquiry.Result.PARTLY_UPHELD,
            "outcome_details": "Apologised; cancellations now texted",
            "resolved_on": today,
        },
        expected_version=complaint.version,
    )
    complaint.refresh_from_db()
    assert complaint.acknowledged_on == today and complaint.outcome == "partly_upheld"
    statuses = ChangeRecord.objects.filter(object_uuid=complaint.uuid, field="status")
    assert statuses.get().new_value == "Resolved"
    with pytest.raises(ConcurrentEdit):
        enquiries.enquiry_update(
            actor=personas.practitioner,
            enquiry=stale,
            data={"outcome_details": "Something else"},
            expected_version=stale.version,
        )


def test_an_enquiry_is_answered_not_upheld(personas):
    enquiry = make_enquiry(personas.lead)
    with pytest.raises(ValidationFailed) as e:
        enquiries.enquiry_update(
            actor=personas.practitioner,
            enquiry=enquiry,
            data={"status": "resolved", "outcome": "upheld", "resolved_on": timezone.localdate()},
            expected_version=enquiry.version,
        )
    assert "complaints" in e.value.errors["outcome"][0]


def test_the_list_shows_due_and_overdue_and_only_the_organisations_own(personas, client_for):
    today = timezone.localdate()
    overdue = make_enquiry(
        personas.lead, about="Overdue one", received_on=today - timedelta(days=40)
    )
    due = make_enquiry(personas.lead, about="Due soon", received_on=today - timedelta(days=26))
    make_enquiry(personas.partner, about="The partner's own")
    client = client_for(personas.group_worker)
    body = client.get(reverse("casework:enquiry_list")).content.decode()
    assert "Overdue one" in body and "Due soon" in body and "The partner's own" not in body
    assert "Overdue" in body and "Due soon" in body
    r = client.get(reverse("casework:enquiry_list"), {"show": "overdue"})
    assert [e.pk for e in r.context["rows"]] == [overdue.pk]
    assert client.get(reverse("casework:enquiry_detail", args=[due.uuid])).status_code == 200
    other = Enquiry.objects.get(about="The partner's own")
    assert client.get(reverse("casework:enquiry_detail", args=[other.uuid])).status_code == 404


def test_the_list_costs_the_same_queries_for_more_enquiries(personas, client_for):
    make_enquiry(personas.lead)
    client = client_for(personas.practitioner)
    url = reverse("casework:enquiry_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(10):
        make_enquiry(personas.lead, about=f"Enquiry {i}")
    with CaptureQueriesContext(connection) as many:
        r = client.get(url)
    assert len(r.context["rows"]) == 11 and len(many) == len(few)


def test_recording_and_acknowledging_through_the_pages(personas, client_for):
    client = client_for(personas.practitioner)
    r = client.post(
        reverse("casework:enquiry_new"),
        {
            "kind": "enquiry",
            "received_on": timezone.localdate().strftime("%d/%m/%Y"),
            "channel": "phone",
            "from_name": "Sam",
            "about": "Is there a fathers' group?",
        },
    )
    assert r.status_code == 302
    enquiry = Enquiry.objects.get()
    r = client.post(
        reverse("casework:enquiry_detail", args=[enquiry.uuid]),
        {
            "status": "acknowledged",
            "acknowledged_on": timezone.localdate().strftime("%d/%m/%Y"),
            "version": enquiry.version,
        },
    )
    assert r.status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.status == "acknowledged" and enquiry.handled_by == personas.practitioner


def test_an_enquiry_from_a_family_is_linked_and_shown_only_while_in_scope(personas, client_for):
    client = client_for(personas.practitioner)
    url = reverse("casework:enquiry_new") + f"?family={personas.household.uuid}"
    assert "From the Testington family" in client.get(url).content.decode()
    r = client.post(
        url,
        {
            "family": str(personas.household.uuid),
            "kind": "complaint",
            "received_on": timezone.localdate().strftime("%d/%m/%Y"),
            "channel": "in_person",
            "from_name": "Mrs Testington",
            "about": "Visit cancelled twice",
        },
    )
    assert r.status_code == 302
    enquiry = Enquiry.objects.get()
    assert enquiry.household == personas.household
    detail = reverse("casework:enquiry_detail", args=[enquiry.uuid])
    assert "Testington family" in client.get(detail).content.decode()
    # Another organisation's staff cannot link an enquiry to a family they do not see.
    other = client_for(personas.partner_staff)
    assert other.get(url).status_code == 404
