"""Forms for casework pages. They parse what was typed; the services decide what is valid and their
field errors are put back on these forms (`people.forms.apply_errors`), so the rules live in one
place. Choices of people are the members of the family already fetched through the access helpers;
choices of staff are the caseworkers of the organisation concerned."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time
from typing import Any, cast

from django import forms
from django.utils import timezone

from familyhub.casework.models import (
    Contact,
    Enquiry,
    FeedbackQuestion,
    MailingOrganisation,
    OutcomeRecord,
    Referral,
)
from familyhub.people.forms import DateField

TIME_FORMATS = ["%H:%M", "%H.%M", "%H%M", "%I:%M%p", "%I:%M %p", "%I%p", "%I %p"]
FOLLOW_UP_SLOTS = 3


def set_choices(form: forms.BaseForm, name: str, choices: Any) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


def person_choices(
    members: Iterable[Any], blank: str = "The whole family"
) -> list[tuple[str, str]]:
    return [("", blank), *((str(m.person.uuid), m.person.display_name) for m in members)]


def staff_choices(users: Iterable[Any], blank: str | None = None) -> list[tuple[str, str]]:
    rows = [(str(u.pk), u.get_full_name() or u.username) for u in users]
    return [("", blank), *rows] if blank is not None else rows


def object_choices(objects: Iterable[Any], blank: str | None = None) -> list[tuple[str, str]]:
    rows = [(str(o.uuid), str(o)) for o in objects]
    return [("", blank), *rows] if blank is not None else rows


class Form(forms.Form):
    """The services decide what is required, so the template labels no field "(optional)";
    labels of optional questions say so themselves."""

    def __getitem__(self, name: str) -> Any:
        self.fields[name].hide_optional = True  # type: ignore[attr-defined]
        return super().__getitem__(name)


class TimeField(forms.TimeField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("input_formats", TIME_FORMATS)
        kwargs.setdefault(
            "widget",
            forms.TimeInput(
                format="%H:%M", attrs={"class": "govuk-input--width-5", "autocomplete": "off"}
            ),
        )
        kwargs.setdefault("error_messages", {"invalid": "Enter a time, like 14:30"})
        super().__init__(**kwargs)


def combine(day: Any, at: time | None) -> datetime | None:
    """A date and a time typed in two boxes, as an aware datetime (local time)."""
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, at or time(9, 0)))


def choice_value(choices: Sequence[tuple[str, str]], value: str) -> str:
    return value if value in {k for k, _ in choices} else ""


class ContactForm(Form):
    """A contact that happened, or a visit planned for later."""

    planned = forms.TypedChoiceField(
        label="Has it happened?",
        choices=[("0", "Yes, record it"), ("1", "No, plan it for later")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="0",
        required=False,
    )
    kind = forms.ChoiceField(
        label="Kind of contact",
        choices=Contact.Kind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    on_date = DateField(label="Date")
    at_time = TimeField(label="Time", help_text="For example, 14:30")
    duration_minutes = forms.IntegerField(
        label="How long (minutes)",
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4", "inputmode": "numeric"}),
        error_messages={"invalid": "Enter the number of minutes, like 45"},
    )
    person = forms.ChoiceField(label="Who was it mainly with?", required=False)
    service = forms.ChoiceField(label="For which service (optional)", required=False)
    notes = forms.CharField(
        label="Notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What was discussed and agreed. Only staff who may see special category data can read them.",
    )

    def __init__(
        self,
        *args: Any,
        members: Iterable[Any] = (),
        services: Iterable[Any] = (),
        workers: Iterable[Any] = (),
        show_notes: bool = True,
        completing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "person", person_choices(members))
        set_choices(self, "service", object_choices(services, "Not for a particular service"))
        if not show_notes:
            del self.fields["notes"]
        if completing:
            del self.fields["planned"]
        worker_choices = staff_choices(workers, "Nobody in particular")
        for i in range(FOLLOW_UP_SLOTS):
            self.fields[f"follow_up_{i}_description"] = forms.CharField(
                label="Action", required=False, max_length=300
            )
            self.fields[f"follow_up_{i}_due_on"] = DateField(label="Due")
            self.fields[f"follow_up_{i}_assigned_to"] = forms.ChoiceField(
                label="Who will do it", required=False, choices=worker_choices
            )

    @property
    def main_fields(self) -> list[Any]:
        return [f for f in self.visible_fields() if not f.name.startswith("follow_up_")]

    @property
    def follow_up_rows(self) -> list[list[Any]]:
        return [
            [self[f"follow_up_{i}_{part}"] for part in ("description", "due_on", "assigned_to")]
            for i in range(FOLLOW_UP_SLOTS)
        ]

    def occurred_at(self) -> datetime | None:
        return combine(self.cleaned_data.get("on_date"), self.cleaned_data.get("at_time"))


class ReasonForm(Form):
    reason = forms.CharField(
        label="Reason", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AllocationForm(Form):
    replaces = forms.ChoiceField(label="Allocation", required=False)
    worker = forms.ChoiceField(label="Worker", required=False)
    team = forms.ChoiceField(label="Team", required=False)
    service = forms.ChoiceField(label="Service (optional)", required=False)
    single_point_of_contact = forms.BooleanField(
        label="This worker is the family's single point of contact",
        required=False,
        help_text="The person the family deals with first, across every service. Only one per family.",
    )
    review_due_on = DateField(label="Next review due (optional)")
    reason = forms.CharField(
        label="Why (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        allocations: Iterable[Any] = (),
        workers: Iterable[Any] = (),
        teams: Iterable[Any] = (),
        services: Iterable[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "replaces",
            [
                ("", "A new allocation"),
                *((str(a.uuid), f"Re-allocate: {a.label}") for a in allocations),
            ],
        )
        set_choices(self, "worker", staff_choices(workers, "Choose a worker"))
        set_choices(self, "team", object_choices(teams, "No team"))
        set_choices(self, "service", object_choices(services, "Not for a particular service"))


class CloseAllocationForm(Form):
    allocation = forms.ChoiceField(label="Allocation to close", required=False)
    reason = forms.CharField(
        label="Why is it closing?", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, allocations: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "allocation",
            [("", "Choose an allocation")] + [(str(a.uuid), a.label) for a in allocations],
        )


class ReferralForm(Form):
    direction = forms.ChoiceField(
        label="Which way?",
        choices=[
            ("out", "We are referring the family to another organisation"),
            ("in", "Another agency referred the family to us"),
        ],
        widget=forms.RadioSelect,
        initial="out",
        required=False,
    )
    kind = forms.ChoiceField(
        label="Referral or signposting?",
        choices=Referral.Kind.choices,
        widget=forms.RadioSelect,
        initial=Referral.Kind.REFERRAL,
        required=False,
    )
    service = forms.ChoiceField(label="Service", required=False)
    to_organisation = forms.ChoiceField(
        label="Refer to",
        required=False,
        help_text="Only an organisation that delivers the service can receive the referral",
    )
    from_organisation = forms.ChoiceField(label="Referred by (agency)", required=False)
    referrer_name = forms.CharField(
        label="Who referred (optional)",
        required=False,
        max_length=150,
        help_text="For a referral to us: for example, 'Sam Patel, health visitor'",
    )
    person = forms.ChoiceField(label="Who is referred?", required=False)
    reason = forms.CharField(
        label="Reason for the referral",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the family would like help with. Shown to the receiving organisation.",
    )
    agreed_by = forms.ChoiceField(label="Who in the family agreed?", required=False)
    agreed_on = DateField(label="When did they agree?")
    agreement_method = forms.ChoiceField(
        label="How did they agree?",
        choices=Referral.Agreement.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    referred_on = DateField(label="Date of the referral", help_text="Leave empty for today")

    def __init__(
        self,
        *args: Any,
        members: Iterable[Any] = (),
        services: Iterable[Any] = (),
        organisations: Iterable[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        members = list(members)
        orgs = list(organisations)
        set_choices(self, "service", object_choices(services, "Choose a service"))
        set_choices(self, "to_organisation", object_choices(orgs, "Choose an organisation"))
        set_choices(self, "from_organisation", object_choices(orgs, "Choose an agency"))
        set_choices(self, "person", person_choices(members))
        set_choices(self, "agreed_by", person_choices(members, "Choose who agreed"))


class AcceptForm(Form):
    worker = forms.ChoiceField(label="Who will work with the family?", required=False)
    team = forms.ChoiceField(label="Team", required=False)
    single_point_of_contact = forms.BooleanField(
        label="This worker becomes the family's single point of contact", required=False
    )
    review_due_on = DateField(label="First review due (optional)")

    def __init__(
        self, *args: Any, workers: Iterable[Any] = (), teams: Iterable[Any] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "worker", staff_choices(workers, "Choose a worker"))
        set_choices(self, "team", object_choices(teams, "No team"))


class OutcomeRecordForm(Form):
    kind = forms.ChoiceField(
        label="Is it a need, a strength or a goal?",
        choices=OutcomeRecord.Kind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    outcome = forms.ChoiceField(label="Outcome", required=False)
    description = forms.CharField(
        label="Describe it",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="In the family's words where possible",
    )
    person = forms.ChoiceField(label="About whom?", required=False)
    service = forms.ChoiceField(label="Service working on it (optional)", required=False)

    def __init__(
        self,
        *args: Any,
        outcomes: Iterable[Any] = (),
        members: Iterable[Any] = (),
        services: Iterable[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        for o in outcomes:
            groups.setdefault(o.framework.name, []).append((str(o.uuid), o.name))
        set_choices(self, "outcome", [("", "Choose an outcome"), *groups.items()])
        set_choices(self, "person", person_choices(members))
        set_choices(self, "service", object_choices(services, "Not for a particular service"))


class ReviewForm(Form):
    reviewed_on = DateField(label="Date of the review")
    service = forms.ChoiceField(label="Service (optional)", required=False)
    with_family = forms.CharField(
        label="Who took part", required=False, max_length=200, help_text="For example, mum and dad"
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    next_review_on = DateField(label="Next review due (optional)")

    def __init__(
        self,
        *args: Any,
        outcomes: Iterable[Any] = (),
        services: Iterable[Any] = (),
        show_notes: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "service", object_choices(services, "Not for a particular service"))
        if not show_notes:
            del self.fields["notes"]
        self.outcomes = list(outcomes)
        for o in self.outcomes:
            fw = o.framework
            self.fields[f"score_{o.pk}"] = forms.TypedChoiceField(
                label=o.name,
                required=False,
                coerce=int,
                empty_value=None,
                choices=[
                    ("", "Not scored"),
                    *((str(v), str(v)) for v in range(fw.scale_min, fw.scale_max + 1)),
                ],
                widget=forms.RadioSelect,
                help_text=f"{fw.scale_min} = {fw.scale_low_label}, {fw.scale_max} = {fw.scale_high_label}",
            )

    @property
    def score_fields(self) -> list[Any]:
        return [self[f"score_{o.pk}"] for o in self.outcomes]

    @property
    def main_fields(self) -> list[Any]:
        return [f for f in self.visible_fields() if not f.name.startswith("score_")]

    def scores(self) -> dict[Any, int | None]:
        return {o: self.cleaned_data.get(f"score_{o.pk}") for o in self.outcomes}


class FeedbackFormForm(Form):
    name = forms.CharField(label="Name of the form", required=False, max_length=150)
    service = forms.ChoiceField(label="Service", required=False)
    introduction = forms.CharField(
        label="Introduction (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown to the parent above the questions. Do not put anyone's details here.",
    )

    def __init__(self, *args: Any, services: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "service", object_choices(services, "Choose a service"))


class FeedbackFormEditForm(Form):
    name = forms.CharField(label="Name of the form", required=False, max_length=150)
    introduction = forms.CharField(
        label="Introduction (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    active = forms.BooleanField(label="Open for answers", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class QuestionForm(Form):
    text = forms.CharField(label="Question", required=False, max_length=300)
    kind = forms.ChoiceField(
        label="Kind of answer",
        choices=FeedbackQuestion.Kind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    choices = forms.CharField(
        label="Answers to choose from",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For 'one answer from a list': one answer per line",
    )
    scale_min = forms.IntegerField(label="Scale from", required=False, initial=1, min_value=0)
    scale_max = forms.IntegerField(label="Scale to", required=False, initial=5, min_value=1)
    scale_low_label = forms.CharField(
        label="Meaning of the lowest score (optional)", required=False, max_length=80
    )
    scale_high_label = forms.CharField(
        label="Meaning of the highest score (optional)", required=False, max_length=80
    )
    required = forms.BooleanField(label="An answer is required", required=False, initial=True)


class AnswerForm(Form):
    """The questions of a feedback form, as a form: `q_<question id>` per question."""

    def __init__(
        self, *args: Any, questions: Iterable[FeedbackQuestion] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for q in questions:
            name = f"q_{q.pk}"
            label = q.text + ("" if q.required else " (optional)")
            if q.kind == FeedbackQuestion.Kind.SCALE:
                hint = " ".join(
                    p
                    for p in (
                        f"{q.scale_min} = {q.scale_low_label}." if q.scale_low_label else "",
                        f"{q.scale_max} = {q.scale_high_label}." if q.scale_high_label else "",
                    )
                    if p
                )
                self.fields[name] = forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=[(str(v), str(v)) for v in q.scale_values],
                    widget=forms.RadioSelect,
                    help_text=hint,
                    error_messages={
                        "invalid_choice": f"Choose a score from {q.scale_min} to {q.scale_max}"
                    },
                )
                self.fields[name].inline = True  # type: ignore[attr-defined]
            elif q.kind == FeedbackQuestion.Kind.CHOICE:
                self.fields[name] = forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=[(c, c) for c in q.choice_list],
                    widget=forms.RadioSelect,
                    error_messages={"invalid_choice": "Choose one of the answers"},
                )
            else:
                self.fields[name] = forms.CharField(
                    label=label, required=False, widget=forms.Textarea(attrs={"rows": 4})
                )
            self.fields[name].hide_optional = True  # type: ignore[attr-defined]


class LinkForm(Form):
    person = forms.ChoiceField(label="Who is it for?", required=False)
    days = forms.IntegerField(
        label="Works for (days)",
        required=False,
        initial=14,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )

    def __init__(self, *args: Any, members: Iterable[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if members is None:
            del self.fields["person"]
        else:
            set_choices(self, "person", person_choices(members, "Anyone (not linked to a person)"))


class FeedbackStartForm(Form):
    form = forms.ChoiceField(label="Form", required=False)
    person = forms.ChoiceField(label="Who is giving feedback?", required=False)

    def __init__(
        self, *args: Any, forms_: Iterable[Any] = (), members: Iterable[Any] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "form",
            [("", "Choose a form")]
            + [(str(f.uuid), f"{f.name} ({f.service.name})") for f in forms_],
        )
        set_choices(self, "person", person_choices(members, "Choose who"))


class EnquiryForm(Form):
    kind = forms.ChoiceField(
        label="Enquiry or complaint?",
        choices=Enquiry.Kind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    received_on = DateField(label="Date received")
    channel = forms.ChoiceField(
        label="How was it received?",
        choices=Enquiry.Channel.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    from_name = forms.CharField(label="From (name)", required=False, max_length=150)
    from_contact = forms.CharField(
        label="Their contact details (optional)",
        required=False,
        max_length=200,
        help_text="Phone, e-mail or address, to reply to",
    )
    about = forms.CharField(label="What is it about?", required=False, max_length=200)
    details = forms.CharField(
        label="Details (optional)", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    service = forms.ChoiceField(label="Service concerned (optional)", required=False)

    def __init__(self, *args: Any, services: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "service", object_choices(services, "Not about a particular service"))


class EnquiryUpdateForm(Form):
    status = forms.ChoiceField(
        label="Status", choices=Enquiry.Status.choices, widget=forms.RadioSelect, required=False
    )
    acknowledged_on = DateField(label="Acknowledged on")
    outcome = forms.ChoiceField(
        label="Outcome", choices=[("", "Not yet"), *Enquiry.Result.choices], required=False
    )
    outcome_details = forms.CharField(
        label="What was done", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    resolved_on = DateField(label="Resolved on")
    version = forms.IntegerField(widget=forms.HiddenInput)


class MailingOrganisationForm(Form):
    name = forms.CharField(label="Organisation", required=False, max_length=200)
    by_email = forms.BooleanField(label="By email", required=False)
    email = forms.EmailField(
        label="Shared email address",
        required=False,
        help_text="The organisation's own address (info@, office@), not a person's",
        error_messages={"invalid": "Enter an email address, like office@nursery.example"},
    )
    by_post = forms.BooleanField(label="By post", required=False)
    address = forms.CharField(
        label="Postal address", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    topics = forms.MultipleChoiceField(
        label="What they want to hear about",
        choices=MailingOrganisation.Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
