"""Helpers for rendering Django forms as GOV.UK Design System components.

Used by core/components/field.html and core/components/error_summary.html:

    {% load govuk %}
    {{ field|widget_type }}                      'input', 'date', 'select', 'radio', ...
    {% govuk_field_meta field as meta %}         ids, hint and error-summary anchor
    {% govuk_widget field "govuk-input" %}       the widget with GOV.UK classes and ARIA
    {{ field|add_class:"govuk-input--width-10" }}
    {% govuk_error_items form=form forms=forms as items %}
    {% demo_mode as demo %}

Ids follow Django's own convention (``<auto_id>_helptext``, ``<auto_id>_error``) so that they
agree with the aria-describedby Django itself would generate.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms as dj_forms
from django.conf import settings
from django.forms.boundfield import BoundField, BoundWidget
from django.template import Library
from django.utils.safestring import SafeString

register = Library()

DATE_HINT = "For example, 27/3/2024"

# GOV.UK component class -> its error modifier.
ERROR_CLASSES = {
    "govuk-input": "govuk-input--error",
    "govuk-select": "govuk-select--error",
    "govuk-textarea": "govuk-textarea--error",
    "govuk-file-upload": "govuk-file-upload--error",
}


def _widget_type(field: BoundField) -> str:
    widget = field.field.widget
    # Order matters: several of these subclass one another.
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, dj_forms.CheckboxSelectMultiple):  # a RadioSelect subclass
        return "checkboxes"
    if isinstance(widget, dj_forms.RadioSelect):
        return "radio"
    if isinstance(widget, dj_forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, dj_forms.Select):  # also SelectMultiple, NullBooleanSelect
        return "select"
    if isinstance(widget, dj_forms.Textarea):
        return "textarea"
    if isinstance(widget, dj_forms.PasswordInput):
        return "password"
    if isinstance(widget, dj_forms.FileInput):
        return "file"
    if isinstance(widget, dj_forms.DateInput):
        return "date"
    return "input"


@register.filter
def widget_type(field: BoundField) -> str:
    """One of: input, date, password, select, radio, checkbox, checkboxes, textarea, file,
    hidden."""
    return _widget_type(field)


@register.filter
def legend_class(label_class: str) -> str:
    """Map label size classes to legend ones: govuk-label--m -> govuk-fieldset__legend--m."""
    return str(label_class or "").replace("govuk-label--", "govuk-fieldset__legend--")


def _choice_items(field: BoundField) -> list[BoundWidget]:
    """The radios/checkboxes to show, without Django's "---------" blank choice."""
    return [
        item
        for item in field.subwidgets
        if not (str(item.data["value"]) == "" and str(item.choice_label).startswith("---"))
    ]


def _hint(field: BoundField, kind: str) -> str:
    if field.help_text:
        return str(field.help_text)
    if kind == "date":
        return DATE_HINT
    return ""


def _anchor(field: BoundField, kind: str | None = None) -> str:
    """The id that an error summary link should point to: the first focusable input."""
    kind = kind or _widget_type(field)
    if kind in ("radio", "checkboxes"):
        items = _choice_items(field)
        return (items[0].id_for_label if items else "") or field.auto_id or ""
    if field.id_for_label:
        return field.id_for_label
    if isinstance(field.field.widget, dj_forms.MultiWidget) and field.auto_id:
        return f"{field.auto_id}_0"
    return field.auto_id or ""


def _meta(field: BoundField) -> dict[str, Any]:
    kind = _widget_type(field)
    auto_id = field.auto_id or f"id_{field.html_name}"
    hint = _hint(field, kind)
    hint_id = f"{auto_id}_helptext"
    error_id = f"{auto_id}_error"
    describedby = []
    if hint:
        describedby.append(hint_id)
    if field.errors:
        describedby.append(error_id)
    return {
        "type": kind,
        "id": auto_id,
        "hint": hint,
        "hint_id": hint_id,
        "error_id": error_id,
        "describedby": " ".join(describedby),
        "anchor": _anchor(field, kind),
        # A field the service requires in some cases only (e.g. a first name, unless unborn) sets
        # `hide_optional` so that it is not labelled "(optional)".
        "optional": not field.field.required
        and not getattr(field.field, "hide_optional", False)
        and kind not in ("checkbox", "hidden"),
        "items": _choice_items(field) if kind in ("radio", "checkboxes") else [],
    }


