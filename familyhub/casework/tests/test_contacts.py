"""Home visits and other contacts, with follow-up actions (R-ENGAGE-4).

What a worker records, what is refused (a visit in the future), what each role sees of the notes
(special category, R-PEOPLE-3), and what the family's timeline and the access log show.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from familyhub.access.models import AccessLogEntry
from familyhub.casework.models import Contact, FollowUp
from familyhub.casework.services import contacts
from familyhub.casework.services.contacts import FUTURE_REFUSED, FollowUpSpec
from familyhub.casework.tests.conftest import child_of, parent_of
from familyhub.core.errors import ApplicationError, NotFound, PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord

pytestmark = pytest.mark.django_db

NOTES = "Mum feeling low since the birth; talked about the GP and the Healthy Little Minds group."


def _record(personas, **kwargs):
    defaults = {
        "actor": personas.practitioner,
        "household": personas.household,
        "kind": Contact.Kind.HOME_VISIT,
        "occurred_at": timezone.now() - timedelta(hours=2),
        "duration_minutes": 45,
        "notes": NOTES,
    }
    return contacts.contact_record(**{**defaults, **kwargs})


def test_a_home_visit_is_recorded_with_worker_duration_notes_and_follow_ups(personas):
    due = timezone.localdate() + timedelta(days=7)
    contact = _record(
        personas,
        person=parent_of(personas.household),
        follow_ups=[FollowUpSpec("Send the Healthy Little Minds leaflet", due)],
    )
    contact.refresh_from_db()
    assert contact.status == Contact.Status.DONE
    assert contact.worker == personas.practitioner
    assert contact.organisation == personas.lead
    assert contact.duration_minutes == 45 and contact.notes == NOTES
    (follow_up,) = contact.follow_ups.all()
    assert follow_up.due_on == due and follow_up.household == personas.household
    # The family's history has the visit and the action, without the notes or the action's text.
    rows = ChangeRecord.objects.filter(
        household=personas.household, model__in=["contact", "followup"]
    )
    assert {r.model for r in rows} == {"contact", "followup"}
    assert all(NOTES not in r.new_value and "leaflet" not in r.new_value for r in rows)
    assert AccessLogEntry.objects.filter(action="create", object_type="contact").exists()


def test_a_visit_in_the_future_is_refused_with_the_reason(personas):
    with pytest.raises(ValidationFailed) as e:
        _record(personas, occurred_at=timezone.now() + timedelta(days=1))
    assert e.value.errors["occurred_at"] == [FUTURE_REFUSED]
    assert "a visit can only be recorded once it has happened" in FUTURE_REFUSED.lower()
    assert not Contact.objects.exists()


def test_a_visit_a_minute_ahead_of_the_server_clock_is_still_now(personas):
    _record(personas, occurred_at=timezone.now() + timedelta(minutes=1))
    assert Contact.objects.count() == 1


def test_a_planned_visit_is_in_the_future_and_is_recorded_once_it_happened(personas):
    when = timezone.now() + timedelta(days=3)
    planned = _record(personas, occurred_at=when, planned=True, duration_minutes=None, notes="")
    assert planned.status == Contact.Status.PLANNED
    with pytest.raises(ValidationFailed) as e:
        _record(personas, occurred_at=timezone.now() - timedelta(days=1), planned=True)
    assert "must be in the future" in e.value.errors["occurred_at"][0]
    # Recording it as done refuses a time still in the future ...
    with pytest.raises(ValidationFailed) as e:
        contacts.contact_complete(
            actor=personas.practitioner, contact=planned, occurred_at=when, duration_minutes=30
        )
    assert e.value.errors["occurred_at"] == [FUTURE_REFUSED]
    # ... and takes the time it really happened.
    done_at = timezone.now() - timedelta(minutes=30)
    contacts.contact_complete(
        actor=personas.practitioner,
        contact=planned,
        occurred_at=done_at,
        duration_minutes=30,
        notes="Went well",
    )
    planned.refresh_from_db()
    assert planned.status == Contact.Status.DONE and planned.notes == "Went well"
    with pytest.raises(ApplicationError):
        contacts.contact_complete(
            actor=personas.practitioner, contact=planned, occurred_at=done_at, duration_minutes=30
        )


def test_a_planned_visit_can_be_cancelled_with_a_reason_and_stays_in_the_history(personas):
    planned = _record(
        personas, occurred_at=timezone.now() + timedelta(days=2), planned=True, notes=""
    )
    with pytest.raises(ValidationFailed):
        contacts.contact_cancel(actor=personas.practitioner, contact=planned, reason=" ")
    contacts.contact_cancel(actor=personas.practitioner, contact=planned, reason="Family away")
    planned.refresh_from_db()
    assert planned.status == Contact.Status.CANCELLED and planned.cancelled_reason == "Family away"
    change = ChangeRecord.objects.get(object_uuid=planned.uuid, field="status")
    assert (change.old_value, change.new_value) == ("Planned", "Cancelled")


def test_every_problem_is_reported_at_once_at_its_field(personas):
    with pytest.raises(ValidationFailed) as e:
        contacts.contact_record(
            actor=personas.practitioner,
            household=personas.household,
            kind="smoke signal",
            occurred_at=None,
            duration_minutes=0,
            person=parent_of(personas.other_household),
            follow_ups=[FollowUpSpec("", None)],
        )
    assert {"kind", "occurred_at", "duration_minutes", "person"} <= set(e.value.errors)
    assert {"follow_up_0_description", "follow_up_0_due_on"} <= set(e.value.errors)


def test_follow_up_done_once(personas):
    contact = _record(personas, follow_ups=[FollowUpSpec("Ring the nursery", timezone.localdate())])
    follow_up = contact.follow_ups.get()
    contacts.follow_up_done(actor=personas.team_manager, follow_up=follow_up)
    follow_up.refresh_from_db()
    assert follow_up.done_at is not None and follow_up.done_by == personas.team_manager
    with pytest.raises(ApplicationError):
        contacts.follow_up_done(actor=personas.practitioner, follow_up=follow_up)


def test_only_casework_roles_record_and_only_for_families_in_scope(personas):
    with pytest.raises(PermissionRefused):
        _record(personas, actor=personas.group_worker)
    with pytest.raises(NotFound):
        _record(personas, actor=personas.partner_staff)  # the lead organisation's family
    with pytest.raises(PermissionRefused):
        _record(personas, actor=personas.analyst)
    assert not Contact.objects.exists()


def test_recording_a_visit_through_the_page_shows_it_on_the_family_page(personas, client_for):
    client = client_for(personas.practitioner)
    when = timezone.localtime() - timedelta(hours=1)
    url = reverse("casework:contact_new", args=[personas.household.uuid])
    assert client.get(url).status_code == 200
    r = client.post(
        url,
        {
            "planned": "0",
            "kind": "home_visit",
            "on_date": when.strftime("%d/%m/%Y"),
            "at_time": when.strftime("%H:%M"),
            "duration_minutes": "50",
            "person": str(child_of(personas.household).uuid),
            "notes": NOTES,
            "follow_up_0_description": "Book the two-year check",
            "follow_up_0_due_on": (timezone.localdate() + timedelta(days=14)).strftime("%d/%m/%Y"),
        },
    )
    assert r.status_code == 302, r.context["form"].errors
    page = client.get(reverse("people:household_detail", args=[personas.household.uuid]))
    body = page.content.decode()
    assert "Home visit" in body and "Book the two-year check" in body
    assert 'id="recent-contacts"' in body
    assert "Created: Home visit" in body  # the family's timeline


def test_the_page_refuses_a_future_visit_at_the_date_field(personas, client_for):
    client = client_for(personas.practitioner)
    tomorrow = timezone.localdate() + timedelta(days=1)
    r = client.post(
        reverse("casework:contact_new", args=[personas.household.uuid]),
        {
            "planned": "0",
            "kind": "phone",
            "on_date": tomorrow.strftime("%d/%m/%Y"),
            "at_time": "10:00",
            "duration_minutes": "10",
        },
    )
    assert r.status_code == 200
    assert FUTURE_REFUSED in r.content.decode()
    assert not Contact.objects.exists()


def test_notes_and_actions_are_hidden_from_a_role_without_special_category(personas, client_for):
    _record(personas, follow_ups=[FollowUpSpec("Referral to the GP", timezone.localdate())])
    url = reverse("casework:family_contacts", args=[personas.household.uuid])
    shown = client_for(personas.practitioner).get(url).content.decode()
    assert NOTES in shown and "Referral to the GP" in shown
    hidden = client_for(personas.group_worker).get(url).content.decode()
    assert NOTES not in hidden and "Referral to the GP" not in hidden
    assert "Hidden: your role does not include special category data" in hidden
    family = client_for(personas.group_worker).get(
        reverse("people:household_detail", args=[personas.household.uuid])
    )
    assert "Referral to the GP" not in family.content.decode()


def test_marking_an_action_done_from_the_page(personas, client_for):
    contact = _record(personas, follow_ups=[FollowUpSpec("Ring back", timezone.localdate())])
    follow_up = contact.follow_ups.get()
    client = client_for(personas.practitioner)
    r = client.post(
        reverse("casework:contact_action", args=[personas.household.uuid]),
        {"action": "follow_up_done", "follow_up": str(follow_up.uuid)},
    )
    assert r.status_code == 302
    assert FollowUp.objects.get(pk=follow_up.pk).done_at is not None
