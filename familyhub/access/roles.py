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
    MANAGE_PRIVACY = (
        "manage_privacy",
        "Keep the purposes register, notices, restrictions and objections",
    )
    # Break glass (R-ACCESS-2, ADR 0010): a stated reason opens one family for a limited time.
    BREAK_GLASS = "break_glass", "Request emergency access to a family outside their scope"
    # Oversight across every organisation: any person's access record, every review (ADR 0010).
    OVERSEE_ACCESS = "oversee_access", "Oversee access by the staff of every organisation"
    # Casework (R-ENGAGE-4..8, ADR 0013): visits, caseloads, referrals, outcomes, feedback forms.
    CASEWORK = "casework", "Record visits, caseloads, referrals, outcomes and feedback"
    TEAM_CASELOADS = "team_caseloads", "See the caseloads of the whole team"
    # The service catalogue and its eligibility rules (R-ENGAGE-1, R-ENGAGE-2); also lets a manager
    # enrol a family that is not eligible, with a recorded reason.
    MANAGE_SERVICES = "manage_services", "Manage the service catalogue and eligibility rules"
    # Rights requests (R-RIGHTS-1, ADR 0015): a family may tell any member of staff, and the month
    # starts that day, so front-line roles write the request down; the DPO handles it.
    RECORD_RIGHTS_REQUEST = "record_rights_request", "Record a data protection request received"
    # One person, one record (R-LINK-1, ADR 0021): review suspected duplicates, merge, unmerge and
    # match external files. The DPO works across organisations; a team manager within their scope.
    MANAGE_DUPLICATES = "manage_duplicates", "Review duplicate records, merge and unmerge them"
    # Partner file imports (R-IMPORT-1, ADR 0020): upload, map columns, run, read the rejects.
    IMPORT_DATA = "import_data", "Import partner files (attendance, people, reference data)"
    # Sharing (R-SHARE-1, R-SHARE-2, ADR 0018): the register of data sharing agreements (DPO,
    # administrators) and aggregate reports with disclosure control (DPO, team managers, analysts).
    MANAGE_SHARING = "manage_sharing", "Keep the register of data sharing agreements"
    PRODUCE_REPORTS = "produce_reports", "Build and release aggregate reports under an agreement"


_C = Capability
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.PRACTITIONER: frozenset(
        {_C.VIEW_PEOPLE, _C.EDIT_PEOPLE, _C.VIEW_SPECIAL_CATEGORY, _C.BREAK_GLASS, _C.CASEWORK}
    ),
    # Group workers take registers and add walk-ins; they need no special-category data.
    Role.GROUP_WORKER: frozenset({_C.VIEW_PEOPLE, _C.EDIT_PEOPLE, _C.BREAK_GLASS}),
    Role.TEAM_MANAGER: frozenset(
        {
            _C.VIEW_PEOPLE,
            _C.EDIT_PEOPLE,
            _C.VIEW_SPECIAL_CATEGORY,
            _C.VIEW_ACCESS_LOG,
            _C.BREAK_GLASS,
            _C.CASEWORK,
            _C.TEAM_CASELOADS,
            _C.MANAGE_SERVICES,
        }
    ),
    Role.PARTNER_STAFF: frozenset(
        {_C.VIEW_PEOPLE, _C.EDIT_PEOPLE, _C.VIEW_SPECIAL_CATEGORY, _C.BREAK_GLASS, _C.CASEWORK}
    ),
    # Analysts never browse identifiable records (R-ACCESS-1).
    Role.ANALYST: frozenset(),
    Role.DPO: frozenset({_C.VIEW_ACCESS_LOG, _C.MANAGE_PRIVACY, _C.OVERSEE_ACCESS}),
    # Administrators manage users and reference data but do not read case records by default.
    Role.ADMIN: frozenset({_C.MANAGE_REFERENCE, _C.MANAGE_SERVICES}),
}

# Duplicate review (R-LINK-1, ADR 0021): the data officer (DPO) and team managers.
for _role in (Role.TEAM_MANAGER, Role.DPO):
    CAPABILITIES[_role] = CAPABILITIES[_role] | {_C.MANAGE_DUPLICATES}

# Every front-line role may record a rights request made to it (R-RIGHTS-1, ADR 0015).
for _role in (Role.PRACTITIONER, Role.GROUP_WORKER, Role.TEAM_MANAGER, Role.PARTNER_STAFF):
    CAPABILITIES[_role] = CAPABILITIES[_role] | {_C.RECORD_RIGHTS_REQUEST}


# Partner imports (R-IMPORT-1, ADR 0020): team managers and administrators. Each kind still asks
# for the capability its records need (people and attendance: EDIT_PEOPLE), so an administrator
# loads reference data (postcode lookup) but not families.
for _role in (Role.TEAM_MANAGER, Role.ADMIN):
    CAPABILITIES[_role] = CAPABILITIES[_role] | {_C.IMPORT_DATA}


# Sharing agreements and aggregate reports (R-SHARE-1, R-SHARE-2, ADR 0018).
for _role in (Role.DPO, Role.ADMIN):
    CAPABILITIES[_role] = CAPABILITIES[_role] | {_C.MANAGE_SHARING}
for _role in (Role.DPO, Role.TEAM_MANAGER, Role.ANALYST):
    CAPABILITIES[_role] = CAPABILITIES[_role] | {_C.PRODUCE_REPORTS}


def capabilities_of(role: str) -> frozenset[str]:
    return CAPABILITIES.get(role, frozenset())