@register.simple_tag
def govuk_field_meta(field: BoundField) -> dict[str, Any]:
    """`{% govuk_field_meta field as meta %}`: type, id, hint, hint_id, error_id, describedby,
    anchor, optional, items (radio/checkbox subwidgets)."""
    return _meta(field)


def _merge_classes(*classes: str | None) -> str:
    seen: list[str] = []
    for group in classes:
        for css in (group or "").split():
            if css not in seen:
                seen.append(css)
    return " ".join(seen)


@register.simple_tag
def govuk_widget(field: BoundField, css_class: str = "", extra_class: str = "") -> SafeString:
    """Render the field's own widget with GOV.UK classes, error modifier and aria-describedby.

    The typed value is kept (Django renders the bound data). Classes set on the widget in
    the form (``attrs={"class": ...}``) are kept too.
    """
    meta = _meta(field)
    base = css_class.split()[0] if css_class else ""
    attrs: dict[str, Any] = {
        "class": _merge_classes(
            css_class,
            field.field.widget.attrs.get("class"),
            extra_class,
            ERROR_CLASSES.get(base) if field.errors else "",
        )
    }
    if meta["describedby"]:
        attrs["aria-describedby"] = meta["describedby"]
    if meta["type"] == "password":
        attrs.setdefault("spellcheck", "false")
        attrs.setdefault("autocapitalize", "none")
    return field.as_widget(attrs=attrs)


@register.filter
def add_class(field: BoundField, css_class: str) -> SafeString:
    """`{{ form.postcode|add_class:"govuk-input govuk-input--width-10" }}`"""
    return field.as_widget(
        attrs={"class": _merge_classes(field.field.widget.attrs.get("class"), css_class)}
    )


def _form_items(form: Any) -> list[dict[str, str]]:
    items: list[dict[str, str]] = []
    if form is None or not hasattr(form, "errors"):
        return items
    if isinstance(form, dj_forms.BaseFormSet):
        first_anchor = ""
        for sub in form.forms:
            sub_items = _form_items(sub)
            first_anchor = first_anchor or next((i["href"] for i in sub_items if i["href"]), "")
            items.extend(sub_items)
        # Errors about the set as a whole (e.g. "Please submit at most 10 forms").
        items[:0] = [{"text": str(e), "href": first_anchor} for e in form.non_form_errors()]
        return items
    if not form.is_bound or not form.errors:
        return items
    visible = list(form.visible_fields())
    first_anchor = f"#{_anchor(visible[0])}" if visible and _anchor(visible[0]) else ""
    # Non-field errors first, linked to the first field so that the link still goes somewhere.
    for error in form.non_field_errors():
        items.append({"text": str(error), "href": first_anchor})
    for field in form.hidden_fields():
        for error in field.errors:
            items.append({"text": f"(Hidden field {field.name}) {error}", "href": ""})
    for field in visible:
        anchor = _anchor(field)
        for error in field.errors:
            items.append({"text": str(error), "href": f"#{anchor}" if anchor else ""})
    return items


@register.simple_tag
def govuk_error_items(form: Any = None, forms: Iterable[Any] | None = None) -> list[dict[str, str]]:
    """Every error of `form` and/or each form or formset in `forms`, in page order, as
    ``{"text": ..., "href": "#id_..."}`` for the GOV.UK error summary."""
    all_forms: list[Any] = []
    if form:
        all_forms.append(form)
    if forms and not isinstance(forms, str):
        all_forms.extend(f for f in forms if f is not form)
    items: list[dict[str, str]] = []
    for each in all_forms:
        items.extend(_form_items(each))
    return items


@register.simple_tag(takes_context=True)
def demo_mode(context: Any) -> bool:
    """`site.demo` from the familyhub context processor, else settings.DEMO.

    Django's auth views (LoginView, password reset) put their own `site` (the current Site or
    RequestSite) into the context, hiding ours; the sign-in page must still say DEMO.
    """
    site = context.get("site")
    if isinstance(site, dict) and "demo" in site:
        return bool(site["demo"])
    return bool(getattr(settings, "DEMO", False))
