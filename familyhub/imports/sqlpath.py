"""Attendance imports checked set-wise and written with COPY, a chunk at a time (issue 9, R-IMPORT-1,
ADR 0020 sections 8 and 9).

PostgreSQL only (`mode=sql`; on SQLite the kind uses the set-based Python path instead). Per
chunk (20,000 rows), inside the engine's transaction for the chunk (so a chunk is written whole or
not at all, with its checkpoint):

1. Each row is read once. A row in the common shape (session and person given by familyhub id in
   the canonical 8-4-4-4-12 form, attended yes/no/empty) is kept as text. Any other row (service
   code and date, NHS number, unusual spelling, a bad value) is parsed and resolved by the
   attendance kind's own Python code (`AttendanceKind._parse`, `_session_for`, `_person_for`), so
   every message is the one the other paths give.
2. The chunk's distinct session and person ids (a few hundred) are looked up with the scopes' own
   querysets (`sessions_visible_to`, `people_in_scope` then `register_people`) and remembered for
   the batch (bounded); register refusals (`engagement.services.register_refusal`) are decided
   once per session. Each row is then checked against these answers with dictionary look-ups:
   session found, person found, session not refused, not a second row for the same session and
   person (the first is kept), in row order, with the other paths' messages.
3. Attendance already recorded for the chunk's sessions and people is read with one query (the
   unique (session, person) index): the same answer is unchanged; a changed answer (rare) is
   written through the ORM as in the set-based path.
4. New attendance rows (children counted as the register counts them: unborn, a child member of
   a family, or under 18 on the session's date) and their change records (the same columns and
   values `ChangeSet.record` writes, one per row marked present) are written with COPY straight
   into their tables, and the chunk gets one access-log entry.

Earlier versions COPYed the chunk into a temporary table and decided everything with joins and
UPDATEs there (ADR 0020 section 8); that cost a quarter of the chunk's database time, for checks
that are dictionary look-ups once the few hundred ids of a chunk are known (section 9).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import uuid
from operator import itemgetter
from typing import TYPE_CHECKING, Any, cast

from django.db import connection
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.scopes import people_in_scope
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet
from familyhub.engagement import services as engagement
from familyhub.engagement.models import Attendance, Session
from familyhub.engagement.scopes import register_people, sessions_visible_to
from familyhub.imports.kinds.base import ChunkOutcome, Row, RowErrors
from familyhub.imports.values import NO, YES
from familyhub.people import choices as c
from familyhub.people.models import Membership, Person
from familyhub.privacy import policy

if TYPE_CHECKING:
    from familyhub.imports.kinds.attendance import AttendanceKind

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
SESSION_NOT_FOUND = "No session with this id that your organisation runs (or you work at)"
# Rows per chunk (and checkpoint) on this path: each chunk costs about ten statements and a
# commit whatever its size; the chunk's rows and their COPY text are a few MB.
CHUNK_SIZE = 20_000
# A child "until" (year, month, day) later than any date: unborn or a child member of a family.
ALWAYS_CHILD = (10_000, 1, 1)
NEVER_CHILD = (0, 0, 0)

ATTENDANCE_COPY = (
    "COPY engagement_attendance (uuid, created_at, updated_at, session_id, person_id, present,"
    " as_child, client_id, client_at, recorded_by_id, recorded_at) FROM STDIN"
)
CHANGE_COPY = (
    "COPY core_changerecord (at, actor_id, action, change_set, model, object_uuid, object_label,"
    " field, field_label, old_value, new_value, reason, person_id, household_id,"
    " special_category) FROM STDIN"
)

# A row checked: (row number, row, session (pk, date as (y, m, d)) or None, person (pk,
# child until (y, m, d), log key) or None, present, session text, person text).
Item = tuple[Any, ...]


def available() -> bool:
    return connection.vendor == "postgresql"


def tick_hex(namespace: uuid.UUID, session_text: str, person_text: str, present: bool) -> str:
    """`uuid.uuid5(namespace, f"import:{session}:{person}:{0|1}")` as 32 hex digits, without
    making UUID objects (the ids are already canonical lower-case text)."""
    digest = bytearray(
        hashlib.sha1(
            namespace.bytes + f"import:{session_text}:{person_text}:{int(present)}".encode(),
            usedforsecurity=False,
        ).digest()[:16]
    )
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    return digest.hex()


def time_ordered_hexes(count: int, now_ms: int | None = None) -> list[str]:
    """`count` version-7 UUIDs (RFC 9562: 48-bit Unix time in milliseconds, a 12-bit counter in
    `rand_a`, the clock moved on a millisecond each time the counter wraps, then 62 random bits)
    as 32 hex digits, increasing in the order made. New rows then go to the right-hand end of
    the `uuid` index and of the change records' `(object_uuid, at)` index instead of a random
    page of each (ADR 0020 section 9)."""
    ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    rand = os.urandom(8 * count).hex()
    variant = VARIANT_NIBBLE
    return [
        f"{ms + (i >> 12):012x}7{i & 0xFFF:03x}{variant[rand[k]]}{rand[k + 1 : k + 16]}"
        for i, k in zip(range(count), range(0, 16 * count, 16), strict=True)
    ]


# The first hex digit of `rand_b` with the variant bits (10xx) set.
VARIANT_NIBBLE = {f"{n:x}": f"{8 | (n & 3):x}" for n in range(16)}


def child_until(dob: Any, childish: bool) -> tuple[int, int, int]:
    """The day (as (year, month, day)) from which this person counts as an adult: the register's
    rule (`Person.age_on(day) < 18`) as a comparison of tuples, 29 February included."""
    if childish:
        return ALWAYS_CHILD
    if dob is None:
        return NEVER_CHILD
    return (dob.year + 18, dob.month, dob.day)


def process_chunk(
    kind: AttendanceKind, actor: Any, rows: list[Row], ctx: dict[str, Any], outcome: ChunkOutcome
) -> None:
    items: list[Item] = []
    other: list[tuple[Row, RowErrors, dict[str, Any]]] = []
    match = UUID_TEXT.match
    for row in rows:
        vals = row.values
        s = (vals.get("session_id") or "").strip().lower()
        p = (vals.get("person_id") or "").strip().lower()
        a = (vals.get("attended") or "").strip().lower()
        if match(s) and match(p) and (not a or a in YES or a in NO):
            items.append((row.number, row, None, None, not a or a in YES, s, p))
        else:
            errs = RowErrors()
            other.append((row, errs, kind._parse(row, errs)))
    sessions = _sessions(actor, {it[5] for it in items}, ctx)
    people = _people(actor, {it[6] for it in items}, ctx)
    items = [
        (n, row, sessions.get(s), people.get(p), present, s, p)
        for n, row, _, _, present, s, p in items
    ]
    if other:
        items.extend(_resolve_others(kind, actor, other, ctx, outcome))
        items.sort(key=itemgetter(0))
    refusals = _refusals({it[2][0] for it in items if it[2] is not None}, ctx)
    restricted = policy.restricted({it[3][0] for it in items if it[3] is not None})
    ok = _check(items, refusals, outcome, restricted)
    if ok:
        _write(kind, actor, ok, refusals, ctx, outcome)
    outcome.rejected.sort(key=lambda item: item[0].number)


def _check(
    items: list[Item],
    refusals: dict[int, str],
    outcome: ChunkOutcome,
    restricted: dict[int, str],
) -> list[Item]:
    """The rows to write, in row order; the others rejected with the other paths' messages: a
    session or person not found, a refused session, a person whose record is restricted marked
    present (R-RIGHTS-5), or a second row for the same session and person (the first is kept)."""
    first: dict[tuple[int, int], int] = {}
    ok: list[Item] = []
    for item in items:
        n, row, sv, pv = item[0], item[1], item[2], item[3]
        blocked = pv is not None and item[4] and pv[0] in restricted
        if sv is not None and pv is not None and not refusals[sv[0]] and not blocked:
            key = (sv[0], pv[0])
            seen = first.get(key)
            if seen is None:
                first[key] = n
                ok.append(item)
                continue
        problems: list[tuple[str, str]] = []
        if sv is None:
            problems.append(("session_id", SESSION_NOT_FOUND))
        if pv is None:
            problems.append(("person_id", access.NOT_FOUND))
        if sv is not None and refusals[sv[0]]:
            field = "session_id" if row.values.get("session_id") else "session_date"
            problems.append((field, refusals[sv[0]]))
        if blocked:
            assert pv is not None
            field = "person_id" if row.values.get("person_id") else "nhs_number"
            problems.append((field, restricted[pv[0]]))
        elif sv is not None and pv is not None and not refusals[sv[0]]:
            problems.append(
                (
                    "",
                    f"Row {first[(sv[0], pv[0])]} already gives this person's attendance at this "
                    "session: keep one of the two rows",
                )
            )
        outcome.reject(row, problems)
    return ok


def _resolve_others(
    kind: AttendanceKind,
    actor: Any,
    other: list[tuple[Row, RowErrors, dict[str, Any]]],
    ctx: dict[str, Any],
    outcome: ChunkOutcome,
) -> list[Item]:
    """Rows not in the common shape: the Python path's parsing and look-ups; those found go on
    to the chunk's checks (refusals and duplicates) with the others."""
    good = [p for _, e, p in other if not e]
    sessions_by_uuid, sessions_by_code = kind._sessions(actor, good, ctx)
    people_by_uuid, people_by_nhs = kind._people(actor, good, ctx)
    out: list[Item] = []
    for row, errs, p in other:
        session = person = None
        if not errs:
            session = kind._session_for(p, sessions_by_uuid, sessions_by_code, errs)
            person = kind._person_for(p, people_by_uuid, people_by_nhs, errs)
        if session is not None and person is not None and not errs:
            childish = person.is_unborn or person.pk in _children(ctx, [person.pk])
            out.append(
                (
                    row.number,
                    row,
                    (session.pk, _ymd(session.date)),
                    (person.pk, child_until(person.date_of_birth, childish), person.log_key),
                    bool(p["present"]),
                    str(session.uuid),
                    str(person.uuid),
                )
            )
        else:
            # The refusal of a session found is added after the person's problem, as in
            # `AttendanceKind._resolve`.
            if session is not None:
                text = _refusals({session.pk}, ctx)[session.pk]
                if text:
                    errs.add("session_id" if p.get("session_uuid") else "session_date", text)
            outcome.reject(row, errs.items)
    return out


