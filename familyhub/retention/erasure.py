"""The one erasure service (R-RIGHTS-4, ADR 0016).

    erase_person(actor=dpo, person=person, request=rights_request,
                 exceptions=[LegalException(item, ExceptionKind.SAFEGUARDING, "why")])

Driven by `core.personal_data` (every foreign key to a person or a family) and the decision table
(`retention.decisions`): it deletes the rows that are only about the person (with their files),
cuts the links that other people's rows have to them, replaces their names and identifiers in the
free text of their family's and relatives' records, removes them from the derived stores (search
index, generated exports), and deletes the person, which cuts the only link from their
pseudonymous key to the access log (ADR 0005: the log itself is untouched and still verifies).
A family whose last member is erased is erased with them. Items named in a legal exception stay,
each recorded with its reason; what remains of the erasure is an `ErasureRecord`, which holds none
of the erased data.

Refused, naming the hold, while a hold is in force on the person or one of their families.
Disposal (`retention.disposal`) erases whole families in batches through `erase_households`,
the same machinery.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast
from uuid import UUID, uuid4

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.deletion import Collector
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access import log
from familyhub.access.models import AccessLogEntry
from familyhub.access.roles import Capability
from familyhub.core.errors import ApplicationError, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.personal_data import Link, household_links, person_links
from familyhub.core.services import ChangeSet
from familyhub.people.models import Household, Membership, Person, Relationship
from familyhub.retention import derived
from familyhub.retention.contact import ERASURE_REASON
from familyhub.retention.decisions import ERASED_TEXT, Action, link_decision
from familyhub.retention.models import ErasureRecord, Hold

IDENTITY_ITEM = "identity"
# What a stub kept for a legal exception keeps when the exception names the person's identity.
IDENTITY_FIELDS = (
    "given_name",
    "middle_names",
    "family_name",
    "known_as",
    "date_of_birth",
    "is_unborn",
    "expected_date_of_delivery",
    "nhs_number",
)


class ExceptionKind(models.TextChoices):
    SAFEGUARDING = "safeguarding", "Safeguarding: needed to keep a child or adult safe"
    LEGAL_CLAIMS = "legal_claims", "Legal claims: needed to establish, exercise or defend them"
    STATUTORY_DUTY = "statutory_duty", "A statutory duty to keep it"


@dataclass(frozen=True)
class LegalException:
    """Keep one item (an inventory key, or IDENTITY_ITEM) for a legal reason, recorded as given."""

    item: str
    kind: str
    reason: str


class PersonUnderHold(ApplicationError):
    """Erasure refused: a hold is in force (the message names it)."""

    status = 409
    title = "This record is on hold"
    code = "held"


def _today() -> date:
    return timezone.localdate()


# --- holds ----------------------------------------------------------------------------------------


def holds_in_force(person: Person, on: date | None = None) -> list[Hold]:
    """Holds in force on the person or on any family they belong to."""
    on = on or _today()
    households = Membership.objects.filter(person=person).values("household_id")
    return [
        h
        for h in Hold.objects.filter(
            Q(person=person) | Q(household_id__in=households), released_on__isnull=True
        ).order_by("starts_on", "id")
        if h.in_force_on(on)
    ]


# Rights requests hold a person's records while open (R-RETAIN-2): the model, its link to the
# person, and what "open" means. Looked up by name so that retention does not depend on rights.
OPEN_REQUESTS = ("rights.RightsRequest", "person", ~Q(status="closed"))


def open_requests_model() -> Any:
    try:
        return apps.get_model(OPEN_REQUESTS[0])
    except LookupError:
        return None


def open_requests_of(person: Person) -> list[str]:
    """The references of the person's open rights requests."""
    model = open_requests_model()
    if model is None:
        return []
    return list(
        model._default_manager.filter(OPEN_REQUESTS[2], **{OPEN_REQUESTS[1]: person})
        .order_by("pk")
        .values_list("reference", flat=True)
    )


# --- what identifies the person in text ----------------------------------------------------------


def _spaced_nhs(n: str) -> str:
    return f"{n[:3]} {n[3:6]} {n[6:]}" if len(n) == 10 else n


