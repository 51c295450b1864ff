"""Reach: registered and engaged children against the local population (R-SHARE-6; ADR 0019).

For the producer's organisation(s), the children aged `age_from`..`age_to` on the last day of the
period who are registered (in a household allocated to the organisation, not archived, limited by
the agreement's consent purpose when it names one), and of those the *engaged* (present at a
session in the period), counted by ward of residence and by ONS high-level ethnic group, against
`places.PopulationEstimate` for the same ages (the latest year loaded up to the period's year).

Disclosure control: the counts go through `sharing.sdc.protect` under the agreement's rule set,
the ward and ethnicity tables of one measure together (they share their total, so a suppressed
cell cannot be worked out from the other table). A rate is computed from the *published* count
(so a rounded count gives a rate that reveals nothing more), and a suppressed count suppresses its
rate and interval.

Differencing (R-SHARE-2): a released reach keeps its two protected outputs (registered, engaged)
with the Output. A new reach under the same agreement, from the same date, for the same ages and
ending on or after an earlier release's end *nests* with it: the earlier counts are the children
of this one who would already have counted on the earlier end date (in the age band by then and,
for engaged, seen by then). The cube has a hidden third dimension, `counted_from`: for each child,
the first of the end dates involved (the earlier releases' and this one's) on which they count.
An earlier release is then the box "counted_from up to its end date" of today's cube, and
`sdc.protect(previous=...)` audits this release against it, so subtracting the earlier release
cannot narrow a suppressed cell (docs/extracts-and-reach.md).

Rates are per 100 children with Wilson score 95% intervals:

    p = x / n,  z = 1.959964
    centre = (p + z^2 / 2n) / (1 + z^2 / n)
    half   = z * sqrt(p (1 - p) / n + z^2 / 4n^2) / (1 + z^2 / n)
    interval = centre -/+ half     (times 100)

(Wilson 1927; e.g. 10 of 100 -> 5.5 to 17.4.) Unlike the normal approximation it stays inside
0..100 and behaves for small counts and rates near 0.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Min, OuterRef, Subquery

from familyhub.core.errors import ValidationFailed
from familyhub.people.models import Address, Membership
from familyhub.places.models import EthnicityCategory, PopulationEstimate, Ward
from familyhub.sharing import guard, sdc
from familyhub.sharing.models import Agreement, Level, Output
from familyhub.sharing.sdc.tables import TOTAL

Z95 = 1.959964
NOT_KNOWN = "Not known"
# The hidden dimension that nests earlier releases (module docstring), and how many of the latest
# nesting releases a new one is audited against.
COUNTED_FROM = "counted_from"
DIMENSIONS = ("ward", "ethnicity", COUNTED_FROM)
MAX_PREVIOUS = 12
EXAMPLE_FILE = Path(__file__).resolve().parent.parent / "places" / "data" / "population-example.csv"


def wilson(x: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of x successes in n trials, as proportions (0..1)."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= x <= n:
        x = max(0, min(x, n))
    p = x / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if x == 0 else max(0.0, centre - half)
    high = 1.0 if x == n else min(1.0, centre + half)
    return low, high


# --- the population file -------------------------------------------------------------------------

COLUMNS = ["ward_code", "year", "age_from", "age_to", "sex", "ethnic_group", "count", "source"]


def population_load(text: str, *, source: str = "") -> int:
    """Load population estimates from CSV text (lines starting with # are comments). Every row is
    checked before anything is written; a row already loaded (same ward, year, ages, sex, group
    and source) is updated, so loading a file twice changes nothing. Returns the rows loaded."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(lines)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or []) and c != "source"]
    if missing:
        raise ValidationFailed(f"The file has no column(s): {', '.join(missing)}.", field="file")
    wards = {w.code: w for w in Ward.objects.all()}
    rows, errors = [], []
    for number, r in enumerate(reader, start=2):
        try:
            ward = wards[r["ward_code"].strip()]
            year, lo, hi, count = (int(r[k]) for k in ("year", "age_from", "age_to", "count"))
            if lo > hi or count < 0:
                raise ValueError
        except KeyError:
            errors.append(f"row {number}: unknown ward code {r.get('ward_code')!r}")
            continue
        except (TypeError, ValueError):
            errors.append(f"row {number}: year, ages and count must be whole numbers (from <= to)")
            continue
        row_source = (r.get("source") or source).strip()
        if not row_source:
            errors.append(f"row {number}: no source named")
            continue
        rows.append(
            (
                ward,
                year,
                lo,
                hi,
                (r.get("sex") or "").strip(),
                (r.get("ethnic_group") or "").strip(),
                count,
                row_source[:200],
            )
        )
    if errors:
        raise ValidationFailed(errors[0], errors={"file": errors[:20]})
    with transaction.atomic():
        for ward, year, lo, hi, sex, group, count, row_source in rows:
            PopulationEstimate.objects.update_or_create(
                ward=ward,
                year=year,
                age_from=lo,
                age_to=hi,
                sex=sex,
                ethnic_group=group,
                source=row_source,
                defaults={"count": count},
            )
    return len(rows)


def load_example_population() -> str:
    """For the demo: the shipped SYNTHETIC EXAMPLE file (idempotent)."""
    n = population_load(EXAMPLE_FILE.read_text(encoding="utf-8"))
    return (
        f"Population estimates: {n} rows of the SYNTHETIC EXAMPLE file loaded (not real figures)."
    )


# --- the report ----------------------------------------------------------------------------------


@dataclass
class ReachRow:
    label: str
    population: int | None
    registered: str  # as published
    engaged: str
    registered_rate: float | None = None
    registered_ci: tuple[float, float] | None = None
    engaged_rate: float | None = None
    engaged_ci: tuple[float, float] | None = None


@dataclass
class Reach:
    by_ward: list[ReachRow]
    by_ethnicity: list[ReachRow]
    rule_set: str
    notes: list[str]
    sources: list[str]
    year: int | None
    date_from: date
    date_to: date
    age_from: int
    age_to: int
    audit: dict[str, Any] = field(default_factory=dict)
    # The protected outputs as stored with a release (`ProtectedOutput.to_dict()`), and the ids
    # of the earlier releases this one was audited against.
    protection: dict[str, Any] = field(default_factory=dict)
    previous_ids: list[int] = field(default_factory=list)


def _published_value(display: str) -> int | None:
    try:
        return int(display)
    except ValueError:
        return None


def _rate(display: str, population: int | None) -> tuple[float | None, tuple[float, float] | None]:
    value = _published_value(display)
    if value is None or not population:
        return None, None
    value = min(value, population)
    lo, hi = wilson(value, population)
    return round(100 * value / population, 1), (round(100 * lo, 1), round(100 * hi, 1))


def _counts(
    actor: Any,
    agreement: Agreement,
    capability: str,
    date_from: date,
    date_to: date,
    age_from: int,
    age_to: int,
    ends: list[date],
) -> tuple[Counter[tuple[str, str, str]], Counter[tuple[str, str, str]]]:
    """Registered and engaged children by (ward, ethnic group, counted_from): `ends` are the end
    dates (sorted, the last is `date_to`); a child's counted_from is the first of them on which
    they would count (in the age band by then; engaged: seen at a session by then)."""
    from familyhub.engagement.models import Attendance
    from familyhub.sharing.services.extracts import (
        Population,
        _years_before,
        people_for,
        producer_organisations,
    )

    orgs = producer_organisations(actor, capability)
    people = people_for(agreement, orgs, Population.EVERYONE, date_to).filter(
        date_of_birth__gt=_years_before(date_to, age_to + 1), date_of_birth__lte=date_to
    )
    people = people.filter(date_of_birth__lte=_years_before(date_to, age_from))
    current = Membership.objects.filter(person=OuterRef("pk"), left_on__isnull=True).order_by(
        "-lives_here", "id"
    )
    ward = Address.objects.filter(
        household_id=OuterRef("household_id"), valid_to__isnull=True
    ).order_by("-valid_from", "-id")
    first_seen = (
        Attendance.objects.filter(
            person=OuterRef("pk"),
            present=True,
            session__date__gte=date_from,
            session__date__lte=date_to,
        )
        .order_by()
        .values("person")
        .annotate(first=Min("session__date"))
        .values("first")
    )
    rows = (
        people.annotate(
            household_id=Subquery(current.values("household_id")[:1]),
            ward_id=Subquery(ward.values("ward_id")[:1]),
            first_seen=Subquery(first_seen[:1]),
        )
        .order_by()
        .values_list("ward_id", "ethnicity_id", "date_of_birth", "first_seen")
    )
    wards = dict(Ward.objects.values_list("pk", "name"))
    groups = {e.pk: (e.high_level_group or NOT_KNOWN) for e in EthnicityCategory.objects.all()}
    # A child is in the band at `end` when born on or before _years_before(end, age_from).
    band_from = [(end, _years_before(end, age_from)) for end in ends]
    registered: Counter[tuple[str, str, str]] = Counter()
    engaged_n: Counter[tuple[str, str, str]] = Counter()
    for ward_id, ethnicity_id, born, seen in rows:
        assert born is not None  # the query keeps only children with a date of birth
        place = (wards.get(ward_id, NOT_KNOWN), groups.get(ethnicity_id, NOT_KNOWN))
        in_band = next(end for end, latest in band_from if born <= latest)
        registered[(*place, in_band.isoformat())] += 1
        if seen is not None:
            counted = max(in_band, next(end for end in ends if _as_date(seen) <= end))
            engaged_n[(*place, counted.isoformat())] += 1
    return registered, engaged_n


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _protect(
    counts: Counter[tuple[str, str, str]],
    ward_names: list[str],
    group_names: list[str],
    ends: list[date],
    rule: Any,
    previous: Sequence[tuple[date, sdc.ProtectedOutput]] = (),
) -> sdc.ProtectedOutput:
    """Protect one measure's two tables, audited against the earlier releases that nest with it
    (each with its end date). An earlier release's cells are its boxes of this cube: its own
    wards and groups, and counted_from up to its end date (whatever end dates it knew itself)."""
    cells: dict[tuple[str, ...], int] = {tuple(k): v for k, v in counts.items()}
    labels = [end.isoformat() for end in ends]
    cube = sdc.Cube.build(
        {"ward": ward_names, "ethnicity": group_names, COUNTED_FROM: labels}, cells
    )
    tables = [
        sdc.margin_table(cube, "by-ward", by="ward", title="By ward"),
        sdc.margin_table(cube, "by-ethnicity", by="ethnicity", title="By ethnic group"),
    ]
    earlier = [as_previous(output, end, ends) for end, output in previous]
    return sdc.protect(cube, tables, rule, previous=earlier)


def as_previous(
    output: sdc.ProtectedOutput, end: date, ends: Sequence[date]
) -> sdc.ProtectedOutput:
    """An earlier release (ending on `end`) as boxes of a cube whose counted_from values are
    `ends`: its cells sum the children counted from any end date up to its own. (Its stored
    counted_from values are the end dates it knew; a later release may know more.)"""
    labels = tuple(e.isoformat() for e in ends if e <= end)
    return replace(output, domains={**output.domains, COUNTED_FROM: labels})


def _nesting(
    agreement: Agreement, date_from: date, date_to: date, age_from: int, age_to: int
) -> list[tuple[Output, dict[str, sdc.ProtectedOutput]]]:
    """The earlier released reaches this one nests with (module docstring), newest first."""
    from familyhub.sharing.services.reports import nesting_releases

    found = nesting_releases(
        Output.objects.filter(
            kind=Output.Kind.REACH,
            agreement=agreement,
            request__age_from=age_from,
            request__age_to=age_to,
        ),
        start=date_from,
        end=date_to,
        same_start=True,
        keys=("registered", "engaged"),
        limit=MAX_PREVIOUS,
    )
    return [
        (output, stored)
        for output, stored in found
        if all(p.dimensions == DIMENSIONS for p in stored.values())
    ]


def reach(
    *,
    actor: Any,
    agreement: Agreement,
    date_from: date,
    date_to: date,
    age_from: int = 0,
    age_to: int = 4,
    capability: str | None = None,
) -> Reach:
    """The reach tables, with disclosure control applied (see the module docstring). Refused,
    with every reason, when the agreement does not allow these counts (R-SHARE-1): the refusal is
    recorded as a refused output."""
    from familyhub.sharing.services.extracts import PRODUCE_EXTRACTS

    if date_from > date_to:
        raise ValidationFailed("The period ends before it starts.", field="date_to")
    request = _request(date_from, date_to, age_from, age_to)
    try:
        guard.check(agreement, level=Level.AGGREGATE, items=ITEMS, on=_today())
    except guard.OutputRefused as refused:
        _refuse(actor, agreement, request, refused.reasons)
        raise
    estimates = PopulationEstimate.objects.filter(
        age_from__gte=age_from, age_to__lte=age_to, sex="", year__lte=date_to.year
    )
    year = estimates.order_by("-year").values_list("year", flat=True).first()
    estimates = estimates.filter(year=year) if year else estimates.none()
    ward_pop: Counter[str] = Counter()
    group_pop: Counter[str] = Counter()
    sources: set[str] = set()
    for name, group, count, source in estimates.values_list(
        "ward__name", "ethnic_group", "count", "source"
    ):
        sources.add(source)
        if group:
            group_pop[group] += count
        else:
            ward_pop[name] += count
    nesting = _nesting(agreement, date_from, date_to, age_from, age_to)
    ends = sorted({o.period_end for o, _ in nesting if o.period_end} | {date_to})
    registered, engaged = _counts(
        actor,
        agreement,
        capability or PRODUCE_EXTRACTS,
        date_from,
        date_to,
        age_from,
        age_to,
        ends,
    )
    earlier_wards = {w for _, s in nesting for p in s.values() for w in p.domains["ward"]}
    earlier_groups = {g for _, s in nesting for p in s.values() for g in p.domains["ethnicity"]}
    ward_names = sorted({w for w, _, _ in registered} | set(ward_pop) | earlier_wards | {NOT_KNOWN})
    group_names = sorted(
        {g for _, g, _ in registered} | set(group_pop) | earlier_groups | {NOT_KNOWN}
    )
    rule = sdc.get_rule_set(agreement.rule_set)
    try:
        reg_out, eng_out = (
            _protect(
                counts,
                ward_names,
                group_names,
                ends,
                rule,
                [(o.period_end, s[measure]) for o, s in nesting if o.period_end],
            )
            for measure, counts in (("registered", registered), ("engaged", engaged))
        )
    except sdc.DisclosureControlFailed as failed:
        _refuse(actor, agreement, request, [failed.message])
        raise

    def rows(table: str, names: Iterable[str], pop: Counter[str]) -> list[ReachRow]:
        out = []
        reg_t, eng_t = reg_out.table(table), eng_out.table(table)
        for name in [*names, TOTAL]:
            r = reg_t.cell(name).display
            e = eng_t.cell(name).display
            population = sum(pop.values()) if name == TOTAL else pop.get(name)
            rr, rci = _rate(r, population)
            er, eci = _rate(e, population)
            out.append(ReachRow(name, population or None, r, e, rr, rci, er, eci))
        return out

    return Reach(
        by_ward=rows("by-ward", ward_names, ward_pop),
        by_ethnicity=rows("by-ethnicity", group_names, group_pop),
        rule_set=rule.name,
        notes=list(reg_out.notes),
        sources=sorted(sources),
        year=year,
        date_from=date_from,
        date_to=date_to,
        age_from=age_from,
        age_to=age_to,
        audit={
            "registered_passed": reg_out.audit.passed,
            "engaged_passed": eng_out.audit.passed,
            "previous_outputs": len(nesting),
        },
        protection={"registered": reg_out.to_dict(), "engaged": eng_out.to_dict()},
        previous_ids=[o.pk for o, _ in nesting],
    )


# What the reach tables hold, as the agreement register names it.
ITEMS = ("ward", "ethnicity_group", "age_band", "children")


def _today() -> date:
    from django.utils import timezone

    return timezone.localdate()


def _years_before(on: date, years: int) -> date:
    from familyhub.sharing.services.extracts import _years_before as years_before

    return years_before(on, years)


def _request(date_from: date, date_to: date, age_from: int, age_to: int) -> dict[str, Any]:
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "age_from": age_from,
        "age_to": age_to,
    }


