"""Sign-in steps, the account page, and the administrators' unlock page (R-ACCESS-4, ADR 0008).

The rules live in `familyhub.access.signin`; these views only show the steps and their errors.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import LoginView, redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from familyhub.access import signin
from familyhub.access.forms import CodeForm, SetUpCodeForm, SignInForm, UsernameForm
from familyhub.access.models import SignInEvent, User
from familyhub.access.roles import Capability
from familyhub.core.decorators import is_verified, staff_view

logger = logging.getLogger(__name__)
BACKUP_CODES_SESSION_KEY = "familyhub_backup_codes"
Kind = SignInEvent.Kind


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _with_next(url: str, target: str) -> str:
    return f"{url}?{urlencode({'next': target})}" if target else url


def locked_response(request: HttpRequest, username: str) -> HttpResponse:
    return render(request, "access/locked_out.html", {"username": username}, status=403)


class SignInView(LoginView):
    """Step 1: username and password. Then the code step, or setting up an authenticator."""

    form_class = SignInForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        user = self.request.user
        target = self.get_redirect_url()
        if is_verified(user):
            return target or reverse("home")
        step = "login_code" if signin.confirmed_app_device(user) else "login_setup"
        return _with_next(reverse(step), target)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        signin.record(self.request, Kind.PASSWORD_OK, user=form.get_user())
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        username = (form.data.get("username") or "")[:150]
        user = User.objects.filter(username=username).first() if username else None
        locked = getattr(self.request, "axes_locked_out", False)
        signin.record(
            self.request,
            Kind.LOCKED_OUT if locked else Kind.PASSWORD_FAILED,
            user=user,
            username=username,
        )
        return super().form_invalid(form)


@never_cache
@sensitive_post_parameters("code")
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the code from the authenticator app (or a backup code)."""
    user: Any = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    target = _next(request)
    if is_verified(user):
        return redirect(target or "home")
    device = signin.confirmed_app_device(user)
    if device is None:
        return redirect(_with_next(reverse("login_setup"), target))
    username = user.get_username()
    if signin.is_locked(request, username):
        signin.record(request, Kind.LOCKED_OUT, user=user)
        signin.quiet_logout(request)
        return locked_response(request, username)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        result = signin.check_code(request, user, form.cleaned_data["code"], device)
        if result == signin.CodeResult.OK:
            return redirect(target or "home")
        if result == signin.CodeResult.LOCKED:
            return locked_response(request, username)
        form.add_error(
            "code", CodeForm.REUSED if result == signin.CodeResult.REUSED else CodeForm.WRONG
        )
    return render(request, "access/sign_in_code.html", {"form": form, "next": target})


@never_cache
@sensitive_post_parameters("code")
def sign_in_set_up(request: HttpRequest) -> HttpResponse:
    """First sign-in: add familyhub to an authenticator app, confirm with a code, get backup codes."""
    user: Any = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    target = _next(request)
    if is_verified(user):
        return redirect(target or "home")
    if signin.confirmed_app_device(user) is not None:
        # Never a second authenticator on the strength of a password alone.
        return redirect(_with_next(reverse("login_code"), target))
    username = user.get_username()
    if signin.is_locked(request, username):
        signin.record(request, Kind.LOCKED_OUT, user=user)
        signin.quiet_logout(request)
        return locked_response(request, username)
    device = signin.pending_app_device(user)
    form = SetUpCodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        result = signin.check_code(request, user, form.cleaned_data["code"], device)
        if result == signin.CodeResult.OK:
            request.session[BACKUP_CODES_SESSION_KEY] = signin.issue_backup_codes(user)
            return redirect(_with_next(reverse("login_backup_codes"), target))
        if result == signin.CodeResult.LOCKED:
            return locked_response(request, username)
        form.add_error(
            "code", CodeForm.REUSED if result == signin.CodeResult.REUSED else CodeForm.WRONG
        )
    secret = signin.base32_secret(device)
    return render(
        request,
        "access/sign_in_set_up.html",
        {
            "form": form,
            "next": target,
            "qr_svg": signin.qr_svg(device.config_url),
            "secret": signin.grouped(secret),
        },
    )


@never_cache
@staff_view(None)
@require_GET
def sign_in_backup_codes(request: HttpRequest) -> HttpResponse:
    """The backup codes, shown once just after they were made."""
    codes = request.session.pop(BACKUP_CODES_SESSION_KEY, None)
    target = _next(request)
    if not codes:
        return redirect(target or "home")
    return render(
        request,
        "access/backup_codes.html",
        {"codes": codes, "continue_to": target or reverse("home")},
    )


@staff_view(None)
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    signin.sign_out_everywhere(request)
    messages.success(request, "You have been signed out on every device and browser.")
    return redirect("login")


@never_cache
@staff_view(None)
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    """Your roles, your second-factor devices, your recent sign-ins, and 'sign out everywhere'."""
    user: Any = request.user
    app_devices = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id")
    backup_left = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    events = SignInEvent.objects.filter(user=user).order_by("-at", "-id")[:20]
    return render(
        request,
        "access/account.html",
        {
            "memberships": user.active_memberships,
            "app_devices": app_devices,
            "backup_left": backup_left,
            "events": events,
        },
    )


@never_cache
@staff_view(Capability.MANAGE_REFERENCE)
def locked_accounts(request: HttpRequest) -> HttpResponse:
    """Administrators: locked accounts, with Unlock; and resetting a lost second factor."""
    return render(request, "access/locked_accounts.html", {"locked": signin.locked_usernames()})


@staff_view(Capability.MANAGE_REFERENCE)
@require_POST
def unlock_account(request: HttpRequest) -> HttpResponse:
    form = UsernameForm(request.POST)
    if form.is_valid():
        username = form.cleaned_data["username"]
        signin.unlock(username, actor=request.user, request=request)
        logger.warning("%s unlocked the account %s", request.user, username)
        messages.success(request, f"{username} is unlocked and can sign in again.")
    else:
        messages.error(request, "Choose an account to unlock.")
    return redirect("access:locked_accounts")


@staff_view(Capability.MANAGE_REFERENCE)
@require_POST
def reset_second_factor(request: HttpRequest) -> HttpResponse:
    form = UsernameForm(request.POST)
    username = form.cleaned_data["username"] if form.is_valid() else ""
    if username and signin.reset_second_factor(username, request=request):
        logger.warning("%s reset the second factor of %s", request.user, username)
        messages.success(
            request,
            f"{username}'s authenticator and backup codes are removed and their sessions ended. "
            "They will set up a new authenticator app when they next sign in.",
        )
    else:
        messages.error(request, "There is no account with that username.")
    return redirect("access:locked_accounts")
