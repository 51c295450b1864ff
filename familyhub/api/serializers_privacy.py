"""Consent and contact preferences in the REST API (R-CONSENT-2, R-CONSENT-3, R-CONSENT-4).

Serializers check shape and type; `privacy.services` decides what is allowed (who may answer for a
child, dates, states) and says so per field; `privacy.policy` gives every decision and its reason.
Purposes are named by their register code ("receiving-information"); people by their `id`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from familyhub.privacy import policy
from familyhub.privacy.models import ConsentMethod, ConsentState, ContactPreference, Purpose
from familyhub.privacy.services import CHANNEL_FIELDS

CHANNELS = {"by_phone": "phone", "by_text": "text", "by_email": "email", "by_post": "post"}


class PurposeRefOut(serializers.Serializer):
    code = serializers.CharField(help_text="The purpose's code in the register")
    name = serializers.CharField()
    lawful_basis = serializers.CharField(
        help_text="UK GDPR Article 6 basis: consent, public_task, legal_obligation, ..."
    )
    needs_consent = serializers.BooleanField(
        help_text="True when the purpose relies on consent (only then can consent be recorded)"
    )


class DecisionOut(serializers.Serializer):
    allowed = serializers.BooleanField(help_text="May the person's data be used for it today?")
    code = serializers.ChoiceField(
        choices=[(c, c) for c in policy.CODES],
        help_text="Why, as a stable code (consent_given, consent_withdrawn, restricted, ...)",
    )
    reason = serializers.CharField(help_text="Why, in a sentence")


class ConsentRecordOut(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    version = serializers.IntegerField()
    state = serializers.ChoiceField(choices=ConsentState.choices)
    decided_on = serializers.DateField(help_text="When the answer was given")
    given_by = serializers.UUIDField(
        source="given_by.uuid",
        allow_null=True,
        default=None,
        help_text="`id` of the parent or carer who answered for a child; null: the person",
    )
    given_by_name = serializers.CharField(
        source="given_by.display_name", allow_null=True, default=None
    )
    method = serializers.ChoiceField(choices=ConsentMethod.choices)
    notice_version = serializers.IntegerField(
        source="notice.version",
        allow_null=True,
        default=None,
        help_text="The version of the privacy notice the person was shown",
    )
    expires_on = serializers.DateField(allow_null=True)
    withdrawn_on = serializers.DateField(allow_null=True)
    note = serializers.CharField()
    has_evidence = serializers.SerializerMethodField(
        help_text="Whether a scan of the paper form is stored (download it in the staff pages)"
    )
    updated_at = serializers.DateTimeField()

    def get_has_evidence(self, consent: Any) -> bool:
        return bool(consent.evidence)


class PersonConsentOut(serializers.Serializer):
    """One purpose of the register: the person's recorded answer, and the policy's decision."""

    purpose = PurposeRefOut()
    consent = ConsentRecordOut(
        allow_null=True, help_text="The answer recorded; null: never asked (not a refusal)"
    )
    decision = DecisionOut()


_NO_PURPOSE: dict[str, Any] = {
    "does_not_exist": "There is no purpose '{value}' in use in the register."
}


class ConsentIn(serializers.Serializer):
    purpose = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Purpose.objects.filter(active=True),  # re-read on every request
        help_text="The purpose's code, e.g. receiving-information",
        error_messages=_NO_PURPOSE,
    )
    state = serializers.ChoiceField(
        choices=[(ConsentState.GIVEN, "Given"), (ConsentState.REFUSED, "Refused")],
        help_text="given or refused (withdraw with .../consents/withdraw/)",
    )
    decided_on = serializers.DateField(
        required=False, default=None, help_text="When the answer was given (default today)"
    )
    method = serializers.ChoiceField(choices=ConsentMethod.choices)
    given_by = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="For a child under 13 or an unborn child: the `id` of the parent or carer with "
        "parental responsibility who answered",
    )
    notice_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The privacy notice version shown (default the latest)",
    )
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class WithdrawIn(serializers.Serializer):
    purpose = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Purpose.objects.all(),
        help_text="The purpose's code",
        error_messages=_NO_PURPOSE,
    )
    withdrawn_on = serializers.DateField(
        required=False, default=None, help_text="When it was withdrawn (default today)"
    )
    note = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Optional: the consent's `version` you read; refused with 409 if it changed",
    )


class ContactPreferenceOut(serializers.Serializer):
    agreed = serializers.ChoiceField(choices=ContactPreference.Agreed.choices)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=list(CHANNELS.values())),
        help_text="How they may be contacted: phone, text, email, post",
    )
    topics = serializers.ListField(
        child=serializers.ChoiceField(choices=ContactPreference.Topic.choices),
        help_text="What about: service, news, evaluation",
    )
    version = serializers.IntegerField(
        allow_null=True, help_text="Send it back when changing them; null: never recorded"
    )

    @staticmethod
    def of(pref: ContactPreference | None) -> dict[str, Any]:
        if pref is None:
            return {
                "agreed": ContactPreference.Agreed.NOT_ASKED,
                "channels": [],
                "topics": [],
                "version": None,
            }
        return {
            "agreed": pref.agreed,
            "channels": [label for name, label in CHANNELS.items() if getattr(pref, name)],
            "topics": list(pref.topics),
            "version": pref.version,
        }


class ContactPreferenceIn(serializers.Serializer):
    agreed = serializers.ChoiceField(choices=ContactPreference.Agreed.choices)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=list(CHANNELS.values())),
        required=False,
        default=list,
        help_text="Only with agreed=yes: phone, text, email, post",
    )
    topics = serializers.ListField(
        child=serializers.ChoiceField(choices=ContactPreference.Topic.choices),
        required=False,
        default=list,
        help_text="Only with agreed=yes: service, news, evaluation",
    )
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The `version` you read (refused with 409 if someone changed them since)",
    )

    def service_data(self) -> dict[str, Any]:
        data = self.validated_data
        chosen = set(data["channels"])
        return {
            "agreed": data["agreed"],
            **{name: CHANNELS[name] in chosen for name in CHANNEL_FIELDS},
            "topics": list(data["topics"]),
        }


# --- examples for the schema ---------------------------------------------------------------

EXAMPLE_LIST = OpenApiExample(
    "A person's consents",
    response_only=True,
    value=[
        {
            "purpose": {
                "code": "receiving-information",
                "name": "Receiving information",
                "lawful_basis": "consent",
                "needs_consent": True,
            },
            "consent": {
                "id": "6c1c7a62-8f0e-4a53-9a3e-4a8d2d1f3b10",
                "version": 1,
                "state": "given",
                "decided_on": "2026-11-20",
                "given_by": None,
                "given_by_name": None,
                "method": "paper",
                "notice_version": 3,
                "expires_on": None,
                "withdrawn_on": None,
                "note": "",
                "has_evidence": True,
                "updated_at": "2026-11-20T10:14:03Z",
            },
            "decision": {
                "allowed": True,
                "code": "consent_given",
                "reason": "Consent given on 20/11/2026 by the person.",
            },
        },
        {
            "purpose": {
                "code": "photos-video",
                "name": "Photographs and video",
                "lawful_basis": "consent",
                "needs_consent": True,
            },
            "consent": None,
            "decision": {
                "allowed": False,
                "code": "not_asked",
                "reason": "Consent for 'Photographs and video' has not been asked.",
            },
        },
    ],
)
EXAMPLE_RECORD = OpenApiExample(
    "A parent gives consent for a child",
    request_only=True,
    value={
        "purpose": "imagination-library",
        "state": "given",
        "decided_on": "2026-11-20",
        "method": "paper",
        "given_by": "0b5e8a2c-3d4f-4e6a-8b9c-1d2e3f4a5b6c",
        "notice_version": 3,
        "note": "Signed at Stay and Play",
    },
)
EXAMPLE_WITHDRAW = OpenApiExample(
    "Withdraw consent to receiving information",
    request_only=True,
    value={
        "purpose": "receiving-information",
        "withdrawn_on": "2026-11-29",
        "note": "Phoned to say they no longer want the newsletter",
    },
)
EXAMPLE_CONTACT = OpenApiExample(
    "Agreed to news by email and post",
    value={"agreed": "yes", "channels": ["email", "post"], "topics": ["news"], "version": 2},
)
