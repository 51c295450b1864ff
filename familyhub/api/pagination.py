"""Pages of every list, and `changed_since` for partner systems that keep a copy in step (R-IMPORT-2).

Two ways through a list, one response shape (`count`, `next`, `previous`, `results`):

- By page number (`page`, `page_size`), in the list's own order (by name, date...): for people.
- By change (`changed_since`): only the rows whose `updated_at` is at or after the given time, in the
  order (`updated_at`, `id`), and paged by an opaque `cursor` that remembers the last row sent
  (keyset pagination, ADR 0022). A row changed while a partner pages through moves to the end and is
  sent again there; no row is skipped, which page numbers cannot promise (every later row shifts
  left by one when an earlier one moves to the end). `previous` is always null in this mode: a
  partner syncs forwards, and starts again from the largest `updated_at` it received.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from familyhub.core.errors import ValidationFailed

CHANGED_SINCE = "changed_since"
CURSOR = "cursor"


def parse_changed_since(value: str) -> datetime:
    """An ISO 8601 time (`2026-11-30T09:00:00Z`; without an offset, UK time) or a date (its start)."""
    text = value.strip()
    when = None
    try:
        when = parse_datetime(text)
        if when is None:
            day = parse_date(text)
            if day is not None:
                when = datetime.combine(day, time.min)
    except ValueError:
        when = None
    if when is None:
        raise ValidationFailed(
            "Give changed_since as an ISO 8601 date and time, e.g. 2026-11-30T09:00:00Z, or a date",
            field=CHANGED_SINCE,
        )
    try:
        if timezone.is_naive(when):
            when = timezone.make_aware(when)
        # In UTC: PostgreSQL refuses offsets beyond 15:59, which Python allows; far-off years with
        # an offset overflow here, not in the database.
        when = when.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValidationFailed(
            "This changed_since is out of range: give a time between the years 1 and 9999",
            field=CHANGED_SINCE,
        ) from None
    return when


def _encode(updated_at: datetime, id_: Any) -> str:
    raw = json.dumps([updated_at.isoformat(), str(id_)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, id_ = json.loads(raw)
        when = datetime.fromisoformat(at)
        if timezone.is_naive(when):
            raise ValueError("naive")
        return when, UUID(id_)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(
            "This cursor is not one the API gave: follow the `next` link as it is", field=CURSOR
        ) from None


class Pagination(PageNumberPagination):
    """Page numbers by default; with `changed_since`, a cursor in (`updated_at`, `id`) order."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    # How rows are ordered and compared in the sync mode: their `updated_at` and public `id`.
    updated_field = "updated_at"
    id_field = "uuid"

    def __init__(self) -> None:
        self.sync = False
        self.next_cursor: str | None = None
        self.total = 0

    @staticmethod
    def since(request: Any) -> datetime | None:
        value = request.query_params.get(CHANGED_SINCE)
        return parse_changed_since(value) if value not in (None, "") else None

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any] | None:
        since = self.since(request)
        if since is None:
            if request.query_params.get(CURSOR):
                raise ValidationFailed(
                    "A cursor is only used with changed_since: follow the `next` link as it is",
                    field=CURSOR,
                )
            try:
                return super().paginate_queryset(queryset, request, view)
            except NotFound:  # DRF's answer to a page that is not a number or past the end
                raise ValidationFailed(
                    "There is no such page: pages are numbered from 1 to the last one",
                    field=self.page_query_param,
                ) from None
        self.sync = True
        self.request = request
        size = self.get_page_size(request) or self.page_size
        cursor = request.query_params.get(CURSOR)
        after = _decode(cursor) if cursor else None
        if isinstance(queryset, QuerySet):
            rows = self._sync_queryset(queryset, since, after, size)
        else:
            rows = self._sync_sequence(queryset, since, after, size)
        more = len(rows) > size
        rows = rows[:size]
        if more:
            last = rows[-1]
            self.next_cursor = _encode(self._updated(last), self._id(last))
        return rows

    def _updated(self, row: Any) -> datetime:
        return getattr(row, self.updated_field)

    def _id(self, row: Any) -> Any:
        return getattr(row, self.id_field, None) or row.id

    def _sync_queryset(
        self, qs: QuerySet[Any], since: datetime, after: tuple[datetime, UUID] | None, size: int
    ) -> list[Any]:
        u, i = self.updated_field, self.id_field
        qs = qs.filter(**{f"{u}__gte": since})
        self.total = qs.count()
        if after is not None:
            qs = qs.filter(Q(**{f"{u}__gt": after[0]}) | Q(**{u: after[0], f"{i}__gt": after[1]}))
        return list(qs.order_by(u, i)[: size + 1])

    def _sync_sequence(
        self, rows: Sequence[Any], since: datetime, after: tuple[datetime, UUID] | None, size: int
    ) -> list[Any]:
        chosen = [r for r in rows if self._updated(r) >= since]
        self.total = len(chosen)
        chosen.sort(key=lambda r: (self._updated(r), str(self._id(r))))
        if after is not None:
            key = (after[0], str(after[1]))
            chosen = [r for r in chosen if (self._updated(r), str(self._id(r))) > key]
        return chosen[: size + 1]

    def get_paginated_response(self, data: Any) -> Response:
        if not self.sync:
            return super().get_paginated_response(data)
        next_link = None
        if self.next_cursor is not None and self.request is not None:
            url = self.request.build_absolute_uri()
            next_link = replace_query_param(
                remove_query_param(url, self.page_query_param), CURSOR, self.next_cursor
            )
        return Response({"count": self.total, "next": next_link, "previous": None, "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        out = super().get_paginated_response_schema(schema)
        out["properties"]["count"]["description"] = (
            "Rows in the list (with changed_since: rows changed since then)"
        )
        out["properties"]["next"]["description"] = "The next page, or null on the last one"
        return out
