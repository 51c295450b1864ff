"""Duplicate review: the queue, a pair, merge, not the same person, merges and unmerge, the
background run (R-LINK-1, ADR 0021)."""

from django.urls import path

from familyhub.linkage import views

app_name = "linkage"

urlpatterns = [
    path("duplicates/", views.queue, name="queue"),
    path("duplicates/run/", views.run_start, name="run_start"),
    path("duplicates/pairs/<uuid:candidate_id>/", views.pair, name="pair"),
    path("duplicates/pairs/<uuid:candidate_id>/merge/", views.pair_merge, name="pair_merge"),
    path(
        "duplicates/pairs/<uuid:candidate_id>/not-same/", views.pair_not_same, name="pair_not_same"
    ),
    path("duplicates/merges/", views.merge_list, name="merge_list"),
    path("duplicates/merges/<uuid:merge_id>/", views.merge_detail, name="merge_detail"),
    path("duplicates/merges/<uuid:merge_id>/unmerge/", views.merge_undo, name="merge_undo"),
    path("duplicates/external/", views.external_match, name="external_match"),
]