def identifying_strings(person: Person) -> list[str]:
    """The strings that name the person in free text: full names and unambiguous identifiers.

    A first or last name alone is not on the list: it is shared with relatives ('Smith'), and
    replacing it in their records would damage them. Strings shorter than 5 characters are left out
    for the same reason.
    """
    given, family, known = person.given_name, person.family_name, person.known_as
    names = [
        (given, family),
        (known, family),
        (f"{given} {person.middle_names}", family),
        (given, f"{person.middle_names} {family}"),
    ]
    candidates = {f"{a} {b}" for a, b in names if a.strip() and b.strip()}
    candidates.update(
        {
            person.email,
            person.phone,
            re.sub(r"\D", "", person.phone or ""),
            person.nhs_number,
            _spaced_nhs(person.nhs_number or ""),
        }
    )
    candidates.update(i.value for i in person.identifiers.all())  # prefetched in batches
    cleaned = {" ".join(c.split()) for c in candidates if c}
    return sorted((c for c in cleaned if len(c) >= 5), key=lambda s: (-len(s), s))


def subject_digest(kind: str, uuid: Any) -> str:
    """A keyed hash of a person's or family's public id (see ErasureRecord)."""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{kind}:{uuid}".encode(), hashlib.sha256
    ).hexdigest()


# --- the inventory the DPO chooses exceptions from --------------------------------------------------


@dataclass
class InventoryItem:
    key: str
    label: str


@dataclass
class InventoryGroup:
    label: str
    link: str
    action: str
    why: str
    count: int
    items: list[InventoryItem] = field(default_factory=list)


def _verbose(model: type[models.Model], plural: bool = False) -> str:
    name = model._meta.verbose_name_plural if plural else model._meta.verbose_name
    return str(name)[:1].upper() + str(name)[1:]


def _item_label(row: models.Model) -> str:
    """A row described without its personal values: its kind, what it is for, and its date."""
    parts = [_verbose(type(row))]
    for name in ("purpose", "service", "session", "outcome", "form"):
        try:
            f = row._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(f, models.ForeignKey) and getattr(row, f.attname) is not None:
            parts.append(str(getattr(row, name)))
            break
    when = getattr(row, "created_at", None)
    text = ": ".join(parts)
    return f"{text} (recorded {timezone.localtime(when):%d/%m/%Y})" if when else text


def _households_erased_with(person_ids: set[int]) -> set[int]:
    """Families with members, all of whom are in `person_ids`."""
    households = set(
        Membership.objects.filter(person_id__in=person_ids).values_list("household_id", flat=True)
    )
    others = set(
        Membership.objects.filter(household_id__in=households)
        .exclude(person_id__in=person_ids)
        .values_list("household_id", flat=True)
    )
    return households - others


def inventory(person: Person, *, limit: int = 50) -> list[InventoryGroup]:
    """Everything an erasure of `person` would remove, grouped by kind of record, with the items
    (rows with a public id) a legal exception may keep."""
    from familyhub.retention.decisions import decision_for

    groups: list[InventoryGroup] = []
    erased_households = _households_erased_with({person.pk})
    targets: list[tuple[Link, Any]] = [(lk, [person.pk]) for lk in person_links()]
    if erased_households:
        targets += [(lk, sorted(erased_households)) for lk in household_links()]
    for link, ids in targets:
        decision = link_decision(link.model._meta.label, link.field)
        if decision is None:
            continue
        qs = link.model._default_manager.filter(**{f"{link.field}__in": ids})
        count = qs.count()
        if not count:
            continue
        model_decision = decision_for(link.model._meta.label)
        group = InventoryGroup(
            label=_verbose(link.model, plural=True),
            link=link.label,
            action=str(decision.action),
            why=model_decision.why if model_decision else "",
            count=count,
        )
        has_uuid = any(f.name == "uuid" for f in link.model._meta.concrete_fields)
        if decision.action == Action.DELETE and has_uuid:
            for row in qs.order_by("pk")[:limit]:
                group.items.append(
                    InventoryItem(f"{link.model._meta.label}:{row.uuid}", _item_label(row))  # type: ignore[attr-defined]
                )
        groups.append(group)
    return groups


