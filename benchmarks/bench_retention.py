"""Erasure and disposal at scale (R-RIGHTS-4, R-RETAIN-2), each against raw DELETEs of the same rows.

    .venv/bin/python benchmarks/bench_retention.py --db postgres
    .venv/bin/python benchmarks/bench_retention.py --db postgres --due 100000 --rows 10000

A fresh database `fh_retention` (--name) with the personas of the tests. Then:

1. **Erasure of one person with 10,000 related rows** (--rows): change history, attendance at 2,000
   sessions, 1,000 contacts with 500 follow-ups, 50 consents, identifiers, memberships and a
   relationship. `retention.erasure.erase_person` (everything it does: inventory of links, sweeps of
   the family's texts, the deletes, the erasure record, the access-log entry) against the baseline:
   the hand-written DELETE statements removing exactly the same rows, in one transaction. The data
   is made afresh (untimed) before each repetition; median over --repeat.
2. **A disposal run over 100,000 due families** (--due), each a person with a membership, an address
   and an allocation that ended in 2018: `retention.disposal.execute` in batches of --batch, under
   tracemalloc, for the run's wall time and its peak of Python memory; the same run over a tenth as
   many families, whose peak must be about the same (constant memory); and the baseline: the same
   rows deleted by hand-written set-based DELETEs in batches of the same size.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

OLD = datetime(2015, 1, 1, 12, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--name", default="fh_retention")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--due", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--only", choices=["erasure", "disposal"], default=None)
    args = parser.parse_args()

    harness.fresh_database(args.db, args.name)
    harness.configure(args.db, args.name)
    result: dict[str, Any] = {"scenario": "retention", "db": args.db}
    result["migrate_seconds"] = round(harness.migrate(), 1)
    from familyhub.core.testing import build_personas
    from familyhub.retention.testing import ensure_rules

    ensure_rules()
    personas = build_personas()
    if args.only in (None, "erasure"):
        result["erasure"] = bench_erasure(personas, args)
        print(result["erasure"], flush=True)
    if args.only in (None, "disposal"):
        result["disposal"] = bench_disposal(personas, args)
        print(result["disposal"], flush=True)
    result["database"] = harness.database_version()
    path = harness.write_result(f"retention-{args.db}", result)
    print(f"Result: {path}")


# --- 1. erasure of one person with many rows ------------------------------------------------------


def _person_with_rows(personas: Any, rows: int) -> tuple[Any, dict[str, int]]:
    """A parent with `rows` related rows, written in bulk (not timed)."""
    from familyhub.casework.models import Contact, FollowUp
    from familyhub.core.models import ChangeRecord
    from familyhub.core.testing import make_household
    from familyhub.engagement.models import Attendance, Service, Session
    from familyhub.people.models import PersonIdentifier, Relationship
    from familyhub.privacy.models import Consent
    from familyhub.privacy.testing import make_purpose

    household = make_household(organisation=personas.lead, adults=2, children=1)
    person = household.memberships.filter(role="parent_carer").order_by("id").first().person
    now = datetime.now(UTC)
    counts: dict[str, int] = {}
    service = Service.objects.order_by("id").first()
    sessions = Session.objects.bulk_create(
        [
            Session(
                service=service,
                title="Benchmark session",
                date=date(2024, 1, 1) + timedelta(days=i),
                start_time="10:00",
                end_time="11:00",
                organisation=personas.lead,
            )
            for i in range(2_000)
        ]
    )
    counts["engagement.Attendance"] = len(
        Attendance.objects.bulk_create(
            [
                Attendance(
                    session=s,
                    person=person,
                    as_child=False,
                    client_id=uuid.uuid4(),
                    client_at=now,
                    recorded_at=now,
                )
                for s in sessions
            ],
            batch_size=2_000,
        )
    )
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                household=household,
                person=person,
                kind="home_visit",
                occurred_at=now - timedelta(days=i),
                duration_minutes=30,
                organisation=personas.lead,
                notes="Benchmark visit notes",
            )
            for i in range(1_000)
        ]
    )
    counts["casework.Contact"] = len(contacts)
    counts["casework.FollowUp"] = len(
        FollowUp.objects.bulk_create(
            [
                FollowUp(
                    household=household, contact=c, description="Call back", due_on=date.today()
                )
                for c in contacts[:500]
            ]
        )
    )
    purposes = [make_purpose(f"bench-{i}") for i in range(50)]
    counts["privacy.Consent"] = len(
        Consent.objects.bulk_create(
            [
                Consent(
                    person=person, purpose=p, state="given", decided_on=date.today(), method="paper"
                )
                for p in purposes
            ]
        )
    )
    counts["people.PersonIdentifier"] = len(
        PersonIdentifier.objects.bulk_create(
            [
                PersonIdentifier(person=person, scheme=s, value=f"ID{i:06d}")
                for i, s in enumerate(("social_care", "early_help", "upn", "systmone", "other"))
            ]
        )
    )
    fixed = sum(counts.values()) + 1 + Relationship.objects.filter(from_person=person).count()
    history = max(0, rows - fixed)
    counts["core.ChangeRecord"] = len(
        ChangeRecord.objects.bulk_create(
            [
                ChangeRecord(
                    at=now - timedelta(minutes=i),
                    actor=personas.practitioner,
                    action="update",
                    change_set=uuid.uuid4(),
                    model="person",
                    object_uuid=person.uuid,
                    object_label=person.display_name,
                    field="phone",
                    field_label="Phone",
                    old_value=f"0115 496 {i % 10000:04d}",
                    new_value=f"0115 496 {(i + 1) % 10000:04d}",
                    person=person,
                    household=household,
                )
                for i in range(history)
            ],
            batch_size=5_000,
        )
    )
    counts["people.Membership"] = 1
    counts["people.Relationship"] = Relationship.objects.filter(from_person=person).count()
    return person, counts


RAW_DELETES = [
    "DELETE FROM casework_followup WHERE contact_id IN "
    "(SELECT id FROM casework_contact WHERE person_id = %(p)s)",
    "DELETE FROM casework_contact WHERE person_id = %(p)s",
    "DELETE FROM engagement_attendance WHERE person_id = %(p)s",
    "DELETE FROM core_changerecord WHERE person_id = %(p)s",
    "DELETE FROM privacy_consent WHERE person_id = %(p)s",
    "DELETE FROM people_personidentifier WHERE person_id = %(p)s",
    "DELETE FROM people_relationship WHERE from_person_id = %(p)s OR to_person_id = %(p)s",
    "DELETE FROM people_membership WHERE person_id = %(p)s",
    "DELETE FROM people_person WHERE id = %(p)s",
]


def _raw_erase(person_id: int) -> int:
    from django.db import connection, transaction

    deleted = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in RAW_DELETES:
            cursor.execute(sql, {"p": person_id})
            deleted += cursor.rowcount
    return deleted


def _cleanup_sessions() -> None:
    from familyhub.engagement.models import Session

    Session.objects.filter(title="Benchmark session").delete()


def bench_erasure(personas: Any, args: argparse.Namespace) -> dict[str, Any]:
    from familyhub.retention.erasure import erase_person

    app: list[float] = []
    raw: list[float] = []
    rows_app: list[int] = []
    rows_raw: list[int] = []
    counts: dict[str, int] = {}
    for _ in range(args.repeat):
        person, counts = _person_with_rows(personas, args.rows)
        seconds, record = harness.timed(lambda p=person: erase_person(actor=personas.dpo, person=p))
        app.append(seconds)
        rows_app.append(sum(record.removed.values()))
        _cleanup_sessions()
        person, _ = _person_with_rows(personas, args.rows)
        seconds, n = harness.timed(lambda p=person: _raw_erase(p.pk))
        raw.append(seconds)
        rows_raw.append(n)
        _cleanup_sessions()
    app_s, raw_s = harness.summarise(app), harness.summarise(raw)
    return {
        "related_rows": counts,
        "rows_removed_by_erasure": rows_app[-1],
        "rows_removed_by_raw_deletes": rows_raw[-1],
        "erase_person": app_s,
        "raw_deletes": raw_s,
        "ratio_median": round(app_s["median_ms"] / raw_s["median_ms"], 2),
    }


# --- 2. a disposal run over many due families ---------------------------------------------------


def _due_families(personas: Any, n: int, tag: str) -> list[int]:
    """`n` families of one person each, last contact in 2018 (bulk, not timed)."""
    from django.db import connection

    from familyhub.people.models import Address, CaseAllocation, Household, Membership, Person

    ids: list[int] = []
    chunk = 5_000
    for start in range(0, n, chunk):
        size = min(chunk, n - start)
        households = Household.objects.bulk_create(
            [Household(name=f"{tag} family {start + i}") for i in range(size)]
        )
        people = Person.objects.bulk_create(
            [
                Person(
                    given_name="Bench",
                    family_name=f"{tag}{start + i}",
                    date_of_birth=date(1990, 1, 1),
                    search_name=f"bench {tag.lower()}{start + i}",
                )
                for i in range(size)
            ]
        )
        Membership.objects.bulk_create(
            [
                Membership(household=h, person=p, role="parent_carer")
                for h, p in zip(households, people, strict=True)
            ]
        )
        Address.objects.bulk_create(
            [
                Address(
                    household=h,
                    line1="1 Bench Street",
                    postcode="NG6 8AB",
                    postcode_key="NG68AB",
                    valid_from=date(2015, 1, 1),
                )
                for h in households
            ]
        )
        CaseAllocation.objects.bulk_create(
            [
                CaseAllocation(
                    household=h,
                    organisation=personas.lead,
                    started_on=date(2015, 1, 1),
                    ended_on=date(2018, 6, 1),
                )
                for h in households
            ]
        )
        ids.extend(h.pk for h in households)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE people_household SET created_at = %s WHERE name LIKE %s",
            [OLD, f"{tag} family %"],
        )
        cursor.execute(
            "UPDATE people_person SET created_at = %s WHERE given_name = 'Bench' AND family_name LIKE %s",
            [OLD, f"{tag}%"],
        )
        if connection.vendor == "postgresql":
            # What autovacuum does after a load: without statistics the planner guesses.
            for table in ANALYZED:
                cursor.execute(f"ANALYZE {table}")
    return ids


ANALYZED = (
    "people_household",
    "people_person",
    "people_membership",
    "people_address",
    "people_caseallocation",
    "core_changerecord",
    "engagement_attendance",
)


def _run_disposal(personas: Any, batch: int) -> tuple[float, int, Any]:
    from familyhub.retention import disposal
    from familyhub.retention.models import DisposalRun

    run = DisposalRun.objects.create(
        dry_run=False,
        as_of=date.today(),
        batch_size=batch,
        started_by=personas.dpo,
        categories=["CASE_RECORD"],
    )
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = time.perf_counter()
    run = disposal.execute(run)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak, run


RAW_DISPOSAL = [
    "DELETE FROM core_changerecord WHERE household_id = ANY(%(h)s) OR person_id IN "
    "(SELECT person_id FROM people_membership WHERE household_id = ANY(%(h)s))",
    "DELETE FROM people_address WHERE household_id = ANY(%(h)s)",
    "DELETE FROM people_caseallocation WHERE household_id = ANY(%(h)s)",
    "CREATE TEMP TABLE gone ON COMMIT DROP AS "
    "SELECT person_id FROM people_membership WHERE household_id = ANY(%(h)s)",
    "DELETE FROM people_membership WHERE household_id = ANY(%(h)s)",
    "DELETE FROM people_person WHERE id IN (SELECT person_id FROM gone)",
    "DELETE FROM people_household WHERE id = ANY(%(h)s)",
]


def _raw_disposal(ids: list[int], batch: int) -> float:
    from django.db import connection, transaction

    start = time.perf_counter()
    for i in range(0, len(ids), batch):
        part = ids[i : i + batch]
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in RAW_DISPOSAL:
                cursor.execute(sql, {"h": part})
    return time.perf_counter() - start


def bench_disposal(personas: Any, args: argparse.Namespace) -> dict[str, Any]:
    from familyhub.people.models import Household

    out: dict[str, Any] = {"batch_size": args.batch}
    small = max(1, args.due // 10)
    for label, n in (("small", small), ("full", args.due)):
        begin = time.perf_counter()
        _due_families(personas, n, tag=f"Due{label.title()}")
        load = time.perf_counter() - begin
        seconds, peak, run = _run_disposal(personas, args.batch)
        counts = run.counts.get("case_records", {})
        out[label] = {
            "families": n,
            "load_seconds": round(load, 1),
            "seconds": round(seconds, 2),
            "families_per_second": round(n / seconds, 1),
            "tracemalloc_peak_mib": round(peak / 2**20, 2),
            "disposed": counts.get("disposed"),
            "people": counts.get("people"),
            "batches": counts.get("batches"),
            "status": run.status,
        }
        assert counts.get("disposed") == n, counts
        print(label, out[label], flush=True)
    ids = _due_families(personas, args.due, tag="DueRaw")
    raw = _raw_disposal(ids, args.batch)
    assert not Household.objects.filter(pk__in=ids[:1000]).exists()
    out["raw_deletes"] = {
        "families": args.due,
        "seconds": round(raw, 2),
        "families_per_second": round(args.due / raw, 1),
    }
    out["ratio_full_vs_raw"] = round(out["full"]["seconds"] / raw, 2)
    out["peak_ratio_full_vs_small"] = round(
        out["full"]["tracemalloc_peak_mib"] / out["small"]["tracemalloc_peak_mib"], 2
    )
    return out


if __name__ == "__main__":
    main()
