"""The DPO's retention pages (R-RETAIN-1, R-RETAIN-2, R-RIGHTS-4): due counts by rule, the dry run,
disposal runs and their log, the rules, holds, erasure of a person and the erasure records.

Every page needs MANAGE_PRIVACY. The DPO has no case scope: a person or family is fetched for
erasure or for a hold only through `retention.selectors`, which log the look (invariant 2).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ApplicationError, ConcurrentEdit, NotFound, ValidationFailed
from familyhub.core.http import posted
from familyhub.people.forms import apply_errors
from familyhub.retention import disposal, erasure, selectors, services
from familyhub.retention.forms import (
    ErasureForm,
    FindPersonForm,
    HoldForm,
    ReleaseForm,
    RuleForm,
    RunForm,
)

MANAGE = Capability.MANAGE_PRIVACY
COUNT_WORDS = {
    "due": "due",
    "held": "on hold",
    "to_dispose": "to dispose of",
    "kept": "kept",
    "disposed": "disposed of",
    "people": "people erased",
    "batches": "batches",
    "skipped": "skipped (automatic disposal off)",
}
PAGE_SIZE = 50


def _count_order(item: tuple[str, int]) -> int:
    order = list(COUNT_WORDS)
    return order.index(item[0]) if item[0] in order else len(order)


def _dashboard(request: HttpRequest, form: RunForm) -> HttpResponse:
    latest = selectors.latest_dry_run()
    due = disposal.due_by_category(latest)
    empty = {"due": 0, "held": 0, "to_dispose": 0, "kept": 0}
    rules = [{"rule": r, "counts": due.get(r.category, empty)} for r in selectors.rules()]
    return render(
        request,
        "retention/dashboard.html",
        {
            "latest": latest,
            "rules": rules,
            "form": form,
            "runs": list(selectors.runs()[:5]),
            "unfinished": disposal.unfinished_run(),
            "holds_in_force": selectors.holds(in_force_on=selectors.today()).count(),
        },
    )


@staff_view(MANAGE)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Due counts by rule, starting a run (a dry run unless asked otherwise), the latest runs."""
    return _dashboard(request, RunForm(initial={"mode": "dry_run"}))


@staff_view(MANAGE)
def preview(request: HttpRequest) -> HttpResponse:
    """The latest dry run: what is due under each rule, why, how many."""
    latest = selectors.latest_dry_run()
    sources = disposal.dry_run_sources(latest) if latest else []
    return render(request, "retention/preview.html", {"run": latest, "sources": sources})


@staff_view(MANAGE)
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    form = RunForm(request.POST)
    if not form.is_valid():
        return _dashboard(request, form)
    dry_run = form.cleaned_data["mode"] != "dispose"
    try:
        run = disposal.start_run(actor=request.user, dry_run=dry_run)
    except ApplicationError as e:
        messages.error(request, e.message)
        return redirect("retention:dashboard")
    messages.success(
        request,
        "The dry run is ready."
        if dry_run
        else "The disposal run has started: it runs in the background.",
    )
    return redirect("retention:run_detail", run.uuid)


@staff_view(MANAGE)
def run_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.runs(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "retention/run_list.html", {"page": page})


@staff_view(MANAGE)
def run_detail(request: HttpRequest, run_id: str) -> HttpResponse:
    run = selectors.run_by_uuid(run_id)
    labels = {s.key: s.label for s in disposal.SOURCES}
    counts = [
        # In COUNT_WORDS order: PostgreSQL's jsonb keeps keys sorted by length, not as written.
        (
            labels.get(k, k),
            [(COUNT_WORDS.get(name, name), n) for name, n in sorted(v.items(), key=_count_order)],
        )
        for k, v in run.counts.items()
    ]
    preview_rows = [
        {**row, "source": labels.get(row.get("source", ""), "")}
        for row in run.preview
        if "what" in row
    ]
    items = Paginator(selectors.run_items(run), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "retention/run_detail.html",
        {
            "run": run,
            "counts": counts,
            "preview_rows": preview_rows,
            "items": items,
            "outcomes": selectors.run_outcomes(run),
            "labels": labels,
        },
    )


@staff_view(MANAGE)
def rule_list(request: HttpRequest) -> HttpResponse:
    return render(request, "retention/rule_list.html", {"rules": list(selectors.rules())})


