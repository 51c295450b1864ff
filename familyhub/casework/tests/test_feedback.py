"""Feedback and evaluation forms (R-ENGAGE-8): configurable questions, filled in with staff or by a
parent through a one-time link (unguessable, single use, expiring, no sign-in, no personal data),
linked to the person only with their consent to evaluation (privacy.policy), else anonymous."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from familyhub.casework import consent, selectors
from familyhub.casework.models import FeedbackLink, FeedbackQuestion, FeedbackResponse
from familyhub.casework.services import feedback
from familyhub.casework.tests.conftest import parent_of
from familyhub.casework.tests.factories import make_feedback_form
from familyhub.core.errors import ApplicationError, NotFound, ValidationFailed
from familyhub.core.models import ChangeRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def form(personas, mentoring):
    return make_feedback_form(personas.lead, mentoring)


def _answers(form, **overrides):
    qs = {q.kind: q for q in form.questions.all()}
    data = {
        f"q_{qs['scale'].pk}": "4",
        f"q_{qs['choice'].pk}": "Yes",
        f"q_{qs['text'].pk}": "The mentor was lovely",
    }
    data.update(overrides)
    return data


@pytest.fixture
def consented(monkeypatch):
    monkeypatch.setattr(
        "familyhub.casework.services.feedback.evaluation_consent",
        lambda person: consent.Decision(person is not None, "consent given (test)"),
    )


def test_questions_of_each_kind_are_configured_and_validated(personas, mentoring):
    made = feedback.feedback_form_create(
        actor=personas.practitioner, service=mentoring, name="Cook and Play: last session"
    )
    feedback.feedback_question_add(
        actor=personas.practitioner,
        form=made,
        text="How confident do you feel?",
        kind="scale",
        scale_min=0,
        scale_max=10,
    )
    with pytest.raises(ValidationFailed) as e:
        feedback.feedback_question_add(
            actor=personas.practitioner, form=made, text="Pick one", kind="choice", choices="Only"
        )
    assert "at least two" in e.value.errors["choices"][0]
    with pytest.raises(ValidationFailed):
        feedback.feedback_question_add(
            actor=personas.practitioner,
            form=made,
            text="Big",
            kind="scale",
            scale_min=1,
            scale_max=20,
        )
    q = made.questions.get()
    assert q.scale_values == list(range(0, 11))
    with pytest.raises(ValidationFailed) as e:
        feedback.clean_answers([q], {f"q_{q.pk}": "11"})
    assert e.value.errors[f"q_{q.pk}"] == ["Choose a score from 0 to 10"]


def test_with_staff_and_no_consent_the_answers_are_anonymous(personas, form):
    person = parent_of(personas.household)
    response, decision = feedback.feedback_record_with_staff(
        actor=personas.practitioner, form=form, raw_answers=_answers(form), person=person
    )
    assert not decision.allowed
    response.refresh_from_db()
    assert response.person is None and response.recorded_by is None
    assert response.channel == FeedbackResponse.Channel.WITH_STAFF
    assert response.submitted_on == timezone.localdate()
    assert {a.text_value for a in response.answers.all()} >= {"Yes", "The mentor was lovely"}
    assert not ChangeRecord.objects.filter(person=person, model="feedbackresponse").exists()


def test_with_consent_the_answers_are_linked_to_the_person(personas, form, consented):
    person = parent_of(personas.household)
    response, decision = feedback.feedback_record_with_staff(
        actor=personas.practitioner, form=form, raw_answers=_answers(form), person=person
    )
    assert decision.allowed
    response.refresh_from_db()
    assert response.person == person and response.recorded_by == personas.practitioner
    assert ChangeRecord.objects.filter(person=person, model="feedbackresponse").exists()


def test_the_real_policy_decides_for_the_purpose_evaluation(personas, form):
    """privacy.policy (R-CONSENT-3): no consent recorded -> anonymous; consent given -> linked."""
    policy = pytest.importorskip("familyhub.privacy.policy")
    from familyhub.privacy.models import ConsentMethod, ConsentState
    from familyhub.privacy.services import consent_record
    from familyhub.privacy.testing import make_purpose

    purpose = make_purpose("evaluation")
    person = parent_of(personas.household)
    assert not policy.decide(person, "evaluation").allowed
    assert not consent.evaluation_consent(person).allowed
    consent_record(
        actor=personas.practitioner,
        person=person,
        purpose=purpose,
        state=ConsentState.GIVEN,
        method=ConsentMethod.VERBAL,
    )
    assert consent.evaluation_consent(person).allowed
    response, _ = feedback.feedback_record_with_staff(
        actor=personas.practitioner, form=form, raw_answers=_answers(form), person=person
    )
    assert FeedbackResponse.objects.get(pk=response.pk).person == person


def test_a_one_time_link_works_once_shows_no_personal_data_and_stores_only_a_hash(
    personas, form, client, consented
):
    person = parent_of(personas.household)
    link, token = feedback.feedback_link_create(
        actor=personas.practitioner, form=form, person=person
    )
    assert len(token) >= 40 and token not in link.token_hash and len(link.token_hash) == 64
    assert not FeedbackLink.objects.filter(token_hash=token).exists()
    url = reverse("casework:feedback_public", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert form.name in body and "How useful was it?" in body
    for private in (person.given_name, person.family_name, personas.household.name, "Testington"):
        assert private not in body
    assert "Sign out" not in body  # nobody is signed in
    r = client.post(url, _answers(form))
    assert r.status_code == 200 and "Thank you" in r.content.decode()
    response = FeedbackResponse.objects.get()
    assert response.channel == FeedbackResponse.Channel.LINK and response.person == person
    link.refresh_from_db()
    assert link.used_at is not None and link.person is None  # the invitation forgets the person
    again = client.get(url)
    assert again.status_code == 410 and "used already" in again.content.decode()
    assert client.post(url, _answers(form)).status_code == 410
    assert FeedbackResponse.objects.count() == 1


def test_a_link_without_consent_stores_the_answers_anonymously(personas, form, client):
    link, token = feedback.feedback_link_create(
        actor=personas.practitioner, form=form, person=parent_of(personas.household)
    )
    client.post(reverse("casework:feedback_public", args=[token]), _answers(form))
    response = FeedbackResponse.objects.get()
    assert response.person is None and response.recorded_by is None
    link.refresh_from_db()
    assert link.person is None


def test_expired_and_unknown_links(personas, form, client):
    link, token = feedback.feedback_link_create(actor=personas.practitioner, form=form, days=1)
    FeedbackLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    r = client.get(reverse("casework:feedback_public", args=[token]))
    assert r.status_code == 410 and "expired" in r.content.decode()
    assert client.get(reverse("casework:feedback_public", args=["x" * 43])).status_code == 404
    with pytest.raises(NotFound):
        feedback.feedback_link_open("")
    with pytest.raises(ValidationFailed):
        feedback.feedback_link_create(actor=personas.practitioner, form=form, days=0)


def test_required_answers_and_list_answers_are_checked_on_the_public_page(personas, form, client):
    _, token = feedback.feedback_link_create(actor=personas.practitioner, form=form)
    url = reverse("casework:feedback_public", args=[token])
    choice = form.questions.get(kind=FeedbackQuestion.Kind.CHOICE)
    r = client.post(url, _answers(form, **{f"q_{choice.pk}": "Maybe"}))
    assert r.status_code == 200 and "Choose one of the answers" in r.content.decode()
    assert not FeedbackResponse.objects.exists()
    assert client.get(url).status_code == 200  # not spent by a refused attempt


def test_questions_cannot_change_once_there_are_answers(personas, form):
    feedback.feedback_record_with_staff(
        actor=personas.practitioner, form=form, raw_answers=_answers(form)
    )
    with pytest.raises(ApplicationError):
        feedback.feedback_question_add(
            actor=personas.practitioner, form=form, text="New?", kind="text"
        )
    with pytest.raises(ApplicationError):
        feedback.feedback_question_remove(
            actor=personas.practitioner, question=form.questions.first()
        )


def test_forms_belong_to_their_organisation(personas, form, client_for):
    url = reverse("casework:feedback_form_detail", args=[form.uuid])
    assert client_for(personas.practitioner).get(url).status_code == 200
    assert client_for(personas.partner_staff).get(url).status_code == 404
    with pytest.raises(ApplicationError):
        feedback.feedback_link_create(actor=personas.partner_staff, form=form)


def test_the_results_count_answers_per_question(personas, form, client_for):
    for score in ("4", "4", "2"):
        feedback.feedback_record_with_staff(
            actor=personas.practitioner,
            form=form,
            raw_answers=_answers(form, **{f"q_{form.questions.get(kind='scale').pk}": score}),
        )
    responses, linked, results = selectors.feedback_results(form)
    assert (responses, linked) == (3, 0)
    scale = next(r for r in results if r.question.kind == "scale")
    assert dict(scale.counts) == {"1": 0, "2": 1, "3": 0, "4": 2, "5": 0}
    text = next(r for r in results if r.question.kind == "text")
    assert text.texts == ["The mentor was lovely"] * 3


def test_staff_fill_a_form_in_with_a_parent_from_the_family_page(personas, form, client_for):
    client = client_for(personas.practitioner)
    url = reverse("casework:family_feedback", args=[personas.household.uuid])
    person = parent_of(personas.household)
    start = client.get(url)
    assert start.status_code == 200 and form.name in start.content.decode()
    page = client.get(url, {"form": str(form.uuid), "person": str(person.uuid)})
    assert "How useful was it?" in page.content.decode()
    r = client.post(
        url,
        {"form": str(form.uuid), "person": str(person.uuid), "q_submit": "1", **_answers(form)},
    )
    assert r.status_code == 302
    assert FeedbackResponse.objects.get().person is None  # no consent in this test
