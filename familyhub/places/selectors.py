"""Reads of the places reference data for the administrators' pages (R-PEOPLE-4): organisations,
teams, venues, wards and areas, their change history, and what still depends on a record that an
administrator wants to retire. No personal data is read here except counts and staff usernames."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from familyhub.core.models import ChangeRecord
from familyhub.places.models import Area, Organisation, Team, Venue, Ward

# Which records a list shows: in use (the default), retired, or both.
SHOW_CHOICES = (("active", "In use"), ("retired", "Retired"), ("all", "All"))


def _as_uuid(value: Any) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (TypeError, ValueError):
        return None


def _shown(qs: QuerySet[Any], show: str) -> QuerySet[Any]:
    if show == "retired":
        return qs.filter(active=False)
    if show == "all":
        return qs
    return qs.filter(active=True)


def _named(qs: QuerySet[Any], search: str) -> QuerySet[Any]:
    search = " ".join((search or "").split())
    return qs.filter(name__icontains=search) if search else qs


# --- organisations ------------------------------------------------------------------------------


def organisation_list(*, show: str = "active", search: str = "") -> QuerySet[Organisation]:
    """Organisations by name, each with the wards it serves and its number of teams in use."""
    qs = _named(_shown(Organisation.objects.all(), show), search)
    return (
        qs.annotate(team_count=Count("teams", filter=Q(teams__active=True), distinct=True))
        .prefetch_related(Prefetch("served_wards", queryset=Ward.objects.order_by("name")))
        .order_by("name")
    )


def organisation_by_uuid(value: Any) -> Organisation | None:
    key = _as_uuid(value)
    return Organisation.objects.filter(uuid=key).first() if key else None


def teams_of(organisation: Organisation) -> list[Team]:
    """An organisation's teams, those in use first."""
    return list(
        Team.objects.filter(organisation=organisation)
        .select_related("area")
        .order_by("-active", "name")
    )


def wards_by_area() -> list[tuple[str, list[Ward]]]:
    """Every ward, grouped by its area (care delivery group), areas by name, 'No area' last."""
    groups: dict[str, list[Ward]] = {}
    unplaced: list[Ward] = []
    for ward in Ward.objects.select_related("area").order_by("area__name", "name"):
        if ward.area is None:
            unplaced.append(ward)
        else:
            groups.setdefault(ward.area.name, []).append(ward)
    out = list(groups.items())
    if unplaced:
        out.append(("No area", unplaced))
    return out


def rules_naming(organisation: Organisation) -> list[str]:
    """The services whose eligibility rule in force depends on the wards this organisation serves
    (R-ENGAGE-2): changing its wards, or retiring it, changes who is eligible for them."""
    from familyhub.engagement import eligibility
    from familyhub.engagement.models import Service

    services = list(Service.objects.filter(active=True).order_by("name"))
    current = eligibility.current_rules(services)
    key = str(organisation.uuid)
    return [
        s.name
        for s in services
        if s.pk in current and key in (current[s.pk].conditions or {}).get("served_by", [])
    ]


# --- what stops a record being retired ------------------------------------------------------------


@dataclass(frozen=True)
class Blocker:
    """Something still using a record: what it is, in words, and where to deal with it."""

    text: str


def _names(values: list[str], total: int) -> str:
    shown = ", ".join(values)
    return f"{shown} and {total - len(values)} more" if total > len(values) else shown


def _roles_blocker(memberships: QuerySet[Any], what: str) -> Blocker | None:
    total = memberships.count()
    if not total:
        return None
    names = list(
        memberships.select_related("user")
        .order_by("user__username")[:5]
        .values_list("user__username", flat=True)
    )
    plural = "s" if total != 1 else ""
    return Blocker(
        f"{total} member{plural} of staff still hold{'' if plural else 's'} a role {what} "
        f"({_names(names, total)}): end the role{plural} on the Staff pages first"
    )


def _allocations_blocker(allocations: QuerySet[Any], what: str) -> Blocker | None:
    total = allocations.values("household_id").distinct().count()
    if not total:
        return None
    families = "family is" if total == 1 else "families are"
    return Blocker(
        f"{total} {families} still allocated to {what} (open case allocations): "
        "end or transfer the allocations first"
    )


def _sessions_blocker(sessions: QuerySet[Any], what: str) -> Blocker | None:
    first = sessions.order_by("date", "start_time").first()
    if first is None:
        return None
    total = sessions.count()
    plural = "s are" if total != 1 else " is"
    return Blocker(
        f"{total} session{plural} still planned {what}, the first {first.title} on "
        f"{first.date:%d/%m/%Y}: move or cancel them first"
    )


