"""Base model and the field-level change history (R-PEOPLE-5)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class BaseModel(models.Model):
    """UUIDs are the public identifiers; integer keys never leave the database."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(BaseModel):
    """A record edited by people: `version` is the optimistic lock (ADR 0003)."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class ChangeRecord(models.Model):
    """One field of one record changed: who, when, old and new value, and why.

    Written by `core.services.model_update` and the create services in the same transaction as the
    change itself. `person` and `household` make the timeline of a family one indexed query and let
    erasure find every row that holds a person's values.
    """

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        ARCHIVE = "archive", "Archived"
        LINK = "link", "Linked"
        UNLINK = "unlink", "Unlinked"

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    change_set = models.UUIDField(db_index=True)
    model = models.CharField(max_length=60)
    object_uuid = models.UUIDField()
    object_label = models.CharField(max_length=200, blank=True)
    field = models.CharField(max_length=60, blank=True)
    field_label = models.CharField(max_length=100, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    # No single-column FK indexes: (person, -at) and (household, -at) below serve every look-up
    # and cascade by either (issue 9: two index writes fewer per change record).
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="changes",
        db_index=False,
    )
    household = models.ForeignKey(
        "people.Household",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="changes",
        db_index=False,
    )
    special_category = models.BooleanField(
        default=False, help_text="Old and new values are hidden from roles without that permission"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["household", "-at"]),
            models.Index(fields=["person", "-at"]),
            models.Index(fields=["object_uuid", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.model}.{self.field} {self.action} at {self.at:%Y-%m-%d %H:%M}"
