"""OpenAPI details drf-spectacular cannot infer: the bearer-token scheme, problem responses, ids."""

from __future__ import annotations

from typing import Any

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from familyhub.api.errors import PROBLEM
from familyhub.api.pagination import Pagination
from familyhub.api.serializers import ProblemOut


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "familyhub.api.authentication.ApiTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An API token made with `familyhub create_api_token USERNAME --name NAME`, sent as "
                "`Authorization: Bearer <token>`. Tokens expire and can be revoked."
            ),
        }


class VerifiedSessionScheme(SessionScheme):
    """The staff web session (both factors given): the same cookie scheme as DRF's own."""

    target_class = "familyhub.api.authentication.VerifiedSessionAuthentication"


_MEANINGS = {
    400: "Some details need correcting: `errors` names each field (as a path in the request)",
    401: "No token, or the token is not recognised, has expired or has been revoked",
    403: "Your role does not allow this",
    404: "No such record, or you do not have access to it (the two are not told apart)",
    409: "Someone else changed the record since the `version` you sent",
    422: "This `Idempotency-Key` was already used with a different request",
}


def problems(*codes: int) -> dict[Any, Any]:
    """Problem responses (application/problem+json) for `extend_schema(responses=...)`."""
    return {
        (code, PROBLEM): OpenApiResponse(response=ProblemOut, description=_MEANINGS[code])
        for code in codes
    }


def id_parameter(what: str, *, name: str = "id") -> OpenApiParameter:
    return OpenApiParameter(
        name, OpenApiTypes.UUID, OpenApiParameter.PATH, description=f"The {what}'s `id`"
    )


# Listed by hand: drf-spectacular's list detection is confused by the problem responses' keys.
PAGE_PARAMETERS = [
    OpenApiParameter(
        "page",
        OpenApiTypes.INT,
        OpenApiParameter.QUERY,
        required=False,
        description="A page number within the paginated result set (from 1).",
    ),
    OpenApiParameter(
        "page_size",
        OpenApiTypes.INT,
        OpenApiParameter.QUERY,
        required=False,
        description=f"Results per page (default {Pagination.page_size}, at most {Pagination.max_page_size}).",
    ),
    OpenApiParameter(
        "changed_since",
        OpenApiTypes.DATETIME,
        OpenApiParameter.QUERY,
        required=False,
        description=(
            "For keeping a copy in step: only rows changed at or after this time (ISO 8601; a "
            "date means its start; without an offset, UK time), in the order `updated_at`, `id`, "
            "paged by `next` links (a cursor) instead of page numbers. Start the next sync from "
            "the largest `updated_at` received."
        ),
    ),
    OpenApiParameter(
        "cursor",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        required=False,
        description="Set by the `next` link of a `changed_since` list; do not make one up.",
    ),
]

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique value per record you create (a UUID is best), to make a retry safe: the same "
        "key with the same request within 24 hours creates nothing more and answers as the first "
        "time (same status and `Location`, the record as it is now, and `Idempotent-Replayed: "
        "true`); the same key with a different request is refused with 422. Keys are per token."
    ),
)


def create_parameters(*extra: OpenApiParameter) -> list[OpenApiParameter]:
    """Path parameters of a create, and the Idempotency-Key header."""
    return [*extra, IDEMPOTENCY_KEY]
