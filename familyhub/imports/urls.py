"""Partner file imports (R-IMPORT-1): every page needs IMPORT_DATA."""

from django.urls import path

from familyhub.imports import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.batch_list, name="batch_list"),
    path("imports/new/", views.upload, name="upload"),
    path("imports/<uuid:batch_id>/", views.batch_detail, name="batch_detail"),
    path("imports/<uuid:batch_id>/columns/", views.mapping, name="mapping"),
    path("imports/<uuid:batch_id>/progress/", views.progress, name="progress"),
    path("imports/<uuid:batch_id>/resume/", views.resume, name="resume"),
    path("imports/<uuid:batch_id>/rejected.csv", views.rejects_csv, name="rejects_csv"),
    path("imports/<uuid:batch_id>/wards/", views.wards_from_postcodes, name="wards_from_postcodes"),
]
