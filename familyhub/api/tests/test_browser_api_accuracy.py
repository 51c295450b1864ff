"""A partner developer checks what a person disputes, in real Chromium (R-RIGHTS-1, R-IMPORT-2;
ADR 0027, ADR 0028): open the API documentation, find the accuracy-challenges route with its
example, authorise with a bearer token, and try it for a person who says their date of birth is
wrong: the answer is 200 with their statement, still being checked. No console error and no
Content-Security-Policy violation on the way.

Debian's Chromium (/usr/bin/chromium, see conftest.py); `playwright install` is never used.
Run alone with: .venv/bin/pytest -m browser familyhub/api/tests/test_browser_api_accuracy.py
"""

from __future__ import annotations

from typing import Any

import pytest

from familyhub.api.tests.conftest import make_token
from familyhub.core.testing import PageProblems, build_personas
from familyhub.rights.testing import a_challenge, a_parent

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_password_hasher")]

STATEMENT = "I was born on the 4th of March, not the 3rd."


def test_try_a_persons_challenges_from_the_docs(live_server: Any, page: Any, transactional_db: Any):
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    page.set_default_timeout(15_000)
    personas = build_personas()
    person = a_parent(personas.household)
    challenge = a_challenge(personas.practitioner, person, statement=STATEMENT)
    token = make_token(personas.practitioner)
    base = live_server.url
    problems = PageProblems(page, base)

    page.goto(f"{base}/api/docs/")
    route = page.locator("#operations-people-people_accuracy_challenges_list")
    expect(route).to_be_visible()
    expect(route).to_contain_text("/api/v1/people/{id}/accuracy-challenges/")
    route.locator(".opblock-summary").click()
    expect(route.get_by_text("not_corrected").first).to_be_visible()  # the documented example

    page.get_by_role("button", name="Authorize").first.click()
    bearer = page.locator(".dialog-ux .auth-container").filter(has_text="bearerAuth")
    bearer.locator("input").first.fill(token)
    bearer.locator("button.authorize").click()
    page.locator(".dialog-ux button.btn-done").first.click()

    route.get_by_role("button", name="Try it out").click()
    route.locator("tr[data-param-name='id'] input").fill(str(person.uuid))
    route.get_by_role("button", name="Execute").click()
    live = route.locator(".live-responses-table")
    expect(live.locator("tr.response td.response-col_status").first).to_contain_text("200")
    expect(live).to_contain_text(str(challenge.uuid))
    expect(live).to_contain_text(STATEMENT)
    expect(live).to_contain_text('"outcome": "checking"')
    problems.check("/api/docs/")
