"""Consent and contact preferences (R-CONSENT-2, R-CONSENT-3, R-CONSENT-4): a person's answers with
the policy's decision for every purpose, recording an answer, withdrawing one, and contact
preferences.

Same rules as the staff pages: the person through the access helpers (404 alike for missing and out
of scope), writes through `privacy.services` (which check who may answer for a child, dates and
states, and record the history), decisions from `privacy.policy`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from familyhub.access import helpers as access
from familyhub.api import serializers_privacy as s
from familyhub.api.fieldpaths import service_errors
from familyhub.api.idempotency import created_ref, idempotent
from familyhub.api.schema import create_parameters, id_parameter, problems
from familyhub.api.views.base import PeopleApiView, people_in_body
from familyhub.core.errors import NotFound, ValidationFailed
from familyhub.privacy import policy, services
from familyhub.privacy import selectors_consent as selectors
from familyhub.privacy.selectors import purpose_by_code

TAGS = ["consent"]


def consent_path(key: str) -> str:
    """A service's error key as the field of the request body that caused it."""
    if key.startswith("given_by-"):
        return "given_by"
    if key in ("decided_on", "method", "expires_on", "evidence", "state", "withdrawn_on"):
        return key
    if key in ("agreed", "channels", "topics", "version"):
        return key
    return "purpose"  # "<person>-<purpose>": the purpose is not in use or does not rely on consent


def _line(person: Any, purpose: Any) -> selectors.PurposeLine:
    consent = selectors.consents_of([person]).get((person.pk, purpose.pk))
    return selectors.PurposeLine(purpose, consent, policy.decide(person, purpose))


class PersonConsentsView(PeopleApiView):
    @extend_schema(
        tags=TAGS,
        operation_id="people_consents_list",
        summary="A person's consents, with the policy's decision for every purpose",
        description=(
            "Every purpose in use, with the answer recorded (null when never asked: 'not asked' "
            "is not a refusal) and whether the person's data may be used for it today, and why "
            "(consent given or withdrawn, restriction, objection, or the lawful basis)."
        ),
        parameters=[id_parameter("person")],
        responses={200: s.PersonConsentOut(many=True), **problems(401, 403, 404)},
        examples=[s.EXAMPLE_LIST],
    )
    def get(self, request: Request, id: str) -> Response:
        person = access.person_for(request.user, id)
        lines = selectors.person_panel(person)
        return Response(s.PersonConsentOut(lines, many=True, context=self.context()).data)

    @extend_schema(
        tags=TAGS,
        operation_id="people_consents_create",
        summary="Record a person's answer for one purpose (given or refused)",
        description=(
            "Replaces the earlier answer for the purpose; the earlier values stay in the history. "
            "For a child under 13 or an unborn child, `given_by` must be a parent or carer with "
            "parental responsibility. Dates cannot be in the future. The scan of a paper form is "
            "uploaded in the staff pages."
        ),
        parameters=create_parameters(id_parameter("person")),
        request=s.ConsentIn,
        responses={201: s.PersonConsentOut, **problems(400, 401, 403, 404, 422)},
        examples=[s.EXAMPLE_RECORD],
    )
    @idempotent
    def post(self, request: Request, id: str) -> Response:
        person = access.person_for(request.user, id, log_view=False)
        data = self.validated(s.ConsentIn)
        given_by = None
        if data["given_by"] is not None:
            given_by = people_in_body(request.user, {"given_by": data["given_by"]})["given_by"]
        notice = None
        if data["notice_version"] is not None:
            notice = selectors.notice_by_version(data["notice_version"])
            if notice is None:
                raise ValidationFailed(
                    f"There is no privacy notice version {data['notice_version']}.",
                    field="notice_version",
                )
        with service_errors(consent_path):
            services.consent_record(
                actor=request.user,
                person=person,
                purpose=data["purpose"],
                state=data["state"],
                decided_on=data["decided_on"],
                method=data["method"],
                given_by=given_by,
                notice=notice,
                expires_on=data["expires_on"],
                note=data["note"],
            )
        line = _line(person, data["purpose"])
        response = Response(s.PersonConsentOut(line, context=self.context()).data, status=201)
        return created_ref(response, data["purpose"].code)

    def replay(self, request: Request, ref: str, id: str) -> dict[str, Any]:
        person = access.person_for(request.user, id)
        return s.PersonConsentOut(_line(person, purpose_by_code(ref)), context=self.context()).data


class PersonConsentWithdrawView(PeopleApiView):
    @extend_schema(
        tags=TAGS,
        operation_id="people_consents_withdraw",
        summary="Withdraw a person's consent to one purpose",
        description=(
            "Takes effect at once everywhere (mailing lists, extracts, photo checks ask the "
            "policy). The withdrawal cannot be dated before the consent or in the future."
        ),
        parameters=[id_parameter("person")],
        request=s.WithdrawIn,
        responses={200: s.PersonConsentOut, **problems(400, 401, 403, 404, 409)},
        examples=[s.EXAMPLE_WITHDRAW],
    )
    def post(self, request: Request, id: str) -> Response:
        person = access.person_for(request.user, id, log_view=False)
        data = self.validated(s.WithdrawIn)
        try:
            consent = selectors.consent_for(person, data["purpose"].code)
        except NotFound:
            raise ValidationFailed(
                "There is no consent to withdraw: no answer is recorded for this purpose.",
                field="purpose",
            ) from None
        with service_errors(consent_path, version=data["version"]):
            services.consent_withdraw(
                actor=request.user,
                consent=consent,
                withdrawn_on=data["withdrawn_on"],
                note=data["note"],
                expected_version=data["version"],
            )
        line = _line(person, data["purpose"])
        return Response(s.PersonConsentOut(line, context=self.context()).data)


class PersonContactPreferencesView(PeopleApiView):
    @extend_schema(
        tags=TAGS,
        operation_id="people_contact_preferences_retrieve",
        summary="A person's contact preferences",
        parameters=[id_parameter("person")],
        responses={200: s.ContactPreferenceOut, **problems(401, 403, 404)},
        examples=[s.EXAMPLE_CONTACT],
    )
    def get(self, request: Request, id: str) -> Response:
        person = access.person_for(request.user, id)
        pref = selectors.contact_preference_of(person)
        return Response(s.ContactPreferenceOut(s.ContactPreferenceOut.of(pref)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="people_contact_preferences_update",
        summary="Set a person's contact preferences",
        description=(
            "Replaces them. Channels and topics are kept only with `agreed` = yes; email needs "
            "an email address and phone or text a phone number in the person's details."
        ),
        parameters=[id_parameter("person")],
        request=s.ContactPreferenceIn,
        responses={200: s.ContactPreferenceOut, **problems(400, 401, 403, 404, 409)},
        examples=[s.EXAMPLE_CONTACT],
    )
    def put(self, request: Request, id: str) -> Response:
        person = access.person_for(request.user, id, log_view=False)
        serializer = s.ContactPreferenceIn(data=request.data, context=self.context())
        serializer.is_valid(raise_exception=True)
        version = serializer.validated_data["version"]
        with service_errors(consent_path, version=version):
            pref = services.contact_preference_set(
                actor=request.user,
                person=person,
                data=serializer.service_data(),
                expected_version=version,
            )
        return Response(s.ContactPreferenceOut(s.ContactPreferenceOut.of(pref)).data)
