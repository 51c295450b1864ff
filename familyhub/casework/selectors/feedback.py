"""Feedback forms of the user's organisations, and their results (R-ENGAGE-8)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Q,
)

from familyhub.access import helpers as access
from familyhub.casework.models import (
    FeedbackAnswer,
    FeedbackForm,
    FeedbackQuestion,
    FeedbackResponse,
)
from familyhub.casework.selectors._common import CASEWORK, uuid_of
from familyhub.core.errors import NotFound


def feedback_forms(user: Any) -> list[FeedbackForm]:
    return list(
        FeedbackForm.objects.filter(organisation_id__in=user.organisation_ids_with(CASEWORK))
        .select_related("organisation", "service")
        .annotate(
            n_questions=Count("questions", distinct=True),
            n_responses=Count("responses", distinct=True),
        )
        .order_by("-active", "name", "id")
    )


def feedback_form_for(user: Any, form_id: Any) -> FeedbackForm:
    form = (
        FeedbackForm.objects.filter(
            organisation_id__in=user.organisation_ids_with(CASEWORK), uuid=uuid_of(form_id)
        )
        .select_related("organisation", "service")
        .prefetch_related("questions")
        .first()
    )
    if form is None:
        raise NotFound(access.NOT_FOUND)
    return form


@dataclass
class QuestionResult:
    question: FeedbackQuestion
    counts: list[tuple[str, int]]  # (answer, how many), for scales and lists
    texts: list[str]  # free-text answers, newest first
    answered: int


def feedback_results(
    form: FeedbackForm, text_limit: int = 50
) -> tuple[int, int, list[QuestionResult]]:
    """(responses, of which linked to a person, results per question), in four queries."""
    totals = FeedbackResponse.objects.filter(form=form).aggregate(
        n=Count("id"), linked=Count("id", filter=Q(person__isnull=False))
    )
    questions = list(form.questions.all())
    counts: dict[tuple[int, str], int] = {}
    for qid, scale, text, n in (
        FeedbackAnswer.objects.filter(response__form=form)
        .exclude(question__kind=FeedbackQuestion.Kind.TEXT)
        .values_list("question_id", "scale_value", "text_value")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if qid is None:
            continue
        key = str(scale) if scale is not None else text
        counts[(qid, key)] = counts.get((qid, key), 0) + n
    texts: dict[int, list[str]] = defaultdict(list)
    for qid, text in (
        FeedbackAnswer.objects.filter(response__form=form)
        .filter(question__kind=FeedbackQuestion.Kind.TEXT)
        .exclude(text_value="")
        .order_by("-response__submitted_on", "-id")
        .values_list("question_id", "text_value")
    ):
        if len(texts[qid]) < text_limit:
            texts[qid].append(text)
    results = []
    for q in questions:
        if q.kind == FeedbackQuestion.Kind.SCALE:
            options = [str(v) for v in q.scale_values]
        elif q.kind == FeedbackQuestion.Kind.CHOICE:
            options = q.choice_list
        else:
            options = []
        pairs = [(o, counts.get((q.pk, o), 0)) for o in options]
        answered = sum(n for _, n in pairs) if options else len(texts[q.pk])
        results.append(QuestionResult(q, pairs, texts[q.pk], answered))
    return totals["n"], totals["linked"], results
