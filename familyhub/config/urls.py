from django.urls import include, path

urlpatterns = [
    path("", include("familyhub.core.urls")),
    path("", include("familyhub.people.urls")),
    path("api/", include("familyhub.api.urls")),
]
