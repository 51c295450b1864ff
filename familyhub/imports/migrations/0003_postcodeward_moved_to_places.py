"""The postcode directory now belongs to `places` (places/0005 took over and renamed the table)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0002_importedrecord_household_importedrecord_person"),
        ("places", "0005_postcodeward"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="PostcodeWard")],
            database_operations=[],
        ),
    ]
