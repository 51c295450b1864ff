"""Attendance lists from partners: who was at which session (R-IMPORT-1, R-ENGAGE-3).

A row names a session (its familyhub id, or the service's code and the date, with the start time
when the service ran more than one session that day) and a person (familyhub id or NHS number),
and whether they attended (Yes when the column is absent or empty). The row key is session +
person: a row already recorded with the same answer changes nothing.

The rules are the register's (`engagement.services.register_apply`): only sessions the importer
may run, not cancelled and already started; only people the register may find; one attendance per
person and session; children counted as children. Two paths apply them:

- `service` mode calls `register_apply` for each session's rows: the register's own code path.
- `bulk` mode (the default on SQLite) applies the same checks to the whole chunk with set queries
  (`sessions_visible_to`, `register_refusal`, `register_people`) and writes the new rows with
  `bulk_create`, their change records in one insert and one access-log entry per chunk. A test
  proves both modes leave the same records (`tests/test_attendance.py`).
- `sql` mode (the default on PostgreSQL, issue 9) checks chunks of 20,000 rows against the
  chunk's sessions and people found with a few queries, and writes them with COPY
  (`familyhub/imports/sqlpath.py`); a test proves it leaves the same
  attendance, change records and rejected rows (same messages) as `bulk` for a file full of bad
  rows (`tests/test_attendance_sql.py`). On SQLite `sql` falls back to `bulk`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, time
from typing import Any

from django.db.models import Q
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.access.scopes import people_in_scope
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet
from familyhub.engagement import services as engagement
from familyhub.engagement.models import Attendance, Session
from familyhub.engagement.scopes import register_people, sessions_visible_to
from familyhub.imports import sqlpath
from familyhub.imports.kinds.base import (
    ChunkOutcome,
    Column,
    Kind,
    Row,
    RowErrors,
    copy_rows,
)
from familyhub.imports.values import parse_date, parse_time, parse_uuid, parse_yes_no
from familyhub.people import choices as c
from familyhub.people import validators as v
from familyhub.people.models import Membership, Person
from familyhub.privacy import policy

# Sessions and people found are remembered across the chunks of a batch, up to this many each
# (a batch takes minutes; a change of scope during it applies from the next batch).
CACHE_MAX = 100_000
# Tick ids made from the row key: the same row imported twice is the same tick (idempotent).
TICK_NAMESPACE = uuid.UUID("5f0c1e7a-7d8e-4b8a-9a51-0d1c2b3a4f60")


def tick_id(session_uuid: uuid.UUID, person_uuid: uuid.UUID, present: bool) -> uuid.UUID:
    return uuid.uuid5(TICK_NAMESPACE, f"import:{session_uuid}:{person_uuid}:{int(present)}")


class AttendanceKind(Kind):
    code = "attendance"
    label = "Attendance at sessions"
    description = (
        "Who attended which group session: session (familyhub id, or service code and date), "
        "person (familyhub id or NHS number), attended (yes or no)."
    )
    columns = (
        Column("session_id", "Session id (familyhub)", False, ("session", "sessionuuid")),
        Column("service_code", "Service code", False, ("service", "programme", "servicecode")),
        Column("session_date", "Session date", False, ("date", "sessiondate", "dateofsession")),
        Column("start_time", "Start time", False, ("time", "starttime", "sessiontime")),
        Column(
            "person_id", "Person id (familyhub)", False, ("person", "personuuid", "familyhubid")
        ),
        Column("nhs_number", "NHS number", False, ("nhs", "nhsno", "nhsnumber")),
        Column("attended", "Attended", False, ("present", "attendance", "attended")),
    )
    one_of = (("session_id", "service_code"), ("person_id", "nhs_number"))
    chunk_size = 5000

    def prepare(self, *, batch: Any, actor: Any, options: dict[str, Any]) -> Any:
        access.require(actor, Capability.EDIT_PEOPLE)
        mode = options.get("mode") or "auto"
        if mode == "sql" and not sqlpath.available():
            mode = "bulk"  # SQLite: the set-based Python path applies the same rules
        if mode == "auto":
            mode = "sql" if sqlpath.available() else "bulk"
        return {"mode": mode, "now": timezone.now()}

    def chunk_size_for(self, ctx: Any) -> int:
        # The SQL path's cost per chunk is a handful of statements and a commit: larger chunks.
        return sqlpath.CHUNK_SIZE if ctx["mode"] == "sql" else self.chunk_size

    # --- reading and resolving a chunk --------------------------------------------------------------

    def _parse(self, row: Row, errs: RowErrors) -> dict[str, Any]:
        vals = row.values
        out: dict[str, Any] = {}
        if vals.get("session_id"):
            out["session_uuid"] = errs.value("session_id", parse_uuid, vals["session_id"])
        elif vals.get("service_code"):
            out["service_code"] = vals["service_code"].strip()
            if not vals.get("session_date"):
                errs.add("session_date", "Enter the date of the session")
            else:
                out["date"] = errs.value("session_date", parse_date, vals["session_date"])
            if vals.get("start_time"):
                out["start_time"] = errs.value("start_time", parse_time, vals["start_time"])
        else:
            errs.add("session_id", "Enter the session's id, or the service code and date")
        if vals.get("person_id"):
            out["person_uuid"] = errs.value("person_id", parse_uuid, vals["person_id"])
        elif vals.get("nhs_number"):
            try:
                out["nhs_number"] = v.normalise_nhs_number(vals["nhs_number"])
            except v.InvalidValue as e:
                errs.add("nhs_number", str(e))
        else:
            errs.add("person_id", "Enter the person's familyhub id or NHS number")
        out["present"] = errs.value(
            "attended", lambda t: parse_yes_no(t, default=True), vals.get("attended", "")
        )
        return out

    def _sessions(
        self, actor: Any, parsed: list[dict[str, Any]], ctx: dict[str, Any]
    ) -> tuple[dict[uuid.UUID, Session], dict[tuple[str, date], list[Session]]]:
        uuids = {p["session_uuid"] for p in parsed if p.get("session_uuid")}
        codes = {(p["service_code"], p["date"]) for p in parsed if p.get("date")}
        visible = sessions_visible_to(actor).select_related("venue", "service")
        known: dict[uuid.UUID, Session] = self._cache(ctx, "sessions")
        by_uuid = {u: known[u] for u in uuids if u in known}
        rest = uuids - set(by_uuid)
        if rest:
            by_uuid.update({s.uuid: s for s in visible.filter(uuid__in=rest)})
        self._remember(known, by_uuid)
        by_code: dict[tuple[str, date], list[Session]] = defaultdict(list)
        if codes:
            cond = Q()
            for code, day in codes:
                cond |= Q(service__code=code, date=day)
            for s in visible.filter(cond).order_by("start_time"):
                by_code[(s.service.code, s.date)].append(s)
        return by_uuid, by_code

    @staticmethod
    def _cache(ctx: dict[str, Any], name: str) -> dict[Any, Any]:
        return ctx.setdefault(name, {})

    @staticmethod
    def _remember(cache: dict[Any, Any], found: dict[Any, Any]) -> None:
        """Keep what was found for later chunks, in bounded memory (emptied past CACHE_MAX)."""
        if len(cache) + len(found) > CACHE_MAX:
            cache.clear()
        cache.update(found)

    def _people(
        self, actor: Any, parsed: list[dict[str, Any]], ctx: dict[str, Any]
    ) -> tuple[dict[uuid.UUID, Person], dict[str, list[Person]]]:
        uuids = {p["person_uuid"] for p in parsed if p.get("person_uuid")}
        nhs = {p["nhs_number"] for p in parsed if p.get("nhs_number")}
        # The register's scope is the families in scope OR the people at the user's sessions
        # (`register_people`); the first part answers almost every row from its index, so only
        # the ids it did not find are looked for in the whole of it (same rule, fewer probes).
        # People found are remembered for the rest of the batch (bounded: see `_remember`).
        known: dict[uuid.UUID, Person] = self._cache(ctx, "people")
        in_scope = people_in_scope(actor).filter(archived_at__isnull=True)
        findable = register_people(actor)
        by_uuid = {u: known[u] for u in uuids if u in known}
        rest = uuids - set(by_uuid)
        if rest:
            by_uuid.update({p.uuid: p for p in in_scope.filter(uuid__in=rest)})
        rest = uuids - set(by_uuid)
        if rest:
            by_uuid.update({p.uuid: p for p in findable.filter(uuid__in=rest)})
        self._remember(known, by_uuid)
        by_nhs: dict[str, list[Person]] = defaultdict(list)
        if nhs:
            for p in findable.filter(nhs_number__in=nhs):
                by_nhs[p.nhs_number].append(p)
        return by_uuid, by_nhs

    def _resolve(
        self, actor: Any, rows: list[Row], ctx: dict[str, Any], outcome: ChunkOutcome
    ) -> list[tuple[Row, Session, Person, bool]]:
        parsed: list[tuple[Row, RowErrors, dict[str, Any]]] = []
        for row in rows:
            errs = RowErrors()
            parsed.append((row, errs, self._parse(row, errs)))
        good = [p for _, e, p in parsed if not e]
        sessions_by_uuid, sessions_by_code = self._sessions(actor, good, ctx)
        people_by_uuid, people_by_nhs = self._people(actor, good, ctx)
        restricted = policy.restricted(
            [*people_by_uuid.values(), *(p for found in people_by_nhs.values() for p in found)]
        )
        refusals: dict[int, str] = self._cache(ctx, "refusals")
        seen: dict[tuple[int, int], int] = {}
        ready: list[tuple[Row, Session, Person, bool]] = []
        for row, errs, p in parsed:
            session = person = None
            if not errs:
                session = self._session_for(p, sessions_by_uuid, sessions_by_code, errs)
                person = self._person_for(p, people_by_uuid, people_by_nhs, errs)
            if session is not None:
                if session.pk not in refusals:
                    refusals[session.pk] = engagement.register_refusal(session, ctx["now"])
                if refusals[session.pk]:
                    errs.add(
                        "session_id" if p.get("session_uuid") else "session_date",
                        refusals[session.pk],
                    )
            if person is not None and p["present"] and person.pk in restricted:  # R-RIGHTS-5
                errs.add(
                    "person_id" if p.get("person_uuid") else "nhs_number", restricted[person.pk]
                )
            if session is not None and person is not None and not errs:
                key = (session.pk, person.pk)
                if key in seen:
                    errs.add(
                        "",
                        f"Row {seen[key]} already gives this person's attendance at this "
                        "session: keep one of the two rows",
                    )
                else:
                    seen[key] = row.number
            if errs or session is None or person is None:
                outcome.reject(row, errs.items)
                continue
            ready.append((row, session, person, bool(p["present"])))
        return ready

    def _session_for(
        self,
        p: dict[str, Any],
        by_uuid: dict[uuid.UUID, Session],
        by_code: dict[tuple[str, date], list[Session]],
        errs: RowErrors,
    ) -> Session | None:
        if p.get("session_uuid"):
            s = by_uuid.get(p["session_uuid"])
            if s is None:
                errs.add(
                    "session_id",
                    "No session with this id that your organisation runs (or you work at)",
                )
            return s
        candidates = by_code.get((p["service_code"], p["date"]), [])
        start: time | None = p.get("start_time")
        if start is not None:
            candidates = [s for s in candidates if s.start_time == start]
        if not candidates:
            errs.add(
                "session_date",
                f"No session of service '{p['service_code']}' on {p['date']:%d/%m/%Y}"
                + (f" at {start:%H:%M}" if start else "")
                + " that your organisation runs",
            )
            return None
        if len(candidates) > 1:
            errs.add(
                "start_time",
                f"There are {len(candidates)} sessions of this service that day: give the start time",
            )
            return None
        return candidates[0]

    def _person_for(
        self,
        p: dict[str, Any],
        by_uuid: dict[uuid.UUID, Person],
        by_nhs: dict[str, list[Person]],
        errs: RowErrors,
    ) -> Person | None:
        if p.get("person_uuid"):
            found = by_uuid.get(p["person_uuid"])
            if found is None:
                errs.add("person_id", access.NOT_FOUND)
            return found
        matches = by_nhs.get(p["nhs_number"], [])
        if not matches:
            errs.add(
                "nhs_number",
                "Nobody with this NHS number is in your organisation's families or at its sessions",
            )
            return None
        if len(matches) > 1:
            errs.add(
                "nhs_number",
                "Two records share this NHS number: give the person's familyhub id instead "
                "(and report the duplicate)",
            )
            return None
        return matches[0]

    # --- writing ------------------------------------------------------------------------------------

    def process(self, *, batch: Any, actor: Any, ctx: Any, rows: list[Row]) -> ChunkOutcome:
        outcome = ChunkOutcome()
        if ctx["mode"] == "sql":
            sqlpath.process_chunk(self, actor, rows, ctx, outcome)
            return outcome
        ready = self._resolve(actor, rows, ctx, outcome)
        if ctx["mode"] == "service":
            self._write_through_service(actor, ready, outcome)
        else:
            self._write_in_bulk(actor, ready, outcome, ctx)
        return outcome

    def _write_through_service(
        self, actor: Any, ready: list[tuple[Row, Session, Person, bool]], outcome: ChunkOutcome
    ) -> None:
        by_session: dict[int, list[tuple[Row, Session, Person, bool]]] = defaultdict(list)
        for item in ready:
            by_session[item[1].pk].append(item)
        now = timezone.now()
        for items in by_session.values():
            session = items[0][1]
            ticks = [
                engagement.Tick(
                    id=tick_id(session.uuid, person.uuid, present),
                    person=str(person.uuid),
                    present=present,
                    at=now,
                )
                for _, _, person, present in items
            ]
            results = engagement.register_apply(actor=actor, session=session, entries=ticks)
            for (row, _, _, _), result in zip(items, results, strict=True):
                if not result.saved:
                    outcome.reject(row, [("", result.message)])
                elif result.message == "already saved":
                    outcome.unchanged += 1
                else:
                    outcome.loaded += 1

    def _write_in_bulk(
        self,
        actor: Any,
        ready: list[tuple[Row, Session, Person, bool]],
        outcome: ChunkOutcome,
        ctx: dict[str, Any],
    ) -> None:
        """The register's writes for a whole chunk: new attendance rows and their change records
        as plain rows (COPY on PostgreSQL), the rare changed answer through the ORM."""
        if not ready:
            return
        now = timezone.now()
        me = actor if getattr(actor, "pk", None) else None
        me_id = me.pk if me is not None else None
        existing = {
            (a.session_id, a.person_id): a
            for a in Attendance.objects.filter(
                session_id__in={s.pk for _, s, _, _ in ready},
                person_id__in={p.pk for _, _, p, _ in ready},
            ).only("id", "uuid", "session_id", "person_id", "present", "client_id")
        }
        children: dict[int, bool] = self._cache(ctx, "children")
        unknown = {p.pk for _, _, p, _ in ready} - set(children)
        if unknown:
            found = set(
                Membership.objects.filter(
                    person_id__in=unknown, role=c.MemberRole.CHILD
                ).values_list("person_id", flat=True)
            )
            self._remember(children, {pk: pk in found for pk in unknown})
        change_set = uuid.uuid4()
        new: list[tuple[Any, ...]] = []
        records: list[tuple[Any, ...]] = []
        changes = ChangeSet(actor=actor, id=change_set, at=now)
        touched: dict[int, Person] = {}
        for _row, session, person, present in ready:
            current = existing.get((session.pk, person.pk))
            tid = tick_id(session.uuid, person.uuid, present)
            if current is None:
                row_uuid = uuid.uuid4()
                as_child = person.is_unborn or children.get(person.pk, False)
                if not as_child:
                    age = person.age_on(session.date)
                    as_child = age is not None and age < 18
                new.append(
                    (
                        row_uuid,
                        now,
                        now,
                        session.pk,
                        person.pk,
                        present,
                        as_child,
                        tid,
                        now,
                        me_id,
                        now,
                    )
                )
                if present:
                    records.append(
                        _change_row(now, me_id, change_set, row_uuid, session, person, True)
                    )
                    touched[person.pk] = person
                outcome.loaded += 1
            elif current.client_id == tid or current.present == present:
                outcome.unchanged += 1
            else:
                Attendance.objects.filter(pk=current.pk).update(
                    present=present, client_id=tid, client_at=now, recorded_by=me, recorded_at=now
                )
                self._record(changes, session, current, person, present)
                touched[person.pk] = person
                outcome.loaded += 1
        copy_rows(Attendance, ATTENDANCE_COLUMNS, new)
        copy_rows(ChangeRecord, CHANGE_COLUMNS, records)
        changes.flush()
        if touched:
            access.log_change(
                actor, list(touched.values()), created=False, object_type="attendance"
            )

    @staticmethod
    def _record(
        changes: ChangeSet, session: Session, att: Attendance, person: Person, present: bool
    ) -> None:
        """The same change record as the register writes (`engagement.services._record_attendance`)."""
        changes.record(
            att,
            action=ChangeRecord.Action.UPDATE,
            field_name="present",
            old="" if present else "Yes",
            new="Yes" if present else "No",
            person=person,
            label=engagement._attendance_text(session, present),
        )


ATTENDANCE_COLUMNS = (
    "uuid",
    "created_at",
    "updated_at",
    "session_id",
    "person_id",
    "present",
    "as_child",
    "client_id",
    "client_at",
    "recorded_by_id",
    "recorded_at",
)
CHANGE_COLUMNS = (
    "at",
    "actor_id",
    "action",
    "change_set",
    "model",
    "object_uuid",
    "object_label",
    "field",
    "field_label",
    "old_value",
    "new_value",
    "reason",
    "person_id",
    "household_id",
    "special_category",
)
PRESENT_LABEL = str(Attendance._meta.get_field("present").verbose_name).capitalize()[:100]


def _change_row(
    at: Any,
    actor_id: int | None,
    change_set: uuid.UUID,
    object_uuid: uuid.UUID,
    session: Session,
    person: Person,
    present: bool,
) -> tuple[Any, ...]:
    """The row `ChangeSet.record` makes for a tick (`engagement.services._record_attendance`)."""
    return (
        at,
        actor_id,
        ChangeRecord.Action.UPDATE.value,
        change_set,
        "attendance",
        object_uuid,
        engagement._attendance_text(session, present)[:200],
        "present",
        PRESENT_LABEL,
        "" if present else "Yes",
        "Yes" if present else "No",
        "",
        person.pk,
        None,
        False,
    )
