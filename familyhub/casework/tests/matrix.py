"""The casework routes' rows of the authorization matrix (R-ACCESS-1, R-ACCESS-2; ADR 0013).

`familyhub/core/tests/test_authorization_matrix.py` adds CASEWORK_TABLE to its TABLE and the
records below to the ones it requests, so that every casework route is requested as every persona
and `docs/access-matrix.md` lists them. Columns, in order: practitioner group_worker team_manager
partner_staff analyst dpo admin other_org_staff anonymous.

Records (made by the route's `setup`, afresh for each route that needs them):
- household: the lead organisation's and the partner organisation's families (as for people's pages);
- referral: a referral waiting for a decision, made by the lead organisation (for one of its families)
  and one made by the partner organisation, both to the third organisation ("other org"), whose
  practitioner therefore sees both while it decides (ADR 0013); each side sees its own;
- enquiry, feedback_form: one received / owned by the lead organisation, one by the partner.
"""

from __future__ import annotations

import uuid
from typing import Any

from familyhub.core.tests.access_matrix import LEAD, MISSING, PARTNER, Route, row

# Who may do casework: practitioners, team managers and partner staff (Capability.CASEWORK).
CASEWORKERS = row("ok forbidden ok ok forbidden forbidden forbidden ok login")
VIEWERS = row("ok ok ok ok forbidden forbidden forbidden ok login")
EDITORS = VIEWERS
SIGNED_IN = row("ok ok ok ok ok ok ok ok login")
MANAGERS = row("forbidden forbidden ok forbidden forbidden forbidden forbidden forbidden login")
EVERYONE_404 = row("404 404 404 404 404 404 404 404 404")

# A family's pages (households allocated to the lead and to the partner organisation).
FAMILY_VIEW = (
    row("ok ok ok 404 forbidden forbidden forbidden 404 login"),
    row("404 404 404 ok forbidden forbidden forbidden 404 login"),
)
FAMILY_CASEWORK = (
    row("ok forbidden ok 404 forbidden forbidden forbidden 404 login"),
    row("404 forbidden 404 ok forbidden forbidden forbidden 404 login"),
)
# Referrals to the third organisation: both the referring side and the receiving side see them.
REFERRAL_VIEW = (
    row("ok ok ok 404 forbidden forbidden forbidden ok login"),
    row("404 404 404 ok forbidden forbidden forbidden ok login"),
)
REFERRAL_CASEWORK = (
    row("ok forbidden ok 404 forbidden forbidden forbidden ok login"),
    row("404 forbidden 404 ok forbidden forbidden forbidden ok login"),
)
# An organisation's own enquiries (front-door staff: EDIT_PEOPLE) and feedback forms (CASEWORK).
ORG_RECORD_EDITORS = FAMILY_VIEW
ORG_RECORD_CASEWORK = FAMILY_CASEWORK
BY_POST = row("405 405 405 405 forbidden forbidden forbidden 405 login")


def _page(row_: Any, **notes: str) -> Route:
    return Route(methods={"GET": row_, "POST": row_}, **notes)


def _record(kind: str, rows: Any, note: str = "") -> Route:
    setup = None if kind == "household" else _setup_records
    return Route(methods={"GET": rows, "POST": rows}, record=kind, note=note, setup=setup)


def _setup_records(personas: Any) -> None:
    """Only for the routes that need them: the records are kept on the personas, where the matrix's
    `_records` finds them."""
    personas.casework_records = casework_records(personas)


