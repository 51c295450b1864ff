"""Bearer tokens for partner systems and staff scripts: only the hash is stored; expiry and
revocation are checked on every use, and every use is visible in `last_used_at`. A token limited
to one organisation narrows its user to their roles there; its scopes (read people, write people)
are enforced by `familyhub.api.permissions` (ADR 0010a)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions

from familyhub.access.models import ApiToken


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0] not in ("Bearer", "Token"):
            raise exceptions.AuthenticationFailed(
                "Send the token as 'Authorization: Bearer <token>'."
            )
        token = (
            ApiToken.objects.select_related("user")
            .prefetch_related("user__memberships")
            .filter(key_hash=ApiToken.hash_key(parts[1]))
            .first()
        )
        now = timezone.now()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("This token is not recognised.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This token has been revoked.")
        if not token.usable_at(now):
            raise exceptions.AuthenticationFailed("This token has expired.")
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        user = token.user
        if token.organisation_id is not None:
            # A token limited to one organisation: for this request the user acts only through
            # their roles there (their scope, capabilities and break-glass grants follow).
            user.only_organisation_id = token.organisation_id
            user.forget_access_cache()
        return user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The staff web session, only once both factors were given (R-ACCESS-4).

    A session signed in with a password alone (the second-factor step not yet done) is treated as
    no authentication at all: 401, as for a stranger. Bearer tokens are unaffected.
    """

    def authenticate(self, request: Any) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        is_verified = getattr(user, "is_verified", None)
        if is_verified is None or not is_verified():
            return None
        return result
