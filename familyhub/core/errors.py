"""One family of application errors (ARCHITECTURE: Conventions).

A service raises these; the web UI shows the message at the field it names, the API renders it as
application/problem+json with the field, and a command exits non-zero with the one-line reason.
"""

from __future__ import annotations

from collections.abc import Mapping


class ApplicationError(Exception):
    """A refusal a person can act on. `errors` maps field name -> list of messages."""

    status = 400
    title = "The request could not be completed"
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        errors: Mapping[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        merged: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}
        if field and message not in merged.get(field, []):
            merged.setdefault(field, []).append(message)
        self.errors = merged


class ValidationFailed(ApplicationError):
    title = "Some details need correcting"
    code = "validation"

    @classmethod
    def from_errors(cls, errors: Mapping[str, list[str]]) -> ValidationFailed:
        messages = next(iter(errors.values()))
        return cls(messages[0], errors=errors)


class FieldErrors:
    """Collects problems by field so that every one is reported at once; `prefix` names the part
    of a larger form the fields belong to (a household's member, say)."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(f"{self.prefix}{name}", []).append(message)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed.from_errors(self.errors)


class ConcurrentEdit(ApplicationError):
    """Someone else saved the same record since this edit began (R-PEOPLE-5: no lost update)."""

    status = 409
    title = "Someone else changed this record"
    code = "conflict"


class NotFound(ApplicationError):
    """Missing and forbidden answer alike (invariant 2)."""

    status = 404
    title = "Not found"
    code = "not_found"


class PermissionRefused(ApplicationError):
    """An action the user may not take on a record they can see."""

    status = 403
    title = "You do not have permission to do this"
    code = "forbidden"
