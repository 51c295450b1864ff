"""Forms of the rights pages. They parse what was typed; `rights.services` decides what is valid and
its field errors are put back on these forms (`people.forms.apply_errors`), so the rules live in
one place."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from familyhub.people.forms import DATE_FORMATS, DATE_WIDGET
from familyhub.rights.models import (
    DisclosureRecord,
    ExtensionGrounds,
    IdentityMethod,
    Outcome,
    ReceivedVia,
    RequesterKind,
    RequestKind,
    RequestPause,
)

TEXTAREA = forms.Textarea(attrs={"rows": 3})


def _date(label: str, *, required: bool = False, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DATE_WIDGET,
        input_formats=DATE_FORMATS,
        help_text=help_text or "For example, 27/3/2026",
        error_messages={
            "invalid": "Enter a real date, like 27/3/2026",
            "required": f"Enter the {label.lower()}",
        },
    )


def _text(label: str, *, required: bool = False, help_text: str = "", area: bool = False) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=TEXTAREA if area else forms.TextInput(),
        max_length=None if area else 200,
    )


def _choice(label: str, choices: Any, *, radio: bool = True, help_text: str = "") -> Any:
    return forms.ChoiceField(
        label=label,
        choices=list(choices),
        required=False,
        help_text=help_text,
        widget=forms.RadioSelect if radio else forms.Select,
    )


class _Optional(forms.Form):
    """Every field optional at the form: the service names what is missing, in words."""


class RequestForm(_Optional):
    """The DPO records a request as received (whom it is about is found next)."""

    kind = _choice("What did they ask for?", RequestKind.choices)
    received_on = _date("Date received", help_text="The day any member of staff received it")
    received_via = _choice(
        "How did it arrive?", [("", "Choose"), *ReceivedVia.choices], radio=False
    )
    requester_kind = _choice("Who made the request?", RequesterKind.choices)
    requester_name = _text(
        "Name of the person who made it", help_text="If a parent, carer or representative asked"
    )
    requester_relationship = _text(
        "Their relationship to the person", help_text="For example mother, solicitor, aunt"
    )
    description = _text("What they asked for", area=True, help_text="In their words if you can")
    reply_to = _text("Where to send the answer", area=True, help_text="Postal or email address")


class IdentityFields(_Optional):
    identity_method = _choice("How was their identity checked?", IdentityMethod.choices)
    identity_evidence = _text(
        "What was seen or checked",
        area=True,
        help_text="For example 'passport seen in person at Bulwell children's centre'",
    )
    authority_evidence = _text(
        "What shows they may act for the person",
        area=True,
        help_text="Only for a parent, carer or representative: for example a birth certificate "
        "naming them, or a signed letter of authority",
    )


class IdentityForm(IdentityFields):
    pass


class DoorRequestForm(RequestForm, IdentityFields):
    """A front-line worker writes down a request made to them about a family they work with."""

    person = forms.ChoiceField(
        label="Who is the request about?",
        required=False,
        error_messages={"invalid_choice": "Choose whom the request is about, from this family."},
    )
    requester_person = forms.ChoiceField(
        label="Which parent or carer asked?",
        required=False,
        help_text="If a parent or carer asked for their child",
        error_messages={"invalid_choice": "Choose the parent or carer from this family."},
    )
    identity_checked = forms.BooleanField(
        label="I checked who they are when they asked",
        required=False,
        help_text="Only if you saw proof or know them: otherwise the DPO checks it",
    )

    def __init__(self, *args: Any, people: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(p.uuid), p.display_name) for p in people]
        person = cast(forms.ChoiceField, self.fields["person"])
        person.choices = choices
        person.widget = forms.RadioSelect(choices=choices)
        parent = cast(forms.ChoiceField, self.fields["requester_person"])
        parent.choices = [("", "Not one of them, or not known"), *choices]
        parent.widget = forms.Select(choices=parent.choices)
        self.fields["received_via"].initial = ReceivedVia.IN_PERSON


class FinderForm(_Optional):
    nhs_number = _text("NHS number", help_text="10 digits, like 999 000 0018")
    family_name = _text("Last name")
    given_name = _text("First name")
    date_of_birth = _date("Date of birth", help_text="Or expected date of delivery")
    postcode = _text("Postcode")


class PauseForm(_Optional):
    reason = _choice("What are you waiting for?", RequestPause.Reason.choices)
    note = _text("What you asked them for", area=True)
    started_on = _date("Date you asked", help_text="Leave empty for today")


class ResumeForm(_Optional):
    ended_on = _date("Date their answer arrived", help_text="Leave empty for today")


class ExtensionForm(_Optional):
    months = forms.TypedChoiceField(
        label="Extend by",
        choices=[("1", "One further month"), ("2", "Two further months")],
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    grounds = _choice("Why", ExtensionGrounds.choices)
    reason = _text("The reason, as you will tell them", area=True)


class RecipientsToldForm(_Optional):
    told_on = _date("Date you told them")
    note = _text("Whom you told, and how", area=True)


class CloseForm(_Optional):
    outcome = _choice("Outcome", Outcome.choices)
    outcome_note = _text("What was done and what they were told", area=True)
    refusal_reasons = _text(
        "Reasons for refusing",
        area=True,
        help_text="If refused in whole or in part: the exemption relied on",
    )
    no_challenge_note = forms.BooleanField(
        label="They did not want a note of their challenge on their record",
        required=False,
        help_text="For a correction not made: otherwise record their challenge, with their "
        "statement, from the request's page",
    )


class ChallengeForm(_Optional):
    """What the person says is wrong, and their statement (rights.services.accuracy)."""

    target = forms.ChoiceField(
        label="What do they say is wrong?",
        required=False,
        help_text="Their details as a whole, one detail, or the record of a contact or a need",
    )
    statement = _text(
        "Their statement",
        area=True,
        help_text="What they say is wrong and why, in their own words: it is shown with the "
        "record and is part of their data",
    )
    received_on = _date("Date they told us")

    def __init__(self, *args: Any, targets: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["target"])
        field.choices = [("", "Choose"), *targets]


class ChallengeDecisionForm(_Optional):
    """What was decided about a challenge."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    outcome = _choice(
        "Was the record corrected?",
        [
            ("corrected", "Yes: the record was corrected"),
            ("not_corrected", "No: the record stays as it is, with their statement beside it"),
        ],
    )
    reason = _text(
        "What was corrected, or why not",
        area=True,
        help_text="If not corrected: the reason, as you told them, and that they may complain to "
        "the Information Commissioner's Office",
    )


