"""Casework journeys in real Chromium (R-ENGAGE-4, R-ENGAGE-5, R-ENGAGE-7).

Record a home visit (a visit dated tomorrow is refused first); make a referral and accept it as the
receiving partner; record outcome reviews and see the chart with its table. Every page must load
its GOV.UK styles and scripts with no console error or Content-Security-Policy violation.

Debian's Chromium (/usr/bin/chromium, see conftest.py); `playwright install` is never used.
Run alone with: .venv/bin/pytest -m browser familyhub/casework/tests/test_browser_casework.py
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from familyhub.casework.models import Contact, OutcomeReview, Referral
from familyhub.casework.reference import ensure_outcome_frameworks
from familyhub.casework.tests.conftest import parent_of
from familyhub.casework.tests.factories import make_service
from familyhub.core.testing import (
    PageProblems,
    build_personas,
    sign_in_browser,
)
from familyhub.people.models import CaseAllocation

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_password_hasher")]

SCREENSHOT_DIR = Path(tempfile.gettempdir()) / "familyhub-screenshots"


def _sign_in(page: Any, expect: Any, base: str, user: Any) -> None:
    sign_in_browser(page, base, user)


def _sign_out(page: Any, expect: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def _setup(page: Any) -> tuple[Any, Any]:
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    page.set_default_timeout(10_000)
    ensure_outcome_frameworks()  # the flush of a browser test empties the reference rows
    return build_personas(), expect


@pytest.mark.django_db(transaction=True)
def test_record_a_home_visit(live_server, page, transactional_db):
    personas, expect = _setup(page)
    base = live_server.url
    problems = PageProblems(page, base)
    _sign_in(page, expect, base, personas.practitioner)
    # networkidle: the family page's panels load their own stylesheets; leaving before they
    # arrive would abort the request (reported as a failed request).
    page.goto(f"{base}/families/{personas.household.uuid}/", wait_until="networkidle")
    expect(page.get_by_role("heading", name="Casework")).to_be_visible()
    page.get_by_role("link", name="Record a visit or contact").first.click()
    expect(page.get_by_role("heading", name="Record a visit or contact")).to_be_visible()

    # A visit dated tomorrow is refused, with the reason, at the date.
    tomorrow = timezone.localdate() + timedelta(days=1)
    page.get_by_label("Home visit").check()
    page.get_by_label("Date", exact=True).fill(tomorrow.strftime("%d/%m/%Y"))
    page.get_by_label("Time").fill("10:00")
    page.get_by_label("How long (minutes)").fill("45")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("A visit can only be recorded once it has happened")
    problems.check("the refused visit")

    # The visit that happened an hour ago, with notes and a follow-up action.
    when = timezone.localtime() - timedelta(hours=1)
    parent = parent_of(personas.household)
    page.get_by_label("Date", exact=True).fill(when.strftime("%d/%m/%Y"))
    page.get_by_label("Time").fill(when.strftime("%H:%M"))
    page.get_by_label("Who was it mainly with?").select_option(label=parent.display_name)
    page.get_by_label("Notes").fill("Talked about sleep routines; mum keen to try bath, book, bed.")
    page.locator("#id_follow_up_0_description").fill("Send the Stay and Play timetable")
    page.locator("#id_follow_up_0_due_on").fill(
        (timezone.localdate() + timedelta(days=7)).strftime("%d/%m/%Y")
    )
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Contact recorded.")).to_be_visible()
    page.wait_for_load_state("networkidle")
    recent = page.locator("#recent-contacts")
    expect(recent).to_contain_text("Home visit, 45 min")
    expect(recent).to_contain_text(parent.display_name)
    expect(page.locator("#casework")).to_contain_text("Send the Stay and Play timetable")
    expect(page.locator(".app-timeline")).to_contain_text("Created: Home visit")
    problems.check("the family page after the visit")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "casework-family-panel.png"), full_page=True)
    contact = Contact.objects.get()
    assert contact.person == parent and contact.duration_minutes == 45
    assert contact.worker == personas.practitioner


@pytest.mark.django_db(transaction=True)
def test_make_a_referral_and_accept_it_as_the_receiving_partner(
    live_server, page, transactional_db
):
    personas, expect = _setup(page)
    service = make_service(
        personas.lead, delivered_by=(personas.partner,), name="Test family mentoring"
    )
    base = live_server.url
    problems = PageProblems(page, base)
    parent = parent_of(personas.household)

    _sign_in(page, expect, base, personas.practitioner)
    page.goto(f"{base}/families/{personas.household.uuid}/", wait_until="networkidle")
    page.get_by_role("link", name="Make a referral").first.click()
    expect(page.get_by_role("heading", name="Make a referral")).to_be_visible()
    page.get_by_label("Service", exact=True).select_option(label=service.name)
    page.get_by_label("Refer to").select_option(label=personas.partner.name)
    page.get_by_label("Reason for the referral").fill("Mum would like a mentor and to meet others")
    page.get_by_label("Who in the family agreed?").select_option(label=parent.display_name)
    page.get_by_label("When did they agree?").fill(timezone.localdate().strftime("%d/%m/%Y"))
    page.get_by_label("In person (verbal)").check()
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_text("Referral sent to Test Toy Library")).to_be_visible()
    expect(page.locator("#referral-summary")).to_contain_text("Waiting for a decision")
    problems.check("the referral made")
    _sign_out(page, expect)

    # The partner sees the referral waiting, reads the family, and accepts.
    _sign_in(page, expect, base, personas.partner_staff)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Referrals").click()
    expect(page.get_by_role("heading", name="Referrals")).to_be_visible()
    page.locator("#referrals").get_by_role("link", name="Testington family").click()
    expect(page.locator("#referral-summary")).to_contain_text("Mum would like a mentor")
    expect(page.locator("#referral-summary")).to_contain_text(f"Agreed by {parent.display_name}")
    page.get_by_role("link", name="Accept the referral").click()
    expect(page.get_by_role("heading", name="Accept the referral")).to_be_visible()
    page.get_by_label("This worker becomes the family's single point of contact").check()
    page.get_by_role("button", name="Accept and allocate").click()
    expect(page.get_by_text("Referral accepted: the family is now allocated")).to_be_visible()
    expect(page.get_by_role("heading", name="Testington family", exact=True)).to_be_visible()
    page.wait_for_load_state("networkidle")
    problems.check("the referral accepted")
    page.get_by_role("link", name="Every service the family receives (coordinated support)").click()
    expect(page.locator("#open-allocations")).to_contain_text("Test Toy Library")
    expect(page.locator("#open-allocations")).to_contain_text("Single point of contact")
    page.screenshot(path=str(SCREENSHOT_DIR / "casework-coordinated-support.png"), full_page=True)
    _sign_out(page, expect)

    # The referring side sees the decision.
    referral = Referral.objects.get()
    assert referral.status == Referral.Status.ACCEPTED
    assert CaseAllocation.objects.filter(
        household=personas.household, organisation=personas.partner, ended_on=None
    ).exists()
    page.wait_for_timeout(1000)  # a fresh 30-second step is not needed: another user signs in
    _sign_in(page, expect, base, personas.team_manager)
    page.goto(f"{base}/referrals/{referral.uuid}/")
    expect(page.locator("#referral-summary")).to_contain_text("Accepted")
    problems.check("the referral seen by the referring side")


@pytest.mark.django_db(transaction=True)
def test_record_an_outcome_review_and_see_the_chart(live_server, page, transactional_db):
    personas, expect = _setup(page)
    base = live_server.url
    problems = PageProblems(page, base)
    _sign_in(page, expect, base, personas.practitioner)
    # networkidle: the family page's panels load their own stylesheets; leaving before they
    # arrive would abort the request (reported as a failed request).
    page.goto(f"{base}/families/{personas.household.uuid}/", wait_until="networkidle")
    page.get_by_role("link", name="Outcomes: needs, strengths, goals and progress").click()
    expect(page.get_by_role("heading", name="Outcomes", exact=True)).to_be_visible()
    page.get_by_role("link", name="Add a need, strength or goal").click()
    page.get_by_label("Goal", exact=True).check()
    page.get_by_label("Outcome", exact=True).select_option(label="Learn to talk and communicate")
    page.get_by_label("Describe it").fill("Use ten words and join in songs")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#outcome-records")).to_contain_text("Use ten words")

    for days_ago, score in ((42, "2"), (0, "4")):
        page.get_by_role("link", name="Record a review").click()
        expect(page.get_by_role("heading", name="Record an outcome review")).to_be_visible()
        page.get_by_label("Date of the review").fill(
            (timezone.localdate() - timedelta(days=days_ago)).strftime("%d/%m/%Y")
        )
        page.get_by_label("Who took part").fill("Mum")
        group = page.get_by_role("group", name="Learn to talk and communicate")
        group.get_by_label(score, exact=True).check()
        page.get_by_role("button", name="Save the review").click()
        expect(page.get_by_text("Review saved.")).to_be_visible()

    chart = page.locator("svg.app-chart")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("role", "img")
    expect(chart.locator("polyline")).to_have_count(1)
    table = page.locator("#progress-table-0")
    expect(table).to_contain_text("Learn to talk and communicate")
    expect(table.locator("td")).to_have_text(["2", "4"])
    problems.check("the outcomes page")
    page.screenshot(path=str(SCREENSHOT_DIR / "casework-outcomes-chart.png"), full_page=True)
    assert OutcomeReview.objects.count() == 2
