"""`Idempotency-Key` on every create (R-IMPORT-2, ADR 0022).

A create view's handler is wrapped with `@idempotent`. Without the header, nothing changes. With it:

- the same key (for the same token) with the same request, within 24 hours: nothing is written again;
  the answer has the first one's status and `Location`, the record as it is now (read afresh through
  the view's `replay`, which goes through the access helpers), and `Idempotent-Replayed: true`;
- the same key with a different request (method, path or body): 422 problem+json, nothing written;
- two requests with the same key at once: the key's row is written in the same transaction as the
  record, under a unique constraint, so one wins; the other's write is rolled back and it is
  answered as a replay of the winner (or 422 if its body differed).

Only successful creates keep their key: a refused request wrote nothing, so its key may be used
again with a corrected body. A handler tells what it created by setting `response.created_ref`
(see `created_ref`); its view's `replay(request, ref, **kwargs)` returns the record's JSON.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from familyhub.access.models import ApiToken
from familyhub.api.errors import problem
from familyhub.api.models import KEEP, IdempotencyKey
from familyhub.core.errors import ValidationFailed

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_LENGTH = 255


class _Raced(Exception):
    """Another request with the same key committed first: undo this one's write."""


def _owner(request: Request) -> tuple[str, ApiToken | None]:
    token = request.auth if isinstance(request.auth, ApiToken) else None
    if token is not None:
        return f"token:{token.pk}", token
    return f"user:{request.user.pk}", None


def _valid_key(value: str) -> str:
    if not (1 <= len(value) <= MAX_LENGTH) or not all(32 <= ord(ch) < 127 for ch in value):
        raise ValidationFailed(
            f"An {HEADER} is 1 to {MAX_LENGTH} printable ASCII characters (a UUID is best)",
            field=HEADER,
        )
    return value


def request_hash(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    text = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()


def _mismatch() -> Response:
    return problem(
        422,
        "Idempotency key already used",
        f"This {HEADER} was already used with a different request. Use a new key for a new "
        "record; send exactly the same request to retry.",
        {HEADER: ["Already used with a different request"]},
        "idempotency_key_reused",
    )


def _replay(view: Any, request: Request, row: IdempotencyKey, kwargs: dict[str, Any]) -> Response:
    data = view.replay(request, row.resource, **kwargs)
    headers = {REPLAYED: "true"}
    if row.location:
        headers["Location"] = row.location
    return Response(data, status=row.status, headers=headers)


def _find(owner: str, key: str) -> IdempotencyKey | None:
    row = IdempotencyKey.objects.filter(owner=owner, key=key).first()
    if row is not None and row.created_at < timezone.now() - KEEP:
        IdempotencyKey.objects.filter(pk=row.pk).delete()  # expired: may be used afresh
        return None
    return row


def created_ref(response: Response, ref: Any) -> Response:
    """Say what the create made (ids only), for a replay to read it again."""
    response.created_ref = str(ref)  # type: ignore[attr-defined]
    return response


Handler = Callable[..., Response]


def idempotent(handler: Handler) -> Handler:
    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw = request.headers.get(HEADER)
        if raw is None:
            return handler(view, request, *args, **kwargs)
        key = _valid_key(raw)
        owner, token = _owner(request)
        digest = request_hash(request)
        found = _find(owner, key)
        if found is not None:
            return (
                _replay(view, request, found, kwargs)
                if found.request_hash == digest
                else (_mismatch())
            )
        try:
            with transaction.atomic():
                response = handler(view, request, *args, **kwargs)
                ref = getattr(response, "created_ref", None)
                if 200 <= response.status_code < 300 and ref is not None:
                    try:
                        with transaction.atomic():
                            IdempotencyKey.objects.create(
                                owner=owner,
                                key=key,
                                user=request.user,  # type: ignore[misc]  # signed in
                                token=token,
                                method=request.method or "POST",
                                path=request.path[:300],
                                request_hash=digest,
                                status=response.status_code,
                                location=response.get("Location", "")[:300],
                                resource=ref[:200],
                            )
                    except IntegrityError:
                        raise _Raced() from None
        except _Raced:
            winner = IdempotencyKey.objects.get(owner=owner, key=key)
            if winner.request_hash != digest:
                return _mismatch()
            return _replay(view, request, winner, kwargs)
        # Keys past their 24 hours, whoever's: deleted by the next create that brings a key.
        IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
        return response

    return wrapper
