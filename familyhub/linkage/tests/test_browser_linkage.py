"""The reviewer's journey in real Chromium (R-LINK-1): review a pair, merge it, see one record,
unmerge it and see both again.

Debian's Chromium (/usr/bin/chromium, see familyhub/conftest.py); `playwright install` is never used.
Run alone with: .venv/bin/pytest -m browser familyhub/linkage/tests/test_browser_linkage.py
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest

from familyhub.core.testing import (
    PageProblems,
    PersonFactory,
    build_personas,
    sign_in_browser,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_password_hasher")]
SCREENSHOTS = Path(tempfile.gettempdir()) / "familyhub-screenshots"


def _sign_in(page: Any, base: str, user: Any) -> None:
    sign_in_browser(page, base, user)


@pytest.mark.django_db(transaction=True)
def test_review_merge_and_unmerge_a_duplicate(live_server, page, transactional_db):
    from playwright.sync_api import expect

    from familyhub.linkage import services
    from familyhub.people.models import Membership, Person

    expect.set_options(timeout=15_000)
    page.set_default_timeout(15_000)
    personas = build_personas()
    child = personas.household.memberships.filter(role="child").order_by("id").first().person
    dup = PersonFactory(
        given_name=child.given_name + "e",
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        nhs_number="",
        phone="07700900777",
    )
    Membership.objects.create(household=personas.household, person=dup, role="child")
    services.duplicates_find_run()

    base = live_server.url
    problems = PageProblems(page, base)
    _sign_in(page, base, personas.team_manager)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Duplicates").click()
    expect(page.get_by_role("heading", name="Possible duplicate records")).to_be_visible()
    problems.check("queue")
    page.locator("table").get_by_role("link", name=re.compile("^Review")).first.click()
    expect(page.get_by_role("heading", name="Are these the same person?")).to_be_visible()
    expect(page.locator("#evidence")).to_contain_text("The same date of birth")
    problems.check("pair")

    # Merge without choosing the record to keep: the error is shown, then fixed.
    page.get_by_role("button", name="Merge these records").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose which record stays")
    # The refused form answers 400 on purpose (Chromium logs that as a console error).
    problems.console = [c for c in problems.console if "status of 400" not in c]
    problems.check("refused merge")
    page.get_by_label(re.compile("^Record 1:")).check()
    page.get_by_label("07700900777").check()
    page.get_by_role("button", name="Merge these records").click()
    expect(page.get_by_role("heading", name="Merge record")).to_be_visible()
    expect(page.locator("#merge-status")).to_have_text("In effect")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "linkage-merged.png"), full_page=True)
    problems.check("merge record")
    assert Person.objects.filter(archived_at__isnull=True, pk__in=[child.pk, dup.pk]).count() == 1

    # The family now shows one record for the child (the history still tells of the merge).
    page.goto(f"{base}/families/{personas.household.uuid}/")
    expect(page.get_by_role("link", name=re.compile(f"^{child.given_name} ")).first).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(f"^{dup.given_name} "))).to_have_count(0)
    page.wait_for_load_state("networkidle")  # the family page loads panels after it

    # Undo it from the merge record.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Duplicates").click()
    page.get_by_role("link", name="Merges").click()
    page.locator("table").get_by_role("link").first.click()
    page.get_by_label("Why").fill("Merged the wrong records")
    page.get_by_role("button", name="Undo the merge").click()
    expect(page.locator("#merge-status")).to_contain_text("Undone")
    problems.check("unmerged")
    assert Person.objects.filter(archived_at__isnull=True, pk__in=[child.pk, dup.pk]).count() == 2
