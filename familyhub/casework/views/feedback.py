"""Feedback and evaluation forms (R-ENGAGE-8): set up by staff, filled in with a parent or by the
parent alone through a one-time link (the only page of familyhub that needs no sign-in)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from familyhub.access import helpers as access
from familyhub.casework import selectors
from familyhub.casework.forms import (
    AnswerForm,
    FeedbackFormEditForm,
    FeedbackFormForm,
    FeedbackStartForm,
    LinkForm,
    QuestionForm,
)
from familyhub.casework.services import feedback
from familyhub.casework.views._common import (
    CASEWORK,
    by_uuid,
    family_context,
    members,
    person_in,
)
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ApplicationError, NotFound
from familyhub.core.http import posted
from familyhub.people.forms import apply_errors


def _link_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("casework:feedback_public", args=[token]))


@staff_view(CASEWORK)
def feedback_forms(request: HttpRequest) -> HttpResponse:
    return render(
        request, "casework/feedback_forms.html", {"forms": selectors.feedback_forms(request.user)}
    )


@staff_view(CASEWORK)
def feedback_form_new(request: HttpRequest) -> HttpResponse:
    services = selectors.active_services()
    form = FeedbackFormForm(posted(request), services=services)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = feedback.feedback_form_create(
                actor=request.user,
                service=by_uuid(services, data.get("service")),
                name=data.get("name", ""),
                introduction=data.get("introduction", ""),
            )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(request, "Form made. Now add its questions.")
            return redirect("casework:feedback_form_detail", made.uuid)
    return render(request, "casework/feedback_form_new.html", {"form": form})


@staff_view(CASEWORK)
def feedback_form_detail(request: HttpRequest, form_id: str) -> HttpResponse:
    """The form's details and questions (editable until it has answers) and its results."""
    fb = selectors.feedback_form_for(request.user, form_id)
    action = request.POST.get("action", "save") if request.method == "POST" else ""
    edit = FeedbackFormEditForm(
        posted(request) if action == "save" else None,
        initial={
            "name": fb.name,
            "introduction": fb.introduction,
            "active": fb.active,
            "version": fb.version,
        },
    )
    question = QuestionForm(posted(request) if action == "add_question" else None)
    try:
        if action == "save" and edit.is_valid():
            data = edit.cleaned_data
            feedback.feedback_form_update(
                actor=request.user,
                form=fb,
                data={k: data.get(k) for k in ("name", "introduction", "active")},
                expected_version=data["version"],
            )
            messages.success(request, "Form saved.")
            return redirect("casework:feedback_form_detail", fb.uuid)
        if action == "add_question" and question.is_valid():
            data = question.cleaned_data
            feedback.feedback_question_add(
                actor=request.user,
                form=fb,
                text=data.get("text", ""),
                kind=data.get("kind") or "",
                choices=data.get("choices", ""),
                scale_min=data.get("scale_min"),
                scale_max=data.get("scale_max"),
                scale_low_label=data.get("scale_low_label", ""),
                scale_high_label=data.get("scale_high_label", ""),
                required=data.get("required", False),
            )
            messages.success(request, "Question added.")
            return redirect("casework:feedback_form_detail", fb.uuid)
        if action == "remove_question":
            q = by_uuid(list(fb.questions.all()), request.POST.get("question", ""))
            if q is None:
                raise ApplicationError("That question is not on this form.")
            feedback.feedback_question_remove(actor=request.user, question=q)
            messages.success(request, "Question removed.")
            return redirect("casework:feedback_form_detail", fb.uuid)
    except ApplicationError as e:
        target = question if action == "add_question" else edit
        if action == "remove_question":
            messages.error(request, e.message)
        else:
            apply_errors(target, e.errors or {"__all__": [e.message]})
    responses, linked, results = selectors.feedback_results(fb)
    return render(
        request,
        "casework/feedback_form_detail.html",
        {
            "fb": fb,
            "edit": edit,
            "question": question,
            "questions": list(fb.questions.all()),
            "responses": responses,
            "linked": linked,
            "results": results,
        },
    )


@staff_view(CASEWORK)
def feedback_form_link(request: HttpRequest, form_id: str) -> HttpResponse:
    """A one-time link not tied to anyone (for example for a parent at a group): anonymous."""
    fb = selectors.feedback_form_for(request.user, form_id)
    form = LinkForm(posted(request), initial={"days": feedback.LINK_DAYS_DEFAULT})
    url = ""
    if request.method == "POST" and form.is_valid():
        try:
            _, token = feedback.feedback_link_create(
                actor=request.user, form=fb, days=form.cleaned_data.get("days")
            )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            url = _link_url(request, token)
    return render(
        request,
        "casework/feedback_link.html",
        {"fb": fb, "form": form, "url": url, "household": None},
    )


