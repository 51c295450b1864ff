"""The administrators' pages for organisations, teams, venues, wards and areas (R-PEOPLE-4,
R-ENGAGE-2, ADR 0026). Every change goes through `places.services` (validated, one transaction,
recorded); every page shows the record's history. Administrators only (MANAGE_REFERENCE)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ConcurrentEdit, NotFound, ValidationFailed
from familyhub.core.http import posted
from familyhub.people.forms import apply_errors
from familyhub.places import selectors, services
from familyhub.places.forms import (
    AreaForm,
    OrganisationForm,
    StatusForm,
    TeamForm,
    VenueForm,
    WardAreaForm,
)
from familyhub.places.models import Organisation, Team, Venue

MANAGE = Capability.MANAGE_REFERENCE
PAGE_SIZE = 50


def _list_params(request: HttpRequest) -> dict[str, Any]:
    show = request.GET.get("show", "active")
    if show not in dict(selectors.SHOW_CHOICES):
        show = "active"
    q = request.GET.get("q", "").strip()
    # `query`: the filter again, for the pagination links.
    return {"show": show, "q": q, "query": urlencode({"show": show, "q": q})}


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _found(record: Any) -> Any:
    if record is None:
        raise NotFound("Not found.")
    return record


def _errors_on(form: Any, e: ValidationFailed | ConcurrentEdit) -> None:
    apply_errors(form, e.errors or {"__all__": [e.message]})


# --- organisations ------------------------------------------------------------------------------


@staff_view(MANAGE)
def organisation_list(request: HttpRequest) -> HttpResponse:
    params = _list_params(request)
    page = _page(request, selectors.organisation_list(show=params["show"], search=params["q"]))
    return render(
        request,
        "places/organisation_list.html",
        {"page": page, "show_choices": selectors.SHOW_CHOICES, **params},
    )


@staff_view(MANAGE)
def organisation_add(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organisation_create(
                actor=request.user,
                data=form.service_data(),
                served_wards=list(form.cleaned_data["served_wards"]),
            )
        except ValidationFailed as e:
            _errors_on(form, e)
        else:
            messages.success(request, f"{org.name} added. Add its teams below.")
            return redirect("places:organisation_edit", org.uuid)
    return render(request, "places/organisation_form.html", {"form": form, "organisation": None})


def _organisation_initial(org: Organisation) -> dict[str, Any]:
    return {
        "name": org.name,
        "kind": org.kind,
        "ods_code": org.ods_code,
        "served_wards": list(org.served_wards.all()),
        "version": org.version,
    }


@staff_view(MANAGE)
def organisation_edit(request: HttpRequest, organisation_id: Any) -> HttpResponse:
    """An organisation: its details and wards (changed here), its teams, and its history."""
    org = _found(selectors.organisation_by_uuid(organisation_id))
    form = OrganisationForm(posted(request), initial=_organisation_initial(org), editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                actor=request.user,
                organisation=org,
                data=form.service_data(),
                served_wards=list(form.cleaned_data["served_wards"]),
                expected_version=form.cleaned_data.get("version") or 0,
                reason=form.cleaned_data.get("reason", ""),
            )
        except (ValidationFailed, ConcurrentEdit) as e:
            _errors_on(form, e)
            org = _found(selectors.organisation_by_uuid(organisation_id))
        else:
            messages.success(request, f"{org.name} saved.")
            return redirect("places:organisation_edit", org.uuid)
    teams = selectors.teams_of(org)
    return render(
        request,
        "places/organisation_form.html",
        {
            "form": form,
            "organisation": org,
            "teams": teams,
            "rules": selectors.rules_naming(org),
            "changes": selectors.changes_of(org, *teams),
        },
    )


# --- retiring and reinstating (one page for organisations, teams and venues) ----------------------


@dataclass(frozen=True)
class _Retirable:
    """How to find, retire, reinstate and check one kind of record, and where its page is."""

    find: Callable[[Any], Any]
    retire: Callable[..., Any]
    reinstate: Callable[..., Any]
    blockers: Callable[[Any], list[selectors.Blocker]]
    edit_page: str


RETIRABLE = {
    "organisation": _Retirable(
        selectors.organisation_by_uuid,
        services.organisation_retire,
        services.organisation_reinstate,
        selectors.organisation_blockers,
        "places:organisation_edit",
    ),
    "team": _Retirable(
        selectors.team_by_uuid,
        services.team_retire,
        services.team_reinstate,
        selectors.team_blockers,
        "places:team_edit",
    ),
    "venue": _Retirable(
        selectors.venue_by_uuid,
        services.venue_retire,
        services.venue_reinstate,
        selectors.venue_blockers,
        "places:venue_edit",
    ),
}


def _status(request: HttpRequest, kind: str, record_id: Any, retire: bool) -> HttpResponse:
    how = RETIRABLE[kind]
    record = _found(how.find(record_id))
    service = how.retire if retire else how.reinstate

    def act(**kwargs: Any) -> Any:
        return service(**{kind: record}, **kwargs)

    return _status_page(
        request,
        record,
        retire=retire,
        kind=kind,
        act=act,
        blockers=how.blockers,
        back=reverse(how.edit_page, args=[record.uuid]),
    )


def _status_page(
    request: HttpRequest,
    record: Organisation | Team | Venue,
    *,
    retire: bool,
    kind: str,
    act: Callable[..., Any],
    blockers: Callable[[Any], list[selectors.Blocker]],
    back: str,
) -> HttpResponse:
    """Retire a record (or bring it back into use), with a reason; what still depends on it is
    listed first, and the service refuses while anything does."""
    if record.active != retire:
        messages.info(
            request, f"{record.name} is {'already retired' if retire else 'already in use'}."
        )
        return redirect(back)
    form = StatusForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            act(actor=request.user, reason=form.cleaned_data.get("reason", ""))
        except (ValidationFailed, ConcurrentEdit) as e:
            _errors_on(form, e)
        else:
            messages.success(
                request,
                f"{record.name} is retired: it stays on the records that name it, and is no "
                "longer offered."
                if retire
                else f"{record.name} is back in use.",
            )
            return redirect(back)
    return render(
        request,
        "places/status_form.html",
        {
            "form": form,
            "record": record,
            "kind": kind,
            "retire": retire,
            "blockers": blockers(record) if retire else [],
            "back": back,
        },
    )


@staff_view(MANAGE)
def organisation_retire(request: HttpRequest, organisation_id: Any) -> HttpResponse:
    return _status(request, "organisation", organisation_id, retire=True)


@staff_view(MANAGE)
def organisation_reinstate(request: HttpRequest, organisation_id: Any) -> HttpResponse:
    return _status(request, "organisation", organisation_id, retire=False)


# --- teams ----------------------------------------------------------------------------------------------


@staff_view(MANAGE)
def team_list(request: HttpRequest) -> HttpResponse:
    params = _list_params(request)
    page = _page(request, selectors.team_list(show=params["show"], search=params["q"]))
    return render(
        request,
        "places/team_list.html",
        {"page": page, "show_choices": selectors.SHOW_CHOICES, **params},
    )


@staff_view(MANAGE)
def team_add(request: HttpRequest, organisation_id: Any) -> HttpResponse:
    org = _found(selectors.organisation_by_uuid(organisation_id))
    form = TeamForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(
                actor=request.user, organisation=org, data=form.service_data()
            )
        except ValidationFailed as e:
            _errors_on(form, e)
        else:
            messages.success(request, f"{team.name} added to {org.name}.")
            return redirect("places:organisation_edit", org.uuid)
    return render(
        request, "places/team_form.html", {"form": form, "team": None, "organisation": org}
    )


@staff_view(MANAGE)
def team_edit(request: HttpRequest, team_id: Any) -> HttpResponse:
    team = _found(selectors.team_by_uuid(team_id))
    initial = {"name": team.name, "area": team.area, "version": team.version}
    form = TeamForm(posted(request), initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_update(
                actor=request.user,
                team=team,
                data=form.service_data(),
                expected_version=form.cleaned_data.get("version") or 0,
                reason=form.cleaned_data.get("reason", ""),
            )
        except (ValidationFailed, ConcurrentEdit) as e:
            _errors_on(form, e)
            team = _found(selectors.team_by_uuid(team_id))
        else:
            messages.success(request, f"{team.name} saved.")
            return redirect("places:team_edit", team.uuid)
    return render(
        request,
        "places/team_form.html",
        {
            "form": form,
            "team": team,
            "organisation": team.organisation,
            "changes": selectors.changes_of(team),
        },
    )


@staff_view(MANAGE)
def team_retire(request: HttpRequest, team_id: Any) -> HttpResponse:
    return _status(request, "team", team_id, retire=True)


@staff_view(MANAGE)
def team_reinstate(request: HttpRequest, team_id: Any) -> HttpResponse:
    return _status(request, "team", team_id, retire=False)


# --- venues ---------------------------------------------------------------------------------------------


@staff_view(MANAGE)
def venue_list(request: HttpRequest) -> HttpResponse:
    params = _list_params(request)
    page = _page(request, selectors.venue_list(show=params["show"], search=params["q"]))
    return render(
        request,
        "places/venue_list.html",
        {"page": page, "show_choices": selectors.SHOW_CHOICES, **params},
    )


@staff_view(MANAGE)
def venue_add(request: HttpRequest) -> HttpResponse:
    form = VenueForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            venue = services.venue_create(actor=request.user, data=form.service_data())
        except ValidationFailed as e:
            _errors_on(form, e)
        else:
            messages.success(request, f"{venue.name} added.")
            return redirect("places:venue_list")
    return render(request, "places/venue_form.html", {"form": form, "venue": None})


@staff_view(MANAGE)
def venue_edit(request: HttpRequest, venue_id: Any) -> HttpResponse:
    venue = _found(selectors.venue_by_uuid(venue_id))
    initial = {
        "name": venue.name,
        "address": venue.address,
        "postcode": venue.postcode,
        "ward": venue.ward,
        "organisation": venue.organisation,
        "version": venue.version,
    }
    form = VenueForm(posted(request), initial=initial, editing=True, current=venue)
    if request.method == "POST" and form.is_valid():
        try:
            services.venue_update(
                actor=request.user,
                venue=venue,
                data=form.service_data(),
                expected_version=form.cleaned_data.get("version") or 0,
                reason=form.cleaned_data.get("reason", ""),
            )
        except (ValidationFailed, ConcurrentEdit) as e:
            _errors_on(form, e)
            venue = _found(selectors.venue_by_uuid(venue_id))
        else:
            messages.success(request, f"{venue.name} saved.")
            return redirect("places:venue_edit", venue.uuid)
    return render(
        request,
        "places/venue_form.html",
        {"form": form, "venue": venue, "changes": selectors.changes_of(venue)},
    )


@staff_view(MANAGE)
def venue_retire(request: HttpRequest, venue_id: Any) -> HttpResponse:
    return _status(request, "venue", venue_id, retire=True)


@staff_view(MANAGE)
def venue_reinstate(request: HttpRequest, venue_id: Any) -> HttpResponse:
    return _status(request, "venue", venue_id, retire=False)


# --- wards and areas --------------------------------------------------------------------------------


@staff_view(MANAGE)
def ward_list(request: HttpRequest) -> HttpResponse:
    """Wards with their area and the organisations serving them; the areas, to add or rename."""
    area = request.GET.get("area", "")
    page = _page(request, selectors.ward_list(area=area))
    return render(
        request,
        "places/ward_list.html",
        {
            "page": page,
            "area": area,
            "areas": list(selectors.area_list()),
            "query": urlencode({"area": area}),
        },
    )


@staff_view(MANAGE)
def ward_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Put a ward into an area (the ward itself is ONS reference data, not edited here)."""
    ward = _found(selectors.ward_by_code(code))
    initial = {"area": str(ward.area.uuid) if ward.area else WardAreaForm.NO_AREA}
    form = WardAreaForm(posted(request), initial=initial, areas=list(selectors.area_list()))
    if request.method == "POST" and form.is_valid():
        try:
            services.ward_set_area(
                actor=request.user,
                ward=ward,
                area=form.chosen_area(),
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationFailed as e:
            _errors_on(form, e)
        else:
            where = f"in {ward.area.name}" if ward.area else "in no area"
            messages.success(request, f"{ward.name} is now {where}.")
            return redirect("places:ward_list")
    serving = [o for o in ward.serving_organisations.order_by("name")]
    return render(
        request,
        "places/ward_form.html",
        {"form": form, "ward": ward, "serving": serving, "changes": selectors.changes_of(ward)},
    )


@staff_view(MANAGE)
def area_add(request: HttpRequest) -> HttpResponse:
    form = AreaForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            area = services.area_create(actor=request.user, data=form.cleaned_data)
        except ValidationFailed as e:
            _errors_on(form, e)
        else:
            messages.success(request, f"{area.name} added. Put wards into it from the list.")
            return redirect("places:ward_list")
    return render(request, "places/area_form.html", {"form": form, "area": None})


@staff_view(MANAGE)
def area_edit(request: HttpRequest, area_id: Any) -> HttpResponse:
    area = _found(selectors.area_by_uuid(area_id))
    form = AreaForm(posted(request), initial={"name": area.name}, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.area_rename(
                actor=request.user,
                area=area,
                data=form.cleaned_data,
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationFailed as e:
            _errors_on(form, e)
        else:
            messages.success(request, f"Area renamed {area.name}.")
            return redirect("places:ward_list")
    return render(
        request,
        "places/area_form.html",
        {"form": form, "area": area, "changes": selectors.changes_of(area)},
    )
