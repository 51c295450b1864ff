"""Reads for casework pages.

Family-level reads take a household the caller has ALREADY fetched through `access.household_for`
(which checked scope and logged the view), like `people.selectors`. Lists that name families
(caseloads, referrals) narrow in SQL, then fetch the families of the page through
`access.households_visible_to` (the scope) and log the people shown. Every function runs a fixed
number of queries, whatever the number of rows.
"""

from familyhub.casework.selectors.caseloads import (
    PERSON_SHOWN,
    Caseload,
    CaseloadRow,
    Shown,
    TeamRow,
    caseload,
    caseload_roles,
    manager_scope,
    team_caseloads,
    workers_visible_to,
)
from familyhub.casework.selectors.enquiries import (
    enquiry_for,
    enquiry_list,
)
from familyhub.casework.selectors.family import (
    FamilyPanel,
    detail_of,
    family_allocations,
    family_contacts,
    family_enrolments,
    family_panel,
    family_referrals,
    open_follow_ups,
    single_point_of_contact,
)
from familyhub.casework.selectors.feedback import (
    QuestionResult,
    feedback_form_for,
    feedback_forms,
    feedback_results,
)
from familyhub.casework.selectors.outcomes import (
    FrameworkProgress,
    OutcomeSeries,
    ServiceProgress,
    ServiceSeries,
    active_outcomes,
    family_outcomes,
    family_progress,
    service_progress,
)
from familyhub.casework.selectors.reference import (
    active_services,
    caseworkers,
    people_of,
    referral_organisations,
    teams_of,
)
from familyhub.casework.selectors.referrals import (
    ReferralView,
    referral_for,
    referral_list,
)

__all__ = [
    "PERSON_SHOWN",
    "Caseload",
    "CaseloadRow",
    "FamilyPanel",
    "FrameworkProgress",
    "OutcomeSeries",
    "QuestionResult",
    "ReferralView",
    "ServiceProgress",
    "ServiceSeries",
    "Shown",
    "TeamRow",
    "active_outcomes",
    "active_services",
    "caseload",
    "caseload_roles",
    "caseworkers",
    "detail_of",
    "enquiry_for",
    "enquiry_list",
    "family_allocations",
    "family_contacts",
    "family_enrolments",
    "family_outcomes",
    "family_panel",
    "family_progress",
    "family_referrals",
    "feedback_form_for",
    "feedback_forms",
    "feedback_results",
    "manager_scope",
    "open_follow_ups",
    "people_of",
    "referral_for",
    "referral_list",
    "referral_organisations",
    "service_progress",
    "single_point_of_contact",
    "team_caseloads",
    "teams_of",
    "workers_visible_to",
]
