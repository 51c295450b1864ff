"""Import throughput: 1,000,000 attendance rows against PostgreSQL's COPY of the same file (R-IMPORT-1).

    nice -n 10 .venv/bin/python benchmarks/bench_imports.py --rows 1000000
    nice -n 10 .venv/bin/python benchmarks/bench_imports.py --rows 1000000 --skip-load
    nice -n 10 .venv/bin/python benchmarks/bench_imports.py --rows 1000000 --skip-load --modes sql

Load (unless --skip-load): a fresh PostgreSQL database `fh_imports` (--name), migrated, with
--households families of two (a parent and a child) allocated to one organisation, and
--rows / 500 past sessions of that organisation; then the CSV file: 500 people a session,
columns session_id, person_id, attended (the familyhub ids, as a partner's export would give).
The database is built with bulk inserts (set-up, not what is measured).

Measured, in the same run:

1. Baselines, in the same run:
   a. `COPY` of the file into a table with the same columns and the same unique key as
      attendance (session, person), streamed from the file by psycopg (PostgreSQL's bare ingest
      rate: one row and two index entries per line, no foreign keys);
   b. raw SQL doing the import's storing work with nothing else (ARCHITECTURE.md, "a raw SQL query
      doing the same work"): in one transaction, `COPY` of the file into a temporary table, then
      one `INSERT ... SELECT` into `engagement_attendance` itself, the familyhub ids resolved by
      joins, `ON CONFLICT DO NOTHING`; no scope, no validation, no history, no access log;
   c. as b, with a change record per attendance row written by the same statement (what the
      import also stores, R-PEOPLE-5).
   Each baseline's rows are removed before the next step.
2. The import, set-based path (`mode=bulk`, what the UI and the command use): upload (SHA-256 and
   encoding check), column mapping, then `engine.run` (a counting pass, then chunks of 5,000 rows:
   every row parsed and checked with the register's rules against the importer's sessions and
   people, attendance rows bulk-inserted with their change records and one access-log entry per
   chunk, checkpoint committed with each chunk). Rows per second and peak memory (RSS).
3. The import, SQL path (`mode=sql`, issue 9, the default on PostgreSQL): the same upload and
   engine, chunks of 20,000 rows checked set-wise (a few queries for the chunk's sessions and
   people, then dictionary look-ups) and written with COPY (`imports/sqlpath.py`).
   Run after a TRUNCATE of attendance, on the same file.
4. The import through the register's own service (`mode=service`, `register_apply` per session's
   rows), on --service-rows rows of other sessions (1,000,000 rows this way would take hours).
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import time as clock
import uuid
from datetime import date, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

PER_SESSION = 500


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--service-rows", type=int, default=10_000)
    parser.add_argument("--name", default="fh_imports")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument(
        "--modes",
        default="bulk,sql,service",
        help="import paths to measure after COPY, comma-separated (bulk, sql, service)",
    )
    args = parser.parse_args()
    work = harness.BENCH_DIR / "imports"
    work.mkdir(parents=True, exist_ok=True)
    if not args.skip_load:
        harness.fresh_database("postgres", args.name)
    os.environ["FAMILYHUB_MEDIA_ROOT"] = str(work / "media")  # uploads stored next to the files
    harness.configure("postgres", args.name)
    result: dict = {"scenario": "imports", "db": "postgres", "rows": args.rows}
    if not args.skip_load:
        result["migrate_s"] = round(harness.migrate(), 1)
        result["load_s"] = round(load(args, work), 1)
    result.update(measure(args, work))
    result["database"] = harness.database_version()
    suffix = "" if args.modes == "bulk,sql,service" else "-" + args.modes.replace(",", "-")
    path = harness.write_result(f"imports-postgres-{args.rows}{suffix}", result)
    print(f"Result: {path}")


def _people_ids() -> list[tuple[int, str]]:
    from familyhub.people.models import Person

    return [(pk, str(u)) for pk, u in Person.objects.order_by("pk").values_list("pk", "uuid")]


def load(args: argparse.Namespace, work: Path) -> float:
    from django.utils import timezone

    from familyhub.access.models import Membership as StaffMembership
    from familyhub.access.models import User
    from familyhub.access.roles import Role
    from familyhub.engagement.catalogue import ensure_catalogue
    from familyhub.engagement.models import Service, Session
    from familyhub.people import choices as c
    from familyhub.people.models import CaseAllocation, Household, Membership, Person
    from familyhub.people.search_keys import person_search_fields
    from familyhub.places.models import Organisation

    began = clock.perf_counter()
    org = Organisation.objects.create(name="Bench Lead", kind=Organisation.Kind.LEAD)
    user = User.objects.create(username="bench_manager")
    StaffMembership.objects.create(user=user, organisation=org, role=Role.TEAM_MANAGER)
    households = Household.objects.bulk_create(
        [Household(name=f"Bench{i} family") for i in range(args.households)], batch_size=5000
    )
    today = date.today()
    people = []
    for i, _h in enumerate(households):
        for j, born in enumerate((date(1990, 1, 1), date(2023, 6, 1))):
            keys = person_search_fields(f"Given{i}{j}", f"Bench{i}", "")
            people.append(
                Person(
                    given_name=f"Given{i}{j}", family_name=f"Bench{i}", date_of_birth=born, **keys
                )
            )
    Person.objects.bulk_create(people, batch_size=5000)
    Membership.objects.bulk_create(
        [
            Membership(
                household=households[k // 2],
                person=p,
                role=c.MemberRole.PARENT_CARER if k % 2 == 0 else c.MemberRole.CHILD,
            )
            for k, p in enumerate(people)
        ],
        batch_size=5000,
    )
    CaseAllocation.objects.bulk_create(
        [
            CaseAllocation(household=h, organisation=org, started_on=today - timedelta(days=500))
            for h in households
        ],
        batch_size=5000,
    )
    ensure_catalogue()
    service = Service.objects.order_by("pk").first()
    assert service is not None, "the catalogue has services"
    n_sessions = args.rows // PER_SESSION + args.service_rows // PER_SESSION + 1
    Session.objects.bulk_create(
        [
            Session(
                service=service,
                title=service.name,
                date=today - timedelta(days=1 + i % 700),
                start_time=time(9 + i % 8, 0),
                end_time=time(9 + i % 8, 45),
                organisation=org,
                created_at=timezone.now(),
            )
            for i in range(n_sessions)
        ],
        batch_size=5000,
    )
    write_files(args, work)
    return clock.perf_counter() - began


def write_files(args: argparse.Namespace, work: Path) -> None:
    from familyhub.engagement.models import Session

    sessions = [str(u) for u in Session.objects.order_by("pk").values_list("uuid", flat=True)]
    people = [u for _, u in _people_ids()]
    main_sessions = args.rows // PER_SESSION
    for name, chosen, limit in (
        ("attendance.csv", sessions[:main_sessions], args.rows),
        ("service.csv", sessions[main_sessions:], args.service_rows),
    ):
        with (work / name).open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["session_id", "person_id", "attended"])
            n = 0
            for s_i, s in enumerate(chosen):
                start = (s_i * 37) % len(people)
                for k in range(PER_SESSION):
                    if n >= limit:
                        break
                    w.writerow([s, people[(start + k) % len(people)], "yes"])
                    n += 1


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def copy_baseline(path: Path) -> float:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_attendance_copy")
        cur.execute(
            "CREATE TABLE bench_attendance_copy (id bigserial primary key, session_id uuid not null,"
            " person_id uuid not null, attended text not null, UNIQUE (session_id, person_id))"
        )
    connection.commit() if not connection.get_autocommit() else None
    raw = connection.connection
    began = clock.perf_counter()
    with (
        raw.cursor() as cur,
        cur.copy(
            "COPY bench_attendance_copy (session_id, person_id, attended) FROM STDIN "
            "WITH (FORMAT csv, HEADER true)"
        ) as copy,
        path.open("rb") as fh,
    ):
        while chunk := fh.read(1 << 16):
            copy.write(chunk)
    took = clock.perf_counter() - began
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM bench_attendance_copy")
        assert cur.fetchone()[0] > 0
    return took


RAW_STAGE = (
    "CREATE TEMP TABLE bench_stage (session_id uuid, person_id uuid, attended text) ON COMMIT DROP"
)
RAW_ATTENDANCE = """
    INSERT INTO engagement_attendance (uuid, created_at, updated_at, session_id, person_id,
        present, as_child, client_id, client_at, recorded_by_id, recorded_at)
    SELECT gen_random_uuid(), now(), now(), s.id, p.id, st.attended = 'yes',
        coalesce(p.date_of_birth > s.date - interval '18 years', true), gen_random_uuid(), now(),
        %(actor)s, now()
    FROM bench_stage st
    JOIN engagement_session s ON s.uuid = st.session_id
    JOIN people_person p ON p.uuid = st.person_id
    ON CONFLICT (session_id, person_id) DO NOTHING
