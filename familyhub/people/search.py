"""Find a family fast (R-PEOPLE-6): one box for a name, a date of birth, a postcode or an NHS number.

The database does the finding (ADR 0002): a phonetic key index and trigram matching (pg_trgm on
PostgreSQL, an FTS5 trigram table on SQLite) produce a bounded set of candidates inside the user's
scope, and only those candidates are ranked in Python by string similarity. Never a loop over people.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from rapidfuzz import fuzz

from familyhub.people import validators as v
from familyhub.people.models import Address, Membership, Person
from familyhub.people.search_keys import normalise_name, phonetic_key, sound_key

CANDIDATE_LIMIT = 400
TRIGRAM_LIMIT = 200
MIN_SCORE = 55.0
STRONG_MATCH = 85.0  # a sound-alike candidate this close ends the search before trigram matching

_DATE = re.compile(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_FULL_POSTCODE = re.compile(r"\b([A-Za-z]{1,2}[0-9][A-Za-z0-9]?)\s*([0-9][A-Za-z]{2})\b")
_NHS = re.compile(r"(?<!\d)(\d{3}[\s-]?\d{3}[\s-]?\d{4})(?!\d)")


@dataclass
class ParsedQuery:
    text: str
    name: str = ""
    dates: list[date] = field(default_factory=list)
    postcode_key: str = ""
    outward_code: str = ""
    nhs_number: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        kinds = []
        if self.name:
            kinds.append("name")
        if self.dates:
            kinds.append("date of birth")
        if self.postcode_key or self.outward_code:
            kinds.append("postcode")
        if self.nhs_number:
            kinds.append("NHS number")
        return kinds

    @property
    def empty(self) -> bool:
        return not self.kinds


def _make_date(day: int, month: int, year: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _full_year(yy: str) -> int:
    if len(yy) == 4:
        return int(yy)
    this = timezone.localdate().year % 100
    return (2000 if int(yy) <= this else 1900) + int(yy)


def parse(text: str) -> ParsedQuery:
    q = ParsedQuery(text=(text or "").strip()[:200])
    rest = q.text
    m = _NHS.search(rest)
    if m:
        q.nhs_number = re.sub(r"\D", "", m.group(1))
        if not v.nhs_number_checksum_ok(q.nhs_number):
            q.notes.append(f"{m.group(1)} is not a valid NHS number; showing exact matches only.")
        rest = rest.replace(m.group(0), " ")
    for m in list(_ISO_DATE.finditer(rest)):
        d = _make_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if d:
            q.dates.append(d)
            rest = rest.replace(m.group(0), " ")
    for m in list(_DATE.finditer(rest)):
        day, month, year = int(m.group(1)), int(m.group(2)), _full_year(m.group(3))
        d = _make_date(day, month, year)
        if d:
            q.dates.append(d)
            # Day and month are often swapped when typed: look for both (ranked as equal).
            swapped = _make_date(month, day, year)
            if swapped and swapped != d:
                q.dates.append(swapped)
        else:
            q.notes.append(f"{m.group(0)} is not a real date.")
        rest = rest.replace(m.group(0), " ")
    m = _FULL_POSTCODE.search(rest)
    if m and v.looks_like_postcode(m.group(1) + m.group(2)):
        q.postcode_key = v.postcode_key(m.group(1) + m.group(2))
        rest = rest.replace(m.group(0), " ")
    words = []
    for word in rest.split():
        if any(ch.isdigit() for ch in word) and v.looks_like_outward_code(word):
            q.outward_code = word.upper()
        elif any(ch.isdigit() for ch in word):
            q.notes.append(f"Ignored '{word}': not a name, date, postcode or NHS number.")
        else:
            words.append(word)
    q.name = normalise_name(" ".join(words))
    return q


def _with_address(qs: QuerySet[Person]) -> QuerySet[Person]:
    """What a result line shows (household, current address, ward) in a fixed number of queries."""
    return qs.select_related("ethnicity").prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("household").prefetch_related(
                Prefetch(
                    "household__addresses",
                    queryset=Address.objects.filter(valid_to__isnull=True).select_related("ward"),
                    to_attr="current_addresses",
                )
            ),
        )
    )


def _filtered(qs: QuerySet[Person], q: ParsedQuery) -> QuerySet[Person]:
    if q.nhs_number:
        qs = qs.filter(nhs_number=q.nhs_number)
    if q.dates:
        qs = qs.filter(Q(date_of_birth__in=q.dates) | Q(expected_date_of_delivery__in=q.dates))
    if q.postcode_key or q.outward_code:
        # Driven from the postcode index (IN over a subquery), not checked person by person: a
        # correlated EXISTS made SQLite scan every person (2 s at a million people).
        if q.postcode_key:
            at = Address.objects.filter(postcode_key=q.postcode_key)
        else:
            at = Address.objects.filter(postcode__startswith=q.outward_code + " ")
        members = Membership.objects.filter(household_id__in=at.values("household_id"))
        qs = qs.filter(pk__in=members.values("person_id"))
    return qs


def _sound_condition(name: str) -> Q | None:
    """Candidates whose name parts sound like the typed ones, by Metaphone or by Soundex."""
    words = name.split()
    if not words:
        return None
    meta = [phonetic_key(w) for w in words]
    sound = [sound_key(w) for w in words]
    if len(words) == 1:
        return (
            Q(family_key=meta[0])
            | Q(given_key=meta[0])
            | Q(family_sound=sound[0])
            | Q(given_sound=sound[0])
        )
    return (
        Q(given_key=meta[0], family_key=meta[-1])
        | Q(given_key=meta[-1], family_key=meta[0])
        | Q(given_sound=sound[0], family_sound=sound[-1])
        | Q(given_sound=sound[-1], family_sound=sound[0])
    )


def _trigram_ids_sqlite(name: str) -> list[int]:
    grams = {name[i : i + 3] for i in range(len(name) - 2)}
    grams = {g for g in grams if g.strip() and '"' not in g}
    if not grams:
        return []
    match = " OR ".join(f'"{g}"' for g in sorted(grams))
    with connection.cursor() as cur:
        cur.execute(
            "SELECT rowid FROM people_person_fts WHERE people_person_fts MATCH %s ORDER BY rank LIMIT %s",
            [match, TRIGRAM_LIMIT],
        )
        return [row[0] for row in cur.fetchall()]


def _trigram_candidates(qs: QuerySet[Person], name: str) -> QuerySet[Person]:
    """Names that look alike letter by letter (for typos that change how a name sounds)."""
    if connection.vendor == "postgresql":
        condition = Q(search_name__trigram_similar=name)
        if len(name.split()) == 1:
            # One word against any one name part: pg_trgm's word similarity (threshold in apps.py).
            condition |= Q(search_name__trigram_word_similar=name)
        # Most alike first, so that the candidate limit keeps the best ones.
        return (
            qs.filter(condition)
            .annotate(likeness=TrigramSimilarity("search_name", name))
            .order_by("-likeness")
        )
    ids = _trigram_ids_sqlite(name) if len(name) >= 3 else []
    return qs.filter(pk__in=ids)


def score(query_name: str, candidate: Person) -> float:
    target = candidate.search_name
    words = query_name.split()
    if len(words) == 1:
        # One word typed: it is a first or a last name, so compare it with each name part.
        return max((fuzz.ratio(words[0], part) for part in target.split()), default=0.0)
    s = max(
        fuzz.token_sort_ratio(query_name, target), 0.95 * fuzz.token_set_ratio(query_name, target)
    )
    # Both name parts sound right (in either order): ahead of names that only look alike.
    first, last = words[0], words[-1]
    if {phonetic_key(first), phonetic_key(last)} == {candidate.given_key, candidate.family_key} or {
        sound_key(first),
        sound_key(last),
    } == {candidate.given_sound, candidate.family_sound}:
        s += 10
    return s


def _ranked(candidates: QuerySet[Person], name: str) -> list[tuple[float, str, int]]:
    """Score a bounded set of candidates: (score, name, pk), best first, weak ones dropped."""
    if not candidates.query.order_by:
        # Not the model's alphabetical ordering: it costs a sort and would make the limit keep
        # the alphabetically first candidates rather than any.
        candidates = candidates.order_by()
    rows = candidates.values_list(
        "pk", "search_name", "given_key", "family_key", "given_sound", "family_sound"
    )[:CANDIDATE_LIMIT]
    ranked = []
    for pk, search_name, given_key, family_key, given_sound, family_sound in rows:
        stub = Person(
            pk=pk,
            search_name=search_name,
            given_key=given_key,
            family_key=family_key,
            given_sound=given_sound,
            family_sound=family_sound,
        )
        s = score(name, stub)
        if s >= MIN_SCORE:
            ranked.append((s, search_name, pk))
    ranked.sort(key=lambda t: (-t[0], t[1], t[2]))
    return ranked


@dataclass
class SearchResult:
    query: ParsedQuery
    people: list[Person]
    more: bool = False


def run(scoped: QuerySet[Person], text: str, *, limit: int = 50) -> SearchResult:
    """Search among `scoped` people (already limited to what the user may see)."""
    q = parse(text)
    if q.empty:
        return SearchResult(q, [])
    qs = _filtered(scoped, q)
    if not q.name:
        found = list(_with_address(qs.order_by("family_name", "given_name", "id"))[: limit + 1])
        return SearchResult(q, found[:limit], more=len(found) > limit)
    # The sound-alike keys are cheap indexed lookups; letter-by-letter (trigram) matching costs
    # more, so it runs only when they found nobody who matches well (ADR 0002).
    condition = _sound_condition(q.name)
    ranked = _ranked(qs.filter(condition), q.name) if condition is not None else []
    if not ranked or ranked[0][0] < STRONG_MATCH:
        seen = {pk for _, _, pk in ranked}
        more = [r for r in _ranked(_trigram_candidates(qs, q.name), q.name) if r[2] not in seen]
        ranked = sorted([*ranked, *more], key=lambda t: (-t[0], t[1], t[2]))
    top = [pk for _, _, pk in ranked[:limit]]
    by_pk = {p.pk: p for p in _with_address(Person.objects.filter(pk__in=top))}
    return SearchResult(q, [by_pk[pk] for pk in top if pk in by_pk], more=len(ranked) > limit)
