"""Attendance imports checked and written in SQL, a chunk at a time (issue 9, R-IMPORT-1, ADR 0020).

PostgreSQL only (`mode=sql`; on SQLite the kind uses the set-based Python path instead). Per
chunk, inside the engine's transaction for the chunk (so a chunk is written whole or not at all,
with its checkpoint):

1. Python reads each row once. A row in the common shape (session and person given by
   familyhub id in the canonical 8-4-4-4-12 form, attended yes/no/empty) is passed on as text
   with its tick id (uuid5 of the row key, as the other paths make it). Any other row (service
   code and date, NHS number, unusual spelling, a bad value) is parsed and resolved by the
   attendance kind's own Python code (`AttendanceKind._parse`, `_session_for`, `_person_for`),
   so every message is the one the other paths give.
2. The rows are copied (COPY) into a temporary table; sessions and people are resolved with joins
   against the importer's scopes (`sessions_visible_to`, `people_in_scope` then
   `register_people`: the same querysets, compiled to SQL).
3. Register refusals (cancelled, not yet started: `engagement.services.register_refusal`) are
   decided in Python once per session of the chunk; duplicates by (session, person) keep the
   first row, as the other paths do.
4. The rejected rows (few) are read back and given the same messages, in the same order, as the
   Python path; rows already recorded with the same answer are counted unchanged; a changed
   answer (rare) is written through the ORM as in the set-based path.
5. New attendance rows are written with one `INSERT ... SELECT` (children counted as children:
   unborn, a child member of a family, or under 18 on the session's date), their change records
   with one `INSERT ... SELECT` (the same columns and values `ChangeSet.record` writes), and one
   access-log entry for the chunk.
"""

# The SQL below names only this module's constant temporary table and querysets compiled by
# Django; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import hashlib
import re
import uuid
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

if TYPE_CHECKING:
    from familyhub.imports.kinds.attendance import AttendanceKind

TEMP = "fh_import_attendance"
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
SESSION_NOT_FOUND = "No session with this id that your organisation runs (or you work at)"


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


def process_chunk(
    kind: AttendanceKind, actor: Any, rows: list[Row], ctx: dict[str, Any], outcome: ChunkOutcome
) -> None:
    from familyhub.imports.kinds.attendance import TICK_NAMESPACE

    by_number = {row.number: row for row in rows}
    ctx["sql_log_keys"] = {}  # person pk -> log key, for this chunk's access-log entry
    plain: list[tuple[Any, ...]] = []
    other: list[tuple[Row, RowErrors, dict[str, Any]]] = []
    for row in rows:
        vals = row.values
        s = (vals.get("session_id") or "").strip().lower()
        p = (vals.get("person_id") or "").strip().lower()
        a = (vals.get("attended") or "").strip().lower()
        if UUID_TEXT.match(s) and UUID_TEXT.match(p) and (not a or a in YES or a in NO):
            present = not a or a in YES
            tid = tick_hex(TICK_NAMESPACE, s, p, present)
            plain.append((row.number, s, p, None, None, None, None, None, present, tid))
        else:
            errs = RowErrors()
            other.append((row, errs, kind._parse(row, errs)))
    if other:
        _resolve_others(kind, actor, other, ctx, outcome, plain, TICK_NAMESPACE)

    with connection.cursor() as cursor:
        # Statements here are cheap; JIT compiling them (their estimates can pass jit_above_cost
        # on tables not analysed yet) cost a quarter of a second a chunk.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"DROP TABLE IF EXISTS {TEMP}")
        cursor.execute(
            f"CREATE TEMP TABLE {TEMP} (n integer PRIMARY KEY, s_uuid uuid, p_uuid uuid,"
            " s_pk bigint, s_date date, p_pk bigint, dob date, childish boolean,"
            " present boolean NOT NULL, tid uuid NOT NULL,"
            " a_uuid uuid NOT NULL DEFAULT gen_random_uuid(), ok boolean NOT NULL DEFAULT false)"
            " ON COMMIT DROP"
        )
        if plain:
            with cursor.cursor.copy(
                f"COPY {TEMP} (n, s_uuid, p_uuid, s_pk, s_date, p_pk, dob, childish, present, tid)"
                " FROM STDIN"
            ) as copy:
                for item in plain:
                    copy.write_row(item)
        cursor.execute(f"ANALYZE {TEMP}")
        _resolve_in_sql(cursor, actor, ctx)
        refusals = _refusals(cursor, ctx)
        refused = [pk for pk, text in refusals.items() if text]
        cursor.execute(
            f"UPDATE {TEMP} t SET ok = true FROM (SELECT DISTINCT ON (s_pk, p_pk) n FROM {TEMP}"
            " WHERE s_pk IS NOT NULL AND p_pk IS NOT NULL AND s_pk <> ALL(%s)"
            " ORDER BY s_pk, p_pk, n) f WHERE t.n = f.n",
            [refused],
        )
        _reject(cursor, by_number, refusals, outcome)
        _write(kind, cursor, actor, ctx, refusals, outcome)
        cursor.execute(f"DROP TABLE {TEMP}")


