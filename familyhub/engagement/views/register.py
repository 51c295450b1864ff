"""The register at the door (R-ENGAGE-3): tick children and adults, find people as you type, add
walk-ins, and never lose a tick when the connection drops (ADR 0012).

The page works as plain forms without JavaScript. With it, `engagement/register.js` keeps every
tick and walk-in in the browser (a queue in localStorage) and sends them to `register_entries` as
JSON whenever it can; each entry carries an id made in the browser, so sending one twice changes
nothing. People appear with the minimum details needed to take attendance: name, age, and whether
they may be photographed (R-ACCESS-1: the group-worker scope, `engagement.scopes`).
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from familyhub.access import helpers as access
from familyhub.access.models import AccessLogEntry
from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.http import posted
from familyhub.engagement import selectors, services
from familyhub.engagement.forms import WalkInForm
from familyhub.engagement.models import Session, WalkIn
from familyhub.people.forms import apply_errors

EDIT = Capability.EDIT_PEOPLE
MAX_ENTRIES = 200


def _family_choices(session: Session) -> list[tuple[str, str]]:
    """Walk-ins already added at this session: a second member can join their family."""
    return [
        (str(w.client_id), f"{w.person.display_name} ({w.household.name})")
        for w in WalkIn.objects.filter(session=session)
        .select_related("person", "household")
        .order_by("created_at")
    ]


def _page(
    request: HttpRequest, session: Session, *, q: str = "", walk_in_form: Any = None
) -> HttpResponse:
    register = selectors.register_for(request.user, session)
    access.log_people_shown(request.user, register.people, detail="session register")
    found = None
    if q:
        found = selectors.register_search(request.user, session, q)
        access.log_people_shown(
            request.user,
            found.people,
            action=AccessLogEntry.Action.SEARCH,
            detail=f"register search by {', '.join(found.kinds) or 'nothing recognised'}",
        )
    return render(
        request,
        "engagement/register.html",
        {
            "session": session,
            "register": register,
            "refusal": services.register_refusal(session),
            "q": q,
            "found": found,
            "walk_in_form": walk_in_form
            or WalkInForm(family_choices=_family_choices(session), prefix="walkin"),
            "entries_url": reverse("engagement:register_entries", args=[session.uuid]),
            "search_url": reverse("engagement:register_search", args=[session.uuid]),
            "workers": list(session.workers.all()),
            "over_capacity": bool(session.capacity and register.present > session.capacity),
        },
    )


@staff_view(EDIT)
def register(request: HttpRequest, session_id: str) -> HttpResponse:
    """The register page; its POST is the no-JavaScript save (the checkboxes, or one 'tick')."""
    session = selectors.session_for(request.user, session_id)
    if request.method != "POST":
        return _page(request, session, q=request.GET.get("q", "").strip())
    now = timezone.now()
    entries: list[services.Tick | services.WalkInEntry] = []
    if request.POST.get("tick"):
        entries.append(services.Tick(uuid.uuid4(), request.POST["tick"], True, now))
    else:
        # Only what changed: ticked now but not saved as present, or saved as present but unticked.
        ticked = set(request.POST.getlist("present"))
        saved = set(selectors.register_state(session)["present"])
        for ref in dict.fromkeys(request.POST.getlist("listed")):
            if (ref in ticked) != (ref in saved):
                entries.append(services.Tick(uuid.uuid4(), ref, ref in ticked, now))
    if not entries:
        return redirect("engagement:register", session.uuid)  # nothing changed
    results = services.register_apply(actor=request.user, session=session, entries=entries)
    refused = [r for r in results if not r.saved]
    if refused:
        messages.error(request, refused[0].message)
    else:
        messages.success(request, "Register saved.")
    return redirect("engagement:register", session.uuid)


@staff_view(EDIT)
def register_search(request: HttpRequest, session_id: str) -> HttpResponse:
    """Search-as-you-type for the register (htmx fragment), in the user's register scope."""
    session = selectors.session_for(request.user, session_id)
    q = request.GET.get("q", "").strip()
    found = None
    if q:
        found = selectors.register_search(request.user, session, q)
        access.log_people_shown(
            request.user,
            found.people,
            action=AccessLogEntry.Action.SEARCH,
            detail=f"register search by {', '.join(found.kinds) or 'nothing recognised'}",
        )
    return render(
        request,
        "engagement/_register_results.html",
        {"session": session, "q": q, "found": found},
    )


