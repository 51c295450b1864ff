"""/api/: the schema, its documentation, and version 1 of the REST API."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from familyhub.api.views import consents, households, people
from familyhub.api.views.base import NotFoundView
from familyhub.api.views.docs import ApiDocsView

v1 = [
    path("households/", households.HouseholdListView.as_view(), name="api-household-list"),
    path(
        "households/<str:id>/",
        households.HouseholdDetailView.as_view(),
        name="api-household-detail",
    ),
    path(
        "households/<str:id>/move/",
        households.HouseholdMoveView.as_view(),
        name="api-household-move",
    ),
    path(
        "households/<str:id>/members/",
        households.HouseholdMembersView.as_view(),
        name="api-household-members",
    ),
    path("people/", people.PersonListView.as_view(), name="api-person-list"),
    path("people/<str:id>/", people.PersonDetailView.as_view(), name="api-person-detail"),
    path("people/<str:id>/birth/", people.PersonBirthView.as_view(), name="api-person-birth"),
    path(
        "people/<str:id>/relationships/",
        people.PersonRelationshipsView.as_view(),
        name="api-person-relationships",
    ),
    path("relationships/", people.RelationshipListView.as_view(), name="api-relationship-list"),
    path(
        "people/<str:id>/consents/",
        consents.PersonConsentsView.as_view(),
        name="api-person-consents",
    ),
    path(
        "people/<str:id>/consents/withdraw/",
        consents.PersonConsentWithdrawView.as_view(),
        name="api-person-consent-withdraw",
    ),
    path(
        "people/<str:id>/contact-preferences/",
        consents.PersonContactPreferencesView.as_view(),
        name="api-person-contact-preferences",
    ),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", ApiDocsView.as_view(), name="api-docs"),
    path("v1/", include(v1)),
    re_path(r"^", NotFoundView.as_view()),
]
