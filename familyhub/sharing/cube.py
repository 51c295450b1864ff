"""The one data cube every aggregate report is cut from (R-SHARE-2; ADR 0018).

A report asks for one *measure* over a period, grouped by up to two *dimensions* (rows and
columns) and filtered by others:

    query = CubeQuery(measure="attendances", rows="ward", columns="ethnicity_group",
                      start=date(2026, 1, 1), end=date(2026, 3, 31),
                      filters={"service": ["fred"], "parent_role": ["father"]})
    result = build(query, agreement=agreement)     # -> CubeResult (an sdc.Cube and its labels)

Each measure is ONE SQL statement with one GROUP BY (never a Python loop over rows): the
dimensions are SQL expressions over the measure's source rows; the GROUP BY keys are small ids
and codes, turned into labels afterwards over the grouped rows only.

Measures and their source rows:
- attendances: present attendances at sessions of the organisation's services;
- children, adults: distinct people among those attendances. A distinct count is only additive
  over the cube (which disclosure control needs: totals must be sums of cells) when each person is
  in exactly one base cell, so each person is counted once, in the cell of their *first*
  attendance in the window (ward, service, month... of that attendance). Totals are then the true
  distinct counts; a person attending in two wards is counted in the first one.
- visits: home visits that happened (casework contacts of kind home visit, status done);
- registrations: enrolments that started in the period.

Scope: the lead organisation's data (sessions it runs and sessions of services it provides; its
own visits; enrolments with it or in its services), and only people the
agreement's consent purpose permits (`privacy.policy.permitted`, decided in the same SQL). An
agreement with no consent purpose uses the 'service-planning' purpose (public task), so objections
and restrictions still take people out.

Where things happened: an attendance is counted in the ward of its session (the session's ward,
else its venue's); a visit or registration in the ward of the family's current address.
The cube always carries a hidden month dimension, so a later release of the same report with an
overlapping period (a year to date) is audited against this one (`sdc.protect(previous=...)`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import (
    Coalesce,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    FirstValue,
    TruncDate,
    TruncMonth,
)

from familyhub.core.errors import ValidationFailed
from familyhub.sharing import sdc

MONTH = "month"  # the hidden dimension
UNKNOWN_WARD = "Ward not known"
NOT_ASKED = "Not asked"
PREFER_NOT = "Prefer not to say"
AGE_BANDS = ("0-1", "1-2", "2-3", "3-4", "4-5", "5 and over", "Adult", "Age not known")
PARENT_ROLES = {
    "mother": "Mother",
    "father": "Father",
    "carer": "Carer",
    "other": "Other adult",
    "child": "Child",
}
CARER_KINDS = ("carer", "step_parent", "foster_carer", "grandparent")
GRAINS = ("month", "quarter", "year")


# --- measures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a measure's rows come from: the ORM paths of its event date, person, ward, service."""

    code: str
    label: str
    queryset: Callable[[Any], QuerySet[Any]]  # (organisation) -> rows in scope
    date: str | Any  # a path or an expression giving the event's date
    person: str
    ward: Any
    service: str
    distinct: bool = False  # count distinct people (first event in the window)
    child: bool | None = None  # attendance: as_child; None for other measures
    household: str | None = None  # rows about a whole family may name no person


def _attendances(org: Any) -> QuerySet[Any]:
    from familyhub.engagement.models import Attendance

    return Attendance.objects.filter(present=True, session__cancelled_at__isnull=True).filter(
        Q(session__organisation=org) | Q(session__service__provider=org)
    )


def _visits(org: Any) -> QuerySet[Any]:
    from familyhub.casework.models import Contact

    return Contact.objects.filter(
        kind=Contact.Kind.HOME_VISIT, status=Contact.Status.DONE, organisation=org
    )


def _registrations(org: Any) -> QuerySet[Any]:
    from familyhub.engagement.models import Enrolment

    return Enrolment.objects.filter(Q(organisation=org) | Q(service__provider=org))


def _home_ward(household_path: str) -> Any:
    from familyhub.people.models import Address

    return Subquery(
        Address.objects.filter(household=OuterRef(household_path), valid_to__isnull=True).values(
            "ward_id"
        )[:1]
    )


