"""Retention rules, holds, erasure records and the disposal log (R-RIGHTS-4, R-RETAIN-1, R-RETAIN-2).

- `RetentionRule`: how long each kind of record is kept (one per retention category of the data map),
  as data the DPO edits; the privacy notice reads them (`retention.selectors.rules_for_notice`).
- `Hold`: a safeguarding, legal or rights-request hold on a person or a family; while one is in
  force, neither erasure nor disposal touches them.
- `ErasureRecord`: the minimal record left by an erasure: when, by whom, why, what was kept under a
  legal exception and why. It holds none of the erased data (ADR 0016).
- `DisposalRun` / `DisposalItem`: one run of the disposal job, with its checkpoint (so that an
  interrupted run resumes without losing or double-counting anything) and its log.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models

from familyhub.core.datamap import Retention
from familyhub.core.models import BaseModel, VersionedModel

RETENTION_CATEGORIES = [(r.name, r.value) for r in Retention if r is not Retention.NONE]


class RetentionRule(VersionedModel):
    """How long one kind of record is kept, and from when (R-RETAIN-1).

    One rule per retention category of the data map (`core.datamap.Retention`), seeded by a data
    migration and edited by the DPO (`retention.services.rule_update`, history kept).
    """

    class StartsFrom(models.TextChoices):
        LAST_CONTACT = "last_contact", "the last contact with the family"
        PROGRAMME_END = "programme_end", "the end of the programme"
        ACCOUNT_CLOSED = "account_closed", "the staff account is closed"
        RECORDED = "recorded", "the record is made"
        IN_USE = "in_use", "no fixed period: kept while in use"

    category = models.CharField(max_length=30, unique=True, choices=RETENTION_CATEGORIES)
    name = models.CharField(max_length=100)
    applies_to = models.TextField(help_text="What records the rule covers, in plain English")
    period_years = models.PositiveSmallIntegerField(default=0)
    period_months = models.PositiveSmallIntegerField(default=0)
    starts_from = models.CharField(max_length=20, choices=StartsFrom.choices)
    programme_ends_on = models.DateField(
        null=True,
        blank=True,
        help_text="For evaluation data: the day the programme ends (the period runs from it)",
    )
    disposal_enabled = models.BooleanField(
        "disposed of automatically",
        default=True,
        help_text="Whether the disposal job applies this rule (a dry run always shows it)",
    )
    source = models.CharField(
        max_length=300, blank=True, help_text="Where the period comes from (a notice, a schedule)"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_period(self) -> bool:
        return self.starts_from != self.StartsFrom.IN_USE

    @property
    def period_text(self) -> str:
        """'6 years', '1 year and 6 months', '' for rules without a period."""
        parts = []
        if self.period_years:
            parts.append(f"{self.period_years} year{'s' if self.period_years != 1 else ''}")
        if self.period_months:
            parts.append(f"{self.period_months} month{'s' if self.period_months != 1 else ''}")
        return " and ".join(parts) or "no time"

    @property
    def summary(self) -> str:
        """The rule in one sentence, as the privacy notice says it."""
        if not self.has_period:
            return "Kept while in use."
        if self.starts_from == self.StartsFrom.PROGRAMME_END:
            end = (
                f" (the programme ends on {self.programme_ends_on:%d/%m/%Y})"
                if self.programme_ends_on
                else ""
            )
            return (
                f"Kept for the lifetime of the programme and {self.period_text} after it ends{end}."
            )
        return f"Kept for {self.period_text} after {self.get_starts_from_display()}."


class Hold(BaseModel):
    """A reason to keep a person's or a family's records whatever the retention rules say.

    While in force (from `starts_on`, until `ends_on` or until released), erasure of the person (or
    of any member of the family) is refused with the hold named, and disposal skips them.
    """

    class Kind(models.TextChoices):
        SAFEGUARDING = "safeguarding", "Safeguarding"
        LEGAL = "legal", "Legal claim or proceedings"
        RIGHTS_REQUEST = "rights_request", "Open rights request"

    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="retention_holds",
    )
    household = models.ForeignKey(
        "people.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="retention_holds",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.TextField()
    reference = models.CharField(
        max_length=60, blank=True, help_text="A case, claim or request reference"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Empty: until released")
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_on = models.DateField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    release_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(person__isnull=False, household__isnull=True)
                    | models.Q(person__isnull=True, household__isnull=False)
                ),
                name="hold_on_person_or_household",
            )
        ]
        indexes = [
            models.Index(fields=["person", "released_on"], name="hold_person"),
            models.Index(fields=["household", "released_on"], name="hold_household"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} hold from {self.starts_on:%d/%m/%Y}"

    def in_force_on(self, on: date) -> bool:
        return (
            self.released_on is None
            and self.starts_on <= on
            and (self.ends_on is None or on <= self.ends_on)
        )

    @property
    def description(self) -> str:
        """How a refusal names the hold: kind, reference, dates (never the reason's words)."""
        text = f"a {self.get_kind_display().lower()} hold"
        if self.reference:
            text += f" (reference {self.reference})"
        text += f" in force since {self.starts_on:%d/%m/%Y}"
        text += f" until {self.ends_on:%d/%m/%Y}" if self.ends_on else " until released"
        return text


class ErasureRecord(BaseModel):
    """What is left of an erasure (R-RIGHTS-4): when, by whom, on what ground, what was removed
    (counts by kind of record), and what was kept under a legal exception and why.

    It holds none of the erased data: no name, no date of birth, no identifier, not even the
    person's public id. `subject_digests` are keyed hashes (HMAC with the site's secret key) of the
    erased people's and families' ids: they let `familyhub reapply-erasures` find them again in a
    restored backup, and are useless without the key.
    """

    class Ground(models.TextChoices):
        REQUEST = "request", "The person asked (right to erasure)"
        RETENTION = "retention", "The retention period ended (disposal)"
        REAPPLIED = "reapplied", "Erased again after a restore from a backup"

    class Subject(models.TextChoices):
        PERSON = "person", "A person"
        HOUSEHOLD = "household", "A family"

    erased_at = models.DateTimeField(db_index=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    ground = models.CharField(max_length=20, choices=Ground.choices)
    request_reference = models.CharField(max_length=60, blank=True)
    rule = models.ForeignKey(
        RetentionRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    run = models.ForeignKey(
        "retention.DisposalRun",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="erasures",
    )
    subject = models.CharField(max_length=10, choices=Subject.choices)
    people_count = models.PositiveIntegerField(default=1)
    subject_digests = models.JSONField(
        default=list, help_text="Keyed hashes of the erased people's and families' ids"
    )
    removed = models.JSONField(default=dict, help_text="Rows removed, by kind of record")
    neutralised = models.JSONField(
        default=dict, help_text="Rows kept for others with the person's details removed, by kind"
    )
    files_removed = models.PositiveIntegerField(default=0)
    kept = models.JSONField(
        default=list, help_text="Items kept under a legal exception: what, which exception, why"
    )

    class Meta:
        ordering = ["-erased_at", "-id"]

    def __str__(self) -> str:
        return f"erasure {self.uuid} on {self.erased_at:%Y-%m-%d}"

    @property
    def removed_total(self) -> int:
        return sum(self.removed.values())


class DisposalRun(BaseModel):
    """One run of the disposal job (R-RETAIN-2), resumable from its checkpoint.

    `position` is the checkpoint: the source being worked through and the last primary key whose
    batch was committed. Each batch disposes, logs its items, adds to `counts` and moves `position`
    in one transaction, so an interruption loses nothing and counts nothing twice: re-running
    the job continues after the last committed batch.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to start"
        RUNNING = "running", "Running"
        INTERRUPTED = "interrupted", "Interrupted (resumes when started again)"
        COMPLETED = "completed", "Completed"

    dry_run = models.BooleanField(default=True)
    as_of = models.DateField(help_text="The day the retention periods are counted to")
    categories = models.JSONField(default=list, help_text="Retention categories; empty for all")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    batch_size = models.PositiveIntegerField(default=200)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    position = models.JSONField(default=dict)
    counts = models.JSONField(default=dict)
    preview = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status"], name="disposal_run_status")]

    def __str__(self) -> str:
        kind = "dry run" if self.dry_run else "disposal run"
        return f"{kind} of {self.created_at:%Y-%m-%d %H:%M}"

    def total(self, key: str) -> int:
        return sum(int(c.get(key, 0)) for c in self.counts.values())


class DisposalItem(models.Model):
    """One record the run dealt with: disposed, held, or failed (the disposal log)."""

    class Outcome(models.TextChoices):
        DISPOSED = "disposed", "Disposed of"
        HELD = "held", "Kept: on hold"
        KEPT = "kept", "Kept: not disposed by this job"
        ERROR = "error", "Failed"

    run = models.ForeignKey(DisposalRun, on_delete=models.PROTECT, related_name="items")
    source = models.CharField(max_length=30)
    object_type = models.CharField(max_length=30)
    object_pk = models.BigIntegerField(help_text="The record's internal key (never shown)")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    detail = models.CharField(max_length=300, blank=True)
    erasure = models.ForeignKey(
        ErasureRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "outcome"], name="disposal_item_run")]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "source", "object_pk"], name="disposal_item_once_per_run"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} #{self.object_pk}: {self.outcome}"