@staff_view(MANAGE)
def rule_edit(request: HttpRequest, category: str) -> HttpResponse:
    rule = selectors.rule_by_category(category)
    initial = {
        "name": rule.name,
        "applies_to": rule.applies_to,
        "period_years": rule.period_years,
        "period_months": rule.period_months,
        "starts_from": rule.starts_from,
        "programme_ends_on": rule.programme_ends_on,
        "disposal_enabled": rule.disposal_enabled,
        "source": rule.source,
        "note": rule.note,
        "version": rule.version,
    }
    form = RuleForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_update(
                actor=request.user,
                rule=rule,
                data=form.data_for_service(),
                expected_version=form.cleaned_data["version"],
            )
        except ConcurrentEdit as e:
            form.add_error(None, e.message)
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            messages.success(
                request, f"'{rule.name}' saved. The privacy notice states it from now on."
            )
            return redirect("retention:rule_list")
    return render(request, "retention/rule_edit.html", {"rule": rule, "form": form})


@staff_view(MANAGE)
def hold_list(request: HttpRequest) -> HttpResponse:
    """Holds in force and ended; placing a hold on a person or a family."""
    form = HoldForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            subject = selectors.subject_for_hold(request.user, data["reference_text"])
            services.hold_place(
                actor=request.user,
                person=subject.person,
                household=subject.household,
                kind=data["kind"],
                reason=data["reason"],
                reference=data["reference"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
        except NotFound as e:
            form.add_error("reference_text", e.message)
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            messages.success(request, f"{subject.description} is on hold.")
            return redirect("retention:hold_list")
    today = selectors.today()
    holds = list(selectors.holds()[:200])
    return render(
        request,
        "retention/hold_list.html",
        {
            "form": form,
            "in_force": [h for h in holds if h.in_force_on(today)],
            "ended": [h for h in holds if not h.in_force_on(today)],
            "release_form": ReleaseForm(),
        },
    )


@staff_view(MANAGE)
@require_POST
def hold_release(request: HttpRequest, hold_id: str) -> HttpResponse:
    hold = selectors.hold_by_uuid(request.user, hold_id)
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the hold is released.")
        return redirect("retention:hold_list")
    try:
        services.hold_release(actor=request.user, hold=hold, reason=form.cleaned_data["reason"])
    except ValidationFailed as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "The hold is released.")
    return redirect("retention:hold_list")


@staff_view(MANAGE)
def erasure_list(request: HttpRequest) -> HttpResponse:
    form = FindPersonForm(posted(request))
    if request.method == "POST" and form.is_valid():
        found = selectors.UUID_IN_TEXT.search(form.cleaned_data["reference_text"])
        if found:
            return redirect("retention:erase_person", found.group(0))
        form.add_error("reference_text", "Give the person's id, or a link to their page.")
    page = Paginator(selectors.erasure_records(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "retention/erasure_list.html", {"page": page, "form": form})


@staff_view(MANAGE)
def erasure_detail(request: HttpRequest, erasure_id: str) -> HttpResponse:
    record = selectors.erasure_record(erasure_id)
    return render(request, "retention/erasure_detail.html", {"record": record})


def _exception_errors(form: ErasureForm, e: ValidationFailed, exceptions: list[Any]) -> None:
    """Put the service's 'exceptions-<n>' errors on the reason field of the item they are about."""
    other: dict[str, list[str]] = {}
    for key, msgs in e.errors.items():
        if key.startswith("exceptions-"):
            index = int(key.split("-", 1)[1])
            target = (
                form.field_for_item(exceptions[index].item) if index < len(exceptions) else None
            )
            for m in msgs:
                form.add_error(target, m)
        else:
            other[key] = msgs
    if other:
        apply_errors(
            form, {("request_reference" if k == "request" else k): v for k, v in other.items()}
        )


@staff_view(MANAGE)
def erase_person(request: HttpRequest, person_id: str) -> HttpResponse:
    """What an erasure would remove, the items to keep under a legal exception, and the erasure."""
    person = selectors.person_for_erasure(request.user, person_id, log_view=request.method == "GET")
    groups = erasure.inventory(person)
    holds = erasure.holds_in_force(person)
    initial = {"request_reference": request.GET.get("request", "")}
    form = ErasureForm(posted(request), initial=initial, groups=groups)
    if request.method == "POST" and form.is_valid():
        exceptions = [
            erasure.LegalException(k, kind, reason) for k, kind, reason in form.exceptions()
        ]
        try:
            record = erasure.erase_person(
                actor=request.user,
                person=person,
                request=form.cleaned_data["request_reference"] or None,
                exceptions=exceptions,
            )
        except erasure.PersonUnderHold as e:
            form.add_error(None, e.message)
        except ValidationFailed as e:
            _exception_errors(form, e, exceptions)
        else:
            messages.success(request, "The person's records are erased.")
            return redirect("retention:erasure_detail", record.uuid)
    return render(
        request,
        "retention/erase_person.html",
        {
            "person": person,
            "groups": groups,
            "holds": holds,
            "form": form,
            "total": sum(g.count for g in groups),
            "back": reverse("retention:erasure_list"),
        },
    )
