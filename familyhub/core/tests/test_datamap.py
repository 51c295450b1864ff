"""The data map (invariant 4) covers every field, names only real fields, and its document is current."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.core.management import call_command
from django.core.management.base import CommandError

from familyhub.core.datamap import DATA_MAP, Category, Retention, Subject, special_category_fields
from familyhub.core.management.commands.datamap import default_path, render_markdown


def _familyhub_models():
    for app_config in apps.get_app_configs():
        if app_config.name.startswith("familyhub."):
            yield from app_config.get_models()


def _stored_fields(model) -> list[str]:
    """Every column and every forward many-to-many: what can hold data for this model."""
    return [f.name for f in model._meta.concrete_fields] + [
        f.name for f in model._meta.many_to_many
    ]


def test_familyhub_apps_have_models():
    # Guards the tests below against passing vacuously (e.g. if the app names changed).
    labels = {m._meta.label for m in _familyhub_models()}
    assert {"people.Person", "people.Household", "access.AccessLogEntry"} <= labels


def test_every_field_of_every_model_is_classified():
    unclassified = [
        f"{model._meta.label}.{name}"
        for model in _familyhub_models()
        for name in _stored_fields(model)
        if name not in DATA_MAP.get(model._meta.label, {})
    ]
    assert not unclassified, (
        "These fields are not in the data map (familyhub/core/datamap.py); classify each one, then "
        "run `familyhub datamap --output docs/data-map.md`:\n  " + "\n  ".join(unclassified)
    )


def test_data_map_names_only_real_fields():
    unknown = []
    for label, classified in DATA_MAP.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            unknown.append(f"{label} (no such model)")
            continue
        stored = set(_stored_fields(model))
        for name in classified:
            try:
                model._meta.get_field(name)
            except FieldDoesNotExist:
                unknown.append(f"{label}.{name} (no such field)")
                continue
            if name not in stored:
                unknown.append(f"{label}.{name} (a reverse relation, not a field of this model)")
    assert not unknown, "The data map names fields that do not exist:\n  " + "\n  ".join(unknown)


def test_personal_fields_have_a_subject_and_a_retention_rule():
    incomplete = [
        f"{label}.{name}"
        for label, classified in DATA_MAP.items()
        for name, fc in classified.items()
        if fc.personal and (fc.subject is Subject.NONE or fc.retention is Retention.NONE)
    ]
    assert not incomplete, "Personal fields without a data subject or retention rule: " + ", ".join(
        incomplete
    )


def test_special_category_fields_of_person():
    special = set(special_category_fields("people.Person"))
    assert {
        "ethnicity",
        "religion",
        "sexual_orientation",
        "disability",
        "additional_needs",
    } <= special
    assert all(DATA_MAP["people.Person"][n].category is Category.SPECIAL for n in special)


def test_docs_data_map_is_up_to_date():
    path = default_path()
    assert path.exists(), f"{path} is missing: run `familyhub datamap --output docs/data-map.md`"
    assert path.read_text(encoding="utf-8") == render_markdown(), (
        "docs/data-map.md is out of date: run `familyhub datamap --output docs/data-map.md`"
    )


def test_document_lists_every_classified_field():
    text = render_markdown()
    for label, classified in DATA_MAP.items():
        assert f"### {label}" in text
        for name in classified:
            assert f"| {label} | `{name}` |" in text


def test_command_prints_writes_and_checks(tmp_path: Path):
    out = StringIO()
    call_command("datamap", stdout=out)
    assert out.getvalue() == render_markdown()

    target = tmp_path / "docs" / "data-map.md"
    call_command("datamap", output=str(target), stdout=StringIO())
    assert target.read_text(encoding="utf-8") == render_markdown()
    call_command("datamap", output=str(target), check=True, stdout=StringIO())

    target.write_text(render_markdown().replace("special category", "ordinary"), encoding="utf-8")
    with pytest.raises(CommandError, match="out of date") as excinfo:
        call_command("datamap", output=str(target), check=True, stdout=StringIO())
    assert excinfo.value.returncode == 1

    with pytest.raises(CommandError, match="missing"):
        call_command("datamap", output=str(tmp_path / "nowhere.md"), check=True)
