"""Eligibility rules as data (R-ENGAGE-2): their shape, their checks, and their two evaluators.

A rule is a set of conditions, all of which must hold. Stored as JSON on `EligibilityRule`:

    {
      "wards": {"mode": "in" | "not_in", "codes": ["E05012275", ...]},   # the family's ward
      "local_authorities": ["E06000018"],                                # lives in one of these
      "areas": {"mode": "in" | "not_in", "ids": ["<area uuid>", ...]},     # care delivery groups
      "child": {"antenatal": true, "born": true,                         # unborn and/or born
                "min_months": 0, "max_months": 12,                         # [min, max) months
                "which": "any"},                                           # which child (below)
      "circumstances": ["temporary_accommodation", ...],                 # any one of these
      "served_by": ["<organisation uuid>", ...]                          # the ward's partner
    }

Every key is optional; `{}` is open to every family. The family is a household: its ward is the
ward of its current address; its children are its current members with the role child (an unborn
child, recorded with an expected date of delivery, is the youngest); its parents and carers are its
current members with that role. Archived people and members who left are not counted.

The child condition tests one child of the family, chosen by `which`:

- "youngest" (the default, and what a stored rule without `which` means: versions written before
  the choice existed keep their meaning): the family's youngest child must be unborn (if unborn
  children qualify) or born and of an age in range. A family expecting a baby is decided by the
  unborn baby, whatever the age of its older children (Small Steps at Home: pregnancy to the
  first birthday of the youngest).
- "any": at least one child of the family meets it (Imagination Library: a book a month for every
  child under five, so a family expecting a baby with a two-year-old qualifies through the
  two-year-old). Stored as `"which": "any"`; "youngest" is stored by leaving the key out, so the
  stored form of every earlier rule is unchanged.

Two evaluators apply the same definitions:

- `explain(conditions, facts, on)` decides for one family and says why, condition by condition
  ("lives in Bulwell (E05012275)", "child aged 7 months");
- `household_filter(conditions, on)` compiles the rule into one `Q` over households, so that a
  whole population is decided in one SQL statement.

Ages are compared through dates of birth: a child has reached m months on a day when adding m
calendar months to their date of birth (clamped to the end of a short month) is not after that
day. `born_by(on, m)` turns that into a date-of-birth bound both evaluators use; a hypothesis test
checks that the evaluators always agree.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from django.db.models import Case, DateField, F, Max, Q, QuerySet, Value, When

from familyhub.core.errors import ValidationFailed
from familyhub.people import choices as c
from familyhub.people.models import Address, Household, Membership
from familyhub.places.models import Area, Organisation, Ward

IN, NOT_IN = "in", "not_in"
MODES = (IN, NOT_IN)
YOUNGEST, ANY_CHILD = "youngest", "any"
WHICH_CHILD = (YOUNGEST, ANY_CHILD)
CHILD_KEYS = ("antenatal", "born", "min_months", "max_months", "which")
MAX_AGE_MONTHS = 18 * 12


# --- calendar arithmetic shared by both evaluators -------------------------------------------------


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months; the 31st becomes the last day of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def born_by(on: date, months: int) -> date:
    """The latest date of birth of a child who has reached `months` months on `on`."""
    best = add_months(on, -months)
    while add_months(best + _ONE_DAY, months) <= on:
        best = best + _ONE_DAY
    return best


def age_in_months(dob: date, on: date) -> int:
    months = (on.year - dob.year) * 12 + on.month - dob.month
    while months > 0 and add_months(dob, months) > on:
        months -= 1
    while add_months(dob, months + 1) <= on:
        months += 1
    return months


def age_words(dob: date, on: date) -> str:
    """'12 days', '7 months', '2 years 3 months'."""
    months = age_in_months(dob, on)
    if months < 1:
        days = (on - dob).days
        return f"{days} day{'' if days == 1 else 's'}"
    if months < 24:
        return f"{months} month{'' if months == 1 else 's'}"
    years, rest = divmod(months, 12)
    text = f"{years} years"
    return f"{text} {rest} month{'' if rest == 1 else 's'}" if rest else text


def months_words(months: int) -> str:
    if months % 12 == 0 and months:
        years = months // 12
        ordinal = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}.get(years)
        return f"{months} months ({ordinal} birthday)" if ordinal else f"{years} years"
    return f"{months} month{'' if months == 1 else 's'}"


_ONE_DAY = date(2000, 1, 2) - date(2000, 1, 1)


# --- household circumstances: the vocabulary a rule may use ---------------------------------------


@dataclass(frozen=True)
class Circumstance:
    key: str
    label: str  # "a parent or carer lives in temporary accommodation or is homeless"
    parents_only: bool = True


CIRCUMSTANCES: dict[str, Circumstance] = {
    c_.key: c_
    for c_ in (
        Circumstance(
            "temporary_accommodation",
            "a parent or carer lives in temporary accommodation or is homeless",
        ),
        Circumstance("lone_parent", "a parent or carer is single, separated or widowed"),
        Circumstance("unemployed", "a parent or carer is unemployed and looking for work"),
        Circumstance("young_parent", "a parent or carer is under 20"),
        Circumstance("father_or_male_carer", "a father or male carer is part of the family"),
        Circumstance(
            "interpreter_needed", "someone in the family needs an interpreter", parents_only=False
        ),
    )
}
TEMPORARY = (c.HousingStatus.TEMPORARY, c.HousingStatus.HOMELESS)
LONE = (c.RelationshipStatus.SINGLE, c.RelationshipStatus.SEPARATED, c.RelationshipStatus.WIDOWED)
YOUNG_PARENT_MONTHS = 20 * 12


# --- the rule, parsed and checked -------------------------------------------------------------------


@dataclass(frozen=True)
class Conditions:
    ward_mode: str = ""
    wards: tuple[str, ...] = ()
    local_authorities: tuple[str, ...] = ()
    area_mode: str = ""
    areas: tuple[str, ...] = ()
    child: bool = False
    antenatal: bool = False
    born: bool = False
    min_months: int | None = None
    max_months: int | None = None
    which_child: str = YOUNGEST  # YOUNGEST or ANY_CHILD: which child the child condition tests
    circumstances: tuple[str, ...] = ()
    served_by: tuple[str, ...] = ()

    @property
    def open_to_all(self) -> bool:
        return self.as_json() == {}

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.ward_mode:
            out["wards"] = {"mode": self.ward_mode, "codes": list(self.wards)}
        if self.local_authorities:
            out["local_authorities"] = list(self.local_authorities)
        if self.area_mode:
            out["areas"] = {"mode": self.area_mode, "ids": list(self.areas)}
        if self.child:
            out["child"] = {
                "antenatal": self.antenatal,
                "born": self.born,
                "min_months": self.min_months,
                "max_months": self.max_months,
            }
            if self.which_child == ANY_CHILD:
                out["child"]["which"] = ANY_CHILD
        if self.circumstances:
            out["circumstances"] = list(self.circumstances)
        if self.served_by:
            out["served_by"] = list(self.served_by)
        return out


class _Problems:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def _int_or_none(value: Any, name: str, problems: _Problems) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        problems.add(name, "Enter the age as a whole number of months, like 12")
        return None
    if number < 0 or number > MAX_AGE_MONTHS:
        problems.add(name, f"Enter an age from 0 to {MAX_AGE_MONTHS} months (18 years)")
        return None
    return number


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    return tuple(dict.fromkeys(str(v) for v in value if str(v)))


def parse(raw: Mapping[str, Any] | None) -> Conditions:
    """The stored JSON as `Conditions`, with its structural and logical checks.

    Raises ValidationFailed naming each problem at its field (the rule form's field names): a rule
    that contradicts itself is refused, because it would quietly make nobody eligible.
    """
    raw = raw or {}
    problems = _Problems()
    known = {"wards", "local_authorities", "areas", "child", "circumstances", "served_by"}
    for key in raw:
        if key not in known:
            problems.add("__all__", f"Unknown condition '{key}'")

    ward_mode, wards = "", cast(tuple[str, ...], ())
    if "wards" in raw:
        spec = raw["wards"] or {}
        ward_mode = spec.get("mode", "")
        wards = _strings(spec.get("codes"))
        if ward_mode not in MODES:
            problems.add(
                "ward_mode", "Choose whether the family must live in, or outside, the wards"
            )
        elif not wards:
            problems.add(
                "wards",
                "Choose at least one ward, or remove the ward condition: a rule about "
                "'the wards' with no ward in it would make nobody eligible",
            )

    local_authorities = _strings(raw.get("local_authorities"))

    area_mode, areas = "", cast(tuple[str, ...], ())
    if "areas" in raw:
        spec = raw["areas"] or {}
        area_mode = spec.get("mode", "")
        areas = _strings(spec.get("ids"))
        if area_mode not in MODES:
            problems.add(
                "area_mode", "Choose whether the family must live in, or outside, the areas"
            )
        elif not areas:
            problems.add("areas", "Choose at least one area, or remove the area condition")

    child = "child" in raw
    antenatal = born = False
    min_months = max_months = None
    which_child = YOUNGEST
    if child:
        spec = raw["child"] or {}
        for key in spec:
            if key not in CHILD_KEYS:
                problems.add("child", f"Unknown part of the child condition '{key}'")
        antenatal = bool(spec.get("antenatal"))
        born = bool(spec.get("born"))
        which_child = spec.get("which") or YOUNGEST
        if which_child not in WHICH_CHILD:
            problems.add(
                "which_child",
                "Choose which child the condition is about: the youngest child, or any child "
                "of the family",
            )
            which_child = YOUNGEST
        min_months = _int_or_none(spec.get("min_months"), "min_months", problems)
        max_months = _int_or_none(spec.get("max_months"), "max_months", problems)
        if not antenatal and not born:
            problems.add(
                "child_kinds",
                "Choose unborn children, born children or both: with neither, nobody is eligible",
            )
        if antenatal and not born and (min_months or max_months is not None):
            problems.add(
                "min_months" if min_months else "max_months",
                "An antenatal-only rule cannot have an age: an unborn child has no age yet. "
                "Remove the ages, or let born children qualify too",
            )
        if min_months is not None and max_months is not None and min_months >= max_months:
            problems.add(
                "min_months",
                f"The minimum age ({min_months} months) must be below the maximum age "
                f"({max_months} months): no child could ever qualify",
            )

    circumstances = _strings(raw.get("circumstances"))
    for key in circumstances:
        if key not in CIRCUMSTANCES:
            problems.add("circumstances", f"Unknown household circumstance '{key}'")
    if "circumstances" in raw and not circumstances:
        problems.add("circumstances", "Choose at least one circumstance, or remove the condition")

    served_by = _strings(raw.get("served_by"))
    if "served_by" in raw and not served_by:
        problems.add(
            "served_by", "Choose at least one organisation, or remove the partner condition"
        )
    if problems.errors:
        raise ValidationFailed.from_errors(problems.errors)
    return Conditions(
        ward_mode=ward_mode,
        wards=tuple(sorted(wards)),
        local_authorities=tuple(sorted(local_authorities)),
        area_mode=area_mode,
        areas=tuple(sorted(areas)),
        child=child,
        antenatal=antenatal,
        born=born,
        min_months=min_months if child else None,
        max_months=max_months if child else None,
        which_child=which_child,
        circumstances=tuple(k for k in CIRCUMSTANCES if k in circumstances),
        served_by=tuple(sorted(served_by)),
    )


@dataclass
class Names:
    """What the ids in a rule stand for, read once (wards, areas, organisations)."""

    wards: dict[str, Ward] = field(default_factory=dict)
    areas: dict[str, Area] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    local_authorities: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, rules: Iterable[Conditions]) -> Names:
        rules = list(rules)
        ward_codes = {w for r in rules for w in r.wards}
        area_ids = {a for r in rules for a in r.areas}
        org_ids = {o for r in rules for o in r.served_by}
        names = cls()
        if ward_codes:
            names.wards = {w.code: w for w in Ward.objects.filter(code__in=ward_codes)}
        if area_ids:
            names.areas = {str(a.uuid): a for a in Area.objects.filter(uuid__in=area_ids)}
        if org_ids:
            names.organisations = {
                str(o.uuid): o for o in Organisation.objects.filter(uuid__in=org_ids)
            }
        if any(r.local_authorities for r in rules):
            names.local_authorities = dict(
                Ward.objects.values_list("lad_code", "lad_name").distinct()
            )
        return names

    def ward(self, code: str) -> str:
        w = self.wards.get(code)
        return f"{w.name}" if w else code

    def area(self, area_id: str) -> str:
        a = self.areas.get(area_id)
        return a.name if a else "an area that no longer exists"

    def organisation(self, org_id: str) -> str:
        o = self.organisations.get(org_id)
        return o.name if o else "an organisation that no longer exists"

    def local_authority(self, code: str) -> str:
        name = self.local_authorities.get(code)
        return f"{name} ({code})" if name else code


def check_against_reference(conditions: Conditions, names: Names) -> None:
    """Contradictions that need the reference data: unknown wards, areas and organisations, and
    conditions that no ward can meet together (R-ENGAGE-2: refused with a clear reason)."""
    problems = _Problems()
    unknown = [w for w in conditions.wards if w not in names.wards]
    las = [x for x in conditions.local_authorities if x not in names.local_authorities]
    if las:
        problems.add("local_authorities", f"Unknown local authority code(s): {', '.join(las)}")
    if unknown:
        problems.add("wards", f"Unknown ward code(s): {', '.join(unknown)}")
    if [a for a in conditions.areas if a not in names.areas]:
        problems.add("areas", "One of the chosen areas does not exist")
    if [o for o in conditions.served_by if o not in names.organisations]:
        problems.add("served_by", "One of the chosen organisations does not exist")
    if problems.errors:
        raise ValidationFailed.from_errors(problems.errors)

    # Which wards could a family live in and still pass the place conditions?
    possible = {w.code: w for w in Ward.objects.select_related("area")}
    if conditions.ward_mode == IN:
        possible = {k: w for k, w in possible.items() if k in conditions.wards}
    elif conditions.ward_mode == NOT_IN:
        possible = {k: w for k, w in possible.items() if k not in conditions.wards}
    after_wards = dict(possible)
    if conditions.local_authorities:
        possible = {k: w for k, w in possible.items() if w.lad_code in conditions.local_authorities}
        if after_wards and not possible:
            problems.add(
                "local_authorities",
                "None of the wards the rule allows is in the chosen local authority: "
                "nobody could ever be eligible",
            )
    if conditions.area_mode and possible:
        chosen = set(conditions.areas)

        def in_areas(w: Ward) -> bool:
            return w.area is not None and str(w.area.uuid) in chosen

        before = dict(possible)
        if conditions.area_mode == IN:
            possible = {k: w for k, w in possible.items() if in_areas(w)}
        else:
            possible = {k: w for k, w in possible.items() if w.area is not None and not in_areas(w)}
        if before and not possible:
            problems.add(
                "areas",
                "None of the wards the rule allows is in (or outside) those areas as chosen: "
                "nobody could ever be eligible",
            )
    if conditions.served_by and possible:
        served = set(
            Organisation.served_wards.through.objects.filter(
                organisation__uuid__in=conditions.served_by, organisation__active=True
            ).values_list("ward__code", flat=True)
        )
        if not served & set(possible):
            problems.add(
                "served_by",
                "None of the chosen organisations serves any ward the rule allows: "
                "nobody could ever be eligible",
            )
    if conditions.ward_mode and not after_wards:
        problems.add("wards", "The rule excludes every ward: nobody could ever be eligible")
    if problems.errors:
        raise ValidationFailed.from_errors(problems.errors)


def _or_list(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def _and_list(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def summary(conditions: Conditions, names: Names) -> str:
    """The rule in plain English, for the catalogue and the rule's history."""
    if conditions.open_to_all:
        return "Open to every family."
    parts: list[str] = []
    ward_names = [names.ward(w) for w in conditions.wards]
    if conditions.ward_mode == IN:
        parts.append(f"living in {_or_list(sorted(ward_names))}")
    elif conditions.ward_mode == NOT_IN:
        parts.append(f"living outside {_or_list(sorted(ward_names))}")
    if conditions.local_authorities:
        las = [names.local_authority(x) for x in conditions.local_authorities]
        parts.append(f"in {_or_list(las)}")
    area_names = sorted(names.area(a) for a in conditions.areas)
    if conditions.area_mode == IN:
        parts.append(f"in the {_or_list(area_names)} area{'s' if len(area_names) > 1 else ''}")
    elif conditions.area_mode == NOT_IN:
        parts.append(f"outside the {_or_list(area_names)} area{'s' if len(area_names) > 1 else ''}")
    if conditions.served_by:
        orgs = sorted(names.organisation(o) for o in conditions.served_by)
        parts.append(f"whose ward is served by {_or_list(orgs)}")
    if conditions.child:
        parts.append("with " + _child_words(conditions))
    if conditions.circumstances:
        labels = [CIRCUMSTANCES[k].label for k in conditions.circumstances]
        parts.append(f"where {_or_list(labels)}")
    return "Families " + "; ".join(parts) + "."


def _age_span(conditions: Conditions) -> str:
    """'under 60 months (fifth birthday)', 'aged 6 months to under 36 months', 'of any age'."""
    lo, hi = conditions.min_months, conditions.max_months
    if lo and hi is not None:
        return f"aged {months_words(lo)} to under {months_words(hi)}"
    if lo:
        return f"aged at least {months_words(lo)}"
    if hi is not None:
        return f"under {months_words(hi)}"
    return "of any age"


def _child_words(conditions: Conditions) -> str:
    """'a youngest child (born) under 12 months (first birthday)'; with "any child", 'a child
    (born) under 60 months (fifth birthday)': at least one child of the family."""
    who = "a youngest child" if conditions.which_child == YOUNGEST else "a child"
    if conditions.born:
        span = _age_span(conditions)
        if conditions.antenatal:
            return f"{who} from pregnancy (unborn) to {span.replace('aged ', '')}"
        return f"{who} (born) {span}"
    return "an unborn child (antenatal)"


# --- facts about one family, and the explained decision --------------------------------------------


@dataclass(frozen=True)
class WardFacts:
    code: str
    name: str
    lad_code: str
    lad_name: str
    area_id: str | None
    area_name: str
    serving: tuple[tuple[str, str], ...]  # (organisation uuid, name), active organisations


@dataclass(frozen=True)
class AdultFacts:
    housing_status: str
    relationship_status: str
    employment_status: str
    sex: str
    date_of_birth: date | None


@dataclass(frozen=True)
class FamilyFacts:
    ward: WardFacts | None
    has_unborn: bool
    unborn_due: date | None
    born: tuple[date, ...]  # dates of birth of the born children
    adults: tuple[AdultFacts, ...]
    interpreter_needed: bool
    undated: int = 0  # born children without a recorded date of birth (they meet no age condition)


def facts_for_household(household: Household) -> FamilyFacts:
    """The facts a rule looks at, from a household fetched through the access helpers (its
    memberships with their people, and its addresses with their wards, prefetched)."""
    current = next((a for a in household.addresses.all() if a.valid_to is None), None)
    ward_facts = None
    if current is not None and current.ward_id is not None:
        ward = (
            Ward.objects.select_related("area")
            .prefetch_related("serving_organisations")
            .get(pk=current.ward_id)
        )
        ward_facts = WardFacts(
            code=ward.code,
            name=ward.name,
            lad_code=ward.lad_code,
            lad_name=ward.lad_name,
            area_id=str(ward.area.uuid) if ward.area else None,
            area_name=ward.area.name if ward.area else "",
            serving=tuple(
                sorted((str(o.uuid), o.name) for o in ward.serving_organisations.all() if o.active)
            ),
        )
    members = [
        m for m in household.memberships.all() if m.left_on is None and m.person.archived_at is None
    ]
    children = [m.person for m in members if m.role == c.MemberRole.CHILD]
    unborn = [p for p in children if p.is_unborn]
    return FamilyFacts(
        ward=ward_facts,
        has_unborn=bool(unborn),
        unborn_due=min(
            (p.expected_date_of_delivery for p in unborn if p.expected_date_of_delivery),
            default=None,
        ),
        born=tuple(
            p.date_of_birth for p in children if not p.is_unborn and p.date_of_birth is not None
        ),
        adults=tuple(
            AdultFacts(
                housing_status=m.person.housing_status,
                relationship_status=m.person.relationship_status,
                employment_status=m.person.employment_status,
                sex=m.person.sex,
                date_of_birth=m.person.date_of_birth,
            )
            for m in members
            if m.role == c.MemberRole.PARENT_CARER
        ),
        interpreter_needed=any(m.person.interpreter_needed for m in members),
        undated=sum(1 for p in children if not p.is_unborn and p.date_of_birth is None),
    )


@dataclass(frozen=True)
class Reason:
    ok: bool
    text: str


@dataclass(frozen=True)
class Decision:
    """An eligibility decision that explains itself (R-ENGAGE-2)."""

    eligible: bool
    reasons: tuple[Reason, ...]
    rule_label: str = ""  # "rule v3"; empty when the service has no rule
    serving: tuple[str, ...] = ()  # names of the partner organisations serving the family's ward

    @property
    def explanation(self) -> str:
        shown = [r.text for r in self.reasons if r.ok == self.eligible] or [
            r.text for r in self.reasons
        ]
        head = "eligible" if self.eligible else "not eligible"
        text = f"{head}: {'; '.join(shown)}" if shown else head
        return f"{text} ({self.rule_label})" if self.rule_label else text

    def __str__(self) -> str:
        return self.explanation

    def __bool__(self) -> bool:
        return self.eligible


def _ward_text(w: WardFacts) -> str:
    return f"{w.name} ({w.code})"


NO_WARD = "the family's ward is not known (no current address with a ward)"


def explain(conditions: Conditions, facts: FamilyFacts, on: date, names: Names) -> list[Reason]:
    """One reason per condition, passed or failed, in the rule's order."""
    reasons: list[Reason] = []
    w = facts.ward
    if conditions.ward_mode:
        allowed = sorted(names.ward(x) for x in conditions.wards)
        if w is None:
            reasons.append(Reason(False, NO_WARD))
        elif conditions.ward_mode == IN:
            ok = w.code in conditions.wards
            reasons.append(
                Reason(
                    ok,
                    f"lives in {_ward_text(w)}"
                    if ok
                    else f"lives in {_ward_text(w)}, not in {_or_list(allowed)}",
                )
            )
        else:
            ok = w.code not in conditions.wards
            reasons.append(
                Reason(
                    ok,
                    f"lives in {_ward_text(w)}, outside {_or_list(allowed)}"
                    if ok
                    else f"lives in {_ward_text(w)}, one of the wards the service does not cover",
                )
            )
    if conditions.local_authorities:
        las = _or_list([names.local_authority(x) for x in conditions.local_authorities])
        if w is None:
            reasons.append(Reason(False, NO_WARD))
        else:
            ok = w.lad_code in conditions.local_authorities
            reasons.append(
                Reason(
                    ok,
                    f"lives in {w.lad_name} ({w.lad_code})"
                    if ok
                    else f"lives in {w.lad_name} ({w.lad_code}), not in {las}",
                )
            )
    if conditions.area_mode:
        chosen = _or_list(sorted(names.area(a) for a in conditions.areas))
        if w is None:
            reasons.append(Reason(False, NO_WARD))
        elif w.area_id is None:
            reasons.append(Reason(False, f"the area of {w.name} is not known"))
        else:
            inside = w.area_id in conditions.areas
            ok = inside if conditions.area_mode == IN else not inside
            where = f"lives in the {w.area_name} area"
            if ok:
                reasons.append(Reason(True, where))
            elif conditions.area_mode == IN:
                reasons.append(Reason(False, f"{where}, not {chosen}"))
            else:
                reasons.append(Reason(False, f"{where}, which the service does not cover"))
    if conditions.served_by:
        orgs = _or_list(sorted(names.organisation(o) for o in conditions.served_by))
        if w is None:
            reasons.append(Reason(False, NO_WARD))
        else:
            serving = [name for uuid, name in w.serving if uuid in conditions.served_by]
            reasons.append(
                Reason(True, f"served by {_or_list(serving)}")
                if serving
                else Reason(False, f"{w.name} is not served by {orgs}")
            )
    if conditions.child:
        reasons.append(_child_reason(conditions, facts, on))
    if conditions.circumstances:
        met = [
            CIRCUMSTANCES[k].label
            for k in conditions.circumstances
            if _circumstance_holds(k, facts, on)
        ]
        if met:
            reasons.append(Reason(True, met[0]))
        else:
            labels = [CIRCUMSTANCES[k].label for k in conditions.circumstances]
            reasons.append(Reason(False, "not recorded that " + _or_list(labels)))
    return reasons


def _child_reason(conditions: Conditions, facts: FamilyFacts, on: date) -> Reason:
    if conditions.which_child == ANY_CHILD:
        return _any_child_reason(conditions, facts, on)
    if facts.has_unborn:
        due = f", due {facts.unborn_due:%d/%m/%Y}" if facts.unborn_due else ""
        if conditions.antenatal:
            return Reason(True, f"unborn child{due}")
        return Reason(False, f"the youngest child is not born yet{due}")
    if not facts.born:
        return Reason(False, "no child recorded in the family")
    youngest = max(facts.born)
    words = age_words(youngest, on) if youngest <= on else "not yet born by that date"
    if not conditions.born:
        return Reason(False, f"child aged {words}: only unborn children are eligible")
    lo = conditions.min_months or 0
    if youngest > born_by(on, lo):
        if lo:
            return Reason(False, f"youngest child aged {words}, under {months_words(lo)}")
        return Reason(False, "the youngest child's date of birth is after the day of the decision")
    hi = conditions.max_months
    if hi is not None and youngest <= born_by(on, hi):
        return Reason(
            False, f"youngest child aged {words}, at or over the limit of {months_words(hi)}"
        )
    return Reason(True, f"child aged {words}")


def _born_in_range(conditions: Conditions, on: date) -> tuple[date, date | None]:
    """The date-of-birth bounds of a born child who meets the age condition on `on`:
    born on or before the first, and (if there is an upper age) after the second."""
    latest = born_by(on, conditions.min_months or 0)
    hi = conditions.max_months
    return latest, (born_by(on, hi) if hi is not None else None)


def _any_child_reason(conditions: Conditions, facts: FamilyFacts, on: date) -> Reason:
    """By any child: eligible through the first child that meets the condition (an unborn child
    if unborn children qualify, else the youngest born child in range), named by age; refused
    with every child the family has, so the reason shows why none of them qualifies."""
    due = f", due {facts.unborn_due:%d/%m/%Y}" if facts.unborn_due else ""
    if conditions.antenatal and facts.has_unborn:
        return Reason(True, f"unborn child{due}")
    if conditions.born:
        latest, earliest = _born_in_range(conditions, on)
        fits = [d for d in facts.born if d <= latest and (earliest is None or d > earliest)]
        if fits:
            return Reason(True, f"child aged {age_words(max(fits), on)}")
    if not (facts.has_unborn or facts.born or facts.undated):
        return Reason(False, "no child recorded in the family")
    if not conditions.born:
        wanted = "no unborn child"
    elif conditions.antenatal:
        wanted = f"no unborn child and no child {_age_span(conditions)}"
    else:
        wanted = f"no born child {_age_span(conditions)}"
    children = [f"an unborn child{due}"] if facts.has_unborn else []
    for dob in sorted(facts.born, reverse=True):
        children.append(
            f"a child aged {age_words(dob, on)}"
            if dob <= on
            else "a child whose date of birth is after the day of the decision"
        )
    children += ["a child with no date of birth recorded"] * facts.undated
    return Reason(False, f"{wanted}: {_and_list(children)}")


def _circumstance_holds(key: str, facts: FamilyFacts, on: date) -> bool:
    if key == "interpreter_needed":
        return facts.interpreter_needed
    adults = facts.adults
    if key == "temporary_accommodation":
        return any(a.housing_status in TEMPORARY for a in adults)
    if key == "lone_parent":
        return any(a.relationship_status in LONE for a in adults)
    if key == "unemployed":
        return any(a.employment_status == c.EmploymentStatus.UNEMPLOYED for a in adults)
    if key == "young_parent":
        limit = born_by(on, YOUNG_PARENT_MONTHS)
        return any(a.date_of_birth is not None and a.date_of_birth > limit for a in adults)
    if key == "father_or_male_carer":
        return any(a.sex == c.Sex.MALE for a in adults)
    raise KeyError(key)


def decide(
    conditions: Conditions,
    facts: FamilyFacts,
    on: date,
    names: Names,
    *,
    rule_label: str = "",
) -> Decision:
    reasons = explain(conditions, facts, on, names)
    if conditions.open_to_all:
        reasons = [Reason(True, "open to every family")]
    serving = tuple(name for _, name in facts.ward.serving) if facts.ward else ()
    if conditions.served_by and facts.ward:
        serving = tuple(name for uuid, name in facts.ward.serving if uuid in conditions.served_by)
    return Decision(
        eligible=all(r.ok for r in reasons),
        reasons=tuple(reasons),
        rule_label=rule_label,
        serving=serving,
    )


# --- the same rule as one SQL filter over households -----------------------------------------------

NOBODY = Q(pk__in=[])
EVERYBODY = Q()


def _current_addresses() -> QuerySet[Address]:
    return Address.objects.filter(valid_to__isnull=True, ward__isnull=False)


def _current_members(role: str | None = None) -> QuerySet[Membership]:
    qs = Membership.objects.filter(left_on__isnull=True, person__archived_at__isnull=True)
    return qs.filter(role=role) if role else qs


def _circumstance_q(key: str, on: date) -> Q:
    """A condition on a parent's or carer's person row (a member's, for an interpreter)."""
    if key == "interpreter_needed":
        return Q(person__interpreter_needed=True)
    if key == "temporary_accommodation":
        return Q(person__housing_status__in=TEMPORARY)
    if key == "lone_parent":
        return Q(person__relationship_status__in=LONE)
    if key == "unemployed":
        return Q(person__employment_status=c.EmploymentStatus.UNEMPLOYED)
    if key == "young_parent":
        return Q(person__date_of_birth__gt=born_by(on, YOUNG_PARENT_MONTHS))
    if key == "father_or_male_carer":
        return Q(person__sex=c.Sex.MALE)
    raise KeyError(key)


def _place_q(conditions: Conditions, within: Any) -> Q:
    """Every condition on where the family lives, as one set of current addresses."""
    if not (
        conditions.ward_mode
        or conditions.local_authorities
        or conditions.area_mode
        or conditions.served_by
    ):
        return EVERYBODY
    at = _current_addresses()
    if within is not None:
        at = at.filter(household__in=within)
    if conditions.ward_mode == IN:
        at = at.filter(ward__code__in=conditions.wards)
    elif conditions.ward_mode == NOT_IN:
        at = at.exclude(ward__code__in=conditions.wards)
    if conditions.local_authorities:
        at = at.filter(ward__lad_code__in=conditions.local_authorities)
    if conditions.area_mode == IN:
        at = at.filter(ward__area__uuid__in=conditions.areas)
    elif conditions.area_mode == NOT_IN:
        at = at.filter(ward__area__isnull=False).exclude(ward__area__uuid__in=conditions.areas)
    if conditions.served_by:
        served = Organisation.served_wards.through.objects.filter(
            organisation__uuid__in=conditions.served_by, organisation__active=True
        )
        at = at.filter(ward_id__in=served.values("ward_id"))
    return Q(pk__in=at.values("household_id"))


def _child_q(conditions: Conditions, on: date, within: Any) -> Q:
    """The youngest child, per family in one GROUP BY: whether an unborn child is recorded, and
    the latest date of birth of the born ones."""
    children = _current_members(c.MemberRole.CHILD)
    if within is not None:
        children = children.filter(household__in=within)
    # No ordering: Membership's default one would join the GROUP BY (and PostgreSQL, seeing the
    # primary key there, would then group by membership rather than by family).
    families = (
        children.order_by()
        .values("household_id")
        .annotate(
            unborn=Max(Case(When(person__is_unborn=True, then=Value(1)), default=Value(0))),
            youngest=Max(
                Case(
                    When(person__is_unborn=False, then=F("person__date_of_birth")),
                    output_field=DateField(),
                )
            ),
        )
    )
    # Only conditions on the aggregates here: a condition on a row's own column (even one that
    # can never match, like NOBODY's `pk__in=[]`) would add that column to the GROUP BY.
    kinds = []
    if conditions.antenatal:
        kinds.append(Q(unborn=1))
    if conditions.born:
        born = Q(unborn=0, youngest__lte=born_by(on, conditions.min_months or 0))
        if conditions.max_months is not None:
            born &= Q(youngest__gt=born_by(on, conditions.max_months))
        kinds.append(born)
    if not kinds:
        return NOBODY
    ok = kinds[0] if len(kinds) == 1 else kinds[0] | kinds[1]
    return Q(pk__in=families.filter(ok).values("household_id"))


def _any_child_q(conditions: Conditions, on: date, within: Any) -> Q:
    """By any child: the families with at least one current child who meets the condition on
    their own row (a semi-join; no grouping)."""
    kinds = []
    if conditions.antenatal:
        kinds.append(Q(person__is_unborn=True))
    if conditions.born:
        latest, earliest = _born_in_range(conditions, on)
        born = Q(person__is_unborn=False, person__date_of_birth__lte=latest)
        if earliest is not None:
            born &= Q(person__date_of_birth__gt=earliest)
        kinds.append(born)
    if not kinds:
        return NOBODY
    children = _current_members(c.MemberRole.CHILD)
    if within is not None:
        children = children.filter(household__in=within)
    fits = kinds[0] if len(kinds) == 1 else kinds[0] | kinds[1]
    return Q(pk__in=children.filter(fits).order_by().values("household_id"))


def household_filter(conditions: Conditions, on: date, *, within: Any = None) -> Q:
    """The rule as one condition over `people.Household` rows: `Household.objects.filter(q)` is
    every family the rule finds eligible on `on`, decided by the database in one statement.

    Set-based, like a hand-written query: each kind of condition is one subquery (current
    addresses; children grouped by family; parents), which the database joins to the households
    once, rather than a lookup per household (benchmarks/bench_engagement.py). `within`, the ids of
    the households to decide for (a `values("pk")` queryset), limits each subquery to them.
    """
    q = _place_q(conditions, within)
    if conditions.child and conditions.which_child == ANY_CHILD:
        q &= _any_child_q(conditions, on, within)
    elif conditions.child:
        q &= _child_q(conditions, on, within)
    if conditions.circumstances:
        parents = Q()
        for key in conditions.circumstances:
            if key != "interpreter_needed":
                parents |= _circumstance_q(key, on)
        members = _current_members()
        if within is not None:
            members = members.filter(household__in=within)
        any_of = NOBODY
        if parents != Q():
            any_of |= Q(
                pk__in=members.filter(role=c.MemberRole.PARENT_CARER)
                .filter(parents)
                .values("household_id")
            )
        if "interpreter_needed" in conditions.circumstances:
            any_of |= Q(
                pk__in=members.filter(_circumstance_q("interpreter_needed", on)).values(
                    "household_id"
                )
            )
        q &= any_of
    return q
