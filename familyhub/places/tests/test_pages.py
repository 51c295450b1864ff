"""The administrators' places pages (R-PEOPLE-4): allowed for administrators only, each persona
checked; forms keep what was typed and show each problem at its field; the history on each edit
page; lists in a number of queries that does not grow with the rows. Every route and persona is
also in the authorization matrix (familyhub/places/tests/matrix.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from familyhub.core.models import ChangeRecord
from familyhub.places import services
from familyhub.places.models import Area, Organisation, Team, Venue, Ward

pytestmark = pytest.mark.django_db

BULWELL, ASPLEY = "E05012275", "E05012270"
OTHERS = ["practitioner", "group_worker", "team_manager", "partner_staff", "analyst", "dpo"]


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("persona", [*OTHERS, "admin", None])
def test_only_administrators_reach_the_pages(personas, client_for, persona):
    client = client_for(getattr(personas, persona) if persona else None)
    urls = [
        reverse("places:organisation_list"),
        reverse("places:organisation_edit", args=[personas.partner.uuid]),
        reverse("places:team_edit", args=[personas.team.uuid]),
        reverse("places:venue_add"),
        reverse("places:ward_edit", args=[BULWELL]),
    ]
    for url in urls:
        response = client.get(url)
        if persona == "admin":
            assert response.status_code == 200, url
        elif persona is None:
            assert response.status_code == 302 and "/sign-in/" in response["Location"], url
        else:
            assert response.status_code == 403, (persona, url)
    response = client.post(reverse("places:organisation_add"), {"name": "New", "kind": "other"})
    assert response.status_code == {"admin": 302, None: 302}.get(persona, 403)
    assert Organisation.objects.filter(name="New").exists() == (persona == "admin")


def test_the_navigation_leads_administrators_to_the_pages(personas, client_for):
    nav_link = 'href="/organisations/"'
    assert nav_link in client_for(personas.admin).get("/").content.decode()
    assert nav_link not in client_for(personas.practitioner).get("/").content.decode()


def test_adding_a_partner_with_wards_grouped_by_area(personas, client_for):
    client = client_for(personas.admin)
    page = _text(client.get(reverse("places:organisation_add")))
    # The wards as checkboxes, under their area's heading.
    bulwell = Ward.objects.select_related("area").get(code=BULWELL)
    heading = page.index(f">{bulwell.area.name}</h3>")
    assert heading < page.index(f'value="{BULWELL}"')
    response = client.post(
        reverse("places:organisation_add"),
        {
            "name": "Sure Start Friends",
            "kind": "delivery_partner",
            "ods_code": "8jx12",
            "served_wards": [BULWELL, ASPLEY],
        },
    )
    org = Organisation.objects.get(name="Sure Start Friends")
    assert response.status_code == 302
    assert response["Location"] == reverse("places:organisation_edit", args=[org.uuid])
    assert set(org.served_wards.values_list("code", flat=True)) == {BULWELL, ASPLEY}
    page = _text(client.get(response["Location"]))
    assert "Sure Start Friends added" in page
    assert (
        "Added Sure Start Friends: Delivery partner; ODS code 8JX12; serves Aspley, Bulwell" in page
    )
    assert "admin" in page


def test_problems_are_shown_at_their_fields_with_the_typed_values_kept(personas, client_for):
    client = client_for(personas.admin)
    before = Organisation.objects.count()
    response = client.post(
        reverse("places:organisation_add"),
        {"name": "TEST toy library", "kind": "", "ods_code": "X!", "served_wards": [ASPLEY]},
    )
    assert response.status_code == 200
    page = _text(response)
    assert "There is a problem" in page
    assert "There is already an organisation called Test Toy Library" in page
    assert "Choose what kind of organisation it is" in page
    assert "3 to 10 letters and numbers" in page
    assert 'value="TEST toy library"' in page and 'value="X!"' in page
    assert re.search(rf'value="{ASPLEY}" checked', page)
    assert Organisation.objects.count() == before


def test_editing_shows_the_history_and_refuses_a_stale_save(personas, client_for):
    client = client_for(personas.admin)
    org = personas.partner
    url = reverse("places:organisation_edit", args=[org.uuid])
    form = {
        "name": "Test Toy Library CIC",
        "kind": "delivery_partner",
        "served_wards": [BULWELL, ASPLEY],
        "version": "1",
        "reason": "Now a CIC; took on Aspley",
    }
    assert client.post(url, form).status_code == 302
    page = _text(client.get(url))
    assert "Name Test Toy Library → Test Toy Library CIC" in page
    assert "Served wards Bulwell → Aspley, Bulwell" in page
    assert "Now a CIC; took on Aspley" in page
    # The same form again (version 1): someone saved since, so it is refused and the typed values
    # are kept.
    response = client.post(url, {**form, "name": "Second try"})
    assert response.status_code == 200
    assert "Someone else saved changes" in _text(response)
    assert 'value="Second try"' in _text(response)
    org.refresh_from_db()
    assert org.name == "Test Toy Library CIC" and org.version == 2


def test_the_retire_page_names_what_blocks_it_and_offers_no_button(personas, client_for):
    client = client_for(personas.admin)
    url = reverse("places:organisation_retire", args=[personas.lead.uuid])
    page = _text(client.get(url))
    assert "Test Lead Partnership cannot be retired yet" in page
    assert "6 members of staff still hold a role there" in page
    assert "Retire Test Lead Partnership</button>" not in page
    response = client.post(url, {"reason": "Merged"})  # a crafted POST is refused all the same
    assert "cannot be retired yet" in _text(response)
    personas.lead.refresh_from_db()
    assert personas.lead.active


def test_retiring_and_reinstating_a_venue_through_the_pages(personas, client_for):
    client = client_for(personas.admin)
    venue = services.venue_create(actor=personas.admin, data={"name": "Old Library"})
    url = reverse("places:venue_retire", args=[venue.uuid])
    response = client.post(url, {"reason": ""})
    assert "Say why the venue is retired" in _text(response)
    response = client.post(url, {"reason": "Closed for good"})
    assert response.status_code == 302
    venue.refresh_from_db()
    assert not venue.active
    page = _text(client.get(reverse("places:venue_edit", args=[venue.uuid])))
    assert "Retired" in page and "Active Yes → No" in page and "Closed for good" in page
    assert "Old Library" not in _text(client.get(reverse("places:venue_list")))
    assert "Old Library" in _text(client.get(reverse("places:venue_list") + "?show=retired"))
    client.post(reverse("places:venue_reinstate", args=[venue.uuid]), {"reason": "Reopened"})
    venue.refresh_from_db()
    assert venue.active


def test_a_team_is_added_from_its_organisation_and_edited(personas, client_for):
    client = client_for(personas.admin)
    area = Area.objects.order_by("name").first()
    response = client.post(
        reverse("places:team_add", args=[personas.partner.uuid]),
        {"name": "Play team", "area": str(area.pk)},
    )
    assert response.status_code == 302
    team = Team.objects.get(name="Play team")
    assert team.organisation == personas.partner and team.area == area
    assert "Play team" in _text(client.get(reverse("places:team_list")))
    response = client.post(
        reverse("places:team_edit", args=[team.uuid]),
        {"name": "", "area": "", "version": str(team.version)},
    )
    assert "Enter the team&#x27;s name" in _text(response)


def test_a_ward_is_put_into_an_area_from_its_page(personas, client_for):
    client = client_for(personas.admin)
    url = reverse("places:ward_edit", args=[BULWELL])
    page = _text(client.get(url))
    assert "Test Toy Library" in page  # who serves it
    response = client.post(url, {})
    assert "Choose the area the ward is in" in _text(response)
    response = client.post(url, {"area": "none", "reason": "Regrouping"})
    assert response.status_code == 302
    assert Ward.objects.get(code=BULWELL).area is None
    assert ChangeRecord.objects.filter(field="area", reason="Regrouping").exists()
    area = services.area_create(actor=personas.admin, data={"name": "North"})
    client.post(url, {"area": str(area.uuid)})
    assert Ward.objects.get(code=BULWELL).area == area
    page = _text(client.get(reverse("places:ward_list") + f"?area={area.uuid}"))
    assert "1 ward" in page and "Bulwell" in page


# --- lists: a bounded number of queries, whatever the number of rows --------------------------------


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _more(prefix: str, n: int) -> None:
    """n organisations, each serving five wards, with a team and a venue."""
    wards = list(Ward.objects.select_related("area")[:5])
    for i in range(n):
        org = Organisation.objects.create(name=f"{prefix} {i:03d}", kind="delivery_partner")
        org.served_wards.set(wards)
        Team.objects.create(organisation=org, name=f"{prefix} team {i}", area=wards[0].area)
        Venue.objects.create(name=f"{prefix} hall {i:03d}", organisation=org, ward=wards[0])


@pytest.mark.parametrize(
    "name",
    ["places:organisation_list", "places:team_list", "places:venue_list", "places:ward_list"],
)
def test_lists_take_the_same_number_of_queries_for_few_or_many_rows(
    personas, client_for, django_assert_max_num_queries, name
):
    client = client_for(personas.admin)
    url = reverse(name)
    _more("Few", 2)
    few = _queries(client, url)
    _more("Many", 40)
    assert _queries(client, url) == few
    with django_assert_max_num_queries(12):
        client.get(url)
