"""Assembling the pack from the data map (R-RIGHTS-2): see the package docstring."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import PurePath
from typing import Any, cast

from django.db import models
from django.db.models import Q
from django.utils import timezone

from familyhub.core.datamap import DATA_MAP, Category, FieldClass
from familyhub.core.models import ChangeRecord
from familyhub.core.personal_data import household_links, person_links
from familyhub.people.models import Household, Person
from familyhub.rights.sar.text import (
    Others,
    display_object,
    field_label,
    format_value,
    kind_name,
    others_of,
    raw_object,
    raw_value,
    record_label,
    staff_name,
)

FORMAT = "familyhub-subject-access-pack"
VERSION = 1
C = Category
OTHER = "other"
# Topic of each section: title and a plain-English explanation, in the order the pack shows them.
TOPICS: dict[str, tuple[str, str]] = {
    C.IDENTITY: (
        "Who you are",
        "Your name, date of birth, NHS number and the other details we use to identify you.",
    ),
    C.CONTACT: (
        "How we contact you and where you live",
        "Your phone number, email address, your family's addresses, and how you agreed to be "
        "contacted.",
    ),
    C.SOCIOECONOMIC: (
        "Your circumstances",
        "The languages you speak, your housing, work and education, as you told us.",
    ),
    C.SPECIAL: (
        "Equality and health information",
        "Your ethnic group, religion, sexual orientation, disability and health needs. The law "
        "calls this 'special category' data: only staff who need it can see it.",
    ),
    C.RELATIONSHIP: (
        "Your family and household",
        "The households you belong to and how you are related to the people in them.",
    ),
    C.CASE_NOTE: (
        "Our work with your family",
        "Which organisations work with your family, the support you receive, and notes staff made.",
    ),
    C.CONSENT: (
        "Your consents and choices",
        "What you agreed to or refused, when and how, and the forms you signed.",
    ),
    C.RIGHTS: (
        "Your requests about your data",
        "Requests you made under data protection law and what was done about them.",
    ),
    OTHER: ("Other information", "Other details held with your record."),
}
SECTION_ORDER = list(TOPICS)
# Records shown field by field under each field's own topic: the person's and the family's own.
SPLIT_MODELS = {"people.Person", "people.Household"}
# Reached another way: the history has its own section, the disclosures theirs; earlier packs and
# their review decisions are copies of this document (and the decisions are about other people).
OWN_SECTIONS = {
    "core.ChangeRecord",
    "rights.DisclosurePerson",
    "rights.DisclosureRecord",
    "rights.AccessPack",
    "rights.PackDecision",
}
# Categories that do not decide which topic a row belongs to (links, who recorded it, audit).
_NOT_A_TOPIC = {C.STAFF, C.AUDIT, C.HISTORY, C.NOT_PERSONAL}
# Free text in these topics is the person's own identity or contact details: not searched for names.
_NO_NAME_SEARCH = {C.IDENTITY, C.CONTACT}

# --- the pack -----------------------------------------------------------------------------------


@dataclass
class _Builder:
    person: Person
    households: list[Household]
    others: Others
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    review: list[dict[str, Any]] = field(default_factory=list)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen: set[tuple[str, Any]] = field(default_factory=set)
    counter: int = 0

    @property
    def household_ids(self) -> set[int]:
        return {h.pk for h in self.households}

    def next_id(self, prefix: str = "r") -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # -- flags ----------------------------------------------------------------------------------

    def flag(
        self, item: dict[str, Any], where: str, why: str, about: Iterable[Person], preview: str
    ) -> None:
        """Mark `item` for review: where it is, why, whom it is about, and what it says."""
        about = list(about)
        flag = {
            "why": why,
            "about": [p.display_name for p in about],
            "about_ids": [str(p.uuid) for p in about],
        }
        item["flag"] = flag
        self.review.append({"item": item["id"], "where": where, "preview": preview[:500], **flag})

    # -- rows -----------------------------------------------------------------------------------

    def _links_to_self(self, row: models.Model, f: Any) -> bool:
        """The link back to the subject or their family (compared by id, without a fetch)."""
        value = getattr(row, f.attname)
        if f.related_model is Person:
            return value == self.person.pk
        if f.related_model is Household:
            return value in self.household_ids
        return False

    def _code(self, model: type[models.Model], f: models.Field, value: Any) -> None:
        key = f"{model._meta.label}.{f.name}"
        if key not in self.codes:
            self.codes[key] = {
                "field": f"{kind_name(model)}: {field_label(f)}",
                "codes": [
                    {"code": str(code), "meaning": str(label)}
                    for code, label in f.choices  # type: ignore[union-attr]
                ],
            }

    def _field(
        self, row: models.Model, f: Any, fc: FieldClass, record_id: str
    ) -> dict[str, Any] | None:
        """One personal field of a row, or None for the link back to the subject."""
        item: dict[str, Any] = {
            "id": f"{record_id}.{f.name}",
            "name": f.name,
            "label": field_label(f),
            "topic": str(fc.category),
        }
        if fc.description:
            item["description"] = fc.description
        if f.many_to_many:
            related = list(getattr(row, f.name).all())
            item["value"] = ", ".join(display_object(o) for o in related)
            item["raw"] = [raw_object(o) for o in related]
        elif f.is_relation:
            if self._links_to_self(row, f):
                return None
            target = getattr(row, f.name)
            item["value"] = display_object(target)
            item["raw"] = raw_object(target)
            if target is not None and type(target).__name__ == "EthnicityCategory":
                item["code"] = f"ONS {target.ons_code or '-'}; NHS {target.nhs_code}"
        elif isinstance(f, models.FileField):
            file = getattr(row, f.name)
            item["value"] = PurePath(file.name).name if file else ""
            item["raw"] = item["value"]
        else:
            value = getattr(row, f.name)
            if getattr(f, "choices", None):
                item["value"] = (
                    str(dict(f.choices).get(value, value)) if value not in ("", None) else ""
                )
                item["code"] = value
                self._code(type(row), f, value)
            else:
                item["value"] = format_value(value)
            item["raw"] = raw_value(value)
        return item

    def add_row(self, row: models.Model) -> None:
        model = type(row)
        label = model._meta.label
        key = (label, row.pk)
        if key in self.seen or label in OWN_SECTIONS:
            return
        self.seen.add(key)
        fields = _personal_fields(model)
        record_id = self.next_id()
        kind = kind_name(model)
        record: dict[str, Any] = {
            "id": record_id,
            "model": label,
            "kind": kind,
            "label": record_label(row),
            "record_id": str(getattr(row, "uuid", "")) or None,
            "fields": [],
        }
        # Whom the row is about: if it names people and the subject is not one of them, all of it
        # is another person's data (another member's membership, a consent given for a child).
        person_values = [
            getattr(row, f.name)
            for f, _ in fields
            if f.is_relation and not f.many_to_many and f.related_model is Person
        ]
        named = [p for p in person_values if p is not None]
        about_others = bool(named) and all(p.pk != self.person.pk for p in named)
        by_topic: dict[str, list[dict[str, Any]]] = {}
        for f, fc in fields:
            item = self._field(row, f, fc, record_id)
            if item is None:
                continue
            if not about_others:
                target = getattr(row, f.name) if f.is_relation and not f.many_to_many else None
                where = f"{kind}: {record['label']} ({item['label']})"
                if isinstance(target, Person) and target.pk != self.person.pk:
                    self.others.add(target)
                    self.flag(item, where, "Names another person", [target], item["value"])
                elif (
                    fc.category not in _NO_NAME_SEARCH
                    and isinstance(item["raw"], str)
                    and not getattr(f, "choices", None)
                    and not f.is_relation
                ):
                    mentioned = self.others.named_in(item["raw"])
                    if mentioned:
                        self.flag(
                            item,
                            where,
                            "Free text that mentions another person",
                            mentioned,
                            item["value"],
                        )
            topic = _topic_of(fc.category) if label in SPLIT_MODELS else ""
            by_topic.setdefault(topic, []).append(item)
        if about_others:
            items = [i for group in by_topic.values() for i in group]
            self.flag(
                record,
                f"{kind}: {record['label']}",
                "A record about another person",
                [p for p in named if p.pk != self.person.pk],
                "; ".join(f"{i['label']}: {i['value']}" for i in items if i["value"]),
            )
        if label in SPLIT_MODELS:
            for topic, items in by_topic.items():
                part = {**record, "id": f"{record_id}-{topic}", "fields": items}
                part.pop("flag", None)
                self.sections.setdefault(topic, []).append(part)
        else:
            record["fields"] = by_topic.get("", [])
            self.sections.setdefault(_dominant_topic(label), []).append(record)


def _topic_of(category: Category) -> str:
    return category if category in TOPICS else OTHER


@cache
def _dominant_topic(label: str) -> str:
    counts = Counter(
        fc.category
        for name, fc in DATA_MAP.get(label, {}).items()
        if fc.personal and fc.category not in _NOT_A_TOPIC
    )
    if not counts:
        return OTHER
    best = max(counts.values())
    for topic in SECTION_ORDER:  # ties go to the topic shown first
        if counts.get(cast(Category, topic), 0) == best:
            return topic
    return OTHER


_FIELDS: dict[str, list[tuple[Any, FieldClass]]] = {}


def _personal_fields(model: type[models.Model]) -> list[tuple[Any, FieldClass]]:
    """The model's personal fields per the data map, with their classification (cached)."""
    label = model._meta.label
    if label not in _FIELDS:
        _FIELDS[label] = [
            (model._meta.get_field(name), fc)
            for name, fc in DATA_MAP.get(label, {}).items()
            if fc.personal
        ]
    return _FIELDS[label]


