"""A family reads the privacy notice on a phone, without signing in, and follows what changed
(R-NOTICE-1), in real Chromium. Every page must load its GOV.UK styles and scripts with no
console error, and fit the phone's width (no sideways scrolling).

Run alone with: .venv/bin/pytest -m browser familyhub/privacy/tests/test_notice_browser.py
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest

from familyhub.core.testing import PageProblems, build_personas
from familyhub.privacy import registers, selectors

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_password_hasher")]

SCREENSHOT_DIR = Path(tempfile.gettempdir()) / "familyhub-screenshots"
PHONE = {"width": 375, "height": 740}


def _fits_the_phone(page: Any) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"


def _publish_two_versions() -> None:
    personas = build_personas()  # also reloads the purposes register after a flush
    registers.notice_publish(actor=personas.dpo, summary="First published version.")
    purpose = selectors.purpose_by_code("evaluation")
    registers.purpose_update(
        actor=personas.dpo,
        purpose=purpose,
        data={
            "recipients": "Nottingham Trent University\nThe University of Nottingham",
            "retention": "evaluation data: 10 years",
        },
        expected_version=purpose.version,
    )
    registers.notice_publish(actor=personas.dpo, summary="A second evaluation partner.")


@pytest.mark.django_db(transaction=True)
def test_a_family_reads_the_notice_on_a_phone_and_sees_what_changed(
    live_server, page, transactional_db
):
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    page.set_default_timeout(10_000)
    page.set_viewport_size(PHONE)
    _publish_two_versions()
    base = live_server.url
    problems = PageProblems(page, base)

    # From the footer of the sign-in page, as a family would find it.
    page.goto(f"{base}/sign-in/")
    page.get_by_role("link", name="Privacy notice").click()
    expect(
        page.get_by_role("heading", level=1, name="How we use your family's information")
    ).to_be_visible()
    expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    expect(page.locator("#notice-version")).to_contain_text("Version 2, published")
    expect(page.get_by_role("heading", name="Evaluating the programme")).to_be_visible()
    expect(page.locator("#purpose-evaluation")).to_contain_text("The University of Nottingham")
    expect(page.locator("#ico-contact")).to_contain_text("0303 123 1113")
    expect(page.get_by_role("link", name="ico.org.uk")).to_have_attribute(
        "href", "https://ico.org.uk/make-a-complaint/"
    )
    expect(page.locator("#dpo-contact")).to_contain_text("dpo@example.org")
    expect(page.get_by_role("heading", name="Sensitive information")).to_be_visible()
    font = page.locator("h1").evaluate("el => getComputedStyle(el).fontFamily").lower()
    assert "arial" in font and "transport" not in font
    _fits_the_phone(page)
    problems.check("the privacy notice")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "privacy-notice-phone.png"), full_page=True)

    # What changed in this version: evaluation's recipients and retention, word by word.
    page.get_by_role("link", name="What changed in this version").click()
    expect(
        page.get_by_role("heading", level=1, name="What changed from version 1 to version 2")
    ).to_be_visible()
    change = page.locator("#change-evaluation")
    expect(change).to_contain_text("Who receives it")
    expect(change.locator("ins").first).to_contain_text("Nottingham Trent University")
    expect(change).to_contain_text("evaluation data: 10 years")
    expect(page.locator("#change-safeguarding")).to_have_count(0)
    _fits_the_phone(page)
    problems.check("the changes page")
    page.screenshot(path=str(SCREENSHOT_DIR / "privacy-notice-changes-phone.png"), full_page=True)

    # Every version, and the first one exactly as it was published.
    page.get_by_role("link", name="All versions").click()
    expect(
        page.get_by_role("heading", level=1, name="Versions of our privacy notice")
    ).to_be_visible()
    expect(page.locator("#versions")).to_contain_text("A second evaluation partner.")
    page.get_by_role("link", name="Version 1", exact=True).click()
    expect(page.locator(".govuk-warning-text")).to_contain_text("earlier version")
    expect(page.locator("#purpose-evaluation")).not_to_contain_text("The University of Nottingham")
    _fits_the_phone(page)
    problems.check("version 1")
