"""Search: the application's one-box search against raw SQL doing the same work, same run.

    .venv/bin/python benchmarks/bench_search.py --db postgres [--queries 250]

Needs a database loaded by bench_load.py (`fh_bench`). Searches run as the lead organisation's
practitioner (`practitioner`, made by the demo set-up), so both sides filter to that user's scope:
people in households with an open allocation to the lead organisation.

Kinds (query text built from real in-scope people, chosen with a seeded RNG):
  name      given name + surname with one typo (a letter swapped, replaced or dropped)
  dob       the date of birth typed dd/mm/yyyy (the app also tries the day/month swap)
  postcode  the household's current postcode
  nhs       the NHS number typed 999 123 4567

App: `familyhub.people.search.run(access.helpers.people_visible_to(user), text)` - parse, candidate
query, ranking, and the result page's rows with households and current addresses.
Raw: hand-written SQL through the same connection: the same predicates and scope EXISTS, and the
same display rows (person, household, current address, ward) in one joined query. For names two
raw baselines: `raw` = phonetic keys OR look-alike names in one query (the app's candidate
generators, which the app runs one after the other: on PostgreSQL `%` at the app's similarity
threshold, on SQLite the ids of the app's usual FTS5 query first) then details for the first 50;
`raw_phonetic` = phonetic keys only, as the issue describes. Postcode: raw SQL driven from the
postcode index (addresses -> memberships -> people), the plan a hand-writer would choose. Neither
side writes the access log (the view does that; the pages benchmark measures it).
Each kind: warm-up queries first, then app and raw interleaved (alternating which goes first).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def typo(word: str, rng: random.Random) -> str:
    """One keyboard-style slip after the first letter: swap, replace or drop."""
    if len(word) < 4:
        return word + rng.choice("aeiou")
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "replace", "drop"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    options = [ch for ch in LETTERS if ch != word[i].lower()]
    return word[:i] + rng.choice(options) + word[i + 1 :]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument(
        "--queries", type=int, default=250, help="measured queries per kind (>= 200)"
    )
    parser.add_argument("--warmup", type=int, default=25)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--name", default="fh_bench")
    parser.add_argument("--label", default=None, help="results file label (default: people count)")
    args = parser.parse_args()
    harness.configure(args.db, args.name)
    run(args)


def run(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from familyhub.access import log
    from familyhub.access.helpers import people_visible_to
    from familyhub.access.models import User
    from familyhub.access.roles import Capability
    from familyhub.people import search
    from familyhub.people.models import Person

    rng = random.Random(args.seed)
    user = User.objects.get(username="practitioner")
    org_ids = user.organisation_ids_with(Capability.VIEW_PEOPLE)
    total_people = Person.objects.count()
    scoped_ids = list(people_visible_to(user).values_list("id", flat=True))
    print(f"{total_people:,} people, {len(scoped_ids):,} in the practitioner's scope", flush=True)
    need = args.queries + args.warmup
    raw = RawSearch(connection, org_ids)

    samples: dict[str, list[dict]] = {}
    pool = rng.sample(scoped_ids, min(len(scoped_ids), need * 6))
    people = {
        p["id"]: p
        for p in Person.objects.filter(id__in=pool).values(
            "id", "given_name", "family_name", "date_of_birth", "nhs_number", "is_unborn"
        )
    }
    current = raw.current_postcodes(pool)
    named = [
        people[i]
        for i in pool
        if i in people and people[i]["given_name"] and not people[i]["is_unborn"]
    ]
    samples["name"] = [
        {"target": p["id"], "text": f"{p['given_name']} {typo(p['family_name'], rng)}"}
        for p in named[:need]
    ]
    samples["dob"] = [
        {"target": p["id"], "text": p["date_of_birth"].strftime("%d/%m/%Y")}
        for p in named[need : 2 * need]
        if p["date_of_birth"]
    ]
    samples["postcode"] = [
        {"target": i, "text": current[i]} for i in pool[2 * need :] if i in current
    ][:need]
    samples["nhs"] = [
        {
            "target": p["id"],
            "text": f"{p['nhs_number'][:3]} {p['nhs_number'][3:6]} {p['nhs_number'][6:]}",
        }
        for p in (people[i] for i in pool)
        if p["nhs_number"]
    ][-need:]

    log.set_enabled(False)  # search logging is the view's job; measured by the pages benchmark
    results: dict[str, dict] = {}
    for kind, items in samples.items():
        warm, measured = items[: args.warmup], items[args.warmup :]
        baselines = ["raw", "raw_phonetic"] if kind == "name" else ["raw"]
        for item in warm:
            search.run(people_visible_to(user), item["text"])
            for b in baselines:
                raw.run(kind, item["text"], phonetic_only=b == "raw_phonetic")
        times: dict[str, list[float]] = {"app": [], **{b: [] for b in baselines}}
        found = {"app": 0, **{b: 0 for b in baselines}}
        counts = {"app": [], **{b: [] for b in baselines}}
        for n, item in enumerate(measured):
            order = ["app", *baselines] if n % 2 == 0 else [*baselines, "app"]
            for who in order:
                start = time.perf_counter()
                if who == "app":
                    res = search.run(people_visible_to(user), item["text"])
                    ids = [p.pk for p in res.people]
                else:
                    ids = raw.run(kind, item["text"], phonetic_only=who == "raw_phonetic")
                times[who].append(time.perf_counter() - start)
                found[who] += item["target"] in ids
                counts[who].append(len(ids))
        with CaptureQueriesContext(connection) as ctx:
            search.run(people_visible_to(user), measured[0]["text"])
        app_queries = [q["sql"] for q in ctx.captured_queries]
        entry: dict = {
            "queries_measured": len(measured),
            "example": measured[0]["text"],
            "app_sql_queries": len(app_queries),
        }
        for who in times:
            entry[who] = {
                **harness.summarise(times[who]),
                "found_target": round(found[who] / len(measured), 3),
                "mean_results": round(sum(counts[who]) / len(measured), 1),
            }
        for b in baselines:
            entry[f"ratio_p95_{b}"] = round(entry["app"]["p95_ms"] / entry[b]["p95_ms"], 2)
            entry[f"ratio_median_{b}"] = round(entry["app"]["median_ms"] / entry[b]["median_ms"], 2)
        entry["explain"] = explain(connection, app_queries)
        results[kind] = entry
        print(
            f"{kind:9} app p50 {entry['app']['median_ms']:8.2f} p95 {entry['app']['p95_ms']:8.2f} ms | "
            f"raw p50 {entry['raw']['median_ms']:8.2f} p95 {entry['raw']['p95_ms']:8.2f} ms | "
            f"ratio p95 {entry['ratio_p95_raw']:.2f} | found {entry['app']['found_target']:.0%}",
            flush=True,
        )
    log.set_enabled(True)
    label = args.label or str(total_people)
    out = harness.write_result(
        f"search-{args.db}-{label}",
        {
            "scenario": "search",
            "db": args.db,
            "database": harness.database_version(),
            "people": total_people,
            "people_in_scope": len(scoped_ids),
            "user": "practitioner",
            "kinds": results,
        },
    )
    print(f"-> {out}")


def explain(connection, queries: list[str]) -> list[dict]:
    """The plan of every SELECT the app ran for one search (PostgreSQL: with timings)."""
    plans = []
    with connection.cursor() as cur:
        for sql in queries:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            try:
                if connection.vendor == "postgresql":
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                else:
                    cur.execute("EXPLAIN QUERY PLAN " + sql)
                rows = cur.fetchall()
            except Exception as e:
                plans.append({"sql": sql[:4000], "error": str(e)})
                continue
            text = (
                [r[0] for r in rows]
                if connection.vendor == "postgresql"
                else [f"{r[0]}|{r[1]}| {r[-1]}" for r in rows]
            )
            plans.append({"sql": sql[:4000], "plan": text})
    return plans


class RawSearch:
    """The same searches in hand-written SQL (parameters, one connection, no ORM)."""

    def __init__(self, connection, org_ids: list[int]) -> None:
        from familyhub.people import search

        self.connection = connection
        if connection.vendor == "postgresql":
            # The threshold the app's look-alike query runs at (it sets it for that query only).
            threshold = getattr(search, "NAME_SIMILARITY", 0.3)
            with connection.cursor() as cur:
                cur.execute(f"SET pg_trgm.similarity_threshold = {float(threshold)}")
        # The FTS5 query the app sends for a misspelt name of two or more words (older code: an OR
        # of every trigram of the name).
        anchored = getattr(search, "fts_anchored_match", None)
        self.fts_limit = search.CANDIDATE_LIMIT if anchored else search.TRIGRAM_LIMIT
        self.fts_match = anchored or (
            lambda name: " OR ".join(
                f'"{g}"'
                for g in sorted({name[i : i + 3] for i in range(len(name) - 2)})
                if g.strip() and '"' not in g
            )
        )
        self.orgs = ", ".join(str(int(i)) for i in org_ids)
        # Nested EXISTS, membership first: written as a join inside one EXISTS, SQLite starts from
        # every open allocation of the organisation for each candidate (measured: 30x slower).
        self.scope = (
            "p.archived_at IS NULL AND EXISTS (SELECT 1 FROM people_membership sm WHERE sm.person_id = p.id "
            "AND EXISTS (SELECT 1 FROM people_caseallocation sa WHERE sa.household_id = sm.household_id "
            f"AND sa.organisation_id IN ({self.orgs}) AND sa.ended_on IS NULL))"
        )
        # The same data a result page gets from the ORM: every column of the person, ethnicity,
        # membership, household, current address and ward, in one joined query.
        self.details = (
            "SELECT p.id, p.*, e.*, m.*, h.*, a.*, w.* FROM people_person p "
            "LEFT JOIN places_ethnicitycategory e ON e.id = p.ethnicity_id "
            "JOIN people_membership m ON m.person_id = p.id "
            "JOIN people_household h ON h.id = m.household_id "
            "LEFT JOIN people_address a ON a.household_id = h.id AND a.valid_to IS NULL "
            "LEFT JOIN places_ward w ON w.id = a.ward_id "
        )

    def current_postcodes(self, person_ids: list[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        with self.connection.cursor() as cur:
            for i in range(0, len(person_ids), 500):
                part = person_ids[i : i + 500]
                cur.execute(
                    "SELECT m.person_id, a.postcode FROM people_membership m JOIN people_address a "
                    "ON a.household_id = m.household_id AND a.valid_to IS NULL "
                    f"WHERE m.lives_here AND m.person_id IN ({', '.join(['%s'] * len(part))})",
                    part,
                )
                out.update(dict(cur.fetchall()))
        return out

    def run(self, kind: str, text: str, *, phonetic_only: bool = False) -> list[int]:
        from familyhub.people.search import parse
        from familyhub.people.search_keys import phonetic_key

        q = parse(text)  # the same parsing, so both sides look for the same thing
        with self.connection.cursor() as cur:
            if kind == "name":
                words = q.name.split()
                first, last = phonetic_key(words[0]), phonetic_key(words[-1])
                where = "((p.given_key = %s AND p.family_key = %s) OR (p.given_key = %s AND p.family_key = %s))"
                params: list = [first, last, last, first]
                if not phonetic_only:
                    if self.connection.vendor == "postgresql":
                        # The app's look-alike predicate: `%` at the app's similarity threshold.
                        where = f"({where} OR p.search_name %% %s)"
                        params.append(q.name)
                    else:  # as the app does: FTS5 ids first (its usual look-alike query), then IN
                        match, fts_ids = self.fts_match(q.name), []
                        if match:
                            cur.execute(
                                "SELECT rowid FROM people_person_fts WHERE people_person_fts "
                                "MATCH %s ORDER BY rank LIMIT %s",
                                [match, self.fts_limit],
                            )
                            fts_ids = [r[0] for r in cur.fetchall()]
                        if fts_ids:
                            where = f"({where} OR p.id IN ({', '.join(['%s'] * len(fts_ids))}))"
                            params.extend(fts_ids)
                cur.execute(
                    f"SELECT p.id, p.search_name FROM people_person p WHERE {where} AND {self.scope} "
                    "LIMIT 400",
                    params,
                )
                ids = [r[0] for r in cur.fetchall()][:50]
                if not ids:
                    return []
                cur.execute(self.details + f"WHERE p.id IN ({', '.join(['%s'] * len(ids))})", ids)
                return [r[0] for r in cur.fetchall()]
            if kind == "dob":
                dates = [d.isoformat() for d in q.dates] or [date.min.isoformat()]
                marks = ", ".join(["%s"] * len(dates))
                where = (
                    f"(p.date_of_birth IN ({marks}) OR p.expected_date_of_delivery IN ({marks}))"
                )
                params = dates + dates
            elif kind == "postcode":
                # Driven from the postcode index: addresses -> memberships -> people.
                where = (
                    "p.id IN (SELECT pm.person_id FROM people_address pa JOIN people_membership pm "
                    "ON pm.household_id = pa.household_id WHERE pa.postcode_key = %s)"
                )
                params = [q.postcode_key]
            else:
                where = "p.nhs_number = %s"
                params = [q.nhs_number]
            cur.execute(
                self.details
                + f"WHERE p.id IN (SELECT p.id FROM people_person p WHERE {where} AND {self.scope} "
                "ORDER BY p.family_name, p.given_name, p.id LIMIT 51)",
                params,
            )
            return [r[0] for r in cur.fetchall()]


if __name__ == "__main__":
    main()
