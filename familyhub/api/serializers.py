"""Input and output shapes of the REST API (HackSoft style: serializers validate shape and type;
the services decide what is allowed and valid, and say so per field).

Public identifiers are UUIDs (`id`); ethnicity is its reference key ("ons-13", "prefer-not-to-say")
or null when not asked; a ward is its ONS code; dates are ISO 8601.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from familyhub.access import helpers as access
from familyhub.api import selectors
from familyhub.people import choices as c
from familyhub.people import validators as v
from familyhub.people.models import Person
from familyhub.people.services import PERSON_FIELDS, SPECIAL_CATEGORY_FIELDS
from familyhub.places.models import EthnicityCategory, Ward

SPECIAL_NOTE = (
    "Special-category data (UK GDPR Art. 9): omitted from responses, and refused in requests, for "
    "roles without permission to see it."
)
ETHNICITY_HELP = (
    "ONS Census 2021 category key, e.g. 'ons-13', or 'prefer-not-to-say' (asked, and declined); "
    "null when not asked. " + SPECIAL_NOTE
)


def _ethnicity_field(**kwargs: Any) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="key",
        queryset=EthnicityCategory.objects.all(),
        allow_null=True,
        help_text=ETHNICITY_HELP,
        **kwargs,
    )


def _ward_field(**kwargs: Any) -> serializers.SlugRelatedField:
    kwargs.setdefault("help_text", "ONS ward code, e.g. E05012275")
    return serializers.SlugRelatedField(
        slug_field="code", queryset=Ward.objects.all(), allow_null=True, **kwargs
    )


class _FromTo:
    """Adds the fields `from` and `to` (reserved words in Python, so not declarable as attributes)."""

    def end_field(self, help_text: str) -> serializers.Field:
        raise NotImplementedError

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()  # type: ignore[misc]
        ends = {
            "from": self.end_field("The person who is the <kind> of `to`"),
            "to": self.end_field("The other person"),
        }
        return {**ends, **fields}


# ---------------------------------------------------------------------------------------------
# Problems (for the schema only: errors.problem_exception_handler writes them)


class ProblemFieldOut(serializers.Serializer):
    field = serializers.CharField(
        help_text="Path of the field in the request, e.g. members.0.person.nhs_number"
    )
    messages = serializers.ListField(child=serializers.CharField())


class ProblemOut(serializers.Serializer):
    """application/problem+json (RFC 9457)."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    # A declared field named `errors` (RFC 9457 extension member); DRF's metaclass takes it out of
    # the class, so Serializer.errors is untouched.
    errors = ProblemFieldOut(many=True, required=False)  # type: ignore[assignment]


# ---------------------------------------------------------------------------------------------
# People: input


def _person_extra_kwargs() -> dict[str, dict[str, Any]]:
    """Every field optional and blanks allowed: the service reports what is missing, in its words."""
    extra: dict[str, dict[str, Any]] = {}
    for name in PERSON_FIELDS:
        f = Person._meta.get_field(name)
        kw: dict[str, Any] = {"required": False}
        if isinstance(f, models.CharField | models.TextField) and not f.choices:
            kw["allow_blank"] = True
        if name in SPECIAL_CATEGORY_FIELDS and name != "ethnicity":
            kw["help_text"] = SPECIAL_NOTE
        extra[name] = kw
    return extra


class PersonIn(serializers.ModelSerializer):
    """A person's details."""

    nhs_number = serializers.CharField(
        max_length=20,
        allow_blank=True,
        required=False,
        help_text="10 digits; spaces allowed ('999 000 0018'). Checked with modulus 11",
    )
    ethnicity = _ethnicity_field(required=False)

    class Meta:
        model = Person
        fields = PERSON_FIELDS
        extra_kwargs = _person_extra_kwargs()


def version_field(
    help_text: str = "The `version` you read: the change is refused (409) if someone saved since",
) -> serializers.IntegerField:
    # The upper bound keeps the value inside every database's integer column (no 500 on overflow).
    return serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text=help_text)


class NeverPartial:
    # An update body whose `version` is always required, PATCH or not. DRF's generic views (and
    # drf-spectacular, imitating them) make PATCH bodies partial, which would make `version`
    # optional; these views never validate partially, so this keeps the published schema true to
    # what the API checks. (A comment: the schema would show a docstring as the body's text.)

    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value: bool) -> None:
        pass


class PersonUpdateIn(NeverPartial, PersonIn):
    """The `version` you read, and only the fields to change (the others are kept)."""

    version = version_field()
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")

    class Meta(PersonIn.Meta):
        fields = ["version", "reason", *PERSON_FIELDS]


class BirthIn(serializers.Serializer):
    version = version_field("The unborn child's `version` you read")
    date_of_birth = serializers.DateField()
    given_name = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    sex = serializers.ChoiceField(choices=c.Sex.choices, required=False, default="")