def _select_related(qs: models.QuerySet[Any], link: str) -> models.QuerySet[Any]:
    """Follow every classified foreign key of the rows in the same query (no query per row),
    except `link`, the one the rows were found by (it points back at the subject)."""
    model = qs.model
    names = []
    for name in DATA_MAP.get(model._meta.label, {}):
        f = model._meta.get_field(name)
        if f.concrete and (f.many_to_one or f.one_to_one) and name != link:
            names.append(name)
    return qs.select_related(*names) if names else qs


def _history(builder: _Builder) -> list[dict[str, Any]]:
    """The change history: every change to the person's record, and to the family's own records
    (not to other members' records, which are their data)."""
    person, households = builder.person, builder.households
    # Values, not model instances: a five-year history is thousands of rows (docs/benchmarks.md).
    rows = (
        ChangeRecord.objects.filter(
            Q(person=person) | Q(household__in=households, person__isnull=True)
        )
        .order_by("at", "id")
        .values_list(
            "at",
            "actor__first_name",
            "actor__last_name",
            "actor__username",
            "action",
            "object_label",
            "field_label",
            "old_value",
            "new_value",
            "reason",
        )
    )
    actions = dict(ChangeRecord.Action.choices)
    out = []
    for n, row in enumerate(rows.iterator(chunk_size=2000), start=1):
        at, first, last, username, action, label, field_name, old, new, reason = row
        when = timezone.localtime(at).strftime("%d/%m/%Y %H:%M")
        item: dict[str, Any] = {
            "id": f"h{n}",
            "at": at.isoformat(),
            "when": when,
            "by": (f"{first or ''} {last or ''}".strip() or username or "familyhub"),
            "action": actions.get(action, action),
            "record": label,
            "field": field_name,
            "old": old,
            "new": new,
            "reason": reason,
        }
        mentioned = builder.others.named_in(label, old, new, reason)
        if mentioned:
            builder.flag(
                item,
                f"History, {when}: {label} {field_name}".strip(),
                "A change that mentions another person",
                mentioned,
                " / ".join(
                    t
                    for t in (
                        label,
                        f"from {old}" if old else "",
                        f"to {new}" if new else "",
                        f"reason: {reason}" if reason else "",
                    )
                    if t
                ),
            )
        out.append(item)
    return out


