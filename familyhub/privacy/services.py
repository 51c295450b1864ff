"""Every write to consent, contact preferences, restriction and objection (invariant 1,
R-CONSENT-2, R-CONSENT-4, R-RIGHTS-5). Purposes and notices are written in `privacy.registers`.

A consent row holds a person's current answer for one purpose; every change to it (given, refused,
withdrawn, evidence added) is a ChangeRecord on the person's timeline, so the full history stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.errors import ApplicationError, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet, display_value, model_update
from familyhub.people.models import Person, Relationship
from familyhub.privacy.models import (
    Consent,
    ConsentMethod,
    ConsentState,
    ContactPreference,
    Objection,
    PrivacyNotice,
    Purpose,
    Restriction,
)

# Under this age a child's consent is given by a parent or carer with parental responsibility.
# (UK GDPR Art. 8 and DPA 2018 s.9 set 13 for online services; ICO guidance treats a child of 13 or
# over as usually able to consent for themselves, so 13-17 may consent themselves or through a
# parent.) Unborn children always need a parent.
OWN_CONSENT_AGE = 13

EVIDENCE_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/tiff"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024

CONSENT_FIELDS = [
    "state",
    "given_by",
    "decided_on",
    "method",
    "notice",
    "expires_on",
    "withdrawn_on",
    "note",
]


def _today() -> date:
    return timezone.localdate()


def current_notice() -> PrivacyNotice | None:
    return PrivacyNotice.objects.order_by("-version").first()


def needs_parent(person: Person, on: date) -> bool:
    if person.is_unborn:
        return True
    age = person.age_on(on)
    return age is not None and age < OWN_CONSENT_AGE


def holds_parental_responsibility(parent: Person, child: Person) -> bool:
    return Relationship.objects.filter(
        from_person=parent, to_person=child, parental_responsibility=True, ended_on__isnull=True
    ).exists()


def _check_given_by(person: Person, purpose: Purpose, given_by: Person | None, on: date) -> None:
    if given_by is not None and given_by.pk == person.pk:
        given_by = None
    if given_by is None:
        if purpose.parental_consent_for_children and needs_parent(person, on):
            who = "an unborn child" if person.is_unborn else f"a child under {OWN_CONSENT_AGE}"
            raise ValidationFailed(
                f"{person.display_name} is {who}: choose the parent or carer with parental "
                "responsibility who answered.",
                field="given_by",
            )
        return
    if not holds_parental_responsibility(given_by, person):
        raise ValidationFailed(
            f"{given_by.display_name} does not have parental responsibility for "
            f"{person.display_name}, so cannot answer for them. Choose someone who does, or record "
            "parental responsibility on the family page first.",
            field="given_by",
        )


# What a scan of a paper form may be: the first bytes decide, not the name or the browser's claim.
_SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"II*\x00", "image/tiff", "tif"),
    (b"MM\x00*", "image/tiff", "tif"),
)


def evidence_kind(evidence: UploadedFile) -> tuple[str, str] | None:
    """(content type, file suffix) read from the file's first bytes, or None if it is not a PDF,
    JPEG, PNG or TIFF whatever its name says."""
    evidence.seek(0)
    head = evidence.read(8)
    evidence.seek(0)
    for magic, content_type, suffix in _SIGNATURES:
        if head.startswith(magic):
            return content_type, suffix
    return None


def _check_evidence(evidence: UploadedFile | None) -> None:
    if evidence is None:
        return
    if not evidence.size:
        raise ValidationFailed("The file is empty: scan the form again.", field="evidence")
    if evidence.size > EVIDENCE_MAX_BYTES:
        raise ValidationFailed(
            "The scan is larger than 10 MB: scan at a lower resolution and upload it again.",
            field="evidence",
        )
    kind = evidence_kind(evidence)
    claimed = (evidence.content_type or "").lower()
    if kind is None or (claimed and claimed not in EVIDENCE_TYPES | {"application/octet-stream"}):
        raise ValidationFailed(
            "Upload the scan as a PDF, JPEG, PNG or TIFF file.", field="evidence"
        )


@dataclass
class _Labelled(ChangeSet):
    """A change set whose records read 'Consent: Photographs' rather than the row's str()."""

    labels: dict[Any, str] = field(default_factory=dict)
    # (object uuid, field) -> (old, new) as a person reads them, for values str() shows badly.
    readable: dict[tuple[Any, str], tuple[str, str]] = field(default_factory=dict)

    def record(self, instance: Any, *, label: str = "", **kwargs: Any) -> None:
        key = (instance.uuid, kwargs.get("field_name", ""))
        if key in self.readable:
            kwargs["old"], kwargs["new"] = self.readable[key]
        super().record(instance, label=label or self.labels.get(instance.uuid, ""), **kwargs)


