"""Staff accounts, their roles in organisations, API tokens, and the access log (R-ACCESS-*)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property

from familyhub.access.roles import Role, capabilities_of
from familyhub.core.models import BaseModel


class User(AbstractUser):
    """A member of staff (or a partner system's service account)."""

    is_service_account = models.BooleanField(default=False)
    # Raised by "sign out everywhere": a session signed in under an older value is ended
    # (familyhub.access.middleware.SessionGuardMiddleware).
    session_epoch = models.PositiveIntegerField(default=0)

    @cached_property
    def active_memberships(self) -> list[Membership]:
        """The user's roles, read once per request (the user object lives for one request)."""
        return [m for m in self.memberships.select_related("organisation", "team") if m.active]

    def organisation_ids_with(self, capability: str) -> list[int]:
        """Organisations in which one of this user's roles grants `capability`."""
        return sorted(
            {
                m.organisation_id
                for m in self.active_memberships
                if capability in capabilities_of(m.role)
            }
        )

    def has_capability(self, capability: str) -> bool:
        return bool(self.organisation_ids_with(capability))

    @property
    def role_labels(self) -> str:
        return ", ".join(sorted({m.get_role_display() for m in self.active_memberships}))


class SignInEvent(models.Model):
    """One step of signing in or out (R-ACCESS-4): kept to spot attacks and answer "was it me?".

    Staff data only: who tried (the username as typed, and the account when it exists), when,
    from where, and what happened. Never a password or a code.
    """

    class Kind(models.TextChoices):
        PASSWORD_OK = "password_ok", "Password accepted"
        PASSWORD_FAILED = "password_failed", "Wrong username or password"
        CODE_OK = "code_ok", "Second-factor code accepted"
        CODE_FAILED = "code_failed", "Wrong second-factor code"
        CODE_REUSED = "code_reused", "Second-factor code used twice"
        LOCKED_OUT = "locked_out", "Locked out"
        SIGNED_OUT = "signed_out", "Signed out"
        SIGNED_OUT_EVERYWHERE = "signed_out_everywhere", "Signed out everywhere"
        UNLOCKED = "unlocked", "Unlocked by an administrator"
        SECOND_FACTOR_RESET = "second_factor_reset", "Second factor reset by an administrator"

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="sign_in_events"
    )
    username = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"], name="sign_in_event_user_at")]

    def __str__(self) -> str:
        return f"{self.username} {self.kind} at {self.at:%Y-%m-%d %H:%M:%S}"


class Membership(BaseModel):
    """A user's role in an organisation (and optionally a team). A user may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        "places.Organisation", on_delete=models.PROTECT, related_name="memberships"
    )
    team = models.ForeignKey(
        "places.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "team", "role"], name="membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} at {self.organisation}"


def _hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(BaseModel):
    """A bearer token. Only its hash is stored; the key is shown once when it is made."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_key() -> str:
        return "fh_" + secrets.token_urlsafe(32)

    @staticmethod
    def hash_key(key: str) -> str:
        return _hash_token(key)

    def usable_at(self, when: datetime | None = None) -> bool:
        when = when or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > when


class AccessLogEntry(models.Model):
    """One access to personal data (R-ACCESS-3). Append-only; each row chains the previous hash.

    No personal data of a family is stored here: people appear only as their pseudonymous
    `log_key` in AccessLogSubject, so erasure cuts the link without touching a hashed row (ADR 0005).
    """

    class Action(models.TextChoices):
        VIEW_PERSON = "view_person", "Viewed a person"
        VIEW_HOUSEHOLD = "view_household", "Viewed a family"
        SEARCH = "search", "Searched"
        LIST = "list", "Listed records"
        CREATE = "create", "Created a record"
        UPDATE = "update", "Changed a record"
        EXPORT = "export", "Exported"

    at = models.DateTimeField(db_index=True)
    user_id_at_time = models.BigIntegerField(null=True, db_index=True)
    username = models.CharField(max_length=150, blank=True)
    roles = models.CharField(max_length=300, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=40, blank=True)
    channel = models.CharField(max_length=10, default="web")  # web, api, command, task
    path = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    subject_count = models.PositiveIntegerField(default=0)
    subject_digest = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "access log entries"

    def __str__(self) -> str:
        return f"#{self.pk} {self.username} {self.action} at {self.at:%Y-%m-%d %H:%M:%S}"


class AccessLogSubject(models.Model):
    """A person touched by an access-log entry, by pseudonymous key (never a name)."""

    entry = models.ForeignKey(AccessLogEntry, on_delete=models.PROTECT, related_name="subjects")
    person_key = models.UUIDField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "person_key"], name="log_subject_unique")
        ]

    def __str__(self) -> str:
        return f"entry #{self.entry_id}: {self.person_key}"


class AccessLogHead(models.Model):
    """The tip of the hash chain: one row, locked while a new entry is appended."""

    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"chain head at #{self.last_id}"


GENESIS_HASH = "0" * 64
