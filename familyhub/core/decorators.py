"""The one decorator every staff page uses: signed in with both factors, allowed this kind of work,
and the application's errors turned into the right answer (NotFound -> 404 alike for missing and
forbidden)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from familyhub.core.errors import NotFound, PermissionRefused


def is_verified(user: Any) -> bool:
    """Signed in with a password *and* a second factor (django-otp's OTPMiddleware)."""
    check = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and check is not None and check())


def redirect_to_second_factor(request: HttpRequest) -> HttpResponseRedirect:
    """To the code step (which sends a user without an authenticator on to set one up)."""
    query = urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(f"{reverse('login_code')}?{query}")


def staff_view(
    capability: str | None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_verified(user):
                return redirect_to_second_factor(request)
            if capability and not user.has_capability(capability):  # type: ignore[union-attr]
                raise PermissionDenied("Your role does not include this work.")
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                raise Http404("Not found")
            except PermissionRefused as e:
                raise PermissionDenied(e.message)

        wrapper.required_capability = capability  # type: ignore[attr-defined]
        return wrapper

    return decorate
