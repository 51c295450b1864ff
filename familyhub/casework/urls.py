"""Casework routes (R-ENGAGE-4..9). Family pages sit under /families/<uuid>/ beside people's; every
route is declared for every persona in the authorization matrix (casework/tests/matrix.py)."""

from django.urls import path

from familyhub.casework.views import (
    caseloads,
    enquiries,
    family,
    feedback,
    mailing,
    outcomes,
    referrals,
)

app_name = "casework"

F = "families/<uuid:household_id>/"

urlpatterns = [
    # A family's casework (the household is fetched through access.household_for).
    path(F + "contacts/", family.family_contacts, name="family_contacts"),
    path(F + "contacts/new/", family.contact_new, name="contact_new"),
    path(F + "contacts/action/", family.contact_action, name="contact_action"),
    path(F + "allocation/", family.allocate, name="allocate"),
    path(F + "allocation/close/", family.allocation_close, name="allocation_close"),
    path(F + "support/", family.coordinated_support, name="coordinated_support"),
    path(F + "referrals/new/", referrals.referral_new, name="referral_new"),
    path(F + "outcomes/", outcomes.family_outcomes, name="family_outcomes"),
    path(F + "outcomes/new/", outcomes.outcome_record_new, name="outcome_record_new"),
    path(F + "outcomes/close/", outcomes.outcome_record_close, name="outcome_record_close"),
    path(F + "outcomes/review/", outcomes.outcome_review_new, name="outcome_review_new"),
    path(F + "feedback/", feedback.family_feedback, name="family_feedback"),
    path(F + "feedback/link/", feedback.family_feedback_link, name="family_feedback_link"),
    # Caseloads.
    path("caseload/", caseloads.caseload, name="caseload"),
    path("caseload/team/", caseloads.team_caseloads, name="team_caseloads"),
    # Referrals, both ways.
    path("referrals/", referrals.referral_list, name="referral_list"),
    path("referrals/<uuid:referral_id>/", referrals.referral_detail, name="referral_detail"),
    path("referrals/<uuid:referral_id>/accept/", referrals.referral_accept, name="referral_accept"),
    path(
        "referrals/<uuid:referral_id>/decline/", referrals.referral_decline, name="referral_decline"
    ),
    path(
        "referrals/<uuid:referral_id>/withdraw/",
        referrals.referral_withdraw,
        name="referral_withdraw",
    ),
    # Outcomes across families.
    path("outcomes/progress/", outcomes.service_outcomes, name="service_outcomes"),
    path("outcomes/frameworks/", outcomes.outcome_frameworks, name="outcome_frameworks"),
    # Feedback forms, and the parents' one-time links (no sign-in).
    path("feedback/forms/", feedback.feedback_forms, name="feedback_forms"),
    path("feedback/forms/new/", feedback.feedback_form_new, name="feedback_form_new"),
    path(
        "feedback/forms/<uuid:form_id>/", feedback.feedback_form_detail, name="feedback_form_detail"
    ),
    path(
        "feedback/forms/<uuid:form_id>/link/",
        feedback.feedback_form_link,
        name="feedback_form_link",
    ),
    path(
        "feedback/forms/<uuid:form_id>/respond/",
        feedback.feedback_form_respond,
        name="feedback_form_respond",
    ),
    path("give-feedback/<str:token>/", feedback.feedback_public, name="feedback_public"),
    # Enquiries and complaints.
    path(
        "mailing-list/organisations/",
        mailing.mailing_organisations,
        name="mailing_organisations",
    ),
    path(
        "mailing-list/organisations.csv",
        mailing.mailing_organisations_csv,
        name="mailing_organisations_csv",
    ),
    path(
        "mailing-list/organisations/<uuid:entry_id>/leave/",
        mailing.mailing_organisation_leave,
        name="mailing_organisation_leave",
    ),
    path("enquiries/", enquiries.enquiry_list, name="enquiry_list"),
    path("enquiries/new/", enquiries.enquiry_new, name="enquiry_new"),
    path("enquiries/<uuid:enquiry_id>/", enquiries.enquiry_detail, name="enquiry_detail"),
]
