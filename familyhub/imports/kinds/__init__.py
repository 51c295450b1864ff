"""The import kinds (R-IMPORT-1): each declares its columns and how a chunk is checked and written."""

from __future__ import annotations

from familyhub.core.errors import ApplicationError
from familyhub.imports.kinds.attendance import AttendanceKind
from familyhub.imports.kinds.base import ChunkOutcome, Column, Kind, Row, RowErrors
from familyhub.imports.kinds.imagination import ImaginationReturnKind
from familyhub.imports.kinds.outcomes import OutcomeKind
from familyhub.imports.kinds.people import PeopleKind
from familyhub.imports.kinds.population import PopulationKind
from familyhub.imports.kinds.postcodes import PostcodeKind
from familyhub.imports.kinds.referrals import ReferralKind

KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        AttendanceKind(),
        PeopleKind(),
        ReferralKind(),
        PostcodeKind(),
        PopulationKind(),
        OutcomeKind(),
        ImaginationReturnKind(),
    )
}


def kind_for(code: str) -> Kind:
    try:
        return KINDS[code]
    except KeyError:
        raise ApplicationError(
            f"Unknown import kind '{code}'. Choose one of: {', '.join(KINDS)}.", field="kind"
        )


def reference_kinds() -> list[str]:
    """Kinds whose files hold no personal data (an administrator may load them)."""
    return [k.code for k in KINDS.values() if not k.personal]


def kind_choices() -> list[tuple[str, str]]:
    return [(k.code, k.label) for k in KINDS.values()]


__all__ = [
    "KINDS",
    "ChunkOutcome",
    "Column",
    "Kind",
    "Row",
    "RowErrors",
    "kind_choices",
    "kind_for",
]
