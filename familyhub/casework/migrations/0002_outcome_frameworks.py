"""The Family Hub and SSBC outcomes frameworks (R-ENGAGE-7), as reference data."""

from django.db import migrations


def load(apps, schema_editor):
    from familyhub.casework.reference import load_outcome_frameworks

    load_outcome_frameworks(
        apps.get_model("casework", "OutcomeFramework"), apps.get_model("casework", "Outcome")
    )


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
