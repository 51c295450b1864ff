"""Staff accounts from joiner to leaver (R-ACCESS-1, R-ACCESS-4, ADR 0025): every write.

- **Joiner.** An administrator (or the operator at the command line) opens an account: username
  (unique whatever its case), names, work email and optionally a first role. No password is chosen
  by anyone but the member of staff: the account gets a one-time set-up link (only its hash is
  kept; 72 hours; single use; shown once), with which they choose a password and then set up their
  second factor through the ordinary sign-in steps (`access.signin`, ADR 0008).
- **Leaver.** Closing an account ends every active role (as `membership_end` does), revokes its
  API tokens, cancels its set-up links, removes its password and second factor and ends its
  sessions. Nothing is deleted: the account and its history stay, and the audit trail names it.
  Nobody closes their own account, and the last active administrator cannot be closed.
- **Reopening** (with a reason) gives the account a new set-up link; roles are given afresh.

Each step validates, writes in one transaction and records who, when, what and why as change
records (invariant 1), shown on the staff member's page (`access.selectors.account_changes`).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from familyhub.access import services
from familyhub.access.models import ApiToken, Membership, SetUpLink, User
from familyhub.access.roles import Capability, Role, capabilities_of
from familyhub.core.errors import ApplicationError, ConcurrentEdit, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet, display_value, model_update
from familyhub.places.models import Organisation, Team

NAME_MAX = 150
EMAIL_MAX = 254

EXPIRED = (
    "This link has expired. Set-up links work for 72 hours, and only the newest link made for an "
    "account works. Ask an administrator for a new one."
)
USED = (
    "This link has already been used: each set-up link works once. If you chose your password "
    "with it, sign in. If not, ask an administrator for a new link."
)


class LinkUnusable(ApplicationError):
    """A set-up link that cannot be used. An unknown token is answered exactly like an expired
    one, so that a guess learns nothing; `used` only for a link that was really used."""

    status = 404
    title = "This link cannot be used"
    code = "link_unusable"

    def __init__(self, *, used: bool = False) -> None:
        super().__init__(USED if used else EXPIRED)
        self.used = used


@dataclass(frozen=True)
class Closed:
    """What closing an account did (for the administrator's message and the command's output)."""

    roles_ended: int
    tokens_revoked: int
    links_cancelled: int

    def __str__(self) -> str:
        def n(count: int, thing: str) -> str:
            return f"{count} {thing}{'' if count == 1 else 's'}"

        done = [f"{n(self.roles_ended, 'role')} ended"]
        if self.tokens_revoked:
            done.append(f"{n(self.tokens_revoked, 'API token')} revoked")
        if self.links_cancelled:
            done.append(f"{n(self.links_cancelled, 'set-up link')} cancelled")
        done.append("signed out everywhere; the account and its history stay")
        return ", ".join(done)


def _account_label(user: User) -> str:
    return f"{user.username}'s account"[:200]


def _link_label(user: User) -> str:
    return f"{user.username}'s set-up link"[:200]


def local_time(value: datetime) -> str:
    return f"{timezone.localtime(value):%d/%m/%Y %H:%M}"


def _is_anonymised(user: User) -> bool:
    """Anonymised under the retention rules: history only, never opened again."""
    from familyhub.retention.disposal import ANONYMISED_PREFIX

    return user.username.startswith(ANONYMISED_PREFIX)


def _update_account(user: User, data: dict[str, Any], changes: ChangeSet) -> None:
    """`model_update` for the account row (which has no `updated_at`): write the fields and record
    each real change, old and new value as people read them. Inside the caller's transaction."""
    for name, value in data.items():
        old = display_value(user, name)
        if getattr(user, name) == value:
            continue
        setattr(user, name, value)
        changes.record(
            user,
            action=ChangeRecord.Action.UPDATE,
            field_name=name,
            old=old,
            new=display_value(user, name),
            label=_account_label(user),
        )
    User.objects.filter(pk=user.pk).update(**data)


# --- the set-up link --------------------------------------------------------------------------


def set_up_path(token: str) -> str:
    return reverse("access:account_set_up", args=[token])


def set_up_url(token: str, request: Any = None) -> str:
    """The link to hand over: FAMILYHUB_SITE_URL when set (behind a proxy the request's own host
    may be an internal name), else the address the administrator's request came to."""
    base = (getattr(settings, "FAMILYHUB_SITE_URL", "") or "").rstrip("/")
    if base:
        return base + set_up_path(token)
    if request is not None:
        return str(request.build_absolute_uri(set_up_path(token)))
    return set_up_path(token)