def _session_ward() -> Any:
    return Coalesce(F("session__ward_id"), F("session__venue__ward_id"))


MEASURES: dict[str, Source] = {
    s.code: s
    for s in [
        Source(
            "attendances",
            "Attendances",
            _attendances,
            "session__date",
            "person",
            _session_ward,
            "session__service",
        ),
        Source(
            "children",
            "Distinct children",
            _attendances,
            "session__date",
            "person",
            _session_ward,
            "session__service",
            distinct=True,
            child=True,
        ),
        Source(
            "adults",
            "Distinct adults",
            _attendances,
            "session__date",
            "person",
            _session_ward,
            "session__service",
            distinct=True,
            child=False,
        ),
        Source(
            "visits",
            "Home visits",
            _visits,
            TruncDate("occurred_at"),
            "person",
            lambda: _home_ward("household"),
            "service",
            household="household",
        ),
        Source(
            "registrations",
            "New registrations",
            _registrations,
            "started_on",
            "person",
            lambda: _home_ward("household"),
            "service",
        ),
    ]
}


# --- dimensions ------------------------------------------------------------------------------


@dataclass
class Labels:
    """Reference rows read once per build: raw keys -> labels, and each dimension's domain."""

    wards: dict[Any, str] = field(default_factory=dict)  # id -> name
    ward_codes: dict[str, Any] = field(default_factory=dict)  # code -> id
    ward_area: dict[Any, str] = field(default_factory=dict)  # id -> area name
    areas: list[str] = field(default_factory=list)
    services: dict[Any, str] = field(default_factory=dict)  # id -> name
    service_codes: dict[str, Any] = field(default_factory=dict)  # code -> id
    ethnicity_group: dict[Any, str] = field(default_factory=dict)  # id -> group
    ethnicity_detailed: dict[Any, str] = field(default_factory=dict)  # id -> label
    groups: list[str] = field(default_factory=list)
    detailed: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, org: Any) -> Labels:
        from familyhub.engagement.models import Service
        from familyhub.places.models import EthnicityCategory, Ward

        out = cls()
        for w in Ward.objects.select_related("area").order_by("name"):
            out.wards[w.id] = w.name
            out.ward_codes[w.code] = w.id
            out.ward_area[w.id] = w.area.name if w.area else "Area not known"
        out.areas = sorted(set(out.ward_area.values()))
        for s in Service.objects.order_by("name"):
            out.services[s.id] = s.name
            out.service_codes[s.code] = s.id
        for e in EthnicityCategory.objects.order_by("sort_order"):
            if e.kind == EthnicityCategory.Kind.PREFER_NOT_TO_SAY:
                out.ethnicity_group[e.id] = out.ethnicity_detailed[e.id] = PREFER_NOT
                continue
            group = e.high_level_group or e.label
            out.ethnicity_group[e.id] = group
            out.ethnicity_detailed[e.id] = e.label
            if group not in out.groups:
                out.groups.append(group)
            out.detailed.append(e.label)
        out.groups += [PREFER_NOT, NOT_ASKED]
        out.detailed += [PREFER_NOT, NOT_ASKED]
        return out


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str
    measures: tuple[str, ...] | None = None  # None: every measure


DIMENSIONS: dict[str, Dimension] = {
    d.code: d
    for d in [
        Dimension("ward", "Ward"),
        Dimension("area", "Area"),
        Dimension("service", "Service"),
        Dimension("session_type", "Type of session"),
        Dimension("period", "Period"),
        Dimension("age_band", "Age band"),
        Dimension("sex", "Sex"),
        Dimension("ethnicity_group", "Ethnic group"),
        Dimension("ethnicity_detailed", "Ethnic group (detailed)"),
        Dimension("parent_role", "Parent role"),
    ]
}


def _age_months(person: str, when: str) -> Any:
    dob = f"{person}__date_of_birth"
    return (
        (ExtractYear(when) - ExtractYear(dob)) * 12
        + (ExtractMonth(when) - ExtractMonth(dob))
        - Case(When(Q(**{f"{when}__day__lt": ExtractDay(dob)}), then=1), default=0)
    )