def _resolve_others(
    kind: AttendanceKind,
    actor: Any,
    other: list[tuple[Row, RowErrors, dict[str, Any]]],
    ctx: dict[str, Any],
    outcome: ChunkOutcome,
    plain: list[tuple[Any, ...]],
    namespace: uuid.UUID,
) -> None:
    """Rows not in the common shape: the Python path's parsing and look-ups, then on to SQL
    with their session and person found (refusals and duplicates are checked there for all)."""
    good = [p for _, e, p in other if not e]
    sessions_by_uuid, sessions_by_code = kind._sessions(actor, good, ctx)
    people_by_uuid, people_by_nhs = kind._people(actor, good, ctx)
    for row, errs, p in other:
        session = person = None
        if not errs:
            session = kind._session_for(p, sessions_by_uuid, sessions_by_code, errs)
            person = kind._person_for(p, people_by_uuid, people_by_nhs, errs)
        if session is not None and person is not None and not errs:
            present = bool(p["present"])
            s, q = str(session.uuid), str(person.uuid)
            tid = tick_hex(namespace, s, q, present)
            childish = person.is_unborn or person.pk in _children(ctx, [person.pk])
            ctx["sql_log_keys"][person.pk] = person.log_key
            plain.append(
                (
                    row.number,
                    s,
                    q,
                    session.pk,
                    session.date,
                    person.pk,
                    person.date_of_birth,
                    childish,
                    present,
                    tid,
                )
            )
        else:
            # The refusal of a session found is added after the person's problem, as in
            # `AttendanceKind._resolve`.
            if session is not None:
                text = _refusal_for(session, ctx)
                if text:
                    errs.add("session_id" if p.get("session_uuid") else "session_date", text)
            outcome.reject(row, errs.items)


def _refusal_for(session: Session, ctx: dict[str, Any]) -> str:
    refusals: dict[int, str] = ctx.setdefault("refusals", {})
    if session.pk not in refusals:
        refusals[session.pk] = engagement.register_refusal(session, ctx["now"])
    return refusals[session.pk]


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


