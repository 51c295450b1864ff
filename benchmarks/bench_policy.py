"""The policy decision point as a SQL filter, against hand-written SQL doing the same decision.

    .venv/bin/python benchmarks/bench_policy.py --db postgres --people 1000000 --consents 5000000
    .venv/bin/python benchmarks/bench_policy.py --db sqlite --people 1000000 --skip-load

Load (unless --skip-load): a fresh database (`fh_policy` by default), migrated (the purposes
register is seeded by the privacy migrations), the demo organisations and staff, --people people
from `familyhub.core.demo.load_families`, then privacy rows written in bulk (COPY on PostgreSQL,
executemany on SQLite, one transaction per chunk): --consents consent rows (each person answers
for service delivery and for four more of the register's consent purposes, so 5 a person at the
default sizes), a mix of given, refused, withdrawn, expired, given with an expiry date (past or
future) and a few recorded from a future date; restrictions for 1% of people (some lifted);
objections to 1% of (person, purpose) pairs, pending, upheld, overridden or ended; 0.3% of people
archived. Then VACUUM ANALYZE (PostgreSQL; autovacuum is off on the shared server) or ANALYZE.

Measured, for three purposes of different selectivity, each query --repeats times after --warmup
runs, app and raw interleaved (alternating which goes first), answers compared every time:

  count      `policy.permitted(Person.objects.all(), code).count()`
  ids        every permitted person's id fetched (`values_list("id").order_by()`: no sort)
  scope      `policy.permitted(access.people_visible_to(practitioner), code).count()`: the mailing
             list's shape, the lead organisation's practitioner's need-to-know scope

against hand-written SQL making the same decision: driven from the consent rows (the purpose's
given, current consents), joined to the person (not archived), with NOT EXISTS for a current
restriction and for a standing objection (and the scope's EXISTS for `scope`). Target (issue 5):
app within 1.5x of raw. EXPLAIN output of both sides is saved in the result file.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

TARGET_RATIO = 1.5
MEASURED_PURPOSES = ("service-delivery", "receiving-information", "photos-video")
CHUNK_PEOPLE = 100_000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--consents", type=int, default=5_000_000)
    parser.add_argument("--name", default="fh_policy")
    parser.add_argument("--skip-load", action="store_true", help="reuse the loaded database")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--seed", type=int, default=harness.SEED)
    parser.add_argument("--label", default=None, help="results file label (default: people)")
    args = parser.parse_args()
    load: dict[str, Any] = {}
    if not args.skip_load:
        harness.fresh_database(args.db, args.name)
        harness.configure(args.db, args.name)
        load = run_load(args)
    else:
        if not harness.database_exists(args.db, args.name):
            raise SystemExit(f"No {args.name} database: run without --skip-load first")
        harness.configure(args.db, args.name)
    result = measure(args)
    result["load"] = load
    label = args.label or str(args.people)
    path = harness.write_result(f"policy-{args.db}-{label}", result)
    print(f"-> {path}")
    for line in summary_lines(result):
        print(line)


# --- loading ------------------------------------------------------------------------------------


class Rows:
    """Rows for one model's table, in its column order (id left to the database); the columns
    not given per row get the field's default, adapted once for the database."""

    def __init__(self, model: Any, given: list[str], connection: Any, now: Any) -> None:
        fields = [f for f in model._meta.concrete_fields if f.attname != "id"]
        by_name = {f.attname: f for f in fields}
        missing = [g for g in given if g not in by_name]
        if missing:
            raise SystemExit(f"{model.__name__} has no {missing}")
        self.given = given
        rest = [f for f in fields if f.attname not in given]
        const = []
        for f in rest:
            auto = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            value = now if auto else f.get_default()
            const.append(f.get_db_prep_save(value, connection))
        self.const = tuple(const)
        self.columns = [by_name[g].column for g in given] + [f.column for f in rest]
        self.table = model._meta.db_table


