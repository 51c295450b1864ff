"""Forms for recording consent and contact preferences (R-CONSENT-2, R-CONSENT-4).

They parse what was typed; `privacy.services` decides what is valid and names the field of each
problem, which `people.forms.apply_errors` puts back here (one set of rules). Field names are the
services' error keys: `<person uuid>-<purpose code>` for one answer, `given_by-<person uuid>` for
who answered for a child, `decided_on`, `method`, `evidence`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from django import forms
from django.forms.boundfield import BoundField

from familyhub.people.forms import DateField
from familyhub.people.models import Person
from familyhub.privacy.models import (
    Consent,
    ConsentMethod,
    ConsentState,
    ContactPreference,
    PrivacyNotice,
    Purpose,
)
from familyhub.privacy.services import CHANNEL_FIELDS, Answer

NOT_ASKED = ""
ANSWER_CHOICES = [
    (ConsentState.GIVEN, "Yes"),
    (ConsentState.REFUSED, "No"),
    (NOT_ASKED, "Not asked"),
]
EVIDENCE_HELP = (
    "A scan or photo of the signed form: PDF, JPEG, PNG or TIFF, up to 10 MB. "
    "One file covers every answer saved here."
)


def answer_name(person: Person, purpose: Purpose) -> str:
    return f"{person.uuid}-{purpose.code}"


def given_by_name(person: Person) -> str:
    return f"given_by-{person.uuid}"


@dataclass
class GridCell:
    purpose: Purpose
    field: BoundField
    current: Consent | None


@dataclass
class GridRow:
    person: Person
    cells: list[GridCell] = field(default_factory=list)
    given_by: BoundField | None = None
    parents: list[Person] = field(default_factory=list)
    needs_parent: bool = False


class HouseholdConsentForm(forms.Form):
    """Every consent purpose for every member of a household, on one screen (R-CONSENT-2).

    'Not asked' (the default) saves nothing for that person and purpose, so an existing answer is
    left as it is.
    """

    decided_on = DateField(
        label="When were the answers given?",
        required=True,
        error_messages={
            "required": "Enter the date the answers were given",
            "invalid": "Enter a real date, like 27/3/2024",
        },
    )
    method = forms.ChoiceField(
        label="How were the answers given?",
        choices=ConsentMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the answers were given"},
    )
    notice = forms.TypedChoiceField(
        label="Which version of the privacy notice did they see?",
        coerce=int,
        required=False,
        empty_value=None,
    )
    evidence = forms.FileField(
        label="Scan of the paper form", required=False, help_text=EVIDENCE_HELP
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example, 'Asked at Stay and Play, mum answered for both children'.",
    )

    def __init__(
        self,
        *args: Any,
        people: Sequence[Person],
        purposes: Sequence[Purpose],
        parents: Mapping[int, list[Person]],
        current: Mapping[tuple[int, int], Consent],
        notices: Sequence[PrivacyNotice],
        today: date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people, self.purposes, self.parents = list(people), list(purposes), parents
        self.current = current
        self.initial.setdefault("decided_on", today)
        notice_field = cast(forms.ChoiceField, self.fields["notice"])
        notice_field.choices = [
            (n.version, f"Version {n.version}, published {n.published_at:%d/%m/%Y}")
            for n in notices
        ] or [("", "No privacy notice has been published yet")]
        if notices:
            self.initial.setdefault("notice", notices[0].version)
        self.fields["notice"].help_text = "The latest version is chosen for you."
        for person in self.people:
            for purpose in self.purposes:
                self.fields[answer_name(person, purpose)] = forms.ChoiceField(
                    label=f"{person.display_name}: {purpose.name}",
                    choices=ANSWER_CHOICES,
                    widget=forms.RadioSelect,
                    required=False,
                    initial=NOT_ASKED,
                )
            if parents.get(person.pk):
                choices = [(str(p.uuid), p.display_name) for p in parents[person.pk]]
                self.fields[given_by_name(person)] = answered_by = forms.ChoiceField(
                    label=f"Who answered for {person.display_name}?",
                    help_text="Someone with parental responsibility. Needed when you record an "
                    "answer for them.",
                    choices=choices,
                    widget=forms.RadioSelect,
                    required=False,
                    initial=choices[0][0] if len(choices) == 1 else None,
                    error_messages={
                        "invalid_choice": "Choose someone with parental responsibility for "
                        f"{person.display_name} from the list"
                    },
                )
                answered_by.hide_optional = True  # type: ignore[attr-defined]
        # Page order (the grid comes first), so the error summary lists problems in that order.
        grid = [n for n in self.fields if n not in self.COMMON]
        self.order_fields([*grid, *self.COMMON])

    COMMON = ("decided_on", "method", "notice", "evidence", "note")

    def rows(self) -> list[GridRow]:
        out = []
        for person in self.people:
            row = GridRow(
                person,
                parents=list(self.parents.get(person.pk, [])),
                needs_parent=person.pk in self.parents,
            )
            for purpose in self.purposes:
                row.cells.append(
                    GridCell(
                        purpose,
                        self[answer_name(person, purpose)],
                        self.current.get((person.pk, purpose.pk)),
                    )
                )
            if given_by_name(person) in self.fields:
                row.given_by = self[given_by_name(person)]
            out.append(row)
        return out

    def answers(self) -> list[Answer]:
        """Yes and No answers to save (call after is_valid); 'Not asked' cells are left out."""
        out = []
        for person in self.people:
            parent = None
            key = given_by_name(person)
            if self.cleaned_data.get(key):
                parent = next(
                    (p for p in self.parents[person.pk] if str(p.uuid) == self.cleaned_data[key]),
                    None,
                )
            for purpose in self.purposes:
                state = self.cleaned_data.get(answer_name(person, purpose)) or NOT_ASKED
                if state != NOT_ASKED:
                    out.append(Answer(person, purpose, state, parent))
        return out

    def notice_object(self, notices: Sequence[PrivacyNotice]) -> PrivacyNotice | None:
        version = self.cleaned_data.get("notice")
        return next((n for n in notices if n.version == version), None)


class WithdrawForm(forms.Form):
    """Withdraw one consent: which (unless the link named it), when, and a note (R-CONSENT-2)."""

    purpose = forms.ChoiceField(
        label="Which consent is withdrawn?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the consent that is withdrawn"},
    )
    withdrawn_on = DateField(
        label="When was it withdrawn?",
        required=True,
        error_messages={
            "required": "Enter the date consent was withdrawn",
            "invalid": "Enter a real date, like 27/3/2024",
        },
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example, 'Phoned to say they no longer want the newsletter'.",
    )

    def __init__(self, *args: Any, consents: Sequence[Consent], today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["purpose"]).choices = [
            (c.purpose.code, f"{c.purpose.name} (given on {c.decided_on:%d/%m/%Y})")
            for c in consents
        ]
        self.initial.setdefault("withdrawn_on", today)


CHANNEL_CHOICES = [
    ("by_phone", "Phone call"),
    ("by_text", "Text message"),
    ("by_email", "Email"),
    ("by_post", "Post"),
]


class ContactPreferenceForm(forms.Form):
    """Whether, how and about what a person agreed to be contacted (R-CONSENT-4)."""

    agreed = forms.ChoiceField(
        label="Did they agree to be contacted?",
        choices=ContactPreference.Agreed.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether they agreed to be contacted"},
    )
    channels = forms.MultipleChoiceField(
        label="How may we contact them?",
        choices=CHANNEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Only if they agreed. Select all that apply.",
    )
    topics = forms.MultipleChoiceField(
        label="What may we contact them about?",
        choices=ContactPreference.Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Only if they agreed. Select all that apply.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @staticmethod
    def initial_for(pref: ContactPreference | None) -> dict[str, Any]:
        if pref is None:
            return {}
        return {
            "agreed": pref.agreed,
            "channels": [name for name in CHANNEL_FIELDS if getattr(pref, name)],
            "topics": list(pref.topics),
            "version": pref.version,
        }

    def service_data(self) -> dict[str, Any]:
        chosen = set(self.cleaned_data.get("channels") or [])
        return {
            "agreed": self.cleaned_data.get("agreed", ""),
            **{name: name in chosen for name in CHANNEL_FIELDS},
            "topics": list(self.cleaned_data.get("topics") or []),
        }
