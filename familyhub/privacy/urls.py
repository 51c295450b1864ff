from django.urls import path

from familyhub.privacy.views import consent, mailing, notice, registers

app_name = "privacy"

urlpatterns: list = [
    # Consent, contact preferences and purpose-dependent lists (R-CONSENT-2..4)
    path(
        "families/<uuid:household_id>/consent/",
        consent.household_consent,
        name="household_consent",
    ),
    path("people/<uuid:person_id>/consent/", consent.person_consent, name="person_consent"),
    path(
        "people/<uuid:person_id>/consent/withdraw/",
        consent.consent_withdraw,
        name="consent_withdraw",
    ),
    path(
        "people/<uuid:person_id>/consent/evidence/",
        consent.consent_evidence,
        name="consent_evidence",
    ),
    path(
        "people/<uuid:person_id>/contact-preferences/",
        consent.contact_preferences,
        name="contact_preferences",
    ),
    path("people/<uuid:person_id>/photos/", consent.photo_consent, name="photo_consent"),
    path("mailing-list/", mailing.mailing_list, name="mailing_list"),
    path("mailing-list/download/", mailing.mailing_list_csv, name="mailing_list_csv"),
    path("imagination-library/", mailing.imagination_library, name="imagination_library"),
    path(
        "imagination-library/download/",
        mailing.imagination_library_csv,
        name="imagination_library_csv",
    ),
    # The purposes register, the privacy notice and the Article 30 record (R-CONSENT-1, R-NOTICE-1)
    path("privacy/purposes/", registers.register_list, name="register"),
    path("privacy/purposes/new/", registers.purpose_create, name="purpose_create"),
    path("privacy/purposes/<slug:code>/", registers.purpose_detail, name="purpose_detail"),
    path("privacy/purposes/<slug:code>/edit/", registers.purpose_edit, name="purpose_edit"),
    path("privacy/re-consent/", registers.reconsent_list, name="reconsent"),
    path("privacy/notice/", notice.notice_manage, name="notice_manage"),
    path("privacy/record-of-processing/", registers.ropa_page, name="ropa"),
    path("privacy/record-of-processing.csv", registers.ropa_csv, name="ropa_csv"),
    path("privacy/record-of-processing.xlsx", registers.ropa_xlsx, name="ropa_xlsx"),
    # Public, without sign-in: the notice families read
    path("privacy-notice/", notice.notice_current, name="notice"),
    path("privacy-notice/versions/", notice.notice_versions, name="notice_versions"),
    path("privacy-notice/v<int:version>/", notice.notice_version, name="notice_version"),
    path("privacy-notice/changes/<int:a>/<int:b>/", notice.notice_changes, name="notice_changes"),
]
