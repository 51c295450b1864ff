"""The engagement services (invariant 1): catalogue and rule versions, enrolment with its decision,
sessions, the register's ticks and walk-ins (R-ENGAGE-1..3)."""

from __future__ import annotations

import uuid
from datetime import time, timedelta

import pytest
from django.utils import timezone

from familyhub.access.models import AccessLogEntry
from familyhub.core.errors import ConcurrentEdit, NotFound, PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.engagement import eligibility, services
from familyhub.engagement.models import (
    Attendance,
    EligibilityRule,
    Enrolment,
    Service,
    Session,
    WalkIn,
)
from familyhub.engagement.rules import add_months
from familyhub.engagement.testing import a_session, attend, family
from familyhub.people.models import Address, Household, Person
from familyhub.places.models import Organisation, PostcodeWard, Ward

BULWELL, RADFORD = "E05012275", "E05012286"


def _load(household):
    from familyhub.access.helpers import household_queryset_for_page

    return household_queryset_for_page(Household.objects.filter(pk=household.pk)).get()


def _child(household):
    return household.memberships.filter(role="child").order_by("id").first().person


def _months_ago(n):
    return add_months(timezone.localdate(), -n)


# --- catalogue and rules ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_manager_adds_and_changes_a_service(personas):
    service = services.service_create(
        actor=personas.team_manager,
        data={
            "name": "Baby Massage",
            "kind": "group",
            "description": "Massage for babies and their parents.",
            "provider": personas.lead,
            "capacity": 12,
        },
        delivered_by=[personas.lead],
    )
    assert service.code == "baby-massage" and service.version == 1
    services.service_update(
        actor=personas.team_manager,
        service=service,
        data={"capacity": 10, "description": "Gentle massage for babies."},
        expected_version=1,
        delivered_by=[personas.lead, personas.partner],
    )
    service.refresh_from_db()
    assert service.capacity == 10 and service.version == 2
    assert set(service.delivered_by.all()) == {personas.lead, personas.partner}
    fields = set(
        ChangeRecord.objects.filter(object_uuid=service.uuid).values_list("field", flat=True)
    )
    assert {"capacity", "description", "delivered_by"} <= fields
    with pytest.raises(ConcurrentEdit):
        services.service_update(
            actor=personas.team_manager, service=service, data={"capacity": 9}, expected_version=1
        )


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["practitioner", "group_worker", "partner_staff", "dpo", "analyst"])
def test_only_managers_and_admins_keep_the_catalogue(personas, who):
    service = Service.objects.get(code="cook-and-play")
    with pytest.raises(PermissionRefused):
        services.service_update(
            actor=getattr(personas, who), service=service, data={"capacity": 3}, expected_version=1
        )
    with pytest.raises(PermissionRefused):
        services.rule_save(
            actor=getattr(personas, who), service=service, conditions={}, note="x", based_on=1
        )


@pytest.mark.django_db
def test_a_service_needs_a_name_a_kind_a_description_and_a_provider(personas):
    with pytest.raises(ValidationFailed) as e:
        services.service_create(actor=personas.admin, data={"name": "Cook and Play"})
    assert {"name", "kind", "description", "provider"} <= set(e.value.errors)
    assert "already a service" in e.value.errors["name"][0]


@pytest.mark.django_db
def test_rule_changes_are_versions_and_keep_every_earlier_one(personas):
    service = Service.objects.get(code="cook-and-play")
    v1 = eligibility.current_rule(service)
    v2 = services.rule_save(
        actor=personas.team_manager,
        service=service,
        conditions={
            **v1.conditions,
            "child": {"antenatal": False, "born": True, "min_months": 6, "max_months": 48},
        },
        note="The group is for children who can sit and eat: from six months.",
        based_on=1,
    )
    assert v2.number == 2 and eligibility.current_rule(service) == v2
    assert "aged 6 months to under 48 months" in v2.summary
    assert EligibilityRule.objects.filter(service=service).count() == 2
    assert EligibilityRule.objects.get(pk=v1.pk).conditions == v1.conditions  # unchanged
    change = ChangeRecord.objects.get(object_uuid=v2.uuid)
    assert change.old_value == v1.summary and change.new_value == v2.summary
    assert change.reason.startswith("The group is for children")
    # Someone editing from version 1 cannot overwrite version 2 unseen.
    with pytest.raises(ConcurrentEdit, match="version 2"):
        services.rule_save(
            actor=personas.admin, service=service, conditions={}, note="Open it up", based_on=1
        )
    with pytest.raises(ValidationFailed, match="unchanged"):
        services.rule_save(
            actor=personas.admin,
            service=service,
            conditions=v2.conditions,
            note="Same again",
            based_on=2,
        )
    v3 = services.rule_save(
        actor=personas.admin, service=service, conditions={}, note="Open to all", based_on=2
    )
    assert v3.summary == "Open to every family."