def _resolve_exceptions(
    person: Person, exceptions: Sequence[LegalException]
) -> tuple[dict[str, set[int]], bool, list[dict[str, str]]]:
    """(kept pks by model label, identity kept?, the kept list for the record); validated."""
    errors: dict[str, list[str]] = {}
    strings = [s.lower() for s in identifying_strings(person)]
    erased_households = _households_erased_with({person.pk})
    kept: dict[str, set[int]] = {}
    keep_identity = False
    record: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, exc in enumerate(exceptions):
        where = f"exceptions-{i}"
        if exc.kind not in ExceptionKind.values:
            errors.setdefault(where, []).append(
                "Choose the legal exception: safeguarding, legal claims or a statutory duty."
            )
        reason = (exc.reason or "").strip()
        if not reason:
            errors.setdefault(where, []).append("Say why this item must be kept.")
        elif any(s in reason.lower() for s in strings):
            errors.setdefault(where, []).append(
                "Do not name the person or give their details in the reason: the erasure record "
                "must hold none of the erased data."
            )
        if exc.item in seen:
            errors.setdefault(where, []).append("This item is listed twice.")
        seen.add(exc.item)
        if exc.item == IDENTITY_ITEM:
            keep_identity = True
            record.append(
                {
                    "item": "The person's identity (name, date of birth, NHS number)",
                    "model": "people.Person",
                    "exception": exc.kind,
                    "reason": reason,
                }
            )
            continue
        label, _, uuid = exc.item.partition(":")
        row = _find_item(label, uuid, person, erased_households)
        if row is None:
            errors.setdefault(where, []).append(
                "This item is not part of the person's records: choose it from the list."
            )
            continue
        kept.setdefault(label, set()).add(row.pk)
        record.append(
            {
                "item": _item_label(row),
                "model": label,
                "uuid": str(uuid),
                "exception": exc.kind,
                "reason": reason,
            }
        )
    if errors:
        raise ValidationFailed.from_errors(errors)
    return kept, keep_identity, record


def _find_item(
    label: str, uuid: str, person: Person, erased_households: set[int]
) -> models.Model | None:
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    if not any(f.name == "uuid" for f in model._meta.concrete_fields):
        return None
    q = Q()
    for link in person_links():
        if link.model is model:
            q |= Q(**{link.field: person})
    for link in household_links():
        if link.model is model and erased_households:
            q |= Q(**{f"{link.field}__in": erased_households})
    if not q:
        return None
    try:
        parsed = UUID(uuid)
    except ValueError:
        return None
    return model._default_manager.filter(q).filter(uuid=parsed).first()


# --- the service ------------------------------------------------------------------------------------


def _request_reference(request: Any) -> str:
    if request is None:
        return ""
    if isinstance(request, str):
        return request.strip()[:60]
    return str(getattr(request, "reference", "") or getattr(request, "uuid", ""))[:60]


def erase_person(
    *,
    actor: Any,
    person: Person,
    request: Any = None,
    exceptions: Sequence[LegalException] = (),
) -> ErasureRecord:
    """Erase everything familyhub holds about `person`, except the items the exceptions keep.

    `request` is the rights request being answered (its `reference` is recorded), or a reference
    string. Refused while a hold is in force (a hold for this very request excepted).
    """
    access.require(actor, Capability.MANAGE_PRIVACY)
    reference = _request_reference(request)
    holds = [
        h
        for h in holds_in_force(person)
        if not (h.kind == Hold.Kind.RIGHTS_REQUEST and reference and h.reference == reference)
    ]
    named_holds = [h.description for h in holds]
    named_holds += [
        f"an open rights request (reference {ref})"
        for ref in open_requests_of(person)
        if ref != reference
    ]
    if named_holds:
        named = "; ".join(named_holds)
        raise PersonUnderHold(
            f"This person cannot be erased while {named} is in force. Release the hold first, "
            "or keep the items it protects under a legal exception once it is released.",
            field="hold",
        )
    for s in identifying_strings(person):
        if reference and s.lower() in reference.lower():
            raise ValidationFailed(
                "The request reference must not contain the person's details.", field="request"
            )
    kept, keep_identity, kept_record = _resolve_exceptions(person, exceptions)
    eraser = _Eraser(
        actor=actor,
        people_ids={person.pk},
        household_ids=set(),
        kept=kept,
        keep_identity=keep_identity,
    )
    return eraser.run(
        record=ErasureRecord(
            erased_by=actor if getattr(actor, "pk", None) else None,
            ground=ErasureRecord.Ground.REQUEST,
            request_reference=reference,
            subject=ErasureRecord.Subject.PERSON,
            people_count=1,
            kept=kept_record,
        )
    )


