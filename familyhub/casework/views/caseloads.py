"""A worker's caseload and a manager's team view (R-ENGAGE-6)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.casework import selectors
from familyhub.casework.views._common import CASEWORK, by_pk, page_number
from familyhub.core.decorators import staff_view
from familyhub.core.errors import NotFound


@staff_view(CASEWORK)
def caseload(request: HttpRequest) -> HttpResponse:
    """The user's own caseload; a team manager may open a worker of their team's (?worker=id)."""
    worker = request.user
    chosen = request.GET.get("worker", "")
    if chosen and chosen != str(request.user.pk):
        worker = by_pk(list(selectors.workers_visible_to(request.user)), chosen)
        if worker is None:
            raise NotFound(access.NOT_FOUND)
    page = page_number(request)
    result = selectors.caseload(request.user, worker, page=page)
    if result.people_shown:
        access.log_people_shown(
            request.user, result.people_shown, detail="caseload", object_type="household"
        )
    return render(
        request,
        "casework/caseload.html",
        {
            "caseload": result,
            "own": worker.pk == request.user.pk,
            "is_manager": access.can(request.user, Capability.TEAM_CASELOADS),
            "page": {"number": page, "has_previous": page > 1, "has_next": result.has_next},
            "query": urlencode({"worker": str(worker.pk)}) if worker.pk != request.user.pk else "",
        },
    )


@staff_view(Capability.TEAM_CASELOADS)
def team_caseloads(request: HttpRequest) -> HttpResponse:
    rows, unallocated = selectors.team_caseloads(request.user)
    return render(
        request, "casework/team_caseloads.html", {"rows": rows, "unallocated": unallocated}
    )
