"""People: list and search, read, change, record a birth; relationships."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import prefetch_related_objects
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from familyhub.access import helpers as access
from familyhub.access.models import AccessLogEntry
from familyhub.api import examples as ex
from familyhub.api import selectors
from familyhub.api import serializers as s
from familyhub.api.fieldpaths import relationship_path, service_errors
from familyhub.api.idempotency import created_ref, idempotent
from familyhub.api.pagination import Pagination
from familyhub.api.schema import PAGE_PARAMETERS, create_parameters, id_parameter, problems
from familyhub.api.views.base import (
    PeopleApiView,
    created,
    household_in_body,
    people_in_body,
    refuse_special_category,
)
from familyhub.core.errors import NotFound
from familyhub.people import search, services
from familyhub.people.services import PERSON_FIELDS

Action = AccessLogEntry.Action

Q_PARAMETER = OpenApiParameter(
    "q",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    description=(
        "Search: a name (typing mistakes tolerated: 'Jon Smyth' finds John Smith), a date of birth, "
        "a postcode or an NHS number, or several together. Results are the best matches first "
        f"(at most {settings.FAMILYHUB_SEARCH_LIMIT}). Without q: everyone you may see, by name."
    ),
)


class PersonListView(PeopleApiView):
    pagination_class = Pagination

    @extend_schema(
        tags=["people"],
        operation_id="people_list",
        summary="People you may see, or a search",
        description=(
            "With `changed_since`: the people changed since then (their details, identifiers or "
            "a birth), in `updated_at` order, for keeping a copy in step."
        ),
        parameters=[Q_PARAMETER, *PAGE_PARAMETERS],
        responses={200: s.PersonOut(many=True), **problems(400, 401, 403)},
        examples=[ex.PEOPLE_PAGE],
    )
    def get(self, request: Request) -> Response:
        user = request.user
        q = (request.query_params.get("q") or "").strip()
        rows: Any
        if q:
            rows = search.run(
                access.people_visible_to(user), q, limit=settings.FAMILYHUB_SEARCH_LIMIT
            ).people
            action, detail = Action.SEARCH, "api people search"  # never the query: it holds names
        else:
            rows = selectors.person_list(user)
            action, detail = Action.LIST, "api people list"

        def log(page: list[Any]) -> None:
            prefetch_related_objects(page, "identifiers")
            selectors.attach_households(user, page)
            access.log_people_shown(user, page, action=action, detail=detail)

        return self.paginated(rows, s.PersonOut, log=log)


class PersonDetailView(PeopleApiView):
    @extend_schema(
        tags=["people"],
        operation_id="people_retrieve",
        summary="One person",
        parameters=[id_parameter("person")],
        responses={200: s.PersonOut, **problems(401, 403, 404)},
        examples=[ex.PERSON],
    )
    def get(self, request: Request, id: str) -> Response:
        person = access.person_for(request.user, id)
        selectors.attach_households(request.user, [person])
        return Response(s.PersonOut(person, context=self.context()).data)

    @extend_schema(
        tags=["people"],
        operation_id="people_partial_update",
        summary="Change a person's details",
        description=(
            "Send the `version` you read and only the fields to change; a stale version is refused "
            "with 409. " + s.SPECIAL_NOTE
        ),
        parameters=[id_parameter("person")],
        request=s.PersonUpdateIn,
        responses={200: s.PersonOut, **problems(400, 401, 403, 404, 409)},
        examples=[ex.PERSON_UPDATE, ex.PERSON],
    )
    def patch(self, request: Request, id: str) -> Response:
        person = access.person_for(request.user, id)
        data = self.validated(s.PersonUpdateIn)
        refuse_special_category(request.user, data)
        changes = {k: data[k] for k in PERSON_FIELDS if k in data}
        with service_errors(version=data["version"]):
            services.person_update(
                actor=request.user,
                person=person,
                data=changes,
                expected_version=data["version"],
                reason=data["reason"],
            )
        selectors.attach_households(request.user, [person])
        return Response(s.PersonOut(person, context=self.context()).data)


class PersonBirthView(PeopleApiView):
    @extend_schema(
        tags=["people"],
        operation_id="people_birth",
        summary="Record the birth of an unborn child",
        description="The same person becomes a born child; their history is kept.",
        parameters=[id_parameter("person")],
        request=s.BirthIn,
        responses={200: s.PersonOut, **problems(400, 401, 403, 404, 409)},
        examples=[ex.BIRTH, ex.PERSON],
    )
    def post(self, request: Request, id: str) -> Response:
        person = access.person_for(request.user, id, log_view=False)
        data = self.validated(s.BirthIn)
        with service_errors(version=data["version"]):
            services.person_record_birth(
                actor=request.user,
                person=person,
                date_of_birth=data["date_of_birth"],
                expected_version=data["version"],
                given_name=data["given_name"],
                sex=data["sex"],
            )
        selectors.attach_households(request.user, [person])
        return Response(s.PersonOut(person, context=self.context()).data)


class PersonRelationshipsView(PeopleApiView):
    pagination_class = Pagination

    @extend_schema(
        tags=["relationships"],
        operation_id="people_relationships_list",
        summary="A person's relationships",
        description="Only relationships with people you may also see are listed.",
        parameters=[id_parameter("person"), *PAGE_PARAMETERS],
        responses={200: s.RelationshipOut(many=True), **problems(400, 401, 403, 404)},
        examples=[ex.RELATIONSHIP],
    )
    def get(self, request: Request, id: str) -> Response:
        person = access.person_for(request.user, id)
        rows = selectors.relationships_of(request.user, person)

        def log(page: list[Any]) -> None:
            others = {r.to_person if r.from_person.pk == person.pk else r.from_person for r in page}
            access.log_people_shown(
                request.user, others, action=Action.LIST, detail="api person relationships"
            )

        return self.paginated(rows, s.RelationshipOut, log=log)


class RelationshipListView(PeopleApiView):
    @extend_schema(
        tags=["relationships"],
        operation_id="relationships_create",
        summary="Record a relationship",
        description="`from` is the <kind> of `to`, e.g. from is the mother of to.",
        parameters=create_parameters(),
        request=s.RelationshipIn,
        responses={201: s.RelationshipOut, **problems(400, 401, 403, 422)},
        examples=[ex.RELATIONSHIP_CREATE, ex.RELATIONSHIP],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = self.validated(s.RelationshipIn)
        ends = people_in_body(request.user, {"from": data["from"], "to": data["to"]})
        household = (
            household_in_body(request.user, data["household"], "household")
            if data["household"]
            else None
        )
        with service_errors(relationship_path):
            rel = services.relationship_add(
                actor=request.user,
                from_person=ends["from"],
                to_person=ends["to"],
                kind=data["kind"],
                parental_responsibility=data["parental_responsibility"],
                household=household,
            )
        row = selectors.RelationshipRow(
            rel.uuid,
            ends["from"],
            ends["to"],
            rel.kind,
            rel.parental_responsibility,
            rel.ended_on,
            rel.updated_at,
        )
        response = created(
            s.RelationshipOut(row, context=self.context()).data,
            "api-person-relationships",
            ends["from"].uuid,
        )
        return created_ref(response, f"{ends['from'].uuid}/{rel.uuid}")

    def replay(self, request: Request, ref: str) -> dict[str, Any]:
        person_id, rel_id = ref.split("/")
        person = access.person_for(request.user, person_id, log_view=False)
        row = next(
            (r for r in selectors.relationships_of(request.user, person) if str(r.id) == rel_id),
            None,
        )
        if row is None:
            raise NotFound(access.NOT_FOUND)
        access.log_people_shown(
            request.user,
            [row.from_person, row.to_person],
            action=Action.LIST,
            detail="api relationship",
        )
        return s.RelationshipOut(row, context=self.context()).data
