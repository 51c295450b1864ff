"""Record-level extracts: de-personalised (R-SHARE-3) and identifiable (R-SHARE-4). ADR 0019.

`extract_produce(actor=..., agreement=..., level=..., items=[...], population=...)` is the one
way an extract is made:

1. `sharing.guard.check`: the agreement is in force, reaches the level and lists every item;
   a de-personalised extract also needs the pseudonym secret. A refusal is recorded (an `Output`
   with status refused and the reasons) and raised as `OutputRefused`.
2. The people: those of the producer's own organisation (households with an open allocation to
   an organisation in which the producer holds the capability), not archived, not unborn,
   children only unless asked otherwise, and limited by `privacy.policy.permitted()` to the
   agreement's consent purpose when it names one.
3. De-personalised: a keyed pseudonym instead of any identifier (`sharing.pseudonyms`), month and
   year of birth (or an age band), ward or area (never an address). k-anonymity and l-diversity
   are measured over the quasi-identifiers (`sharing.risk`); below the agreement's thresholds the
   rows are generalised step by step (month and year -> age band, detailed -> high-level ethnic
   group, age band -> wider band, ward -> area), re-measured after each step, and at each step the
   classes still too small are suppressed when they hold at most 5% of the rows. If no step gets
   there the extract is refused with the figures. The figures are kept in `Output.protection`.
4. Identifiable: the agreed fields in clear, in an AES-256 encrypted ZIP (pyzipper) whose
   password is returned once to the producer and never stored.
5. The file is recorded as disclosed at once (it can be downloaded from then on): a
   `rights.DisclosureRecord` with the count, the SHA-256 of the file and a `DisclosurePerson` row
   for every person in it, so that each person's subject access pack lists it (R-SHARE-5).
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from familyhub.access import log
from familyhub.access.models import AccessLogEntry
from familyhub.access.roles import Capability
from familyhub.core.errors import PermissionRefused, ValidationFailed
from familyhub.people.models import Address, Membership, Person
from familyhub.places.models import EthnicityCategory, Ward
from familyhub.privacy import policy
from familyhub.sharing import guard, pseudonyms, risk
from familyhub.sharing import items as vocabulary
from familyhub.sharing.models import Agreement, Level, Output

Action = AccessLogEntry.Action

# Who produces extracts: de-personalised ones under the reports capability (PRODUCE_REPORTS when
# the roles table has it), identifiable ones only the DPO (MANAGE_PRIVACY): analysts never see
# identifiable records (R-ACCESS-1), and an identifiable file is exactly that. ADR 0019.
PRODUCE_EXTRACTS: str = getattr(Capability, "PRODUCE_REPORTS", Capability.MANAGE_PRIVACY)
PRODUCE_IDENTIFIABLE: str = Capability.MANAGE_PRIVACY


def capability_for(level: str) -> str:
    return PRODUCE_IDENTIFIABLE if level == Level.IDENTIFIABLE else PRODUCE_EXTRACTS


# How many of the rows may be suppressed (whole classes below k or l) rather than generalising
# further: beyond that the extract is too distorted to be worth sending, so it is generalised or
# refused.
MAX_SUPPRESSED_SHARE = 0.05
CHILD_AGE_LIMIT = 18
PASSWORD_BYTES = 15  # 20 URL-safe characters, 120 bits

DEPERSONALISED_FIELDS = [
    "pseudonym",
    "birth_month_year",
    "age_band_field",
    "sex_field",
    "ethnicity_group_field",
    "ward_field",
    "area_field",
    "services_attended",
    "attendance_count",
    "visit_count",
    "first_registered",
]
IDENTIFIABLE_FIELDS = [
    "name",
    "date_of_birth",
    "nhs_number",
    "address",
    "postcode",
    "parent_name",
    "sex_field",
    "ethnicity_group_field",
    "ward_field",
    "area_field",
    "services_attended",
    "attendance_count",
    "visit_count",
]
# Sensitive columns for l-diversity: what a reader learns about a record once they place it.
SENSITIVE_FIELDS = ["services_attended", "attendance_count", "visit_count"]


class Population:
    CHILDREN = "children"
    EVERYONE = "everyone"
    CHOICES = [(CHILDREN, "Children (under 18)"), (EVERYONE, "Everyone (children and adults)")]


# --- generalisation ----------------------------------------------------------------------------

FINE_BANDS = [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 11), (12, 17), (18, 24), (25, 34)]
FINE_BANDS += [(35, 44), (45, 54), (55, 64)]
WIDE_BANDS = [(0, 4), (5, 17), (18, 44), (45, 64)]


def _band(age: int | None, bands: list[tuple[int, int]]) -> str:
    if age is None:
        return "Not known"
    for lo, hi in bands:
        if lo <= age <= hi:
            return str(lo) if lo == hi else f"{lo}-{hi}"
    return f"{bands[-1][1] + 1}+"


def age_on(dob: date | None, on: date) -> int | None:
    if dob is None:
        return None
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


@dataclass(frozen=True)
class Step:
    dimension: str  # age, ethnicity, place
    level: int
    description: str


LADDER = [
    Step("age", 1, "month and year of birth replaced by an age band"),
    Step("ethnicity", 1, "detailed ethnic groups merged into the ONS high-level groups"),
    Step("age", 2, "age bands widened (0-4, 5-17, 18-44, 45-64, 65+)"),
    Step("place", 1, "ward replaced by area"),
]
# Which levels change each field (a step that changes no chosen field is skipped).
_FIELD_DIMENSION = {
    "birth_month_year": "age",
    "age_band_field": "age",
    "ethnicity_group_field": "ethnicity",
    "ward_field": "place",
}
_HEADER = {
    "pseudonym": "pseudonym",
    "birth_month_year": "birth_month_year",
    "age_band_field": "age_band",
    "sex_field": "sex",
    "ethnicity_group_field": "ethnic_group",
    "ward_field": "ward",
    "area_field": "area",
    "services_attended": "services_attended",
    "attendance_count": "attendances",
    "visit_count": "home_visits",
    "first_registered": "first_registered",
    "name": "name",
    "date_of_birth": "date_of_birth",
    "nhs_number": "nhs_number",
    "address": "address",
    "postcode": "postcode",
    "parent_name": "parent_or_carer",
}
_LEVEL_HEADER = {
    ("birth_month_year", 1): "age_band",
    ("birth_month_year", 2): "age_band_wide",
    ("age_band_field", 2): "age_band_wide",
    ("ethnicity_group_field", 0): "ethnic_group_detailed",
    ("ethnicity_group_field", 1): "ethnic_group_high_level",
    ("ward_field", 1): "area",
}


# --- the people and their values ---------------------------------------------------------------


@dataclass
class Record:
    """One person's raw values (never leaves as such)."""

    pk: int
    uuid: Any
    dob: date | None
    sex: str
    ethnicity_id: int | None
    ward_id: int | None
    household_id: int | None
    created_at: Any
    given_name: str = ""
    family_name: str = ""
    nhs_number: str = ""
    services: str = ""
    attendances: int = 0
    visits: int = 0


