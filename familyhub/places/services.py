"""Every write of the places reference data (R-PEOPLE-4, ADR 0026): administrators add partner
organisations and say which wards each serves, add teams and venues, put wards into areas, and
retire what is no longer used.

Each service checks the actor may manage reference data, validates (every problem at its field,
all at once), writes in one transaction and records the change with who, when, the old and the new
value and why (`core.services.ChangeSet`, as for every other record). Nothing is deleted: a retired
organisation, team or venue keeps its row and stays on the records that name it, but forms offer
it no more. Retiring is refused, naming what still depends on it, while staff hold roles there,
families are allocated to it or sessions are planned there (`places.selectors.*_blockers`).

The wards an organisation serves are read live by the eligibility rules (R-ENGAGE-2): changing
them here changes at once which partner serves a family and who is eligible for what.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.errors import ConcurrentEdit, FieldErrors, PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet, model_update
from familyhub.people import validators
from familyhub.places import selectors
from familyhub.places.models import Area, Organisation, Team, Venue, Ward
from familyhub.places.postcodes import ward_for_postcode_key

MANAGE = Capability.MANAGE_REFERENCE
# NHS Organisation Data Service codes: 3 to 10 capital letters and digits (a trust RX1, a site
# RX1AB, a GP practice A81001, a voluntary organisation 8JX12); spaces are ignored.
ODS_CODE = re.compile(r"^[A-Z0-9]{3,10}$")
ORGANISATION_FIELDS = ["name", "kind", "ods_code"]
TEAM_FIELDS = ["name", "area"]
VENUE_FIELDS = ["name", "organisation", "ward", "address", "postcode"]
STALE = (
    "Someone else saved changes to this {what} while you were editing it. Their changes are "
    "shown below; your typed values are kept in the form. Check them and save again."
)


def _require(actor: Any) -> None:
    if not access.can(actor, MANAGE):
        raise PermissionRefused("Your role does not include managing organisations and places.")


def _words(value: Any) -> str:
    return " ".join(str(value or "").split())


def _reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(message, field="reason")
    return reason[:300]


def _ward_names(wards: Iterable[Ward]) -> str:
    return ", ".join(sorted(w.name for w in wards))


def _bump(instance: Any, expected_version: int, what: str) -> None:
    """A new version of the record when only its many-to-many list changed (still checked)."""
    model = type(instance)
    bumped = model._default_manager.filter(pk=instance.pk, version=expected_version).update(
        version=expected_version + 1, updated_at=timezone.now()
    )
    if bumped != 1:
        raise ConcurrentEdit(STALE.format(what=what))
    instance.version = expected_version + 1


def _set_active(instance: Model, active: bool, changes: ChangeSet) -> None:
    """Retire (False) or reinstate (True), as a new version of the record, recorded."""
    model_update(
        instance=instance,
        fields=["active"],
        data={"active": active},
        changes=changes,
        expected_version=instance.version,  # type: ignore[attr-defined]
    )


def _lock(instance: Model) -> None:
    """Lock the row until the transaction ends and read it afresh: a second retire waits for the
    first, then sees its result."""
    type(instance)._default_manager.select_for_update().filter(pk=instance.pk).first()
    instance.refresh_from_db()


def _refuse_if_blocked(name: str, blockers: list[selectors.Blocker]) -> None:
    if blockers:
        texts = [b.text for b in blockers]
        raise ValidationFailed(
            f"{name} cannot be retired yet: {'; '.join(texts)}.", errors={"__all__": texts}
        )


# --- organisations ------------------------------------------------------------------------------


Placed = TypeVar("Placed", Organisation, Team, Venue)


def _set_status(
    actor: Any,
    record: Placed,
    *,
    active: bool,
    reason: str,
    why: str,
    blockers: Callable[[Any], list[selectors.Blocker]] | None = None,
    before: Callable[[], None] | None = None,
    after: Callable[[ChangeSet], None] | None = None,
) -> Placed:
    """Retire a record or bring it back into use, with the reason (`why` asks for it), in one
    transaction on the locked row: refused if it is already so, if `before` refuses, or while
    `blockers` names what still depends on it; `after` does more under the same change set."""
    _require(actor)
    reason = _reason(reason, why)
    with transaction.atomic():
        _lock(record)
        if record.active == active:
            state = "in use" if active else "retired"
            raise ValidationFailed(f"{record.name} is already {state}.")
        if before is not None:
            before()
        if blockers is not None:
            _refuse_if_blocked(record.name, blockers(record))
        changes = ChangeSet(actor=actor, reason=reason)
        _set_active(record, active, changes)
        if after is not None:
            after(changes)
    return record


def _clean_organisation(
    data: Mapping[str, Any], *, existing: Organisation | None
) -> dict[str, Any]:
    errs = FieldErrors()
    others = Organisation.objects.exclude(pk=existing.pk) if existing else Organisation.objects
    name = _words(data.get("name"))
    if not name:
        errs.add("name", "Enter the organisation's name")
    elif len(name) > 150:
        errs.add("name", "The name must be 150 characters or fewer")
    else:
        same = others.filter(name__iexact=name).first()
        if same is not None:
            retired = (
                " (retired: reinstate it rather than adding it again)" if not same.active else ""
            )
            errs.add("name", f"There is already an organisation called {same.name}{retired}")
    kind = data.get("kind") or ""
    if kind not in Organisation.Kind.values:
        errs.add("kind", "Choose what kind of organisation it is")
    ods = re.sub(r"\s+", "", str(data.get("ods_code") or "")).upper()
    if ods and not ODS_CODE.match(ods):
        errs.add(
            "ods_code",
            "Enter the ODS code as 3 to 10 letters and numbers, like RX1 or A81001, "
            "or leave it empty",
        )
    elif ods:
        same = others.filter(ods_code__iexact=ods).first()
        if same is not None:
            errs.add("ods_code", f"{same.name} already has the ODS code {ods}")
    errs.raise_if_any()
    return {"name": name, "kind": kind, "ods_code": ods}


def _org_summary(org: Organisation, wards: Iterable[Ward]) -> str:
    parts = [org.get_kind_display()]
    if org.ods_code:
        parts.append(f"ODS code {org.ods_code}")
    names = _ward_names(wards)
    parts.append(f"serves {names}" if names else "serves no ward")
    return "; ".join(parts)


def organisation_create(
    *, actor: Any, data: Mapping[str, Any], served_wards: Iterable[Ward] = ()
) -> Organisation:
    """Add an organisation (a delivery partner, say) with the wards in which it serves families."""
    _require(actor)
    clean = _clean_organisation(data, existing=None)
    wards = list(served_wards)
    changes = ChangeSet(actor=actor)
    try:
        with transaction.atomic():
            org = Organisation.objects.create(**clean)
            org.served_wards.set(wards)
            changes.record(org, action=ChangeRecord.Action.CREATE, new=_org_summary(org, wards))
            changes.flush()
    except IntegrityError:
        raise ValidationFailed(
            f"There is already an organisation called {clean['name']}", field="name"
        )
    return org


def organisation_update(
    *,
    actor: Any,
    organisation: Organisation,
    data: Mapping[str, Any],
    expected_version: int,
    served_wards: Iterable[Ward] | None = None,
    reason: str = "",
) -> Organisation:
    """Change an organisation's details and the wards it serves. A stale edit (someone saved since
    `expected_version` was read) is refused and writes nothing."""
    _require(actor)
    clean = _clean_organisation(data, existing=organisation)
    changes = ChangeSet(actor=actor, reason=(reason or "").strip())
    try:
        with transaction.atomic():
            changed = model_update(
                instance=organisation,
                fields=ORGANISATION_FIELDS,
                data=clean,
                changes=changes,
                expected_version=expected_version,
            )
            if served_wards is not None:
                wards = list(served_wards)
                old = list(organisation.served_wards.all())
                if {w.pk for w in old} != {w.pk for w in wards}:
                    if not changed:
                        _bump(organisation, expected_version, "organisation")
                    organisation.served_wards.set(wards)
                    changes.record(
                        organisation,
                        action=ChangeRecord.Action.UPDATE,
                        field_name="served_wards",
                        old=_ward_names(old),
                        new=_ward_names(wards),
                    )
                    changes.flush()
    except IntegrityError:
        raise ValidationFailed(
            f"There is already an organisation called {clean['name']}", field="name"
        )
    return organisation


def organisation_retire(*, actor: Any, organisation: Organisation, reason: str) -> Organisation:
    """Retire an organisation: it stays on every record that names it, and its teams retire with
    it, but no form offers it and it serves no ward for eligibility. Refused, naming what blocks
    it, while staff hold roles there, families are allocated to it, referrals wait for it,
    it provides a service in the catalogue or runs planned sessions."""

    def teams_too(changes: ChangeSet) -> None:
        for team in Team.objects.filter(organisation=organisation, active=True):
            _set_active(team, False, changes)

    return _set_status(
        actor,
        organisation,
        active=False,
        reason=reason,
        why="Say why it is retired (for example, the contract ended on 31/3)",
        blockers=selectors.organisation_blockers,
        after=teams_too,
    )


def organisation_reinstate(*, actor: Any, organisation: Organisation, reason: str) -> Organisation:
    """Bring a retired organisation back into use (its teams stay retired until reinstated)."""
    return _set_status(
        actor, organisation, active=True, reason=reason, why="Say why it is back in use"
    )


# --- teams ----------------------------------------------------------------------------------------------


def _clean_team(
    data: Mapping[str, Any], *, organisation: Organisation, existing: Team | None
) -> dict[str, Any]:
    errs = FieldErrors()
    name = _words(data.get("name"))
    if not name:
        errs.add("name", "Enter the team's name")
    elif len(name) > 150:
        errs.add("name", "The name must be 150 characters or fewer")
    else:
        same = Team.objects.filter(organisation=organisation, name__iexact=name)
        if existing is not None:
            same = same.exclude(pk=existing.pk)
        if same.exists():
            errs.add("name", f"{organisation.name} already has a team called {name}")
    area = data.get("area")
    if area is not None and not isinstance(area, Area):
        errs.add("area", "Choose an area, or 'No area'")
    errs.raise_if_any()
    return {"name": name, "area": area}


def _team_summary(team: Team) -> str:
    return f"{team.name}, {team.organisation.name}" + (f"; area {team.area}" if team.area else "")


def team_create(*, actor: Any, organisation: Organisation, data: Mapping[str, Any]) -> Team:
    _require(actor)
    if not organisation.active:
        raise ValidationFailed(
            f"{organisation.name} is retired: reinstate it before adding teams", field="name"
        )
    clean = _clean_team(data, organisation=organisation, existing=None)
    changes = ChangeSet(actor=actor)
    try:
        with transaction.atomic():
            team = Team.objects.create(organisation=organisation, **clean)
            changes.record(team, action=ChangeRecord.Action.CREATE, new=_team_summary(team))
            changes.flush()
    except IntegrityError:
        raise ValidationFailed(
            f"{organisation.name} already has a team called {clean['name']}", field="name"
        )
    return team


def team_update(
    *, actor: Any, team: Team, data: Mapping[str, Any], expected_version: int, reason: str = ""
) -> Team:
    """Rename a team or change its area (a team stays with its organisation: staff roles and
    allocations name both)."""
    _require(actor)
    clean = _clean_team(data, organisation=team.organisation, existing=team)
    changes = ChangeSet(actor=actor, reason=(reason or "").strip())
    try:
        with transaction.atomic():
            model_update(
                instance=team,
                fields=TEAM_FIELDS,
                data=clean,
                changes=changes,
                expected_version=expected_version,
            )
    except IntegrityError:
        raise ValidationFailed(
            f"{team.organisation.name} already has a team called {clean['name']}", field="name"
        )
    return team


def team_retire(*, actor: Any, team: Team, reason: str) -> Team:
    """Retire a team; refused while staff hold roles in it or families are allocated to it."""
    return _set_status(
        actor,
        team,
        active=False,
        reason=reason,
        why="Say why the team is retired (for example, merged into another)",
        blockers=selectors.team_blockers,
    )


def team_reinstate(*, actor: Any, team: Team, reason: str) -> Team:
    def organisation_in_use() -> None:
        if not Organisation.objects.filter(pk=team.organisation_id, active=True).exists():
            raise ValidationFailed(
                f"{team.organisation.name} is retired: reinstate the organisation first"
            )

    return _set_status(
        actor,
        team,
        active=True,
        reason=reason,
        why="Say why the team is back in use",
        before=organisation_in_use,
    )


# --- venues ---------------------------------------------------------------------------------------------


def _clean_venue(data: Mapping[str, Any], *, existing: Venue | None) -> dict[str, Any]:
    errs = FieldErrors()
    out: dict[str, Any] = {
        "name": _words(data.get("name")),
        "address": _words(data.get("address")),
        "postcode": "",
        "organisation": data.get("organisation"),
        "ward": data.get("ward"),
    }
    name = out["name"]
    if not name:
        errs.add("name", "Enter the venue's name")
    elif len(name) > 150:
        errs.add("name", "The name must be 150 characters or fewer")
    else:
        same = Venue.objects.filter(name__iexact=name)
        if existing is not None:
            same = same.exclude(pk=existing.pk)
        found = same.first()
        if found is not None:
            retired = (
                " (retired: reinstate it rather than adding it again)" if not found.active else ""
            )
            errs.add("name", f"There is already a venue called {found.name}{retired}")
    if len(out["address"]) > 250:
        errs.add("address", "The address must be 250 characters or fewer")
    org = out["organisation"]
    if org is not None:
        if not isinstance(org, Organisation):
            errs.add("organisation", "Choose the organisation, or 'None'")
        elif not org.active and (existing is None or existing.organisation_id != org.pk):
            errs.add("organisation", f"{org.name} is retired")
    if str(data.get("postcode") or "").strip():
        try:
            out["postcode"] = validators.normalise_postcode(str(data["postcode"]))
        except validators.InvalidValue as e:
            errs.add("postcode", str(e))
    # The ward from the postcode directory when not chosen; never one that contradicts it (as for
    # a family's address: R-PEOPLE-2, ADR 0024).
    ward = out["ward"]
    if ward is not None and not isinstance(ward, Ward):
        errs.add("ward", "Choose the ward, or 'Not known'")
    elif out["postcode"]:
        known = ward_for_postcode_key(validators.postcode_key(out["postcode"]))
        if known is not None and ward is None:
            out["ward"] = known
        elif known is not None and ward is not None and ward.pk != known.pk:
            errs.add(
                "ward",
                f"{out['postcode']} is in {known.name} ({known.code}) in the postcode directory. "
                f"Choose {known.name}, or 'Not known' to take the ward from the postcode",
            )
    errs.raise_if_any()
    return out


def _venue_summary(venue: Venue) -> str:
    parts = [p for p in (venue.address, venue.postcode) if p]
    if venue.ward:
        parts.append(f"ward {venue.ward.name}")
    if venue.organisation:
        parts.append(f"run by {venue.organisation.name}")
    return "; ".join([venue.name, *parts])


def venue_create(*, actor: Any, data: Mapping[str, Any]) -> Venue:
    _require(actor)
    clean = _clean_venue(data, existing=None)
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        venue = Venue.objects.create(**clean)
        changes.record(venue, action=ChangeRecord.Action.CREATE, new=_venue_summary(venue))
        changes.flush()
    return venue


def venue_update(
    *, actor: Any, venue: Venue, data: Mapping[str, Any], expected_version: int, reason: str = ""
) -> Venue:
    _require(actor)
    clean = _clean_venue(data, existing=venue)
    changes = ChangeSet(actor=actor, reason=(reason or "").strip())
    with transaction.atomic():
        model_update(
            instance=venue,
            fields=VENUE_FIELDS,
            data=clean,
            changes=changes,
            expected_version=expected_version,
        )
    return venue


def venue_retire(*, actor: Any, venue: Venue, reason: str) -> Venue:
    """Retire a venue: past sessions keep it; refused while sessions are still planned there."""
    return _set_status(
        actor,
        venue,
        active=False,
        reason=reason,
        why="Say why the venue is retired (for example, closed for good)",
        blockers=selectors.venue_blockers,
    )


def venue_reinstate(*, actor: Any, venue: Venue, reason: str) -> Venue:
    return _set_status(
        actor, venue, active=True, reason=reason, why="Say why the venue is back in use"
    )


# --- wards and areas --------------------------------------------------------------------------------


def ward_set_area(*, actor: Any, ward: Ward, area: Area | None, reason: str = "") -> Ward:
    """Put a ward into an area (care delivery group), or into none. Wards themselves are ONS
    reference data (loaded, never typed in); only their area is the site's to decide."""
    _require(actor)
    if area is not None and not isinstance(area, Area):
        raise ValidationFailed("Choose an area, or 'No area'", field="area")
    changes = ChangeSet(actor=actor, reason=(reason or "").strip())
    with transaction.atomic():
        model_update(instance=ward, fields=["area"], data={"area": area}, changes=changes)
    return ward


