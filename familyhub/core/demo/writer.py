"""Bulk writing of generated rows: one transaction per chunk, never one round trip per row.

Two writers share the column and id handling:

* `fast` (the default): SQLite `executemany` on one prepared INSERT (in process, no round trips)
  and PostgreSQL `COPY ... FROM STDIN`. Columns the generator leaves out get the model field's
  default (created_at/updated_at: the load's start time), so a field added later with a default
  does not break the demo.
* `orm`: `Model.objects.bulk_create` of model instances, kept to measure what the ORM costs.

Ids: the generator numbers rows from 0 within a chunk; the writer reserves real ids per chunk
(PostgreSQL: `nextval` on the table's sequence, safe alongside other writers; SQLite: above the
highest id and the AUTOINCREMENT counter, inside the chunk's write transaction) and swaps them in.
Rows go in through the same INSERTs as any other, so the SQLite FTS5 triggers keep
people_person_fts in step and PostgreSQL maintains its indexes.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import Any, cast

from django.db import connections, transaction
from django.db.models import Model
from django.utils import timezone

from familyhub.core.demo.generator import LOCAL_IDS, TABLE_COLS, TABLE_ORDER, Chunk
from familyhub.people.models import (
    Address,
    CaseAllocation,
    Household,
    Membership,
    Person,
    Relationship,
)

MODELS: dict[str, type[Model]] = {
    "household": Household,
    "person": Person,
    "address": Address,
    "membership": Membership,
    "relationship": Relationship,
    "allocation": CaseAllocation,
}
# While loading, on the loader's own connection: a 1 GiB page cache (the random-keyed uuid and
# log_key indexes stay in memory) and fewer WAL checkpoints (an index page changed by every chunk
# is copied back to the database once per checkpoint, not once per chunk). Undone by close().
SQLITE_LOAD_PRAGMAS = {"cache_size": -1048576, "wal_autocheckpoint": 262144}


class Table:
    """How one table's generated rows become database rows."""

    def __init__(self, name: str, connection: Any, now: datetime) -> None:
        self.name = name
        self.model = MODELS[name]
        self.cols = TABLE_COLS[name]
        by_attname = {f.attname: f for f in self.model._meta.concrete_fields}
        unknown = [c for c in self.cols if c not in by_attname]
        if unknown:
            raise RuntimeError(f"{self.model.__name__} has no column(s) {unknown}")
        const_fields = [f for f in self.model._meta.concrete_fields if f.attname not in self.cols]
        consts = []
        for f in const_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value: Any = now
            else:
                value = f.get_default()  # the default, or '' for text, or None when nullable
            if value is None and not f.null:
                raise RuntimeError(
                    f"{self.model.__name__}.{f.attname} needs a value from the generator"
                )
            consts.append((f, value))
        self.const_attnames = [f.attname for f, _ in consts]
        self.const_values = [v for _, v in consts]
        self.const = tuple(f.get_db_prep_save(v, connection) for f, v in consts)
        self.columns = [by_attname[c].column for c in self.cols] + [f.column for f, _ in consts]
        self.db_table = self.model._meta.db_table
        self.maps = LOCAL_IDS[name]

    def remap(
        self, rows: list[tuple], ids: dict[str, Sequence[int]], *, with_const: bool = True
    ) -> list[tuple]:
        """Chunk-local ids -> real ids (and the constant columns appended)."""
        const = self.const if with_const else ()
        shape = [i for i, _ in self.maps]
        t = [ids[table] for _, table in self.maps]
        if shape == [0]:
            a = t[0]
            return [(a[r[0]], *r[1:], *const) for r in rows]
        if shape == [0, 2]:
            a, b = t
            return [(a[r[0]], r[1], b[r[2]], *r[3:], *const) for r in rows]
        if shape == [0, 2, 3]:
            a, b, cc = t
            return [(a[r[0]], r[1], b[r[2]], cc[r[3]], *r[4:], *const) for r in rows]
        raise AssertionError(shape)


@dataclass
class WriteStats:
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLE_ORDER, 0))
    seconds: float = 0.0


FTS_TRIGGER = "people_person_fts_ai"
FTS_TRIGGER_BODY = (
    "INSERT INTO people_person_fts(rowid, search_name) VALUES (new.id, new.search_name)"
)


