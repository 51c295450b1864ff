"""Forms for the engagement pages. They parse what was typed; the services decide what is valid
and their errors are put back on the form (`people.forms.apply_errors`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import Q

from familyhub.engagement import rules
from familyhub.engagement.models import Service
from familyhub.people.forms import AddressForm, DateField
from familyhub.places.models import Area, Organisation, Venue, Ward

TIME_WIDGET = forms.TimeInput(
    format="%H:%M", attrs={"class": "govuk-input--width-5", "inputmode": "numeric"}
)
TIME_FORMATS = ["%H:%M", "%H.%M", "%H%M", "%H"]


class TimeField(forms.TimeField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", TIME_WIDGET)
        kwargs.setdefault("input_formats", TIME_FORMATS)
        kwargs.setdefault("help_text", "24-hour clock, for example 10:00 or 13:30")
        kwargs.setdefault("error_messages", {"invalid": "Enter a time, like 10:00 or 13:30"})
        super().__init__(**kwargs)


class WholeNumber(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
        )
        kwargs.setdefault("error_messages", {"invalid": "Enter a whole number"})
        super().__init__(**kwargs)


def keep_in_use(form: forms.BaseForm, name: str, current: Sequence[Any]) -> None:
    """Offer only the organisations or venues in use (`active`), and those the record already
    names (a retired one stays on old records: places.services)."""
    field: Any = form.fields[name]
    keep = Q(pk__in=[c.pk for c in current if c is not None])
    field.queryset = field.queryset.model._default_manager.filter(Q(active=True) | keep).order_by(
        "name"
    )


class _Quiet:
    """Our services say what is missing, in words: no field is labelled "(optional)" by default;
    the few that are optional say so in their label."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for f in self.fields.values():  # type: ignore[attr-defined]
            f.hide_optional = True


# --- catalogue ------------------------------------------------------------------------------------


class ServiceForm(_Quiet, forms.Form):
    name = forms.CharField(max_length=150, required=False)
    code = forms.CharField(
        max_length=60,
        required=False,
        help_text="Letters, numbers and hyphens, used in addresses; left empty, made from the name",
    )
    kind = forms.ChoiceField(choices=Service.Kind.choices, widget=forms.RadioSelect, required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    provider = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(active=True),
        required=False,
        empty_label="Choose the provider",
    )
    delivered_by = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Delivered by",
    )
    venues = forms.ModelMultipleChoiceField(
        queryset=Venue.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    target_outcomes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="One outcome a line, for example 'Learn to talk and communicate'",
    )
    capacity = WholeNumber(
        min_value=1,
        label="Capacity (optional)",
        help_text="Families, or places in each session for a group; empty: no cap",
    )
    source = forms.CharField(
        max_length=200,
        required=False,
        label="Source (optional)",
        help_text="The document that describes the service",
    )
    consent_purpose = forms.CharField(
        max_length=60,
        required=False,
        label="Consent needed before enrolment (optional)",
        help_text="The code of a purpose in the purposes register, for example imagination-library",
    )
    active = forms.BooleanField(required=False, initial=True, label="Offered to families now")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Retired organisations and venues are not offered (R-PEOPLE-4), except those the
        # service already names: they stay on it until someone unticks them.
        provider = self.initial.get("provider")
        keep_in_use(self, "provider", [provider] if provider else [])
        keep_in_use(self, "delivered_by", self.initial.get("delivered_by") or [])
        keep_in_use(self, "venues", self.initial.get("venues") or [])

    def service_data(self) -> dict[str, Any]:
        data = {
            k: self.cleaned_data.get(k)
            for k in (
                "name",
                "code",
                "kind",
                "description",
                "provider",
                "target_outcomes",
                "capacity",
                "source",
                "consent_purpose",
                "active",
            )
        }
        data["active"] = bool(data["active"])
        return data


def _lad_choices() -> list[tuple[str, str]]:
    return [
        (code, f"{name} ({code})")
        for code, name in Ward.objects.values_list("lad_code", "lad_name")
        .distinct()
        .order_by("lad_name")
    ]


PLACE_MODES = [
    ("", "Any"),
    (rules.IN, "Only in the chosen"),
    (rules.NOT_IN, "Only outside the chosen"),
]


