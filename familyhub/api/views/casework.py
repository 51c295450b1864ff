"""A family's contacts and visits, referrals and outcomes (R-ENGAGE-4, -5, -7; R-IMPORT-2).

The family through `access.household_for` (404 alike for missing and out of scope; the view is
logged with every member); writes through `casework.services` (which check the actor's
organisation, validate every field and record the history); reading needs a role that sees
families, writing a role that does casework (practitioners, team managers, partner staff: 403 for
group workers). Case notes (a contact's or a review's notes) only for roles that may see
special-category data, as on the staff pages.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.api import examples as ex
from familyhub.api import selectors
from familyhub.api import serializers_work as s
from familyhub.api.fieldpaths import service_errors
from familyhub.api.idempotency import created_ref, idempotent
from familyhub.api.pagination import Pagination
from familyhub.api.permissions import CanEditPeople, CanViewPeople, HasCapability
from familyhub.api.schema import PAGE_PARAMETERS, create_parameters, id_parameter, problems
from familyhub.api.views.base import PeopleApiView, created, people_in_body
from familyhub.casework import selectors as casework
from familyhub.casework.services import contacts, outcomes, referrals
from familyhub.core.errors import NotFound, PermissionRefused, ValidationFailed

CanDoCasework = HasCapability.of(
    Capability.CASEWORK,
    unsafe_only=True,
    message="Your role does not allow recording casework (visits, referrals, outcomes).",
)


class CaseworkApiView(PeopleApiView):
    # Reading: a role that sees families; writing: a role that does casework.
    permission_classes = [IsAuthenticated, CanViewPeople, CanEditPeople, CanDoCasework]
    pagination_class = Pagination

    def member(self, request: Request, value: Any, field: str) -> Any:
        if value is None:
            return None
        return people_in_body(request.user, {field: value})[field]


# --- contacts and visits ---------------------------------------------------------------------------


class HouseholdContactsView(CaseworkApiView):
    @extend_schema(
        tags=["contacts"],
        operation_id="households_contacts_list",
        summary="A family's contacts and visits",
        description=(
            "Newest first (or, with `changed_since`, by `updated_at`), planned and cancelled "
            "visits included. `notes` is null for roles that may not see case notes."
        ),
        parameters=[id_parameter("household"), *PAGE_PARAMETERS],
        responses={200: s.ContactOut(many=True), **problems(400, 401, 403, 404)},
        examples=[ex.CONTACTS_PAGE],
    )
    def get(self, request: Request, id: str) -> Response:
        household = access.household_for(request.user, id)
        return self.paginated(selectors.contacts_of(household), s.ContactOut)

    @extend_schema(
        tags=["contacts"],
        operation_id="households_contacts_create",
        summary="Record a contact or visit (or plan one)",
        description=(
            "A contact is recorded once it has happened (a time in the future is refused); a "
            "visit for later is sent with `planned`. Recorded for your organisation, with you as "
            "the worker."
        ),
        parameters=create_parameters(id_parameter("household")),
        request=s.ContactIn,
        responses={201: s.ContactOut, **problems(400, 401, 403, 404, 422)},
        examples=[ex.CONTACT_IN, ex.CONTACT],
    )
    @idempotent
    def post(self, request: Request, id: str) -> Response:
        household = access.household_for(request.user, id, log_view=False)
        data = self.validated(s.ContactIn)
        person = self.member(request, data["person"], "person")
        with service_errors():
            contact = contacts.contact_record(
                actor=request.user,
                household=household,
                kind=data["kind"],
                occurred_at=data["occurred_at"],
                duration_minutes=data["duration_minutes"],
                notes=data["notes"],
                person=person,
                service=data["service"],
                planned=data["planned"],
            )
        body = s.ContactOut(
            selectors.contacts_of(household).get(pk=contact.pk), context=self.context()
        )
        return created_ref(Response(body.data, status=201), contact.uuid)

    def replay(self, request: Request, ref: str, id: str) -> dict[str, Any]:
        household = access.household_for(request.user, id)
        contact = selectors.contacts_of(household).filter(uuid=access._as_uuid(ref)).first()
        if contact is None:
            raise NotFound(access.NOT_FOUND)
        return s.ContactOut(contact, context=self.context()).data


# --- referrals ---------------------------------------------------------------------------------------


class ReferralListView(CaseworkApiView):
    @extend_schema(
        tags=["referrals"],
        operation_id="referrals_list",
        summary="Referrals your organisation made or received",
        description=(
            "Newest first (or, with `changed_since`, by `updated_at`). Both sides see a "
            "referral's status; the family (`household`, `person`, `reason`) only while it is in "
            "your scope: the receiving side sees it while it decides, and after it accepts."
        ),
        parameters=PAGE_PARAMETERS,
        responses={200: s.ReferralOut(many=True), **problems(400, 401, 403)},
        examples=[ex.REFERRALS_PAGE],
    )
    def get(self, request: Request) -> Response:
        def log(page: list[Any]) -> None:
            shown = [r.person for r in page if r.family_visible and r.person is not None]
            access.log_people_shown(
                request.user,
                shown,
                action=access.Action.LIST,
                detail="api referrals list",
                object_type="referral",
            )

        return self.paginated(selectors.referral_list(request.user), s.ReferralOut, log=log)


class ReferralDetailView(CaseworkApiView):
    @extend_schema(
        tags=["referrals"],
        operation_id="referrals_retrieve",
        summary="One referral",
        parameters=[id_parameter("referral")],
        responses={200: s.ReferralOut, **problems(401, 403, 404)},
        examples=[ex.REFERRAL],
    )
    def get(self, request: Request, id: str) -> Response:
        return Response(referral_body(request, id, self.context()))


def referral_body(request: Request, referral_id: Any, context: dict[str, Any]) -> dict[str, Any]:
    view = casework.referral_for(request.user, referral_id)
    referral = view.referral
    referral.family_visible = view.family_visible  # type: ignore[attr-defined]
    if view.family_visible and referral.person is not None:
        access.log_people_shown(
            request.user,
            [referral.person],
            action=access.Action.VIEW_PERSON,
            detail="api referral",
            object_type="referral",
        )
    return s.ReferralOut(referral, context=context).data


def _decision(
    view: CaseworkApiView, request: Request, id: str, decide: Any, serializer: Any
) -> Response:
    found = casework.referral_for(request.user, id)
    data = view.validated(serializer)
    try:
        with service_errors():
            decide(actor=request.user, referral=found.referral, **data)
    except PermissionRefused as e:
        # The wrong side of this referral (only the receiver decides, only the referrer
        # withdraws): a refusal of this request, not of the role (403 is decided before any
        # record is read, so that it never tells which records exist).
        raise ValidationFailed(e.message) from e
    return Response(referral_body(request, found.referral.uuid, view.context()))


DECISION_PROBLEMS = problems(400, 401, 403, 404)


class ReferralAcceptView(CaseworkApiView):
    @extend_schema(
        tags=["referrals"],
        operation_id="referrals_accept",
        summary="Accept a referral made to your organisation",
        description=(
            "You take the family on: the family is allocated to you (or joins your open "
            "allocation, which then names the service). Only staff of the receiving organisation "
            "may; a referral already decided is refused."
        ),
        parameters=[id_parameter("referral")],
        request=s.ReferralAcceptIn,
        responses={200: s.ReferralOut, **DECISION_PROBLEMS},
        examples=[ex.REFERRAL_ACCEPT, ex.REFERRAL],
    )
    def post(self, request: Request, id: str) -> Response:
        def accept(**data: Any) -> Any:
            return referrals.referral_accept(worker=request.user, **data)

        return _decision(self, request, id, accept, s.ReferralAcceptIn)


class ReferralDeclineView(CaseworkApiView):
    @extend_schema(
        tags=["referrals"],
        operation_id="referrals_decline",
        summary="Decline a referral made to your organisation",
        description="With the reason. Your organisation stops seeing the family.",
        parameters=[id_parameter("referral")],
        request=s.ReasonIn,
        responses={200: s.ReferralOut, **DECISION_PROBLEMS},
        examples=[ex.REFERRAL_DECLINE, ex.REFERRAL],
    )
    def post(self, request: Request, id: str) -> Response:
        return _decision(self, request, id, referrals.referral_decline, s.ReasonIn)


class ReferralWithdrawView(CaseworkApiView):
    @extend_schema(
        tags=["referrals"],
        operation_id="referrals_withdraw",
        summary="Withdraw a referral your organisation made",
        description="While it waits for a decision, with the reason (the family changed its mind).",
        parameters=[id_parameter("referral")],
        request=s.ReasonIn,
        responses={200: s.ReferralOut, **DECISION_PROBLEMS},
        examples=[ex.REFERRAL_WITHDRAW, ex.REFERRAL],
    )
    def post(self, request: Request, id: str) -> Response:
        return _decision(self, request, id, referrals.referral_withdraw, s.ReasonIn)


class HouseholdReferralsView(CaseworkApiView):
    @extend_schema(
        tags=["referrals"],
        operation_id="households_referrals_create",
        summary="Refer a family (or one member) to another organisation",
        description=(
            "From your organisation, with the family's agreement (who agreed, when and how), to "
            "an organisation that delivers the service; it sees the family while it decides. "
            "With `kind` = signposting, the family was only told about the service: no agreement "
            "is needed and nobody is sent anything."
        ),
        parameters=create_parameters(id_parameter("household")),
        request=s.ReferralIn,
        responses={201: s.ReferralOut, **problems(400, 401, 403, 404, 422)},
        examples=[ex.REFERRAL_IN, ex.REFERRAL],
    )
    @idempotent
    def post(self, request: Request, id: str) -> Response:
        household = access.household_for(request.user, id, log_view=False)
        data = self.validated(s.ReferralIn)
        person = self.member(request, data["person"], "person")
        agreed_by = self.member(request, data["agreed_by"], "agreed_by")
        with service_errors():
            referral = referrals.referral_make(
                actor=request.user,
                household=household,
                service=data["service"],
                to_organisation=data["to_organisation"],
                kind=data["kind"],
                person=person,
                reason=data["reason"],
                agreed_by=agreed_by,
                agreed_on=data["agreed_on"],
                agreement_method=data["agreement_method"],
                referred_on=data["referred_on"],
            )
        body = referral_body(request, referral.uuid, self.context())
        return created_ref(created(body, "api-referral-detail", referral.uuid), referral.uuid)

    def replay(self, request: Request, ref: str, id: str) -> dict[str, Any]:
        return referral_body(request, ref, self.context())


# --- outcomes ------------------------------------------------------------------------------------------


class HouseholdOutcomeRecordsView(CaseworkApiView):
    @extend_schema(
        tags=["outcomes"],
        operation_id="households_outcome_records_list",
        summary="A family's needs, strengths and goals",
        description="By date recorded (or, with `changed_since`, by `updated_at`).",
        parameters=[id_parameter("household"), *PAGE_PARAMETERS],
        responses={200: s.OutcomeRecordOut(many=True), **problems(400, 401, 403, 404)},
        examples=[ex.OUTCOME_RECORDS_PAGE],
    )
    def get(self, request: Request, id: str) -> Response:
        household = access.household_for(request.user, id)
        return self.paginated(selectors.outcome_records_of(household), s.OutcomeRecordOut)

    @extend_schema(
        tags=["outcomes"],
        operation_id="households_outcome_records_create",
        summary="Record a need, strength or goal against an outcome",
        parameters=create_parameters(id_parameter("household")),
        request=s.OutcomeRecordIn,
        responses={201: s.OutcomeRecordOut, **problems(400, 401, 403, 404, 422)},
        examples=[ex.OUTCOME_RECORD_IN, ex.OUTCOME_RECORD],
    )
    @idempotent
    def post(self, request: Request, id: str) -> Response:
        household = access.household_for(request.user, id, log_view=False)
        data = self.validated(s.OutcomeRecordIn)
        person = self.member(request, data["person"], "person")
        with service_errors():
            record = outcomes.outcome_record_add(
                actor=request.user,
                household=household,
                outcome=data["outcome"],
                kind=data["kind"],
                description=data["description"],
                person=person,
                service=data["service"],
                recorded_on=data["recorded_on"],
            )
        row = selectors.outcome_records_of(household).get(pk=record.pk)
        body = s.OutcomeRecordOut(row, context=self.context()).data
        return created_ref(Response(body, status=201), record.uuid)

    def replay(self, request: Request, ref: str, id: str) -> dict[str, Any]:
        household = access.household_for(request.user, id)
        row = selectors.outcome_records_of(household).filter(uuid=access._as_uuid(ref)).first()
        if row is None:
            raise NotFound(access.NOT_FOUND)
        return s.OutcomeRecordOut(row, context=self.context()).data


class HouseholdOutcomeReviewsView(CaseworkApiView):
    @extend_schema(
        tags=["outcomes"],
        operation_id="households_outcome_reviews_list",
        summary="A family's outcome reviews, with their scores",
        description=(
            "Oldest first (or, with `changed_since`, by `updated_at`). `notes` is null for roles "
            "that may not see case notes."
        ),
        parameters=[id_parameter("household"), *PAGE_PARAMETERS],
        responses={200: s.OutcomeReviewOut(many=True), **problems(400, 401, 403, 404)},
        examples=[ex.OUTCOME_REVIEWS_PAGE],
    )
    def get(self, request: Request, id: str) -> Response:
        household = access.household_for(request.user, id)
        return self.paginated(selectors.outcome_reviews_of(household), s.OutcomeReviewOut)

    @extend_schema(
        tags=["outcomes"],
        operation_id="households_outcome_reviews_create",
        summary="Record an outcome review: a score per outcome, on one date",
        description="Each score on its framework's scale; the review date today or earlier.",
        parameters=create_parameters(id_parameter("household")),
        request=s.OutcomeReviewIn,
        responses={201: s.OutcomeReviewOut, **problems(400, 401, 403, 404, 422)},
        examples=[ex.OUTCOME_REVIEW_IN, ex.OUTCOME_REVIEW],
    )
    @idempotent
    def post(self, request: Request, id: str) -> Response:
        household = access.household_for(request.user, id, log_view=False)
        data = self.validated(s.OutcomeReviewIn)
        scores = {item["outcome"]: item["score"] for item in data["scores"]}
        position = {item["outcome"].pk: i for i, item in enumerate(data["scores"])}

        def path(key: str) -> str:
            if key.startswith("score_"):
                pk = int(key.removeprefix("score_"))
                return f"scores.{position[pk]}.score" if pk in position else "scores"
            return key

        with service_errors(path):
            review = outcomes.outcome_review_record(
                actor=request.user,
                household=household,
                reviewed_on=data["reviewed_on"],
                scores=scores,
                service=data["service"],
                with_family=data["with_family"],
                notes=data["notes"],
            )
        row = selectors.outcome_reviews_of(household).get(pk=review.pk)
        body = s.OutcomeReviewOut(row, context=self.context()).data
        return created_ref(Response(body, status=201), review.uuid)

    def replay(self, request: Request, ref: str, id: str) -> dict[str, Any]:
        household = access.household_for(request.user, id)
        row = selectors.outcome_reviews_of(household).filter(uuid=access._as_uuid(ref)).first()
        if row is None:
            raise NotFound(access.NOT_FOUND)
        return s.OutcomeReviewOut(row, context=self.context()).data