def _consent_label(purpose: Purpose) -> str:
    return f"Consent: {purpose.name}"


@dataclass(frozen=True)
class Answer:
    """One person's answer for one purpose, as recorded on the household screen."""

    person: Person
    purpose: Purpose
    state: str  # ConsentState.GIVEN or REFUSED
    given_by: Person | None = None


def consent_record(
    *,
    actor: Any,
    person: Person,
    purpose: Purpose,
    state: str,
    decided_on: date | None = None,
    method: str,
    given_by: Person | None = None,
    notice: PrivacyNotice | None = None,
    evidence: UploadedFile | None = None,
    expires_on: date | None = None,
    note: str = "",
) -> Consent:
    """Record a person's answer (given or refused) for one purpose; replaces the earlier answer,
    whose values stay in the history."""
    return consents_record(
        actor=actor,
        answers=[Answer(person, purpose, state, given_by)],
        decided_on=decided_on,
        method=method,
        notice=notice,
        evidence=evidence,
        expires_on=expires_on,
        note=note,
    )[0]


def consents_record(
    *,
    actor: Any,
    answers: Iterable[Answer],
    decided_on: date | None = None,
    method: str,
    notice: PrivacyNotice | None = None,
    evidence: UploadedFile | None = None,
    expires_on: date | None = None,
    note: str = "",
) -> list[Consent]:
    """Record many answers at once (one household, every purpose): all or none are saved.

    Errors are reported per field: `decided_on`, `method`, `expires_on`, `evidence`,
    `<person uuid>-<purpose code>` for one answer and `given_by-<person uuid>` for who answered
    for a child. A scan stored before a failure is removed again (nothing outlives a rollback).
    """
    access.require(actor, Capability.EDIT_PEOPLE)
    answers = list(answers)
    on = decided_on or _today()
    errors: dict[str, list[str]] = {}
    if not answers:
        errors["answers"] = ["Choose yes or no for at least one purpose."]
    if on > _today():
        errors.setdefault("decided_on", []).append(
            "The date the answer was given cannot be in the future."
        )
    if method not in ConsentMethod.values:
        errors.setdefault("method", []).append(
            "Choose how the answer was given: paper form, verbally or online."
        )
    if expires_on is not None and expires_on <= on:
        errors.setdefault("expires_on", []).append(
            "The expiry date must be after the date the answer was given."
        )
    try:
        _check_evidence(evidence)
    except ApplicationError as e:
        for k, v in e.errors.items():
            errors.setdefault(k, []).extend(v)
    seen: set[tuple[int, int]] = set()
    for a in answers:
        field_name = f"{a.person.uuid}-{a.purpose.code}"
        if (a.person.pk, a.purpose.pk) in seen:
            errors.setdefault(field_name, []).append("This answer was given twice.")
            continue
        seen.add((a.person.pk, a.purpose.pk))
        if a.state not in (ConsentState.GIVEN, ConsentState.REFUSED):
            errors.setdefault(field_name, []).append("Record consent as given or refused.")
            continue
        if not a.purpose.active:
            errors.setdefault(field_name, []).append(f"'{a.purpose.name}' is no longer in use.")
        if not a.purpose.needs_consent:
            errors.setdefault(field_name, []).append(
                f"'{a.purpose.name}' does not rely on consent "
                f"({a.purpose.get_lawful_basis_display()}): there is nothing to record. "
                "A person who disagrees can object instead."
            )
        try:
            _check_given_by(a.person, a.purpose, a.given_by, on)
        except ApplicationError as e:
            messages = errors.setdefault(f"given_by-{a.person.uuid}", [])
            if e.message not in messages:
                messages.append(e.message)
    if errors:
        raise ValidationFailed.from_errors(errors)
    everyone = {a.person.pk: a.person for a in answers}
    everyone.update({a.given_by.pk: a.given_by for a in answers if a.given_by is not None})
    access.ensure_visible(actor, everyone.values())
    notice = notice or current_notice()
    changes = _Labelled(actor=actor, reason=note)
    saved: list[Consent] = []
    stored: list[str] = []
    try:
        with transaction.atomic():
            _save_answers(
                answers, on, method, notice, expires_on, note, actor, changes, saved, evidence
            )
            if evidence is not None:
                _attach_evidence(saved, evidence, changes, stored)
            changes.flush()
            access.log_change(
                actor,
                list({a.person.pk: a.person for a in answers}.values()),
                created=False,
                object_type="consent",
            )
    except BaseException:
        # The scan reached the disk inside the transaction: nothing may outlive a rollback.
        for name in stored:
            Consent._meta.get_field("evidence").storage.delete(name)  # type: ignore[attr-defined]
        raise
    return saved


