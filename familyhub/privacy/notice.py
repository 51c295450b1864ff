"""The privacy notice, generated from the live registers and the data map (R-NOTICE-1, ADR 0014).

    build_content()              -> the notice as it would be published now (a JSON-ready dict)
    publish_problems(content)    -> why it cannot be published yet (each names the purpose)
    diff(old, new)               -> what changed between two versions, purpose by purpose
    material_changes(old, new)   -> the changes to one purpose that call for consent again

A published `PrivacyNotice.content` is a frozen copy of `build_content()`: everything the notice
says (purposes, what is collected, rights, contacts) is in it, so an earlier version reads exactly
as families saw it, and two versions are compared from their contents alone. Nothing here writes;
publishing is `privacy.registers.notice_publish`.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist

from familyhub.core.datamap import DATA_MAP, Category, Subject
from familyhub.privacy.models import LawfulBasis, Purpose

FORMAT = 1

# Under this age a parent or carer with parental responsibility answers for a child
# (privacy.services.OWN_CONSENT_AGE; repeated here so that the notice can be built without it).
OWN_CONSENT_AGE = 13

C = Category
# How each category of the data map reads to a family: a short label (for the list of what a
# purpose uses) and a heading with a sentence (for "What we collect"). In reading order.
CATEGORY_TEXT: dict[str, tuple[str, str, str]] = {
    C.IDENTITY: (
        "who you are",
        "Who you are",
        "The details that tell us who each person in your family is.",
    ),
    C.CONTACT: (
        "contact details",
        "How to contact you",
        "Where you live and how to reach you.",
    ),
    C.RELATIONSHIP: (
        "your family",
        "Your family",
        "Who is in your household, how you are related and who looks after the children.",
    ),
    C.SOCIOECONOMIC: (
        "your circumstances",
        "Your circumstances",
        "Things about your life that help us offer the right support.",
    ),
    C.SPECIAL: (
        "sensitive information (special category)",
        "Sensitive information",
        "The law calls this 'special category' data and protects it more. You never have to "
        "give it, and only the staff who need it can see it.",
    ),
    C.CASE_NOTE: (
        "notes about the support you receive",
        "The support you receive",
        "Notes that staff write about their work with your family.",
    ),
    C.CONSENT: (
        "your choices (consent and contact preferences)",
        "Your choices",
        "What you agreed to, and how you like to be contacted.",
    ),
    C.RIGHTS: (
        "requests you make about your information",
        "Requests about your information",
        "When you ask us to restrict or stop using your information, and what we decided.",
    ),
    C.HISTORY: (
        "the history of changes to your record",
        "The history of your record",
        "Every change to your record is kept, so that mistakes can be found and put right.",
    ),
    C.AUDIT: (
        "the log of who looked at your record",
        "Who looked at your record",
        "A log of every time a member of staff looks at or changes your record.",
    ),
    C.STAFF: ("staff details", "Staff", "Details of the staff who work with you."),
}


def category_label(code: str) -> str:
    text = CATEGORY_TEXT.get(code)
    return text[0] if text else code


# What each field of the data map is called in the notice. A field with None is left out: links
# between records (which person, which household) and keys derived from other fields (search
# keys) are not information of their own. A field missing from this table still appears, under
# its own name, so that nothing the data map holds about a family can be left out of the notice.
ITEM_LABELS: dict[str, str | None] = {
    "core.ChangeRecord.at": "what was changed in your record, by whom and when",
    "core.ChangeRecord.object_label": "what was changed in your record, by whom and when",
    "core.ChangeRecord.old_value": "what was changed in your record, by whom and when",
    "core.ChangeRecord.new_value": "what was changed in your record, by whom and when",
    "core.ChangeRecord.reason": "why a change was made",
    "people.Household.name": "the name we use for your household",
    "people.Household.phone": "your household's phone number",
    "people.Household.notes": "practical notes for visits",
    "people.Household.archive_reason": "why a record was closed",
    "people.Address.line1": "your address",
    "people.Address.line2": "your address",
    "people.Address.town": "your address",
    "people.Address.postcode": "your address",
    "people.Address.postcode_key": None,
    "people.Address.ward": "the ward you live in",
    "people.Address.valid_from": "when you moved in and out",
    "people.Address.valid_to": "when you moved in and out",
    "people.Person.given_name": "names, and the name you like to be called",
    "people.Person.family_name": "names, and the name you like to be called",
    "people.Person.middle_names": "names, and the name you like to be called",
    "people.Person.known_as": "names, and the name you like to be called",
    "people.Person.date_of_birth": "date of birth",
    "people.Person.is_unborn": "expected date of delivery of an unborn baby",
    "people.Person.expected_date_of_delivery": "expected date of delivery of an unborn baby",
    "people.Person.sex": "sex",
    "people.Person.gender": "gender",
    "people.Person.phone": "phone number",
    "people.Person.email": "email address",
    "people.Person.nhs_number": "NHS number",
    "people.Person.gp_practice": "GP practice",
    "people.Person.gp_practice_code": "GP practice",
    "people.Person.main_language": "the languages you speak",
    "people.Person.other_languages": "the languages you speak",
    "people.Person.interpreter_needed": "whether you need an interpreter",
    "people.Person.relationship_status": "relationship status",
    "people.Person.employment_status": "work",
    "people.Person.education_status": "education",
    "people.Person.housing_status": "housing and housing needs",
    "people.Person.housing_needs": "housing and housing needs",
    "people.Person.ethnicity": "ethnic group",
    "people.Person.religion": "religion or belief",
    "people.Person.sexual_orientation": "sexual orientation",
    "people.Person.disability": "disability",
    "people.Person.additional_needs": "additional health needs",
    "people.Person.search_name": None,
    "people.Person.given_key": None,
    "people.Person.family_key": None,
    "people.Person.given_sound": None,
    "people.Person.family_sound": None,
    "people.Person.log_key": "a log of which staff looked at or changed your record, and when",
    "people.Person.archive_reason": "why a record was closed",
    "people.PersonIdentifier.value": "other reference numbers, such as a social care ID",
    "people.Membership.role": "who is a parent, carer or child in the household",
    "people.Membership.lives_here": "who lives in the household",
    "people.Membership.joined_on": "when people joined or left the household",
    "people.Membership.left_on": "when people joined or left the household",
    "people.Relationship.kind": "how people are related (mother, father, carer and so on)",
    "people.Relationship.parental_responsibility": "who has parental responsibility for a child",
    "people.Relationship.ended_on": "when a relationship ended",
    "people.CaseAllocation.organisation": "which organisation and team work with your family",
    "people.CaseAllocation.team": "which organisation and team work with your family",
    "people.CaseAllocation.started_on": "when our support started and ended",
    "people.CaseAllocation.ended_on": "when our support started and ended",
    "privacy.Consent.state": "whether you agreed to each use of your information",
    "privacy.Consent.given_by": "which parent or carer answered for a child",
    "privacy.Consent.decided_on": "when and how you answered",
    "privacy.Consent.method": "when and how you answered",
    "privacy.Consent.notice": "which version of this notice you were shown",
    "privacy.Consent.evidence": "a scan of a signed consent form",
    "privacy.Consent.expires_on": "when a consent ends or was withdrawn",
    "privacy.Consent.withdrawn_on": "when a consent ends or was withdrawn",
    "privacy.Consent.note": "notes about your answers",
    "privacy.ContactPreference.agreed": "whether you agreed to be contacted",
    "privacy.ContactPreference.by_phone": "how you like to be contacted",
    "privacy.ContactPreference.by_text": "how you like to be contacted",
    "privacy.ContactPreference.by_email": "how you like to be contacted",
    "privacy.ContactPreference.by_post": "how you like to be contacted",
    "privacy.ContactPreference.topics": "what you agreed to be contacted about",
    "privacy.Restriction.started_on": "when you asked us to restrict the use of your information",
    "privacy.Restriction.lifted_on": "when you asked us to restrict the use of your information",
    "privacy.Restriction.reason": "when you asked us to restrict the use of your information",
    "privacy.Restriction.request_reference": "the reference of each request you make",
    "privacy.Objection.received_on": "objections you make, and our decisions about them",
    "privacy.Objection.grounds": "objections you make, and our decisions about them",
    "privacy.Objection.decision": "objections you make, and our decisions about them",
    "privacy.Objection.compelling_grounds": "objections you make, and our decisions about them",
    "privacy.Objection.decided_on": "objections you make, and our decisions about them",
    "privacy.Objection.ended_on": "objections you make, and our decisions about them",
    "privacy.Objection.request_reference": "the reference of each request you make",
    "access.AccessLogSubject.person_key": (
        "a log of which staff looked at or changed your record, and when"
    ),
}

# Links to these models say whose record a row belongs to; they are not information themselves.
_LINK_TARGETS = {"people.Person", "people.Household"}


def _is_link(model_label: str, field_name: str) -> bool:
    try:
        f = apps.get_model(model_label)._meta.get_field(field_name)
    except (LookupError, FieldDoesNotExist):
        return False
    target = getattr(f, "related_model", None)
    return bool(f.is_relation and target is not None and target._meta.label in _LINK_TARGETS)


_CURATED_MODELS = {key.rsplit(".", 1)[0] for key in ITEM_LABELS}

# How the notice names a kind of record whose fields are not worded one by one: what a family
# would call it, not the model's name ("break glass grants"). A model missing here reads as its
# verbose name; `test_notice` fails if that is not plain words.
MODEL_WORDS: dict[str, str] = {
    "engagement.Enrolment": "the groups and programmes you are enrolled on",
    "engagement.Attendance": "the sessions you came to",
    "engagement.WalkIn": "details taken when you joined a session on the day",
    "access.BreakGlassGrant": "when a member of staff opened your record in an emergency, and why",
    "retention.Hold": "a decision to keep records longer, for a legal claim or an investigation",
    "casework.Contact": "home visits, calls and other contacts with your family",
    "casework.FollowUp": "actions staff agreed to take for your family",
    "casework.AllocationDetail": "the worker and review dates of the support you receive",
    "casework.Referral": "referrals to and from other services",
    "casework.OutcomeRecord": "your family's needs, strengths and goals",
    "casework.OutcomeReview": "reviews of progress towards your goals",
    "casework.OutcomeScore": "scores from those reviews",
    "casework.FeedbackResponse": "feedback you gave us about our services",
    "casework.FeedbackAnswer": "your answers to our feedback questions",
    "casework.Enquiry": "enquiries and complaints you made to us",
    "rights.RightsRequest": "the requests you make about your information",
    "rights.DisclosureRecord": "when we sent your information to you or to another organisation",
    "rights.AccessPack": "copies of your information we prepared for you",
    "rights.PackDecision": "what we decided to include in those copies",
    "rights.AccuracyChallenge": "what you told us is wrong on your record, in your words, and what "
    "we did about it",
    "sharing.Output": "reports and files sent to organisations we share information with",
    "imports.ImportBatch": "information about you that partner organisations sent us in files",
    "imports.RejectedRow": "information about you that partner organisations sent us in files",
    "imports.ImportedRecord": "information about you that partner organisations sent us in files",
    "linkage.MatchCandidate": "checks that we do not hold two records for the same person",
    "linkage.NotSamePerson": "checks that we do not hold two records for the same person",
    "linkage.Merge": "when two records of the same person were joined into one, and how",
}


def _fallback_label(model_label: str, field_name: str) -> str:
    """A field no one has worded for the notice yet: its own name in a model the notice already
    describes, else the model's name ("attendance records"), so that it reads as one item."""
    try:
        model = apps.get_model(model_label)
    except LookupError:
        return field_name.replace("_", " ")
    if model_label in MODEL_WORDS:
        return MODEL_WORDS[model_label]
    if model_label not in _CURATED_MODELS:
        return str(model._meta.verbose_name_plural)
    try:
        return str(getattr(model._meta.get_field(field_name), "verbose_name", field_name))
    except FieldDoesNotExist:
        return field_name.replace("_", " ")


