"""Duplicate candidates, 'not the same person' decisions, merges and external matching runs
(R-LINK-1, R-LINK-2; ADR 0021).

Only `linkage.services` writes these. A merge keeps everything an exact unmerge needs: both
people's rows as they were, and every related row it re-pointed or (where a uniqueness rule made
re-pointing impossible) removed, each with its primary key and full contents.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from familyhub.core.models import BaseModel


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, but datetimes keep their microseconds (it cuts them to milliseconds),
    so that a row restored by unmerge is the row that was there."""

    def default(self, o: object) -> object:
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


class LinkageRun(BaseModel):
    """One run of duplicate detection over the whole database (a background task)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    people_compared = models.PositiveIntegerField(default=0)
    pairs_found = models.PositiveIntegerField(default=0)
    candidates_new = models.PositiveIntegerField(default=0)
    candidates_updated = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Duplicate run {self.created_at:%Y-%m-%d %H:%M} ({self.status})"


class MatchCandidate(BaseModel):
    """Two records that may be the same person, waiting for a person to decide (never automatic).

    `person_a` is always the one with the lower internal key, so a pair appears once.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for review"
        MERGED = "merged", "Merged"
        NOT_SAME = "not_same", "Not the same person"

    person_a = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    person_b = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    match_weight = models.FloatField()
    probability = models.FloatField()
    explanation = models.JSONField(
        default=list, help_text="Each comparison's level and weight, as the model scored the pair"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    found_by = models.ForeignKey(
        LinkageRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="candidates"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-probability", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="candidate_pair_once"),
            models.CheckConstraint(
                condition=models.Q(person_a__lt=models.F("person_b")), name="candidate_pair_order"
            ),
        ]
        indexes = [models.Index(fields=["status", "-probability"], name="candidate_queue")]

    def __str__(self) -> str:
        return f"Candidate {self.person_a_id}/{self.person_b_id} ({self.status})"


class NotSamePerson(BaseModel):
    """A reviewer decided these two records are different people: never suggested again."""

    person_a = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    person_b = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="not_same_pair_once"),
            models.CheckConstraint(
                condition=models.Q(person_a__lt=models.F("person_b")), name="not_same_pair_order"
            ),
        ]

    def __str__(self) -> str:
        return f"Not the same: {self.person_a_id}/{self.person_b_id}"


class Merge(BaseModel):
    """`other` was merged into `keep`: what was chosen, and everything needed to undo it exactly."""

    keep = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(
        MatchCandidate, null=True, blank=True, on_delete=models.SET_NULL, related_name="merges"
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    nhs_conflict_reason = models.TextField(
        blank=True, help_text="Why two different NHS numbers were judged to be one person"
    )
    choices = models.JSONField(default=dict, help_text="Field -> 'keep' or 'other'")
    keep_before = models.JSONField(encoder=ExactJSONEncoder)
    other_before = models.JSONField(encoder=ExactJSONEncoder)
    keep_version_after = models.PositiveIntegerField()
    moved = models.JSONField(
        encoder=ExactJSONEncoder,
        default=list,
        help_text="Every related row re-pointed or removed: model, key, field, whole row",
    )
    unmerged_at = models.DateTimeField(null=True, blank=True)
    unmerged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Merge of {self.other_id} into {self.keep_id}"

    @property
    def is_active(self) -> bool:
        return self.unmerged_at is None


class ExternalMatch(BaseModel):
    """One external file (the school census layout) matched to the people a purpose allows
    (R-LINK-2): counts, estimated quality and the result file's checksum; the rows themselves are
    the result file, which is given to the requester and not kept."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64)
    purpose = models.CharField(max_length=60)
    recipient = models.CharField(max_length=200)
    threshold = models.FloatField()
    rows_in = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    possible = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    estimated_precision = models.FloatField(null=True, blank=True)
    estimated_recall = models.FloatField(null=True, blank=True)
    result_sha256 = models.CharField(max_length=64, blank=True)
    disclosure = models.ForeignKey(
        "rights.DisclosureRecord",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"External match {self.file_name} ({self.rows_in} rows)"
