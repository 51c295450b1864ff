"""Strong sign-in (R-ACCESS-4, ADR 0008): a password, then a code from an authenticator app.

The steps: /sign-in/ (username and password: Django signs the user in, not yet *verified*) ->
/sign-in/code/ (the 6-digit TOTP code, or a backup code) -> a verified session. A user without a
confirmed authenticator goes to /sign-in/set-up/ instead: a QR code and the secret in text, a code
to confirm, then 10 single-use backup codes shown once. Staff pages ask for a verified user
(`core.decorators.staff_view`).

Failures are counted by django-axes by username: wrong passwords and wrong codes alike, five in a
row lock the account until an administrator unlocks it. The count is reset only when both factors
succeed. Every step is recorded as a SignInEvent.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import logout, user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models import F
from django.dispatch import receiver
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.oath import hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from familyhub.access.middleware import SESSION_EPOCH_KEY
from familyhub.access.models import SignInEvent, User

Kind = SignInEvent.Kind
BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def record(request: HttpRequest | None, kind: str, *, user: Any = None, username: str = "") -> None:
    """Write one SignInEvent (never a password or a code)."""
    meta = request.META if request is not None else {}
    real_user = user if getattr(user, "pk", None) else None
    SignInEvent.objects.create(
        user=real_user,
        username=(username or getattr(real_user, "username", ""))[:150],
        ip_address=meta.get("REMOTE_ADDR") or None,
        user_agent=meta.get("HTTP_USER_AGENT", "")[:300],
        kind=kind,
    )


@receiver(user_logged_in)
def _remember_session_epoch(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    """Stamp the new session with the user's current epoch (read afresh: `user` may be stale)."""
    if request is None or not hasattr(request, "session"):
        return
    epoch = User.objects.filter(pk=user.pk).values_list("session_epoch", flat=True).first() or 0
    request.session[SESSION_EPOCH_KEY] = epoch


@receiver(user_logged_out)
def _record_sign_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if (
        user is not None
        and request is not None
        and not getattr(request, "familyhub_quiet_logout", False)
    ):
        record(request, Kind.SIGNED_OUT, user=user)


def quiet_logout(request: HttpRequest) -> None:
    """Sign out without a separate 'signed_out' event (the caller recorded why)."""
    request.familyhub_quiet_logout = True  # type: ignore[attr-defined]
    logout(request)


# --- devices -------------------------------------------------------------------------------------


def confirmed_app_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def pending_app_device(user: Any) -> TOTPDevice:
    """The unconfirmed authenticator being set up (made on first visit, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def base32_secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(data: str) -> str:
    """An inline SVG QR code: one <path>, no <script>, no style attribute (CSP), no network."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    image = qrcode.make(data, image_factory=SvgPathImage, box_size=10, border=4)
    svg = image.to_string(encoding="unicode")
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    svg = re.sub(r'\s(width|height)="[^"]*"', "", svg, count=2)  # fixed size below, no CSS
    svg = re.sub(r"\sstyle=\"[^\"]*\"", "", svg)
    return svg.replace(
        "<svg ",
        '<svg width="240" height="240" class="app-qr-code" role="img" '
        'aria-label="QR code for your authenticator app" ',
        1,
    )


def issue_backup_codes(user: Any) -> list[str]:
    """Replace the user's backup codes with 10 new single-use ones (returned once, stored once)."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def _normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def was_reused(device: TOTPDevice, code: str) -> bool:
    """True when `code` is the one already accepted for this device's last time step."""
    if device.last_t < 0 or not code.isdigit():
        return False
    return hotp(device.bin_key, device.last_t, digits=device.digits) == int(code)


class CodeResult:
    OK = "ok"
    WRONG = "wrong"
    REUSED = "reused"
    LOCKED = "locked"


def check_code(request: HttpRequest, user: Any, code: str, device: TOTPDevice) -> str:
    """Verify a TOTP code (or, for an enrolled user, a backup code); count and record the outcome.

    On success the session becomes verified and the failure count is reset.
    """
    code = _normalise(code)
    matched: Any = None
    if code.isdigit() and len(code) == device.digits:
        with transaction.atomic():
            locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            if locked.verify_token(code):  # refuses a step at or before last_t: no reuse
                matched = locked
    elif code and device.confirmed:
        for backup in StaticDevice.objects.filter(user=user, confirmed=True):
            if backup.verify_token(code):  # deletes the code: single use
                matched = backup
                break
    if matched is not None:
        if not matched.confirmed:
            matched.confirmed = True
            matched.save(update_fields=["confirmed"])
        otp_login(request, matched)
        request.session.cycle_key()  # a new session id for the more privileged session
        axes_reset(username=user.get_username())
        record(request, Kind.CODE_OK, user=user)
        return CodeResult.OK
    device.refresh_from_db()
    reused = was_reused(device, code)
    record(request, Kind.CODE_REUSED if reused else Kind.CODE_FAILED, user=user)
    # A wrong code counts like a wrong password (django-axes, by username).
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )
    if is_locked(request, user.get_username()):
        record(request, Kind.LOCKED_OUT, user=user)
        quiet_logout(request)
        return CodeResult.LOCKED
    return CodeResult.REUSED if reused else CodeResult.WRONG


# --- lock-out --------------------------------------------------------------------------------------


def is_locked(request: HttpRequest, username: str) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": username})


def locked_usernames() -> list[str]:
    """Usernames with at least AXES_FAILURE_LIMIT failures since their last good sign-in."""
    return sorted(
        set(
            AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
            .exclude(username=None)
            .values_list("username", flat=True)
        )
    )


def unlock(username: str, *, actor: Any = None, request: HttpRequest | None = None) -> int:
    """Clear the failures of `username` (axes); returns how many failure records went."""
    count = axes_reset(username=username)
    user = User.objects.filter(username=username).first()
    record(request, Kind.UNLOCKED, user=user, username=username)
    return count


def reset_second_factor(username: str, *, request: HttpRequest | None = None) -> bool:
    """Remove the user's authenticator and backup codes: they set up a new one at next sign-in.

    Their sessions are ended too (a lost phone may be in someone else's hands).
    """
    user = User.objects.filter(username=username).first()
    if user is None:
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    record(request, Kind.SECOND_FACTOR_RESET, user=user)
    return True


def sign_out_everywhere(request: HttpRequest) -> None:
    user: Any = request.user
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    record(request, Kind.SIGNED_OUT_EVERYWHERE, user=user)
    quiet_logout(request)
