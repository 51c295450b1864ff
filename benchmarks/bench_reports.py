"""A ward x service x month x ethnicity report over 10,000,000 attendances (R-SHARE-2, issue 8).

    nice -n 10 .venv/bin/python benchmarks/bench_reports.py --attendances 10000000
    nice -n 10 .venv/bin/python benchmarks/bench_reports.py --skip-load     # reuse fh_reports

Load (unless --skip-load), into a dedicated PostgreSQL database `fh_reports` (--name): the
reference data and the service catalogue, --people synthetic people (written server-side with
INSERT ... SELECT generate_series: random sex, date of birth and ONS ethnicity, 5% 'not asked',
2% 'prefer not to say'), sessions of the lead organisation's services in every ward over one
year (25 places each), and --attendances attendance rows (85% present), the attendance table's
secondary indexes dropped during the load and built afterwards.

Measured, same run, each --repeat times (median reported):

1. familyhub: `sharing.cube.build()` (also timed with the distinct people count a disclosure
   record needs, a second query) for attendances by ward x ethnicity group with service as a
   layer and the hidden month dimension (so the GROUP BY is ward x service x month x ethnicity),
   scoped like every report (organisation, `privacy.policy.permitted` for the scope purpose), with
   the labelling and the sdc.Cube built from the grouped rows.
2. Raw SQL: the same GROUP BY written by hand (same joins, same scope filters), rows fetched.
3. DuckDB: the three tables it needs (attendance, session, person columns) exported with
   PostgreSQL COPY to CSV and read into an in-process DuckDB database (load time reported apart);
   the same GROUP BY there. DuckDB cannot attach PostgreSQL on these machines (STACK-NOTES).
4. `sdc.protect` on the result (round-5-suppress-1-7): the report's linked tables (ward x
   ethnicity, ward x service and service x month cross tables with their margins), and the LP
   audit's share of it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

START = date(2025, 1, 1)
END = date(2025, 12, 31)
PER_SESSION = 25


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--name", default="fh_reports")
    parser.add_argument("--attendances", type=int, default=10_000_000)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()

    load: dict[str, float] = {}
    if not args.skip_load:
        harness.fresh_database("postgres", args.name)
    elif not harness.database_exists("postgres", args.name):
        raise SystemExit(f"--skip-load: database {args.name} does not exist; load it first")
    harness.configure("postgres", args.name)
    if not args.skip_load:
        load["migrate_seconds"] = round(harness.migrate(), 2)
        load.update(load_data(args.people, args.attendances))

    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM engagement_attendance")
        attendances = cur.fetchone()[0]
    print(f"{attendances:,} attendances in {args.name}", flush=True)

    result: dict = {
        "database": harness.database_version(),
        "attendances": attendances,
        "load": load,
    }
    duck_load, con = duckdb_load()
    # Interleaved, so that a change in the machine's load falls on every way alike.
    app_times, people_times, sql_times, duck_times = [], [], [], []
    for _ in range(args.repeat):
        t, app_out = repeat(1, run_app)
        app_times += t
        t, _ = repeat(1, run_app_with_people)
        people_times += t
        t, sql_rows = repeat(1, run_sql)
        sql_times += t
        t, duck_rows = repeat(1, lambda: run_duckdb(con))
        duck_times += t
    cube_result = app_out
    assert_same(cube_result, sql_rows, duck_rows)
    protect = run_protect(cube_result)
    app, sql, duck = (statistics.median(t) for t in (app_times, sql_times, duck_times))
    result["group_by"] = {
        "grouped_rows": cube_result.sql_rows,
        "familyhub_seconds": summarise(app_times),
        "familyhub_with_people_count_seconds": summarise(people_times),
        "raw_sql_seconds": summarise(sql_times),
        "duckdb_seconds": summarise(duck_times),
        "duckdb_load_seconds": duck_load,
        "familyhub_vs_raw_sql": round(app / sql, 2),
        "familyhub_vs_duckdb": round(app / duck, 2),
    }
    result["protect"] = protect
    path = harness.write_result("reports", result)
    print(f"wrote {path}")
    import json

    print(json.dumps({k: result[k] for k in ("group_by", "protect", "load")}, indent=2))


def summarise(samples: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(samples), 3), "min": round(min(samples), 3)}


def repeat(n: int, fn):
    times, out = [], None
    for _ in range(n):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return times, out


# --- loading -------------------------------------------------------------------------------------


def _insert_rows_sql(model, overrides: dict[str, str], source: str) -> str:
    """INSERT INTO <table> (every concrete column) SELECT <expression per column> FROM <source>:
    nullable columns NULL, the rest from `overrides`, else the field's default or ''/0/false."""
    from django.db import models

    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(f'"{f.column}"')
        if f.name in overrides:
            values.append(overrides[f.name])
        elif f.null:
            values.append("NULL")
        elif isinstance(f, models.UUIDField):
            values.append("gen_random_uuid()")
        elif isinstance(f, models.DateTimeField):
            values.append("now()")
        elif isinstance(f, models.BooleanField):
            values.append("true" if f.default is True else "false")
        elif isinstance(f, models.IntegerField | models.PositiveIntegerField):
            values.append(str(f.default if isinstance(f.default, int) else 0))
        elif f.has_default() and not callable(f.default):
            values.append("'" + str(f.default).replace("'", "''") + "'")
        else:
            values.append("''")
    return (
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) '
        f"SELECT {', '.join(values)} FROM {source}"
    )