def _years_before(on: date, years: int) -> date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def producer_organisations(actor: Any, capability: str) -> list[int]:
    return list(actor.organisation_ids_with(capability))


def people_for(
    agreement: Agreement, organisation_ids: list[int], population: str, on: date
) -> QuerySet[Person]:
    """The people an extract under `agreement` may hold (one query, no rows fetched)."""
    from familyhub.people.models import CaseAllocation

    allocated = CaseAllocation.objects.filter(
        household__memberships__person=OuterRef("pk"),
        household__memberships__left_on__isnull=True,
        organisation_id__in=organisation_ids,
        ended_on__isnull=True,
    )
    qs = Person.objects.filter(Exists(allocated), archived_at__isnull=True, is_unborn=False)
    if population == Population.CHILDREN:
        qs = qs.filter(date_of_birth__gt=_years_before(on, CHILD_AGE_LIMIT))
    purpose = agreement.consent_purpose if agreement.consent_purpose_id else None
    if purpose is not None:
        qs = policy.permitted(qs, purpose, on=on)
    return qs


def current_households(ids: Any) -> dict[int, int]:
    """person id -> the household they live in now (a current membership, living there first)."""
    out: dict[int, tuple[int, bool]] = {}
    for pid, hid, lives in (
        Membership.objects.filter(person_id__in=ids, left_on__isnull=True)
        .order_by("id")
        .values_list("person_id", "household_id", "lives_here")
    ):
        if pid not in out or (lives and not out[pid][1]):
            out[pid] = (hid, lives)
    return {pid: hid for pid, (hid, _) in out.items()}


