"""Test helpers for imports: files written from rows, and a batch run start to finish."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from familyhub.imports import engine, services
from familyhub.imports.models import ImportBatch


def csv_bytes(rows: Iterable[Iterable[Any]], encoding: str = "utf-8", bom: bool = False) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    for r in rows:
        writer.writerow(list(r))
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def upload(actor: Any, kind: str, data: bytes, name: str = "file.csv", **kw: Any) -> ImportBatch:
    return services.batch_upload(actor=actor, kind=kind, file_name=name, chunks=[data], **kw)


def import_file(
    actor: Any,
    kind: str,
    data: bytes,
    name: str = "file.csv",
    mapping: dict[str, str] | None = None,
    options: dict[str, Any] | None = None,
    chunk_size: int | None = None,
) -> ImportBatch:
    batch = upload(actor, kind, data, name)
    services.mapping_set(actor=actor, batch=batch, mapping={**batch.mapping, **(mapping or {})})
    return engine.run(batch, options=options, chunk_size=chunk_size)
