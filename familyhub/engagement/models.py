"""The service catalogue (R-ENGAGE-1): what the lead organisation and its partners offer families.

Eligibility rules, sessions and attendance build on `Service` (this app); contacts, referrals,
caseloads and outcomes live in `casework` and point here.
"""

from __future__ import annotations

from django.db import models

from familyhub.core.models import VersionedModel


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
        null=True, blank=True, help_text="Families (or places per session for groups); empty: no cap"
    )
    source = models.CharField(
        max_length=200, blank=True, help_text="The source document that describes it"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