def _ymd(day: Any) -> tuple[int, int, int]:
    return (day.year, day.month, day.day)


def _children(ctx: dict[str, Any], pks: list[int]) -> set[int]:
    """Which of these people are a child member of a family (remembered for the batch)."""
    from familyhub.imports.kinds.attendance import AttendanceKind

    known: dict[int, bool] = ctx.setdefault("children", {})
    unknown = {pk for pk in pks if pk not in known}
    found: set[int] = set()
    if unknown:
        found = set(
            Membership.objects.filter(person_id__in=unknown, role=c.MemberRole.CHILD).values_list(
                "person_id", flat=True
            )
        )
    out = {pk for pk in pks if (pk in found if pk in unknown else known[pk])}
    if unknown:
        AttendanceKind._remember(known, {pk: pk in found for pk in unknown})
    return out


def _sessions(actor: Any, wanted: set[str], ctx: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    """Sessions named by id in the importer's scope (`sessions_visible_to`): id text -> (pk,
    date as (y, m, d)); found ones remembered for the batch (bounded, `AttendanceKind._remember`)."""
    from familyhub.imports.kinds.attendance import AttendanceKind

    known: dict[str, tuple[Any, ...]] = ctx.setdefault("sql_sessions", {})
    found = {u: known[u] for u in wanted if u in known}
    rest = wanted - set(found)
    if rest:
        for u, pk, day in (
            sessions_visible_to(actor).filter(uuid__in=rest).values_list("uuid", "id", "date")
        ):
            found[str(u)] = (pk, _ymd(day))
    AttendanceKind._remember(known, found)
    return found


def _people(actor: Any, wanted: set[str], ctx: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    """People named by id whom the register may find: id text -> (pk, child until, log key).
    The register's scope is the families in scope OR the people at the importer's sessions; the
    first answers almost every row from its index, the second only the rest."""
    from familyhub.imports.kinds.attendance import AttendanceKind

    known: dict[str, tuple[Any, ...]] = ctx.setdefault("sql_people", {})
    got = {u: known[u] for u in wanted if u in known}
    new: dict[str, tuple[Any, ...]] = {}
    for qs in (people_in_scope(actor).filter(archived_at__isnull=True), register_people(actor)):
        rest = wanted - set(got) - set(new)
        if rest:
            for u, pk, dob, unborn, key in qs.filter(uuid__in=rest).values_list(
                "uuid", "id", "date_of_birth", "is_unborn", "log_key"
            ):
                new[str(u)] = (pk, dob, unborn, key)
    if new:
        kids = _children(ctx, [v[0] for v in new.values()])
        new = {
            u: (pk, child_until(dob, unborn or pk in kids), key)
            for u, (pk, dob, unborn, key) in new.items()
        }
    got.update(new)
    AttendanceKind._remember(known, new)
    return got


def _refusals(pks: set[int], ctx: dict[str, Any]) -> dict[int, str]:
    """Refusal text ('' when none) for each of these sessions, decided once per session for the
    batch, with the sessions' change-record labels."""
    refusals: dict[int, str] = ctx.setdefault("refusals", {})
    labels: dict[int, str] = ctx.setdefault("labels", {})
    missing = pks - set(refusals) | (pks - set(labels))
    if missing:
        for session in Session.objects.filter(pk__in=missing).select_related("venue", "service"):
            if session.pk not in refusals:
                refusals[session.pk] = engagement.register_refusal(session, ctx["now"])
            labels[session.pk] = engagement._attendance_text(session, True)[:200]
    return {pk: refusals[pk] for pk in pks}


def _copy_text(value: str) -> str:
    """A value for COPY's text format."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _write(
    kind: AttendanceKind,
    actor: Any,
    ok: list[Item],
    refusals: dict[int, str],
    ctx: dict[str, Any],
    outcome: ChunkOutcome,
) -> None:
    from familyhub.imports.kinds.attendance import PRESENT_LABEL, TICK_NAMESPACE

    now = timezone.now()
    me_id = actor.pk if getattr(actor, "pk", None) else None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT session_id, person_id, id, client_id, present FROM engagement_attendance"
            " WHERE session_id = ANY(%s::bigint[]) AND person_id = ANY(%s::bigint[])",
            [list({it[2][0] for it in ok}), list({it[3][0] for it in ok})],
        )
        existing = {(s, p): (pk, cid.hex, present) for s, p, pk, cid, present in cursor.fetchall()}
    new: list[tuple[Item, str]] = []
    changed: list[tuple[int, bool, str]] = []
    for item in ok:
        present = item[4]
        tid = tick_hex(TICK_NAMESPACE, item[5], item[6], present)
        current = existing.get((item[2][0], item[3][0]))
        if current is None:
            new.append((item, tid))
        elif current[1] == tid or current[2] == present:
            outcome.unchanged += 1
        else:
            changed.append((current[0], present, tid))
    keys: dict[Any, None] = {}
    if new:
        keys.update(_copy_new(actor, me_id, now, new, ctx, PRESENT_LABEL))
        outcome.loaded += len(new)
    if changed:
        changes = ChangeSet(actor=actor, id=uuid.uuid4(), at=now)
        me = actor if me_id is not None else None
        current_rows = {
            a.pk: a
            for a in Attendance.objects.filter(pk__in=[r[0] for r in changed]).select_related(
                "person", "session__venue", "session__service"
            )
        }
        for pk, present, tid in changed:
            att = current_rows[pk]
            Attendance.objects.filter(pk=pk).update(
                present=present, client_id=tid, client_at=now, recorded_by=me, recorded_at=now
            )
            kind._record(changes, att.session, att, att.person, present)
            keys[att.person.log_key] = None
            outcome.loaded += 1
        changes.flush()
    if keys:
        # `log_change` reads only each person's log key: no need to load the people.
        people = cast("list[Person]", [_Keyed(k) for k in keys])
        access.log_change(actor, people, created=False, object_type="attendance")


def _copy_new(
    actor: Any,
    me_id: int | None,
    now: Any,
    new: list[tuple[Item, str]],
    ctx: dict[str, Any],
    field_label: str,
) -> dict[Any, None]:
    """COPY the new attendance rows, then the change record of each one marked present (the
    row `ChangeSet.record` makes for a tick: `engagement.services._record_attendance`), in row
    order. Returns the log keys of the people given a change record."""
    at = now.isoformat()
    me = "\\N" if me_id is None else str(me_id)
    labels: dict[int, str] = ctx["labels"]
    label_text = {pk: _copy_text(labels[pk]) for pk in {it[2][0] for it, _ in new}}
    att_tail = f"\t{at}\t{me}\t{at}\n"
    before = f"{at}\t{me}\t{ChangeRecord.Action.UPDATE.value}\t{uuid.uuid4().hex}\tattendance\t"
    middle = f"\tpresent\t{_copy_text(field_label)}\t\tYes\t\t"
    after = "\t\\N\tf\n"
    att_lines: list[str] = []
    change_lines: list[str] = []
    keys: dict[Any, None] = {}
    for (item, tid), row_uuid in zip(new, time_ordered_hexes(len(new)), strict=True):
        s_pk, s_day = item[2]
        p_pk, until, log_key = item[3]
        present = item[4]
        att_lines.append(
            f"{row_uuid}\t{at}\t{at}\t{s_pk}\t{p_pk}\t{'t' if present else 'f'}"
            f"\t{'t' if s_day < until else 'f'}\t{tid}{att_tail}"
        )
        if present:
            change_lines.append(f"{before}{row_uuid}\t{label_text[s_pk]}{middle}{p_pk}{after}")
            keys[log_key] = None
    with connection.cursor() as cursor:
        for statement, lines in ((ATTENDANCE_COPY, att_lines), (CHANGE_COPY, change_lines)):
            if lines:
                with cursor.cursor.copy(statement) as copy:
                    copy.write("".join(lines).encode())
    return keys


class _Keyed:
    """What `access.log_change` reads of a person: the log key."""

    def __init__(self, log_key: Any) -> None:
        self.log_key = log_key
