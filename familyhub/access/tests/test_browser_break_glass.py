"""Break glass and 'who has looked at my record' in real Chromium (R-ACCESS-2, R-RIGHTS-6).

A practitioner meets a family outside their scope ('Page not found'), asks for emergency access
from there with a reason, sees the family with the banner; their team manager reviews it. The DPO
finds a person and reads who has looked at their record. No console error and no
Content-Security-Policy violation on any page.

Run alone with: .venv/bin/pytest -m browser familyhub/access/tests/test_browser_break_glass.py
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from familyhub.access import helpers
from familyhub.access.models import BreakGlassGrant
from familyhub.core.testing import (
    PageProblems,
    build_personas,
    sign_in_browser,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("fast_password_hasher"),
]
WHY = "The health visitor rang: bruising seen on the baby at clinic this morning"


def sign_in(page: Any, base: str, user: Any, expect: Any) -> None:
    sign_in_browser(page, base, user)


def sign_out(page: Any) -> None:
    # Wait for the sign-in page it leads to: navigating on at once aborts that request.
    with page.expect_navigation(url="**/sign-in/**"):
        page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").wait_for()


@pytest.mark.django_db(transaction=True)
def test_break_glass_banner_and_review(live_server, page, transactional_db):
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    page.set_default_timeout(10_000)
    personas = build_personas()
    base = live_server.url
    problems = PageProblems(page, base)
    family = personas.partner_household
    family_url = f"{base}/families/{family.uuid}/"

    # The practitioner follows a link to a family their organisation does not work with.
    sign_in(page, base, personas.practitioner, expect)
    page.goto(family_url)
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    problems.check("the 404 page", expected_404=family_url)
    problems.console.clear()  # the expected 404, checked above
    page.get_by_role("link", name="request emergency access").click()
    expect(page.get_by_role("heading", name="Request emergency access to a family")).to_be_visible()
    expect(page.get_by_label("The family's reference")).to_have_value(f"/families/{family.uuid}/")

    # No reason: refused at the fields, nothing opened.
    page.get_by_role("button", name="Open the family's record").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose why you need this family's record")
    expect(summary).to_contain_text("Explain why you need this family's record now")
    assert not BreakGlassGrant.objects.exists()
    problems.check("the refused request")

    # With a reason: the family opens, under a banner saying who, why and until when.
    page.get_by_label("Safeguarding concern").check()
    page.get_by_label("Explain what has happened and why it cannot wait").fill(WHY)
    page.get_by_role("button", name="Open the family's record").click()
    expect(page.get_by_role("heading", name=family.name, exact=True)).to_be_visible()
    grant = BreakGlassGrant.objects.get()
    banner = page.get_by_test_id("break-glass-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Emergency access")
    expect(banner).to_contain_text("Safeguarding concern")
    expect(banner).to_contain_text(WHY)
    from django.utils import timezone

    expect(banner).to_contain_text(timezone.localtime(grant.expires_at).strftime("%H:%M"))
    expect(banner).to_contain_text(personas.practitioner.get_full_name())
    problems.check("the family page under break glass")

    # A member's page carries the banner too.
    member = family.memberships.filter(role="parent_carer").first().person
    page.get_by_role("link", name=member.display_name).first.click()
    expect(page.get_by_role("heading", name=member.display_name)).to_be_visible()
    expect(page.get_by_test_id("break-glass-banner")).to_be_visible()
    problems.check("the person page under break glass")
    sign_out(page)

    # The team manager reviews it from the queue.
    sign_in(page, base, personas.team_manager, expect)
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Emergency access reviews"
    ).click()
    expect(page.get_by_role("heading", name="Waiting for a decision (1)")).to_be_visible()
    page.locator("#main-content").get_by_role(
        "link", name=re.compile(r"^Review the request by practitioner")
    ).click()
    expect(page.get_by_role("heading", name="Request by")).to_be_visible()
    expect(page.get_by_text(WHY)).to_be_visible()
    entries = page.locator("#entries")
    expect(entries).to_contain_text("Viewed a family")
    expect(entries).to_contain_text("Viewed a person")
    page.get_by_label("Justified", exact=True).check()
    page.get_by_label("What is the decision based on?").fill("Confirmed with the health visitor")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    expect(page.get_by_role("heading", name="Waiting for a decision (0)")).to_be_visible()
    expect(page.locator("#recent + table, table").last).to_contain_text("Justified")
    problems.check("the review")
    grant.refresh_from_db()
    assert grant.decision == "justified" and grant.reviewed_by == personas.team_manager


@pytest.mark.django_db(transaction=True)
def test_who_has_looked_at_a_record(live_server, page, transactional_db):
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    page.set_default_timeout(10_000)
    personas = build_personas()
    personas.practitioner.first_name, personas.practitioner.last_name = "Priya", "Patel"
    personas.practitioner.save()
    person = personas.household.memberships.filter(role="parent_carer").first().person
    helpers.person_for(personas.practitioner, person.uuid)
    helpers.household_for(personas.team_manager, personas.household.uuid)
    base = live_server.url
    problems = PageProblems(page, base)

    sign_in(page, base, personas.dpo, expect)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Access log").click()
    expect(page.get_by_role("heading", name="Access review")).to_be_visible()
    problems.check("the access review")
    page.get_by_role("link", name="who has looked at a person's record").click()
    expect(page.get_by_role("heading", name="Who has looked at a record")).to_be_visible()
    page.get_by_label("Request reference").fill("SAR-2026-014")
    page.get_by_label("NHS number").fill(person.nhs_number)
    page.get_by_role("button", name="Find the person").click()
    page.locator("#found + ul").get_by_role("link", name=person.display_name).click()

    expect(
        page.get_by_role("heading", name=f"Who has looked at {person.display_name}'s record")
    ).to_be_visible()
    table = page.locator("#accesses")
    first_access = table.locator("tbody tr").last
    expect(first_access).to_contain_text("Priya Patel")
    expect(first_access).to_contain_text("Practitioner (family worker or mentor)")
    expect(first_access).to_contain_text(personas.lead.name)
    expect(first_access).to_contain_text("Opened this person's record")
    expect(table).to_contain_text("Opened the family's page")
    expect(table).to_contain_text("Shown in search results")  # the DPO's own lookup
    expect(table.locator("tbody tr").first).to_contain_text("SAR-2026-014")
    problems.check("who has looked")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="as a spreadsheet (CSV)").click()
    path = download_info.value.path()
    with open(path, encoding="utf-8") as f:
        rows = list(csv.reader(io.StringIO(f.read())))
    assert rows[0][0] == "When" and any("Priya Patel" in r for r in rows[1:])
