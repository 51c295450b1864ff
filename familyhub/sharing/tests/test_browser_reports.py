"""'Fathers at FRED by ward and ethnicity' in real Chromium, built and downloaded (R-SHARE-2,
R-SHARE-5): the analyst chooses the agreement, what to count, rows, columns, the period and the
filters; the page shows the protected table ('*' for the small counts) with the notes; the CSV
download carries the same and writes one row of the disclosure log. Every page must load with no
console error (a Content-Security-Policy violation fails the test).

Debian's Chromium (/usr/bin/chromium). Run alone with:
.venv/bin/pytest -m browser familyhub/sharing/tests/test_browser_reports.py
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

import pytest

from familyhub.core.testing import (
    PageProblems,
    build_personas,
    sign_in_browser,
)
from familyhub.rights.models import DisclosureRecord
from familyhub.sharing.tests.reports_data import build_world

pytestmark = [pytest.mark.browser]
SCREENSHOT_DIR = Path(tempfile.gettempdir()) / "familyhub-screenshots"


def _sign_in(page: Any, base: str, user: Any, expect: Any) -> None:
    sign_in_browser(page, base, user)


@pytest.mark.django_db(transaction=True)
def test_fathers_at_fred_by_ward_and_ethnicity(live_server, page, transactional_db):
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    page.set_default_timeout(15_000)
    personas = build_personas()
    world = build_world(personas)
    agreement = world["agreement"]
    base = live_server.url
    problems = PageProblems(page, base)

    _sign_in(page, base, personas.analyst, expect)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    problems.check("the reports page")
    page.get_by_role("button", name="Build a report").click()
    expect(page.get_by_role("heading", name="Build a report")).to_be_visible()
    page.get_by_label("Data sharing agreement").select_option(str(agreement.uuid))
    page.get_by_label("Distinct adults").check()
    page.get_by_label("Rows", exact=True).select_option("ward")
    page.get_by_label("Columns (optional)").select_option("ethnicity_group")
    page.get_by_label("Start of the period").fill("1/1/2026")
    page.get_by_label("End of the period").fill("31/1/2026")
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("FRED (Fathers Reading Every Day)").check()
    page.get_by_label("Father", exact=True).check()
    problems.check("the report builder")
    page.get_by_role("button", name="Produce the report").click()

    table = page.locator('table[data-table="main"]')
    expect(table).to_be_visible()
    st_anns = table.get_by_role("row").filter(has_text="St. Ann's")
    expect(st_anns).to_contain_text("*")
    expect(page.get_by_text("Disclosure control: round-5-suppress-1-7.")).to_be_visible()
    problems.check("the protected report")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "report-fathers-at-fred.png"), full_page=True)
    assert not DisclosureRecord.objects.exists()

    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    path = Path(download.value.path())
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    st = next(r for r in rows if r and r[0] == "St. Ann's")
    assert "*" in st and not {"5", "2", "7"} & set(st[1:])
    assert any("round-5-suppress-1-7" in " ".join(r) for r in rows)
    record = DisclosureRecord.objects.get()
    assert record.kind == "report" and record.agreement_id == agreement.id
    assert record.people_count == 7
    # (The download itself is a navigation Chromium reports as aborted: not checked as a page.)
    page.goto(f"{base}/sharing/reports/")
    expect(page.get_by_role("row").filter(has_text="Released")).to_have_count(1)