def load_data(people: int, attendances: int) -> dict[str, float]:
    from django.db import connection

    from familyhub.core.testing import ensure_reference_data
    from familyhub.engagement.catalogue import ensure_catalogue
    from familyhub.engagement.models import Attendance, Session
    from familyhub.people.models import Person
    from familyhub.places.models import EthnicityCategory, Organisation, Ward

    out: dict[str, float] = {}
    t = time.perf_counter()
    ensure_reference_data()
    ensure_catalogue()
    lead = Organisation.objects.filter(kind=Organisation.Kind.LEAD).order_by("id").first()
    eth = list(EthnicityCategory.objects.order_by("sort_order").values_list("id", flat=True))
    wards = list(Ward.objects.order_by("id").values_list("id", flat=True))
    services = list(lead.services.order_by("id").values_list("id", flat=True))
    out["reference_seconds"] = round(time.perf_counter() - t, 2)

    t = time.perf_counter()
    eth_array = "ARRAY[" + ",".join(str(e) for e in eth) + "]"
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.2026)")
        cur.execute(
            _insert_rows_sql(
                Person,
                {
                    "given_name": "'Bench'",
                    "family_name": "'Person ' || g",
                    "sex": "(ARRAY['female','male'])[1 + (g % 2)]",
                    "date_of_birth": "DATE '2024-06-30' - ((g * 7919) % 14000)::int",
                    # 5% not asked (NULL), 2% prefer not to say (the last category), else ONS.
                    "ethnicity": (
                        f"CASE WHEN g % 20 = 0 THEN NULL WHEN g % 50 = 1 THEN {eth[-1]} "
                        f"ELSE ({eth_array})[1 + ((g * 31) % {len(eth) - 1})] END"
                    ),
                    "search_name": "'bench person'",
                },
                f"generate_series(1::bigint, {people}) AS g",
            )
        )
    out["people_seconds"] = round(time.perf_counter() - t, 2)

    t = time.perf_counter()
    sessions = attendances // PER_SESSION + 1
    days = (END - START).days + 1
    with connection.cursor() as cur:
        cur.execute(
            _insert_rows_sql(
                Session,
                {
                    "service": (
                        f"(ARRAY[{','.join(map(str, services))}])[1 + (g % {len(services)})]"
                    ),
                    "title": "'Bench session'",
                    "date": f"DATE '{START.isoformat()}' + (g % {days})::int",
                    "start_time": "TIME '10:00'",
                    "end_time": "TIME '11:30'",
                    "ward": f"(ARRAY[{','.join(map(str, wards))}])[1 + ((g / 7) % {len(wards)})]",
                    "organisation": str(lead.id),
                },
                f"generate_series(1::bigint, {sessions}) AS g",
            )
        )
    out["sessions_seconds"] = round(time.perf_counter() - t, 2)

    t = time.perf_counter()
    table = Attendance._meta.db_table
    with connection.cursor() as cur:
        cur.execute("SELECT min(id) FROM people_person")
        p0 = cur.fetchone()[0]
        cur.execute(f"SELECT min(id) FROM {Session._meta.db_table}")
        s0 = cur.fetchone()[0]
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('u') ",
            [table],
        )
        constraints = cur.fetchall()
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint "
            "WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cur.fetchall()
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        foreign = cur.fetchall()
        for name, _ in constraints + foreign:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        # Attendance k of session s: person (s * 7919 + k * 104729) mod P, distinct within a session.
        cur.execute(
            _insert_rows_sql(
                Attendance,
                {
                    "session": f"{s0} + (a / {PER_SESSION})",
                    "person": f"{p0} + (((a / {PER_SESSION}) * 7919 + (a % {PER_SESSION}) * 104729)"
                    f" % {people})",
                    "present": "(a % 7) <> 0",
                    "as_child": "(a % 25) < 13",
                },
                f"generate_series(0::bigint, {attendances - 1}) AS a",
            )
        )
        out["attendances_insert_seconds"] = round(time.perf_counter() - t, 2)
        t2 = time.perf_counter()
        for name, definition in constraints + foreign:
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for _, definition in indexes:
            cur.execute(definition)
        cur.execute(f"VACUUM ANALYZE {table}")
        cur.execute("ANALYZE")
        out["attendances_index_seconds"] = round(time.perf_counter() - t2, 2)
    out["attendances_seconds"] = round(time.perf_counter() - t, 2)
    print(f"loaded: {out}", flush=True)
    return out


