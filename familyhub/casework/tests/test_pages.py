"""Casework pages cost the same number of queries however much a family (or an organisation) has
(ARCHITECTURE: performance habits); the family page's casework panel too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from familyhub.casework.models import Contact, Outcome
from familyhub.casework.services import caseloads, contacts, outcomes, referrals
from familyhub.casework.services.contacts import FollowUpSpec
from familyhub.casework.tests.conftest import parent_of
from familyhub.casework.tests.factories import make_feedback_form, make_service

pytestmark = pytest.mark.django_db


def _more_casework(personas, n: int) -> None:
    """n more contacts (with actions), allocations, referrals, reviews and feedback forms."""
    outcome = Outcome.objects.get(code="talk-and-communicate")
    if not personas.household.outcome_records.exists():
        outcomes.outcome_record_add(
            actor=personas.practitioner,
            household=personas.household,
            outcome=outcome,
            kind="goal",
            description="Ten words",
        )
    from familyhub.core.testing import make_staff

    colleague = make_staff(f"colleague{n}", "practitioner", personas.lead, personas.team)
    caseloads.allocation_open(
        actor=personas.team_manager,
        household=personas.household,
        worker=colleague,
        single_point_of_contact=True,
    )
    for i in range(n):
        contacts.contact_record(
            actor=personas.practitioner,
            household=personas.household,
            kind=Contact.Kind.PHONE,
            occurred_at=timezone.now() - timedelta(days=i + 1),
            duration_minutes=10,
            follow_ups=[FollowUpSpec(f"Action {i}", timezone.localdate())],
        )
        referrals.referral_make(
            actor=personas.practitioner,
            household=personas.household,
            service=make_service(personas.partner),
            to_organisation=personas.partner,
            reason="Support",
            agreed_by=parent_of(personas.household),
            agreed_on=timezone.localdate(),
            agreement_method="phone",
        )
        outcomes.outcome_review_record(
            actor=personas.practitioner,
            household=personas.household,
            reviewed_on=timezone.localdate() - timedelta(days=30 * i),
            scores={outcome: 1 + i % 5},
        )
        make_feedback_form(personas.lead)


PAGES = [
    ("people:household_detail", True),
    ("casework:family_contacts", True),
    ("casework:coordinated_support", True),
    ("casework:family_outcomes", True),
    ("casework:feedback_forms", False),
    ("casework:referral_list", False),
]


@pytest.mark.parametrize(("name", "family"), PAGES, ids=[p for p, _ in PAGES])
def test_the_page_costs_the_same_queries_with_more_casework(personas, client_for, name, family):
    client = client_for(personas.practitioner)
    url = reverse(name, args=[personas.household.uuid] if family else [])
    _more_casework(personas, 1)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _more_casework(personas, 4)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), "\n".join(q["sql"][:200] for q in many.captured_queries)