def _save_answers(
    answers: list[Answer],
    on: date,
    method: str,
    notice: PrivacyNotice | None,
    expires_on: date | None,
    note: str,
    actor: Any,
    changes: _Labelled,
    saved: list[Consent],
    evidence: UploadedFile | None,
) -> None:
    existing = {
        (c.person_id, c.purpose_id): c
        for c in Consent.objects.select_for_update().filter(
            person__in=[a.person for a in answers],
            purpose__in=[a.purpose for a in answers],
        )
    }
    for a in answers:
        given_by = a.given_by if a.given_by is not None and a.given_by.pk != a.person.pk else None
        data = {
            "state": a.state,
            "given_by": given_by,
            "decided_on": on,
            "method": method,
            "notice": notice,
            "expires_on": expires_on,
            "withdrawn_on": None,
            "note": note,
        }
        consent = existing.get((a.person.pk, a.purpose.pk))
        if consent is None:
            consent = Consent.objects.create(
                person=a.person, purpose=a.purpose, recorded_by=actor, **data
            )
            by = f" by {given_by.display_name}" if given_by is not None else ""
            scan = ", scanned form attached" if evidence is not None else ""
            consent.created_now = True  # type: ignore[attr-defined]
            changes.record(
                consent,
                action=ChangeRecord.Action.CREATE,
                field_name="state",
                new=f"{display_value(consent, 'state')} on {on:%d/%m/%Y}{by}{scan}",
                person=a.person,
                label=_consent_label(a.purpose),
            )
        else:
            changes.labels[consent.uuid] = _consent_label(a.purpose)
            model_update(
                instance=consent,
                fields=CONSENT_FIELDS,
                data=data,
                changes=changes,
                person=a.person,
                expected_version=consent.version,  # read under the lock just above: bumps it
            )
            if consent.recorded_by_id != getattr(actor, "pk", None):
                Consent.objects.filter(pk=consent.pk).update(recorded_by=actor)
                consent.recorded_by = actor
        consent.purpose = a.purpose
        saved.append(consent)


