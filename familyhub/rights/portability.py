"""Portability (R-RIGHTS-3): the data the person gave us, in formats another organisation can load.

"The data the person provided" is decided from the data map: the person's own fields classified
as identity, contact, circumstances or special category (the equality data they chose to give)
that someone typed in, not the keys familyhub derives for search or the access log, and not staff
notes, case records or history. With them go their identifiers, their family's current address and
phone, their contact preferences and the people they told us they are related to or live with.

Formats: JSON (`as_json`), CSV (`as_csv`: one row per value, with its code) and a FHIR R4 bundle
(`familyhub.rights.fhir.bundle_for`).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.db.models import Q
from django.utils import timezone

from familyhub.core.datamap import DATA_MAP, Category
from familyhub.people import choices as c
from familyhub.people.models import Address, Membership, Person, PersonIdentifier, Relationship

FORMAT = "familyhub-portability"
VERSION = 1
PROVIDED = {Category.IDENTITY, Category.CONTACT, Category.SOCIOECONOMIC, Category.SPECIAL}

# The other person's relation to the subject, when the subject is the `kind` of them
# (Relationship(from=subject, to=other, kind=MOTHER): the other is the subject's child).
INVERSE_LABELS = {
    c.RelationshipKind.MOTHER: "Child",
    c.RelationshipKind.FATHER: "Child",
    c.RelationshipKind.STEP_PARENT: "Step-child",
    c.RelationshipKind.CARER: "Child they care for",
    c.RelationshipKind.FOSTER_CARER: "Foster child",
    c.RelationshipKind.GRANDPARENT: "Grandchild",
    c.RelationshipKind.SIBLING: "Sibling",
    c.RelationshipKind.PARTNER: "Partner",
    c.RelationshipKind.FORMER_PARTNER: "Former partner",
    c.RelationshipKind.OTHER_RELATIVE: "Other relative",
    c.RelationshipKind.FRIEND: "Friend or neighbour",
}


def provided_person_fields() -> list[str]:
    """The person's own fields that hold what they gave us (from the data map)."""
    fields = []
    for name, fc in DATA_MAP["people.Person"].items():
        f = Person._meta.get_field(name)
        if fc.category in PROVIDED and getattr(f, "editable", False) and f.concrete:
            fields.append(name)
    return fields


def _value(person: Person, name: str) -> Any:
    f = Person._meta.get_field(name)
    value = getattr(person, name)
    if name == "ethnicity":
        if value is None:
            return None
        return {
            "label": value.label,
            "ons_code": value.ons_code,
            "nhs_code": value.nhs_code,
            "nhs_display": value.nhs_display,
        }
    if getattr(f, "choices", None):
        labels = dict(f.choices)  # type: ignore[union-attr,arg-type]
        return {"code": value, "label": str(labels.get(value, value))}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def related_people(person: Person) -> list[dict[str, Any]]:
    """The people the person lives with or is related to, each with their relation to the person
    (relationships first; members of the same household without one are 'household member')."""
    found: dict[int, dict[str, Any]] = {}
    for r in Relationship.objects.filter(
        Q(from_person=person) | Q(to_person=person), ended_on__isnull=True
    ).select_related("from_person", "to_person"):
        if r.to_person_id == person.pk:
            other, kind, inverse = r.from_person, r.kind, False
            label = r.get_kind_display()
        else:
            other, kind, inverse = r.to_person, r.kind, True
            label = INVERSE_LABELS.get(kind, r.get_kind_display())  # type: ignore[call-overload]
        found.setdefault(
            other.pk,
            {
                "person": other,
                "relationship": label,
                "kind": kind,
                "inverse": inverse,
                "parental_responsibility": r.parental_responsibility and not inverse,
                "role": "",
            },
        )
    for m in (
        Membership.objects.filter(household__memberships__person=person, left_on__isnull=True)
        .exclude(person=person)
        .select_related("person")
        .distinct()
    ):
        entry = found.setdefault(
            m.person_id,
            {
                "person": m.person,
                "relationship": "Household member",
                "kind": "",
                "inverse": False,
                "parental_responsibility": False,
                "role": m.role,
            },
        )
        entry["role"] = entry["role"] or m.role
    return sorted(found.values(), key=lambda e: (e["person"].family_name, e["person"].given_name))


def provided_data(person: Person) -> dict[str, Any]:
    """Everything the person gave us, as plain data (the JSON export, and the input of the CSV)."""
    from familyhub.privacy.models import ContactPreference

    households = list(
        Membership.objects.filter(person=person, left_on__isnull=True)
        .select_related("household")
        .order_by("id")
    )
    addresses = [
        {
            "line1": a.line1,
            "line2": a.line2,
            "town": a.town,
            "postcode": a.postcode,
            "from": a.valid_from.isoformat(),
            "household": a.household.name,
        }
        for a in Address.objects.filter(
            household__in=[m.household for m in households], valid_to__isnull=True
        ).select_related("household")
    ]
    preference = ContactPreference.objects.filter(person=person).first()
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "person": {
            "id": str(person.uuid),
            **{name: _value(person, name) for name in provided_person_fields()},
        },
        "identifiers": [
            {"scheme": i.scheme, "label": i.get_scheme_display(), "value": i.value}
            for i in PersonIdentifier.objects.filter(person=person).order_by("scheme")
        ],
        "addresses": addresses,
        "households": [
            {
                "name": m.household.name,
                "phone": m.household.phone,
                "role": {"code": m.role, "label": m.get_role_display()},
                "lives_here": m.lives_here,
            }
            for m in households
        ],
        "contact_preferences": None
        if preference is None
        else {
            "agreed": {"code": preference.agreed, "label": preference.get_agreed_display()},
            "channels": preference.channels,
            "topics": preference.topics,
        },
        "related_people": [
            {
                "id": str(e["person"].uuid),
                "name": e["person"].display_name,
                "relationship": e["relationship"],
                "parental_responsibility": e["parental_responsibility"],
            }
            for e in related_people(person)
        ],
    }


def as_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def _rows(prefix: str, value: Any) -> list[tuple[str, str, str]]:
    """(path, value, code) leaves of a nested value; {code, label} pairs become one row."""
    if isinstance(value, dict):
        if set(value) == {"code", "label"}:
            return [(prefix, str(value["label"]), str(value["code"]))]
        rows = []
        for key, item in value.items():
            rows += _rows(f"{prefix}.{key}" if prefix else key, item)
        return rows
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return [(prefix, "; ".join(str(v) for v in value), "")]
        rows = []
        for i, item in enumerate(value, start=1):
            rows += _rows(f"{prefix}.{i}", item)
        return rows
    if value is None:
        return [(prefix, "", "")]
    if isinstance(value, bool):
        return [(prefix, "yes" if value else "no", "")]
    return [(prefix, str(value), "")]


def as_csv(data: dict[str, Any]) -> bytes:
    """One row per value: field (a dotted path such as person.date_of_birth), value, code."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["field", "value", "code"])
    for row in _rows("", data):
        writer.writerow(row)
    return out.getvalue().encode("utf-8")
