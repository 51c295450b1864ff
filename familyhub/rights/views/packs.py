"""Subject access packs (R-RIGHTS-2) and portability exports (R-RIGHTS-3), for the DPO.

The pack's document is a standalone HTML page with a print stylesheet: the browser's "Print" or
"Save as PDF" makes the PDF (no PDF library such as WeasyPrint is installed; ADR 0015).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ApplicationError, ValidationFailed
from familyhub.core.http import posted
from familyhub.people.forms import apply_errors
from familyhub.rights import sar, selectors, services
from familyhub.rights.forms import ReleaseForm, review_form_fields
from familyhub.rights.models import AccessPack, DisclosureRecord, PackDecision, RequesterKind
from familyhub.rights.services.packs import decisions_of, render_html, requester_text

MANAGE = Capability.MANAGE_PRIVACY


@staff_view(MANAGE)
def pack_generate(request: HttpRequest, request_id: str) -> HttpResponse:
    """POST: assemble a new draft pack from the data map. GET: back to the request."""
    rr = selectors.request_for(request.user, request_id, log_view=False)
    if request.method != "POST":
        return redirect("rights:request_detail", rr.uuid)
    try:
        pack = services.pack_generate(actor=request.user, request=rr)
    except ValidationFailed as e:
        messages.error(request, e.message)
        return redirect("rights:request_detail", rr.uuid)
    n = len(pack.review_items)
    messages.success(
        request,
        f"Pack generated. {n} item{'s' if n != 1 else ''} about other people need{'s' if n == 1 else ''} "
        "a decision before it can be released."
        if n
        else "Pack generated. Nothing in it is about other people.",
    )
    return redirect("rights:pack_review", pack.uuid)


@staff_view(MANAGE)
def pack_review(request: HttpRequest, pack_id: str) -> HttpResponse:
    """Each item about someone else: release or withhold, with a reason (decisions are kept)."""
    pack = selectors.pack_for(request.user, pack_id, detail="subject access pack: review")
    errors: dict[str, list[str]] = {}
    typed: dict[str, str] = {}
    if request.method == "POST":
        decisions: dict[str, tuple[str, str]] = {}
        for item in pack.review_items:
            key = item["item"]
            decision = request.POST.get(f"decision-{key}", "")
            reason = request.POST.get(f"reason-{key}", "")
            typed[f"decision-{key}"], typed[f"reason-{key}"] = decision, reason
            if decision:
                decisions[key] = (decision, reason)
            elif reason.strip():
                errors[f"decision-{key}"] = ["Choose to release or to withhold it."]
        if not errors and decisions:
            try:
                services.pack_decide(actor=request.user, pack=pack, decisions=decisions)
            except ValidationFailed as e:
                errors = dict(e.errors)
            else:
                messages.success(request, "Decisions saved.")
                return redirect("rights:pack_review", pack.uuid)
        elif not errors:
            errors["__all__"] = ["Choose a decision for at least one item."]
    decided = {d.item: d for d in pack.decisions.all()}
    rows = review_form_fields(pack.review_items, decided)
    for row in rows:
        key = row["item"]
        if f"decision-{key}" in typed:
            row["decision"], row["reason"] = typed[f"decision-{key}"], typed[f"reason-{key}"]
        row["errors"] = errors.get(f"decision-{key}", []) + errors.get(f"reason-{key}", [])
    undecided = sum(1 for r in pack.review_items if r["item"] not in decided)
    return render(
        request,
        "rights/pack_review.html",
        {
            "pack": pack,
            "rr": pack.request,
            "rows": rows,
            "errors": errors,
            "form_errors": errors.get("__all__", []),
            "undecided": undecided,
            "choices": PackDecision.Decision.choices,
        },
    )


@staff_view(MANAGE)
def pack_release(request: HttpRequest, pack_id: str) -> HttpResponse:
    """Release the reviewed pack: a disclosure record and an EXPORT in the access log."""
    pack = selectors.pack_for(request.user, pack_id, log_view=False)
    rr = pack.request
    if pack.state == AccessPack.State.RELEASED:
        messages.info(request, "This pack was already released.")
        return redirect("rights:request_detail", rr.uuid)
    initial = {
        "recipient": requester_text(rr),
        "recipient_kind": DisclosureRecord.RecipientKind.DATA_SUBJECT
        if rr.requester_kind == RequesterKind.SELF
        else DisclosureRecord.RecipientKind.REPRESENTATIVE,
    }
    form = ReleaseForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            disclosure = services.pack_release(
                actor=request.user,
                pack=pack,
                recipient=form.cleaned_data["recipient"],
                recipient_kind=form.cleaned_data["recipient_kind"],
                channel=form.cleaned_data["channel"],
            )
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            messages.success(
                request,
                f"Pack released to {disclosure.recipient}. SHA-256 of the JSON: {disclosure.sha256}",
            )
            return redirect("rights:request_detail", rr.uuid)
    decisions = decisions_of(pack)
    return render(
        request,
        "rights/pack_release.html",
        {
            "pack": pack,
            "rr": rr,
            "form": form,
            "withheld": sum(1 for d in decisions.values() if d == "redact"),
            "undecided": sum(1 for r in pack.review_items if r["item"] not in decisions),
        },
    )


def _document(pack: AccessPack) -> tuple[dict, bool]:
    if pack.state == AccessPack.State.RELEASED and pack.released_content is not None:
        return pack.released_content, False
    return sar.apply_decisions(pack.content, decisions_of(pack), release=False), True


@staff_view(MANAGE)
def pack_document(request: HttpRequest, pack_id: str) -> HttpResponse:
    """The pack as a printable document: the released one, or a draft preview."""
    pack = selectors.pack_for(request.user, pack_id, detail="subject access pack: document")
    content, draft = _document(pack)
    return HttpResponse(render_html(content, draft=draft), content_type="text/html; charset=utf-8")


@staff_view(MANAGE)
def pack_json(request: HttpRequest, pack_id: str) -> HttpResponse:
    """The pack as JSON: exactly the released bytes (its SHA-256 is on the disclosure record)."""
    pack = selectors.pack_for(request.user, pack_id, detail="subject access pack: JSON")
    content, draft = _document(pack)
    if draft:
        content = {**content, "draft": True}
    response = HttpResponse(sar.canonical_json(content), content_type="application/json")
    suffix = "draft" if draft else "subject-access-pack"
    response["Content-Disposition"] = (
        f'attachment; filename="{pack.request.reference}-{suffix}.json"'
    )
    return response


@staff_view(MANAGE)
def portability_download(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    """POST: the person's data as JSON, CSV or FHIR; each file is recorded as a disclosure."""
    rr = selectors.request_for(request.user, request_id, log_view=False)
    if request.method != "POST":
        return redirect("rights:request_detail", rr.uuid)
    try:
        export = services.portability_release(actor=request.user, request=rr, fmt=fmt)
    except ApplicationError as e:
        messages.error(request, e.message)
        return redirect("rights:request_detail", rr.uuid)
    response = HttpResponse(export.body, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["X-Content-SHA256"] = export.disclosure.sha256
    return response
