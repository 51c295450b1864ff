"""The DPO's journeys in real Chromium (R-RIGHTS-4, R-RETAIN-2): an erasure with one legal
exception, and a disposal dry run followed by a run.

Debian's Chromium (/usr/bin/chromium, see familyhub/conftest.py); `playwright install` is never used.
Run alone with: .venv/bin/pytest -m browser familyhub/retention/tests/test_browser_retention.py
"""

from __future__ import annotations

import re
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from familyhub.core.testing import (
    PageProblems,
    build_personas,
    sign_in_browser,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_password_hasher")]
SCREENSHOTS = Path(tempfile.gettempdir()) / "familyhub-screenshots"


def _sign_in(page: Any, base: str, user: Any) -> None:
    sign_in_browser(page, base, user)


@pytest.mark.django_db(transaction=True)
def test_the_dpo_erases_a_person_keeping_one_item_for_safeguarding(
    live_server, page, transactional_db, settings, tmp_path
):
    from playwright.sync_api import expect

    from familyhub.casework.models import Contact
    from familyhub.casework.services.contacts import contact_record
    from familyhub.people.models import Household, Person
    from familyhub.retention.models import ErasureRecord
    from familyhub.retention.testing import ensure_rules

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FAMILYHUB_EXPORTS_DIR = tmp_path / "exports"
    expect.set_options(timeout=10_000)
    page.set_default_timeout(10_000)
    ensure_rules()
    personas = build_personas()
    household = personas.household
    person = household.memberships.filter(role="parent_carer").order_by("id").first().person
    visit = contact_record(
        actor=personas.practitioner,
        household=household,
        person=person,
        kind=Contact.Kind.HOME_VISIT,
        occurred_at=timezone.now() - timedelta(days=3),
        duration_minutes=60,
        notes="Disclosed a safeguarding concern at the visit",
    )
    base = live_server.url
    problems = PageProblems(page, base)
    _sign_in(page, base, personas.dpo)

    # From the erasures page, the person named on the request (by the link to their page).
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Retention").click()
    expect(page.get_by_role("heading", name="Disposal of records")).to_be_visible()
    page.get_by_role("link", name="Erasures").click()
    page.get_by_label("The person to erase").fill(f"{base}/people/{person.uuid}/")
    page.get_by_role("button", name="See what would be erased").click()
    expect(page.get_by_role("heading", name=f"Erase {person.display_name}")).to_be_visible()
    expect(page.locator("#inventory")).to_contain_text("Contacts")
    problems.check("the erasure page")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "retention-erase-person.png"), full_page=True)

    # Keep the home visit under the safeguarding exception, with the reason.
    item = page.locator("fieldset").filter(has_text=re.compile(r"Keep: Contact"))
    item.get_by_label(re.compile(r"^Keep: Contact")).check()
    item.get_by_label("Legal exception").select_option("safeguarding")
    item.get_by_label("Why it must be kept").fill("Evidence for an open child protection enquiry")
    page.get_by_label("Erasure request reference").fill("RR-2026-0101")
    page.get_by_role("button", name=f"Erase {person.display_name}").click()
    # Not confirmed: refused at the field, the choices kept.
    expect(
        page.get_by_text("Confirm that you have checked what will be erased").first
    ).to_be_visible()
    expect(item.get_by_label("Why it must be kept")).to_have_value(
        "Evidence for an open child protection enquiry"
    )
    page.get_by_label("I have checked what will be erased; this cannot be undone").check()
    page.get_by_role("button", name=f"Erase {person.display_name}").click()

    # The erasure record: what was kept and why; nothing of the person.
    expect(page.get_by_text("The person's records are erased.")).to_be_visible()
    expect(page.locator("#kept")).to_contain_text("Evidence for an open child protection enquiry")
    expect(page.locator("#kept")).to_contain_text("safeguarding")
    expect(page.locator("main")).to_contain_text("RR-2026-0101")
    expect(page.locator("main")).not_to_contain_text(person.given_name)
    problems.check("the erasure record")
    page.screenshot(path=str(SCREENSHOTS / "retention-erasure-record.png"), full_page=True)

    record = ErasureRecord.objects.get()
    assert record.kept[0]["uuid"] == str(visit.uuid)
    assert Contact.objects.filter(pk=visit.pk).exists()  # kept
    stub = Person.objects.get(pk=person.pk)  # the stub the kept visit points at
    assert stub.given_name == "" and stub.archived_at is not None
    assert not stub.memberships.exists()
    assert Household.objects.filter(pk=household.pk).exists()  # the others keep their family


