"""Forms of the import pages: they parse what was sent; the services decide (invariant 1)."""

from __future__ import annotations

from typing import Any

from django import forms

from familyhub.imports.kinds import Kind, kind_choices


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="What the file holds",
        choices=kind_choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the file holds"},
    )
    file = forms.FileField(
        label="The file",
        help_text="CSV (UTF-8 or Windows) or Excel .xlsx, with the column names in the first row",
        error_messages={"required": "Choose the file to upload"},
    )


class MappingForm(forms.Form):
    """One choice per field of the kind: which of the file's columns holds it."""

    def __init__(self, *args: Any, kind: Kind, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = [("", "Not in this file"), *[(h, h) for h in headers]]
        for col in kind.columns:
            self.fields[col.field] = forms.ChoiceField(
                label=col.label,
                choices=options,
                required=False,
                help_text=col.help or ("Needed" if col.required else ""),
            )

    def mapping(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if v}