def write(connection: Any, rows: Rows, data: list[tuple]) -> None:
    raw = connection.connection
    cols = ", ".join(f'"{c}"' for c in rows.columns)
    if connection.vendor == "postgresql":
        with raw.cursor() as cur, cur.copy(f'COPY "{rows.table}" ({cols}) FROM STDIN') as copy:
            for r in data:
                copy.write_row((*r, *rows.const))
    else:
        marks = ", ".join("?" * len(rows.columns))
        raw.executemany(
            f'INSERT INTO "{rows.table}" ({cols}) VALUES ({marks})',
            [(*r, *rows.const) for r in data],
        )


def run_load(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.utils import timezone

    from familyhub.core.demo import load_families
    from familyhub.core.demo.organisations import ensure_organisations, ensure_staff
    from familyhub.privacy.models import Consent, LawfulBasis, Objection, Purpose, Restriction

    out: dict[str, Any] = {}
    out["migrate_seconds"] = round(harness.migrate(), 1)
    ensure_staff(ensure_organisations(args.seed), args.seed)
    start = time.perf_counter()
    last = [0]

    def progress(stats: Any) -> None:
        if stats.people - last[0] >= 200_000:
            last[0] = stats.people
            print(f"  {stats.people:>10,} people", flush=True)

    stats = load_families(people=args.people, seed=args.seed, progress=progress)
    out["people"] = stats.people
    out["families_seconds"] = round(time.perf_counter() - start, 1)
    print(f"{stats.people:,} people in {out['families_seconds']} s", flush=True)

    consent_purposes = list(
        Purpose.objects.filter(active=True, lawful_basis=LawfulBasis.CONSENT).order_by("id")
    )
    if len(consent_purposes) < 5:
        raise SystemExit("the register needs at least 5 consent purposes (privacy migrations)")
    first = next(p for p in consent_purposes if p.code == "service-delivery")
    others = [p.pk for p in consent_purposes if p.pk != first.pk]
    every_purpose = list(Purpose.objects.order_by("id").values_list("id", flat=True))
    now = timezone.now()
    today = timezone.localdate()
    vendor = connection.vendor

    def as_uuid(rng: random.Random) -> str:
        u = uuid.UUID(int=rng.getrandbits(128), version=4)
        return u.hex if vendor == "sqlite" else str(u)

    def day(d: date) -> str:
        return d.isoformat()

    consent_rows = Rows(
        Consent,
        [
            "uuid",
            "person_id",
            "purpose_id",
            "state",
            "decided_on",
            "method",
            "expires_on",
            "withdrawn_on",
        ],
        connection,
        now,
    )
    restriction_rows = Rows(
        Restriction, ["uuid", "person_id", "started_on", "lifted_on", "reason"], connection, now
    )
    objection_rows = Rows(
        Objection,
        ["uuid", "person_id", "purpose_id", "received_on", "grounds", "decision", "ended_on"],
        connection,
        now,
    )
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM people_person ORDER BY id")
        ids = [r[0] for r in cur.fetchall()]
    per_person, extra = divmod(args.consents, len(ids))
    rng = random.Random(args.seed)
    counts = {"consents": 0, "restrictions": 0, "objections": 0}

    def consents_for(chunk: list[int]) -> Iterator[tuple]:
        for i, pid in enumerate(chunk):
            n = per_person + (1 if (counts["consents_people"] + i) < extra else 0)
            chosen = [first.pk, *rng.sample(others, min(n - 1, len(others)))] if n else []
            for purpose_id in chosen:
                decided = today - timedelta(days=rng.randint(0, 1100))
                r = rng.random()
                expires = withdrawn = None
                if r < 0.68:
                    state = "given"
                elif r < 0.72:
                    state = "given"  # with an expiry date, past or future
                    expires = today + timedelta(days=rng.randint(-300, 300))
                    if expires <= decided:
                        expires = decided + timedelta(days=1)
                elif r < 0.725:
                    state = "given"
                    decided = today + timedelta(days=rng.randint(1, 30))  # from a future date
                elif r < 0.86:
                    state = "refused"
                elif r < 0.96:
                    state = "withdrawn"
                    withdrawn = decided + timedelta(days=rng.randint(0, (today - decided).days))
                else:
                    state = "expired"
                    expires = decided + timedelta(days=365)
                yield (
                    as_uuid(rng),
                    pid,
                    purpose_id,
                    state,
                    day(decided),
                    "paper" if r < 0.6 else "verbal",
                    day(expires) if expires else None,
                    day(withdrawn) if withdrawn else None,
                )

    start = time.perf_counter()
    counts["consents_people"] = 0
    for at in range(0, len(ids), CHUNK_PEOPLE):
        chunk = ids[at : at + CHUNK_PEOPLE]
        consents = list(consents_for(chunk))
        restrictions = []
        objections = []
        for pid in chunk:
            if rng.random() < 0.01:
                started = today - timedelta(days=rng.randint(0, 400))
                lifted = None
                if rng.random() < 0.3:
                    lifted = started + timedelta(days=rng.randint(0, (today - started).days))
                restrictions.append(
                    (as_uuid(rng), pid, day(started), day(lifted) if lifted else None, "bench")
                )
            if rng.random() < 0.05:
                received = today - timedelta(days=rng.randint(0, 400))
                ended = received + timedelta(days=30) if rng.random() < 0.2 else None
                objections.append(
                    (
                        as_uuid(rng),
                        pid,
                        rng.choice(every_purpose),
                        day(received),
                        "bench",
                        rng.choice(["pending", "upheld", "overridden"]),
                        day(ended) if ended and ended <= today else None,
                    )
                )
        with transaction.atomic():
            write(connection, consent_rows, consents)
            write(connection, restriction_rows, restrictions)
            write(connection, objection_rows, objections)
        counts["consents"] += len(consents)
        counts["restrictions"] += len(restrictions)
        counts["objections"] += len(objections)
        counts["consents_people"] += len(chunk)
        print(
            f"  {counts['consents']:>10,} consents  "
            f"{counts['consents'] / (time.perf_counter() - start):>9,.0f}/s",
            flush=True,
        )
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE people_person SET archived_at = %s WHERE id %% 333 = 0",
            [now],
        )
        archived = cur.rowcount
    out["privacy_rows_seconds"] = round(time.perf_counter() - start, 1)
    out.update({k: v for k, v in counts.items() if k != "consents_people"})
    out["archived_people"] = archived
    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")
    out["analyze_seconds"] = round(time.perf_counter() - start, 1)
    print(f"load: {out}", flush=True)
    return out


