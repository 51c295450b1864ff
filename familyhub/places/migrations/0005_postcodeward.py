"""The postcode directory moves from `imports` to `places` (geography lives here), keeping its rows.

The table is taken over as it is (state only), then renamed; the import batch a row came from
becomes the `source` text, as for population estimates.
"""

import django.db.models.deletion
from django.db import migrations, models


def batch_to_source(apps, schema_editor):
    PostcodeWard = apps.get_model("places", "PostcodeWard")
    ImportBatch = apps.get_model("imports", "ImportBatch")
    names = dict(ImportBatch.objects.values_list("pk", "file_name"))
    for batch_id, name in names.items():
        PostcodeWard.objects.filter(batch_id=batch_id).update(source=name[:200])


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0004_populationestimate"),
        ("imports", "0002_importedrecord_household_importedrecord_person"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PostcodeWard",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "postcode_key",
                            models.CharField(
                                help_text="No spaces, upper case", max_length=7, unique=True
                            ),
                        ),
                        ("postcode", models.CharField(max_length=8)),
                        (
                            "batch",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="imports.importbatch",
                            ),
                        ),
                        (
                            "ward",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="places.ward",
                            ),
                        ),
                    ],
                    options={"db_table": "imports_postcodeward"},
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="postcodeward",
            name="source",
            field=models.CharField(
                blank=True, help_text="The file (or data set) the row came from", max_length=200
            ),
        ),
        migrations.RunPython(batch_to_source, migrations.RunPython.noop),
        migrations.RemoveField(model_name="postcodeward", name="batch"),
        migrations.AlterModelTable(name="postcodeward", table=None),
    ]
