"""Shapes of the work with families in the API (R-IMPORT-2): group sessions and their attendance
(R-ENGAGE-3), contacts and visits (R-ENGAGE-4), referrals (R-ENGAGE-5) and outcomes (R-ENGAGE-7).

As for people: serializers check shape and type; the engagement and casework services decide what
is allowed and valid. Services are named by their catalogue `code`, organisations by their `id`,
outcomes by `framework/code`; people and families by their `id`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from familyhub.access import helpers as access
from familyhub.casework.models import Contact, Outcome, OutcomeRecord, Referral
from familyhub.engagement.models import Service
from familyhub.places.models import Organisation

SPECIAL_NOTE = (
    "A case note (special category in practice): null for roles without permission to see "
    "special-category data, and not taken from them."
)
NULLABLE_STRING = serializers.CharField(allow_null=True)
EARLIEST, LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^[0-2][0-9]:[0-5][0-9]$",
        "description": "UK local time, HH:MM",
        "example": "10:00",
    }
)
class LocalTimeField(serializers.TimeField):
    """A session's clock time, as on the poster ('10:00'): OpenAPI's `time` format would need a
    UTC offset, which a time of day without a date cannot have."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)


class ApiDateTimeField(serializers.DateTimeField):
    """Times out in UTC ('Z'), in again with any offset, between 1900 and 2100.

    Out in UTC: UK local time before 1847 has an offset of -00:01:15, which RFC 3339 cannot say.
    In between 1900 and 2100: a time far off is a typing mistake, and years near the calendar's
    ends overflow when their offset is applied (schemathesis found both).
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("default_timezone", UTC)
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> datetime:
        try:
            when = super().to_internal_value(value)
        except OverflowError:
            when = None
        if when is None or not (EARLIEST <= when < LATEST):
            raise serializers.ValidationError("Give a date and time between 1900 and 2100")
        return when

    def to_representation(self, value: Any) -> Any:
        if value is None:
            return None
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _service_field(**kwargs: Any) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="code",
        queryset=Service.objects.all(),
        help_text="The service's catalogue code, e.g. family-mentor-service",
        **kwargs,
    )


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^[a-z0-9-]+/[a-z0-9-]+$",
        "description": "framework/code",
        "example": "family-hub/secure-housing",
    }
)
class OutcomeField(serializers.RelatedField):
    """An outcome as 'framework/code', e.g. family-hub/housing."""

    def __init__(self, **kwargs: Any) -> None:
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Outcome.objects.select_related("framework"))
        kwargs.setdefault(
            "help_text", "The outcome as 'framework/code', e.g. family-hub/secure-housing"
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Outcome:
        framework, _, code = str(data).partition("/")
        queryset = self.get_queryset()
        assert queryset is not None  # only read-only outcome fields have none
        found = queryset.filter(framework__code=framework, code=code).first()
        if found is None:
            raise serializers.ValidationError(f"There is no outcome '{data}'")
        return found

    def to_representation(self, value: Any) -> str:
        return f"{value.framework.code}/{value.code}"


class UuidLookupField(serializers.SlugRelatedField):
    """A record named by its `id`: anything that is not a UUID is 'not found', never a 500."""

    def to_internal_value(self, data: Any) -> Any:
        try:
            UUID(str(data))
        except ValueError:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data))
        return super().to_internal_value(data)


class ServiceRefOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class OrganisationRefOut(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    name = serializers.CharField()


class NamedRefOut(serializers.Serializer):
    """A person named on a record: their id and name only."""

    id = serializers.UUIDField(source="uuid")
    display_name = serializers.CharField()


# --- sessions and attendance (R-ENGAGE-3) --------------------------------------------------------


class SessionOut(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    version = serializers.IntegerField()
    service = ServiceRefOut()
    title = serializers.CharField(help_text="The activity")
    date = serializers.DateField()
    start_time = LocalTimeField()
    end_time = LocalTimeField()
    venue = serializers.CharField(source="venue.name", default=None, allow_null=True)
    ward = serializers.CharField(
        source="ward.code", default=None, allow_null=True, help_text="ONS ward code"
    )
    organisation = OrganisationRefOut(help_text="The organisation running the session")
    capacity = serializers.IntegerField(allow_null=True)
    cancelled = serializers.SerializerMethodField()
    cancel_reason = serializers.CharField()
    created_at = ApiDateTimeField()
    updated_at = ApiDateTimeField()

    def get_cancelled(self, session: Any) -> bool:
        return session.cancelled_at is not None


class AttendanceOut(serializers.Serializer):
    """Whether one person was at the session (the register's minimum: id and name)."""

    id = serializers.UUIDField(source="uuid")
    person = NamedRefOut()
    present = serializers.BooleanField()
    as_child = serializers.BooleanField(help_text="Counted as a child (else as an adult)")
    recorded_at = ApiDateTimeField(help_text="When the last change was saved")
    updated_at = ApiDateTimeField()


class AttendanceIn(serializers.Serializer):
    person = serializers.UUIDField(
        help_text="The person's `id`: someone in a family you work with, or already registered "
        "at one of your sessions"
    )
    present = serializers.BooleanField(required=False, default=True)
    at = ApiDateTimeField(
        required=False,
        default=None,
        allow_null=True,
        help_text="When the attendance was taken (default: now). Of two answers for the same "
        "person, the later `at` stands, whatever order they arrive in",
    )


# --- contacts and visits (R-ENGAGE-4) --------------------------------------------------------------


class ContactOut(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    household = serializers.UUIDField(source="household.uuid")
    person = NamedRefOut(allow_null=True, help_text="The member it was mainly with; null: all")
    kind = serializers.ChoiceField(choices=Contact.Kind.choices)
    status = serializers.ChoiceField(choices=Contact.Status.choices)
    occurred_at = ApiDateTimeField()
    duration_minutes = serializers.IntegerField(allow_null=True)
    organisation = OrganisationRefOut()
    service = ServiceRefOut(allow_null=True)
    worker = serializers.SerializerMethodField(help_text="The worker's name")
    notes = serializers.SerializerMethodField(help_text=SPECIAL_NOTE)
    cancelled_reason = serializers.CharField()
    created_at = ApiDateTimeField()
    updated_at = ApiDateTimeField()

    @extend_schema_field(NULLABLE_STRING)
    def get_worker(self, contact: Any) -> str | None:
        w = contact.worker
        return (w.get_full_name() or w.username) if w is not None else None

    @extend_schema_field(NULLABLE_STRING)
    def get_notes(self, contact: Any) -> str | None:
        request = self.context.get("request")
        if request is None or not access.can_see_special_category(request.user):
            return None
        return str(contact.notes)


class ContactIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Contact.Kind.choices)
    occurred_at = ApiDateTimeField(
        help_text="When it happened (or, with `planned`, when it is planned: in the future)"
    )
    duration_minutes = serializers.IntegerField(
        min_value=1, max_value=12 * 60, required=False, allow_null=True, default=None
    )
    planned = serializers.BooleanField(
        required=False, default=False, help_text="A visit arranged for later, not yet happened"
    )
    person = serializers.UUIDField(
        required=False, allow_null=True, default=None, help_text="A member's `id`; null: all"
    )
    service = _service_field(required=False, allow_null=True, default=None)
    notes = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=20000, help_text=SPECIAL_NOTE
    )


