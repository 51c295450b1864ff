"""API documentation that works under the site's Content Security Policy (script-src 'self').

Swagger UI is served from the `drf-spectacular-sidecar` package (no CDN), and its start-up script
is a separate same-origin request rather than an inline <script> (SpectacularSwaggerSplitView).
The page's template has no inline <style> either.
"""

from __future__ import annotations

from django.templatetags.static import static
from drf_spectacular.views import SpectacularSwaggerSplitView


def _sidecar(path: str) -> str:
    return static(f"drf_spectacular_sidecar/{path}")


class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    url_name = "api-schema"
    title = "familyhub API"

    # Always the packaged copies, whatever SPECTACULAR_SETTINGS say: a CDN would break the CSP.
    @staticmethod
    def _swagger_ui_resource(filename: str) -> str:
        return _sidecar(f"swagger-ui-dist/{filename}")

    @staticmethod
    def _swagger_ui_favicon() -> str:
        return _sidecar("swagger-ui-dist/favicon-32x32.png")
