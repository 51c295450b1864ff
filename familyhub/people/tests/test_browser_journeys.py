"""A practitioner's journey in real Chromium (issue 3; R-PEOPLE-1, R-PEOPLE-5, R-PEOPLE-6).

Sign in, register a household with an unborn child in the four-step flow (a ward that contradicts
the postcode refused, then taken from the postcode: R-PEOPLE-2), find the parent again by a
misspelt name, change their phone number with a reason, and see the change in the history. Every
page must load its GOV.UK styles and scripts with no console error: a Content-Security-Policy
violation or a JavaScript error fails the test.

Debian's Chromium (/usr/bin/chromium, see conftest.py); `playwright install` is never used.
Run alone with: .venv/bin/pytest -m browser familyhub/people/tests/test_browser_journeys.py
"""

from __future__ import annotations

import re
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from familyhub.core.testing import (
    TEST_PASSWORD,
    PageProblems,
    build_personas,
    second_factor,
    totp_code,
)
from familyhub.people.models import Household, Person
from familyhub.places.models import PostcodeWard

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("fast_password_hasher"),
]

SCREENSHOT_DIR = Path(tempfile.gettempdir()) / "familyhub-screenshots"
# .govuk-button background (GOV.UK Frontend 5: #00703c; 6: #0f7a52): proof that the GOV.UK CSS applied
GOVUK_GREENS = {"rgb(0, 112, 60)", "rgb(15, 122, 82)"}


def _assert_govuk_styled(page: Any, expect: Any, button: str | None = None) -> None:
    """The stylesheet and the GOV.UK JavaScript both loaded and applied."""
    expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    container = page.locator("main").locator("xpath=..")
    assert (
        container.evaluate("el => getComputedStyle(el).maxWidth") == "960px"
    )  # govuk-width-container
    if button:
        primary = page.get_by_role("button", name=button).or_(page.get_by_role("link", name=button))
        expect(primary.first).to_be_visible()
        assert primary.first.evaluate("el => getComputedStyle(el).backgroundColor") in GOVUK_GREENS
    font = page.locator("h1").first.evaluate("el => getComputedStyle(el).fontFamily").lower()
    assert "arial" in font and "transport" not in font, font  # no GDS Transport outside GOV.UK


