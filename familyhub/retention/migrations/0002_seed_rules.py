"""Seed one retention rule per retention category of the data map (R-RETAIN-1).

The periods are the data map's defaults (core.datamap.Retention), with their sources; the DPO edits
them afterwards (/retention/rules/), and the privacy notice states them as they are then. The
values are written out here rather than read from the data map, so that this migration means the
same thing whenever it runs.
"""

from django.db import migrations

RULES = [
    {
        "category": "CASE_RECORD",
        "name": "Case records",
        "applies_to": (
            "The family's and each person's details, addresses, relationships, consents and "
            "preferences, contacts and visits, sessions attended, referrals, outcomes and the "
            "history of changes."
        ),
        "period_years": 6,
        "period_months": 0,
        "starts_from": "last_contact",
        "source": (
            "North Somerset Early Help and children's centres privacy notice: 'retained for up to "
            "six years from point of the last contact with the family concerned'."
        ),
    },
    {
        "category": "EVALUATION",
        "name": "Evaluation data",
        "applies_to": (
            "Data sets and feedback kept to evaluate the programme, linked to a person only where "
            "they consented."
        ),
        "period_years": 5,
        "period_months": 0,
        "starts_from": "programme_end",
        "source": (
            "Small Steps Big Changes privacy notice: 'held for the lifetime of the SSBC programme "
            "and for subsequent years afterward to support our evaluation'. The number of years "
            "and the programme's end date are for the DPO to set."
        ),
    },
    {
        "category": "STAFF_ACCOUNT",
        "name": "Staff accounts",
        "applies_to": (
            "Staff members' accounts: names, work email, roles, second-factor devices and API "
            "tokens. The account is anonymised, not deleted, so that the audit trail still points "
            "at it."
        ),
        "period_years": 1,
        "period_months": 0,
        "starts_from": "account_closed",
        "source": "familyhub data map default; for the DPO to confirm.",
    },
    {
        "category": "AUDIT_LOG",
        "name": "Audit logs",
        "applies_to": (
            "The access log (who looked at which record, when and why) and sign-in events. Sign-in "
            "events are deleted; the access log is archived in whole, verified segments."
        ),
        "period_years": 7,
        "period_months": 0,
        "starts_from": "recorded",
        "source": "familyhub data map default; for the DPO to confirm.",
    },
    {
        "category": "REFERENCE",
        "name": "Reference data",
        "applies_to": "Wards, organisations, services, purposes: no personal data.",
        "period_years": 0,
        "period_months": 0,
        "starts_from": "in_use",
        "source": "",
        "disposal_enabled": False,
    },
]


def seed(apps, schema_editor):
    RetentionRule = apps.get_model("retention", "RetentionRule")
    for rule in RULES:
        RetentionRule.objects.get_or_create(category=rule["category"], defaults=rule)


def unseed(apps, schema_editor):
    RetentionRule = apps.get_model("retention", "RetentionRule")
    RetentionRule.objects.filter(category__in=[r["category"] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