def _age_band(src: Source) -> Any:
    months = _age_months(src.person, "event_date")
    child_bands = [
        When(**{f"{src.person}__date_of_birth__isnull": True}, then=Value("Age not known")),
        When(age_m__lt=0, then=Value("Age not known")),
        *[When(age_m__lt=12 * (i + 1), then=Value(b)) for i, b in enumerate(AGE_BANDS[:5])],
    ]
    if src.child is not None:  # attendance: the register says child or adult
        return months, Case(
            When(as_child=False, then=Value("Adult")),
            *child_bands,
            default=Value("5 and over"),
            output_field=CharField(),
        )
    return months, Case(
        *child_bands,
        When(age_m__lt=12 * 18, then=Value("5 and over")),
        default=Value("Adult"),
        output_field=CharField(),
    )


def _parent_role(src: Source) -> Any:
    from familyhub.people.models import Relationship

    def rel(kinds: Sequence[str]) -> Any:
        return Exists(
            Relationship.objects.filter(
                from_person=OuterRef(src.person), kind__in=kinds, ended_on__isnull=True
            )
        )

    whens = [
        When(rel(["mother"]), then=Value("mother")),
        When(rel(["father"]), then=Value("father")),
        When(rel(CARER_KINDS), then=Value("carer")),
    ]
    if src.child is not None:
        whens.insert(0, When(as_child=True, then=Value("child")))
    return Case(*whens, default=Value("other"), output_field=CharField())


def _expression(dim: str, src: Source) -> tuple[dict[str, Any], Any]:
    """(helper annotations, the SQL expression of the dimension's raw key)."""
    p = src.person
    if dim in ("ward", "area"):
        return {}, F("ward_id_")
    if dim == "service":
        return {}, F(f"{src.service}_id")
    if dim == "session_type":
        return {}, F(f"{src.service}__kind")
    if dim in ("period", MONTH):
        return {}, TruncMonth("event_date")
    if dim == "sex":
        return {}, F(f"{p}__sex")
    if dim in ("ethnicity_group", "ethnicity_detailed"):
        return {}, F(f"{p}__ethnicity_id")
    if dim == "age_band":
        months, band = _age_band(src)
        return {"age_m": months}, band
    if dim == "parent_role":
        return {}, _parent_role(src)
    raise ValidationFailed(f"There is no dimension {dim!r}.", field="rows")


