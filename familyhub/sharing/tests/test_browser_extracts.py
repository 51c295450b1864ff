"""The DPO produces a de-personalised extract and sees it in the disclosure log, in real Chromium
(R-SHARE-3, R-SHARE-5; issue 8's Playwright journey).

Debian's Chromium (/usr/bin/chromium, see familyhub/conftest.py); `playwright install` is never used.
Run alone with: .venv/bin/pytest -m browser familyhub/sharing/tests/test_browser_extracts.py
"""

from __future__ import annotations

from typing import Any

import pytest

from familyhub.core.testing import (
    PageProblems,
    build_personas,
    make_household,
    sign_in_browser,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_password_hasher")]


def _sign_in(page: Any, base: str, user: Any) -> None:
    sign_in_browser(page, base, user)


@pytest.mark.django_db(transaction=True)
def test_dpo_produces_a_depersonalised_extract_and_finds_it_in_the_log(
    live_server, page, transactional_db
):
    from playwright.sync_api import expect

    from familyhub.sharing.models import Level
    from familyhub.sharing.testing import make_agreement

    expect.set_options(timeout=10_000)
    page.set_default_timeout(10_000)
    personas = build_personas()
    for _ in range(6):
        make_household(organisation=personas.lead, ward=personas.ward, children=1)
    agreement = make_agreement(
        level=Level.DEPERSONALISED,
        reference="DSA-2026-EVAL",
        recipient="SSBC Evaluation Partner",
        items=["pseudonym", "birth_month_year", "sex_field", "ward_field"],
        k_threshold=3,
        l_threshold=1,
    )
    base = live_server.url
    problems = PageProblems(page, base)
    _sign_in(page, base, personas.dpo)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Extracts").click()
    expect(page.get_by_role("heading", name="Extracts")).to_be_visible()
    page.get_by_role("link", name="Produce an extract").click()
    problems.check("the extract form")
    page.get_by_role(
        "radio", name="De-personalised (pseudonyms, generalised, risk-checked)"
    ).check()
    page.get_by_label("Data sharing agreement").select_option(agreement.reference)
    page.get_by_role("radio", name="Children (under 18)").check()
    for label in (
        "Pseudonym (keyed per agreement) (de-personalised only)",
        "Month and year of birth (de-personalised only)",
        "Sex",
        "Ward of residence",
    ):
        page.get_by_role("checkbox", name=label, exact=True).check()
    page.get_by_role("button", name="Produce the extract").click()

    expect(page.get_by_text("Extract produced and recorded in the disclosure log.")).to_be_visible()
    expect(page.get_by_test_id("records")).to_have_text("7")
    expect(page.get_by_test_id("k")).to_contain_text("threshold 3")
    problems.check("the extract")
    # The file, fetched with the page's session (a click would start a download, which Chromium
    # reports as an aborted navigation).
    href = page.get_by_role("link", name="Download the file").get_attribute("href")
    file = page.request.get(f"{base}{href}")
    assert file.ok and "DSA-2026-EVAL-extract-" in file.headers["content-disposition"]
    assert file.text().splitlines()[0] == "pseudonym,age_band,sex,ward" or file.text().startswith(
        "pseudonym,"
    )

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Disclosure log").click()
    expect(page.get_by_role("heading", name="Disclosure log")).to_be_visible()
    page.get_by_label("Kind").select_option("extract_depersonalised")
    page.get_by_role("button", name="Search").click()
    row = page.get_by_role("row").filter(has_text="SSBC Evaluation Partner")
    expect(row).to_contain_text("De-personalised extract")
    row.get_by_role("link").click()
    expect(page.get_by_test_id("people-count")).to_have_text("7")
    expect(page.get_by_text(agreement.reference).first).to_be_visible()
    problems.check("the disclosure record")
