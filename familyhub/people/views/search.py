from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from familyhub.access import helpers as access
from familyhub.access.models import AccessLogEntry
from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.people import search


@staff_view(Capability.VIEW_PEOPLE)
def search_view(request: HttpRequest) -> HttpResponse:
    """One box: name (typo tolerant), date of birth, postcode or NHS number (R-PEOPLE-6)."""
    text = request.GET.get("q", "").strip()
    result = None
    if text:
        result = search.run(
            access.people_visible_to(request.user), text, limit=settings.FAMILYHUB_SEARCH_LIMIT
        )
        # The search words are not logged (they are personal data); the kind and the people shown are.
        access.log_people_shown(
            request.user,
            result.people,
            action=AccessLogEntry.Action.SEARCH,
            detail=f"search by {', '.join(result.query.kinds) or 'nothing recognised'}",
        )
    template = (
        "people/_search_results.html" if request.headers.get("HX-Request") else "people/search.html"
    )
    return render(request, template, {"q": text, "result": result})
