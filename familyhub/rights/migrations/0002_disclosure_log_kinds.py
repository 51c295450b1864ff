"""The disclosure log takes every kind of output (R-SHARE-5, ADR 0018): a kind, a level and the
sharing agreement. Rows written before this were subject access packs or portability exports,
told apart by their request's kind."""

import django.db.models.deletion
from django.db import migrations, models


def portability_rows(apps, schema_editor):
    DisclosureRecord = apps.get_model("rights", "DisclosureRecord")
    DisclosureRecord.objects.filter(request__kind="portability").update(kind="portability")


class Migration(migrations.Migration):
    dependencies = [
        ("rights", "0001_initial"),
        ("sharing", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="disclosurerecord",
            name="agreement",
            field=models.ForeignKey(
                blank=True,
                help_text="The data sharing agreement it left under, where there is one",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="disclosures",
                to="sharing.agreement",
            ),
        ),
        migrations.AddField(
            model_name="disclosurerecord",
            name="kind",
            field=models.CharField(
                choices=[
                    ("subject_access", "Subject access pack"),
                    ("portability", "Portability export"),
                    ("report", "Aggregate report"),
                    ("extract_depersonalised", "De-personalised extract"),
                    ("extract_identifiable", "Identifiable extract"),
                    ("matching", "Result of matching an external file"),
                    ("safeguarding", "Safeguarding disclosure"),
                    ("court_order", "Court order or other legal requirement"),
                    ("other", "Other disclosure recorded by hand"),
                ],
                default="subject_access",
                max_length=30,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="disclosurerecord",
            name="level",
            field=models.CharField(
                choices=[
                    ("aggregate", "Aggregate counts, with disclosure control"),
                    ("depersonalised", "De-personalised records (pseudonymised)"),
                    ("identifiable", "Identifiable records"),
                ],
                default="identifiable",
                help_text="How identifiable",
                max_length=20,
            ),
        ),
        migrations.RunPython(portability_rows, migrations.RunPython.noop),
    ]
