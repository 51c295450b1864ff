"""The places routes' rows of the authorization matrix (R-ACCESS-1, R-PEOPLE-4, ADR 0026).

`familyhub/core/tests/test_authorization_matrix.py` adds PLACES_TABLE to its TABLE, so that every
route of the administrators' organisations, teams, venues, wards and areas pages is requested as
every persona and listed in docs/access-matrix.md. Columns, in order: practitioner group_worker
team_manager partner_staff analyst dpo admin other_org_staff anonymous.

Only administrators (MANAGE_REFERENCE) reach these pages; everybody else is refused before any
record is read. The records in the paths are made by `_setup` with fixed ids (an organisation with a
team, a venue, an area), so the administrator's requests reach real records; an empty POST is
refused by the form or the service (no name, no reason, no area chosen) and changes nothing.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from familyhub.core.tests.access_matrix import Route, row

ADMINS = row("forbidden forbidden forbidden forbidden forbidden forbidden ok forbidden login")

ORGANISATION = UUID("5a1e0000-0000-4000-8000-00000000000a")
TEAM = UUID("5a1e0000-0000-4000-8000-00000000000b")
VENUE = UUID("5a1e0000-0000-4000-8000-00000000000c")
AREA = UUID("5a1e0000-0000-4000-8000-00000000000d")
BULWELL = "E05012275"


def _setup(personas: Any) -> None:
    from familyhub.places.models import Area, Organisation, Team, Venue

    org = Organisation.objects.create(
        uuid=ORGANISATION, name="Matrix Partner", kind=Organisation.Kind.DELIVERY_PARTNER
    )
    org.served_wards.add(personas.ward)
    Team.objects.create(uuid=TEAM, organisation=org, name="Matrix team")
    Venue.objects.create(uuid=VENUE, name="Matrix Community Centre", ward=personas.ward)
    Area.objects.create(uuid=AREA, name="Matrix area")


def _page(path: str | None = None, note: str = "", rows: Any = ADMINS) -> Route:
    return Route(methods={"GET": rows, "POST": rows}, sample_path=path, note=note, setup=_setup)


EMPTY = "an empty form is shown again with its errors; nothing is saved"
IN_USE = "requested for a record in use: a redirect back to it"
STATUS = "a page listing what stops it, and the reason asked for; an empty form saves nothing"

PLACES_TABLE: dict[str, Route] = {
    "places:organisation_list": _page(note="administrators keep the organisations"),
    "places:organisation_add": _page(note=EMPTY),
    "places:organisation_edit": _page(f"/organisations/{ORGANISATION}/", EMPTY),
    "places:organisation_retire": _page(f"/organisations/{ORGANISATION}/retire/", STATUS),
    "places:organisation_reinstate": _page(f"/organisations/{ORGANISATION}/reinstate/", IN_USE),
    "places:team_add": _page(f"/organisations/{ORGANISATION}/teams/new/", EMPTY),
    "places:team_list": _page(),
    "places:team_edit": _page(f"/teams/{TEAM}/", EMPTY),
    "places:team_retire": _page(f"/teams/{TEAM}/retire/", STATUS),
    "places:team_reinstate": _page(f"/teams/{TEAM}/reinstate/", IN_USE),
    "places:venue_list": _page(),
    "places:venue_add": _page(note=EMPTY),
    "places:venue_edit": _page(f"/venues/{VENUE}/", EMPTY),
    "places:venue_retire": _page(f"/venues/{VENUE}/retire/", STATUS),
    "places:venue_reinstate": _page(f"/venues/{VENUE}/reinstate/", IN_USE),
    "places:ward_list": _page(),
    "places:ward_edit": _page(f"/wards/{BULWELL}/", "an empty form (no area chosen) saves nothing"),
    "places:area_add": _page(note=EMPTY),
    "places:area_edit": _page(f"/areas/{AREA}/", EMPTY),
}
