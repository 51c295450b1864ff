"""Households: list, register, read, change, move, add a member, change a member's place."""

from __future__ import annotations

from datetime import date
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from familyhub.access import helpers as access
from familyhub.access.models import AccessLogEntry
from familyhub.api import examples as ex
from familyhub.api import selectors
from familyhub.api import serializers as s
from familyhub.api.fieldpaths import address_path, member_path, register_path, service_errors
from familyhub.api.idempotency import created_ref, idempotent
from familyhub.api.pagination import Pagination
from familyhub.api.schema import PAGE_PARAMETERS, create_parameters, id_parameter, problems
from familyhub.api.views.base import PeopleApiView, created, people_in_body, refuse_special_category
from familyhub.core.errors import NotFound, ValidationFailed
from familyhub.people import services
from familyhub.people.services import MemberSpec, RelationshipSpec

TAGS = ["households"]


def household_detail(
    request: Request, household_id: Any, *, log_view: bool = True
) -> dict[str, Any]:
    """One household as JSON (members and the relationships between them), via `household_for`."""
    household = access.household_for(request.user, household_id, log_view=log_view)
    return detail_of(request, household)


def detail_of(request: Request, household: Any) -> dict[str, Any]:
    members = [m.person for m in household.memberships.all()]
    household.api_relationships = selectors.relationships_among(request.user, members)
    return s.HouseholdDetailOut(household, context={"request": request}).data


def member_spec(user: Any, member: dict[str, Any], path: str) -> MemberSpec:
    """A MemberSpec from one validated member; `path` prefixes field names in problems."""
    if "existing_person" in member:
        existing = people_in_body(user, {f"{path}existing_person": member["existing_person"]})
        return MemberSpec(
            role=member["role"],
            existing=next(iter(existing.values())),
            lives_here=member["lives_here"],
        )
    refuse_special_category(user, member["person"], f"{path}person.")
    return MemberSpec(
        role=member["role"], data=dict(member["person"]), lives_here=member["lives_here"]
    )


