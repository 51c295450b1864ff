"""/api/: the schema, its documentation, and version 1 of the REST API."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from familyhub.api.views import accuracy, casework, consents, households, people, sessions
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
    path(
        "households/<str:id>/members/<str:person_id>/",
        households.HouseholdMemberView.as_view(),
        name="api-household-member",
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
    # What the person says is wrong on their record (R-RIGHTS-1, ADR 0027)
    path(
        "people/<str:id>/accuracy-challenges/",
        accuracy.PersonAccuracyChallengesView.as_view(),
        name="api-person-accuracy-challenges",
    ),
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
    # Sessions and attendance (R-ENGAGE-3)
    path("sessions/", sessions.SessionListView.as_view(), name="api-session-list"),
    path("sessions/<str:id>/", sessions.SessionDetailView.as_view(), name="api-session-detail"),
    path(
        "sessions/<str:id>/attendance/",
        sessions.SessionAttendanceView.as_view(),
        name="api-session-attendance",
    ),
    # Casework (R-ENGAGE-4, R-ENGAGE-5, R-ENGAGE-7)
    path(
        "households/<str:id>/contacts/",
        casework.HouseholdContactsView.as_view(),
        name="api-household-contacts",
    ),
    path(
        "households/<str:id>/referrals/",
        casework.HouseholdReferralsView.as_view(),
        name="api-household-referrals",
    ),
    path("referrals/", casework.ReferralListView.as_view(), name="api-referral-list"),
    path("referrals/<str:id>/", casework.ReferralDetailView.as_view(), name="api-referral-detail"),
    path(
        "referrals/<str:id>/accept/",
        casework.ReferralAcceptView.as_view(),
        name="api-referral-accept",
    ),
    path(
        "referrals/<str:id>/decline/",
        casework.ReferralDeclineView.as_view(),
        name="api-referral-decline",
    ),
    path(
        "referrals/<str:id>/withdraw/",
        casework.ReferralWithdrawView.as_view(),
        name="api-referral-withdraw",
    ),
    path(
        "households/<str:id>/outcome-records/",
        casework.HouseholdOutcomeRecordsView.as_view(),
        name="api-household-outcome-records",
    ),
    path(
        "households/<str:id>/outcome-reviews/",
        casework.HouseholdOutcomeReviewsView.as_view(),
        name="api-household-outcome-reviews",
    ),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", ApiDocsView.as_view(), name="api-docs"),
    path("v1/", include(v1)),
    re_path(r"^", NotFoundView.as_view()),
]
