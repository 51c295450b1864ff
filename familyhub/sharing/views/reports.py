"""The report builder (R-SHARE-2), kept outputs with their downloads, saved and scheduled reports
(R-SHARE-7). Writes through `sharing.services.reports`; nothing here reads a person's record:
the cube counts in SQL and only protected tables reach a page or a file."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ApplicationError, NotFound, ValidationFailed
from familyhub.core.http import posted
from familyhub.people.forms import apply_errors
from familyhub.sharing import cube
from familyhub.sharing.forms.reports import ReportForm, initial_for
from familyhub.sharing.models import Output, ReportSpec
from familyhub.sharing.services import reports as services

PRODUCE = Capability.PRODUCE_REPORTS
PAGE_SIZE = 25


def _output(output_id: str) -> Output:
    found = (
        Output.objects.select_related("agreement", "report", "disclosure", "produced_by")
        .filter(uuid=output_id, kind=Output.Kind.REPORT)
        .first()
    )
    if found is None:
        raise NotFound("No such report.")
    return found


@staff_view(PRODUCE)
def report_list(request: HttpRequest) -> HttpResponse:
    """Saved reports (with their schedules) and the reports produced, newest first."""
    outputs = (
        Output.objects.filter(kind=Output.Kind.REPORT)
        .select_related("agreement", "produced_by")
        .defer("content", "protection")
        .order_by("-created_at", "-id")
    )
    page = Paginator(outputs, PAGE_SIZE).get_page(request.GET.get("page"))
    specs = ReportSpec.objects.select_related("agreement").order_by("name")
    return render(request, "sharing/reports/list.html", {"page": page, "specs": specs})


@staff_view(PRODUCE)
def report_builder(request: HttpRequest) -> HttpResponse:
    """Choose, preview (disclosure control runs here), or save the report as a specification."""
    spec = None
    spec_id = request.GET.get("spec") or request.POST.get("spec") or ""
    if spec_id:
        spec = ReportSpec.objects.select_related("agreement").filter(uuid=spec_id).first()
        if spec is None:
            raise NotFound("No such report.")
    form = ReportForm(posted(request), initial=initial_for(spec))
    refused = None
    if request.method == "POST" and form.is_valid():
        agreement = form.agreement_obj()
        query = form.query()
        try:
            if request.POST.get("action") == "save":
                if agreement is None:
                    raise ValidationFailed(
                        "Choose the agreement the report is produced under", field="agreement"
                    )
                saved = services.spec_save(
                    actor=request.user,
                    name=form.cleaned_data.get("name") or "",
                    agreement=agreement,
                    query=query,
                    schedule=form.cleaned_data.get("schedule") or "",
                    spec=spec,
                )
                messages.success(request, f"Report '{saved.name}' saved.")
                return redirect(f"{request.path}?spec={saved.uuid}")
            output = services.report_produce(
                actor=request.user, agreement=agreement, query=query, spec=spec
            )
        except services.Refused as r:
            refused = r.output
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            return redirect("sharing:report_output", output.uuid)
    return render(
        request,
        "sharing/reports/builder.html",
        {"form": form, "spec": spec, "refused": refused, "filters": _filter_fields(form)},
    )


def _filter_fields(form: ReportForm) -> list:
    from familyhub.sharing.forms.reports import FILTERS

    return [form[f] for f in FILTERS]


@staff_view(PRODUCE)
def report_output(request: HttpRequest, output_id: str) -> HttpResponse:
    output = _output(output_id)
    sdc_data = output.protection.get("sdc", {}) if output.protection else {}
    return render(
        request,
        "sharing/reports/output.html",
        {
            "output": output,
            "tables": services.grids(output.protection or {}),
            "notes": sdc_data.get("notes", []),
            "audit": sdc_data.get("audit", {}),
            "request_labels": _request_labels(output.request),
        },
    )


def _request_labels(request: dict) -> list[tuple[str, str]]:
    out = []
    if request.get("measure") in cube.MEASURES:
        out.append(("Counting", cube.MEASURES[request["measure"]].label))
    for key in ("rows", "columns"):
        if request.get(key) in cube.DIMENSIONS:
            out.append((key.capitalize(), cube.DIMENSIONS[request[key]].label))
    filters = request.get("filters") or {}
    names = cube.Labels.load(None) if filters else None
    for dim, values in filters.items():
        label = cube.DIMENSIONS[dim].label if dim in cube.DIMENSIONS else dim
        shown = [cube.filter_label(dim, v, names) for v in values] if names else values
        out.append((f"Only {label.lower()}", ", ".join(shown)))
    return out


def _download(request: HttpRequest, output_id: str, kind: str) -> HttpResponse:
    output = _output(output_id)
    if request.method != "POST":
        return redirect("sharing:report_output", output.uuid)
    try:
        services.report_release(actor=request.user, output=output, channel=f"Downloaded ({kind})")
        name, data, ctype = services.output_file(output, kind)
    except ApplicationError as e:
        messages.error(request, e.message)
        return redirect("sharing:report_output", output.uuid)
    response = HttpResponse(data, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_view(PRODUCE)
def report_csv(request: HttpRequest, output_id: str) -> HttpResponse:
    """POST: the report leaves as CSV (first release writes the disclosure record)."""
    return _download(request, output_id, "csv")


@staff_view(PRODUCE)
def report_xlsx(request: HttpRequest, output_id: str) -> HttpResponse:
    """POST: the report leaves as XLSX (first release writes the disclosure record)."""
    return _download(request, output_id, "xlsx")


@staff_view(PRODUCE)
def report_mark_sent(request: HttpRequest, output_id: str) -> HttpResponse:
    """POST: a scheduled report was sent by other means (R-SHARE-7): log it as a disclosure."""
    output = _output(output_id)
    if request.method == "POST":
        channel = (request.POST.get("channel") or "").strip() or "Sent"
        try:
            services.report_release(actor=request.user, output=output, channel=channel)
        except ApplicationError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, "Recorded as sent, in the disclosure log.")
    return redirect("sharing:report_output", output.uuid)
