"""The work with one family (R-ENGAGE-4..9): contacts and visits, caseloads, referrals, outcomes,
feedback, enquiries and complaints.

Every row hangs off a household (or an organisation, for enquiries and feedback forms): it is read
for a user only after the household was fetched through `access.helpers` (scope and access log), and
written only by `casework.services`. Every field is classified in `familyhub/core/datamap.py`.
The services in `engagement.Service` (the catalogue) are what referrals, allocations, outcome reviews
and feedback forms are about.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from familyhub.core.models import BaseModel, VersionedModel

USER = settings.AUTH_USER_MODEL


# --- contacts and visits (R-ENGAGE-4) -----------------------------------------------------------


class Contact(BaseModel):
    """A home visit or another contact with a family (or one of its members).

    A contact is recorded once it has happened; a visit in the future can only be *planned*
    (status PLANNED), and becomes a recorded contact when the worker records it as done.
    """

    class Kind(models.TextChoices):
        HOME_VISIT = "home_visit", "Home visit"
        FACE_TO_FACE = "face_to_face", "Face to face (not at home)"
        PHONE = "phone", "Phone call"
        VIDEO = "video", "Video call"
        TEXT = "text", "Text or message"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        DONE = "done", "Happened"
        CANCELLED = "cancelled", "Cancelled"

    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="contacts"
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        help_text="The family member the contact was mainly with; empty for the whole family",
    )
    kind = models.CharField("kind of contact", max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DONE)
    occurred_at = models.DateTimeField("date and time", db_index=True)
    duration_minutes = models.PositiveSmallIntegerField("duration (minutes)", null=True, blank=True)
    worker = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="contacts")
    organisation = models.ForeignKey(
        "places.Organisation", on_delete=models.PROTECT, related_name="contacts"
    )
    service = models.ForeignKey(
        "engagement.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    # Special category in practice (health, family life): shown only to roles with
    # VIEW_SPECIAL_CATEGORY; classified as a case note in the data map.
    notes = models.TextField(blank=True)
    cancelled_reason = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["household", "status", "-occurred_at"], name="contact_household"),
            models.Index(fields=["worker", "status", "-occurred_at"], name="contact_worker"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_at:%d/%m/%Y}"


class FollowUp(BaseModel):
    """An action agreed at a contact, with a due date; done when someone marks it so."""

    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="follow_ups"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups"
    )
    description = models.CharField("action", max_length=300)
    due_on = models.DateField("due")
    assigned_to = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["household", "done_at", "due_on"], name="follow_up_household"),
            models.Index(fields=["assigned_to", "done_at", "due_on"], name="follow_up_assignee"),
        ]

    def __str__(self) -> str:
        return f"{self.description} (due {self.due_on:%d/%m/%Y})"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


# --- caseloads (R-ENGAGE-6) ---------------------------------------------------------------------


class AllocationDetail(BaseModel):
    """What casework adds to a `people.CaseAllocation` (which stays the basis of need to know).

    One row per allocation made through `casework.services`: the service the family receives, the
    single point of contact flag (one open allocation per family), the next review and why the
    allocation was made or ended. Allocations loaded in bulk may have none.
    """

    allocation = models.OneToOneField(
        "people.CaseAllocation", on_delete=models.CASCADE, related_name="detail"
    )
    # The allocation's family again, so that subject access and erasure find the row directly
    # (core.personal_data follows foreign keys to a person or a household).
    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="allocation_details"
    )
    service = models.ForeignKey(
        "engagement.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    single_point_of_contact = models.BooleanField(
        default=False, help_text="The worker the family deals with first, across every service"
    )
    review_due_on = models.DateField("next review due", null=True, blank=True, db_index=True)
    reason = models.TextField("why the family was allocated", blank=True)
    end_reason = models.CharField("why the allocation ended", max_length=300, blank=True)
    referral = models.ForeignKey(
        "casework.Referral",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="allocation_details",
        help_text="The accepted referral that opened this allocation",
    )
    allocated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"detail of allocation {self.allocation_id}"


# --- referrals and signposting (R-ENGAGE-5) ------------------------------------------------------


class Referral(BaseModel):
    """A referral (or signposting) of a family from one organisation to another, for a service.

    While a referral waits for a decision, the receiving organisation sees the family
    (`casework.scopes`); accepting opens a case allocation; declining ends that visibility.
    Status changes are conditional updates (`... WHERE status = 'sent'`), so two decisions
    cannot both win.
    """

    class Kind(models.TextChoices):
        REFERRAL = "referral", "Referral"
        SIGNPOSTING = "signposting", "Signposting (the family was told about the service)"

    class Status(models.TextChoices):
        SENT = "sent", "Waiting for a decision"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"
        SIGNPOSTED = "signposted", "Signposted"

    class Agreement(models.TextChoices):
        IN_PERSON = "in_person", "In person (verbal)"
        PHONE = "phone", "By phone"
        SIGNED_FORM = "signed_form", "Signed form"
        ONLINE = "online", "Online or by e-mail"

    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="referrals"
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
        help_text="The family member referred; empty for the whole family",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REFERRAL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SENT)
    service = models.ForeignKey(
        "engagement.Service", on_delete=models.PROTECT, related_name="referrals"
    )
    from_organisation = models.ForeignKey(
        "places.Organisation", on_delete=models.PROTECT, related_name="referrals_made"
    )
    to_organisation = models.ForeignKey(
        "places.Organisation", on_delete=models.PROTECT, related_name="referrals_received"
    )
    referred_on = models.DateField()
    referrer = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals_made",
        help_text="Who recorded it in familyhub",
    )
    referrer_name = models.CharField(
        "referrer",
        max_length=150,
        blank=True,
        help_text="For a referral from an agency outside familyhub: who referred",
    )
    reason = models.TextField("reason for the referral", blank=True)
    # The family's agreement (R-ENGAGE-5: the family is told and decides).
    family_agreed = models.BooleanField(default=False)
    agreed_by = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referral_agreements",
    )
    agreed_on = models.DateField(null=True, blank=True)
    agreement_method = models.CharField(
        "how the family agreed", max_length=20, choices=Agreement.choices, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField("reason for declining or withdrawing", blank=True)
    allocation = models.ForeignKey(
        "people.CaseAllocation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
        help_text="The allocation opened (or joined) when the referral was accepted",
    )

    class Meta:
        ordering = ["-referred_on", "-id"]
        indexes = [
            models.Index(fields=["to_organisation", "status", "household"], name="referral_to"),
            models.Index(fields=["from_organisation", "status"], name="referral_from"),
            models.Index(fields=["household", "status"], name="referral_household"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_organisation} for {self.service}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.SENT


# --- outcomes (R-ENGAGE-7) ----------------------------------------------------------------------


class OutcomeFramework(BaseModel):
    """A list of outcomes with its own scale, e.g. the Family Hub outcomes or SSBC's three."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=150)
    source = models.CharField(max_length=250, blank=True)
    scale_min = models.PositiveSmallIntegerField(default=1)
    scale_max = models.PositiveSmallIntegerField(default=5)
    scale_low_label = models.CharField(max_length=80, default="Needs a lot of support")
    scale_high_label = models.CharField(max_length=80, default="Doing well")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Outcome(BaseModel):
    framework = models.ForeignKey(
        OutcomeFramework, on_delete=models.PROTECT, related_name="outcomes"
    )
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["framework__name", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="outcome_unique_code")
        ]

    def __str__(self) -> str:
        return self.name


