"""A partner developer's first journey, in real Chromium (R-IMPORT-2): open the API documentation,
find the attendance route with its example, authorise with a bearer token, and try the sessions
list, which answers 200 with the session their organisation runs. No console error and no
Content-Security-Policy violation on the way.

Debian's Chromium (/usr/bin/chromium, see conftest.py); `playwright install` is never used.
Run alone with: .venv/bin/pytest -m browser familyhub/api/tests/test_browser_api_docs.py
"""

from __future__ import annotations

from typing import Any

import pytest

from familyhub.api.tests.conftest import make_token
from familyhub.core.testing import PageProblems, build_personas
from familyhub.engagement.testing import a_session

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_password_hasher")]


def test_try_the_sessions_list_from_the_docs(live_server: Any, page: Any, transactional_db: Any):
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    page.set_default_timeout(15_000)
    personas = build_personas()
    session = a_session(organisation=personas.lead)
    token = make_token(personas.practitioner)
    base = live_server.url
    problems = PageProblems(page, base)

    page.goto(f"{base}/api/docs/")
    expect(page.get_by_text("familyhub API", exact=False).first).to_be_visible()
    # The attendance route is documented, with its example request.
    attendance = page.locator("#operations-sessions-sessions_attendance_create")
    expect(attendance).to_be_visible()
    attendance.locator(".opblock-summary").click()
    expect(attendance.get_by_text("Idempotency-Key").first).to_be_visible()

    # Authorise with the token, as a partner system would send it.
    page.get_by_role("button", name="Authorize").first.click()
    bearer = page.locator(".dialog-ux .auth-container").filter(has_text="bearerAuth")
    bearer.locator("input").first.fill(token)
    bearer.locator("button.authorize").click()
    page.locator(".dialog-ux button.btn-done").first.click()

    sessions = page.locator("#operations-sessions-sessions_list")
    sessions.locator(".opblock-summary").click()
    sessions.get_by_role("button", name="Try it out").click()
    sessions.get_by_role("button", name="Execute").click()
    live = sessions.locator(".live-responses-table")
    expect(live.locator("tr.response td.response-col_status").first).to_contain_text("200")
    expect(live).to_contain_text(str(session.uuid))
    problems.check("/api/docs/")
