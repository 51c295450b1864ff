"""The seeded Imagination Library rule goes by any child of the family, not only the youngest
(issue 7, R-ENGAGE-2): a next version of the rule, written only where the seeded version is still
the one in force (see `engagement.catalogue.any_child_for_seeded_rules`). A database created from
now on is seeded that way by 0003 (engagement/data/catalogue.json), and this does nothing there.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from familyhub.engagement import catalogue

    catalogue.any_child_for_seeded_rules(
        Service=apps.get_model("engagement", "Service"),
        EligibilityRule=apps.get_model("engagement", "EligibilityRule"),
        Ward=apps.get_model("places", "Ward"),
        Area=apps.get_model("places", "Area"),
        Organisation=apps.get_model("places", "Organisation"),
        ChangeRecord=apps.get_model("core", "ChangeRecord"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0004_attendance_no_single_fk_indexes"),
        ("core", "0001_initial"),
    ]
    # Backwards: nothing is undone; versions of a rule are never deleted (the earlier one stays,
    # and a manager can write a next version by the youngest child again).
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
