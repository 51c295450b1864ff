"""The demo's organisations, teams, venues and staff sign-ins (idempotent: safe to run again).

Shaped on the seed documents: Small Steps Big Changes is led by Nottingham CityCare Partnership and
delivered in its four wards by The Toy Library (Bulwell), Framework (St Ann's, Hyson Green &
Arboretum) and Home-Start (Aspley); Small Steps at Home covers the rest of the city; Best Start
teams follow the care delivery groups (places.reference.DEMO_AREAS). Addresses are fictional.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import random
from dataclasses import dataclass, field

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker

from familyhub.access.models import Membership as StaffMembership
from familyhub.access.models import User
from familyhub.access.roles import Role
from familyhub.core.demo.pools import INWARD_LETTERS
from familyhub.places.models import Area, Organisation, Team, Venue, Ward

DEFAULT_PASSWORD = "familyhub-demo-2026"  # noqa: S105 - the documented demo sign-in, not a secret
# The demo accounts' authenticator secrets are derived from this public seed and the username, so
# that they are the same on every machine and printed in the sign-in table (ADR 0008). Public, like
# the password: demo_setup and demo-code refuse to run with FAMILYHUB_ENV=production.
DEMO_TOTP_SEED = b"familyhub-demo-second-factor-2026"
DEMO_DEVICE_NAME = "Demo authenticator"

BULWELL, ASPLEY, ST_ANNS, HYSON_GREEN = "E05012275", "E05012270", "E05012287", "E05012281"
SSBC_WARDS = (ASPLEY, BULWELL, HYSON_GREEN, ST_ANNS)

LEAD = "Nottingham CityCare Partnership"
TOY_LIBRARY = "The Toy Library"
FRAMEWORK = "Framework"
HOME_START = "Home-Start Nottingham"
HEALTH_VISITING = "Nottingham Health Visiting Service"
EARLY_HELP = "Nottingham City Council Early Help"
FUNDER = "The National Lottery Community Fund"
EVALUATOR = "SSBC Evaluation Partner"

# Small Steps at Home (antenatal to first birthday) is split north and south by care delivery group.
NORTH_AREAS = ("Bulwell and Bestwood", "Aspley and Bilborough", "St Ann's and Mapperley")
SOUTH_AREAS = ("Central and Arboretum", "Clifton and Meadows")
SSAH_NORTH, SSAH_SOUTH = "Small Steps at Home North", "Small Steps at Home South"


@dataclass(frozen=True)
class TeamSpec:
    name: str
    area: str | None = None


@dataclass(frozen=True)
class OrgSpec:
    name: str
    kind: str
    wards: str = "none"  # "none", "all", "non_ssbc", or a comma-separated list of ward codes
    teams: tuple[TeamSpec, ...] = ()


K = Organisation.Kind
ORGANISATIONS: tuple[OrgSpec, ...] = (
    OrgSpec(
        LEAD,
        K.LEAD,
        "non_ssbc",
        (
            TeamSpec(SSAH_NORTH),
            TeamSpec(SSAH_SOUTH),
            *(TeamSpec(f"Best Start {area}", area) for area in (*NORTH_AREAS, *SOUTH_AREAS)),
        ),
    ),
    OrgSpec(TOY_LIBRARY, K.DELIVERY_PARTNER, BULWELL, (TeamSpec("Family Mentors – Bulwell"),)),
    OrgSpec(
        FRAMEWORK,
        K.DELIVERY_PARTNER,
        f"{ST_ANNS},{HYSON_GREEN}",
        (TeamSpec("Family Mentors – St Ann's and Hyson Green"),),
    ),
    OrgSpec(HOME_START, K.DELIVERY_PARTNER, ASPLEY, (TeamSpec("Family Mentors – Aspley"),)),
    OrgSpec(
        HEALTH_VISITING,
        K.HEALTH,
        "all",
        (TeamSpec("Health Visiting North"), TeamSpec("Health Visiting South")),
    ),
    OrgSpec(
        EARLY_HELP,
        K.LOCAL_AUTHORITY,
        "all",
        (TeamSpec("Early Help 0–5 North"), TeamSpec("Early Help 0–5 South")),
    ),
    OrgSpec(FUNDER, K.FUNDER),
    OrgSpec(EVALUATOR, K.EVALUATOR),
)


@dataclass(frozen=True)
class StaffSpec:
    username: str
    role: str
    organisation: str
    team: str | None = None


R = Role
STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("practitioner", R.PRACTITIONER, LEAD, SSAH_NORTH),
    StaffSpec("practitioner.south", R.PRACTITIONER, LEAD, SSAH_SOUTH),
    StaffSpec("practitioner.beststart", R.PRACTITIONER, LEAD, "Best Start Bulwell and Bestwood"),
    StaffSpec("groupworker", R.GROUP_WORKER, LEAD, "Best Start Central and Arboretum"),
    StaffSpec("manager", R.TEAM_MANAGER, LEAD, SSAH_NORTH),
    StaffSpec("analyst", R.ANALYST, LEAD),
    StaffSpec("dpo", R.DPO, LEAD),
    StaffSpec("admin", R.ADMIN, LEAD),
    StaffSpec("partner.toylibrary", R.PARTNER_STAFF, TOY_LIBRARY, "Family Mentors – Bulwell"),
    StaffSpec("practitioner.toylibrary", R.PRACTITIONER, TOY_LIBRARY, "Family Mentors – Bulwell"),
    StaffSpec(
        "partner.framework", R.PARTNER_STAFF, FRAMEWORK, "Family Mentors – St Ann's and Hyson Green"
    ),
    StaffSpec(
        "practitioner.framework",
        R.PRACTITIONER,
        FRAMEWORK,
        "Family Mentors – St Ann's and Hyson Green",
    ),
    StaffSpec("partner.homestart", R.PARTNER_STAFF, HOME_START, "Family Mentors – Aspley"),
    StaffSpec("practitioner.homestart", R.PRACTITIONER, HOME_START, "Family Mentors – Aspley"),
    StaffSpec("healthvisitor", R.PRACTITIONER, HEALTH_VISITING, "Health Visiting North"),
    StaffSpec("earlyhelp", R.PRACTITIONER, EARLY_HELP, "Early Help 0–5 North"),
    StaffSpec("evaluator", R.ANALYST, EVALUATOR),
)

# Postcode districts that plausibly cover each ward (illustrative; postcodes are made up).
WARD_OUTWARD: dict[str, tuple[str, ...]] = {
    "E05012270": ("NG8",),
    "E05012271": ("NG6", "NG5"),
    "E05012272": ("NG7",),
    "E05012273": ("NG5", "NG6"),
    "E05012274": ("NG8",),
    "E05012275": ("NG6",),
    "E05012276": ("NG6", "NG5"),
    "E05012277": ("NG1", "NG7"),
    "E05012278": ("NG11",),
    "E05012279": ("NG11",),
    "E05012280": ("NG3", "NG2"),
    "E05012281": ("NG7",),
    "E05012282": ("NG8",),
    "E05012283": ("NG7",),
    "E05012284": ("NG3",),
    "E05012285": ("NG2",),
    "E05012286": ("NG7",),
    "E05012287": ("NG3",),
    "E05012288": ("NG5",),
    "E05012289": ("NG8",),
}


def random_postcode(rng: random.Random, outward: str) -> str:
    return f"{outward} {rng.randrange(10)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"


def demo_password() -> str:
    return os.environ.get("FAMILYHUB_DEMO_PASSWORD") or DEFAULT_PASSWORD


def demo_totp_key(username: str) -> bytes:
    """The demo account's 20-byte TOTP key: HMAC-SHA1(public seed, username)."""
    return hmac.new(DEMO_TOTP_SEED, username.encode(), hashlib.sha1).digest()


