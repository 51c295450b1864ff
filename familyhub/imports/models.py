"""Partner file imports (R-IMPORT-1, ADR 0020).

An `ImportBatch` is one uploaded file of one kind for one organisation: who sent it, its checksum,
the column mapping used, and the counts in / loaded / unchanged / rejected. A batch runs in chunks;
each chunk's rows, its rejected rows and the batch's checkpoint (`position`) are written in one
transaction, so a crash or a kill leaves whole chunks only and a re-run resumes after the last one.

Rejected rows keep the partner's original values (they may be personal data) until the batch is
disposed of; they are what the partner downloads, fixes and sends again. Only
`familyhub.imports.services` and `familyhub.imports.engine` write these models.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from familyhub.core.models import BaseModel


class ImportBatch(BaseModel):
    class Status(models.TextChoices):
        MAPPING = "mapping", "Columns to match"
        QUEUED = "queued", "Waiting to run"
        RUNNING = "running", "Running"
        INTERRUPTED = "interrupted", "Interrupted: run it again to resume"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Could not be read"

    kind = models.CharField(max_length=30)
    organisation = models.ForeignKey(
        "places.Organisation", on_delete=models.PROTECT, related_name="import_batches"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    file_path = models.CharField(
        max_length=500, blank=True, help_text="The stored upload; removed when the batch completes"
    )
    file_format = models.CharField(max_length=10, help_text="csv or xlsx")
    encoding = models.CharField(max_length=20, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True, help_text="field -> column header used")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.MAPPING)
    error = models.TextField(blank=True, help_text="Why the file as a whole was refused")
    rows_in = models.PositiveIntegerField(default=0)
    rows_loaded = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    position = models.PositiveIntegerField(
        default=0, help_text="The checkpoint: data rows done (a resumed run starts after it)"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "kind", "sha256"], name="import_batch_checksum"),
            models.Index(fields=["organisation", "-created_at"], name="import_batch_org_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} import {self.file_name} ({self.get_status_display()})"

    @property
    def done(self) -> bool:
        return self.status in (self.Status.COMPLETED, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.COMPLETED:
            return 100
        if not self.rows_in:
            return 0
        return min(99, int(100 * self.position / self.rows_in))


class RejectedRow(models.Model):
    """One row refused, with every problem found in it and the values as the partner sent them."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rejected")
    row_number = models.PositiveIntegerField(help_text="As a spreadsheet numbers it (header is 1)")
    errors = models.JSONField(help_text="[[column header, message], ...]")
    values = models.JSONField(help_text="column header -> value, as sent")

    class Meta:
        ordering = ["batch", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_number"], name="rejected_row_once")
        ]

    def __str__(self) -> str:
        return f"row {self.row_number} of batch {self.batch_id}"


class ColumnMapping(BaseModel):
    """The column mapping an organisation last used for a kind: offered again next time."""

    organisation = models.ForeignKey(
        "places.Organisation", on_delete=models.CASCADE, related_name="import_mappings"
    )
    kind = models.CharField(max_length=30)
    mapping = models.JSONField(default=dict)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="mapping_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} mapping of {self.organisation_id}"


class ImportedRecord(models.Model):
    """A partner's own record id, and the record an import made from it (the row key).

    A row whose key is already here changes nothing: re-running a file, or a later file that
    repeats rows, never creates a second person or household (R-IMPORT-1).
    """

    organisation = models.ForeignKey(
        "places.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=30)
    external_id = models.CharField(max_length=100)
    object_uuid = models.UUIDField(help_text="The familyhub record made from the row")
    # So that subject access and erasure find the mapping (deleted with the person or family).
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    household = models.ForeignKey(
        "people.Household", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "external_id"], name="imported_record_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id} -> {self.object_uuid}"
