"""Organisations, teams, venues, wards and areas kept by administrators (R-PEOPLE-4, ADR 0026):
every write through `places.services`, validated, recorded (who, when, old and new value, why);
nothing deleted; retiring refused, with the reason, while something still depends on the record."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from familyhub.access import services as access_services
from familyhub.access.models import Membership
from familyhub.access.roles import Role
from familyhub.casework.models import Referral
from familyhub.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.testing import UserFactory
from familyhub.engagement import services as engagement_services
from familyhub.engagement.testing import a_service, a_session
from familyhub.places import selectors, services
from familyhub.places.models import Area, Organisation, PostcodeWard, Ward

pytestmark = pytest.mark.django_db

BULWELL, ASPLEY, RADFORD = "E05012275", "E05012270", "E05012286"


def ward(code: str) -> Ward:
    return Ward.objects.get(code=code)


def new_partner(admin, name: str = "Sure Start Friends", codes=(BULWELL, ASPLEY)) -> Organisation:
    return services.organisation_create(
        actor=admin,
        data={"name": name, "kind": Organisation.Kind.DELIVERY_PARTNER, "ods_code": ""},
        served_wards=[ward(c) for c in codes],
    )


# --- organisations ------------------------------------------------------------------------------


def test_adding_an_organisation_sets_its_wards_and_is_recorded(personas):
    org = services.organisation_create(
        actor=personas.admin,
        data={"name": "  Sure  Start Friends ", "kind": "delivery_partner", "ods_code": "8jx 12"},
        served_wards=[ward(BULWELL), ward(ASPLEY)],
    )
    assert org.name == "Sure Start Friends" and org.ods_code == "8JX12" and org.active
    assert set(org.served_wards.values_list("code", flat=True)) == {BULWELL, ASPLEY}
    change = ChangeRecord.objects.get(object_uuid=org.uuid)
    assert change.action == ChangeRecord.Action.CREATE and change.actor == personas.admin
    assert change.new_value == "Delivery partner; ODS code 8JX12; serves Aspley, Bulwell"


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"name": "test toy LIBRARY"}, "name", "already an organisation called Test Toy Library"),
        ({"name": ""}, "name", "Enter the organisation's name"),
        ({"kind": ""}, "kind", "Choose what kind"),
        ({"kind": "charity"}, "kind", "Choose what kind"),
        ({"ods_code": "R-X1"}, "ods_code", "3 to 10 letters and numbers"),
        ({"ods_code": "AB"}, "ods_code", "3 to 10 letters and numbers"),
        ({"ods_code": "ABCDEFGHIJK"}, "ods_code", "3 to 10 letters and numbers"),
    ],
)
def test_an_organisation_that_cannot_be_added_is_refused_at_its_field(personas, data, field, words):
    before = Organisation.objects.count()
    with pytest.raises(ValidationFailed) as e:
        services.organisation_create(
            actor=personas.admin,
            data={"name": "Sure Start Friends", "kind": "delivery_partner", **data},
        )
    assert any(words in m for m in e.value.errors[field]), e.value.errors
    assert Organisation.objects.count() == before
    assert not ChangeRecord.objects.exists()


def test_a_retired_namesake_is_named_and_an_ods_code_is_unique(personas):
    org = new_partner(personas.admin)
    services.organisation_update(
        actor=personas.admin,
        organisation=org,
        data={"name": org.name, "kind": org.kind, "ods_code": "RX1"},
        expected_version=org.version,
    )
    services.organisation_retire(actor=personas.admin, organisation=org, reason="Contract ended")
    with pytest.raises(ValidationFailed) as e:
        new_partner(personas.admin, name="SURE START FRIENDS")
    assert "retired: reinstate it" in e.value.errors["name"][0]
    with pytest.raises(ValidationFailed) as e:
        services.organisation_create(
            actor=personas.admin, data={"name": "Other", "kind": "health", "ods_code": "rx1"}
        )
    assert e.value.errors["ods_code"] == ["Sure Start Friends already has the ODS code RX1"]


@pytest.mark.parametrize(
    "persona", ["practitioner", "team_manager", "partner_staff", "dpo", "analyst"]
)
def test_only_administrators_manage_places(personas, persona):
    actor = getattr(personas, persona)
    calls = [
        lambda: new_partner(actor),
        lambda: services.organisation_retire(
            actor=actor, organisation=personas.other_org, reason="x"
        ),
        lambda: services.team_create(actor=actor, organisation=personas.lead, data={"name": "T"}),
        lambda: services.venue_create(actor=actor, data={"name": "Hall"}),
        lambda: services.ward_set_area(actor=actor, ward=personas.ward, area=None),
        lambda: services.area_create(actor=actor, data={"name": "North"}),
    ]
    for call in calls:
        with pytest.raises(PermissionRefused):
            call()
    assert not ChangeRecord.objects.exists()


def test_changing_details_and_wards_records_old_and_new_values(personas):
    org = new_partner(personas.admin)
    services.organisation_update(
        actor=personas.admin,
        organisation=org,
        data={"name": "Sure Start Friends CIO", "kind": "other", "ods_code": ""},
        served_wards=[ward(BULWELL), ward(RADFORD)],
        expected_version=1,
        reason="Renamed; took over Radford from 1/12",
    )
    org.refresh_from_db()
    assert org.version == 2 and org.name == "Sure Start Friends CIO"
    changes = {
        c.field: c for c in ChangeRecord.objects.filter(object_uuid=org.uuid, action="update")
    }
    assert set(changes) == {"name", "kind", "served_wards"}
    assert (changes["kind"].old_value, changes["kind"].new_value) == (
        "Delivery partner",
        "Other agency",
    )
    assert changes["served_wards"].old_value == "Aspley, Bulwell"
    assert changes["served_wards"].new_value == "Bulwell, Radford"
    assert changes["served_wards"].field_label == "Served wards"
    assert all(c.reason == "Renamed; took over Radford from 1/12" for c in changes.values())
    assert all(c.actor == personas.admin for c in changes.values())


def test_a_stale_edit_is_refused_and_writes_nothing(personas):
    org = new_partner(personas.admin)
    stale = Organisation.objects.get(pk=org.pk)
    services.organisation_update(
        actor=personas.admin,
        organisation=org,
        data={"name": "First edit", "kind": org.kind},
        expected_version=1,
    )
    for served in (None, [ward(RADFORD)]):  # a field changed, or only the wards
        with pytest.raises(ConcurrentEdit):
            services.organisation_update(
                actor=personas.admin,
                organisation=stale,
                data={"name": "Sure Start Friends" if served else "Second edit", "kind": org.kind},
                served_wards=served,
                expected_version=1,
            )
    org.refresh_from_db()
    assert org.name == "First edit" and org.version == 2
    assert set(org.served_wards.values_list("code", flat=True)) == {BULWELL, ASPLEY}


def test_an_organisation_in_use_cannot_be_retired_and_the_reasons_are_named(personas):
    lead = personas.lead
    with pytest.raises(ValidationFailed) as e:
        services.organisation_retire(actor=personas.admin, organisation=lead, reason="Merged")
    texts = e.value.errors["__all__"]
    assert texts == [
        "6 members of staff still hold a role there (admin, analyst, dpo, groupworker, manager "
        "and 1 more): end the roles on the Staff pages first",
        "1 family is still allocated to it (open case allocations): end or transfer the "
        "allocations first",
    ]
    assert "Test Lead Partnership cannot be retired yet" in e.value.message
    lead.refresh_from_db()
    assert lead.active and not ChangeRecord.objects.filter(object_uuid=lead.uuid).exists()


def test_retiring_needs_a_reason_and_retires_its_teams_too(personas):
    org = new_partner(personas.admin)
    team = services.team_create(actor=personas.admin, organisation=org, data={"name": "Play"})
    with pytest.raises(ValidationFailed) as e:
        services.organisation_retire(actor=personas.admin, organisation=org, reason="  ")
    assert "reason" in e.value.errors
    services.organisation_retire(
        actor=personas.admin, organisation=org, reason="Contract ended on 31/3"
    )
    org.refresh_from_db()
    team.refresh_from_db()
    assert not org.active and not team.active
    assert Organisation.objects.filter(pk=org.pk).exists()  # kept, never deleted
    retired = ChangeRecord.objects.filter(field="active", reason="Contract ended on 31/3")
    assert {c.object_uuid for c in retired} == {org.uuid, team.uuid}
    with pytest.raises(ValidationFailed):
        services.organisation_retire(actor=personas.admin, organisation=org, reason="Again")
    # A retired organisation gets no new teams and no new staff roles.
    with pytest.raises(ValidationFailed):
        services.team_create(actor=personas.admin, organisation=org, data={"name": "New"})
    with pytest.raises(ValidationFailed) as e:
        access_services.membership_add(
            actor=personas.admin,
            user=UserFactory(username="joiner"),
            organisation=org,
            role=Role.PARTNER_STAFF,
        )
    assert "organisation" in e.value.errors
    # Back into use: the organisation, not its teams (each is reinstated on its own).
    services.organisation_reinstate(actor=personas.admin, organisation=org, reason="Re-tendered")
    org.refresh_from_db()
    team.refresh_from_db()
    assert org.active and not team.active
    services.team_reinstate(actor=personas.admin, team=team, reason="Back")
    team.refresh_from_db()
    assert team.active


def test_referrals_services_and_sessions_also_stop_an_organisation_retiring(personas):
    org = new_partner(personas.admin)
    service = a_service()
    service.provider = org
    service.save(update_fields=["provider"])
    a_session(organisation=org, day=timezone.localdate() + timedelta(days=7))
    Referral.objects.create(
        household=personas.household,
        service=service,
        from_organisation=personas.lead,
        to_organisation=org,
        referred_on=timezone.localdate(),
    )
    texts = [b.text for b in selectors.organisation_blockers(org)]
    assert len(texts) == 3, texts
    assert "1 referral is waiting for its decision" in texts[0]
    assert f"It provides {service.name}" in texts[1]
    assert "1 session is still planned that it runs, the first Cook and Play on" in texts[2]


def test_a_delivery_partner_still_named_on_a_service_cannot_retire(personas):
    org = new_partner(personas.admin)
    service = a_service()
    service.delivered_by.add(org)
    texts = [b.text for b in selectors.organisation_blockers(org)]
    assert texts == [
        f"It delivers {service.name}: take it off the service's delivery partners, under "
        "Services first"
    ]
    with pytest.raises(ValidationFailed, match="It delivers"):
        services.organisation_retire(actor=personas.admin, organisation=org, reason="Ended")
    service.delivered_by.remove(org)
    services.organisation_retire(actor=personas.admin, organisation=org, reason="Ended")


# --- teams -----------------------------------------------------------------------------------------


def test_a_team_is_added_renamed_and_unique_in_its_organisation(personas):
    area = Area.objects.order_by("name").first()
    team = services.team_create(
        actor=personas.admin, organisation=personas.lead, data={"name": "Outreach", "area": area}
    )
    assert team.area == area and team.active
    with pytest.raises(ValidationFailed) as e:
        services.team_create(
            actor=personas.admin, organisation=personas.lead, data={"name": "family MENTOR team"}
        )
    assert e.value.errors["name"] == [
        "Test Lead Partnership already has a team called family MENTOR team"
    ]
    # The same name in another organisation is another team.
    services.team_create(
        actor=personas.admin, organisation=personas.partner, data={"name": "Outreach"}
    )
    services.team_update(
        actor=personas.admin,
        team=team,
        data={"name": "Outreach North", "area": None},
        expected_version=team.version,
        reason="Split",
    )
    fields = set(
        ChangeRecord.objects.filter(object_uuid=team.uuid, action="update").values_list(
            "field", flat=True
        )
    )
    assert fields == {"name", "area"}


def test_a_team_with_staff_or_families_cannot_be_retired(personas):
    with pytest.raises(ValidationFailed) as e:
        services.team_retire(actor=personas.admin, team=personas.team, reason="Merged")
    assert "in this team" in e.value.errors["__all__"][0]
    for m in Membership.objects.filter(team=personas.team):
        m.active = False
        m.save(update_fields=["active"])
    personas.household.allocations.update(team=personas.team)
    with pytest.raises(ValidationFailed) as e:
        services.team_retire(actor=personas.admin, team=personas.team, reason="Merged")
    assert e.value.errors["__all__"] == [
        "1 family is still allocated to this team (open case allocations): end or transfer the "
        "allocations first"
    ]
    personas.household.allocations.update(ended_on=timezone.localdate())
    services.team_retire(actor=personas.admin, team=personas.team, reason="Merged")
    personas.team.refresh_from_db()
    assert not personas.team.active


def test_a_retired_team_is_not_offered_or_accepted_for_a_role(personas):
    from familyhub.access.forms import RoleAddForm
    from familyhub.casework import selectors as casework_selectors

    team = services.team_create(
        actor=personas.admin, organisation=personas.lead, data={"name": "Old"}
    )
    services.team_retire(actor=personas.admin, team=team, reason="Closed")
    assert team not in RoleAddForm().fields["team"].queryset
    assert personas.team in RoleAddForm().fields["team"].queryset
    assert team not in casework_selectors.teams_of([personas.lead.pk])
    with pytest.raises(ValidationFailed) as e:
        access_services.membership_add(
            actor=personas.admin,
            user=UserFactory(username="joiner"),
            organisation=personas.lead,
            team=team,
            role=Role.PRACTITIONER,
        )
    assert "retired" in e.value.errors["team"][0]


# --- venues ----------------------------------------------------------------------------------------


def test_a_venue_takes_its_ward_from_the_postcode_and_may_not_contradict_it(personas):
    PostcodeWard.objects.create(postcode_key="NG68AB", postcode="NG6 8AB", ward=ward(BULWELL))
    venue = services.venue_create(
        actor=personas.admin,
        data={"name": "Bulwell Riverside", "address": "Main Street", "postcode": "ng6 8ab"},
    )
    assert venue.postcode == "NG6 8AB" and venue.ward == ward(BULWELL)
    assert ChangeRecord.objects.get(object_uuid=venue.uuid).new_value == (
        "Bulwell Riverside; Main Street; NG6 8AB; ward Bulwell"
    )
    with pytest.raises(ValidationFailed) as e:
        services.venue_create(
            actor=personas.admin,
            data={"name": "Elsewhere", "postcode": "NG6 8AB", "ward": ward(ASPLEY)},
        )
    assert (
        "NG6 8AB is in Bulwell (E05012275) in the postcode directory" in e.value.errors["ward"][0]
    )
    with pytest.raises(ValidationFailed) as e:
        services.venue_create(
            actor=personas.admin, data={"name": "bulwell RIVERSIDE", "postcode": "NG6"}
        )
    assert set(e.value.errors) == {"name", "postcode"}


def test_a_venue_with_planned_sessions_cannot_be_retired_and_a_retired_one_is_not_offered(personas):
    from familyhub.engagement.forms import ServiceForm, SessionForm

    venue = services.venue_create(actor=personas.admin, data={"name": "Bulwell Hall"})
    session = a_session(
        organisation=personas.lead, venue=venue, day=timezone.localdate() + timedelta(days=3)
    )
    with pytest.raises(ValidationFailed) as e:
        services.venue_retire(actor=personas.admin, venue=venue, reason="Closed")
    assert "1 session is still planned there" in e.value.errors["__all__"][0]
    session.date = timezone.localdate() - timedelta(days=3)  # now a past session
    session.save(update_fields=["date"])
    services.venue_retire(actor=personas.admin, venue=venue, reason="Closed for good")
    venue.refresh_from_db()
    assert not venue.active
    session.refresh_from_db()
    assert session.venue == venue  # the old record keeps it

    def offered(form, name):
        return set(form.fields[name].queryset)

    new_form = SessionForm(organisations=Organisation.objects.none(), staff=[])
    assert venue not in offered(new_form, "venue")
    edit_form = SessionForm(
        initial={"venue": venue}, organisations=Organisation.objects.none(), staff=[]
    )
    assert venue in offered(edit_form, "venue")  # the session's own venue stays choosable
    assert venue not in offered(ServiceForm(), "venues")
    # The services refuse a retired venue newly chosen, and keep one already named.
    with pytest.raises(ValidationFailed) as e:
        engagement_services.session_create(
            actor=personas.group_worker,
            data={
                "service": a_service(),
                "title": "Stay and play",
                "date": timezone.localdate() + timedelta(days=1),
                "start_time": session.start_time,
                "end_time": session.end_time,
                "venue": venue,
                "organisation": personas.lead,
            },
        )
    assert e.value.errors["venue"] == ["Bulwell Hall is retired: choose another venue"]
    engagement_services.session_update(
        actor=personas.group_worker,
        session=session,
        data={"title": "Renamed", "venue": venue},
        expected_version=session.version,
    )
    with pytest.raises(ValidationFailed) as e:
        engagement_services.service_create(
            actor=personas.admin,
            data={
                "name": "Messy play",
                "kind": "group",
                "description": "Play",
                "provider": personas.lead,
            },
            venues=[venue],
        )
    assert e.value.errors["venues"] == ["Bulwell Hall is retired: untick it"]


# --- wards and areas -------------------------------------------------------------------------------


def test_a_ward_is_put_into_an_area_and_it_is_recorded(personas):
    area = services.area_create(actor=personas.admin, data={"name": " North  Nottingham "})
    assert area.name == "North Nottingham"
    with pytest.raises(ValidationFailed) as e:
        services.area_create(actor=personas.admin, data={"name": "north nottingham"})
    assert e.value.errors["name"] == ["There is already an area called north nottingham"]
    w = ward(RADFORD)
    before = str(w.area)
    services.ward_set_area(actor=personas.admin, ward=w, area=area, reason="New grouping")
    w.refresh_from_db()
    assert w.area == area
    change = ChangeRecord.objects.get(object_uuid=w.uuid)
    assert (change.field, change.old_value, change.new_value) == (
        "area",
        before,
        "North Nottingham",
    )
    services.area_rename(actor=personas.admin, area=area, data={"name": "North"})
    assert ChangeRecord.objects.filter(object_uuid=area.uuid).count() == 2
