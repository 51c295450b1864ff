"""Extract pages (R-SHARE-3, R-SHARE-4; ADR 0019): produce one under an agreement, see what
cleared it, download the file during its download window. Writes go through
`sharing.services.extracts`; the refusals are recorded there too."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from familyhub.core.decorators import staff_view
from familyhub.core.errors import ValidationFailed
from familyhub.core.http import posted
from familyhub.people.forms import apply_errors
from familyhub.sharing import items as vocabulary
from familyhub.sharing.forms.extracts import ExtractForm
from familyhub.sharing.guard import OutputRefused
from familyhub.sharing.models import Agreement, Level, Output
from familyhub.sharing.services import extracts as service

PRODUCE = service.PRODUCE_EXTRACTS
PAGE_SIZE = 25
EXTRACT_KINDS = [Output.Kind.EXTRACT_DEPERSONALISED, Output.Kind.EXTRACT_IDENTIFIABLE]


def _visible(request: HttpRequest) -> QuerySet[Output]:
    """Extracts the user may see: identifiable ones only with the capability to make them."""
    kinds = [Output.Kind.EXTRACT_DEPERSONALISED]
    if request.user.has_capability(service.PRODUCE_IDENTIFIABLE):  # type: ignore[union-attr]
        kinds.append(Output.Kind.EXTRACT_IDENTIFIABLE)
    return Output.objects.filter(kind__in=kinds).select_related("agreement", "produced_by")


def _one(request: HttpRequest, output_id: UUID) -> Output:
    output = _visible(request).filter(uuid=output_id).first()
    if output is None:
        raise Http404("Not found")
    return output


@staff_view(PRODUCE)
def extract_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(_visible(request).defer("content"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "sharing/extracts/list.html", {"page": page})


@staff_view(PRODUCE)
def extract_new(request: HttpRequest) -> HttpResponse:
    form = ExtractForm(
        posted(request),
        initial={"level": Level.DEPERSONALISED, "population": service.Population.CHILDREN},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        agreement = Agreement.objects.filter(reference=data["agreement"]).first()
        try:
            produced = service.extract_produce(
                actor=request.user,
                agreement=agreement,
                level=data["level"],
                items=data["items"],
                population=data["population"] or service.Population.CHILDREN,
                sensitive=data["sensitive"],
            )
        except OutputRefused as e:
            for reason in e.reasons:
                form.add_error("agreement" if "agreement" in reason.lower() else None, reason)
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            if produced.password:
                # Shown once, on this response only: never stored, never in a redirect.
                response = render(
                    request,
                    "sharing/extracts/password.html",
                    {"output": produced.output, "password": produced.password},
                )
                response["Cache-Control"] = "no-store"
                return response
            messages.success(request, "Extract produced and recorded in the disclosure log.")
            return redirect("sharing:extract_detail", produced.output.uuid)
    return render(
        request,
        "sharing/extracts/new.html",
        {
            "form": form,
            "can_identifiable": request.user.has_capability(  # type: ignore[union-attr]
                service.PRODUCE_IDENTIFIABLE
            ),
        },
    )


@staff_view(PRODUCE)
def extract_detail(request: HttpRequest, output_id: UUID) -> HttpResponse:
    output = _one(request, output_id)
    expires = service.download_expires(output)
    return render(
        request,
        "sharing/extracts/detail.html",
        {
            "output": output,
            "items": [vocabulary.label(c) for c in output.request.get("items", [])],
            "p": output.protection,
            "expires": expires,
            "downloadable": output.content is not None and timezone.now() < expires,
            "perms_log": request.user.has_capability(service.PRODUCE_IDENTIFIABLE),  # type: ignore[union-attr]
        },
    )


@staff_view(PRODUCE)
def extract_download(request: HttpRequest, output_id: UUID) -> HttpResponse:
    output = _one(request, output_id)
    if (
        output.status != Output.Status.RELEASED
        or output.content is None
        or timezone.now() >= service.download_expires(output)
    ):
        raise Http404("Not found")
    name = output.files[0]["name"]
    kind = "application/zip" if name.endswith(".zip") else "text/csv; charset=utf-8"
    response = HttpResponse(bytes(output.content), content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
