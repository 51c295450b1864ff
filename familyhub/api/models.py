"""Idempotency keys for the API's creates (R-IMPORT-2, ADR 0022).

A partner system that sends a create again (a timeout, a retry) with the same `Idempotency-Key`
gets the first answer back and nothing is created twice. What is kept is deliberately small and
holds no family data: the key, whose it is (the token, else the staff user), a hash of the request,
and a reference to the record the first request created. A replay reads that record afresh through
the access helpers, so it never shows a stored copy of personal data, nor anything the caller may
no longer see. Rows are kept for `KEEP` (24 hours), then treated as gone, and deleted by the next
create that brings a key.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models

KEEP = timedelta(hours=24)


class IdempotencyKey(models.Model):
    owner = models.CharField(
        max_length=40, help_text="Whose key: 'token:<id>', or 'user:<id>' for a staff session"
    )
    key = models.CharField(max_length=255, help_text="The Idempotency-Key header as sent")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.ForeignKey(
        "access.ApiToken", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300, help_text="The route asked for (ids only)")
    request_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the method, path and the request body (canonical JSON)"
    )
    status = models.PositiveSmallIntegerField(help_text="The status of the first answer")
    location = models.CharField(max_length=300, blank=True)
    resource = models.CharField(
        max_length=200, help_text="Which record the first request created (ids only)"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="api_idempotency_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"
