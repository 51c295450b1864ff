"""Aggregate reports: produce under an agreement, protect, keep, release (R-SHARE-2, R-SHARE-5,
R-SHARE-7; ADR 0018).

    output = report_produce(actor=user, agreement=a, query=CubeQuery(...), spec=None)
    # status produced: the protected tables, notes, audit and files are kept with the Output
    report_release(actor=user, output=output, channel="Secure email")
    # status released: one row of the disclosure log (rights.DisclosureRecord, kind report)

Every production checks the agreement (`sharing.guard`: in force, aggregate level allowed, every
dimension, filter and measure listed), builds the cube (one GROUP BY, `sharing.cube`), and runs
`sdc.protect` over the linked tables (the cross table and its margins) together with the last
*released* output of the same saved report whose period overlaps this one, so differencing the
two releases cannot reveal a suppressed cell. A refusal of any kind (no agreement, an item not
covered, disclosure control failing) is kept as an Output with status refused and its reason.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from familyhub.core.errors import ApplicationError, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet, model_update
from familyhub.sharing import cube as cubes
from familyhub.sharing import guard, sdc
from familyhub.sharing import items as vocabulary
from familyhub.sharing.models import Agreement, Level, Output, ReportSpec
from familyhub.sharing.sdc.rules import get_rule_set

SCHEDULE_MONTHS = {"monthly": 1, "bimonthly": 2, "annual": 12}


class Refused(ApplicationError):
    """Raised after a refusal was recorded: `output` is the refused Output to show."""

    output: Output

    def __init__(self, output: Output) -> None:
        super().__init__(output.refusal_reason, errors={"agreement": [output.refusal_reason]})
        self.output = output


# --- producing ---------------------------------------------------------------------------------


def _organisation_of(actor: Any) -> Any:
    from familyhub.access.roles import Capability
    from familyhub.places.models import Organisation

    ids = actor.organisation_ids_with(Capability.PRODUCE_REPORTS) if actor is not None else []
    if ids:
        return Organisation.objects.get(pk=ids[0])
    return cubes.lead_organisation()


def nesting_releases(
    outputs: QuerySet[Output],
    *,
    start: date,
    end: date,
    same_start: bool,
    keys: tuple[str, ...] = ("sdc",),
    limit: int = 1,
) -> list[tuple[Output, dict[str, sdc.ProtectedOutput]]]:
    """Earlier *released* outputs among `outputs` that a new release for `start`..`end` must be
    audited against, so that differencing the two cannot reveal a suppressed cell (R-SHARE-2):
    those whose period ends within this one (on or before `end`, on or after `start`), and with
    `same_start` only those starting on `start` too. Newest release first, at most `limit`, each
    with its stored disclosure-control outputs (`protection[key]` read back by
    `ProtectedOutput.from_dict`); an output without them (older formats) is passed over.

    The caller builds its cube so that each earlier output's cells are boxes of it (the report
    cube's hidden month dimension; reach's `counted_from`): see `ProtectedOutput.previous_cells`.
    """
    qs = outputs.filter(
        status=Output.Status.RELEASED,
        period_start__isnull=False,
        period_end__gte=start,
        period_end__lte=end,
    )
    if same_start:
        qs = qs.filter(period_start=start)
    found: list[tuple[Output, dict[str, sdc.ProtectedOutput]]] = []
    for output in qs.order_by("-created_at", "-id"):
        try:
            stored = {k: sdc.ProtectedOutput.from_dict(output.protection[k]) for k in keys}
        except (KeyError, TypeError, ValidationFailed):
            continue
        found.append((output, stored))
        if len(found) >= limit:
            break
    return found


def _previous(spec: ReportSpec | None, query: cubes.CubeQuery) -> tuple[list[Any], date | None]:
    """The last released output of the same report overlapping this period, if it can be linked
    (same dimensions; for distinct people, the same start, so first-attendance cells agree)."""
    if spec is None:
        return [], None
    found = nesting_releases(
        Output.objects.filter(report=spec),
        start=query.start,
        end=query.end,
        same_start=cubes.MEASURES[query.measure].distinct,
    )
    if not found:
        return [], None
    last, stored = found[0]
    return [stored["sdc"]], last.period_start


def _title(query: cubes.CubeQuery) -> str:
    measure = cubes.MEASURES[query.measure].label
    by = cubes.DIMENSIONS[query.rows].label.lower()
    if query.columns:
        by += f" and {cubes.DIMENSIONS[query.columns].label.lower()}"
    return f"{measure} by {by}, {query.start:%d/%m/%Y} to {query.end:%d/%m/%Y}"


def _refuse(
    *,
    actor: Any,
    agreement: Agreement | None,
    spec: ReportSpec | None,
    query: Mapping[str, Any],
    title: str,
    reasons: list[str],
) -> Output:
    return Output.objects.create(
        kind=Output.Kind.REPORT,
        agreement=agreement,
        report=spec,
        title=title[:200],
        request=dict(query),
        status=Output.Status.REFUSED,
        refusal_reason="\n".join(reasons),
        rule_set=agreement.rule_set if agreement else "",
        produced_by=actor if getattr(actor, "pk", None) else None,
    )


def report_produce(
    *,
    actor: Any,
    agreement: Agreement | None,
    query: cubes.CubeQuery,
    spec: ReportSpec | None = None,
    title: str = "",
    on: date | None = None,
    due_on: date | None = None,
) -> Output:
    """Build, protect and keep one report; raise `Refused` (after recording it) if it may not
    leave. Nothing is sent here: `report_release` sends (R-SHARE-5). `due_on` is the day a
    scheduled report was due: its release counts in that day's frequency window."""
    query.validate()
    on = on or timezone.localdate()
    title = title or (spec.name if spec else _title(query))
    request = {**query.to_dict(), **({"due_on": due_on.isoformat()} if due_on else {})}
    reasons = guard.reasons(agreement, level=Level.AGGREGATE, items=query.items(), on=on)
    if not reasons:
        reasons = guard.frequency_reasons(
            agreement, kind=Output.Kind.REPORT, report=spec, on=due_on or on
        )
    if reasons:
        raise Refused(
            _refuse(
                actor=actor,
                agreement=agreement,
                spec=spec,
                query=request,
                title=title,
                reasons=reasons,
            )
        )
    assert agreement is not None
    previous, window_start = _previous(spec, query)
    result = cubes.build(
        query,
        agreement=agreement,
        organisation=_organisation_of(actor if spec is None else (spec.created_by or actor)),
        window_start=window_start,
    )
    rule_set = get_rule_set(agreement.rule_set)
    tables = cubes.tables(result, title=title)
    try:
        protected = sdc.protect(result.cube, tables, rule_set, previous=previous)
    except sdc.DisclosureControlFailed as e:
        raise Refused(
            _refuse(
                actor=actor,
                agreement=agreement,
                spec=spec,
                query=request,
                title=title,
                reasons=[e.message],
            )
        ) from None
    files, content = render_files(title, agreement, query, protected)
    return Output.objects.create(
        kind=Output.Kind.REPORT,
        agreement=agreement,
        report=spec,
        title=title[:200],
        request=request,
        status=Output.Status.PRODUCED,
        rule_set=rule_set.name,
        protection={
            "sdc": protected.to_dict(),
            "linked_previous": len(previous),
            "sql_rows": result.sql_rows,
        },
        period_start=query.start,
        period_end=query.end,
        people_count=result.people,
        files=files,
        content=content,
        produced_by=actor if getattr(actor, "pk", None) else None,
    )


