"""The access log at size (R-ACCESS-3, ADR 0005): what logging costs a page, and how fast
`familyhub verify-access-log` walks the chain, each against a baseline in the same run.

    .venv/bin/python benchmarks/bench_access.py --db postgres --name fh_access \\
        --people 1000000 --log-rows 1000000,10000000

Steps, in one process per database (`--name`, default fh_access; never someone else's database):

1. **People.** Unless --skip-people, `bench_load.py` loads --people synthetic people into a fresh
   database (the demo loader, as the other benchmarks).
2. **Log.** The log is filled with synthetic chained entries up to each size in --log-rows in turn
   (1M, then 10M): the same columns and hash as `access.log.record` writes (`log.row_hash`,
   `log.subject_digest`), for the demo staff and real people's `log_key`s (a mix of person views,
   family views, searches and changes: 2.7 people an entry on average), inserted with COPY
   (PostgreSQL) or executemany (SQLite) in chunks, and the chain head moved to the last one.
   Not timed: it is set-up.
3. At each size (--steps, default all three):
   - **Append.** `access.log.record` alone for one person, --requests times, interleaved with
     (PostgreSQL) the ORM's three-statement append that the one-statement append replaced.
   - **Page overhead.** The person page (`/people/<uuid>/`) and the family page through Django's
     test client, signed in as the lead organisation's practitioner, --requests different records,
     each requested in random order as it runs (with its access-log append), with the ORM append
     (PostgreSQL), and with logging switched off (`access.log.set_enabled(False)`: the same view
     and queries without the append). p50/p95 of each and the overhead ratios.
   - **Verify.** `verify-access-log` (the command's own code, `access.log.verify`) in a child
     process, timed, with the child's peak memory (ru_maxrss); and the baseline: a child process
     with a raw database cursor (server-side on PostgreSQL) and a hashlib loop doing the same chain
     check (same fields, same order, same subject digest), peak memory likewise.

Results: benchmarks/out/access-<db>-<label>.json (FAMILYHUB_BENCH_OUT to change).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131"
# (action, object_type, people, detail): the mix of a working day's log.
MIX = [
    (0.60, "view_person", "person", 1, ""),
    (0.25, "view_household", "household", 4, ""),
    (0.10, "search", "person", 10, "search by name"),
    (0.05, "update", "person", 1, ""),
]
ENTRY_COLUMNS = (
    "id",
    "at",
    "user_id_at_time",
    "username",
    "roles",
    "action",
    "object_type",
    "channel",
    "path",
    "ip_address",
    "user_agent",
    "reason",
    "detail",
    "subject_count",
    "subject_digest",
    "prev_hash",
    "row_hash",
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--name", default="fh_access")
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--skip-people", action="store_true", help="reuse the loaded people")
    parser.add_argument(
        "--log-rows",
        default="1000000,10000000",
        help="comma-separated log sizes to fill up to and measure at, in order",
    )
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--chunk", type=int, default=50_000, help="log entries per transaction")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--label", default=None)
    parser.add_argument(
        "--steps",
        default="append,pages,verify",
        help="what to measure at each size: append, pages, verify (comma-separated)",
    )
    # Child-process modes (used by the parent; not for direct use).
    parser.add_argument("--child", choices=["verify", "raw-verify"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        harness.configure(args.db, args.name)
        from django.db import connection

        connection.ensure_connection()
        before = _peak_rss_mb()
        result = _verify_app() if args.child == "verify" else _verify_raw()
        # VmHWM, not ru_maxrss: Linux carries the parent's peak into ru_maxrss across exec.
        result["peak_rss_mb_before"] = before
        result["peak_rss_mb"] = _peak_rss_mb()
        print("RESULT " + json.dumps(result), flush=True)
        return

    if not args.skip_people:
        if harness.run_script(
            "bench_load.py", "--db", args.db, "--people", str(args.people), "--name", args.name
        ):
            raise SystemExit("loading people failed")
    elif not harness.database_exists(args.db, args.name):
        raise SystemExit(f"No {args.name} database: run without --skip-people first")
    harness.configure(args.db, args.name)
    harness.migrate()  # the access tables of this code (a no-op when current)

    from familyhub.access.models import AccessLogEntry
    from familyhub.people.models import Person

    sizes = [int(s) for s in args.log_rows.split(",") if s.strip()]
    label = args.label or f"{args.db}-{Person.objects.count()}"
    results: dict[str, Any] = {
        "scenario": "access",
        "db": args.db,
        "database": harness.database_version(),
        "people": Person.objects.count(),
        "sizes": {},
    }
    for size in sizes:
        fill = _fill_log(args, size)
        rows = AccessLogEntry.objects.count()
        print(f"log: {rows:,} entries", flush=True)
        at_size: dict[str, Any] = {"fill": fill, "log_entries": rows}
        steps = {s.strip() for s in args.steps.split(",")}
        if "append" in steps:
            at_size["append"] = _appends(args)
        if "pages" in steps:
            at_size["pages"] = _pages(args)
        if "verify" not in steps:
            results["sizes"][str(rows)] = at_size
            print(f"-> {harness.write_result(f'access-{label}', results)}", flush=True)
            continue
        at_size["verify"] = _child(args, "verify")
        at_size["verify_raw"] = _child(args, "raw-verify")
        at_size["verify_ratio_rate_raw_to_app"] = round(
            at_size["verify_raw"]["rows_per_second"] / at_size["verify"]["rows_per_second"], 2
        )
        print(
            f"verify: app {at_size['verify']['rows_per_second']:,.0f} rows/s "
            f"(peak {at_size['verify']['peak_rss_mb']} MB), raw "
            f"{at_size['verify_raw']['rows_per_second']:,.0f} rows/s "
            f"(peak {at_size['verify_raw']['peak_rss_mb']} MB)",
            flush=True,
        )
        results["sizes"][str(rows)] = at_size
        path = harness.write_result(f"access-{label}", results)
        print(f"-> {path}", flush=True)


def _peak_rss_mb() -> float:
    """This process's peak resident memory so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# --- filling the log ----------------------------------------------------------------------------------