# --- the three ways ------------------------------------------------------------------------------


def _query():
    from familyhub.sharing.cube import CubeQuery

    return CubeQuery(
        measure="attendances",
        rows="ward",
        columns="ethnicity_group",
        layers=("service",),
        start=START,
        end=END,
    )


def _agreement():
    from familyhub.sharing.models import Agreement
    from familyhub.sharing.testing import make_agreement

    return Agreement.objects.filter(reference="DSA-BENCH").first() or make_agreement(
        reference="DSA-BENCH"
    )


def run_app():
    from familyhub.sharing import cube

    return cube.build(
        _query(), agreement=_agreement(), organisation=cube.lead_organisation(), count_people=False
    )


def run_app_with_people():
    from familyhub.sharing import cube

    return cube.build(_query(), agreement=_agreement(), organisation=cube.lead_organisation())


RAW_SQL = """
SELECT coalesce(s.ward_id, v.ward_id) AS ward, s.service_id, date_trunc('month', s.date) AS month,
       p.ethnicity_id, count(*) AS n
FROM engagement_attendance a
JOIN engagement_session s ON s.id = a.session_id
JOIN engagement_service sv ON sv.id = s.service_id
LEFT JOIN places_venue v ON v.id = s.venue_id
JOIN people_person p ON p.id = a.person_id
WHERE a.present AND s.cancelled_at IS NULL
  AND (s.organisation_id = %(org)s OR sv.provider_id = %(org)s)
  AND s.date BETWEEN %(start)s AND %(end)s
  AND p.archived_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM privacy_restriction r WHERE r.person_id = p.id
                  AND r.started_on <= %(end)s AND (r.lifted_on IS NULL OR r.lifted_on > %(end)s))
  AND NOT EXISTS (SELECT 1 FROM privacy_objection o WHERE o.person_id = p.id
                  AND o.purpose_id = %(purpose)s AND o.received_on <= %(end)s
                  AND o.decision <> 'overridden'
                  AND (o.ended_on IS NULL OR o.ended_on > %(end)s))
GROUP BY 1, 2, 3, 4
"""


def run_sql():
    from django.db import connection

    from familyhub.privacy.models import Purpose
    from familyhub.sharing.cube import lead_organisation

    params = {
        "org": lead_organisation().id,
        "start": START,
        "end": END,
        "purpose": Purpose.objects.get(code="service-planning").id,
    }
    with connection.cursor() as cur:
        cur.execute(RAW_SQL, params)
        return cur.fetchall()


