"""The access log is tamper-evident (R-ACCESS-3, invariant 6, ADR 0005).

On every database the hash chain finds a row changed, removed or slipped in behind the
application's back, and `familyhub verify-access-log` names the first broken row. On PostgreSQL the
database itself also refuses UPDATE, DELETE and TRUNCATE on the log tables.
"""

from __future__ import annotations

import sys
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import InternalError, ProgrammingError

from familyhub.access import log
from familyhub.access.models import AccessLogEntry, AccessLogSubject
from familyhub.core.testing import UserFactory

pytestmark = pytest.mark.django_db

ENTRY = AccessLogEntry._meta.db_table
SUBJECT = AccessLogSubject._meta.db_table


@pytest.fixture(autouse=True)
def _logging_on(monkeypatch):
    monkeypatch.setattr(log, "_enabled", True)


@pytest.fixture
def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("on PostgreSQL the trigger refuses the change this test makes")


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists only on PostgreSQL")


@pytest.fixture
def entries() -> list[AccessLogEntry]:
    """Five chained entries; the 2nd and 4th name people, the 3rd names none."""
    user = UserFactory(username="worker")
    people = [uuid.uuid4() for _ in range(3)]
    made = [
        log.record(user=user, action=AccessLogEntry.Action.SEARCH, detail="name search"),
        log.record(user=user, action=AccessLogEntry.Action.VIEW_PERSON, person_keys=people[:1]),
        log.record(user=user, action=AccessLogEntry.Action.LIST, detail="caseload"),
        log.record(user=user, action=AccessLogEntry.Action.VIEW_HOUSEHOLD, person_keys=people),
        log.record(user=user, action=AccessLogEntry.Action.UPDATE, person_keys=people[1:2]),
    ]
    assert all(e is not None for e in made)
    return made  # type: ignore[return-value]


def _sql(statement: str, params: list) -> None:
    with connection.cursor() as cur:
        cur.execute(statement, params)


def _key_for_db(key: uuid.UUID) -> str:
    """A UUID as the backend stores it (SQLite: 32 hex digits; PostgreSQL: a uuid)."""
    return key.hex if connection.vendor == "sqlite" else str(key)


# --- the chain -----------------------------------------------------------------------------------


def test_empty_log_verifies():
    result = log.verify()
    assert result.ok and result.checked == 0


def test_chain_verifies_after_records(entries):
    result = log.verify()
    assert result.ok, result
    assert result.checked == 5
    assert [e.prev_hash for e in entries[1:]] == [e.row_hash for e in entries[:-1]]
    assert AccessLogSubject.objects.filter(entry=entries[3]).count() == 3


def test_verify_streams_in_small_chunks(entries):
    assert log.verify(chunk=2).ok


def test_changed_row_is_found(sqlite_only, entries):
    target = entries[2]
    _sql(f"UPDATE {ENTRY} SET username = %s WHERE id = %s", ["someone-else", target.pk])
    result = log.verify()
    assert not result.ok
    assert result.first_broken_id == target.pk
    assert "changed after it was written" in result.problem
    assert result.checked == 2  # the rows before it are fine


def test_changed_row_with_recomputed_hash_breaks_the_next_link(sqlite_only, entries):
    """Recomputing the changed row's own hash is not enough: the next row chains the old one."""
    target = AccessLogEntry.objects.get(pk=entries[1].pk)
    target.reason = "made up later"
    new_hash = log.row_hash(target)
    _sql(
        f"UPDATE {ENTRY} SET reason = %s, row_hash = %s WHERE id = %s",
        [target.reason, new_hash, target.pk],
    )
    result = log.verify()
    assert result.first_broken_id == entries[2].pk
    assert "previous row" in result.problem


def test_deleted_middle_row_is_found(sqlite_only, entries):
    _sql(f"DELETE FROM {ENTRY} WHERE id = %s", [entries[2].pk])
    result = log.verify()
    assert result.first_broken_id == entries[3].pk
    assert "changed, removed or inserted" in result.problem


def test_deleted_middle_row_with_its_people_is_found(sqlite_only, entries):
    _sql(f"DELETE FROM {SUBJECT} WHERE entry_id = %s", [entries[1].pk])
    _sql(f"DELETE FROM {ENTRY} WHERE id = %s", [entries[1].pk])
    result = log.verify()
    assert result.first_broken_id == entries[2].pk


