"""Feedback and evaluation forms (R-ENGAGE-8).

Forms belong to an organisation and a service; their questions are scales, lists or free text.
A parent answers with a member of staff, or alone through a one-time link (an unguessable token,
stored only as its SHA-256, usable once, until it expires; the page shows no personal data).
A response is linked to the person only if `privacy.policy` says they consented to evaluation
(`casework.consent`); otherwise it is stored anonymously: no person, no member of staff, no time.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.casework.consent import Decision, evaluation_consent
from familyhub.casework.models import (
    FeedbackAnswer,
    FeedbackForm,
    FeedbackLink,
    FeedbackQuestion,
    FeedbackResponse,
)
from familyhub.casework.services._common import (
    CASEWORK,
    Errors,
    acting_organisation,
    require_in_organisation,
    today,
)
from familyhub.core.errors import ApplicationError, NotFound, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet, model_update

FORM_FIELDS = ["name", "introduction", "active"]
MAX_SCALE_STEPS = 11
LINK_DAYS_DEFAULT = 14
LINK_DAYS_MAX = 60


class LinkUnavailable(ApplicationError):
    """A one-time link that was used already or has expired (410 Gone)."""

    status = 410
    title = "This link can no longer be used"
    code = "gone"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feedback_form_create(
    *, actor: Any, service: Any, name: str, introduction: str = "", organisation: Any = None
) -> FeedbackForm:
    access.require(actor, CASEWORK)
    org = acting_organisation(actor, organisation)
    errs = Errors()
    if not (name or "").strip():
        errs.add("name", "Give the form a name, for example 'Cook and Play: end of course'")
    if service is None:
        errs.add("service", "Choose the service the feedback is about")
    errs.raise_if_any()
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        form = FeedbackForm.objects.create(
            organisation=org,
            service=service,
            name=name.strip(),
            introduction=(introduction or "").strip(),
            created_by=actor,
        )
        changes.record(form, action=ChangeRecord.Action.CREATE, new=form.name)
        changes.flush()
    return form


def feedback_form_update(
    *, actor: Any, form: FeedbackForm, data: Mapping[str, Any], expected_version: int
) -> FeedbackForm:
    access.require(actor, CASEWORK)
    require_in_organisation(actor, form.organisation_id)
    clean = {k: data[k] for k in FORM_FIELDS if k in data}
    if "name" in clean:
        clean["name"] = (clean["name"] or "").strip()
        if not clean["name"]:
            raise ValidationFailed("Give the form a name", field="name")
    changes = ChangeSet(actor=actor)
    model_update(
        instance=form,
        fields=FORM_FIELDS,
        data=clean,
        changes=changes,
        expected_version=expected_version,
    )
    return form


def _no_answers_yet(form: FeedbackForm) -> None:
    if form.responses.exists():
        raise ApplicationError(
            "This form has answers already, so its questions cannot change (the answers would "
            "lose their meaning). Make a new form instead."
        )


def feedback_question_add(
    *,
    actor: Any,
    form: FeedbackForm,
    text: str,
    kind: str,
    choices: str = "",
    scale_min: int | None = 1,
    scale_max: int | None = 5,
    scale_low_label: str = "",
    scale_high_label: str = "",
    required: bool = True,
) -> FeedbackQuestion:
    access.require(actor, CASEWORK)
    require_in_organisation(actor, form.organisation_id)
    _no_answers_yet(form)
    errs = Errors()
    if not (text or "").strip():
        errs.add("text", "Enter the question")
    if kind not in FeedbackQuestion.Kind.values:
        errs.add("kind", "Choose the kind of answer")
    options = [c.strip() for c in (choices or "").splitlines() if c.strip()]
    if kind == FeedbackQuestion.Kind.CHOICE and len(options) < 2:
        errs.add("choices", "Give at least two answers to choose from, one per line")
    if kind == FeedbackQuestion.Kind.SCALE:
        if scale_min is None or scale_max is None or scale_min >= scale_max:
            errs.add("scale_max", "The top of the scale must be above the bottom")
        elif scale_max - scale_min + 1 > MAX_SCALE_STEPS:
            errs.add("scale_max", f"A scale has at most {MAX_SCALE_STEPS} points")
    errs.raise_if_any()
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        last = form.questions.order_by("-position").values_list("position", flat=True).first()
        question = FeedbackQuestion.objects.create(
            form=form,
            position=(last or 0) + 1,
            text=text.strip(),
            kind=kind,
            choices="\n".join(options) if kind == FeedbackQuestion.Kind.CHOICE else "",
            scale_min=scale_min
            if kind == FeedbackQuestion.Kind.SCALE and scale_min is not None
            else 1,
            scale_max=scale_max
            if kind == FeedbackQuestion.Kind.SCALE and scale_max is not None
            else 5,
            scale_low_label=(scale_low_label or "").strip()[:80],
            scale_high_label=(scale_high_label or "").strip()[:80],
            required=required,
        )
        changes.record(
            question,
            action=ChangeRecord.Action.CREATE,
            new=question.text,
            label=f"Question on {form.name}",
        )
        changes.flush()
    return question


def feedback_question_remove(*, actor: Any, question: FeedbackQuestion) -> None:
    access.require(actor, CASEWORK)
    form = question.form
    require_in_organisation(actor, form.organisation_id)
    _no_answers_yet(form)
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        changes.record(
            question,
            action=ChangeRecord.Action.ARCHIVE,
            old=question.text,
            label=f"Question on {form.name}",
        )
        question.delete()
        changes.flush()


def feedback_link_create(
    *, actor: Any, form: FeedbackForm, person: Any = None, days: int | None = LINK_DAYS_DEFAULT
) -> tuple[FeedbackLink, str]:
    """A one-time link for the form; returns the link and its token, which is shown once."""
    access.require(actor, CASEWORK)
    require_in_organisation(actor, form.organisation_id)
    if person is not None:
        access.ensure_visible(actor, [person])
    if not form.active:
        raise ValidationFailed("This form is closed: open it again first", field="form")
    if not form.questions.exists():
        raise ValidationFailed("Add at least one question to the form first", field="form")
    if days is None or not (1 <= days <= LINK_DAYS_MAX):
        raise ValidationFailed(f"A link lasts from 1 to {LINK_DAYS_MAX} days", field="days")
    token = secrets.token_urlsafe(32)
    link = FeedbackLink.objects.create(
        form=form,
        token_hash=hash_token(token),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=days),
        person=person,
    )
    return link, token


def feedback_link_open(token: str) -> FeedbackLink:
    """The link for `token` if it can still be used (NotFound / LinkUnavailable otherwise)."""
    if not token or len(token) > 100:
        raise NotFound("No such link.")
    link = (
        FeedbackLink.objects.select_related("form", "form__service")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if link is None:
        raise NotFound("No such link.")
    if link.used_at is not None:
        raise LinkUnavailable("This link has been used already: each link works once.")
    if link.expires_at <= timezone.now() or not link.form.active:
        raise LinkUnavailable("This link has expired.")
    return link


@dataclass
class Answer:
    scale_value: int | None = None
    text_value: str = ""


def clean_answers(
    questions: list[FeedbackQuestion], raw: Mapping[str, Any]
) -> dict[FeedbackQuestion, Answer]:
    """Check what was typed against each question; errors are keyed `q_<question id>`."""
    if not questions:
        raise ValidationFailed("This form has no questions yet", field="form")
    errs = Errors()
    out: dict[FeedbackQuestion, Answer] = {}
    for q in questions:
        key = f"q_{q.pk}"
        value = raw.get(key)
        value = value.strip() if isinstance(value, str) else value
        if value in (None, ""):
            if q.required:
                errs.add(key, "Answer this question" if q.kind != "text" else "Write an answer")
            continue
        if q.kind == FeedbackQuestion.Kind.SCALE:
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = None
            if number is None or number not in q.scale_values:
                errs.add(key, f"Choose a score from {q.scale_min} to {q.scale_max}")
                continue
            out[q] = Answer(scale_value=number)
        elif q.kind == FeedbackQuestion.Kind.CHOICE:
            if value not in q.choice_list:
                errs.add(key, "Choose one of the answers")
                continue
            out[q] = Answer(text_value=value)
        else:
            out[q] = Answer(text_value=str(value)[:4000])
    errs.raise_if_any()
    if not out:
        raise ValidationFailed("Answer at least one question", field=f"q_{questions[0].pk}")
    return out


def _save_response(
    form: FeedbackForm,
    answers: dict[FeedbackQuestion, Answer],
    *,
    channel: str,
    person: Any,
    recorded_by: Any,
) -> FeedbackResponse:
    response = FeedbackResponse.objects.create(
        form=form,
        service=form.service,
        submitted_on=today(),
        channel=channel,
        person=person,
        recorded_by=recorded_by if person is not None else None,
    )
    FeedbackAnswer.objects.bulk_create(
        [
            FeedbackAnswer(
                response=response,
                person=person,
                question=q,
                scale_value=a.scale_value,
                text_value=a.text_value,
            )
            for q, a in answers.items()
        ]
    )
    return response


def feedback_record_with_staff(
    *, actor: Any, form: FeedbackForm, raw_answers: Mapping[str, Any], person: Any = None
) -> tuple[FeedbackResponse, Decision]:
    """A member of staff fills the form in with a parent. Linked to `person` only with their
    consent to evaluation; the decision (with its reason) is returned for the screen."""
    access.require(actor, CASEWORK)
    if person is not None:
        access.ensure_visible(actor, [person])
    if not form.active:
        raise ValidationFailed("This form is closed", field="form")
    answers = clean_answers(list(form.questions.all()), raw_answers)
    decision = evaluation_consent(person)
    linked = person if decision.allowed else None
    with transaction.atomic():
        response = _save_response(
            form,
            answers,
            channel=FeedbackResponse.Channel.WITH_STAFF,
            person=linked,
            recorded_by=actor,
        )
        if linked is not None:
            changes = ChangeSet(actor=actor)
            changes.record(
                response,
                action=ChangeRecord.Action.CREATE,
                new=f"Feedback on {form.service.name} ({form.name})",
                person=linked,
                label="Feedback",
            )
            changes.flush()
            access.log_change(actor, [linked], created=True, object_type="feedback")
    return response, decision


def feedback_record_by_link(*, token: str, raw_answers: Mapping[str, Any]) -> FeedbackResponse:
    """A parent answers through a one-time link; the link is spent in the same transaction, so it
    cannot be used twice even by two submissions at once."""
    link = feedback_link_open(token)
    answers = clean_answers(list(link.form.questions.all()), raw_answers)
    decision = evaluation_consent(link.person) if link.person_id else Decision(False, "")
    linked = link.person if decision.allowed else None
    with transaction.atomic():
        spent = FeedbackLink.objects.filter(
            pk=link.pk, used_at__isnull=True, expires_at__gt=timezone.now()
        ).update(used_at=timezone.now(), person=None)
        if spent != 1:
            raise LinkUnavailable("This link has been used already: each link works once.")
        response = _save_response(
            link.form,
            answers,
            channel=FeedbackResponse.Channel.LINK,
            person=linked,
            recorded_by=None,
        )
        if linked is not None:
            changes = ChangeSet(actor=None)
            changes.record(
                response,
                action=ChangeRecord.Action.CREATE,
                new=f"Feedback on {link.form.service.name} ({link.form.name}), through a link",
                person=linked,
                label="Feedback",
            )
            changes.flush()
    return response
