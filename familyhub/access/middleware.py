from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from familyhub.access import context


class RequestContextMiddleware:
    """Makes the request's origin available to the access log without passing it everywhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = context.set_current(
            context.RequestContext(
                # REMOTE_ADDR only: a proxy's X-Forwarded-For is set by the deployment (docs/operating.md).
                ip_address=request.META.get("REMOTE_ADDR") or None,
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
                path=request.path[:300],
                channel="api" if request.path.startswith("/api/") else "web",
            )
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)