def _fill_log(args: argparse.Namespace, target: int) -> dict[str, Any]:
    """Append synthetic chained entries until the log holds `target` of them."""
    from django.db import connection, transaction

    from familyhub.access import log
    from familyhub.access.models import (
        GENESIS_HASH,
        AccessLogEntry,
        AccessLogHead,
        AccessLogSubject,
        User,
    )
    from familyhub.people.models import Person

    _reset_sequences(connection)  # after an interrupted fill, the ids continue from the rows
    have = AccessLogEntry.objects.count()
    if have >= target:
        return {"added": 0, "seconds": 0}
    rng = random.Random(args.seed + have)
    staff = [
        (u.pk, u.username, u.role_labels[:300])
        for u in User.objects.filter(is_service_account=False).order_by("id")
    ]
    keys = list(Person.objects.order_by("?").values_list("log_key", flat=True)[:200_000])
    head = AccessLogHead.objects.filter(pk=1).first()
    last_id = head.last_id if head else 0
    prev = head.last_hash if head else GENESIS_HASH
    last_subject = (
        AccessLogSubject.objects.order_by("-id").values_list("id", flat=True).first() or 0
    )
    dropped = _drop_secondary_indexes(connection) if target - have >= 1_000_000 else []
    start_at = datetime.now(UTC) - timedelta(days=365)
    step = timedelta(days=365) / max(target, 1)
    weights = [m[0] for m in MIX]
    began = time.perf_counter()
    hashing = 0.0
    added = 0
    try:
        while have + added < target:
            n = min(args.chunk, target - have - added)
            entries, subjects = [], []
            t0 = time.perf_counter()
            for _ in range(n):
                last_id += 1
                _, action, object_type, people, detail = rng.choices(MIX, weights)[0]
                user_id, username, roles = rng.choice(staff)
                chosen = sorted({rng.choice(keys) for _ in range(people)}, key=str)
                row = SimpleNamespace(
                    id=last_id,
                    at=start_at + step * last_id,
                    user_id_at_time=user_id,
                    username=username,
                    roles=roles,
                    action=action,
                    object_type=object_type,
                    channel="web",
                    path=f"/{object_type}s/{uuid.UUID(int=rng.getrandbits(128))}/",
                    ip_address=f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                    user_agent=USER_AGENT,
                    reason="",
                    detail=detail,
                    subject_count=len(chosen),
                    subject_digest=log.subject_digest(chosen),
                    prev_hash=prev,
                )
                row.row_hash = log.row_hash(row)  # type: ignore[arg-type]
                prev = row.row_hash
                entries.append(tuple(getattr(row, c) for c in ENTRY_COLUMNS))
                for key in chosen:
                    last_subject += 1
                    subjects.append((last_subject, last_id, key))
            hashing += time.perf_counter() - t0
            with transaction.atomic():
                _insert(connection, AccessLogEntry._meta.db_table, ENTRY_COLUMNS, entries)
                _insert(
                    connection,
                    AccessLogSubject._meta.db_table,
                    ("id", "entry_id", "person_key"),
                    subjects,
                )
                AccessLogHead.objects.update_or_create(
                    pk=1, defaults={"last_id": last_id, "last_hash": prev}
                )
            added += n
            if added % 500_000 < args.chunk:
                rate = added / (time.perf_counter() - began)
                print(f"  {have + added:>12,} entries  {rate:,.0f}/s", flush=True)
    finally:
        generated = time.perf_counter() - began
        index_seconds = _restore_indexes(connection, dropped)
    _reset_sequences(connection)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM (ANALYZE) access_accesslogentry")
            cur.execute("VACUUM (ANALYZE) access_accesslogsubject")
    seconds = time.perf_counter() - began
    return {
        "added": added,
        "seconds": round(seconds, 1),
        "insert_seconds": round(generated, 1),
        "hash_seconds": round(hashing, 1),
        "index_rebuild_seconds": round(index_seconds, 1),
        "entries_per_second": round(added / seconds),
    }


