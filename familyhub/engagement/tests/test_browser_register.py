"""Taking a register at the door in real Chromium (R-ENGAGE-3, ADR 0012).

A group worker takes the register for 20 children, two of them walk-ins not yet registered, with
the network cut for part of it (`context.set_offline(True)`): the ticks and walk-ins made offline
wait in the browser, and everything is saved once the connection returns. The search is used with
the keyboard alone. No console error and no Content-Security-Policy violation is allowed.

Debian's Chromium (/usr/bin/chromium, see familyhub/conftest.py); `playwright install` is never used.
Run alone with: .venv/bin/pytest -m browser familyhub/engagement/tests/test_browser_register.py
"""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone

from familyhub.core.testing import (
    PageProblems,
    build_personas,
    sign_in_browser,
)
from familyhub.engagement.models import Attendance, WalkIn
from familyhub.engagement.testing import a_session, attend, family
from familyhub.places.models import Ward

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_password_hasher")]

FAMILY_NAMES = [
    "Abbott", "Barker", "Cheng", "Dawson", "Ellis", "Fraser", "Gupta", "Hughes", "Iqbal",
    "Jarvis", "Kowalski", "Lambert", "Mensah", "Novak", "Okafor", "Patel", "Quinn", "Rahman",
]  # fmt: skip


def _sign_in(page, base, user, expect):
    sign_in_browser(page, base, user)


@pytest.mark.django_db(transaction=True)
def test_a_register_at_the_door_survives_the_network_going_down(
    live_server, page, transactional_db
):
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    page.set_default_timeout(15_000)
    personas = build_personas()
    worker = personas.group_worker
    bulwell = Ward.objects.get(code="E05012275")
    last_week = a_session(
        organisation=personas.lead, day=timezone.localdate() - timedelta(days=7), start=time(10)
    )
    children = []
    for name in FAMILY_NAMES:
        h = family(
            organisation=personas.lead,
            ward=bulwell,
            family_name=name,
            children=[timezone.localdate() - timedelta(days=500)],
        )
        child = h.memberships.get(role="child").person
        attend(last_week, child)  # last week's regulars are listed on today's register
        children.append(child)
    session = a_session(organisation=personas.lead, workers=[worker])
    base = live_server.url
    problems = PageProblems(page, base)

    _sign_in(page, base, worker, expect)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Sessions").click()
    expect(page.get_by_role("heading", name="Sessions")).to_be_visible()
    page.get_by_role("link", name="Cook and Play").first.click()
    expect(page.get_by_role("heading", name="Cook and Play")).to_be_visible()
    status = page.locator("#register-status")
    expect(status).to_have_text("All saved.")
    problems.check("the register")

    # 1. Online, keyboard only: type a name in the search box (focused on arrival), the down arrow
    #    to the result's button, Enter. Focus comes back to the search box for the next family.
    first = children[0]
    expect(page.locator("#register-q")).to_be_focused()
    page.keyboard.type(first.display_name)
    results = page.locator("#register-results")
    expect(results.get_by_role("button", name=f"Tick {first.display_name}")).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(results.get_by_role("button", name=f"Tick {first.display_name}")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#register-q")).to_be_focused()
    expect(page.get_by_label(first.display_name)).to_be_checked()

    # 2. Online: five more ticked on the list.
    for child in children[1:6]:
        page.get_by_label(child.display_name).check()
    expect(status).to_have_text("All saved.")
    assert Attendance.objects.filter(session=session, present=True).count() == 6
    problems.check("ticking online")

    # 3. The network goes down. Twelve more ticks and two walk-ins (siblings) at the door.
    page.context.set_offline(True)
    for child in children[6:]:
        page.get_by_label(child.display_name).check()
    expect(status).to_contain_text("12 waiting to save: no connection")
    page.get_by_text("Add someone not yet registered").click()
    form = page.locator("#walk-in-form")
    form.get_by_label("First name").fill("Zara")
    form.get_by_label("Last name").fill("Doorway")
    form.get_by_label("Date of birth").fill("14/02/2025")
    form.get_by_label("Postcode").fill("NG6 8AB")
    form.get_by_role("button", name="Add and tick").click()
    # The last name and postcode stay for the next member of the family, who joins it.
    expect(form.get_by_label("Last name")).to_have_value("Doorway")
    expect(form.get_by_label("Same family as")).to_have_value(re.compile(r"^[0-9a-f-]{36}$"))
    form.get_by_label("First name").fill("Zain")
    form.get_by_label("Date of birth").fill("01/09/2023")
    form.get_by_role("button", name="Add and tick").click()
    expect(status).to_contain_text("14 waiting to save: no connection")
    expect(page.locator('[data-count="children"]')).to_have_text("20")
    queued = page.evaluate(
        "key => JSON.parse(localStorage.getItem(key)).length",
        f"familyhub.register.{worker.pk}.{session.uuid}",
    )
    assert queued == 14  # kept in the browser, not yet on the server
    assert Attendance.objects.filter(session=session, present=True).count() == 6
    assert not WalkIn.objects.exists()

    # 4. The connection returns: everything is saved, once.
    page.context.set_offline(False)
    expect(status).to_have_text("All saved.")
    assert Attendance.objects.filter(session=session, present=True, as_child=True).count() == 20
    walk_ins = list(WalkIn.objects.select_related("person", "household").order_by("created_at"))
    assert [w.person.given_name for w in walk_ins] == ["Zara", "Zain"]
    assert walk_ins[0].household == walk_ins[1].household  # one family
    assert all(w.completed_at is None for w in walk_ins)  # on the list to complete
    assert (
        page.evaluate(
            "key => JSON.parse(localStorage.getItem(key)).length",
            f"familyhub.register.{worker.pk}.{session.uuid}",
        )
        == 0
    )

    # 5. Reloaded, the page shows what the server holds: twenty children ticked.
    page.reload()
    expect(page.locator('[data-count="children"]')).to_have_text("20")
    expect(page.locator("#register-children input[type=checkbox]:checked")).to_have_count(20)
    expect(page.get_by_label("Zara Doorway")).to_be_checked()
    page.get_by_role("link", name="Sessions", exact=True).first.click()
    page.get_by_role("link", name="People added at the door, to complete").click()
    expect(page.get_by_role("heading", name="Records to complete")).to_be_visible()
    expect(page.locator("#walk-ins")).to_contain_text("Zain Doorway")
    problems.failed = [f for f in problems.failed if "/search/" not in f]  # none expected
    problems.check("after the connection returned")
