"""A restricted record is kept but not used (R-RIGHTS-5, UK GDPR Article 18; R-CONSENT-3).

While a restriction stands, nothing new may be recorded about the person: a visit or other contact
with them, a referral of them (or of their whole family) to another organisation, a need or goal,
an enrolment, an attendance. Each is refused with the policy's reason at the field that named them;
reading and correcting the record stay allowed (an untick too), and lifting the restriction
restores everything. The decision is `privacy.policy.restricted`'s alone.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from familyhub.casework.models import Contact, OutcomeRecord, Referral
from familyhub.casework.services import contacts, outcomes, referrals
from familyhub.casework.tests.conftest import child_of, parent_of
from familyhub.core.errors import ValidationFailed
from familyhub.engagement import services as engagement
from familyhub.engagement.models import Attendance
from familyhub.engagement.testing import a_session
from familyhub.privacy import policy
from familyhub.privacy.models import Restriction
from familyhub.privacy.services import restriction_lift, restriction_start

pytestmark = pytest.mark.django_db

REFUSED = "Processing is restricted since"


@pytest.fixture
def restricted_child(personas):
    child = child_of(personas.household)
    restriction_start(actor=personas.dpo, person=child, reason="Accuracy of the record contested")
    return child


def _lift(personas, person):
    restriction_lift(actor=personas.dpo, restriction=Restriction.objects.get(person=person))


def _visit(personas, person):
    return contacts.contact_record(
        actor=personas.practitioner,
        household=personas.household,
        kind=Contact.Kind.HOME_VISIT,
        occurred_at=timezone.now() - timedelta(hours=1),
        duration_minutes=30,
        person=person,
    )


def _refer(personas, service, person):
    return referrals.referral_make(
        actor=personas.practitioner,
        household=personas.household,
        service=service,
        to_organisation=personas.partner,
        person=person,
        reason="Help with play",
        agreed_by=parent_of(personas.household),
        agreed_on=timezone.localdate(),
        agreement_method=Referral.Agreement.IN_PERSON,
    )


def test_the_policy_names_who_is_restricted_and_since_when(personas, restricted_child):
    parent = parent_of(personas.household)
    found = policy.restricted([restricted_child, parent, None])
    assert list(found) == [restricted_child.pk]
    assert found[restricted_child.pk].startswith(f"{REFUSED} {timezone.localdate():%d/%m/%Y}")
    assert policy.restricted([]) == {}
    _lift(personas, restricted_child)
    assert policy.restricted([restricted_child]) == {}


def test_no_contact_is_recorded_with_a_restricted_person(personas, restricted_child):
    with pytest.raises(ValidationFailed) as refused:
        _visit(personas, restricted_child)
    [message] = refused.value.errors["person"]
    assert message.startswith(f"{restricted_child.display_name}: {REFUSED}")
    assert not Contact.objects.exists()
    _visit(personas, parent_of(personas.household))  # the rest of the family is still helped
    _lift(personas, restricted_child)
    _visit(personas, restricted_child)
    assert Contact.objects.count() == 2


def test_no_referral_passes_a_restricted_person_to_another_organisation(
    personas, restricted_child, mentoring
):
    with pytest.raises(ValidationFailed) as refused:
        _refer(personas, mentoring, restricted_child)
    assert REFUSED in refused.value.errors["person"][0]
    with pytest.raises(ValidationFailed) as whole_family:  # the family includes them
        _refer(personas, mentoring, None)
    assert restricted_child.display_name in whole_family.value.errors["person"][0]
    assert not Referral.objects.exists()
    _refer(personas, mentoring, parent_of(personas.household))  # one by one, the others may go


def test_no_need_or_goal_is_recorded_for_a_restricted_person(personas, restricted_child):
    from familyhub.casework.models import Outcome

    outcome = Outcome.objects.filter(active=True).first()
    with pytest.raises(ValidationFailed) as refused:
        outcomes.outcome_record_add(
            actor=personas.practitioner,
            household=personas.household,
            outcome=outcome,
            kind=OutcomeRecord.Kind.GOAL,
            description="Talking in short sentences by the summer",
            person=restricted_child,
        )
    assert REFUSED in refused.value.errors["person"][0]
    assert not OutcomeRecord.objects.exists()


def test_no_enrolment_of_a_restricted_person(personas, restricted_child, mentoring):
    with pytest.raises(ValidationFailed) as refused:
        engagement.enrolment_create(
            actor=personas.team_manager,
            household=personas.household,
            person=restricted_child,
            service=mentoring,
            override_reason="Agreed at the team meeting",
        )
    assert REFUSED in refused.value.errors["person"][0]


def test_no_attendance_is_ticked_for_a_restricted_person_but_a_mistake_can_be_unticked(
    personas, restricted_child
):
    session = a_session(organisation=personas.lead)

    def tick(present: bool, minutes: int):
        at = timezone.now() - timedelta(minutes=minutes)
        entry = engagement.Tick(uuid.uuid4(), str(restricted_child.uuid), present, at)
        [result] = engagement.register_apply(
            actor=personas.group_worker, session=session, entries=[entry]
        )
        return result

    refused = tick(True, 5)
    assert not refused.saved and REFUSED in refused.message
    assert not Attendance.objects.filter(person=restricted_child).exists()
    _lift(personas, restricted_child)
    assert tick(True, 4).saved
    restriction_start(actor=personas.dpo, person=restricted_child, reason="Contested again")
    untick = tick(False, 3)
    assert untick.saved  # correcting the register is not new processing
    assert Attendance.objects.get(person=restricted_child).present is False


def test_the_family_and_person_pages_say_the_record_is_restricted(
    personas, restricted_child, client_for
):
    from django.urls import reverse

    client = client_for(personas.practitioner)
    family = client.get(reverse("people:household_detail", args=[personas.household.uuid]))
    assert f"{restricted_child.display_name}: {REFUSED}".encode() in family.content
    page = client.get(reverse("people:person_detail", args=[restricted_child.uuid]))
    assert b'data-testid="restricted"' in page.content and REFUSED.encode() in page.content
    parent = client.get(reverse("people:person_detail", args=[parent_of(personas.household).uuid]))
    assert b'data-testid="restricted"' not in parent.content
