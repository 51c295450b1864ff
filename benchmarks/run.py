"""Run the benchmark scenarios for one database (or both) and write a Markdown summary.

    .venv/bin/python benchmarks/run.py --db postgres --people 1000000
    .venv/bin/python benchmarks/run.py --db sqlite --people 1000000 --skip-load   # reuse fh_bench

Steps, each its own process: load (bench_load.py: the demo loader into `fh_bench`), raw load of
the same rows into `fh_bench_raw` (dropped afterwards unless --keep-raw), search (bench_search.py)
and pages (bench_pages.py) against `fh_bench`. JSON results and summary-<db>-<people>.md go to
benchmarks/out/.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

TARGET_PEOPLE_PER_SECOND = 10_000
TARGET_SEARCH_RATIO = 2.0
TARGET_SEARCH_P95_MS_POSTGRES = 100.0
TARGET_FAMILY_PAGE_P95_MS = 150.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], required=True)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument(
        "--skip-load", action="store_true", help="reuse the loaded fh_bench database"
    )
    parser.add_argument("--skip-raw", action="store_true", help="no raw-insert baseline")
    parser.add_argument("--keep-raw", action="store_true", help="keep fh_bench_raw afterwards")
    parser.add_argument("--queries", type=int, default=250)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--only",
        choices=["load", "search", "pages"],
        action="append",
        help="run only these steps (repeatable)",
    )
    parser.add_argument(
        "--name",
        default="fh_bench",
        help="database name (the raw baseline uses <name>_raw); default fh_bench",
    )
    args = parser.parse_args()
    for db in ["postgres", "sqlite"] if args.db == "both" else [args.db]:
        run(db, args)


def run(db: str, args: argparse.Namespace) -> None:
    steps = set(args.only or ["load", "search", "pages"])
    label = str(args.people)
    name, raw_name = args.name, f"{args.name}_raw"
    failed = []
    if "load" in steps and not args.skip_load:
        if harness.run_script("bench_load.py", "--db", db, "--people", label, "--name", name):
            failed.append("load")
        if not args.skip_raw:
            if harness.run_script(
                "bench_load.py",
                "--db",
                db,
                "--people",
                label,
                "--target",
                "raw",
                "--name",
                raw_name,
            ):
                failed.append("raw load")
            if not args.keep_raw:
                harness.fresh_database(db, raw_name)  # drop it: frees disk and page cache
    if not harness.database_exists(db, name):
        raise SystemExit(f"No {name} database: run without --skip-load first")
    if "search" in steps and harness.run_script(
        "bench_search.py",
        "--db",
        db,
        "--queries",
        str(args.queries),
        "--label",
        label,
        "--name",
        name,
    ):
        failed.append("search")
    if "pages" in steps and harness.run_script(
        "bench_pages.py",
        "--db",
        db,
        "--requests",
        str(args.requests),
        "--label",
        label,
        "--name",
        name,
    ):
        failed.append("pages")
    path = write_summary(db, label)
    print(f"Summary: {path}" + (f" (failed: {', '.join(failed)})" if failed else ""))


def _load(name: str) -> dict | None:
    path = harness.OUT / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def write_summary(db: str, label: str) -> Path:
    lines = [f"# Benchmarks: {db}, {int(label):,} people", ""]
    demo, raw = _load(f"load-demo-{db}-{label}"), _load(f"load-raw-{db}-{label}")
    search, pages = _load(f"search-{db}-{label}"), _load(f"pages-{db}-{label}")
    any_result = next((r for r in (demo, search, pages) if r), None)
    if any_result:
        m = any_result["machine"]
        lines += [
            f"Machine: {m.get('cpus')} CPUs ({m.get('cpu_model', '?')}), {m.get('memory_gb', '?')} GB, "
            f"Python {m.get('python')}; {any_result.get('database', db)}. "
            f"Measured {any_result['measured_at']}; load average at the time {m.get('load_average')}.",
            "",
        ]
    if demo:
        lines += [
            "## Demo data generation",
            "",
            "| | people | seconds | people/s | target > 10,000/s |",
            "|---|---:|---:|---:|---|",
            f"| demo_data loader ({', '.join(demo.get('shortcuts') or ['no shortcuts'])}) | "
            f"{demo['people']:,} | {demo['seconds']:.1f} | {demo['people_per_second']:,.0f} | "
            f"{_yes(demo['people_per_second'] > TARGET_PEOPLE_PER_SECOND)} |",
        ]
        if raw:
            lines.append(
                f"| raw baseline ({raw['method']}, inserts only) | {raw['people']:,} | "
                f"{raw['insert_seconds']:.1f} | {raw['people_per_second']:,.0f} | |"
            )
            lines += [
                "",
                f"Ratio (loader people/s / raw people/s): "
                f"**{demo['people_per_second'] / raw['people_per_second']:.2f}**",
            ]
        lines.append("")
    if search:
        lines += [
            "## Search (as the lead organisation's practitioner)",
            "",
            f"{search['people']:,} people, {search['people_in_scope']:,} in scope.",
            "",
            "| kind | app p50 ms | app p95 ms | raw p50 ms | raw p95 ms | p95 ratio | "
            "p95 < 2x raw | p95 < 100 ms | target found | SQL queries |",
            "|---|---:|---:|---:|---:|---:|---|---|---:|---:|",
        ]
        for kind, e in search["kinds"].items():
            for b in [k for k in ("raw", "raw_phonetic") if k in e]:
                name = kind if b == "raw" else f"{kind} (vs phonetic-only SQL)"
                under = e["app"]["p95_ms"] < TARGET_SEARCH_P95_MS_POSTGRES
                lines.append(
                    f"| {name} | {e['app']['median_ms']:.1f} | {e['app']['p95_ms']:.1f} | "
                    f"{e[b]['median_ms']:.1f} | {e[b]['p95_ms']:.1f} | {e[f'ratio_p95_{b}']:.2f} | "
                    f"{_yes(e[f'ratio_p95_{b}'] <= TARGET_SEARCH_RATIO)} | "
                    f"{_yes(under) if db == 'postgres' else ('yes' if under else 'no') + ' (PG target)'} | "
                    f"{e['app']['found_target']:.0%} | {e['app_sql_queries']} |"
                )
        lines.append("")
    if pages:
        lines += [
            "## Pages (whole request, test client)",
            "",
            "| page | p50 ms | p95 ms | queries | statuses | target |",
            "|---|---:|---:|---|---|---|",
        ]
        for kind, e in pages["pages"].items():
            target = (
                (_yes(e["p95_ms"] < TARGET_FAMILY_PAGE_P95_MS) + " (< 150 ms)")
                if kind == "family_page"
                else ""
            )
            lines.append(
                f"| {kind} | {e['median_ms']:.1f} | {e['p95_ms']:.1f} | {e['queries']} | "
                f"{e['statuses']} | {target} |"
            )
            if "baseline_household_for" in e:
                b = e["baseline_household_for"]
                lines.append(
                    f"| family_page baseline: household_for only | {b['median_ms']:.1f} | "
                    f"{b['p95_ms']:.1f} | | | ratio {e['ratio_p95_to_household_for']:.2f} |"
                )
        lines.append("")
    path = harness.OUT / f"summary-{db}-{label}.md"
    harness.OUT.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


if __name__ == "__main__":
    main()
