"""'The person says this is wrong' in real Chromium (R-RIGHTS-1; Articles 16 and 18(1)(a);
ADR 0027).

A mother asked, by email, for a home visit note to be corrected: it says she 'seemed low', and she
says she did not. The DPO opens her rectification request from the dashboard, records that she
disputes the record of that visit with her statement in her words, decides it is not corrected
(the note is the worker's opinion at the time) and closes the request as refused. Her family
worker then sees the notice, with her statement, on the visit in the family's contacts page, and on
her person page. No console error and no Content-Security-Policy violation on any page.

Debian's Chromium (/usr/bin/chromium); `playwright install` is never used. Run alone with:
.venv/bin/pytest -m browser familyhub/rights/tests/test_browser_accuracy.py
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from familyhub.core.testing import PageProblems, build_personas, sign_in_browser
from familyhub.rights.models import AccuracyChallenge, RequestKind, Status
from familyhub.rights.testing import a_parent, a_visit, make_request

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_password_hasher")]
SCREENSHOT_DIR = Path(tempfile.gettempdir()) / "familyhub-screenshots"
STATEMENT = "I did not seem low: I was tired because the baby was up all night with a cold."


def _sign_out(page: Any) -> None:
    with page.expect_navigation(url="**/sign-in/**"):
        page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").wait_for()


@pytest.mark.django_db(transaction=True)
def test_the_dpo_notes_a_disputed_visit_note_and_the_worker_sees_it(
    live_server, page, transactional_db
):
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    page.set_default_timeout(15_000)
    personas = build_personas()
    mother = a_parent(personas.household)
    visit = a_visit(
        personas.practitioner,
        personas.household,
        mother,
        occurred_at=timezone.now() - timedelta(days=5),
        notes="Mum seemed low and withdrawn; the flat was cold.",
    )
    when = timezone.localtime(visit.occurred_at).strftime("%d/%m/%Y")
    rr = make_request(
        personas.dpo,
        mother,
        kind=RequestKind.RECTIFICATION,
        description="The note of the home visit says I seemed low. That is wrong.",
    )
    base = live_server.url
    problems = PageProblems(page, base)

    # The DPO opens the rectification request from the dashboard.
    sign_in_browser(page, base, personas.dpo)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Rights requests").click()
    page.get_by_role("link", name=rr.reference).first.click()
    expect(page.get_by_role("heading", name=f"{rr.reference}: Correct their data")).to_be_visible()
    problems.check("the rectification request")

    # She disputes the record of the visit: her statement, in her words.
    page.get_by_role("link", name="Record what they say is wrong").click()
    expect(page.get_by_role("heading", name="Record what they say is wrong")).to_be_visible()
    page.get_by_role("button", name="Record their challenge").click()  # nothing chosen yet
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose what they say is wrong")
    problems.check("the refused form")
    page.get_by_label("What do they say is wrong?").select_option(f"contact:{visit.uuid}")
    page.get_by_label("Their statement").fill(STATEMENT)
    page.get_by_role("button", name="Record their challenge").click()
    expect(page.get_by_text(f"Recorded: {mother.display_name} says the record")).to_be_visible()
    challenge = AccuracyChallenge.objects.get()
    expect(page.locator(f"#challenge-{challenge.uuid}")).to_contain_text(STATEMENT)
    expect(page.locator("#completion-problem")).to_contain_text("still being checked")
    problems.check("the challenge recorded")

    # Not corrected: the note is the worker's opinion at the time; she was told why.
    page.get_by_role("link", name="Record the outcome").click()
    page.get_by_label("No: the record stays as it is, with their statement beside it").check()
    page.get_by_label("What was corrected, or why not").fill(
        "The note records what the worker saw at the time; her statement is kept beside it. "
        "She may complain to the ICO."
    )
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.get_by_text("Outcome recorded: not corrected")).to_be_visible()
    expect(page.locator(f"#challenge-{challenge.uuid}")).to_contain_text("Not corrected")
    problems.check("the outcome")

    page.get_by_role("link", name="Close the request").click()
    page.get_by_label("Refused", exact=True).check()
    page.get_by_label("What was done and what they were told").fill(
        "Told her the note stays as the worker's opinion, with her statement beside it."
    )
    page.get_by_label("Reasons for refusing").fill("A record of professional opinion")
    page.get_by_role("button", name="Close the request").click()
    expect(page.get_by_text(f"Request {rr.reference} closed.")).to_be_visible()
    rr.refresh_from_db()
    assert rr.status == Status.CLOSED and not rr.no_challenge_note
    problems.check("closing the request")
    _sign_out(page)

    # Her family worker sees the notice on the visit, in the family's contacts.
    sign_in_browser(page, base, personas.practitioner)
    page.goto(f"{base}/families/{personas.household.uuid}/")
    page.get_by_role("link", name="All contacts, visits and actions").click()
    expect(page.get_by_role("heading", name="Contacts and visits")).to_be_visible()
    notice = page.locator(f"#disputes-{visit.uuid}")
    expect(notice).to_contain_text(f"{mother.display_name} disputes the record of the home visit")
    expect(notice).to_contain_text(when)
    expect(notice).to_contain_text(STATEMENT)
    expect(notice).to_contain_text("Not corrected")
    expect(page.locator(f"#contact-{visit.uuid}")).to_contain_text("Disputed")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.locator(f"#contact-{visit.uuid}").screenshot(
        path=str(SCREENSHOT_DIR / "accuracy-contact.png")
    )
    problems.check("the contacts page")

    # ... and on her person page.
    page.goto(f"{base}/people/{mother.uuid}/")
    banner = page.locator("#accuracy-disputes")
    expect(banner).to_contain_text(f"Disputed by {mother.display_name}")
    expect(banner).to_contain_text(STATEMENT)
    expect(banner).to_contain_text(f"with rights request {rr.reference}")
    page.screenshot(path=str(SCREENSHOT_DIR / "accuracy-person.png"))
    problems.check("the person page")
