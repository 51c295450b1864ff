"""The staff list and each staff member's page (R-ACCESS-1): their account (ADR 0025: opened,
closed, reopened and its set-up link, in `views_accounts`), their roles, given and ended here through
`access.services.membership_add` / `membership_end`, and the history of both, with who and when;
nothing deleted."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from familyhub.access import selectors, services
from familyhub.access.forms import RoleAddForm, RoleEndForm
from familyhub.access.models import User
from familyhub.access.roles import Capability
from familyhub.access.views_accounts import change_text
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ConcurrentEdit, NotFound, ValidationFailed
from familyhub.core.http import posted
from familyhub.people.forms import apply_errors

PAGE_SIZE = 50


def _user_page(username: str) -> str:
    return f"{reverse('access:staff_roles')}?{urlencode({'user': username})}"


@staff_view(Capability.MANAGE_REFERENCE)
def staff_roles(request: HttpRequest) -> HttpResponse:
    """Staff and their roles; one member of staff's roles and history (?user=), and adding a role."""
    username = request.GET.get("user", "")
    chosen = User.objects.filter(username=username).first() if username else None
    if username and chosen is None:
        raise NotFound("There is no staff member with that username.")
    form = RoleAddForm(posted(request) if chosen else None)
    if chosen is not None and request.method == "POST" and form.is_valid():
        # A POST here gives a role (closing, reopening and set-up links have their own pages).
        try:
            membership = services.membership_add(
                actor=request.user,
                user=chosen,
                organisation=form.cleaned_data["organisation"],
                team=form.cleaned_data["team"],
                role=form.cleaned_data["role"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationFailed as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(
                request,
                f"{chosen.username} is now {membership.get_role_display()} at "
                f"{membership.organisation.name}.",
            )
            return redirect(_user_page(chosen.username))
    context: dict[str, Any] = {"form": form, "chosen": chosen, "end_form": RoleEndForm()}
    if chosen is not None:
        context["history"] = selectors.role_history(chosen)
        context["changes"] = [(c, change_text(c)) for c in selectors.role_changes(chosen)]
        context["state"] = selectors.account_state(chosen)
        context["own"] = chosen.pk == request.user.pk
    else:
        search = request.GET.get("q", "").strip()
        paginator = Paginator(selectors.staff_list(search), PAGE_SIZE)
        context["page"] = paginator.get_page(request.GET.get("page"))
        context["q"] = search
    return render(request, "access/staff_roles.html", context)


@staff_view(Capability.MANAGE_REFERENCE)
@require_POST
def staff_role_end(request: HttpRequest, membership_id: Any) -> HttpResponse:
    membership = selectors.membership_by_uuid(membership_id)
    if membership is None:
        raise NotFound("Not found, or you do not have access to it.")
    form = RoleEndForm(request.POST)
    form.is_valid()
    try:
        services.membership_end(
            actor=request.user, membership=membership, reason=form.cleaned_data.get("reason", "")
        )
    except (ValidationFailed, ConcurrentEdit) as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request,
            f"{membership.user.username}'s role as {membership.get_role_display()} at "
            f"{membership.organisation.name} has ended. It stays in their history.",
        )
    return redirect(_user_page(membership.user.username))