def current_wards(ids: Any) -> dict[int, int | None]:
    """household id -> the ward of its current address (the latest, if more than one)."""
    out: dict[int, tuple[int | None, date]] = {}
    households = Membership.objects.filter(person_id__in=ids, left_on__isnull=True).values(
        "household_id"
    )
    for hid, wid, valid_from in (
        Address.objects.filter(valid_to__isnull=True, household_id__in=households)
        .order_by("id")
        .values_list("household_id", "ward_id", "valid_from")
    ):
        if hid not in out or valid_from >= out[hid][1]:
            out[hid] = (wid, valid_from)
    return {hid: wid for hid, (wid, _) in out.items()}


def _records(people: QuerySet[Person], items: Sequence[str], on: date) -> list[Record]:
    """The raw values of the people: three plain queries (people, their current households,
    those households' wards) joined in Python, which measured 40% faster at a million people
    than one query with correlated subqueries (docs/benchmarks.md)."""
    qs = people.order_by()
    # created_at only when asked for: loading a million timestamps costs more than the rest.
    created = "created_at" if "first_registered" in items else "pk"
    columns = ["pk", "uuid", "date_of_birth", "sex", "ethnicity_id", created]
    wants_names = bool({"name", "nhs_number"} & set(items))
    rows: list[Record] = []
    if wants_names:
        for r in qs.values_list(*columns, "given_name", "family_name", "nhs_number"):
            pk, uid, dob, sex, eth, created, given, family, nhs = r
            rows.append(Record(pk, uid, dob, sex, eth, None, None, created, given, family, nhs))
    else:
        rows = [
            Record(pk, uid, dob, sex, eth, None, None, created)
            for pk, uid, dob, sex, eth, created in qs.values_list(*columns)
        ]
    if rows:
        ids = people.values("pk")
        households = current_households(ids)
        wards = current_wards(ids)
        for r in rows:
            r.household_id = households.get(r.pk)
            r.ward_id = wards.get(r.household_id) if r.household_id else None
    if not rows:
        return rows
    ids = people.values("pk")
    by_pk = {r.pk: r for r in rows}
    if "services_attended" in items or "attendance_count" in items:
        from familyhub.engagement.models import Attendance

        present = Attendance.objects.filter(present=True, person_id__in=ids)
        if "attendance_count" in items:
            for pk, n in (
                present.values("person_id").annotate(n=Count("id")).values_list("person_id", "n")
            ):
                by_pk[pk].attendances = n
        if "services_attended" in items:
            names: dict[int, set[str]] = defaultdict(set)
            for pk, name in present.values_list("person_id", "session__service__name").distinct():
                names[pk].add(name)
            for pk, found in names.items():
                by_pk[pk].services = "; ".join(sorted(found))
    if "visit_count" in items:
        from familyhub.casework.models import Contact

        with_household = {r.household_id for r in rows if r.household_id}
        visits = dict(
            Contact.objects.filter(
                household_id__in=Subquery(
                    Membership.objects.filter(person_id__in=ids, left_on__isnull=True).values(
                        "household_id"
                    )
                ),
                kind=Contact.Kind.HOME_VISIT,
                status=Contact.Status.DONE,
            )
            .values("household_id")
            .annotate(n=Count("id"))
            .values_list("household_id", "n")
        )
        for r in rows:
            if r.household_id in with_household:
                r.visits = visits.get(r.household_id, 0)
    return rows