@staff_view(CASEWORK)
def feedback_form_respond(request: HttpRequest, form_id: str) -> HttpResponse:
    """Staff type in a paper form or a parent's answers, not linked to anyone (anonymous)."""
    fb = selectors.feedback_form_for(request.user, form_id)
    questions = list(fb.questions.all())
    form = AnswerForm(posted(request), questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            feedback.feedback_record_with_staff(
                actor=request.user, form=fb, raw_answers=request.POST
            )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(request, "Answers saved anonymously.")
            return redirect("casework:feedback_form_detail", fb.uuid)
    return render(
        request,
        "casework/feedback_answer.html",
        {"fb": fb, "form": form, "household": None, "person": None},
    )


@staff_view(CASEWORK)
def family_feedback(request: HttpRequest, household_id: str) -> HttpResponse:
    """Fill a form in with a parent: choose the form and the person, then the answers."""
    household = access.household_for(request.user, household_id)
    forms_ = [f for f in selectors.feedback_forms(request.user) if f.active]
    chosen_form = by_uuid(forms_, request.GET.get("form") or request.POST.get("form", ""))
    person = person_in(household, request.GET.get("person") or request.POST.get("person", ""))
    if chosen_form is None or person is None:
        start = FeedbackStartForm(
            request.GET if request.GET else None, forms_=forms_, members=members(household)
        )
        if request.GET:
            start.is_valid()
            if chosen_form is None:
                start.add_error("form", "Choose a form")
            if person is None:
                start.add_error("person", "Choose who is giving feedback")
        return render(
            request,
            "casework/family_feedback_start.html",
            family_context(request, household, form=start, forms_=forms_),
        )
    fb = selectors.feedback_form_for(request.user, chosen_form.uuid)
    form = AnswerForm(
        request.POST if request.method == "POST" and "q_submit" in request.POST else None,
        questions=list(fb.questions.all()),
    )
    if form.is_bound and form.is_valid():
        try:
            _, decision = feedback.feedback_record_with_staff(
                actor=request.user, form=fb, raw_answers=request.POST, person=person
            )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            if decision.allowed:
                messages.success(
                    request,
                    f"Feedback saved and linked to {person.display_name} (consented to evaluation).",
                )
            else:
                messages.success(
                    request,
                    f"Feedback saved anonymously: {person.display_name} has no consent to evaluation "
                    "recorded, so it is not linked to them.",
                )
            return redirect("people:household_detail", household.uuid)
    return render(
        request,
        "casework/feedback_answer.html",
        family_context(request, household, fb=fb, form=form, person=person),
    )


@staff_view(CASEWORK)
def family_feedback_link(request: HttpRequest, household_id: str) -> HttpResponse:
    """A one-time link for a parent of this family: linked to them only with their consent."""
    household = access.household_for(request.user, household_id)
    forms_ = [f for f in selectors.feedback_forms(request.user) if f.active]
    fb = by_uuid(forms_, request.GET.get("form") or request.POST.get("form", ""))
    form = LinkForm(
        posted(request), members=members(household), initial={"days": feedback.LINK_DAYS_DEFAULT}
    )
    url = ""
    if request.method == "POST" and form.is_valid():
        try:
            if fb is None:
                raise ApplicationError("Choose a form", field="form")
            _, token = feedback.feedback_link_create(
                actor=request.user,
                form=fb,
                person=person_in(household, form.cleaned_data.get("person")),
                days=form.cleaned_data.get("days"),
            )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            url = _link_url(request, token)
    return render(
        request,
        "casework/feedback_link.html",
        family_context(request, household, fb=fb, forms_=forms_, form=form, url=url),
    )


@never_cache
def feedback_public(request: HttpRequest, token: str) -> HttpResponse:
    """The parent's page: no sign-in, nothing about anyone on it, one use, until it expires."""
    try:
        link = feedback.feedback_link_open(token)
    except NotFound:
        return render(request, "casework/feedback_public_gone.html", {"missing": True}, status=404)
    except feedback.LinkUnavailable as e:
        return render(
            request, "casework/feedback_public_gone.html", {"message": e.message}, status=410
        )
    fb = link.form
    form = AnswerForm(posted(request), questions=list(fb.questions.all()))
    if request.method == "POST" and form.is_valid():
        try:
            feedback.feedback_record_by_link(token=token, raw_answers=request.POST)
        except feedback.LinkUnavailable as e:
            return render(
                request, "casework/feedback_public_gone.html", {"message": e.message}, status=410
            )
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            return render(request, "casework/feedback_public_thanks.html", {"fb": fb})
    return render(request, "casework/feedback_public.html", {"fb": fb, "form": form})