class HouseholdListView(PeopleApiView):
    pagination_class = Pagination

    @extend_schema(
        tags=TAGS,
        operation_id="households_list",
        summary="Households you may see",
        description=(
            "Paginated, by name (or, with `changed_since`, by `updated_at`: a household's own "
            "details and address changes; a member's changes show on the person). Each "
            "household's members appear in the access log."
        ),
        parameters=PAGE_PARAMETERS,
        responses={200: s.HouseholdOut(many=True), **problems(400, 401, 403)},
        examples=[ex.HOUSEHOLDS_PAGE],
    )
    def get(self, request: Request) -> Response:
        def log(page: list[Any]) -> None:
            access.log_people_shown(
                request.user,
                [m.person for h in page for m in h.memberships.all()],
                action=AccessLogEntry.Action.LIST,
                detail="api households list",
                object_type="household",
            )

        return self.paginated(selectors.household_list(request.user), s.HouseholdOut, log=log)

    @extend_schema(
        tags=TAGS,
        operation_id="households_create",
        summary="Register a household",
        description=(
            "A household with its address, members (new people, or people already recorded) and "
            "the relationships between members, all or nothing. Allocated to your organisation."
        ),
        parameters=create_parameters(),
        request=s.HouseholdCreateIn,
        responses={201: s.HouseholdDetailOut, **problems(400, 401, 403, 422)},
        examples=[ex.HOUSEHOLD_CREATE, ex.HOUSEHOLD],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = self.validated(s.HouseholdCreateIn)
        user = request.user
        members, unknown = [], {}
        for i, member in enumerate(data["members"]):
            try:
                members.append(member_spec(user, member, f"members.{i}."))
            except ValidationFailed as e:  # someone not found: report every one at once
                unknown.update(e.errors)
        if unknown:
            raise ValidationFailed.from_errors(unknown)
        relationships = [
            RelationshipSpec(r["from"], r["to"], r["kind"], r["parental_responsibility"])
            for r in data["relationships"]
        ]
        with service_errors(register_path):
            household = services.household_register(
                actor=user,
                name=data["name"],
                phone=data["phone"],
                notes=data["notes"],
                address=dict(data["address"]),
                members=members,
                relationships=relationships,
            )
        # The service logged the creation with every member; this read is not logged again.
        body = household_detail(request, household.uuid, log_view=False)
        return created_ref(created(body, "api-household-detail", household.uuid), household.uuid)

    def replay(self, request: Request, ref: str) -> dict[str, Any]:
        return household_detail(request, ref)


class HouseholdDetailView(PeopleApiView):
    @extend_schema(
        tags=TAGS,
        operation_id="households_retrieve",
        summary="One household",
        parameters=[id_parameter("household")],
        responses={200: s.HouseholdDetailOut, **problems(401, 403, 404)},
        examples=[ex.HOUSEHOLD],
    )
    def get(self, request: Request, id: str) -> Response:
        return Response(household_detail(request, id))

    @extend_schema(
        tags=TAGS,
        operation_id="households_partial_update",
        summary="Change a household's details",
        description="Send the `version` you read; a stale version is refused with 409.",
        parameters=[id_parameter("household")],
        request=s.HouseholdUpdateIn,
        responses={200: s.HouseholdDetailOut, **problems(400, 401, 403, 404, 409)},
        examples=[ex.HOUSEHOLD_UPDATE, ex.HOUSEHOLD],
    )
    def patch(self, request: Request, id: str) -> Response:
        household = access.household_for(request.user, id)
        data = self.validated(s.HouseholdUpdateIn)
        changes = {k: data[k] for k in services.HOUSEHOLD_FIELDS if k in data}
        with service_errors(version=data["version"]):
            services.household_update(
                actor=request.user,
                household=household,
                data=changes,
                expected_version=data["version"],
                reason=data["reason"],
            )
        return Response(detail_of(request, household))


class HouseholdMoveView(PeopleApiView):
    @extend_schema(
        tags=TAGS,
        operation_id="households_move",
        summary="The household moved to a new address",
        description="The current address is kept as history, ending on the move date.",
        parameters=[id_parameter("household")],
        request=s.MoveIn,
        responses={200: s.HouseholdDetailOut, **problems(400, 401, 403, 404)},
        examples=[ex.HOUSEHOLD_MOVE, ex.HOUSEHOLD],
    )
    def post(self, request: Request, id: str) -> Response:
        household = access.household_for(request.user, id, log_view=False)
        data = self.validated(s.MoveIn)
        with service_errors(address_path):
            services.household_move(
                actor=request.user,
                household=household,
                address=dict(data["address"]),
                moved_on=data["moved_on"],
                reason=data["reason"],
            )
        # The service logged the change against every member.
        return Response(household_detail(request, household.uuid, log_view=False))


class HouseholdMembersView(PeopleApiView):
    @extend_schema(
        tags=TAGS,
        operation_id="households_members_create",
        summary="Add a member to a household",
        description="A new person (`person`), or someone already recorded (`existing_person`).",
        parameters=create_parameters(id_parameter("household")),
        request=s.MemberIn,
        responses={201: s.MemberAddedOut, **problems(400, 401, 403, 404, 422)},
        examples=[ex.MEMBER_ADD],
    )
    @idempotent
    def post(self, request: Request, id: str) -> Response:
        household = access.household_for(request.user, id, log_view=False)
        data = self.validated(s.MemberIn)
        spec = member_spec(request.user, data, "")
        with service_errors(member_path):
            person = services.person_add_to_household(
                actor=request.user, household=household, member=spec
            )
        selectors.attach_households(request.user, [person])
        body = s.MemberAddedOut(
            {
                "household_uuid": household.uuid,
                "role": spec.role,
                "lives_here": spec.lives_here,
                "person": person,
            },
            context=self.context(),
        ).data
        return created_ref(created(body, "api-person-detail", person.uuid), person.uuid)

    def replay(self, request: Request, ref: str, id: str) -> dict[str, Any]:
        household = access.household_for(request.user, id)
        membership = next(
            (m for m in household.memberships.all() if str(m.person.uuid) == ref), None
        )
        if membership is None:  # no longer a member of this family
            raise NotFound(access.NOT_FOUND)
        person = access.person_for(request.user, ref, log_view=False)
        selectors.attach_households(request.user, [person])
        return s.MemberAddedOut(
            {
                "household_uuid": household.uuid,
                "role": membership.role,
                "lives_here": membership.lives_here,
                "person": person,
            },
            context=self.context(),
        ).data


class HouseholdMemberView(PeopleApiView):
    @extend_schema(
        tags=TAGS,
        operation_id="households_members_partial_update",
        summary="Change how someone belongs to a household",
        description=(
            "Their role, whether they live at the family's address, or the day they left the "
            "family (they stay on its record). Send the household's `version` you read; a stale "
            "version is refused with 409. History keeps every change."
        ),
        parameters=[id_parameter("household"), id_parameter("person", name="person_id")],
        request=s.MemberUpdateIn,
        responses={200: s.HouseholdDetailOut, **problems(400, 401, 403, 404, 409)},
        examples=[ex.MEMBER_UPDATE, ex.HOUSEHOLD],
    )
    def patch(self, request: Request, id: str, person_id: str) -> Response:
        household = access.household_for(request.user, id, log_view=False)
        memberships = [m for m in household.memberships.all() if str(m.person.uuid) == person_id]
        # The current place in the family, else the latest (someone who left and is corrected).
        current = [m for m in memberships if m.left_on is None]
        latest = (current or sorted(memberships, key=lambda m: m.left_on or date.min))[-1:]
        if not latest:
            raise NotFound(access.NOT_FOUND)
        membership = latest[0]
        data = self.validated(s.MemberUpdateIn)
        with service_errors(version=data["version"]):
            services.membership_change(
                actor=request.user,
                membership=membership,
                role=data.get("role", membership.role),
                lives_here=data.get("lives_here", membership.lives_here),
                left_on=data.get("left_on", membership.left_on),
                reason=data["reason"],
                expected_version=data["version"],
            )
        # The service logged the change against the member.
        return Response(household_detail(request, household.uuid, log_view=False))
