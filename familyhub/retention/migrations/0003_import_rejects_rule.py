"""A retention rule of its own for rows of partner files that could not be imported (R-RETAIN-1,
data minimisation): they hold names, dates of birth and NHS numbers as sent, linked to nobody, so
neither subject access nor erasure can find them by person; they are kept for the partner to fix
and send again, three months, instead of the case record's six years."""

from django.db import migrations, models

RULE = {
    "category": "IMPORT_REJECTS",
    "name": "Rejected rows of partner files",
    "applies_to": (
        "Rows of an imported file that could not be loaded, as the partner sent them, with the "
        "reasons: kept so that the partner can correct them and send them again."
    ),
    "period_years": 0,
    "period_months": 3,
    "starts_from": "recorded",
    "source": "familyhub data map default (data minimisation); for the DPO to confirm.",
}


def seed(apps, schema_editor):
    apps.get_model("retention", "RetentionRule").objects.get_or_create(
        category=RULE["category"], defaults=RULE
    )


def unseed(apps, schema_editor):
    apps.get_model("retention", "RetentionRule").objects.filter(
        category=RULE["category"]
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('retention', '0002_seed_rules'),
    ]

    operations = [
        migrations.AlterField(
            model_name='retentionrule',
            name='category',
            field=models.CharField(choices=[('CASE_RECORD', 'case record: 6 years after last contact with the family'), ('EVALUATION', "evaluation data: the programme's lifetime plus 5 years"), ('STAFF_ACCOUNT', 'staff account: 1 year after the account is closed'), ('AUDIT_LOG', 'audit log: 7 years'), ('REFERENCE', 'reference data: kept while in use'), ('IMPORT_REJECTS', 'rejected import rows: 3 months after the import')], max_length=30, unique=True),
        ),
        migrations.RunPython(seed, unseed),
    ]