def report_release(
    *, actor: Any, output: Output, channel: str = "Downloaded", recipient: str = ""
) -> Output:
    """The report leaves: one disclosure record (kind report, level aggregate, the agreement,
    people count, the files' SHA-256), written once per output (R-SHARE-5). Downloading it again
    changes nothing. A release more often than the agreement's frequency allows (another of the
    same series already released in the window) is refused, and the output is kept as refused
    with the reason (R-SHARE-1)."""
    from familyhub.sharing.services import disclosures

    if output.kind != Output.Kind.REPORT or output.status == Output.Status.REFUSED:
        raise ApplicationError("A refused output cannot be released.")
    if output.status == Output.Status.RELEASED:
        return output
    agreement = output.agreement
    assert agreement is not None
    again = guard.reasons(
        agreement, level=Level.AGGREGATE, items=[], on=timezone.localdate()
    )  # suspended or ended since it was produced
    if again:
        raise guard.OutputRefused(again)
    with transaction.atomic():
        locked = Output.objects.select_for_update().get(pk=output.pk)
        if locked.status == Output.Status.RELEASED:
            return locked
        due = (locked.request or {}).get("due_on")
        too_often = guard.frequency_reasons(
            agreement,
            kind=Output.Kind.REPORT,
            report=locked.report,
            on=date.fromisoformat(due) if due else timezone.localdate(),
            exclude=locked,
        )
        if too_often:
            Output.objects.filter(pk=output.pk).update(
                status=Output.Status.REFUSED,
                refusal_reason="\n".join(too_often),
                updated_at=timezone.now(),
            )
        else:
            record = disclosures.record_aggregate_release(
                agreement,
                actor=actor,
                recipient=recipient,
                what=f"Aggregate report: {output.title}",
                channel=channel,
                people_count=output.people_count,
                files=output.files,
            )
            Output.objects.filter(pk=output.pk).update(
                status=Output.Status.RELEASED, disclosure=record, updated_at=timezone.now()
            )
    output.refresh_from_db()
    if too_often:  # kept as refused, with the reason (the transaction above committed it)
        raise guard.OutputRefused(too_often)
    return output


