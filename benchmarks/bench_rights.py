"""The subject access pack for a family with five years of history (R-RIGHTS-2), against the raw
queries that read the same rows.

    .venv/bin/python benchmarks/bench_rights.py --db postgres
    .venv/bin/python benchmarks/bench_rights.py --db sqlite --repeat 5

A fresh database `fh_rights` (--name) with the personas of the tests. One family (two parents, two
children) gets five years of history, written in bulk (not timed), every row about the mother or
her family: --history change records (her own record and the family's, spread over five years),
--sessions group sessions she attended, --visits home visits with notes (every third naming a
child) and half as many follow-ups, consents for eight purposes, identifiers, and --accesses entries
in the access log naming her (inserted directly: the chain of this scratch log is not verified).

Timed (median of --repeat, after one warm-up):

- `rights.sar.build_pack(mother)`: everything the pack does to read and shape the rows (the data
  map walk over every link, every personal field as a person reads it, the third-party flags, the
  history, the access log with staff names and roles at the time, the disclosures);
- the baseline: hand-written SQL reading the same rows, one SELECT per table and link
  (`SELECT * FROM t WHERE fk = %s` for every link that `core.personal_data` finds to the mother or
  her family, the history, and the access log joined to its subjects), fetched as tuples;
- `rights.services.pack_generate` (the build plus storing the draft and the access-log entry), and
  rendering the pack's HTML document and its canonical JSON, for the whole cost of a release.

Also the SQL query count of `build_pack` with this history and with a tenth of it (it should not
grow with the rows).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

START = datetime(2021, 12, 1, 10, tzinfo=UTC)
FIVE_YEARS = timedelta(days=5 * 365)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--name", default="fh_rights")
    parser.add_argument("--history", type=int, default=2_500)
    parser.add_argument("--sessions", type=int, default=600)
    parser.add_argument("--visits", type=int, default=400)
    parser.add_argument("--accesses", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    harness.fresh_database(args.db, args.name)
    harness.configure(args.db, args.name)
    result: dict[str, Any] = {"scenario": "rights", "db": args.db}
    result["migrate_seconds"] = round(harness.migrate(), 1)
    from familyhub.core.testing import build_personas

    personas = build_personas()
    result["pack"] = bench_pack(personas, args)
    print(result["pack"], flush=True)
    result["database"] = harness.database_version()
    path = harness.write_result(f"rights-{args.db}", result)
    print(f"Result: {path}")


def _at(i: int, n: int) -> datetime:
    """The i-th of n moments spread evenly over the five years."""
    return START + FIVE_YEARS * (i / max(1, n))


def _family_with_history(personas: Any, args: argparse.Namespace, scale: float = 1.0) -> Any:
    from familyhub.access.models import AccessLogEntry, AccessLogSubject
    from familyhub.casework.models import Contact, FollowUp
    from familyhub.core.models import ChangeRecord
    from familyhub.core.testing import make_household
    from familyhub.engagement.models import Attendance, Service, Session
    from familyhub.people.choices import IdentifierScheme, MemberRole
    from familyhub.people.models import PersonIdentifier
    from familyhub.privacy.models import Consent
    from familyhub.privacy.testing import make_purpose

    household = make_household(organisation=personas.lead, adults=2, children=2)
    members = list(household.memberships.select_related("person").order_by("id"))
    mother = next(m.person for m in members if m.role == MemberRole.PARENT_CARER)
    child = next(m.person for m in members if m.role == MemberRole.CHILD)
    worker = personas.practitioner
    counts: dict[str, int] = {}

    n = int(args.history * scale)
    counts["core.ChangeRecord"] = len(
        ChangeRecord.objects.bulk_create(
            [
                ChangeRecord(
                    at=_at(i, n),
                    actor=worker,
                    action="update",
                    change_set=uuid.uuid4(),
                    model="person" if i % 5 else "household",
                    object_uuid=mother.uuid if i % 5 else household.uuid,
                    object_label=mother.display_name if i % 5 else household.name,
                    field="phone" if i % 5 else "notes",
                    field_label="Phone" if i % 5 else "Practical notes",
                    old_value=f"0115 496 {i % 10000:04d}",
                    new_value=f"0115 496 {(i + 1) % 10000:04d}",
                    reason="Told us at a home visit" if i % 7 == 0 else "",
                    person=mother if i % 5 else None,
                    household=household,
                )
                for i in range(n)
            ],
            batch_size=5_000,
        )
    )
    n = int(args.sessions * scale)
    service = Service.objects.order_by("id").first()
    sessions = Session.objects.bulk_create(
        [
            Session(
                service=service,
                title="Stay and play",
                date=(START + timedelta(days=3 * i)).date(),
                start_time="10:00",
                end_time="11:30",
                organisation=personas.lead,
            )
            for i in range(n)
        ]
    )
    counts["engagement.Attendance"] = len(
        Attendance.objects.bulk_create(
            [
                Attendance(
                    session=s,
                    person=mother,
                    as_child=False,
                    client_id=uuid.uuid4(),
                    client_at=_at(i, n),
                    recorded_at=_at(i, n),
                    recorded_by=worker,
                )
                for i, s in enumerate(sessions)
            ],
            batch_size=2_000,
        )
    )
    n = int(args.visits * scale)
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                household=household,
                person=mother,
                kind="home_visit",
                occurred_at=_at(i, n),
                duration_minutes=45,
                organisation=personas.lead,
                worker=worker,
                notes=(
                    f"Talked about {child.given_name}'s sleep and the nursery place"
                    if i % 3 == 0
                    else "Talked about the week; next visit booked"
                ),
            )
            for i in range(n)
        ]
    )
    counts["casework.Contact"] = len(contacts)
    counts["casework.FollowUp"] = len(
        FollowUp.objects.bulk_create(
            [
                FollowUp(
                    household=household,
                    contact=c,
                    description="Send the leaflet",
                    due_on=date.today(),
                )
                for c in contacts[: n // 2]
            ]
        )
    )
    purposes = [make_purpose(f"bench-{i}") for i in range(8)]
    counts["privacy.Consent"] = len(
        Consent.objects.bulk_create(
            [
                Consent(
                    person=mother,
                    purpose=p,
                    state="given",
                    decided_on=START.date(),
                    method="paper",
                )
                for p in purposes
            ]
        )
    )
    counts["people.PersonIdentifier"] = len(
        PersonIdentifier.objects.bulk_create(
            [
                PersonIdentifier(person=mother, scheme=s, value=f"ID{i:06d}")
                for i, s in enumerate(IdentifierScheme.values)
            ]
        )
    )
    n = int(args.accesses * scale)
    actions = ["view_person", "view_household", "search", "list", "update"]
    entries = AccessLogEntry.objects.bulk_create(
        [
            AccessLogEntry(
                at=_at(i, n),
                user_id_at_time=worker.pk,
                username=worker.username,
                roles=worker.role_labels,
                action=actions[i % len(actions)],
                object_type="person",
                channel="web",
                path=f"/people/{mother.uuid}/",
                subject_count=1,
                subject_digest="0" * 64,
                prev_hash="0" * 64,
                row_hash=uuid.uuid4().hex + uuid.uuid4().hex,
            )
            for i in range(n)
        ],
        batch_size=2_000,
    )
    if entries and entries[0].pk is None:  # SQLite before 3.35 returns no ids from bulk_create
        entries = list(AccessLogEntry.objects.filter(path=f"/people/{mother.uuid}/"))
    AccessLogSubject.objects.bulk_create(
        [AccessLogSubject(entry=e, person_key=mother.log_key) for e in entries], batch_size=2_000
    )
    counts["access.AccessLogEntry"] = len(entries)
    return household, mother, counts


def _raw_reads(mother: Any, household: Any) -> int:
    """The same rows, read by hand-written SQL: one SELECT per table and link, fetched as tuples."""
    from django.db import connection

    from familyhub.core.personal_data import household_links, person_links

    statements: list[tuple[str, list[Any]]] = []
    for link in person_links():
        table = link.model._meta.db_table
        column = link.model._meta.get_field(link.field).column
        statements.append((f"SELECT * FROM {table} WHERE {column} = %s", [mother.pk]))
    for link in household_links():
        table = link.model._meta.db_table
        column = link.model._meta.get_field(link.field).column
        statements.append((f"SELECT * FROM {table} WHERE {column} = %s", [household.pk]))
    statements += [
        ("SELECT * FROM people_person WHERE id = %s", [mother.pk]),
        ("SELECT * FROM people_household WHERE id = %s", [household.pk]),
        (
            "SELECT e.* FROM access_accesslogentry e JOIN access_accesslogsubject s "
            "ON s.entry_id = e.id WHERE s.person_key = %s ORDER BY e.at DESC, e.id DESC",
            [mother.log_key.hex if connection.vendor == "sqlite" else mother.log_key],
        ),
    ]
    rows = 0
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            rows += len(cursor.fetchall())
    return rows


def _median(fn: Any, repeat: int) -> tuple[float, Any]:
    fn()  # warm-up
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def _queries(fn: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def bench_pack(personas: Any, args: argparse.Namespace) -> dict[str, Any]:
    from familyhub.people.models import Person
    from familyhub.rights import sar, services
    from familyhub.rights.models import AccessPack
    from familyhub.rights.services.packs import render_html
    from familyhub.rights.testing import make_request

    household, mother, counts = _family_with_history(personas, args)
    _, small_mother, _ = _family_with_history(personas, args, scale=0.1)

    def build() -> dict[str, Any]:
        return sar.build_pack(Person.objects.get(pk=mother.pk))

    build_s, content = _median(build, args.repeat)
    raw_s, raw_rows = _median(lambda: _raw_reads(mother, household), args.repeat)
    rr = make_request(personas.dpo, mother)

    def generate() -> AccessPack:
        pack = services.pack_generate(actor=personas.dpo, request=rr)
        return pack

    generate_s, pack = _median(generate, max(1, args.repeat // 2))
    decisions = {r["item"]: "release" for r in pack.review_items}
    released = sar.apply_decisions(pack.content, decisions, release=True)
    render_s, html = _median(lambda: render_html(released, draft=False), args.repeat)
    json_s, data = _median(lambda: sar.canonical_json(released), args.repeat)
    return {
        "rows_written": counts,
        "rows_read_raw": raw_rows,
        "pack": {
            "records": content["counts"]["records"],
            "history": content["counts"]["history"],
            "access_log": content["counts"]["access_log"],
            "fields": sum(len(r["fields"]) for s in content["sections"] for r in s["records"]),
            "flagged_for_review": len(content["review"]),
            "html_bytes": len(html.encode()),
            "json_bytes": len(data),
        },
        "build_pack_ms": round(build_s * 1000, 1),
        "raw_reads_ms": round(raw_s * 1000, 1),
        "ratio_build_to_raw": round(build_s / raw_s, 2) if raw_s else None,
        "pack_generate_ms": round(generate_s * 1000, 1),
        "render_html_ms": round(render_s * 1000, 1),
        "canonical_json_ms": round(json_s * 1000, 1),
        "queries_build_pack": _queries(build),
        "queries_build_pack_tenth_history": _queries(
            lambda: sar.build_pack(Person.objects.get(pk=small_mother.pk))
        ),
        "repeat": args.repeat,
    }


if __name__ == "__main__":
    main()