class MemberIn(serializers.Serializer):
    """A new person (`person`) or someone already recorded (`existing_person`), with their role."""

    role = serializers.ChoiceField(choices=c.MemberRole.choices)
    lives_here = serializers.BooleanField(required=False, default=True)
    person = PersonIn(required=False, help_text="Details of a person not yet recorded")
    existing_person = serializers.UUIDField(
        required=False, help_text="`id` of a person already recorded"
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("person" in attrs) == ("existing_person" in attrs):
            raise serializers.ValidationError(
                {
                    "person": "Give exactly one of `person` (a new person's details) and "
                    "`existing_person` (the id of someone already recorded)."
                }
            )
        return attrs


class AddressIn(serializers.Serializer):
    line1 = serializers.CharField(max_length=150, allow_blank=True)
    line2 = serializers.CharField(max_length=150, allow_blank=True, required=False, default="")
    town = serializers.CharField(
        max_length=100,
        allow_blank=True,
        required=False,
        default="",
        help_text="Nottingham if empty",
    )
    postcode = serializers.CharField(
        max_length=16, allow_blank=True, help_text="A UK postcode, e.g. NG7 5HY"
    )
    ward = _ward_field(
        required=False,
        default=None,
        help_text=(
            "ONS ward code, e.g. E05012275. Leave it out to take it from the postcode when the "
            "postcode directory holds it; a ward that contradicts the directory is refused "
            "(ADR 0024)"
        ),
    )


class RelationshipSpecIn(_FromTo, serializers.Serializer):
    """`from` is the <kind> of `to`; both are positions (from 0) in the `members` list."""

    kind = serializers.ChoiceField(choices=c.RelationshipKind.choices)
    parental_responsibility = serializers.BooleanField(required=False, default=False)

    def end_field(self, help_text: str) -> serializers.Field:
        return serializers.IntegerField(
            min_value=0, help_text=f"{help_text}: a position in `members`, counting from 0"
        )


def _validate_phone(value: str) -> str:
    try:
        return v.normalise_phone(value)
    except v.InvalidValue as e:
        raise serializers.ValidationError(str(e))


class HouseholdCreateIn(serializers.Serializer):
    name = serializers.CharField(max_length=150, allow_blank=True, help_text="e.g. 'Smith family'")
    phone = serializers.CharField(max_length=30, allow_blank=True, required=False, default="")
    notes = serializers.CharField(allow_blank=True, required=False, default="")
    address = AddressIn()
    members = MemberIn(many=True)
    relationships = RelationshipSpecIn(many=True, required=False, default=list)

    def validate_phone(self, value: str) -> str:
        # household_register normalises the phone without reporting a bad one at its field.
        return _validate_phone(value)


class HouseholdUpdateIn(NeverPartial, serializers.Serializer):
    """The `version` you read, and only the fields to change (the others are kept)."""

    version = version_field()
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")
    name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    phone = serializers.CharField(max_length=30, allow_blank=True, required=False)
    notes = serializers.CharField(allow_blank=True, required=False)


class MemberUpdateIn(NeverPartial, serializers.Serializer):
    """How someone belongs to the family: send the household's `version` you read, and only what
    changes (the others are kept). A `left_on` date means they left the family that day (they
    stay on its record, no longer living there)."""

    version = version_field()
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")
    role = serializers.ChoiceField(choices=c.MemberRole.choices, required=False)
    lives_here = serializers.BooleanField(required=False)
    left_on = serializers.DateField(
        required=False, allow_null=True, help_text="The day they left the family (today or earlier)"
    )


class MoveIn(serializers.Serializer):
    address = AddressIn()
    moved_on = serializers.DateField(help_text="The day the family moved in (today or earlier)")
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class RelationshipIn(_FromTo, serializers.Serializer):
    """`from` is the <kind> of `to` (e.g. from is the mother of to)."""

    kind = serializers.ChoiceField(choices=c.RelationshipKind.choices)
    parental_responsibility = serializers.BooleanField(required=False, default=False)
    household = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Optional: the household this is recorded for (shown in its history)",
    )

    def end_field(self, help_text: str) -> serializers.Field:
        return serializers.UUIDField(help_text=f"{help_text}: their `id`")


# ---------------------------------------------------------------------------------------------
# Output


class _SpecialCategoryFiltered(serializers.Serializer):
    """Drops special-category fields unless the request's user may see them (default: drop)."""

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not access.can_see_special_category(request.user):
            for name in SPECIAL_CATEGORY_FIELDS:
                data.pop(name, None)
        return data


class IdentifierOut(serializers.Serializer):
    scheme = serializers.ChoiceField(choices=c.IdentifierScheme.choices)
    value = serializers.CharField()


class PersonHouseholdOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=c.MemberRole.choices)
    lives_here = serializers.BooleanField()


class PersonOut(_SpecialCategoryFiltered, serializers.ModelSerializer):
    # Output only. Special-category fields are left out for roles that may not see them, so the
    # schema must not call them required: they are declared writable-but-optional (the schema's
    # rule for required is "required, or read-only"), although nothing is ever written through it.
    id = serializers.UUIDField(source="uuid", read_only=True)
    display_name = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True, help_text="An e-mail address, or empty")
    ethnicity: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="key",
        queryset=EthnicityCategory.objects.none(),
        required=False,
        allow_null=True,
        help_text=ETHNICITY_HELP,
    )
    identifiers = IdentifierOut(many=True, read_only=True)
    households = PersonHouseholdOut(
        many=True,
        read_only=True,
        source="api_households",
        help_text="Households this person belongs to that you may see",
    )
    disputed = serializers.SerializerMethodField(
        help_text=(
            "True when the person disputes part of this record and it stands (still being checked, "
            "or not corrected): read what and why at `/api/v1/people/{id}/accuracy-challenges/` "
            "and say that it is disputed wherever you show or pass on the data (R-RIGHTS-1)"
        )
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "version",
            "display_name",
            *PERSON_FIELDS,
            "identifiers",
            "households",
            "disputed",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [f for f in fields if f not in SPECIAL_CATEGORY_FIELDS]
        extra_kwargs = {
            name: {"help_text": SPECIAL_NOTE, "required": False}
            for name in SPECIAL_CATEGORY_FIELDS
            if name != "ethnicity"
        }

    @extend_schema_field(serializers.BooleanField())
    def get_disputed(self, person: Any) -> bool:
        if not hasattr(person, "api_disputed"):  # set for a whole page by attach_households
            selectors.attach_disputed([person])
        return bool(person.api_disputed)


class PersonSummaryOut(serializers.ModelSerializer):
    """A household member as shown on the family: no special-category data."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "version",
            "display_name",
            "given_name",
            "family_name",
            "known_as",
            "date_of_birth",
            "is_unborn",
            "expected_date_of_delivery",
            "sex",
            "nhs_number",
        ]
        read_only_fields = fields


class MemberOut(serializers.Serializer):
    person = PersonSummaryOut()
    role = serializers.ChoiceField(choices=c.MemberRole.choices)
    lives_here = serializers.BooleanField()
    joined_on = serializers.DateField(allow_null=True)
    left_on = serializers.DateField(
        allow_null=True, help_text="The day they left the family; they stay on its record"
    )


class AddressOut(serializers.Serializer):
    line1 = serializers.CharField()
    line2 = serializers.CharField()
    town = serializers.CharField()
    postcode = serializers.CharField()
    ward = serializers.CharField(
        source="ward.code", default=None, allow_null=True, help_text="ONS ward code"
    )
    ward_name = serializers.CharField(source="ward.name", default=None, allow_null=True)
    valid_from = serializers.DateField()


class PersonRefOut(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    display_name = serializers.CharField()


class RelationshipOut(_FromTo, serializers.Serializer):
    """`from` is the <kind> of `to`."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=c.RelationshipKind.choices)
    parental_responsibility = serializers.BooleanField()
    ended_on = serializers.DateField(allow_null=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        return {"id": data.pop("id"), **data}

    def end_field(self, help_text: str) -> serializers.Field:
        return PersonRefOut(help_text=help_text)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"].source = "from_person"
        fields["to"].source = "to_person"
        return fields


@extend_schema_field(AddressOut(allow_null=True))
class CurrentAddressField(serializers.Field):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("source", "*")
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, household: Any) -> dict[str, Any] | None:
        current = next((a for a in household.addresses.all() if a.valid_to is None), None)
        return AddressOut(current, context=self.context).data if current is not None else None


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class OrganisationsField(serializers.Field):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("source", "*")
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, household: Any) -> list[str]:
        return sorted(
            {a.organisation.name for a in household.allocations.all() if a.ended_on is None}
        )


class HouseholdOut(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    version = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField()
    notes = serializers.CharField()
    address = CurrentAddressField(
        help_text="The current address (earlier ones are kept as history)"
    )
    organisations = OrganisationsField(help_text="Organisations working with the family now")
    members = MemberOut(many=True, source="memberships.all")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class HouseholdDetailOut(HouseholdOut):
    relationships = RelationshipOut(
        many=True,
        source="api_relationships",
        help_text="Relationships between members of this household",
    )


class MemberAddedOut(serializers.Serializer):
    household = serializers.UUIDField(source="household_uuid")
    role = serializers.ChoiceField(choices=c.MemberRole.choices)
    lives_here = serializers.BooleanField()
    person = PersonOut()