# --- files -------------------------------------------------------------------------------------


def _rows(table: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """A stored table as a grid: header and rows (two-way tables spread across columns)."""
    cells = table["cells"]
    headers = [
        cubes.DIMENSIONS[h].label if h in cubes.DIMENSIONS else h.capitalize()
        for h in table["headers"]
    ]
    if len(headers) == 1:
        return [headers[0], "Count"], [[c["labels"][0], c["display"]] for c in cells]
    rows: list[str] = []
    cols: list[str] = []
    shown: dict[tuple[str, str], str] = {}
    for c in cells:
        r, k = c["labels"]
        if r not in rows:
            rows.append(r)
        if k not in cols:
            cols.append(k)
        shown[(r, k)] = c["display"]
    return [f"{headers[0]} / {headers[1]}", *cols], [
        [r, *(shown.get((r, k), "") for k in cols)] for r in rows
    ]


def grids(protection: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The tables of a stored output, as grids for the page and the files."""
    out = []
    for table in protection.get("sdc", {}).get("tables", []):
        header, rows = _rows(table)
        out.append({"name": table["name"], "title": table["title"], "header": header, "rows": rows})
    return out


def _header_lines(
    title: str, agreement: Agreement, query: cubes.CubeQuery, notes: list[str]
) -> list[list[str]]:
    filters = "; ".join(
        f"{cubes.DIMENSIONS[d].label}: {', '.join(vs)}" for d, vs in query.filters.items() if vs
    )
    return [
        [title],
        [f"Produced by familyhub on {timezone.localdate():%d/%m/%Y}"],
        [f"Agreement {agreement.reference}: {agreement.title} (for {agreement.recipient})"],
        [f"Period: {query.start:%d/%m/%Y} to {query.end:%d/%m/%Y}"],
        [f"Counting: {vocabulary.label(query.measure)}"],
        *([[f"Filters: {filters}"]] if filters else []),
    ]


def render_files(
    title: str, agreement: Agreement, query: cubes.CubeQuery, protected: sdc.ProtectedOutput
) -> tuple[list[dict[str, Any]], bytes]:
    """CSV and XLSX, each carrying the notes on the rules (R-SHARE-2); kept zipped together."""
    from openpyxl import Workbook

    stored = protected.to_dict()
    notes = list(protected.notes)
    tables = grids({"sdc": stored})
    buf = io.StringIO()
    writer = csv.writer(buf)
    for line in _header_lines(title, agreement, query, notes):
        writer.writerow(line)
    for t in tables:
        writer.writerow([])
        writer.writerow([t["title"]])
        writer.writerow(t["header"])
        writer.writerows(t["rows"])
    writer.writerow([])
    writer.writerow(["Notes"])
    for n in notes:
        writer.writerow([n])
    csv_bytes = buf.getvalue().encode("utf-8")
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "Notes"
    for line in _header_lines(title, agreement, query, notes):
        sheet.append(line)
    sheet.append([])
    for n in notes:
        sheet.append([n])
    for i, t in enumerate(tables):
        ws = wb.create_sheet(f"Table {i + 1}")
        ws.append([t["title"]])
        ws.append(t["header"])
        for r in t["rows"]:
            ws.append([_cell_value(v) for v in r])
        ws.append([])
        ws.append(["See the Notes sheet: '*' is a count withheld to protect people."])
    xbuf = io.BytesIO()
    wb.save(xbuf)
    xlsx_bytes = xbuf.getvalue()
    stem = "report-" + timezone.localdate().strftime("%Y%m%d")
    files = [
        {"name": f"{stem}.csv", "bytes": len(csv_bytes), "sha256": _sha(csv_bytes)},
        {"name": f"{stem}.xlsx", "bytes": len(xlsx_bytes), "sha256": _sha(xlsx_bytes)},
    ]
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("report.csv", csv_bytes)
        z.writestr("report.xlsx", xlsx_bytes)
    return files, zbuf.getvalue()


def _cell_value(value: str) -> Any:
    return int(value) if value.isdigit() else value


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def output_file(output: Output, kind: str) -> tuple[str, bytes, str]:
    """(file name, bytes, content type) of a kept output's CSV or XLSX."""
    if not output.content or kind not in ("csv", "xlsx"):
        raise ApplicationError("This output has no such file.")
    with zipfile.ZipFile(io.BytesIO(bytes(output.content))) as z:
        data = z.read(f"report.{kind}")
    name = next((f["name"] for f in output.files if f["name"].endswith(kind)), f"report.{kind}")
    ctype = (
        "text/csv; charset=utf-8"
        if kind == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return name, data, ctype


# --- saved reports and schedules (R-SHARE-7) ---------------------------------------------------


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    import calendar

    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def scheduled_period(schedule: str, run_on: date) -> tuple[date, date]:
    """The whole months before `run_on` a scheduled report covers (1, 2 or 12 of them)."""
    end = run_on.replace(day=1) - timedelta(days=1)
    start = _add_months(end.replace(day=1), -(SCHEDULE_MONTHS[schedule] - 1))
    return start, end


def spec_save(
    *,
    actor: Any,
    name: str,
    agreement: Agreement,
    query: cubes.CubeQuery,
    schedule: str = "",
    next_run_on: date | None = None,
    recipients_note: str = "",
    spec: ReportSpec | None = None,
) -> ReportSpec:
    """Save (or change) a report specification; a scheduled one needs its first run date."""
    query.validate()
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = ["Give the report a name"]
    if schedule and schedule not in SCHEDULE_MONTHS:
        errors["schedule"] = ["Choose monthly, every two months or annually"]
    if schedule and next_run_on is None:
        next_run_on = _add_months(timezone.localdate().replace(day=1), 1)
    reasons = guard.reasons(
        agreement, level=Level.AGGREGATE, items=query.items(), on=timezone.localdate()
    )
    if reasons:
        errors["agreement"] = reasons
    too_often = schedule_reason(agreement, schedule)
    if too_often:
        errors["schedule"] = [too_often]
    if errors:
        raise ValidationFailed.from_errors(errors)
    data = {
        "name": name.strip()[:200],
        "agreement": agreement,
        "definition": query.to_dict(),
        "schedule": schedule,
        "next_run_on": next_run_on if schedule else None,
        "recipients_note": recipients_note[:300],
    }
    with transaction.atomic():
        if spec is None:
            spec = ReportSpec.objects.create(**data, created_by=actor)
            changes = ChangeSet(actor=actor)
            changes.record(spec, action=ChangeRecord.Action.CREATE)
            changes.flush()
        else:
            model_update(
                instance=spec,
                fields=list(data),
                data=data,
                changes=ChangeSet(actor=actor),
                expected_version=spec.version,
            )
    return spec


def schedule_reason(agreement: Agreement, schedule: str) -> str:
    """Why a schedule is more often than the agreement allows (empty when it is not): a
    scheduled report is released every time it is due, so it must fit the frequency."""
    from familyhub.sharing.models import Frequency

    if not schedule or schedule not in SCHEDULE_MONTHS:
        return ""
    frequency = agreement.frequency
    if frequency == Frequency.ON_REQUEST:
        return ""
    label = Frequency(frequency).label.lower() if frequency in Frequency.values else frequency
    if frequency == Frequency.ONE_OFF:
        return (
            f"Agreement {agreement.reference} allows one release only: it cannot be scheduled. "
            "Produce the report once, without a schedule."
        )
    if SCHEDULE_MONTHS[schedule] < guard.WINDOW_MONTHS.get(Frequency(frequency), 1):
        return (
            f"Agreement {agreement.reference} allows sharing {label}: choose a schedule "
            "no more often than that."
        )
    return ""


def due_specs(today: date) -> list[ReportSpec]:
    return list(
        ReportSpec.objects.filter(active=True, next_run_on__lte=today)
        .exclude(schedule="")
        .select_related("agreement", "created_by")
        .order_by("next_run_on", "id")
    )


@dataclass
class DueRun:
    spec: ReportSpec
    output: Output


def run_due(*, today: date | None = None) -> list[DueRun]:
    """Produce every scheduled report due by `today` (R-SHARE-7): each is kept (status produced,
    or refused with its reason) and its next run date moves on; it is logged as a disclosure when
    someone marks it sent (`report_release`). Catching up after downtime produces each missed
    period once."""
    today = today or timezone.localdate()
    runs: list[DueRun] = []
    for spec in due_specs(today):
        while spec.next_run_on is not None and spec.next_run_on <= today:
            run_on = spec.next_run_on
            start, end = scheduled_period(spec.schedule, run_on)
            base = cubes.CubeQuery.from_dict({**spec.definition, "start": start, "end": end})
            try:
                output = report_produce(
                    actor=None,
                    agreement=spec.agreement,
                    query=base,
                    spec=spec,
                    title=f"{spec.name}: {start:%b %Y} to {end:%b %Y}",
                    on=run_on,
                    due_on=run_on,
                )
            except Refused as r:
                output = r.output
            ReportSpec.objects.filter(pk=spec.pk).update(
                next_run_on=_add_months(run_on, SCHEDULE_MONTHS[spec.schedule]),
                updated_at=timezone.now(),
            )
            spec.refresh_from_db()
            runs.append(DueRun(spec, output))
    return runs