def _evidence_files(person: Person) -> list[dict[str, Any]]:
    from familyhub.privacy.models import Consent

    files = []
    for c in (
        Consent.objects.filter(person=person)
        .exclude(evidence="")
        .select_related("purpose")
        .order_by("decided_on", "id")
    ):
        try:
            size: int | None = c.evidence.size
        except (OSError, ValueError):
            size = None
        files.append(
            {
                "consent": c.purpose.name,
                "file": PurePath(c.evidence.name or "").name,
                "bytes": size,
                "decided_on": c.decided_on.isoformat(),
            }
        )
    return files


def _access_rows(person: Person) -> Iterator[dict[str, Any]]:
    """'Who has looked at my record' (R-RIGHTS-6), from the access app's selector."""
    from familyhub.access.selectors import accesses_of_person

    for row in accesses_of_person(person):
        yield {
            "at": row.at.isoformat(),
            "when": timezone.localtime(row.at).strftime("%d/%m/%Y %H:%M"),
            "who": row.staff_name,
            "role": row.role,
            "organisation": row.organisation,
            "what": row.what,
            "detail": row.detail,
            "why": row.why,
            "channel": row.channel,
        }


def _disclosures(person: Person) -> list[dict[str, Any]]:
    from familyhub.rights.models import DisclosureRecord

    return [
        {
            "at": d.disclosed_at.isoformat(),
            "when": timezone.localtime(d.disclosed_at).strftime("%d/%m/%Y %H:%M"),
            "to": d.recipient,
            "what": d.what,
            "basis": d.legal_basis,
            "by": staff_name(d.disclosed_by),
            "sha256": d.sha256,
        }
        for d in DisclosureRecord.objects.filter(subjects__person=person)
        .select_related("disclosed_by")
        .order_by("disclosed_at", "id")
    ]


