"""Which roles may use which API routes at all (capabilities); which records, the access helpers decide.

A user whose roles grant no VIEW_PEOPLE capability anywhere (analyst, DPO, administrator) is told 403
on every people and household route: they have no business browsing case records. A user with the
capability who asks for a record outside their scope gets 404 from the helpers, exactly as for a
record that does not exist (invariant 2).
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from familyhub.access import helpers as access
from familyhub.access.roles import Capability


class HasCapability(BasePermission):
    """Allow the request when the user holds `capability` in at least one organisation.

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
