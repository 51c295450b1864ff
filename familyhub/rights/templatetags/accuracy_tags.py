"""Challenges to the accuracy of a record, shown beside the data they dispute (Articles 16 and
18(1)(a); ADR 0027), as tags the people and casework templates include:

    {% load accuracy_tags %}
    {% accuracy_notices person %}                     the person page: what they dispute
    {% household_disputes household as disputes %}    the contacts and outcomes pages: one query,
    {% disputed disputes contact row=True %}          then each record's notices

The person and the family must come from `access.helpers` (scope, access log): these tags only add
the challenges of what the page already shows. A statement about a case note or a special-category
detail is shown only to roles that see those (`AccuracyChallenge.special`).
"""

from __future__ import annotations

from typing import Any

from django import template

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.rights import selectors_accuracy as selectors

register = template.Library()


def _user(context: Any) -> Any:
    return context["request"].user


@register.inclusion_tag("rights/_accuracy_person.html", takes_context=True)
def accuracy_notices(context: Any, person: Any) -> dict[str, Any]:
    user = _user(context)
    challenges = selectors.of_person(person)
    return {
        "person": person,
        "standing": [c for c in challenges if c.stands],
        "corrected": [c for c in challenges if not c.stands],
        "show_special": access.can_see_special_category(user),
        "can_record": access.can(user, Capability.RECORD_RIGHTS_REQUEST),
        "can_decide": access.can(user, Capability.EDIT_PEOPLE),
    }


@register.simple_tag
def household_disputes(household: Any) -> selectors.Disputes:
    return selectors.of_household(household)


@register.inclusion_tag("rights/_accuracy_record.html", takes_context=True)
def disputed(context: Any, disputes: Any, record: Any, row: bool = False) -> dict[str, Any]:
    user = _user(context)
    return {
        "record": record,
        "challenges": disputes.about(record) if disputes is not None else [],
        "row": row,
        "show_special": access.can_see_special_category(user),
        "can_decide": access.can(user, Capability.EDIT_PEOPLE),
    }
