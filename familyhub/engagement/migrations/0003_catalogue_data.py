"""Load the service catalogue and the first eligibility rules from engagement/data/catalogue.json
(R-ENGAGE-1, R-ENGAGE-2; sources in engagement/data/README.md)."""

from django.db import migrations


def load(apps, schema_editor):
    from familyhub.engagement import catalogue

    catalogue.load(
        Organisation=apps.get_model("places", "Organisation"),
        Ward=apps.get_model("places", "Ward"),
        Area=apps.get_model("places", "Area"),
        Service=apps.get_model("engagement", "Service"),
        EligibilityRule=apps.get_model("engagement", "EligibilityRule"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0002_sessions_rules_enrolments"),
        ("places", "0002_reference_data"),
    ]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