# --- the query ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CubeQuery:
    measure: str
    rows: str
    columns: str | None
    start: date
    end: date
    grain: str = "month"
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # Further dimensions kept in the cube (summed over by the tables): for linked tables by them.
    layers: tuple[str, ...] = ()

    @property
    def dimensions(self) -> tuple[str, ...]:
        return tuple(d for d in (self.rows, self.columns, *self.layers) if d)

    def items(self) -> list[str]:
        """The agreement items this query uses (sharing.items codes)."""
        return list(dict.fromkeys([*self.dimensions, *self.filters, self.measure]))

    def validate(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.measure not in MEASURES:
            errors["measure"] = ["Choose what to count"]
        if self.rows not in DIMENSIONS:
            errors["rows"] = ["Choose what the rows are"]
        if self.columns and self.columns not in DIMENSIONS:
            errors["columns"] = ["Choose what the columns are"]
        if self.columns and self.columns == self.rows:
            errors["columns"] = ["Rows and columns must be different"]
        layers = self.layers
        if (
            len(set(layers)) != len(layers)
            or any(d in (self.rows, self.columns) for d in layers)
            or any(d not in DIMENSIONS for d in layers)
        ):
            errors.setdefault("columns", []).append("Each dimension can be used once")
        if self.grain not in GRAINS:
            errors["grain"] = ["Choose month, quarter or year"]
        if self.end < self.start:
            errors["end"] = ["The end of the period must be after its start"]
        elif (self.end - self.start).days > 3 * 366:
            errors["end"] = ["A report covers at most three years"]
        for dim in self.filters:
            if dim not in DIMENSIONS or dim == "period":
                errors.setdefault("filters", []).append(f"'{dim}' cannot be filtered on")
        if errors:
            raise ValidationFailed.from_errors(errors)

    def to_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "rows": self.rows,
            "columns": self.columns or "",
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "grain": self.grain,
            "filters": {k: list(v) for k, v in self.filters.items() if v},
            **({"layers": list(self.layers)} if self.layers else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CubeQuery:
        try:
            return cls(
                measure=str(data["measure"]),
                rows=str(data["rows"]),
                columns=str(data.get("columns") or "") or None,
                start=date.fromisoformat(str(data["start"])),
                end=date.fromisoformat(str(data["end"])),
                grain=str(data.get("grain") or "month"),
                filters={k: [str(v) for v in vs] for k, vs in (data.get("filters") or {}).items()},
                layers=tuple(str(v) for v in data.get("layers") or ()),
            )
        except (KeyError, ValueError) as e:
            raise ValidationFailed(f"The report definition is incomplete: {e}.") from None


def period_label(month: date, grain: str) -> str:
    if grain == "year":
        return f"{month.year}"
    if grain == "quarter":
        return f"{month.year} Q{(month.month - 1) // 3 + 1}"
    return f"{month:%Y-%m}"


def months_between(start: date, end: date) -> list[date]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _as_date(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _labeller(dim: str, labels: Labels, grain: str) -> Callable[[Any], str]:
    from familyhub.engagement.models import Service
    from familyhub.people.choices import Sex

    if dim == "ward":
        return lambda raw: labels.wards.get(raw, UNKNOWN_WARD)
    if dim == "area":
        return lambda raw: labels.ward_area.get(raw, "Area not known")
    if dim == "service":
        return lambda raw: labels.services.get(raw, "No service recorded")
    if dim == "session_type":
        kinds = dict(Service.Kind.choices)
        return lambda raw: str(kinds.get(raw, "Not recorded"))
    if dim == "period":
        return lambda raw: period_label(_as_date(raw), grain)
    if dim == MONTH:
        return lambda raw: period_label(_as_date(raw), "month")
    if dim == "sex":
        sexes = dict(Sex.choices)
        return lambda raw: str(sexes.get(raw, "Not known"))
    if dim == "ethnicity_group":
        return lambda raw: labels.ethnicity_group.get(raw, NOT_ASKED)
    if dim == "ethnicity_detailed":
        return lambda raw: labels.ethnicity_detailed.get(raw, NOT_ASKED)
    if dim == "parent_role":
        return lambda raw: PARENT_ROLES.get(raw, "Other adult")
    return lambda raw: str(raw)


def domain(dim: str, labels: Labels, query: CubeQuery, months: Sequence[date]) -> list[str]:
    """The values a dimension shows, in display order (before filters narrow them)."""
    from familyhub.engagement.models import Service
    from familyhub.people.choices import Sex

    if dim == "ward":
        return [*labels.wards.values(), UNKNOWN_WARD]
    if dim == "area":
        return [*labels.areas, *([] if "Area not known" in labels.areas else ["Area not known"])]
    if dim == "service":
        return [*labels.services.values(), "No service recorded"]
    if dim == "session_type":
        return [str(v) for _, v in Service.Kind.choices] + ["Not recorded"]
    if dim == "period":
        return list(dict.fromkeys(period_label(m, query.grain) for m in months))
    if dim == MONTH:
        return [period_label(m, "month") for m in months]
    if dim == "age_band":
        return list(AGE_BANDS)
    if dim == "sex":
        return [str(v) for _, v in Sex.choices]
    if dim == "ethnicity_group":
        return list(labels.groups)
    if dim == "ethnicity_detailed":
        return list(labels.detailed)
    if dim == "parent_role":
        return list(PARENT_ROLES.values())
    raise ValidationFailed(f"There is no dimension {dim!r}.")


def _filter_values(dim: str, values: Iterable[str], labels: Labels) -> tuple[list[Any], bool]:
    """Filter codes -> raw keys in SQL, and whether 'not known' (NULL) is included."""
    values = [v for v in values if v != ""]
    if dim == "ward":
        return [labels.ward_codes[v] for v in values if v in labels.ward_codes], False
    if dim == "area":
        return [w for w, a in labels.ward_area.items() if a in values], False
    if dim == "service":
        return [labels.service_codes[v] for v in values if v in labels.service_codes], False
    if dim == "ethnicity_group":
        raws = [i for i, g in labels.ethnicity_group.items() if g in values]
        return raws, NOT_ASKED in values
    if dim == "ethnicity_detailed":
        raws = [i for i, g in labels.ethnicity_detailed.items() if g in values]
        return raws, NOT_ASKED in values
    return list(values), False


def filter_label(dim: str, value: str, labels: Labels) -> str:
    if dim == "ward":
        return labels.wards.get(labels.ward_codes.get(value), value)
    if dim == "service":
        return labels.services.get(labels.service_codes.get(value), value)
    if dim == "parent_role":
        return PARENT_ROLES.get(value, value)
    if dim == "sex":
        from familyhub.people.choices import Sex

        return str(dict(Sex.choices).get(value, value))
    return value


# --- building ----------------------------------------------------------------------------------


@dataclass
class CubeResult:
    query: CubeQuery
    cube: sdc.Cube
    months: list[str]  # the hidden month dimension's values of this release
    people: int  # distinct people behind the counts (for the disclosure record)
    sql_rows: int  # grouped rows returned by the database

    @property
    def row_dim(self) -> str:
        return self.query.rows

    def where(self) -> dict[str, list[str]]:
        """The box of this release: its own months (the cube may hold earlier ones)."""
        if MONTH in self.cube.dimensions:
            return {MONTH: self.months}
        if "period" in self.cube.dimensions:  # months shown as rows or columns
            return {"period": self.months}
        return {}

    def categories(self, dim: str) -> dict[str, list[str]] | None:
        """Only this release's periods as rows or columns (earlier ones are in the cube to audit
        differencing, not shown)."""
        if dim != "period":
            return None
        labels = dict.fromkeys(
            period_label(m, self.query.grain)
            for m in months_between(self.query.start, self.query.end)
        )
        domain = self.cube.domains[self.cube.index("period")]
        return {label: [label] for label in labels if label in domain}


def lead_organisation() -> Any:
    from familyhub.places.models import Organisation

    return Organisation.objects.filter(kind=Organisation.Kind.LEAD).order_by("id").first()


def _scope_purpose(agreement: Any) -> Any:
    from familyhub.privacy.models import Purpose

    if agreement is not None and agreement.consent_purpose_id:
        return agreement.consent_purpose
    return Purpose.objects.filter(code="service-planning").first()


def source_rows(
    query: CubeQuery,
    *,
    agreement: Any,
    organisation: Any,
    start: date,
    labels: Labels,
) -> tuple[QuerySet[Any], Source, list[str]]:
    """The measure's rows in scope, annotated with each dimension's raw key (`d0`, `d1`...)."""
    from familyhub.people.models import Person
    from familyhub.privacy import policy

    src = MEASURES[query.measure]
    qs = src.queryset(organisation)
    date_expr = F(src.date) if isinstance(src.date, str) else src.date
    qs = qs.annotate(event_date=date_expr).filter(event_date__gte=start, event_date__lte=query.end)
    if src.child is not None:
        qs = qs.filter(as_child=src.child)
    purpose = _scope_purpose(agreement)
    if purpose is not None:
        allowed = policy.permitted(Person.objects.all(), purpose, on=query.end).values("pk")
    else:
        allowed = Person.objects.filter(archived_at__isnull=True).values("pk")
    scope: Any = Q(**{f"{src.person}__in": allowed})
    if src.household is not None:
        # A visit to the family as a whole: counted only if every member may be counted.
        from familyhub.people.models import Membership

        others = Membership.objects.filter(household=OuterRef(src.household)).exclude(
            person__in=allowed
        )
        scope |= Q(**{f"{src.person}__isnull": True}) & ~Exists(others)
    qs = qs.filter(scope)
    needed = set(query.dimensions) | set(query.filters)
    if needed & {"ward", "area"}:
        qs = qs.annotate(ward_id_=src.ward())
    keys: list[str] = []
    for name in sorted(query.filters):
        values = query.filters[name]
        if not values:
            continue
        qs, expr = _annotate_helpers(qs, *_expression(name, src))
        qs = qs.annotate(**{f"f_{name}": expr})
        raws, with_null = _filter_values(name, values, labels)
        cond = Q(**{f"f_{name}__in": raws})
        if with_null:
            cond |= Q(**{f"f_{name}__isnull": True})
        qs = qs.filter(cond)
    dims = [*query.dimensions]
    if "period" not in dims or query.grain != "month":
        dims.append(MONTH)
    for i, name in enumerate(dims):
        qs, expr = _annotate_helpers(qs, *_expression(name, src))
        qs = qs.annotate(**{f"d{i}": expr})
        keys.append(f"d{i}")
    if src.distinct:
        # Each person once: in the cell of their first event in the window (module docstring).
        first = qs.annotate(
            first_id=Window(
                FirstValue("id"),
                partition_by=[F(src.person)],
                order_by=[F("event_date").asc(), F("id").asc()],
            )
        ).values("first_id")
        qs = qs.filter(id__in=first)
    return qs, src, dims


def _annotate_helpers(qs: QuerySet[Any], helpers: dict[str, Any], expr: Any) -> tuple[Any, Any]:
    new = {k: v for k, v in helpers.items() if k not in qs.query.annotations}
    return (qs.annotate(**new) if new else qs), expr


def build(
    query: CubeQuery,
    *,
    agreement: Any,
    organisation: Any = None,
    window_start: date | None = None,
    count_people: bool = True,
) -> CubeResult:
    """The cube of `query`: one GROUP BY over the measure's rows, labelled. `window_start` (before
    `query.start`) also counts earlier months, for auditing against an earlier release."""
    query.validate()
    organisation = organisation or lead_organisation()
    labels = Labels.load(organisation)
    start = min(window_start or query.start, query.start)
    qs, src, dims = source_rows(
        query, agreement=agreement, organisation=organisation, start=start, labels=labels
    )
    keys = [f"d{i}" for i in range(len(dims))]
    grouped = list(qs.values(*keys).annotate(n=Count("*")).order_by())
    people = _people_count(qs, src) if grouped and count_people else 0
    all_months = months_between(start, query.end)
    release_months = [period_label(m, "month") for m in months_between(query.start, query.end)]
    labellers = [_labeller(d, labels, query.grain) for d in dims]
    domains: dict[str, list[str]] = {}
    for d in dims:
        values = domain(d, labels, query, all_months)
        if query.filters.get(d):
            chosen = {filter_label(d, v, labels) for v in query.filters[d]}
            values = [v for v in values if v in chosen] or values
        domains[d] = values
    counts: list[tuple[tuple[str, ...], int]] = []
    for row in grouped:
        key = tuple(lab(row[k]) for lab, k in zip(labellers, keys, strict=True))
        for d, v in zip(dims, key, strict=True):
            if v not in domains[d]:
                domains[d].append(v)
        counts.append((key, int(row["n"])))
    cube = sdc.Cube.build(domains, counts)
    return CubeResult(query, cube, release_months, people, len(grouped))


def _people_count(qs: QuerySet[Any], src: Source) -> int:
    """Distinct people behind the counts: SELECT COUNT(*) FROM (SELECT DISTINCT person ...), which
    PostgreSQL can hash in parallel (COUNT(DISTINCT ...) always sorts)."""
    return qs.order_by().values(src.person).distinct().count()


def tables(result: CubeResult, *, title: str = "") -> list[sdc.Table]:
    """The linked tables of one release: the cross table with its margins, and each margin on
    its own (R-SHARE-2: the same counts by ward and by ethnicity are audited together)."""
    q = result.query
    where = result.where()
    row_label = DIMENSIONS[q.rows].label
    measure = MEASURES[q.measure].label
    if q.columns:
        col_label = DIMENSIONS[q.columns].label
        return [
            sdc.cross_table(
                result.cube,
                "main",
                rows=q.rows,
                columns=q.columns,
                where=where,
                title=title or f"{measure} by {row_label.lower()} and {col_label.lower()}",
                row_categories=result.categories(q.rows),
                column_categories=result.categories(q.columns),
            ),
            sdc.margin_table(
                result.cube,
                "by-rows",
                by=q.rows,
                where=where,
                title=f"{measure} by {row_label}",
                categories=result.categories(q.rows),
            ),
            sdc.margin_table(
                result.cube,
                "by-columns",
                by=q.columns,
                where=where,
                title=f"{measure} by {col_label}",
                categories=result.categories(q.columns),
            ),
        ]
    return [
        sdc.margin_table(
            result.cube,
            "main",
            by=q.rows,
            where=where,
            title=title or f"{measure} by {row_label}",
            categories=result.categories(q.rows),
        )
    ]
