"""Direct foreign keys to the family (or the person) on the rows that reached them only through a
parent row, so that `core.personal_data` (subject access, erasure, disposal) finds them."""

import django.db.models.deletion
from django.db import migrations, models

FILL = [
    "UPDATE casework_allocationdetail SET household_id = (SELECT a.household_id FROM "
    "people_caseallocation a WHERE a.id = casework_allocationdetail.allocation_id)",
    "UPDATE casework_outcomescore SET household_id = (SELECT r.household_id FROM "
    "casework_outcomereview r WHERE r.id = casework_outcomescore.review_id)",
    "UPDATE casework_feedbackanswer SET person_id = (SELECT r.person_id FROM "
    "casework_feedbackresponse r WHERE r.id = casework_feedbackanswer.response_id)",
]


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0002_outcome_frameworks"),
        ("people", "0004_sound_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="allocationdetail",
            name="household",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="allocation_details",
                to="people.household",
            ),
        ),
        migrations.AddField(
            model_name="outcomescore",
            name="household",
            field=models.ForeignKey(
                help_text="The review's family (found directly by subject access and erasure)",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="outcome_scores",
                to="people.household",
            ),
        ),
        migrations.AddField(
            model_name="feedbackanswer",
            name="person",
            field=models.ForeignKey(
                blank=True,
                help_text="The response's person, only when it is linked (consent to evaluation)",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="feedback_answers",
                to="people.person",
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="allocationdetail",
            name="household",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="allocation_details",
                to="people.household",
            ),
        ),
        migrations.AlterField(
            model_name="outcomescore",
            name="household",
            field=models.ForeignKey(
                help_text="The review's family (found directly by subject access and erasure)",
                on_delete=django.db.models.deletion.CASCADE,
                related_name="outcome_scores",
                to="people.household",
            ),
        ),
    ]
