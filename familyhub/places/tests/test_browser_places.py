"""Setting up a partner in real Chromium (R-PEOPLE-4, R-ENGAGE-2): the administrator adds a partner
organisation serving two wards, adds a team to it and a venue, then retires the venue. No console
error and no Content-Security-Policy violation on any page.

Run alone with: .venv/bin/pytest -m browser familyhub/places/tests/test_browser_places.py
"""

from __future__ import annotations

import pytest

from familyhub.core.testing import PageProblems, build_personas, sign_in_browser
from familyhub.places.models import Organisation, Team, Venue

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_password_hasher")]


@pytest.mark.django_db(transaction=True)
def test_admin_sets_up_a_partner_a_team_and_a_venue(live_server, page, transactional_db):
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    page.set_default_timeout(10_000)
    personas = build_personas()
    base = live_server.url
    problems = PageProblems(page, base)
    sign_in_browser(page, base, personas.admin)

    # From the navigation to a new partner organisation serving Bulwell and Aspley.
    page.get_by_role("link", name="Organisations and places").click()
    expect(page.get_by_role("heading", name="Organisations", exact=True)).to_be_visible()
    problems.check("the organisations list")
    page.get_by_role("button", name="Add an organisation").click()
    # Nothing typed: every problem at its field.
    page.get_by_role("button", name="Add the organisation").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the organisation's name")
    expect(summary).to_contain_text("Choose what kind of organisation it is")
    page.get_by_label("Name").fill("Bestwood Family Friends")
    page.get_by_label("Kind of organisation").select_option(label="Delivery partner")
    page.get_by_label("ODS code").fill("8jx12")
    page.get_by_label("Bulwell (E05012275)").check()
    page.get_by_label("Aspley (E05012270)").check()
    page.get_by_role("button", name="Add the organisation").click()
    expect(page.get_by_role("heading", name="Bestwood Family Friends")).to_be_visible()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Bestwood Family Friends added"
    )
    expect(page.locator("#changes")).to_contain_text("serves Aspley, Bulwell")
    problems.check("the new organisation")
    org = Organisation.objects.get(name="Bestwood Family Friends")
    assert org.ods_code == "8JX12"
    assert set(org.served_wards.values_list("code", flat=True)) == {"E05012275", "E05012270"}

    # A team of it.
    page.get_by_role("link", name="Add a team to Bestwood Family Friends").click()
    page.get_by_label("Team name").fill("Home visiting team")
    page.get_by_label("Area").select_option(label="Bulwell and Bestwood")
    page.get_by_role("button", name="Add the team").click()
    expect(page.get_by_role("link", name="Home visiting team")).to_be_visible()
    assert Team.objects.get(organisation=org).name == "Home visiting team"
    problems.check("the organisation with its team")

    # A venue, run by it.
    page.get_by_role("link", name="Organisations and places").click()
    page.get_by_role("link", name="Venues").click()
    page.get_by_role("button", name="Add a venue").click()
    page.get_by_label("Name").fill("Bestwood Community Hall")
    page.get_by_label("Address").fill("12 Arnold Road, Nottingham")
    page.get_by_label("Postcode").fill("ng5 5hb")
    page.get_by_label("Ward").select_option(label="Bestwood (E05012273)")
    page.get_by_label("Run by").select_option(label="Bestwood Family Friends")
    page.get_by_role("button", name="Add the venue").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Bestwood Community Hall added"
    )
    problems.check("the venues list")

    # Retire the venue: a reason is needed; it stays, retired, and is listed only as retired.
    page.get_by_role("link", name="Bestwood Community Hall").click()
    page.get_by_role("button", name="Retire Bestwood Community Hall").click()
    page.get_by_role("button", name="Retire Bestwood Community Hall").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why the venue is retired")
    page.get_by_label("Why?").fill("The hall closed for good")
    page.get_by_role("button", name="Retire Bestwood Community Hall").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Bestwood Community Hall is retired"
    )
    expect(page.locator("#changes")).to_contain_text("The hall closed for good")
    problems.check("the retired venue")
    venue = Venue.objects.get(name="Bestwood Community Hall")
    assert not venue.active and venue.organisation == org and venue.postcode == "NG5 5HB"
