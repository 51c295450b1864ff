"""Staff accounts from joiner to leaver (R-ACCESS-1, R-ACCESS-4, ADR 0025).

Administrators open an account (with an optional first role), hand over its one-time set-up link
(shown once), make a new link, close the account of a leaver and reopen it. The member of staff
opens the link without signing in, chooses a password, and goes on to set up their authenticator
app through the ordinary sign-in steps (`access.views.sign_in_set_up`). Every rule and record is in
`access.accounts`; these views only show the steps and their errors.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from familyhub.access import accounts, selectors, signin
from familyhub.access.forms import AccountReasonForm, SetUpPasswordForm, StaffNewForm
from familyhub.access.models import SignInEvent, User
from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ConcurrentEdit, NotFound, ValidationFailed
from familyhub.core.http import posted
from familyhub.core.models import ChangeRecord
from familyhub.people.forms import apply_errors

# The link just made, until the administrator's next page shows it (once), as backup codes are.
SET_UP_LINK_SESSION_KEY = "familyhub_set_up_link"


def staff_page(user: User) -> str:
    """The staff member's page (the staff list's ?user=)."""
    return f"{reverse('access:staff_roles')}?{urlencode({'user': user.username})}"


def _staff_member(user_id: Any) -> User:
    user = selectors.staff_by_uuid(user_id)
    if user is None:
        raise NotFound("There is no staff member with that id.")
    return user


def _show_link_once(request: HttpRequest, user: User, token: str) -> HttpResponse:
    request.session[SET_UP_LINK_SESSION_KEY] = {
        "user": str(user.uuid),
        "url": accounts.set_up_url(token, request),
    }
    return redirect("access:staff_set_up_link", user_id=user.uuid)


def change_text(change: ChangeRecord) -> str:
    """One line of a staff member's history, as the administrator reads it."""
    if change.model == "membership" and change.action == ChangeRecord.Action.CREATE:
        return f"Gave the role: {change.new_value}"
    if change.action == ChangeRecord.Action.CREATE:
        return f"{change.object_label}: {change.new_value}"
    if change.field_label:
        old, new = change.old_value or "(none)", change.new_value or "(none)"
        return f"{change.object_label}: {change.field_label} {old} → {new}"
    return f"{change.object_label}: {change.new_value}"


# --- administrators ----------------------------------------------------------------------------


@never_cache
@staff_view(Capability.MANAGE_REFERENCE)
def staff_new(request: HttpRequest) -> HttpResponse:
    """Open an account for a new member of staff, optionally with a first role."""
    form = StaffNewForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, token = accounts.staff_account_create(
                actor=request.user,
                username=data["username"],
                given_name=data["given_name"],
                family_name=data["family_name"],
                email=data["email"],
                organisation=data["organisation"],
                team=data["team"],
                role=data["role"],
                reason=data["reason"],
            )
        except ValidationFailed as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(request, f"The account {user.username} is open.")
            return _show_link_once(request, user, token)
    return render(request, "access/staff_new.html", {"form": form})


@never_cache
@staff_view(Capability.MANAGE_REFERENCE)
def staff_set_up_link(request: HttpRequest, user_id: Any) -> HttpResponse:
    """GET: the link just made, shown once. POST: make a new link (earlier ones stop working)."""
    user = _staff_member(user_id)
    if request.method == "POST":
        try:
            _, token = accounts.set_up_link_issue(actor=request.user, user=user)
        except ValidationFailed as e:
            messages.error(request, e.message)
            return redirect(staff_page(user))
        messages.success(request, f"A new set-up link is made for {user.username}.")
        return _show_link_once(request, user, token)
    shown = request.session.get(SET_UP_LINK_SESSION_KEY) or {}
    if shown.get("user") != str(user.uuid):
        return redirect(staff_page(user))
    del request.session[SET_UP_LINK_SESSION_KEY]
    state = selectors.account_state(user)
    return render(
        request,
        "access/staff_set_up_link.html",
        {"chosen": user, "url": shown["url"], "link": state.latest_link},
    )


