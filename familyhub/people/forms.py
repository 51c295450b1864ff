"""Forms for the staff UI. They parse what was typed; the services decide what is valid, and their
field errors are put back on these forms (`apply_errors`), so the rules live in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms

from familyhub.people import choices as c
from familyhub.people.models import Person
from familyhub.people.services import PERSON_FIELDS, SPECIAL_CATEGORY_FIELDS
from familyhub.places.models import EthnicityCategory, Ward

DATE_WIDGET = forms.DateInput(format="%d/%m/%Y", attrs={"autocomplete": "off"})
DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%Y-%m-%d", "%d %m %Y", "%d.%m.%Y"]


def apply_errors(form: forms.BaseForm, errors: Mapping[str, list[str]], prefix: str = "") -> None:
    """Put a service's field errors on the form; unknown fields become form-level errors.

    A field that already has an error (from parsing what was typed) keeps only that one.
    """
    for key, messages in errors.items():
        name = key[len(prefix) :] if prefix and key.startswith(prefix) else key
        target = name if name in form.fields else None
        if target and form.errors.get(target):
            continue
        for message in messages:
            form.add_error(target, message)


def check_person_form(form: PersonForm, role: str | None = None) -> dict[str, Any]:
    """Parse the form and run the service's rules over what parsed, so that every problem shows
    at once; returns the data for the service (meaningful only when the form has no errors)."""
    from familyhub.core.errors import ValidationFailed
    from familyhub.people.services import clean_person_data

    form.is_valid()
    data = form.service_data()
    person_data = {
        k: v
        for k, v in data.items()
        if k not in ("role", "lives_here", "confirmed_new", "version", "reason")
    }
    try:
        clean_person_data(
            person_data,
            existing=form.instance if form.instance.pk else None,
            role=role or data.get("role"),
        )
    except ValidationFailed as e:
        apply_errors(form, e.errors)
    return data


def _role_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=c.MemberRole.choices,
        widget=forms.RadioSelect,
        label="Role in the household",
        error_messages={"required": "Choose the person's role in the household"},
    )


def _lives_here_field(**kwargs: Any) -> forms.BooleanField:
    return forms.BooleanField(required=False, label="Lives at this address", **kwargs)


class DateField(forms.DateField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", DATE_WIDGET)
        kwargs.setdefault("input_formats", DATE_FORMATS)
        kwargs.setdefault("error_messages", {"invalid": "Enter a real date, like 27/3/2024"})
        super().__init__(**kwargs)


class PersonForm(forms.ModelForm):
    """Every detail of a person, in the order a worker asks; equality data only for those allowed."""

    date_of_birth = DateField(label="Date of birth")
    expected_date_of_delivery = DateField(
        label="Expected date of delivery", help_text="For an unborn child. For example, 27/3/2027"
    )
    ethnicity = forms.ModelChoiceField(
        queryset=EthnicityCategory.objects.all(),
        required=False,
        empty_label="Not asked",
        label="Ethnic group",
        help_text="ONS 2021 categories. 'Prefer not to say' is different from 'Not asked'",
    )
    nhs_number = forms.CharField(
        label="NHS number",
        required=False,
        max_length=14,
        help_text="10 digits, like 999 000 0018",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )

    class Meta:
        model = Person
        fields = PERSON_FIELDS  # the services' list: one place names a person's details
        labels = {
            "is_unborn": "This child is not born yet",
            "interpreter_needed": "Needs an interpreter",
            "phone": "Phone number",
            "email": "Email address",
        }
        widgets = {
            "housing_needs": forms.Textarea(attrs={"rows": 2}),
            "additional_needs": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, show_special: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not show_special:
            for name in SPECIAL_CATEGORY_FIELDS:
                self.fields.pop(name, None)
        for name in ("given_name", "family_name"):
            self.fields[name].required = False  # the service says what is missing, in words
            self.fields[name].hide_optional = True  # type: ignore[attr-defined]
        if self.instance.pk and self.instance.nhs_number and not self.is_bound:
            self.initial["nhs_number"] = self.instance.nhs_number

    def _post_clean(self) -> None:
        """No model validation here: the form never saves; the services validate (one set of rules)."""

    SECTIONS = [
        ("Name", ["given_name", "middle_names", "family_name", "known_as"]),
        ("Birth", ["is_unborn", "date_of_birth", "expected_date_of_delivery", "sex", "gender"]),
        ("Contact and health", ["phone", "email", "nhs_number", "gp_practice", "gp_practice_code"]),
        ("Language", ["main_language", "other_languages", "interpreter_needed"]),
        (
            "Circumstances",
            [
                "relationship_status",
                "employment_status",
                "education_status",
                "housing_status",
                "housing_needs",
            ],
        ),
        ("Equality and health (special category)", list(SPECIAL_CATEGORY_FIELDS)),
    ]

    # Asked when there is time: folded away in the registration flow unless they hold an error.
    MORE_SECTIONS = {"Language", "Circumstances", "Equality and health (special category)"}

    def sections(self) -> list[dict[str, Any]]:
        out = []
        for title, names in self.SECTIONS:
            fields = [self[n] for n in names if n in self.fields]
            if fields:
                out.append(
                    {
                        "title": title,
                        "fields": fields,
                        "more": title in self.MORE_SECTIONS,
                        "has_errors": any(f.errors for f in fields),
                    }
                )
        return out

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in self.fields}


class MemberForm(PersonForm):
    """A person being added to a household: their details plus their place in it."""

    role = _role_field()
    lives_here = _lives_here_field(
        initial=True, help_text="Untick for a parent who lives elsewhere, or an emergency contact"
    )
    confirmed_new = forms.BooleanField(required=False, widget=forms.HiddenInput)

    SECTIONS = [("Role", ["role", "lives_here"]), *PersonForm.SECTIONS]


class PersonEditForm(PersonForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason for the change",
        required=False,
        max_length=300,
        help_text="For example, 'Mum told us at the home visit'. Kept in the history.",
    )

    SECTIONS = [*PersonForm.SECTIONS, ("Why", ["reason"])]


class AddressForm(forms.Form):
    line1 = forms.CharField(label="Address line 1", max_length=150, required=False)
    line2 = forms.CharField(label="Address line 2", max_length=150, required=False)
    town = forms.CharField(
        label="Town or city", max_length=100, required=False, initial="Nottingham"
    )
    postcode = forms.CharField(
        label="Postcode",
        max_length=20,
        required=False,
        widget=forms.TextInput(
            attrs={"class": "govuk-input--width-10", "autocomplete": "postal-code"}
        ),
    )
    ward = forms.ModelChoiceField(
        queryset=Ward.objects.all(),
        required=False,
        empty_label="Not known",
        help_text=(
            "The ward decides which partner serves the family. Leave 'Not known' to take it "
            "from the postcode"
        ),
    )


class HouseholdStartForm(AddressForm):
    name = forms.CharField(
        label="Household name",
        max_length=150,
        required=False,
        help_text="How staff will refer to the family, for example 'Smith family'",
    )
    phone = forms.CharField(label="Household phone (optional)", max_length=30, required=False)
    moved_in_on = DateField(label="Lived at this address since (optional)")

    field_order = ["name", "line1", "line2", "town", "postcode", "ward", "phone", "moved_in_on"]


class HouseholdEditForm(forms.Form):
    name = forms.CharField(label="Household name", max_length=150, required=False)
    phone = forms.CharField(label="Household phone", max_length=30, required=False)
    notes = forms.CharField(
        label="Practical notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Access, pets, best times to visit",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason for the change (optional)", required=False, max_length=300
    )


class MoveForm(AddressForm):
    moved_on = DateField(label="Date they moved")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label="Reason for the change (optional)", required=False, max_length=300
    )


class MembershipForm(forms.Form):
    """How someone belongs to the family: role, living here, or the day they left."""

    role = _role_field()
    lives_here = _lives_here_field(
        help_text="Untick for a parent who lives elsewhere but is still part of the family"
    )
    left_on = DateField(
        label="Left the family on (optional)",
        help_text="For a separation or someone moving out for good: they stay on the record, "
        "with this date",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label="Reason for the change (optional)", required=False, max_length=300
    )


class RelationshipRowForm(forms.Form):
    """One suggested relationship in the registration flow: 'A is the <kind> of B'."""

    from_index = forms.IntegerField(widget=forms.HiddenInput)
    to_index = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        choices=[("", "Not related / skip"), *c.RelationshipKind.choices],
        required=False,
        label="Relationship",
    )
    parental_responsibility = forms.BooleanField(
        required=False, label="Has parental responsibility"
    )


RelationshipFormSet = forms.formset_factory(RelationshipRowForm, extra=0)


class RelationshipForm(forms.Form):
    from_person = forms.ChoiceField(label="Person")
    kind = forms.ChoiceField(choices=c.RelationshipKind.choices, label="is the")
    to_person = forms.ChoiceField(label="of")
    parental_responsibility = forms.BooleanField(
        required=False, label="Has parental responsibility"
    )

    def __init__(self, *args: Any, people: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = [("", "Choose a person"), *[(str(p.uuid), p.display_name) for p in people]]
        for name in ("from_person", "to_person"):
            cast(forms.ChoiceField, self.fields[name]).choices = options


class BirthForm(forms.Form):
    date_of_birth = DateField(label="Date of birth", required=True)
    given_name = forms.CharField(label="First name", max_length=100, required=False)
    sex = forms.ChoiceField(
        choices=c.Sex.choices, initial=c.Sex.NOT_ASKED, widget=forms.RadioSelect
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class IdentifierForm(forms.Form):
    scheme = forms.ChoiceField(choices=c.IdentifierScheme.choices, label="Kind of identifier")
    value = forms.CharField(
        max_length=50, required=False, label="Identifier", help_text="Leave empty to remove it"
    )
