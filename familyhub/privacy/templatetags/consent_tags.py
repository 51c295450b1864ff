"""The family page's consent panel, as one tag the people app's template includes (R-CONSENT-2):

    {% load consent_tags %}{% consent_panel household %}

It shows, for each member, each consent purpose's recorded answer beside the policy's yes or no
today, and their contact preferences, in a fixed number of queries (see
`privacy.selectors_consent.household_summary`). The household must come from the access helpers.
"""

from __future__ import annotations

from typing import Any

from django import template

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.privacy import selectors_consent as selectors
from familyhub.privacy.models import ContactPreference

register = template.Library()

_TOPICS = dict(ContactPreference.Topic.choices)


@register.inclusion_tag("privacy/consent_family_panel.html", takes_context=True)
def consent_panel(context: Any, household: Any) -> dict[str, Any]:
    user = context["request"].user
    wanted, rows = selectors.household_summary(household, user)
    return {
        "household": household,
        "purposes": wanted,
        "rows": rows,
        "can_edit": access.can(user, Capability.EDIT_PEOPLE),
    }


@register.filter
def topic_labels(topics: Any) -> list[str]:
    """Contact topics as a person reads them."""
    return [str(_TOPICS.get(t, t)) for t in topics or []]
