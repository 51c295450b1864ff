"""Demo-data generation rate against a raw bulk insert of the same rows.

    .venv/bin/python benchmarks/bench_load.py --db sqlite --people 1000000
    .venv/bin/python benchmarks/bench_load.py --db postgres --people 1000000 --target raw

--target demo (default): a fresh database `fh_bench`, migrated, with the demo organisations and
staff, then `familyhub.core.demo.load_families` (what `familyhub demo_data` runs) for --people.
--target raw: a fresh database `fh_bench_raw`, the same set-up, the same rows (same seed) made in
advance chunk by chunk, and only the inserts timed: plain `executemany` of one-row INSERTs on
SQLite (the FTS5 trigger and foreign keys on, as the app runs), `COPY` on PostgreSQL (foreign-key
triggers on), one transaction per chunk. That is the floor the generator is compared with.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--target", choices=["demo", "raw"], default="demo")
    parser.add_argument("--writer", choices=["fast", "orm"], default="fast")
    parser.add_argument(
        "--batch", type=int, default=None, help="families per transaction (loader default)"
    )
    parser.add_argument("--seed", type=int, default=harness.SEED)
    parser.add_argument(
        "--name", default=None, help="database name (default fh_bench / fh_bench_raw)"
    )
    args = parser.parse_args()

    name = args.name or ("fh_bench" if args.target == "demo" else "fh_bench_raw")
    harness.fresh_database(args.db, name)
    harness.configure(args.db, name)
    migrate_seconds = harness.migrate()

    from familyhub.core.demo.organisations import ensure_organisations, ensure_staff

    ensure_staff(ensure_organisations(args.seed), args.seed)
    batch = args.batch or _default_batch()
    result = _demo(args, batch) if args.target == "demo" else _raw(args, batch)
    if args.target == "demo":
        result["vacuum_seconds"] = _vacuum()
    result.update(
        {
            "scenario": "load",
            "target": args.target,
            "db": args.db,
            "database": harness.database_version(),
            "people_requested": args.people,
            "seed": args.seed,
            "batch_families": batch,
            "migrate_seconds": round(migrate_seconds, 2),
        }
    )
    suffix = "" if args.writer == "fast" else f"-{args.writer}"
    path = harness.write_result(f"load-{args.target}{suffix}-{args.db}-{args.people}", result)
    print(
        f"{args.target}: {result['people']:,} people, {result['people_per_second']:,.0f} people/s -> {path}"
    )


def _vacuum() -> float | None:
    """PostgreSQL: VACUUM (ANALYZE) after the load, outside the timed part.

    In production autovacuum does this soon after a bulk load; the shared benchmark server runs
    with autovacuum off, so without it the visibility map stays empty and no index-only scan is
    possible (the family list by ward needs them: docs/benchmarks.md, run 3).
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")
    return round(time.perf_counter() - start, 2)


def _default_batch() -> int:
    import inspect

    from familyhub.core.demo import load_families

    return inspect.signature(load_families).parameters["batch"].default


def _demo(args: argparse.Namespace, batch: int) -> dict:
    from familyhub.core.demo import load_families
    from familyhub.core.demo.writer import Writer

    shortcuts = Writer(mode=args.writer).shortcuts
    last = [0]

    def progress(stats) -> None:
        if stats.people - last[0] >= 100_000:
            last[0] = stats.people
            print(
                f"  {stats.people:>10,} people  {stats.people_per_second:>8,.0f} people/s",
                flush=True,
            )

    stats = load_families(
        people=args.people, seed=args.seed, batch=batch, mode=args.writer, progress=progress
    )
    return {**stats.as_dict(), "writer": args.writer, "shortcuts": shortcuts}


def _raw(args: argparse.Namespace, batch: int) -> dict:
    import gc
    from itertools import chain

    from django.db import connection
    from django.utils import timezone

    from familyhub.core.demo.generator import TABLE_ORDER, FamilyGenerator
    from familyhub.core.demo.reference import build_reference
    from familyhub.core.demo.writer import Table

    now = timezone.now()
    tables = {t: Table(t, connection, now) for t in TABLE_ORDER}
    generator = FamilyGenerator(args.seed, build_reference(), today=timezone.localdate())
    next_id = dict.fromkeys(TABLE_ORDER, 1)
    raw = connection.connection  # the driver's own connection: no Django in the timed part
    sql = {}
    for t, table in tables.items():
        cols = ", ".join(f'"{c}"' for c in table.columns)
        if connection.vendor == "sqlite":
            marks = ", ".join("?" * len(table.columns))
            sql[t] = f'INSERT INTO "{table.db_table}" ({cols}) VALUES ({marks})'
        else:
            sql[t] = f'COPY "{table.db_table}" ({cols}) FROM STDIN'
    if connection.vendor == "sqlite":
        raw.isolation_level = None
    else:
        raw.autocommit = False
    insert_seconds = generate_seconds = 0.0
    people = families = 0
    rows_total = dict.fromkeys(TABLE_ORDER, 0)
    gc.disable()
    start = time.perf_counter()
    chunks = generator.chunks(people=args.people, batch=batch)
    while True:
        t0 = time.perf_counter()
        chunk = next(chunks, None)
        if chunk is None:
            break
        ids = {}
        for t in TABLE_ORDER:
            n = len(chunk.rows(t))
            ids[t] = range(next_id[t], next_id[t] + n)
            next_id[t] += n
        prepared = {t: tables[t].remap(chunk.rows(t), ids) for t in TABLE_ORDER}
        t1 = time.perf_counter()
        generate_seconds += t1 - t0
        if connection.vendor == "sqlite":
            raw.execute("BEGIN IMMEDIATE")
            for t in TABLE_ORDER:
                raw.executemany(sql[t], prepared[t])
            raw.execute("COMMIT")
        else:
            with raw.cursor() as cur:
                for t in TABLE_ORDER:
                    with cur.copy(sql[t]) as copy:
                        for row in prepared[t]:
                            copy.write_row(row)
            raw.commit()
        insert_seconds += time.perf_counter() - t1
        people += len(chunk.person)
        families += chunk.families
        for t in TABLE_ORDER:
            rows_total[t] += len(prepared[t])
        if people // 100_000 != (people - len(chunk.person)) // 100_000:
            print(
                f"  {people:>10,} people  {people / insert_seconds:>8,.0f} people/s (inserts only)",
                flush=True,
            )
    total = time.perf_counter() - start
    gc.enable()
    del chain
    if connection.vendor == "postgresql":
        with raw.cursor() as cur:  # leave the sequences where the app expects them
            for t in tables.values():
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{t.db_table}', 'id'), "
                    f'(SELECT max(id) FROM "{t.db_table}"))'
                )
        raw.commit()
    return {
        "families": families,
        "people": people,
        "rows": rows_total,
        "insert_seconds": round(insert_seconds, 3),
        "prepare_seconds": round(generate_seconds, 3),
        "seconds": round(total, 3),
        "people_per_second": round(people / insert_seconds, 1),
        "rows_per_second": round(sum(rows_total.values()) / insert_seconds, 1),
        "method": "executemany, one-row INSERT"
        if connection.vendor == "sqlite"
        else "COPY FROM STDIN",
    }


if __name__ == "__main__":
    main()
