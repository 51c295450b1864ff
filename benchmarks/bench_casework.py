"""A worker's caseload page at scale (R-ENGAGE-6), against hand-written SQL computing the same.

    .venv/bin/python benchmarks/bench_casework.py --db postgres --people 1000000
    .venv/bin/python benchmarks/bench_casework.py --db sqlite --skip-load      # reuse fh_casework
    .venv/bin/python benchmarks/bench_casework.py --db sqlite --casework-only  # reuse the families

Load (unless --skip-load): a fresh database `fh_casework` (--name) with the demo families
(`bench_load.py`: the demo loader, 1,000,000 people), then casework for every open allocation that
names a worker: a casework detail (a review date for 70%, overdue for about a fifth of those), 0 to 5
past contacts, a planned visit for 20%, a follow-up action for 30% (half of them overdue, a quarter
done), and 50 referrals to The Toy Library waiting for a decision. Written with bulk inserts; not
timed.

The demo loader gives each organisation's families to its few demo workers, so the demo
`practitioner` would hold tens of thousands of families. A real caseload is tens: the load (and a
--skip-load run, once) spreads the practitioner's families over 1,000 more practitioners of the same
organisation (`bench.worker.N`; 20 of them in the practitioner's team, the others in teams of 20),
keeping 120 (three pages) for the practitioner. The other demo workers keep
their huge caseloads: the biggest is measured too, as the extreme case.

Measured:

1. The caseload page (`/caseload/`, every page) through the test client as `practitioner`: the
   whole request (session, scope, caseload queries, access-log write for the people shown,
   template). Median, p95, query count.
2. `casework.selectors.caseload()` alone: the page's data without the request, the log or the
   template.
3. The baseline: hand-written SQL returning the same page (the worker's open allocations by family
   name with their review date, address and ward, last contact, next planned visit and overdue
   actions; the page's members; the three totals), run on the same connection. Checked to find the
   same families in the same order as the app.
4. The same three for the biggest caseload of the demo workers (first and a later page).
5. The team view (`/caseload/team/`) as the demo `manager` (the practitioner's team: the
   practitioner and 20 colleagues), and the manager opening the practitioner's caseload.
6. Referral-based visibility (ADR 0013): The Toy Library's family list (`/families/`) as
   `partner.toylibrary` with 50 referrals waiting (the scope ORs their households in) and with the
   same referrals declined (the scope's SQL as before).
"""

from __future__ import annotations

import argparse
import random
import sys
import time as clock
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

WORKER = "practitioner"
MANAGER = "manager"
PARTNER = "partner.toylibrary"
PER_PAGE = 50
REFERRALS = 50
KEEP = 120  # families left with the practitioner: three pages
EXTRA_WORKERS = 1000
TEAM_SIZE = 20  # of them in the practitioner's and the manager's team


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--warmup", type=int, default=15)
    parser.add_argument("--seed", type=int, default=harness.SEED)
    parser.add_argument("--name", default="fh_casework")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument(
        "--casework-only",
        action="store_true",
        help="reuse the loaded families: migrate, then load the casework rows only",
    )
    args = parser.parse_args()
    result: dict = {"scenario": "casework", "db": args.db}
    if (
        not args.skip_load
        and not args.casework_only
        and harness.run_script(
            "bench_load.py", "--db", args.db, "--people", str(args.people), "--name", args.name
        )
    ):
        raise SystemExit("loading the families failed")
    harness.configure(args.db, args.name)
    if args.casework_only:
        harness.migrate()
    if not args.skip_load:
        result["load"] = load_casework(args)
    result["rebalance"] = rebalance(args)
    result.update(measure(args))
    result["database"] = harness.database_version()
    path = harness.write_result(f"casework-{args.db}-{args.people}", result)
    print(f"Result: {path}")


