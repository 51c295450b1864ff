"""Appending to, and verifying, the hash-chained access log (R-ACCESS-3, invariant 6).

Each entry's hash covers the previous entry's hash and every column of the entry, including a
digest of the pseudonymous person keys it touched. Changing, removing or inserting a row breaks the
chain from that row on; `familyhub verify-access-log` finds the first broken row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from familyhub.access import context
from familyhub.access.models import GENESIS_HASH, AccessLogEntry, AccessLogHead, AccessLogSubject

# Tests and benchmarks switch logging off to measure its cost; never off in the product.
_enabled = True


def set_enabled(value: bool) -> None:
    global _enabled
    _enabled = value


def subject_digest(keys: Iterable[UUID | str]) -> str:
    joined = ",".join(sorted(str(k) for k in keys))
    return hashlib.sha256(joined.encode()).hexdigest()


def row_hash(entry: AccessLogEntry) -> str:
    at = entry.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    parts = [
        entry.prev_hash,
        at,
        str(entry.user_id_at_time or ""),
        entry.username,
        entry.roles,
        entry.action,
        entry.object_type,
        entry.channel,
        entry.path,
        entry.ip_address or "",
        entry.user_agent,
        entry.reason,
        entry.detail,
        str(entry.subject_count),
        entry.subject_digest,
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def record(
    *,
    user: Any,
    action: str,
    object_type: str = "",
    person_keys: Iterable[UUID] = (),
    detail: str = "",
    reason: str = "",
) -> AccessLogEntry | None:
    """Append one entry. Runs in its own (nested) transaction with the chain head locked."""
    if not _enabled:
        return None
    ctx = context.current()
    keys = sorted(set(person_keys), key=str)
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
        reason=(reason or ctx.reason)[:500],
        detail=detail[:300],
        subject_count=len(keys),
        subject_digest=subject_digest(keys),
    )
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
    """Walk the whole chain in id order, in constant memory (two merged ordered streams)."""
    expected_prev = GENESIS_HASH
    subjects = _subjects_by_entry(chunk)
    pending = next(subjects, None)
    checked = 0
    for entry in AccessLogEntry.objects.order_by("id").iterator(chunk_size=chunk):
        keys: list[str] = []
        if pending is not None and pending[0] < entry.pk:
            return VerifyResult(checked, pending[0], "people are recorded against a missing entry")
        if pending is not None and pending[0] == entry.pk:
            keys = pending[1]
            pending = next(subjects, None)
        if entry.prev_hash != expected_prev:
            return VerifyResult(
                checked, entry.pk, "the previous row was changed, removed or inserted"
            )
        if subject_digest(keys) != entry.subject_digest or len(keys) != entry.subject_count:
            return VerifyResult(checked, entry.pk, "the people recorded for this row were changed")
        if row_hash(entry) != entry.row_hash:
            return VerifyResult(checked, entry.pk, "this row was changed after it was written")
        expected_prev = entry.row_hash
        checked += 1
    if pending is not None:
        return VerifyResult(checked, pending[0], "people are recorded against a missing entry")
    head = AccessLogHead.objects.filter(pk=1).first()
    if head is not None and checked and head.last_hash != expected_prev:
        return VerifyResult(checked, head.last_id, "rows were removed from the end of the log")
    return VerifyResult(checked)
