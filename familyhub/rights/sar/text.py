"""How the pack reads (R-RIGHTS-2): values as a person reads them, records named in words (never
by internal id), and the other people around the person, found by name in free text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone

from familyhub.people.models import Household, Membership, Person, Relationship

KIND_NAMES = {
    "people.Person": "Your details",
    "people.Household": "Your family's record",
    "people.Address": "Address",
    "people.Membership": "Member of a household",
    "people.Relationship": "Relationship",
    "people.PersonIdentifier": "Identifier",
    "people.CaseAllocation": "Organisation working with your family",
    "privacy.Consent": "Consent",
    "privacy.ContactPreference": "Contact preferences",
    "privacy.Restriction": "Restriction of the use of your data",
    "privacy.Objection": "Objection to a use of your data",
    "rights.RightsRequest": "Request about your data",
    "rights.AccuracyChallenge": "Something you told us is wrong on your record",
}


# --- values as a person reads them ----------------------------------------------------------------


def staff_name(user: Any) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.username).strip()


def display_object(obj: Any) -> str:
    """A related record by its name, never by its internal id (which some str() show)."""
    if obj is None:
        return ""
    if isinstance(obj, Person):
        return obj.display_name
    if hasattr(obj, "get_full_name") and hasattr(obj, "username"):
        return staff_name(obj)
    for attr in ("name", "label", "reference", "title"):
        value = getattr(obj, attr, None)
        if isinstance(value, str) and value:
            return value
    return str(obj)


def raw_object(obj: Any) -> Any:
    if obj is None:
        return None
    for attr in ("uuid", "key", "code"):
        value = getattr(obj, attr, None)
        if value not in (None, ""):
            return str(value)
    return display_object(obj)


def format_value(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, list | tuple):
        return ", ".join(format_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_value(v)}" for k, v in value.items())
    return str(value)


def raw_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [raw_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): raw_value(v) for k, v in value.items()}
    return str(value)


def field_label(f: models.Field) -> str:
    return str(f.verbose_name)[:1].upper() + str(f.verbose_name)[1:]


# --- other people: who they are and how to spot them in free text ---------------------------------


@dataclass
class Others:
    """The people around the subject: other members of their households and the other ends of
    their relationships, with a pattern that finds their names in free text."""

    subject: Person
    people: dict[int, Person] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = None
    _by_token: dict[str, set[int]] = field(default_factory=dict)

    def add(self, person: Person | None) -> None:
        if person is not None and person.pk != self.subject.pk:
            self.people.setdefault(person.pk, person)

    def compile(self) -> None:
        own = {
            t.casefold()
            for t in (
                self.subject.given_name,
                self.subject.known_as,
                self.subject.family_name,
                *self.subject.middle_names.split(),
            )
            if t
        }
        for p in self.people.values():
            for token in {p.given_name, p.known_as, p.family_name}:
                token = (token or "").strip()
                if len(token) >= 3 and token.casefold() not in own:
                    self._by_token.setdefault(token, set()).add(p.pk)
        if self._by_token:
            alternatives = "|".join(
                re.escape(t) for t in sorted(self._by_token, key=len, reverse=True)
            )
            # Case-sensitive on purpose: names are written with a capital letter, so that
            # 'May' the name is found and 'may' the word is not.
            self._pattern = re.compile(rf"\b({alternatives})\b")

    def named_in(self, *texts: str) -> list[Person]:
        """The other people whose name appears in any of `texts`."""
        if self._pattern is None:
            return []
        ids: set[int] = set()
        for text in texts:
            if text:
                for match in self._pattern.finditer(text):
                    ids |= self._by_token.get(match.group(1), set())
        return [self.people[i] for i in sorted(ids)]

    def name(self, pk: int) -> str:
        p = self.people.get(pk)
        return p.display_name if p is not None else "another person"


def others_of(person: Person, households: list[Household]) -> Others:
    found = Others(subject=person)
    people = Person.objects.filter(
        Q(memberships__household__in=households)
        | Q(relationships_from__to_person=person)
        | Q(relationships_to__from_person=person)
    ).distinct()
    for p in people:
        found.add(p)
    return found


def kind_name(model: type[models.Model]) -> str:
    label = model._meta.label
    if label in KIND_NAMES:
        return KIND_NAMES[label]
    name = str(model._meta.verbose_name)
    return name[:1].upper() + name[1:]


def record_label(row: models.Model) -> str:
    """What a record is, in words; never str(row), which may show internal ids."""
    if isinstance(row, Person):
        return row.display_name
    if isinstance(row, Household):
        return row.name
    if isinstance(row, Membership):
        return f"{row.person.display_name} in {row.household.name}"
    if isinstance(row, Relationship):
        return (
            f"{row.from_person.display_name} is the {row.get_kind_display().lower()} of "
            f"{row.to_person.display_name}"
        )
    label = type(row)._meta.label
    if label in ("people.Address", "people.PersonIdentifier"):
        return str(row)
    if label == "people.CaseAllocation":
        return f"{row.organisation.name} since {row.started_on:%d/%m/%Y}"  # type: ignore[attr-defined]
    for attr in ("purpose", "service", "session"):
        target = getattr(row, attr, None) if has_field(row, attr) else None
        if target is not None:
            return display_object(target)
    for attr in ("reference", "name", "title"):
        value = getattr(row, attr, None)
        if isinstance(value, str) and value:
            return value
    when = getattr(row, "created_at", None)
    return f"recorded {timezone.localtime(when):%d/%m/%Y}" if isinstance(when, datetime) else ""


def has_field(row: models.Model, name: str) -> bool:
    try:
        row._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True
