"""What every casework selector shares."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.errors import NotFound

VIEW = Capability.VIEW_PEOPLE
CASEWORK = Capability.CASEWORK
# Front-door work: everyone who registers families takes enquiries and complaints.
HANDLE = Capability.EDIT_PEOPLE


def uuid_of(value: Any) -> UUID:
    """A uuid from a URL or a form, or NotFound (as for a record that does not exist)."""
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise NotFound(access.NOT_FOUND)