@pytest.mark.django_db
def test_a_rule_that_contradicts_itself_is_refused_and_nothing_is_written(personas):
    service = Service.objects.get(code="cook-and-play")
    with pytest.raises(ValidationFailed) as e:
        services.rule_save(
            actor=personas.team_manager,
            service=service,
            conditions={"child": {"born": True, "min_months": 24, "max_months": 12}},
            note="Typo",
            based_on=1,
        )
    assert "no child could ever qualify" in e.value.errors["min_months"][0]
    with pytest.raises(ValidationFailed) as e:
        services.rule_save(
            actor=personas.team_manager,
            service=service,
            conditions={"wards": {"mode": "in", "codes": []}},
            note="Forgot the wards",
            based_on=1,
        )
    assert "wards" in e.value.errors
    with pytest.raises(ValidationFailed) as e:
        services.rule_save(
            actor=personas.team_manager, service=service, conditions={}, note="", based_on=1
        )
    assert "note" in e.value.errors
    assert EligibilityRule.objects.filter(service=service).count() == 1


# --- enrolment ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_enrolment_keeps_the_decision_and_the_rule_version(personas):
    fms = Service.objects.get(code="family-mentor-service")
    h = family(
        organisation=personas.lead,
        ward=Ward.objects.get(code=BULWELL),
        children=[_months_ago(7) - timedelta(days=2)],
    )
    enrolment = services.enrolment_create(
        actor=personas.practitioner, household=_load(h), person=_child(h), service=fms
    )
    assert enrolment.eligible and enrolment.rule.number == 1
    assert enrolment.decision == (
        "eligible: lives in Bulwell (E05012275); served by The Toy Library; child aged 7 months "
        "(rule v1)"
    )
    assert enrolment.organisation.name == "The Toy Library"
    assert enrolment.worker == personas.practitioner
    assert ChangeRecord.objects.filter(object_uuid=enrolment.uuid, person=_child(h)).exists()
    assert AccessLogEntry.objects.filter(object_type="enrolment").exists()
    with pytest.raises(ValidationFailed, match="already enrolled"):
        services.enrolment_create(
            actor=personas.practitioner, household=_load(h), person=_child(h), service=fms
        )


@pytest.mark.django_db
def test_a_family_not_eligible_is_refused_with_the_reasons_unless_a_manager_overrides(personas):
    ssah = Service.objects.get(code="small-steps-at-home")
    h = family(
        organisation=personas.lead,
        ward=Ward.objects.get(code=RADFORD),
        children=[_months_ago(18)],
    )
    with pytest.raises(ValidationFailed) as e:
        services.enrolment_create(
            actor=personas.practitioner, household=_load(h), person=_child(h), service=ssah
        )
    assert (
        "cannot be enrolled in Small Steps at Home: not eligible: youngest child aged 18 months, "
        in e.value.message
    )
    assert "at or over the limit of 12 months (first birthday) (rule v1)" in e.value.message
    with pytest.raises(PermissionRefused, match="team manager"):
        services.enrolment_create(
            actor=personas.practitioner,
            household=_load(h),
            person=_child(h),
            service=ssah,
            override_reason="Premature baby",
        )
    enrolment = services.enrolment_create(
        actor=personas.team_manager,
        household=_load(h),
        person=_child(h),
        service=ssah,
        override_reason="Born 10 weeks early: corrected age under one",
    )
    assert not enrolment.eligible and enrolment.overridden_by == personas.team_manager
    assert enrolment.override_reason.startswith("Born 10 weeks early")
    assert enrolment.decision.startswith("not eligible:")
    change = ChangeRecord.objects.get(object_uuid=enrolment.uuid)
    assert "overridden: Born 10 weeks early" in change.new_value