@pytest.mark.django_db(transaction=True)
def test_register_find_and_edit_a_family(live_server, page, transactional_db):
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    page.set_default_timeout(10_000)
    personas = build_personas()
    PostcodeWard.objects.create(postcode_key="NG68AB", postcode="NG6 8AB", ward=personas.ward)
    base = live_server.url
    problems = PageProblems(page, base)
    edd = timezone.localdate() + timedelta(
        days=75
    )  # not the Testingtons' baby's (+60, same postcode)

    # Sign in: password, then the code the practitioner's authenticator app shows (R-ACCESS-4).
    device = second_factor(personas.practitioner)
    page.goto(f"{base}/sign-in/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    _assert_govuk_styled(page, expect, button="Sign in")
    page.get_by_label("Username").fill(personas.practitioner.username)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(
        page.get_by_role("heading", name="Enter the code from your authenticator app")
    ).to_be_visible()
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Find a family")).to_be_visible()
    problems.check("sign in")

    # Step 1: the address.
    page.get_by_role("link", name="Register a household").first.click()
    expect(page.get_by_role("heading", name="Where does the family live?")).to_be_visible()
    page.get_by_label("Household name").fill("Smith family")
    page.get_by_label("Address line 1").fill("12 Hucknall Lane")
    page.get_by_label("Postcode").fill("ng6 8ab")
    # A ward that contradicts the postcode directory is refused at the field, nothing typed lost;
    # left 'Not known', the ward comes from the postcode (R-PEOPLE-2, ADR 0024).
    page.get_by_label("Ward").select_option(label="Aspley (E05012270)")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#id_ward_error")).to_contain_text("NG6 8AB is in Bulwell")
    expect(page.get_by_label("Address line 1")).to_have_value("12 Hucknall Lane")
    problems.check("a ward the postcode contradicts")
    page.get_by_label("Ward").select_option(label="Not known")
    page.get_by_role("button", name="Continue").click()

    # Step 2: a parent, then an unborn child.
    expect(page.get_by_role("heading", name="Who is in the Smith family?")).to_be_visible()
    page.get_by_label("Parent or carer").check()
    page.get_by_label("First name").fill("John")
    page.get_by_label("Last name").fill("Smith")
    page.get_by_label("Date of birth").fill("02/01/1990")
    page.get_by_label("Sex", exact=True).select_option("male")
    page.get_by_label("NHS number").fill("999 000 0018")
    page.get_by_role("button", name="Add this person").click()
    expect(page.locator("#added-people")).to_contain_text("John Smith")
    problems.check("adding the parent")

    page.get_by_label("Child", exact=True).check()
    page.get_by_label("This child is not born yet").check()
    page.get_by_label("Last name").fill("Smith")
    page.get_by_label("Expected date of delivery").fill(edd.strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Add this person").click()
    expect(page.locator("#added-people")).to_contain_text("Unborn baby Smith")
    problems.check("adding the unborn child")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "register-step-2-people.png"), full_page=True)

    # Step 3: relationships (the suggestion: John is the father, with parental responsibility).
    page.get_by_role("link", name="Continue to relationships").click()
    expect(page.get_by_role("heading", name="How are they related?")).to_be_visible()
    expect(page.get_by_label("Relationship of John Smith to Unborn baby Smith")).to_have_value(
        "father"
    )
    page.get_by_role("button", name="Continue").click()

    # Step 4: check, then register.
    expect(page.get_by_role("heading", name="Check before registering")).to_be_visible()
    expect(page.locator("#check-people")).to_contain_text("John Smith")
    expect(page.get_by_text("John Smith is the father of Unborn baby Smith")).to_be_visible()
    page.screenshot(path=str(SCREENSHOT_DIR / "register-step-4-check.png"), full_page=True)
    page.get_by_role("button", name="Register household").click()

    # The family page, with both people.
    expect(page.get_by_role("heading", name="Smith family", exact=True)).to_be_visible()
    expect(page.get_by_text("Smith family registered.")).to_be_visible()
    people = page.get_by_role("table").filter(has_text="Role")
    expect(people.get_by_role("link", name="John Smith", exact=True)).to_be_visible()
    expect(people.get_by_role("link", name="Unborn baby Smith", exact=True)).to_be_visible()
    expect(people).to_contain_text(edd.strftime("%d/%m/%Y"))
    _assert_govuk_styled(page, expect)
    problems.check("the family page")
    household = Household.objects.get(
        uuid=re.search(r"/families/([0-9a-f-]{36})/$", page.url).group(1)
    )
    assert household.name == "Smith family"
    registered = Household.objects.filter(
        memberships__person__created_by=personas.practitioner
    ).distinct()
    assert list(registered) == [household]  # registered once, whatever was clicked
    assert household.allocations.get().organisation == personas.lead
    assert household.addresses.get().ward == personas.ward  # from the postcode
    assert {m.person.display_name for m in household.memberships.all()} == {
        "John Smith",
        "Unborn baby Smith",
    }

    # Find the parent again by a misspelt name.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Search").click()
    expect(page.get_by_role("heading", name="Find a family")).to_be_visible()
    page.get_by_label("Name, date of birth, postcode or NHS number").fill("Jon Smyth")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#search-results")
    expect(results.get_by_role("link", name="John Smith")).to_be_visible()
    expect(results).to_contain_text("NG6 8AB")
    problems.check("search")
    results.get_by_role("link", name="John Smith").click()

    # Change the phone number, with a reason; the history shows old -> new and the reason.
    expect(page.get_by_role("heading", name="John Smith")).to_be_visible()
    page.get_by_role("link", name="Change details").click()
    expect(page.get_by_role("heading", name="Change details")).to_be_visible()
    page.get_by_label("Phone number").fill("0115 496 0123")
    page.get_by_label("Reason for the change").fill("Told us at the home visit")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("John Smith's details saved.")).to_be_visible()
    history = page.locator(".app-timeline")
    change = history.locator(".app-timeline__item").filter(has_text="Phone")
    expect(change).to_contain_text("From (empty) to 0115 496 0123")
    expect(change).to_contain_text("Reason: Told us at the home visit")
    expect(page.locator("#person-details")).to_contain_text("0115 496 0123")
    _assert_govuk_styled(page, expect, button="Change details")
    problems.check("the person page")
    john = household.memberships.get(person__given_name="John").person
    assert (
        john.phone == "0115 496 0123" and Person.objects.filter(phone="0115 496 0123").count() == 1
    )

    page.screenshot(path=str(SCREENSHOT_DIR / "person-page-after-edit.png"), full_page=True)
    page.goto(f"{base}/families/{household.uuid}/")
    expect(page.get_by_role("heading", name="Smith family", exact=True)).to_be_visible()
    page.screenshot(path=str(SCREENSHOT_DIR / "family-page.png"), full_page=True)
    problems.check("the end")


@pytest.mark.django_db(transaction=True)
def test_out_of_scope_family_is_not_found_in_the_browser(live_server, page, transactional_db):
    """R-ACCESS-2 in the browser: a practitioner of another organisation gets the styled 'Page not
    found' page for the lead organisation's family, as for a family that does not exist."""
    from playwright.sync_api import expect

    personas = build_personas()
    base = live_server.url
    problems = PageProblems(page, base)
    device = second_factor(personas.other_org_staff)
    page.goto(f"{base}/sign-in/")
    page.get_by_label("Username").fill(personas.other_org_staff.username)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Find a family")).to_be_visible()
    url = f"{base}/families/{personas.household.uuid}/"
    response = page.goto(url)
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_text("Testington")).to_have_count(0)
    _assert_govuk_styled(page, expect)
    problems.check("the 404 page", expected_404=url)