"""
RAW_WITH_HISTORY = f"""
    WITH added AS ({RAW_ATTENDANCE} RETURNING uuid, person_id, present)
    INSERT INTO core_changerecord (at, actor_id, action, change_set, model, object_uuid,
        object_label, field, field_label, old_value, new_value, reason, person_id, household_id,
        special_category)
    SELECT now(), %(actor)s, 'update', %(change_set)s, 'attendance', added.uuid, 'Bench session',
        'present', 'Present', '', 'Yes', '', added.person_id, NULL, false
    FROM added WHERE added.present
"""


def raw_sql_baseline(path: Path, *, with_history: bool) -> float:
    """The storing work of the import in plain SQL (baseline b or c): returns seconds."""
    from django.db import connection, transaction

    from familyhub.access.models import User

    actor = User.objects.get(username="bench_manager").pk
    began = clock.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(RAW_STAGE)
        with (
            cur.cursor.copy("COPY bench_stage FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as fh,
        ):
            while chunk := fh.read(1 << 16):
                copy.write(chunk)
        cur.execute(
            RAW_WITH_HISTORY if with_history else RAW_ATTENDANCE,
            {"actor": actor, "change_set": uuid.uuid4()},
        )
    return clock.perf_counter() - began


def _clear_attendance() -> None:
    """Attendance and its change records removed, so that every step writes into tables in the
    same state (set-up, not measured)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE engagement_attendance")
        cur.execute("DELETE FROM core_changerecord WHERE model = 'attendance'")
        cur.execute("DELETE FROM imports_importbatch")  # the same file again
        cur.execute("VACUUM ANALYZE core_changerecord")


