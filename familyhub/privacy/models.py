"""Purposes and lawful bases, consent, contact preferences, restriction and objection, and the
published privacy notices (R-CONSENT-1..4, R-NOTICE-1, R-RIGHTS-5).

Whether a person's data may be used for a purpose is decided only in `privacy.policy`, from these
rows; nothing else reads them to make that decision (invariant 3).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from familyhub.core.models import BaseModel, VersionedModel


class LawfulBasis(models.TextChoices):
    """UK GDPR Article 6(1)."""

    CONSENT = "consent", "Consent (Article 6(1)(a))"
    CONTRACT = "contract", "Contract (Article 6(1)(b))"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation (Article 6(1)(c))"
    VITAL_INTERESTS = "vital_interests", "Vital interests (Article 6(1)(d))"
    PUBLIC_TASK = "public_task", "Public task (Article 6(1)(e))"
    LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests (Article 6(1)(f))"


class Purpose(VersionedModel):
    """Why personal data is processed: one row of the register the DPO keeps (R-CONSENT-1).

    Edits go through `privacy.registers.purpose_update`, which keeps every earlier value in the
    change history; the published privacy notices keep each version the public saw.
    """

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=150)
    description = models.TextField(help_text="What the data is used for, in plain English")
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices, blank=True)
    basis_detail = models.TextField(
        blank=True,
        help_text="The law or task relied on, e.g. 'Childcare Act 2006 section 3 (public task)'",
    )
    special_category_condition = models.TextField(
        "Article 9 condition",
        blank=True,
        help_text="For special-category data: the Article 9(2) condition and, where needed, the "
        "DPA 2018 Schedule 1 condition",
    )
    data_categories = models.JSONField(
        default=list, blank=True, help_text="Categories of the data map this purpose uses"
    )
    recipients = models.TextField(blank=True, help_text="Who receives the data for this purpose")
    transfers = models.TextField(
        "transfers outside the UK",
        blank=True,
        help_text="Where the data goes outside the UK, and the safeguard; empty when it does not",
    )
    retention = models.CharField(
        max_length=120, blank=True, help_text="How long the data is kept for this purpose"
    )
    parental_consent_for_children = models.BooleanField(
        default=True,
        help_text="A child's consent is given by a person with parental responsibility",
    )
    allowed_when_restricted = models.BooleanField(
        default=False,
        help_text="Storage or legal claims: the only uses a restricted record still allows",
    )
    source = models.CharField(
        max_length=200, blank=True, help_text="The notice or document the purpose comes from"
    )
    sort_order = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_consent(self) -> bool:
        return self.lawful_basis == LawfulBasis.CONSENT


class PrivacyNotice(BaseModel):
    """One published version of the privacy notice: a frozen snapshot of the registers.

    `content` holds everything the notice says (purposes, data categories, recipients, retention,
    rights), so an earlier version reads exactly as it was published and two versions can be
    compared field by field.
    """

    version = models.PositiveIntegerField(unique=True)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.TextField(blank=True, help_text="What changed, in plain English")
    content = models.JSONField()

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Privacy notice version {self.version}"


class ConsentState(models.TextChoices):
    # 'Not asked' is the absence of a row: it is never stored as, or confused with, a refusal.
    GIVEN = "given", "Given"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"


class ConsentMethod(models.TextChoices):
    PAPER = "paper", "Paper form"
    VERBAL = "verbal", "Verbally"
    ONLINE = "online", "Online"


def _evidence_path(instance: Consent, filename: str) -> str:
    # The person's random uuid, never their name: file names must not leak who the scan is about.
    suffix = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "bin"
    return f"consent-evidence/{instance.person.uuid}/{instance.uuid}.{suffix}"


class Consent(VersionedModel):
    """A person's current answer for one purpose (R-CONSENT-2). Its history is in ChangeRecord."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="consents")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="consents")
    state = models.CharField(max_length=10, choices=ConsentState.choices)
    given_by = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consents_given_for_others",
        help_text="Empty: the person themselves; otherwise a parent or carer with parental "
        "responsibility",
    )
    decided_on = models.DateField(help_text="When the answer was given")
    method = models.CharField(max_length=10, choices=ConsentMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    notice = models.ForeignKey(
        PrivacyNotice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consents",
        help_text="The version of the privacy notice the person was shown",
    )
    evidence = models.FileField(upload_to=_evidence_path, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "purpose"], name="consent_one_per_purpose"),
        ]
        indexes = [
            # The policy's SQL filter: one purpose, given, for many people.
            models.Index(fields=["purpose", "state", "person"], name="consent_policy"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose_id}: {self.state}"


class ContactPreference(VersionedModel):
    """Whether and how a person agreed to be contacted, and about what (R-CONSENT-4)."""

    class Agreed(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        NOT_ASKED = "not_asked", "Not asked"

    class Topic(models.TextChoices):
        SERVICE = "service", "About the support they receive (appointments, visits)"
        NEWS = "news", "News, groups and events"
        EVALUATION = "evaluation", "Surveys and evaluation"

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="contact_preference"
    )
    agreed = models.CharField(max_length=10, choices=Agreed.choices, default=Agreed.NOT_ASKED)
    by_phone = models.BooleanField("by phone call", default=False)
    by_text = models.BooleanField("by text message", default=False)
    by_email = models.BooleanField("by email", default=False)
    by_post = models.BooleanField("by post", default=False)
    topics = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"contact preference of {self.person_id}: {self.agreed}"

    @property
    def channels(self) -> list[str]:
        return [
            label
            for name, label in (
                ("by_phone", "phone"),
                ("by_text", "text"),
                ("by_email", "email"),
                ("by_post", "post"),
            )
            if getattr(self, name)
        ]


class Restriction(BaseModel):
    """Article 18: the record is kept but used for nothing except storage and legal claims."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="restrictions"
    )
    started_on = models.DateField()
    lifted_on = models.DateField(null=True, blank=True)
    reason = models.TextField()
    request_reference = models.CharField(max_length=40, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        indexes = [models.Index(fields=["person", "lifted_on"], name="restriction_active")]

    def __str__(self) -> str:
        return f"restriction of {self.person_id} from {self.started_on}"


class Objection(BaseModel):
    """Article 21: the person objects to one purpose; processing for it stops unless the DPO
    records compelling legitimate grounds (never for consent-based purposes or direct marketing)."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Waiting for a decision (processing has stopped)"
        UPHELD = "upheld", "Upheld: processing for this purpose stops"
        OVERRIDDEN = "overridden", "Compelling grounds recorded: processing continues"

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="objections")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField()
    grounds = models.TextField(help_text="The person's grounds, in their words where possible")
    decision = models.CharField(max_length=12, choices=Decision.choices, default=Decision.PENDING)
    compelling_grounds = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True, help_text="The person withdrew it")
    request_reference = models.CharField(max_length=40, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["purpose", "person"], name="objection_policy"),
        ]

    def __str__(self) -> str:
        return f"objection of {self.person_id} to {self.purpose_id}"
