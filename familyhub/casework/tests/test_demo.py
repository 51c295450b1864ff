"""The demo's casework (`familyhub demo_setup`): realistic, consistent, idempotent."""

from __future__ import annotations

import pytest

from familyhub.access import helpers as access
from familyhub.access.models import User
from familyhub.casework import selectors
from familyhub.casework.models import (
    AllocationDetail,
    Contact,
    Enquiry,
    FeedbackResponse,
    OutcomeReview,
    Referral,
)
from familyhub.core.demo import load_families
from familyhub.core.demo.casework import load_casework_demo
from familyhub.core.demo.organisations import TOY_LIBRARY, ensure_organisations, ensure_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    ensure_staff(ensure_organisations())
    load_families(families=150, seed=5, threaded=False)
    return load_casework_demo(seed=5)


def test_the_demo_has_visits_caseloads_referrals_outcomes_feedback_and_enquiries(demo):
    assert demo.contacts > 50 and demo.follow_ups > 5 and demo.allocations > 40
    assert Contact.objects.filter(status=Contact.Status.PLANNED).exists()
    assert AllocationDetail.objects.filter(single_point_of_contact=True).count() > 40
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert {Referral.Status.SENT, Referral.Status.ACCEPTED, Referral.Status.DECLINED} <= statuses
    assert OutcomeReview.objects.count() == demo.reviews > 20
    assert FeedbackResponse.objects.count() == demo.responses > 0
    assert Enquiry.objects.count() == demo.enquiries == 5
    assert "Made casework" in str(demo)


def test_the_demo_workers_see_their_casework(demo):
    practitioner = User.objects.get(username="practitioner")
    caseload = selectors.caseload(practitioner, practitioner)
    assert caseload.open_families > 0 and any(r.last_contact for r in caseload.rows)
    partner = User.objects.get(username="partner.toylibrary")
    waiting = Referral.objects.filter(
        to_organisation__name=TOY_LIBRARY, status=Referral.Status.SENT
    ).values_list("household_id", flat=True)
    assert waiting and set(waiting) <= set(
        access.households_visible_to(partner).values_list("pk", flat=True)
    )


def test_running_it_again_adds_nothing(demo):
    before = Contact.objects.count()
    again = load_casework_demo(seed=5)
    assert again.skipped and Contact.objects.count() == before