def _refuse(actor: Any, agreement: Agreement, request: dict[str, Any], reasons: list[str]) -> None:
    """A reach that may not be produced or leave is kept as a refused output (R-SHARE-1)."""
    Output.objects.create(
        kind=Output.Kind.REACH,
        agreement=agreement,
        title=_title(
            date.fromisoformat(request["date_from"]),
            date.fromisoformat(request["date_to"]),
            request["age_from"],
            request["age_to"],
        ),
        request=request,
        status=Output.Status.REFUSED,
        refusal_reason="\n".join(reasons),
        rule_set=agreement.rule_set,
        produced_by=actor if getattr(actor, "pk", None) else None,
    )


def _title(date_from: date, date_to: date, age_from: int, age_to: int) -> str:
    return f"Reach: children aged {age_from}-{age_to}, {date_from:%d/%m/%Y} to {date_to:%d/%m/%Y}"


def reach_release(
    *, actor: Any, agreement: Agreement, result: Reach, data: bytes, name: str
) -> Output:
    """The reach CSV leaves (R-SHARE-5, invariant 5): an output with the disclosure control that
    cleared it (both protected outputs, kept so that a later reach is audited against this one),
    the file itself (for downloading the same output again), and one disclosure record (kind
    report, level aggregate, the agreement, the registered children counted, the file's SHA-256).

    Refused, and kept as a refused output, when the agreement is no longer in force or when a
    reach under it was already released in this frequency window (R-SHARE-1, `guard`)."""
    import hashlib

    from familyhub.sharing.services import disclosures

    request = _request(result.date_from, result.date_to, result.age_from, result.age_to)
    reasons = guard.reasons(agreement, level=Level.AGGREGATE, items=ITEMS, on=_today())
    if not reasons:
        reasons = guard.frequency_reasons(agreement, kind=Output.Kind.REACH, on=_today())
    if reasons:
        _refuse(actor, agreement, request, reasons)
        raise guard.OutputRefused(reasons)
    sha = hashlib.sha256(data).hexdigest()
    files = [{"name": name, "bytes": len(data), "sha256": sha}]
    total = next((r.registered for r in result.by_ward if r.label == TOTAL), "")
    counted = int(total) if total.isdigit() else 0
    with transaction.atomic():
        record = disclosures.record_aggregate_release(
            agreement,
            actor=actor,
            what=_title(result.date_from, result.date_to, result.age_from, result.age_to),
            channel="Downloaded",
            people_count=counted,
            files=files,
        )
        return Output.objects.create(
            kind=Output.Kind.REACH,
            agreement=agreement,
            title=_title(result.date_from, result.date_to, result.age_from, result.age_to),
            request=_request(result.date_from, result.date_to, result.age_from, result.age_to),
            status=Output.Status.RELEASED,
            rule_set=result.rule_set,
            protection={
                "notes": result.notes,
                "audit": result.audit,
                **result.protection,
                "linked_previous": result.previous_ids,
            },
            period_start=result.date_from,
            period_end=result.date_to,
            people_count=counted,
            files=files,
            content=data,
            disclosure=record,
            produced_by=actor if getattr(actor, "pk", None) else None,
        )