class Writer:
    """Writes chunks; `bypass` allows the two measured shortcuts described below.

    SQLite: the FTS5 insert trigger costs more than the row itself when fired row by row, so each
    chunk's transaction drops it, inserts the people, fills people_person_fts with exactly what the
    trigger would have (rowid = id, search_name) and recreates the trigger from its stored SQL.
    DDL is transactional in SQLite and the write lock is held throughout, so no other connection
    ever sees the table without its trigger. Only done when the trigger is the one expected.

    PostgreSQL: the deferred foreign-key triggers (a row lock on the parent per reference) cost
    about 40% of the load. When the role may (superuser) and the tables have no triggers of their
    own, each chunk runs with `SET LOCAL session_replication_role = replica` (as pg_restore
    --disable-triggers does); references between rows of a chunk are right by construction (real
    ids come from the reserved lists) and references to reference data are checked per chunk.
    """

    def __init__(self, *, using: str = "default", mode: str = "fast", bypass: bool = True) -> None:
        if mode not in ("fast", "orm"):
            raise ValueError("mode is 'fast' or 'orm'")
        self.using = using
        self.mode = mode
        self.connection = connections[using]
        self.connection.ensure_connection()
        self.vendor = self.connection.vendor
        now = timezone.now()
        self.tables = {name: Table(name, self.connection, now) for name in TABLE_ORDER}
        self.stats = WriteStats()
        self._sequences: dict[str, str] = {}
        self._sqlite_max_params = 999
        self._sqlite_restore: dict[str, int] = {}
        self.fts_trigger_sql: str | None = None
        self.replica = False
        raw = self.connection.connection
        if self.vendor == "sqlite":
            self._sqlite_max_params = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            for name, value in SQLITE_LOAD_PRAGMAS.items():
                self._sqlite_restore[name] = raw.execute(f"PRAGMA {name}").fetchone()[0]
                raw.execute(f"PRAGMA {name}={value}")
        if mode == "fast" and bypass:
            if self.vendor == "sqlite":
                self.fts_trigger_sql = self._bypassable_fts_trigger()
            elif self.vendor == "postgresql":
                self.replica = self._may_use_replica_role()

    def close(self) -> None:
        """After the load. PostgreSQL: ANALYZE the tables written, or the planner goes on
        believing they are empty (measured: the scoped name search took minutes instead of
        milliseconds at a million people, before autovacuum had run). SQLite: put the
        connection's settings back and copy the WAL back to the database."""
        if self.vendor == "postgresql" and any(self.stats.rows.values()):
            with self.connection.connection.cursor() as cur:
                for table in self.tables.values():
                    cur.execute(f'ANALYZE "{table.db_table}"')
        if self.vendor == "sqlite":
            raw = self.connection.connection
            for name, value in self._sqlite_restore.items():
                raw.execute(f"PRAGMA {name}={int(value)}")
            if not self.connection.in_atomic_block:
                # Busy is fine: the next automatic checkpoint does it.
                with contextlib.suppress(sqlite3.OperationalError):
                    raw.execute("PRAGMA wal_checkpoint(PASSIVE)")

    @property
    def shortcuts(self) -> list[str]:
        out = []
        if self.fts_trigger_sql:
            out.append("sqlite: FTS rows written directly, trigger dropped and recreated per chunk")
        if self.replica:
            out.append("postgresql: session_replication_role=replica per chunk, references checked")
        return out

    def _bypassable_fts_trigger(self) -> str | None:
        raw = self.connection.connection
        rows = raw.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'people_person'"
        ).fetchall()
        inserts = [(n, sql) for n, sql in rows if " INSERT ON " in " ".join(sql.upper().split())]
        if len(inserts) == 1 and inserts[0][0] == FTS_TRIGGER and FTS_TRIGGER_BODY in inserts[0][1]:
            return inserts[0][1]
        return None

    def _may_use_replica_role(self) -> bool:
        tables = [t.db_table for t in self.tables.values()]
        with self.connection.connection.cursor() as cur:
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cur.fetchone()
            if not row or not row[0]:
                return False
            cur.execute(
                "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = ANY("
                "SELECT oid FROM pg_class WHERE relname = ANY(%s))",
                [tables],
            )
            return cur.fetchone()[0] == 0

    # -- ids -----------------------------------------------------------------------------------

    def _reserve(self, table: Table, n: int) -> Sequence[int]:
        if n == 0:
            return []
        raw = self.connection.connection
        if self.vendor == "postgresql":
            seq = self._sequences.get(table.db_table)
            with raw.cursor() as cur:
                if seq is None:
                    cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table.db_table])
                    seq = self._sequences[table.db_table] = cur.fetchone()[0]
                cur.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [seq, n])
                return [r[0] for r in cur.fetchall()]
        cur = raw.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table.db_table}"')  # noqa: S608
        top = cur.fetchone()[0]
        seq = raw.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = ?", [table.db_table]
        ).fetchone()
        base = max(top, seq[0] if seq else 0) + 1
        return range(base, base + n)

    # -- writing -------------------------------------------------------------------------------

    def write(self, chunk: Chunk) -> None:
        start = time.perf_counter()
        raw = self.connection.connection
        with transaction.atomic(using=self.using):
            ids = {
                name: self._reserve(self.tables[name], len(chunk.rows(name)))
                for name in TABLE_ORDER
            }
            if self.replica:
                with raw.cursor() as cur:
                    cur.execute("SET LOCAL session_replication_role = replica")
            if self.fts_trigger_sql:
                raw.execute(f'DROP TRIGGER "{FTS_TRIGGER}"')
            for name in TABLE_ORDER:
                rows = chunk.rows(name)
                if not rows:
                    continue
                table = self.tables[name]
                if self.mode == "orm":
                    self._bulk_create(table, table.remap(rows, ids, with_const=False))
                else:
                    full_rows = table.remap(rows, ids)
                    self.insert(table, full_rows)
                    if name == "person" and self.fts_trigger_sql:
                        i_name = table.cols.index("search_name")
                        self._sqlite_insert(
                            "people_person_fts",
                            ["rowid", "search_name"],
                            [(r[0], r[i_name]) for r in full_rows],
                        )
                self.stats.rows[name] += len(rows)
            if self.fts_trigger_sql:
                raw.execute(self.fts_trigger_sql)
            if self.replica:
                self._check_references(chunk)
                with raw.cursor() as cur:
                    cur.execute("SET LOCAL session_replication_role = origin")
        self.stats.seconds += time.perf_counter() - start

    def _check_references(self, chunk: Chunk) -> None:
        """With the FK triggers off: every reference to rows outside the chunk must exist."""
        for name in TABLE_ORDER:
            table = self.tables[name]
            rows = chunk.rows(name)
            for i, attname in enumerate(table.cols):
                f = (
                    table.model._meta.get_field(attname.removesuffix("_id"))
                    if attname.endswith("_id")
                    else None
                )
                if f is None or not f.is_relation or f.related_model in MODELS.values():
                    continue
                wanted = {r[i] for r in rows} - {None}
                if not wanted:
                    continue
                target = cast(type[Model], f.related_model)
                with self.connection.connection.cursor() as cur:
                    cur.execute(
                        f'SELECT count(*) FROM "{target._meta.db_table}" WHERE id = ANY(%s)',  # noqa: S608
                        [sorted(wanted)],
                    )
                    found = cur.fetchone()[0]
                if found != len(wanted):
                    raise RuntimeError(
                        f"{table.model.__name__}.{attname} refers to {target.__name__} rows that no longer exist"
                    )

    def insert(self, table: Table, rows: list[tuple]) -> None:
        """The bulk insert: rows already hold every column, in `table.columns` order."""
        if self.vendor == "postgresql":
            cols = ", ".join(f'"{c}"' for c in table.columns)
            with (
                self.connection.connection.cursor() as cur,
                cur.copy(f'COPY "{table.db_table}" ({cols}) FROM STDIN') as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            self._sqlite_insert(table.db_table, cast(list[str], table.columns), rows)

    def _sqlite_insert(self, db_table: str, columns: list[str], rows: list[tuple]) -> None:
        """Multi-row INSERTs, a few hundred rows a statement: with the FTS5 trigger in place,
        row-at-a-time executemany is about twice as slow (per-statement overhead)."""
        raw = self.connection.connection
        cols = ", ".join(f'"{c}"' for c in columns)
        per = max(1, self._sqlite_max_params // len(columns))
        one = "(" + ", ".join("?" * len(columns)) + ")"
        head = f'INSERT INTO "{db_table}" ({cols}) VALUES '  # noqa: S608
        full = len(rows) - len(rows) % per
        if full:
            raw.executemany(
                head + ", ".join([one] * per),
                [list(chain.from_iterable(rows[i : i + per])) for i in range(0, full, per)],
            )
        if full < len(rows):
            rest = rows[full:]
            raw.execute(head + ", ".join([one] * len(rest)), list(chain.from_iterable(rest)))

    def _bulk_create(self, table: Table, rows: list[tuple]) -> None:
        model = table.model
        cols = table.cols
        objs = [model(**dict(zip(cols, row, strict=True))) for row in rows]
        model._default_manager.using(self.using).bulk_create(objs, batch_size=2000)