class OutcomeRecord(BaseModel):
    """A need, a strength or a goal, recorded with the family against one outcome."""

    class Kind(models.TextChoices):
        NEED = "need", "Need"
        STRENGTH = "strength", "Strength"
        GOAL = "goal", "Goal"

    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="outcome_records"
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outcome_records",
        help_text="Whom it is about; empty for the whole family",
    )
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="records")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    description = models.TextField(help_text="In the family's words where possible")
    service = models.ForeignKey(
        "engagement.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outcome_records",
    )
    organisation = models.ForeignKey(
        "places.Organisation", on_delete=models.PROTECT, related_name="outcome_records"
    )
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["outcome__framework__name", "outcome__position", "kind", "id"]
        indexes = [models.Index(fields=["household", "closed_on"], name="outcome_record_household")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.outcome}"


class OutcomeReview(BaseModel):
    """A review with the family: a score per outcome on the framework's scale, on one date."""

    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="outcome_reviews"
    )
    service = models.ForeignKey(
        "engagement.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outcome_reviews",
    )
    organisation = models.ForeignKey(
        "places.Organisation", on_delete=models.PROTECT, related_name="outcome_reviews"
    )
    reviewer = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="outcome_reviews"
    )
    reviewed_on = models.DateField()
    with_family = models.CharField(
        "who took part", max_length=200, blank=True, help_text="For example, mum and dad"
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["reviewed_on", "id"]
        indexes = [
            models.Index(fields=["household", "reviewed_on"], name="outcome_review_household"),
            models.Index(fields=["service", "reviewed_on"], name="outcome_review_service"),
        ]

    def __str__(self) -> str:
        return f"Outcome review on {self.reviewed_on:%d/%m/%Y}"


class OutcomeScore(BaseModel):
    review = models.ForeignKey(OutcomeReview, on_delete=models.CASCADE, related_name="scores")
    household = models.ForeignKey(
        "people.Household",
        on_delete=models.CASCADE,
        related_name="outcome_scores",
        help_text="The review's family (found directly by subject access and erasure)",
    )
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="scores")
    score = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["outcome__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "outcome"], name="outcome_score_once")
        ]

    def __str__(self) -> str:
        return f"{self.outcome}: {self.score}"


