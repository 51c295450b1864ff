"""Places and organisations (R-PEOPLE-4) and the reference lists people are described with."""

from __future__ import annotations

from django.db import models

from familyhub.core.models import BaseModel, VersionedModel


class Area(BaseModel):
    """A care delivery group: wards grouped on area-committee boundaries (Best Start)."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ward(BaseModel):
    code = models.CharField("ONS ward code", max_length=9, unique=True)
    name = models.CharField(max_length=100)
    lad_code = models.CharField("local authority code", max_length=9)
    lad_name = models.CharField("local authority", max_length=100)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Organisation(VersionedModel):
    """A lead organisation, delivery partner or other agency (R-PEOPLE-4).

    Added and changed by administrators through `places.services` (every change recorded); never
    deleted: a retired organisation (`active` false) stays on old records but is offered nowhere.
    """

    class Kind(models.TextChoices):
        LEAD = "lead", "Lead organisation"
        DELIVERY_PARTNER = "delivery_partner", "Delivery partner"
        HEALTH = "health", "Health service"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        FUNDER = "funder", "Funder"
        EVALUATOR = "evaluator", "Evaluator"
        OTHER = "other", "Other agency"

    name = models.CharField(max_length=150, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    served_wards = models.ManyToManyField(
        Ward,
        blank=True,
        related_name="serving_organisations",
        help_text="Wards in which this organisation delivers services to families",
    )
    ods_code = models.CharField("ODS code", max_length=10, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(VersionedModel):
    """A team of an organisation; retired (`active` false) rather than deleted, like it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=150)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class Venue(VersionedModel):
    """Where sessions happen; retired (`active` false) rather than deleted."""

    name = models.CharField(max_length=150)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="venues"
    )
    ward = models.ForeignKey(Ward, null=True, blank=True, on_delete=models.SET_NULL)
    address = models.CharField(max_length=250, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EthnicityCategory(models.Model):
    """ONS Census 2021 categories, plus 'prefer not to say' (asked, and declined).

    'Not asked' is not a row: a person's ethnicity is empty (NULL) until someone asks. One answer,
    one representation (NHS Data Dictionary code 99, 'not known', on export: see
    `places.reference.ethnicity_not_asked`).
    """

    class Kind(models.TextChoices):
        CATEGORY = "category", "Ethnic group"
        PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"

    key = models.CharField(max_length=20, unique=True)
    ons_code = models.PositiveSmallIntegerField(null=True, blank=True, unique=True)
    label = models.CharField(max_length=150)
    high_level_group = models.CharField(max_length=100, blank=True)
    nhs_code = models.CharField("NHS Data Dictionary code", max_length=2)
    nhs_display = models.CharField(max_length=100)
    mapping_note = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sort_order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["sort_order"]
        verbose_name_plural = "ethnicity categories"

    def __str__(self) -> str:
        return self.label


class PopulationEstimate(BaseModel):
    """How many people live in a ward, by year, age band, sex and ethnic group (R-SHARE-6).

    Loaded from a CSV (such as ONS mid-year estimates or Census 2021 tables) by the population
    import; the reach report divides the families a service registered and engaged by these.
    Blank `sex` or `ethnic_group` means all: a source that gives only totals by age band has
    rows with both blank. `source` names the data set (and says so when it is an example).
    """

    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="population")
    year = models.PositiveSmallIntegerField()
    age_from = models.PositiveSmallIntegerField(help_text="Youngest age in the band, in years")
    age_to = models.PositiveSmallIntegerField(help_text="Oldest age in the band, in years")
    sex = models.CharField(max_length=10, blank=True, help_text="Blank: all")
    ethnic_group = models.CharField(
        max_length=100, blank=True, help_text="ONS high-level group; blank: all"
    )
    count = models.PositiveIntegerField()
    source = models.CharField(max_length=200)

    class Meta:
        ordering = ["ward__name", "year", "age_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["ward", "year", "age_from", "age_to", "sex", "ethnic_group", "source"],
                name="population_estimate_once",
            ),
            models.CheckConstraint(
                condition=models.Q(age_to__gte=models.F("age_from")),
                name="population_age_band_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ward.name} {self.year} aged {self.age_from}-{self.age_to}: {self.count}"


class PostcodeWard(models.Model):
    """Postcode -> electoral ward, from the ONS Postcode Directory (pcds/pcd, osward).

    Reference data (Open Government Licence v3.0), loaded by the postcode-lookup import kind
    (R-IMPORT-1). Addresses take their ward from it when staff leave the ward 'Not known', and an
    address whose chosen ward contradicts it is refused (`places.postcodes`, R-PEOPLE-2).
    """

    postcode_key = models.CharField(max_length=7, unique=True, help_text="No spaces, upper case")
    postcode = models.CharField(max_length=8)
    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(
        max_length=200, blank=True, help_text="The file (or data set) the row came from"
    )

    def __str__(self) -> str:
        return f"{self.postcode} in {self.ward_id}"