# --- loading casework ------------------------------------------------------------------------------


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def load_casework(args: argparse.Namespace) -> dict:
    from django.db import connection, transaction

    from familyhub.access.models import User
    from familyhub.casework.models import AllocationDetail, Contact, FollowUp, Referral
    from familyhub.casework.reference import ensure_outcome_frameworks
    from familyhub.engagement.models import Service
    from familyhub.people.models import CaseAllocation, Membership
    from familyhub.places.models import Organisation

    began = clock.perf_counter()
    ensure_outcome_frameworks()
    rng = random.Random(args.seed + 13)
    today = date.today()
    now = datetime.now(UTC)
    allocations = list(
        CaseAllocation.objects.filter(ended_on__isnull=True, worker__isnull=False).values_list(
            "id", "household_id", "worker_id", "organisation_id"
        )
    )
    counts = {"details": 0, "contacts": 0, "follow_ups": 0, "referrals": 0}
    chunk = 20_000
    for start in range(0, len(allocations), chunk):
        details, contacts, follow_ups = [], [], []
        for allocation_id, household_id, worker_id, org_id in allocations[start : start + chunk]:
            review = None
            if rng.random() < 0.7:
                review = today + timedelta(days=rng.randint(-30, 120))
            details.append(
                AllocationDetail(
                    uuid=_uuid(rng),
                    allocation_id=allocation_id,
                    household_id=household_id,
                    single_point_of_contact=True,
                    review_due_on=review,
                )
            )
            for _ in range(rng.randint(0, 5)):
                day = today - timedelta(days=rng.randint(1, 365))
                contacts.append(
                    Contact(
                        uuid=_uuid(rng),
                        household_id=household_id,
                        kind=rng.choice(("home_visit", "home_visit", "phone", "text")),
                        status=Contact.Status.DONE,
                        occurred_at=datetime.combine(day, time(10, 0), tzinfo=UTC),
                        duration_minutes=rng.choice((15, 30, 45, 60)),
                        worker_id=worker_id,
                        organisation_id=org_id,
                        notes="Benchmark visit",
                    )
                )
            if rng.random() < 0.2:
                day = today + timedelta(days=rng.randint(1, 20))
                contacts.append(
                    Contact(
                        uuid=_uuid(rng),
                        household_id=household_id,
                        kind="home_visit",
                        status=Contact.Status.PLANNED,
                        occurred_at=datetime.combine(day, time(11, 0), tzinfo=UTC),
                        worker_id=worker_id,
                        organisation_id=org_id,
                    )
                )
            if rng.random() < 0.3:
                due = today + timedelta(days=rng.randint(-20, 20))
                done = rng.random() < 0.25
                follow_ups.append(
                    FollowUp(
                        uuid=_uuid(rng),
                        household_id=household_id,
                        description="Benchmark action",
                        due_on=due,
                        assigned_to_id=worker_id,
                        done_at=now if done else None,
                    )
                )
        with transaction.atomic():
            AllocationDetail.objects.bulk_create(details, batch_size=5000)
            Contact.objects.bulk_create(contacts, batch_size=5000)
            FollowUp.objects.bulk_create(follow_ups, batch_size=5000)
        counts["details"] += len(details)
        counts["contacts"] += len(contacts)
        counts["follow_ups"] += len(follow_ups)
    # Referrals waiting for The Toy Library, of lead organisation families it does not serve.
    toy = Organisation.objects.get(name="The Toy Library")
    lead = Organisation.objects.get(kind=Organisation.Kind.LEAD)
    service = Service.objects.filter(delivered_by=toy).order_by(
        "id"
    ).first() or Service.objects.create(
        code="bench-mentoring",
        name="Bench mentoring",
        kind="one_to_one",
        description="-",
        provider=toy,
    )
    households = list(
        CaseAllocation.objects.filter(organisation=lead, ended_on__isnull=True)
        .order_by("id")
        .values_list("household_id", flat=True)[:REFERRALS]
    )
    referrer = User.objects.get(username=WORKER)
    Referral.objects.bulk_create(
        [
            Referral(
                uuid=_uuid(rng),
                household_id=h,
                service=service,
                from_organisation=lead,
                to_organisation=toy,
                referred_on=today,
                referrer=referrer,
                reason="Benchmark",
                family_agreed=True,
                agreed_on=today,
                agreement_method="in_person",
                agreed_by_id=Membership.objects.filter(household_id=h)
                .values_list("person_id", flat=True)
                .first(),
            )
            for h in households
        ]
    )
    counts["referrals"] = len(households)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for table in (
                "casework_contact",
                "casework_followup",
                "casework_allocationdetail",
                "casework_referral",
            ):
                cur.execute(f"ANALYZE {table}")
        else:
            cur.execute("ANALYZE")
    counts["seconds"] = round(clock.perf_counter() - began, 1)
    print(f"casework loaded: {counts}", flush=True)
    return counts