TABLES = ("access_accesslogentry", "access_accesslogsubject")


def _reset_sequences(connection: Any) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for table in TABLES:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT max(id) FROM {table}), 1))"
            )


def _drop_secondary_indexes(connection: Any) -> list[tuple[str, str, str]]:
    """PostgreSQL set-up only: drop the log tables' unique, foreign-key and plain indexes (not the
    primary keys) before a bulk fill, as pg_restore does; `_restore_indexes` puts the same ones back.
    """
    if connection.vendor != "postgresql":
        return []
    dropped: list[tuple[str, str, str]] = []
    with connection.cursor() as cur:
        for table in TABLES:
            cur.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
                [table],
            )
            constraints = cur.fetchall()
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint "
                "WHERE conrelid = %s::regclass)",
                [table, table],
            )
            indexes = [(n, d) for n, d in cur.fetchall() if not n.endswith("_pkey")]
            for name, definition in constraints:
                cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                dropped.append(("constraint", table, f'ADD CONSTRAINT "{name}" {definition}'))
            for name, definition in indexes:
                cur.execute(f'DROP INDEX "{name}"')
                dropped.append(("index", table, definition))
    print(f"  dropped {len(dropped)} indexes and constraints for the fill", flush=True)
    return dropped


def _restore_indexes(connection: Any, dropped: list[tuple[str, str, str]]) -> float:
    if not dropped:
        return 0.0
    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        for kind, _table, definition in dropped:
            if kind == "index":
                cur.execute(definition)
        for kind, table, definition in dropped:
            if kind == "constraint":
                cur.execute(f"ALTER TABLE {table} {definition}")
    seconds = time.perf_counter() - start
    print(f"  rebuilt {len(dropped)} indexes and constraints in {seconds:.0f} s", flush=True)
    return seconds


