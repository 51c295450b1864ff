"""Forms for the administrators' places pages. They parse what was typed; `places.services`
decides what is valid and its errors are put back on the form (`people.forms.apply_errors`), so
every problem shows at its field with the typed values kept."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from familyhub.places.models import Area, Organisation, Venue, Ward


def _required_by_service(form: forms.BaseForm, *names: str) -> None:
    """Fields the service insists on: not labelled '(optional)', but checked there, with the
    other rules, so that every problem is shown at once."""
    for name in names:
        form.fields[name].hide_optional = True  # type: ignore[attr-defined]


class ReasonField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Reason for the change")
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 300)
        kwargs.setdefault("help_text", "Kept with the change in the history")
        super().__init__(**kwargs)


class OrganisationForm(forms.Form):
    name = forms.CharField(label="Name", max_length=150, required=False)
    kind = forms.ChoiceField(
        label="Kind of organisation",
        choices=[("", "Choose a kind"), *Organisation.Kind.choices],
        required=False,
    )
    ods_code = forms.CharField(
        label="ODS code",
        max_length=20,
        required=False,
        help_text="The NHS Organisation Data Service code, if it has one, like RX1 or 8JX12",
        widget=forms.TextInput(
            attrs={"class": "govuk-input--width-10", "spellcheck": "false", "autocomplete": "off"}
        ),
    )
    served_wards = forms.ModelMultipleChoiceField(
        label="Wards it serves",
        queryset=Ward.objects.select_related("area").order_by("area__name", "name"),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "The wards in which it works with families. A family's ward decides which partner "
            "serves it and which services it is eligible for"
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = ReasonField(label="Reason for the change")

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _required_by_service(self, "name", "kind")
        if not editing:
            del self.fields["version"]
            del self.fields["reason"]

    def ward_groups(self) -> list[tuple[str, list[Any]]]:
        """The wards' checkboxes grouped by area (care delivery group), 'No area' last."""
        field: Any = self.fields["served_wards"]
        areas = {w.code: (w.area.name if w.area else "") for w in field.queryset}
        groups: dict[str, list[Any]] = {}
        for box in self["served_wards"]:
            groups.setdefault(areas.get(str(box.data["value"]), ""), []).append(box)
        named = [(name, boxes) for name, boxes in groups.items() if name]
        return named + ([("No area", groups[""])] if "" in groups else [])

    def service_data(self) -> dict[str, Any]:
        return {k: self.cleaned_data.get(k) for k in ("name", "kind", "ods_code")}


class TeamForm(forms.Form):
    name = forms.CharField(label="Team name", max_length=150, required=False)
    area = forms.ModelChoiceField(
        label="Area",
        queryset=Area.objects.order_by("name"),
        required=False,
        empty_label="No area",
        help_text="The care delivery group the team works in, if it works in one",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = ReasonField()

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _required_by_service(self, "name")
        self.fields["area"].hide_optional = True  # type: ignore[attr-defined]
        if not editing:
            del self.fields["version"]
            del self.fields["reason"]

    def service_data(self) -> dict[str, Any]:
        return {k: self.cleaned_data.get(k) for k in ("name", "area")}


class VenueForm(forms.Form):
    name = forms.CharField(label="Name", max_length=150, required=False)
    address = forms.CharField(
        label="Address",
        max_length=250,
        required=False,
        help_text="The street address, as people going there need it",
    )
    postcode = forms.CharField(
        label="Postcode",
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "autocomplete": "off"}),
    )
    ward = forms.ModelChoiceField(
        label="Ward",
        queryset=Ward.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label="Not known: take it from the postcode",
    )
    organisation = forms.ModelChoiceField(
        label="Run by",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="None (a public or shared building)",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = ReasonField()

    def __init__(
        self, *args: Any, editing: bool = False, current: Venue | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _required_by_service(self, "name")
        for name in ("ward", "organisation"):
            self.fields[name].hide_optional = True  # type: ignore[attr-defined]
        # Organisations in use; a retired one only where the venue already names it.
        keep = Q(pk=current.organisation_id) if current and current.organisation_id else Q()
        self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            Q(active=True) | keep
        ).order_by("name")
        if not editing:
            del self.fields["version"]
            del self.fields["reason"]

    def service_data(self) -> dict[str, Any]:
        return {
            k: self.cleaned_data.get(k)
            for k in ("name", "address", "postcode", "ward", "organisation")
        }


class StatusForm(forms.Form):
    """Retire a record, or bring it back into use: why, for the history."""

    reason = forms.CharField(label="Why?", max_length=300, required=False)


class WardAreaForm(forms.Form):
    area = forms.ChoiceField(
        label="Which area is the ward in?", required=False, widget=forms.RadioSelect
    )
    reason = ReasonField()

    NO_AREA = "none"

    def __init__(self, *args: Any, areas: list[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.areas = {str(a.uuid): a for a in areas}
        field = self.fields["area"]
        field.choices = [*((k, a.name) for k, a in self.areas.items()), (self.NO_AREA, "No area")]  # type: ignore[attr-defined]
        field.hide_optional = True  # type: ignore[attr-defined]

    def clean_area(self) -> str:
        value = self.cleaned_data.get("area") or ""
        if not value:
            raise forms.ValidationError("Choose the area the ward is in, or 'No area'")
        return str(value)

    def chosen_area(self) -> Area | None:
        return self.areas.get(self.cleaned_data.get("area") or "")


class AreaForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        required=False,
        help_text="For example, Bulwell and Bestwood",
    )
    reason = ReasonField()

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _required_by_service(self, "name")
        if not editing:
            del self.fields["reason"]