def import_file(path: Path, mode: str) -> tuple[float, dict]:
    from familyhub.access import context
    from familyhub.access.models import User
    from familyhub.engagement.models import Attendance
    from familyhub.imports import engine, services
    from familyhub.imports.readers import file_chunks

    user = User.objects.get(username="bench_manager")
    token = context.set_current(context.RequestContext(channel="command", path="bench"))
    before = Attendance.objects.count()
    began = clock.perf_counter()
    with path.open("rb") as fh:
        batch = services.batch_upload(
            actor=user,
            kind="attendance",
            file_name=f"{uuid.uuid4()}-{path.name}",
            chunks=file_chunks(fh),
        )
    uploaded = clock.perf_counter()
    services.mapping_set(actor=user, batch=batch, mapping=batch.mapping, save=False)
    batch = engine.run(batch, options={"mode": mode})
    took = clock.perf_counter() - began
    context.reset(token)
    return took, {
        "upload_s": round(uploaded - began, 2),
        "status": batch.status,
        "rows_in": batch.rows_in,
        "loaded": batch.rows_loaded,
        "rejected": batch.rows_rejected,
        "unchanged": batch.rows_unchanged,
        "attendance_rows_added": Attendance.objects.count() - before,
    }


def measure(args: argparse.Namespace, work: Path) -> dict:
    from django.db import connection

    from familyhub.engagement.models import Attendance

    if args.skip_load:
        with connection.cursor() as cur:
            cur.execute("TRUNCATE engagement_attendance")
            cur.execute("DELETE FROM imports_importbatch")
    with connection.cursor() as cur:
        # Statistics as autovacuum would have them on a live database (a bulk-loaded one may
        # have none yet, and then the planner misjudges the scope queries).
        cur.execute("ANALYZE")
    main_file = work / "attendance.csv"
    out: dict = {"file_mb": round(main_file.stat().st_size / 1e6, 1)}
    copy_s = copy_baseline(main_file)
    out["copy"] = {"seconds": round(copy_s, 2), "rows_per_s": round(args.rows / copy_s)}
    print("COPY", out["copy"], flush=True)
    for name, with_history in (("raw_sql", False), ("raw_sql_history", True)):
        _clear_attendance()
        took = raw_sql_baseline(main_file, with_history=with_history)
        out[name] = {
            "seconds": round(took, 2),
            "rows_per_s": round(args.rows / took),
            "attendance_rows_added": Attendance.objects.count(),
        }
        print(name, out[name], flush=True)
        assert out[name]["attendance_rows_added"] == args.rows, "every row of the file stored"
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    for mode in ("bulk", "sql"):
        if mode not in modes:
            continue
        _clear_attendance()
        took, facts = import_file(main_file, mode)
        out[f"import_{mode}"] = {
            "seconds": round(took, 2),
            "rows_per_s": round(args.rows / took),
            "peak_rss_mb": _rss_mb(),
            **facts,
        }
        print(mode, out[f"import_{mode}"], flush=True)
        assert Attendance.objects.count() >= args.rows
        for base in ("copy", "raw_sql", "raw_sql_history"):
            out[f"ratio_{mode}_to_{base}"] = round(
                out[f"import_{mode}"]["rows_per_s"] / out[base]["rows_per_s"], 3
            )
    if "service" in modes:
        service_s, sfacts = import_file(work / "service.csv", "service")
        out["import_service"] = {
            "seconds": round(service_s, 2),
            "rows_per_s": round(args.service_rows / service_s),
            **sfacts,
        }
        print("service", out["import_service"], flush=True)
        out["ratio_service_to_copy"] = round(
            out["import_service"]["rows_per_s"] / out["copy"]["rows_per_s"], 4
        )
    return out


if __name__ == "__main__":
    main()