NOT_KNOWN = "Not known"


class _Lookups:
    def __init__(self) -> None:
        self.ethnicity = {
            e.pk: (e.label, e.high_level_group or e.label) for e in EthnicityCategory.objects.all()
        }
        self.wards = {
            w.pk: (w.name, w.area.name if w.area else "Not known")
            for w in Ward.objects.select_related("area")
        }


def _age_text(dob: date | None, level: int, on: date) -> str:
    if level == 0:
        return dob.strftime("%Y-%m") if dob else "Not known"
    return _band(age_on(dob, on), FINE_BANDS if level == 1 else WIDE_BANDS)


def _mapped(values: list[Any], fn: Callable[[Any], Any]) -> list[Any]:
    """fn over a column, computed once per distinct value (dates of birth, wards, codes)."""
    mapping = {v: fn(v) for v in set(values)}
    return [mapping[v] for v in values]


def _column(
    code: str,
    levels: dict[str, int],
    records: Sequence[Record],
    on: date,
    lookups: _Lookups,
    pseudo: Any,
) -> list[Any]:
    """One column of the file, as it leaves, at the given generalisation levels."""
    if code == "pseudonym":
        return pseudo.many(r.uuid for r in records)
    if code in ("birth_month_year", "age_band_field"):
        level = levels["age"] if code == "birth_month_year" else max(1, levels["age"])
        return _mapped([r.dob for r in records], lambda d: _age_text(d, level, on))
    if code == "sex_field":
        labels = dict(Person._meta.get_field("sex").choices or [])  # type: ignore[arg-type]
        return _mapped([r.sex for r in records], lambda v: str(labels.get(v, v)))
    if code == "ethnicity_group_field":
        which = 0 if levels["ethnicity"] == 0 else 1
        return _mapped(
            [r.ethnicity_id for r in records],
            lambda e: NOT_KNOWN if e is None else lookups.ethnicity[e][which],
        )
    if code in ("ward_field", "area_field"):
        which = 1 if code == "area_field" or levels["place"] >= 1 else 0
        return _mapped(
            [r.ward_id for r in records],
            lambda w: NOT_KNOWN if w is None else lookups.wards[w][which],
        )
    if code == "services_attended":
        return [r.services or "None" for r in records]
    if code == "attendance_count":
        return [r.attendances for r in records]
    if code == "visit_count":
        return [r.visits for r in records]
    if code == "first_registered":
        return [timezone.localtime(r.created_at).strftime("%Y-%m") for r in records]
    if code == "name":
        return [f"{r.given_name} {r.family_name}".strip() for r in records]
    if code == "date_of_birth":
        return [r.dob.isoformat() if r.dob else "" for r in records]
    if code == "nhs_number":
        return [r.nhs_number for r in records]
    return ["" for _ in records]  # address, postcode, parent_name: _identifiable_extras


def _rows(columns: list[list[Any]]) -> list[tuple[Any, ...]]:
    return list(zip(*columns, strict=True))


def _columns(
    items: Sequence[str],
    levels: dict[str, int],
    records: Sequence[Record],
    on: date,
    lookups: _Lookups,
    pseudo: Any,
) -> list[list[Any]]:
    return [_column(code, levels, records, on, lookups, pseudo) for code in items]


