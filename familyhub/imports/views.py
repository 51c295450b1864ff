"""The import pages (R-IMPORT-1): upload, match columns, watch progress, read and download the
rejected rows. Every page needs IMPORT_DATA; a batch of another organisation is 404 like a
missing one (invariant 2)."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ApplicationError, ValidationFailed
from familyhub.core.http import posted
from familyhub.imports import selectors, services
from familyhub.imports.forms import MappingForm, UploadForm
from familyhub.imports.kinds import KINDS, kind_for
from familyhub.imports.models import ImportBatch
from familyhub.imports.readers import write_csv
from familyhub.people import services as people_services
from familyhub.people.forms import apply_errors

IMPORT = Capability.IMPORT_DATA
PAGE_SIZE = 50
REJECTS_SHOWN = 100


@staff_view(IMPORT)
def batch_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.batches_visible_to(request.user).select_related("organisation", "uploaded_by")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "imports/batch_list.html", {"page": page, "kinds": KINDS})


@staff_view(IMPORT)
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(posted(request), request.FILES or None)
    earlier = None
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        try:
            batch = services.batch_upload(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                file_name=f.name,
                chunks=f.chunks(),
            )
        except services.DuplicateFile as e:
            earlier = e.batch
            form.add_error("file", e.message.split(" See the earlier import")[0])
        except ApplicationError as e:
            apply_errors(form, e.errors or {"file": [e.message]})
        else:
            return redirect("imports:mapping", batch.uuid)
    return render(
        request, "imports/upload.html", {"form": form, "earlier": earlier, "kinds": KINDS}
    )


@staff_view(IMPORT)
def mapping(request: HttpRequest, batch_id: str) -> HttpResponse:
    batch = selectors.batch_for(request.user, batch_id)
    if batch.status != ImportBatch.Status.MAPPING:
        return redirect("imports:batch_detail", batch.uuid)
    kind = kind_for(batch.kind)
    form = MappingForm(
        posted(request), kind=kind, headers=batch.headers, initial=dict(batch.mapping)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.mapping_set(actor=request.user, batch=batch, mapping=form.mapping())
            services.batch_start(actor=request.user, batch=batch)
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        except ApplicationError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "The import has started: it runs in the background.")
            return redirect("imports:batch_detail", batch.uuid)
    return render(request, "imports/mapping.html", {"form": form, "batch": batch, "kind": kind})


@staff_view(IMPORT)
def batch_detail(request: HttpRequest, batch_id: str) -> HttpResponse:
    return _detail(request, selectors.batch_for(request.user, batch_id))


def _ward_review(request: HttpRequest, batch: ImportBatch) -> people_services.WardReview | None:
    """After a postcode directory is loaded: the user's families whose ward it would change."""
    if batch.kind != "postcodes" or batch.status != ImportBatch.Status.COMPLETED:
        return None
    if not access.can(request.user, Capability.EDIT_PEOPLE):
        return None
    return people_services.address_wards_review(request.user)


def _detail(request: HttpRequest, batch: ImportBatch, error: str = "") -> HttpResponse:
    rejected = list(selectors.rejected_rows(batch)[:REJECTS_SHOWN])
    return render(
        request,
        "imports/batch_detail.html",
        {
            "batch": batch,
            "kind": KINDS.get(batch.kind),
            "rejected": rejected,
            "more_rejected": batch.rows_rejected > len(rejected),
            "action_error": error,
            "ward_review": _ward_review(request, batch),
        },
    )


@staff_view(IMPORT)
def progress(request: HttpRequest, batch_id: str) -> HttpResponse:
    """The progress panel, polled by htmx while the batch runs; reloads the page when it is done."""
    batch = selectors.batch_for(request.user, batch_id)
    response = render(request, "imports/_progress.html", {"batch": batch})
    if batch.done and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@staff_view(IMPORT)
@require_POST
def resume(request: HttpRequest, batch_id: str) -> HttpResponse:
    batch = selectors.batch_for(request.user, batch_id)
    try:
        services.batch_start(actor=request.user, batch=batch)
    except ApplicationError as e:
        return _detail(request, batch, error=e.message)
    messages.success(request, "The import continues from where it stopped.")
    return redirect("imports:batch_detail", batch.uuid)


@staff_view(IMPORT)
@require_POST
def wards_from_postcodes(request: HttpRequest, batch_id: str) -> HttpResponse:
    """Set the ward of the user's families' current addresses from the loaded directory (ADR 0024)."""
    batch = selectors.batch_for(request.user, batch_id)
    if _ward_review(request, batch) is None:
        return _detail(request, batch, error="Only a completed postcode directory sets wards.")
    review = people_services.address_wards_from_postcodes(request.user)
    messages.success(
        request,
        f"Ward set from the postcode on {review.changed} "
        f"address{'es' if review.changed != 1 else ''}; each family's history says so.",
    )
    return redirect("imports:batch_detail", batch.uuid)


@staff_view(IMPORT)
def rejects_csv(request: HttpRequest, batch_id: str) -> HttpResponse:
    """The rejected rows as the partner sent them, with a 'problems' column: fix and send again."""
    batch = selectors.batch_for(request.user, batch_id)
    headers = list(batch.headers)

    def rows():  # type: ignore[no-untyped-def]
        yield ["Row", *headers, "Problems"]
        for r in selectors.rejected_rows(batch).iterator(chunk_size=1000):
            problems = "; ".join(f"{col}: {msg}" if col else msg for col, msg in r.errors)
            yield [str(r.row_number), *[r.values.get(h, "") for h in headers], problems]

    response = StreamingHttpResponse(write_csv(rows()), content_type="text/csv; charset=utf-8")
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", batch.file_name.rsplit(".", 1)[0])[:80] or "import"
    response["Content-Disposition"] = f'attachment; filename="{stem}-rejected-rows.csv"'
    return response  # type: ignore[return-value]
