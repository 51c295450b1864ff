"""Every write to households and people (invariant 1, R-PEOPLE-1..5).

Each service validates, writes inside one transaction, records field-level changes in the same
transaction, and writes an access-log row for the change. Views, the API, imports and commands call
these and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.roles import Capability, capabilities_of
from familyhub.core.datamap import special_category_fields
from familyhub.core.errors import ApplicationError, ConcurrentEdit, FieldErrors, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet, model_update
from familyhub.people import choices as c
from familyhub.people import validators as v
from familyhub.people.models import (
    Address,
    CaseAllocation,
    Household,
    Membership,
    Person,
    PersonIdentifier,
    Relationship,
)
from familyhub.people.search_keys import person_search_fields
from familyhub.places.models import PostcodeWard, Ward
from familyhub.places.postcodes import ward_for_postcode_key

PERSON_FIELDS = [
    "given_name",
    "middle_names",
    "family_name",
    "known_as",
    "date_of_birth",
    "is_unborn",
    "expected_date_of_delivery",
    "sex",
    "gender",
    "phone",
    "email",
    "nhs_number",
    "gp_practice",
    "gp_practice_code",
    "main_language",
    "other_languages",
    "interpreter_needed",
    "relationship_status",
    "employment_status",
    "education_status",
    "housing_status",
    "housing_needs",
    "ethnicity",
    "religion",
    "sexual_orientation",
    "disability",
    "additional_needs",
]
SPECIAL_CATEGORY_FIELDS = special_category_fields("people.Person")
HOUSEHOLD_FIELDS = ["name", "phone", "notes"]
ADDRESS_FIELDS = ["line1", "line2", "town", "postcode", "ward"]


def _today() -> date:
    return timezone.localdate()


def clean_person_data(
    data: Mapping[str, Any],
    *,
    existing: Person | None = None,
    role: str | None = None,
    prefix: str = "",
) -> dict[str, Any]:
    """Validate person details; every problem is reported at its field, all at once."""
    errs = FieldErrors(prefix)
    out = {k: data[k] for k in PERSON_FIELDS if k in data}
    merged = {f: getattr(existing, f) for f in PERSON_FIELDS} if existing else {}
    merged.update(out)
    today = _today()

    for name in ("given_name", "family_name", "middle_names", "known_as"):
        if name in out:
            out[name] = (out[name] or "").strip()
    merged.update({k: out[k] for k in out})
    unborn = bool(merged.get("is_unborn"))
    if not merged.get("family_name"):
        errs.add("family_name", "Enter a last name (for an unborn child, the family's last name)")
    if not unborn and not merged.get("given_name") and not merged.get("known_as"):
        errs.add("given_name", "Enter a first name")

    if "nhs_number" in out:
        try:
            out["nhs_number"] = v.normalise_nhs_number(out["nhs_number"] or "")
        except v.InvalidValue as e:
            errs.add("nhs_number", str(e))
    for name in ("phone",):
        if name in out:
            try:
                out[name] = v.normalise_phone(out[name] or "")
            except v.InvalidValue as e:
                errs.add(name, str(e))
    if "email" in out:
        out["email"] = (out["email"] or "").strip().lower()

    if unborn:
        if merged.get("date_of_birth"):
            errs.add(
                "date_of_birth",
                "An unborn child has no date of birth yet: leave it empty, or record the birth",
            )
        try:
            v.check_expected_delivery(merged.get("expected_date_of_delivery"), today=today)
        except v.InvalidValue as e:
            # An existing unborn record whose EDD has passed is still editable in other fields.
            if not (existing and "expected_date_of_delivery" not in out):
                errs.add("expected_date_of_delivery", str(e))
        if role and role != c.MemberRole.CHILD:
            errs.add("role", "An unborn child can only be added as a child of the household")
    else:
        if "expected_date_of_delivery" in out and out["expected_date_of_delivery"] and not existing:
            out["expected_date_of_delivery"] = None
        try:
            v.check_date_of_birth(merged.get("date_of_birth"), today=today)
        except v.InvalidValue as e:
            errs.add("date_of_birth", str(e))
        if role == c.MemberRole.CHILD and not merged.get("date_of_birth"):
            errs.add(
                "date_of_birth", "Enter the child's date of birth, or mark the child as unborn"
            )
        dob = merged.get("date_of_birth")
        if role == c.MemberRole.PARENT_CARER and dob and (today - dob).days < 10 * 365:
            errs.add(
                "date_of_birth",
                "A parent or carer under 10 years old is unlikely: check the date of birth",
            )
    errs.raise_if_any()
    return out


def _search_fields(person: Person) -> dict[str, str]:
    return person_search_fields(person.given_name, person.family_name, person.known_as)


def clean_address(data: Mapping[str, Any], prefix: str = "address_") -> dict[str, Any]:
    errs = FieldErrors(prefix)
    out = {k: data.get(k) for k in ADDRESS_FIELDS}
    out["line1"] = (out.get("line1") or "").strip()
    out["line2"] = (out.get("line2") or "").strip()
    out["town"] = (out.get("town") or "").strip() or "Nottingham"
    if not out["line1"]:
        errs.add("line1", "Enter the first line of the address")
    try:
        out["postcode"] = v.normalise_postcode(out.get("postcode") or "")
        out["postcode_key"] = v.postcode_key(out["postcode"] or "")
    except v.InvalidValue as e:
        errs.add("postcode", str(e))
    # The ward decides who serves the family and what it is eligible for: taken from the postcode
    # directory when staff leave it 'Not known', and never allowed to contradict it. Checked even
    # when another field is wrong, so that every problem is shown at once.
    known = ward_for_postcode_key(out.get("postcode_key") or "")
    chosen = out.get("ward")
    if known is not None and chosen is None:
        out["ward"] = known
    elif known is not None and getattr(chosen, "pk", chosen) != known.pk:
        errs.add(
            "ward",
            f"{out['postcode']} is in {known.name} ({known.code}) in the postcode directory. "
            f"Choose {known.name}, or 'Not known' to take the ward from the postcode",
        )
    errs.raise_if_any()
    return out


def _default_allocation_for(actor: Any) -> tuple[Any, Any]:
    """The organisation (and team) a newly registered family is allocated to: the registrar's."""
    for m in actor.active_memberships:
        if Capability.EDIT_PEOPLE in capabilities_of(m.role):
            return m.organisation, m.team
    raise ApplicationError("Your role does not allow registering families.")


