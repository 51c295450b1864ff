"""The agreement form (R-SHARE-1). The rules live in `sharing.services.agreements`."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from familyhub.people.forms import DATE_FORMATS, DATE_WIDGET
from familyhub.places.models import Organisation
from familyhub.privacy.models import LawfulBasis, Purpose
from familyhub.sharing import items as vocabulary
from familyhub.sharing.models import Frequency, Level
from familyhub.sharing.sdc import rule_set_names


def _date(label: str, *, required: bool) -> forms.DateField:
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


def _items_choices() -> list[tuple[str, str]]:
    return [
        (code, f"{item.label} ({item.kind.value}, {item.level.value})")
        for code, item in vocabulary.ITEMS.items()
    ]


class AgreementForm(forms.Form):
    reference = forms.CharField(
        label="Reference", max_length=40, required=False, help_text="For example DSA-2026-04"
    )
    title = forms.CharField(label="Title", max_length=200, required=False)
    recipient = forms.CharField(
        label="Recipient organisation",
        max_length=200,
        required=False,
        help_text="As the agreement names it. Left empty, the organisation chosen below is used",
    )
    recipient_organisation = forms.ChoiceField(
        label="Recipient's organisation in familyhub (optional)",
        required=False,
        help_text="Choose it when the recipient is one of the organisations familyhub knows",
        error_messages={
            "invalid_choice": "Choose the recipient's organisation from the list, or none"
        },
    )
    purpose = forms.CharField(
        label="What the recipient uses the data for",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    level = forms.ChoiceField(
        label="How identifiable", choices=Level.choices, required=False, widget=forms.RadioSelect
    )
    data_items = forms.MultipleChoiceField(
        label="Data items it covers",
        choices=_items_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each item may leave only at its level or a more identifiable one",
    )
    lawful_basis = forms.ChoiceField(
        label="Lawful basis",
        choices=[("", "Choose"), *LawfulBasis.choices],
        required=False,
    )
    basis_detail = forms.CharField(
        label="Lawful basis: details", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    consent_purpose = forms.ChoiceField(
        label="Consent purpose people must have agreed to",
        required=False,
        help_text="Needed when the lawful basis is consent: only people who consented are included",
    )
    frequency = forms.ChoiceField(
        label="How often", choices=[("", "Choose"), *Frequency.choices], required=False
    )
    starts_on = _date("Start date", required=False)
    ends_on = _date("End date", required=False)
    responsible_name = forms.CharField(label="Responsible person", max_length=150, required=False)
    responsible_email = forms.EmailField(
        label="Responsible person's email",
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.org"},
    )
    rule_set = forms.ChoiceField(
        label="Disclosure control rule set",
        choices=[(n, n) for n in rule_set_names()],
        required=False,
        initial="round-5-suppress-1-7",
    )
    k_threshold = forms.IntegerField(label="k-anonymity threshold", required=False, initial=5)
    l_threshold = forms.IntegerField(label="l-diversity threshold", required=False, initial=2)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(
        label="Why this change (kept in the history)", required=False, max_length=300
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["consent_purpose"]).choices = [("", "None")] + [
            (p.code, p.name) for p in Purpose.objects.filter(active=True).order_by("name")
        ]
        cast(forms.ChoiceField, self.fields["recipient_organisation"]).choices = [
            ("", "None: not an organisation in familyhub")
        ] + [
            (str(o.uuid), f"{o.name} ({o.get_kind_display().lower()})")
            for o in Organisation.objects.filter(active=True).order_by("name")
        ]
        if not editing:
            del self.fields["reason"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["consent_purpose"] = data.get("consent_purpose") or None
        data["recipient_organisation"] = data.get("recipient_organisation") or None
        for name in ("k_threshold", "l_threshold"):
            if data.get(name) is None:
                data.pop(name, None)
        if not data.get("rule_set"):
            data.pop("rule_set", None)
        return data


def initial_from(agreement: Any) -> dict[str, Any]:
    from familyhub.sharing.services.agreements import EDITABLE

    out = {name: getattr(agreement, name) for name in EDITABLE}
    out["consent_purpose"] = agreement.consent_purpose.code if agreement.consent_purpose else ""
    org = agreement.recipient_organisation
    out["recipient_organisation"] = str(org.uuid) if org is not None else ""
    return out


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label="Why it is suspended",
        max_length=300,
        error_messages={"required": "Say why the agreement is suspended"},
    )


class ResumeForm(forms.Form):
    reason = forms.CharField(label="Why it is resumed (optional)", max_length=300, required=False)