# --- feedback and evaluation forms (R-ENGAGE-8) --------------------------------------------------


class FeedbackForm(VersionedModel):
    """A feedback or evaluation form for a service, with questions set up by its organisation."""

    organisation = models.ForeignKey(
        "places.Organisation", on_delete=models.PROTECT, related_name="feedback_forms"
    )
    service = models.ForeignKey(
        "engagement.Service", on_delete=models.PROTECT, related_name="feedback_forms"
    )
    name = models.CharField(max_length=150)
    introduction = models.TextField(blank=True, help_text="Shown to the parent above the questions")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class FeedbackQuestion(BaseModel):
    class Kind(models.TextChoices):
        SCALE = "scale", "A score on a scale"
        CHOICE = "choice", "One answer from a list"
        TEXT = "text", "Free text"

    form = models.ForeignKey(FeedbackForm, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField("question", max_length=300)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    choices = models.TextField(blank=True, help_text="For a list: one answer per line")
    scale_min = models.PositiveSmallIntegerField(default=1)
    scale_max = models.PositiveSmallIntegerField(default=5)
    scale_low_label = models.CharField(max_length=80, blank=True)
    scale_high_label = models.CharField(max_length=80, blank=True)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def choice_list(self) -> list[str]:
        return [c.strip() for c in self.choices.splitlines() if c.strip()]

    @property
    def scale_values(self) -> list[int]:
        return list(range(self.scale_min, self.scale_max + 1))


class FeedbackLink(BaseModel):
    """A one-time link for a parent to give feedback without signing in.

    Only the SHA-256 of the token is stored; the link works once, until `expires_at`. The invited
    person (if any) is kept only until the link is used, so that an answer given without consent
    to evaluation cannot be joined back to them.
    """

    form = models.ForeignKey(FeedbackForm, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_links",
    )

    def __str__(self) -> str:
        return f"one-time link for {self.form}"


class FeedbackResponse(BaseModel):
    """One completed form. Linked to the person only where they consented to evaluation;
    otherwise anonymous: no person, no member of staff, the date without the time."""

    class Channel(models.TextChoices):
        WITH_STAFF = "with_staff", "Filled in with a member of staff"
        LINK = "link", "Filled in by the parent through a one-time link"

    form = models.ForeignKey(FeedbackForm, on_delete=models.PROTECT, related_name="responses")
    service = models.ForeignKey(
        "engagement.Service", on_delete=models.PROTECT, related_name="feedback_responses"
    )
    submitted_on = models.DateField()
    channel = models.CharField(max_length=20, choices=Channel.choices)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_responses",
    )
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-submitted_on", "-id"]

    def __str__(self) -> str:
        return f"response to {self.form} on {self.submitted_on:%d/%m/%Y}"