def rebalance(args: argparse.Namespace) -> dict:
    """Spread the practitioner's families over EXTRA_WORKERS colleagues of the same team, keeping
    KEEP (idempotent: done once per database)."""
    from django.db import connection, transaction

    from familyhub.access.models import Membership, User
    from familyhub.access.roles import Role
    from familyhub.people.models import CaseAllocation
    from familyhub.places.models import Team

    began = clock.perf_counter()
    if User.objects.filter(username="bench.worker.1").exists():
        return {"done": "before"}
    worker = User.objects.get(username=WORKER)
    home = worker.memberships.filter(role=Role.PRACTITIONER).first()
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(username=f"bench.worker.{i}", first_name="Bench", last_name=f"Worker {i}")
                for i in range(1, EXTRA_WORKERS + 1)
            ]
        )
        # TEAM_SIZE of them join the practitioner's (and the manager's) team; the others are
        # spread over other teams of the organisation, as in a real service.
        others = [
            Team.objects.get_or_create(
                organisation_id=home.organisation_id, name=f"Bench team {k}"
            )[0]
            for k in range(1, (EXTRA_WORKERS - TEAM_SIZE) // TEAM_SIZE + 2)
        ]
        Membership.objects.bulk_create(
            [
                Membership(
                    user=u,
                    organisation_id=home.organisation_id,
                    team_id=home.team_id if i < TEAM_SIZE else others[i % len(others)].pk,
                    role=Role.PRACTITIONER,
                )
                for i, u in enumerate(users)
            ]
        )
        ids = list(
            CaseAllocation.objects.filter(worker=worker, ended_on__isnull=True)
            .order_by("id")
            .values_list("id", flat=True)
        )
        moved = ids[KEEP:]
        with connection.cursor() as cur:
            for i, u in enumerate(users):
                chunk = moved[i::EXTRA_WORKERS]
                if chunk:
                    cur.execute(
                        "UPDATE people_caseallocation SET worker_id = %s WHERE id IN ("
                        + ",".join(str(int(x)) for x in chunk)
                        + ")",
                        [u.pk],
                    )
            # The contacts and actions follow their families' new workers.
            cur.execute(
                "UPDATE casework_contact SET worker_id = a.worker_id FROM people_caseallocation a "
                "WHERE a.household_id = casework_contact.household_id AND a.ended_on IS NULL "
                "AND casework_contact.worker_id = %s AND a.worker_id <> %s",
                [worker.pk, worker.pk],
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE people_caseallocation")
                cur.execute("ANALYZE casework_contact")
    out = {
        "moved": len(moved),
        "kept": min(KEEP, len(ids)),
        "workers": EXTRA_WORKERS,
        "seconds": round(clock.perf_counter() - began, 1),
    }
    print(f"rebalanced: {out}", flush=True)
    return out


# --- the baseline ----------------------------------------------------------------------------------

PAGE_SQL = """
WITH page AS (
    SELECT a.id AS allocation_id, a.household_id, h.name
    FROM people_caseallocation a
    JOIN people_household h ON h.id = a.household_id
    WHERE a.worker_id = %(worker)s AND a.ended_on IS NULL
      AND a.organisation_id IN ({orgs}) AND h.archived_at IS NULL
    ORDER BY h.name, a.household_id, a.id
    LIMIT %(limit)s OFFSET %(offset)s
)
SELECT p.household_id, p.name, d.review_due_on, d.single_point_of_contact,
    (SELECT max(c.occurred_at) FROM casework_contact c
      WHERE c.household_id = p.household_id AND c.status = 'done') AS last_contact,
    (SELECT min(c.occurred_at) FROM casework_contact c
      WHERE c.household_id = p.household_id AND c.status = 'planned'
        AND c.occurred_at >= %(now)s) AS next_visit,
    (SELECT count(*) FROM casework_followup f
      WHERE f.household_id = p.household_id AND f.done_at IS NULL
        AND f.due_on < %(today)s) AS overdue,
    ad.postcode, w.name AS ward
FROM page p
LEFT JOIN casework_allocationdetail d ON d.allocation_id = p.allocation_id
LEFT JOIN people_address ad ON ad.household_id = p.household_id AND ad.valid_to IS NULL
LEFT JOIN places_ward w ON w.id = ad.ward_id
ORDER BY p.name, p.household_id, p.allocation_id
"""
MEMBERS_SQL = """
SELECT m.household_id, m.role, p.given_name, p.family_name, p.log_key
FROM people_membership m JOIN people_person p ON p.id = m.person_id
WHERE m.household_id IN ({ids}) ORDER BY m.household_id, m.role, m.id
"""
TOTALS_SQL = """
SELECT count(DISTINCT a.household_id),
       sum(CASE WHEN d.review_due_on < %(today)s THEN 1 ELSE 0 END)
FROM people_caseallocation a
JOIN people_household h ON h.id = a.household_id
LEFT JOIN casework_allocationdetail d ON d.allocation_id = a.id
WHERE a.worker_id = %(worker)s AND a.ended_on IS NULL AND a.organisation_id IN ({orgs})
  AND h.archived_at IS NULL
"""
OVERDUE_SQL = """
SELECT count(*) FROM casework_followup f
WHERE f.done_at IS NULL AND f.due_on < %(today)s AND f.household_id IN (
    SELECT a.household_id FROM people_caseallocation a JOIN people_household h ON h.id = a.household_id
    WHERE a.worker_id = %(worker)s AND a.ended_on IS NULL
      AND a.organisation_id IN ({orgs}) AND h.archived_at IS NULL)
"""


def raw_caseload(worker_id: int, org_ids: list[int], offset: int) -> list[tuple]:
    from django.db import connection
    from django.utils import timezone

    orgs = ",".join(str(int(o)) for o in org_ids)
    params = {
        "worker": worker_id,
        "limit": PER_PAGE,
        "offset": offset,
        "now": connection.ops.adapt_datetimefield_value(timezone.now()),
        "today": connection.ops.adapt_datefield_value(timezone.localdate()),
    }
    with connection.cursor() as cur:
        cur.execute(PAGE_SQL.format(orgs=orgs), params)
        rows = cur.fetchall()
        ids = ",".join(str(int(r[0])) for r in rows) or "0"
        cur.execute(MEMBERS_SQL.format(ids=ids))
        cur.fetchall()
        cur.execute(TOTALS_SQL.format(orgs=orgs), params)
        cur.fetchall()
        cur.execute(OVERDUE_SQL.format(orgs=orgs), params)
        cur.fetchall()
    return rows


# --- measuring -------------------------------------------------------------------------------------


def _client(user):
    from django.test import Client

    from familyhub.core.testing import sign_in_verified

    client = Client()
    sign_in_verified(client, user)
    return client


def _time_urls(client, urls: list[str], warmup: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for u in urls[:warmup]:
        client.get(u)
    times, statuses = [], {}
    for u in urls[warmup:]:
        start = clock.perf_counter()
        response = client.get(u)
        times.append(clock.perf_counter() - start)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    counts = []
    for u in urls[warmup : warmup + 3]:
        with CaptureQueriesContext(connection) as ctx:
            client.get(u)
        counts.append(len(ctx.captured_queries))
    return {**harness.summarise(times), "statuses": statuses, "queries": counts}


def _time(fn, n: int, warmup: int) -> dict:
    for _ in range(warmup):
        fn(0)
    times = []
    for i in range(n):
        start = clock.perf_counter()
        fn(i)
        times.append(clock.perf_counter() - start)
    return harness.summarise(times)


def _caseload_scenario(
    args: argparse.Namespace, label: str, worker, pages_wanted: list[int], n: int, w: int
) -> dict:
    """App page, selector and raw SQL for the worker's caseload pages (random among pages_wanted)."""
    from familyhub.access.roles import Capability
    from familyhub.casework import selectors

    org_ids = worker.organisation_ids_with(Capability.VIEW_PEOPLE)
    rng = random.Random(args.seed + len(label))
    chosen = [rng.choice(pages_wanted) for _ in range(n + w)]
    # The same families in the same order, app and baseline, on every page measured.
    for p in sorted(set(pages_wanted)):
        app = selectors.caseload(worker, worker, page=p)
        raw = raw_caseload(worker.pk, org_ids, (p - 1) * PER_PAGE)
        assert [r.household.pk for r in app.rows] == [r[0] for r in raw], f"page {p} differs"
    client = _client(worker)
    out = {
        "page": _time_urls(client, [f"/caseload/?page={p}" for p in chosen], w),
        "selector": _time(lambda i: selectors.caseload(worker, worker, page=chosen[i]), n, w),
        "raw": _time(lambda i: raw_caseload(worker.pk, org_ids, (chosen[i] - 1) * PER_PAGE), n, w),
    }
    raw_p95 = out["raw"]["p95_ms"]
    out["ratio_p95_page"] = round(out["page"]["p95_ms"] / raw_p95, 2)
    out["ratio_p95_selector"] = round(out["selector"]["p95_ms"] / raw_p95, 2)
    print(
        f"caseload {label:10} page p50/p95 {out['page']['median_ms']:7.1f}/"
        f"{out['page']['p95_ms']:7.1f} ms  selector {out['selector']['median_ms']:7.1f}/"
        f"{out['selector']['p95_ms']:7.1f}  raw {out['raw']['median_ms']:7.1f}/{raw_p95:7.1f}  "
        f"queries {out['page']['queries']}",
        flush=True,
    )
    return out


def measure(args: argparse.Namespace) -> dict:
    from django.db.models import Count

    from familyhub.access.models import User
    from familyhub.access.roles import Capability
    from familyhub.casework.models import Referral
    from familyhub.people.models import CaseAllocation

    n, w = args.requests, args.warmup
    out: dict = {}
    worker = User.objects.get(username=WORKER)
    open_allocations = CaseAllocation.objects.filter(ended_on__isnull=True)

    def families(user) -> int:
        return open_allocations.filter(
            worker=user, organisation_id__in=user.organisation_ids_with(Capability.VIEW_PEOPLE)
        ).count()

    out["worker"] = {"username": WORKER, "open_families": families(worker)}
    pages = max(1, -(-out["worker"]["open_families"] // PER_PAGE))
    out["worker"].update(
        _caseload_scenario(args, "worker", worker, list(range(1, pages + 1)), n, w)
    )

    big_id = (
        open_allocations.filter(worker__isnull=False)
        .values("worker_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["worker_id"]
    )
    big = User.objects.get(pk=big_id)
    out["extreme"] = {"username": big.username, "open_families": families(big)}
    big_pages = max(1, -(-out["extreme"]["open_families"] // PER_PAGE))
    out["extreme"].update(
        _caseload_scenario(args, "extreme", big, [1, max(1, big_pages // 2)], n // 5, 3)
    )

    manager = _client(User.objects.get(username=MANAGER))
    out["team_view"] = _time_urls(manager, ["/caseload/team/"] * (n // 3 + w), w)
    out["manager_opens_caseload"] = _time_urls(
        manager, [f"/caseload/?worker={worker.pk}"] * (n // 3 + w), w
    )
    print(
        f"team view p50/p95 {out['team_view']['median_ms']:.1f}/{out['team_view']['p95_ms']:.1f} "
        f"ms, queries {out['team_view']['queries']}",
        flush=True,
    )

    # Referral-based visibility: the partner's family list with the referrals waiting, then with
    # them declined (no OR in the scope).
    partner = _client(User.objects.get(username=PARTNER))
    waiting = Referral.objects.filter(
        to_organisation__name="The Toy Library", status=Referral.Status.SENT
    )
    ids = list(waiting.values_list("pk", flat=True))
    out["referrals_waiting"] = len(ids)
    out["partner_list_with_referrals"] = _time_urls(partner, ["/families/"] * (n // 3 + w), w)
    Referral.objects.filter(pk__in=ids).update(status=Referral.Status.DECLINED)
    try:
        out["partner_list_without"] = _time_urls(partner, ["/families/"] * (n // 3 + w), w)
    finally:
        Referral.objects.filter(pk__in=ids).update(status=Referral.Status.SENT)
    out["ratio_p95_referral_scope"] = round(
        out["partner_list_with_referrals"]["p95_ms"] / out["partner_list_without"]["p95_ms"], 2
    )
    print(
        f"partner family list p50/p95 with {len(ids)} referrals waiting "
        f"{out['partner_list_with_referrals']['median_ms']:.1f}/"
        f"{out['partner_list_with_referrals']['p95_ms']:.1f} ms, without "
        f"{out['partner_list_without']['median_ms']:.1f}/"
        f"{out['partner_list_without']['p95_ms']:.1f} ms",
        flush=True,
    )
    return out


if __name__ == "__main__":
    main()
