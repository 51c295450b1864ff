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
    """Retention categories; the rules (periods, start events) are data in the rights issue."""

    NONE = "n/a"
    CASE_RECORD = "case record: 6 years after last contact with the family"
    STAFF_ACCOUNT = "staff account: 1 year after the account is closed"
    AUDIT_LOG = "audit log: 7 years"
    REFERENCE = "reference data: kept while in use"


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
        **_BASE,
        "name": _ref(),
        "kind": _ref(),
        "served_wards": _ref(),
        "ods_code": _ref(),
        "active": _ref(),
    },
    "places.Team": {**_BASE, "organisation": _ref(), "name": _ref(), "area": _ref()},
    "places.Venue": {
        **_BASE,
        "name": _ref(),
        "organisation": _ref(),
        "ward": _ref(),
        "address": _ref("a public venue's address"),
        "postcode": _ref(),
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
        "active": _ref(),
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
        "groups": _tech(),
        "user_permissions": _tech(),
    },
    "access.Membership": {
        **_BASE,
        "user": _f(C.STAFF, "", _STAFF, Subject.STAFF),
        "organisation": _ref(),
        "team": _ref(),
        "role": _f(C.STAFF, "the staff member's role", _STAFF, Subject.STAFF),
        "active": _tech(),
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