@pytest.mark.django_db
def test_a_service_needing_consent_asks_the_privacy_policy(personas):
    """Dolly Parton's Imagination Library needs consent for its purpose (privacy.policy)."""
    from familyhub.privacy.models import Consent, ConsentState, Purpose

    library = Service.objects.get(code="imagination-library")
    h = family(
        organisation=personas.lead, ward=Ward.objects.get(code=BULWELL), children=[_months_ago(8)]
    )
    child = _child(h)
    with pytest.raises(ValidationFailed) as e:
        services.enrolment_create(
            actor=personas.team_manager,
            household=_load(h),
            person=child,
            service=library,
            override_reason="Managers cannot override consent",
        )
    assert "needs consent" in e.value.message
    purpose = Purpose.objects.get(code=library.consent_purpose)
    Consent.objects.create(
        person=child,
        purpose=purpose,
        state=ConsentState.GIVEN,
        decided_on=timezone.localdate(),
        method="paper",
    )
    enrolment = services.enrolment_create(
        actor=personas.practitioner, household=_load(h), person=child, service=library
    )
    assert enrolment.eligible


@pytest.mark.django_db
def test_ending_an_enrolment(personas):
    cook = Service.objects.get(code="cook-and-play")
    h = family(organisation=personas.lead, ward=Ward.objects.get(code=BULWELL), children=[None])
    enrolment = services.enrolment_create(
        actor=personas.practitioner, household=_load(h), person=_child(h), service=cook
    )
    with pytest.raises(ValidationFailed, match="why"):
        services.enrolment_end(actor=personas.practitioner, enrolment=enrolment)
    services.enrolment_end(actor=personas.practitioner, enrolment=enrolment, reason="Moved away")
    enrolment.refresh_from_db()
    assert enrolment.ended_on == timezone.localdate() and enrolment.end_reason == "Moved away"
    # Once ended, they can be enrolled again.
    services.enrolment_create(
        actor=personas.practitioner, household=_load(h), person=_child(h), service=cook
    )
    assert Enrolment.objects.filter(person=_child(h), service=cook).count() == 2


@pytest.mark.django_db
def test_an_enrolment_for_someone_out_of_scope_is_not_found(personas):
    cook = Service.objects.get(code="cook-and-play")
    h = personas.partner_household
    with pytest.raises(NotFound):
        services.enrolment_create(
            actor=personas.practitioner, household=_load(h), person=_child(h), service=cook
        )


# --- sessions ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_weekly_series(personas):
    cook = Service.objects.get(code="cook-and-play")
    first = timezone.localdate() + timedelta(days=3)
    made = services.session_create(
        actor=personas.group_worker,
        data={
            "service": cook,
            "date": first,
            "start_time": time(10),
            "end_time": time(11, 30),
            "organisation": personas.lead,
            "capacity": 15,
        },
        workers=[personas.group_worker],
        weeks=6,
    )
    assert [s.date for s in made] == [first + timedelta(weeks=w) for w in range(6)]
    assert {s.series_id for s in made} == {made[0].series_id} and made[0].series.weeks == 6
    assert all(s.title == "Cook and Play" for s in made)
    assert list(made[0].workers.all()) == [personas.group_worker]


@pytest.mark.django_db
def test_bad_sessions_are_refused(personas):
    cook = Service.objects.get(code="cook-and-play")
    with pytest.raises(ValidationFailed) as e:
        services.session_create(
            actor=personas.group_worker,
            data={
                "service": cook,
                "date": timezone.localdate(),
                "start_time": time(11),
                "end_time": time(10),
                "organisation": personas.partner,
            },
        )
    assert "end after it starts" in e.value.errors["end_time"][0]
    assert "organisation you work for" in e.value.errors["organisation"][0]
    with pytest.raises(ValidationFailed, match="weeks"):
        services.session_create(actor=personas.group_worker, data={}, weeks=60)


