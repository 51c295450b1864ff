"""From the services' field names to the API's field paths, so a problem names what the client sent.

The services report errors under the names the web forms use ("members-0-nhs_number",
"address_postcode", "relationships-0-to_person"); the API's JSON has nested objects, so the same
errors are reported as "members.0.person.nhs_number", "address.postcode", "relationships.0.to".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from familyhub.core.errors import ApplicationError, ConcurrentEdit

_MEMBER = re.compile(r"^members-(\d+)-(.+)$")
_RELATIONSHIP = re.compile(r"^relationships-(\d+)-(.+)$")
_RELATIONSHIP_FIELDS = {"from_person": "from", "to_person": "to"}
_ADDRESS_FIELDS = {"line1", "line2", "town", "postcode", "postcode_key", "ward"}


def member_path(name: str) -> str:
    """A field of one member ({role, lives_here, person: {...}} or {role, existing_person})."""
    if name in ("role", "lives_here"):
        return name
    if name == "person":  # the service's name for "this existing person" (e.g. already a member)
        return "existing_person"
    return f"person.{name}"


def relationship_path(name: str) -> str:
    return _RELATIONSHIP_FIELDS.get(name, name)


def address_path(name: str) -> str:
    """household_move reports address fields without a prefix; they are under "address" here."""
    if name in _ADDRESS_FIELDS:
        return "address.postcode" if name == "postcode_key" else f"address.{name}"
    return name


def register_path(key: str) -> str:
    """A `household_register` error key as a path in the household create payload."""
    m = _MEMBER.match(key)
    if m:
        return f"members.{m[1]}.{member_path(m[2])}"
    m = _RELATIONSHIP.match(key)
    if m:
        return f"relationships.{m[1]}.{relationship_path(m[2])}"
    if key.startswith("address_"):
        return address_path(key.removeprefix("address_"))
    return key


def same(key: str) -> str:
    return key


def rename_errors(exc: ApplicationError, rename: Callable[[str], str]) -> ApplicationError:
    """The same error, with each field renamed (messages for two keys that meet are merged)."""
    errors: dict[str, list[str]] = {}
    for key, messages in exc.errors.items():
        errors.setdefault(rename(key), []).extend(messages)
    return type(exc)(exc.message, errors=errors)


@contextmanager
def service_errors(
    rename: Callable[[str], str] = same, *, version: int | None = None
) -> Iterator[None]:
    """Run a service call; re-raise its errors with API field paths (and an API-worded conflict)."""
    try:
        yield
    except ConcurrentEdit as exc:
        raise ConcurrentEdit(
            f"Someone else changed this record after version {version} was read. Read it again, "
            "make your change to the new version, and send that version number."
            if version is not None
            else "Someone else changed this record while you were editing it. Read it again and retry.",
            field="version",
        ) from exc
    except ApplicationError as exc:
        raise rename_errors(exc, rename) from exc
