"""Administrators manage organisations, teams and venues in the UI (R-PEOPLE-4, ADR 0026).

Teams and venues are retired (`active` false) rather than deleted, as organisations already were;
the three become versioned records, so that two administrators editing one cannot lose a change.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0005_postcodeward"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="version",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="team",
            name="active",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="team",
            name="version",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="venue",
            name="active",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="venue",
            name="version",
            field=models.PositiveIntegerField(default=1),
        ),
    ]