# --- the register ----------------------------------------------------------------------------------


def _tick(person, present=True, at=None, id_=None):
    return services.Tick(
        id_ or uuid.uuid4(),
        str(person.uuid) if isinstance(person, Person) else person,
        present,
        at or timezone.now(),
    )


@pytest.mark.django_db
def test_attendance_for_a_session_that_has_not_happened_is_refused(personas):
    tomorrow = a_session(
        organisation=personas.lead, day=timezone.localdate() + timedelta(days=1), start=time(10)
    )
    child = _child(personas.household)
    [result] = services.register_apply(
        actor=personas.group_worker, session=tomorrow, entries=[_tick(child)]
    )
    assert not result.saved
    assert "has not happened yet" in result.message and "when the doors open" in result.message
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_ticks_are_idempotent_and_a_late_old_tick_changes_nothing(personas):
    session = a_session(organisation=personas.lead, workers=[personas.group_worker])
    child = _child(personas.household)
    t0 = timezone.now() - timedelta(minutes=10)
    tick = _tick(child, True, t0)
    untick = _tick(child, False, t0 + timedelta(minutes=2))
    first = services.register_apply(actor=personas.group_worker, session=session, entries=[tick])
    assert first[0].saved and first[0].person == str(child.uuid)
    again = services.register_apply(actor=personas.group_worker, session=session, entries=[tick])
    assert again[0].saved and again[0].message == "already saved"
    assert Attendance.objects.get().present
    services.register_apply(actor=personas.group_worker, session=session, entries=[untick])
    assert not Attendance.objects.get().present
    # The first tick arrives once more, late (its answer was lost): the untick stands.
    services.register_apply(actor=personas.group_worker, session=session, entries=[tick])
    assert not Attendance.objects.get().present
    # A tick made while offline that arrives after a newer one is ignored too.
    older = _tick(child, True, t0 + timedelta(minutes=1))
    services.register_apply(actor=personas.group_worker, session=session, entries=[older])
    assert not Attendance.objects.get().present
    # History on the person's record: attended, then not.
    texts = list(
        ChangeRecord.objects.filter(person=child, field="present").values_list(
            "new_value", flat=True
        )
    )
    assert sorted(texts) == ["No", "Yes"]


@pytest.mark.django_db
def test_a_tick_from_a_fast_clock_is_not_in_the_future(personas):
    session = a_session(organisation=personas.lead)
    child = _child(personas.household)
    services.register_apply(
        actor=personas.group_worker,
        session=session,
        entries=[_tick(child, True, timezone.now() + timedelta(hours=3))],
    )
    assert Attendance.objects.get().client_at <= timezone.now()


@pytest.mark.django_db
def test_people_out_of_the_register_scope_are_refused(personas):
    session = a_session(organisation=personas.lead)
    outsider = _child(personas.other_household)
    [result] = services.register_apply(
        actor=personas.group_worker, session=session, entries=[_tick(outsider)]
    )
    assert not result.saved and "not someone you can register" in result.message
    with pytest.raises(NotFound):
        services.register_apply(actor=personas.other_org_staff, session=session, entries=[])


