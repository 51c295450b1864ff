"""Households, people and the links between them (R-PEOPLE-1..3, R-PEOPLE-5).

Only services write these models and only the access helpers read them for a user (invariants
1 and 2); every field is classified in `familyhub/core/datamap.py` (invariant 4).
"""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models

from familyhub.core.models import BaseModel, VersionedModel
from familyhub.people import choices as c


class Household(VersionedModel):
    name = models.CharField(
        "household name",
        max_length=150,
        help_text="How staff refer to the family, for example 'Smith family'",
    )
    phone = models.CharField("household phone", max_length=30, blank=True)
    notes = models.TextField(
        "practical notes", blank=True, help_text="Access, pets, best times to visit"
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    archive_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="household_recent_first"),
            # Households in use, in id order, read from the index alone: the family list by ward
            # checks a ward's households against the scope in one ordered pass (ADR 0011).
            models.Index(
                fields=["id"], condition=models.Q(archived_at__isnull=True), name="household_active"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Address(BaseModel):
    """Where a household lives, from one date to another: earlier addresses are kept (history)."""

    # No index of its own: (household, valid_to) below serves every lookup by household.
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="addresses", db_index=False
    )
    line1 = models.CharField("address line 1", max_length=150)
    line2 = models.CharField("address line 2", max_length=150, blank=True)
    town = models.CharField("town or city", max_length=100, default="Nottingham")
    postcode = models.CharField(
        max_length=8, help_text="Stored in standard form, for example NG7 5HY"
    )
    postcode_key = models.CharField(max_length=7, help_text="Postcode without spaces")
    ward = models.ForeignKey("places.Ward", null=True, blank=True, on_delete=models.PROTECT)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-valid_from", "-id"]
        indexes = [
            models.Index(fields=["household", "valid_to"]),
            # Matched exactly only: a plain index (db_index=True adds a LIKE index on PostgreSQL).
            models.Index(fields=["postcode_key"], name="address_postcode_key"),
            # The family list filtered by ward starts from the ward's current addresses.
            models.Index(
                fields=["ward", "household"],
                condition=models.Q(valid_to__isnull=True),
                name="address_current_ward",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(valid_to__isnull=True),
                name="address_one_current_per_household",
            )
        ]

    def __str__(self) -> str:
        return ", ".join(p for p in [self.line1, self.line2, self.town, self.postcode] if p)

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class Person(VersionedModel):
    """A child (born or unborn), a parent or carer, or another adult linked to a family."""

    given_name = models.CharField("first name", max_length=100, blank=True)
    family_name = models.CharField("last name", max_length=100)
    middle_names = models.CharField(max_length=150, blank=True)
    known_as = models.CharField("preferred name", max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    is_unborn = models.BooleanField(default=False)
    expected_date_of_delivery = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=20, choices=c.Sex.choices, default=c.Sex.NOT_ASKED)
    gender = models.CharField(max_length=20, choices=c.Gender.choices, default=c.Gender.NOT_ASKED)

    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    nhs_number = models.CharField("NHS number", max_length=10, blank=True)
    gp_practice = models.CharField("GP practice", max_length=150, blank=True)
    gp_practice_code = models.CharField("GP practice code", max_length=10, blank=True)

    main_language = models.CharField(max_length=60, blank=True, default="English")
    other_languages = models.CharField(max_length=200, blank=True)
    interpreter_needed = models.BooleanField(default=False)

    relationship_status = models.CharField(
        max_length=20, choices=c.RelationshipStatus.choices, default=c.RelationshipStatus.NOT_ASKED
    )
    employment_status = models.CharField(
        max_length=20, choices=c.EmploymentStatus.choices, default=c.EmploymentStatus.NOT_ASKED
    )
    education_status = models.CharField(
        max_length=20, choices=c.EducationStatus.choices, default=c.EducationStatus.NOT_ASKED
    )
    housing_status = models.CharField(
        max_length=20, choices=c.HousingStatus.choices, default=c.HousingStatus.NOT_ASKED
    )
    housing_needs = models.TextField(blank=True)

    # Special category (UK GDPR Art. 9): shown only to roles with that capability.
    ethnicity = models.ForeignKey(
        "places.EthnicityCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="ONS 2021 category; empty means not asked",
    )
    religion = models.CharField(
        max_length=20, choices=c.Religion.choices, default=c.Religion.NOT_ASKED
    )
    sexual_orientation = models.CharField(
        max_length=20, choices=c.SexualOrientation.choices, default=c.SexualOrientation.NOT_ASKED
    )
    disability = models.CharField(
        "disability", max_length=20, choices=c.YesNoAnswer.choices, default=c.YesNoAnswer.NOT_ASKED
    )
    additional_needs = models.TextField("disability and additional health needs", blank=True)

    # Search keys, derived by `people.search_keys` on every write (ADR 0002).
    search_name = models.CharField(max_length=250, blank=True, editable=False)
    given_key = models.CharField(max_length=12, blank=True, editable=False)
    family_key = models.CharField(max_length=12, blank=True, editable=False)
    given_sound = models.CharField(max_length=4, blank=True, editable=False)
    family_sound = models.CharField(max_length=4, blank=True, editable=False)

    # The person's pseudonymous key in the access log: deleting this row cuts the link (ADR 0005).
    log_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    # Not indexed: never searched by, and staff accounts are ended, not deleted.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    archive_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name_plural = "people"
        indexes = [
            models.Index(fields=["family_key", "given_key"]),
            models.Index(fields=["given_key"]),
            models.Index(fields=["family_sound", "given_sound"], name="person_sound_keys"),
            models.Index(fields=["given_sound"], name="person_given_sound"),
            models.Index(fields=["date_of_birth"]),
            models.Index(fields=["expected_date_of_delivery"]),
            # Matched exactly only: a plain index (db_index=True adds a LIKE index on PostgreSQL).
            models.Index(fields=["nhs_number"], name="person_nhs_number"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        given = self.known_as or self.given_name
        if not given and self.is_unborn:
            given = "Unborn baby"
        return f"{given} {self.family_name}".strip()

    def age_on(self, on: date) -> int | None:
        if self.date_of_birth is None:
            return None
        dob = self.date_of_birth
        return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


class PersonIdentifier(BaseModel):
    """Other identifiers: social care ID, Early Help ID, UPN, ..."""

    # Indexed by the unique (person, scheme) below.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="identifiers", db_index=False
    )
    scheme = models.CharField(max_length=20, choices=c.IdentifierScheme.choices)
    value = models.CharField(max_length=50)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "scheme"], name="identifier_one_per_scheme")
        ]
        indexes = [models.Index(fields=["scheme", "value"])]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()}: {self.value}"