def _attach_evidence(
    consents: list[Consent], evidence: UploadedFile, changes: _Labelled, stored: list[str]
) -> None:
    """One scanned form usually covers several answers: store it once, point each answer at it.

    The stored name goes into `stored` as soon as the file is on disk, so the caller can remove it
    if anything later fails."""
    kind = evidence_kind(evidence)
    suffix = kind[1] if kind else "bin"
    first = consents[0]
    storage = first.evidence.storage
    name = storage.save(first.evidence.field.generate_filename(first, f"form.{suffix}"), evidence)
    stored.append(name)
    Consent.objects.filter(pk__in=[c.pk for c in consents]).update(evidence=name)
    for c in consents:
        earlier = bool(c.evidence.name)
        c.evidence.name = name
        if getattr(c, "created_now", False):
            continue  # its creation record already says the scan is attached
        changes.record(
            c,
            action=ChangeRecord.Action.UPDATE,
            field_name="evidence",
            old="an earlier scan" if earlier else "",
            new="scanned form uploaded",
            person=c.person,
            label=_consent_label(c.purpose),
        )


def consent_withdraw(
    *,
    actor: Any,
    consent: Consent,
    withdrawn_on: date | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Consent:
    """Withdrawal takes effect at once everywhere: `privacy.policy` reads this row."""
    access.require(actor, Capability.EDIT_PEOPLE)
    on = withdrawn_on or _today()
    errors: dict[str, list[str]] = {}
    if consent.state != ConsentState.GIVEN:
        raise ValidationFailed(
            f"There is no consent to withdraw: it is {consent.get_state_display().lower()}.",
            field="state",
        )
    if on < consent.decided_on:
        errors["withdrawn_on"] = [
            "The withdrawal cannot be dated before the consent was given "
            f"({consent.decided_on:%d/%m/%Y})."
        ]
    elif on > _today():
        errors["withdrawn_on"] = ["The withdrawal cannot be dated in the future."]
    if errors:
        raise ValidationFailed.from_errors(errors)
    access.ensure_visible(actor, [consent.person])
    changes = _Labelled(actor=actor, reason=note)
    changes.labels[consent.uuid] = _consent_label(consent.purpose)
    with transaction.atomic():
        # Read the row again under a lock: two withdrawals at once must not both pass the check.
        current = Consent.objects.select_for_update().get(pk=consent.pk)
        if current.state != ConsentState.GIVEN:
            raise ValidationFailed(
                f"There is no consent to withdraw: it is {current.get_state_display().lower()}.",
                field="state",
            )
        if expected_version is None:
            expected_version = current.version
        model_update(
            instance=consent,
            fields=["state", "withdrawn_on"],
            data={"state": ConsentState.WITHDRAWN, "withdrawn_on": on},
            changes=changes,
            person=consent.person,
            expected_version=expected_version,
        )
        access.log_change(actor, [consent.person], created=False, object_type="consent")
    return consent


def consent_withdraw_on_request(
    *, actor: Any, person: Any, purpose: Purpose, reason: str
) -> Consent:
    """The DPO withdraws a person's consent because the person asked (Article 7(3), ADR 0015).

    The same change as `consent_withdraw`, dated today, for the DPO, who handles the request but
    neither works with the family nor has them in scope; the rights request names the person.
    """
    access.require(actor, Capability.MANAGE_PRIVACY)
    consent = Consent.objects.filter(person=person, purpose=purpose).first()
    if consent is None:
        raise ValidationFailed(
            f"No consent is recorded for '{purpose.name}': there is nothing to withdraw.",
            field="purpose",
        )
    changes = _Labelled(actor=actor, reason=reason)
    changes.labels[consent.uuid] = _consent_label(purpose)
    with transaction.atomic():
        current = Consent.objects.select_for_update().get(pk=consent.pk)
        if current.state != ConsentState.GIVEN:
            raise ValidationFailed(
                f"There is no consent to withdraw for '{purpose.name}': it is "
                f"{current.get_state_display().lower()}.",
                field="purpose",
            )
        model_update(
            instance=current,
            fields=["state", "withdrawn_on"],
            data={
                "state": ConsentState.WITHDRAWN,
                "withdrawn_on": max(_today(), current.decided_on),
            },
            changes=changes,
            person=person,
            expected_version=current.version,
        )
        access.log_change(actor, [person], created=False, object_type="consent")
    return current


def consents_expire(*, on: date | None = None) -> int:
    """Mark consents past their expiry date as expired (the policy already treats them so)."""
    on = on or _today()
    changes = ChangeSet(actor=None, reason="consent reached its expiry date")
    count = 0
    with transaction.atomic():
        for consent in Consent.objects.select_related("person", "purpose").filter(
            state=ConsentState.GIVEN, expires_on__lte=on
        ):
            model_update(
                instance=consent,
                fields=["state"],
                data={"state": ConsentState.EXPIRED},
                changes=changes,
                person=consent.person,
            )
            count += 1
    return count


# --- contact preferences -------------------------------------------------------------------------

CONTACT_FIELDS = ["agreed", "by_phone", "by_text", "by_email", "by_post", "topics"]


def _topics(codes: Iterable[str]) -> str:
    labels = dict(ContactPreference.Topic.choices)
    return "; ".join(str(labels.get(c, c)) for c in codes)


CHANNEL_FIELDS = ("by_phone", "by_text", "by_email", "by_post")


def contact_preference_set(
    *, actor: Any, person: Person, data: Mapping[str, Any], expected_version: int | None = None
) -> ContactPreference:
    """Whether and how the person agreed to be contacted, and about what (R-CONSENT-4).

    `data`: `agreed` (yes, no, not_asked), the channels `by_phone`, `by_text`, `by_email`,
    `by_post` (booleans) and `topics` (ContactPreference.Topic values). Only 'yes' keeps channels
    and topics. Errors are reported at `agreed`, `channels` and `topics`.
    """
    access.require(actor, Capability.EDIT_PEOPLE)
    agreed = data.get("agreed") or ""
    errors: dict[str, list[str]] = {}
    if agreed not in ContactPreference.Agreed.values:
        errors["agreed"] = ["Choose whether they agreed to be contacted."]
    channels = {k: bool(data.get(k)) for k in CHANNEL_FIELDS}
    given = set(data.get("topics") or [])
    bad = sorted(str(t) for t in given - set(ContactPreference.Topic.values))
    # In the order the form lists them, each once.
    topics = [t for t in ContactPreference.Topic.values if t in given]
    if agreed == ContactPreference.Agreed.YES:
        problems = []
        if not any(channels.values()):
            problems.append("Choose at least one way to contact them.")
        if channels["by_email"] and not person.email:
            problems.append("Add an email address to their details before choosing email.")
        if (channels["by_phone"] or channels["by_text"]) and not person.phone:
            problems.append("Add a phone number to their details before choosing phone or text.")
        if problems:
            errors["channels"] = problems
        if not topics and not bad:
            errors["topics"] = ["Choose what they agreed to be contacted about."]
    else:
        channels = dict.fromkeys(channels, False)
        topics, bad = [], []
    if bad:
        errors["topics"] = [f"Unknown topic: {', '.join(bad)}."]
    if errors:
        raise ValidationFailed.from_errors(errors)
    access.ensure_visible(actor, [person])
    values = {"agreed": agreed, **channels, "topics": topics}
    changes = _Labelled(actor=actor)
    with transaction.atomic():
        pref, created = ContactPreference.objects.get_or_create(person=person)
        pref = ContactPreference.objects.select_for_update().get(pk=pref.pk)
        changes.labels[pref.uuid] = "Contact preferences"
        changes.readable[(pref.uuid, "topics")] = (_topics(pref.topics), _topics(topics))
        if created or expected_version is None:
            expected_version = pref.version
        model_update(
            instance=pref,
            fields=CONTACT_FIELDS,
            data=values,
            changes=changes,
            person=person,
            expected_version=expected_version,
        )
        access.log_change(actor, [person], created=created, object_type="contact preference")
    return pref


# --- restriction and objection (set by rights requests, issue 6; read by the policy) -----------


def restriction_start(
    *,
    actor: Any,
    person: Person,
    reason: str,
    started_on: date | None = None,
    request_reference: str = "",
) -> Restriction:
    access.require(actor, Capability.MANAGE_PRIVACY)
    if not reason.strip():
        raise ValidationFailed("Say why processing is restricted.", field="reason")
    on = started_on or _today()
    changes = ChangeSet(actor=actor, reason=reason)
    with transaction.atomic():
        r = Restriction.objects.create(
            person=person,
            started_on=on,
            reason=reason,
            recorded_by=actor,
            request_reference=request_reference,
        )
        changes.record(
            r,
            action=ChangeRecord.Action.CREATE,
            field_name="started_on",
            new=f"{on:%d/%m/%Y}",
            person=person,
            label="Restriction of processing",
        )
        changes.flush()
        access.log_change(actor, [person], created=True, object_type="restriction")
    return r


def restriction_lift(
    *, actor: Any, restriction: Restriction, lifted_on: date | None = None, reason: str = ""
) -> Restriction:
    access.require(actor, Capability.MANAGE_PRIVACY)
    on = lifted_on or _today()
    if restriction.lifted_on is not None:
        raise ValidationFailed("This restriction was already lifted.", field="lifted_on")
    if on < restriction.started_on:
        raise ValidationFailed(
            "A restriction cannot be lifted before it started.", field="lifted_on"
        )
    changes = ChangeSet(actor=actor, reason=reason)
    with transaction.atomic():
        model_update(
            instance=restriction,
            fields=["lifted_on", "lifted_by"],
            data={"lifted_on": on, "lifted_by": actor},
            changes=changes,
            person=restriction.person,
        )
        access.log_change(actor, [restriction.person], created=False, object_type="restriction")
    return restriction


def objection_record(
    *,
    actor: Any,
    person: Person,
    purpose: Purpose,
    grounds: str,
    received_on: date | None = None,
    request_reference: str = "",
) -> Objection:
    access.require(actor, Capability.MANAGE_PRIVACY)
    if not grounds.strip():
        raise ValidationFailed("Record the person's grounds for objecting.", field="grounds")
    on = received_on or _today()
    if on > _today():
        raise ValidationFailed("The objection cannot be dated in the future.", field="received_on")
    changes = ChangeSet(actor=actor, reason=grounds)
    with transaction.atomic():
        o = Objection.objects.create(
            person=person,
            purpose=purpose,
            grounds=grounds,
            received_on=on,
            recorded_by=actor,
            request_reference=request_reference,
        )
        changes.record(
            o,
            action=ChangeRecord.Action.CREATE,
            field_name="decision",
            new=o.get_decision_display(),
            person=person,
            label=f"Objection: {purpose.name}",
        )
        changes.flush()
        access.log_change(actor, [person], created=True, object_type="objection")
    return o


def objection_decide(
    *,
    actor: Any,
    objection: Objection,
    decision: str,
    compelling_grounds: str = "",
) -> Objection:
    """The DPO upholds an objection, or records compelling legitimate grounds to continue."""
    access.require(actor, Capability.MANAGE_PRIVACY)
    if decision not in (Objection.Decision.UPHELD, Objection.Decision.OVERRIDDEN):
        raise ValidationFailed("Choose to uphold the objection or to continue.", field="decision")
    if decision == Objection.Decision.OVERRIDDEN:
        if objection.purpose.needs_consent:
            raise ValidationFailed(
                "This purpose relies on consent: an objection to it cannot be overridden.",
                field="decision",
            )
        if not compelling_grounds.strip():
            raise ValidationFailed(
                "Record the compelling legitimate grounds that override the person's objection.",
                field="compelling_grounds",
            )
    changes = ChangeSet(actor=actor, reason=compelling_grounds)
    with transaction.atomic():
        model_update(
            instance=objection,
            fields=["decision", "compelling_grounds", "decided_by", "decided_on"],
            data={
                "decision": decision,
                "compelling_grounds": compelling_grounds,
                "decided_by": actor,
                "decided_on": _today(),
            },
            changes=changes,
            person=objection.person,
        )
        access.log_change(actor, [objection.person], created=False, object_type="objection")
    return objection