class FeedbackAnswer(BaseModel):
    response = models.ForeignKey(FeedbackResponse, on_delete=models.CASCADE, related_name="answers")
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="feedback_answers",
        help_text="The response's person, only when it is linked (consent to evaluation)",
    )
    question = models.ForeignKey(FeedbackQuestion, on_delete=models.PROTECT, related_name="answers")
    scale_value = models.PositiveSmallIntegerField(null=True, blank=True)
    text_value = models.TextField(blank=True)

    class Meta:
        ordering = ["question__position", "id"]

    def __str__(self) -> str:
        return f"answer to {self.question_id}"


# --- enquiries and complaints (R-ENGAGE-9) -------------------------------------------------------


class Enquiry(VersionedModel):
    """An enquiry or a complaint received by an organisation, acknowledged within 30 days."""

    class Kind(models.TextChoices):
        ENQUIRY = "enquiry", "Enquiry"
        COMPLAINT = "complaint", "Complaint"

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        PHONE = "phone", "Phone"
        LETTER = "letter", "Letter"
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Online form"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received, not yet acknowledged"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Result(models.TextChoices):
        ANSWERED = "answered", "Answered"
        UPHELD = "upheld", "Upheld"
        PARTLY_UPHELD = "partly_upheld", "Partly upheld"
        NOT_UPHELD = "not_upheld", "Not upheld"
        PASSED_ON = "passed_on", "Passed to another organisation"

    organisation = models.ForeignKey(
        "places.Organisation", on_delete=models.PROTECT, related_name="enquiries"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    received_on = models.DateField()
    channel = models.CharField("received by", max_length=10, choices=Channel.choices)
    from_name = models.CharField("from", max_length=150)
    from_contact = models.CharField(
        "contact details", max_length=200, blank=True, help_text="Phone, e-mail or address"
    )
    household = models.ForeignKey(
        "people.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enquiries",
    )
    about = models.CharField("what it is about", max_length=200)
    details = models.TextField(blank=True)
    service = models.ForeignKey(
        "engagement.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enquiries",
    )
    acknowledgement_due_on = models.DateField()
    acknowledged_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    outcome = models.CharField(max_length=20, choices=Result.choices, blank=True)
    outcome_details = models.TextField("what was done", blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    handled_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name_plural = "enquiries"
        indexes = [
            models.Index(
                fields=["organisation", "status", "acknowledgement_due_on"], name="enquiry_queue"
            ),
            models.Index(fields=["organisation", "-received_on"], name="enquiry_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.about}"


class MailingOrganisation(VersionedModel):
    """An organisation on an organisation's mailing list (R-ENGAGE-9): a nursery, a GP surgery,
    a school or a community group that asked for news of groups and services, by the channels and
    about the topics it chose. Organisational contact details only (a shared inbox, a postal
    address), never a person's own: families are on the people's mailing list, by consent
    (`privacy.mailing`)."""

    class Topic(models.TextChoices):
        NEWS = "news", "News, groups and events"
        SERVICES = "services", "Changes to services and who can use them"
        EVALUATION = "evaluation", "Evaluation findings and reports"

    organisation = models.ForeignKey(
        "places.Organisation",
        on_delete=models.PROTECT,
        related_name="mailing_organisations",
        help_text="Whose mailing list it is",
    )
    name = models.CharField("organisation", max_length=200)
    email = models.EmailField("shared email address", blank=True)
    address = models.TextField("postal address", blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    by_email = models.BooleanField("by email", default=False)
    by_post = models.BooleanField("by post", default=False)
    topics = models.JSONField(default=list, blank=True)
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True, help_text="Asked to come off the list")

    class Meta:
        ordering = ["organisation", "name", "id"]
        indexes = [models.Index(fields=["organisation", "left_on"], name="mailing_org_current")]

    def __str__(self) -> str:
        return f"{self.name} on the list of {self.organisation_id}"

    @property
    def channels(self) -> list[str]:
        return [label for on, label in ((self.by_email, "email"), (self.by_post, "post")) if on]
