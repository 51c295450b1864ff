"""Appending to, and verifying, the hash-chained access log (R-ACCESS-3, invariant 6).

Each entry's hash covers the previous entry's hash and every column of the entry, including a
digest of the pseudonymous person keys it touched. Changing, removing or inserting a row breaks the
chain from that row on; `familyhub verify-access-log` finds the first broken row.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from uuid import UUID

from django.db import connection, transaction
from django.utils import timezone

from familyhub.access import breakglass, context
from familyhub.access.models import GENESIS_HASH, AccessLogEntry, AccessLogHead, AccessLogSubject

# Tests and benchmarks switch logging off to measure its cost; never off in the product.
_enabled = True
# PostgreSQL appends in one statement; the benchmark switches this off to compare with the
# three-statement ORM append that SQLite uses (docs/benchmarks.md).
_one_statement_append = True


def set_enabled(value: bool) -> None:
    global _enabled
    _enabled = value


def subject_digest(keys: Iterable[UUID | str]) -> str:
    joined = ",".join(sorted(str(k) for k in keys))
    return hashlib.sha256(joined.encode()).hexdigest()


# The columns hashed after the previous row's hash, in order (the row format of ADR 0005).
HASHED_COLUMNS = (
    "at",
    "user_id_at_time",
    "username",
    "roles",
    "action",
    "object_type",
    "channel",
    "path",
    "ip_address",
    "user_agent",
    "reason",
    "detail",
    "subject_count",
    "subject_digest",
)


def row_hash(entry: AccessLogEntry) -> str:
    return hashlib.sha256(f"{entry.prev_hash}\x1f{_hashed_after_prev(entry)}".encode()).hexdigest()


def _hashed_after_prev(entry: AccessLogEntry) -> str:
    """Every hashed column after the previous row's hash, joined as `row_hash` hashes them."""
    return _hash_text([getattr(entry, name) for name in HASHED_COLUMNS])


def _hash_text(values: Sequence[Any]) -> str:
    """The values of HASHED_COLUMNS, in order, as the text that is hashed."""
    at, user_id, username, roles, action, object_type, channel, path, ip, agent = values[:10]
    reason, detail, count, digest = values[10:]
    return "\x1f".join(
        (
            at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            str(user_id or ""),
            username,
            roles,
            action,
            object_type,
            channel,
            path,
            ip or "",
            agent,
            reason,
            detail,
            str(count),
            digest,
        )
    )


def record(
    *,
    user: Any,
    action: str,
    object_type: str = "",
    person_keys: Iterable[UUID] = (),
    detail: str = "",
    reason: str = "",
) -> AccessLogEntry | None:
    """Append one entry. Runs in its own (nested) transaction with the chain head locked.

    An access to a member of a family the user opened by break glass carries that grant's reason
    as well as any other (R-ACCESS-2, ADR 0010).
    """
    if not _enabled:
        return None
    ctx = context.current()
    keys = sorted(set(person_keys), key=str)
    reasons = [r for r in (reason or ctx.reason).split("; ") if r]
    for extra in breakglass.log_reason_for(user, keys).split("; ") if keys else ():
        if extra and extra not in reasons:
            reasons.append(extra)
    entry = AccessLogEntry(
        at=timezone.now(),
        user_id_at_time=getattr(user, "pk", None),
        username=getattr(user, "username", "") or "",
        roles=(getattr(user, "role_labels", "") or "")[:300],
        action=action,
        object_type=object_type,
        channel=ctx.channel,
        path=ctx.path,
        ip_address=ctx.ip_address,
        user_agent=ctx.user_agent,
        reason="; ".join(reasons)[:500],
        detail=detail[:300],
        subject_count=len(keys),
        subject_digest=subject_digest(keys),
    )
    if connection.vendor == "postgresql" and _one_statement_append:
        _append_postgresql(entry, keys)
        return entry
    with transaction.atomic():
        head = AccessLogHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AccessLogHead.objects.create(pk=1, last_id=0, last_hash=GENESIS_HASH)
        entry.prev_hash = head.last_hash
        entry.row_hash = row_hash(entry)
        entry.save(force_insert=True)
        if keys:
            AccessLogSubject.objects.bulk_create(
                [AccessLogSubject(entry=entry, person_key=k) for k in keys], batch_size=1000
            )
        AccessLogHead.objects.filter(pk=1).update(last_id=entry.pk, last_hash=entry.row_hash)
    return entry


def _entry_fields() -> list[Any]:
    """The entry's columns that the caller fills (all but the key and the two hashes)."""
    return [
        f
        for f in AccessLogEntry._meta.concrete_fields
        if not f.primary_key and f.name not in ("prev_hash", "row_hash")
    ]