def test_deleted_last_row_is_found(sqlite_only, entries):
    _sql(f"DELETE FROM {SUBJECT} WHERE entry_id = %s", [entries[4].pk])
    _sql(f"DELETE FROM {ENTRY} WHERE id = %s", [entries[4].pk])
    result = log.verify()
    assert not result.ok
    assert "removed from the end" in result.problem


def test_changed_person_key_is_found(sqlite_only, entries):
    target = entries[3]
    subject = AccessLogSubject.objects.filter(entry=target).order_by("id").first()
    _sql(
        f"UPDATE {SUBJECT} SET person_key = %s WHERE id = %s",
        [_key_for_db(uuid.uuid4()), subject.pk],
    )
    result = log.verify()
    assert result.first_broken_id == target.pk
    assert "people recorded for this row were changed" in result.problem


def test_removed_person_is_found(sqlite_only, entries):
    subject = AccessLogSubject.objects.filter(entry=entries[1]).get()
    _sql(f"DELETE FROM {SUBJECT} WHERE id = %s", [subject.pk])
    result = log.verify()
    assert result.first_broken_id == entries[1].pk
    assert "people recorded" in result.problem


def test_added_person_is_found(entries):
    """INSERT is allowed everywhere (the log is append-only), so this works on PostgreSQL too."""
    AccessLogSubject.objects.create(entry=entries[2], person_key=uuid.uuid4())
    result = log.verify()
    assert result.first_broken_id == entries[2].pk
    assert "people recorded" in result.problem


def test_forged_row_is_found(entries):
    last = entries[-1]
    forged = AccessLogEntry.objects.create(
        at=last.at,
        username="nobody",
        action=AccessLogEntry.Action.VIEW_PERSON,
        subject_digest=log.subject_digest([]),
        prev_hash=last.row_hash,
        row_hash="f" * 64,
    )
    result = log.verify()
    assert result.first_broken_id == forged.pk
    assert "changed after it was written" in result.problem


# --- PostgreSQL: the database refuses changes ----------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {ENTRY} SET username = 'someone-else' WHERE id = %s",
        f"DELETE FROM {ENTRY} WHERE id = %s",
        f"UPDATE {SUBJECT} SET person_key = gen_random_uuid() WHERE entry_id = %s",
        f"DELETE FROM {SUBJECT} WHERE entry_id = %s",
    ],
    ids=["update-entry", "delete-entry", "update-subject", "delete-subject"],
)
def test_postgresql_refuses_update_and_delete(postgresql_only, entries, statement):
    with pytest.raises((InternalError, ProgrammingError)) as excinfo, transaction.atomic():
        _sql(statement, [entries[3].pk])
    assert "append-only" in str(excinfo.value)
    assert log.verify().ok


def test_postgresql_refuses_truncate(postgresql_only, entries):
    with pytest.raises((InternalError, ProgrammingError)) as excinfo, transaction.atomic():
        _sql("SET CONSTRAINTS ALL IMMEDIATE", [])  # TRUNCATE refuses pending deferred FK checks
        # The test run may let Django's flush truncate the log (conftest); this test must not.
        _sql("SET LOCAL familyhub.test_flush = 'off'", [])
        _sql(f"TRUNCATE {ENTRY} CASCADE", [])
    assert "append-only" in str(excinfo.value)
    assert AccessLogEntry.objects.count() == 5


def test_orm_delete_is_refused_on_postgresql(postgresql_only, entries):
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        AccessLogSubject.objects.filter(entry=entries[1]).delete()


# --- the command -----------------------------------------------------------------------------------


def test_command_reports_ok(entries):
    out = StringIO()
    call_command("verify_access_log", stdout=out)
    text = out.getvalue()
    assert text.startswith("OK: 5 rows verified")
    assert "rows/s" in text


def test_command_prints_the_chain_head_and_checks_anchors(entries):
    out = StringIO()
    call_command("verify_access_log", stdout=out)
    last = entries[-1]
    assert f"Chain head: {last.pk}:{last.row_hash}" in out.getvalue()

    earlier = f"{entries[1].pk}:{entries[1].row_hash}"
    call_command("verify_access_log", anchor=[earlier], stdout=StringIO())
    call_command("verify_access_log", f"--anchor={earlier}", stdout=StringIO())

    with pytest.raises(CommandError, match=rf"BROKEN at row #{entries[1].pk}: ") as excinfo:
        call_command("verify_access_log", f"--anchor={entries[1].pk}:{'0' * 64}", stdout=StringIO())
    assert excinfo.value.returncode == 1
    with pytest.raises(CommandError, match="no longer has the hash"):
        call_command("verify_access_log", f"--anchor=999999999:{last.row_hash}", stdout=StringIO())
    with pytest.raises(CommandError, match="anchor"):
        call_command("verify_access_log", "--anchor=not-a-head", stdout=StringIO())


