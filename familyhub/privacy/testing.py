"""Test helpers for purposes and consent (used by every app whose steps ask `privacy.policy`)."""

from __future__ import annotations

from typing import Any

from familyhub.privacy.models import LawfulBasis, Purpose


def make_purpose(
    code: str = "receiving-information",
    *,
    basis: str = LawfulBasis.CONSENT,
    name: str | None = None,
    **fields: Any,
) -> Purpose:
    """A purpose in the register (get or create by code, so tests may share the seeded ones)."""
    defaults = {
        "name": name or code.replace("-", " ").capitalize(),
        "description": f"Used for {code.replace('-', ' ')}.",
        "lawful_basis": basis,
        "retention": "case record: 6 years after last contact with the family",
        "data_categories": ["identity", "contact"],
        **fields,
    }
    purpose, created = Purpose.objects.get_or_create(code=code, defaults=defaults)
    if not created:
        for k, v in defaults.items():
            setattr(purpose, k, v)
        purpose.save()
    return purpose
