"""The service catalogue (R-ENGAGE-1), eligibility rules (R-ENGAGE-2), enrolments, and group
sessions with their attendance registers (R-ENGAGE-3).

Contacts, referrals, caseloads and outcomes live in `casework` and point at `Service`.
Only `engagement.services` writes these models; reads of the people they name go through the
access helpers or `engagement.scopes` (invariants 1 and 2). Every field is classified in
`familyhub/core/datamap.py` (invariant 4).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from familyhub.core.models import BaseModel, VersionedModel


class Service(VersionedModel):
    """A programme or service offered to families, such as Family Mentor Service or Cook and Play."""

    class Kind(models.TextChoices):
        ONE_TO_ONE = "one_to_one", "One-to-one support (home visits, mentoring)"
        GROUP = "group", "Group sessions"
        PROGRAMME = "programme", "Structured programme (a course of sessions)"
        UNIVERSAL = "universal", "Universal offer (open to every family)"
        SIGNPOSTING = "signposting", "Information, advice and signposting"

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=150, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(help_text="What the family gets, in plain English")
    provider = models.ForeignKey(
        "places.Organisation", on_delete=models.PROTECT, related_name="services"
    )
    delivered_by = models.ManyToManyField(
        "places.Organisation",
        blank=True,
        related_name="services_delivered",
        help_text="Partner organisations that deliver it (the provider too, if it delivers)",
    )
    venues = models.ManyToManyField("places.Venue", blank=True, related_name="services")
    target_outcomes = models.TextField(blank=True)
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Families (or places per session for groups); empty: no cap",
    )
    source = models.CharField(
        max_length=200, blank=True, help_text="The source document that describes it"
    )
    consent_purpose = models.CharField(
        max_length=60,
        blank=True,
        help_text="Code of the privacy purpose a person must allow before enrolment "
        "(for example imagination-library); empty: none",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EligibilityRule(BaseModel):
    """One version of a service's eligibility rule (R-ENGAGE-2). Never changed once written.

    A change in the UI writes the next version; every decision and enrolment names the version it
    used. `conditions` is the rule as data (see `engagement.rules` for its shape and checks): the
    highest `number` of a service is the rule in force. An empty `conditions` is "open to every
    family".
    """

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="eligibility_rules")
    number = models.PositiveIntegerField()
    conditions = models.JSONField(default=dict, blank=True)
    summary = models.TextField(help_text="The rule in plain English, as written at the time")
    note = models.TextField(blank=True, help_text="Why the rule was made or changed")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["service", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["service", "number"], name="eligibility_rule_version")
        ]

    def __str__(self) -> str:
        return f"{self.service} rule v{self.number}"

    @property
    def label(self) -> str:
        return f"rule v{self.number}"


class Enrolment(BaseModel):
    """A family member receives a service, from one date to another (R-ENGAGE-1, R-ENGAGE-2).

    The eligibility decision at the time is kept with it (result, explanation, rule version), and so
    is a manager's override with its reason when the family was not eligible.
    """

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="enrolments")
    household = models.ForeignKey(
        "people.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enrolments",
        help_text="The family whose circumstances were checked",
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="enrolments")
    organisation = models.ForeignKey(
        "places.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrolments",
        help_text="The organisation delivering it to this family",
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enrolments",
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    rule = models.ForeignKey(
        EligibilityRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    eligible = models.BooleanField(help_text="The eligibility decision at enrolment")
    decision = models.TextField(help_text="The decision's explanation at enrolment")
    override_reason = models.TextField(blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "service"],
                condition=models.Q(ended_on__isnull=True),
                name="enrolment_one_open_per_service",
            )
        ]
        indexes = [models.Index(fields=["service", "ended_on"], name="enrolment_service_open")]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.service_id} from {self.started_on}"


class SessionSeries(BaseModel):
    """Sessions made together: the same activity every week for a number of weeks."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="series")
    title = models.CharField(max_length=150)
    organisation = models.ForeignKey(
        "places.Organisation", on_delete=models.PROTECT, related_name="session_series"
    )
    first_date = models.DateField()
    weeks = models.PositiveSmallIntegerField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "session series"

    def __str__(self) -> str:
        return f"{self.title} weekly from {self.first_date} for {self.weeks} weeks"


# Attendance may be taken from this long before a session starts: families queue at the door.
DOORS_OPEN = timedelta(minutes=30)


class Session(VersionedModel):
    """One group session: an activity of a service at a venue, on a day, run by an organisation."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="sessions")
    series = models.ForeignKey(
        SessionSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    title = models.CharField("activity", max_length=150)
    date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    venue = models.ForeignKey(
        "places.Venue", null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    ward = models.ForeignKey("places.Ward", null=True, blank=True, on_delete=models.PROTECT)
    organisation = models.ForeignKey(
        "places.Organisation",
        on_delete=models.PROTECT,
        related_name="sessions",
        help_text="The organisation running the session: its staff take the register",
    )
    workers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="group_sessions"
    )
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="Places; empty: no cap")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["date", "start_time", "id"]
        indexes = [
            models.Index(fields=["organisation", "date"], name="session_org_date"),
            models.Index(fields=["series", "date"], name="session_series_date"),
            models.Index(fields=["date", "start_time"], name="session_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="session_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} on {self.date:%d/%m/%Y}"

    @property
    def starts_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.date, self.start_time))

    @property
    def register_opens_at(self) -> datetime:
        return self.starts_at - DOORS_OPEN

    def has_started(self, now: datetime | None = None) -> bool:
        """Attendance can be taken once the doors open (R-ENGAGE-3: not for a future session)."""
        return (now or timezone.now()) >= self.register_opens_at

    @property
    def ends_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.date, self.end_time))

    @staticmethod
    def time_text(value: time) -> str:
        return value.strftime("%H:%M")


class Attendance(BaseModel):
    """Whether a person was at a session: one row per person and session, kept in step with the
    register's ticks (R-ENGAGE-3).

    Ticks arrive from the register page, possibly late and out of order (the page keeps them while
    the connection is down). Each tick carries a client-generated id and the time it was made;
    the row remembers the last tick applied, so a tick sent twice, or an older tick arriving after a
    newer one, changes nothing (`engagement.services.register_apply`).
    """

    # No single-column FK indexes: the unique (session, person) and the index (person, session)
    # serve every look-up and cascade by either (issue 9: two index writes fewer per import row).
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="attendances", db_index=False
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="attendances", db_index=False
    )
    present = models.BooleanField(default=True)
    as_child = models.BooleanField(help_text="Counted as a child (else as an adult)")
    client_id = models.UUIDField(unique=True, help_text="Id of the last tick applied")
    client_at = models.DateTimeField(help_text="When the last tick applied was made")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(help_text="When the server saved the last tick")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="attendance_once_a_session")
        ]
        indexes = [models.Index(fields=["person", "session"], name="attendance_person_session")]

    def __str__(self) -> str:
        return f"{self.person_id} at {self.session_id}: {'present' if self.present else 'absent'}"


class WalkIn(BaseModel):
    """Someone added at the door with the minimum details, whose record is still to complete.

    `client_id` is the id the register page gave the walk-in: sent twice, it is created once.
    """

    client_id = models.UUIDField(unique=True)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="walk_ins")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="walk_ins")
    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="walk_ins"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["completed_at", "created_at"], name="walk_in_to_complete")]

    def __str__(self) -> str:
        return f"walk-in {self.person_id} at {self.session_id}"
