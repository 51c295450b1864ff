"""Every purpose-dependent step, in one registry (R-CONSENT-3, invariant 3).

A step is a page, a download or a function that uses people's data for one purpose of the register
(a mailing list, a registration list, a photo's use, an evaluation data set). Each must ask
`privacy.policy` which people the purpose allows. `tests/test_steps.py` walks this registry with the
policy replaced by one that raises, and fails for any step that answers without asking; it also
fails when a view marked with `purpose_step` is missing from the registry, or the other way round.

Add a new step here and mark its view:

    @purpose_step(purposes.EVALUATION)
    @staff_view(Capability.VIEW_PEOPLE)
    def evaluation_extract(request): ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from familyhub.privacy import purposes

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Step:
    url_name: str
    purpose: str
    what: str
    record: str | None = None  # "person": the route takes a person's id


PURPOSE_STEPS: list[Step] = [
    Step("privacy:mailing_list", purposes.RECEIVING_INFORMATION, "the mailing list page"),
    Step(
        "privacy:mailing_list_csv",
        purposes.RECEIVING_INFORMATION,
        "the mailing list download (CSV)",
    ),
    Step(
        "privacy:imagination_library",
        purposes.IMAGINATION_LIBRARY,
        "the Imagination Library registration list",
    ),
    Step(
        "privacy:imagination_library_csv",
        purposes.IMAGINATION_LIBRARY,
        "the Imagination Library registration download (CSV)",
    ),
    Step(
        "privacy:photo_consent",
        purposes.PHOTOS,
        "'may we use photos of this person?'",
        record="person",
    ),
]

# Purpose-dependent functions other apps call (not routes): (dotted path, purpose code).
FUNCTION_STEPS: list[tuple[str, str]] = [
    ("familyhub.privacy.selectors_consent.photo_consent_map", purposes.PHOTOS),
]


def purpose_step(code: str) -> Callable[[F], F]:
    """Mark a view as a step that uses people's data for the purpose `code`."""

    def mark(view: F) -> F:
        view.purpose_step = code  # type: ignore[attr-defined]
        return view

    return mark
