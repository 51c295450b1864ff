"""The SQL path for attendance imports (issue 9, R-IMPORT-1, ADR 0020): the same file, good and bad
rows alike, leaves the same attendance rows, change records, access-log subjects and rejected rows
(same messages, same columns) as the set-based Python path. On SQLite `mode=sql` falls back to
that path, so these tests prove the equivalence on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from familyhub.core.models import ChangeRecord
from familyhub.engagement.models import Attendance
from familyhub.engagement.testing import a_session
from familyhub.imports import sqlpath
from familyhub.imports.kinds.attendance import TICK_NAMESPACE, tick_id
from familyhub.imports.testing import csv_bytes, import_file

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


@given(s=st.uuids(), p=st.uuids(), present=st.booleans())
def test_tick_ids_are_the_same_as_the_python_paths(s, p, present):
    """The SQL path makes the tick id (the row key's uuid5) without UUID objects: same value."""
    assert sqlpath.tick_hex(TICK_NAMESPACE, str(s), str(p), present) == tick_id(s, p, present).hex


def test_row_ids_are_version_7_uuids_in_the_order_made():
    """New attendance rows get time-ordered ids (RFC 9562 version 7), so the `uuid` index and the
    change records' `(object_uuid, at)` index grow at their right-hand end (ADR 0020, 9)."""
    ids = sqlpath.time_ordered_hexes(10_000)
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(uuid.UUID(u).version == 7 and uuid.UUID(u).variant == uuid.RFC_4122 for u in ids)
    later = sqlpath.time_ordered_hexes(1, now_ms=int(uuid.UUID(ids[-1]).int >> 80) + 1)
    assert later[0] > ids[-1]


@given(born=st.dates(), on=st.dates(), childish=st.booleans())
def test_counted_as_a_child_as_the_register_counts(born, on, childish):
    """`child_until` compared with the session's day is the register's rule: unborn or a child
    member of a family, or under 18 that day (`Person.age_on`), 29 February included."""
    from familyhub.people.models import Person

    expected = childish or Person(date_of_birth=born).age_on(on) < 18
    assert ((on.year, on.month, on.day) < sqlpath.child_until(born, childish)) == expected
    assert ((on.year, on.month, on.day) < sqlpath.child_until(None, childish)) == childish


def _people(household):
    return [m.person for m in household.memberships.select_related("person").order_by("id")]


def _state(batch: Any) -> dict[str, Any]:
    key = {a.uuid: (a.session_id, a.person_id) for a in Attendance.objects.all()}
    return {
        "counts": (batch.status, batch.rows_in, batch.rows_loaded, batch.rows_unchanged),
        "rejected": sorted(
            (r.row_number, r.errors, r.values) for r in batch.rejected.order_by("row_number")
        ),
        "attendance": sorted(
            (a.session_id, a.person_id, a.present, a.as_child, a.client_id, a.recorded_by_id)
            for a in Attendance.objects.all()
        ),
        "changes": sorted(
            (
                key.get(cr.object_uuid),
                cr.actor_id,
                cr.action,
                cr.model,
                cr.object_label,
                cr.field,
                cr.field_label,
                cr.old_value,
                cr.new_value,
                cr.reason,
                cr.person_id,
                cr.household_id,
                cr.special_category,
            )
            for cr in ChangeRecord.objects.filter(model="attendance")
        ),
    }


def _run_both(actor: Any, data: bytes, chunk_size: int | None) -> list[dict[str, Any]]:
    """Import the same file with each path, each time rolled back afterwards."""
    out = []
    for mode in ("bulk", "sql"):
        try:
            with transaction.atomic():
                batch = import_file(
                    actor,
                    "attendance",
                    data,
                    name=f"{mode}.csv",
                    options={"mode": mode},
                    chunk_size=chunk_size,
                )
                out.append(_state(batch))
                raise _Undo
        except _Undo:
            pass
    return out


@pytest.mark.parametrize("chunk_size", [None, 3])
def test_sql_and_bulk_paths_leave_the_same_records_for_a_file_with_bad_rows(
    personas, chunk_size, monkeypatch
):
    calls: list[int] = []
    real = sqlpath.process_chunk

    def spy(*args: Any, **kw: Any) -> None:
        calls.append(1)
        real(*args, **kw)

    monkeypatch.setattr(sqlpath, "process_chunk", spy)
    lead = personas.lead
    session = a_session(organisation=lead)
    by_code = a_session(organisation=lead)
    cancelled = a_session(organisation=lead)
    cancelled.cancelled_at = timezone.now()
    cancelled.save()
    later = a_session(organisation=lead, day=timezone.localdate() + timedelta(days=3))
    people = _people(personas.household)
    assert len(people) >= 3
    outsider = _people(personas.partner_household)[0]
    # Already recorded before the file: one the file repeats, one whose answer it changes.
    import_file(
        personas.team_manager,
        "attendance",
        csv_bytes(
            [
                ["session_id", "person_id", "attended"],
                [session.uuid, people[0].uuid, "yes"],
                [session.uuid, people[1].uuid, "yes"],
            ]
        ),
        name="first.csv",
    )
    code = by_code.service.code
    day = by_code.date.strftime("%d/%m/%Y")
    data = csv_bytes(
        [
            ["Session", "Service", "Date", "Person", "NHS No.", "Attended"],
            [session.uuid, "", "", people[0].uuid, "", "Yes"],  # unchanged
            [session.uuid, "", "", people[1].uuid, "", "no"],  # changed answer
            [session.uuid, "", "", str(people[2].uuid).upper(), "", ""],  # new, upper case
            ["", code, day, "", people[0].nhs_number, "yes"],  # by code and NHS number
            ["", code, day, people[0].uuid, "", "y"],  # duplicate of the row before
            [session.uuid, "", "", "", "999 000 0000", "yes"],  # bad NHS number
            [session.uuid, "", "", outsider.uuid, "", "yes"],  # out of scope
            [uuid.uuid4(), "", "", people[2].uuid, "", "yes"],  # no such session
            [uuid.uuid4(), "", "", uuid.uuid4(), "", "yes"],  # neither found
            [cancelled.uuid, "", "", people[2].uuid, "", "yes"],  # cancelled
            [cancelled.uuid, "", "", uuid.uuid4(), "", "yes"],  # cancelled and nobody
            [later.uuid, "", "", people[0].uuid, "", "yes"],  # not started
            [session.uuid, "", "", people[2].uuid, "", "maybe"],  # bad answer
            ["not-an-id", "", "", people[2].uuid, "", "yes"],  # bad id
            [session.uuid, "", "", people[2].uuid, "", "no"],  # duplicate of row 4
            ["", code, "", people[1].uuid, "", "yes"],  # no date
            ["", "", "", people[1].uuid, "", "yes"],  # no session at all
            [session.uuid, "", "", "", "", "yes"],  # no person at all
            [f" {session.uuid} ", "", "", people[3 % len(people)].uuid, "", "x"],  # spaces
            [by_code.uuid, "", "", people[1].uuid, "", "no"],  # new, absent: no change record
        ]
    )
    bulk, sql = _run_both(personas.team_manager, data, chunk_size)
    assert bulk["rejected"], "the file has bad rows"
    assert len(bulk["rejected"]) >= 12
    assert sql == bulk
    # On PostgreSQL the SQL path ran (once a chunk); on SQLite the mode falls back to bulk.
    assert bool(calls) == (connection.vendor == "postgresql")


def test_sql_mode_writes_the_access_log_and_counts_children(personas):
    from familyhub.access.models import AccessLogEntry

    session = a_session(organisation=personas.lead)
    people = _people(personas.household)
    data = csv_bytes(
        [["session_id", "person_id"], *[[session.uuid, p.uuid] for p in people]],
    )
    before = AccessLogEntry.objects.count()
    batch = import_file(personas.team_manager, "attendance", data, options={"mode": "sql"})
    assert batch.rows_loaded == len(people)
    assert AccessLogEntry.objects.count() > before
    kids = {a.person_id: a.as_child for a in Attendance.objects.filter(session=session)}
    for p in people:
        age = p.age_on(session.date)
        child = p.is_unborn or p.memberships.filter(role="child").exists()
        child = child or (age is not None and age < 18)
        assert kids[p.pk] == child
    if connection.vendor == "postgresql":
        assert sqlpath.available()


def test_a_restricted_person_is_not_marked_present_by_either_path(personas):
    """R-RIGHTS-5: a restricted record is kept but not used; an import may record an absence (a
    correction) but not an attendance, and says why at the column that named the person. Both
    paths alike, row by row."""
    from familyhub.privacy.services import restriction_start

    session = a_session(organisation=personas.lead)
    cancelled = a_session(organisation=personas.lead)
    cancelled.cancelled_at = timezone.now()
    cancelled.save()
    people = _people(personas.household)
    held, free = people[0], people[1]
    restriction_start(actor=personas.dpo, person=held, reason="Accuracy contested")
    data = csv_bytes(
        [
            ["Session", "Person", "NHS No.", "Attended"],
            [session.uuid, held.uuid, "", "yes"],  # refused at Person
            ["", "", held.nhs_number, "yes"],  # no session: refused for that first
            [session.uuid, "", held.nhs_number, "no"],  # an absence: allowed
            [cancelled.uuid, held.uuid, "", "yes"],  # both reasons, the session's first
            [session.uuid, free.uuid, "", "yes"],  # others load as usual
        ]
    )
    bulk, sql = _run_both(personas.team_manager, data, None)
    assert sql == bulk
    rejected = {number: errors for number, errors, _ in bulk["rejected"]}
    assert set(rejected) == {2, 3, 5}
    [(column, message)] = rejected[2]
    assert column == "Person" and message.startswith("Processing is restricted since")
    assert [c for c, _ in rejected[5]] == ["Session", "Person"]
    assert {(p, present) for _, p, present, *_ in bulk["attendance"]} == {
        (held.pk, False),
        (free.pk, True),
    }
