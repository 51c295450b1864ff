"""The erasure decision table covers every kind of record (R-RIGHTS-4, ADR 0016).

A model of the data map holding family members' data, a foreign key to a person or a family, or a
free-text field that can survive someone else's erasure, without a decision in
`familyhub/retention/decisions.py` fails here, naming it: erasure cannot forget a new feature.
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from familyhub.core.datamap import DATA_MAP, Subject
from familyhub.core.personal_data import household_links, person_links
from familyhub.retention.decisions import DECISIONS, Action, Kind


def _family_data_models() -> list[str]:
    return [
        label
        for label, fields in DATA_MAP.items()
        if any(fc.personal and fc.subject == Subject.FAMILY for fc in fields.values())
    ]


def test_every_model_with_family_data_has_a_decision():
    missing = [label for label in _family_data_models() if label not in DECISIONS]
    assert not missing, (
        "These models hold family members' data but familyhub/retention/decisions.py does not say "
        f"what erasure does to them: {missing}"
    )


def test_every_link_to_a_person_or_family_has_a_decision():
    missing = []
    for link in person_links() + household_links():
        decision = DECISIONS.get(link.model._meta.label)
        if decision is None or link.field not in decision.links:
            missing.append(link.label)
    assert not missing, (
        "Foreign keys to a person or family with no erasure decision (DELETE or CUT) in "
        f"familyhub/retention/decisions.py: {missing}"
    )


def test_decisions_name_real_models_and_fields():
    problems = []
    linked = {(lk.model._meta.label, lk.field) for lk in person_links() + household_links()}
    for label, decision in DECISIONS.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            problems.append(f"{label}: no such model")
            continue
        for name, link in decision.links.items():
            if (label, name) not in linked:
                problems.append(f"{label}.{name}: not a foreign key to a person or family")
                continue
            f = model._meta.get_field(name)
            if link.action == Action.CUT and not f.null:
                problems.append(f"{label}.{name}: CUT needs a nullable foreign key")
            for blank in link.blank:
                try:
                    model._meta.get_field(blank)
                except FieldDoesNotExist:
                    problems.append(f"{label}.{name}: blanks unknown field {blank}")
        for name in decision.sweep:
            try:
                f = model._meta.get_field(name)
            except FieldDoesNotExist:
                problems.append(f"{label}: sweeps unknown field {name}")
                continue
            if not isinstance(f, models.CharField | models.TextField):
                problems.append(f"{label}.{name}: only text fields can be swept")
        for path, fields in decision.via:
            try:
                model._default_manager.filter(**{f"{path}__in": []}).query  # noqa: B018
            except Exception as e:
                problems.append(f"{label}: bad path {path}: {e}")
            for name in fields:
                try:
                    model._meta.get_field(name)
                except FieldDoesNotExist:
                    problems.append(f"{label}: sweeps unknown field {name}")
        if decision.kind in (Kind.PERSON, Kind.HOUSEHOLD) and decision.links:
            problems.append(f"{label}: the person and the family are handled by erasure itself")
    assert not problems, problems


def _free_text_fields(model: type[models.Model], label: str) -> list[str]:
    """Text a person types about a family: TextFields, and CharFields of 100+ characters without
    choices, classified as personal family data."""
    classified = DATA_MAP.get(label, {})
    names = []
    for f in model._meta.concrete_fields:
        fc = classified.get(f.name)
        if fc is None or not fc.personal or fc.subject != Subject.FAMILY:
            continue
        if isinstance(f, models.TextField) or (
            isinstance(f, models.CharField) and (f.max_length or 0) >= 100 and not f.choices
        ):
            names.append(f.name)
    return names


def test_free_text_that_survives_an_erasure_is_swept_or_explained():
    """A row that stays when someone else is erased (a relative's, the family's) may name them."""
    missing = []
    for label, decision in DECISIONS.items():
        if decision.kind == Kind.PSEUDONYM:
            continue
        model = apps.get_model(label)
        survives = decision.kind == Kind.HOUSEHOLD or bool(decision.links) or bool(decision.via)
        if not survives:
            continue
        swept = set(decision.sweep) | {f for _, fields in decision.via for f in fields}
        for name in _free_text_fields(model, label):
            if name not in swept and not decision.not_swept:
                missing.append(f"{label}.{name}")
    assert not missing, (
        "Free-text fields that may name an erased relative, neither swept nor explained "
        f"(Decision.sweep / not_swept in familyhub/retention/decisions.py): {missing}"
    )


def test_the_person_and_the_access_log_are_special():
    assert DECISIONS["people.Person"].kind == Kind.PERSON
    assert DECISIONS["people.Household"].kind == Kind.HOUSEHOLD
    assert DECISIONS["access.AccessLogEntry"].kind == Kind.PSEUDONYM
    assert DECISIONS["access.AccessLogSubject"].kind == Kind.PSEUDONYM
