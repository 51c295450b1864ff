from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils import timezone

from familyhub.core.services import display_value
from familyhub.people.validators import format_nhs_number

register = template.Library()


@register.filter
def show(obj: Any, field_name: str) -> str:
    """A field as a person reads it (choice labels, dd/mm/yyyy dates); '' when empty."""
    return display_value(obj, field_name)


@register.filter
def nhs(value: str) -> str:
    return format_nhs_number(value or "")


@register.filter
def age_text(person: Any) -> str:
    """'Due 12/03/2027', '7 months', '3 years'."""
    today = timezone.localdate()
    if person.is_unborn:
        edd = person.expected_date_of_delivery
        return f"Unborn, due {edd:%d/%m/%Y}" if edd else "Unborn"
    dob: date | None = person.date_of_birth
    if dob is None:
        return ""
    months = (today.year - dob.year) * 12 + today.month - dob.month - (today.day < dob.day)
    if months < 1:
        days = (today - dob).days
        return f"{days} day{'s' if days != 1 else ''}"
    if months < 24:
        return f"{months} month{'s' if months != 1 else ''}"
    return f"{months // 12} years"


@register.filter
def get(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
