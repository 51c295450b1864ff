"""A parent's subject access request in real Chromium, from receipt to a released pack
(R-RIGHTS-1, R-RIGHTS-2).

The DPO records the request as it arrived, finds the mother with the person-finder, records the
identity check, generates the pack from the data map, withholds one item about her child and
releases the rest, reads the released document, and closes the request. Every page must load its
styles and scripts with no console error (a Content-Security-Policy violation fails the test).

Debian's Chromium (/usr/bin/chromium); `playwright install` is never used. Run alone with:
.venv/bin/pytest -m browser familyhub/rights/tests/test_browser_rights.py
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from familyhub.access.models import AccessLogEntry
from familyhub.core.testing import (
    PageProblems,
    build_personas,
    sign_in_browser,
)
from familyhub.rights.models import AccessPack, DisclosureRecord, RightsRequest, Status
from familyhub.rights.sar import WITHHELD
from familyhub.rights.testing import a_child, a_parent

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_password_hasher")]
SCREENSHOT_DIR = Path(tempfile.gettempdir()) / "familyhub-screenshots"


def _sign_in(page: Any, base: str, user: Any, expect: Any) -> None:
    sign_in_browser(page, base, user)


@pytest.mark.django_db(transaction=True)
def test_a_parents_access_request_from_receipt_to_a_released_pack(
    live_server, page, transactional_db
):
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    page.set_default_timeout(15_000)
    personas = build_personas()
    mother, child = a_parent(personas.household), a_child(personas.household)
    base = live_server.url
    problems = PageProblems(page, base)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    _sign_in(page, base, personas.dpo, expect)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Rights requests").click()
    expect(page.get_by_role("heading", name="Rights requests", exact=True)).to_be_visible()
    problems.check("the dashboard")

    # Receipt: the mother emailed asking for everything held about her.
    page.get_by_role("link", name="Record a request").click()
    expect(page.get_by_role("heading", name="Record a rights request")).to_be_visible()
    page.get_by_label("Access to their data (subject access, Article 15)").check()
    page.get_by_label("What they asked for").fill("Please send me everything you hold about me.")
    page.get_by_label("Date received").fill(timezone.localdate().strftime("%d/%m/%Y"))
    page.get_by_label("How did it arrive?").select_option("email")
    page.get_by_label("The person themselves").check()
    page.get_by_label("Where to send the answer").fill("By email to the address on her record")
    page.get_by_role("button", name="Record the request").click()
    rr = RightsRequest.objects.get()
    expect(page.get_by_text(f"Request {rr.reference} recorded")).to_be_visible()
    problems.check("recording the request")

    # Find her: last name and date of birth (the finder does not browse).
    expect(page.get_by_role("heading", name="Find the person the request is about")).to_be_visible()
    page.get_by_label("Last name").fill(mother.family_name)
    page.get_by_label("Date of birth").fill(mother.date_of_birth.strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Search").click()
    found = page.locator("#found")
    expect(found).to_contain_text(mother.display_name)
    found.get_by_role("button", name="This is the person").click()
    expect(page.get_by_role("heading", name=f"{rr.reference}: Access")).to_be_visible()
    expect(page.locator("#about")).to_contain_text(mother.display_name)
    expect(page.locator("#identity")).to_contain_text("Not checked")
    problems.check("finding the person")

    # The identity check: what was seen.
    page.get_by_role("link", name="Record the check").click()
    page.get_by_label(
        "Identity documents seen (for example passport, driving licence, bill)"
    ).check()
    page.get_by_label("What was seen or checked").fill(
        "Passport and council tax bill seen at Bulwell children's centre"
    )
    page.get_by_role("button", name="Save the identity check").click()
    expect(page.get_by_text("Identity check recorded.")).to_be_visible()
    expect(page.locator("#identity")).to_contain_text("Checked")
    problems.check("the identity check")

    # Generate the pack: the items about other people wait for a decision.
    page.get_by_role("button", name="Generate the subject access pack").click()
    expect(page.get_by_role("heading", name="Review the pack")).to_be_visible()
    pack = AccessPack.objects.get()
    items = pack.review_items
    child_membership = next(
        i
        for i in items
        if i["why"] == "A record about another person" and i["about"] == [child.display_name]
    )
    for item in items:
        if item is child_membership:
            page.locator(f"[id='decision-{item['item']}-redact']").check()
            page.locator(f"[id='reason-{item['item']}']").fill(
                "About her son; not part of her data"
            )
        else:
            page.locator(f"[id='decision-{item['item']}']").check()
            page.locator(f"[id='reason-{item['item']}']").fill(
                "Her own family: she knows it already"
            )
    page.screenshot(path=str(SCREENSHOT_DIR / "rights-pack-review.png"), full_page=True)
    page.get_by_role("button", name="Save decisions").click()
    expect(page.get_by_text("Decisions saved.")).to_be_visible()
    problems.check("the review")

    # Release it: a disclosure, with its checksum.
    page.get_by_role("link", name="Release the pack").click()
    expect(page.get_by_label("Who receives the pack")).to_have_value(
        f"{mother.display_name} (the person themselves)"
    )
    page.get_by_label("How it is sent").fill("Secure email")
    page.get_by_role("button", name="Release the pack").click()
    disclosure = DisclosureRecord.objects.get()
    expect(page.get_by_text(f"SHA-256 of the JSON: {disclosure.sha256}")).to_be_visible()
    expect(page.locator("#disclosures")).to_contain_text(disclosure.sha256)
    problems.check("the release")
    assert AccessLogEntry.objects.filter(action="export", reason=rr.reference).count() == 1

    # The released document: the withheld item is marked, the rest is there, printable.
    page.get_by_role("link", name="Read the released pack").click()
    expect(page.get_by_role("heading", name="Your personal data")).to_be_visible()
    expect(page.locator("#withheld-notice")).to_contain_text("1 item was withheld")
    expect(page.get_by_text(WITHHELD).first).to_be_visible()
    expect(page.get_by_role("heading", name="Who has looked at your record")).to_be_visible()
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_visible()
    released = page.content()
    assert "Draft" not in released
    pack.refresh_from_db()
    body = page.request.get(page.url).body()
    assert hashlib.sha256(body).hexdigest() == pack.html_sha256
    page.screenshot(path=str(SCREENSHOT_DIR / "rights-released-pack.png"), full_page=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "rights-released-pack-top.png"))
    page.locator("#topic-family-relationship").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOT_DIR / "rights-released-pack-family.png"))
    problems.check("the released document")

    # Close the request: done in full.
    page.go_back()
    page.get_by_role("link", name="Close the request").click()
    page.get_by_label("Done in full").check()
    page.get_by_label("What was done and what they were told").fill(
        "Pack sent by secure email; one item about her son withheld and she was told why."
    )
    page.get_by_role("button", name="Close the request").click()
    expect(page.get_by_text(f"Request {rr.reference} closed.")).to_be_visible()
    rr.refresh_from_db()
    assert rr.status == Status.CLOSED and rr.outcome == "completed"
    problems.check("closing the request")