@functools.cache
def _postgresql_append_sql() -> str:
    """One statement: lock the chain head, chain the entry from it (the hash finished in SQL:
    sha256 of the previous hash and the rest of the row, as `row_hash` computes it), insert the
    entry and its people, move the head. Without a head row it inserts nothing and returns no
    row. Identifiers and types come from the models' own metadata; every value is a parameter."""
    quote = connection.ops.quote_name
    head = quote(AccessLogHead._meta.db_table)
    fields = _entry_fields()
    columns = ", ".join([*(quote(f.column) for f in fields), "prev_hash", "row_hash"])
    values = ", ".join(f"%s::{f.db_type(connection)}" for f in fields)
    return (
        f"WITH h AS (SELECT last_hash FROM {head} WHERE id = 1 FOR UPDATE), "  # noqa: S608
        f"e AS (INSERT INTO {quote(AccessLogEntry._meta.db_table)} ({columns}) "
        f"SELECT {values}, h.last_hash, "
        "encode(sha256(convert_to(h.last_hash || %s::text, 'UTF8')), 'hex') FROM h "
        "RETURNING id, prev_hash, row_hash), "
        f"s AS (INSERT INTO {quote(AccessLogSubject._meta.db_table)} (entry_id, person_key) "
        "SELECT e.id, k FROM e, unnest(%s::uuid[]) AS k) "
        f"UPDATE {head} SET last_id = e.id, last_hash = e.row_hash FROM e WHERE {head}.id = 1 "
        "RETURNING e.id, e.prev_hash, e.row_hash"
    )


def _append_postgresql(entry: AccessLogEntry, keys: list[Any]) -> None:
    """Append in one statement, so one round trip (five with the ORM: lock, insert, insert,
    update, commit; docs/benchmarks.md measures both). Appends stay serialised by the head row's
    lock, taken inside the statement and held to the end of the transaction; a second append
    waiting for it reads the head as the first left it (READ COMMITTED re-reads a locked row).
    The first append ever makes the head row first (once, racing safely with others)."""
    fields = _entry_fields()
    params: list[Any] = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields]
    params += ["\x1f" + _hashed_after_prev(entry), [str(k) for k in keys]]
    with connection.cursor() as cursor:
        cursor.execute(_postgresql_append_sql(), params)
        row = cursor.fetchone()
        if row is None:  # no head row yet: make it (another connection may be doing the same)
            cursor.execute(
                f"INSERT INTO {connection.ops.quote_name(AccessLogHead._meta.db_table)} "  # noqa: S608
                "(id, last_id, last_hash) VALUES (1, 0, %s) ON CONFLICT (id) DO NOTHING",
                [GENESIS_HASH],
            )
            cursor.execute(_postgresql_append_sql(), params)
            row = cursor.fetchone()
    entry.pk, entry.prev_hash, entry.row_hash = row
    entry._state.adding = False
    entry._state.db = connection.alias


@dataclass
class VerifyResult:
    checked: int
    first_broken_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def _subjects_by_entry(chunk: int) -> Iterator[tuple[int, list[str]]]:
    rows = AccessLogSubject.objects.order_by("entry_id", "id").values_list("entry_id", "person_key")
    current_id: int | None = None
    keys: list[str] = []
    for entry_id, key in rows.iterator(chunk_size=chunk):
        if entry_id != current_id:
            if current_id is not None:
                yield current_id, keys
            current_id, keys = entry_id, []
        keys.append(str(key))
    if current_id is not None:
        yield current_id, keys


def verify(chunk: int = 5000) -> VerifyResult:
    """Walk the whole chain in id order, in constant memory (two merged ordered streams).

    Rows are read as tuples, not model instances: the same values, a third of the time
    (docs/benchmarks.md)."""
    expected_prev = GENESIS_HASH
    subjects = _subjects_by_entry(chunk)
    pending = next(subjects, None)
    checked = 0
    rows = AccessLogEntry.objects.order_by("id").values_list(
        "id", "prev_hash", "row_hash", *HASHED_COLUMNS
    )
    for pk, prev_hash, stored_hash, *hashed in rows.iterator(chunk_size=chunk):
        keys: list[str] = []
        if pending is not None and pending[0] < pk:
            return VerifyResult(checked, pending[0], "people are recorded against a missing entry")
        if pending is not None and pending[0] == pk:
            keys = pending[1]
            pending = next(subjects, None)
        if prev_hash != expected_prev:
            return VerifyResult(checked, pk, "the previous row was changed, removed or inserted")
        count, digest = hashed[-2], hashed[-1]
        if subject_digest(keys) != digest or len(keys) != count:
            return VerifyResult(checked, pk, "the people recorded for this row were changed")
        text = f"{prev_hash}\x1f{_hash_text(hashed)}"
        if hashlib.sha256(text.encode()).hexdigest() != stored_hash:
            return VerifyResult(checked, pk, "this row was changed after it was written")
        expected_prev = stored_hash
        checked += 1
    if pending is not None:
        return VerifyResult(checked, pending[0], "people are recorded against a missing entry")
    head = AccessLogHead.objects.filter(pk=1).first()
    if head is not None and checked and head.last_hash != expected_prev:
        return VerifyResult(checked, head.last_id, "rows were removed from the end of the log")
    return VerifyResult(checked)