def _issue_link(actor: Any, user: User, changes: ChangeSet) -> tuple[SetUpLink, str]:
    """A new link for `user`; every earlier unused one stops working. Inside the caller's
    transaction; the caller flushes `changes`."""
    now = changes.at
    for old in (
        SetUpLink.objects.select_for_update()
        .select_related("user")
        .filter(user=user, used_at__isnull=True, voided_at__isnull=True, expires_at__gt=now)
    ):
        model_update(instance=old, fields=["voided_at"], data={"voided_at": now}, changes=changes)
    token = secrets.token_urlsafe(32)
    link = SetUpLink.objects.create(
        user=user,
        token_hash=SetUpLink.hash_token(token),
        created_by=services.account_of(actor),
        expires_at=now + SetUpLink.LIFETIME,
    )
    changes.record(
        link,
        action=ChangeRecord.Action.CREATE,
        new=f"Set-up link made, valid until {local_time(link.expires_at)}",
        label=_link_label(user),
    )
    return link, token


def set_up_link_issue(*, actor: Any, user: User, reason: str = "") -> tuple[SetUpLink, str]:
    """A new set-up link for an open account (a lost link, a forgotten password); older ones stop
    working. Returns the link and its token, which is shown once."""
    services.require_staff_manager(actor)
    if user.pk == getattr(actor, "pk", None):
        raise ValidationFailed(
            "You cannot make a set-up link for your own account: ask another administrator"
        )
    if user.is_service_account:
        raise ValidationFailed(
            "This is a partner system's account: it uses API tokens, not a password"
        )
    if not user.is_active:
        raise ValidationFailed("This account is closed: reopen it to give it a new set-up link")
    changes = ChangeSet(actor=actor, reason=services.recorded_reason(actor, reason))
    with transaction.atomic():
        link, token = _issue_link(actor, user, changes)
        changes.flush()
    return link, token


def set_up_link_open(token: str) -> SetUpLink:
    """The link for `token` if it can be used now; LinkUnusable otherwise (unknown, expired,
    replaced by a newer link and closed accounts alike; used ones say so)."""
    if not token or len(token) > 100:
        raise LinkUnusable()
    link = (
        SetUpLink.objects.select_related("user")
        .filter(token_hash=SetUpLink.hash_token(token))
        .first()
    )
    if link is None:
        raise LinkUnusable()
    if link.used_at is not None:
        raise LinkUnusable(used=True)
    if not link.usable_at(timezone.now()) or not link.user.is_active:
        raise LinkUnusable()
    return link


def password_errors(user: User, password: str, password_again: str) -> dict[str, list[str]]:
    """Django's password validators (AUTH_PASSWORD_VALIDATORS: length, not common, not like the
    person's name), and the two typings must match."""
    if not password:
        return {"password": ["Enter a password"]}
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as e:
        return {"password": list(e.messages)}
    if password != password_again:
        return {"password_again": ["The two passwords are not the same: type it again"]}
    return {}


def set_up_link_use(*, token: str, password: str, password_again: str) -> User:
    """The member of staff chooses their password with the link; the link is used up.

    They then sign in as usual from the second step (the caller signs them in with the password
    just chosen): their authenticator app is set up there (ADR 0008).
    """
    link = set_up_link_open(token)
    user = link.user
    errors = password_errors(user, password or "", password_again or "")
    if errors:
        raise ValidationFailed.from_errors(errors)
    changes = ChangeSet(actor=user)
    with transaction.atomic():
        locked = SetUpLink.objects.select_for_update().select_related("user").get(pk=link.pk)
        if locked.used_at is not None:
            raise LinkUnusable(used=True)
        if not locked.usable_at(changes.at) or not locked.user.is_active:
            raise LinkUnusable()
        user = locked.user
        user.set_password(password)
        User.objects.filter(pk=user.pk).update(password=user.password)
        model_update(
            instance=locked, fields=["used_at"], data={"used_at": changes.at}, changes=changes
        )
    # An administrator's new link is a fresh start: earlier failed sign-ins no longer count.
    axes_reset(username=user.get_username())
    return user


# --- joiner -------------------------------------------------------------------------------------


