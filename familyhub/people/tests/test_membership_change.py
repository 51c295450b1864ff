"""A member's place in the family changes (R-PEOPLE-1: both parents, whether or not they live
together; new partners; R-PEOPLE-5: every change keeps its history): the role, living at the
address or not, and the day someone left the family. Through the service and the staff pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from familyhub.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.people import services
from familyhub.people.choices import MemberRole
from familyhub.people.models import Household, Membership

pytestmark = pytest.mark.django_db


def _parent(household) -> Membership:
    return household.memberships.filter(role=MemberRole.PARENT_CARER).order_by("id").first()


def _today():
    return timezone.localdate()


def _change(actor, member, **kwargs):
    """The service with this member's role kept, living apart, not left, unless given."""
    args = {"role": member.role, "lives_here": False, "left_on": None, **kwargs}
    return services.membership_change(actor=actor, membership=member, **args)


def _post(client, member, left_on, version):
    return client.post(
        reverse("people:membership_change", args=[member.uuid]),
        {
            "role": member.role,
            "left_on": left_on.strftime("%d/%m/%Y"),
            "version": version,
            "reason": "Moved out",
        },
    )


def test_a_parent_who_leaves_stays_on_the_record_with_the_date_and_the_history(personas):
    household = personas.household
    member = _parent(household)
    version = household.version
    left = _today() - timedelta(days=10)
    services.membership_change(
        actor=personas.practitioner,
        membership=member,
        role=member.role,
        lives_here=True,  # ignored: someone who left does not live there
        left_on=left,
        reason="Parents separated; dad has moved to his own flat",
        expected_version=version,
    )
    member.refresh_from_db()
    assert (member.left_on, member.lives_here) == (left, False)
    change = ChangeRecord.objects.get(household=household, field="left_on")
    assert change.reason == "Parents separated; dad has moved to his own flat"
    assert change.person_id == member.person_id
    assert Household.objects.get(pk=household.pk).version == version + 1
    # No longer a member from then: a service cannot enrol them through this family.
    from familyhub.engagement import services as engagement
    from familyhub.engagement.testing import a_service

    with pytest.raises(ValidationFailed) as refused:
        engagement.enrolment_create(
            actor=personas.team_manager,
            household=household,
            person=member.person,
            service=a_service(),
            override_reason="test",
        )
    assert "person" in refused.value.errors


def test_a_parent_living_apart_stays_a_member(personas):
    member = _parent(personas.household)
    _change(personas.practitioner, member)
    member.refresh_from_db()
    assert (member.lives_here, member.left_on) == (False, None)


@pytest.mark.parametrize(
    "left_on,field",
    [(1, "left_on"), (-400, "left_on")],
    ids=["in the future", "before they joined"],
)
def test_bad_dates_are_refused_at_the_field(personas, left_on, field):
    member = _parent(personas.household)
    member.joined_on = _today() - timedelta(days=365)
    member.save(update_fields=["joined_on"])
    with pytest.raises(ValidationFailed) as refused:
        _change(personas.practitioner, member, left_on=_today() + timedelta(days=left_on))
    assert field in refused.value.errors
    member.refresh_from_db()
    assert member.left_on is None  # nothing written


def test_a_stale_form_is_refused_and_a_role_without_edit_cannot_change(personas):
    member = _parent(personas.household)
    with pytest.raises(ConcurrentEdit):
        _change(personas.practitioner, member, expected_version=personas.household.version - 1)
    member.refresh_from_db()
    assert member.lives_here is True  # rolled back
    with pytest.raises(PermissionRefused):
        _change(personas.analyst, member)


def test_the_family_page_changes_a_members_place_and_shows_who_left(personas, client_for):
    client = client_for(personas.practitioner)
    member = _parent(personas.household)
    family = reverse("people:household_detail", args=[personas.household.uuid])
    url = reverse("people:membership_change", args=[member.uuid])
    assert url.encode() in client.get(family).content
    bad = _post(client, member, _today() + timedelta(days=3), personas.household.version)
    assert bad.status_code == 200 and "left_on" in bad.context["form"].errors
    assert b"Moved out" in bad.content  # what was typed is kept
    left = _today() - timedelta(days=2)
    response = _post(client, member, left, personas.household.version)
    assert response.status_code == 302 and response["Location"] == family
    assert f"Left on {left:%d/%m/%Y}".encode() in client.get(family).content


def test_another_organisations_member_is_not_found(personas, client_for):
    member = _parent(personas.partner_household)
    response = client_for(personas.practitioner).get(
        reverse("people:membership_change", args=[member.uuid])
    )
    assert response.status_code == 404