def _headers(items: Sequence[str], levels: dict[str, int]) -> list[str]:
    out = []
    for code in items:
        dimension = _FIELD_DIMENSION.get(code)
        level = levels.get(dimension, 0) if dimension else 0
        out.append(_LEVEL_HEADER.get((code, level), _HEADER[code]))
    return out


def _csv(header: list[str], rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


# --- building ----------------------------------------------------------------------------------


@dataclass
class Built:
    """A file ready to leave (or the figures of one that may not)."""

    level: str
    items: list[str]
    filename: str
    content: bytes
    people_ids: list[int]
    protection: dict[str, Any] = field(default_factory=dict)
    refused: str = ""
    password: str = ""

    @property
    def people_count(self) -> int:
        return len(self.people_ids)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _validate_items(level: str, items: Sequence[str]) -> list[str]:
    allowed = DEPERSONALISED_FIELDS if level == Level.DEPERSONALISED else IDENTIFIABLE_FIELDS
    chosen = [code for code in allowed if code in set(items)]  # the vocabulary's order
    unknown = [code for code in items if code not in allowed]
    errors = []
    if not chosen:
        errors.append("Choose at least one data item.")
    for code in unknown:
        errors.append(f"'{vocabulary.label(code)}' cannot be in this kind of extract.")
    if level == Level.DEPERSONALISED and "pseudonym" not in chosen:
        errors.append("A de-personalised extract needs the pseudonym (one row per person).")
    if errors:
        raise ValidationFailed(errors[0], errors={"items": errors})
    return chosen


def build_depersonalised(
    *,
    actor: Any,
    agreement: Agreement,
    items: Sequence[str],
    on: date,
    population: str = Population.CHILDREN,
    sensitive: str = "",
    capability: str | None = None,
) -> Built:
    """The rows, generalised until k and l meet the agreement's thresholds (or the figures of a
    refusal in `refused`). Checks nothing about the agreement: `extract_produce` does."""
    chosen = _validate_items(Level.DEPERSONALISED, items)
    pseudo = pseudonyms.Pseudonymiser(agreement)
    orgs = producer_organisations(actor, capability or PRODUCE_EXTRACTS)
    records = _records(people_for(agreement, orgs, population, on), chosen, on)
    lookups = _Lookups()
    qi_codes = [c for c in chosen if vocabulary.ITEMS[c].quasi_identifier]
    if not sensitive:
        sensitive = next((c for c in SENSITIVE_FIELDS if c in chosen), "")
    k_min, l_min = agreement.k_threshold, agreement.l_threshold
    measured_codes = qi_codes + ([sensitive] if sensitive else [])
    qi_idx = list(range(len(qi_codes)))
    s_idx = len(qi_codes) if sensitive else None
    levels = {"age": 0, "ethnicity": 0, "place": 0}
    steps_applied: list[str] = []
    attempts: list[dict[str, Any]] = []
    kept: list[Record] | None = None
    ladder = [
        None,
        *[s for s in LADDER if any(_FIELD_DIMENSION.get(c) == s.dimension for c in qi_codes)],
    ]
    for step in ladder:
        if step is not None:
            levels[step.dimension] = step.level
            steps_applied.append(step.description)
        rows = _rows(_columns(measured_codes, levels, records, on, lookups, pseudo))
        m = risk.measure(rows, qi=qi_idx, sensitive=s_idx, k_min=k_min, l_min=l_min)
        attempts.append({"levels": dict(levels), **m.as_dict()})
        if not records or not qi_codes:
            kept = records
            break
        if m.violating <= MAX_SUPPRESSED_SHARE * m.records:
            if m.violating:
                good = set(
                    map(
                        tuple,
                        risk.without_violating(
                            rows, qi=qi_idx, sensitive=s_idx, k_min=k_min, l_min=l_min
                        ),
                    )
                )
                kept = [r for r, row in zip(records, rows, strict=True) if row in good]
            else:
                kept = records
            break
    protection: dict[str, Any] = {
        "kind": "reidentification",
        "k_threshold": k_min,
        "l_threshold": l_min,
        "quasi_identifiers": qi_codes,
        "sensitive": sensitive or None,
        "generalisations": steps_applied,
        "attempts": attempts,
        "max_suppressed_share": MAX_SUPPRESSED_SHARE,
        "population": population,
        "records_before": len(records),
    }
    if kept is None:
        last = attempts[-1]
        return Built(
            level=Level.DEPERSONALISED,
            items=chosen,
            filename="",
            content=b"",
            people_ids=[],
            protection={**protection, "k": last["k"], "l": last["l"], "suppressed": 0},
            refused=(
                f"Re-identification risk too high: after every generalisation the smallest group "
                f"is {last['k']} (needs {k_min})"
                + (
                    f" and the least diverse has {last['l']} value(s) (needs {l_min})"
                    if last["l"] is not None
                    else ""
                )
                + f"; {last['violating']} of {last['records']} records would have to be "
                f"suppressed, more than {MAX_SUPPRESSED_SHARE:.0%}."
            ),
        )
    final_rows = _rows(_columns(measured_codes, levels, kept, on, lookups, pseudo))
    final = risk.measure(final_rows, qi=qi_idx, sensitive=s_idx, k_min=k_min, l_min=l_min)
    protection.update(
        {
            "k": final.k,
            "l": final.l,
            "classes": final.classes,
            "suppressed": len(records) - len(kept),
            "records": len(kept),
            "levels": dict(levels),
        }
    )
    content = _csv(
        _headers(chosen, levels), _rows(_columns(chosen, levels, kept, on, lookups, pseudo))
    )
    return Built(
        level=Level.DEPERSONALISED,
        items=chosen,
        filename=f"{agreement.reference}-extract-{on:%Y-%m-%d}.csv",
        content=content,
        people_ids=[r.pk for r in kept],
        protection=protection,
    )


def _identifiable_extras(records: list[Record], items: Sequence[str]) -> dict[int, dict[str, str]]:
    """Address, postcode and parents' names for the records, in three queries."""
    extras: dict[int, dict[str, str]] = defaultdict(dict)
    households = {r.household_id for r in records if r.household_id}
    if {"address", "postcode"} & set(items):
        addresses: dict[int, Address] = {}
        for a in Address.objects.filter(
            household_id__in=households, valid_to__isnull=True
        ).order_by("valid_from", "id"):
            addresses[a.household_id] = a
        for r in records:
            found = addresses.get(r.household_id) if r.household_id else None
            if found is not None:
                parts = (found.line1, found.line2, found.town)
                extras[r.pk]["address"] = ", ".join(x for x in parts if x)
                extras[r.pk]["postcode"] = found.postcode
    if "parent_name" in items:
        from familyhub.people.models import Relationship

        parents: dict[int, list[str]] = defaultdict(list)
        for child, given, family in (
            Relationship.objects.filter(
                to_person_id__in=[r.pk for r in records],
                parental_responsibility=True,
                ended_on__isnull=True,
            )
            .order_by("id")
            .values_list("to_person_id", "from_person__given_name", "from_person__family_name")
        ):
            parents[child].append(f"{given} {family}".strip())
        for r in records:
            extras[r.pk]["parent_name"] = "; ".join(parents.get(r.pk, []))
    return extras


def build_identifiable(
    *,
    actor: Any,
    agreement: Agreement,
    items: Sequence[str],
    on: date,
    population: str = Population.CHILDREN,
    capability: str | None = None,
) -> Built:
    """The agreed fields in clear, in an AES-256 encrypted ZIP with a one-time password."""
    import pyzipper

    chosen = _validate_items(Level.IDENTIFIABLE, items)
    orgs = producer_organisations(actor, capability or PRODUCE_IDENTIFIABLE)
    records = _records(people_for(agreement, orgs, population, on), chosen, on)
    levels = {"age": 0, "ethnicity": 1, "place": 0}
    columns = _columns(chosen, levels, records, on, _Lookups(), None)
    extras = _identifiable_extras(records, chosen)
    for i, code in enumerate(chosen):
        if code in ("address", "postcode", "parent_name"):
            columns[i] = [extras.get(r.pk, {}).get(code, "") for r in records]
    rows = _rows(columns)
    inner_name = f"{agreement.reference}-identifiable-{on:%Y-%m-%d}.csv"
    password = secrets.token_urlsafe(PASSWORD_BYTES)
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(
        buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as zf:
        zf.setpassword(password.encode("ascii"))
        zf.setencryption(pyzipper.WZ_AES, nbits=256)
        zf.writestr(inner_name, _csv(_headers(chosen, levels), rows))
    return Built(
        level=Level.IDENTIFIABLE,
        items=chosen,
        filename=inner_name.removesuffix(".csv") + ".zip",
        content=buffer.getvalue(),
        people_ids=[r.pk for r in records],
        protection={
            "kind": "encryption",
            "encryption": "ZIP, AES-256 (WinZip AE-2)",
            "password": "shown once to the producer, not stored",
            "population": population,
            "records": len(records),
        },
        password=password,
    )


# --- producing ---------------------------------------------------------------------------------


def _refuse(
    *,
    actor: Any,
    agreement: Agreement | None,
    level: str,
    title: str,
    request: dict[str, Any],
    reasons: list[str],
    protection: dict[str, Any] | None = None,
) -> Output:
    """Record a refused output (the bad inputs of issue 8 are refused *and logged*)."""
    return Output.objects.create(
        kind=_kind(level),
        agreement=agreement,
        title=title[:200],
        request=request,
        status=Output.Status.REFUSED,
        refusal_reason="\n".join(reasons),
        protection=protection or {},
        produced_by=actor if getattr(actor, "pk", None) else None,
    )


def _kind(level: str) -> str:
    if level == Level.IDENTIFIABLE:
        return Output.Kind.EXTRACT_IDENTIFIABLE
    return Output.Kind.EXTRACT_DEPERSONALISED


@dataclass
class Produced:
    output: Output
    password: str = ""  # identifiable extracts only: show it once, never store it


def extract_produce(
    *,
    actor: Any,
    agreement: Agreement | None,
    level: str,
    items: Sequence[str],
    population: str = Population.CHILDREN,
    sensitive: str = "",
    on: date | None = None,
    channel: str = "Downloaded from familyhub",
) -> Produced:
    """Produce an extract under `agreement` and record it in the disclosure log (R-SHARE-3..5).

    Raises OutputRefused (after recording the refused Output) or ValidationFailed (a form error:
    nothing recorded)."""
    from familyhub.rights.models import DisclosurePerson, DisclosureRecord

    on = on or timezone.localdate()
    if not getattr(actor, "is_authenticated", False) or not actor.has_capability(
        capability_for(level)
    ):
        raise PermissionRefused("Your role does not allow this extract.")
    if level not in (Level.DEPERSONALISED, Level.IDENTIFIABLE):
        raise ValidationFailed("Choose the kind of extract.", errors={"level": ["Choose one."]})
    if population not in dict(Population.CHOICES):
        raise ValidationFailed("Choose who is in it.", errors={"population": ["Choose one."]})
    chosen = _validate_items(level, items)
    if sensitive and (level != Level.DEPERSONALISED or sensitive not in chosen):
        raise ValidationFailed(
            "The sensitive column must be one of the items chosen.",
            errors={"sensitive": ["Choose one of the items in the extract, or none."]},
        )
    label = "De-personalised" if level == Level.DEPERSONALISED else "Identifiable"
    title = f"{label} extract" + (f" under {agreement.reference}" if agreement else "")
    request = {"level": level, "items": chosen, "population": population, "on": on.isoformat()}
    if sensitive:
        request["sensitive"] = sensitive
    reasons = guard.reasons(agreement, level=level, items=chosen, on=on)
    if not reasons:  # how often the agreement allows an extract of this kind (R-SHARE-1)
        reasons = guard.frequency_reasons(agreement, kind=_kind(level), on=on)
    if not reasons and level == Level.DEPERSONALISED:
        try:
            pseudonyms.master_secret()
        except guard.OutputRefused as e:
            reasons = e.reasons
    if reasons:
        _refuse(
            actor=actor,
            agreement=agreement,
            level=level,
            title=title,
            request=request,
            reasons=reasons,
        )
        raise guard.OutputRefused(reasons)
    assert agreement is not None
    if level == Level.DEPERSONALISED:
        built = build_depersonalised(
            actor=actor,
            agreement=agreement,
            items=chosen,
            on=on,
            population=population,
            sensitive=sensitive,
        )
    else:
        built = build_identifiable(
            actor=actor, agreement=agreement, items=chosen, on=on, population=population
        )
    if built.refused:
        _refuse(
            actor=actor,
            agreement=agreement,
            level=level,
            title=title,
            request=request,
            reasons=[built.refused],
            protection=built.protection,
        )
        raise guard.OutputRefused([built.refused], field="items")
    now = timezone.now()
    files = [{"name": built.filename, "bytes": len(built.content), "sha256": built.sha256}]
    what = f"{title}: {built.people_count} records; items: " + ", ".join(
        vocabulary.label(c) for c in built.items
    )
    with transaction.atomic():
        disclosure = DisclosureRecord.objects.create(
            kind=_kind(level),
            level=level,
            agreement=agreement,
            disclosed_at=now,
            disclosed_by=actor if getattr(actor, "pk", None) else None,
            recipient=agreement.recipient[:200],
            recipient_kind=DisclosureRecord.RecipientKind.ORGANISATION,
            what=what[:300],
            legal_basis=agreement.get_lawful_basis_display()[:200],
            channel=channel[:100],
            people_count=built.people_count,
            sha256=built.sha256,
            files=files,
        )
        DisclosurePerson.objects.bulk_create(
            (DisclosurePerson(disclosure=disclosure, person_id=pk) for pk in built.people_ids),
            batch_size=5000,
        )
        output = Output.objects.create(
            kind=_kind(level),
            agreement=agreement,
            title=title[:200],
            request=request,
            status=Output.Status.RELEASED,
            rule_set="",
            protection=built.protection,
            people_count=built.people_count,
            files=files,
            content=built.content,
            disclosure=disclosure,
            produced_by=actor if getattr(actor, "pk", None) else None,
        )
        if level == Level.IDENTIFIABLE:
            keys = Person.objects.filter(pk__in=built.people_ids).values_list("log_key", flat=True)
            log.record(
                user=actor,
                action=Action.EXPORT,
                object_type="person",
                person_keys=list(keys),
                detail=f"identifiable extract under {agreement.reference}",
                reason=agreement.reference,
            )
    return Produced(output=output, password=built.password)


def download_expires(output: Output) -> Any:
    days = int(getattr(settings, "FAMILYHUB_EXTRACT_DOWNLOAD_DAYS", 14))
    return output.created_at + timedelta(days=days)


def extracts_expire(*, now: Any = None) -> int:
    """Empty the content of every extract past its download window (the retention decision for
    sharing.Output): the record, figures and checksum stay. Returns how many were emptied."""
    now = now or timezone.now()
    days = int(getattr(settings, "FAMILYHUB_EXTRACT_DOWNLOAD_DAYS", 14))
    with transaction.atomic():
        return Output.objects.filter(
            Q(kind=Output.Kind.EXTRACT_DEPERSONALISED) | Q(kind=Output.Kind.EXTRACT_IDENTIFIABLE),
            created_at__lt=now - timedelta(days=days),
            content__isnull=False,
        ).update(content=None, updated_at=now)
