"""Organisations, teams, venues, wards and areas, kept by administrators (R-PEOPLE-4, ADR 0026)."""

from django.urls import path

from familyhub.places import views

app_name = "places"

urlpatterns = [
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_add, name="organisation_add"),
    path(
        "organisations/<uuid:organisation_id>/",
        views.organisation_edit,
        name="organisation_edit",
    ),
    path(
        "organisations/<uuid:organisation_id>/retire/",
        views.organisation_retire,
        name="organisation_retire",
    ),
    path(
        "organisations/<uuid:organisation_id>/reinstate/",
        views.organisation_reinstate,
        name="organisation_reinstate",
    ),
    path("organisations/<uuid:organisation_id>/teams/new/", views.team_add, name="team_add"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/<uuid:team_id>/", views.team_edit, name="team_edit"),
    path("teams/<uuid:team_id>/retire/", views.team_retire, name="team_retire"),
    path("teams/<uuid:team_id>/reinstate/", views.team_reinstate, name="team_reinstate"),
    path("venues/", views.venue_list, name="venue_list"),
    path("venues/new/", views.venue_add, name="venue_add"),
    path("venues/<uuid:venue_id>/", views.venue_edit, name="venue_edit"),
    path("venues/<uuid:venue_id>/retire/", views.venue_retire, name="venue_retire"),
    path("venues/<uuid:venue_id>/reinstate/", views.venue_reinstate, name="venue_reinstate"),
    path("wards/", views.ward_list, name="ward_list"),
    path("wards/<slug:code>/", views.ward_edit, name="ward_edit"),
    path("areas/new/", views.area_add, name="area_add"),
    path("areas/<uuid:area_id>/", views.area_edit, name="area_edit"),
]
