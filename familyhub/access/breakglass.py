"""Break glass (R-ACCESS-2, ADR 0010): what a grant means while a request is being answered.

The writes (asking, ending, reviewing) are in `access.services`; the scope widening is in
`access.scopes`. This module holds what the read path needs on every request:

- `reference_from_text`: what the user typed to identify the family, understood without reading
  the database (so a malformed reference is refused without revealing anything);
- `log_reason_for`: the "why" written to the access log for any access, during a grant, to a member
  of the family it opened (`access.log.record` calls it);
- `note_shown` / `shown`: the grants whose family the current page shows, for the banner
  (`{% break_glass_banner %}` in the base template).
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings

from familyhub.access.models import BREAK_GLASS_LOG_PREFIX, BreakGlassGrant
from familyhub.people.validators import InvalidValue, normalise_nhs_number

DEFAULT_MINUTES = 60
# More requests than this in a day are refused: break glass is for emergencies, not for browsing.
DEFAULT_DAILY_LIMIT = 10


def grant_minutes() -> int:
    """How long a grant lasts (FAMILYHUB_BREAK_GLASS_MINUTES, default 60)."""
    return int(getattr(settings, "FAMILYHUB_BREAK_GLASS_MINUTES", DEFAULT_MINUTES))


def daily_limit() -> int:
    return int(getattr(settings, "FAMILYHUB_BREAK_GLASS_DAILY_LIMIT", DEFAULT_DAILY_LIMIT))


# --- the reference the user gives -----------------------------------------------------------------

_UUID = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
_FAMILY_LINK = re.compile(rf"/families/({_UUID})(?:/|$)")
_PERSON_LINK = re.compile(rf"/people/({_UUID})(?:/|$)")
_BARE_UUID = re.compile(rf"^({_UUID})$")


@dataclass(frozen=True)
class Reference:
    """A family's reference as typed: a link to a family or person page, an id, or an NHS number."""

    kind: str  # "household", "person", "either" (a bare id) or "nhs_number"
    value: str

    @property
    def uuid(self) -> UUID:
        return UUID(self.value)


REFERENCE_HELP = (
    "Enter the family's reference: a link to the family's or a person's page (for example "
    "https://…/families/3f2b…/), the id in such a link, or a person's 10-digit NHS number"
)


def reference_from_text(text: str) -> Reference | None:
    """Understand the reference without touching the database; None when it is not one."""
    text = (text or "").strip()
    if not text:
        return None
    for pattern, kind in ((_FAMILY_LINK, "household"), (_PERSON_LINK, "person")):
        match = pattern.search(text)
        if match:
            return Reference(kind, str(UUID(match.group(1))))
    match = _BARE_UUID.match(text)
    if match:
        return Reference("either", str(UUID(match.group(1))))
    if re.fullmatch(r"[0-9 ]{10,13}", text):
        try:
            return Reference("nhs_number", normalise_nhs_number(text))
        except InvalidValue:
            return None
    return None


# --- the log's "why" ------------------------------------------------------------------------------


def log_reason_for(user: Any, person_keys: Iterable[UUID | str]) -> str:
    """The reasons of the user's grants in force that cover any of these people, or ""."""
    keys_of = getattr(user, "break_glass_person_keys", None)
    if keys_of is None:
        return ""
    granted = keys_of()
    if not granted:
        return ""
    reasons: list[str] = []
    for key in person_keys:
        grant = granted.get(str(key))
        if grant is not None and grant.log_reason not in reasons:
            reasons.append(grant.log_reason)
    return "; ".join(sorted(reasons))


_LOG_REASON = re.compile(rf"^{BREAK_GLASS_LOG_PREFIX}({_UUID}): (.+)$")


def grant_id_in_reason(reason: str) -> str | None:
    """The grant id at the start of a log reason written for a grant, or None."""
    match = _LOG_REASON.match(reason.split("; ")[0]) if reason else None
    return match.group(1) if match else None


def readable_reason(reason: str) -> str:
    """A log reason as a person reads it: "Emergency access: Safeguarding concern"."""
    parts = []
    for part in (reason or "").split("; "):
        match = _LOG_REASON.match(part)
        parts.append(f"Emergency access: {match.group(2)}" if match else part)
    return "; ".join(p for p in parts if p)


# --- the banner -----------------------------------------------------------------------------------

_shown: contextvars.ContextVar[list[BreakGlassGrant] | None] = contextvars.ContextVar(
    "familyhub_break_glass_shown", default=None
)


def start_request() -> contextvars.Token[list[BreakGlassGrant] | None]:
    return _shown.set([])


def end_request(token: contextvars.Token[list[BreakGlassGrant] | None]) -> None:
    _shown.reset(token)


def note_shown(
    user: Any, *, household_ids: Iterable[int] = (), person_keys: Iterable[UUID | str] = ()
) -> None:
    """The page being built shows these records: remember the grants that opened them."""
    shown = _shown.get()
    grants_of = getattr(user, "break_glass_grants", None)
    if shown is None or grants_of is None:
        return
    grants = grants_of()
    if not grants:
        return
    found = [g for g in grants if g.household_id in set(household_ids)]
    keys = [str(k) for k in person_keys]
    if keys:
        by_key = user.break_glass_person_keys()
        found += [by_key[k] for k in keys if k in by_key]
    for grant in found:
        if all(g.pk != grant.pk for g in shown):
            shown.append(grant)


def shown() -> list[BreakGlassGrant]:
    return list(_shown.get() or [])
