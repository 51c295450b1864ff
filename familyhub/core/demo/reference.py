"""What the family generator needs from the database, read once: wards, who serves each ward,
teams, workers and ethnicity categories. Plain ids and tuples, so generation never queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from familyhub.access.models import Membership as StaffMembership
from familyhub.access.roles import Role
from familyhub.core.demo.organisations import (
    NORTH_AREAS,
    SSAH_NORTH,
    SSAH_SOUTH,
    SSBC_WARDS,
    WARD_OUTWARD,
)
from familyhub.places.models import EthnicityCategory, Organisation, Team, Ward

# Families are more often found in the four SSBC wards (the programme's own reach).
SSBC_WARD_WEIGHT = 3.0
WORKER_ROLES = (Role.PRACTITIONER, Role.PARTNER_STAFF)


@dataclass(frozen=True)
class WardInfo:
    id: int
    code: str
    name: str
    outward: tuple[str, ...]
    weight: float
    org_id: int
    infant_team_id: int | None  # antenatal to first birthday (Small Steps at Home)
    general_team_id: int | None
    infant_workers: tuple[int, ...]
    general_workers: tuple[int, ...]


@dataclass
class Reference:
    wards: list[WardInfo]
    ethnicity: dict[str, int] = field(default_factory=dict)  # key ("ons-13", "prefer-not-to-say")


def _workers(org_id: int, team_id: int | None, by_team: dict, by_org: dict) -> tuple[int, ...]:
    return tuple(by_team.get(team_id) or by_org.get(org_id) or ())


def build_reference() -> Reference:
    """Read the wards and the organisation serving each (a delivery partner before the lead)."""
    lead = Organisation.objects.filter(kind=Organisation.Kind.LEAD).order_by("id").first()
    if lead is None:
        raise RuntimeError("No lead organisation: run `familyhub demo_setup` first")
    serving: dict[int, int] = {}
    rank: dict[str, int] = {Organisation.Kind.DELIVERY_PARTNER: 0, Organisation.Kind.LEAD: 1}
    through = (
        Organisation.served_wards.through.objects.filter(
            organisation__kind__in=list(rank), organisation__active=True
        )
        .values_list("ward_id", "organisation_id", "organisation__kind")
        .order_by("organisation_id")
    )
    best: dict[int, tuple[int, int]] = {}
    for ward_id, org_id, kind in through:
        if ward_id not in best or rank[kind] < best[ward_id][0]:
            best[ward_id] = (rank[kind], org_id)
    serving = {ward_id: org_id for ward_id, (_, org_id) in best.items()}

    teams = list(Team.objects.select_related("area").order_by("id"))
    by_team: dict[int, list[int]] = {}
    by_org: dict[int, list[int]] = {}
    staff = StaffMembership.objects.filter(active=True, role__in=WORKER_ROLES, user__is_active=True)
    for user_id, org_id, team_id in staff.order_by("user__username").values_list(
        "user_id", "organisation_id", "team_id"
    ):
        by_org.setdefault(org_id, []).append(user_id)
        if team_id:
            by_team.setdefault(team_id, []).append(user_id)

    wards = []
    for w in Ward.objects.select_related("area").order_by("code"):
        org_id = serving.get(w.pk, lead.pk)
        org_teams = [t for t in teams if t.organisation_id == org_id]
        area = w.area.name if w.area else ""
        general = next((t for t in org_teams if t.area and t.area.name == area), None)
        general = general or (org_teams[0] if org_teams else None)
        ssah = SSAH_NORTH if area in NORTH_AREAS else SSAH_SOUTH
        infant = next((t for t in org_teams if t.name == ssah), None) or general
        wards.append(
            WardInfo(
                id=w.pk,
                code=w.code,
                name=w.name,
                outward=WARD_OUTWARD.get(w.code, ("NG7",)),
                weight=SSBC_WARD_WEIGHT if w.code in SSBC_WARDS else 1.0,
                org_id=org_id,
                infant_team_id=infant.pk if infant else None,
                general_team_id=general.pk if general else None,
                infant_workers=_workers(org_id, infant.pk if infant else None, by_team, by_org),
                general_workers=_workers(org_id, general.pk if general else None, by_team, by_org),
            )
        )
    ethnicity = dict(EthnicityCategory.objects.values_list("key", "id"))
    return Reference(wards=wards, ethnicity=ethnicity)