def _resolve_in_sql(cursor: Any, actor: Any, ctx: dict[str, Any]) -> None:
    """Sessions and people named by id, found within the importer's scopes: the distinct ids of
    the chunk (a few hundred) are looked for with the scopes' own querysets, as the Python path
    does, remembering what was found for the batch (bounded, see `AttendanceKind._remember`);
    the answers (with the session's date, the person's date of birth and whether they count as
    a child whatever their age) are joined back to the rows in SQL. (Joining the scope querysets
    with the temporary table was tried first: the planner misjudged the scope's EXISTS and took
    seconds a chunk.)"""
    from familyhub.imports.kinds.attendance import AttendanceKind

    cursor.execute(f"SELECT DISTINCT s_uuid FROM {TEMP} WHERE s_pk IS NULL")
    wanted = {r[0] for r in cursor.fetchall()}
    sessions: dict[uuid.UUID, tuple[Any, ...]] = ctx.setdefault("sql_sessions", {})
    found = {u: sessions[u] for u in wanted if u in sessions}
    rest = wanted - set(found)
    if rest:
        for u, pk, day in (
            sessions_visible_to(actor).filter(uuid__in=rest).values_list("uuid", "id", "date")
        ):
            found[u] = (pk, day)
    AttendanceKind._remember(sessions, found)
    if found:
        cursor.execute(
            f"UPDATE {TEMP} t SET s_pk = m.pk, s_date = m.day"
            " FROM unnest(%s::uuid[], %s::bigint[], %s::date[]) AS m(u, pk, day)"
            " WHERE t.s_pk IS NULL AND t.s_uuid = m.u",
            [list(found), *map(list, zip(*found.values(), strict=True))],
        )

    cursor.execute(f"SELECT DISTINCT p_uuid FROM {TEMP} WHERE p_pk IS NULL")
    wanted = {r[0] for r in cursor.fetchall()}
    people: dict[uuid.UUID, tuple[Any, ...]] = ctx.setdefault("sql_people", {})
    got = {u: people[u] for u in wanted if u in people}
    new: dict[uuid.UUID, tuple[Any, ...]] = {}
    # The register's scope is the families in scope OR the people at the importer's sessions;
    # the first answers almost every row from its index, the second only the rest.
    for qs in (people_in_scope(actor).filter(archived_at__isnull=True), register_people(actor)):
        rest = wanted - set(got) - set(new)
        if rest:
            for u, pk, dob, unborn, key in qs.filter(uuid__in=rest).values_list(
                "uuid", "id", "date_of_birth", "is_unborn", "log_key"
            ):
                new[u] = (pk, dob, unborn, key)
    if new:
        kids = _children(ctx, [v[0] for v in new.values()])
        new = {u: (pk, dob, unborn or pk in kids, key) for u, (pk, dob, unborn, key) in new.items()}
    got.update(new)
    AttendanceKind._remember(people, new)
    ctx["sql_log_keys"].update({pk: key for pk, _, _, key in got.values()})
    if got:
        pks, dobs, childish, _keys = zip(*got.values(), strict=True)
        cursor.execute(
            f"UPDATE {TEMP} t SET p_pk = m.pk, dob = m.dob, childish = m.childish"
            " FROM unnest(%s::uuid[], %s::bigint[], %s::date[], %s::boolean[])"
            " AS m(u, pk, dob, childish) WHERE t.p_pk IS NULL AND t.p_uuid = m.u",
            [list(got), list(pks), list(dobs), list(childish)],
        )


def _refusals(cursor: Any, ctx: dict[str, Any]) -> dict[int, str]:
    """Refusal text ('' when none) for each session of the chunk, decided once per session."""
    cursor.execute(f"SELECT DISTINCT s_pk FROM {TEMP} WHERE s_pk IS NOT NULL")
    pks = {r[0] for r in cursor.fetchall()}
    refusals: dict[int, str] = ctx.setdefault("refusals", {})
    labels: dict[int, str] = ctx.setdefault("labels", {})
    missing = pks - set(refusals) | (pks - set(labels))
    if missing:
        for session in Session.objects.filter(pk__in=missing).select_related("venue", "service"):
            if session.pk not in refusals:
                refusals[session.pk] = engagement.register_refusal(session, ctx["now"])
            labels[session.pk] = engagement._attendance_text(session, True)[:200]
    return {pk: refusals[pk] for pk in pks}


def _reject(
    cursor: Any, by_number: dict[int, Row], refusals: dict[int, str], outcome: ChunkOutcome
) -> None:
    cursor.execute(
        "SELECT n, s_pk, p_pk, first FROM (SELECT n, s_pk, p_pk, ok, min(n) FILTER (WHERE ok)"
        f" OVER (PARTITION BY s_pk, p_pk) AS first FROM {TEMP}) t WHERE NOT ok ORDER BY n"
    )
    for n, s_pk, p_pk, first in cursor.fetchall():
        row = by_number[n]
        problems: list[tuple[str, str]] = []
        if s_pk is None:
            problems.append(("session_id", SESSION_NOT_FOUND))
        if p_pk is None:
            problems.append(("person_id", access.NOT_FOUND))
        if s_pk is not None and refusals.get(s_pk):
            field = "session_id" if row.values.get("session_id") else "session_date"
            problems.append((field, refusals[s_pk]))
        elif s_pk is not None and p_pk is not None and first is not None:
            problems.append(
                (
                    "",
                    f"Row {first} already gives this person's attendance at this "
                    "session: keep one of the two rows",
                )
            )
        outcome.reject(row, problems)
    outcome.rejected.sort(key=lambda item: item[0].number)


