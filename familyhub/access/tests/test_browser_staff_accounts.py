"""A joiner in real Chromium (R-ACCESS-1, R-ACCESS-4, ADR 0025): the administrator opens an account
with a first role and copies its one-time set-up link; signed out, the new member of staff opens the
link, chooses a password, sets up the authenticator app and lands signed in. The link then says it
has been used. No console error and no Content-Security-Policy violation on any page.

Run alone with: .venv/bin/pytest -m browser familyhub/access/tests/test_browser_staff_accounts.py
"""

from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker

from familyhub.access.models import Membership, User
from familyhub.core.testing import PageProblems, build_personas, sign_in_browser, totp_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("fast_password_hasher"),
]
PASSWORD = "kettle orchard violet harbour"


@pytest.mark.django_db(transaction=True)
def test_a_new_member_of_staff_from_account_to_first_sign_in(live_server, page, transactional_db):
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    page.set_default_timeout(10_000)
    personas = build_personas()
    base = live_server.url
    problems = PageProblems(page, base)
    fake = Faker("en_GB")
    given, family = fake.first_name(), fake.last_name()
    username = f"{given}.{family}".lower().replace(" ", "").replace("'", "")

    # The administrator opens the account, with a first role, from the navigation.
    sign_in_browser(page, base, personas.admin)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Staff").click()
    page.get_by_role("button", name="Add a member of staff").click()
    expect(page.get_by_role("heading", name="Add a member of staff")).to_be_visible()
    page.get_by_role("button", name="Open the account").click()  # empty: refused at the fields
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a username")
    expect(summary).to_contain_text("Enter their work email address")
    problems.check("the refused form")
    page.get_by_label("Username").fill(username)
    page.get_by_label("First name").fill(given)
    page.get_by_label("Last name").fill(family)
    page.get_by_label("Work email address").fill(f"{username}@example.org")
    page.get_by_label("Organisation").select_option(label=personas.lead.name)
    page.get_by_label("Team").select_option(value=str(personas.team.pk))
    page.get_by_label("Role (optional)").select_option(
        label="Practitioner (family worker or mentor)"
    )
    page.get_by_role("button", name="Open the account").click()
    expect(page.get_by_text("This link is shown only once")).to_be_visible()
    link = page.locator("#set-up-link").inner_text().strip()
    assert re.fullmatch(rf"{re.escape(base)}/set-up-account/[\w-]+/", link), link
    problems.check("the set-up link page")
    page.get_by_role("button", name=f"Go to {username}'s page").click()
    expect(page.locator("#account")).to_contain_text("Waiting for set-up")
    expect(page.locator("#changes")).to_contain_text("Opened the account")
    problems.check("the staff member's page")
    with page.expect_navigation(url="**/sign-in/**"):
        page.get_by_role("button", name="Sign out").click()

    # Signed out, the new member of staff opens the link and chooses a password.
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    expect(page.locator("#set-up-username")).to_have_text(username)
    page.get_by_label("Create a password").fill("short")
    page.get_by_label("Type the password again").fill("short")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("too short")
    problems.check("the refused password")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()

    # Then the ordinary second-factor set-up, and they land signed in.
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    user = User.objects.get(username=username)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.get_by_label("Code from your authenticator app").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Find a family")).to_be_visible()
    expect(page.get_by_role("link", name="Your account")).to_be_visible()
    problems.check("the first sign-in")
    assert Membership.objects.get(user=user, active=True).organisation == personas.lead
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    # The link has done its work: opened again, it says so.
    with page.expect_navigation(url="**/sign-in/**"):
        page.get_by_role("button", name="Sign out").click()
    page.goto(link)
    expect(page.get_by_role("heading", name="This link has already been used")).to_be_visible()
    problems.check("the used link", expected_404=link)