class ReasonForm(_Optional):
    reason = _text("Reason", area=True)


class PurposeForm(_Optional):
    purpose = forms.ChoiceField(label="Which use of their data", required=False)

    def __init__(self, *args: Any, purposes: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["purpose"])
        field.choices = [("", "Choose"), *((p.code, p.name) for p in purposes)]


class ObjectionDecisionForm(_Optional):
    decision = _choice(
        "Decision",
        [
            ("upheld", "Uphold the objection: stop using their data for this"),
            ("overridden", "Continue: there are compelling legitimate grounds"),
        ],
    )
    compelling_grounds = _text("The compelling legitimate grounds", area=True)


class ReleaseForm(_Optional):
    recipient = _text("Who receives the pack")
    recipient_kind = _choice("They are", DisclosureRecord.RecipientKind.choices)
    channel = _text("How it is sent", help_text="For example 'by secure email' or 'collected'")


def review_form_fields(
    items: list[dict[str, Any]], decided: dict[str, Any]
) -> list[dict[str, Any]]:
    """The review page's rows: each flagged item with its current decision and reason."""
    rows = []
    for item in items:
        d = decided.get(item["item"])
        rows.append(
            {
                **item,
                "decision": d.decision if d else "",
                "reason": d.reason if d else "",
                "decided_by": d.decided_by if d else None,
                "decided_at": d.decided_at if d else None,
            }
        )
    return rows


__all__ = [
    "ChallengeDecisionForm",
    "ChallengeForm",
    "CloseForm",
    "DoorRequestForm",
    "ExtensionForm",
    "FinderForm",
    "IdentityForm",
    "ObjectionDecisionForm",
    "PauseForm",
    "PurposeForm",
    "ReasonForm",
    "ReleaseForm",
    "RequestForm",
    "ResumeForm",
    "review_form_fields",
]