@dataclass
class MemberSpec:
    """One member of a household being registered: new details, or an existing person."""

    role: str
    data: dict[str, Any] = field(default_factory=dict)
    existing: Person | None = None
    lives_here: bool = True


def _without_special(actor: Any, member: MemberSpec) -> MemberSpec:
    """Special-category answers are taken only from roles allowed to see them (R-PEOPLE-3)."""
    if access.can_see_special_category(actor) or not member.data:
        return member
    data = {k: val for k, val in member.data.items() if k not in SPECIAL_CATEGORY_FIELDS}
    return MemberSpec(
        role=member.role, data=data, existing=member.existing, lives_here=member.lives_here
    )


@dataclass
class RelationshipSpec:
    """`from_index` is the <kind> of `to_index` (indices into the member list)."""

    from_index: int
    to_index: int
    kind: str
    parental_responsibility: bool = False


def _create_person(
    *, actor: Any, data: Mapping[str, Any], changes: ChangeSet, household: Household
) -> Person:
    person = Person(**data, created_by=actor if getattr(actor, "pk", None) else None)
    for k, val in _search_fields(person).items():
        setattr(person, k, val)
    person.save()
    changes.record(
        person,
        action=ChangeRecord.Action.CREATE,
        new=person.display_name,
        person=person,
        household=household,
    )
    return person


