"""Strong sign-in in real Chromium (R-ACCESS-4): password then the authenticator's code, setting up
an authenticator from the QR code page, and the locked-out page. No console error and no
Content-Security-Policy violation on any step (the QR code is inline SVG without style attributes).

Run alone with: .venv/bin/pytest -m browser familyhub/access/tests/test_browser_sign_in.py
"""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from familyhub.core.testing import (
    TEST_PASSWORD,
    PageProblems,
    build_personas,
    second_factor,
    totp_code,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("fast_password_hasher"),
]


def _password(page, base: str, username: str, password: str = TEST_PASSWORD) -> None:
    page.goto(f"{base}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.django_db(transaction=True)
def test_sign_in_with_a_second_factor(live_server, page, transactional_db):
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    personas = build_personas()
    device = second_factor(personas.practitioner)
    problems = PageProblems(page, live_server.url)

    _password(page, live_server.url, personas.practitioner.username)
    expect(
        page.get_by_role("heading", name="Enter the code from your authenticator app")
    ).to_be_visible()
    # A wrong code: the GOV.UK error at the field and in the summary.
    right = totp_code(device)
    page.get_by_label("Code").fill(f"{(int(right) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The code is not correct")
    expect(page.locator(".govuk-error-message")).to_contain_text("The code is not correct")

    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Find a family")).to_be_visible()
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_text("Second-factor code accepted").first).to_be_visible()
    problems.check("sign in with a code")


@pytest.mark.django_db(transaction=True)
def test_first_sign_in_sets_up_the_authenticator(live_server, page, transactional_db):
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    personas = build_personas()
    problems = PageProblems(page, live_server.url)

    _password(page, live_server.url, personas.group_worker.username)
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    device = TOTPDevice.objects.get(user=personas.group_worker, confirmed=False)
    page.get_by_label("Code from your authenticator app").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    expect(page.locator("#backup-codes li")).to_have_count(10)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Find a family")).to_be_visible()
    problems.check("setting up an authenticator")


@pytest.mark.django_db(transaction=True)
def test_lock_out_after_five_wrong_passwords(live_server, page, transactional_db):
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    personas = build_personas()
    second_factor(personas.practitioner)
    problems = PageProblems(page, live_server.url)
    for _ in range(4):
        _password(page, live_server.url, personas.practitioner.username, "not the password")
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Enter a correct username and password"
        )
    _password(page, live_server.url, personas.practitioner.username, "not the password")
    expect(page.get_by_role("heading", name="Your account is locked")).to_be_visible()
    expect(page.get_by_text("ask an administrator to unlock your account")).to_be_visible()
    # The right password is refused too.
    _password(page, live_server.url, personas.practitioner.username)
    expect(page.get_by_role("heading", name="Your account is locked")).to_be_visible()
    # The locked page answers 403, which Chromium reports as a failed resource load.
    problems.console = [c for c in problems.console if "status of 403" not in c]
    problems.check("locked out")
