"""Forms of the extract, disclosure log and reach pages (R-SHARE-3..6). They parse what was typed;
`sharing.services.extracts` / `.disclosures` decide what is valid (field errors come back through
`people.forms.apply_errors`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from familyhub.people.forms import DATE_FORMATS, DATE_WIDGET
from familyhub.rights.models import DisclosureRecord
from familyhub.sharing import items as vocabulary
from familyhub.sharing.models import Agreement, Level
from familyhub.sharing.services.disclosures import HAND_KINDS
from familyhub.sharing.services.extracts import (
    DEPERSONALISED_FIELDS,
    IDENTIFIABLE_FIELDS,
    SENSITIVE_FIELDS,
    Population,
)


def _date(label: str, *, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DATE_WIDGET,
        input_formats=DATE_FORMATS,
        help_text="For example, 1/4/2026",
        error_messages={
            "invalid": "Enter a real date, like 1/4/2026",
            "required": f"Enter the {label.lower()}",
        },
    )


def _agreements(level: str | None = None) -> list[tuple[str, str]]:
    qs = Agreement.objects.filter(suspended_at__isnull=True).order_by("reference")
    if level:
        qs = qs.filter(level=level)
    return [("", "Choose an agreement")] + [(a.reference, str(a)) for a in qs]


class ExtractForm(forms.Form):
    level = forms.ChoiceField(
        label="Kind of extract",
        widget=forms.RadioSelect,
        required=False,
        choices=[
            (Level.DEPERSONALISED, "De-personalised (pseudonyms, generalised, risk-checked)"),
            (Level.IDENTIFIABLE, "Identifiable (encrypted ZIP with a one-time password)"),
        ],
    )
    agreement = forms.ChoiceField(label="Data sharing agreement", required=False)
    population = forms.ChoiceField(
        label="Who is in it", widget=forms.RadioSelect, choices=Population.CHOICES, required=False
    )
    items = forms.MultipleChoiceField(
        label="Data items",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Only items the agreement lists can be chosen: anything else is refused.",
        choices=[
            (
                c,
                f"{vocabulary.label(c)}"
                + (" (identifiable only)" if c not in DEPERSONALISED_FIELDS else "")
                + (" (de-personalised only)" if c not in IDENTIFIABLE_FIELDS else ""),
            )
            for c in dict.fromkeys(DEPERSONALISED_FIELDS + IDENTIFIABLE_FIELDS)
        ],
    )
    sensitive = forms.ChoiceField(
        label="Sensitive column for l-diversity",
        required=False,
        help_text="Left empty: the first of services, attendances and visits that is chosen.",
        choices=[("", "Automatic")] + [(c, vocabulary.label(c)) for c in SENSITIVE_FIELDS],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agreement"].choices = _agreements()  # type: ignore[attr-defined]


class DisclosureForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of disclosure",
        widget=forms.RadioSelect,
        required=False,
        choices=[(k.value, k.label) for k in HAND_KINDS],
    )
    recipient = forms.CharField(label="Disclosed to", max_length=200, required=False)
    recipient_kind = forms.ChoiceField(
        label="Who received it",
        required=False,
        choices=[("", "Choose"), *list(DisclosureRecord.RecipientKind.choices)],
    )
    what = forms.CharField(
        label="What was disclosed",
        max_length=300,
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )
    legal_basis = forms.CharField(
        label="Legal basis",
        max_length=200,
        required=False,
        help_text="For example: Children Act 1989 s.47 enquiry; court order reference",
    )
    channel = forms.CharField(label="How it was sent", max_length=100, required=False)
    disclosed_on = _date("Date of the disclosure")
    people = forms.CharField(
        label="People whose data was disclosed",
        required=False,
        widget=forms.Textarea({"rows": 4}),
        help_text="One a line: an NHS number, or 'Last name, dd/mm/yyyy'.",
    )
    agreement = forms.ChoiceField(label="Agreement (if any)", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"disclosed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["agreement"].choices = [("", "None"), *_agreements()[1:]]  # type: ignore[attr-defined]


class LogFilterForm(forms.Form):
    recipient = forms.CharField(label="Recipient", required=False, max_length=200)
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "Any"), *list(DisclosureRecord.Kind.choices)]
    )
    agreement = forms.CharField(label="Agreement reference", required=False, max_length=40)
    date_from = _date("From")
    date_to = _date("To")
    person = forms.CharField(label="Person's name", required=False, max_length=100)


class ReachForm(forms.Form):
    agreement = forms.ChoiceField(
        label="Agreement (its disclosure control rule set is applied)", required=False
    )
    date_from = _date("Engaged from")
    date_to = _date("Engaged to")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agreement"].choices = _agreements()  # type: ignore[attr-defined]
