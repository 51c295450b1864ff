"""What every people/households route shares: who may call it, validation, problems, pagination."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from familyhub.access import helpers as access
from familyhub.api.pagination import Pagination
from familyhub.api.permissions import CanEditPeople, CanViewPeople
from familyhub.core.errors import NotFound, PermissionRefused, ValidationFailed
from familyhub.people.services import SPECIAL_CATEGORY_FIELDS

NUL_REFUSED = "Text may not contain the NUL character (\\u0000)"


def _nul_path(value: Any, path: str = "") -> str | None:
    """The path of the first text holding a NUL character (PostgreSQL cannot store one), or None."""
    if isinstance(value, str):
        return (path or "non_field_errors") if "\x00" in value else None
    items: Any = ()
    if isinstance(value, dict):
        for key in value:
            if "\x00" in str(key):
                return path or "non_field_errors"
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    for key, item in items:
        found = _nul_path(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


class JSONWithoutNul(JSONParser):
    """JSON, refused with a 400 at the field when any text in it holds a NUL character."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        where = _nul_path(data)
        if where is not None:
            raise ValidationFailed(NUL_REFUSED, field=where)
        return data


class PeopleApiView(APIView):
    # Signed in (401 otherwise); a role that sees family records (403 otherwise); and, to write, a
    # role that edits them (403 otherwise). Which records: the access helpers (404 otherwise).
    # (A comment, not a docstring: drf-spectacular would show a docstring as every route's text.)

    permission_classes = [IsAuthenticated, CanViewPeople, CanEditPeople]
    parser_classes = [JSONWithoutNul]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        for name, values in request.query_params.lists():
            if "\x00" in name or any("\x00" in v for v in values):
                raise ValidationFailed(NUL_REFUSED, field=name.replace("\x00", ""))

    def validated(self, serializer_class: type[Serializer], **kwargs: Any) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def context(self) -> dict[str, Any]:
        return {"request": self.request, "view": self}

    def paginated(
        self, rows: Any, serializer_class: type[Serializer], *, log: Any = None
    ) -> Response:
        """One page of `rows`; `log(page)` records who was shown before the page is returned."""
        paginator = Pagination()
        page: list[Any] = paginator.paginate_queryset(rows, self.request, view=self) or []
        if log is not None:
            log(page)
        data = serializer_class(page, many=True, context=self.context()).data
        return paginator.get_paginated_response(data)


def refuse_special_category(user: Any, data: Mapping[str, Any], path: str = "") -> None:
    """Special-category details may only be recorded by roles that may see them (R-PEOPLE-3)."""
    if access.can_see_special_category(user):
        return
    sent = [name for name in SPECIAL_CATEGORY_FIELDS if name in data]
    if sent:
        message = (
            "Your role does not allow recording special-category details (ethnicity, religion, "
            "sexual orientation, disability, additional needs). Leave them out."
        )
        raise PermissionRefused(message, errors={f"{path}{name}": [message] for name in sent})


def people_in_body(user: Any, ids: Mapping[str, Any]) -> dict[str, Any]:
    """People named by `id` in a request body, each checked by `person_for`.

    One the user may not see is reported at its field (400), worded as for one that does not
    exist, so the answer never tells the two apart.
    """
    found: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for path, person_id in ids.items():
        try:
            found[path] = access.person_for(user, person_id, log_view=False)
        except NotFound:
            errors[path] = ["No such person, or you do not have access to them."]
    if errors:
        raise ValidationFailed.from_errors(errors)
    return found


def household_in_body(user: Any, household_id: Any, path: str) -> Any:
    try:
        return access.household_for(user, household_id, log_view=False)
    except NotFound:
        raise ValidationFailed("No such household, or you do not have access to it.", field=path)


def created(data: Any, url_name: str, id_: Any) -> Response:
    return Response(data, status=201, headers={"Location": reverse(url_name, kwargs={"id": id_})})


class NotFoundView(APIView):
    """Any other path under /api/: a problem+json 404, like every other API answer."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    schema = None

    def _not_found(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise NotFound(
            "There is no API route at this address. The routes are listed at /api/docs/."
        )

    get = post = put = patch = delete = _not_found