@pytest.mark.django_db(transaction=True)
def test_the_dpo_runs_a_disposal_dry_run_then_disposes(live_server, page, transactional_db):
    from playwright.sync_api import expect

    from familyhub.core.testing import make_household
    from familyhub.people.models import CaseAllocation, Household
    from familyhub.retention import services
    from familyhub.retention.models import DisposalRun, Hold
    from familyhub.retention.testing import ensure_rules

    expect.set_options(timeout=15_000)
    page.set_default_timeout(15_000)
    ensure_rules()
    personas = build_personas()
    old = []
    for name in ("Longago", "Yesteryear", "Heldover"):
        h = make_household(organisation=personas.lead, family_name=name)
        when = date(2018, 3, 1)
        Household.objects.filter(pk=h.pk).update(
            created_at=timezone.make_aware(timezone.datetime(2017, 1, 1, 12))
        )
        CaseAllocation.objects.filter(household=h).update(
            started_on=date(2017, 1, 1), ended_on=when
        )
        old.append(h)
    services.hold_place(
        actor=personas.dpo,
        kind=Hold.Kind.LEGAL,
        reason="claim",
        household=old[2],
        reference="LC-77",
    )
    base = live_server.url
    problems = PageProblems(page, base)
    _sign_in(page, base, personas.dpo)
    page.goto(f"{base}/retention/")
    expect(page.locator("#latest-dry-run")).to_contain_text("No dry run yet")
    expect(page.get_by_label("A dry run: list what is due, change nothing")).to_be_checked()
    problems.check("the disposal page")

    # The dry run (the default): what, why, how many; nothing changes.
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Dry run of"))).to_be_visible()
    expect(page.get_by_text("The dry run is ready.")).to_be_visible()
    counts = page.locator("#run-counts tr").filter(has_text="Families (case records)")
    expect(counts).to_contain_text("due: 3; on hold: 1; to dispose of: 2; kept: 0")
    expect(page.locator("main")).to_contain_text(f"Family record {str(old[0].uuid)[:8]}")
    expect(page.locator("main")).to_contain_text("due since 01/03/2024")
    expect(page.locator("main")).not_to_contain_text("Longago")
    assert Household.objects.filter(pk__in=[h.pk for h in old]).count() == 3
    problems.check("the dry run")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Retention").click()
    cases = page.get_by_role("row").filter(has_text="Case records")
    expect(cases.locator("td").nth(1)).to_have_text("3")  # due
    expect(cases.locator("td").nth(2)).to_have_text("1")  # on hold
    expect(cases.locator("td").nth(3)).to_contain_text("2")  # to dispose of
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "retention-dashboard.png"), full_page=True)

    # The run: confirmation needed, then it disposes of the two due families, not the held one.
    page.goto(f"{base}/retention/")
    page.get_by_label("Dispose of what is due").check()
    page.get_by_role("button", name="Start").click()
    expect(
        page.get_by_text("Confirm that you want to dispose of the records").first
    ).to_be_visible()
    page.get_by_label("Dispose of what is due").check()
    page.get_by_label(
        "I understand that disposal erases these records and cannot be undone"
    ).check()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Disposal run of"))).to_be_visible()
    expect(page.locator("#run-status")).to_have_text("Completed")
    log = page.get_by_role("table").filter(has_text="The disposal log")
    expect(log.get_by_role("row").filter(has_text="Disposed of")).to_have_count(2)
    expect(log.get_by_role("row").filter(has_text="Kept: on hold")).to_contain_text("LC-77")
    problems.check("the disposal run")
    page.screenshot(path=str(SCREENSHOTS / "retention-run.png"), full_page=True)
    assert list(Household.objects.filter(pk__in=[h.pk for h in old])) == [old[2]]
    run = DisposalRun.objects.get(dry_run=False)
    assert run.counts["case_records"]["disposed"] == 2 and run.counts["case_records"]["held"] == 1

    # The run history lists both runs.
    page.get_by_role("link", name="All runs").click()
    runs = page.get_by_role("table").filter(has_text="Every run, latest first")
    expect(runs.locator("tbody tr")).to_have_count(2)
    expect(runs).to_contain_text("Dry run")
    expect(runs).to_contain_text("Disposal")