@pytest.mark.django_db
def test_a_walk_in_is_registered_once_ticked_and_listed_to_complete(personas):
    session = a_session(organisation=personas.lead, workers=[personas.group_worker])
    mum = services.WalkInEntry(
        id=uuid.uuid4(),
        given_name="Maya",
        family_name="Doorstep",
        adult=True,
        date_of_birth=None,
        unborn=False,
        expected_date_of_delivery=None,
        postcode="ng6 8ab",
        at=timezone.now(),
    )
    baby = services.WalkInEntry(
        id=uuid.uuid4(),
        given_name="Ivy",
        family_name="Doorstep",
        adult=False,
        date_of_birth=_months_ago(5),
        unborn=False,
        expected_date_of_delivery=None,
        postcode="NG6 8AB",
        family_of=mum.id,
        at=timezone.now(),
    )
    results = services.register_apply(
        actor=personas.group_worker, session=session, entries=[mum, baby, mum]
    )
    assert [r.saved for r in results] == [True, True, True]
    assert results[2].message == "already saved"
    assert WalkIn.objects.count() == 2
    maya, ivy = (WalkIn.objects.get(client_id=e.id) for e in (mum, baby))
    assert maya.household == ivy.household  # one family
    assert Person.objects.filter(family_name="Doorstep").count() == 2
    address = Address.objects.get(household=maya.household)
    assert address.line1 == services.ADDRESS_TO_COMPLETE and address.postcode == "NG6 8AB"
    attendance = {a.person: a for a in Attendance.objects.filter(session=session)}
    assert attendance[ivy.person].present and attendance[ivy.person].as_child
    assert not attendance[maya.person].as_child
    # The walk-in's family is the group worker's organisation's: in scope from now on.
    assert maya.household.allocations.get().organisation == personas.lead
    # A later untick names the walk-in by the page's id.
    services.register_apply(
        actor=personas.group_worker,
        session=session,
        entries=[_tick(f"walkin:{baby.id}", False, timezone.now() + timedelta(seconds=1))],
    )
    assert not Attendance.objects.get(person=ivy.person).present


@pytest.mark.django_db
def test_a_walk_in_with_missing_details_is_refused_field_by_field(personas):
    session = a_session(organisation=personas.lead)
    entry = services.WalkInEntry(
        id=uuid.uuid4(),
        given_name="",
        family_name="",
        adult=False,
        date_of_birth=None,
        unborn=False,
        expected_date_of_delivery=None,
        postcode="not a postcode",
        at=timezone.now(),
    )
    [result] = services.register_apply(
        actor=personas.group_worker, session=session, entries=[entry]
    )
    assert not result.saved
    assert {"family_name", "given_name", "date_of_birth", "postcode"} <= set(result.errors)
    unborn = services.WalkInEntry(
        id=uuid.uuid4(),
        given_name="",
        family_name="Bump",
        adult=False,
        date_of_birth=None,
        unborn=True,
        expected_date_of_delivery=None,
        postcode="NG7 5HY",
        at=timezone.now(),
    )
    [result] = services.register_apply(
        actor=personas.group_worker, session=session, entries=[unborn]
    )
    assert not result.saved and "expected_date_of_delivery" in result.errors
    assert not WalkIn.objects.exists()


def _kai_walks_in(personas):
    """Kai Porch (20 months, NG6 8AB) added at the door of a lead session: (walk-in, household)."""
    session = a_session(organisation=personas.lead)
    entry = services.WalkInEntry(
        id=uuid.uuid4(),
        given_name="Kai",
        family_name="Porch",
        adult=False,
        date_of_birth=_months_ago(20),
        unborn=False,
        expected_date_of_delivery=None,
        postcode="NG6 8AB",
        at=timezone.now(),
    )
    services.register_apply(actor=personas.group_worker, session=session, entries=[entry])
    walk_in = WalkIn.objects.select_related("person").get()
    return walk_in, _load(walk_in.household)


@pytest.mark.django_db
def test_completing_a_walk_in_record(personas):
    walk_in, household = _kai_walks_in(personas)
    with pytest.raises(ValidationFailed) as e:
        services.walk_in_complete(
            actor=personas.practitioner,
            walk_in=walk_in,
            household=household,
            address={"line1": "", "postcode": "NG6 8AB"},
            person_data={},
            expected_version=walk_in.person.version,
        )
    assert {"line1", "ward"} <= set(e.value.errors)
    services.walk_in_complete(
        actor=personas.practitioner,
        walk_in=walk_in,
        household=household,
        address={
            "line1": "4 Hucknall Lane",
            "postcode": "NG6 8AB",
            "ward": Ward.objects.get(code=BULWELL),
        },
        person_data={"phone": "07700 900123"},
        expected_version=walk_in.person.version,
    )
    walk_in.refresh_from_db()
    assert walk_in.completed_at is not None and walk_in.completed_by == personas.practitioner
    address = Address.objects.get(household=household)
    assert address.line1 == "4 Hucknall Lane" and address.ward.code == BULWELL
    assert Person.objects.get(pk=walk_in.person_id).phone == "07700 900123"
    assert ChangeRecord.objects.filter(household=household, field="line1").exists()


