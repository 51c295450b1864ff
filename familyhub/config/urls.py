from django.urls import include, path

urlpatterns = [
    path("", include("familyhub.core.urls")),
    path("", include("familyhub.people.urls", namespace="people")),
    path("", include("familyhub.access.urls", namespace="access")),
    path("api/", include("familyhub.api.urls")),
]
