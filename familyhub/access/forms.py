from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from familyhub.access.models import BreakGlassGrant
from familyhub.access.roles import Role
from familyhub.people.forms import DateField
from familyhub.people.validators import InvalidValue, normalise_nhs_number
from familyhub.places.models import Organisation, Team


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password",
        "inactive": "This account is closed",
    }


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code from your authenticator app, or one of your backup codes",
        error_messages={"required": "Enter the code from your authenticator app"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "autocapitalize": "none",
            }
        ),
    )

    WRONG = "The code is not correct. Enter the 6-digit code your authenticator app shows now"
    REUSED = (
        "That code has already been used. Wait for your authenticator app to show a new code, "
        "then enter it"
    )


class SetUpCodeForm(CodeForm):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=20,
        help_text="The 6-digit code your app shows after you add familyhub to it",
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


class UsernameForm(forms.Form):
    username = forms.CharField(max_length=150)


# --- break glass (R-ACCESS-2, ADR 0010) -----------------------------------------------------------
# Fields are optional here: the service checks them (and records a refused request), and its
# errors are put back on the form.


class BreakGlassForm(forms.Form):
    reference = forms.CharField(
        label="The family's reference",
        required=False,
        max_length=300,
        help_text=(
            "A link to the family's or a person's page (what you followed), the id in such a link, "
            "or a person's NHS number"
        ),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    reason = forms.ChoiceField(
        label="Why do you need this family's record?",
        required=False,
        choices=BreakGlassGrant.Reason.choices,
        widget=forms.RadioSelect,
    )
    explanation = forms.CharField(
        label="Explain what has happened and why it cannot wait",
        required=False,
        max_length=2000,
        help_text=(
            "A manager or the Data Protection Officer will read this when they review your access. "
            "Do not write more about the family than you need to"
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class BreakGlassReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="Was the access justified?",
        required=False,
        choices=BreakGlassGrant.Decision.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="What is the decision based on?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FollowUpForm(forms.Form):
    note = forms.CharField(
        label="What was done?",
        required=False,
        max_length=2000,
        help_text="For example: discussed in supervision on 3/12; data protection training booked",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- the access record and the access review (R-RIGHTS-6, R-ACCESS-3) -----------------------------


class AccessLookupForm(forms.Form):
    reference = forms.CharField(
        label="Request reference",
        max_length=100,
        help_text="The rights request or enquiry this is for, for example SAR-2026-014 (it is logged)",
        error_messages={"required": "Enter the reference of the request you are answering"},
    )
    nhs_number = forms.CharField(label="NHS number", required=False, max_length=13)
    family_name = forms.CharField(label="Last name", required=False, max_length=100)
    given_name = forms.CharField(label="First name (optional)", required=False, max_length=100)
    date_of_birth = DateField(label="Date of birth")

    def clean_nhs_number(self) -> str:
        raw = self.cleaned_data.get("nhs_number", "")
        try:
            return normalise_nhs_number(raw)
        except InvalidValue as e:
            raise forms.ValidationError(str(e))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        if not data.get("nhs_number") and not (
            data.get("family_name") and data.get("date_of_birth")
        ):
            raise forms.ValidationError("Enter an NHS number, or a last name and a date of birth")
        return data


class AccessReviewFilterForm(forms.Form):
    username = forms.CharField(label="Username (optional)", required=False, max_length=150)
    date_from = DateField(label="From")
    date_to = DateField(label="To")

    MAX_DAYS = 31

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_to", "The end date must be on or after the start date")
            elif (end - start).days >= self.MAX_DAYS:
                self.add_error("date_to", f"Review at most {self.MAX_DAYS} days at a time")
        return data


# --- staff roles (R-ACCESS-1) ---------------------------------------------------------------------


class RoleAddForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.filter(active=True),
        required=False,
        empty_label="Choose an organisation",
    )
    team = forms.ModelChoiceField(
        label="Team (optional)",
        queryset=Team.objects.filter(active=True, organisation__active=True).select_related(
            "organisation"
        ),
        required=False,
        empty_label="No team",
    )
    role = forms.ChoiceField(
        label="Role", choices=[("", "Choose a role"), *Role.choices], required=False
    )
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=300,
        help_text="For example: started as a family mentor on 1/12",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("organisation") and "organisation" not in self.errors:
            self.add_error("organisation", "Choose an organisation")
        if not data.get("role") and "role" not in self.errors:
            self.add_error("role", "Choose a role")
        return data


class RoleEndForm(forms.Form):
    reason = forms.CharField(
        label="Why does this role end?",
        required=False,
        max_length=300,
        help_text="For example: left the organisation on 30/11",
    )


# --- staff accounts, joiner to leaver (R-ACCESS-1, ADR 0025) ---------------------------------------
# Fields are optional here: `access.accounts` checks them, and its errors are put back on the form.
# Those it requires are not labelled "(optional)".


def _not_labelled_optional(form: forms.Form, *names: str) -> None:
    for name in names:
        form.fields[name].hide_optional = True  # type: ignore[attr-defined]


class StaffNewForm(forms.Form):
    username = forms.CharField(
        label="Username",
        required=False,
        max_length=150,
        help_text="What they will sign in with, for example anna.smith. Letters, numbers and . _ - "
        "@ + only",
        widget=forms.TextInput(
            attrs={"spellcheck": "false", "autocapitalize": "none", "autocomplete": "off"}
        ),
    )
    given_name = forms.CharField(label="First name", required=False, max_length=150)
    family_name = forms.CharField(label="Last name", required=False, max_length=150)
    email = forms.CharField(
        label="Work email address",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.filter(active=True),
        required=False,
        empty_label="No role yet",
    )
    team = forms.ModelChoiceField(
        label="Team",
        queryset=Team.objects.filter(active=True, organisation__active=True).select_related(
            "organisation"
        ),
        required=False,
        empty_label="No team",
    )
    role = forms.ChoiceField(
        label="Role", choices=[("", "No role yet"), *Role.choices], required=False
    )
    reason = forms.CharField(
        label="Note",
        required=False,
        max_length=300,
        help_text="For example: starts as a family mentor on 1/12",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _not_labelled_optional(self, "username", "given_name", "family_name", "email")


class AccountReasonForm(forms.Form):
    reason = forms.CharField(label="Why?", required=False, max_length=300)

    def __init__(self, *args: Any, label: str = "Why?", hint: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].help_text = hint
        _not_labelled_optional(self, "reason")


class SetUpPasswordForm(forms.Form):
    password = forms.CharField(
        label="Create a password",
        required=False,
        strip=False,
        help_text="At least 12 characters. Three or four random words make a strong password that "
        "is easy to remember. Not a common password, and nothing like your name",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="Type the password again",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _not_labelled_optional(self, "password", "password_again")
