"""Attendance imports (R-IMPORT-1, R-ENGAGE-3): the register's rules, row errors per column,
idempotence by checksum and by row key, both write paths alike, and crash safety."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from familyhub.core.errors import ApplicationError, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.engagement.models import Attendance
from familyhub.engagement.testing import a_session
from familyhub.imports import engine, services
from familyhub.imports.kinds.attendance import AttendanceKind
from familyhub.imports.models import ImportBatch
from familyhub.imports.testing import csv_bytes, import_file, upload

pytestmark = pytest.mark.django_db


def _people(household):
    return [m.person for m in household.memberships.select_related("person").order_by("id")]


@pytest.fixture
def setup(personas):
    session = a_session(organisation=personas.lead)
    people = _people(personas.household)
    return personas, session, people


def test_rows_load_and_bad_rows_are_rejected_at_their_column(setup):
    personas, session, people = setup
    parent = people[0]
    partner_person = _people(personas.partner_household)[0]
    cancelled = a_session(organisation=personas.lead)
    cancelled.cancelled_at = timezone.now()
    cancelled.save()
    data = csv_bytes(
        [
            ["Session", "Person", "NHS No.", "Attended"],
            [session.uuid, parent.uuid, "", "Yes"],
            [session.uuid, people[1].uuid, "", ""],
            [session.uuid, "", "999 000 0000", "yes"],  # fails modulus 11
            [session.uuid, partner_person.uuid, "", "yes"],  # not in the importer's scope
            [cancelled.uuid, people[2].uuid, "", "yes"],
            [session.uuid, people[2].uuid, "", "maybe"],
            ["not-an-id", people[2].uuid, "", "yes"],
            [session.uuid, parent.uuid, "", "no"],  # the same person again in the file
        ]
    )
    batch = import_file(personas.team_manager, "attendance", data)
    assert batch.status == ImportBatch.Status.COMPLETED
    assert (batch.rows_in, batch.rows_loaded, batch.rows_rejected) == (8, 2, 6)
    assert Attendance.objects.filter(session=session).count() == 2
    errors = {r.row_number: r.errors for r in batch.rejected.all()}
    assert errors[4][0][0] == "NHS No." and "not a valid NHS number" in errors[4][0][1]
    assert errors[5] == [["Person", "Not found, or you do not have access to it."]]
    assert "was cancelled" in errors[6][0][1]
    assert errors[7][0][0] == "Attended"
    assert errors[8][0][0] == "Session"
    assert "Row 2 already gives" in errors[9][0][1]
    assert batch.rejected.get(row_number=4).values["NHS No."] == "999 000 0000"
    # The register's change record, once per person ticked present.
    assert ChangeRecord.objects.filter(person=parent, field="present").count() == 1


def test_same_file_twice_is_refused_with_the_earlier_batch(setup):
    personas, session, people = setup
    data = csv_bytes([["session_id", "person_id"], [session.uuid, people[0].uuid]])
    first = import_file(personas.team_manager, "attendance", data)
    with pytest.raises(services.DuplicateFile) as e:
        upload(personas.team_manager, "attendance", data)
    assert e.value.batch == first
    assert str(first.uuid) in e.value.message


def test_rows_already_there_change_nothing(setup):
    personas, session, people = setup
    rows = [[session.uuid, p.uuid] for p in people[:2]]
    import_file(
        personas.team_manager, "attendance", csv_bytes([["session_id", "person_id"], *rows])
    )
    before = (Attendance.objects.count(), ChangeRecord.objects.count())
    again = import_file(
        personas.team_manager,
        "attendance",
        csv_bytes([["person_id", "session_id"], *[[p, s] for s, p in rows]]),  # another file
    )
    assert (again.rows_loaded, again.rows_unchanged) == (0, 2)
    assert (Attendance.objects.count(), ChangeRecord.objects.count()) == before


def test_session_by_service_code_and_date_in_three_formats(setup):
    personas, session, people = setup
    d = session.date
    data = csv_bytes(
        [
            ["Service", "Date", "NHS number"],
            [session.service.code, d.strftime("%d/%m/%Y"), people[0].nhs_number],
            [session.service.code, d.isoformat(), people[0].nhs_number],
            [session.service.code, f"{d.day}-{d.strftime('%b')}-{d.year}", people[0].nhs_number],
            [session.service.code, d.strftime("%d/%m/%y"), people[0].nhs_number],
        ]
    )
    batch = import_file(personas.team_manager, "attendance", data)
    errors = {r.row_number: r.errors for r in batch.rejected.all()}
    assert batch.rows_loaded == 1
    # The second and third formats found the same session (and so the same row key).
    assert "Row 2 already gives" in errors[3][0][1]
    assert "Row 2 already gives" in errors[4][0][1]
    assert "two-digit year" in errors[5][0][1]


def test_missing_column_is_refused_naming_the_columns_found(setup):
    personas, _session, _ = setup
    batch = upload(personas.team_manager, "attendance", csv_bytes([["Sesh", "Who"], ["a", "b"]]))
    with pytest.raises(ValidationFailed) as e:
        services.mapping_set(actor=personas.team_manager, batch=batch, mapping=batch.mapping)
    assert "'Sesh', 'Who'" in e.value.message
    # A renamed column is matched by hand, and the choice is kept for the next file.
    with pytest.raises(ValidationFailed):
        services.mapping_set(
            actor=personas.team_manager, batch=batch, mapping={"session_id": "Sesh"}
        )
    services.mapping_set(
        actor=personas.team_manager,
        batch=batch,
        mapping={"session_id": "Sesh", "person_id": "Who"},
    )
    nxt = upload(personas.team_manager, "attendance", csv_bytes([["Sesh", "Who"], ["c", "d"]]))
    assert nxt.mapping == {"session_id": "Sesh", "person_id": "Who"}


def test_service_and_bulk_paths_leave_the_same_records(personas):
    results = []
    for mode in ("service", "bulk"):
        session = a_session(organisation=personas.lead)
        people = _people(personas.household)
        data = csv_bytes(
            [["session_id", "person_id", "attended"]]
            + [[session.uuid, p.uuid, "yes" if i % 2 == 0 else "no"] for i, p in enumerate(people)]
            + [[session.uuid, uuid.uuid4(), "yes"]]
        )
        batch = import_file(personas.team_manager, "attendance", data, options={"mode": mode})
        rows = sorted(
            (a.person_id, a.present, a.as_child, a.client_id)
            for a in Attendance.objects.filter(session=session)
        )
        changes = sorted(
            (c.person_id, c.field, c.old_value, c.new_value, c.object_label.split(" on ")[0])
            for c in ChangeRecord.objects.filter(
                model="attendance", object_label__contains=session.title
            ).filter(object_uuid__in=Attendance.objects.filter(session=session).values("uuid"))
        )
        results.append(
            (
                [(p, present, child) for p, present, child, _ in rows],
                changes,
                (batch.rows_loaded, batch.rows_rejected),
            )
        )
    assert results[0] == results[1]


def test_a_future_session_is_refused_like_the_register(setup):
    personas, _, people = setup
    later = a_session(organisation=personas.lead, day=timezone.localdate() + timedelta(days=3))
    batch = import_file(
        personas.team_manager,
        "attendance",
        csv_bytes([["session_id", "person_id"], [later.uuid, people[0].uuid]]),
    )
    assert batch.rows_rejected == 1
    assert "has not happened yet" in batch.rejected.get().errors[0][1]


def test_an_importer_without_edit_people_gets_a_clear_refusal(setup):
    """The administrator imports reference data only: a file about people is refused at upload,
    before it is stored."""
    personas, session, people = setup
    with pytest.raises(ApplicationError, match="ask a team manager"):
        upload(
            personas.admin,
            "attendance",
            csv_bytes([["session_id", "person_id"], [session.uuid, people[0].uuid]]),
        )
    assert not ImportBatch.objects.exists()
    assert not list(services.upload_dir().iterdir())


class Crash(Exception):
    pass


REAL_PROCESS = AttendanceKind.process


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    crash_at=st.integers(min_value=2, max_value=13),
    chunk=st.integers(min_value=1, max_value=5),
    second_crash=st.one_of(st.none(), st.integers(min_value=2, max_value=13)),
)
def test_a_crash_anywhere_leaves_whole_chunks_and_a_rerun_completes(
    personas, monkeypatch, crash_at, chunk, second_crash
):
    """R-IMPORT-1: kill an import at a random row (as often as we like); the database then holds
    exactly the chunks before the checkpoint, and running the batch again finishes it with the
    same result as an import that never crashed."""
    session = a_session(organisation=personas.lead)
    everyone = _people(personas.household) + _people(personas.partner_household)
    rows = [[session.uuid, p.uuid, "yes"] for p in everyone]
    rows += [[session.uuid, uuid.uuid4(), "yes"] for _ in range(12 - len(rows))]  # rejected ones
    data = csv_bytes([["session_id", "person_id", "attended"], *rows])
    batch = upload(personas.team_manager, "attendance", data, name=f"{session.uuid}.csv")
    services.mapping_set(actor=personas.team_manager, batch=batch, mapping=batch.mapping)
    real = REAL_PROCESS
    crashes = [c for c in (crash_at, second_crash) if c is not None]

    def crashing(self, *, batch, actor, ctx, rows):
        outcome = real(self, batch=batch, actor=actor, ctx=ctx, rows=rows)
        if crashes and any(r.number == crashes[0] for r in rows):
            crashes.pop(0)
            raise Crash  # after the chunk's writes, before its commit: the worst moment
        return outcome

    monkeypatch.setattr(AttendanceKind, "process", crashing)
    for _ in range(3):
        try:
            batch = engine.run(batch, chunk_size=chunk)
            break
        except Crash:
            batch.refresh_from_db()
            assert batch.status == ImportBatch.Status.INTERRUPTED
            assert batch.position % chunk == 0
            done = batch.position
            loaded = Attendance.objects.filter(session=session).count()
            # All or nothing per chunk: exactly the valid rows before the checkpoint are in.
            assert loaded == batch.rows_loaded
            assert batch.rows_loaded + batch.rows_rejected + batch.rows_unchanged == done
            assert batch.rejected.count() == batch.rows_rejected
    assert batch.status == ImportBatch.Status.COMPLETED
    in_scope = len(_people(personas.household))
    assert Attendance.objects.filter(session=session).count() == in_scope
    assert (batch.rows_in, batch.rows_loaded, batch.rows_rejected) == (12, in_scope, 12 - in_scope)
    assert sorted(batch.rejected.values_list("row_number", flat=True)) == list(
        range(2 + in_scope, 14)
    )


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_progress_total_is_estimated_from_line_breaks_and_made_exact(setup, newline):
    """The progress bar's total comes from a byte scan, never below the true count (a quoted line
    break and a blank line only add to it); the completed batch records the exact count in."""
    personas, session, people = setup
    lines = [
        "Session,Person,Attended,Note",
        f'{session.uuid},{people[0].uuid},yes,"two{newline}lines"',
        "",
        f"{session.uuid},{people[1].uuid},no,",
    ]
    data = newline.join(lines).encode()  # no line break after the last row
    batch = upload(personas.team_manager, "attendance", data)
    services.mapping_set(actor=personas.team_manager, batch=batch, mapping=batch.mapping)
    estimate = engine._rows_estimate(batch)
    assert estimate == 4  # five physical lines, one the header
    batch = engine.run(batch)
    assert batch.status == ImportBatch.Status.COMPLETED
    assert (batch.rows_in, batch.rows_loaded) == (2, 2)
