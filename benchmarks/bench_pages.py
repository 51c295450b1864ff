"""Page render times (whole request through Django's test client) and their query counts.

    .venv/bin/python benchmarks/bench_pages.py --db postgres [--requests 200]

Needs a database loaded by bench_load.py (`fh_bench`). Signed in (force_login, plus a verified
second factor where the app asks for one: `core.testing.sign_in_verified`) as the lead
organisation's practitioner; a page kind answering anything but 200 is reported in `statuses`. Each page kind: warm-up requests, then --requests timed GETs of
different records, measured with time.perf_counter around `client.get` (middleware, session save,
access-log write, template rendering included). The query count is taken separately on a few
requests with CaptureQueriesContext (not during the timed ones).

Pages: the family page (/families/<uuid>/), the person page (/people/<uuid>/), the family list
(/families/ first page, a later page, one ward, a ward with no family in the user's scope, "my
caseload") and the search page (/search/?q= a misspelt name). The baseline for the family page is `access.helpers.household_for` alone (the
scoped, logged fetch with its prefetches): what is left is the view's other queries and the template.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
from bench_search import typo


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--name", default="fh_bench")
    parser.add_argument("--label", default=None)
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=180,
        help="stop timing a page kind after this long (a slow page then has n < --requests)",
    )
    args = parser.parse_args()
    harness.configure(args.db, args.name)
    run(args)


def run(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from familyhub.access.helpers import household_for, households_visible_to, people_visible_to
    from familyhub.access.models import User
    from familyhub.people.models import Person
    from familyhub.places.models import Ward

    rng = random.Random(args.seed)
    user = User.objects.get(username="practitioner")
    client = Client()
    try:  # signed in with both factors where the app asks for a second factor
        from familyhub.core.testing import sign_in_verified
    except ImportError:
        client.force_login(user)
    else:
        sign_in_verified(client, user)
    need = args.requests + args.warmup
    household_ids = list(households_visible_to(user).values_list("uuid", flat=True))
    person_ids = list(people_visible_to(user).values_list("uuid", flat=True))
    households = rng.sample(household_ids, min(need, len(household_ids)))
    persons = rng.sample(person_ids, min(need, len(person_ids)))
    for_names = rng.sample(person_ids, min(need * 3, len(person_ids)))
    named = list(
        Person.objects.filter(uuid__in=for_names)
        .exclude(given_name="")
        .values_list("given_name", "family_name")
    )[:need]
    wards = list(Ward.objects.values_list("code", flat=True))
    # Wards where the practitioner's scope has no family now (the partners' wards in the demo):
    # the list filtered by one of them walked every family to find none (run 2: 333 ms p95).
    empty_wards = [
        code
        for code in wards
        if not households_visible_to(user)
        .filter(addresses__valid_to__isnull=True, addresses__ward__code=code)
        .exists()
    ]
    total_pages = max(1, len(household_ids) // 25)

    def url(name: str, *a) -> str | None:
        try:
            return reverse(name, args=a)
        except NoReverseMatch:
            return None

    kinds: dict[str, list[str]] = {}
    if url("people:household_detail", households[0]):
        kinds["family_page"] = [url("people:household_detail", h) for h in households]
    if url("people:person_detail", persons[0]):
        kinds["person_page"] = [url("people:person_detail", p) for p in persons]
    if url("people:household_list"):
        base = url("people:household_list")
        kinds["family_list_first_page"] = [base] * need
        kinds["family_list_later_page"] = [
            f"{base}?page={rng.randint(2, min(total_pages, 400))}" for _ in range(need)
        ]
        kinds["family_list_ward"] = [f"{base}?ward={rng.choice(wards)}" for _ in range(need)]
        if empty_wards:
            other = random.Random(args.seed + 1)  # leaves the other kinds' draws as they were
            kinds["family_list_ward_none_in_scope"] = [
                f"{base}?ward={other.choice(empty_wards)}" for _ in range(need)
            ]
        kinds["family_list_mine"] = [f"{base}?mine=1"] * need
    if url("people:search"):
        kinds["search_page_name"] = [
            f"{url('people:search')}?q={g}+{typo(f, rng)}" for g, f in named
        ]

    results: dict[str, dict] = {}
    for kind, urls in kinds.items():
        warm, measured = urls[: args.warmup], urls[args.warmup : args.warmup + args.requests]
        for u in warm:
            client.get(u)
        times, statuses = [], {}
        began = time.perf_counter()
        for u in measured:
            if time.perf_counter() - began > args.max_seconds and len(times) >= 20:
                break
            start = time.perf_counter()
            response = client.get(u)
            times.append(time.perf_counter() - start)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        query_counts, slowest = [], []
        for u in measured[:5]:
            with CaptureQueriesContext(connection) as ctx:
                client.get(u)
            query_counts.append(len(ctx.captured_queries))
            slowest += [(float(q["time"]), q["sql"][:600]) for q in ctx.captured_queries]
        slowest.sort(reverse=True)
        entry = {
            **harness.summarise(times),
            "statuses": statuses,
            "queries": query_counts,
            "example_url": measured[0],
            "slowest_queries": [{"seconds": t, "sql": q} for t, q in slowest[:4]],
        }
        if kind == "family_page":
            base_times = []
            for h in households[args.warmup : args.warmup + args.requests]:
                start = time.perf_counter()
                household = household_for(user, h)
                list(household.memberships.all())
                base_times.append(time.perf_counter() - start)
            entry["baseline_household_for"] = harness.summarise(base_times)
            entry["ratio_p95_to_household_for"] = round(
                entry["p95_ms"] / entry["baseline_household_for"]["p95_ms"], 2
            )
            with CaptureQueriesContext(connection) as ctx:
                client.get(measured[0])
            entry["sql"] = [q["sql"][:2000] for q in ctx.captured_queries]
        results[kind] = entry
        print(
            f"{kind:24} p50 {entry['median_ms']:8.2f} p95 {entry['p95_ms']:8.2f} ms  "
            f"queries {query_counts}  {statuses}",
            flush=True,
        )

    label = args.label or str(Person.objects.count())
    out = harness.write_result(
        f"pages-{args.db}-{label}",
        {
            "scenario": "pages",
            "db": args.db,
            "database": harness.database_version(),
            "people": Person.objects.count(),
            "households_in_scope": len(household_ids),
            "user": "practitioner",
            "pages": results,
        },
    )
    print(f"-> {out}")


if __name__ == "__main__":
    main()
