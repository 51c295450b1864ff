"""Where a person's data lives: every row of every familyhub model that points at them.

Subject access packs, portability, erasure and disposal all start here (invariant 4), so a new model
with a link to a person or a family is found without anyone remembering to add it. The links are
discovered from the models' foreign keys, not listed by hand; `test_personal_data` fails if a model
holds personal fields (per the data map) but no path to a person or household.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models


@dataclass(frozen=True)
class Link:
    """`model.field` points at a person (or a household)."""

    model: type[models.Model]
    field: str

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"

    def rows(self, target: Any) -> models.QuerySet[Any]:
        return self.model._default_manager.filter(**{self.field: target})


def _familyhub_models() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models()
        if m.__module__.startswith("familyhub.") and not m._meta.abstract
    ]


def _links_to(label: str) -> list[Link]:
    target = apps.get_model(label)
    found: list[Link] = []
    for model in _familyhub_models():
        for f in model._meta.get_fields():
            if (
                isinstance(f, models.ForeignKey | models.OneToOneField)
                and f.related_model is target
                and f.concrete
            ):
                found.append(Link(model, f.name))
    return sorted(found, key=lambda link: link.label)


def person_links() -> list[Link]:
    """Every foreign key to people.Person, across all familyhub apps."""
    return _links_to("people.Person")


def household_links() -> list[Link]:
    """Every foreign key to people.Household (family-level records: visits, addresses, ...)."""
    return _links_to("people.Household")


def rows_about_person(person: Any) -> Iterator[tuple[Link, models.QuerySet[Any]]]:
    """(link, queryset) for every non-empty set of rows that point at `person`."""
    for link in person_links():
        qs = link.rows(person)
        if qs.exists():
            yield link, qs


def rows_about_household(household: Any) -> Iterator[tuple[Link, models.QuerySet[Any]]]:
    for link in household_links():
        qs = link.rows(household)
        if qs.exists():
            yield link, qs
