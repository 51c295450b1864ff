"""Running an import batch: stream the file, check and write it chunk by chunk (R-IMPORT-1, ADR 0020).

Each chunk (a few hundred to a few thousand rows, per kind) is one transaction: its records, its
rejected rows and the batch's checkpoint (`position`, the data rows done) are committed together.
So a crash or a kill at any point leaves whole chunks only, the checkpoint says exactly which, and
running the batch again resumes after it; rows before it are skipped, rows after it are written
once. Row keys make a repeated row change nothing, even across batches.

The file is streamed once to import it. The progress bar's total is estimated first from the
file's line breaks (a byte scan, a fraction of a second for a 2 GB CSV, where parsing it to count
would take as long again as reading it), never below the true count; the batch's `rows_in` is set
to the exact count when it completes. Memory holds one chunk at a time, whatever the file's size.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from familyhub.core.errors import ApplicationError, ValidationFailed
from familyhub.imports.kinds import Kind, Row, kind_for
from familyhub.imports.models import ImportBatch, RejectedRow
from familyhub.imports.readers import FileRefused, Rows
from familyhub.imports.values import normalise_header

logger = logging.getLogger(__name__)
Status = ImportBatch.Status


class ImportConflict(ApplicationError):
    status = 409
    title = "This import is already running"
    code = "conflict"


# --- column mapping -----------------------------------------------------------------------------------


def auto_mapping(
    kind: Kind, headers: list[str], saved: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Field -> header: the organisation's saved choice where the file still has that header, else
    the header whose name matches the field, its label or one of its aliases."""
    by_norm = {normalise_header(h): h for h in headers}
    out: dict[str, str] = {}
    for col in kind.columns:
        chosen = (saved or {}).get(col.field)
        if chosen and chosen in headers:
            out[col.field] = chosen
            continue
        for candidate in (col.field, col.label, *col.aliases):
            header = by_norm.get(normalise_header(candidate))
            if header and header not in out.values():
                out[col.field] = header
                break
    return out


def check_mapping(kind: Kind, headers: list[str], mapping: Mapping[str, str]) -> dict[str, str]:
    """The mapping cleaned; refuses a missing required column with the columns the file has."""
    clean = {f: h for f, h in mapping.items() if h and kind.column(f) is not None}
    errors: dict[str, list[str]] = {}
    found = ", ".join(f"'{h}'" for h in headers) or "none"
    for f, h in clean.items():
        if h not in headers:
            errors.setdefault(f, []).append(f"The file has no column '{h}'. Its columns: {found}.")
    used: dict[str, str] = {}
    for f, h in clean.items():
        if h in used:
            errors.setdefault(f, []).append(
                f"Column '{h}' is already chosen for {kind.column(used[h]).label}."  # type: ignore[union-attr]
            )
        used[h] = f
    for col in kind.columns:
        if col.required and col.field not in clean:
            errors.setdefault(col.field, []).append(
                f"Choose the column that holds {col.label.lower()}: the file has no column "
                f"named like it. Its columns: {found}."
            )
    for group in kind.one_of:
        if not any(f in clean for f in group):
            labels = " or ".join(kind.column(f).label.lower() for f in group)  # type: ignore[union-attr]
            errors.setdefault(group[0], []).append(
                f"Choose the column that holds {labels}. The file's columns: {found}."
            )
    if errors:
        raise ValidationFailed.from_errors(errors)
    return clean


# --- running --------------------------------------------------------------------------------------------


def stored_path(batch: ImportBatch) -> Path:
    return Path(batch.file_path)


def _rows(batch: ImportBatch) -> Rows:
    return Rows(stored_path(batch), batch.file_format, batch.encoding)


def _rows_estimate(batch: ImportBatch) -> int:
    """Data rows for the progress bar: a CSV's line breaks less the header's (at least the true
    count: quoted line breaks and blank lines only add to it); an Excel file's rows, counted."""
    if batch.file_format == "xlsx":
        return sum(1 for _ in _rows(batch))
    breaks, returns, last = 0, 0, b"\n"
    with stored_path(batch).open("rb") as fh:
        while block := fh.read(1 << 20):
            breaks += block.count(b"\n")
            returns += block.count(b"\r")
            last = block[-1:]
    if not breaks:  # lines ended by a carriage return alone (old Mac exports)
        breaks, last = returns, (b"\n" if last == b"\r" else last)
    lines = breaks + (last != b"\n")
    return max(lines - 1, 0)


