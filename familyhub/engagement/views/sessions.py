"""Group sessions: the list, planning one or a weekly series, changing and cancelling (R-ENGAGE-3)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from familyhub.access.models import User
from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ConcurrentEdit, ValidationFailed
from familyhub.core.http import posted
from familyhub.engagement import selectors, services
from familyhub.engagement.forms import CancelSessionForm, SessionForm
from familyhub.engagement.models import Service, Session
from familyhub.people.forms import apply_errors
from familyhub.places.models import Organisation

PAGE_SIZE = 30
EDIT = Capability.EDIT_PEOPLE


def _my_organisations(user: Any) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=user.organisation_ids_with(EDIT)).order_by("name")


def _staff_of(user: Any, extra: list[Any] = ()) -> list[Any]:  # type: ignore[assignment]
    """Colleagues who can be named as a session's workers: staff of the user's organisations."""
    staff = list(
        User.objects.filter(
            memberships__organisation_id__in=user.organisation_ids_with(EDIT),
            memberships__active=True,
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    known = {u.pk for u in staff}
    return staff + [u for u in extra if u.pk not in known]


@staff_view(Capability.VIEW_PEOPLE)
def session_list(request: HttpRequest) -> HttpResponse:
    when = "past" if request.GET.get("when") == "past" else "upcoming"
    code = request.GET.get("service", "")
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    qs = selectors.session_list(request.user, when=when, service_code=code)
    rows = list(qs[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1])
    return render(
        request,
        "engagement/session_list.html",
        {
            "sessions": rows[:PAGE_SIZE],
            "when": when,
            "service_code": code,
            "services": Service.objects.filter(active=True).order_by("name"),
            "page": {
                "number": number,
                "has_previous": number > 1,
                "has_next": len(rows) > PAGE_SIZE,
            },
            "today": timezone.localdate(),
        },
    )


@staff_view(EDIT)
def session_add(request: HttpRequest) -> HttpResponse:
    organisations = _my_organisations(request.user)
    initial: dict[str, Any] = {
        "organisation": organisations.first(),
        "weeks": 1,
        "workers": [str(request.user.pk)],
    }
    if request.GET.get("service"):
        initial["service"] = Service.objects.filter(code=request.GET["service"]).first()
    form = SessionForm(
        posted(request),
        initial=initial,
        organisations=organisations,
        staff=_staff_of(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            made = services.session_create(
                actor=request.user,
                data=form.session_data(),
                workers=form.chosen_workers(),
                weeks=form.cleaned_data.get("weeks") or 1,
            )
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            first = made[0]
            if len(made) > 1:
                messages.success(
                    request,
                    f"{len(made)} weekly sessions of {first.title} planned, from "
                    f"{first.date:%d/%m/%Y} to {made[-1].date:%d/%m/%Y}.",
                )
            else:
                messages.success(request, f"{first.title} on {first.date:%d/%m/%Y} planned.")
            return redirect("engagement:register", first.uuid)
    return render(request, "engagement/session_form.html", {"form": form, "session": None})


@staff_view(EDIT)
def session_edit(request: HttpRequest, session_id: str) -> HttpResponse:
    session = selectors.session_for(request.user, session_id)
    workers = list(session.workers.all())
    initial = {
        "service": session.service,
        "title": session.title,
        "date": session.date,
        "start_time": session.start_time,
        "end_time": session.end_time,
        "venue": session.venue,
        "organisation": session.organisation,
        "capacity": session.capacity,
        "workers": [str(u.pk) for u in workers],
        "version": session.version,
    }
    user: Any = request.user
    organisations = Organisation.objects.filter(
        pk__in=[*user.organisation_ids_with(EDIT), session.organisation_id]
    ).order_by("name")
    form = SessionForm(
        posted(request),
        initial=initial,
        organisations=organisations,
        staff=_staff_of(request.user, workers),
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        data = form.session_data()
        if data.get("organisation") == session.organisation:
            data.pop("organisation")
        try:
            services.session_update(
                actor=request.user,
                session=session,
                data=data,
                expected_version=form.cleaned_data.get("version") or 0,
                workers=form.chosen_workers(),
            )
        except (ValidationFailed, ConcurrentEdit) as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(request, "Session saved.")
            return redirect("engagement:register", session.uuid)
    return render(request, "engagement/session_form.html", {"form": form, "session": session})


@staff_view(EDIT)
def session_cancel(request: HttpRequest, session_id: str) -> HttpResponse:
    session: Session = selectors.session_for(request.user, session_id)
    form = CancelSessionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.session_cancel(
                actor=request.user, session=session, reason=form.cleaned_data.get("reason") or ""
            )
        except (ValidationFailed, ConcurrentEdit) as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(request, f"{session.title} on {session.date:%d/%m/%Y} cancelled.")
            return redirect("engagement:session_list")
    return render(request, "engagement/session_cancel.html", {"form": form, "session": session})