def duckdb_load():
    """Export the columns the query needs with COPY (CSV) and read them into DuckDB."""
    import duckdb
    from django.db import connection

    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="fh_reports_duck_"))
    exports = {
        "attendance": "SELECT session_id, person_id, present FROM engagement_attendance",
        "session": "SELECT s.id, s.date, coalesce(s.ward_id, v.ward_id) AS ward_id, s.service_id, "
        "s.organisation_id, sv.provider_id, s.cancelled_at IS NOT NULL AS cancelled "
        "FROM engagement_session s JOIN engagement_service sv ON sv.id = s.service_id "
        "LEFT JOIN places_venue v ON v.id = s.venue_id",
        "person": "SELECT id, ethnicity_id, archived_at IS NOT NULL AS archived FROM people_person",
    }
    raw = connection.connection
    for name, sql in exports.items():
        copy_sql = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)"
        with open(tmp / f"{name}.csv", "wb") as fh, raw.cursor() as cur, cur.copy(copy_sql) as copy:
            for chunk in copy:
                fh.write(chunk)
    exported = time.perf_counter()
    con = duckdb.connect()
    for name in exports:
        con.execute(
            f"CREATE TABLE {name} AS SELECT * FROM read_csv_auto('{tmp / (name + '.csv')}')"
        )
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    done = time.perf_counter()
    return {
        "export_seconds": round(exported - start, 2),
        "read_seconds": round(done - exported, 2),
    }, con


DUCK_SQL = """
SELECT s.ward_id, s.service_id, date_trunc('month', s.date) AS month, p.ethnicity_id, count(*)
FROM attendance a JOIN session s ON s.id = a.session_id JOIN person p ON p.id = a.person_id
WHERE a.present AND NOT s.cancelled AND (s.organisation_id = ? OR s.provider_id = ?)
  AND s.date BETWEEN ? AND ? AND NOT p.archived
GROUP BY 1, 2, 3, 4
"""


def run_duckdb(con):
    from familyhub.sharing.cube import lead_organisation

    org = lead_organisation().id
    return con.execute(DUCK_SQL, [org, org, START, END]).fetchall()


def assert_same(result, sql_rows, duck_rows) -> None:
    total_app = sum(result.cube.counts.values())
    total_sql = sum(r[-1] for r in sql_rows)
    total_duck = sum(r[-1] for r in duck_rows)
    # Raw SQL and DuckDB cannot know the policy scope's restrictions table is empty in DuckDB:
    # the benchmark data has none, so the three totals must agree.
    assert total_app == total_sql == total_duck, (total_app, total_sql, total_duck)
    assert len(sql_rows) == len(duck_rows) == result.sql_rows, (
        len(sql_rows),
        len(duck_rows),
        result.sql_rows,
    )
    print(f"same answer: {total_app:,} attendances in {len(sql_rows):,} groups", flush=True)


def run_protect(result) -> dict:
    from familyhub.sharing import cube as cubes
    from familyhub.sharing import sdc

    where = result.where()
    c = result.cube
    tables = [
        *cubes.tables(result),
        sdc.cross_table(c, "ward-service", rows="ward", columns="service", where=where),
        sdc.cross_table(c, "service-month", rows="service", columns=cubes.MONTH, where=where),
    ]
    start = time.perf_counter()
    out = sdc.protect(c, tables, sdc.get_rule_set("round-5-suppress-1-7"))
    seconds = time.perf_counter() - start
    stats = out.audit.stats
    return {
        "seconds": round(seconds, 3),
        "audit_seconds": stats.get("seconds_audit"),
        "heuristic_seconds": stats.get("seconds_heuristic"),
        "base_cells": len(c.counts),
        "published_cells": stats.get("published_cells"),
        "primary": stats.get("primary"),
        "secondary": stats.get("secondary"),
        "lp_solves": stats.get("lp_solves"),
        "passed": out.audit.passed,
    }


if __name__ == "__main__":
    main()