def _make_rows(
    batch: ImportBatch, data: Iterable[tuple[int, list[str]]]
) -> Iterator[tuple[int, Row]]:
    headers: list[str] = batch.headers
    index = {f: headers.index(h) for f, h in batch.mapping.items() if h in headers}
    width = len(headers)
    for i, (number, cells) in enumerate(data):
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        yield (
            i,
            Row(
                number=number,
                values={f: cells[j] for f, j in index.items()},
                cells=cells,
                headers=headers,
            ),
        )


def run(
    batch: ImportBatch, *, options: dict[str, Any] | None = None, chunk_size: int | None = None
) -> ImportBatch:
    """Carry out (or resume) a batch; returns it with its counts. Safe to call again after a crash."""
    batch.refresh_from_db()
    if batch.done:
        return batch
    if batch.status == Status.MAPPING:
        raise ApplicationError("Match the file's columns before running the import.")
    kind = kind_for(batch.kind)
    actor = batch.uploaded_by
    if actor is not None:
        actor.forget_access_cache()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=Status.RUNNING,
        attempts=F("attempts") + 1,
        started_at=batch.started_at or timezone.now(),
    )
    try:
        if not batch.rows_in:
            total = _rows_estimate(batch)
            ImportBatch.objects.filter(pk=batch.pk).update(rows_in=total)
            batch.rows_in = total
        ctx = kind.prepare(batch=batch, actor=actor, options=dict(options or {}))
        size = chunk_size or kind.chunk_size_for(ctx)
        start = batch.position
        chunk: list[Row] = []
        for i, row in _make_rows(batch, _rows(batch)):
            if i < start:
                continue
            chunk.append(row)
            if len(chunk) >= size:
                _commit_chunk(batch, kind, actor, ctx, chunk)
                chunk = []
        if chunk:
            _commit_chunk(batch, kind, actor, ctx, chunk)
    except (FileRefused, ImportConflict):
        raise
    except ApplicationError as e:
        # The file, or the importer's rights, refused as a whole (not a row): nothing more runs.
        if batch.position:  # chunks already committed stay; the batch can be resumed
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=Status.INTERRUPTED, error=e.message
            )
        else:
            _finish(batch, Status.FAILED, error=e.message)
        batch.refresh_from_db()
        return batch
    except BaseException:
        ImportBatch.objects.filter(pk=batch.pk, status=Status.RUNNING).update(
            status=Status.INTERRUPTED
        )
        logger.exception("import batch %s interrupted at row %s", batch.uuid, batch.position)
        raise
    # The estimate made way for the exact count: every data row was read.
    ImportBatch.objects.filter(pk=batch.pk).update(rows_in=F("position"))
    _finish(batch, Status.COMPLETED)
    batch.refresh_from_db()
    return batch


def _commit_chunk(batch: ImportBatch, kind: Kind, actor: Any, ctx: Any, rows: list[Row]) -> None:
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.position != batch.position:
            raise ImportConflict(
                "Another run of this import has moved on: refresh the page to see its progress."
            )
        outcome = kind.process(batch=locked, actor=actor, ctx=ctx, rows=rows)
        headers_for = {**{f: h for f, h in batch.mapping.items()}}
        RejectedRow.objects.bulk_create(
            [
                RejectedRow(
                    batch=locked,
                    row_number=row.number,
                    errors=[
                        [headers_for.get(name, _label(kind, name)) if name else "", message]
                        for name, message in problems
                    ]
                    or [["", "This row could not be imported"]],
                    values=row.original,
                )
                for row, problems in outcome.rejected
            ]
        )
        position = batch.position + len(rows)
        ImportBatch.objects.filter(pk=batch.pk).update(
            position=position,
            rows_loaded=F("rows_loaded") + outcome.loaded,
            rows_unchanged=F("rows_unchanged") + outcome.unchanged,
            rows_rejected=F("rows_rejected") + len(outcome.rejected),
        )
    batch.position = position


def _label(kind: Kind, name: str) -> str:
    col = kind.column(name)
    return col.label if col else name


def _finish(batch: ImportBatch, status: str, error: str = "") -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=status, error=error, finished_at=timezone.now()
    )
    # The upload itself is no longer needed: the rejected rows keep what the partner must fix.
    path = stored_path(batch)
    if batch.file_path and path.exists():
        path.unlink()
    ImportBatch.objects.filter(pk=batch.pk).update(file_path="")