# --- referrals (R-ENGAGE-5) -----------------------------------------------------------------------------


class ReferralOut(serializers.Serializer):
    """Both sides see a referral; the family only while it is in the reader's scope."""

    id = serializers.UUIDField(source="uuid")
    kind = serializers.ChoiceField(choices=Referral.Kind.choices)
    status = serializers.ChoiceField(choices=Referral.Status.choices)
    service = ServiceRefOut()
    from_organisation = OrganisationRefOut()
    to_organisation = OrganisationRefOut()
    referred_on = serializers.DateField()
    household = serializers.SerializerMethodField(
        help_text="The family's `id`, or null when the family is not in your scope"
    )
    person = serializers.SerializerMethodField(
        help_text="The member referred (null: the whole family, or not in your scope)"
    )
    reason = serializers.SerializerMethodField(help_text="Null when the family is not in scope")
    decided_at = ApiDateTimeField(allow_null=True)
    decision_reason = serializers.CharField()
    created_at = ApiDateTimeField()
    updated_at = ApiDateTimeField()

    def _visible(self, referral: Any) -> bool:
        return bool(getattr(referral, "family_visible", False))

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_household(self, referral: Any) -> str | None:
        return str(referral.household.uuid) if self._visible(referral) else None

    @extend_schema_field(NamedRefOut(allow_null=True))
    def get_person(self, referral: Any) -> dict[str, Any] | None:
        if not self._visible(referral) or referral.person is None:
            return None
        return {"id": str(referral.person.uuid), "display_name": referral.person.display_name}

    @extend_schema_field(NULLABLE_STRING)
    def get_reason(self, referral: Any) -> str | None:
        return str(referral.reason) if self._visible(referral) else None


