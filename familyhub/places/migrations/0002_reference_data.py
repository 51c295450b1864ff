"""Load the wards, care delivery groups and ethnicity categories that ship in places/data."""

from django.db import migrations


def load(apps, schema_editor):
    from familyhub.places import reference

    Ward = apps.get_model("places", "Ward")
    reference.load_wards(Ward)
    reference.load_areas(apps.get_model("places", "Area"), Ward)
    reference.load_ethnicity(apps.get_model("places", "EthnicityCategory"))


class Migration(migrations.Migration):
    dependencies = [("places", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
