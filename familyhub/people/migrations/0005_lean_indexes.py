"""Indexes that only cost writes go; the family list by ward gets the one it needs (docs/benchmarks.md).

Dropped, because another index already starts with the same column(s):
  people_address(household_id)            -> (household_id, valid_to)
  people_caseallocation(organisation_id)  -> (organisation_id, ended_on, household_id)
  people_membership(household_id)         -> unique (household_id, person_id)
  people_personidentifier(person_id)      -> unique (person_id, scheme)
  people_relationship(from_person_id)     -> unique (from_person_id, to_person_id, kind)
and, because nothing looks people up by it, people_person(created_by_id). The NHS number and the
postcode key keep a plain index under a stable name, without the LIKE (varchar_pattern_ops) twin
that `db_index=True` adds on PostgreSQL: both are only ever matched exactly.

Added, for the family list filtered by ward (people/selectors.py, ADR 0011), each over the rows
in use only: address_current_ward (ward_id, household_id) over current addresses,
allocation_open (organisation_id, household_id) over open allocations, and household_active (id)
over households not archived. Together they let PostgreSQL check a ward's households against a
user's scope reading three indexes in household order, without visiting the tables.

The field changes are state only: the indexes are dropped by name, so that SQLite does not rebuild
five tables (a million people, their memberships and relationships) to drop an index; no table is
rebuilt, so the FTS triggers on people_person are untouched (see people/fts.py).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (index, table, column): the indexes Django made for the fields below (0001_initial).
OLD_INDEXES = [
    ("people_address_household_id_cf14083d", "people_address", "household_id"),
    ("people_address_postcode_key_0de973d4", "people_address", "postcode_key"),
    ("people_caseallocation_organisation_id_068d8478", "people_caseallocation", "organisation_id"),
    ("people_membership_household_id_ab793b8f", "people_membership", "household_id"),
    ("people_person_created_by_id_82aa5eb7", "people_person", "created_by_id"),
    ("people_person_nhs_number_b2af029b", "people_person", "nhs_number"),
    ("people_personidentifier_person_id_e2ddfc5e", "people_personidentifier", "person_id"),
    ("people_relationship_from_person_id_5f14b94e", "people_relationship", "from_person_id"),
]
# PostgreSQL only: the LIKE twins of the two CharField indexes.
OLD_LIKE_INDEXES = [
    ("people_address_postcode_key_0de973d4_like", "people_address", "postcode_key"),
    ("people_person_nhs_number_b2af029b_like", "people_person", "nhs_number"),
]


def drop_old_indexes(apps, schema_editor):
    names = [name for name, _, _ in OLD_INDEXES]
    if schema_editor.connection.vendor == "postgresql":
        names += [name for name, _, _ in OLD_LIKE_INDEXES]
    for name in names:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def restore_old_indexes(apps, schema_editor):
    for name, table, column in OLD_INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")')
    if schema_editor.connection.vendor == "postgresql":
        for name, table, column in OLD_LIKE_INDEXES:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}" varchar_pattern_ops)'
            )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_sound_keys"),
        ("places", "0002_reference_data"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="address",
                    name="household",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="addresses",
                        to="people.household",
                    ),
                ),
                migrations.AlterField(
                    model_name="address",
                    name="postcode_key",
                    field=models.CharField(help_text="Postcode without spaces", max_length=7),
                ),
                migrations.AlterField(
                    model_name="caseallocation",
                    name="organisation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="allocations",
                        to="places.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="membership",
                    name="household",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="people.household",
                    ),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="created_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="nhs_number",
                    field=models.CharField(blank=True, max_length=10, verbose_name="NHS number"),
                ),
                migrations.AlterField(
                    model_name="personidentifier",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="identifiers",
                        to="people.person",
                    ),
                ),
                migrations.AlterField(
                    model_name="relationship",
                    name="from_person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="relationships_from",
                        to="people.person",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_old_indexes, restore_old_indexes)],
        ),
        migrations.AddIndex(
            model_name="address",
            index=models.Index(fields=["postcode_key"], name="address_postcode_key"),
        ),
        migrations.AddIndex(
            model_name="address",
            index=models.Index(
                condition=models.Q(("valid_to__isnull", True)),
                fields=["ward", "household"],
                name="address_current_ward",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["nhs_number"], name="person_nhs_number"),
        ),
        migrations.AddIndex(
            model_name="household",
            index=models.Index(
                condition=models.Q(("archived_at__isnull", True)),
                fields=["id"],
                name="household_active",
            ),
        ),
        migrations.AddIndex(
            model_name="caseallocation",
            index=models.Index(
                condition=models.Q(("ended_on__isnull", True)),
                fields=["organisation", "household"],
                name="allocation_open",
            ),
        ),
    ]
