"""'Not asked' has one representation: no ethnicity (NULL). The 'not-asked' category row goes.

Until now a person never asked could have either NULL or the 'not-asked' row (the forms and the
demo wrote NULL, the API accepted the key). Everyone pointing at the row now has NULL, the row is
deleted, and the `kind` choice with it. 'Prefer not to say' (asked, and declined) stays a row of
its own. The NHS code for an empty ethnicity on export is read from the reference file
(`places.reference.ethnicity_not_asked`).
"""

from django.db import migrations, models


def not_asked_is_null(apps, schema_editor):
    EthnicityCategory = apps.get_model("places", "EthnicityCategory")
    for row in EthnicityCategory.objects.filter(key="not-asked"):
        for rel in EthnicityCategory._meta.related_objects:  # people.Person.ethnicity, and any other
            rel.related_model._base_manager.filter(**{rel.field.name: row}).update(
                **{rel.field.name: None}
            )
        row.delete()


def restore_row(apps, schema_editor):
    """Backwards: the row again (people stay NULL, which meant 'not asked' all along)."""
    from familyhub.places import reference

    line = reference.ethnicity_not_asked()
    EthnicityCategory = apps.get_model("places", "EthnicityCategory")
    EthnicityCategory.objects.update_or_create(
        key="not-asked",
        defaults={
            "ons_code": None,
            "label": line["ons_label"],
            "high_level_group": line["high_level_group"],
            "nhs_code": line["nhs_dd_code"],
            "nhs_display": line["nhs_dd_display"],
            "mapping_note": line["mapping_note"],
            "kind": "not_asked",
            "sort_order": 20,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0002_reference_data"),
        ("people", "0005_lean_indexes"),
    ]

    operations = [
        migrations.RunPython(not_asked_is_null, restore_row),
        migrations.AlterField(
            model_name="ethnicitycategory",
            name="kind",
            field=models.CharField(
                choices=[("category", "Ethnic group"), ("prefer_not_to_say", "Prefer not to say")],
                max_length=20,
            ),
        ),
    ]