def organisation_blockers(organisation: Organisation) -> list[Blocker]:
    """Why an organisation cannot be retired yet: staff who still hold roles there, families
    still allocated to it, referrals waiting for its decision, services it provides, sessions it
    runs. Empty: nothing stops it."""
    from familyhub.access.models import Membership as StaffMembership
    from familyhub.casework.models import Referral
    from familyhub.engagement.models import Service, Session
    from familyhub.people.models import CaseAllocation

    found = [
        _roles_blocker(
            StaffMembership.objects.filter(organisation=organisation, active=True), "there"
        ),
        _allocations_blocker(
            CaseAllocation.objects.filter(organisation=organisation, ended_on__isnull=True), "it"
        ),
    ]
    waiting = Referral.objects.filter(
        to_organisation=organisation, status=Referral.Status.SENT
    ).count()
    if waiting:
        found.append(
            Blocker(
                f"{waiting} referral{'s are' if waiting != 1 else ' is'} waiting for its decision: "
                "its staff accept or decline them first"
            )
        )
    provides = list(
        Service.objects.filter(provider=organisation, active=True)
        .order_by("name")
        .values_list("name", flat=True)
    )
    if provides:
        found.append(
            Blocker(
                f"It provides {', '.join(provides)}: choose another provider, or stop offering "
                "the service, under Services first"
            )
        )
    # A delivery partner named on a service would still be shown as delivering it.
    delivers = list(
        Service.objects.filter(delivered_by=organisation, active=True)
        .exclude(provider=organisation)
        .order_by("name")
        .values_list("name", flat=True)
    )
    if delivers:
        found.append(
            Blocker(
                f"It delivers {', '.join(delivers)}: take it off the service's delivery "
                "partners, under Services first"
            )
        )
    found.append(
        _sessions_blocker(
            Session.objects.filter(
                organisation=organisation,
                cancelled_at__isnull=True,
                date__gte=timezone.localdate(),
            ),
            "that it runs",
        )
    )
    return [b for b in found if b is not None]


def team_blockers(team: Team) -> list[Blocker]:
    """Why a team cannot be retired yet: staff roles in it, families allocated to it."""
    from familyhub.access.models import Membership as StaffMembership
    from familyhub.people.models import CaseAllocation

    found = [
        _roles_blocker(StaffMembership.objects.filter(team=team, active=True), "in this team"),
        _allocations_blocker(
            CaseAllocation.objects.filter(team=team, ended_on__isnull=True), "this team"
        ),
    ]
    return [b for b in found if b is not None]


def venue_blockers(venue: Venue) -> list[Blocker]:
    """Why a venue cannot be retired yet: sessions still planned there."""
    from familyhub.engagement.models import Session

    found = _sessions_blocker(
        Session.objects.filter(
            venue=venue, cancelled_at__isnull=True, date__gte=timezone.localdate()
        ),
        "there",
    )
    return [found] if found else []


# --- teams, venues, wards and areas ----------------------------------------------------------------


def team_list(
    *, show: str = "active", search: str = "", organisation: Organisation | None = None
) -> QuerySet[Team]:
    qs = _named(_shown(Team.objects.all(), show), search)
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    return qs.select_related("organisation", "area").order_by("organisation__name", "name")


def team_by_uuid(value: Any) -> Team | None:
    key = _as_uuid(value)
    return Team.objects.select_related("organisation").filter(uuid=key).first() if key else None


def venue_list(*, show: str = "active", search: str = "") -> QuerySet[Venue]:
    qs = _named(_shown(Venue.objects.all(), show), search)
    return qs.select_related("organisation", "ward").order_by("name")


def venue_by_uuid(value: Any) -> Venue | None:
    key = _as_uuid(value)
    return (
        Venue.objects.select_related("organisation", "ward").filter(uuid=key).first()
        if key
        else None
    )


def ward_list(*, area: str = "") -> QuerySet[Ward]:
    """Wards by name, with their area and the organisations in use that serve them. `area`: an
    area's uuid, or 'none' for the wards in no area."""
    qs = Ward.objects.select_related("area")
    if area == "none":
        qs = qs.filter(area__isnull=True)
    elif area:
        key = _as_uuid(area)
        qs = qs.filter(area__uuid=key) if key else qs.none()
    return qs.prefetch_related(
        Prefetch(
            "serving_organisations",
            queryset=Organisation.objects.filter(active=True).order_by("name"),
            to_attr="serving",
        )
    ).order_by("name")


def ward_by_code(code: str) -> Ward | None:
    return Ward.objects.select_related("area").filter(code=(code or "").strip().upper()).first()


def area_list() -> QuerySet[Area]:
    return Area.objects.annotate(ward_count=Count("ward")).order_by("name")


def area_by_uuid(value: Any) -> Area | None:
    key = _as_uuid(value)
    return Area.objects.filter(uuid=key).first() if key else None


# --- history ------------------------------------------------------------------------------------------


def changes_of(*records: Any, limit: int = 100) -> list[ChangeRecord]:
    """The change records of these records (who changed what, when, from what to what, why),
    newest first."""
    uuids = [r.uuid for r in records]
    return list(
        ChangeRecord.objects.filter(object_uuid__in=uuids)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
