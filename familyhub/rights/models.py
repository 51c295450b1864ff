"""The register of rights requests, their deadlines, subject access packs and the disclosure log
(R-RIGHTS-1, R-RIGHTS-2, R-RIGHTS-3; ADR 0015).

Only `rights.services` writes these models (invariant 1); the DPO's reads go through
`rights.selectors`, which log every look at a family's data (invariant 2). Every field is
classified in `familyhub/core/datamap.py` (invariant 4).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from familyhub.core.models import BaseModel, VersionedModel
from familyhub.sharing.models import Level


class RequestKind(models.TextChoices):
    """The rights of UK GDPR Articles 15 to 22 a family can exercise."""

    ACCESS = "access", "Access to their data (subject access, Article 15)"
    RECTIFICATION = "rectification", "Correct their data (rectification, Article 16)"
    ERASURE = "erasure", "Erase their data (Article 17)"
    RESTRICTION = "restriction", "Restrict the use of their data (Article 18)"
    PORTABILITY = "portability", "Receive their data to take elsewhere (portability, Article 20)"
    OBJECTION = "objection", "Object to a use of their data (Article 21)"
    WITHDRAW_CONSENT = "withdraw_consent", "Withdraw their consent (Article 7(3))"
    AUTOMATED_DECISION = (
        "automated_decision",
        "Object to a decision made by automated means (Article 22)",
    )


# Short names for lists and messages ("access request", "erasure request").
KIND_SHORT = {
    RequestKind.ACCESS: "access",
    RequestKind.RECTIFICATION: "rectification",
    RequestKind.ERASURE: "erasure",
    RequestKind.RESTRICTION: "restriction",
    RequestKind.PORTABILITY: "portability",
    RequestKind.OBJECTION: "objection",
    RequestKind.WITHDRAW_CONSENT: "withdrawal of consent",
    RequestKind.AUTOMATED_DECISION: "automated decision",
}


class RequesterKind(models.TextChoices):
    SELF = "self", "The person themselves"
    PARENT = "parent", "A parent or carer, for their child"
    REPRESENTATIVE = "representative", "Someone acting for them (a solicitor, advocate or relative)"


class ReceivedVia(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "By phone"
    EMAIL = "email", "By email"
    LETTER = "letter", "By letter"
    ONLINE = "online", "Online form"
    SOCIAL_MEDIA = "social_media", "Social media message"
    OTHER = "other", "Another way"


class IdentityMethod(models.TextChoices):
    KNOWN_IN_PERSON = (
        "known_in_person",
        "Seen in person by staff who already know them",
    )
    DOCUMENTS = "documents", "Identity documents seen (for example passport, driving licence, bill)"
    CONTACT_HELD = "contact_held", "Confirmed through contact details we already hold"
    OTHER = "other", "Another check (described below)"


class Status(models.TextChoices):
    OPEN = "open", "Open"
    WAITING = "waiting", "Waiting for the requester (clock stopped)"
    CLOSED = "closed", "Closed"


class Outcome(models.TextChoices):
    COMPLETED = "completed", "Done in full"
    PARTLY_REFUSED = "partly_refused", "Done in part, part refused"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn by the requester"


class ExtensionGrounds(models.TextChoices):
    COMPLEX = "complex", "The request is complex"
    NUMEROUS = "numerous", "The person has made a number of requests"


class RightsRequest(VersionedModel):
    """One request from a family about their data: who asked, for whom, when and how it arrived,
    how identity was checked, its deadline, and what was done (R-RIGHTS-1).

    `due_on` is derived by `rights.deadlines` from the receipt date, the pauses and the extension,
    and stored so that the dashboard and the reminders can sort and filter in SQL; every service
    that changes one of those recomputes it.
    """

    reference = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=20, choices=RequestKind.choices)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rights_requests",
        help_text="Whom the request is about; empty until the DPO has found them",
    )
    requester_kind = models.CharField(
        "who asked", max_length=20, choices=RequesterKind.choices, default=RequesterKind.SELF
    )
    requester_person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rights_requests_made_for_others",
        help_text="The parent or carer who asked, when they are in the system",
    )
    requester_name = models.CharField("name of the person who asked", max_length=150, blank=True)
    requester_relationship = models.CharField(
        "their relationship to the person", max_length=100, blank=True
    )
    reply_to = models.TextField(
        "where to send the answer", blank=True, help_text="Postal address or email address"
    )
    received_on = models.DateField("date received")
    received_via = models.CharField("how it arrived", max_length=20, choices=ReceivedVia.choices)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField("what they asked for")
    purpose = models.ForeignKey(
        "privacy.Purpose",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For an objection or a withdrawal of consent: the use of the data concerned",
    )

    identity_method = models.CharField(max_length=20, choices=IdentityMethod.choices, blank=True)
    identity_evidence = models.TextField(
        "what was seen", blank=True, help_text="What confirmed who they are"
    )
    authority_evidence = models.TextField(
        "authority to act",
        blank=True,
        help_text="For a parent or representative: what showed they may act for the person",
    )
    identity_checked_at = models.DateTimeField(null=True, blank=True)
    identity_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    due_on = models.DateField("due date")
    extension_months = models.PositiveSmallIntegerField(default=0)
    extension_grounds = models.CharField(
        max_length=10, choices=ExtensionGrounds.choices, blank=True
    )
    extension_reason = models.TextField(blank=True)
    extended_on = models.DateField(null=True, blank=True)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField("what was done", blank=True)
    refusal_reasons = models.TextField(
        "reasons for refusing", blank=True, help_text="The exemption or reason, as told to them"
    )
    closed_on = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # What carrying the request out did (links to the records it made).
    restriction = models.ForeignKey(
        "privacy.Restriction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    objection = models.ForeignKey(
        "privacy.Objection", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    erased_at = models.DateTimeField(null=True, blank=True)
    # Article 19: the organisations the person's data was disclosed to are told of a
    # rectification, an erasure or a restriction.
    recipients_told_on = models.DateField(null=True, blank=True)
    recipients_told = models.TextField(blank=True, help_text="Whom you told, and how")
    # The organisations' names as listed when they were told: kept after an erasure, when the
    # person's disclosures can no longer be found (the note above is swept with their details).
    recipients_told_to = models.JSONField(
        default=list, blank=True, help_text="The organisations told (Article 19)"
    )
    # A rectification not made (in whole or in part): the person's challenge is noted on the
    # record (AccuracyChallenge), unless they said they did not want a note (ADR 0027).
    no_challenge_note = models.BooleanField(
        "the person did not want a note of their challenge on the record", default=False
    )

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["status", "due_on"], name="rights_request_open_due"),
            models.Index(fields=["person", "status"], name="rights_request_person"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def kind_short(self) -> str:
        return KIND_SHORT.get(self.kind, self.kind)  # type: ignore[call-overload]

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def identity_checked(self) -> bool:
        return self.identity_checked_at is not None


class RequestPause(BaseModel):
    """A time the clock stopped: waiting for proof of identity or for clarification (ADR 0015)."""

    class Reason(models.TextChoices):
        IDENTITY = "identity", "Waiting for proof of identity"
        CLARIFICATION = "clarification", "Waiting for clarification of the request"

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    started_on = models.DateField("asked on")
    ended_on = models.DateField("answer received on", null=True, blank=True)
    # What was asked for is the reason of the pause's change record (on the person's history, so
    # that erasure finds it): the pause itself holds only dates.
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["started_on", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.reason} from {self.started_on}"


class Notification(BaseModel):
    """A line on the DPO's dashboard: a new request, or one due soon or overdue (the reminders).

    One per request, kind and due date, so that running the reminders every day adds nothing
    until something changes. The message names the request by reference only, never the family.
    """

    class Kind(models.TextChoices):
        NEW = "new", "New request recorded"
        DUE_SOON = "due_soon", "Due soon"
        OVERDUE = "overdue", "Overdue"

    request = models.ForeignKey(
        RightsRequest, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    due_on = models.DateField()
    message = models.CharField(max_length=300)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "kind", "due_on"], name="rights_notification_once"
            )
        ]

    def __str__(self) -> str:
        return self.message


class DisclosureRecord(BaseModel):
    """Something that left familyhub with personal data in it (invariant 5): to whom, what, why,
    by whom, when, about how many people, and the SHA-256 of what was sent.

    The one disclosure log (R-SHARE-5): subject access packs and portability exports (written by
    `rights.services`), reports and extracts (`sharing.services`), and safeguarding or court-order
    disclosures recorded by hand. Its table stayed in the rights app where it began (ADR 0018).
    """

    class RecipientKind(models.TextChoices):
        DATA_SUBJECT = "data_subject", "The person themselves"
        REPRESENTATIVE = "representative", "Their parent, carer or representative"
        ORGANISATION = "organisation", "Another organisation"

    class Kind(models.TextChoices):
        SUBJECT_ACCESS = "subject_access", "Subject access pack"
        PORTABILITY = "portability", "Portability export"
        REPORT = "report", "Aggregate report"
        EXTRACT_DEPERSONALISED = "extract_depersonalised", "De-personalised extract"
        EXTRACT_IDENTIFIABLE = "extract_identifiable", "Identifiable extract"
        MATCHING = "matching", "Result of matching an external file"
        SAFEGUARDING = "safeguarding", "Safeguarding disclosure"
        COURT_ORDER = "court_order", "Court order or other legal requirement"
        OTHER = "other", "Other disclosure recorded by hand"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    level = models.CharField(
        max_length=20,
        choices=Level.choices,
        default=Level.IDENTIFIABLE,
        help_text="How identifiable",
    )
    agreement = models.ForeignKey(
        "sharing.Agreement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disclosures",
        help_text="The data sharing agreement it left under, where there is one",
    )
    disclosed_at = models.DateTimeField()
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.CharField(max_length=200)
    recipient_kind = models.CharField(max_length=20, choices=RecipientKind.choices)
    what = models.CharField(max_length=300, help_text="What was disclosed, in words")
    legal_basis = models.CharField(max_length=200)
    channel = models.CharField(max_length=100, blank=True, help_text="How it was sent")
    request = models.ForeignKey(
        RightsRequest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="disclosures",
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Whose request it answered (everyone in it: DisclosurePerson)",
    )
    people_count = models.PositiveIntegerField(default=0)
    sha256 = models.CharField("SHA-256 of the main file", max_length=64)
    files = models.JSONField(default=list, help_text="Each file sent: name, bytes, sha256")

    class Meta:
        ordering = ["-disclosed_at", "-id"]

    def __str__(self) -> str:
        return f"disclosure {self.uuid} at {self.disclosed_at:%Y-%m-%d %H:%M}"


class DisclosurePerson(models.Model):
    """A person whose data was in a disclosure (found from the person, for their own SAR)."""

    disclosure = models.ForeignKey(
        DisclosureRecord, on_delete=models.CASCADE, related_name="subjects"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="disclosures"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["disclosure", "person"], name="disclosure_person_once")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.disclosure_id}"


class AccessPack(BaseModel):
    """A subject access pack: everything held about the person, assembled from the data map
    (`rights.packs.build_pack`), reviewed item by item for other people's data, then released.

    `content` is the assembled pack as generated (it includes the items flagged for review);
    `released_content` is exactly what was sent, with the reviewer's redactions applied. Both are
    copies of the person's data: the pack is deleted with the person on erasure.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft: waiting for review"
        RELEASED = "released", "Released"

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="packs")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    generated_at = models.DateTimeField()
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    content = models.JSONField()
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    released_content = models.JSONField(null=True, blank=True)
    json_sha256 = models.CharField(max_length=64, blank=True)
    html_sha256 = models.CharField(max_length=64, blank=True)
    disclosure = models.OneToOneField(
        DisclosureRecord,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pack",
    )

    class Meta:
        ordering = ["-generated_at", "-id"]

    def __str__(self) -> str:
        return f"pack {self.uuid} for {self.request_id}"

    @property
    def review_items(self) -> list[dict]:
        return list(self.content.get("review", []))


