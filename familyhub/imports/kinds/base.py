"""What every import kind declares: its columns, and how it checks and writes a chunk of rows.

A kind validates each row with the same rules as the forms and services (it calls them, or the
same validators) and writes through the services or, for the set-based path, with the same rules
applied to the whole chunk at once (ADR 0020). It runs inside the engine's transaction for the
chunk: anything it raises that is not a row problem rolls the whole chunk back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from familyhub.core.errors import ApplicationError
from familyhub.imports.models import ImportedRecord
from familyhub.imports.values import BadValue


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    required: bool = True
    aliases: tuple[str, ...] = ()
    help: str = ""


@dataclass
class Row:
    number: int
    values: dict[str, str]  # field -> cell text ('' when the column is not mapped)
    cells: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)

    @property
    def original(self) -> dict[str, str]:
        """Column header -> cell text, as sent (made only for the rows that are rejected)."""
        cells = self.cells + [""] * (len(self.headers) - len(self.cells))
        return dict(zip(self.headers, cells[: len(self.headers)], strict=True))


@dataclass
class ChunkOutcome:
    loaded: int = 0
    unchanged: int = 0
    rejected: list[tuple[Row, list[tuple[str, str]]]] = field(default_factory=list)

    def reject(self, row: Row, problems: list[tuple[str, str]]) -> None:
        self.rejected.append((row, problems))


class RowErrors:
    """Problems found in one row: (field, message) pairs; '' as field means the whole row."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, name: str, message: str) -> None:
        self.items.append((name, message))

    def value(self, name: str, parse: Callable[[str], Any], text: str) -> Any:
        try:
            return parse(text)
        except BadValue as e:
            self.add(name, str(e))
            return None

    def from_application_error(self, e: ApplicationError, fields: dict[str, str]) -> None:
        """A service's refusal, at the columns it names (service field -> import field)."""
        if not e.errors:
            self.add("", e.message)
            return
        for key, messages in e.errors.items():
            name = key.split("-")[-1].removeprefix("address_")
            target = fields.get(name, name if name in fields.values() else "")
            for m in messages:
                self.add(target, m)

    def __bool__(self) -> bool:
        return bool(self.items)


class Kind:
    code: str = ""
    label: str = ""
    description: str = ""
    columns: Sequence[Column] = ()
    # Groups of fields of which at least one must be mapped (e.g. a person by id or NHS number).
    one_of: Sequence[tuple[str, ...]] = ()
    # Default chunk size: rows written, and checkpointed, per transaction.
    chunk_size: int = 1000
    # Whether the rows are about people: only importers who may register families (EDIT_PEOPLE)
    # upload such files and see their batches (rejected rows hold names, NHS numbers, ...).
    personal: bool = True

    def prepare(self, *, batch: Any, actor: Any, options: dict[str, Any]) -> Any:
        """Anything the chunks share (lookups); returned value is passed to `process`."""
        return None

    def process(self, *, batch: Any, actor: Any, ctx: Any, rows: list[Row]) -> ChunkOutcome:
        raise NotImplementedError

    def chunk_size_for(self, ctx: Any) -> int:
        """Rows per chunk for this run (`prepare`'s answer may choose a path with another size)."""
        return self.chunk_size

    def required_fields(self) -> list[str]:
        return [c.field for c in self.columns if c.required]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.field == name), None)


def already_imported(batch: Any, kind: str, rows: list[Row]) -> set[str]:
    """The chunk's record ids (`record_id` column) this organisation has imported before as
    `kind`: re-running a file leaves those rows unchanged (idempotent by row key, ADR 0020)."""
    keys = {r.values.get("record_id", "").strip() for r in rows}
    return set(
        ImportedRecord.objects.filter(
            organisation=batch.organisation, kind=kind, external_id__in=keys
        ).values_list("external_id", flat=True)
    )


def copy_rows(model: Any, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert plain rows (values in `columns` order, column attnames): PostgreSQL's COPY, else
    `bulk_create`. For the set-based paths, rows already validated; the caller supplies every
    value a model default would (uuid, timestamps)."""
    from django.db import connection

    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(columns, r, strict=True))) for r in rows], batch_size=1000
        )
        return
    names = {f.attname: f.column for f in model._meta.concrete_fields}
    cols = ", ".join(connection.ops.quote_name(names[c]) for c in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
    ):
        for r in rows:
            copy.write_row(r)
