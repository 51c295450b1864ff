from django.urls import path

from familyhub.rights.views import accuracy, carry_out, packs, requests

app_name = "rights"

urlpatterns = [
    # The DPO (MANAGE_PRIVACY): the dashboard and the register.
    path("rights/", requests.dashboard, name="dashboard"),
    path("rights/requests/", requests.request_list, name="request_list"),
    path("rights/requests/new/", requests.request_new, name="request_new"),
    path("rights/requests/<uuid:request_id>/", requests.request_detail, name="request_detail"),
    path(
        "rights/requests/<uuid:request_id>/person/",
        requests.request_person,
        name="request_person",
    ),
    path(
        "rights/requests/<uuid:request_id>/identity/",
        requests.request_identity,
        name="request_identity",
    ),
    path(
        "rights/requests/<uuid:request_id>/stop-clock/",
        requests.request_pause,
        name="request_pause",
    ),
    path(
        "rights/requests/<uuid:request_id>/restart-clock/",
        requests.request_resume,
        name="request_resume",
    ),
    path(
        "rights/requests/<uuid:request_id>/extend/", requests.request_extend, name="request_extend"
    ),
    path(
        "rights/requests/<uuid:request_id>/recipients-told/",
        requests.request_recipients_told,
        name="request_recipients_told",
    ),
    path(
        "rights/requests/<uuid:request_id>/carry-out/",
        carry_out.request_carry_out,
        name="request_carry_out",
    ),
    path("rights/requests/<uuid:request_id>/close/", requests.request_close, name="request_close"),
    # Challenges to the accuracy of a record (Articles 16 and 18(1)(a); ADR 0027): the DPO's,
    # with a rectification request.
    path(
        "rights/requests/<uuid:request_id>/accuracy-challenge/",
        accuracy.request_challenge_new,
        name="request_challenge_new",
    ),
    path(
        "rights/accuracy-challenges/<uuid:challenge_id>/outcome/",
        accuracy.request_challenge_outcome,
        name="request_challenge_outcome",
    ),
    path("rights/requests/<uuid:request_id>/pack/", packs.pack_generate, name="pack_generate"),
    path(
        "rights/requests/<uuid:request_id>/data.json",
        packs.portability_download,
        {"fmt": "json"},
        name="portability_json",
    ),
    path(
        "rights/requests/<uuid:request_id>/data.csv",
        packs.portability_download,
        {"fmt": "csv"},
        name="portability_csv",
    ),
    path(
        "rights/requests/<uuid:request_id>/data.fhir.json",
        packs.portability_download,
        {"fmt": "fhir"},
        name="portability_fhir",
    ),
    path("rights/packs/<uuid:pack_id>/", packs.pack_review, name="pack_review"),
    path("rights/packs/<uuid:pack_id>/release/", packs.pack_release, name="pack_release"),
    path("rights/packs/<uuid:pack_id>/document/", packs.pack_document, name="pack_document"),
    path("rights/packs/<uuid:pack_id>/pack.json", packs.pack_json, name="pack_json"),
    # Front-line staff (RECORD_RIGHTS_REQUEST): a request made to them, from the family's page.
    path(
        "families/<uuid:household_id>/rights-request/",
        requests.request_log,
        name="request_log",
    ),
    # ... and a challenge to the accuracy of a record told to them, from the person's page.
    path(
        "people/<uuid:person_id>/accuracy-challenge/",
        accuracy.person_challenge_new,
        name="person_challenge_new",
    ),
    path(
        "accuracy-challenges/<uuid:challenge_id>/outcome/",
        accuracy.person_challenge_outcome,
        name="person_challenge_outcome",
    ),
]