@pytest.mark.django_db
def test_completing_a_walk_in_takes_the_ward_from_the_postcode_directory(personas):
    """R-PEOPLE-2: with NG6 8AB in the directory, the ward need not be chosen at completion."""
    bulwell = Ward.objects.get(code=BULWELL)
    PostcodeWard.objects.create(postcode_key="NG68AB", postcode="NG6 8AB", ward=bulwell)
    walk_in, household = _kai_walks_in(personas)
    services.walk_in_complete(
        actor=personas.practitioner,
        walk_in=walk_in,
        household=household,
        address={"line1": "4 Hucknall Lane", "postcode": "NG6 8AB"},
        person_data={},
        expected_version=walk_in.person.version,
    )
    assert Address.objects.get(household=household).ward == bulwell


@pytest.mark.django_db
def test_cancelling_a_session(personas):
    session = a_session(organisation=personas.lead)
    attend(session, _child(personas.household))
    with pytest.raises(ValidationFailed, match="untick"):
        services.session_cancel(actor=personas.group_worker, session=session, reason="Snow")
    Attendance.objects.update(present=False)
    services.session_cancel(actor=personas.group_worker, session=session, reason="Snow")
    session = Session.objects.get(pk=session.pk)
    assert session.cancelled_at is not None
    [result] = services.register_apply(
        actor=personas.group_worker,
        session=session,
        entries=[_tick(_child(personas.household))],
    )
    assert not result.saved and "cancelled" in result.message


@pytest.mark.django_db
def test_sessions_are_visible_to_their_organisation_and_named_workers(personas):
    from familyhub.engagement.scopes import people_at_sessions_of, sessions_visible_to

    partner_session = a_session(organisation=personas.partner, workers=[personas.group_worker])
    other = a_session(organisation=personas.partner)
    assert set(sessions_visible_to(personas.group_worker)) == {partner_session}
    assert set(sessions_visible_to(personas.partner_staff)) == {partner_session, other}
    assert not sessions_visible_to(personas.analyst).exists()
    # The group worker sees the partner's family at their session, on the register only.
    partner_child = _child(personas.partner_household)
    attend(partner_session, partner_child)
    assert partner_child in people_at_sessions_of(personas.group_worker)
    from familyhub.access.helpers import people_visible_to

    assert partner_child not in people_visible_to(personas.group_worker)
    assert partner_child not in people_at_sessions_of(personas.practitioner)
    assert Organisation.objects.filter(pk=partner_session.organisation_id).exists()


@pytest.mark.django_db
def test_a_walk_in_joins_only_a_family_the_worker_works_with(personas):
    """Two workers of different organisations on one session: the partner's worker cannot add
    someone to the family the lead's worker registered at the door (not in their scope)."""
    session = a_session(
        organisation=personas.lead, workers=[personas.group_worker, personas.partner_staff]
    )

    def entry(given, family_of=None):
        return services.WalkInEntry(
            id=uuid.uuid4(),
            given_name=given,
            family_name="Lintel",
            adult=given == "Rosa",
            date_of_birth=None if given == "Rosa" else _months_ago(14),
            unborn=False,
            expected_date_of_delivery=None,
            postcode="NG6 8AB",
            family_of=family_of,
            at=timezone.now(),
        )

    mum = entry("Rosa")
    services.register_apply(actor=personas.group_worker, session=session, entries=[mum])
    [result] = services.register_apply(
        actor=personas.partner_staff, session=session, entries=[entry("Theo", mum.id)]
    )
    assert not result.saved and "not one you work with" in result.errors["family_of"][0]
    [result] = services.register_apply(
        actor=personas.group_worker, session=session, entries=[entry("Theo", mum.id)]
    )
    assert result.saved
    assert WalkIn.objects.filter(household__name="Lintel family").count() == 2
