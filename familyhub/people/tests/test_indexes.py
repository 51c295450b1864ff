"""The people tables carry no index that another index already provides (each one costs every write:
about 2 microseconds a row on PostgreSQL in the loader's measurements), and keep the ones that
search and the family list rely on (docs/benchmarks.md; migration people/0005).

Runs on SQLite and PostgreSQL (DATABASE_URL=postgres://... for the second).
"""

from __future__ import annotations

import pytest
from django.db import connection

from familyhub.core.testing import table_indexes

pytestmark = pytest.mark.django_db

TABLES = [
    "people_household",
    "people_address",
    "people_person",
    "people_personidentifier",
    "people_membership",
    "people_relationship",
    "people_caseallocation",
]


def _partial(table: str) -> set[str]:
    """Names of the table's partial indexes (those with a WHERE)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = %s "
                "AND x.indpred IS NOT NULL",
                [table],
            )
        else:
            cur.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql LIKE '%% WHERE %%'",
                [table],
            )
        return {row[0] for row in cur.fetchall()}


@pytest.mark.parametrize("table", TABLES)
def test_no_index_repeats_the_start_of_another(table):
    """An index is redundant when another index (not partial) begins with the same columns: a
    B-tree on (a, b) answers whatever one on (a) answers. Unique and partial indexes are kept (they
    enforce a rule, or cover only some rows)."""
    indexes, partial = table_indexes(table), _partial(table)
    full = {n: c for n, c in indexes.items() if n not in partial and c.get("type") != "gin"}
    redundant = []
    for name, c in full.items():
        if c["unique"] or c["primary_key"]:
            continue
        cols = c["columns"]
        for other, o in full.items():
            if (
                other != name
                and o["columns"][: len(cols)] == cols
                and len(o["columns"]) >= len(cols)
            ):
                if o["columns"] == cols and not o["unique"] and name > other:
                    continue  # two identical indexes: report the pair once
                redundant.append((name, cols, other, o["columns"]))
    assert redundant == []


def test_the_indexes_search_and_lists_rely_on_are_there():
    expect = {
        "people_person": {
            "person_nhs_number": ["nhs_number"],
            "person_sound_keys": ["family_sound", "given_sound"],
            "person_given_sound": ["given_sound"],
        },
        "people_address": {
            "address_postcode_key": ["postcode_key"],
            "address_current_ward": ["ward_id", "household_id"],
            "address_one_current_per_household": ["household_id"],
        },
        "people_caseallocation": {"allocation_open": ["organisation_id", "household_id"]},
        "people_household": {
            "household_recent_first": ["updated_at", "id"],
            "household_active": ["id"],
        },
    }
    for table, wanted in expect.items():
        indexes = table_indexes(table)
        for name, columns in wanted.items():
            assert name in indexes and indexes[name]["columns"] == columns, (table, name)


def test_dropped_indexes_are_gone():
    """The field indexes people/0005 dropped (named as Django made them in people/0001)."""
    gone = {
        "people_address": ["people_address_household_id_cf14083d"],
        "people_caseallocation": ["people_caseallocation_organisation_id_068d8478"],
        "people_membership": ["people_membership_household_id_ab793b8f"],
        "people_person": [
            "people_person_created_by_id_82aa5eb7",
            "people_person_nhs_number_b2af029b",
            "people_person_nhs_number_b2af029b_like",
        ],
        "people_personidentifier": ["people_personidentifier_person_id_e2ddfc5e"],
        "people_relationship": ["people_relationship_from_person_id_5f14b94e"],
    }
    for table, names in gone.items():
        assert not set(names) & set(table_indexes(table)), table


@pytest.mark.skipif(connection.vendor != "postgresql", reason="LIKE indexes are PostgreSQL's")
def test_no_like_index_on_columns_matched_exactly():
    with connection.cursor() as cur:
        cur.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename LIKE 'people_%%' "
            "AND indexdef LIKE '%%pattern_ops%%'"
        )
        assert {r[0] for r in cur.fetchall()} == {"people_address_postcode_pattern"}  # outward code