class ReferralIn(serializers.Serializer):
    service = _service_field()
    to_organisation = UuidLookupField(
        slug_field="uuid",
        queryset=Organisation.objects.filter(active=True),
        help_text="The `id` of the organisation referred to (it must deliver the service)",
    )
    kind = serializers.ChoiceField(
        choices=Referral.Kind.choices, required=False, default=Referral.Kind.REFERRAL
    )
    person = serializers.UUIDField(
        required=False, allow_null=True, default=None, help_text="A member's `id`; null: all"
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    agreed_by = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The member who agreed to the referral (needed for a referral)",
    )
    agreed_on = serializers.DateField(required=False, allow_null=True, default=None)
    agreement_method = serializers.ChoiceField(
        choices=Referral.Agreement.choices, required=False, allow_blank=True, default=""
    )
    referred_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Default: today"
    )


class ReferralAcceptIn(serializers.Serializer):
    single_point_of_contact = serializers.BooleanField(
        required=False,
        default=False,
        help_text="You become the family's single point of contact across every service",
    )
    review_due_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="The first review, today or later"
    )


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)


# --- outcomes (R-ENGAGE-7) ---------------------------------------------------------------------------


class OutcomeRecordOut(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    household = serializers.UUIDField(source="household.uuid")
    person = NamedRefOut(allow_null=True)
    outcome = OutcomeField(read_only=True)
    outcome_name = serializers.CharField(source="outcome.name")
    kind = serializers.ChoiceField(choices=OutcomeRecord.Kind.choices)
    description = serializers.CharField()
    service = ServiceRefOut(allow_null=True)
    organisation = OrganisationRefOut()
    recorded_on = serializers.DateField()
    closed_on = serializers.DateField(allow_null=True)
    created_at = ApiDateTimeField()
    updated_at = ApiDateTimeField()


class OutcomeRecordIn(serializers.Serializer):
    outcome = OutcomeField()
    kind = serializers.ChoiceField(choices=OutcomeRecord.Kind.choices)
    description = serializers.CharField(max_length=5000, allow_blank=True)
    person = serializers.UUIDField(
        required=False, allow_null=True, default=None, help_text="A member's `id`; null: all"
    )
    service = _service_field(required=False, allow_null=True, default=None)
    recorded_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Default: today"
    )


class ScoreOut(serializers.Serializer):
    outcome = OutcomeField(read_only=True)
    score = serializers.IntegerField()


class OutcomeReviewOut(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    household = serializers.UUIDField(source="household.uuid")
    reviewed_on = serializers.DateField()
    service = ServiceRefOut(allow_null=True)
    organisation = OrganisationRefOut()
    with_family = serializers.CharField()
    scores = ScoreOut(many=True, source="scores.all")
    notes = serializers.SerializerMethodField(help_text=SPECIAL_NOTE)
    created_at = ApiDateTimeField()
    updated_at = ApiDateTimeField()

    @extend_schema_field(NULLABLE_STRING)
    def get_notes(self, review: Any) -> str | None:
        request = self.context.get("request")
        if request is None or not access.can_see_special_category(request.user):
            return None
        return str(review.notes)


class ScoreIn(serializers.Serializer):
    outcome = OutcomeField()
    score = serializers.IntegerField(
        min_value=0, max_value=100, help_text="On the framework's scale"
    )


class OutcomeReviewIn(serializers.Serializer):
    reviewed_on = serializers.DateField()
    scores = ScoreIn(many=True, help_text="At least one outcome's score")
    service = _service_field(required=False, allow_null=True, default=None)
    with_family = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    notes = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=20000, help_text=SPECIAL_NOTE
    )