def household_register(
    *,
    actor: Any,
    name: str,
    address: Mapping[str, Any],
    members: Sequence[MemberSpec],
    relationships: Sequence[RelationshipSpec] = (),
    phone: str = "",
    notes: str = "",
    moved_in_on: date | None = None,
    organisation: Any = None,
    team: Any = None,
) -> Household:
    """Register a household with its members, relationships and address, all or nothing."""
    access.require(actor, Capability.EDIT_PEOPLE)
    members = [_without_special(actor, m) for m in members]
    access.ensure_visible(actor, [m.existing for m in members if m.existing is not None])
    errs = FieldErrors()
    name = (name or "").strip()
    try:
        phone = v.normalise_phone(phone)
    except v.InvalidValue as e:
        errs.add("phone", str(e))
    if not name:
        errs.add("name", "Enter a name for the household, for example 'Smith family'")
    if not members:
        errs.add("members", "Add at least one person to the household")
    clean_members: list[dict[str, Any]] = []
    problems: dict[str, list[str]] = {}
    seen_existing: set[int] = set()
    for i, m in enumerate(members):
        if m.role not in c.MemberRole.values:
            problems.setdefault(f"members-{i}-role", []).append(
                "Choose the person's role in the household"
            )
        if m.existing is not None:
            if m.existing.pk in seen_existing:
                problems.setdefault(f"members-{i}-person", []).append(
                    f"{m.existing.display_name} is already in this household"
                )
            seen_existing.add(m.existing.pk)
            clean_members.append({})
            continue
        try:
            clean_members.append(clean_person_data(m.data, role=m.role, prefix=f"members-{i}-"))
        except ValidationFailed as e:
            for k, msgs in e.errors.items():
                problems.setdefault(k, []).extend(msgs)
            clean_members.append({})
    try:
        clean_addr = clean_address(address)
    except ValidationFailed as e:
        problems.update(e.errors)
        clean_addr = {}
    for j, r in enumerate(relationships):
        if r.from_index == r.to_index:
            problems.setdefault(f"relationships-{j}-to_person", []).append(
                "A person cannot have a relationship with themselves"
            )
        if not (0 <= r.from_index < len(members) and 0 <= r.to_index < len(members)):
            problems.setdefault(f"relationships-{j}-to_person", []).append(
                "Choose two people in this household"
            )
        if r.kind not in c.RelationshipKind.values:
            problems.setdefault(f"relationships-{j}-kind", []).append(
                "Choose how the two people are related"
            )
    _check_duplicate_relationships(relationships, problems)
    for k, msgs in problems.items():
        errs.errors.setdefault(k, []).extend(msgs)
    errs.raise_if_any()

    if organisation is None:
        organisation, team = _default_allocation_for(actor)
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        household = Household.objects.create(name=name, phone=phone, notes=notes)
        changes.record(household, action=ChangeRecord.Action.CREATE, new=name, household=household)
        addr = Address.objects.create(
            household=household,
            valid_from=moved_in_on or _today(),
            **{
                k: clean_addr[k]
                for k in ("line1", "line2", "town", "postcode", "postcode_key", "ward")
            },
        )
        changes.record(addr, action=ChangeRecord.Action.CREATE, new=str(addr), household=household)
        CaseAllocation.objects.create(
            household=household,
            organisation=organisation,
            team=team,
            worker=actor if getattr(actor, "pk", None) else None,
            started_on=_today(),
        )
        people: list[Person] = []
        for m, data in zip(members, clean_members, strict=True):
            person = m.existing or _create_person(
                actor=actor, data=data, changes=changes, household=household
            )
            Membership.objects.create(
                household=household,
                person=person,
                role=m.role,
                lives_here=m.lives_here,
                joined_on=_today(),
            )
            if m.existing is not None:
                changes.record(
                    person,
                    action=ChangeRecord.Action.LINK,
                    new=f"Joined as {c.MemberRole(m.role).label}",
                    person=person,
                    household=household,
                )
            people.append(person)
        for r in relationships:
            _create_relationship(
                actor=actor,
                changes=changes,
                household=household,
                from_person=people[r.from_index],
                to_person=people[r.to_index],
                kind=r.kind,
                parental_responsibility=r.parental_responsibility,
            )
        changes.flush()
        access.log_change(actor, people, created=True, object_type="household")
    return household