def _write(
    kind: AttendanceKind,
    cursor: Any,
    actor: Any,
    ctx: dict[str, Any],
    refusals: dict[int, str],
    outcome: ChunkOutcome,
) -> None:
    now = timezone.now()
    me_id = actor.pk if getattr(actor, "pk", None) else None
    cursor.execute(
        f"SELECT count(*) FROM {TEMP} t JOIN engagement_attendance a"
        " ON a.session_id = t.s_pk AND a.person_id = t.p_pk"
        " WHERE t.ok AND (a.client_id = t.tid OR a.present = t.present)"
    )
    outcome.unchanged += cursor.fetchone()[0]
    cursor.execute(
        f"SELECT a.id, t.present, t.tid FROM {TEMP} t JOIN engagement_attendance a"
        " ON a.session_id = t.s_pk AND a.person_id = t.p_pk"
        " WHERE t.ok AND a.client_id <> t.tid AND a.present <> t.present ORDER BY t.n"
    )
    changed = cursor.fetchall()
    touched_keys: list[Any] = []
    if changed:
        changes = ChangeSet(actor=actor, id=uuid.uuid4(), at=now)
        me = actor if me_id is not None else None
        current = {
            a.pk: a
            for a in Attendance.objects.filter(pk__in=[r[0] for r in changed]).select_related(
                "person", "session__venue", "session__service"
            )
        }
        for pk, present, tid in changed:
            att = current[pk]
            Attendance.objects.filter(pk=pk).update(
                present=present, client_id=tid, client_at=now, recorded_by=me, recorded_at=now
            )
            kind._record(changes, att.session, att, att.person, present)
            touched_keys.append(att.person.log_key)
            outcome.loaded += 1
        changes.flush()
    labels: dict[int, str] = ctx["labels"]
    label_pks = list(refusals)  # the chunk's sessions
    change_set = uuid.uuid4()
    from familyhub.imports.kinds.attendance import PRESENT_LABEL

    cursor.execute(
        f"""
        WITH ins AS (
            INSERT INTO engagement_attendance (uuid, created_at, updated_at, session_id,
                person_id, present, as_child, client_id, client_at, recorded_by_id, recorded_at)
            SELECT t.a_uuid, %(now)s, %(now)s, t.s_pk, t.p_pk, t.present,
                t.childish
                OR COALESCE(
                    extract(year FROM t.s_date) - extract(year FROM t.dob)
                    - CASE WHEN (extract(month FROM t.s_date), extract(day FROM t.s_date))
                              < (extract(month FROM t.dob), extract(day FROM t.dob))
                           THEN 1 ELSE 0 END < 18, false),
                t.tid, %(now)s, %(me)s, %(now)s
            FROM {TEMP} t
            WHERE t.ok AND NOT EXISTS (SELECT 1 FROM engagement_attendance a
                                       WHERE a.session_id = t.s_pk AND a.person_id = t.p_pk)
            ORDER BY t.n
            RETURNING uuid, session_id, person_id, present
        ),
        cr AS (
            INSERT INTO core_changerecord (at, actor_id, action, change_set, model, object_uuid,
                object_label, field, field_label, old_value, new_value, reason, person_id,
                household_id, special_category)
            SELECT %(now)s, %(me)s, %(action)s, %(change_set)s, 'attendance', ins.uuid,
                l.label, 'present', %(field_label)s, '', 'Yes', '', ins.person_id, NULL, false
            FROM ins JOIN unnest(%(label_pks)s::bigint[], %(labels)s::text[]) AS l(pk, label)
                ON l.pk = ins.session_id
            WHERE ins.present
        )
        SELECT (SELECT count(*) FROM ins),
               ARRAY(SELECT DISTINCT person_id FROM ins WHERE ins.present)
        """,
        {
            "now": now,
            "me": me_id,
            "action": ChangeRecord.Action.UPDATE.value,
            "change_set": change_set,
            "field_label": PRESENT_LABEL,
            "label_pks": label_pks,
            "labels": [labels[pk] for pk in label_pks],
        },
    )
    inserted, person_pks = cursor.fetchone()
    outcome.loaded += inserted
    log_keys: dict[int, Any] = ctx["sql_log_keys"]
    keys = list(dict.fromkeys([*(log_keys[pk] for pk in person_pks), *touched_keys]))
    if keys:
        # `log_change` reads only each person's log key: no need to load the people.
        people = cast("list[Person]", [_Keyed(k) for k in keys])
        access.log_change(actor, people, created=False, object_type="attendance")


class _Keyed:
    """What `access.log_change` reads of a person: the log key."""

    def __init__(self, log_key: Any) -> None:
        self.log_key = log_key