def collected() -> list[dict[str, Any]]:
    """What familyhub holds about a family, grouped by category of the data map, in plain English.

    Every personal field about a family member is listed under its category (staff data belongs
    in the staff notice), by its label in ITEM_LABELS or else by its own name.
    """
    items: dict[str, list[str]] = {}
    for model_label, fields in DATA_MAP.items():
        for name, fc in fields.items():
            if not fc.personal or fc.subject is not Subject.FAMILY:
                continue
            key = f"{model_label}.{name}"
            if key in ITEM_LABELS:
                label = ITEM_LABELS[key]
                if label is None:
                    continue
            elif _is_link(model_label, name):
                continue
            else:
                label = _fallback_label(model_label, name)
            bucket = items.setdefault(fc.category.value, [])
            if label not in bucket:
                bucket.append(label)
    out = []
    for code, (_, heading, summary) in CATEGORY_TEXT.items():
        if code in items:
            out.append(
                {"category": code, "heading": heading, "summary": summary, "items": items[code]}
            )
    return out


# --- purposes --------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.strip(" -•\t") for line in (text or "").splitlines() if line.strip(" -•\t")]


def purpose_snapshot(p: Purpose) -> dict[str, Any]:
    """One purpose as the notice shows it, with the raw values the comparison of versions uses."""
    return {
        "code": p.code,
        "name": p.name,
        "description": p.description.strip(),
        "lawful_basis": p.lawful_basis,
        "lawful_basis_label": (
            LawfulBasis(p.lawful_basis).label if p.lawful_basis in LawfulBasis.values else ""
        ),
        "basis_detail": p.basis_detail.strip(),
        "special_category_condition": p.special_category_condition.strip(),
        "data_categories": list(p.data_categories or []),
        "data_category_labels": [category_label(c) for c in p.data_categories or []],
        "recipients": _lines(p.recipients),
        "transfers": p.transfers.strip(),
        "retention": p.retention.strip(),
        "needs_consent": p.lawful_basis == LawfulBasis.CONSENT,
        "parental_consent_for_children": bool(p.parental_consent_for_children),
    }