def _check_duplicate_relationships(
    rels: Sequence[RelationshipSpec], problems: dict[str, list[str]]
) -> None:
    seen: set[tuple[int, int, str]] = set()
    for j, r in enumerate(rels):
        key = (r.from_index, r.to_index, r.kind)
        if key in seen:
            problems.setdefault(f"relationships-{j}-kind", []).append(
                "This relationship is listed twice"
            )
        seen.add(key)


def _create_relationship(
    *,
    actor: Any,
    changes: ChangeSet,
    household: Household | None,
    from_person: Person,
    to_person: Person,
    kind: str,
    parental_responsibility: bool,
) -> Relationship:
    rel = Relationship.objects.create(
        from_person=from_person,
        to_person=to_person,
        kind=kind,
        parental_responsibility=parental_responsibility,
    )
    text = f"{from_person.display_name} is the {c.RelationshipKind(kind).label.lower()} of {to_person.display_name}"
    if parental_responsibility:
        text += " (with parental responsibility)"
    changes.record(
        rel,
        action=ChangeRecord.Action.LINK,
        new=text,
        person=to_person,
        household=household,
        label=text,
    )
    return rel


def household_update(
    *,
    actor: Any,
    household: Household,
    data: Mapping[str, Any],
    expected_version: int,
    reason: str = "",
) -> Household:
    access.require(actor, Capability.EDIT_PEOPLE)
    clean = {k: data[k] for k in HOUSEHOLD_FIELDS if k in data}
    if "name" in clean and not (clean["name"] or "").strip():
        raise ValidationFailed("Enter a name for the household", field="name")
    if "phone" in clean:
        try:
            clean["phone"] = v.normalise_phone(clean["phone"])
        except v.InvalidValue as e:
            raise ValidationFailed(str(e), field="phone")
    changes = ChangeSet(actor=actor, reason=reason)
    with transaction.atomic():
        changed = model_update(
            instance=household,
            fields=HOUSEHOLD_FIELDS,
            data=clean,
            changes=changes,
            expected_version=expected_version,
            household=household,
        )
        if changed:
            members = [m.person for m in household.memberships.select_related("person")]
            access.log_change(actor, members, created=False, object_type="household")
    return household


def _bump_household(household: Household, expected_version: int | None, check: str) -> None:
    """A change to a family's members or address makes an open edit of the family stale: its
    version goes up, and if `expected_version` is given and someone saved since, nothing is."""
    bumped = Household.objects.filter(pk=household.pk)
    if expected_version is not None:
        bumped = bumped.filter(version=expected_version)
    if bumped.update(updated_at=timezone.now(), version=F("version") + 1) != 1:
        raise ConcurrentEdit(
            f"Someone else changed this family's record while you were editing it. {check}"
        )


def household_move(
    *,
    actor: Any,
    household: Household,
    address: Mapping[str, Any],
    moved_on: date,
    reason: str = "",
    expected_version: int | None = None,
) -> Address:
    """A change of address: the current one is closed the day before, the new one starts (history)."""
    access.require(actor, Capability.EDIT_PEOPLE)
    clean = clean_address(address, prefix="")
    if moved_on is None:
        raise ValidationFailed("Enter the date the family moved", field="moved_on")
    if moved_on > _today():
        raise ValidationFailed(
            "The date the family moved must be today or in the past", field="moved_on"
        )
    changes = ChangeSet(actor=actor, reason=reason)
    with transaction.atomic():
        current = (
            Address.objects.select_for_update()
            .filter(household=household, valid_to__isnull=True)
            .first()
        )
        if current is not None:
            if moved_on <= current.valid_from:
                raise ValidationFailed(
                    f"The move date must be after the family moved to their current address "
                    f"({current.valid_from:%d/%m/%Y})",
                    field="moved_on",
                )
            current.valid_to = moved_on
            current.save(update_fields=["valid_to", "updated_at"])
        new = Address.objects.create(household=household, valid_from=moved_on, **clean)
        changes.record(
            new,
            action=ChangeRecord.Action.UPDATE,
            field_name="line1",
            old=str(current) if current else "",
            new=str(new),
            household=household,
            label="Address",
        )
        changes.flush()
        _bump_household(household, expected_version, "Check the address shown and save again.")
        access.log_change(
            actor,
            [m.person for m in household.memberships.select_related("person")],
            created=False,
            object_type="address",
        )
    return new


