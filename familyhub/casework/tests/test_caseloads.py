"""Caseloads (R-ENGAGE-6): allocation to a worker and team with a single point of contact,
re-allocation that keeps history, closure, a worker's caseload page and a manager's team view,
each in a constant number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.models import AccessLogEntry
from familyhub.access.roles import Role
from familyhub.casework import selectors
from familyhub.casework.models import AllocationDetail, Contact
from familyhub.casework.services import caseloads, contacts, outcomes
from familyhub.casework.services.contacts import FollowUpSpec
from familyhub.casework.tests.conftest import fresh
from familyhub.core.errors import PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.testing import make_household, make_staff
from familyhub.people.models import CaseAllocation
from familyhub.places.models import Team

pytestmark = pytest.mark.django_db


def _open(household, org):
    return CaseAllocation.objects.filter(household=household, organisation=org, ended_on=None)


def test_allocate_to_a_worker_and_team_as_the_single_point_of_contact(personas, mentoring):
    review = timezone.localdate() + timedelta(weeks=6)
    allocation = caseloads.allocation_open(
        actor=personas.team_manager,
        household=personas.household,
        worker=personas.practitioner,
        team=personas.team,
        service=mentoring,
        single_point_of_contact=True,
        review_due_on=review,
        reason="New baby, first child",
    )
    detail = AllocationDetail.objects.get(allocation=allocation)
    assert (allocation.worker, allocation.team, allocation.organisation) == (
        personas.practitioner,
        personas.team,
        personas.lead,
    )
    assert detail.single_point_of_contact and detail.review_due_on == review
    assert detail.service == mentoring and detail.allocated_by == personas.team_manager
    change = ChangeRecord.objects.get(object_uuid=allocation.uuid, action="create")
    assert "single point of contact" in change.new_value and change.household == personas.household


def test_reallocation_ends_the_old_allocation_keeps_it_and_carries_its_details(personas, mentoring):
    colleague = make_staff("colleague", Role.PRACTITIONER, personas.lead, personas.team)
    first = caseloads.allocation_open(
        actor=personas.team_manager,
        household=personas.household,
        worker=personas.practitioner,
        service=mentoring,
        single_point_of_contact=True,
        review_due_on=timezone.localdate() + timedelta(days=20),
    )
    second = caseloads.allocation_open(
        actor=personas.team_manager,
        household=personas.household,
        worker=colleague,
        replaces=first,
        reason="Worker on leave",
    )
    first.refresh_from_db()
    assert first.ended_on == timezone.localdate()
    assert AllocationDetail.objects.get(allocation=first).end_reason.startswith("Re-allocated to")
    new = AllocationDetail.objects.get(allocation=second)
    assert new.single_point_of_contact and new.service == mentoring
    assert new.review_due_on == timezone.localdate() + timedelta(days=20)
    # History: both rows, and the family stays in the lead organisation's scope throughout.
    assert CaseAllocation.objects.filter(household=personas.household).count() >= 3
    assert (
        access.households_visible_to(fresh(personas.practitioner))
        .filter(pk=personas.household.pk)
        .exists()
    )
    with pytest.raises(ValidationFailed) as e:
        caseloads.allocation_open(
            actor=personas.team_manager,
            household=personas.household,
            worker=colleague,
            replaces=first,
        )
    assert "replaces" in e.value.errors


def test_one_single_point_of_contact_per_family(personas):
    a = caseloads.allocation_open(
        actor=personas.team_manager,
        household=personas.household,
        worker=personas.practitioner,
        single_point_of_contact=True,
    )
    b = caseloads.allocation_open(
        actor=personas.team_manager,
        household=personas.household,
        worker=personas.team_manager,
        single_point_of_contact=True,
    )
    flags = dict(AllocationDetail.objects.values_list("allocation_id", "single_point_of_contact"))
    assert flags == {a.pk: False, b.pk: True}
    assert (
        selectors.single_point_of_contact(selectors.family_allocations(personas.household)).pk
        == b.pk
    )


def test_a_worker_or_team_of_another_organisation_is_refused(personas):
    with pytest.raises(ValidationFailed) as e:
        caseloads.allocation_open(
            actor=personas.team_manager,
            household=personas.household,
            worker=personas.partner_staff,
            team=Team.objects.create(organisation=personas.partner, name="X"),
        )
    assert {"worker", "team"} <= set(e.value.errors)
    with pytest.raises(PermissionRefused):
        caseloads.allocation_open(
            actor=personas.group_worker, household=personas.household, worker=personas.practitioner
        )


def test_closing_the_last_allocation_ends_the_organisations_access(personas):
    (allocation,) = _open(personas.partner_household, personas.partner)
    with pytest.raises(PermissionRefused):
        caseloads.allocation_close(actor=personas.practitioner, allocation=allocation, reason="x")
    with pytest.raises(ValidationFailed):
        caseloads.allocation_close(actor=personas.partner_staff, allocation=allocation, reason="")
    caseloads.allocation_close(
        actor=personas.partner_staff, allocation=allocation, reason="Support complete"
    )
    allocation.refresh_from_db()
    assert allocation.ended_on == timezone.localdate()
    assert (
        AllocationDetail.objects.get(allocation=allocation).end_reason == "Closed: Support complete"
    )
    assert (
        not access.households_visible_to(fresh(personas.partner_staff))
        .filter(pk=personas.partner_household.pk)
        .exists()
    )


def _caseload_of_three(personas):
    """Three families for the practitioner: one with an overdue review and action, one visited."""
    families = [personas.household] + [
        make_household(organisation=personas.lead, family_name=name)
        for name in ("Aardvark", "Zebra")
    ]
    for h in families:
        CaseAllocation.objects.filter(household=h, organisation=personas.lead).update(
            worker=personas.practitioner
        )
    detail = AllocationDetail.objects.create(
        allocation=CaseAllocation.objects.get(household=families[1], organisation=personas.lead),
        household=families[1],
        review_due_on=timezone.localdate() - timedelta(days=3),
    )
    contacts.contact_record(
        actor=personas.practitioner,
        household=families[1],
        kind=Contact.Kind.PHONE,
        occurred_at=timezone.now() - timedelta(days=2),
        duration_minutes=10,
        follow_ups=[FollowUpSpec("Chase housing", timezone.localdate() - timedelta(days=1))],
    )
    return families, detail


def test_the_caseload_page_shows_last_contact_next_review_and_overdue_actions(personas, client_for):
    families, _ = _caseload_of_three(personas)
    r = client_for(personas.practitioner).get(reverse("casework:caseload"))
    assert r.status_code == 200
    result = r.context["caseload"]
    assert [row.household.name for row in result.rows] == sorted(h.name for h in families)
    row = next(x for x in result.rows if x.household == families[1])
    assert row.review_overdue and row.overdue_follow_ups == 1 and row.last_contact is not None
    assert (result.open_families, result.overdue_reviews, result.overdue_follow_ups) == (3, 1, 1)
    body = r.content.decode()
    assert "Aardvark family" in body and "Overdue" in body
    assert AccessLogEntry.objects.filter(detail="caseload").count() == 1


def test_the_caseload_page_costs_the_same_queries_for_3_or_30_families(personas, client_for):
    _caseload_of_three(personas)
    client = client_for(personas.practitioner)
    url = reverse("casework:caseload")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(27):
        h = make_household(organisation=personas.lead, adults=2, children=2)
        CaseAllocation.objects.filter(household=h).update(worker=personas.practitioner)
        contacts.contact_record(
            actor=personas.practitioner,
            household=h,
            kind=Contact.Kind.HOME_VISIT,
            occurred_at=timezone.now() - timedelta(days=i + 1),
            duration_minutes=30,
            follow_ups=[FollowUpSpec("Check in", timezone.localdate() - timedelta(days=1))],
        )
    with CaptureQueriesContext(connection) as many:
        r = client.get(url)
    assert r.context["caseload"].open_families == 30
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_caseload_page_is_paginated(personas, client_for):
    for _ in range(3):
        h = make_household(organisation=personas.lead)
        CaseAllocation.objects.filter(household=h).update(worker=personas.practitioner)
    result = selectors.caseload(personas.practitioner, personas.practitioner, per_page=2)
    assert len(result.rows) == 2 and result.has_next
    second = selectors.caseload(personas.practitioner, personas.practitioner, page=2, per_page=2)
    assert len(second.rows) == 1 and not second.has_next


def test_a_manager_sees_the_team_and_opens_a_workers_caseload(personas, client_for):
    _caseload_of_three(personas)
    manager = client_for(personas.team_manager)
    r = manager.get(reverse("casework:team_caseloads"))
    assert r.status_code == 200
    rows = {row.worker.username: row for row in r.context["rows"]}
    assert rows["practitioner"].open_families == 3
    assert rows["practitioner"].overdue_reviews == 1
    assert rows["practitioner"].last_contact is not None
    assert "groupworker" not in rows  # no casework role
    r = manager.get(reverse("casework:caseload"), {"worker": personas.practitioner.pk})
    assert r.status_code == 200 and r.context["caseload"].open_families == 3
    # A practitioner cannot open a colleague's caseload; nobody opens another organisation's.
    assert (
        client_for(personas.practitioner)
        .get(reverse("casework:caseload"), {"worker": personas.team_manager.pk})
        .status_code
        == 404
    )
    assert (
        client_for(personas.team_manager)
        .get(reverse("casework:caseload"), {"worker": personas.partner_staff.pk})
        .status_code
        == 404
    )


def test_the_team_view_costs_the_same_queries_for_a_bigger_team(personas, client_for):
    _caseload_of_three(personas)
    client = client_for(personas.team_manager)
    url = reverse("casework:team_caseloads")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(6):
        worker = make_staff(f"worker{i}", Role.PRACTITIONER, personas.lead, personas.team)
        h = make_household(organisation=personas.lead)
        CaseAllocation.objects.filter(household=h).update(worker=worker)
    with CaptureQueriesContext(connection) as many:
        r = client.get(url)
    assert len(r.context["rows"]) >= 8
    assert len(many) == len(few)


def test_an_outcome_review_sets_the_next_review_on_the_organisations_allocations(personas):
    from familyhub.casework.models import Outcome
    from familyhub.casework.services.outcomes import outcome_record_add

    caseloads.allocation_open(
        actor=personas.team_manager, household=personas.household, worker=personas.practitioner
    )
    outcome = Outcome.objects.get(code="talk-and-communicate")
    outcome_record_add(
        actor=personas.practitioner,
        household=personas.household,
        outcome=outcome,
        kind="goal",
        description="Say ten words",
    )
    next_review = timezone.localdate() + timedelta(weeks=12)
    outcomes.outcome_review_record(
        actor=personas.practitioner,
        household=personas.household,
        reviewed_on=timezone.localdate(),
        scores={outcome: 2},
        next_review_on=next_review,
    )
    dates = set(
        AllocationDetail.objects.filter(
            allocation__household=personas.household, allocation__ended_on=None
        ).values_list("review_due_on", flat=True)
    )
    assert dates == {next_review}
