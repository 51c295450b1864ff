"""The DPO's retention pages (R-RIGHTS-4, R-RETAIN-1, R-RETAIN-2); all need MANAGE_PRIVACY."""

from django.urls import path

from familyhub.retention import views

app_name = "retention"

urlpatterns = [
    path("retention/", views.dashboard, name="dashboard"),
    path("retention/preview/", views.preview, name="preview"),
    path("retention/runs/", views.run_list, name="run_list"),
    path("retention/runs/start/", views.run_start, name="run_start"),
    path("retention/runs/<uuid:run_id>/", views.run_detail, name="run_detail"),
    path("retention/rules/", views.rule_list, name="rule_list"),
    path("retention/rules/<slug:category>/edit/", views.rule_edit, name="rule_edit"),
    path("retention/holds/", views.hold_list, name="hold_list"),
    path("retention/holds/<uuid:hold_id>/release/", views.hold_release, name="hold_release"),
    path("retention/erasures/", views.erasure_list, name="erasure_list"),
    path("retention/erasures/<uuid:erasure_id>/", views.erasure_detail, name="erasure_detail"),
    path("retention/people/<uuid:person_id>/erase/", views.erase_person, name="erase_person"),
]
