"""The disposal job (R-RETAIN-2): what is due, the dry run, holds, the log, and resuming an
interrupted run without losing or double-counting anything."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from familyhub.access import log as access_log
from familyhub.access.models import AccessLogEntry, SignInEvent, User
from familyhub.access.models import Membership as StaffMembership
from familyhub.core.models import ChangeRecord
from familyhub.core.testing import make_household, make_staff
from familyhub.people.models import CaseAllocation, Household, Membership, Person
from familyhub.privacy import services as privacy
from familyhub.retention import contact, disposal, erasure, services
from familyhub.retention.models import DisposalItem, DisposalRun, ErasureRecord, Hold

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 30)


def _at(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, datetime.min.time()).replace(hour=12))


def old_family(personas, *, last_contact: date, name: str = "Oldfield") -> Household:
    """A family whose last contact was on `last_contact`: registered then, allocation ended then."""
    h = make_household(organisation=personas.lead, family_name=name, children=1)
    Household.objects.filter(pk=h.pk).update(created_at=_at(last_contact - timedelta(days=300)))
    CaseAllocation.objects.filter(household=h).update(
        started_on=last_contact - timedelta(days=300), ended_on=last_contact
    )
    return h


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    return TODAY


def test_last_contact_is_the_latest_of_the_sources(personas):
    h = old_family(personas, last_contact=date(2019, 5, 1))

    def last() -> date:
        return Household.objects.annotate(d=contact.last_contact_date()).get(pk=h.pk).d

    assert last() == date(2019, 5, 1)  # the allocation ended then
    member = h.memberships.first().person
    ChangeRecord.objects.create(
        at=_at(date(2020, 2, 3)),
        actor=personas.practitioner,
        action="update",
        change_set="00000000-0000-0000-0000-000000000001",
        model="person",
        object_uuid=member.uuid,
        person=member,
    )
    assert last() == date(2020, 2, 3)  # a member's record changed by staff
    ChangeRecord.objects.create(
        at=_at(date(2021, 2, 3)),
        actor=None,
        action="update",
        change_set="00000000-0000-0000-0000-000000000002",
        model="person",
        object_uuid=member.uuid,
        person=member,
    )
    assert last() == date(2020, 2, 3)  # automatic changes are not contact
    CaseAllocation.objects.create(
        household=h, organisation=personas.lead, started_on=date(2018, 1, 1)
    )
    ongoing = Household.objects.annotate(o=contact.in_contact()).get(pk=h.pk).o
    assert ongoing is True


def test_dry_run_shows_what_why_and_how_many_and_changes_nothing(personas, today):
    due = old_family(personas, last_contact=date(2019, 5, 1), name="Duefield")
    old_family(personas, last_contact=date(2022, 5, 1), name="Recentfield")
    held = old_family(personas, last_contact=date(2018, 1, 1), name="Heldfield")
    services.hold_place(
        actor=personas.dpo,
        kind=Hold.Kind.SAFEGUARDING,
        reason="child protection plan",
        household=held,
    )
    people = Person.objects.count()

    found = {p.source.key: p for p in disposal.preview(as_of=today)}
    case = found["case_records"]
    assert (case.due, case.held, case.to_dispose) == (2, 1, 1)
    whats = {row["what"] for row in case.sample}
    assert f"Family record {str(due.uuid)[:8]}" in whats
    row = next(r for r in case.sample if r["what"].endswith(str(due.uuid)[:8]))
    assert row["why"] == (
        "The last contact with the family on 01/05/2019; kept 6 years, due since 01/05/2025"
    )
    assert "Duefield" not in str(case.sample)  # no names in the preview
    run = disposal.start_run(actor=personas.dpo, dry_run=True, enqueue=False)
    assert run.status == DisposalRun.Status.COMPLETED and run.dry_run
    assert run.counts["case_records"] == {"due": 2, "held": 1, "to_dispose": 1, "kept": 0}
    assert Person.objects.count() == people and not ErasureRecord.objects.exists()


def test_a_run_disposes_of_due_families_honours_holds_and_logs_it(
    personas, today, django_capture_on_commit_callbacks
):
    due = [
        old_family(personas, last_contact=date(2019, 1, 1) + timedelta(days=i), name=f"Due{i}")
        for i in range(5)
    ]
    on_hold = old_family(personas, last_contact=date(2018, 1, 1), name="Held")
    services.hold_place(
        actor=personas.dpo,
        kind=Hold.Kind.LEGAL,
        reason="claim",
        reference="LC-1",
        household=on_hold,
    )
    restricted = old_family(personas, last_contact=date(2018, 1, 1), name="Restricted")
    privacy.restriction_start(
        actor=personas.dpo, person=restricted.memberships.first().person, reason="legal claims"
    )
    member_held = old_family(personas, last_contact=date(2018, 1, 1), name="MemberHeld")
    services.hold_place(
        actor=personas.dpo,
        kind=Hold.Kind.SAFEGUARDING,
        reason="s47",
        person=member_held.memberships.first().person,
    )
    recent = old_family(personas, last_contact=date(2023, 1, 1), name="Recent")
    due_people = list(
        Membership.objects.filter(household__in=due).values_list("person_id", flat=True)
    )

    with django_capture_on_commit_callbacks(execute=True):
        run = disposal.start_run(actor=personas.dpo, dry_run=False, batch_size=2, enqueue=False)

    assert run.status == DisposalRun.Status.COMPLETED
    assert not Household.objects.filter(pk__in=[h.pk for h in due]).exists()
    assert not Person.objects.filter(pk__in=due_people).exists()
    assert (
        Household.objects.filter(
            pk__in=[on_hold.pk, restricted.pk, member_held.pk, recent.pk]
        ).count()
        == 4
    )
    counts = run.counts["case_records"]
    assert counts["disposed"] == 5 and counts["held"] == 3 and counts["people"] == len(due_people)
    items = DisposalItem.objects.filter(run=run, source="case_records")
    assert items.filter(outcome="disposed").count() == 5
    details = dict(items.filter(outcome="held").values_list("object_pk", "detail"))
    assert details[on_hold.pk].startswith("a legal claim or proceedings hold (reference LC-1)")
    assert "restricted" in details[restricted.pk]
    assert details[member_held.pk].startswith("a member is under a safeguarding hold")
    record = ErasureRecord.objects.filter(run=run).first()
    assert record.ground == ErasureRecord.Ground.RETENTION and record.rule.category == "CASE_RECORD"
    assert "Due0" not in str(record.__dict__)
    assert access_log.verify().ok


def test_an_interrupted_run_resumes_without_losing_or_double_counting(
    personas, today, monkeypatch, django_capture_on_commit_callbacks
):
    families = [
        old_family(personas, last_contact=date(2019, 1, 1), name=f"Batch{i}") for i in range(7)
    ]
    real = erasure.erase_households
    calls = {"n": 0}

    def failing(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            # Part of the batch is already erased when it fails: all of it must roll back.
            real(**{**kwargs, "households": list(kwargs["households"])[:1]})
            raise RuntimeError("the worker was killed")
        return real(**kwargs)

    monkeypatch.setattr(erasure, "erase_households", failing)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        disposal.start_run(actor=personas.dpo, dry_run=False, batch_size=2, enqueue=False)
    run = DisposalRun.objects.get()
    assert run.status == DisposalRun.Status.INTERRUPTED
    assert "RuntimeError while disposing of case_records" in run.error
    assert run.counts["case_records"]["disposed"] == 4  # two committed batches
    assert Household.objects.filter(pk__in=[h.pk for h in families]).count() == 3
    assert run.position["source"] == "case_records"

    monkeypatch.setattr(erasure, "erase_households", real)
    with django_capture_on_commit_callbacks(execute=True):
        again = disposal.start_run(actor=personas.dpo, dry_run=False, batch_size=2, enqueue=False)
    assert again.pk == run.pk  # the unfinished run is resumed, not a new one started
    run.refresh_from_db()
    assert run.status == DisposalRun.Status.COMPLETED and run.attempts == 2
    assert run.counts["case_records"]["disposed"] == 7
    assert not Household.objects.filter(pk__in=[h.pk for h in families]).exists()
    pks = list(DisposalItem.objects.filter(run=run).values_list("object_pk", flat=True))
    assert sorted(pks) == sorted(h.pk for h in families)  # each once


def test_stop_after_batches_then_resume_by_the_command(
    personas, today, django_capture_on_commit_callbacks
):
    families = [
        old_family(personas, last_contact=date(2019, 1, 1), name=f"Cmd{i}") for i in range(5)
    ]
    run = DisposalRun.objects.create(
        dry_run=False, as_of=today, batch_size=2, started_by=personas.dpo
    )
    with pytest.raises(disposal.InterruptedRun), django_capture_on_commit_callbacks(execute=True):
        disposal.execute(run, stop_after_batches=1)
    assert Household.objects.filter(pk__in=[h.pk for h in families]).count() == 3
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("dispose", "--execute", stdout=out)
    run.refresh_from_db()
    assert run.status == DisposalRun.Status.COMPLETED
    assert "Resuming" in out.getvalue()
    assert run.counts["case_records"]["disposed"] == 5


def test_a_member_of_another_family_only_leaves_the_disposed_one(
    personas, today, django_capture_on_commit_callbacks
):
    old = old_family(personas, last_contact=date(2019, 1, 1), name="Parted")
    current = make_household(organisation=personas.lead, family_name="Current")
    parent = old.memberships.first().person
    Membership.objects.create(household=current, person=parent, role="parent_carer")
    with django_capture_on_commit_callbacks(execute=True):
        disposal.start_run(actor=personas.dpo, dry_run=False, enqueue=False)
    assert not Household.objects.filter(pk=old.pk).exists()
    assert Person.objects.filter(pk=parent.pk).exists()
    assert list(
        Membership.objects.filter(person=parent).values_list("household_id", flat=True)
    ) == [current.pk]


def test_staff_accounts_sign_in_events_and_the_access_log(
    personas, today, monkeypatch, django_capture_on_commit_callbacks
):
    leaver = make_staff("leaver", "practitioner", personas.lead)
    StaffMembership.objects.filter(user=leaver).update(active=False, ended_at=_at(date(2024, 6, 1)))
    User.objects.filter(pk=leaver.pk).update(
        is_active=False, last_login=_at(date(2024, 5, 30)), date_joined=_at(date(2020, 1, 1))
    )
    recent_leaver = make_staff("recentleaver", "practitioner", personas.lead)
    StaffMembership.objects.filter(user=recent_leaver).update(
        active=False, ended_at=_at(date(2026, 6, 1))
    )
    User.objects.filter(pk=recent_leaver.pk).update(is_active=False)
    SignInEvent.objects.create(username="leaver", kind="password_ok", at=_at(date(2018, 1, 1)))
    SignInEvent.objects.create(username="leaver", kind="password_ok", at=_at(date(2020, 1, 1)))
    with monkeypatch.context() as m:  # an entry written in 2018 (PostgreSQL refuses updates)
        m.setattr(access_log.timezone, "now", lambda: _at(date(2018, 1, 1)))
        access_log.record(user=personas.practitioner, action=AccessLogEntry.Action.SEARCH)
    with django_capture_on_commit_callbacks(execute=True):
        run = disposal.start_run(actor=personas.dpo, dry_run=False, enqueue=False)
    leaver.refresh_from_db()
    assert leaver.username == f"former-staff-{leaver.pk}" and not leaver.email
    assert not leaver.first_name and not leaver.has_usable_password()
    assert User.objects.get(pk=recent_leaver.pk).username == "recentleaver"
    assert list(SignInEvent.objects.values_list("at__year", flat=True)) == [2020]
    assert run.counts["staff_accounts"]["disposed"] == 1
    assert run.counts["sign_in_events"]["disposed"] == 1
    assert run.counts["access_log"] == {
        "kept": AccessLogEntry.objects.filter(at__year=2018).count()
    }
    assert AccessLogEntry.objects.exists()


def test_an_anonymised_account_leaves_no_name_in_its_history(
    personas, today, django_capture_on_commit_callbacks
):
    """R-RETAIN-2, ADR 0025: the change records of the account, its links and its roles stop
    naming the leaver when the account is anonymised; who did what, and when, stays."""
    from familyhub.access import accounts

    leaver, _ = accounts.staff_account_create(
        actor=personas.admin,
        username="mo.salah",
        given_name="Mohammed",
        family_name="Salah",
        email="mo.salah@example.org",
        organisation=personas.lead,
        role="practitioner",
        reason="Mohammed starts on 1/12",
    )
    accounts.staff_account_close(actor=personas.admin, user=leaver, reason="Mohammed left")
    User.objects.filter(pk=leaver.pk).update(
        date_joined=_at(date(2020, 1, 1)), closed_at=_at(date(2024, 6, 1))
    )
    StaffMembership.objects.filter(user=leaver).update(ended_at=_at(date(2024, 6, 1)))
    stayer, _ = accounts.staff_account_create(
        actor=personas.admin,
        username="sal.ahmed",
        given_name="Sal",
        family_name="Ahmed",
        email="sal.ahmed@example.net",
    )
    named = ChangeRecord.objects.filter(object_label__icontains="mo.salah")
    assert named.count() >= 3  # the account, its link and its role were named in the history
    with django_capture_on_commit_callbacks(execute=True):
        disposal.start_run(actor=personas.dpo, dry_run=False, enqueue=False)
    leaver.refresh_from_db()
    assert leaver.username == f"former-staff-{leaver.pk}"
    texts = [
        " ".join((r.object_label, r.old_value, r.new_value, r.reason)).lower()
        for r in ChangeRecord.objects.all()
    ]
    for name in ("mo.salah", "mohammed", "salah", "example.org"):
        assert not [t for t in texts if name in t], name
    # Someone else's account keeps its history whole ('Sal' is not a word of 'Salah').
    assert ChangeRecord.objects.filter(
        object_uuid=stayer.uuid, object_label="sal.ahmed's account"
    ).exists()
    history = ChangeRecord.objects.filter(object_uuid=leaver.uuid)
    assert history.filter(field="is_active", actor=personas.admin).exists()
    assert history.filter(object_label__startswith=f"former-staff-{leaver.pk}").exists()
    assert ChangeRecord.objects.filter(reason="[removed] left").exists()


def test_only_one_real_run_at_a_time_and_no_future_dates(personas, today):
    first = disposal.start_run(actor=personas.dpo, dry_run=False, enqueue=True)
    second = disposal.start_run(actor=personas.dpo, dry_run=False, enqueue=True)
    assert first.pk == second.pk
    with pytest.raises(Exception, match="future"):
        disposal.start_run(actor=personas.dpo, as_of=today + timedelta(days=1), enqueue=False)


def test_the_task_runs_a_queued_run(personas, today, django_capture_on_commit_callbacks):
    old_family(personas, last_contact=date(2019, 1, 1), name="Queued")
    with django_capture_on_commit_callbacks(execute=True):
        run = disposal.start_run(actor=None, dry_run=False, enqueue=True)
    run.refresh_from_db()
    assert run.status == DisposalRun.Status.COMPLETED
    assert run.counts["case_records"]["disposed"] == 1
    assert ErasureRecord.objects.get(run=run).erased_by is None


def test_the_command_shows_a_dry_run_by_default(personas, today):
    old_family(personas, last_contact=date(2019, 1, 1), name="Shown")
    out = StringIO()
    call_command("dispose", stdout=out)
    text = out.getvalue()
    assert "Dry run" in text and "Families (case records)" in text
    assert "1 due" in text and "Nothing was disposed of" in text
    assert Household.objects.filter(name="Shown family").exists()
    with pytest.raises(CommandError, match="Unknown retention category"):
        call_command("dispose", "--category", "NOPE", stdout=StringIO())


def test_an_open_rights_request_holds_the_family(
    personas, today, django_capture_on_commit_callbacks
):
    from familyhub.rights.models import ReceivedVia, RequestKind
    from familyhub.rights.services import requests as rights

    family = old_family(personas, last_contact=date(2018, 1, 1), name="Asking")
    request = rights.request_record(
        actor=personas.dpo,
        kind=RequestKind.ACCESS,
        received_on=today,
        received_via=ReceivedVia.EMAIL,
        description="A copy of our records",
        person=family.memberships.first().person,
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = disposal.start_run(actor=personas.dpo, dry_run=False, enqueue=False)
    assert Household.objects.filter(pk=family.pk).exists()
    item = DisposalItem.objects.get(run=run, object_pk=family.pk)
    assert item.outcome == "held"
    assert item.detail == f"a member has an open rights request (reference {request.reference})"


def test_rejected_import_rows_are_due_three_months_after_their_import(personas):
    """R-RETAIN-1, data minimisation: rows of a partner file that could not be imported hold names,
    dates of birth and NHS numbers linked to nobody; their own rule (IMPORT_REJECTS, seeded at
    three months) disposes of them long before the case record's six years."""
    from familyhub.imports.models import ImportBatch, RejectedRow
    from familyhub.retention.models import RetentionRule

    rule = RetentionRule.objects.get(category="IMPORT_REJECTS")
    assert (rule.period_years, rule.period_months) == (0, 3)

    def batch(finished: date) -> ImportBatch:
        b = ImportBatch.objects.create(
            kind="people",
            organisation=personas.lead,
            file_name=f"{finished}.csv",
            file_format="csv",
            sha256=str(finished).ljust(64, "0"),
            status=ImportBatch.Status.COMPLETED,
            finished_at=_at(finished),
        )
        RejectedRow.objects.create(
            batch=b,
            row_number=2,
            errors=[["nhs_number", "not a valid NHS number"]],
            values={"given_name": "Ada", "family_name": "Example", "nhs_number": "999 000 0000"},
        )
        return b

    as_of = date(2026, 11, 30)
    old, recent = batch(date(2026, 8, 1)), batch(date(2026, 10, 1))
    [found] = disposal.preview(as_of=as_of, categories=["IMPORT_REJECTS"])
    assert found.source.key == "import_rejected_rows" and found.rule == rule
    assert found.due == 1
    run = disposal.start_run(
        actor=personas.dpo,
        dry_run=False,
        categories=["IMPORT_REJECTS"],
        as_of=as_of,
        enqueue=False,
    )
    assert run.status == DisposalRun.Status.COMPLETED
    assert list(RejectedRow.objects.values_list("batch_id", flat=True)) == [recent.pk]
    assert ImportBatch.objects.filter(pk=old.pk).exists()  # the record of the import stays
