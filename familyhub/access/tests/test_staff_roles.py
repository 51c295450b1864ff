"""Role assignments are audited (R-ACCESS-1): given and ended only through the services, by an
administrator, never their own; each change recorded (who, when, why); ended roles kept."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from familyhub.access import helpers, services
from familyhub.access.models import Membership
from familyhub.access.roles import Capability, Role
from familyhub.core.errors import PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.testing import UserFactory
from familyhub.places.models import Team

pytestmark = pytest.mark.django_db


def test_an_administrator_gives_a_role_and_it_is_recorded(personas):
    newcomer = UserFactory(username="newcomer")
    assert not helpers.can(newcomer, Capability.VIEW_PEOPLE)
    membership = services.membership_add(
        actor=personas.admin,
        user=newcomer,
        organisation=personas.lead,
        team=personas.team,
        role=Role.PRACTITIONER,
        reason="Started as a family mentor",
    )
    assert membership.started_by == personas.admin and membership.active
    change = ChangeRecord.objects.get(object_uuid=membership.uuid)
    assert change.action == ChangeRecord.Action.CREATE and change.actor == personas.admin
    assert change.reason == "Started as a family mentor"
    assert (
        "newcomer: Practitioner (family worker or mentor) at Family Mentor team" in change.new_value
    )
    newcomer.forget_access_cache()
    assert helpers.households_visible_to(newcomer).filter(pk=personas.household.pk).exists()


def test_ending_a_role_keeps_it_and_takes_effect_at_once(personas):
    worker = personas.practitioner
    membership = Membership.objects.get(user=worker)
    services.membership_end(actor=personas.admin, membership=membership, reason="Left on 30/11")
    membership.refresh_from_db()
    assert not membership.active and membership.ended_by == personas.admin
    assert membership.ended_at is not None and membership.end_reason == "Left on 30/11"
    changes = ChangeRecord.objects.filter(object_uuid=membership.uuid)
    assert {c.field for c in changes} == {"active", "ended_at", "ended_by", "end_reason"}
    assert all(c.actor == personas.admin and c.reason == "Left on 30/11" for c in changes)
    worker.forget_access_cache()
    assert not helpers.can(worker, Capability.VIEW_PEOPLE)
    assert not helpers.households_visible_to(worker).exists()
    # Never deleted; and the same role can be given again later (a new row).
    again = services.membership_add(
        actor=personas.admin, user=worker, organisation=personas.lead, role=Role.PRACTITIONER
    )
    assert Membership.objects.filter(user=worker).count() == 2 and again.pk != membership.pk


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"user": "admin"}, "user"),
        ({"role": "superuser"}, "role"),
        ({"team": "other"}, "team"),
        ({"role": Role.PRACTITIONER, "team": "lead"}, "role"),  # already held
    ],
)
def test_a_role_that_cannot_be_given_is_refused(personas, change, field):
    kwargs = {
        "actor": personas.admin,
        "user": personas.practitioner,
        "organisation": personas.lead,
        "role": Role.TEAM_MANAGER,
        "team": None,
    }
    if change.get("user") == "admin":
        kwargs["user"] = personas.admin
    if "role" in change:
        kwargs["role"] = change["role"]
    if change.get("team") == "other":
        kwargs["team"] = Team.objects.create(organisation=personas.partner, name="Play team")
    if change.get("team") == "lead":
        kwargs["team"] = personas.team
    before = Membership.objects.count()
    with pytest.raises(ValidationFailed) as e:
        services.membership_add(**kwargs)
    assert field in e.value.errors
    assert Membership.objects.count() == before
    assert not ChangeRecord.objects.exists()


@pytest.mark.parametrize("persona", ["practitioner", "team_manager", "dpo", "analyst"])
def test_only_administrators_change_roles(personas, persona):
    with pytest.raises(PermissionRefused):
        services.membership_add(
            actor=getattr(personas, persona),
            user=personas.analyst,
            organisation=personas.lead,
            role=Role.DPO,
        )
    with pytest.raises(PermissionRefused):
        services.membership_end(
            actor=getattr(personas, persona),
            membership=Membership.objects.get(user=personas.group_worker),
            reason="x",
        )


def test_ending_needs_a_reason_and_not_ones_own(personas):
    with pytest.raises(ValidationFailed):
        services.membership_end(
            actor=personas.admin,
            membership=Membership.objects.get(user=personas.practitioner),
            reason=" ",
        )
    with pytest.raises(ValidationFailed, match="own roles"):
        services.membership_end(
            actor=personas.admin,
            membership=Membership.objects.get(user=personas.admin),
            reason="Leaving",
        )
    assert Membership.objects.filter(active=False).count() == 0


def test_the_administrators_page_gives_and_ends_roles(personas, client_for):
    client = client_for(personas.admin)
    page = reverse("access:staff_roles") + "?user=analyst"
    response = client.post(
        page,
        {"organisation": personas.partner.pk, "role": Role.PARTNER_STAFF, "reason": "Secondment"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=personas.analyst, organisation=personas.partner)
    body = client.get(page).content.decode()
    assert "Partner organisation staff" in body and "Secondment" in body
    response = client.post(
        reverse("access:staff_role_end", args=[membership.uuid]), {"reason": "Secondment over"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert not membership.active and membership.ended_by == personas.admin
    body = client.get(page).content.decode()
    assert "Ended" in body and "Secondment over" in body
    # An empty end reason is refused with a message and changes nothing.
    other = Membership.objects.get(user=personas.analyst, organisation=personas.lead)
    client.post(reverse("access:staff_role_end", args=[other.uuid]), {"reason": ""})
    other.refresh_from_db()
    assert other.active


def test_the_form_shows_problems_at_the_fields(personas, client_for):
    response = client_for(personas.admin).post(
        reverse("access:staff_roles") + "?user=analyst", {"organisation": "", "role": ""}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Choose an organisation" in body and "Choose a role" in body


def test_own_roles_cannot_be_changed_on_the_page(personas, client_for):
    client = client_for(personas.admin)
    page = reverse("access:staff_roles") + "?user=admin"
    assert "You cannot change your own roles" in client.get(page).content.decode()
    response = client.post(page, {"organisation": personas.lead.pk, "role": Role.DPO})
    assert response.status_code == 200 and "You cannot change your own roles" in (
        response.content.decode()
    )
    assert not Membership.objects.filter(user=personas.admin, role=Role.DPO).exists()


def test_the_staff_list_costs_the_same_queries_for_few_and_many(personas, client_for):
    client = client_for(personas.admin)
    url = reverse("access:staff_roles")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(20):
        user = UserFactory(username=f"extra{i}")
        Membership.objects.create(user=user, organisation=personas.lead, role=Role.PRACTITIONER)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert "extra19" in response.content.decode()
    assert len(few) == len(many)


def test_an_unknown_staff_member_is_404(personas, client_for):
    response = client_for(personas.admin).get(reverse("access:staff_roles") + "?user=nobody")
    assert response.status_code == 404