# --- the hand-written SQL -----------------------------------------------------------------------

RAW_DECISION = """
    FROM privacy_consent c
    JOIN people_person p ON p.id = c.person_id
    WHERE c.purpose_id = %(purpose)s
      AND c.state = 'given'
      AND c.decided_on <= %(on)s
      AND (c.expires_on IS NULL OR c.expires_on > %(on)s)
      AND p.archived_at IS NULL
      AND NOT EXISTS (
        SELECT 1 FROM privacy_restriction r
        WHERE r.person_id = p.id AND r.started_on <= %(on)s
          AND (r.lifted_on IS NULL OR r.lifted_on > %(on)s))
      AND NOT EXISTS (
        SELECT 1 FROM privacy_objection o
        WHERE o.person_id = p.id AND o.purpose_id = %(purpose)s AND o.received_on <= %(on)s
          AND o.decision <> 'overridden' AND (o.ended_on IS NULL OR o.ended_on > %(on)s))
"""
RAW_SCOPE = """
      AND EXISTS (
        SELECT 1 FROM people_membership m
        JOIN people_caseallocation a ON a.household_id = m.household_id
        WHERE m.person_id = p.id AND a.ended_on IS NULL AND a.organisation_id IN ({orgs}))
"""


def raw_sql(kind: str, org_ids: list[int]) -> str:
    scope = (
        RAW_SCOPE.format(orgs=", ".join(str(int(i)) for i in org_ids)) if kind == "scope" else ""
    )
    head = "SELECT p.id" if kind == "ids" else "SELECT count(*)"
    return head + RAW_DECISION + scope


# --- measuring ----------------------------------------------------------------------------------


