"""Loading the service catalogue that ships in engagement/data (R-ENGAGE-1, R-ENGAGE-2).

Idempotent and conservative: organisations are matched by name, services by code, and nothing
that exists already is changed (so edits made in the application survive a re-run). Works with the
real models and with a migration's historical models alike.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from django.utils import timezone

from familyhub.engagement import rules

DATA_FILE = Path(__file__).resolve().parent / "data" / "catalogue.json"
SEED_NOTE_PREFIX = "Seeded from the catalogue data file."
# Seeded rules that go by any child of the family rather than the youngest (issue 7).
ANY_CHILD_SERVICES = ("imagination-library",)
ANY_CHILD_NOTE = (
    "Any child, not only the youngest (issue 7, R-ENGAGE-2): books are posted to each child under "
    "five, so a family expecting a baby with a two-year-old is eligible through the two-year-old. "
    "Written by the migration engagement 0005 over the seeded version, which was not changed in "
    "the application."
)


def read() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def _wards_for(spec: Any, wards: dict[str, Any]) -> list[Any]:
    if spec == "all":
        return list(wards.values())
    if isinstance(spec, dict) and "all_except" in spec:
        return [w for code, w in wards.items() if code not in spec["all_except"]]
    return [wards[code] for code in spec or []]


def _as_stored(
    conditions: dict[str, Any], orgs: dict[str, Any], areas: dict[str, Any]
) -> dict[str, Any]:
    """The file names organisations and areas; a stored rule holds their uuids."""
    out = dict(conditions)
    if "served_by" in out:
        out["served_by"] = [str(orgs[name].uuid) for name in out["served_by"]]
    if "areas" in out:
        out["areas"] = {
            "mode": out["areas"]["mode"],
            "ids": [str(areas[name].uuid) for name in out["areas"].get("names", [])],
        }
    return out


def load(
    *,
    Organisation: Any,
    Ward: Any,
    Area: Any,
    Service: Any,
    EligibilityRule: Any,
) -> dict[str, int]:
    data = read()
    wards = {w.code: w for w in Ward.objects.all()}
    counts = {"organisations": 0, "services": 0, "rules": 0}
    orgs: dict[str, Any] = {}
    for spec in data["organisations"]:
        org, created = Organisation.objects.get_or_create(
            name=spec["name"], defaults={"kind": spec["kind"]}
        )
        if created:
            org.served_wards.set(_wards_for(spec.get("served_wards"), wards))
            counts["organisations"] += 1
        orgs[spec["name"]] = org
    areas = {a.name: a for a in Area.objects.all()}
    names = rules.Names(
        wards=wards,
        areas={str(a.uuid): a for a in areas.values()},
        organisations={str(o.uuid): o for o in orgs.values()},
        local_authorities={w.lad_code: w.lad_name for w in wards.values()},
    )
    for spec in data["services"]:
        service = Service.objects.filter(code=spec["code"]).first()
        if service is None:
            service = Service.objects.create(
                code=spec["code"],
                name=spec["name"],
                kind=spec["kind"],
                description=spec["description"],
                provider=orgs[spec["provider"]],
                target_outcomes=spec.get("target_outcomes", ""),
                source=spec.get("source", "")[:200],
                consent_purpose=spec.get("consent_purpose", ""),
            )
            service.delivered_by.set([orgs[name] for name in spec.get("delivered_by", [])])
            counts["services"] += 1
        rule = spec.get("rule")
        if rule is not None and not EligibilityRule.objects.filter(service=service).exists():
            parsed = rules.parse(_as_stored(rule["conditions"], orgs, areas))
            EligibilityRule.objects.create(
                service=service,
                number=1,
                conditions=parsed.as_json(),
                summary=rules.summary(parsed, names),
                note=f"{SEED_NOTE_PREFIX} {rule.get('note', '')}".strip(),
            )
            counts["rules"] += 1
    return counts


def ensure_catalogue() -> dict[str, int]:
    """Load with the real models: for tests whose database was flushed, and for the demo."""
    from familyhub.engagement.models import EligibilityRule, Service
    from familyhub.places.models import Area, Organisation, Ward

    if not Ward.objects.exists():
        from familyhub.places import reference

        reference.load_wards(Ward)
        reference.load_areas(Area, Ward)
    return load(
        Organisation=Organisation,
        Ward=Ward,
        Area=Area,
        Service=Service,
        EligibilityRule=EligibilityRule,
    )


def any_child_for_seeded_rules(
    *,
    Service: Any,
    EligibilityRule: Any,
    Ward: Any,
    Area: Any,
    Organisation: Any,
    ChangeRecord: Any,
) -> int:
    """The seeded rules of ANY_CHILD_SERVICES, in a database seeded before "any child" existed,
    get a next version that tests any child (the data file seeds new databases that way).

    Only where the rule in force is still the seeded one with a child condition by the youngest
    child: a version a manager wrote in the application is theirs and is left alone. Like
    `rule_save`, the new version keeps the old, and the change is recorded (no actor: a migration).
    Works with a migration's historical models and with the real ones; returns the versions written.
    """
    written = 0
    for code in ANY_CHILD_SERVICES:
        service = Service.objects.filter(code=code).first()
        if service is None:
            continue
        current = EligibilityRule.objects.filter(service=service).order_by("-number").first()
        if current is None or current.created_by_id is not None:
            continue
        child = (current.conditions or {}).get("child")
        if not current.note.startswith(SEED_NOTE_PREFIX) or not child or child.get("which"):
            continue
        parsed = rules.parse({**current.conditions, "child": {**child, "which": rules.ANY_CHILD}})
        names = rules.Names(
            wards={w.code: w for w in Ward.objects.filter(code__in=parsed.wards)},
            areas={str(a.uuid): a for a in Area.objects.filter(uuid__in=parsed.areas)},
            organisations={
                str(o.uuid): o for o in Organisation.objects.filter(uuid__in=parsed.served_by)
            },
            local_authorities={
                w.lad_code: w.lad_name
                for w in Ward.objects.filter(lad_code__in=parsed.local_authorities)
            },
        )
        rule = EligibilityRule.objects.create(
            service=service,
            number=current.number + 1,
            conditions=parsed.as_json(),
            summary=rules.summary(parsed, names),
            note=ANY_CHILD_NOTE,
        )
        ChangeRecord.objects.create(
            at=timezone.now(),
            actor=None,
            action="update",
            change_set=uuid.uuid4(),
            model="eligibilityrule",
            object_uuid=rule.uuid,
            object_label=f"{service.name}: eligibility rule v{rule.number}"[:200],
            field="conditions",
            field_label="Conditions",
            old_value=current.summary,
            new_value=rule.summary,
            reason=ANY_CHILD_NOTE,
        )
        written += 1
    return written
