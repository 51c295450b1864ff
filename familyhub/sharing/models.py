"""What leaves familyhub, and under what (R-SHARE-1..7; ADR 0017, ADR 0018).

- `Agreement`: the register of data sharing agreements. No output is produced except under an
  agreement in force that allows its level and every item it holds (R-SHARE-1).
- `ReportSpec`: a saved aggregate report (the cube's dimensions, measures and filters), produced on
  demand or on a schedule by the tasks worker (R-SHARE-2, R-SHARE-7).
- `Output`: one produced report or extract: what was asked, under which agreement, the disclosure
  control or re-identification figures that cleared it, and the files with their checksums.
  Each output that is sent writes a row of the disclosure log (`rights.DisclosureRecord`, the one
  log for everything that leaves: subject access packs, reports, extracts and disclosures recorded
  by hand; R-SHARE-5).

Only `sharing.services` writes these models (invariant 1). Every field is classified in
`familyhub/core/datamap.py` (invariant 4): these rows are about organisations and outputs, and
the only personal data they hold is staff names and the responsible person's contact details.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from familyhub.core.models import BaseModel, VersionedModel
from familyhub.privacy.models import LawfulBasis


class Level(models.TextChoices):
    """How identifiable what leaves is (R-SHARE-1): each level allows the ones above it."""

    AGGREGATE = "aggregate", "Aggregate counts, with disclosure control"
    DEPERSONALISED = "depersonalised", "De-personalised records (pseudonymised)"
    IDENTIFIABLE = "identifiable", "Identifiable records"


LEVEL_RANK = {Level.AGGREGATE: 1, Level.DEPERSONALISED: 2, Level.IDENTIFIABLE: 3}


class Frequency(models.TextChoices):
    ONE_OFF = "one_off", "Once"
    ON_REQUEST = "on_request", "On request"
    MONTHLY = "monthly", "Monthly"
    BIMONTHLY = "bimonthly", "Every two months"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annually"


class Agreement(VersionedModel):
    """One data sharing agreement (R-SHARE-1).

    `data_items` holds item codes from `sharing.items` (what may leave under it); `rule_set` names
    the disclosure control rules every aggregate output under it uses (`sharing.sdc.rules`);
    `k_threshold` and `l_threshold` are the re-identification limits a de-personalised extract
    must meet. The pseudonym key of a de-personalised extract is never stored: it is derived
    from the deployment's pseudonym secret and the agreement's own `pseudonym_salt`, so that two
    recipients' pseudonyms cannot be joined and rotating the salt breaks linkage to earlier files.
    """

    reference = models.CharField(max_length=40, unique=True, help_text="For example DSA-2026-04")
    title = models.CharField(max_length=200)
    recipient = models.CharField(max_length=200, help_text="The organisation that receives")
    recipient_organisation = models.ForeignKey(
        "places.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sharing_agreements",
        help_text="When the recipient is an organisation in familyhub",
    )
    purpose = models.TextField(help_text="What the recipient uses the data for")
    level = models.CharField(max_length=20, choices=Level.choices)
    data_items = models.JSONField(default=list, help_text="Item codes allowed (sharing.items)")
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices)
    basis_detail = models.TextField(blank=True)
    consent_purpose = models.ForeignKey(
        "privacy.Purpose",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sharing_agreements",
        help_text="People are included only where privacy.policy permits this purpose",
    )
    frequency = models.CharField(max_length=20, choices=Frequency.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    responsible_name = models.CharField("responsible person", max_length=150)
    responsible_email = models.EmailField("responsible person's email", blank=True)
    rule_set = models.CharField(max_length=40, default="round-5-suppress-1-7")
    k_threshold = models.PositiveSmallIntegerField(
        "k-anonymity threshold", default=5, help_text="Smallest group a record may fall in"
    )
    l_threshold = models.PositiveSmallIntegerField(
        "l-diversity threshold", default=2, help_text="Fewest distinct sensitive values per group"
    )
    pseudonym_salt = models.CharField(max_length=64, blank=True)
    notes = models.TextField(blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["reference"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"


class ReportSpec(VersionedModel):
    """A saved aggregate report: the cube query and, when scheduled, when it is produced
    (R-SHARE-2, R-SHARE-7). `definition` is validated by `sharing.cube` before it is saved."""

    class Schedule(models.TextChoices):
        NONE = "", "Not scheduled"
        MONTHLY = "monthly", "Monthly"
        BIMONTHLY = "bimonthly", "Every two months"
        ANNUAL = "annual", "Annually"

    name = models.CharField(max_length=200)
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="reports")
    definition = models.JSONField(default=dict)
    schedule = models.CharField(max_length=20, choices=Schedule.choices, blank=True)
    next_run_on = models.DateField(null=True, blank=True)
    recipients_note = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Output(BaseModel):
    """One report or extract produced (R-SHARE-2..4): kept with what cleared it for release.

    `protection` keeps the disclosure control output of an aggregate report (`sdc` output as a
    dict, passed as `previous` to the next release of the same report so that differencing is
    checked) or the re-identification figures of a de-personalised extract. `files` lists each file
    (name, bytes, sha256); the bytes live in `content` for the retention period of outputs.
    """

    class Kind(models.TextChoices):
        REPORT = "report", "Aggregate report"
        EXTRACT_DEPERSONALISED = "extract_depersonalised", "De-personalised extract"
        EXTRACT_IDENTIFIABLE = "extract_identifiable", "Identifiable extract"
        REACH = "reach", "Reach by ward and ethnicity"

    class Status(models.TextChoices):
        PRODUCED = "produced", "Produced, not yet sent"
        RELEASED = "released", "Released"
        REFUSED = "refused", "Refused"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    agreement = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.PROTECT, related_name="outputs"
    )
    report = models.ForeignKey(
        ReportSpec, null=True, blank=True, on_delete=models.SET_NULL, related_name="outputs"
    )
    title = models.CharField(max_length=200)
    request = models.JSONField(default=dict, help_text="What was asked for, as submitted")
    status = models.CharField(max_length=20, choices=Status.choices)
    refusal_reason = models.TextField(blank=True)
    rule_set = models.CharField(max_length=40, blank=True)
    protection = models.JSONField(default=dict, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    people_count = models.PositiveIntegerField(default=0)
    files = models.JSONField(default=list, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)
    disclosure = models.ForeignKey(
        "rights.DisclosureRecord",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outputs",
    )
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["report", "-created_at"], name="output_report_latest")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"
