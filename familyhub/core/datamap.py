"""The data map (invariant 4): every field of every familyhub model, classified.

Subject access packs, erasure, retention, extracts and the privacy notice read this table; a test
fails when a model field is missing from it (`familyhub/core/tests/test_datamap.py`), and
`familyhub datamap` writes it as the readable table in docs/data-map.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    NOT_PERSONAL = "not personal"
    IDENTITY = "identity"
    CONTACT = "contact"
    SOCIOECONOMIC = "circumstances"
    SPECIAL = "special category"
    CASE_NOTE = "case note"
    RELATIONSHIP = "family relationship"
    HISTORY = "change history"
    STAFF = "staff"
    AUDIT = "audit"
    CONSENT = "consent and preferences"
    RIGHTS = "rights requests"


PERSONAL = {c for c in Category if c is not Category.NOT_PERSONAL}


class Retention(StrEnum):
    """Retention categories. The rules themselves (periods, start events) are data the DPO edits:
    `retention.RetentionRule`, one per category, seeded from these defaults (R-RETAIN-1)."""

    NONE = "n/a"
    CASE_RECORD = "case record: 6 years after last contact with the family"
    EVALUATION = "evaluation data: the programme's lifetime plus 5 years"
    STAFF_ACCOUNT = "staff account: 1 year after the account is closed"
    AUDIT_LOG = "audit log: 7 years"
    REFERENCE = "reference data: kept while in use"
    # Rows of partner files that could not be imported: kept only for the partner to fix and send
    # again, and linked to nobody, so neither subject access nor erasure can find them by person.
    IMPORT_REJECTS = "rejected import rows: 3 months after the import"


class Subject(StrEnum):
    FAMILY = "family member"
    STAFF = "staff member"
    NONE = "none"


@dataclass(frozen=True)
class FieldClass:
    category: Category
    retention: Retention
    subject: Subject
    description: str = ""

    @property
    def personal(self) -> bool:
        return self.category in PERSONAL


def _f(
    cat: Category,
    desc: str = "",
    ret: Retention = Retention.CASE_RECORD,
    subj: Subject = Subject.FAMILY,
) -> FieldClass:
    return FieldClass(cat, ret, subj, desc)


def _tech(desc: str = "", ret: Retention = Retention.NONE) -> FieldClass:
    return FieldClass(Category.NOT_PERSONAL, ret, Subject.NONE, desc)


def _ref(desc: str = "") -> FieldClass:
    return FieldClass(Category.NOT_PERSONAL, Retention.REFERENCE, Subject.NONE, desc)


C = Category
_BASE = {
    "id": _tech("internal key"),
    "uuid": _tech("public identifier (random, carries no meaning)"),
    "created_at": _tech("when the record was made"),
    "updated_at": _tech("when the record was last changed"),
}
_VERSIONED = {**_BASE, "version": _tech("edit counter for safe concurrent editing")}
_STAFF = Retention.STAFF_ACCOUNT
_AUDIT = Retention.AUDIT_LOG

DATA_MAP: dict[str, dict[str, FieldClass]] = {
    "core.ChangeRecord": {
        "id": _tech(),
        "at": _f(C.HISTORY, "when the change was made"),
        "actor": _f(C.STAFF, "who made the change", _STAFF, Subject.STAFF),
        "action": _tech("kind of change"),
        "change_set": _tech("groups changes saved together"),
        "model": _tech("kind of record"),
        "object_uuid": _tech("which record"),
        "object_label": _f(C.HISTORY, "name of the record at the time (may be a person's name)"),
        "field": _tech("which field"),
        "field_label": _tech("which field, in words"),
        "old_value": _f(C.HISTORY, "the value before the change (same category as the field)"),
        "new_value": _f(C.HISTORY, "the value after the change (same category as the field)"),
        "reason": _f(C.CASE_NOTE, "why the change was made, where given"),
        "person": _f(C.HISTORY, "whose record changed"),
        "household": _f(C.HISTORY, "which family's record changed"),
        "special_category": _tech("whether the values are special category"),
    },
    "places.Area": {**_BASE, "name": _ref("care delivery group name")},
    "places.Ward": {
        **_BASE,
        "code": _ref("ONS ward code"),
        "name": _ref(),
        "lad_code": _ref(),
        "lad_name": _ref(),
        "area": _ref(),
    },
    "places.Organisation": {
        **_VERSIONED,
        "name": _ref(),
        "kind": _ref(),
        "served_wards": _ref(),
        "ods_code": _ref(),
        "active": _ref("false: retired, kept on old records, offered nowhere"),
    },
    "places.Team": {
        **_VERSIONED,
        "organisation": _ref(),
        "name": _ref(),
        "area": _ref(),
        "active": _ref("false: retired, kept on old records, offered nowhere"),
    },
    "places.Venue": {
        **_VERSIONED,
        "name": _ref(),
        "organisation": _ref(),
        "ward": _ref(),
        "address": _ref("a public venue's address"),
        "postcode": _ref(),
        "active": _ref("false: retired, kept on old records, offered nowhere"),
    },
    "engagement.Service": {
        **_VERSIONED,
        "code": _ref(),
        "name": _ref(),
        "kind": _ref(),
        "description": _ref(),
        "provider": _ref(),
        "delivered_by": _ref(),
        "venues": _ref(),
        "target_outcomes": _ref(),
        "capacity": _ref(),
        "source": _ref(),
        "consent_purpose": _ref("privacy purpose enrolment needs"),
        "active": _ref(),
    },
    "engagement.EligibilityRule": {
        **_BASE,
        "service": _ref(),
        "number": _ref("version number"),
        "conditions": _ref("the rule as data (wards, areas, child's age, circumstances)"),
        "summary": _ref(),
        "note": _ref("why the rule was made or changed"),
        "created_by": _f(C.STAFF, "who wrote this version", _STAFF, Subject.STAFF),
    },
    "engagement.Enrolment": {
        **_BASE,
        "person": _f(C.CASE_NOTE, "who receives the service"),
        "household": _f(C.CASE_NOTE, "the family whose eligibility was checked"),
        "service": _f(C.CASE_NOTE, "which service"),
        "organisation": _f(C.CASE_NOTE, "who delivers it to the family"),
        "worker": _f(C.STAFF, "the worker", _STAFF, Subject.STAFF),
        "started_on": _f(C.CASE_NOTE),
        "ended_on": _f(C.CASE_NOTE),
        "end_reason": _f(C.CASE_NOTE),
        "rule": _f(C.CASE_NOTE, "the eligibility rule version the decision used"),
        "eligible": _f(C.CASE_NOTE, "the eligibility decision"),
        "decision": _f(C.CASE_NOTE, "the decision's reasons (ward, child's age, circumstances)"),
        "override_reason": _f(C.CASE_NOTE, "why a manager enrolled a family not eligible"),
        "overridden_by": _f(C.STAFF, "the manager", _STAFF, Subject.STAFF),
        "created_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
    },
    "engagement.SessionSeries": {
        **_BASE,
        "service": _tech(),
        "title": _tech(),
        "organisation": _tech(),
        "first_date": _tech(),
        "weeks": _tech(),
        "start_time": _tech(),
        "end_time": _tech(),
        "created_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
    },
    "engagement.Session": {
        **_VERSIONED,
        "service": _tech(),
        "series": _tech(),
        "title": _tech("the activity"),
        "date": _tech(),
        "start_time": _tech(),
        "end_time": _tech(),
        "venue": _tech(),
        "ward": _tech(),
        "organisation": _tech("the organisation running it"),
        "workers": _f(C.STAFF, "who runs the session", _STAFF, Subject.STAFF),
        "capacity": _tech(),
        "cancelled_at": _tech(),
        "cancel_reason": _tech(),
        "created_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
    },
    "engagement.Attendance": {
        **_BASE,
        "session": _f(C.CASE_NOTE, "which group session (SSBC: 'attendance at groups')"),
        "person": _f(C.CASE_NOTE, "who attended"),
        "present": _f(C.CASE_NOTE),
        "as_child": _f(C.CASE_NOTE, "counted as a child or an adult"),
        "client_id": _tech("id of the last register tick applied"),
        "client_at": _f(C.CASE_NOTE, "when the last tick was made"),
        "recorded_by": _f(C.STAFF, "who took the register", _STAFF, Subject.STAFF),
        "recorded_at": _f(C.CASE_NOTE, "when the tick was saved"),
    },
    "engagement.WalkIn": {
        **_BASE,
        "client_id": _tech("id the register page gave the walk-in"),
        "session": _f(C.CASE_NOTE, "the session the person walked in to"),
        "person": _f(C.IDENTITY, "the person added at the door"),
        "household": _f(C.IDENTITY, "the household made for them"),
        "created_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "completed_at": _f(C.CASE_NOTE, "when the record was completed"),
        "completed_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
    },
    "privacy.Purpose": {
        **_VERSIONED,
        **{
            f: _ref("the purposes register")
            for f in (
                "code",
                "name",
                "description",
                "lawful_basis",
                "basis_detail",
                "special_category_condition",
                "data_categories",
                "recipients",
                "transfers",
                "retention",
                "parental_consent_for_children",
                "allowed_when_restricted",
                "source",
                "sort_order",
                "active",
            )
        },
    },
    "privacy.PrivacyNotice": {
        **_BASE,
        "version": _ref("notice version"),
        "published_at": _ref("when it was published"),
        "published_by": _f(C.STAFF, "who published it", _STAFF, Subject.STAFF),
        "summary": _ref("what changed"),
        "content": _ref("the notice as published (registers, no personal data)"),
    },
    "privacy.Consent": {
        **_VERSIONED,
        "person": _f(C.IDENTITY, "whose consent"),
        "purpose": _tech("which purpose"),
        "state": _f(C.CONSENT, "given, refused, withdrawn or expired"),
        "given_by": _f(C.RELATIONSHIP, "the parent or carer who answered for a child"),
        "decided_on": _f(C.CONSENT, "when the answer was given"),
        "method": _f(C.CONSENT, "paper form, verbally or online"),
        "recorded_by": _f(C.STAFF, "the worker who recorded it", _STAFF, Subject.STAFF),
        "notice": _f(C.CONSENT, "the privacy notice version shown"),
        "evidence": _f(C.CONSENT, "scan of the signed paper form (a file)"),
        "expires_on": _f(C.CONSENT, "when the consent lapses"),
        "withdrawn_on": _f(C.CONSENT, "when it was withdrawn"),
        "note": _f(C.CASE_NOTE, "note about the answer"),
    },
    "privacy.ContactPreference": {
        **_VERSIONED,
        "person": _f(C.IDENTITY, "whose preference"),
        "agreed": _f(C.CONTACT, "agreed to be contacted"),
        "by_phone": _f(C.CONTACT, "channel"),
        "by_text": _f(C.CONTACT, "channel"),
        "by_email": _f(C.CONTACT, "channel"),
        "by_post": _f(C.CONTACT, "channel"),
        "topics": _f(C.CONTACT, "what they may be contacted about"),
    },
    "privacy.Restriction": {
        **_BASE,
        "person": _f(C.IDENTITY, "whose record is restricted"),
        "started_on": _f(C.RIGHTS, "restriction start"),
        "lifted_on": _f(C.RIGHTS, "restriction end"),
        "reason": _f(C.RIGHTS, "why processing is restricted"),
        "request_reference": _f(C.RIGHTS, "the rights request behind it"),
        "recorded_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "lifted_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
    },
    "privacy.Objection": {
        **_BASE,
        "person": _f(C.IDENTITY, "who objected"),
        "purpose": _tech("to which purpose"),
        "received_on": _f(C.RIGHTS, "when the objection was received"),
        "grounds": _f(C.RIGHTS, "the person's grounds"),
        "decision": _f(C.RIGHTS, "pending, upheld or overridden"),
        "compelling_grounds": _f(C.RIGHTS, "the DPO's grounds for continuing"),
        "decided_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "decided_on": _f(C.RIGHTS, ""),
        "ended_on": _f(C.RIGHTS, "when the person withdrew the objection"),
        "request_reference": _f(C.RIGHTS, "the rights request behind it"),
        "recorded_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
    },
    # Rights requests, subject access packs and the disclosure log (R-RIGHTS-1..3, ADR 0015).
    "rights.RightsRequest": {
        **_VERSIONED,
        "reference": _f(C.RIGHTS, "the request's reference (RR-year-number)"),
        "kind": _f(C.RIGHTS, "which right: access, erasure, ..."),
        "person": _f(C.IDENTITY, "whom the request is about"),
        "requester_kind": _f(C.RIGHTS, "who asked: the person, a parent, a representative"),
        "requester_person": _f(C.RELATIONSHIP, "the parent or carer who asked for their child"),
        "requester_name": _f(C.RIGHTS, "name of the parent or representative who asked"),
        "requester_relationship": _f(C.RIGHTS, "their relationship to the person"),
        "reply_to": _f(C.CONTACT, "where to send the answer"),
        "received_on": _f(C.RIGHTS, "when the request was received"),
        "received_via": _f(C.RIGHTS, "how it arrived"),
        "received_by": _f(C.STAFF, "who recorded it", _STAFF, Subject.STAFF),
        "description": _f(C.RIGHTS, "what they asked for, in their words"),
        "purpose": _tech("the use of data an objection or withdrawal is about"),
        "identity_method": _f(C.RIGHTS, "how identity was checked"),
        "identity_evidence": _f(C.RIGHTS, "what was seen to confirm identity"),
        "authority_evidence": _f(C.RIGHTS, "what showed a parent or representative may act"),
        "identity_checked_at": _f(C.RIGHTS, "when identity was checked"),
        "identity_checked_by": _f(C.STAFF, "who checked it", _STAFF, Subject.STAFF),
        "status": _f(C.RIGHTS, "open, waiting (clock stopped) or closed"),
        "due_on": _f(C.RIGHTS, "the statutory due date"),
        "extension_months": _f(C.RIGHTS, "further months allowed (0 to 2)"),
        "extension_grounds": _f(C.RIGHTS, "complex, or one of a number of requests"),
        "extension_reason": _f(C.RIGHTS, "why more time was needed, as the person was told"),
        "extended_on": _f(C.RIGHTS, "when the deadline was extended"),
        "extended_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "outcome": _f(C.RIGHTS, "done, done in part, refused or withdrawn"),
        "outcome_note": _f(C.RIGHTS, "what was done and what the person was told"),
        "refusal_reasons": _f(C.RIGHTS, "the exemption or reason for refusing"),
        "closed_on": _f(C.RIGHTS, "when the request was closed"),
        "closed_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "restriction": _tech("the restriction the request made"),
        "objection": _tech("the objection the request recorded"),
        "erased_at": _f(C.RIGHTS, "when the person's data was erased"),
        "recipients_told_on": _f(C.RIGHTS, "when the recipients were told (Article 19)"),
        "recipients_told": _f(C.RIGHTS, "which organisations were told, and how"),
        "recipients_told_to": _f(
            C.RIGHTS, "the organisations told, by name (kept after erasure: Article 19 evidence)"
        ),
        "no_challenge_note": _f(
            C.RIGHTS, "a rectification not made: the person did not want their challenge noted"
        ),
    },
    "rights.RequestPause": {
        **_BASE,
        "request": _tech("which request"),
        "reason": _tech("waiting for identity or for clarification"),
        "started_on": _tech("when the clock stopped (what was asked is on the change record)"),
        "ended_on": _tech("when the answer arrived"),
        "started_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "ended_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
    },
    "rights.Notification": {
        **_BASE,
        "request": _tech("which request"),
        "kind": _tech("new, due soon or overdue"),
        "due_on": _tech("the due date it reminds of"),
        "message": _tech("names the request by reference only, never the family"),
    },
    "rights.DisclosureRecord": {
        **_BASE,
        "kind": _tech("pack, export, report, extract or a disclosure recorded by hand"),
        "level": _tech("aggregate, de-personalised or identifiable"),
        "agreement": _tech("the data sharing agreement it left under"),
        "disclosed_at": _f(C.RIGHTS, "when the data left"),
        "disclosed_by": _f(C.STAFF, "who released it", _STAFF, Subject.STAFF),
        "recipient": _f(C.RIGHTS, "who received it (may be the person or their representative)"),
        "recipient_kind": _f(C.RIGHTS, "the person, a representative or an organisation"),
        "what": _f(C.RIGHTS, "what was disclosed, in words"),
        "legal_basis": _tech("the law relied on"),
        "channel": _f(C.RIGHTS, "how it was sent"),
        "request": _tech("the rights request it answered"),
        "person": _f(C.IDENTITY, "whose request it answered"),
        "people_count": _tech("how many people's data it held"),
        "sha256": _tech("checksum of the main file sent"),
        "files": _tech("the files sent: names (reference only), sizes, checksums"),
    },
    "rights.DisclosurePerson": {
        "id": _tech(),
        "disclosure": _tech("which disclosure"),
        "person": _f(C.IDENTITY, "a person whose data was in it"),
    },
    "rights.AccessPack": {
        **_BASE,
        "request": _tech("which request"),
        "person": _f(C.IDENTITY, "whose pack"),
        "state": _f(C.RIGHTS, "draft or released"),
        "generated_at": _f(C.RIGHTS, "when it was assembled"),
        "generated_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "content": _f(C.RIGHTS, "the pack as assembled: a copy of everything held about them"),
        "released_at": _f(C.RIGHTS, "when it was sent"),
        "released_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "released_content": _f(C.RIGHTS, "exactly what was sent, with the redactions applied"),
        "json_sha256": _tech("checksum of the JSON sent"),
        "html_sha256": _tech("checksum of the document sent"),
        "disclosure": _tech("the disclosure record of its release"),
    },
    "rights.PackDecision": {
        **_BASE,
        "pack": _tech("which pack"),
        "person": _f(C.IDENTITY, "whose pack"),
        "item": _tech("which flagged item of the pack"),
        "decision": _f(C.RIGHTS, "release or withhold another person's data"),
        "reason": _f(C.RIGHTS, "why (may mention the other person)"),
        "decided_by": _f(C.STAFF, "the reviewer", _STAFF, Subject.STAFF),
        "decided_at": _f(C.RIGHTS, "when it was decided"),
    },
    # The person says the record is wrong (Articles 16 and 18(1)(a); ADR 0027). Personal, not
    # special category as such; a statement about a case note or a special-category detail is
    # shown only to roles that see those (AccuracyChallenge.special).
    "rights.AccuracyChallenge": {
        **_VERSIONED,
        "person": _f(C.IDENTITY, "who says the record is wrong"),
        "target": _f(C.RIGHTS, "what they dispute: their details, one detail, a contact, a need"),
        "field_name": _f(C.RIGHTS, "which of their details (its name in this data map)"),
        "contact": _f(C.RIGHTS, "the contact or visit whose record they dispute"),
        "outcome_record": _f(C.RIGHTS, "the need, strength or goal they dispute"),
        "statement": _f(C.RIGHTS, "their statement, in their own words"),
        "received_on": _f(C.RIGHTS, "when they told us"),
        "request": _tech("the rectification request it came with"),
        "outcome": _f(C.RIGHTS, "corrected, not corrected, or still being checked"),
        "outcome_reason": _f(C.RIGHTS, "what was corrected, or why not, as they were told"),
        "recorded_by": _f(C.STAFF, "who recorded it", _STAFF, Subject.STAFF),
        "decided_by": _f(C.STAFF, "who decided", _STAFF, Subject.STAFF),
        "decided_at": _f(C.RIGHTS, "when it was decided"),
    },
    "places.PopulationEstimate": {
        **_BASE,
        "ward": _ref(),
        "year": _ref(),
        "age_from": _ref(),
        "age_to": _ref(),
        "sex": _ref(),
        "ethnic_group": _ref(),
        "count": _ref("published population estimate, not about anyone"),
        "source": _ref(),
    },
    "places.PostcodeWard": {
        "id": _ref(),
        "postcode_key": _ref("ONS Postcode Directory (OGL v3.0), not about anyone"),
        "postcode": _ref(),
        "ward": _ref(),
        "source": _ref(),
    },
    "sharing.Agreement": {
        **_VERSIONED,
        "reference": _ref(),
        "title": _ref(),
        "recipient": _ref("an organisation"),
        "recipient_organisation": _ref(),
        "purpose": _ref(),
        "level": _ref(),
        "data_items": _ref(),
        "lawful_basis": _ref(),
        "basis_detail": _ref(),
        "consent_purpose": _ref(),
        "frequency": _ref(),
        "starts_on": _ref(),
        "ends_on": _ref(),
        "responsible_name": _f(
            C.STAFF, "the named person responsible", Retention.REFERENCE, Subject.STAFF
        ),
        "responsible_email": _f(C.STAFF, "their work email", Retention.REFERENCE, Subject.STAFF),
        "rule_set": _ref(),
        "k_threshold": _ref(),
        "l_threshold": _ref(),
        "pseudonym_salt": _tech("varies the agreement's pseudonym key; not personal"),
        "notes": _ref(),
        "suspended_at": _ref(),
        "suspended_reason": _ref(),
        "created_by": _f(C.STAFF, "who added it", _STAFF, Subject.STAFF),
    },
    "sharing.ReportSpec": {
        **_VERSIONED,
        "name": _ref(),
        "agreement": _ref(),
        "definition": _ref("dimensions, measures and filters of a report"),
        "schedule": _ref(),
        "next_run_on": _ref(),
        "recipients_note": _ref(),
        "active": _ref(),
        "created_by": _f(C.STAFF, "who saved it", _STAFF, Subject.STAFF),
    },
    "sharing.Output": {
        **_BASE,
        "kind": _tech(),
        "agreement": _tech(),
        "report": _tech(),
        "title": _tech(),
        "request": _tech("what was asked for: dimensions and items, never a person"),
        "status": _tech(),
        "refusal_reason": _tech(),
        "rule_set": _tech(),
        "protection": _tech("disclosure control or re-identification figures"),
        "period_start": _tech(),
        "period_end": _tech(),
        "people_count": _tech("how many people it counts or holds"),
        "files": _tech("names, sizes and checksums"),
        "content": _f(
            C.IDENTITY,
            "the file produced: pseudonymised or identifiable records for extracts",
            Retention.AUDIT_LOG,
        ),
        "disclosure": _tech("its row of the disclosure log"),
        "produced_by": _f(C.STAFF, "who produced it", _STAFF, Subject.STAFF),
    },
    "places.EthnicityCategory": {
        "id": _tech(),
        "key": _ref(),
        "ons_code": _ref(),
        "label": _ref(),
        "high_level_group": _ref(),
        "nhs_code": _ref(),
        "nhs_display": _ref(),
        "mapping_note": _ref(),
        "kind": _ref(),
        "sort_order": _ref(),
    },
    "access.User": {
        "id": _tech(),
        "uuid": _tech("public identifier of the account (its page and change records)"),
        "password": _f(
            C.STAFF, "Argon2 hash of the password (never the password)", _STAFF, Subject.STAFF
        ),
        "last_login": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "is_superuser": _tech(),
        "is_staff": _tech(),
        "is_active": _tech(),
        "username": _f(C.STAFF, "sign-in name", _STAFF, Subject.STAFF),
        "first_name": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "last_name": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "email": _f(C.STAFF, "work email", _STAFF, Subject.STAFF),
        "date_joined": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "session_epoch": _f(
            C.STAFF, "raised by 'sign out everywhere' to end older sessions", _STAFF, Subject.STAFF
        ),
        "is_service_account": _tech("a partner system rather than a person"),
        "closed_at": _f(
            C.STAFF,
            "when the account was closed (a leaver); retention counts from it",
            _STAFF,
            Subject.STAFF,
        ),
        "groups": _tech(),
        "user_permissions": _tech(),
    },
    # One-time set-up links (ADR 0025): only the token's hash; who made it, when it was used.
    "access.SetUpLink": {
        **_BASE,
        "user": _f(C.STAFF, "the account it sets up", _STAFF, Subject.STAFF),
        "token_hash": _tech("SHA-256 of the link's token (never the token)"),
        "created_by": _f(C.STAFF, "the administrator who made it", _STAFF, Subject.STAFF),
        "expires_at": _tech("72 hours after it was made"),
        "used_at": _f(
            C.STAFF, "when the member of staff chose their password", _STAFF, Subject.STAFF
        ),
        "voided_at": _tech("when a newer link or closing the account cancelled it"),
    },
    "access.Membership": {
        **_BASE,
        "user": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "organisation": _ref(),
        "team": _ref(),
        "role": _f(C.STAFF, "the staff member's role", _STAFF, Subject.STAFF),
        "active": _tech(),
        "started_by": _f(C.STAFF, "who gave the role", _STAFF, Subject.STAFF),
        "ended_at": _f(C.STAFF, "when the role ended", _STAFF, Subject.STAFF),
        "ended_by": _f(C.STAFF, "who ended the role", _STAFF, Subject.STAFF),
        "end_reason": _f(C.STAFF, "why the role ended", _STAFF, Subject.STAFF),
    },
    "access.ApiToken": {
        **_BASE,
        "user": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "name": _tech(),
        "prefix": _tech(),
        "key_hash": _tech("hash of the token"),
        "expires_at": _tech(),
        "revoked_at": _tech(),
        "last_used_at": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "organisation": _ref("the one organisation the token may act for, if limited"),
        "scopes": _tech("what the token may do: read people, write people"),
    },
    # Idempotency keys of the API's creates (ADR 0022): no family data, a reference to the record.
    "api.IdempotencyKey": {
        "id": _tech("internal key"),
        "owner": _tech("whose key: the token's or the user's internal id"),
        "key": _tech("the partner system's retry key"),
        "user": _f(C.STAFF, "whose token made the request", _STAFF, Subject.STAFF),
        "token": _tech("the token used"),
        "method": _tech(),
        "path": _tech("the route (ids only)"),
        "request_hash": _tech("SHA-256 of the request, to tell a retry from a different request"),
        "status": _tech(),
        "location": _tech("the created record's address (ids only)"),
        "resource": _tech("which record was created (ids only)"),
        "created_at": _tech("when; deleted by the first keyed create 24 hours later"),
    },
    "access.AccessLogEntry": {
        "id": _tech("position in the chain", _AUDIT),
        "at": _f(C.AUDIT, "when", _AUDIT, Subject.STAFF),
        "user_id_at_time": _f(C.AUDIT, "which staff account", _AUDIT, Subject.STAFF),
        "username": _f(C.AUDIT, "", _AUDIT, Subject.STAFF),
        "roles": _f(C.AUDIT, "", _AUDIT, Subject.STAFF),
        "action": _tech("", _AUDIT),
        "object_type": _tech("", _AUDIT),
        "channel": _tech("", _AUDIT),
        "path": _tech("page or route (ids only)", _AUDIT),
        "ip_address": _f(C.AUDIT, "where from", _AUDIT, Subject.STAFF),
        "user_agent": _f(C.AUDIT, "", _AUDIT, Subject.STAFF),
        "reason": _f(
            C.AUDIT, "stated reason (break glass, request reference)", _AUDIT, Subject.STAFF
        ),
        "detail": _tech("kind of search or list; never the search words", _AUDIT),
        "subject_count": _tech("", _AUDIT),
        "subject_digest": _tech("", _AUDIT),
        "prev_hash": _tech("", _AUDIT),
        "row_hash": _tech("", _AUDIT),
    },
    "access.SignInEvent": {
        "id": _tech("internal key"),
        "user": _f(C.AUDIT, "the account, when the username exists", _AUDIT, Subject.STAFF),
        "username": _f(C.AUDIT, "the username as typed", _AUDIT, Subject.STAFF),
        "at": _f(C.AUDIT, "when", _AUDIT, Subject.STAFF),
        "ip_address": _f(C.AUDIT, "where from", _AUDIT, Subject.STAFF),
        "user_agent": _f(C.AUDIT, "which browser", _AUDIT, Subject.STAFF),
        "kind": _f(
            C.AUDIT, "what happened (password, code, lock-out, sign-out)", _AUDIT, Subject.STAFF
        ),
    },
    "access.AccessLogSubject": {
        "id": _tech("", _AUDIT),
        "entry": _tech("", _AUDIT),
        "person_key": _f(
            C.AUDIT, "pseudonymous key of the person whose record was touched", _AUDIT
        ),
    },
    "access.AccessLogHead": {"id": _tech(), "last_id": _tech(), "last_hash": _tech()},
    # Break glass (R-ACCESS-2, ADR 0010): the request, its reason and its review. Kept as audit;
    # the family is linked by key only (SET NULL on erasure), the explanation may name them.
    "access.BreakGlassGrant": {
        **_BASE,
        "user": _f(C.AUDIT, "who asked for emergency access", _AUDIT, Subject.STAFF),
        "organisation": _ref("the organisation they worked for"),
        "roles": _f(C.AUDIT, "their roles at the time", _AUDIT, Subject.STAFF),
        "reference": _f(C.AUDIT, "what identified the family (an id or NHS number)", _AUDIT),
        "household": _f(C.AUDIT, "the family opened", _AUDIT),
        "reason": _f(C.AUDIT, "the reason chosen from the list", _AUDIT, Subject.STAFF),
        "explanation": _f(C.CASE_NOTE, "the reason in their words (may name people)", _AUDIT),
        "expires_at": _tech("when the access ends", _AUDIT),
        "ended_at": _tech("when it was ended early", _AUDIT),
        "decision": _f(C.AUDIT, "justified or not", _AUDIT, Subject.STAFF),
        "decision_note": _f(C.AUDIT, "what the decision was based on", _AUDIT, Subject.STAFF),
        "reviewed_at": _tech("", _AUDIT),
        "reviewed_by": _f(C.AUDIT, "the manager or DPO who decided", _AUDIT, Subject.STAFF),
        "follow_up_note": _f(C.AUDIT, "what was done about it", _AUDIT, Subject.STAFF),
        "followed_up_at": _tech("", _AUDIT),
        "followed_up_by": _f(C.AUDIT, "who recorded the follow-up", _AUDIT, Subject.STAFF),
    },
    "people.Household": {
        **_VERSIONED,
        "name": _f(C.IDENTITY, "how staff refer to the family"),
        "phone": _f(C.CONTACT, "household phone"),
        "notes": _f(C.CASE_NOTE, "practical notes for visits"),
        "archived_at": _tech(),
        "archive_reason": _f(C.CASE_NOTE),
    },
    "people.Address": {
        **_BASE,
        "household": _f(C.CONTACT),
        "line1": _f(C.CONTACT),
        "line2": _f(C.CONTACT),
        "town": _f(C.CONTACT),
        "postcode": _f(C.CONTACT),
        "postcode_key": _f(C.CONTACT, "postcode for search"),
        "ward": _f(C.CONTACT, "ward of the address"),
        "valid_from": _f(C.CONTACT),
        "valid_to": _f(C.CONTACT),
    },
    "people.Person": {
        **_VERSIONED,
        "given_name": _f(C.IDENTITY),
        "family_name": _f(C.IDENTITY),
        "middle_names": _f(C.IDENTITY),
        "known_as": _f(C.IDENTITY),
        "date_of_birth": _f(C.IDENTITY),
        "is_unborn": _f(C.IDENTITY),
        "expected_date_of_delivery": _f(
            C.IDENTITY, "due date of an unborn child (implies a pregnancy)"
        ),
        "sex": _f(C.IDENTITY),
        "gender": _f(C.IDENTITY),
        "phone": _f(C.CONTACT),
        "email": _f(C.CONTACT),
        "nhs_number": _f(C.IDENTITY),
        "gp_practice": _f(C.IDENTITY),
        "gp_practice_code": _f(C.IDENTITY),
        "main_language": _f(C.SOCIOECONOMIC),
        "other_languages": _f(C.SOCIOECONOMIC),
        "interpreter_needed": _f(C.SOCIOECONOMIC),
        "relationship_status": _f(C.SOCIOECONOMIC),
        "employment_status": _f(C.SOCIOECONOMIC),
        "education_status": _f(C.SOCIOECONOMIC),
        "housing_status": _f(C.SOCIOECONOMIC),
        "housing_needs": _f(C.SOCIOECONOMIC),
        "ethnicity": _f(C.SPECIAL, "ONS 2021 ethnic group"),
        "religion": _f(C.SPECIAL),
        "sexual_orientation": _f(C.SPECIAL),
        "disability": _f(C.SPECIAL, "health data"),
        "additional_needs": _f(C.SPECIAL, "health data"),
        "search_name": _f(C.IDENTITY, "name prepared for search"),
        "given_key": _f(C.IDENTITY, "phonetic key of the first name"),
        "family_key": _f(C.IDENTITY, "phonetic key of the last name"),
        "given_sound": _f(C.IDENTITY, "Soundex key of the first name"),
        "family_sound": _f(C.IDENTITY, "Soundex key of the last name"),
        "log_key": _f(C.AUDIT, "pseudonymous key linking the person to the access log"),
        "created_by": _f(C.STAFF, "who registered the person", _STAFF, Subject.STAFF),
        "archived_at": _tech(),
        "archive_reason": _f(C.CASE_NOTE),
    },
    "people.PersonIdentifier": {
        **_BASE,
        "person": _f(C.IDENTITY),
        "scheme": _tech(),
        "value": _f(C.IDENTITY, "the identifier"),
    },
    "people.Membership": {
        **_BASE,
        "household": _f(C.RELATIONSHIP),
        "person": _f(C.RELATIONSHIP),
        "role": _f(C.RELATIONSHIP),
        "lives_here": _f(C.RELATIONSHIP),
        "joined_on": _f(C.RELATIONSHIP),
        "left_on": _f(C.RELATIONSHIP),
    },
    "people.Relationship": {
        **_BASE,
        "from_person": _f(C.RELATIONSHIP),
        "to_person": _f(C.RELATIONSHIP),
        "kind": _f(C.RELATIONSHIP),
        "parental_responsibility": _f(C.RELATIONSHIP),
        "ended_on": _f(C.RELATIONSHIP),
    },
    "people.CaseAllocation": {
        **_BASE,
        "household": _f(C.CASE_NOTE, "which family"),
        "organisation": _f(C.CASE_NOTE, "who works with the family"),
        "team": _f(C.CASE_NOTE),
        "worker": _f(C.STAFF, "single point of contact", _STAFF, Subject.STAFF),
        "started_on": _f(C.CASE_NOTE),
        "ended_on": _f(C.CASE_NOTE),
    },
    # --- retention (R-RIGHTS-4, R-RETAIN-1, R-RETAIN-2) ---
    "retention.RetentionRule": {
        **_VERSIONED,
        **{
            f: _ref("the retention rules (shown in the privacy notice)")
            for f in (
                "category",
                "name",
                "applies_to",
                "period_years",
                "period_months",
                "starts_from",
                "programme_ends_on",
                "disposal_enabled",
                "source",
                "note",
            )
        },
    },
    "retention.Hold": {
        **_BASE,
        "person": _f(C.RIGHTS, "the person whose records are held"),
        "household": _f(C.RIGHTS, "the family whose records are held"),
        "kind": _f(C.RIGHTS, "safeguarding, legal, or an open rights request"),
        "reason": _f(C.CASE_NOTE, "why the records must be kept"),
        "reference": _f(C.RIGHTS, "case, claim or request reference"),
        "starts_on": _f(C.RIGHTS),
        "ends_on": _f(C.RIGHTS),
        "placed_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "released_on": _f(C.RIGHTS),
        "released_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "release_reason": _f(C.CASE_NOTE),
    },
    "retention.ErasureRecord": {
        **_BASE,
        "erased_at": _tech("when (no data of the erased person is kept)", _AUDIT),
        "erased_by": _f(C.STAFF, "who erased", _STAFF, Subject.STAFF),
        "ground": _tech("the person's request, or the end of the retention period", _AUDIT),
        "request_reference": _tech("the rights request's reference", _AUDIT),
        "rule": _tech("the retention rule applied", _AUDIT),
        "run": _tech("the disposal run", _AUDIT),
        "subject": _tech("a person or a family", _AUDIT),
        "people_count": _tech("", _AUDIT),
        "subject_digests": _tech("keyed hashes of the erased ids (see ADR 0016)", _AUDIT),
        "removed": _tech("counts of rows removed, by kind", _AUDIT),
        "neutralised": _tech("counts of rows kept for others, by kind", _AUDIT),
        "files_removed": _tech("", _AUDIT),
        "kept": _tech("items kept under a legal exception: kind, exception, reason", _AUDIT),
    },
    "retention.DisposalRun": {
        **_BASE,
        "dry_run": _tech("", _AUDIT),
        "as_of": _tech("", _AUDIT),
        "categories": _tech("", _AUDIT),
        "started_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "status": _tech("", _AUDIT),
        "batch_size": _tech("", _AUDIT),
        "started_at": _tech("", _AUDIT),
        "finished_at": _tech("", _AUDIT),
        "attempts": _tech("", _AUDIT),
        "position": _tech("the checkpoint: where an interrupted run resumes", _AUDIT),
        "counts": _tech("", _AUDIT),
        "preview": _tech("a dry run's first items: kind, short id, dates (no names)", _AUDIT),
        "error": _tech("the kind of error and where (no data)", _AUDIT),
    },
    "retention.DisposalItem": {
        "id": _tech("", _AUDIT),
        "run": _tech("", _AUDIT),
        "source": _tech("", _AUDIT),
        "object_type": _tech("", _AUDIT),
        "object_pk": _tech("internal key of the disposed record (leads nowhere once gone)", _AUDIT),
        "outcome": _tech("", _AUDIT),
        "detail": _tech("the hold or error kind (no data)", _AUDIT),
        "erasure": _tech("", _AUDIT),
        "at": _tech("", _AUDIT),
    },
    # --- partner imports (R-IMPORT-1, ADR 0020) ---
    "imports.ImportBatch": {
        **_BASE,
        "kind": _tech("what the file holds", _AUDIT),
        "organisation": _tech("the organisation it was imported for", _AUDIT),
        "uploaded_by": _f(C.STAFF, "who uploaded it", _AUDIT, Subject.STAFF),
        "file_name": _tech("as uploaded (partners are asked not to put names in it)", _AUDIT),
        "file_path": _tech("where the upload is stored until the batch completes", _AUDIT),
        "file_format": _tech("", _AUDIT),
        "encoding": _tech("", _AUDIT),
        "size_bytes": _tech("", _AUDIT),
        "sha256": _tech("checksum: refuses the same file twice", _AUDIT),
        "headers": _tech("the file's column names", _AUDIT),
        "mapping": _tech("which column held each field", _AUDIT),
        "status": _tech("", _AUDIT),
        "error": _tech("why the file as a whole was refused (no row values)", _AUDIT),
        "rows_in": _tech("", _AUDIT),
        "rows_loaded": _tech("", _AUDIT),
        "rows_unchanged": _tech("", _AUDIT),
        "rows_rejected": _tech("", _AUDIT),
        "position": _tech("the checkpoint: where an interrupted run resumes", _AUDIT),
        "attempts": _tech("", _AUDIT),
        "started_at": _tech("", _AUDIT),
        "finished_at": _tech("", _AUDIT),
    },
    "imports.RejectedRow": {
        "id": _tech(),
        "batch": _tech(),
        "row_number": _tech(),
        "errors": _tech("what is wrong, by column (messages may quote a value)"),
        "values": _f(
            C.IDENTITY,
            "the row as the partner sent it (names, dates of birth, NHS numbers), for them to fix",
            ret=Retention.IMPORT_REJECTS,
        ),
    },
    "imports.ColumnMapping": {
        **_BASE,
        "organisation": _tech(),
        "kind": _tech(),
        "mapping": _tech("field -> column header"),
        "saved_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
    },
    "imports.ImportedRecord": {
        "id": _tech(),
        "organisation": _tech("whose record id it is"),
        "kind": _tech(),
        "external_id": _f(C.IDENTITY, "the partner's own id for the person or household"),
        "object_uuid": _tech("the familyhub record made from the row"),
        "person": _f(C.IDENTITY, "the person made from the row"),
        "household": _f(C.IDENTITY, "the family made from (or joined by) the row"),
        "batch": _tech(),
    },
    # --- casework (R-ENGAGE-4..9, ADR 0013) ---
    "casework.Contact": {
        **_BASE,
        "household": _f(C.CASE_NOTE, "the family contacted"),
        "person": _f(C.CASE_NOTE, "the family member the contact was mainly with"),
        "kind": _f(C.CASE_NOTE, "home visit, face to face, phone, video, text"),
        "status": _f(C.CASE_NOTE, "planned, happened or cancelled"),
        "occurred_at": _f(C.CASE_NOTE, "when it happened (or is planned)"),
        "duration_minutes": _f(C.CASE_NOTE),
        "worker": _f(C.STAFF, "the worker", _STAFF, Subject.STAFF),
        "organisation": _f(C.CASE_NOTE, "the worker's organisation"),
        "service": _f(C.CASE_NOTE, "the service the contact was for"),
        "notes": _f(
            C.CASE_NOTE,
            "what was discussed; special category in practice (health, family life): shown only "
            "to roles that may see special category data",
        ),
        "cancelled_reason": _f(C.CASE_NOTE),
        "recorded_by": _f(C.STAFF, "who typed it", _STAFF, Subject.STAFF),
    },
    "casework.FollowUp": {
        **_BASE,
        "household": _f(C.CASE_NOTE),
        "contact": _f(C.CASE_NOTE, "the contact it was agreed at"),
        "description": _f(
            C.CASE_NOTE, "the action; shown only to roles that may see special category data"
        ),
        "due_on": _f(C.CASE_NOTE),
        "assigned_to": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "done_at": _f(C.CASE_NOTE),
        "done_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
    },
    "casework.AllocationDetail": {
        **_BASE,
        "allocation": _f(C.CASE_NOTE, "the case allocation it adds to"),
        "household": _f(C.CASE_NOTE, "the allocation's family (for subject access and erasure)"),
        "service": _f(C.CASE_NOTE, "the service the family receives through it"),
        "single_point_of_contact": _f(
            C.CASE_NOTE, "whether its worker is the family's first contact"
        ),
        "review_due_on": _f(C.CASE_NOTE),
        "reason": _f(C.CASE_NOTE, "why the family was allocated"),
        "end_reason": _f(C.CASE_NOTE),
        "referral": _f(C.CASE_NOTE, "the accepted referral that opened it"),
        "allocated_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
    },
    "casework.Referral": {
        **_BASE,
        "household": _f(C.CASE_NOTE, "the family referred"),
        "person": _f(C.CASE_NOTE, "the family member referred"),
        "kind": _f(C.CASE_NOTE, "referral or signposting"),
        "status": _f(C.CASE_NOTE),
        "service": _f(C.CASE_NOTE),
        "from_organisation": _f(C.CASE_NOTE),
        "to_organisation": _f(C.CASE_NOTE, "the recipient: it sees the family while it decides"),
        "referred_on": _f(C.CASE_NOTE),
        "referrer": _f(C.STAFF, "who recorded it", _STAFF, Subject.STAFF),
        "referrer_name": _f(
            C.STAFF, "the referring professional of an agency outside familyhub", subj=Subject.STAFF
        ),
        "reason": _f(C.CASE_NOTE, "why; may hold health details: hidden from roles without them"),
        "family_agreed": _f(C.CONSENT, "the family agreed to the referral"),
        "agreed_by": _f(C.CONSENT, "who in the family agreed"),
        "agreed_on": _f(C.CONSENT),
        "agreement_method": _f(C.CONSENT, "in person, phone, signed form, online"),
        "decided_at": _f(C.CASE_NOTE),
        "decided_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "decision_reason": _f(C.CASE_NOTE, "why declined or withdrawn"),
        "allocation": _f(C.CASE_NOTE, "the allocation opened on acceptance"),
    },
    "casework.OutcomeFramework": {
        **_BASE,
        "code": _ref(),
        "name": _ref(),
        "source": _ref("the document it comes from"),
        "scale_min": _ref(),
        "scale_max": _ref(),
        "scale_low_label": _ref(),
        "scale_high_label": _ref(),
        "active": _ref(),
    },
    "casework.Outcome": {
        **_BASE,
        "framework": _ref(),
        "code": _ref(),
        "name": _ref(),
        "position": _ref(),
        "active": _ref(),
    },
    "casework.OutcomeRecord": {
        **_BASE,
        "household": _f(C.CASE_NOTE),
        "person": _f(C.CASE_NOTE, "whom the need, strength or goal is about"),
        "outcome": _f(C.CASE_NOTE),
        "kind": _f(C.CASE_NOTE, "need, strength or goal"),
        "description": _f(
            C.CASE_NOTE, "in the family's words; hidden from roles without special category"
        ),
        "service": _f(C.CASE_NOTE),
        "organisation": _f(C.CASE_NOTE),
        "recorded_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "recorded_on": _f(C.CASE_NOTE),
        "closed_on": _f(C.CASE_NOTE),
    },
    "casework.OutcomeReview": {
        **_BASE,
        "household": _f(C.CASE_NOTE),
        "service": _f(C.CASE_NOTE),
        "organisation": _f(C.CASE_NOTE),
        "reviewer": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "reviewed_on": _f(C.CASE_NOTE),
        "with_family": _f(C.CASE_NOTE, "who in the family took part"),
        "notes": _f(C.CASE_NOTE, "hidden from roles without special category"),
    },
    "casework.OutcomeScore": {
        **_BASE,
        "review": _f(C.CASE_NOTE),
        "household": _f(C.CASE_NOTE, "the review's family (for subject access and erasure)"),
        "outcome": _f(C.CASE_NOTE),
        "score": _f(C.CASE_NOTE, "on the framework's scale"),
    },
    "casework.FeedbackForm": {
        **_VERSIONED,
        "organisation": _ref(),
        "service": _ref(),
        "name": _ref(),
        "introduction": _ref(),
        "active": _ref(),
        "created_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
    },
    "casework.FeedbackQuestion": {
        **_BASE,
        "form": _ref(),
        "position": _ref(),
        "text": _ref(),
        "kind": _ref(),
        "choices": _ref(),
        "scale_min": _ref(),
        "scale_max": _ref(),
        "scale_low_label": _ref(),
        "scale_high_label": _ref(),
        "required": _ref(),
    },
    "casework.FeedbackLink": {
        **_BASE,
        "form": _tech(),
        "token_hash": _tech("SHA-256 of the one-time token (the token is never stored)"),
        "created_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "expires_at": _tech(),
        "used_at": _tech(),
        "person": _f(
            C.CASE_NOTE, "the parent invited; cleared when the link is used", Retention.EVALUATION
        ),
    },
    "casework.FeedbackResponse": {
        **_BASE,
        "form": _f(C.CASE_NOTE, "personal only when linked to a person", Retention.EVALUATION),
        "service": _f(C.CASE_NOTE, "", Retention.EVALUATION),
        "submitted_on": _f(C.CASE_NOTE, "the date only (no time)", Retention.EVALUATION),
        "channel": _f(C.CASE_NOTE, "with staff or through a link", Retention.EVALUATION),
        "person": _f(
            C.CASE_NOTE,
            "only when they consented to evaluation (privacy.policy)",
            Retention.EVALUATION,
        ),
        "recorded_by": _f(
            C.STAFF, "only for a response linked to a person", Retention.EVALUATION, Subject.STAFF
        ),
    },
    "casework.FeedbackAnswer": {
        **_BASE,
        "response": _f(C.CASE_NOTE, "", Retention.EVALUATION),
        "person": _f(
            C.CASE_NOTE,
            "the response's person, only when linked with consent",
            Retention.EVALUATION,
        ),
        "question": _f(C.CASE_NOTE, "", Retention.EVALUATION),
        "scale_value": _f(C.CASE_NOTE, "", Retention.EVALUATION),
        "text_value": _f(
            C.CASE_NOTE,
            "free text: may name people even in an anonymous response",
            Retention.EVALUATION,
        ),
    },
    "casework.Enquiry": {
        **_VERSIONED,
        "organisation": _f(C.CASE_NOTE, "the organisation that received it"),
        "kind": _f(C.CASE_NOTE, "enquiry or complaint"),
        "received_on": _f(C.CASE_NOTE),
        "channel": _f(C.CASE_NOTE),
        "from_name": _f(C.IDENTITY, "who made it (a family member or a member of the public)"),
        "from_contact": _f(C.CONTACT, "how to reply to them"),
        "household": _f(C.CASE_NOTE, "the family it is from, if known"),
        "about": _f(C.CASE_NOTE),
        "details": _f(C.CASE_NOTE),
        "service": _f(C.CASE_NOTE),
        "acknowledgement_due_on": _f(C.CASE_NOTE, "received + 30 days"),
        "acknowledged_on": _f(C.CASE_NOTE),
        "status": _f(C.CASE_NOTE),
        "outcome": _f(C.CASE_NOTE),
        "outcome_details": _f(C.CASE_NOTE),
        "resolved_on": _f(C.CASE_NOTE),
        "handled_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "recorded_by": _f(C.STAFF, "", _STAFF, Subject.STAFF),
    },
    # Organisations on a mailing list (R-ENGAGE-9): organisational contact details only.
    "casework.MailingOrganisation": {
        **_VERSIONED,
        "organisation": _ref("whose mailing list it is"),
        "name": _ref("the organisation on the list"),
        "email": _ref("the organisation's shared address (the form asks for no person's own)"),
        "address": _ref("the organisation's postal address"),
        "postcode": _ref(),
        "by_email": _ref(),
        "by_post": _ref(),
        "topics": _ref(),
        "joined_on": _ref(),
        "left_on": _ref("asked to come off the list"),
    },
    # Duplicate detection, merge and unmerge, external matching (R-LINK-1, R-LINK-2; ADR 0021).
    "linkage.LinkageRun": {
        **_BASE,
        "status": _tech(),
        "requested_by": _f(C.STAFF, "who asked for the run", _STAFF, Subject.STAFF),
        "started_at": _tech(),
        "finished_at": _tech(),
        "people_compared": _tech(),
        "pairs_found": _tech(),
        "candidates_new": _tech(),
        "candidates_updated": _tech(),
        "seconds": _tech(),
        "error": _tech("the failure, if any (no personal data)"),
    },
    "linkage.MatchCandidate": {
        **_BASE,
        "person_a": _f(C.IDENTITY, "one of two records that may be the same person"),
        "person_b": _f(C.IDENTITY, "the other record"),
        "match_weight": _f(C.IDENTITY, "how strongly the records agree"),
        "probability": _f(C.IDENTITY, "the chance they are one person, per the model"),
        "explanation": _f(C.IDENTITY, "which details agree and disagree (levels, not values)"),
        "status": _f(C.IDENTITY, "open, merged or not the same person"),
        "found_by": _tech("the run that found the pair"),
        "decided_by": _f(C.STAFF, "who decided", _STAFF, Subject.STAFF),
        "decided_at": _f(C.HISTORY, "when it was decided"),
    },
    "linkage.NotSamePerson": {
        **_BASE,
        "person_a": _f(C.IDENTITY, "one of two records decided to be different people"),
        "person_b": _f(C.IDENTITY, "the other record"),
        "decided_by": _f(C.STAFF, "who decided", _STAFF, Subject.STAFF),
        "reason": _f(C.CASE_NOTE, "why, where given"),
    },
    "linkage.Merge": {
        **_BASE,
        "keep": _f(C.IDENTITY, "the record kept"),
        "other": _f(C.IDENTITY, "the record merged into it (archived)"),
        "candidate": _tech("the pair reviewed"),
        "merged_by": _f(C.STAFF, "who merged", _STAFF, Subject.STAFF),
        "reason": _f(C.CASE_NOTE, "why, where given"),
        "nhs_conflict_reason": _f(C.CASE_NOTE, "why two NHS numbers were judged one person"),
        "choices": _tech("which record's value was kept for each detail"),
        "keep_before": _f(C.HISTORY, "the kept record as it was (every detail, for unmerge)"),
        "other_before": _f(C.HISTORY, "the other record as it was (every detail, for unmerge)"),
        "keep_version_after": _tech(),
        "moved": _f(C.HISTORY, "every related record moved or removed, whole (for unmerge)"),
        "unmerged_at": _f(C.HISTORY, "when the merge was undone"),
        "unmerged_by": _f(C.STAFF, "who undid it", _STAFF, Subject.STAFF),
    },
    "linkage.ExternalMatch": {
        **_BASE,
        "uploaded_by": _f(C.STAFF, "who matched the file", _STAFF, Subject.STAFF),
        "file_name": _tech("the external file's name"),
        "file_sha256": _tech("checksum of the external file"),
        "purpose": _tech("the purpose that allowed the matching"),
        "recipient": _tech("who the result went to (an organisation)"),
        "threshold": _tech(),
        "rows_in": _tech(),
        "matched": _tech(),
        "possible": _tech(),
        "unmatched": _tech(),
        "estimated_precision": _tech(),
        "estimated_recall": _tech(),
        "result_sha256": _tech("checksum of the result file"),
        "disclosure": _tech("the disclosure record of the result"),
    },
}


def classification(model_label: str, field_name: str) -> FieldClass:
    return DATA_MAP[model_label][field_name]


def personal_fields(model_label: str) -> list[str]:
    return [name for name, fc in DATA_MAP.get(model_label, {}).items() if fc.personal]


def special_category_fields(model_label: str) -> list[str]:
    return [
        name
        for name, fc in DATA_MAP.get(model_label, {}).items()
        if fc.category is Category.SPECIAL
    ]
