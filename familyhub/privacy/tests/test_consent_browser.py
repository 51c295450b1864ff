"""Consent in real Chromium (issue 5; R-CONSENT-2, R-CONSENT-3, R-CONSENT-4).

A practitioner records consent for a whole household on one screen (every purpose, a yes for each
person, the parent answering for the children, the scanned form attached), sets a parent's contact
preferences, finds her on the mailing list, withdraws her consent to receiving information, and sees
her leave the mailing list at once. No console error or CSP violation on any page.

Run alone with: .venv/bin/pytest -m browser familyhub/privacy/tests/test_consent_browser.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from familyhub.core.testing import (
    TEST_PASSWORD,
    PageProblems,
    build_personas,
    second_factor,
    totp_code,
)
from familyhub.people.models import Person, Relationship
from familyhub.privacy.models import Consent, Purpose
from familyhub.privacy.testing import make_purpose

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_password_hasher")]

SCREENSHOT_DIR = Path(tempfile.gettempdir()) / "familyhub-screenshots"
PDF = b"%PDF-1.4\n% a scanned consent form\n"


@pytest.mark.django_db(transaction=True)
def test_record_withdraw_and_leave_the_mailing_list(
    live_server, page, transactional_db, settings, tmp_path
):
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path / "media"
    expect.set_options(timeout=10_000)
    page.set_default_timeout(10_000)
    personas = build_personas()
    Purpose.objects.update(active=False)
    register = [
        make_purpose(
            "receiving-information", name="Receiving information", active=True, sort_order=1
        ),
        make_purpose("photos-video", name="Photographs and video", active=True, sort_order=2),
        make_purpose("imagination-library", name="Imagination Library", active=True, sort_order=3),
    ]
    people = [
        m.person for m in personas.household.memberships.select_related("person").order_by("id")
    ]
    mother = people[0]
    Person.objects.filter(pk=mother.pk).update(email="mum@example.org")
    unborn = next(p for p in people if p.is_unborn)
    Relationship.objects.create(
        from_person=mother, to_person=unborn, kind="mother", parental_responsibility=True
    )
    base = live_server.url
    problems = PageProblems(page, base)

    # Sign in with both factors.
    device = second_factor(personas.practitioner)
    page.goto(f"{base}/sign-in/")
    page.get_by_label("Username").fill(personas.practitioner.username)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name="Mailing lists")).to_be_visible()

    # The family page: nothing recorded yet; record consent for the family.
    page.goto(f"{base}/families/{personas.household.uuid}/")
    panel = page.locator("#consent-panel")
    expect(panel).to_contain_text("Not asked")
    problems.check("the family page")
    page.get_by_role("link", name="Record consent for the family").first.click()
    expect(page.get_by_role("heading", name="Record consent")).to_be_visible()
    grid = page.locator("#consent-grid")
    for person in people:
        for purpose in register:
            # Each radio is labelled "Yes – <person>: <purpose>" for screen readers.
            grid.get_by_label(f"Yes – {person.display_name}: {purpose.name}", exact=True).check()
    # Who answered for the children: the mother, the only one with parental responsibility,
    # already chosen.
    for child in people[1:]:
        expect(
            page.get_by_role("group", name=f"Who answered for {child.display_name}?")
        ).to_be_visible()
        expect(
            page.get_by_role("group", name=f"Who answered for {child.display_name}?").get_by_label(
                mother.display_name
            )
        ).to_be_checked()
    page.get_by_role("radio", name="Paper form").check()
    scan = tmp_path / "consent-form.pdf"
    scan.write_bytes(PDF)
    page.get_by_label("Scan of the paper form").set_input_files(str(scan))
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "consent-household.png"), full_page=True)
    problems.check("the household consent screen")
    page.get_by_role("button", name="Save answers").click()

    expect(page.get_by_text(f"{len(people) * len(register)} answers saved for the")).to_be_visible()
    row = page.locator(f'#consent-panel tr[data-person="{mother.uuid}"]')
    expect(row).to_contain_text("Given")
    expect(row.get_by_text("In use")).to_have_count(len(register))
    assert Consent.objects.filter(state="given").count() == len(people) * len(register)
    problems.check("the family page after recording")
    page.locator("#consent").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOT_DIR / "consent-family-panel.png"), full_page=True)

    # Her contact preferences: news by email.
    row.get_by_role("link", name=f"Change contact preferences of {mother.display_name}").click()
    expect(page.get_by_role("heading", name="Contact preferences")).to_be_visible()
    page.get_by_role("group", name="Did they agree to be contacted?").get_by_label("Yes").check()
    page.get_by_label("Email").check()
    page.get_by_label("News, groups and events").check()
    page.get_by_role("button", name="Save contact preferences").click()
    expect(page.get_by_text(f"{mother.display_name}'s contact preferences saved.")).to_be_visible()
    problems.check("contact preferences")

    # She is on the mailing list.
    page.get_by_role("link", name="Mailing lists").click()
    expect(page.get_by_role("heading", name="Mailing list")).to_be_visible()
    expect(page.locator("#mailing-list")).to_contain_text(mother.display_name)
    expect(page.locator("#mailing-list")).to_contain_text("mum@example.org")
    problems.check("the mailing list")

    # Withdraw her consent to receiving information, with the confirmation page.
    page.locator("#mailing-list").get_by_role("link", name=mother.display_name).click()
    expect(
        page.get_by_role("heading", name="Consent and contact preferences", exact=True)
    ).to_be_visible()
    page.get_by_role("link", name="Withdraw consent to Receiving information").click()
    expect(
        page.get_by_role("heading", name="Withdraw consent to 'Receiving information'?")
    ).to_be_visible()
    page.get_by_label("Note").fill("Phoned: no more newsletters")
    page.get_by_role("button", name="Withdraw consent").click()
    expect(page.get_by_text("It takes effect at once.")).to_be_visible()
    line = page.locator('#consent-purposes tr[data-purpose="receiving-information"]')
    expect(line).to_contain_text("Consent withdrawn on")
    expect(page.locator(".app-timeline")).to_contain_text("Reason: Phoned: no more newsletters")
    problems.check("the consent page after withdrawal")
    page.screenshot(path=str(SCREENSHOT_DIR / "consent-person.png"), full_page=True)

    # She has left the mailing list at once.
    page.get_by_role("link", name="Mailing lists").click()
    expect(page.locator("#mailing-list")).not_to_contain_text(mother.display_name)
    expect(page.locator("#mailing-list")).to_contain_text("Nobody is on the list.")
    page.screenshot(path=str(SCREENSHOT_DIR / "mailing-list-after-withdrawal.png"), full_page=True)
    problems.check("the mailing list after withdrawal")
