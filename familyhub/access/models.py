"""Staff accounts, their roles in organisations, API tokens, and the access log (R-ACCESS-*)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import cached_property

from familyhub.access.roles import Capability, Role, capabilities_of
from familyhub.core.models import BaseModel


class User(AbstractUser):
    """A member of staff (or a partner system's service account).

    Opened, closed and reopened only by `access.accounts` (R-ACCESS-1, ADR 0025), which records
    each step as change records against `uuid`. Never deleted: a leaver's account is closed and
    stays, so that the audit trail keeps naming it (retention anonymises it later).
    """

    # The account's public identifier: its pages' addresses and its change records (R-ACCESS-1).
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    is_service_account = models.BooleanField(default=False)
    # Raised by "sign out everywhere": a session signed in under an older value is ended
    # (familyhub.access.middleware.SessionGuardMiddleware).
    session_epoch = models.PositiveIntegerField(default=0)
    # When the account was closed (a leaver); empty while open. Staff-account retention counts
    # from it (familyhub.retention.disposal.StaffAccounts).
    closed_at = models.DateTimeField(null=True, blank=True)

    # Set by an API token limited to one organisation (ApiTokenAuthentication): for this request
    # the user acts only through their roles there, and without break-glass grants.
    only_organisation_id: int | None = None

    class Meta(AbstractUser.Meta):
        constraints = [
            # Usernames are unique whatever their case: "Anna.Smith" cannot sit beside "anna.smith".
            models.UniqueConstraint(Lower("username"), name="user_username_unique_any_case")
        ]

    @cached_property
    def active_memberships(self) -> list[Membership]:
        """The user's roles, read once per request (the user object lives for one request).

        The user's active break-glass grants are read in the same breath (one more query, only for
        roles that may break glass), so that every scope and log of the request has them at hand.
        """
        memberships = [
            m
            for m in self.memberships.select_related("organisation", "team")
            if m.active
            and (
                self.only_organisation_id is None or m.organisation_id == self.only_organisation_id
            )
        ]
        if self.only_organisation_id is None and any(
            Capability.BREAK_GLASS in capabilities_of(m.role) for m in memberships
        ):
            self.__dict__["_break_glass_grants"] = list(
                BreakGlassGrant.objects.filter(
                    user=self,
                    household__isnull=False,
                    expires_at__gt=timezone.now(),
                    ended_at__isnull=True,
                ).order_by("expires_at", "id")
            )
        else:
            self.__dict__["_break_glass_grants"] = []
        return memberships

    def forget_access_cache(self) -> None:
        """Read roles and break-glass grants afresh (after a grant was made, ended or refused)."""
        for name in ("active_memberships", "_break_glass_grants", "_break_glass_person_keys"):
            self.__dict__.pop(name, None)

    def break_glass_grants(self) -> list[BreakGlassGrant]:
        """The user's break-glass grants in force now (R-ACCESS-2, ADR 0010)."""
        self.active_memberships  # noqa: B018 - loads the grants with the roles
        now = timezone.now()
        return [g for g in self.__dict__.get("_break_glass_grants", ()) if g.in_force_at(now)]

    def break_glass_household_ids(self) -> list[int]:
        return sorted({g.household_id for g in self.break_glass_grants() if g.household_id})

    def break_glass_person_keys(self) -> dict[str, BreakGlassGrant]:
        """log_key (as text) -> grant, for every member of a household the user broke glass for."""
        grants = self.break_glass_grants()
        if not grants:
            return {}
        cached = self.__dict__.get("_break_glass_person_keys")
        if cached is None or cached[0] != [g.pk for g in grants]:
            from familyhub.people.models import Membership as HouseholdMembership

            by_household = {g.household_id: g for g in grants}
            rows = HouseholdMembership.objects.filter(household_id__in=list(by_household))
            keys = {
                str(key): by_household[household_id]
                for key, household_id in rows.values_list("person__log_key", "household_id")
            }
            cached = ([g.pk for g in grants], keys)
            self.__dict__["_break_glass_person_keys"] = cached
        return cached[1]

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
        PASSWORD_SET = "password_set", "Password chosen with a set-up link"

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
    """A user's role in an organisation (and optionally a team). A user may hold several.

    Made and ended only by `access.services.membership_add` / `membership_end`, which record who
    did it and when (ChangeRecord). Never deleted: an ended role keeps its row, so that the access
    log can be read against the roles people held at the time (R-ACCESS-1, R-RIGHTS-6).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        "places.Organisation", on_delete=models.PROTECT, related_name="memberships"
    )
    team = models.ForeignKey(
        "places.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    active = models.BooleanField(default=True)
    started_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    end_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "team", "role"],
                condition=models.Q(active=True),
                name="membership_unique_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} at {self.organisation}"

    def held_at(self, when: datetime) -> bool:
        """Whether the role was held at `when` (from its creation to its end)."""
        return self.created_at <= when and (self.ended_at is None or when < self.ended_at)


def _hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class SetUpLink(BaseModel):
    """A one-time link with which a member of staff chooses their password (ADR 0025).

    Made by an administrator (`access.accounts`) for a new or reopened account, or to replace a
    lost password; nobody but the member of staff ever knows the password. Only the SHA-256 of the
    token is stored; the link is shown once. It works once, for `LIFETIME`, and only while it is
    the account's newest link: making a new one, or closing the account, voids the others.
    """

    LIFETIME = timedelta(hours=72)

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="set_up_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField("used", null=True, blank=True)
    voided_at = models.DateTimeField("cancelled", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "set-up link"

    def __str__(self) -> str:
        return f"{self.user.username}'s set-up link"

    @staticmethod
    def hash_token(token: str) -> str:
        return _hash_token(token)

    def usable_at(self, when: datetime) -> bool:
        return self.used_at is None and self.voided_at is None and when < self.expires_at


class ApiToken(BaseModel):
    """A bearer token. Only its hash is stored; the key is shown once when it is made.

    A token may be narrower than its user (ADR 0010a): limited to one `organisation` (the user then
    acts only through their roles there) and to a set of `scopes` (read people, write people),
    enforced by the API's permission classes.
    """

    class Scope(models.TextChoices):
        READ_PEOPLE = "people:read", "Read households and people"
        WRITE_PEOPLE = "people:write", "Register and change households and people"

    ALL_SCOPES = f"{Scope.READ_PEOPLE} {Scope.WRITE_PEOPLE}"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    organisation = models.ForeignKey(
        "places.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Only the user's roles in this organisation count; empty for all of them",
    )
    scopes = models.CharField(
        max_length=100,
        default=ALL_SCOPES,
        help_text="Space-separated: people:read, people:write",
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def allows(self, scope: str) -> bool:
        return scope in self.scope_set

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
        BREAK_GLASS = "break_glass", "Requested emergency access"
        VIEW_ACCESS_RECORD = "view_access_record", "Viewed who has looked at a record"

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


class BreakGlassGrant(BaseModel):
    """Emergency access to one family outside the user's need to know (R-ACCESS-2, ADR 0010).

    Made by `access.services.break_glass_request` after the user stated a reason from the list and
    explained it. While in force (until `expires_at`, unless ended early) the family is in the
    user's scope (`access.scopes`), its pages carry a banner, and every access to its members is
    logged with the grant's reason. Every request, matched or not, waits in the review queue until
    a team manager or the DPO records a decision; unjustified ones stay listed until followed up.
    """

    class Reason(models.TextChoices):
        SAFEGUARDING = "safeguarding", "Safeguarding concern"
        URGENT_CONTACT = "urgent_contact", "Urgent need to contact the family"
        COVERING = "covering", "Covering a colleague's caseload"
        NEW_REFERRAL = "new_referral", "New referral, not yet allocated"
        DUTY = "duty", "Duty or out-of-hours cover"
        OTHER = "other", "Another reason (explained below)"

    class Decision(models.TextChoices):
        JUSTIFIED = "justified", "Justified"
        NOT_JUSTIFIED = "not_justified", "Not justified"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="break_glass_requests")
    organisation = models.ForeignKey(
        "places.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The organisation the user worked for when asking (whose managers review it)",
    )
    roles = models.CharField(max_length=300, blank=True)
    reference = models.CharField(
        max_length=100, help_text="What the user gave to identify the family (an id or link)"
    )
    household = models.ForeignKey(
        "people.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the reference matched no family (or the family was since erased)",
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    explanation = models.TextField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decision_note = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    follow_up_note = models.TextField(blank=True)
    followed_up_at = models.DateTimeField(null=True, blank=True)
    followed_up_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "expires_at"], name="break_glass_user_expires"),
            models.Index(fields=["reviewed_at", "created_at"], name="break_glass_queue"),
        ]

    def __str__(self) -> str:
        return f"break glass by {self.user_id} at {self.created_at:%Y-%m-%d %H:%M}"

    def in_force_at(self, when: datetime) -> bool:
        return self.household_id is not None and self.ended_at is None and when < self.expires_at

    @property
    def in_force(self) -> bool:
        return self.in_force_at(timezone.now())

    @property
    def log_reason(self) -> str:
        """What the access log's "why" says for every access under this grant.

        The reason's label and the grant's id, never the free-text explanation: the log is never
        erased, so it holds no words that might name a family (ADR 0005, ADR 0010).
        """
        return f"{BREAK_GLASS_LOG_PREFIX}{self.uuid}: {self.get_reason_display()}"


BREAK_GLASS_LOG_PREFIX = "break glass "
