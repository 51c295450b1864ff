"""Referrals and signposting in and out (R-ENGAGE-5; ADR 0013: referral-based visibility).

The family's agreement is recorded; a referral to an organisation that does not deliver the
service is refused with the reason; the receiving organisation sees the family while it decides,
then accepts (opening an allocation) or declines (ending the visibility); both sides see the
status; coordinated support shows every service in one view.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.casework.models import AllocationDetail, Referral
from familyhub.casework.scopes import referred_household_ids
from familyhub.casework.services import referrals
from familyhub.casework.tests.conftest import child_of, fresh, parent_of
from familyhub.casework.tests.factories import make_service
from familyhub.core.errors import ApplicationError, NotFound, PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.people.models import CaseAllocation

pytestmark = pytest.mark.django_db


def _refer(personas, service, **kwargs):
    household = kwargs.pop("household", personas.household)
    defaults = {
        "actor": personas.practitioner,
        "household": household,
        "service": service,
        "to_organisation": personas.partner,
        "person": child_of(household),
        "reason": "Mum would like help with play and talking",
        "agreed_by": parent_of(household),
        "agreed_on": timezone.localdate(),
        "agreement_method": Referral.Agreement.IN_PERSON,
    }
    return referrals.referral_make(**{**defaults, **kwargs})


def _sees(user, household) -> bool:
    return access.households_visible_to(fresh(user)).filter(pk=household.pk).exists()


def test_a_referral_records_the_familys_agreement_and_goes_to_the_partner(personas, mentoring):
    referral = _refer(personas, mentoring)
    assert referral.status == Referral.Status.SENT
    assert (
        referral.from_organisation == personas.lead and referral.referrer == personas.practitioner
    )
    assert referral.family_agreed and referral.agreed_by == parent_of(personas.household)
    change = ChangeRecord.objects.get(object_uuid=referral.uuid)
    assert "agreed by" in change.new_value and change.household == personas.household


def test_a_referral_to_an_organisation_that_does_not_deliver_the_service_is_refused(
    personas, cook_and_play
):
    with pytest.raises(ValidationFailed) as e:
        _refer(personas, cook_and_play)
    message = e.value.errors["to_organisation"][0]
    assert message == (
        "Test Toy Library does not deliver Test cook and play, so it cannot take this referral. "
        "Refer to Test Lead Partnership, or choose another service."
    )
    assert not Referral.objects.exists()


def test_the_familys_agreement_is_required(personas, mentoring):
    with pytest.raises(ValidationFailed) as e:
        _refer(personas, mentoring, agreed_by=None, agreed_on=None, agreement_method="")
    assert {"agreed_by", "agreed_on", "agreement_method"} <= set(e.value.errors)
    assert "agreement" in e.value.errors["agreed_by"][0]
    with pytest.raises(ValidationFailed) as e:
        _refer(personas, mentoring, agreed_on=timezone.localdate() + timedelta(days=1))
    assert "agreed_on" in e.value.errors
    with pytest.raises(ValidationFailed) as e:
        _refer(personas, mentoring, agreed_by=parent_of(personas.other_household))
    assert e.value.errors["agreed_by"] == ["Choose someone in this family"]


def test_the_receiving_organisation_sees_the_family_only_while_it_decides(personas, mentoring):
    assert not _sees(personas.partner_staff, personas.household)
    referral = _refer(personas, mentoring)
    assert _sees(personas.partner_staff, personas.household)
    assert referred_household_ids(fresh(personas.partner_staff), [personas.partner.pk]) == [
        personas.household.pk
    ]
    # People too, and a third organisation still sees nothing.
    assert (
        access.people_visible_to(fresh(personas.partner_staff))
        .filter(pk=parent_of(personas.household).pk)
        .exists()
    )
    assert not _sees(personas.other_org_staff, personas.household)
    referrals.referral_decline(
        actor=fresh(personas.partner_staff), referral=referral, reason="No capacity this month"
    )
    assert not _sees(personas.partner_staff, personas.household)
    assert _sees(personas.practitioner, personas.household)


def test_accepting_opens_an_allocation_for_the_partner(personas, mentoring):
    referral = _refer(personas, mentoring)
    partner = fresh(personas.partner_staff)
    referrals.referral_accept(
        actor=partner, referral=referral, worker=partner, single_point_of_contact=True
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED and referral.decided_by == partner
    allocation = CaseAllocation.objects.get(
        household=personas.household, organisation=personas.partner, ended_on=None
    )
    assert referral.allocation == allocation and allocation.worker == partner
    detail = AllocationDetail.objects.get(allocation=allocation)
    assert detail.service == mentoring and detail.referral == referral
    assert detail.single_point_of_contact
    assert _sees(personas.partner_staff, personas.household)  # now through the allocation
    assert referred_household_ids(fresh(personas.partner_staff), [personas.partner.pk]) == []
    change = ChangeRecord.objects.get(object_uuid=referral.uuid, field="status")
    assert (change.old_value, change.new_value) == ("Waiting for a decision", "Accepted")


def test_only_the_receiver_decides_only_once_and_only_the_sender_withdraws(personas, mentoring):
    referral = _refer(personas, mentoring)
    with pytest.raises(PermissionRefused):
        referrals.referral_accept(
            actor=personas.practitioner, referral=referral, worker=personas.practitioner
        )
    with pytest.raises(PermissionRefused):
        referrals.referral_withdraw(
            actor=fresh(personas.partner_staff), referral=referral, reason="x"
        )
    with pytest.raises(ValidationFailed):
        referrals.referral_decline(
            actor=fresh(personas.partner_staff), referral=referral, reason=""
        )
    referrals.referral_withdraw(
        actor=personas.practitioner, referral=referral, reason="The family changed their mind"
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WITHDRAWN
    with pytest.raises(ApplicationError):
        referrals.referral_accept(
            actor=fresh(personas.partner_staff), referral=referral, worker=personas.partner_staff
        )


def test_two_decisions_at_once_cannot_both_win(personas, mentoring):
    referral = _refer(personas, mentoring)
    stale = Referral.objects.get(pk=referral.pk)  # read by a second worker before the first saves
    referrals.referral_decline(
        actor=fresh(personas.partner_staff), referral=referral, reason="Full"
    )
    with pytest.raises(ApplicationError):
        referrals.referral_accept(
            actor=fresh(personas.partner_staff), referral=stale, worker=personas.partner_staff
        )
    assert not CaseAllocation.objects.filter(
        household=personas.household, organisation=personas.partner
    ).exists()


def test_a_second_referral_for_the_same_service_waiting_is_refused(personas, mentoring):
    _refer(personas, mentoring)
    with pytest.raises(ValidationFailed) as e:
        _refer(personas, mentoring)
    assert "already has a referral" in e.value.errors["service"][0]


def test_signposting_needs_no_agreement_and_shares_nothing(personas, mentoring):
    referral = _refer(
        personas,
        mentoring,
        kind=Referral.Kind.SIGNPOSTING,
        agreed_by=None,
        agreed_on=None,
        agreement_method="",
        reason="",
    )
    assert referral.status == Referral.Status.SIGNPOSTED and not referral.family_agreed
    assert not _sees(personas.partner_staff, personas.household)


def test_an_incoming_referral_from_an_agency_is_recorded_by_the_receiver(personas):
    from familyhub.places.models import Organisation

    health = Organisation.objects.create(name="Test Health Visiting", kind="health")
    service = make_service(personas.partner, name="Test toy loans")
    referral = referrals.referral_make(
        actor=personas.partner_staff,
        household=personas.partner_household,
        service=service,
        incoming=True,
        from_organisation=health,
        referrer_name="Sam Patel, health visitor",
        reason="Isolated new mum",
        agreed_by=parent_of(personas.partner_household),
        agreed_on=timezone.localdate(),
        agreement_method=Referral.Agreement.PHONE,
    )
    assert (referral.from_organisation, referral.to_organisation) == (health, personas.partner)
    assert referral.referrer_name == "Sam Patel, health visitor"


def test_referral_services_refuse_families_out_of_scope(personas, mentoring):
    with pytest.raises(NotFound):
        _refer(personas, mentoring, actor=personas.other_org_staff)
    with pytest.raises(PermissionRefused):
        _refer(personas, mentoring, actor=personas.group_worker)


def test_both_sides_see_the_status_and_the_decliner_no_longer_sees_the_family(
    personas, mentoring, client_for
):
    referral = _refer(personas, mentoring)
    url = reverse("casework:referral_detail", args=[referral.uuid])
    partner = client_for(personas.partner_staff)
    body = partner.get(url).content.decode()
    assert "Testington family" in body and "Waiting for a decision" in body
    assert "Mum would like help with play and talking" in body
    incoming = partner.get(reverse("casework:referral_list")).content.decode()
    assert "Testington family" in incoming
    r = partner.post(
        reverse("casework:referral_decline", args=[referral.uuid]), {"reason": "No places"}
    )
    assert r.status_code == 302
    body = partner.get(url).content.decode()
    assert "Declined" in body and "No places" in body
    assert "Testington family" not in body and "no longer shared" in body
    assert "Mum would like help" not in body
    # The referring side sees the decision and the reason.
    sender = client_for(personas.practitioner).get(url).content.decode()
    assert "Declined" in sender and "No places" in sender and "Testington family" in sender
    listed = client_for(personas.practitioner).get(
        reverse("casework:referral_list"), {"direction": "out", "status": "all"}
    )
    assert "Testington family" in listed.content.decode()


def test_accepting_through_the_page(personas, mentoring, client_for):
    referral = _refer(personas, mentoring)
    client = client_for(personas.partner_staff)
    url = reverse("casework:referral_accept", args=[referral.uuid])
    assert client.get(url).status_code == 200
    r = client.post(url, {"worker": str(personas.partner_staff.pk)})
    assert r.status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.ACCEPTED
    # The referring side cannot accept (the page says who can).
    other = _refer(personas, make_service(personas.partner, name="Test stay and play"))
    page = client_for(personas.practitioner).post(
        reverse("casework:referral_accept", args=[other.uuid]),
        {"worker": str(personas.practitioner.pk)},
    )
    assert page.status_code == 200 and "Only staff of Test Toy Library" in page.content.decode()
    assert Referral.objects.get(pk=other.pk).status == Referral.Status.SENT


def test_coordinated_support_shows_every_service_in_one_view(personas, mentoring, client_for):
    from familyhub.casework.services import caseloads

    caseloads.allocation_open(
        actor=personas.practitioner,
        household=personas.household,
        worker=personas.practitioner,
        service=mentoring,
        single_point_of_contact=True,
    )
    _refer(personas, make_service(personas.partner, name="Test stay and play"))
    _refer(
        personas,
        make_service(personas.partner, name="Test book gifting"),
        kind=Referral.Kind.SIGNPOSTING,
    )
    r = client_for(personas.team_manager).get(
        reverse("casework:coordinated_support", args=[personas.household.uuid])
    )
    body = r.content.decode()
    assert (
        "Test family mentoring" in body
        and "Test stay and play" in body
        and "Test book gifting" in body
    )
    assert "Single point of contact" in body
    assert len(r.context["waiting"]) == 1 and len(r.context["signposted"]) == 1


def test_the_referral_list_costs_the_same_queries_for_more_referrals(
    personas, mentoring, client_for
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from familyhub.core.testing import make_household

    _refer(personas, mentoring)
    client = client_for(personas.partner_staff)
    url = reverse("casework:referral_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(6):
        _refer(personas, mentoring, household=make_household(organisation=personas.lead))
    with CaptureQueriesContext(connection) as many:
        r = client.get(url)
    assert len(r.context["rows"]) == 7
    assert len(many) == len(few)


def test_referred_families_join_the_scope_inside_its_one_exists(personas, mentoring):
    """ADR 0013: no OR beside the allocation EXISTS (PostgreSQL keeps its semi-join), and a family
    with no allocation row at all is not opened by a referral (less visibility, never more)."""
    _refer(personas, mentoring)
    sql = str(access.households_visible_to(fresh(personas.partner_staff)).query)
    where = sql.split(" WHERE ", 1)[1]
    assert where.startswith("(EXISTS(") and where.count("EXISTS") == 1
    assert f"IN ({personas.household.pk})" in where
    CaseAllocation.objects.filter(household=personas.household).delete()  # set-up only
    assert referred_household_ids(fresh(personas.partner_staff), [personas.partner.pk]) == []
