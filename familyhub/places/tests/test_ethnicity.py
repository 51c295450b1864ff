"""Ethnicity (R-PEOPLE-3): 'not asked' is one thing, an empty ethnicity (NULL), and stays apart from
'prefer not to say' (asked, and declined), which is a category of its own.

Checked where the answer enters and leaves: the reference data, the data migration that folded the
old 'not-asked' row into NULL, the person form, the API and the demo data.
"""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone
from rest_framework.test import APIClient

from familyhub.core.demo.generator import PERSON_COLS, FamilyGenerator
from familyhub.core.demo.reference import build_reference
from familyhub.people.forms import PersonForm
from familyhub.people.models import Person
from familyhub.places import reference
from familyhub.places.models import EthnicityCategory

pytestmark = pytest.mark.django_db

migration = import_module("familyhub.places.migrations.0003_ethnicity_not_asked_is_null")


def test_reference_data_has_prefer_not_to_say_and_no_not_asked_row(personas):
    keys = list(EthnicityCategory.objects.values_list("key", flat=True))
    assert len(keys) == 20 and "prefer-not-to-say" in keys and "not-asked" not in keys
    prefer = EthnicityCategory.objects.get(key="prefer-not-to-say")
    assert (prefer.kind, prefer.nhs_code, prefer.ons_code) == ("prefer_not_to_say", "Z", None)
    assert EthnicityCategory.objects.filter(kind="category").count() == 19
    assert {k for k, _ in EthnicityCategory.Kind.choices} == {"category", "prefer_not_to_say"}


def test_loading_the_reference_data_again_adds_no_not_asked_row(personas):
    assert reference.load_ethnicity(EthnicityCategory) == 20
    assert not EthnicityCategory.objects.filter(key="not-asked").exists()


def test_not_asked_exports_as_nhs_code_99():
    line = reference.ethnicity_not_asked()
    assert (line["nhs_dd_code"], line["nhs_dd_display"]) == ("99", "Not known")


def test_migration_folds_the_not_asked_row_into_null(personas):
    """A database from before places/0003: people pointing at the 'not-asked' row, others at a
    category and at 'prefer not to say'. After the migration's step: NULL, untouched, untouched."""
    old = EthnicityCategory.objects.create(
        key="not-asked", label="Not asked / not known", nhs_code="99", nhs_display="Not known",
        kind="not_asked", sort_order=20,
    )  # fmt: skip
    prefer = EthnicityCategory.objects.get(key="prefer-not-to-say")
    white = EthnicityCategory.objects.get(key="ons-13")
    people = [m.person for m in personas.household.memberships.select_related("person")]
    for person, value in zip(people, [old, prefer, white], strict=False):
        Person.objects.filter(pk=person.pk).update(ethnicity=value)
    migration.not_asked_is_null(apps, None)  # the step uses the models only
    after = dict(
        Person.objects.filter(pk__in=[p.pk for p in people]).values_list("pk", "ethnicity")
    )
    assert after[people[0].pk] is None
    assert after[people[1].pk] == prefer.pk and after[people[2].pk] == white.pk
    assert not EthnicityCategory.objects.filter(pk=old.pk).exists()
    migration.restore_row(apps, None)  # and back: the row again, people left NULL
    assert EthnicityCategory.objects.get(key="not-asked").nhs_code == "99"


def test_person_form_offers_not_asked_once_and_prefer_not_to_say(personas):
    labels = [str(label) for _, label in PersonForm().fields["ethnicity"].choices]
    assert labels.count("Not asked") == 1 and labels[0] == "Not asked"  # the empty choice
    assert "Prefer not to say" in labels
    assert not [label for label in labels if label.startswith("Not asked /")]


def test_api_records_prefer_not_to_say_and_not_asked_as_null(personas):
    person = personas.household.memberships.filter(person__is_unborn=False).first().person
    client = APIClient()
    client.force_authenticate(personas.practitioner)
    url = f"/api/v1/people/{person.uuid}/"
    said = client.patch(url, {"version": 1, "ethnicity": "prefer-not-to-say"}, format="json")
    assert said.status_code == 200 and said.json()["ethnicity"] == "prefer-not-to-say"
    cleared = client.patch(url, {"version": 2, "ethnicity": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["ethnicity"] is None
    refused = client.patch(url, {"version": 3, "ethnicity": "not-asked"}, format="json")
    assert refused.status_code == 400
    assert {e["field"] for e in refused.json()["errors"]} == {"ethnicity"}
    assert Person.objects.get(pk=person.pk).ethnicity is None


def test_demo_data_leaves_not_asked_empty(personas):
    ref = build_reference()
    assert "not-asked" not in ref.ethnicity
    generator = FamilyGenerator(2026, ref, today=timezone.localdate())
    column = PERSON_COLS.index("ethnicity_id")
    values = {
        row[column]
        for chunk in generator.chunks(families=300, batch=100)
        for row in chunk.rows("person")
    }
    assert None in values and ref.ethnicity["prefer-not-to-say"] in values
    assert values - {None} <= set(ref.ethnicity.values())