def erase_households(
    *, actor: Any, households: Iterable[int], run: Any = None, rule: Any = None
) -> ErasureRecord | None:
    """Dispose of whole families (R-RETAIN-2): every member who belongs to no other family is
    erased, members who also belong to a family not being disposed of only leave these ones.

    Called by the disposal job with holds already excluded; one ErasureRecord for the batch.
    """
    household_ids = set(households)
    if not household_ids:
        return None
    members = set(
        Membership.objects.filter(household_id__in=household_ids).values_list(
            "person_id", flat=True
        )
    )
    elsewhere = set(
        Membership.objects.filter(person_id__in=members)
        .exclude(household_id__in=household_ids)
        .values_list("person_id", flat=True)
    )
    people = members - elsewhere
    eraser = _Eraser(
        actor=actor, people_ids=people, household_ids=household_ids, kept={}, keep_identity=False
    )
    return eraser.run(
        record=ErasureRecord(
            erased_by=actor if getattr(actor, "pk", None) else None,
            ground=ErasureRecord.Ground.RETENTION,
            subject=ErasureRecord.Subject.HOUSEHOLD,
            people_count=len(people),
            rule=rule,
            run=run,
        )
    )


def erase_lone_people(
    *, actor: Any, people: Iterable[int], run: Any = None, rule: Any = None
) -> ErasureRecord | None:
    """Dispose of people who belong to no family (R-RETAIN-2)."""
    ids = set(people)
    if not ids:
        return None
    eraser = _Eraser(actor=actor, people_ids=ids, household_ids=set(), kept={}, keep_identity=False)
    return eraser.run(
        record=ErasureRecord(
            erased_by=actor if getattr(actor, "pk", None) else None,
            ground=ErasureRecord.Ground.RETENTION,
            subject=ErasureRecord.Subject.PERSON,
            people_count=len(ids),
            rule=rule,
            run=run,
        )
    )


def erased_before() -> tuple[set[int], set[int]]:
    """People and families in this database whose ids match an erasure record's keyed hashes:
    erased once, back again because a backup was restored (ErasureRecord.subject_digests)."""
    digests: set[str] = set()
    for values in ErasureRecord.objects.values_list("subject_digests", flat=True).iterator(
        chunk_size=2000
    ):
        digests.update(values or ())
    people: set[int] = set()
    households: set[int] = set()
    if not digests:
        return people, households
    for pk, uuid in Person.objects.values_list("pk", "uuid").iterator(chunk_size=5000):
        if subject_digest("person", uuid) in digests:
            people.add(pk)
    for pk, uuid in Household.objects.values_list("pk", "uuid").iterator(chunk_size=5000):
        if subject_digest("household", uuid) in digests:
            households.add(pk)
    return people, households


def reapply_erasures(*, actor: Any = None) -> ErasureRecord | None:
    """Erase again everyone an erasure record names (after a restore from a backup)."""
    people, households = erased_before()
    if not (people or households):
        return None
    members = set(
        Membership.objects.filter(household_id__in=households).values_list("person_id", flat=True)
    )
    eraser = _Eraser(
        actor=actor,
        people_ids=people | members,
        household_ids=households,
        kept={},
        keep_identity=False,
    )
    return eraser.run(
        record=ErasureRecord(
            erased_by=actor if getattr(actor, "pk", None) else None,
            ground=ErasureRecord.Ground.REAPPLIED,
            subject=ErasureRecord.Subject.PERSON,
            people_count=len(people | members),
        )
    )


def delete_rows(qs: models.QuerySet[Any]) -> dict[str, int]:
    """Delete rows (and what cascades from them) with their files, for disposal of records that
    belong to no person (anonymous feedback, unlinked enquiries). Returns counts by model."""
    collector = Collector(using=connection.alias, origin=None)
    collector.collect(qs)
    eraser = _Eraser(
        actor=None, people_ids=set(), household_ids=set(), kept={}, keep_identity=False
    )
    eraser._collect_files(collector)
    eraser._count(collector.delete())
    files = set(eraser.files)
    if files:
        transaction.on_commit(lambda: derived.remove_files(files, set()))
    return dict(eraser.removed)