def person_update(
    *,
    actor: Any,
    person: Person,
    data: Mapping[str, Any],
    expected_version: int,
    reason: str = "",
    household: Household | None = None,
) -> Person:
    """Change a person's details; refused (ConcurrentEdit) if someone saved since `expected_version`."""
    access.require(actor, Capability.EDIT_PEOPLE)
    if not access.can_see_special_category(actor):
        data = {k: val for k, val in data.items() if k not in SPECIAL_CATEGORY_FIELDS}
    clean = clean_person_data(data, existing=person)
    changes = ChangeSet(actor=actor, reason=reason)
    with transaction.atomic():
        changed = model_update(
            instance=person,
            fields=PERSON_FIELDS,
            data=clean,
            changes=changes,
            expected_version=expected_version,
            person=person,
            household=household,
            special_fields=SPECIAL_CATEGORY_FIELDS,
        )
        if set(changed) & {"given_name", "family_name", "known_as"}:
            Person.objects.filter(pk=person.pk).update(**_search_fields(person))
        if changed:
            access.log_change(actor, [person], created=False, object_type="person")
    return person


def person_record_birth(
    *,
    actor: Any,
    person: Person,
    date_of_birth: date,
    expected_version: int,
    given_name: str = "",
    sex: str = "",
    household: Household | None = None,
) -> Person:
    """The unborn child is born: the same person becomes a born child (history kept)."""
    access.require(actor, Capability.EDIT_PEOPLE)
    if not person.is_unborn:
        raise ValidationFailed("This child's birth is already recorded", field="date_of_birth")
    data: dict[str, Any] = {"is_unborn": False, "date_of_birth": date_of_birth}
    if given_name:
        data["given_name"] = given_name
    if sex:
        data["sex"] = sex
    if not date_of_birth:
        raise ValidationFailed("Enter the date of birth", field="date_of_birth")
    if (
        person.expected_date_of_delivery
        and abs((date_of_birth - person.expected_date_of_delivery).days) > 20 * 7
    ):
        raise ValidationFailed(
            "The date of birth is more than 20 weeks from the expected date of delivery: check it",
            field="date_of_birth",
        )
    return person_update(
        actor=actor,
        person=person,
        data=data,
        expected_version=expected_version,
        reason="Birth recorded",
        household=household,
    )


def person_add_to_household(
    *,
    actor: Any,
    household: Household,
    member: MemberSpec,
) -> Person:
    access.require(actor, Capability.EDIT_PEOPLE)
    member = _without_special(actor, member)
    if member.existing is not None:
        access.ensure_visible(actor, [member.existing])
    if member.role not in c.MemberRole.values:
        raise ValidationFailed("Choose the person's role in the household", field="role")
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        if member.existing is not None:
            person = member.existing
            if Membership.objects.filter(household=household, person=person).exists():
                raise ValidationFailed(
                    f"{person.display_name} is already in this household", field="person"
                )
        else:
            data = clean_person_data(member.data, role=member.role)
            person = _create_person(actor=actor, data=data, changes=changes, household=household)
        Membership.objects.create(
            household=household,
            person=person,
            role=member.role,
            lives_here=member.lives_here,
            joined_on=_today(),
        )
        if member.existing is not None:
            changes.record(
                person,
                action=ChangeRecord.Action.LINK,
                new=f"Joined as {c.MemberRole(member.role).label}",
                person=person,
                household=household,
            )
        changes.flush()
        access.log_change(actor, [person], created=True, object_type="membership")
    return person


