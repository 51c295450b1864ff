"""A de-personalised extract of a million people, against the same SELECT in raw SQL and the
k-anonymity measure as a DuckDB GROUP BY, same run (issue 8, R-SHARE-3; ADR 0019).

    nice -n 10 .venv/bin/python benchmarks/bench_extracts.py --db postgres --people 1000000
    nice -n 10 .venv/bin/python benchmarks/bench_extracts.py --db postgres --skip-load

Load (unless --skip-load): a fresh database `fh_extracts` (--name), migrated, the demo
organisations and staff, and --people people from `familyhub.core.demo.load_families`.

Measured, --repeats times each, interleaved:

  app        `sharing.services.extracts.build_depersonalised(...)`, population "everyone", for a
             data officer holding the role in every organisation (so every allocated family,
             ~1M people) under an agreement with no consent purpose and items pseudonym, month
             and year of birth, sex, ethnic group, ward (k >= 5): the people query, ward lookup,
             pseudonyms, the k/l measure with the generalisation ladder (and suppression), and
             the CSV bytes. No Output row, no disclosure rows (those are the release's).
  raw_sql    the same people and ward rows by one hand-written SELECT (no pseudonyms, no CSV)
  raw_k      the raw rows, then k-anonymity (smallest group over the quasi-identifiers) as a
             DuckDB GROUP BY over an Arrow table of the same values
  app_k      the app's own k/l measure (`sharing.risk.measure`) over the same rows

Ratios are from the same run. Results: benchmarks/out/extracts-<db>-<label>.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="postgres")
    parser.add_argument("--name", default="fh_extracts")
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument("--label", default="run")
    args = parser.parse_args()
    result: dict[str, Any] = {"machine": harness.machine(), "args": vars(args)}
    if not args.skip_load:
        harness.fresh_database(args.db, args.name)
        harness.configure(args.db, args.name)
        result["migrate_s"] = harness.migrate()
        result["load"] = load(args)
        print("loaded", result["load"], flush=True)
    else:
        if not harness.database_exists(args.db, args.name):
            raise SystemExit(f"no database {args.name}: run without --skip-load first")
        harness.configure(args.db, args.name)
    if args.load_only:
        return
    result["measure"] = measure(args)
    path = harness.write_result(f"extracts-{args.db}-{args.label}", result)
    print(path)


def load(args: argparse.Namespace) -> dict[str, Any]:
    from familyhub.core.demo import load_families
    from familyhub.core.demo.organisations import ensure_organisations, ensure_staff

    start = time.perf_counter()
    ensure_staff(ensure_organisations(harness.SEED), harness.SEED)
    stats = load_families(people=args.people, seed=harness.SEED)
    return {"seconds": round(time.perf_counter() - start, 1), "people": stats.people}


RAW_SQL = """
SELECT p.uuid, p.date_of_birth, p.sex, e.label, e.high_level_group, w.name, a.name
FROM people_person p
LEFT JOIN places_ethnicitycategory e ON e.id = p.ethnicity_id
LEFT JOIN people_membership m ON m.person_id = p.id AND m.left_on IS NULL AND m.lives_here
LEFT JOIN people_address ad ON ad.household_id = m.household_id AND ad.valid_to IS NULL
LEFT JOIN places_ward w ON w.id = ad.ward_id
LEFT JOIN places_area a ON a.id = w.area_id
WHERE p.archived_at IS NULL AND NOT p.is_unborn
  AND EXISTS (SELECT 1 FROM people_caseallocation c
              WHERE c.household_id = m.household_id AND c.organisation_id = ANY(%s)
                AND c.ended_on IS NULL)
"""


def measure(args: argparse.Namespace) -> dict[str, Any]:
    import duckdb
    import pyarrow as pa
    from django.db import connection

    # A data officer holding the role in every organisation, so that the extract covers every
    # family allocated anywhere (~1M people), as a lead organisation serving the whole city would.
    from familyhub.access.models import Membership as StaffMembership
    from familyhub.access.models import User
    from familyhub.places.models import Organisation
    from familyhub.sharing import risk
    from familyhub.sharing.models import Level
    from familyhub.sharing.services import extracts
    from familyhub.sharing.testing import make_agreement

    dpo = User.objects.create(username=f"bench-dpo-{time.time_ns()}")
    orgs = list(Organisation.objects.values_list("pk", flat=True))
    StaffMembership.objects.bulk_create(
        [StaffMembership(user=dpo, organisation_id=o, role="dpo") for o in orgs]
    )
    items = [
        "pseudonym",
        "birth_month_year",
        "sex_field",
        "ethnicity_group_field",
        "ward_field",
    ]
    agreement = make_agreement(
        level=Level.DEPERSONALISED, items=items, reference=f"DSA-BENCH-{time.time_ns()}"
    )
    today = date.today()
    samples: dict[str, list[float]] = {"app": [], "raw_sql": [], "raw_k": [], "app_k": []}
    figures: dict[str, Any] = {}
    for i in range(args.repeats):
        order = ["app", "raw"] if i % 2 == 0 else ["raw", "app"]
        for side in order:
            if side == "app":
                t = time.perf_counter()
                built = extracts.build_depersonalised(
                    actor=dpo, agreement=agreement, items=items, on=today, population="everyone"
                )
                samples["app"].append(time.perf_counter() - t)
                print(f"app {samples['app'][-1]:.2f}s", flush=True)
                figures = dict(built.protection)
                figures["rows"] = built.people_count
                figures["csv_bytes"] = len(built.content)
            else:
                t = time.perf_counter()
                with connection.cursor() as cur:
                    cur.execute(RAW_SQL, [orgs])
                    rows = cur.fetchall()
                samples["raw_sql"].append(time.perf_counter() - t)
                t = time.perf_counter()
                qi_table = pa.table(
                    {
                        "dob": [r[1].strftime("%Y-%m") if r[1] else "" for r in rows],
                        "sex": [r[2] for r in rows],
                        "eth": [r[3] or "" for r in rows],
                        "ward": [r[5] or "" for r in rows],
                    }
                )
                k = duckdb.sql(
                    "SELECT min(n) FROM (SELECT count(*) n FROM qi_table GROUP BY dob, sex, eth, ward)"
                ).fetchall()[0]
                del qi_table
                samples["raw_k"].append(time.perf_counter() - t)
                figures["raw_rows"] = len(rows)
                figures["raw_k_level0"] = k[0] if k else None
                t = time.perf_counter()
                qi_rows = [
                    (r[1].strftime("%Y-%m") if r[1] else "", r[2], r[3] or "", r[5] or "")
                    for r in rows
                ]
                m = risk.measure(qi_rows, qi=[0, 1, 2, 3], sensitive=None, k_min=1, l_min=1)
                samples["app_k"].append(time.perf_counter() - t)
                print(
                    f"raw_sql {samples['raw_sql'][-1]:.2f}s duckdb_k {samples['raw_k'][-1]:.2f}s "
                    f"app_k {samples['app_k'][-1]:.2f}s",
                    flush=True,
                )
                figures["app_k_level0"] = m.k
    agreement.delete()
    dpo.delete()
    med = {k: round(statistics.median(v), 3) for k, v in samples.items() if v}
    return {
        "samples_s": samples,
        "median_s": med,
        "ratio_app_vs_raw_sql_plus_duckdb_k": round(
            med["app"] / (med["raw_sql"] + med["raw_k"]), 2
        ),
        "ratio_app_k_vs_duckdb_k": round(med["app_k"] / med["raw_k"], 2),
        "figures": figures,
    }


if __name__ == "__main__":
    main()