def permitted_with_in(people: Any, code: str, *, on: date) -> Any:
    """`policy.permitted` with one change, measured as a proposal: the consent rule as
    `id IN (SELECT person_id FROM privacy_consent ...)` instead of a correlated EXISTS. Same rules
    from the policy's own pieces, in the same order; SQLite then reads the purpose's consents from
    the `consent_policy` index instead of probing once per person (see docs/benchmarks.md)."""
    from django.db.models import Exists, OuterRef

    from familyhub.privacy import policy

    p = policy.purpose_of(code)
    if not p.active:
        return people.none()
    person = OuterRef("pk")
    qs = people.filter(archived_at__isnull=True)
    if not p.allowed_when_restricted:
        qs = qs.filter(~Exists(policy._active_restrictions(on).filter(person=person)))
    qs = qs.filter(~Exists(policy._standing_objections(p, on).filter(person=person)))
    if p.needs_consent:
        qs = qs.filter(pk__in=policy._valid_consents(p, on).values("person_id"))
    return qs


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from familyhub.access import helpers as access
    from familyhub.access.models import User
    from familyhub.access.roles import Capability
    from familyhub.people.models import Person
    from familyhub.privacy import policy
    from familyhub.privacy.models import Consent, Objection, Purpose, Restriction

    on = timezone.localdate()
    user = User.objects.get(username="practitioner")
    org_ids = user.organisation_ids_with(Capability.VIEW_PEOPLE)
    sizes = {
        "people": Person.objects.count(),
        "consents": Consent.objects.count(),
        "restrictions": Restriction.objects.count(),
        "objections": Objection.objects.count(),
        "people_in_scope": access.people_visible_to(user).count(),
    }
    print(f"sizes: {sizes}", flush=True)
    settings = {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for name in ("jit", "work_mem", "shared_buffers", "max_parallel_workers_per_gather"):
                cur.execute(f"SHOW {name}")
                settings[name] = cur.fetchone()[0]

    def app(kind: str, code: str, permitted: Callable[..., Any] | None = None) -> Callable[[], Any]:
        def decide(people: Any) -> Any:
            return (permitted or policy.permitted)(people, code, on=on)

        if kind == "count":
            return lambda: decide(Person.objects.all()).count()
        if kind == "ids":
            # In no particular order, like the raw query: order_by() drops the model's default
            # ordering (by name), which would add a sort of every row to the app side only.
            return lambda: len(
                list(decide(Person.objects.all()).values_list("id", flat=True).order_by())
            )
        return lambda: decide(access.people_visible_to(user)).count()

    def app_sql(code: str) -> Callable[[], Any]:
        """The SQL `policy.permitted` builds for the ids, run on the cursor and fetched at once:
        the decision's own cost, without the ORM's per-row work."""

        def run() -> Any:
            qs = (
                policy.permitted(Person.objects.all(), code, on=on)
                .values_list("id", flat=True)
                .order_by()
            )
            sql, params = qs.query.sql_with_params()
            with connection.cursor() as cur:
                cur.execute(sql, params)
                return len(cur.fetchall())

        return run

    def raw(kind: str, purpose_id: int) -> Callable[[], Any]:
        sql = raw_sql(kind, org_ids)
        params = {"purpose": purpose_id, "on": on.isoformat()}

        def run() -> Any:
            with connection.cursor() as cur:
                cur.execute(sql, params)
                rows = cur.fetchall()
            return len(rows) if kind == "ids" else rows[0][0]

        return run

    def explain(fn: Callable[[], Any]) -> str:
        with CaptureQueriesContext(connection) as ctx:
            fn()
        sql = ctx.captured_queries[-1]["sql"]
        prefix = (
            "EXPLAIN (ANALYZE, BUFFERS) "
            if connection.vendor == "postgresql"
            else "EXPLAIN QUERY PLAN "
        )
        with connection.cursor() as cur:
            cur.execute(prefix + sql)
            return "\n".join(" | ".join(str(c) for c in row) for row in cur.fetchall())

    def raw_explain(kind: str, purpose_id: int) -> str:
        sql = raw_sql(kind, org_ids)
        prefix = (
            "EXPLAIN (ANALYZE, BUFFERS) "
            if connection.vendor == "postgresql"
            else "EXPLAIN QUERY PLAN "
        )
        with connection.cursor() as cur:
            cur.execute(prefix + sql, {"purpose": purpose_id, "on": on.isoformat()})
            return "\n".join(" | ".join(str(c) for c in row) for row in cur.fetchall())

    results: dict[str, Any] = {}
    plans: dict[str, Any] = {}
    for code in MEASURED_PURPOSES:
        purpose_id = Purpose.objects.get(code=code).pk
        for kind in ("count", "ids", "scope"):
            key = f"{code}/{kind}"
            sides = {
                "app": app(kind, code),
                "raw": raw(kind, purpose_id),
                "app_in": app(kind, code, permitted_with_in),
            }
            if kind == "ids":
                sides["app_sql"] = app_sql(code)
            for _ in range(args.warmup):
                for fn in sides.values():
                    fn()
            times: dict[str, list[float]] = {side: [] for side in sides}
            answers = set()
            for n in range(args.repeats):
                order = list(sides.items())
                order = order[n % len(order) :] + order[: n % len(order)]  # rotate who goes first
                for side, fn in order:
                    t0 = time.perf_counter()
                    answer = fn()
                    times[side].append(time.perf_counter() - t0)
                    answers.add((side, answer))
            found = {v for _, v in answers}
            if len(found) != 1:
                raise SystemExit(f"{key}: the sides disagree: {sorted(answers)}")
            summary = {side: harness.summarise(t) for side, t in times.items()}
            raw_median, raw_p95 = summary["raw"]["median_ms"], summary["raw"]["p95_ms"]
            results[key] = {
                "answer": found.pop(),
                **summary,
                "ratio_median": round(summary["app"]["median_ms"] / raw_median, 3),
                "ratio_p95": round(summary["app"]["p95_ms"] / raw_p95, 3),
                "ratio_median_app_in": round(summary["app_in"]["median_ms"] / raw_median, 3),
            }
            if "app_sql" in summary:
                results[key]["ratio_median_app_sql"] = round(
                    summary["app_sql"]["median_ms"] / raw_median, 3
                )
            print(
                f"{key:<32} answer {results[key]['answer']:>9,}  "
                f"app {summary['app']['median_ms']:>9.1f} ms  "
                f"raw {raw_median:>9.1f} ms  ratio {results[key]['ratio_median']:.2f}  "
                f"(IN form {results[key]['ratio_median_app_in']:.2f}"
                + (
                    f", app SQL on the cursor {results[key]['ratio_median_app_sql']:.2f})"
                    if "ratio_median_app_sql" in results[key]
                    else ")"
                ),
                flush=True,
            )
            if kind != "ids":
                plans[key] = {
                    "app": explain(sides["app"]),
                    "raw": raw_explain(kind, purpose_id),
                    "app_in": explain(sides["app_in"]),
                }
    return {
        "scenario": "policy",
        "db": args.db,
        "database": harness.database_version(),
        "database_settings": settings,
        "sizes": sizes,
        "on": on.isoformat(),
        "repeats": args.repeats,
        "warmup": args.warmup,
        "target_ratio": TARGET_RATIO,
        "results": results,
        "plans": plans,
    }


def summary_lines(result: dict[str, Any]) -> list[str]:
    lines = [
        f"| query | people allowed | app median ms | raw median ms | ratio | within {TARGET_RATIO}x "
        "| IN form median ms | IN form ratio |",
        "|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for key, r in result["results"].items():
        ok = "yes" if r["ratio_median"] <= TARGET_RATIO else "**no**"
        lines.append(
            f"| {key} | {r['answer']:,} | {r['app']['median_ms']:.1f} | {r['raw']['median_ms']:.1f} "
            f"| {r['ratio_median']:.2f} | {ok} | {r['app_in']['median_ms']:.1f} "
            f"| {r['ratio_median_app_in']:.2f} |"
        )
    return lines


if __name__ == "__main__":
    main()
