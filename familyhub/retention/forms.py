"""Forms of the retention pages: they parse what was typed; the services decide (invariant 1)."""

from __future__ import annotations

from typing import Any

from django import forms

from familyhub.retention.erasure import IDENTITY_ITEM, ExceptionKind, InventoryGroup
from familyhub.retention.models import Hold, RetentionRule

DATE_HINT = "For example, 27/3/2026"


class RuleForm(forms.Form):
    name = forms.CharField(max_length=100)
    applies_to = forms.CharField(
        label="What it covers", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    period_years = forms.IntegerField(label="Years", min_value=0, max_value=100, required=False)
    period_months = forms.IntegerField(label="Months", min_value=0, max_value=11, required=False)
    starts_from = forms.ChoiceField(
        label="The period starts from",
        choices=RetentionRule.StartsFrom.choices,
        widget=forms.RadioSelect,
    )
    programme_ends_on = forms.DateField(
        label="The programme ends on", required=False, help_text=f"For evaluation data. {DATE_HINT}"
    )
    disposal_enabled = forms.BooleanField(
        label="Dispose of these records automatically when they are due", required=False
    )
    source = forms.CharField(label="Where the period comes from", max_length=300, required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def data_for_service(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d.pop("version", None)
        d["period_years"] = d.get("period_years") or 0
        d["period_months"] = d.get("period_months") or 0
        return d


class HoldForm(forms.Form):
    reference_text = forms.CharField(
        label="The person or family",
        max_length=300,
        help_text="Their id, or a link to their page (for example "
        "https://…/families/1f0c…/ as a colleague sent it)",
    )
    kind = forms.ChoiceField(
        label="Kind of hold", choices=Hold.Kind.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="Why the records must be kept"
    )
    reference = forms.CharField(
        label="Case, claim or request reference", max_length=60, required=False
    )
    starts_on = forms.DateField(
        label="Starts on", required=False, help_text=f"Empty: today. {DATE_HINT}"
    )
    ends_on = forms.DateField(
        label="Ends on", required=False, help_text=f"Empty: until released. {DATE_HINT}"
    )


class ReleaseForm(forms.Form):
    reason = forms.CharField(
        label="Why the hold is released", widget=forms.Textarea(attrs={"rows": 2})
    )


class RunForm(forms.Form):
    mode = forms.ChoiceField(
        label="What to do",
        choices=[
            ("dry_run", "A dry run: list what is due, change nothing"),
            ("dispose", "Dispose of what is due"),
        ],
        initial="dry_run",
        widget=forms.RadioSelect,
    )
    confirm = forms.BooleanField(
        label="I understand that disposal erases these records and cannot be undone",
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == "dispose" and not data.get("confirm"):
            self.add_error("confirm", "Confirm that you want to dispose of the records")
        return data


class FindPersonForm(forms.Form):
    reference_text = forms.CharField(
        label="The person to erase",
        max_length=300,
        help_text="Their id, or a link to their page, as recorded on the erasure request",
    )


class ErasureForm(forms.Form):
    """The items of the inventory, each with 'keep under a legal exception', and the request."""

    request_reference = forms.CharField(
        label="Erasure request reference",
        max_length=60,
        required=False,
        help_text="The rights request this answers, for example RR-2026-0012",
    )
    confirm = forms.BooleanField(
        label="I have checked what will be erased; this cannot be undone", required=True
    )

    def __init__(self, *args: Any, groups: list[InventoryGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirm"].error_messages["required"] = (
            "Confirm that you have checked what will be erased"
        )
        self.items: list[dict[str, Any]] = []
        keepable = [(IDENTITY_ITEM, "The person's identity: name, date of birth, NHS number")]
        keepable += [(item.key, item.label) for g in groups for item in g.items]
        for i, (key, label) in enumerate(keepable):
            self.fields[f"keep_{i}"] = forms.BooleanField(label=f"Keep: {label}", required=False)
            self.fields[f"kind_{i}"] = forms.ChoiceField(
                label="Legal exception",
                choices=[("", "Choose the exception"), *ExceptionKind.choices],
                required=False,
            )
            self.fields[f"reason_{i}"] = forms.CharField(
                label="Why it must be kept", max_length=500, required=False
            )
            # Needed only for a kept item: not labelled "(optional)".
            self.fields[f"kind_{i}"].hide_optional = True  # type: ignore[attr-defined]
            self.fields[f"reason_{i}"].hide_optional = True  # type: ignore[attr-defined]
            self.items.append(
                {
                    "key": key,
                    "label": label,
                    "keep": f"keep_{i}",
                    "kind": f"kind_{i}",
                    "reason": f"reason_{i}",
                }
            )

    def item_fields(self) -> list[dict[str, Any]]:
        return [
            {
                "label": it["label"],
                "keep": self[it["keep"]],
                "kind": self[it["kind"]],
                "reason": self[it["reason"]],
            }
            for it in self.items
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for it in self.items:
            if not data.get(it["keep"]):
                continue
            if not data.get(it["kind"]):
                self.add_error(it["kind"], "Choose the legal exception for the item you keep")
            if not (data.get(it["reason"]) or "").strip():
                self.add_error(it["reason"], "Say why the item must be kept")
        return data

    def exceptions(self) -> list[tuple[str, str, str]]:
        return [
            (it["key"], self.cleaned_data[it["kind"]], self.cleaned_data[it["reason"]])
            for it in self.items
            if self.cleaned_data.get(it["keep"])
        ]

    def field_for_item(self, key: str) -> str | None:
        for it in self.items:
            if it["key"] == key:
                return it["reason"]
        return None
