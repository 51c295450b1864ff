"""Attendance and change records carry no single-column foreign-key index that a composite index
already provides (issue 9, R-IMPORT-1: every imported row writes one of each, and each index is a
write per row; migrations engagement/0004 and core/0002), and every look-up by those keys (a
person's history and SAR, erasure and the cascades on delete, a session's register) still has an
index that begins with its column (R-PEOPLE-5, R-ENGAGE-3).

Runs on SQLite and PostgreSQL (DATABASE_URL=postgres://... for the second).
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from familyhub.core.models import ChangeRecord
from familyhub.core.testing import table_indexes
from familyhub.engagement.models import Attendance
from familyhub.engagement.testing import a_session
from familyhub.imports.testing import csv_bytes, import_file

pytestmark = pytest.mark.django_db

# Table -> foreign-key column -> the columns of the index that serves look-ups by it.
SERVED_BY = {
    "engagement_attendance": {
        "session_id": ["session_id", "person_id"],  # the unique register key
        "person_id": ["person_id", "session_id"],
    },
    "core_changerecord": {
        "person_id": ["person_id", "at"],
        "household_id": ["household_id", "at"],
    },
}


@pytest.mark.parametrize("table", sorted(SERVED_BY))
def test_foreign_keys_are_served_by_a_composite_index_only(table):
    indexes = table_indexes(table)
    columns = [c["columns"] for c in indexes.values()]
    for column, composite in SERVED_BY[table].items():
        assert [column] not in columns, f"{table}.{column} has its own index again"
        assert composite in columns, f"{table}: no index on {composite}"


def test_the_other_indexes_of_both_tables_are_kept():
    attendance = [c["columns"] for c in table_indexes("engagement_attendance").values()]
    for cols in (["uuid"], ["client_id"], ["recorded_by_id"]):
        assert cols in attendance
    changes = [c["columns"] for c in table_indexes("core_changerecord").values()]
    for cols in (["at"], ["change_set"], ["actor_id"], ["object_uuid", "at"]):
        assert cols in changes


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_look_ups_by_person_household_and_session_use_the_composite_indexes(personas):
    """The queries of a person's history (`people.selectors`), a family's timeline, erasure's
    delete and a session's register find their rows from an index, not a scan of the table."""
    session = a_session(organisation=personas.lead)
    person = personas.household.memberships.first().person
    import_file(
        personas.team_manager,
        "attendance",
        csv_bytes([["session_id", "person_id"], [session.uuid, person.uuid]]),
    )
    assert ChangeRecord.objects.filter(person=person, model="attendance").exists()
    queries = {
        "core_change_person_": ChangeRecord.objects.filter(person=person).order_by("-at"),
        "core_change_househo": ChangeRecord.objects.filter(household=personas.household),
        "attendance_person_session": Attendance.objects.filter(person=person),
        "attendance_once_a_session": Attendance.objects.filter(session=session),
    }
    with transaction.atomic(), connection.cursor() as cur:
        # On a test database of a few rows a scan is cheapest; forbid it to see which index
        # the planner can use at all.
        cur.execute("SET LOCAL enable_seqscan = off")
        for index, qs in queries.items():
            plan = qs.explain()
            assert index in plan, (index, plan)