class Membership(BaseModel):
    """A person's place in a household. A parent may belong to two (parents living apart)."""

    # Indexed by the unique (household, person) below.
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=c.MemberRole.choices)
    lives_here = models.BooleanField(default=True)
    joined_on = models.DateField(null=True, blank=True)
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["household", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "person"], name="membership_once_per_household"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.household_id} as {self.role}"


class Relationship(BaseModel):
    """`from_person` is the <kind> of `to_person` (e.g. A is the mother of B)."""

    # Indexed by the unique (from_person, to_person, kind) below.
    from_person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="relationships_from", db_index=False
    )
    to_person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships_to")
    kind = models.CharField(max_length=20, choices=c.RelationshipKind.choices)
    parental_responsibility = models.BooleanField(
        default=False, help_text="Whether from_person has parental responsibility for to_person"
    )
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["from_person", "to_person", "kind"], name="relationship_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(from_person=models.F("to_person")), name="relationship_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_person_id} {self.kind} of {self.to_person_id}"


class CaseAllocation(BaseModel):
    """Which organisation (and team, and worker) works with a household: the basis of need to know.

    The engagement issue builds caseloads on this; the access scopes read it (ADR 0004).
    """

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="allocations")
    # Indexed by (organisation, ended_on, household) below.
    organisation = models.ForeignKey(
        "places.Organisation", on_delete=models.PROTECT, related_name="allocations", db_index=False
    )
    team = models.ForeignKey("places.Team", null=True, blank=True, on_delete=models.PROTECT)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="caseload",
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "ended_on", "household"]),
            # Open allocations in household order: lets the family list by ward check a ward's
            # households against the organisation's open allocations in one ordered pass.
            models.Index(
                fields=["organisation", "household"],
                condition=models.Q(ended_on__isnull=True),
                name="allocation_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} with {self.organisation_id}"