def demo_totp_secret(username: str) -> str:
    """The key as an authenticator app takes it (base32, no padding)."""
    return base64.b32encode(demo_totp_key(username)).decode().rstrip("=")


def is_demo_device(device: TOTPDevice) -> bool:
    return (
        device.name == DEMO_DEVICE_NAME and device.key == demo_totp_key(device.user.username).hex()
    )


def ensure_demo_device(user: User) -> TOTPDevice:
    """A confirmed authenticator with the demo secret (the only app device of a demo account)."""
    key = demo_totp_key(user.username).hex()
    TOTPDevice.objects.filter(user=user).exclude(name=DEMO_DEVICE_NAME, key=key).delete()
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name=DEMO_DEVICE_NAME, key=key, defaults={"confirmed": True}
    )
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return device


def _wards_for(spec: OrgSpec, wards: dict[str, Ward]) -> list[Ward]:
    if spec.wards == "none":
        return []
    if spec.wards == "all":
        return list(wards.values())
    if spec.wards == "non_ssbc":
        return [w for code, w in wards.items() if code not in SSBC_WARDS]
    return [wards[code] for code in spec.wards.split(",")]


def organisations_exist() -> bool:
    return Organisation.objects.filter(name__in=[s.name for s in ORGANISATIONS]).count() == len(
        ORGANISATIONS
    )


