"""Every write of the engagement app (invariant 1): the catalogue and its rules, enrolments,
sessions, the register's ticks and walk-ins (R-ENGAGE-1..3).

Each service checks the actor's capability, validates, writes in one transaction, records the
change (core.services.ChangeSet) and, where people are touched, writes the access log. New people
(walk-ins) are registered through `people.services`, the one way a person is created.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.errors import (
    ConcurrentEdit,
    FieldErrors,
    NotFound,
    PermissionRefused,
    ValidationFailed,
)
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet, model_update
from familyhub.engagement import eligibility, rules
from familyhub.engagement.models import (
    Attendance,
    EligibilityRule,
    Enrolment,
    Service,
    Session,
    SessionSeries,
    WalkIn,
)
from familyhub.engagement.scopes import register_people, sessions_visible_to
from familyhub.people import choices as c
from familyhub.people import services as people_services
from familyhub.people import validators as v
from familyhub.people.models import Address, Household, Membership, Person
from familyhub.places.models import Organisation, Venue

# The first line of a walk-in's address until the record is completed (the door gives a postcode).
ADDRESS_TO_COMPLETE = "Address not yet recorded (walk-in)"
MAX_SERIES_WEEKS = 52


def _today() -> date:
    return timezone.localdate()


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# --- the catalogue (R-ENGAGE-1) -------------------------------------------------------------------

SERVICE_FIELDS = [
    "name",
    "code",
    "kind",
    "description",
    "provider",
    "target_outcomes",
    "capacity",
    "source",
    "consent_purpose",
    "active",
]


def _clean_service(data: Mapping[str, Any], *, existing: Service | None = None) -> dict[str, Any]:
    errs = FieldErrors()
    out = {k: data[k] for k in SERVICE_FIELDS if k in data}
    for name in ("name", "description", "target_outcomes", "source", "consent_purpose"):
        if name in out:
            out[name] = (out[name] or "").strip()
    if (not existing or "name" in out) and not out.get("name"):
        errs.add("name", "Enter the name of the service")
    if not existing and not out.get("code"):
        out["code"] = slugify(out.get("name", ""))[:60]
    if "code" in out:
        out["code"] = slugify(out["code"] or "")[:60]
        if not out["code"]:
            errs.add("code", "Enter a short code of letters, numbers and hyphens")
    if (not existing or "kind" in out) and out.get("kind") not in Service.Kind.values:
        errs.add("kind", "Choose the kind of service")
    if (not existing or "description" in out) and not out.get("description"):
        errs.add("description", "Describe what the family gets")
    if (not existing or "provider" in out) and not isinstance(out.get("provider"), Organisation):
        errs.add("provider", "Choose the organisation that provides the service")
    elif (
        "provider" in out
        and not out["provider"].active
        and out["provider"].pk != getattr(existing, "provider_id", None)
    ):
        errs.add("provider", f"{out['provider'].name} is retired: choose another organisation")
    capacity = out.get("capacity")
    if capacity is not None and (not isinstance(capacity, int) or capacity < 1):
        errs.add(
            "capacity", "Enter the capacity as a whole number of at least 1, or leave it empty"
        )
    others = Service.objects.exclude(pk=existing.pk) if existing else Service.objects.all()
    if out.get("name") and others.filter(name__iexact=out["name"]).exists():
        errs.add("name", "There is already a service with this name")
    if out.get("code") and others.filter(code=out["code"]).exists():
        errs.add("code", "There is already a service with this code")
    errs.raise_if_any()
    return out


def _set_many(
    *,
    service: Service,
    name: str,
    label: str,
    new: Iterable[Any],
    changes: ChangeSet,
) -> None:
    manager = getattr(service, name)
    old = sorted(str(o) for o in manager.all())
    new = list(new)
    if old != sorted(str(o) for o in new):
        manager.set(new)
        changes.record(
            service,
            action=ChangeRecord.Action.UPDATE,
            field_name=name,
            old=", ".join(old),
            new=", ".join(sorted(str(o) for o in new)),
            label=label,
        )


def _refuse_retired(
    chosen: dict[str, Sequence[Any] | None], service: Service | None = None
) -> None:
    """Retired organisations and venues (R-PEOPLE-4) cannot be newly named on a service; those it
    already names may stay."""
    errs = FieldErrors()
    for name, items in chosen.items():
        had = set(getattr(service, name).values_list("pk", flat=True)) if service else set()
        for item in items or ():
            if not item.active and item.pk not in had:
                errs.add(name, f"{item.name} is retired: untick it")
    errs.raise_if_any()


def service_create(
    *,
    actor: Any,
    data: Mapping[str, Any],
    delivered_by: Sequence[Organisation] = (),
    venues: Sequence[Venue] = (),
) -> Service:
    access.require(actor, Capability.MANAGE_SERVICES)
    clean = _clean_service(data)
    _refuse_retired({"delivered_by": delivered_by, "venues": venues})
    changes = ChangeSet(actor=actor)
    try:
        with transaction.atomic():
            service = Service.objects.create(**clean)
            service.delivered_by.set(delivered_by)
            service.venues.set(venues)
            changes.record(service, action=ChangeRecord.Action.CREATE, new=service.name)
            changes.flush()
    except IntegrityError:
        raise ValidationFailed("There is already a service with this name or code", field="name")
    return service


def service_update(
    *,
    actor: Any,
    service: Service,
    data: Mapping[str, Any],
    expected_version: int,
    delivered_by: Sequence[Organisation] | None = None,
    venues: Sequence[Venue] | None = None,
    reason: str = "",
) -> Service:
    access.require(actor, Capability.MANAGE_SERVICES)
    clean = _clean_service(data, existing=service)
    _refuse_retired({"delivered_by": delivered_by, "venues": venues}, service)
    changes = ChangeSet(actor=actor, reason=reason)
    with transaction.atomic():
        changed = model_update(
            instance=service,
            fields=SERVICE_FIELDS,
            data=clean,
            changes=changes,
            expected_version=expected_version,
        )
        if not changed and (delivered_by is not None or venues is not None):
            # Only the lists changed: still a new version of the record, still checked.
            bumped = Service.objects.filter(pk=service.pk, version=expected_version)
            if bumped.update(version=expected_version + 1, updated_at=timezone.now()) != 1:
                raise ConcurrentEdit(
                    "Someone else saved changes to this service while you were editing it. "
                    "Check the service and save again."
                )
            service.version = expected_version + 1
        if delivered_by is not None:
            _set_many(
                service=service,
                name="delivered_by",
                label="Delivered by",
                new=delivered_by,
                changes=changes,
            )
        if venues is not None:
            _set_many(service=service, name="venues", label="Venues", new=venues, changes=changes)
        changes.flush()
    return service


def rule_save(
    *,
    actor: Any,
    service: Service,
    conditions: Mapping[str, Any],
    note: str,
    based_on: int,
) -> EligibilityRule:
    """Write the next version of a service's eligibility rule (R-ENGAGE-2).

    `based_on` is the version the editor started from (0: the service had no rule): if someone
    saved another version since, the save is refused (ConcurrentEdit) and nothing is written. A rule
    that contradicts itself or names unknown places is refused with the reason at its field.
    """
    access.require(actor, Capability.MANAGE_SERVICES)
    note = (note or "").strip()
    parsed = rules.parse(conditions)
    names = rules.Names.load([parsed])
    rules.check_against_reference(parsed, names)
    if not note:
        raise ValidationFailed("Say why the rule is being made or changed", field="note")
    with transaction.atomic():
        Service.objects.select_for_update().filter(pk=service.pk).first()
        current = eligibility.current_rule(service)
        number = current.number if current else 0
        if number != based_on:
            raise ConcurrentEdit(
                f"Someone else saved version {number} of this rule while you were editing it. "
                "Check their version and make your change again."
            )
        if current is not None and current.conditions == parsed.as_json():
            raise ValidationFailed("The rule is unchanged: nothing to save", field="__all__")
        rule = EligibilityRule.objects.create(
            service=service,
            number=number + 1,
            conditions=parsed.as_json(),
            summary=rules.summary(parsed, names),
            note=note,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        changes = ChangeSet(actor=actor, reason=note)
        changes.record(
            rule,
            action=ChangeRecord.Action.CREATE if current is None else ChangeRecord.Action.UPDATE,
            field_name="conditions",
            old=current.summary if current else "",
            new=rule.summary,
            label=f"{service.name}: eligibility {rule.label}",
        )
        changes.flush()
    return rule


# --- enrolment (R-ENGAGE-1, R-ENGAGE-2) -------------------------------------------------------------


def _consent_refusal(service: Service, person: Person) -> str:
    """'' if the person may be enrolled as far as consent goes; else the reason (privacy.policy)."""
    if not service.consent_purpose:
        return ""
    from familyhub.privacy import policy

    try:
        decision = policy.decide(person, service.consent_purpose)
    except NotFound:
        return (
            f"{service.name} needs consent for the purpose '{service.consent_purpose}', "
            "which is not in the purposes register."
        )
    if decision.allowed:
        return ""
    return f"{service.name} needs consent for its purpose: {decision.reason}"


def enrolment_create(
    *,
    actor: Any,
    household: Household,
    person: Person,
    service: Service,
    started_on: date | None = None,
    worker: Any = None,
    organisation: Organisation | None = None,
    override_reason: str = "",
) -> Enrolment:
    """Enrol a member of a family (fetched through the access helpers) in a service.

    The family's eligibility is decided and kept with the enrolment. A family that is not eligible
    is refused with the decision's reasons, unless a manager (MANAGE_SERVICES) gives a reason to
    override it, which is recorded. Consent that the service needs (privacy.policy) is never
    overridden.
    """
    access.require(actor, Capability.EDIT_PEOPLE)
    access.ensure_visible(actor, [person])
    errs = FieldErrors()
    started_on = started_on or _today()
    override_reason = (override_reason or "").strip()
    if not service.active:
        errs.add("service", f"{service.name} is no longer offered")
    if started_on > _today():
        errs.add("started_on", "The start date must be today or in the past")
    member = next(
        (m for m in household.memberships.all() if m.person_id == person.pk and m.left_on is None),
        None,
    )
    if member is None:
        errs.add("person", "Choose someone who is a member of this family")
    from familyhub.privacy import policy

    for reason in policy.restricted([person]).values():  # R-RIGHTS-5: kept but not used
        errs.add("person", f"{person.display_name}: {reason}")
    errs.raise_if_any()
    refusal = _consent_refusal(service, person)
    if refusal:
        raise ValidationFailed(refusal, field="service")
    decided = eligibility.decide_for_household(service, household, on=started_on)
    decision = decided.decision
    overridden = False
    if not decision.eligible:
        if not override_reason:
            raise ValidationFailed(
                f"{person.display_name} cannot be enrolled in {service.name}: "
                f"{decision.explanation}",
                field="service",
            )
        if not access.can(actor, Capability.MANAGE_SERVICES):
            raise PermissionRefused("Only a team manager can enrol a family that is not eligible.")
        overridden = True
    if organisation is None and decision.serving:
        organisation = (
            Organisation.objects.filter(name__in=decision.serving)
            .filter(pk__in=service.delivered_by.values("pk"))
            .order_by("name")
            .first()
        )
    changes = ChangeSet(actor=actor, reason=override_reason)
    try:
        with transaction.atomic():
            if Enrolment.objects.filter(
                person=person, service=service, ended_on__isnull=True
            ).exists():
                raise ValidationFailed(
                    f"{person.display_name} is already enrolled in {service.name}",
                    field="service",
                )
            enrolment = Enrolment.objects.create(
                person=person,
                household=household,
                service=service,
                organisation=organisation,
                worker=worker or (actor if getattr(actor, "pk", None) else None),
                started_on=started_on,
                rule=decided.rule,
                eligible=decision.eligible,
                decision=decision.explanation,
                override_reason=override_reason if overridden else "",
                overridden_by=actor if overridden else None,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            text = f"Enrolled in {service.name} from {_d(started_on)}"
            if overridden:
                text += f" (not eligible, overridden: {override_reason})"
            changes.record(
                enrolment,
                action=ChangeRecord.Action.CREATE,
                new=text,
                person=person,
                household=household,
                label=f"{service.name} enrolment",
            )
            changes.flush()
            access.log_change(actor, [person], created=True, object_type="enrolment")
    except IntegrityError:
        raise ValidationFailed(
            f"{person.display_name} is already enrolled in {service.name}", field="service"
        )
    return enrolment


def enrolment_end(
    *,
    actor: Any,
    enrolment: Enrolment,
    ended_on: date | None = None,
    reason: str = "",
) -> Enrolment:
    access.require(actor, Capability.EDIT_PEOPLE)
    access.ensure_visible(actor, [enrolment.person])
    ended_on = ended_on or _today()
    reason = (reason or "").strip()
    if enrolment.ended_on is not None:
        raise ValidationFailed("This enrolment has already ended", field="enrolment")
    if ended_on < enrolment.started_on:
        raise ValidationFailed(
            f"The end date must be on or after the start ({_d(enrolment.started_on)})",
            field="ended_on",
        )
    if ended_on > _today():
        raise ValidationFailed("The end date must be today or in the past", field="ended_on")
    if not reason:
        raise ValidationFailed("Say why the service ended", field="reason")
    changes = ChangeSet(actor=actor, reason=reason)
    with transaction.atomic():
        model_update(
            instance=enrolment,
            fields=["ended_on", "end_reason"],
            data={"ended_on": ended_on, "end_reason": reason},
            changes=changes,
            person=enrolment.person,
            household=enrolment.household,
        )
        access.log_change(actor, [enrolment.person], created=False, object_type="enrolment")
    return enrolment


# --- sessions (R-ENGAGE-3) ----------------------------------------------------------------------------

SESSION_FIELDS = [
    "service",
    "title",
    "date",
    "start_time",
    "end_time",
    "venue",
    "ward",
    "organisation",
    "capacity",
]


def _actor_orgs(actor: Any) -> list[int]:
    return actor.organisation_ids_with(Capability.EDIT_PEOPLE)


def _clean_session(
    actor: Any, data: Mapping[str, Any], *, existing: Session | None = None
) -> dict[str, Any]:
    errs = FieldErrors()
    out = {k: data[k] for k in SESSION_FIELDS if k in data}
    merged = {k: getattr(existing, k) for k in SESSION_FIELDS} if existing else {}
    merged.update(out)
    service = merged.get("service")
    if not isinstance(service, Service):
        errs.add("service", "Choose the service the session belongs to")
    elif not service.active and (existing is None or "service" in out):
        errs.add("service", f"{service.name} is no longer offered")
    title = (merged.get("title") or "").strip()
    if not title and isinstance(service, Service):
        title = service.name
    out["title"] = title
    if not title:
        errs.add("title", "Enter the activity")
    if not isinstance(merged.get("date"), date):
        errs.add("date", "Enter the date of the session, like 27/3/2026")
    start, end = merged.get("start_time"), merged.get("end_time")
    if not isinstance(start, time):
        errs.add("start_time", "Enter the start time, like 10:00")
    if not isinstance(end, time):
        errs.add("end_time", "Enter the end time, like 11:30")
    if isinstance(start, time) and isinstance(end, time) and end <= start:
        errs.add("end_time", "The session must end after it starts")
    org = merged.get("organisation")
    if not isinstance(org, Organisation):
        errs.add("organisation", "Choose the organisation running the session")
    elif (existing is None or "organisation" in out) and org.pk not in _actor_orgs(actor):
        errs.add("organisation", "You can only plan sessions for an organisation you work for")
    venue = merged.get("venue")
    if venue is not None and not venue.active and venue.pk != getattr(existing, "venue_id", None):
        errs.add("venue", f"{venue.name} is retired: choose another venue")
    if venue is not None and "ward" not in data and (existing is None or "venue" in out):
        out["ward"] = venue.ward
    capacity = merged.get("capacity")
    if capacity is not None and (not isinstance(capacity, int) or capacity < 1):
        errs.add("capacity", "Enter the number of places as a whole number, or leave it empty")
    errs.raise_if_any()
    return out


def session_create(
    *,
    actor: Any,
    data: Mapping[str, Any],
    workers: Sequence[Any] = (),
    weeks: int = 1,
) -> list[Session]:
    """One session, or a weekly series of `weeks` sessions (R-ENGAGE-3)."""
    access.require(actor, Capability.EDIT_PEOPLE)
    if not isinstance(weeks, int) or weeks < 1 or weeks > MAX_SERIES_WEEKS:
        raise ValidationFailed(
            f"Enter the number of weeks, from 1 to {MAX_SERIES_WEEKS}", field="weeks"
        )
    clean = _clean_session(actor, data)
    changes = ChangeSet(actor=actor)
    me = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        series = None
        if weeks > 1:
            series = SessionSeries.objects.create(
                service=clean["service"],
                title=clean["title"],
                organisation=clean["organisation"],
                first_date=clean["date"],
                weeks=weeks,
                start_time=clean["start_time"],
                end_time=clean["end_time"],
                created_by=me,
            )
        sessions = []
        for week in range(weeks):
            session = Session.objects.create(
                **{**clean, "date": clean["date"] + timedelta(weeks=week)},
                series=series,
                created_by=me,
            )
            session.workers.set(workers)
            changes.record(session, action=ChangeRecord.Action.CREATE, new=str(session))
            sessions.append(session)
        changes.flush()
    return sessions


def _visible_session(actor: Any, session: Session) -> None:
    if not sessions_visible_to(actor).filter(pk=session.pk).exists():
        raise NotFound(access.NOT_FOUND)


def session_update(
    *,
    actor: Any,
    session: Session,
    data: Mapping[str, Any],
    expected_version: int,
    workers: Sequence[Any] | None = None,
    reason: str = "",
) -> Session:
    access.require(actor, Capability.EDIT_PEOPLE)
    _visible_session(actor, session)
    clean = _clean_session(actor, data, existing=session)
    changes = ChangeSet(actor=actor, reason=reason)
    with transaction.atomic():
        changed = model_update(
            instance=session,
            fields=SESSION_FIELDS,
            data=clean,
            changes=changes,
            expected_version=expected_version,
        )
        if workers is not None:
            old = sorted(str(u) for u in session.workers.all())
            if old != sorted(str(u) for u in workers):
                if not changed:
                    bumped = Session.objects.filter(pk=session.pk, version=expected_version)
                    if bumped.update(version=expected_version + 1) != 1:
                        raise ConcurrentEdit(
                            "Someone else changed this session while you were editing it."
                        )
                    session.version = expected_version + 1
                session.workers.set(workers)
                changes.record(
                    session,
                    action=ChangeRecord.Action.UPDATE,
                    field_name="workers",
                    old=", ".join(old),
                    new=", ".join(sorted(str(u) for u in workers)),
                )
        changes.flush()
    return session


def session_cancel(*, actor: Any, session: Session, reason: str) -> Session:
    access.require(actor, Capability.EDIT_PEOPLE)
    _visible_session(actor, session)
    reason = (reason or "").strip()
    if session.cancelled_at is not None:
        raise ValidationFailed("This session is already cancelled", field="reason")
    if not reason:
        raise ValidationFailed("Say why the session is cancelled", field="reason")
    if Attendance.objects.filter(session=session, present=True).exists():
        raise ValidationFailed(
            "People are marked as attending this session: untick them before cancelling it",
            field="reason",
        )
    changes = ChangeSet(actor=actor, reason=reason)
    with transaction.atomic():
        model_update(
            instance=session,
            fields=["cancelled_at", "cancel_reason"],
            data={"cancelled_at": timezone.now(), "cancel_reason": reason},
            changes=changes,
            expected_version=session.version,
        )
    return session


# --- the register: ticks and walk-ins (R-ENGAGE-3) ---------------------------------------------------

WALK_IN_PREFIX = "walkin:"


@dataclass(frozen=True)
class Tick:
    """One tick or untick made on the register page; `person` is a person's uuid, or
    'walkin:<id>' for someone added at the door in the same sitting."""

    id: uuid.UUID
    person: str
    present: bool
    at: datetime


@dataclass(frozen=True)
class WalkInEntry:
    """Someone not yet registered, with the minimum details (ticked present when added)."""

    id: uuid.UUID
    given_name: str
    family_name: str
    adult: bool
    date_of_birth: date | None
    unborn: bool
    expected_date_of_delivery: date | None
    postcode: str
    at: datetime
    family_of: uuid.UUID | None = None  # another walk-in of the same family


@dataclass
class EntryResult:
    id: str
    saved: bool
    message: str = ""
    person: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": "saved" if self.saved else "refused",
            "message": self.message,
            "person": self.person,
            "errors": self.errors,
        }


def register_refusal(session: Session, now: datetime | None = None) -> str:
    """Why attendance cannot be taken for this session now, or ''."""
    now = now or timezone.now()
    if session.cancelled_at is not None:
        return f"{session.title} on {_d(session.date)} was cancelled: no attendance can be taken."
    if not session.has_started(now):
        opens = timezone.localtime(session.register_opens_at)
        return (
            f"{session.title} on {_d(session.date)} has not happened yet: attendance can be "
            f"taken from {opens:%H:%M} on {_d(opens.date())}, when the doors open."
        )
    return ""


def _is_child(person: Person, child_ids: set[int], on: date) -> bool:
    if person.is_unborn or person.pk in child_ids:
        return True
    age = person.age_on(on)
    return age is not None and age < 18


def register_apply(
    *, actor: Any, session: Session, entries: Sequence[Tick | WalkInEntry]
) -> list[EntryResult]:
    """Save what the register page sent, in order, each entry on its own (R-ENGAGE-3).

    Idempotent: an entry sent again is recognised by its id and changes nothing; an older tick
    arriving after a newer one for the same person is ignored (the newer one stands). Every entry
    gets an answer: saved, or refused with the reason (nothing is silently dropped).
    """
    access.require(actor, Capability.EDIT_PEOPLE)
    _visible_session(actor, session)
    refusal = register_refusal(session)
    if refusal:
        return [EntryResult(str(e.id), False, refusal) for e in entries]
    now = timezone.now()
    refs = {
        e.person for e in entries if isinstance(e, Tick) and not e.person.startswith(WALK_IN_PREFIX)
    }
    people = {str(p.uuid): p for p in register_people(actor).filter(uuid__in=_uuids(refs))}
    from familyhub.privacy import policy

    restricted = policy.restricted(list(people.values()))  # R-RIGHTS-5: no new attendance
    child_ids = set(
        Membership.objects.filter(
            person__in=list(people.values()), role=c.MemberRole.CHILD
        ).values_list("person_id", flat=True)
    )
    touched: dict[int, Person] = {}
    results: list[EntryResult] = []
    for entry in entries:
        try:
            with transaction.atomic():
                if isinstance(entry, WalkInEntry):
                    result, person = _walk_in(actor, session, entry, now)
                else:
                    result, person = _tick(
                        actor, session, entry, people, child_ids, now, restricted
                    )
        except ValidationFailed as e:
            results.append(EntryResult(str(entry.id), False, e.message, errors=e.errors))
            continue
        except NotFound:
            results.append(
                EntryResult(
                    str(entry.id),
                    False,
                    "This person was not found, or is not someone you can register at this "
                    "session.",
                )
            )
            continue
        except IntegrityError:
            results.append(
                EntryResult(str(entry.id), False, "This entry's id was already used for another.")
            )
            continue
        results.append(result)
        if person is not None:
            touched[person.pk] = person
    if touched:
        access.log_change(actor, list(touched.values()), created=False, object_type="attendance")
    return results


def _uuids(values: Iterable[str]) -> list[uuid.UUID]:
    out = []
    for value in values:
        try:
            out.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return out


def _when(at: datetime, now: datetime) -> datetime:
    """The tick's own time, but never in the future (a tablet's clock may run fast)."""
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    return min(at, now)


def _attendance_text(session: Session, present: bool) -> str:
    venue = f", {session.venue.name}" if session.venue is not None else ""
    verb = "Attended" if present else "Not at"
    return f"{verb} {session.title}{venue} on {_d(session.date)}"


def _record_attendance(
    actor: Any, session: Session, attendance: Attendance, person: Person, present: bool
) -> None:
    changes = ChangeSet(actor=actor)
    changes.record(
        attendance,
        action=ChangeRecord.Action.UPDATE,
        field_name="present",
        old="" if present else "Yes",
        new="Yes" if present else "No",
        person=person,
        label=_attendance_text(session, present),
    )
    changes.flush()


def _tick(
    actor: Any,
    session: Session,
    tick: Tick,
    people: dict[str, Person],
    child_ids: set[int],
    now: datetime,
    restricted: dict[int, str],
) -> tuple[EntryResult, Person | None]:
    if tick.person.startswith(WALK_IN_PREFIX):
        walk_in = (
            WalkIn.objects.select_related("person")
            .filter(session=session, client_id__in=_uuids([tick.person[len(WALK_IN_PREFIX) :]]))
            .first()
        )
        if walk_in is None:
            raise ValidationFailed(
                "This tick is for someone added at the door whose details have not arrived: "
                "add them again"
            )
        person = walk_in.person
    else:
        found = people.get(tick.person)
        if found is None:
            raise NotFound(access.NOT_FOUND)
        person = found
        if tick.present and person.pk in restricted:  # unticking a mistake stays allowed
            raise ValidationFailed(f"{person.display_name}: {restricted[person.pk]}")
    at = _when(tick.at, now)
    attendance = (
        Attendance.objects.select_for_update().filter(session=session, person=person).first()
    )
    me = actor if getattr(actor, "pk", None) else None
    if attendance is None:
        attendance = Attendance.objects.create(
            session=session,
            person=person,
            present=tick.present,
            as_child=_is_child(person, child_ids, session.date),
            client_id=tick.id,
            client_at=at,
            recorded_by=me,
            recorded_at=now,
        )
        if tick.present:
            _record_attendance(actor, session, attendance, person, True)
        return EntryResult(str(tick.id), True, person=str(person.uuid)), person
    if attendance.client_id == tick.id or at <= attendance.client_at:
        # Sent again, or overtaken by a later tick for the same person: nothing changes.
        return EntryResult(str(tick.id), True, "already saved", person=str(person.uuid)), None
    changed = attendance.present != tick.present
    Attendance.objects.filter(pk=attendance.pk).update(
        present=tick.present, client_id=tick.id, client_at=at, recorded_by=me, recorded_at=now
    )
    if changed:
        _record_attendance(actor, session, attendance, person, tick.present)
    return EntryResult(str(tick.id), True, person=str(person.uuid)), person if changed else None


def _walk_in_errors(e: ValidationFailed) -> dict[str, list[str]]:
    """The people services name fields 'members-0-date_of_birth' or 'address_postcode'."""
    out: dict[str, list[str]] = {}
    for key, messages in e.errors.items():
        name = key.split("-")[-1].removeprefix("address_")
        out.setdefault(name, []).extend(messages)
    return out


def _walk_in(
    actor: Any, session: Session, entry: WalkInEntry, now: datetime
) -> tuple[EntryResult, Person | None]:
    existing = WalkIn.objects.select_related("person").filter(client_id=entry.id).first()
    if existing is not None:
        if existing.session_id != session.pk:
            raise ValidationFailed("This walk-in was added at another session")
        return EntryResult(
            str(entry.id), True, "already saved", person=str(existing.person.uuid)
        ), None
    errs = FieldErrors()
    given, family = (entry.given_name or "").strip(), (entry.family_name or "").strip()
    if not family:
        errs.add("family_name", "Enter a last name")
    if not given and not entry.unborn:
        errs.add("given_name", "Enter a first name")
    if entry.unborn and entry.adult:
        errs.add("unborn", "An unborn baby is added as a child")
    if not entry.adult and not entry.unborn and entry.date_of_birth is None:
        errs.add("date_of_birth", "Enter the child's date of birth, or tick 'not born yet'")
    try:
        postcode = v.normalise_postcode(entry.postcode)
    except v.InvalidValue as e:
        errs.add("postcode", str(e))
        postcode = ""
    family_household = None
    if entry.family_of is not None:
        first = WalkIn.objects.filter(client_id=entry.family_of, session=session).first()
        if first is None:
            errs.add("family_of", "The family member added earlier has not been saved yet")
        elif not access.households_visible_to(actor).filter(pk=first.household_id).exists():
            # Added by a worker of another organisation: their family is not in this one's scope.
            errs.add("family_of", "Add them as a new family: that family is not one you work with")
        else:
            family_household = first.household
    errs.raise_if_any()
    data: dict[str, Any] = {"given_name": given, "family_name": family}
    if entry.unborn:
        data.update(is_unborn=True, expected_date_of_delivery=entry.expected_date_of_delivery)
    else:
        data["date_of_birth"] = entry.date_of_birth
    role = c.MemberRole.PARENT_CARER if entry.adult else c.MemberRole.CHILD
    member = people_services.MemberSpec(role=role, data=data)
    try:
        if family_household is not None:
            person = people_services.person_add_to_household(
                actor=actor, household=family_household, member=member
            )
            household = family_household
        else:
            household = people_services.household_register(
                actor=actor,
                name=f"{family} family",
                address={"line1": ADDRESS_TO_COMPLETE, "postcode": postcode},
                members=[member],
            )
            person = household.memberships.get().person
    except ValidationFailed as e:
        errors = _walk_in_errors(e)
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    walk_in = WalkIn.objects.create(
        client_id=entry.id,
        session=session,
        person=person,
        household=household,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    attendance = Attendance.objects.create(
        session=session,
        person=person,
        present=True,
        as_child=not entry.adult,
        client_id=uuid.uuid4(),
        client_at=_when(entry.at, now),
        recorded_by=walk_in.created_by,
        recorded_at=now,
    )
    _record_attendance(actor, session, attendance, person, True)
    return EntryResult(str(entry.id), True, person=str(person.uuid)), person


def walk_in_missing(walk_in: WalkIn, address: Address | None) -> list[str]:
    """What is still missing from a walk-in's record (empty: it can be marked complete)."""
    missing = []
    if address is None or address.line1 == ADDRESS_TO_COMPLETE or not address.line1:
        missing.append("the address")
    if address is None or address.ward_id is None:
        missing.append("the ward")
    person = walk_in.person
    if not person.is_unborn and person.date_of_birth is None:
        missing.append("the date of birth")
    return missing