class PackDecision(BaseModel):
    """The reviewer's decision on one flagged item of a pack: release it or withhold it, and why.

    Changing a decision is a ChangeRecord on the person's history, so every decision is kept.
    """

    class Decision(models.TextChoices):
        RELEASE = "release", "Release"
        REDACT = "redact", "Withhold (redact)"

    pack = models.ForeignKey(AccessPack, on_delete=models.CASCADE, related_name="decisions")
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", help_text="Whose pack"
    )
    item = models.CharField(max_length=40)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["pack", "item"]
        constraints = [models.UniqueConstraint(fields=["pack", "item"], name="pack_decision_once")]

    def __str__(self) -> str:
        return f"{self.item}: {self.decision}"


class AccuracyChallenge(VersionedModel):
    """The person says something on their record is wrong (UK GDPR Articles 16 and 18(1)(a);
    R-RIGHTS-1; ADR 0027): what they dispute, their statement in their own words, and what was
    decided: corrected, not corrected (with the reason they were told), or still being checked.

    What is challenged is addressed as the data map addresses it: the person's details as a whole,
    one field of `people.Person` by its data-map name, or one recorded contact or one need,
    strength or goal (`casework.Contact`, `casework.OutcomeRecord`), by foreign key, so that the
    challenge goes with the record it disputes. Nothing is deleted by hand: a decided challenge
    stays as history, and while the record is not corrected the statement is shown wherever the
    disputed data is (the person page, the contacts page, the subject access pack). Written only by
    `rights.services.accuracy`; read through `rights.selectors_accuracy`.
    """

    class Target(models.TextChoices):
        DETAILS = "details", "Their details as a whole"
        FIELD = "field", "One of their details"
        CONTACT = "contact", "The record of a contact or visit"
        OUTCOME_RECORD = "outcome_record", "A need, strength or goal recorded with the family"

    class Outcome(models.TextChoices):
        CHECKING = "checking", "Still being checked"
        CORRECTED = "corrected", "Corrected"
        NOT_CORRECTED = "not_corrected", "Not corrected: their statement stays with the record"

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        related_name="accuracy_challenges",
        help_text="Who says the record is wrong",
    )
    target = models.CharField("what they dispute", max_length=20, choices=Target.choices)
    field_name = models.CharField(
        "which detail",
        max_length=60,
        blank=True,
        help_text="For one of their details: its name in the data map (people.Person)",
    )
    contact = models.ForeignKey(
        "casework.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="accuracy_challenges",
    )
    outcome_record = models.ForeignKey(
        "casework.OutcomeRecord",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="accuracy_challenges",
    )
    statement = models.TextField("their statement", help_text="In their own words")
    received_on = models.DateField("date they told us")
    request = models.ForeignKey(
        RightsRequest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accuracy_challenges",
        help_text="The rectification request it came with, if any",
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.CHECKING)
    outcome_reason = models.TextField(
        "what was done and why",
        blank=True,
        help_text="What was corrected, or why not, as the person was told",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = "challenge to the accuracy of the record"
        indexes = [models.Index(fields=["person", "-received_on"], name="accuracy_person")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        target="details",
                        field_name="",
                        contact__isnull=True,
                        outcome_record__isnull=True,
                    )
                    | (
                        models.Q(target="field", contact__isnull=True, outcome_record__isnull=True)
                        & ~models.Q(field_name="")
                    )
                    | models.Q(
                        target="contact",
                        field_name="",
                        contact__isnull=False,
                        outcome_record__isnull=True,
                    )
                    | models.Q(
                        target="outcome_record",
                        field_name="",
                        contact__isnull=True,
                        outcome_record__isnull=False,
                    )
                ),
                name="accuracy_target_consistent",
            )
        ]

    def __str__(self) -> str:
        return f"challenge to {self.title} ({self.outcome})"

    @property
    def field_label(self) -> str:
        """The disputed detail in words ('date of birth'), or '' when it is not one field."""
        if self.target != self.Target.FIELD:
            return ""
        from familyhub.people.models import Person

        try:
            f = Person._meta.get_field(self.field_name)
        except FieldDoesNotExist:  # a field since renamed: its data-map name is what was recorded
            return self.field_name.replace("_", " ")
        return str(getattr(f, "verbose_name", self.field_name))

    @property
    def title(self) -> str:
        """What is disputed, in words: 'date of birth', 'the home visit of 12/03/2026'."""
        if self.target == self.Target.FIELD:
            return self.field_label
        if self.target == self.Target.CONTACT and self.contact is not None:
            when = timezone.localtime(self.contact.occurred_at)
            return f"the record of the {self.contact.get_kind_display().lower()} of {when:%d/%m/%Y}"
        if self.target == self.Target.OUTCOME_RECORD and self.outcome_record is not None:
            r = self.outcome_record
            return f"the {r.get_kind_display().lower()} recorded on {r.recorded_on:%d/%m/%Y}"
        return "their details"

    @property
    def special(self) -> bool:
        """A contact's notes, a need's description and the special-category details are shown only
        to roles that see special category data (R-PEOPLE-3): so is a statement about them."""
        if self.target in (self.Target.CONTACT, self.Target.OUTCOME_RECORD):
            return True
        from familyhub.core.datamap import special_category_fields

        return self.target == self.Target.FIELD and self.field_name in special_category_fields(
            "people.Person"
        )

    @property
    def is_open(self) -> bool:
        return self.outcome == self.Outcome.CHECKING

    @property
    def stands(self) -> bool:
        """The disputed data is still on the record: the notice is shown beside it."""
        return self.outcome != self.Outcome.CORRECTED
