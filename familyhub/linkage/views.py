"""Duplicate review pages (R-LINK-1, ADR 0021). Every page needs MANAGE_DUPLICATES; pairs and
merges are fetched only through `linkage.selectors` (scoped; 404 alike for missing and out of
reach) and every person shown is logged."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ApplicationError
from familyhub.linkage import comparisons, external, selectors, services
from familyhub.linkage.models import LinkageRun, MatchCandidate

MANAGE = Capability.MANAGE_DUPLICATES


@staff_view(MANAGE)
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or MatchCandidate.Status.OPEN
    if status not in MatchCandidate.Status.values:
        status = MatchCandidate.Status.OPEN
    page = Paginator(selectors.review_queue(request.user, status=status), selectors.QUEUE_PAGE)
    current = page.get_page(request.GET.get("page"))
    shown = [p for c in current for p in (c.person_a, c.person_b)]
    if shown:
        access.log_people_shown(request.user, shown, detail="duplicate review queue")
    return render(
        request,
        "linkage/queue.html",
        {
            "page": current,
            "status": status,
            "statuses": MatchCandidate.Status.choices,
            "latest_run": LinkageRun.objects.first(),
            "likely": comparisons.LIKELY_THRESHOLD,
        },
    )


@staff_view(MANAGE)
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    services.duplicates_run_request(actor=request.user)
    messages.success(request, "The duplicate run has started; new pairs appear in the queue.")
    return redirect("linkage:queue")


def _pair_context(request: HttpRequest, candidate: MatchCandidate, **extra: Any) -> dict[str, Any]:
    score = selectors.pair_score(candidate)
    access.log_people_shown(
        request.user,
        [candidate.person_a, candidate.person_b],
        action="view_person",
        detail="duplicate pair review",
    )
    return {
        "candidate": candidate,
        "score": score,
        "explained": comparisons.explain(score.as_json()),
        "fields": selectors.field_choices_for(candidate.person_a, candidate.person_b),
        "show_special": access.can_see_special_category(request.user),
        "nhs_conflict": bool(candidate.person_a.nhs_number and candidate.person_b.nhs_number)
        and candidate.person_a.nhs_number != candidate.person_b.nhs_number,
        "errors": {},
        "posted": {},
        **extra,
    }


@staff_view(MANAGE)
def pair(request: HttpRequest, candidate_id: str) -> HttpResponse:
    candidate = selectors.candidate_for(request.user, candidate_id)
    return render(request, "linkage/pair.html", _pair_context(request, candidate))


@staff_view(MANAGE)
@require_POST
def pair_merge(request: HttpRequest, candidate_id: str) -> HttpResponse:
    candidate = selectors.candidate_for(request.user, candidate_id)
    keep_side = request.POST.get("keep", "")
    if keep_side not in ("a", "b"):
        errors = {"keep": ["Choose which record stays"]}
        context = _pair_context(request, candidate, errors=errors, posted=request.POST)
        return render(request, "linkage/pair.html", context, status=400)
    keep, other = (
        (candidate.person_a, candidate.person_b)
        if keep_side == "a"
        else (candidate.person_b, candidate.person_a)
    )
    choices = {}
    for f in selectors.field_choices_for(keep, other):
        value = request.POST.get(f"field_{f['name']}")
        if value in ("a", "b"):
            choices[f["name"]] = "keep" if value == keep_side else "other"
    try:
        merge = services.person_merge(
            actor=request.user,
            keep=keep,
            other=other,
            choices=choices,
            reason=request.POST.get("reason", ""),
            confirm_different_nhs=request.POST.get("confirm_different_nhs") == "yes",
            nhs_reason=request.POST.get("nhs_reason", ""),
            candidate=candidate,
        )
    except ApplicationError as e:
        errors = e.errors or {"merge": [e.message]}
        context = _pair_context(request, candidate, errors=errors, posted=request.POST)
        return render(request, "linkage/pair.html", context, status=400)
    messages.success(request, f"Merged into {merge.keep.display_name}'s record.")
    return redirect("linkage:merge_detail", merge_id=merge.uuid)


@staff_view(MANAGE)
@require_POST
def pair_not_same(request: HttpRequest, candidate_id: str) -> HttpResponse:
    candidate = selectors.candidate_for(request.user, candidate_id)
    reason = request.POST.get("reason", "").strip()
    if not reason:
        errors = {"not_same_reason": ["Say why they are different people (for example 'twins')"]}
        context = _pair_context(request, candidate, errors=errors, posted=request.POST)
        return render(request, "linkage/pair.html", context, status=400)
    services.mark_not_same(actor=request.user, candidate=candidate, reason=reason)
    messages.success(request, "Marked as two different people; they will not be suggested again.")
    return redirect("linkage:queue")


@staff_view(MANAGE)
def merge_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.merges_for(request.user), selectors.QUEUE_PAGE)
    current = page.get_page(request.GET.get("page"))
    shown = [p for m in current for p in (m.keep, m.other)]
    if shown:
        access.log_people_shown(request.user, shown, detail="merges")
    return render(request, "linkage/merge_list.html", {"page": current})


@staff_view(MANAGE)
def merge_detail(request: HttpRequest, merge_id: str) -> HttpResponse:
    merge = selectors.merge_for(request.user, merge_id)
    access.log_people_shown(
        request.user, [merge.keep, merge.other], action="view_person", detail="merge record"
    )
    return render(request, "linkage/merge_detail.html", _merge_context(merge))


def _merge_context(merge: Any, **extra: Any) -> dict[str, Any]:
    moved: dict[str, dict[str, int]] = {}
    for entry in merge.moved:
        label = apps.get_model(entry["model"])._meta.verbose_name_plural.capitalize()
        moved.setdefault(label, {"repointed": 0, "removed": 0})[entry["action"]] += 1
    return {"merge": merge, "moved": moved, "error": "", "reason": "", **extra}


@staff_view(MANAGE)
@require_POST
def merge_undo(request: HttpRequest, merge_id: str) -> HttpResponse:
    merge = selectors.merge_for(request.user, merge_id)
    reason = request.POST.get("reason", "").strip()
    try:
        if not reason:
            raise ApplicationError("Say why the merge is being undone")
        services.person_unmerge(actor=request.user, merge=merge, reason=reason)
    except ApplicationError as e:
        return render(
            request,
            "linkage/merge_detail.html",
            _merge_context(merge, error=e.message, reason=reason),
            status=400,
        )
    messages.success(request, "The merge was undone: both records are back as they were.")
    return redirect("linkage:merge_detail", merge_id=merge.uuid)


@staff_view(MANAGE)
def external_match(request: HttpRequest) -> HttpResponse:
    """Match a school-census-layout file (R-LINK-2): the result file is the response (it is not
    kept); the counts and estimated quality stay in the list below the form."""
    errors: dict[str, list[str]] = {}
    recipient = ""
    if request.method == "POST":
        recipient = request.POST.get("recipient", "").strip()
        upload = request.FILES.get("file")
        if upload is None:
            errors["file"] = ["Choose the file to match"]
        if not recipient:
            errors["recipient"] = ["Say who the result goes to"]
        if not errors and upload is not None:
            try:
                report = external.external_match(
                    actor=request.user,
                    file_name=upload.name or "file.csv",
                    content=upload.read(),
                    recipient=recipient,
                )
            except ApplicationError as e:
                errors = e.errors or {"file": [e.message]}
            else:
                response = HttpResponse(report.result_csv, content_type="text/csv")
                response["Content-Disposition"] = 'attachment; filename="match-result.csv"'
                return response
    runs = selectors.external_matches(request.user)[:20]
    return render(
        request,
        "linkage/external.html",
        {"errors": errors, "recipient": recipient, "runs": runs},
        status=400 if errors else 200,
    )