def _clean_area_name(data: Mapping[str, Any], existing: Area | None) -> str:
    name = _words(data.get("name"))
    if not name:
        raise ValidationFailed("Enter the area's name", field="name")
    if len(name) > 100:
        raise ValidationFailed("The name must be 100 characters or fewer", field="name")
    same = Area.objects.filter(name__iexact=name)
    if existing is not None:
        same = same.exclude(pk=existing.pk)
    if same.exists():
        raise ValidationFailed(f"There is already an area called {name}", field="name")
    return name


def area_create(*, actor: Any, data: Mapping[str, Any]) -> Area:
    """Add an area (a care delivery group): wards are put into it one by one."""
    _require(actor)
    name = _clean_area_name(data, None)
    changes = ChangeSet(actor=actor)
    try:
        with transaction.atomic():
            area = Area.objects.create(name=name)
            changes.record(area, action=ChangeRecord.Action.CREATE, new=name)
            changes.flush()
    except IntegrityError:
        raise ValidationFailed(f"There is already an area called {name}", field="name")
    return area


def area_rename(*, actor: Any, area: Area, data: Mapping[str, Any], reason: str = "") -> Area:
    _require(actor)
    name = _clean_area_name(data, area)
    changes = ChangeSet(actor=actor, reason=(reason or "").strip())
    try:
        with transaction.atomic():
            model_update(instance=area, fields=["name"], data={"name": name}, changes=changes)
    except IntegrityError:
        raise ValidationFailed(f"There is already an area called {name}", field="name")
    return area
