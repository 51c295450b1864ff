"""The whole-database duplicate run on Splink's DuckDB backend (R-LINK-1, ADR 0021).

People leave the application database in chunks (`iter_features`), each chunk becomes an Arrow
record batch appended to one DuckDB table, so Python holds one chunk at a time whatever the size
of the register; DuckDB keeps the table in its own columnar memory (or spills to a temporary
directory). Splink then blocks, compares and scores inside DuckDB with the fixed weights of
`comparisons.py`, and only pairs at or above the threshold come back to Python.

DuckDB cannot attach SQLite or PostgreSQL here (its scanner extensions would download at run
time; STACK-NOTES), hence the Arrow route.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
from django.db.models import OuterRef, Subquery

from familyhub.linkage.comparisons import (
    COMPARISONS,
    QUEUE_THRESHOLD,
    Comparison,
    splink_settings,
)
from familyhub.linkage.features import COLUMNS, Features, features_of
from familyhub.people.models import Address, Person

CHUNK = 50_000

SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("given", pa.string()),
        ("given_canon", pa.string()),
        ("other_names", pa.list_(pa.string())),
        ("family", pa.string()),
        ("family_tokens", pa.list_(pa.string())),
        ("dob", pa.date32()),
        ("dob_is_edd", pa.bool_()),
        ("birth_year", pa.int32()),
        ("sex", pa.string()),
        ("nhs", pa.string()),
        ("postcode", pa.string()),
        ("sector", pa.string()),
        ("district", pa.string()),
        ("ward", pa.int64()),
        ("given_sound", pa.string()),
        ("family_sound", pa.string()),
    ]
)


def people_rows(people: Any = None) -> Iterator[tuple[Any, ...]]:
    """(id, given, middle, known_as, family, dob, edd, sex, nhs, postcode, ward) for every person
    in use, with the current address of (one of) their households; streamed from the database."""
    current = Address.objects.filter(
        household__memberships__person=OuterRef("pk"), valid_to__isnull=True
    ).order_by("household_id")
    qs = people if people is not None else Person.objects.filter(archived_at__isnull=True)
    qs = qs.annotate(
        postcode=Subquery(current.values("postcode")[:1]),
        ward_ref=Subquery(current.values("ward_id")[:1]),
    ).values_list(
        "id",
        "given_name",
        "middle_names",
        "known_as",
        "family_name",
        "date_of_birth",
        "expected_date_of_delivery",
        "sex",
        "nhs_number",
        "postcode",
        "ward_ref",
    )
    yield from qs.order_by().iterator(chunk_size=5_000)


def features_of_row(row: tuple[Any, ...]) -> Features:
    pid, given, middle, known, family, dob, edd, sex, nhs, postcode, ward = row
    return features_of(
        person_id=pid,
        given_name=given or "",
        middle_names=middle or "",
        known_as=known or "",
        family_name=family or "",
        date_of_birth=dob,
        expected_date_of_delivery=edd,
        sex=sex or "",
        nhs_number=nhs or "",
        postcode=postcode or "",
        ward=ward,
    )


def iter_batches(features: Iterable[Features], chunk: int = CHUNK) -> Iterator[pa.RecordBatch]:
    """Arrow record batches of `chunk` people each."""
    buffer: list[Features] = []
    for f in features:
        buffer.append(f)
        if len(buffer) >= chunk:
            yield _batch(buffer)
            buffer = []
    if buffer:
        yield _batch(buffer)


def _batch(rows: list[Features]) -> pa.RecordBatch:
    columns = [[getattr(f, c) for f in rows] for c in COLUMNS]
    return pa.RecordBatch.from_arrays(
        [pa.array(col, type=SCHEMA.field(i).type) for i, col in enumerate(columns)], schema=SCHEMA
    )


def load_duckdb(con: duckdb.DuckDBPyConnection, batches: Iterable[pa.RecordBatch]) -> int:
    """Append the batches to table `people` (made afresh); returns the row count."""
    con.execute("DROP TABLE IF EXISTS people")
    # DuckDB reads the Arrow tables below by their Python names (replacement scans).
    empty = pa.Table.from_batches([], schema=SCHEMA)  # noqa: F841
    con.execute("CREATE TABLE people AS SELECT * FROM empty")
    count = 0
    for batch in batches:
        chunk = pa.Table.from_batches([batch])  # noqa: F841 - read by DuckDB below
        con.execute("INSERT INTO people SELECT * FROM chunk")
        count += batch.num_rows
    return count


@dataclass
class Pair:
    left_id: int
    right_id: int
    match_weight: float
    probability: float
    levels: dict[str, int]  # comparison name -> level index


def level_of_weight(comparison: Comparison, weight: float | None) -> int:
    """The index of the comparison's level with this weight (0 for the null level)."""
    if weight is None:
        return 0
    return min(
        range(len(comparison.levels)),
        key=lambda i: abs(comparison.levels[i].weight - float(weight)),
    )


def connect(memory_limit: str = "3GB", threads: int = 2) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET threads = {int(threads)}")
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/familyhub-linkage-duckdb'")
    con.execute("SET preserve_insertion_order = false")
    return con


def predict(
    con: duckdb.DuckDBPyConnection,
    *,
    threshold: float = QUEUE_THRESHOLD,
    table: str = "people",
) -> Iterator[Pair]:
    """Splink's dedupe prediction over `table`, pairs at or above `threshold`, streamed."""
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(con)
    sdf = db_api.register(table, table_name="familyhub_people")
    linker = Linker(sdf, splink_settings(), log_level=logging.WARNING)
    result = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    # Splink 5 reports each comparison's match weight (mw_<name>); within a comparison the levels'
    # weights differ (a test holds that), so the weight names the level.
    mw_cols = ", ".join(f"mw_{c.name}" for c in COMPARISONS)
    cursor = con.execute(
        f"SELECT person_id_l, person_id_r, match_weight, match_probability, {mw_cols} "  # noqa: S608 - our own names
        f"FROM {result.physical_name}"
    )
    while True:
        rows = cursor.fetchmany(10_000)
        if not rows:
            break
        for row in rows:
            levels = {c.name: level_of_weight(c, row[4 + i]) for i, c in enumerate(COMPARISONS)}
            left, right = sorted((int(row[0]), int(row[1])))
            yield Pair(left, right, float(row[2]), float(row[3]), levels)
    result.drop_table_from_database_and_remove_from_cache()