def test_command_exits_1_and_names_the_broken_row(entries):
    forged = AccessLogEntry.objects.create(
        at=entries[-1].at,
        action=AccessLogEntry.Action.LIST,
        subject_digest=log.subject_digest([]),
        prev_hash="0" * 64,
        row_hash="e" * 64,
    )
    err = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_access_log", stdout=StringIO(), stderr=err)
    assert excinfo.value.returncode == 1
    assert str(excinfo.value).startswith(f"BROKEN at row #{forged.pk}: ")
    assert "5 rows verified before the break" in err.getvalue()


def test_command_line_accepts_the_hyphenated_name(monkeypatch):
    """`familyhub verify-access-log` (as the docs and the issue spell it) runs verify_access_log."""
    import django.core.management

    from familyhub.config import cli

    seen: list[list[str]] = []
    monkeypatch.setattr(django.core.management, "execute_from_command_line", seen.append)
    for argv in (["verify-access-log", "--chunk", "10"], ["--version"], []):
        monkeypatch.setattr(sys, "argv", ["familyhub", *argv])
        cli.main()
    assert seen == [
        ["familyhub", "verify_access_log", "--chunk", "10"],
        ["familyhub", "--version"],
        ["familyhub"],
    ]


def test_an_append_is_one_statement_on_postgresql(postgresql_only):
    """The head lock, the entry, its people and the new head go in one statement."""
    from django.test.utils import CaptureQueriesContext

    user = UserFactory(username="worker")
    first = log.record(user=user, action=AccessLogEntry.Action.SEARCH)  # makes the head row
    keys = [uuid.uuid4() for _ in range(3)]
    with CaptureQueriesContext(connection) as queries:
        entry = log.record(user=user, action=AccessLogEntry.Action.VIEW_HOUSEHOLD, person_keys=keys)
    assert len(queries.captured_queries) == 1, [q["sql"] for q in queries.captured_queries]
    assert entry is not None and first is not None
    assert entry.prev_hash == first.row_hash and entry.row_hash == log.row_hash(entry)
    stored = AccessLogEntry.objects.get(pk=entry.pk)
    assert (stored.prev_hash, stored.row_hash) == (entry.prev_hash, entry.row_hash)
    assert set(
        AccessLogSubject.objects.filter(entry=entry).values_list("person_key", flat=True)
    ) == set(keys)
    assert log.verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain(postgresql_only):
    """Appends from several connections at once are serialised by the head row's lock."""
    import threading

    from django.db import connections

    users = [UserFactory(username=f"worker{i}") for i in range(4)]
    errors: list[BaseException] = []

    def append_many(user) -> None:
        try:
            for _ in range(15):
                log.record(
                    user=user, action=AccessLogEntry.Action.VIEW_PERSON, person_keys=[uuid.uuid4()]
                )
        except BaseException as e:  # reported below
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append_many, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    result = log.verify()
    assert result.ok, result
    assert result.checked == 60


def test_without_a_head_row_the_chain_starts_from_genesis():
    """The very first append (or one after the head row was lost) chains from the genesis hash."""
    from familyhub.access.models import GENESIS_HASH, AccessLogHead

    AccessLogHead.objects.all().delete()
    entry = log.record(user=UserFactory(username="first"), action=AccessLogEntry.Action.SEARCH)
    assert entry is not None and entry.prev_hash == GENESIS_HASH
    head = AccessLogHead.objects.get(pk=1)
    assert (head.last_id, head.last_hash) == (entry.pk, entry.row_hash)


def test_entries_written_either_way_make_one_chain(postgresql_only, monkeypatch):
    """The one-statement append (hash finished in SQL) and the ORM append chain alike."""
    user = UserFactory(username="worker")
    for one_statement in (False, True, False, True):
        monkeypatch.setattr(log, "_one_statement_append", one_statement)
        log.record(user=user, action=AccessLogEntry.Action.VIEW_PERSON, person_keys=[uuid.uuid4()])
    result = log.verify()
    assert result.ok and result.checked == 4
