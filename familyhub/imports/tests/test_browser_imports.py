"""A team manager imports a partner's attendance list in real Chromium (R-IMPORT-1): upload a CSV
with a bad row, match a renamed column, watch it run, see the rejected row, download the rejects.

Debian's Chromium (/usr/bin/chromium, see familyhub/conftest.py); `playwright install` is never used.
Run alone with: .venv/bin/pytest -m browser familyhub/imports/tests/test_browser_imports.py
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from familyhub.core.testing import (
    PageProblems,
    build_personas,
    sign_in_browser,
)
from familyhub.imports.testing import csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_password_hasher")]


def _sign_in(page: Any, base: str, user: Any) -> None:
    sign_in_browser(page, base, user)


@pytest.mark.django_db(transaction=True)
def test_a_manager_imports_attendance_and_downloads_the_rejected_row(
    live_server, page, transactional_db, settings, tmp_path
):
    from playwright.sync_api import expect

    from familyhub.engagement.models import Attendance
    from familyhub.engagement.testing import a_session

    settings.MEDIA_ROOT = tmp_path / "media"
    expect.set_options(timeout=10_000)
    page.set_default_timeout(10_000)
    personas = build_personas()
    session = a_session(organisation=personas.lead)
    parent = personas.household.memberships.filter(role="parent_carer").first().person
    path = tmp_path / "toy-library-register.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["Sesh", "Person", "Attended"],
                [session.uuid, parent.uuid, "Yes"],
                [session.uuid, parent.uuid.hex[:8], "Yes"],
            ]
        )
    )
    base = live_server.url
    problems = PageProblems(page, base)
    _sign_in(page, base, personas.team_manager)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", name="Imports")).to_be_visible()
    problems.check("the imports list")
    page.get_by_role("button", name="Upload a file").click()
    page.get_by_label("Attendance at sessions").check()
    page.get_by_label("The file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and match columns").click()

    expect(page.get_by_role("heading", name="Match the columns")).to_be_visible()
    # 'Person' and 'Attended' were matched by name; 'Sesh' was not.
    expect(page.get_by_label("Person id (familyhub)")).to_have_value("Person")
    page.get_by_role("button", name="Import the file").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    problems.check("the mapping page with an error")
    page.get_by_label("Session id (familyhub)").select_option("Sesh")
    page.get_by_role("button", name="Import the file").click()

    expect(page.get_by_test_id("import-status")).to_have_text("Completed")
    expect(page.get_by_test_id("rows-loaded")).to_have_text("1")
    expect(page.get_by_test_id("rows-rejected")).to_have_text("1")
    expect(page.get_by_role("cell", name="is not a familyhub id", exact=False)).to_be_visible()
    problems.check("the batch page")
    assert Attendance.objects.filter(session=session, person=parent, present=True).exists()

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the rejected rows (CSV)").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Row", "Sesh", "Person", "Attended", "Problems"]
    assert rows[1][0] == "3" and "Person" in rows[1][4]
