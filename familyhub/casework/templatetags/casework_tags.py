"""Template helpers for casework pages, and the casework panel of the family page.

    {% load casework_tags %}{% casework_family_panel %}

The panel is rendered inside `people/household_detail.html` with that page's context: the household
was fetched (and its view logged) by `access.household_for`, so the panel reads its casework
through `casework.selectors` in a fixed handful of queries and logs nothing more.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.roles import Capability

register = template.Library()


@register.filter
def staff_name(user: Any) -> str:
    if user is None:
        return "no named worker"
    return user.get_full_name() or user.username


@register.filter
def days_until(day: date | None) -> int | None:
    if day is None:
        return None
    return (day - timezone.localdate()).days


@register.filter
def is_past(day: date | None) -> bool:
    return day is not None and day < timezone.localdate()


@register.filter
def at(row: list[Any], index: int) -> Any:
    try:
        return row[index]
    except (IndexError, TypeError):
        return None


@register.filter
def score_or_dash(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:g}" if isinstance(value, float) else str(value)


@register.inclusion_tag("casework/_family_panel.html", takes_context=True)
def casework_family_panel(context: Any) -> dict[str, Any]:
    from familyhub.casework import selectors

    request = context["request"]
    household = context["household"]
    return {
        "household": household,
        "panel": selectors.family_panel(household),
        "show_special": access.can_see_special_category(request.user),
        "can_casework": access.can(request.user, Capability.CASEWORK),
        "can_take_enquiries": access.can(request.user, Capability.EDIT_PEOPLE),
        "today": timezone.localdate(),
    }
