"""Roles and what each may do (R-ACCESS-1). The single table the access helpers read.

Scope (which families) is decided in SQL by `access.scopes`; this table decides which kinds of
thing a role may do at all, and whether it may see special-category fields (R-PEOPLE-3).
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner (family worker or mentor)"
    GROUP_WORKER = "group_worker", "Group worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    PARTNER_STAFF = "partner_staff", "Partner organisation staff"
    ANALYST = "analyst", "Data and evaluation analyst"
    DPO = "dpo", "Information governance lead / DPO"
    ADMIN = "admin", "Administrator"


class Capability(models.TextChoices):
    VIEW_PEOPLE = "view_people", "See and search families in scope"
    EDIT_PEOPLE = "edit_people", "Register families and change their details"
    VIEW_SPECIAL_CATEGORY = "view_special", "See special-category data"
    VIEW_ACCESS_LOG = "view_access_log", "Read the access log"
    MANAGE_REFERENCE = "manage_reference", "Manage users and reference data"
    MANAGE_PRIVACY = "manage_privacy", "Keep the purposes register, notices, restrictions and objections"


_C = Capability
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.PRACTITIONER: frozenset({_C.VIEW_PEOPLE, _C.EDIT_PEOPLE, _C.VIEW_SPECIAL_CATEGORY}),
    # Group workers take registers and add walk-ins; they need no special-category data.
    Role.GROUP_WORKER: frozenset({_C.VIEW_PEOPLE, _C.EDIT_PEOPLE}),
    Role.TEAM_MANAGER: frozenset(
        {_C.VIEW_PEOPLE, _C.EDIT_PEOPLE, _C.VIEW_SPECIAL_CATEGORY, _C.VIEW_ACCESS_LOG}
    ),
    Role.PARTNER_STAFF: frozenset({_C.VIEW_PEOPLE, _C.EDIT_PEOPLE, _C.VIEW_SPECIAL_CATEGORY}),
    # Analysts never browse identifiable records (R-ACCESS-1).
    Role.ANALYST: frozenset(),
    Role.DPO: frozenset({_C.VIEW_ACCESS_LOG, _C.MANAGE_PRIVACY}),
    # Administrators manage users and reference data but do not read case records by default.
    Role.ADMIN: frozenset({_C.MANAGE_REFERENCE}),
}


def capabilities_of(role: str) -> frozenset[str]:
    return CAPABILITIES.get(role, frozenset())