def _names(purposes: Iterable[Mapping[str, Any]]) -> str:
    names = [p["name"] for p in purposes]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _rights(purposes: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The family's rights (UK GDPR Articles 15 to 22), said plainly, with the purposes each one
    applies to worked out from the lawful bases in the register."""
    consent = [p for p in purposes if p["lawful_basis"] == LawfulBasis.CONSENT]
    objectable = [
        p
        for p in purposes
        if p["lawful_basis"] in (LawfulBasis.PUBLIC_TASK, LawfulBasis.LEGITIMATE_INTERESTS)
    ]
    portable = [
        p for p in purposes if p["lawful_basis"] in (LawfulBasis.CONSENT, LawfulBasis.CONTRACT)
    ]
    rights = [
        {
            "code": "access",
            "title": "See the information we hold about you",
            "text": "You can ask for a copy of everything we hold about you and your children, "
            "and who we have shared it with. This is called a subject access request.",
        },
        {
            "code": "rectification",
            "title": "Have mistakes corrected",
            "text": "If something we hold is wrong or incomplete, tell us and we will put it "
            "right. We keep a record of the change.",
        },
        {
            "code": "erasure",
            "title": "Have your information deleted",
            "text": "You can ask us to delete your information. We will, unless the law says we "
            "must keep it (for example to keep a child safe or for a legal claim); if so we "
            "tell you why. We keep a short record of your request.",
        },
        {
            "code": "restriction",
            "title": "Restrict how we use your information",
            "text": "You can ask us to keep your information but not use it, for example while "
            "we check that it is right. We then use it only to store it and for legal claims.",
        },
    ]
    if objectable:
        rights.append(
            {
                "code": "objection",
                "title": "Object to how we use your information",
                "text": f"You can object to our use of your information for: "
                f"{_names(objectable)}. We then stop, unless we have a strong reason to carry on "
                "that outweighs yours; we will tell you what we decided and why. Stopping may "
                "affect the support we can offer.",
            }
        )
    if portable:
        rights.append(
            {
                "code": "portability",
                "title": "Take your information to another organisation",
                "text": "You can ask for the information you gave us, in a form a computer can "
                "read, to keep or to give to another organisation (for example if you move to "
                "another area).",
            }
        )
    if consent:
        rights.append(
            {
                "code": "withdraw_consent",
                "title": "Change your mind about consent",
                "text": f"Where we ask for your consent ({_names(consent)}), you can change your "
                "mind at any time, and we stop at once. It does not affect what we did before "
                "you told us.",
            }
        )
    rights.append(
        {
            "code": "automated_decisions",
            "title": "Decisions made by a computer",
            "text": "We do not make decisions about you by computer alone. If we ever do, you "
            "will be able to ask for a person to look at the decision again.",
        }
    )
    return rights


def _contacts() -> tuple[dict[str, str], dict[str, str]]:
    c: Mapping[str, str] = getattr(settings, "FAMILYHUB_PRIVACY_CONTACT", {}) or {}
    controller = {
        "name": c.get("controller_name", ""),
        "address": c.get("controller_address", ""),
        "website": c.get("controller_website", ""),
    }
    dpo = {
        "name": c.get("dpo_name", "") or "Data Protection Officer",
        "email": c.get("dpo_email", ""),
        "phone": c.get("dpo_phone", ""),
        "address": c.get("dpo_address", ""),
    }
    return controller, dpo


COMPLAINTS = {
    "name": "Information Commissioner's Office (ICO)",
    "website": "https://ico.org.uk/make-a-complaint/",
    "website_label": "ico.org.uk",
    "phone": "0303 123 1113",
    "address": "Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF",
}

SOURCES = [
    "you, when you talk to us or fill in a form, at groups, events and home visits",
    "services that refer you to us, such as health visitors, Early Help or your GP",
    "the partner organisations that deliver our services",
    "organisations that send us information back for an evaluation you agreed to",
]


def build_content(purposes: Iterable[Purpose] | None = None) -> dict[str, Any]:
    """The notice as it would be published now: the active purposes of the register, what the
    data map says is collected, the rights and the contacts. JSON-ready, with no personal data."""
    if purposes is None:
        purposes = Purpose.objects.filter(active=True).order_by("sort_order", "name")
    snapshots = [purpose_snapshot(p) for p in purposes]
    controller, dpo = _contacts()
    return {
        "format": FORMAT,
        "controller": controller,
        "dpo": dpo,
        "purposes": snapshots,
        "collected": collected(),
        "sources": list(SOURCES),
        "rights": _rights(snapshots),
        "own_consent_age": OWN_CONSENT_AGE,
        "complaints": dict(COMPLAINTS),
    }


def content_hash(content: Mapping[str, Any]) -> str:
    """A fingerprint of a notice's content: equal contents, equal fingerprints."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def purpose_in(content: Mapping[str, Any] | None, code: str) -> dict[str, Any] | None:
    for p in (content or {}).get("purposes", []):
        if p.get("code") == code:
            return dict(p)
    return None


# --- what stops publishing -------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    message: str
    purpose_code: str = ""

    def __str__(self) -> str:
        return self.message


def publish_problems(content: Mapping[str, Any]) -> list[Problem]:
    """Why this content cannot be published: each active purpose missing what a family must be
    told (UK GDPR Article 13), and missing contact details."""
    problems: list[Problem] = []
    purposes = content.get("purposes", [])
    if not purposes:
        problems.append(Problem("There are no purposes in use: the notice would say nothing."))
    for p in purposes:
        name, code = p.get("name") or p.get("code"), p.get("code", "")
        missing = [
            what
            for key, what in (
                ("description", "a description in plain English"),
                ("lawful_basis", "a lawful basis"),
                ("retention", "a retention period (how long the data is kept)"),
            )
            if not p.get(key)
        ]
        if missing:
            problems.append(
                Problem(f"'{name}' needs {' and '.join(missing)}: add it to the purpose.", code)
            )
        if C.SPECIAL.value in p.get("data_categories", []) and not p.get(
            "special_category_condition"
        ):
            problems.append(
                Problem(
                    f"'{name}' uses special-category data but has no Article 9 condition.", code
                )
            )
    controller, dpo = content.get("controller", {}), content.get("dpo", {})
    if not controller.get("name"):
        problems.append(
            Problem("The controller's name is not set (setting FAMILYHUB_CONTROLLER_NAME).")
        )
    if not dpo.get("email"):
        problems.append(
            Problem(
                "The Data Protection Officer's email address is not set (setting "
                "FAMILYHUB_DPO_EMAIL): families need it to use their rights."
            )
        )
    return problems


# --- comparing versions ------------------------------------------------------------------------

# (key compared, label, key shown). Material changes call for consent to be asked again (ADR 0014).
PURPOSE_FIELDS: list[tuple[str, str, str]] = [
    ("name", "Name", "name"),
    ("description", "What it is for", "description"),
    ("lawful_basis", "Lawful basis", "lawful_basis_label"),
    ("basis_detail", "The law or reason we rely on", "basis_detail"),
    ("special_category_condition", "Condition for sensitive information", ""),
    ("data_categories", "Information used", "data_category_labels"),
    ("recipients", "Who receives it", "recipients"),
    ("transfers", "Sent outside the UK", "transfers"),
    ("retention", "How long it is kept", "retention"),
    ("parental_consent_for_children", "A parent or carer answers for a young child", ""),
]
MATERIAL_FIELDS = frozenset(
    {
        "description",
        "lawful_basis",
        "basis_detail",
        "special_category_condition",
        "data_categories",
        "recipients",
        "transfers",
        "retention",
    }
)
LABELS = {key: label for key, label, _ in PURPOSE_FIELDS}


@dataclass
class Segment:
    op: str  # "same", "del" or "ins"
    text: str


@dataclass
class FieldChange:
    key: str
    label: str
    kind: str  # "text", "list" or "value"
    old: Any = None
    new: Any = None
    segments: list[Segment] = field(default_factory=list)  # text: word by word
    added: list[str] = field(default_factory=list)  # list: items added and removed
    removed: list[str] = field(default_factory=list)
    material: bool = False


@dataclass
class PurposeChange:
    code: str
    name: str
    kind: str  # "added", "removed" or "changed"
    fields: list[FieldChange] = field(default_factory=list)
    snapshot: dict[str, Any] = field(default_factory=dict)  # the new one (the old if removed)

    @property
    def material(self) -> bool:
        return self.kind != "changed" or any(f.material for f in self.fields)


@dataclass
class NoticeDiff:
    purposes: list[PurposeChange] = field(default_factory=list)
    sections: list[FieldChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.purposes and not self.sections


def word_diff(old: str, new: str) -> list[Segment]:
    """Word by word: what stayed, what was taken out, what was put in."""
    a, b = (old or "").split(), (new or "").split()
    out: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(Segment("same", " ".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(Segment("del", " ".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(Segment("ins", " ".join(b[j1:j2])))
    return out


def _display(value: Any) -> Any:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value


def _field_change(
    key: str, label: str, old: Any, new: Any, shown_old: Any, shown_new: Any
) -> FieldChange:
    if isinstance(shown_old, list) or isinstance(shown_new, list):
        olds, news = list(shown_old or []), list(shown_new or [])
        return FieldChange(
            key,
            label,
            "list",
            old=olds,
            new=news,
            added=[x for x in news if x not in olds],
            removed=[x for x in olds if x not in news],
        )
    if key in ("description", "basis_detail", "special_category_condition", "transfers"):
        return FieldChange(
            key, label, "text", old=old or "", new=new or "", segments=word_diff(old, new)
        )
    return FieldChange(key, label, "value", old=_display(shown_old), new=_display(shown_new))


def purpose_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldChange]:
    """Field by field, what differs between two snapshots of one purpose."""
    out = []
    for key, label, shown in PURPOSE_FIELDS:
        a, b = old.get(key), new.get(key)
        if _normal(a) == _normal(b):
            continue
        change = _field_change(key, label, a, b, old.get(shown or key), new.get(shown or key))
        change.material = key in MATERIAL_FIELDS
        out.append(change)
    return out


def _normal(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.split())
    return value


def material_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[str]:
    """The labels of the material fields that differ between two snapshots of a purpose; a
    purpose missing from either side is itself a material change ("not in that version")."""
    if old is None or new is None:
        return ["not in the version shown"] if new is not None else ["no longer in the notice"]
    return [c.label for c in purpose_changes(old, new) if c.material]


SECTION_TITLES = {
    "controller": "Who we are",
    "dpo": "Our Data Protection Officer",
    "sources": "Where we get your information",
    "rights": "Your rights",
    "complaints": "How to complain",
    "own_consent_age": "Age at which children answer for themselves",
}


def diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> NoticeDiff:
    """What changed from one version's content to another's: purposes added, removed and changed
    (field by field), what is collected (category by category), and the other sections."""
    old = old or {}
    result = NoticeDiff()
    old_purposes = {p["code"]: p for p in old.get("purposes", [])}
    new_purposes = {p["code"]: p for p in new.get("purposes", [])}
    for code, p in new_purposes.items():
        if code not in old_purposes:
            result.purposes.append(PurposeChange(code, p["name"], "added", snapshot=p))
        else:
            fields = purpose_changes(old_purposes[code], p)
            if fields:
                result.purposes.append(PurposeChange(code, p["name"], "changed", fields, p))
    for code, p in old_purposes.items():
        if code not in new_purposes:
            result.purposes.append(PurposeChange(code, p["name"], "removed", snapshot=p))

    old_collected = {c["category"]: c for c in old.get("collected", [])}
    new_collected = {c["category"]: c for c in new.get("collected", [])}
    for code in [*new_collected, *[c for c in old_collected if c not in new_collected]]:
        a = old_collected.get(code, {}).get("items", [])
        b = new_collected.get(code, {}).get("items", [])
        if a != b:
            heading = (new_collected.get(code) or old_collected[code])["heading"]
            result.sections.append(
                _field_change(code, f"What we collect: {heading}", a, b, list(a), list(b))
            )
    for key, title in SECTION_TITLES.items():
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        result.sections.append(
            FieldChange(key, title, "text", segments=word_diff(_flat(a), _flat(b)))
        )
    return result


def _flat(value: Any) -> str:
    if isinstance(value, Mapping):
        return ". ".join(str(v) for v in value.values() if v)
    if isinstance(value, list):
        return ". ".join(_flat(v) for v in value)
    return "" if value is None else str(value)


def summary_of(d: NoticeDiff, *, first: bool = False) -> str:
    """A plain-English summary of a diff, offered to the DPO as the summary of a new version."""
    if first:
        return "First published version."
    parts = []
    added = [p.name for p in d.purposes if p.kind == "added"]
    removed = [p.name for p in d.purposes if p.kind == "removed"]
    changed = [p for p in d.purposes if p.kind == "changed"]
    if added:
        parts.append("New: " + "; ".join(added) + ".")
    if removed:
        parts.append("No longer done: " + "; ".join(removed) + ".")
    for p in changed:
        parts.append(f"{p.name}: changed {', '.join(f.label.lower() for f in p.fields)}.")
    if d.sections:
        parts.append("Also changed: " + ", ".join(s.label for s in d.sections) + ".")
    return " ".join(parts)