def account_errors(
    *, username: str, given_name: str, family_name: str, email: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = ["Enter a username, for example anna.smith"]
    elif len(username) > NAME_MAX:
        errors["username"] = [f"A username has at most {NAME_MAX} characters"]
    else:
        try:
            User.username_validator(username)
        except DjangoValidationError:
            errors["username"] = [
                "Use only letters, numbers and the characters . _ - @ + in a username (no spaces)"
            ]
    if "username" not in errors:
        taken = User.objects.filter(username__iexact=username).first()
        if taken is not None:
            errors["username"] = [
                f"There is already an account called {taken.username}"
                + ("" if taken.is_active else " (closed: reopen it rather than open another)")
            ]
    for key, value, label in (
        ("given_name", given_name, "first name"),
        ("family_name", family_name, "last name"),
    ):
        if not value:
            errors[key] = [f"Enter their {label}"]
        elif len(value) > NAME_MAX:
            errors[key] = [f"A {label} has at most {NAME_MAX} characters"]
    if not email:
        errors["email"] = ["Enter their work email address"]
    else:
        try:
            validate_email(email)
            if len(email) > EMAIL_MAX:
                raise DjangoValidationError("too long")
        except DjangoValidationError:
            errors["email"] = ["Enter an email address like name@example.org"]
    return errors


def staff_account_create(
    *,
    actor: Any,
    username: str,
    given_name: str,
    family_name: str,
    email: str,
    organisation: Organisation | None = None,
    role: str = "",
    team: Team | None = None,
    reason: str = "",
) -> tuple[User, str]:
    """Open a staff account, optionally with a first role; returns it and its set-up link's token
    (shown once). Nothing is saved unless everything is valid."""
    services.require_staff_manager(actor)
    username = (username or "").strip()
    given_name, family_name = (given_name or "").strip(), (family_name or "").strip()
    email = User.objects.normalize_email((email or "").strip())
    errors = account_errors(
        username=username, given_name=given_name, family_name=family_name, email=email
    )
    with_role = organisation is not None or bool(role) or team is not None
    if with_role:
        errors.update(services.role_errors(organisation=organisation, role=role, team=team))
    if errors:
        raise ValidationFailed.from_errors(errors)
    changes = ChangeSet(actor=actor, reason=services.recorded_reason(actor, reason))
    with transaction.atomic():
        user = User(
            username=username,
            first_name=given_name,
            last_name=family_name,
            email=email,
            password=make_password(None),  # unusable until they choose one with the link
        )
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # the same username, in any case, saved a moment ago
            raise ValidationFailed(
                f"There is already an account called {username}", field="username"
            )
        changes.record(
            user,
            action=ChangeRecord.Action.CREATE,
            new="Opened the account",
            label=_account_label(user),
        )
        if with_role:
            assert organisation is not None  # role_errors found none missing
            services.membership_add(
                actor=actor,
                user=user,
                organisation=organisation,
                role=role,
                team=team,
                changes=changes,
            )
        _, token = _issue_link(actor, user, changes)
        changes.flush()
    return user, token


# --- leaver and returner ------------------------------------------------------------------------

ADMIN_ROLES = [r for r in Role.values if Capability.MANAGE_REFERENCE in capabilities_of(r)]


def _would_leave_no_administrator(user: User) -> bool:
    """True when `user` is the only open account with an administrator's role. The other
    administrators' rows are locked, so that two of them cannot close each other at once."""
    if not Membership.objects.filter(user=user, active=True, role__in=ADMIN_ROLES).exists():
        return False
    admins = Membership.objects.filter(active=True, role__in=ADMIN_ROLES).values("user_id")
    others = list(
        User.objects.select_for_update()
        .filter(pk__in=admins, is_active=True)
        .exclude(pk=user.pk)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return not others


def _reason_required(reason: str, example: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(f"Say why ({example})", field="reason")
    return reason


def staff_account_close(*, actor: Any, user: User, reason: str) -> Closed:
    """A leaver: end every role, revoke API tokens, cancel set-up links, remove the password and
    second factor and end every session. The account and its history stay."""
    services.require_staff_manager(actor)
    if user.pk == getattr(actor, "pk", None):
        raise ValidationFailed("You cannot close your own account: ask another administrator")
    if not user.is_active:
        raise ValidationFailed("This account is already closed.")
    reason = _reason_required(reason, "for example, left the organisation on 30/11")
    changes = ChangeSet(actor=actor, reason=services.recorded_reason(actor, reason))
    now = changes.at
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            raise ConcurrentEdit("Someone else has closed this account already.")
        if _would_leave_no_administrator(locked):
            raise ValidationFailed(
                "This is the last open administrator's account: give another member of staff the "
                "administrator role first"
            )
        roles = list(
            Membership.objects.filter(user=locked, active=True).select_related(
                "user", "organisation", "team"
            )
        )
        for membership in roles:
            services.membership_end(
                actor=actor, membership=membership, reason=reason, changes=changes
            )
        tokens = list(ApiToken.objects.filter(user=locked, revoked_at__isnull=True))
        for token in tokens:
            model_update(
                instance=token, fields=["revoked_at"], data={"revoked_at": now}, changes=changes
            )
        links = list(
            SetUpLink.objects.filter(
                user=locked, used_at__isnull=True, voided_at__isnull=True
            ).select_related("user")
        )
        for link in links:
            model_update(
                instance=link, fields=["voided_at"], data={"voided_at": now}, changes=changes
            )
        _update_account(locked, {"is_active": False, "closed_at": now}, changes)
        # Credentials, not history: the password, the authenticator and the backup codes go, and
        # every session ends at its next request (as "sign out everywhere" does).
        TOTPDevice.objects.filter(user=locked).delete()
        StaticDevice.objects.filter(user=locked).delete()
        User.objects.filter(pk=locked.pk).update(
            password=make_password(None), session_epoch=F("session_epoch") + 1
        )
        changes.record(
            locked,
            action=ChangeRecord.Action.UPDATE,
            new="Password and second factor removed; signed out everywhere",
            label=_account_label(locked),
        )
        changes.flush()
    user.refresh_from_db()
    user.forget_access_cache()
    return Closed(roles_ended=len(roles), tokens_revoked=len(tokens), links_cancelled=len(links))


def staff_account_reopen(*, actor: Any, user: User, reason: str) -> tuple[SetUpLink, str]:
    """A returner (or a mistaken closure): the account opens again with a new set-up link (shown
    once). Roles are not restored: give them again."""
    services.require_staff_manager(actor)
    if user.is_active:
        raise ValidationFailed("This account is open.")
    if _is_anonymised(user):
        raise ValidationFailed(
            "This account was anonymised under the retention rules: open a new account instead"
        )
    reason = _reason_required(reason, "for example, returned from a career break on 2/3")
    changes = ChangeSet(actor=actor, reason=services.recorded_reason(actor, reason))
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active:
            raise ConcurrentEdit("Someone else has reopened this account already.")
        _update_account(locked, {"is_active": True, "closed_at": None}, changes)
        link, token = _issue_link(actor, locked, changes)
        changes.flush()
    user.refresh_from_db()
    return link, token


# --- disposal -----------------------------------------------------------------------------------

PERSONAL_FIELDS = ("first_name", "last_name", "email", "username")
REMOVED = "[removed]"


def history_anonymise(user: User, *, username: str, names: list[str], new_username: str) -> int:
    """The change records of a staff account being anonymised (R-RETAIN-2, ADR 0016) stop naming
    the person: those of the account itself, its set-up links, its roles and its API tokens. Their
    names and email as old or new values are removed; the old `username` becomes `new_username`
    in labels and reasons, and `names` (given and family name, email) become "[removed]". Who did
    what stays: the records keep their actor, field, time and the rest of their values. Called by
    the disposal run before the account itself is anonymised; returns the records changed."""
    subjects = [
        user.uuid,
        *SetUpLink.objects.filter(user=user).values_list("uuid", flat=True),
        *Membership.objects.filter(user=user).values_list("uuid", flat=True),
        *ApiToken.objects.filter(user=user).values_list("uuid", flat=True),
    ]
    swaps = [(username, new_username)] + [(n, REMOVED) for n in names if len(n) >= 2]

    def scrub(text: str) -> str:
        for old, new in swaps:
            # Whole words only: a username 'jo' must not touch 'Jones'.
            text = re.sub(rf"(?<!\w){re.escape(old)}(?!\w)", new, text, flags=re.IGNORECASE)
        return text

    changed = []
    for record in ChangeRecord.objects.filter(object_uuid__in=subjects):
        before = (record.object_label, record.old_value, record.new_value, record.reason)
        record.object_label = scrub(record.object_label)[:200]
        record.reason = scrub(record.reason)
        if record.field in PERSONAL_FIELDS:
            record.old_value = (
                new_username if record.old_value and record.field == "username" else ""
            )
            record.new_value = (
                new_username if record.new_value and record.field == "username" else ""
            )
        else:
            record.old_value, record.new_value = scrub(record.old_value), scrub(record.new_value)
        if (record.object_label, record.old_value, record.new_value, record.reason) != before:
            changed.append(record)
    ChangeRecord.objects.bulk_update(
        changed, ["object_label", "old_value", "new_value", "reason"], batch_size=500
    )
    return len(changed)
