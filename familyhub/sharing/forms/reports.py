"""The report builder's form (R-SHARE-2): agreement, what to count, rows and columns, the
period and filters. What it may contain is decided by `sharing.guard` and `sharing.cube`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from django import forms

from familyhub.people.choices import Sex
from familyhub.people.forms import DATE_FORMATS, DATE_WIDGET
from familyhub.sharing import cube
from familyhub.sharing.models import Agreement, ReportSpec

DIMENSION_CHOICES = [(d.code, d.label) for d in cube.DIMENSIONS.values()]
MEASURE_CHOICES = [(m.code, m.label) for m in cube.MEASURES.values()]
FILTERS = ("service", "ward", "parent_role", "sex", "age_band", "ethnicity_group")


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=DATE_WIDGET,
        input_formats=DATE_FORMATS,
        help_text="For example, 1/1/2026",
        error_messages={
            "invalid": "Enter a real date, like 1/1/2026",
            "required": f"Enter the {label.lower()}",
        },
    )


def _many(label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, required=False, widget=forms.CheckboxSelectMultiple
    )


class ReportForm(forms.Form):
    agreement = forms.ChoiceField(
        label="Data sharing agreement",
        required=False,
        help_text="The report is produced only if the agreement allows every item in it",
    )
    measure = forms.ChoiceField(
        label="What to count", choices=MEASURE_CHOICES, widget=forms.RadioSelect
    )
    rows = forms.ChoiceField(label="Rows", choices=DIMENSION_CHOICES)
    columns = forms.ChoiceField(
        label="Columns", choices=[("", "None (one column)"), *DIMENSION_CHOICES], required=False
    )
    grain = forms.ChoiceField(
        label="Periods shown as",
        choices=[("month", "Months"), ("quarter", "Quarters"), ("year", "Years")],
        required=False,
        initial="month",
    )
    start = _date("Start of the period")
    end = _date("End of the period")
    service = _many("Only these services")
    ward = _many("Only these wards")
    parent_role = _many("Only these parent roles")
    sex = _many("Only this sex")
    age_band = _many("Only these age bands")
    ethnicity_group = _many("Only these ethnic groups")
    name = forms.CharField(label="Name, to save it as a report", required=False, max_length=200)
    schedule = forms.ChoiceField(
        label="Produce it on a schedule",
        choices=ReportSpec.Schedule.choices,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from familyhub.engagement.models import Service
        from familyhub.places.models import EthnicityCategory, Ward

        _choices(self, "agreement").choices = [("", "No agreement")] + [
            (str(a.uuid), f"{a.reference}: {a.title}")
            for a in Agreement.objects.order_by("reference")
        ]
        _choices(self, "service").choices = [
            (s.code, s.name) for s in Service.objects.order_by("name")
        ]
        _choices(self, "ward").choices = [(w.code, w.name) for w in Ward.objects.order_by("name")]
        _choices(self, "parent_role").choices = list(cube.PARENT_ROLES.items())
        _choices(self, "sex").choices = list(Sex.choices)
        _choices(self, "age_band").choices = [(b, b) for b in cube.AGE_BANDS]
        groups = list(
            dict.fromkeys(
                e.high_level_group
                for e in EthnicityCategory.objects.order_by("sort_order")
                if e.high_level_group
            )
        )
        _choices(self, "ethnicity_group").choices = [
            (g, g) for g in [*groups, cube.PREFER_NOT, cube.NOT_ASKED]
        ]

    def agreement_obj(self) -> Agreement | None:
        value = self.cleaned_data.get("agreement")
        return Agreement.objects.filter(uuid=value).first() if value else None

    def query(self) -> cube.CubeQuery:
        d = self.cleaned_data
        return cube.CubeQuery(
            measure=d["measure"],
            rows=d["rows"],
            columns=d.get("columns") or None,
            start=d["start"],
            end=d["end"],
            grain=d.get("grain") or "month",
            filters={f: list(d.get(f) or []) for f in FILTERS if d.get(f)},
        )


def _choices(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def initial_for(spec: ReportSpec | None) -> dict[str, Any]:
    today = date.today()
    first = today.replace(day=1)
    start = date(first.year - 1 if first.month == 1 else first.year, first.month - 1 or 12, 1)
    out: dict[str, Any] = {
        "measure": "attendances",
        "rows": "ward",
        "columns": "ethnicity_group",
        "grain": "month",
        "start": start,
        "end": first - timedelta(days=1),
    }
    if spec is None:
        return out
    d = spec.definition
    out.update(
        {
            "agreement": str(spec.agreement.uuid),
            "measure": d.get("measure"),
            "rows": d.get("rows"),
            "columns": d.get("columns") or "",
            "grain": d.get("grain") or "month",
            "start": date.fromisoformat(d["start"]) if d.get("start") else out["start"],
            "end": date.fromisoformat(d["end"]) if d.get("end") else out["end"],
            "name": spec.name,
            "schedule": spec.schedule,
        }
    )
    for f, values in (d.get("filters") or {}).items():
        out[f] = values
    return out