def reach_released(
    agreement: Agreement, date_from: date, date_to: date, age_from: int = 0, age_to: int = 4
) -> Output | None:
    """The reach already released under `agreement` for exactly this request, with its file: a
    download of the same reach again serves that file and is not a new release (R-SHARE-1)."""
    return (
        Output.objects.filter(
            kind=Output.Kind.REACH,
            agreement=agreement,
            status=Output.Status.RELEASED,
            request__date_from=date_from.isoformat(),
            request__date_to=date_to.isoformat(),
            request__age_from=age_from,
            request__age_to=age_to,
            content__isnull=False,
        )
        .order_by("-created_at", "-id")
        .first()
    )


def reach_csv(result: Reach) -> bytes:
    buffer = io.StringIO()
    w = csv.writer(buffer, lineterminator="\r\n")
    w.writerow(
        [
            f"Reach: children aged {result.age_from}-{result.age_to}, "
            f"{result.date_from:%d/%m/%Y} to {result.date_to:%d/%m/%Y}"
        ]
    )
    w.writerow([f"Disclosure control: {result.rule_set}"])
    for note in result.notes:
        w.writerow([note])
    w.writerow([f"Population: {'; '.join(result.sources) or 'none loaded'} ({result.year})"])
    for title, table in (("Ward", result.by_ward), ("Ethnic group", result.by_ethnicity)):
        w.writerow([])
        w.writerow(
            [
                title,
                "population",
                "registered",
                "registered per 100",
                "95% CI low",
                "95% CI high",
                "engaged",
                "engaged per 100",
                "95% CI low",
                "95% CI high",
            ]
        )
        for r in table:
            w.writerow(
                [
                    r.label,
                    r.population if r.population is not None else "",
                    r.registered,
                    _f(r.registered_rate),
                    *_ci(r.registered_ci),
                    r.engaged,
                    _f(r.engaged_rate),
                    *_ci(r.engaged_ci),
                ]
            )
    return buffer.getvalue().encode("utf-8")


