from django.urls import path

from familyhub.people.views import records, registration
from familyhub.people.views.search import search_view

app_name = "people"

urlpatterns = [
    path("search/", search_view, name="search"),
    path("households/new/", registration.start, name="household_register_start"),
    path("households/new/people/", registration.members, name="household_register_members"),
    path(
        "households/new/relationships/",
        registration.relationships,
        name="household_register_relationships",
    ),
    path("households/new/check/", registration.check, name="household_register_check"),
    path("households/new/cancel/", registration.cancel, name="household_register_cancel"),
    path("families/", records.household_list, name="household_list"),
    path("families/<uuid:household_id>/", records.household_detail, name="household_detail"),
    path(
        "families/<uuid:household_id>/history/", records.household_history, name="household_history"
    ),
    path("families/<uuid:household_id>/edit/", records.household_edit, name="household_edit"),
    path("families/<uuid:household_id>/move/", records.household_move, name="household_move"),
    path(
        "families/<uuid:household_id>/add-person/",
        records.household_add_member,
        name="household_add_member",
    ),
    path(
        "families/<uuid:household_id>/relationships/new/",
        records.relationship_add,
        name="relationship_add",
    ),
    path(
        "memberships/<uuid:membership_id>/change/",
        records.membership_change,
        name="membership_change",
    ),
    path("people/<uuid:person_id>/", records.person_detail, name="person_detail"),
    path("people/<uuid:person_id>/edit/", records.person_edit, name="person_edit"),
    path("people/<uuid:person_id>/birth/", records.person_record_birth, name="person_record_birth"),
    path(
        "people/<uuid:person_id>/identifiers/",
        records.person_identifiers,
        name="person_identifiers",
    ),
]
