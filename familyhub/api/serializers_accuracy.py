"""A person's challenges to the accuracy of their record in the REST API (R-RIGHTS-1, R-IMPORT-2;
UK GDPR Articles 16 and 18(1)(a); ADR 0027, ADR 0028).

Output only: challenges are recorded and decided in the staff pages (`rights.services.accuracy`).
What is disputed is addressed as the model addresses it: the person's details as a whole, one of
their details by its data-map name, or one contact or need, strength or goal by its `id`.

A statement about a case note or a special-category detail (`AccuracyChallenge.special`), and what
the person was told about it, are shown only to roles that see special category data, as on the
staff pages; the others see that the record is disputed, and `statement` and `outcome_reason` are
null for them.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from familyhub.access import helpers as access
from familyhub.api.serializers_work import ApiDateTimeField
from familyhub.rights.models import AccuracyChallenge

HIDDEN_NOTE = (
    "Null for roles without permission to see special-category data when the challenge is about "
    "a case note (a contact, a need, strength or goal) or a special-category detail: they see "
    "that it is disputed, not what was said."
)
NULLABLE_STRING = serializers.CharField(allow_null=True)


class AccuracyChallengeOut(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    target = serializers.ChoiceField(
        choices=AccuracyChallenge.Target.choices,
        help_text=(
            "What is disputed: their details as a whole (`details`), one of their details "
            "(`field`), the record of a contact or visit (`contact`), or a need, strength or goal "
            "recorded with the family (`outcome_record`)"
        ),
    )
    # A declared field named like Field.field_name; DRF's metaclass takes it out of the class, so
    # the serializer's own field_name is untouched (as ProblemOut.errors in api.serializers).
    field_name = serializers.SerializerMethodField(  # type: ignore[assignment]
        help_text="For `field`: the detail's name in the data map (e.g. `date_of_birth`); else null"
    )
    field_label = serializers.SerializerMethodField(
        help_text="For `field`: the detail in words (e.g. 'date of birth'); else null"
    )
    contact = serializers.UUIDField(
        source="contact.uuid",
        allow_null=True,
        default=None,
        help_text="For `contact`: the disputed contact's `id` (see the family's contacts); else null",
    )
    outcome_record = serializers.UUIDField(
        source="outcome_record.uuid",
        allow_null=True,
        default=None,
        help_text=(
            "For `outcome_record`: the disputed need's, strength's or goal's `id` (see the "
            "family's outcome records); else null"
        ),
    )
    statement = serializers.SerializerMethodField(
        help_text="The person's statement, in their own words. " + HIDDEN_NOTE
    )
    received_on = serializers.DateField(help_text="The day they told us")
    outcome = serializers.ChoiceField(
        choices=AccuracyChallenge.Outcome.choices,
        help_text=(
            "`checking` (still being checked), `corrected`, or `not_corrected` (the record stands "
            "and their statement stays with it)"
        ),
    )
    outcome_reason = serializers.SerializerMethodField(
        help_text="What was corrected, or why not, as the person was told ('' until decided). "
        + HIDDEN_NOTE
    )
    decided_at = ApiDateTimeField(allow_null=True, help_text="When it was decided; null until then")
    disputed = serializers.BooleanField(
        source="stands",
        help_text="True while the disputed data is still on the record (checking or not corrected)",
    )
    created_at = ApiDateTimeField()
    updated_at = ApiDateTimeField(help_text="Changes when the outcome is recorded")

    def _shown(self, challenge: AccuracyChallenge) -> bool:
        # The staff pages' rule (rights.templatetags.accuracy_tags), not a copy of it.
        if not challenge.special:
            return True
        request = self.context.get("request")
        return request is not None and access.can_see_special_category(request.user)

    @extend_schema_field(NULLABLE_STRING)
    def get_field_name(self, challenge: AccuracyChallenge) -> str | None:
        return challenge.field_name if challenge.target == AccuracyChallenge.Target.FIELD else None

    @extend_schema_field(NULLABLE_STRING)
    def get_field_label(self, challenge: AccuracyChallenge) -> str | None:
        return challenge.field_label or None

    @extend_schema_field(NULLABLE_STRING)
    def get_statement(self, challenge: AccuracyChallenge) -> str | None:
        return str(challenge.statement) if self._shown(challenge) else None

    @extend_schema_field(NULLABLE_STRING)
    def get_outcome_reason(self, challenge: AccuracyChallenge) -> str | None:
        return str(challenge.outcome_reason) if self._shown(challenge) else None
