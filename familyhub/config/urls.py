from django.urls import include, path

urlpatterns = [
    path("", include("familyhub.core.urls")),
    path("", include("familyhub.people.urls", namespace="people")),
    path("", include("familyhub.access.urls", namespace="access")),
    path("", include("familyhub.privacy.urls", namespace="privacy")),
    path("", include("familyhub.rights.urls", namespace="rights")),
    path("", include("familyhub.retention.urls", namespace="retention")),
    path("", include("familyhub.engagement.urls", namespace="engagement")),
    path("", include("familyhub.casework.urls", namespace="casework")),
    path("", include("familyhub.sharing.urls", namespace="sharing")),
    path("", include("familyhub.imports.urls", namespace="imports")),
    path("", include("familyhub.linkage.urls", namespace="linkage")),
    path("", include("familyhub.places.urls", namespace="places")),
    path("api/", include("familyhub.api.urls")),
]