CASEWORK_TABLE: dict[str, Route] = {
    # --- a family's casework (R-ENGAGE-4..8) ---
    "casework:family_contacts": _record("household", FAMILY_VIEW),
    "casework:contact_new": _record(
        "household",
        FAMILY_CASEWORK,
        "an empty form is shown again with its errors; a visit in the future is refused",
    ),
    "casework:contact_action": _record(
        "household",
        FAMILY_CASEWORK,
        "POST marks a follow-up action done or cancels a planned visit; GET redirects to the list",
    ),
    "casework:allocate": _record("household", FAMILY_CASEWORK),
    "casework:allocation_close": _record("household", FAMILY_CASEWORK),
    "casework:coordinated_support": _record("household", FAMILY_VIEW),
    "casework:referral_new": _record("household", FAMILY_CASEWORK),
    "casework:family_outcomes": _record("household", FAMILY_VIEW),
    "casework:outcome_record_new": _record("household", FAMILY_CASEWORK),
    "casework:outcome_record_close": _record("household", FAMILY_CASEWORK),
    "casework:outcome_review_new": _record("household", FAMILY_CASEWORK),
    "casework:family_feedback": _record("household", FAMILY_CASEWORK),
    "casework:family_feedback_link": _record("household", FAMILY_CASEWORK),
    # --- caseloads (R-ENGAGE-6) ---
    "casework:caseload": _page(CASEWORKERS),
    "casework:team_caseloads": _page(MANAGERS),
    # --- referrals (R-ENGAGE-5) ---
    "casework:referral_list": _page(VIEWERS),
    "casework:referral_detail": _record(
        "referral",
        REFERRAL_VIEW,
        "both sides see the status; the family's details only while it is in the user's scope",
    ),
    "casework:referral_accept": _record(
        "referral",
        REFERRAL_CASEWORK,
        "only the receiving organisation's form acts; the referring side is told it cannot",
    ),
    "casework:referral_decline": _record("referral", REFERRAL_CASEWORK),
    "casework:referral_withdraw": _record(
        "referral", REFERRAL_CASEWORK, "only the referring organisation's form acts"
    ),
    # --- outcomes across families (R-ENGAGE-7) ---
    "casework:service_outcomes": _page(VIEWERS),
    "casework:outcome_frameworks": _page(SIGNED_IN, note="reference data: no personal data"),
    # --- feedback (R-ENGAGE-8) ---
    "casework:feedback_forms": _page(CASEWORKERS),
    "casework:feedback_form_new": _page(CASEWORKERS),
    "casework:feedback_form_detail": _record("feedback_form", ORG_RECORD_CASEWORK),
    "casework:feedback_form_link": _record("feedback_form", ORG_RECORD_CASEWORK),
    "casework:feedback_form_respond": _record("feedback_form", ORG_RECORD_CASEWORK),
    "casework:feedback_public": Route(
        methods={"GET": EVERYONE_404, "POST": EVERYONE_404},
        sample_path="/give-feedback/not-a-real-token/",
        note="public, no sign-in: a parent's one-time link; an unknown token is 404 for everyone "
        "(a used or expired one is 410)",
    ),
    # --- enquiries and complaints (R-ENGAGE-9) ---
    "casework:enquiry_list": _page(EDITORS),
    "casework:enquiry_new": _page(EDITORS),
    "casework:enquiry_detail": _record("enquiry", ORG_RECORD_EDITORS),
    "casework:mailing_organisations": _page(
        EDITORS, note="an empty POST shows the form again with its errors"
    ),
    "casework:mailing_organisations_csv": _page(EDITORS),
    "casework:mailing_organisation_leave": Route(
        methods={"GET": (BY_POST, BY_POST), "POST": ORG_RECORD_EDITORS},
        record="mailing_organisation",
        setup=_setup_records,
        note="POST only; each organisation's own list",
    ),
}


def casework_records(personas: Any) -> dict[str, dict[str, str]]:
    """The referral, enquiry and feedback-form records the casework routes are requested with."""
    from familyhub.casework.tests.factories import (
        make_enquiry,
        make_feedback_form,
        make_referral,
        make_service,
    )
    from familyhub.core.testing import make_household

    other = personas.other_org
    service = make_service(other, name="Matrix mentoring")
    lead_family = make_household(organisation=personas.lead, family_name="Referington")
    partner_family = make_household(organisation=personas.partner, family_name="Partreferred")
    lead_referral = make_referral(
        lead_family, from_organisation=personas.lead, to_organisation=other, service=service
    )
    partner_referral = make_referral(
        partner_family, from_organisation=personas.partner, to_organisation=other, service=service
    )
    return {
        "referral": {
            LEAD: str(lead_referral.uuid),
            PARTNER: str(partner_referral.uuid),
            MISSING: str(uuid.uuid4()),
        },
        "enquiry": {
            LEAD: str(make_enquiry(personas.lead).uuid),
            PARTNER: str(make_enquiry(personas.partner).uuid),
            MISSING: str(uuid.uuid4()),
        },
        "feedback_form": {
            LEAD: str(make_feedback_form(personas.lead).uuid),
            PARTNER: str(make_feedback_form(personas.partner).uuid),
            MISSING: str(uuid.uuid4()),
        },
        "mailing_organisation": {
            LEAD: str(_on_the_list(personas.lead).uuid),
            PARTNER: str(_on_the_list(personas.partner).uuid),
            MISSING: str(uuid.uuid4()),
        },
    }


def _on_the_list(organisation: Any) -> Any:
    from django.utils import timezone

    from familyhub.casework.models import MailingOrganisation

    return MailingOrganisation.objects.create(
        organisation=organisation,
        name=f"Matrix nursery of {organisation.name}",
        email=f"office{organisation.pk}@nursery.example",
        by_email=True,
        topics=["news"],
        joined_on=timezone.localdate(),
    )