@transaction.atomic
def ensure_organisations(seed: int = 2026) -> dict[str, Organisation]:
    """Organisations with their wards and teams, and a few venues. Existing rows are left alone."""
    wards = {w.code: w for w in Ward.objects.all()}
    areas = {a.name: a for a in Area.objects.all()}
    orgs: dict[str, Organisation] = {}
    for spec in ORGANISATIONS:
        org, created = Organisation.objects.get_or_create(
            name=spec.name, defaults={"kind": spec.kind}
        )
        if created:
            org.served_wards.set(_wards_for(spec, wards))
        for t in spec.teams:
            Team.objects.get_or_create(
                organisation=org,
                name=t.name,
                defaults={"area": areas.get(t.area) if t.area else None},
            )
        orgs[spec.name] = org
    _ensure_venues(orgs, wards, seed)
    return orgs


def _ensure_venues(orgs: dict[str, Organisation], wards: dict[str, Ward], seed: int) -> None:
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    partner_by_ward = {
        BULWELL: TOY_LIBRARY,
        ASPLEY: HOME_START,
        ST_ANNS: FRAMEWORK,
        HYSON_GREEN: FRAMEWORK,
    }
    for code, ward in sorted(wards.items()):
        org = orgs[partner_by_ward.get(code, LEAD)]
        outward = WARD_OUTWARD.get(code, ("NG7",))[0]
        for kind in ("Children's Centre", "Library"):
            name = f"{ward.name} {kind}"
            street = fake.street_name()
            postcode = random_postcode(rng, outward)
            Venue.objects.get_or_create(
                name=name,
                defaults={
                    "organisation": org if kind == "Children's Centre" else orgs[LEAD],
                    "ward": ward,
                    "address": f"{rng.randint(1, 200)} {street}, Nottingham",
                    "postcode": postcode,
                },
            )


@dataclass
class SignIn:
    username: str
    role: str
    organisation: str
    team: str
    created: bool
    totp_secret: str = ""


@dataclass
class StaffResult:
    sign_ins: list[SignIn] = field(default_factory=list)
    password: str = ""


@transaction.atomic
def ensure_staff(orgs: dict[str, Organisation], seed: int = 2026) -> StaffResult:
    """One sign-in per demo role; the demo password and authenticator are (re)set so that the
    printed table is true."""
    fake = Faker("en_GB")
    fake.seed_instance(seed + 1)
    password = demo_password()
    result = StaffResult(password=password)
    teams = {
        (t.organisation_id, t.name): t for t in Team.objects.filter(organisation__in=orgs.values())
    }
    for spec in STAFF:
        first, last = fake.first_name(), fake.last_name()
        org = orgs[spec.organisation]
        user = User.objects.filter(username=spec.username).first()
        created = user is None
        if user is None:
            user = User(
                username=spec.username,
                first_name=first,
                last_name=last,
                email=f"{spec.username}@example.org",
            )
        user.set_password(password)
        user.save()
        team = teams.get((org.pk, spec.team)) if spec.team else None
        StaffMembership.objects.get_or_create(
            user=user, organisation=org, team=team, role=spec.role
        )
        ensure_demo_device(user)
        result.sign_ins.append(
            SignIn(
                spec.username,
                Role(spec.role).label,
                org.name,
                team.name if team else "",
                created,
                totp_secret=demo_totp_secret(spec.username),
            )
        )
    return result
