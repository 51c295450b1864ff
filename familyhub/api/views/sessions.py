"""Group sessions and their attendance (R-ENGAGE-3, R-IMPORT-2).

Sessions come from `engagement.scopes.sessions_visible_to` (run by the user's organisation, or
naming the user as a worker; 404 alike for others' and for missing ones). Attendance shows the
register's minimum (a person's id and name), and is recorded through `engagement.services.
register_apply`, the register page's own service: the same checks (not before the doors open, not
for a cancelled session, only people in the user's families or already registered at their
sessions), the same history, and the same rule that the later answer for a person stands.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from familyhub.access import helpers as access
from familyhub.access.models import AccessLogEntry
from familyhub.api import examples as ex
from familyhub.api import selectors
from familyhub.api import serializers_work as s
from familyhub.api.idempotency import created_ref, idempotent
from familyhub.api.pagination import Pagination
from familyhub.api.schema import PAGE_PARAMETERS, create_parameters, id_parameter, problems
from familyhub.api.views.base import PeopleApiView
from familyhub.core.errors import NotFound, ValidationFailed
from familyhub.engagement import selectors as engagement
from familyhub.engagement import services as engagement_services

TAGS = ["sessions"]

DATE_PARAMETERS = [
    OpenApiParameter(
        name,
        OpenApiTypes.DATE,
        OpenApiParameter.QUERY,
        required=False,
        description=f"Only sessions {words} this date",
    )
    for name, words in (("date_from", "on or after"), ("date_to", "on or before"))
]


def _date(request: Request, name: str) -> Any:
    value = request.query_params.get(name)
    if not value:
        return None
    from django.utils.dateparse import parse_date

    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        raise ValidationFailed("Give a date as YYYY-MM-DD", field=name)
    return day


class SessionListView(PeopleApiView):
    pagination_class = Pagination

    @extend_schema(
        tags=TAGS,
        operation_id="sessions_list",
        summary="Sessions you run",
        description=(
            "Sessions run by your organisation, or on which you are a named worker, by date (or, "
            "with `changed_since`, by `updated_at`). No personal data."
        ),
        parameters=[*DATE_PARAMETERS, *PAGE_PARAMETERS],
        responses={200: s.SessionOut(many=True), **problems(400, 401, 403)},
        examples=[ex.SESSIONS_PAGE],
    )
    def get(self, request: Request) -> Response:
        rows = selectors.session_list(
            request.user, date_from=_date(request, "date_from"), date_to=_date(request, "date_to")
        )
        return self.paginated(rows, s.SessionOut)


class SessionDetailView(PeopleApiView):
    @extend_schema(
        tags=TAGS,
        operation_id="sessions_retrieve",
        summary="One session",
        parameters=[id_parameter("session")],
        responses={200: s.SessionOut, **problems(401, 403, 404)},
        examples=[ex.SESSION],
    )
    def get(self, request: Request, id: str) -> Response:
        session = engagement.session_for(request.user, id)
        return Response(s.SessionOut(session, context=self.context()).data)


class SessionAttendanceView(PeopleApiView):
    pagination_class = Pagination

    @extend_schema(
        tags=TAGS,
        operation_id="sessions_attendance_list",
        summary="Who was at a session",
        description=(
            "Everyone with an attendance answer at the session (present or not), by name (or, "
            "with `changed_since`, by `updated_at`): the register's minimum, id and name. The "
            "people shown appear in the access log."
        ),
        parameters=[id_parameter("session"), *PAGE_PARAMETERS],
        responses={200: s.AttendanceOut(many=True), **problems(400, 401, 403, 404)},
        examples=[ex.ATTENDANCE_PAGE],
    )
    def get(self, request: Request, id: str) -> Response:
        session = engagement.session_for(request.user, id)

        def log(page: list[Any]) -> None:
            access.log_people_shown(
                request.user,
                [a.person for a in page],
                action=AccessLogEntry.Action.LIST,
                detail="api session attendance",
                object_type="attendance",
            )

        return self.paginated(selectors.attendance_of(session), s.AttendanceOut, log=log)

    @extend_schema(
        tags=TAGS,
        operation_id="sessions_attendance_create",
        summary="Record whether someone was at a session",
        description=(
            "Attendance can be taken from 30 minutes before the session starts, never for a "
            "cancelled one. 201 when the person's first answer for the session; 200 when it "
            "changes (or confirms) an earlier one. Of two answers for the same person, the one "
            "with the later `at` stands."
        ),
        parameters=create_parameters(id_parameter("session")),
        request=s.AttendanceIn,
        responses={
            201: s.AttendanceOut,
            200: s.AttendanceOut,
            **problems(400, 401, 403, 404, 422),
        },
        examples=[ex.ATTENDANCE_IN, ex.ATTENDANCE],
    )
    @idempotent
    def post(self, request: Request, id: str) -> Response:
        session = engagement.session_for(request.user, id)
        data = self.validated(s.AttendanceIn)
        existed = selectors.attendance_row(session, data["person"]) is not None
        tick = engagement_services.Tick(
            id=uuid.uuid4(),
            person=str(data["person"]),
            present=data["present"],
            at=data["at"] or timezone.now(),
        )
        [result] = engagement_services.register_apply(
            actor=request.user, session=session, entries=[tick]
        )
        if not result.saved:
            if result.errors:
                raise ValidationFailed.from_errors(result.errors)
            field = "person" if not result.message.startswith(session.title) else None
            raise ValidationFailed(result.message, field=field)
        row = selectors.attendance_row(session, data["person"])
        if row is None:  # pragma: no cover - saved means the row exists
            raise NotFound(access.NOT_FOUND)
        response = Response(
            s.AttendanceOut(row, context=self.context()).data, status=200 if existed else 201
        )
        return created_ref(response, row.uuid)

    def replay(self, request: Request, ref: str, id: str) -> dict[str, Any]:
        session = engagement.session_for(request.user, id)
        row = selectors.attendance_by_uuid(session, ref)
        if row is None:
            raise NotFound(access.NOT_FOUND)
        access.log_people_shown(
            request.user,
            [row.person],
            action=AccessLogEntry.Action.LIST,
            detail="api session attendance",
            object_type="attendance",
        )
        return s.AttendanceOut(row, context=self.context()).data
