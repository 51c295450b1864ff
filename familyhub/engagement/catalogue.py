"""Loading the service catalogue that ships in engagement/data (R-ENGAGE-1, R-ENGAGE-2).

Idempotent and conservative: organisations are matched by name, services by code, and nothing
that exists already is changed (so edits made in the application survive a re-run). Works with the
real models and with a migration's historical models alike.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from familyhub.engagement import rules

DATA_FILE = Path(__file__).resolve().parent / "data" / "catalogue.json"
SEED_NOTE_PREFIX = "Seeded from the catalogue data file."


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
