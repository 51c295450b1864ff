"""The disposal job (R-RETAIN-2): find what is due under the retention rules, show it (a dry run),
dispose of it in batches with the erasure service, honour holds, and keep a disposal log.

Each kind of record is a `Source` tied to a retention category:

| source | category | what is disposed of | how |
|---|---|---|---|
| case_records | CASE_RECORD | families whose last contact ended the period | erased with their members (`erasure.erase_households`) |
| lone_people | CASE_RECORD | people who belong to no family | erased (`erasure.erase_lone_people`) |
| unlinked_enquiries | CASE_RECORD | enquiries and complaints not linked to a family | deleted |
| evaluation_feedback, evaluation_links | EVALUATION | feedback responses and links | deleted (the programme's end plus the period) |
| staff_accounts | STAFF_ACCOUNT | closed staff accounts | anonymised (the row stays: the audit trail points at it) |
| sign_in_events, break_glass_grants | AUDIT_LOG | sign-in events, break-glass grants | deleted |
| access_log | AUDIT_LOG | access-log entries | counted, never deleted here: the log is archived in whole, verified segments (ADR 0005) |

Families and people under a hold in force, with an open rights request, or restricted (Article 18:
kept for storage and legal claims until lifted), are skipped and logged as held.

A run (`DisposalRun`) works through the sources in order and each source in batches by primary key
(constant memory whatever the size). Each batch disposes, writes its `DisposalItem`s, adds to the
run's counts and moves the run's checkpoint in one transaction: if the run is interrupted (an error,
a killed worker), the batch in progress is rolled back whole, and running the job again resumes
after the last committed batch, losing nothing and counting nothing twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.models import AccessLogEntry, SignInEvent
from familyhub.access.models import Membership as StaffMembership
from familyhub.access.roles import Capability
from familyhub.core.errors import ApplicationError
from familyhub.people.models import Household, Membership, Person
from familyhub.privacy.models import Restriction
from familyhub.retention import contact, erasure
from familyhub.retention.models import DisposalItem, DisposalRun, Hold, RetentionRule
from familyhub.retention.periods import due_on, latest_due_start
from familyhub.retention.services import holds_in_force_q

logger = logging.getLogger(__name__)

PREVIEW_PER_SOURCE = 20
# Rows of the table examined per query, as a multiple of the batch size.
WINDOW_FACTOR = 4
ANONYMISED_PREFIX = "former-staff-"


def cutoff(rule: RetentionRule | None, as_of: date) -> date | None:
    """The latest start date that is due by `as_of` under `rule`, or None if nothing can be due."""
    if rule is None or not rule.has_period:
        return None
    if rule.starts_from == RetentionRule.StartsFrom.PROGRAMME_END:
        end = rule.programme_ends_on
        if end is None or due_on(end, rule.period_years, rule.period_months) > as_of:
            return None
        return as_of  # the programme's lifetime plus the period is over: everything is due
    return latest_due_start(as_of, rule.period_years, rule.period_months)


def _short(uuid: Any) -> str:
    return str(uuid)[:8]


@dataclass
class Batch:
    items: list[DisposalItem]
    counts: Counter[str]


class Source:
    key = ""
    category = ""
    label = ""
    object_type = ""
    disposes = True
    log_items = True

    def covers(self) -> set[str]:
        """The models whose rows this source disposes of (for the coverage test)."""
        return set()

    def queryset(self, rule: RetentionRule, as_of: date) -> QuerySet[Any] | None:
        raise NotImplementedError

    def values(self) -> tuple[str, ...]:
        return ("pk", "since", "held")

    def what(self, row: dict[str, Any]) -> str:
        return f"{self.object_type} #{row['pk']}"

    def why(self, rule: RetentionRule, row: dict[str, Any]) -> str:
        since = row.get("since")
        if since is None:
            return rule.summary
        due = due_on(since, rule.period_years, rule.period_months)
        start = rule.get_starts_from_display()
        return f"{start[:1].upper()}{start[1:]} on {since:%d/%m/%Y}; kept {rule.period_text}, due since {due:%d/%m/%Y}"

    def dispose(
        self, rows: list[dict[str, Any]], run: DisposalRun, rule: RetentionRule, actor: Any
    ) -> Batch:
        raise NotImplementedError


def _item(
    run: DisposalRun,
    source: Source,
    pk: int,
    outcome: str,
    detail: str = "",
    erasure_record: Any = None,
) -> DisposalItem:
    return DisposalItem(
        run=run,
        source=source.key,
        object_type=source.object_type,
        object_pk=pk,
        outcome=outcome,
        detail=detail[:300],
        erasure=erasure_record,
        at=timezone.now(),
    )


def _hold_details(
    *, households: Iterable[int] = (), people: Iterable[int] = (), on: date
) -> dict[tuple[str, int], str]:
    """('household'|'person', id) -> how the hold or restriction is named in the log."""
    households, people = list(households), list(people)
    found: dict[tuple[str, int], str] = {}
    members: dict[int, list[int]] = {}
    if households:
        for person_id, household_id in Membership.objects.filter(
            household_id__in=households
        ).values_list("person_id", "household_id"):
            members.setdefault(person_id, []).append(household_id)
    all_people = set(people) | set(members)
    holds = Hold.objects.filter(holds_in_force_q(on)).filter(
        Q(household_id__in=households) | Q(person_id__in=all_people)
    )
    for h in holds.order_by("starts_on", "id"):
        text = h.description
        if h.household_id:
            found.setdefault(("household", h.household_id), text)
        if h.person_id:
            found.setdefault(("person", h.person_id), text)
            for household_id in members.get(h.person_id, []):
                found.setdefault(("household", household_id), f"a member is under {text}")
    model = erasure.open_requests_model()
    if model is not None:
        field, open_q = erasure.OPEN_REQUESTS[1], erasure.OPEN_REQUESTS[2]
        for person_id, ref in (
            model._default_manager.filter(open_q, **{f"{field}__in": all_people})
            .order_by("pk")
            .values_list(f"{field}_id", "reference")
        ):
            text = f"an open rights request (reference {ref})"
            found.setdefault(("person", person_id), text)
            for household_id in members.get(person_id, []):
                found.setdefault(("household", household_id), f"a member has {text}")
    restricted = Restriction.objects.filter(
        person_id__in=all_people, lifted_on__isnull=True, started_on__lte=on
    ).values_list("person_id", flat=True)
    for person_id in restricted:
        text = "processing is restricted (Article 18: kept for storage and legal claims)"
        found.setdefault(("person", person_id), text)
        for household_id in members.get(person_id, []):
            found.setdefault(("household", household_id), f"a member's {text}")
    return found


def _open_request(people: Any) -> Any:
    """Exists: an open rights request about the person (`OuterRef("pk")`) or about one of the
    people of a subquery (the members of the family)."""
    model = erasure.open_requests_model()
    if model is None:
        return None
    field, open_q = erasure.OPEN_REQUESTS[1], erasure.OPEN_REQUESTS[2]
    lookup = f"{field}_id" if isinstance(people, OuterRef) else f"{field}_id__in"
    return Exists(model._default_manager.filter(open_q, **{lookup: people}))


def _restricted(path: str, on: date) -> Exists:
    return Exists(
        Restriction.objects.filter(
            lifted_on__isnull=True, started_on__lte=on, **{path: OuterRef("pk")}
        )
    )


def _hold_or_erase(
    source: Source,
    rows: list[dict[str, Any]],
    run: DisposalRun,
    *,
    kind: str,
    erase: Callable[[list[int]], Any],
) -> Batch:
    """One batch of families (`kind` "household") or people ("person"): those on hold are logged
    as held with what holds them, the rest erased together in one erasure record."""
    counts: Counter[str] = Counter()
    items: list[DisposalItem] = []
    held = [r["pk"] for r in rows if r["held"]]
    details: dict[tuple[str, int], str] = {}
    if held and kind == "household":
        details = _hold_details(households=held, on=run.as_of)
    elif held:
        details = _hold_details(people=held, on=run.as_of)
    for pk in held:
        items.append(
            _item(run, source, pk, DisposalItem.Outcome.HELD, details.get((kind, pk), "on hold"))
        )
        counts["held"] += 1
    due = [r["pk"] for r in rows if not r["held"]]
    if due:
        record = erase(due)
        for pk in due:
            items.append(
                _item(run, source, pk, DisposalItem.Outcome.DISPOSED, erasure_record=record)
            )
        counts["disposed"] += len(due)
        counts["people"] += record.people_count if record else 0
    return Batch(items, counts)


class CaseRecords(Source):
    key = "case_records"
    category = "CASE_RECORD"
    label = "Families (case records)"
    object_type = "family"

    def covers(self) -> set[str]:
        from familyhub.core.personal_data import household_links, person_links

        linked = {lk.model._meta.label for lk in person_links() + household_links()}
        return linked | {"people.Person", "people.Household"}

    def queryset(self, rule: RetentionRule, as_of: date) -> QuerySet[Any] | None:
        last = cutoff(rule, as_of)
        if last is None:
            return None
        qs = Household.objects.annotate(since=contact.last_contact_date())
        ongoing = contact.in_contact()
        if ongoing is not None:
            qs = qs.annotate(ongoing=ongoing).filter(ongoing=False)
        members = contact.members_of_outer()
        held = (
            Exists(Hold.objects.filter(holds_in_force_q(as_of), household=OuterRef("pk")))
            | Exists(Hold.objects.filter(holds_in_force_q(as_of), person_id__in=members))
            | Exists(
                Restriction.objects.filter(
                    lifted_on__isnull=True, started_on__lte=as_of, person_id__in=members
                )
            )
        )
        requests = _open_request(members)
        if requests is not None:
            held = held | requests
        return (
            qs.filter(since__lte=last)
            .annotate(held=ExpressionWrapper(held, output_field=BooleanField()))
            .order_by("pk")
        )

    def values(self) -> tuple[str, ...]:
        return ("pk", "uuid", "since", "held")

    def what(self, row: dict[str, Any]) -> str:
        return f"Family record {_short(row['uuid'])}"

    def dispose(
        self, rows: list[dict[str, Any]], run: DisposalRun, rule: RetentionRule, actor: Any
    ) -> Batch:
        return _hold_or_erase(
            self,
            rows,
            run,
            kind="household",
            erase=lambda due: erasure.erase_households(
                actor=actor, households=due, run=run, rule=rule
            ),
        )


class LonePeople(Source):
    key = "lone_people"
    category = "CASE_RECORD"
    label = "People who belong to no family"
    object_type = "person"

    def covers(self) -> set[str]:
        return {"people.Person"}

    def queryset(self, rule: RetentionRule, as_of: date) -> QuerySet[Any] | None:
        last = cutoff(rule, as_of)
        if last is None:
            return None
        held = Exists(
            Hold.objects.filter(holds_in_force_q(as_of), person=OuterRef("pk"))
        ) | _restricted("person", as_of)
        requests = _open_request(OuterRef("pk"))
        if requests is not None:
            held = held | requests
        return (
            Person.objects.filter(~Exists(Membership.objects.filter(person=OuterRef("pk"))))
            .annotate(since=contact.person_last_contact_date())
            .filter(since__lte=last)
            .annotate(held=ExpressionWrapper(held, output_field=BooleanField()))
            .order_by("pk")
        )

    def values(self) -> tuple[str, ...]:
        return ("pk", "uuid", "since", "held")

    def what(self, row: dict[str, Any]) -> str:
        return f"Person record {_short(row['uuid'])}"

    def dispose(
        self, rows: list[dict[str, Any]], run: DisposalRun, rule: RetentionRule, actor: Any
    ) -> Batch:
        return _hold_or_erase(
            self,
            rows,
            run,
            kind="person",
            erase=lambda due: erasure.erase_lone_people(
                actor=actor, people=due, run=run, rule=rule
            ),
        )


class StaffAccounts(Source):
    key = "staff_accounts"
    category = "STAFF_ACCOUNT"
    label = "Closed staff accounts"
    object_type = "staff account"

    def covers(self) -> set[str]:
        return {"access.User"}

    def queryset(self, rule: RetentionRule, as_of: date) -> QuerySet[Any] | None:
        last = cutoff(rule, as_of)
        if last is None:
            return None
        User = get_user_model()
        last_role_end = Subquery(
            StaffMembership.objects.filter(user=OuterRef("pk"), ended_at__isnull=False)
            .order_by("-ended_at")
            .values("ended_at")[:1]
        )
        # Counted from the latest of: the account's closure (ADR 0025; older accounts have none),
        # its last sign-in, and the end of its last role.
        closed = Greatest(
            TruncDate("date_joined"),
            TruncDate(Coalesce("closed_at", "date_joined")),
            TruncDate(Coalesce("last_login", "date_joined")),
            TruncDate(Coalesce(last_role_end, "date_joined")),
        )
        return (
            User.objects.filter(is_active=False)
            .exclude(username__startswith=ANONYMISED_PREFIX)
            .filter(~Exists(StaffMembership.objects.filter(user=OuterRef("pk"), active=True)))
            .annotate(since=closed, held=Value(False))
            .filter(since__lte=last)
            .order_by("pk")
        )

    def dispose(
        self, rows: list[dict[str, Any]], run: DisposalRun, rule: RetentionRule, actor: Any
    ) -> Batch:
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from familyhub.access.accounts import history_anonymise
        from familyhub.access.models import ApiToken

        User = get_user_model()
        ids = [r["pk"] for r in rows]
        TOTPDevice.objects.filter(user_id__in=ids).delete()
        StaticDevice.objects.filter(user_id__in=ids).delete()
        ApiToken.objects.filter(user_id__in=ids, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        for user in User.objects.filter(pk__in=ids):
            # Their account's own history first, while it still knows their name (ADR 0025).
            history_anonymise(
                user,
                username=user.username,
                names=[user.first_name, user.last_name, user.email],
                new_username=f"{ANONYMISED_PREFIX}{user.pk}",
            )
            user.username = f"{ANONYMISED_PREFIX}{user.pk}"
            user.first_name = ""
            user.last_name = ""
            user.email = ""
            user.set_unusable_password()
            user.session_epoch = F("session_epoch") + 1
            user.save(
                update_fields=[
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "password",
                    "session_epoch",
                ]
            )
        items = [
            _item(run, self, pk, DisposalItem.Outcome.DISPOSED, "account anonymised") for pk in ids
        ]
        return Batch(items, Counter(disposed=len(ids)))


class SignInEvents(Source):
    key = "sign_in_events"
    category = "AUDIT_LOG"
    label = "Sign-in events"
    object_type = "sign-in event"
    log_items = False

    def covers(self) -> set[str]:
        return {"access.SignInEvent"}

    def queryset(self, rule: RetentionRule, as_of: date) -> QuerySet[Any] | None:
        last = cutoff(rule, as_of)
        if last is None:
            return None
        before = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
        return (
            SignInEvent.objects.filter(at__lt=before)
            .annotate(since=TruncDate("at"), held=Value(False))
            .order_by("pk")
        )

    def dispose(
        self, rows: list[dict[str, Any]], run: DisposalRun, rule: RetentionRule, actor: Any
    ) -> Batch:
        n, _ = SignInEvent.objects.filter(pk__in=[r["pk"] for r in rows]).delete()
        return Batch([], Counter(disposed=n))


class AccessLog(Source):
    key = "access_log"
    category = "AUDIT_LOG"
    label = "Access-log entries"
    object_type = "access-log entry"
    disposes = False
    log_items = False
    kept_because = (
        "The access log is never deleted row by row: its hash chain would break. Entries past the "
        "period are archived in whole, verified segments (ADR 0005, docs/operating.md)."
    )

    def covers(self) -> set[str]:
        return {"access.AccessLogEntry", "access.AccessLogSubject"}

    def queryset(self, rule: RetentionRule, as_of: date) -> QuerySet[Any] | None:
        last = cutoff(rule, as_of)
        if last is None:
            return None
        before = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
        return (
            AccessLogEntry.objects.filter(at__lt=before)
            .annotate(since=TruncDate("at"), held=Value(False))
            .order_by("pk")
        )


class ModelRows(Source):
    """Rows of one model that belong to no person or family (anonymous feedback, an enquiry from
    someone not registered), deleted when their own date ends the period."""

    def __init__(
        self,
        *,
        key: str,
        category: str,
        model: str,
        since: Any,
        object_type: str,
        label: str,
        only: Q | None = None,
    ) -> None:
        self.key, self.category, self.model_label = key, category, model
        self.since_expression, self.object_type, self.label = since, object_type, label
        self.only = only or Q()

    @property
    def model(self) -> Any:
        from django.apps import apps

        return apps.get_model(self.model_label)

    def covers(self) -> set[str]:
        return {self.model_label}

    def installed(self) -> bool:
        from django.apps import apps

        try:
            apps.get_model(self.model_label)
        except LookupError:
            return False
        return True

    def queryset(self, rule: RetentionRule, as_of: date) -> QuerySet[Any] | None:
        last = cutoff(rule, as_of)
        if last is None or not self.installed():
            return None
        return (
            self.model._default_manager.filter(self.only)
            .annotate(since=self.since_expression, held=Value(False))
            .filter(since__lte=last)
            .order_by("pk")
        )

    def dispose(
        self, rows: list[dict[str, Any]], run: DisposalRun, rule: RetentionRule, actor: Any
    ) -> Batch:
        ids = [r["pk"] for r in rows]
        erasure.delete_rows(self.model._default_manager.filter(pk__in=ids))
        items = [_item(run, self, pk, DisposalItem.Outcome.DISPOSED) for pk in ids]
        return Batch(items, Counter(disposed=len(ids)))


SOURCES: list[Source] = [
    CaseRecords(),
    LonePeople(),
    ModelRows(
        key="unlinked_enquiries",
        category="CASE_RECORD",
        model="casework.Enquiry",
        since=Coalesce("resolved_on", "received_on"),
        object_type="enquiry",
        label="Enquiries and complaints not linked to a family",
        only=Q(household__isnull=True),
    ),
    ModelRows(
        key="evaluation_feedback",
        category="EVALUATION",
        model="casework.FeedbackResponse",
        since=F("submitted_on"),
        object_type="feedback response",
        label="Feedback responses (evaluation)",
    ),
    ModelRows(
        key="evaluation_links",
        category="EVALUATION",
        model="casework.FeedbackLink",
        since=TruncDate("created_at"),
        object_type="feedback link",
        label="Feedback links (evaluation)",
    ),
    StaffAccounts(),
    SignInEvents(),
    ModelRows(
        key="break_glass_grants",
        category="AUDIT_LOG",
        model="access.BreakGlassGrant",
        since=TruncDate("created_at"),
        object_type="break-glass grant",
        label="Break-glass grants and their reviews",
    ),
    ModelRows(
        key="sharing_outputs",
        category="AUDIT_LOG",
        model="sharing.Output",
        since=TruncDate("created_at"),
        object_type="report or extract",
        label="Reports and extracts produced (their files are emptied after the download window)",
    ),
    ModelRows(
        key="import_rejected_rows",
        category="IMPORT_REJECTS",
        model="imports.RejectedRow",
        since=TruncDate(Coalesce("batch__finished_at", "batch__created_at")),
        object_type="rejected import row",
        label="Rows of partner files that were rejected, with their reasons",
    ),
    AccessLog(),
]


def sources_for(categories: Iterable[str] = ()) -> list[Source]:
    wanted = set(categories)
    return [s for s in SOURCES if not wanted or s.category in wanted]


def rules_by_category() -> dict[str, RetentionRule]:
    return {r.category: r for r in RetentionRule.objects.all()}


# --- the dry run ---------------------------------------------------------------------------------


@dataclass
class SourcePreview:
    source: Source
    rule: RetentionRule | None
    due: int
    held: int
    note: str
    sample: list[dict[str, str]]

    @property
    def to_dispose(self) -> int:
        return self.due - self.held if self.source.disposes else 0

    @property
    def kept(self) -> int:
        return 0 if self.source.disposes else self.due


def preview(
    *, as_of: date | None = None, categories: Iterable[str] = (), sample: int = PREVIEW_PER_SOURCE
) -> list[SourcePreview]:
    """What is due now under each rule: how many, how many held, and the first few with the reason."""
    as_of = as_of or timezone.localdate()
    rules = rules_by_category()
    out: list[SourcePreview] = []
    for source in sources_for(categories):
        rule = rules.get(source.category)
        if rule is None:
            out.append(
                SourcePreview(source, None, 0, 0, "No retention rule for this kind of record.", [])
            )
            continue
        qs = source.queryset(rule, as_of)
        if qs is None:
            note = (
                "The programme's end date is not set, or the programme has not ended long enough."
                if rule.starts_from == RetentionRule.StartsFrom.PROGRAMME_END
                else "This rule has no period: nothing is disposed of."
            )
            out.append(SourcePreview(source, rule, 0, 0, note, []))
            continue
        # Two counts: an aggregate filtered on the boolean annotation miscounts on SQLite.
        totals = {"due": qs.count(), "held": qs.filter(held=True).count()}
        note = ""
        if not source.disposes:
            note = getattr(source, "kept_because", "")
        elif not rule.disposal_enabled:
            note = "Automatic disposal is switched off for this rule: a run skips it."
        rows = list(qs.values(*source.values())[:sample]) if sample else []
        out.append(
            SourcePreview(
                source,
                rule,
                totals["due"],
                totals["held"],
                note,
                [
                    {
                        "what": source.what(r),
                        "why": source.why(rule, r),
                        "held": "on hold or restricted" if r["held"] else "",
                    }
                    for r in rows
                ],
            )
        )
    return out


# --- runs ----------------------------------------------------------------------------------------


def unfinished_run() -> DisposalRun | None:
    return (
        DisposalRun.objects.filter(
            dry_run=False,
            status__in=[
                DisposalRun.Status.PENDING,
                DisposalRun.Status.RUNNING,
                DisposalRun.Status.INTERRUPTED,
            ],
        )
        .order_by("created_at", "id")
        .first()
    )


def start_run(
    *,
    actor: Any,
    dry_run: bool = True,
    categories: Iterable[str] = (),
    as_of: date | None = None,
    batch_size: int = 200,
    enqueue: bool = True,
) -> DisposalRun:
    """Start a run (or resume the unfinished one): queued for the worker, or run here."""
    if actor is not None:
        access.require(actor, Capability.MANAGE_PRIVACY)
    today = timezone.localdate()
    as_of = as_of or today
    if as_of > today:
        raise ApplicationError("A disposal run cannot count periods to a day in the future.")
    if batch_size < 1:
        raise ApplicationError("The batch size must be at least 1.")
    categories = sorted(set(categories))
    unknown = set(categories) - {s.category for s in SOURCES} - set(rules_by_category())
    if unknown:
        raise ApplicationError(f"Unknown retention category: {', '.join(sorted(unknown))}.")
    run = None if dry_run else unfinished_run()
    if run is None:
        run = DisposalRun.objects.create(
            dry_run=dry_run,
            as_of=as_of,
            categories=categories,
            started_by=actor if getattr(actor, "pk", None) else None,
            batch_size=batch_size,
        )
    if enqueue:
        from familyhub.retention.tasks import dispose_run

        uuid = str(run.uuid)
        transaction.on_commit(lambda: dispose_run.enqueue(uuid))
    else:
        run = execute(run)
    return run


def execute(run: DisposalRun, *, stop_after_batches: int | None = None) -> DisposalRun:
    """Carry out a run from its checkpoint. `stop_after_batches` is for tests and benchmarks."""
    if run.dry_run:
        return _execute_dry_run(run)
    with transaction.atomic():
        run = DisposalRun.objects.select_for_update().get(pk=run.pk)
        if run.status == DisposalRun.Status.COMPLETED:
            return run
        run.status = DisposalRun.Status.RUNNING
        run.attempts += 1
        run.started_at = run.started_at or timezone.now()
        run.error = ""
        run.save(update_fields=["status", "attempts", "started_at", "error", "updated_at"])
    actor = run.started_by
    rules = rules_by_category()
    batches = 0
    source_key, after = "", 0
    try:
        done = list(run.position.get("done", []))
        for source in sources_for(run.categories):
            if source.key in done:
                continue
            source_key = source.key
            rule = rules.get(source.category)
            qs = source.queryset(rule, run.as_of) if rule is not None else None
            if qs is None or not source.disposes or not rule.disposal_enabled:  # type: ignore[union-attr]
                with transaction.atomic():
                    counts = dict(run.counts)
                    entry = dict(counts.get(source.key, {}))
                    if qs is not None and not source.disposes:
                        entry["kept"] = qs.count()
                    elif qs is not None:
                        entry["skipped"] = qs.count()
                    counts[source.key] = entry
                    done.append(source.key)
                    run.counts = counts
                    run.position = {"done": done}
                    run.save(update_fields=["counts", "position", "updated_at"])
                continue
            after = (
                int(run.position.get("after") or 0)
                if run.position.get("source") == source.key
                else 0
            )
            # Walk the table in windows of primary keys: the due test (an expression per row) is
            # evaluated over one window at a time, never over the whole table before a sort.
            last_pk = qs.model._default_manager.aggregate(m=Max("pk"))["m"] or 0
            window = max(run.batch_size * WINDOW_FACTOR, 1000)
            while after < last_pk:
                upper = min(after + window, last_pk)
                rows = list(
                    qs.filter(pk__gt=after, pk__lte=upper).values(*source.values())[
                        : run.batch_size
                    ]
                )
                if not rows:
                    after = upper
                    continue
                with transaction.atomic():
                    batch = source.dispose(rows, run, rule, actor)  # type: ignore[arg-type]
                    if batch.items:
                        DisposalItem.objects.bulk_create(batch.items)
                    counts = dict(run.counts)
                    entry = Counter(counts.get(source.key, {}))
                    entry.update(batch.counts)
                    entry["batches"] += 1
                    counts[source.key] = dict(entry)
                    # A full batch may leave due rows in the window; else the window is done.
                    after = rows[-1]["pk"] if len(rows) == run.batch_size else upper
                    run.counts = counts
                    run.position = {"done": done, "source": source.key, "after": after}
                    run.save(update_fields=["counts", "position", "updated_at"])
                batches += 1
                if stop_after_batches is not None and batches >= stop_after_batches:
                    raise InterruptedRun(f"stopped after {batches} batches")
            done.append(source.key)
            counts = dict(run.counts)
            counts.setdefault(source.key, {"disposed": 0, "batches": 0})
            run.counts = counts
            run.position = {"done": done}
            run.save(update_fields=["counts", "position", "updated_at"])
    except BaseException as e:
        logger.exception("disposal run %s interrupted", run.uuid)
        DisposalRun.objects.filter(pk=run.pk).update(
            status=DisposalRun.Status.INTERRUPTED,
            error=f"{type(e).__name__} while disposing of {source_key or 'records'} after #{after}",
            updated_at=timezone.now(),
        )
        raise
    run.status = DisposalRun.Status.COMPLETED
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at", "updated_at"])
    return run


class InterruptedRun(Exception):
    """Raised to stop a run part-way (tests, benchmarks)."""


def _execute_dry_run(run: DisposalRun) -> DisposalRun:
    """Count what is due under each rule and keep the first records with the reason: the DPO's page
    shows the latest dry run (counting a large table is work for the worker, not for a page)."""
    run.status = DisposalRun.Status.RUNNING
    run.started_at = timezone.now()
    run.attempts += 1
    run.save(update_fields=["status", "started_at", "attempts", "updated_at"])
    found = preview(as_of=run.as_of, categories=run.categories)
    run.counts = {
        p.source.key: {"due": p.due, "held": p.held, "to_dispose": p.to_dispose, "kept": p.kept}
        for p in found
    }
    run.preview = [
        *({"source": p.source.key, "note": p.note} for p in found if p.note),
        *({"source": p.source.key, **row} for p in found for row in p.sample),
    ]
    run.status = DisposalRun.Status.COMPLETED
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "preview", "status", "finished_at", "updated_at"])
    return run


@dataclass
class DryRunSource:
    """One source of a stored dry run, for the pages."""

    source: Source
    rule: RetentionRule | None
    counts: dict[str, int]
    note: str
    sample: list[dict[str, str]]


def dry_run_sources(run: DisposalRun) -> list[DryRunSource]:
    rules = rules_by_category()
    out = []
    for source in SOURCES:
        if source.key not in run.counts:
            continue
        rows = [r for r in run.preview if r.get("source") == source.key]
        note = next((r["note"] for r in rows if "note" in r), "")
        out.append(
            DryRunSource(
                source,
                rules.get(source.category),
                dict(run.counts[source.key]),
                note,
                [r for r in rows if "what" in r],
            )
        )
    return out


def due_by_category(run: DisposalRun | None) -> dict[str, dict[str, int]]:
    """Rule category -> due / held / to dispose / kept, summed over its sources, from a dry run."""
    totals: dict[str, dict[str, int]] = {}
    if run is None:
        return totals
    categories = {s.key: s.category for s in SOURCES}
    for key, counts in run.counts.items():
        t = totals.setdefault(
            categories.get(key, ""), {"due": 0, "held": 0, "to_dispose": 0, "kept": 0}
        )
        for name in t:
            t[name] += int(counts.get(name, 0))
    return totals


__all__ = [
    "SOURCES",
    "InterruptedRun",
    "cutoff",
    "due_by_category",
    "execute",
    "preview",
    "start_run",
]