# --- the machinery ------------------------------------------------------------------------------------


@contextmanager
def _secure_delete() -> Any:
    """On SQLite, overwrite deleted content with zeros instead of leaving it in free pages."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA secure_delete = {int(before)}")


def _file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _all_file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    return [
        (m, f)
        for m in apps.get_models()
        if m.__module__.startswith("familyhub.")
        for f in _file_fields(m)
    ]


class _Eraser:
    def __init__(
        self,
        *,
        actor: Any,
        people_ids: set[int],
        household_ids: set[int],
        kept: dict[str, set[int]],
        keep_identity: bool,
    ) -> None:
        self.actor = actor
        self.people_ids = set(people_ids)
        self.explicit_households = set(household_ids)
        self.kept = kept
        self.keep_identity = keep_identity
        self.removed: Counter[str] = Counter()
        self.neutralised: Counter[str] = Counter()
        self.files: set[str] = set()
        self.erased_households: set[int] = set()

    # The order matters: links are cut and rows deleted before the people and families themselves.
    def run(self, *, record: ErasureRecord) -> ErasureRecord:
        with transaction.atomic(), _secure_delete():
            self.people_ids |= _merged_into(self.people_ids)
            self._empty_outputs()
            people = list(
                Person.objects.filter(pk__in=self.people_ids).prefetch_related("identifiers")
            )
            self.people_ids = {p.pk for p in people}
            strings: set[str] = set()
            for p in people:
                strings.update(identifying_strings(p))
            person_uuids = {str(p.uuid) for p in people}
            member_households = set(
                Membership.objects.filter(person_id__in=self.people_ids).values_list(
                    "household_id", flat=True
                )
            )
            erase_households = self.explicit_households | _households_erased_with(self.people_ids)
            self.erased_households = erase_households
            surviving_households = member_households - erase_households
            related = self._related_people(member_households) - self.people_ids
            stub_people, stub_households = self._stubs(erase_households)
            households = list(Household.objects.filter(pk__in=erase_households))
            household_uuids = {str(h.uuid) for h in households}
            record.subject_digests = sorted(
                [subject_digest("person", u) for u in person_uuids]
                + [subject_digest("household", u) for u in household_uuids]
            )
            record.erased_at = timezone.now()
            changes = ChangeSet(actor=self.actor, reason=f"{ERASURE_REASON}{record.uuid}")

            pattern = _pattern(strings)
            # Few strings (one person): let the database pick the rows that mention them.
            self._prefilter = sorted(strings) if len(strings) <= 40 else None
            self._sweep_via(pattern)
            collector = Collector(using=connection.alias, origin=None)
            targets: list[tuple[Link, set[int]]] = [(lk, self.people_ids) for lk in person_links()]
            targets += [(lk, erase_households) for lk in household_links()]
            for link, _ in targets:
                if link_decision(link.model._meta.label, link.field) is None:
                    raise ImproperlyConfigured(
                        f"{link.label} has no erasure decision (familyhub/retention/decisions.py)"
                    )
            for link, ids in _with_rows(targets):
                decision = link_decision(link.model._meta.label, link.field)
                assert decision is not None
                qs = link.model._default_manager.filter(**{f"{link.field}__in": ids})
                kept = self.kept.get(link.model._meta.label)
                if kept:
                    qs = qs.exclude(pk__in=kept)
                if decision.action == Action.DELETE:
                    collector.collect(qs)
                else:
                    self._cut(link, qs, dict(decision.blank), pattern, changes)
            self._collect_files(collector)
            self._count(collector.delete())

            self._sweep(pattern, related, surviving_households)
            self._release_shared_files(changes)
            self._record_on_survivors(surviving_households, related, changes)

            self._stub_people(stub_people, record)
            self._stub_households(stub_households, record)
            gone_people = self.people_ids - stub_people
            gone_households = erase_households - stub_households
            # Every row pointing at them is already deleted or cut, by the decision table (whose
            # tests cover every foreign key): a plain DELETE, without Django's collector asking
            # each of the ~30 related tables again. A row left pointing at them would make the
            # transaction fail on its foreign key, never leave a dangling reference.
            self._raw_delete(Person, gone_people)
            self._raw_delete(Household, gone_households)
            changes.flush()

            record.removed = dict(sorted(self.removed.items()))
            record.neutralised = dict(sorted(self.neutralised.items()))
            record.files_removed = len(self.files)
            record.save()
            derived.after_erasure(
                files=set(self.files),
                uuids=person_uuids | household_uuids,
                strings=strings,
                people=[(p.given_name, p.family_name) for p in people],
            )
            log.record(
                user=self.actor,
                action=AccessLogEntry.Action.UPDATE,
                object_type="erasure",
                reason=f"erasure {record.uuid}",
            )
        return record

    def _empty_outputs(self) -> None:
        """Extract files still inside their download window hold the person's rows: emptied (the
        record of what left, its checksum and its people count, stays; ADR 0019)."""
        Output = apps.get_model("sharing", "Output")
        n = (
            Output.objects.filter(
                disclosure__subjects__person_id__in=self.people_ids, content__isnull=False
            )
            .distinct()
            .update(content=None)
        )
        if n:
            self.neutralised["sharing.Output.content"] += n

    def _raw_delete(self, model: type[models.Model], ids: set[int]) -> None:
        if ids:
            n = model._default_manager.filter(pk__in=ids)._raw_delete(connection.alias)  # type: ignore[attr-defined]
            if n:
                self.removed[model._meta.label] += n

    def _related_people(self, households: set[int]) -> set[int]:
        co_members = set(
            Membership.objects.filter(household_id__in=households).values_list(
                "person_id", flat=True
            )
        )
        rel = Relationship.objects.filter(
            Q(from_person_id__in=self.people_ids) | Q(to_person_id__in=self.people_ids)
        ).values_list("from_person_id", "to_person_id")
        for a, b in rel:
            co_members.update((a, b))
        return co_members

    def _stubs(self, erase_households: set[int]) -> tuple[set[int], set[int]]:
        """People and families that must stay (as stubs) because a kept item points at them."""
        people: set[int] = set()
        households: set[int] = set()
        if self.keep_identity:
            people |= self.people_ids
        for label, pks in self.kept.items():
            model = apps.get_model(label)
            for link in person_links():
                if link.model is model:
                    people.update(
                        model._default_manager.filter(
                            pk__in=pks, **{f"{link.field}__in": self.people_ids}
                        ).values_list(link.field, flat=True)
                    )
            for link in household_links():
                if link.model is model:
                    households.update(
                        model._default_manager.filter(
                            pk__in=pks, **{f"{link.field}__in": erase_households}
                        ).values_list(link.field, flat=True)
                    )
        return people, households

    def _cut(
        self,
        link: Link,
        qs: models.QuerySet[Any],
        blank: dict[str, Any],
        pattern: re.Pattern[str] | None,
        changes: ChangeSet,
    ) -> None:
        from familyhub.retention.decisions import decision_for

        has_uuid = any(f.name == "uuid" for f in link.model._meta.concrete_fields)
        rows = list(qs) if has_uuid else []
        decision = decision_for(link.model._meta.label)
        if pattern is not None and decision is not None and decision.sweep:
            self._replace_in(link.model, qs, list(decision.sweep), pattern, count=False)
        updated = qs.update(**{link.field: None}, **blank)
        if updated:
            self.neutralised[link.model._meta.label] += updated
        for row in rows:
            changes.record(
                row,
                action=ChangeRecord.Action.UNLINK,
                field_name=link.field,
                new="The linked person's or family's record was erased",
                person=self._surviving(row, Person),
                household=self._surviving(row, Household),
                label=_verbose(link.model),
            )

    def _surviving(self, row: models.Model, target: type[models.Model]) -> Any:
        """The row's own person (or family), when it is someone who stays."""
        for f in row._meta.concrete_fields:
            if isinstance(f, models.ForeignKey) and f.related_model is target:
                value = getattr(row, f.attname)
                gone = self.people_ids if target is Person else self.erased_households
                if value is not None and value not in gone:
                    return target._default_manager.filter(pk=value).first()
        return None

    def _collect_files(self, collector: Collector) -> None:
        for model, instances in collector.data.items():
            for f in _file_fields(model):
                self.files.update(n for n in (getattr(i, f.attname) for i in instances) if n)
        for qs in collector.fast_deletes:
            for f in _file_fields(qs.model):
                self.files.update(n for n in qs.values_list(f.attname, flat=True) if n)

    def _count(self, result: tuple[int, dict[str, int]]) -> None:
        for label, n in result[1].items():
            if n:
                self.removed[label] += n

    def _replace_in(
        self,
        model: type[models.Model],
        qs: models.QuerySet[Any],
        fields: list[str],
        pattern: re.Pattern[str],
        *,
        prefilter: list[str] | None = None,
        count: bool = True,
    ) -> None:
        """Replace the pattern's matches by ERASED_TEXT in `fields` of the rows of `qs`."""
        if prefilter:
            text = Q(pk__in=[])
            for name in fields:
                for s in prefilter:
                    text |= Q(**{f"{name}__icontains": s})
            qs = qs.filter(text)
        rows = qs.values("pk", *fields)
        # A handful of rows when the database picked them (one person's names); otherwise stream.
        for row in rows if prefilter else rows.iterator(chunk_size=500):
            new = {
                name: pattern.sub(ERASED_TEXT, row[name])
                for name in fields
                if isinstance(row[name], str) and row[name] and pattern.search(row[name])
            }
            if new:
                model._default_manager.filter(pk=row["pk"]).update(**new)
                if count:
                    self.neutralised[model._meta.label] += 1

    def _sweep(
        self, pattern: re.Pattern[str] | None, related: set[int], households: set[int]
    ) -> None:
        """Replace the erased people's names and identifiers in the texts that stay: the
        records of their families and relatives."""
        from familyhub.retention.decisions import DECISIONS, Kind

        if pattern is None or not (related or households):
            return
        prefilter = self._prefilter
        for label, decision in DECISIONS.items():
            if not decision.sweep:
                continue
            try:
                model = apps.get_model(label)
            except LookupError:
                continue
            if decision.kind == Kind.HOUSEHOLD:
                scope = Q(pk__in=households)
            else:
                scope = Q(pk__in=[])
                for name in decision.links:
                    target = model._meta.get_field(name).related_model
                    if target is Person and related:
                        scope |= Q(**{f"{name}__in": related})
                    elif target is Household and households:
                        scope |= Q(**{f"{name}__in": households})
            qs = model._default_manager.filter(scope)
            self._replace_in(model, qs, list(decision.sweep), pattern, prefilter=prefilter)

    def _sweep_via(self, pattern: re.Pattern[str] | None) -> None:
        """Rows that reach the erased people by a longer path (see Decision.via)."""
        from familyhub.retention.decisions import DECISIONS

        if pattern is None:
            return
        for label, decision in DECISIONS.items():
            if not decision.via:
                continue
            try:
                model = apps.get_model(label)
            except LookupError:
                continue
            for path, fields in decision.via:
                qs = (
                    model._default_manager.filter(**{f"{path}__in": self.people_ids})
                    .order_by("pk")
                    .distinct()
                )
                self._replace_in(model, qs, list(fields), pattern)

    def _release_shared_files(self, changes: ChangeSet) -> None:
        """A removed file that other rows point at too (a household's one scanned consent form)
        showed the erased person: those rows lose it, with a change record saying why."""
        if not self.files:
            return
        for model, f in _all_file_fields():
            qs = model._default_manager.filter(**{f"{f.name}__in": self.files})
            has_uuid = any(x.name == "uuid" for x in model._meta.concrete_fields)
            rows = list(qs) if has_uuid else []
            n = qs.update(**{f.name: ""})
            if n:
                self.neutralised[model._meta.label] += n
            for row in rows:
                changes.record(
                    row,
                    action=ChangeRecord.Action.UPDATE,
                    field_name=f.name,
                    old="file",
                    new="Removed: the file also showed a person whose record was erased",
                    person=self._surviving(row, Person),
                    household=self._surviving(row, Household),
                    label=_verbose(model),
                )

    def _record_on_survivors(
        self, households: set[int], related: set[int], changes: ChangeSet
    ) -> None:
        """The family's and the relatives' histories say that someone's record was erased."""
        for household in Household.objects.filter(pk__in=households):
            changes.record(
                household,
                action=ChangeRecord.Action.UNLINK,
                new="A member's record was erased",
                household=household,
                label="Household members",
            )
        for person in Person.objects.filter(pk__in=related - self.people_ids):
            changes.record(
                person,
                action=ChangeRecord.Action.UNLINK,
                new="A relationship or family link to a person whose record was erased was removed",
                person=person,
                label="Relationships",
            )

    def _stub_people(self, ids: set[int], record: ErasureRecord) -> None:
        """Keep the person row for kept items: every personal field emptied (identity excepted
        when an exception keeps it), a new log key (the access log no longer leads here), out of
        search, archived."""
        from familyhub.core.datamap import personal_fields

        for person in Person.objects.filter(pk__in=ids):
            values: dict[str, Any] = {}
            for name in personal_fields("people.Person"):
                if name in ("log_key", "created_by") or (
                    self.keep_identity and name in IDENTITY_FIELDS
                ):
                    continue
                f = cast(models.Field, Person._meta.get_field(name))
                values[f.attname] = _empty(f)
            if not self.keep_identity:
                values["family_name"] = ERASED_TEXT
            values["log_key"] = uuid4()
            values["archived_at"] = timezone.now()
            values["archive_reason"] = (
                f"Erased (record {record.uuid}); kept only for a legal exception"
            )
            Person.objects.filter(pk=person.pk).update(**values)
            self.neutralised["people.Person"] += 1

    def _stub_households(self, ids: set[int], record: ErasureRecord) -> None:
        for household in Household.objects.filter(pk__in=ids):
            Household.objects.filter(pk=household.pk).update(
                name=ERASED_TEXT,
                phone="",
                notes="",
                archived_at=timezone.now(),
                archive_reason=f"Erased (record {record.uuid}); kept only for a legal exception",
            )
            self.neutralised["people.Household"] += 1
            record.kept = [
                *record.kept,
                {
                    "item": "The family record (without its details), which kept items belong to",
                    "model": "people.Household",
                    "exception": "",
                    "reason": "needed by the items kept above",
                },
            ]