def relationship_add(
    *,
    actor: Any,
    from_person: Person,
    to_person: Person,
    kind: str,
    parental_responsibility: bool = False,
    household: Household | None = None,
) -> Relationship:
    access.require(actor, Capability.EDIT_PEOPLE)
    access.ensure_visible(actor, [from_person, to_person])
    if from_person.pk == to_person.pk:
        raise ValidationFailed(
            "A person cannot have a relationship with themselves", field="to_person"
        )
    if kind not in c.RelationshipKind.values:
        raise ValidationFailed("Choose how the two people are related", field="kind")
    if Relationship.objects.filter(
        from_person=from_person, to_person=to_person, kind=kind
    ).exists():
        raise ValidationFailed("This relationship is already recorded", field="kind")
    changes = ChangeSet(actor=actor)
    try:
        with transaction.atomic():
            rel = _create_relationship(
                actor=actor,
                changes=changes,
                household=household,
                from_person=from_person,
                to_person=to_person,
                kind=kind,
                parental_responsibility=parental_responsibility,
            )
            changes.flush()
            access.log_change(
                actor, [from_person, to_person], created=True, object_type="relationship"
            )
    except IntegrityError:
        raise ValidationFailed("This relationship is already recorded", field="kind")
    return rel


def relationship_end(
    *,
    actor: Any,
    relationship: Relationship,
    ended_on: date,
    reason: str = "",
    household: Household | None = None,
) -> Relationship:
    access.require(actor, Capability.EDIT_PEOPLE)
    changes = ChangeSet(actor=actor, reason=reason)
    with transaction.atomic():
        model_update(
            instance=relationship,
            fields=["ended_on"],
            data={"ended_on": ended_on},
            changes=changes,
            person=relationship.to_person,
            household=household,
        )
    return relationship


def identifier_set(
    *, actor: Any, person: Person, scheme: str, value: str, household: Household | None = None
) -> PersonIdentifier | None:
    """Add, change or (with an empty value) remove one of a person's other identifiers."""
    access.require(actor, Capability.EDIT_PEOPLE)
    if scheme not in c.IdentifierScheme.values:
        raise ValidationFailed("Choose the kind of identifier", field="scheme")
    value = (value or "").strip()
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        existing = PersonIdentifier.objects.filter(person=person, scheme=scheme).first()
        label = c.IdentifierScheme(scheme).label
        if existing and not value:
            changes.record(
                existing,
                action=ChangeRecord.Action.UNLINK,
                field_name="value",
                old=existing.value,
                person=person,
                household=household,
                label=label,
            )
            existing.delete()
            result = None
        elif existing:
            model_update(
                instance=existing,
                fields=["value"],
                data={"value": value},
                changes=changes,
                person=person,
                household=household,
            )
            result = existing
        elif value:
            result = PersonIdentifier.objects.create(person=person, scheme=scheme, value=value)
            changes.record(
                result,
                action=ChangeRecord.Action.CREATE,
                field_name="value",
                new=value,
                person=person,
                household=household,
                label=label,
            )
        else:
            result = None
        changes.flush()
        access.log_change(actor, [person], created=False, object_type="identifier")
    return result


# --- addresses and the postcode directory (ADR 0024) ----------------------------------------------


@dataclass
class WardReview:
    """Current addresses, in the user's scope, whose ward the postcode directory would change."""

    without_ward: int = 0  # 'Not known', and the directory knows it
    other_ward: int = 0  # a ward the directory contradicts
    changed: int = 0  # set from the directory by `address_wards_from_postcodes`

    @property
    def total(self) -> int:
        return self.without_ward + self.other_ward