def _bool(value: Any) -> bool:
    return value is True or value in ("1", "true", "on", 1)


def _day(value: Any) -> date | None:
    if not value:
        return None
    text = str(value).strip()
    found = parse_date(text)
    if found is None:
        try:
            found = datetime.strptime(text, "%d/%m/%Y").date()
        except ValueError:
            raise ValueError(f"'{text}' is not a date") from None
    return found


def _entry(raw: Any, now: datetime) -> services.Tick | services.WalkInEntry:
    if not isinstance(raw, dict):
        raise ValueError("each entry must be an object")
    entry_id = uuid.UUID(str(raw.get("id")))
    at = parse_datetime(str(raw.get("at") or "")) or now
    kind = raw.get("kind")
    if kind == "tick":
        person = str(raw.get("person") or "")
        if not person:
            raise ValueError("a tick names a person")
        return services.Tick(entry_id, person, _bool(raw.get("present")), at)
    if kind == "walk_in":
        family_of = raw.get("family_of") or None
        return services.WalkInEntry(
            id=entry_id,
            given_name=str(raw.get("given_name") or "")[:100],
            family_name=str(raw.get("family_name") or "")[:100],
            adult=_bool(raw.get("adult")),
            date_of_birth=_day(raw.get("date_of_birth")),
            unborn=_bool(raw.get("unborn")),
            expected_date_of_delivery=_day(raw.get("expected_date_of_delivery")),
            postcode=str(raw.get("postcode") or "")[:20],
            family_of=uuid.UUID(str(family_of)) if family_of else None,
            at=at,
        )
    raise ValueError(f"unknown kind of entry {kind!r}")


@staff_view(EDIT)
def register_entries(request: HttpRequest, session_id: str) -> HttpResponse:
    """The register page's queue arrives here (JSON); GET answers the saved register."""
    session = selectors.session_for(request.user, session_id)
    if request.method != "POST":
        return JsonResponse(selectors.register_state(session))
    now = timezone.now()
    try:
        payload = json.loads(request.body or b"")
        raw_entries = payload.get("entries") if isinstance(payload, dict) else None
        if not isinstance(raw_entries, list) or not raw_entries:
            raise ValueError("send {'entries': [...]}")
        if len(raw_entries) > MAX_ENTRIES:
            raise ValueError(f"send at most {MAX_ENTRIES} entries at a time")
        results: list[dict[str, Any]] = []
        entries: list[services.Tick | services.WalkInEntry] = []
        for raw in raw_entries:
            try:
                entries.append(_entry(raw, now))
            except (ValueError, TypeError) as e:
                rid = raw.get("id") if isinstance(raw, dict) else None
                if not rid:
                    raise
                results.append(
                    services.EntryResult(
                        str(rid), False, f"This entry could not be read: {e}"
                    ).as_json()
                )
    except (ValueError, TypeError, AttributeError) as e:
        return JsonResponse({"error": f"The register could not be read: {e}"}, status=400)
    saved = services.register_apply(actor=request.user, session=session, entries=entries)
    results += [r.as_json() for r in saved]
    return JsonResponse({"results": results, **selectors.register_state(session)})


@staff_view(EDIT)
def register_walk_in(request: HttpRequest, session_id: str) -> HttpResponse:
    """Add someone not yet registered (the no-JavaScript way; the page's script queues them)."""
    session = selectors.session_for(request.user, session_id)
    form = WalkInForm(posted(request), family_choices=_family_choices(session), prefix="walkin")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        family_of = d.get("family_of")
        entry = services.WalkInEntry(
            id=d.get("client_id") or uuid.uuid4(),
            given_name=d.get("given_name") or "",
            family_name=d.get("family_name") or "",
            adult=bool(d.get("adult")),
            date_of_birth=d.get("date_of_birth"),
            unborn=bool(d.get("unborn")),
            expected_date_of_delivery=d.get("expected_date_of_delivery"),
            postcode=d.get("postcode") or "",
            family_of=uuid.UUID(family_of) if family_of else None,
            at=timezone.now(),
        )
        [result] = services.register_apply(actor=request.user, session=session, entries=[entry])
        if result.saved:
            messages.success(
                request,
                f"{entry.given_name or 'Unborn baby'} {entry.family_name} added and ticked. "
                "Their record is on the 'to complete' list.",
            )
            return redirect("engagement:register", session.uuid)
        apply_errors(form, result.errors or {"__all__": [result.message]})
    return render(request, "engagement/walk_in.html", {"session": session, "form": form})