ADDRESS_EDIT_FIELDS = ["line1", "line2", "town", "postcode", "postcode_key", "ward"]


def walk_in_complete(
    *,
    actor: Any,
    walk_in: WalkIn,
    household: Household,
    address: Mapping[str, Any],
    person_data: Mapping[str, Any],
    expected_version: int,
) -> WalkIn:
    """Complete the record of someone added at the door: the family's address (replacing the
    placeholder in place: it was never an address) and the person's details, then take them off
    the 'to complete' list. `household` comes from the access helpers (scope checked, logged)."""
    access.require(actor, Capability.EDIT_PEOPLE)
    if walk_in.household_id != household.pk:
        raise NotFound(access.NOT_FOUND)
    if walk_in.completed_at is not None:
        raise ValidationFailed("This record was already completed", field="__all__")
    person = walk_in.person
    access.ensure_visible(actor, [person])
    problems: dict[str, list[str]] = {}
    try:
        clean_address = people_services.clean_address(address, prefix="")
    except ValidationFailed as e:
        problems.update(e.errors)
        clean_address = {}
    # The ward is chosen, or taken from the postcode directory (ADR 0024).
    if not (clean_address.get("ward") or address.get("ward")):
        problems.setdefault("ward", []).append("Choose the ward the family lives in")
    if problems:
        raise ValidationFailed.from_errors(problems)
    changes = ChangeSet(actor=actor, reason="Walk-in record completed")
    with transaction.atomic():
        current = (
            Address.objects.select_for_update()
            .filter(household=household, valid_to__isnull=True)
            .first()
        )
        if current is None:
            raise ValidationFailed("The family has no current address", field="line1")
        model_update(
            instance=current,
            fields=ADDRESS_EDIT_FIELDS,
            data={k: clean_address[k] for k in ADDRESS_EDIT_FIELDS if k in clean_address},
            changes=changes,
            household=household,
        )
        if person_data:
            people_services.person_update(
                actor=actor,
                person=person,
                data=person_data,
                expected_version=expected_version,
                reason="Walk-in record completed",
                household=household,
            )
            person.refresh_from_db()
        walk_in.person = person
        missing = walk_in_missing(walk_in, Address.objects.get(pk=current.pk))
        if missing:
            raise ValidationFailed("Still missing: " + ", ".join(missing), field="__all__")
        updated = WalkIn.objects.filter(pk=walk_in.pk, completed_at__isnull=True).update(
            completed_at=timezone.now(),
            completed_by=actor if getattr(actor, "pk", None) else None,
        )
        if updated != 1:
            raise ConcurrentEdit("Someone else completed this record at the same time.")
        changes.flush()
        access.log_change(actor, [person], created=False, object_type="walk_in")
    walk_in.refresh_from_db()
    return walk_in