def person_households(person: Person) -> list[Household]:
    return list(
        Household.objects.filter(memberships__person=person).distinct().order_by("created_at", "id")
    )


def build_pack(
    person: Person, *, request: Any = None, generated_at: datetime | None = None
) -> dict[str, Any]:
    """Everything held about `person`, as the pack's content (see the module docstring)."""
    households = person_households(person)
    builder = _Builder(person=person, households=households, others=others_of(person, households))
    builder.others.compile()
    builder.add_row(person)
    for household in households:
        builder.add_row(household)
    # Every link that `core.personal_data` finds (what `rows_about_person` and
    # `rows_about_household` walk), each read once: no EXISTS first, an empty link costs one query.
    # The link each row was found by points back at the subject: it is set from what is at hand.
    for link in person_links():
        if link.model._meta.label not in OWN_SECTIONS:
            for row in _select_related(link.rows(person), link.field).order_by("pk"):
                setattr(row, link.field, person)
                builder.add_row(row)
    for household in households:
        for link in household_links():
            if link.model._meta.label not in OWN_SECTIONS:
                for row in _select_related(link.rows(household), link.field).order_by("pk"):
                    setattr(row, link.field, household)
                    builder.add_row(row)
    history = _history(builder)
    access_log = list(_access_rows(person))
    sections = [
        {
            "topic": topic,
            "title": TOPICS[topic][0],
            "explanation": TOPICS[topic][1],
            "records": builder.sections[topic],
        }
        for topic in SECTION_ORDER
        if builder.sections.get(topic)
    ]
    at = generated_at or timezone.now()
    content: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": at.isoformat(),
        "generated_on": timezone.localtime(at).strftime("%d/%m/%Y"),
        "subject": {"name": person.display_name, "id": str(person.uuid)},
        "sections": sections,
        "history": history,
        "evidence_files": _evidence_files(person),
        "access_log": access_log,
        "disclosures": _disclosures(person),
        "codes": sorted(builder.codes.values(), key=lambda c: c["field"]),
        "review": builder.review,
        "counts": {
            "records": sum(len(s["records"]) for s in sections),
            "history": len(history),
            "access_log": len(access_log),
        },
    }
    if request is not None:
        content["request"] = {
            "reference": request.reference,
            "received_on": request.received_on.isoformat(),
            "received": request.received_on.strftime("%d/%m/%Y"),
            "kind": request.get_kind_display(),
        }
    return content
