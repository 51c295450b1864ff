from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from familyhub.access import breakglass, context

SESSION_EPOCH_KEY = "familyhub_session_epoch"


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
        shown = breakglass.start_request()  # the break-glass grants the page shows (banner)
        try:
            return self.get_response(request)
        finally:
            breakglass.end_request(shown)
            context.reset(token)


def idle_message() -> str:
    return (
        f"You were signed out after {settings.FAMILYHUB_IDLE_MINUTES} minutes without activity. "
        "Sign in again to continue."
    )


EVERYWHERE_MESSAGE = "You were signed out because your account was signed out everywhere."


class SessionGuardMiddleware:
    """Ends sessions that "sign out everywhere" made stale, and says why a session has gone.

    A session signed in before the user's `session_epoch` was raised is ended at its next request.
    A browser that sends a session cookie whose session no longer exists (it expired after the idle
    time-out, SESSION_COOKIE_AGE) is told so on the sign-in page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        user = request.user
        if user.is_authenticated:
            if session.get(SESSION_EPOCH_KEY) != user.session_epoch:  # type: ignore[union-attr]
                logout(request)
                messages.info(request, EVERYWHERE_MESSAGE)
        elif request.COOKIES.get(settings.SESSION_COOKIE_NAME) and not session.keys():
            # The browser had a session and the server no longer has it: the idle time-out.
            # (Signing out deletes the cookie, so this is not shown after a sign-out.)
            messages.info(request, idle_message())
        return self.get_response(request)