def _insert(connection: Any, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            raw = cur.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return

    # As Django stores them in SQLite: a UUIDField as 32 hex digits, a datetime as naive UTC text.
    def as_stored(value: Any) -> Any:
        if isinstance(value, uuid.UUID):
            return value.hex
        if isinstance(value, datetime):
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        return value

    converted = [tuple(as_stored(v) for v in row) for row in rows]
    marks = ", ".join("%s" for _ in columns)
    with connection.cursor() as cur:
        cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", converted)


# --- one append on its own -------------------------------------------------------------------------------


def _appends(args: argparse.Namespace) -> dict[str, Any]:
    """`access.log.record` alone, as a person page calls it (one person), --requests times in each
    way, interleaved: the product's append and (PostgreSQL) the ORM's three-statement append."""
    from familyhub.access import log
    from familyhub.access.helpers import people_visible_to
    from familyhub.access.models import User

    rng = random.Random(args.seed + 1)
    user = User.objects.get(username="practitioner")
    user.active_memberships  # noqa: B018 - roles read once, as in a request
    keys = list(people_visible_to(user).values_list("log_key", flat=True)[: args.requests * 2])
    from django.db import connection

    variants = {"one_statement": True}
    if connection.vendor == "postgresql":
        variants["orm"] = False
    times: dict[str, list[float]] = {v: [] for v in variants}
    for i in range(args.requests + args.warmup):
        order = list(variants)
        rng.shuffle(order)
        for variant in order:
            log._one_statement_append = variants[variant]
            start = time.perf_counter()
            log.record(user=user, action="view_person", object_type="person", person_keys=[keys[i]])
            if i >= args.warmup:
                times[variant].append(time.perf_counter() - start)
    log._one_statement_append = True
    out = {v: harness.summarise(t) for v, t in times.items()}
    print(
        "append  "
        + "; ".join(
            f"{v} p50 {r['median_ms']:.2f} p95 {r['p95_ms']:.2f} ms" for v, r in out.items()
        ),
        flush=True,
    )
    return out


# --- the page overhead ---------------------------------------------------------------------------------


def _pages(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from familyhub.access import log
    from familyhub.access.helpers import households_visible_to, people_visible_to
    from familyhub.access.models import User
    from familyhub.core.testing import sign_in_verified

    rng = random.Random(args.seed)
    user = User.objects.get(username="practitioner")
    client = Client()
    sign_in_verified(client, user)
    need = args.requests + args.warmup
    sample = max(need * 20, 5000)
    people = list(people_visible_to(user).values_list("uuid", flat=True)[:sample])
    families = list(households_visible_to(user).values_list("uuid", flat=True)[:sample])
    out: dict[str, Any] = {}
    for kind, name, ids in (
        ("person_page", "people:person_detail", rng.sample(people, need)),
        ("family_page", "people:household_detail", rng.sample(families, need)),
    ):
        urls = [reverse(name, args=[i]) for i in ids]
        # Variants, each request made once in each, in random order: as the product runs; with
        # the ORM's three-statement append (PostgreSQL only); without the log write at all.
        variants = {"with_log": (True, True), "without_log": (False, True)}
        if connection.vendor == "postgresql":
            variants["with_log_orm_append"] = (True, False)

        def use(variant: str, variants: dict[str, tuple[bool, bool]] = variants) -> None:
            log._enabled, log._one_statement_append = variants[variant]

        for u in urls[: args.warmup]:
            for variant in variants:
                use(variant)
                client.get(u)
        times: dict[str, list[float]] = {v: [] for v in variants}
        statuses: dict[int, int] = {}
        for u in urls[args.warmup :]:
            order = list(variants)
            rng.shuffle(order)
            for variant in order:
                use(variant)
                start = time.perf_counter()
                response = client.get(u)
                times[variant].append(time.perf_counter() - start)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        queries = {}
        for variant in variants:
            use(variant)
            with CaptureQueriesContext(connection) as ctx:
                client.get(urls[-1])
            queries[variant] = len(ctx.captured_queries)
        use("with_log")
        summary = {v: harness.summarise(t) for v, t in times.items()}
        without = summary["without_log"]
        entry: dict[str, Any] = {**summary, "queries": queries, "statuses": statuses}
        for variant in variants:
            if variant != "without_log":
                entry[f"overhead_p50_{variant}"] = round(
                    summary[variant]["median_ms"] / without["median_ms"] - 1, 3
                )
                entry[f"overhead_p95_{variant}"] = round(
                    summary[variant]["p95_ms"] / without["p95_ms"] - 1, 3
                )
        out[kind] = entry
        print(
            f"{kind:12} "
            + "; ".join(
                f"{v} p50 {summary[v]['median_ms']:.2f} p95 {summary[v]['p95_ms']:.2f} ms"
                for v in variants
            )
            + f"; overhead p95 {entry['overhead_p95_with_log']:+.1%}; queries {queries}; {statuses}",
            flush=True,
        )
    return out


# --- verifying the chain --------------------------------------------------------------------------------


def _child(args: argparse.Namespace, mode: str) -> dict[str, Any]:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--db",
        args.db,
        "--name",
        args.name,
        "--child",
        mode,
    ]
    started = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=harness.ROOT, capture_output=True, text=True, env=os.environ.copy(), check=False
    )
    wall = time.perf_counter() - started
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode or not lines:
        raise SystemExit(f"{mode} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    result = json.loads(lines[-1][len("RESULT ") :])
    result["process_seconds"] = round(wall, 1)
    return result


def _verify_app() -> dict[str, Any]:
    """What `familyhub verify-access-log` runs, timed (the command's output is the same call)."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    start = time.perf_counter()
    call_command("verify_access_log", stdout=out)
    seconds = time.perf_counter() - start
    first = out.getvalue().splitlines()[0]  # "OK: N rows verified in S s (R rows/s)."
    rows = int(first.split()[1])
    return {
        "ok": first.startswith("OK:"),
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "output": first,
    }


def _verify_raw() -> dict[str, Any]:
    """The baseline: a raw cursor over both tables in id order and a hashlib loop, checking the same
    links, digests and row hashes as `access.log.verify`, without the ORM."""
    import hashlib

    from django.db import connection

    columns = ", ".join(ENTRY_COLUMNS)
    entries_sql = f"SELECT {columns} FROM access_accesslogentry ORDER BY id"
    subjects_sql = "SELECT entry_id, person_key FROM access_accesslogsubject ORDER BY entry_id, id"
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":
        raw.autocommit = False
        entries = raw.cursor(name="bench_entries")
        subjects = raw.cursor(name="bench_subjects")
        entries.itersize = subjects.itersize = 10_000
    else:
        entries, subjects = raw.cursor(), raw.cursor()
    entries.execute(entries_sql)
    subjects.execute(subjects_sql)
    sqlite = connection.vendor == "sqlite"

    def key_text(value: Any) -> str:
        return str(uuid.UUID(value)) if sqlite else str(value)

    def when(value: Any) -> str:
        if isinstance(value, str):  # SQLite: naive UTC text (or parsed by the driver, below)
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def subject_groups():
        current, keys = None, []
        for entry_id, key in subjects:
            if entry_id != current:
                if current is not None:
                    yield current, keys
                current, keys = entry_id, []
            keys.append(key_text(key))
        if current is not None:
            yield current, keys

    groups = subject_groups()
    pending = next(groups, None)
    expected = "0" * 64
    checked = 0
    start = time.perf_counter()
    broken = None
    for row in entries:
        (id_, at, user_id, username, roles, action, object_type, channel, path, ip) = row[:10]
        (user_agent, reason, detail, count, digest, prev_hash, row_hash) = row[10:]
        keys: list[str] = []
        if pending is not None and pending[0] == id_:
            keys = pending[1]
            pending = next(groups, None)
        joined = ",".join(sorted(keys))
        parts = [
            prev_hash,
            when(at),
            str(user_id or ""),
            username,
            roles,
            action,
            object_type,
            channel,
            path,
            ip or "",
            user_agent,
            reason,
            detail,
            str(count),
            digest,
        ]
        if (
            prev_hash != expected
            or hashlib.sha256(joined.encode()).hexdigest() != digest
            or len(keys) != count
            or hashlib.sha256("\x1f".join(parts).encode()).hexdigest() != row_hash
        ):
            broken = id_
            break
        expected = row_hash
        checked += 1
    seconds = time.perf_counter() - start
    return {
        "ok": broken is None,
        "first_broken": broken,
        "rows": checked,
        "seconds": round(seconds, 2),
        "rows_per_second": round(checked / seconds) if seconds else 0,
    }


if __name__ == "__main__":
    main()