class RuleForm(_Quiet, forms.Form):
    """The eligibility rule as fields (R-ENGAGE-2): saved as the next version of the rule."""

    ward_mode = forms.ChoiceField(
        choices=[
            ("", "Any ward"),
            (rules.IN, "Only in these wards"),
            (rules.NOT_IN, "Only outside these wards"),
        ],
        widget=forms.RadioSelect,
        required=False,
        label="Ward",
    )
    wards = forms.ModelMultipleChoiceField(
        queryset=Ward.objects.all(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Wards",
    )
    local_authorities = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Only families living in (local authority)",
    )
    area_mode = forms.ChoiceField(
        choices=[
            ("", "Any area"),
            (rules.IN, "Only in these areas"),
            (rules.NOT_IN, "Only outside these areas"),
        ],
        widget=forms.RadioSelect,
        required=False,
        label="Area (care delivery group)",
    )
    areas = forms.ModelMultipleChoiceField(
        queryset=Area.objects.all(),
        to_field_name="uuid",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    served_by = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.filter(active=True, served_wards__isnull=False).distinct(),
        to_field_name="uuid",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Only where the family's ward is served by",
        help_text="The partner organisations whose wards the service covers",
    )
    child = forms.BooleanField(
        required=False, label="Depends on the family's children (unborn, or of an age)"
    )
    antenatal = forms.BooleanField(
        required=False,
        label="Unborn children qualify (antenatal, with an expected date of delivery)",
    )
    born = forms.BooleanField(required=False, label="Born children qualify")
    min_months = WholeNumber(
        label="From the age of (months)",
        help_text="Empty: from birth",
        max_value=rules.MAX_AGE_MONTHS,
    )
    max_months = WholeNumber(
        label="Until the age of (months, not included)",
        help_text="For example 12 for 'until the first birthday'; empty: no upper limit",
        max_value=rules.MAX_AGE_MONTHS,
    )
    which_child = forms.ChoiceField(
        choices=[
            (
                rules.YOUNGEST,
                "The youngest child (an unborn child is the youngest)",
            ),
            (
                rules.ANY_CHILD,
                "Any child (at least one child of the family)",
            ),
        ],
        widget=forms.RadioSelect,
        required=False,
        initial=rules.YOUNGEST,
        label="Which child must meet these",
        help_text=(
            "For example, Small Steps at Home goes by the youngest child; the Imagination Library "
            "sends a book to every child under five, so a family expecting a baby with a "
            "two-year-old qualifies through any child"
        ),
        error_messages={
            "invalid_choice": "Choose the youngest child or any child",
        },
    )
    circumstances = forms.MultipleChoiceField(
        choices=[(k, v.label.capitalize()) for k, v in rules.CIRCUMSTANCES.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Only where (any one of these)",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Why are you making or changing the rule?",
        help_text="Kept with this version of the rule, for example the contract or decision",
    )
    based_on = forms.IntegerField(widget=forms.HiddenInput, required=False)

    ERROR_FIELDS = {"child_kinds": "antenatal"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["local_authorities"].choices = _lad_choices()  # type: ignore[attr-defined]

    @classmethod
    def initial_from(cls, conditions: dict[str, Any], based_on: int) -> dict[str, Any]:
        initial: dict[str, Any] = {"based_on": based_on}
        if "wards" in conditions:
            initial["ward_mode"] = conditions["wards"]["mode"]
            initial["wards"] = conditions["wards"]["codes"]
        initial["local_authorities"] = conditions.get("local_authorities", [])
        if "areas" in conditions:
            initial["area_mode"] = conditions["areas"]["mode"]
            initial["areas"] = conditions["areas"]["ids"]
        initial["served_by"] = conditions.get("served_by", [])
        if "child" in conditions:
            child = conditions["child"]
            initial.update(
                child=True,
                antenatal=child.get("antenatal"),
                born=child.get("born"),
                min_months=child.get("min_months"),
                max_months=child.get("max_months"),
                which_child=child.get("which") or rules.YOUNGEST,
            )
        initial["circumstances"] = conditions.get("circumstances", [])
        return initial

    def conditions(self) -> dict[str, Any]:
        """The rule as stored JSON (before the service checks it)."""
        d = self.cleaned_data
        out: dict[str, Any] = {}
        if d.get("ward_mode"):
            out["wards"] = {"mode": d["ward_mode"], "codes": [w.code for w in d.get("wards") or []]}
        if d.get("local_authorities"):
            out["local_authorities"] = list(d["local_authorities"])
        if d.get("area_mode"):
            out["areas"] = {
                "mode": d["area_mode"],
                "ids": [str(a.uuid) for a in d.get("areas") or []],
            }
        if d.get("served_by"):
            out["served_by"] = [str(o.uuid) for o in d["served_by"]]
        if d.get("child"):
            out["child"] = {
                "antenatal": bool(d.get("antenatal")),
                "born": bool(d.get("born")),
                "min_months": d.get("min_months"),
                "max_months": d.get("max_months"),
            }
            if d.get("which_child"):
                out["child"]["which"] = d["which_child"]
        if d.get("circumstances"):
            out["circumstances"] = list(d["circumstances"])
        return out


# --- enrolment ----------------------------------------------------------------------------------


class EnrolForm(_Quiet, forms.Form):
    person = forms.ChoiceField(widget=forms.RadioSelect, required=False, label="Who is enrolled?")
    service = forms.ModelChoiceField(
        queryset=Service.objects.filter(active=True),
        to_field_name="code",
        required=False,
        empty_label="Choose a service",
    )
    started_on = DateField(label="Start date", help_text="For example, 27/3/2026; empty: today")
    override_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Reason to enrol although the family is not eligible (managers only)",
        help_text="Recorded with the enrolment and shown in the family's history",
    )

    def __init__(self, *args: Any, members: list[Any], can_override: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [  # type: ignore[attr-defined]
            (str(m.person.uuid), f"{m.person.display_name} ({m.get_role_display().lower()})")
            for m in members
        ]
        if not can_override:
            del self.fields["override_reason"]


class EndEnrolmentForm(_Quiet, forms.Form):
    enrolment = forms.UUIDField(widget=forms.HiddenInput, required=False)
    ended_on = DateField(label="End date", help_text="For example, 27/3/2026; empty: today")
    reason = forms.CharField(max_length=300, required=False, label="Why did the service end?")


# --- sessions ---------------------------------------------------------------------------------------


class SessionForm(_Quiet, forms.Form):
    service = forms.ModelChoiceField(
        queryset=Service.objects.filter(active=True), required=False, empty_label="Choose a service"
    )
    title = forms.CharField(
        max_length=150,
        required=False,
        label="Activity",
        help_text="For example 'Cook and Play'; empty: the service's name",
    )
    date = DateField(label="Date", help_text="For example, 27/3/2026")
    start_time = TimeField(label="Starts at")
    end_time = TimeField(label="Ends at")
    venue = forms.ModelChoiceField(
        queryset=Venue.objects.select_related("ward"), required=False, empty_label="Choose a venue"
    )
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, empty_label=None, label="Run by"
    )
    workers = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, required=False, label="Workers"
    )
    capacity = WholeNumber(min_value=1, label="Places (optional)")
    weeks = WholeNumber(
        min_value=1,
        max_value=52,
        label="Repeat weekly for (weeks)",
        help_text="1 for a single session; for example 8 for an eight-week course",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        organisations: Any,
        staff: list[Any],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        venue = self.initial.get("venue")
        keep_in_use(self, "venue", [venue] if venue else [])
        self.fields["workers"].choices = [  # type: ignore[attr-defined]
            (str(u.pk), u.get_full_name() or u.username) for u in staff
        ]
        self.staff = {str(u.pk): u for u in staff}
        if editing:
            del self.fields["weeks"]

    def session_data(self) -> dict[str, Any]:
        return {
            k: self.cleaned_data.get(k)
            for k in (
                "service",
                "title",
                "date",
                "start_time",
                "end_time",
                "venue",
                "organisation",
                "capacity",
            )
        }

    def chosen_workers(self) -> list[Any]:
        return [self.staff[k] for k in self.cleaned_data.get("workers") or [] if k in self.staff]


class CancelSessionForm(_Quiet, forms.Form):
    reason = forms.CharField(max_length=300, required=False, label="Why is the session cancelled?")


# --- the register -------------------------------------------------------------------------------------


class WalkInForm(_Quiet, forms.Form):
    """Someone not yet registered, at the door: the minimum details (R-ENGAGE-3)."""

    client_id = forms.UUIDField(widget=forms.HiddenInput, required=False)
    given_name = forms.CharField(max_length=100, required=False, label="First name")
    family_name = forms.CharField(max_length=100, required=False, label="Last name")
    adult = forms.TypedChoiceField(
        choices=[("0", "Child"), ("1", "Adult")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        required=False,
        initial="0",
        label="Child or adult",
    )
    date_of_birth = DateField(
        label="Date of birth", help_text="For example, 27/3/2024 (for an adult: optional)"
    )
    unborn = forms.BooleanField(required=False, label="Not born yet")
    expected_date_of_delivery = DateField(
        label="Expected date of delivery", help_text="Only for a baby not born yet"
    )
    postcode = forms.CharField(
        max_length=20,
        required=False,
        widget=forms.TextInput(
            attrs={"class": "govuk-input--width-10", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    family_of = forms.ChoiceField(
        required=False,
        label="Same family as",
        help_text="Someone else added at the door today",
    )

    def __init__(
        self,
        *args: Any,
        family_choices: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["family_of"].choices = [("", "A new family"), *family_choices]  # type: ignore[attr-defined]


class WalkInCompleteForm(_Quiet, AddressForm):
    date_of_birth = DateField(label="Date of birth")
    phone = forms.CharField(label="Phone number (optional)", max_length=30, required=False)
    nhs_number = forms.CharField(
        label="NHS number (optional)",
        required=False,
        max_length=14,
        help_text="10 digits, like 999 000 0018",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line2"].label = "Address line 2 (optional)"
