"""Find a family fast (R-PEOPLE-6): one box for a name, a date of birth, a postcode or an NHS number.

The database does the finding (ADR 0002, ADR 0011): a phonetic key index and trigram matching
(pg_trgm on PostgreSQL, an FTS5 trigram table on SQLite) produce a bounded set of candidates inside
the user's scope, and only those candidates are ranked in Python by string similarity. Never a loop
over people.

What a search costs, in queries (ADR 0011; measured at a million people in docs/benchmarks.md):
  * a date of birth, a postcode or an NHS number: one query, which finds the page of people in scope
    and fetches what a result line shows (person, household, current address, ward) in one go;
  * a name: the sound-alike candidates, then (only if none of them is a close match) the look-alike
    candidates, then the page of results in one query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from rapidfuzz import fuzz

from familyhub.people import validators as v
from familyhub.people.apps import WORD_SIMILARITY_THRESHOLD
from familyhub.people.models import Address, Household, Membership, Person
from familyhub.people.search_keys import normalise_name, phonetic_key, sound_key
from familyhub.places.models import EthnicityCategory, Ward

CANDIDATE_LIMIT = 400
TRIGRAM_LIMIT = 200  # SQLite's last resort: the best-ranked full-text matches of every trigram
MIN_SCORE = 55.0
STRONG_MATCH = 85.0  # a candidate this close ends the search before the next, costlier, generator
# PostgreSQL: how alike (pg_trgm similarity, 0..1) a typed name and a whole stored name must be to
# be a look-alike candidate. pg_trgm's default, 0.3, let a two-word query fetch and recheck
# thousands of rows (74 ms for 'Charles Beryr' at a million people); at 0.45 the same queries
# take a third of the time, and every misspelt person the benchmark found at 0.3 is still found
# (the least alike had 0.47). One typed word is matched by word similarity instead (people/apps.py).
NAME_SIMILARITY = 0.45
# First, only close look-alikes: one slip in a long name still scores 0.6 or more against the whole
# name ('christian arher' ~ 'christian archer' 0.74), and so few names that close exist that their
# scope checks are cheap. Every candidate a search at 0.45 would find and check in scope costs
# 15-60 microseconds, and a common first name with a short surname ('alexander adas') has 2,000
# such candidates at a million people: 69 ms, against 31 ms at 0.6 (docs/benchmarks.md, issue 7).
# The wider search runs only when the close one found no strong match.
CLOSE_SIMILARITY = 0.6

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


# --- the page of results: one query -----------------------------------------------------------

# What one result line shows, one row per membership: (alias, model, join). The household's current
# address is the one without an end date: there is at most one (`address_one_current_per_household`).
_PAGE_JOINS: list[tuple[str, type[Model], str]] = [
    ("m", Membership, ""),
    ("p", Person, "JOIN {people_person} p ON p.id = m.person_id"),
    ("e", EthnicityCategory, "LEFT JOIN {places_ethnicitycategory} e ON e.id = p.ethnicity_id"),
    ("h", Household, "JOIN {people_household} h ON h.id = m.household_id"),
    ("a", Address, "LEFT JOIN {people_address} a ON a.household_id = h.id AND a.valid_to IS NULL"),
    ("w", Ward, "LEFT JOIN {places_ward} w ON w.id = a.ward_id"),
]


@dataclass(frozen=True)
class _PagePart:
    model: type[Model]
    attnames: tuple[str, ...]
    start: int
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]  # (column, converters, expression)


@lru_cache(maxsize=4)
def _page_sql(using: str) -> tuple[str, tuple[_PagePart, ...]]:
    """SELECT ... FROM ... for `_page`, written once per database from the models' own fields.

    Hand-written rather than composed by the ORM on every search: compiling the equivalent queryset
    (select_related through a FilteredRelation) cost more than running it, which kept the postcode
    and NHS number searches at 2.4x and 3.3x of raw SQL (docs/benchmarks.md). Values still go
    through the database backend's and the fields' converters, as the ORM's own rows do.
    """
    conn = connections[using]
    q = conn.ops.quote_name
    columns, parts, start = [], [], 0
    for alias, model, _ in _PAGE_JOINS:
        fields = model._meta.concrete_fields
        if fields[0] is not model._meta.pk:  # `_instance` reads the primary key from the first
            raise ImproperlyConfigured(f"{model.__name__}: the primary key is not its first field")
        converters = []
        for n, f in enumerate(fields):
            col = f.get_col(alias)
            found = conn.ops.get_db_converters(col) + col.get_db_converters(conn)
            if found:
                converters.append((start + n, tuple(found), col))
            columns.append(f"{alias}.{q(str(f.column))}")
        parts.append(_PagePart(model, tuple(f.attname for f in fields), start, tuple(converters)))
        start += len(fields)
    tables = {m._meta.db_table: q(m._meta.db_table) for _, m, _ in _PAGE_JOINS}
    joins = " ".join(join.format(**tables) for _, _, join in _PAGE_JOINS if join)
    # Identifiers only (the models' own table and column names, quoted): no value is in the text.
    sql = f"SELECT {', '.join(columns)} FROM {tables['people_membership']} m {joins}"  # noqa: S608
    return sql, tuple(parts)


_PERSON_ETHNICITY = Person._meta.get_field("ethnicity")
_MEMBER_PERSON = Membership._meta.get_field("person")
_MEMBER_HOUSEHOLD = Membership._meta.get_field("household")
_ADDRESS_WARD = Address._meta.get_field("ward")


def _page(people: QuerySet[Any, Any] | list[int], using: str = "default") -> list[Person]:
    """The people (a queryset of ids, or a list of ids) with what a result line shows, in ONE query.

    Person (every column) with their ethnicity, each household they belong to, and its current
    address and ward. People come back by name; each with `memberships.all()` answered from memory
    (households by name), each household with `current_addresses` (a list of none or one): what the
    three prefetch queries this replaces gave.
    """
    select, parts = _page_sql(using)
    if isinstance(people, list):
        if not people:
            return []
        where, params = ", ".join(["%s"] * len(people)), list(people)
    else:
        where, inner = people.query.get_compiler(using).as_sql()
        params = list(inner)
    sql = (
        f"{select} WHERE m.person_id IN ({where}) "
        "ORDER BY p.family_name, p.given_name, p.id, h.name, m.id"
    )
    conn = connections[using]
    with conn.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    found: dict[int, Person] = {}
    memberships: dict[int, list[Membership]] = {}
    # One instance per row of each table, however many lines show it (a family's members share
    # their household and address; people share ethnicity categories and wards): fewer to build.
    made: list[dict[Any, Any]] = [{} for _ in parts]
    m_part, p_part, e_part, h_part, a_part, w_part = parts
    for row in rows:
        m = _instance(using, m_part, row, conn, made[0])
        person = found.get(m.person_id)
        if person is None:
            person = found[m.person_id] = _instance(using, p_part, row, conn, made[1])
            _PERSON_ETHNICITY.set_cached_value(person, _instance(using, e_part, row, conn, made[2]))
        _MEMBER_PERSON.set_cached_value(m, person)
        household = made[3].get(m.household_id)
        if household is None:
            household = _instance(using, h_part, row, conn, made[3])
            address = _instance(using, a_part, row, conn, made[4])
            if address is not None:
                _ADDRESS_WARD.set_cached_value(
                    address, _instance(using, w_part, row, conn, made[5])
                )
            household.current_addresses = [address] if address is not None else []
        _MEMBER_HOUSEHOLD.set_cached_value(m, household)
        memberships.setdefault(m.person_id, []).append(m)
    for pk, person in found.items():
        # What prefetch_related would have left: `person.memberships.all()` answers from this list
        # with no query (the result templates and the query-count tests rely on it).
        person._prefetched_objects_cache = {"memberships": memberships[pk]}  # type: ignore[attr-defined]
    return list(found.values())


def _instance(
    using: str, part: _PagePart, row: tuple[Any, ...], conn: Any, made: dict[Any, Any]
) -> Any:
    """The model instance in `row` for `part` (None when outer-joined to nothing), made once."""
    pk = row[part.start]  # `id` is every model's first field
    if pk is None:
        return None
    if pk in made:
        return made[pk]
    values = list(row[part.start : part.start + len(part.attnames)])
    for column, converters, expression in part.converters:
        value = row[column]
        for convert in converters:
            value = convert(value, expression, conn)
        values[column - part.start] = value
    made[pk] = instance = part.model.from_db(using, part.attnames, values)
    return instance


# --- parts of the query other than the name ------------------------------------------------------


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


# --- candidates for a name ---------------------------------------------------------------------


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


def _grams(word: str) -> set[str]:
    return {word[i : i + 3] for i in range(len(word) - 2)}


def _quoted(terms: Iterable[str]) -> str:
    return " OR ".join(f'"{t}"' for t in sorted(terms) if t.strip() and '"' not in t)


def fts_anchored_match(name: str) -> str:
    """An FTS5 query for a name of two or more words in which one word is typed right.

    For each word of three letters or more, typed exactly (a phrase of its trigrams), AND any
    trigram of the other words, including the first two and the last two letters of each at a
    word boundary (' br', 'wn '), which keep a short misspelt word findable when none of its inner
    trigrams survives ('brlwn' shares none with 'brown'). 'andrea fltcher' ->
    ("andrea" AND (" fl" OR "che" OR ...)) OR ("fltcher" AND (" an" OR "and" OR ...)).
    Measured at a million people (docs/benchmarks.md): a few milliseconds, where an OR of every
    trigram ranked over the whole table took 100 ms and more. '' when no word can anchor.
    """
    words = [w for w in name.split() if '"' not in w][:4]
    parts = []
    for i, anchor in enumerate(words):
        if len(anchor) < 3:
            continue
        grams: set[str] = set()
        for j, other in enumerate(words):
            if j != i:
                grams |= _grams(other)
                if len(other) >= 2:
                    grams |= {" " + other[:2], other[-2:] + " "}
        if grams:
            parts.append(f'("{anchor}" AND ({_quoted(grams)}))')
    return " OR ".join(parts)


def fts_any_trigram_match(name: str) -> str:
    """An FTS5 query for any trigram of the name (ranked by bm25 over every row that has one)."""
    return _quoted(_grams(name))


def _fts_ids(match: str, limit: int, *, using: str) -> list[int]:
    if not match:
        return []
    with connections[using].cursor() as cur:
        cur.execute(
            "SELECT rowid FROM people_person_fts WHERE people_person_fts MATCH %s "
            "ORDER BY rank LIMIT %s",
            [match, limit],
        )
        return [row[0] for row in cur.fetchall()]


def _set_thresholds(using: str, threshold: float, word_threshold: float) -> None:
    with connections[using].cursor() as cur:
        cur.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true), "
            "set_config('pg_trgm.word_similarity_threshold', %s, true)",
            [str(threshold), str(word_threshold)],
        )


@contextmanager
def _similarity_threshold(
    using: str, threshold: float, word_threshold: float = WORD_SIMILARITY_THRESHOLD
) -> Iterator[None]:
    """pg_trgm's thresholds (what `%` and `<%` mean) for the queries run inside, and only them.

    Set for the transaction (or savepoint) around them, which is then rolled back: they only read,
    and rolling back is what undoes a transaction-local setting inside a caller's own transaction
    too. Nothing is read first: a new session knows pg_trgm's settings only once its first trigram
    query has loaded the extension.
    """
    with transaction.atomic(using=using):
        _set_thresholds(using, threshold, word_threshold)
        try:
            yield
        finally:
            transaction.set_rollback(True, using=using)


def _postgres_lookalikes(qs: QuerySet[Person], name: str) -> QuerySet[Person]:
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


# --- ranking -----------------------------------------------------------------------------------

_KEYS = ("pk", "search_name", "given_key", "family_key", "given_sound", "family_sound")
Ranked = tuple[float, str, int]  # (score, search name, pk)


def _score(
    query_name: str,
    target: str,
    keys: tuple[str, str, str, str],
) -> float:
    """How alike a typed name and a stored one are (0-100, +10 when both parts sound right)."""
    words = query_name.split()
    if len(words) == 1:
        # One word typed: it is a first or a last name, so compare it with each name part.
        return max((fuzz.ratio(words[0], part) for part in target.split()), default=0.0)
    s = max(
        fuzz.token_sort_ratio(query_name, target), 0.95 * fuzz.token_set_ratio(query_name, target)
    )
    # Both name parts sound right (in either order): ahead of names that only look alike.
    given_key, family_key, given_sound, family_sound = keys
    first, last = words[0], words[-1]
    if {phonetic_key(first), phonetic_key(last)} == {given_key, family_key} or {
        sound_key(first),
        sound_key(last),
    } == {given_sound, family_sound}:
        s += 10
    return s


def score(query_name: str, candidate: Person) -> float:
    return _score(
        query_name,
        candidate.search_name,
        (candidate.given_key, candidate.family_key, candidate.given_sound, candidate.family_sound),
    )


def _ranked(candidates: QuerySet[Person], name: str) -> list[Ranked]:
    """Score a bounded set of candidates: (score, name, pk), best first, weak ones dropped."""
    if not candidates.query.order_by:
        # Not the model's alphabetical ordering: it costs a sort and would make the limit keep
        # the alphabetically first candidates rather than any.
        candidates = candidates.order_by()
    ranked = []
    for pk, search_name, *keys in candidates.values_list(*_KEYS)[:CANDIDATE_LIMIT]:
        s = _score(name, search_name, tuple(keys))  # type: ignore[arg-type]
        if s >= MIN_SCORE:
            ranked.append((s, search_name, pk))
    ranked.sort(key=lambda t: (-t[0], t[1], t[2]))
    return ranked


def _strong(ranked: list[Ranked]) -> bool:
    return bool(ranked) and ranked[0][0] >= STRONG_MATCH


def _merge(ranked: list[Ranked], more: list[Ranked]) -> list[Ranked]:
    seen = {pk for _, _, pk in ranked}
    return sorted(
        [*ranked, *(r for r in more if r[2] not in seen)], key=lambda t: (-t[0], t[1], t[2])
    )


def _name_candidates(qs: QuerySet[Person], name: str) -> list[Ranked]:
    """Generators from cheap to costly; each runs only when those before found no close match.

    1. Sound-alike keys (indexed equality): 'Jon Smyth' -> John Smith.
    2. Look-alike names: PostgreSQL, pg_trgm similarity (GIN index) at CLOSE_SIMILARITY, then at
       NAME_SIMILARITY; SQLite, FTS5 with one word typed right (`fts_anchored_match`).
    3. SQLite only, last resort: the best-ranked rows sharing any trigram with the name.
    """
    condition = _sound_condition(name)
    ranked = _ranked(qs.filter(condition), name) if condition is not None else []
    if _strong(ranked):
        return ranked
    using = qs.db
    if connections[using].vendor == "postgresql":
        with _similarity_threshold(using, CLOSE_SIMILARITY, CLOSE_SIMILARITY):
            ranked = _merge(ranked, _ranked(_postgres_lookalikes(qs, name), name))
            if _strong(ranked):
                return ranked
            _set_thresholds(using, NAME_SIMILARITY, WORD_SIMILARITY_THRESHOLD)
            return _merge(ranked, _ranked(_postgres_lookalikes(qs, name), name))
    if len(name.split()) > 1:
        ids = _fts_ids(fts_anchored_match(name), CANDIDATE_LIMIT, using=using)
        ranked = _merge(ranked, _ranked(qs.filter(pk__in=ids), name) if ids else [])
        if _strong(ranked):
            return ranked
    if len(name) >= 3:
        ids = _fts_ids(fts_any_trigram_match(name), TRIGRAM_LIMIT, using=using)
        ranked = _merge(ranked, _ranked(qs.filter(pk__in=ids), name) if ids else [])
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
        # One query: the page of people in scope (one more than shown, to know if there are more),
        # as a subquery of the query that fetches their details.
        first = qs.order_by("family_name", "given_name", "id").values("pk")[: limit + 1]
        found = _page(first, qs.db)
        return SearchResult(q, found[:limit], more=len(found) > limit)
    ranked = _name_candidates(qs, q.name)
    top = [pk for _, _, pk in ranked[:limit]]
    by_pk = {p.pk: p for p in _page(top, qs.db)}
    return SearchResult(q, [by_pk[pk] for pk in top if pk in by_pk], more=len(ranked) > limit)
