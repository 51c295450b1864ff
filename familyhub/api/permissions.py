"""Which roles may use which API routes at all (capabilities), and what a token may do (scopes);
which records, the access helpers decide.

A user whose roles grant no VIEW_PEOPLE capability anywhere (analyst, DPO, administrator) is told 403
on every people and household route: they have no business browsing case records. A user with the
capability who asks for a record outside their scope gets 404 from the helpers, exactly as for a
record that does not exist (invariant 2).

A bearer token may be narrower than its user (ADR 0010a): its scopes say whether it may read
(`people:read`, for GET) and write (`people:write`, for POST, PATCH, PUT and DELETE) households and
people, and a token limited to one organisation acts only through the user's roles there (set by
`ApiTokenAuthentication`; checked again here). A token outside its scopes is refused with 403.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from familyhub.access import helpers as access
from familyhub.access.models import ApiToken
from familyhub.access.roles import Capability


def required_scope(method: str) -> str:
    """The token scope a request needs: reading for safe methods, writing for the others."""
    return ApiToken.Scope.READ_PEOPLE if method in SAFE_METHODS else ApiToken.Scope.WRITE_PEOPLE


def token_refusal(request: Any) -> str:
    """Why the request's bearer token may not make it, or "" (also "" for a session)."""
    token = getattr(request, "auth", None)
    if not isinstance(token, ApiToken):
        return ""
    scope = required_scope(request.method)
    if not token.allows(scope):
        label = ApiToken.Scope(scope).label.lower()
        return f"This token may not {label} (it lacks the scope {scope})."
    if token.organisation_id is not None and (
        getattr(request.user, "only_organisation_id", None) != token.organisation_id
    ):
        return "This token is limited to one organisation, and its user was not narrowed to it."
    return ""


class HasCapability(BasePermission):
    """Allow the request when the user holds `capability` in at least one organisation, and a
    bearer token (if that is how the request came) has the scope for the method.

    Use `HasCapability.of(Capability.X)` in `permission_classes`. It checks every method unless
    `unsafe_only=True`, which checks only writes (POST, PATCH, ...).
    """

    capability: str = Capability.VIEW_PEOPLE
    unsafe_only: bool = False
    message = "Your role does not allow this."

    @classmethod
    def of(
        cls, capability: str, *, unsafe_only: bool = False, message: str = ""
    ) -> type[HasCapability]:
        label = Capability(capability).label.lower()
        return type(
            f"HasCapability_{capability}",
            (cls,),
            {
                "capability": capability,
                "unsafe_only": unsafe_only,
                "message": message or f"Your role does not allow this ({label}).",
            },
        )

    def has_permission(self, request: Any, view: Any) -> bool:
        if self.unsafe_only and request.method in SAFE_METHODS:
            return True
        refusal = token_refusal(request)
        if refusal:
            self.message = refusal
            return False
        return access.can(request.user, self.capability)


CanViewPeople = HasCapability.of(
    Capability.VIEW_PEOPLE,
    message="Your role does not allow you to see family records.",
)
CanEditPeople = HasCapability.of(
    Capability.EDIT_PEOPLE,
    unsafe_only=True,
    message="Your role does not allow you to register families or change their details.",
)
