"""Test helpers for sharing: agreements in force with the items a test needs."""

from __future__ import annotations

from datetime import date
from typing import Any

from familyhub.sharing import items as vocabulary
from familyhub.sharing.models import Agreement, Level

_counter = iter(range(1, 10**6))


def make_agreement(
    *,
    level: str = Level.AGGREGATE,
    items: list[str] | None = None,
    reference: str | None = None,
    **fields: Any,
) -> Agreement:
    """An agreement in force since 2020 covering `items` (default: every item of its level),
    shared on request (no frequency limit) unless `frequency` is given."""
    from familyhub.sharing.models import LEVEL_RANK

    if items is None:
        items = [
            code
            for code, item in vocabulary.ITEMS.items()
            if LEVEL_RANK[item.level] <= LEVEL_RANK[Level(level)]
        ]
    defaults: dict[str, Any] = {
        "reference": reference or f"DSA-TEST-{next(_counter):04d}",
        "title": "Evaluation of the programme",
        "recipient": "The evaluation team",
        "purpose": "To evaluate how the programme reaches families",
        "level": level,
        "data_items": items,
        "lawful_basis": "public_task",
        "frequency": "on_request",
        "starts_on": date(2020, 1, 1),
        "responsible_name": "Dana Officer",
        "pseudonym_salt": "test-salt",
    }
    defaults.update(fields)
    return Agreement.objects.create(**defaults)
