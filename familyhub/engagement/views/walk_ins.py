"""The 'to complete' list: people added at the door with the minimum details (R-ENGAGE-3), and
completing their record (the address and ward, a date of birth, contact details)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ConcurrentEdit, ValidationFailed
from familyhub.core.http import posted
from familyhub.engagement import selectors, services
from familyhub.engagement.forms import WalkInCompleteForm
from familyhub.people.forms import apply_errors
from familyhub.people.selectors import current_address

EDIT = Capability.EDIT_PEOPLE
PAGE_SIZE = 50


@staff_view(EDIT)
def walk_in_list(request: HttpRequest) -> HttpResponse:
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    rows = list(
        selectors.walk_ins_to_complete(request.user)[
            (number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1
        ]
    )
    shown = rows[:PAGE_SIZE]
    access.log_people_shown(request.user, [w.person for w in shown], detail="walk-ins to complete")
    items = []
    for w in shown:
        current = getattr(w.household, "current_addresses", [])
        items.append(
            {"walk_in": w, "missing": services.walk_in_missing(w, current[0] if current else None)}
        )
    return render(
        request,
        "engagement/walk_in_list.html",
        {
            "items": items,
            "page": {
                "number": number,
                "has_previous": number > 1,
                "has_next": len(rows) > PAGE_SIZE,
            },
        },
    )


@staff_view(EDIT)
def walk_in_complete(request: HttpRequest, walk_in_id: str) -> HttpResponse:
    walk_in = selectors.walk_in_for(request.user, walk_in_id)
    household = access.household_for(request.user, walk_in.household.uuid)
    person = access.person_for(request.user, walk_in.person.uuid, log_view=False)
    walk_in.person = person
    address = current_address(household)
    placeholder = address is None or address.line1 == services.ADDRESS_TO_COMPLETE
    initial: dict[str, Any] = {
        "line1": "" if placeholder else address.line1,
        "line2": address.line2 if address else "",
        "town": address.town if address else "Nottingham",
        "postcode": address.postcode if address else "",
        "ward": address.ward if address else None,
        "date_of_birth": person.date_of_birth,
        "phone": person.phone,
        "nhs_number": person.nhs_number,
        "version": person.version,
    }
    form = WalkInCompleteForm(posted(request), initial=initial)
    if person.is_unborn:
        del form.fields["date_of_birth"]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        person_data = {k: d[k] for k in ("phone", "nhs_number") if d.get(k) is not None}
        if "date_of_birth" in form.fields and d.get("date_of_birth"):
            person_data["date_of_birth"] = d["date_of_birth"]
        try:
            services.walk_in_complete(
                actor=request.user,
                walk_in=walk_in,
                household=household,
                address={k: d.get(k) for k in ("line1", "line2", "town", "postcode", "ward")},
                person_data=person_data,
                expected_version=d.get("version") or person.version,
            )
        except (ValidationFailed, ConcurrentEdit) as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(
                request, f"{person.display_name}'s record is complete and off the list."
            )
            return redirect("engagement:walk_in_list")
    return render(
        request,
        "engagement/walk_in_complete.html",
        {
            "walk_in": walk_in,
            "household": household,
            "person": person,
            "form": form,
            "missing": services.walk_in_missing(walk_in, address),
        },
    )