def _f(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _ci(ci: tuple[float, float] | None) -> list[str]:
    return ["", ""] if ci is None else [f"{ci[0]:.1f}", f"{ci[1]:.1f}"]


# --- charts: server-rendered SVG -----------------------------------------------------------------


@dataclass
class Bar:
    label: str
    y: int
    width: float
    ci_low: float | None  # x of the whisker's ends, in the SVG's units
    ci_high: float | None
    value: str


LABEL_WIDTH = 220


def chart(rows: list[ReachRow], measure: str, *, width: int = 420, bar: int = 18) -> dict[str, Any]:
    """Bars (rate per 100) with 95% CI whiskers, as coordinates a template draws into an SVG
    (`sharing/reach/_chart.html`). A row with a suppressed rate has no bar and says so; the
    data table beside the chart gives every figure."""
    data = [(r.label, getattr(r, f"{measure}_rate"), getattr(r, f"{measure}_ci")) for r in rows]
    top = max([ci[1] for _, _, ci in data if ci] + [1.0])
    scale = (width - 10) / top
    bars = []
    for i, (label, rate, ci) in enumerate(data):
        bars.append(
            Bar(
                label=label,
                y=i * (bar + 8),
                width=0 if rate is None else round(rate * scale, 1),
                ci_low=None if ci is None else round(LABEL_WIDTH + ci[0] * scale, 1),
                ci_high=None if ci is None else round(LABEL_WIDTH + ci[1] * scale, 1),
                value="suppressed" if rate is None else f"{rate:.1f}",
            )
        )
    return {
        "bars": bars,
        "height": len(bars) * (bar + 8) + 10,
        "width": width + LABEL_WIDTH,
        "bar": bar,
        "text_y": bar - 4,
        "whisker_y": bar // 2,
        "tick_end": bar - 3,
        "label_x": LABEL_WIDTH - 8,
        "bar_x": LABEL_WIDTH,
        "note_x": LABEL_WIDTH + 4,
        "max": round(top, 1),
    }