def _account_step(
    request: HttpRequest,
    user_id: Any,
    *,
    label: str,
    hint: str,
    wanted_active: bool,
) -> tuple[User, AccountReasonForm, HttpResponse | None]:
    user = _staff_member(user_id)
    form = AccountReasonForm(posted(request), label=label, hint=hint)
    if user.is_active != wanted_active:
        state = "open" if user.is_active else "closed"
        messages.info(request, f"The account {user.username} is {state}.")
        return user, form, redirect(staff_page(user))
    return user, form, None


@never_cache
@staff_view(Capability.MANAGE_REFERENCE)
def staff_close(request: HttpRequest, user_id: Any) -> HttpResponse:
    """A leaver: say why, then every role ends, tokens and links stop working, sessions end."""
    user, form, done = _account_step(
        request,
        user_id,
        label="Why is the account closing?",
        hint="For example: left the organisation on 30/11",
        wanted_active=True,
    )
    if done is not None:
        return done
    if request.method == "POST" and form.is_valid():
        try:
            closed = accounts.staff_account_close(
                actor=request.user, user=user, reason=form.cleaned_data["reason"]
            )
        except (ValidationFailed, ConcurrentEdit) as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(request, f"The account {user.username} is closed: {closed}.")
            return redirect(staff_page(user))
    return render(
        request,
        "access/staff_close.html",
        {
            "chosen": user,
            "form": form,
            "own": user.pk == request.user.pk,
            "roles": [m for m in selectors.role_history(user) if m.active],
            "state": selectors.account_state(user),
        },
    )


@never_cache
@staff_view(Capability.MANAGE_REFERENCE)
def staff_reopen(request: HttpRequest, user_id: Any) -> HttpResponse:
    """A returner: the account opens again with a new set-up link; roles are given afresh."""
    user, form, done = _account_step(
        request,
        user_id,
        label="Why is the account reopening?",
        hint="For example: returned from a career break on 2/3",
        wanted_active=False,
    )
    if done is not None:
        return done
    if request.method == "POST" and form.is_valid():
        try:
            _, token = accounts.staff_account_reopen(
                actor=request.user, user=user, reason=form.cleaned_data["reason"]
            )
        except (ValidationFailed, ConcurrentEdit) as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(request, f"The account {user.username} is open again.")
            return _show_link_once(request, user, token)
    return render(request, "access/staff_reopen.html", {"chosen": user, "form": form})


# --- the member of staff, signed out -----------------------------------------------------------


def _gone(request: HttpRequest, error: accounts.LinkUnusable) -> HttpResponse:
    return render(
        request,
        "access/set_up_gone.html",
        {"used": error.used},
        status=404,
    )


@never_cache
@sensitive_post_parameters("password", "password_again")
def account_set_up(request: HttpRequest, token: str) -> HttpResponse:
    """The set-up link: choose a password, then on to setting up the authenticator app.

    No sign-in: the token is the key. An unknown token answers exactly as an expired one does.
    """
    try:
        link = accounts.set_up_link_open(token)
    except accounts.LinkUnusable as e:
        return _gone(request, e)
    if request.user.is_authenticated:
        # Someone is signed in in this browser (often the administrator who made the link).
        return render(request, "access/set_up_signed_in.html", {"path": request.path})
    form = SetUpPasswordForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.set_up_link_use(
                token=token,
                password=form.cleaned_data["password"],
                password_again=form.cleaned_data["password_again"],
            )
        except accounts.LinkUnusable as e:
            return _gone(request, e)
        except ValidationFailed as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            # The password step is done: signed in, not yet verified (ADR 0008).
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            signin.record(request, SignInEvent.Kind.PASSWORD_SET, user=user)
            step = "login_code" if signin.confirmed_app_device(user) else "login_setup"
            return redirect(reverse(step))
    return render(request, "access/set_up_password.html", {"form": form, "account": link.user})