def _merged_into(people_ids: set[int]) -> set[int]:
    """The archived records merged into these people (linkage, ADR 0021), and any merged into
    those: the same person's data, erased with them. Undone merges no longer count."""
    Merge = apps.get_model("linkage", "Merge")
    found: set[int] = set()
    frontier = set(people_ids)
    while frontier:
        others = (
            set(
                Merge.objects.filter(keep_id__in=frontier, unmerged_at__isnull=True).values_list(
                    "other_id", flat=True
                )
            )
            - found
            - people_ids
        )
        found |= others
        frontier = others
    return found


def _with_rows(targets: list[tuple[Link, set[int]]]) -> list[tuple[Link, set[int]]]:
    """The targets that have rows, found with one query (a row of EXISTS tests) rather than one
    DELETE or UPDATE per foreign key, most of which would touch nothing."""
    targets = [(link, ids) for link, ids in targets if ids]
    found: list[tuple[Link, set[int]]] = []
    group: list[tuple[Link, set[int]]] = []
    params_in_group = 0

    def flush() -> None:
        parts: list[str] = []
        params: list[Any] = []
        for link, ids in group:
            qs = link.model._default_manager.filter(**{f"{link.field}__in": ids}).values("pk")
            sql, p = qs.query.sql_with_params()
            parts.append(f"EXISTS ({sql})")
            params.extend(p)
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            row = cursor.fetchone()
        found.extend(t for t, has in zip(group, row, strict=True) if has)

    for target in targets:
        group.append(target)
        params_in_group += len(target[1])
        if params_in_group > 10_000:  # well under SQLite's and PostgreSQL's limits on parameters
            flush()
            group, params_in_group = [], 0
    if group:
        flush()
    return found


def _pattern(strings: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted({s for s in strings if s}, key=len, reverse=True)
    if not ordered:
        return None
    return re.compile("|".join(re.escape(s) for s in ordered), re.IGNORECASE)


def _empty(f: models.Field) -> Any:
    """The value a field has when nothing was recorded: its default, else empty or null."""
    if f.has_default():
        return f.get_default()
    if f.null:
        return None
    if isinstance(f, models.BooleanField):
        return False
    return ""