def _wards_to_take(actor: Any) -> QuerySet[Address]:
    directory = PostcodeWard.objects.filter(postcode_key=OuterRef("postcode_key"))
    return (
        Address.objects.filter(
            valid_to__isnull=True, household__in=access.households_visible_to(actor).values("pk")
        )
        .annotate(directory_ward=Subquery(directory.values("ward_id")[:1]))
        .filter(directory_ward__isnull=False)
        .filter(Q(ward__isnull=True) | ~Q(ward_id=F("directory_ward")))
    )


def address_wards_review(actor: Any) -> WardReview:
    """How many current addresses of the user's families would take another ward from their
    postcode: after a (newer) postcode directory is loaded, before anything is changed."""
    access.require(actor, Capability.EDIT_PEOPLE)
    review = WardReview()
    for ward_id, n in (
        _wards_to_take(actor).values_list("ward_id").annotate(n=Count("pk")).order_by()
    ):
        if ward_id is None:
            review.without_ward += n
        else:
            review.other_ward += n
    return review


def address_wards_from_postcodes(actor: Any, *, chunk: int = 1000) -> WardReview:
    """Set the ward of the user's families' current addresses from the postcode directory (R-PEOPLE-2,
    ADR 0024): each change recorded in the family's history with the reason, and logged; a chunk of
    families a transaction, so a large run neither holds locks for long nor half-writes a family."""
    review = address_wards_review(actor)
    reason = "Ward taken from the postcode directory"
    wards = Ward.objects.in_bulk()
    while True:
        with transaction.atomic():
            batch = list(
                _wards_to_take(actor)
                .select_related("ward", "household")
                .select_for_update(of=("self",))
                .order_by("pk")[:chunk]
            )
            if not batch:
                break
            changes = ChangeSet(actor=actor, reason=reason)
            for address in batch:
                model_update(
                    instance=address,
                    fields=["ward"],
                    data={"ward": wards[address.directory_ward]},  # type: ignore[attr-defined]
                    changes=changes,
                    household=address.household,
                )
            changes.flush()
            Household.objects.filter(pk__in=[a.household_id for a in batch]).update(
                updated_at=timezone.now(), version=F("version") + 1
            )
            access.log_change(
                actor,
                list(
                    Person.objects.filter(
                        memberships__household__in=[a.household_id for a in batch]
                    )
                ),
                created=False,
                object_type="address",
            )
            review.changed += len(batch)
    return review


# --- a member's place in the family (R-PEOPLE-1) -----------------------------------------------


def membership_change(
    *,
    actor: Any,
    membership: Membership,
    role: str,
    lives_here: bool,
    left_on: date | None,
    reason: str = "",
    expected_version: int | None = None,
) -> Membership:
    """Change how someone belongs to a family: their role, whether they live at the family's
    address (a parent living apart stays a member), or the day they left it (a separation, a
    young person moving out). History keeps every change; a member who left stays on the record
    with the date, and leaves the mailing lists, eligibility and registers that count members."""
    access.require(actor, Capability.EDIT_PEOPLE)
    household = membership.household
    access.ensure_visible(actor, [membership.person])
    errs = FieldErrors()
    if role not in c.MemberRole.values:
        errs.add("role", "Choose the person's role in the household")
    if left_on is not None:
        if left_on > _today():
            errs.add("left_on", "The date they left must be today or in the past")
        elif membership.joined_on and left_on < membership.joined_on:
            errs.add(
                "left_on",
                f"They joined the family on {membership.joined_on:%d/%m/%Y}: the date they left "
                "must be after that",
            )
        lives_here = False  # someone who has left does not live there
    errs.raise_if_any()
    changes = ChangeSet(actor=actor, reason=reason)
    with transaction.atomic():
        changed = model_update(
            instance=membership,
            fields=["role", "lives_here", "left_on"],
            data={"role": role, "lives_here": lives_here, "left_on": left_on},
            changes=changes,
            person=membership.person,
            household=household,
        )
        if changed:
            _bump_household(household, expected_version, "Check the family page and save again.")
            access.log_change(actor, [membership.person], created=False, object_type="membership")
    return membership
