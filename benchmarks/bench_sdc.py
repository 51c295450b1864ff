"""Disclosure control with secondary suppression, and the LP audit, on a 10,000-cell table.

    .venv/bin/python benchmarks/bench_sdc.py                     # 125 x 80, every rule set
    .venv/bin/python benchmarks/bench_sdc.py --rows 100 --cols 100 --rule threshold-10
    .venv/bin/python benchmarks/bench_sdc.py --linked            # also linked tables + last month

No database: `familyhub.sharing.sdc` is a pure-Python library. Synthetic counts: a ward effect
times a column effect (both log-normal), Poisson, so the table has a realistic mix of zeros,
small counts and large ones; the share of small counts is in the results. Target (issue 8):
seconds, not minutes.

Measured per rule set, in the same run:

  protect      `sdc.protect(cube, [table], rule)`: primary suppression, the line heuristic, the
               LP audit in pass-or-fail mode until it passes, then the recorded audit (every
               withheld cell's exact min and max); each phase timed, LPs counted
  primary      baseline 1: the rule's own suppression only, audited (pass-or-fail): how many '*'
               could be narrowed down without secondary suppression
  plain LP     baseline 2: the plain audit (two LPs per withheld cell over the whole table, no
               propagation, components or harvesting), timed on --sample cells of the protected
               table and scaled to all of them (it would take hours in full)
  recorded     the fast audit in exact mode over the same protected table (all withheld cells),
               and the two audits' intervals compared on the sampled cells

--linked adds a release of two linked tables (ward x ethnicity and ward x service, sharing the
ward margin) over two months, audited against last month's output of the first table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

RULES = ("round-5-suppress-1-7", "threshold-10", "ons-10-5")
TARGET_SECONDS = 60.0  # "seconds, not minutes"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=125)
    parser.add_argument("--cols", type=int, default=80)
    parser.add_argument("--mean", type=float, default=22.0, help="mean count per inner cell")
    parser.add_argument(
        "--spread", type=float, default=0.6, help="sigma of the log-normal row and column effects"
    )
    parser.add_argument("--rule", choices=RULES, action="append", help="repeatable; default all")
    parser.add_argument("--sample", type=int, default=10, help="cells for the plain-LP baseline")
    parser.add_argument("--linked", action="store_true", help="also the linked-tables release")
    parser.add_argument("--seed", type=int, default=harness.SEED)
    parser.add_argument("--label", default=None, help="results file label (default: cells)")
    args = parser.parse_args()
    from familyhub.sharing import sdc

    cube, table = single_table(args.rows, args.cols, args.mean, args.spread, args.seed)
    inner = np.array(list(cube.counts.values()))
    result: dict[str, Any] = {
        "table": {
            "rows": args.rows,
            "cols": args.cols,
            "inner_cells": args.rows * args.cols,
            "published_cells": len(table.cells),
            "zero_share": round(1 - inner.size / (args.rows * args.cols), 3),
            "share_1_to_7": round(
                float(((inner >= 1) & (inner <= 7)).sum()) / (args.rows * args.cols), 3
            ),
            "share_1_to_9": round(
                float(((inner >= 1) & (inner <= 9)).sum()) / (args.rows * args.cols), 3
            ),
            "mean_count": args.mean,
            "spread": args.spread,
        },
        "rules": {},
    }
    for name in args.rule or RULES:
        rule = sdc.get_rule_set(name)
        print(f"{name}: protect ...", flush=True)
        result["rules"][name] = measure(sdc, cube, table, rule, args.sample)
        print(summary_lines({**result, "rules": {name: result["rules"][name]}})[-1], flush=True)
    if args.linked:
        print("linked tables with last month ...", flush=True)
        result["linked"] = measure_linked(sdc, args.seed)
    label = args.label or str(args.rows * args.cols)
    path = harness.write_result(f"sdc-{label}", result)
    print(f"-> {path}")
    for line in summary_lines(result):
        print(line)


def single_table(rows: int, cols: int, mean: float, spread: float, seed: int):  # type: ignore[no-untyped-def]
    from familyhub.sharing import sdc

    rng = np.random.default_rng(seed)
    row_effect = rng.lognormal(0.0, spread, rows)
    col_effect = rng.lognormal(0.0, spread, cols)
    means = np.outer(row_effect, col_effect)
    means *= mean / means.mean()
    counts = rng.poisson(means)
    wards = [f"ward {i:03d}" for i in range(rows)]
    groups = [f"group {j:03d}" for j in range(cols)]
    cube = sdc.Cube.build(
        {"ward": wards, "group": groups},
        {(wards[i], groups[j]): int(counts[i, j]) for i in range(rows) for j in range(cols)},
    )
    return cube, sdc.cross_table(cube, "big", rows="ward", columns="group")


def measure(sdc, cube, table, rule, sample: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from familyhub.sharing.sdc.audit import audit_system, full_audit
    from familyhub.sharing.sdc.verify import system_for

    seconds, output = harness.timed(lambda: sdc.protect(cube, [table], rule))
    stats = dict(output.audit.stats)
    withheld = len(output.audit.cells)
    base_seconds, baseline = harness.timed(lambda: sdc.audit_primary_only(cube, [table], rule))
    primary = [c for c in baseline.cells if c.kind.value == "primary"]
    # The same protected table, audited three ways from its published symbols alone.
    system, targets, _, kinds, _ = system_for(output, cube)
    required = np.asarray(
        [rule.required_width if kinds[t].value == "primary" else 0 for t in targets], float
    )
    start = time.perf_counter()
    fast = audit_system(system, targets, required, exact=True)
    fast_seconds = time.perf_counter() - start
    rng = np.random.default_rng(1)
    picked = sorted(rng.choice(len(targets), size=min(sample, len(targets)), replace=False))
    lows, highs, plain_stats = full_audit(system, [targets[i] for i in picked])
    agree = all(
        lows[k] == fast.inner_lo[i] and highs[k] == fast.inner_hi[i] for k, i in enumerate(picked)
    )
    per_cell = plain_stats.seconds / max(1, len(picked))
    return {
        "protect_seconds": round(seconds, 3),
        "passed": output.audit.passed,
        "exact": output.audit.exact,
        "primary": stats["primary"],
        "secondary": stats["secondary"],
        "audit_rounds": stats["audit_rounds"],
        "lp_solves": stats["lp_solves"],
        "small_lp_solves": stats["small_lp_solves"],
        "cells_not_exact": stats["cells_not_exact"],
        "phases": {k: v for k, v in stats.items() if k.startswith("seconds_")},
        "primary_only": {
            "seconds": round(base_seconds, 3),
            "stars": len(primary),
            "stars_failing": sum(1 for c in primary if not c.passed),
        },
        "fast_exact_audit": {
            "seconds": round(fast_seconds, 3),
            "cells": len(targets),
            "lp_solves": fast.stats.lp_solves,
            "small_lp_solves": fast.stats.near_solves + fast.stats.relaxed_solves,
            "cells_not_exact": int((~fast.exact()).sum()),
        },
        "plain_lp_audit": {
            "sampled_cells": len(picked),
            "seconds": round(plain_stats.seconds, 3),
            "seconds_per_cell": round(per_cell, 3),
            "estimated_seconds_all_cells": round(per_cell * withheld, 1),
            "intervals_agree_with_fast": agree,
        },
    }


def measure_linked(sdc, seed: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed + 1)
    wards = [f"ward {i:02d}" for i in range(40)]
    groups = [f"group {j:02d}" for j in range(18)]
    services = [f"service {s:02d}" for s in range(12)]
    months = ["2026-10", "2026-11"]
    w = rng.lognormal(0, 0.7, len(wards))
    g = rng.lognormal(0, 0.9, len(groups))
    s = rng.lognormal(0, 0.6, len(services))
    means = np.einsum("i,j,k->ijk", w, g, s)
    means *= 1.6 / means.mean()
    counts = {}
    for m in months:
        drawn = rng.poisson(means)
        for (i, j, k), v in np.ndenumerate(drawn):
            if v:
                counts[(wards[i], groups[j], services[k], m)] = int(v)
    cube = sdc.Cube.build(
        {"ward": wards, "ethnicity": groups, "service": services, "month": months}, counts
    )
    rule = sdc.DEFAULT_RULE_SET
    october = sdc.cross_table(
        cube, "by-ethnicity", rows="ward", columns="ethnicity", where={"month": months[0]}
    )
    last = sdc.protect(cube, [october], rule)
    tables = [
        sdc.cross_table(cube, "by-ethnicity", rows="ward", columns="ethnicity"),
        sdc.cross_table(cube, "by-service", rows="ward", columns="service"),
    ]
    seconds, output = harness.timed(lambda: sdc.protect(cube, tables, rule, previous=[last]))
    alone = sdc.audit_primary_only(cube, tables, rule, previous=[last])
    stats = dict(output.audit.stats)
    return {
        "rule": rule.name,
        "published_cells": stats["published_cells"],
        "distinct_cells": stats["distinct_cells"],
        "atoms": stats["atoms"],
        "protect_seconds": round(seconds, 3),
        "passed": output.audit.passed,
        "primary": stats["primary"],
        "secondary": stats["secondary"],
        "primary_only_stars_failing": len(alone.failures),
        "phases": {k: v for k, v in stats.items() if k.startswith("seconds_")},
    }


def summary_lines(result: dict[str, Any]) -> list[str]:
    t = result["table"]
    lines = [
        f"{t['rows']} x {t['cols']} = {t['inner_cells']:,} inner cells, "
        f"{t['published_cells']:,} published with margins; {t['zero_share']:.0%} zeros, "
        f"{t['share_1_to_7']:.0%} from 1 to 7, {t['share_1_to_9']:.0%} from 1 to 9.",
        "",
        "| rule set | '*' | '[c]' added | protect s | of which audit s | LPs (small) | "
        f"< {TARGET_SECONDS:.0f} s | primary only: '*' failing | plain LP audit, s/cell | "
        "plain LP, all cells (est.) s | fast exact audit s |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for name, r in result["rules"].items():
        ok = "yes" if r["protect_seconds"] < TARGET_SECONDS else "**no**"
        p = r["plain_lp_audit"]
        lines.append(
            f"| {name} | {r['primary']:,} | {r['secondary']:,} | {r['protect_seconds']:.1f} | "
            f"{r['phases']['seconds_audit']:.1f} | "
            f"{r['lp_solves']} ({r['small_lp_solves']}) | {ok} | "
            f"{r['primary_only']['stars_failing']:,} of {r['primary_only']['stars']:,} | "
            f"{p['seconds_per_cell']:.2f} | {p['estimated_seconds_all_cells']:,.0f} | "
            f"{r['fast_exact_audit']['seconds']:.1f} |"
        )
    if "linked" in result:
        k = result["linked"]
        lines += [
            "",
            f"Linked: {k['published_cells']:,} cells in two tables ({k['atoms']:,} atoms), with "
            f"last month: protect {k['protect_seconds']:.1f} s, {k['primary']} '*', "
            f"{k['secondary']} '[c]' added; without secondary suppression "
            f"{k['primary_only_stars_failing']} '*' could be narrowed down.",
        ]
    return lines


if __name__ == "__main__":
    main()
