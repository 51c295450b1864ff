"""Find a family fast (R-PEOPLE-6), only among the families the user may see (R-ACCESS-2), and
logged without the search words (R-ACCESS-3).

Runs on SQLite (phonetic keys + FTS5 trigram) and PostgreSQL (phonetic keys + pg_trgm): run the file
with DATABASE_URL=postgres://... for the second.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.models import AccessLogEntry, AccessLogSubject
from familyhub.core.testing import make_household, register_smith_family
from familyhub.people import search
from familyhub.people.models import Person
from familyhub.people.search_keys import person_search_fields

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hasher")]

JOHN_NHS = "9990000018"


@pytest.fixture
def smiths(personas):
    """John Smith (born 2/1/1990, NHS 999 000 0018) and his son Jack at NG6 8AB, registered by the
    lead organisation's practitioner, so allocated to the lead organisation."""
    # The personas' families have random Faker names: keep them clear of the names searched for.
    for p in Person.objects.exclude(family_name="Testington"):
        if p.family_key in ("SM0", "SMT") or p.given_key == "JN":
            fields = person_search_fields(p.given_name, "Testperson", p.known_as)
            Person.objects.filter(pk=p.pk).update(family_name="Testperson", **fields)
    household = register_smith_family(
        personas.practitioner,
        {"given_name": "Jack", "date_of_birth": timezone.localdate() - timedelta(days=400)},
        john={"sex": "male"},
    )
    john = Person.objects.get(given_name="John", family_name="Smith")
    return household, john


def _run(user, text):
    return search.run(access.people_visible_to(user), text, limit=50)


def _search_page(client, text):
    response = client.get(reverse("people:search"), {"q": text})
    assert response.status_code == 200
    return response


FINDS_JOHN = [
    pytest.param("Jon Smyth", id="typo-both-names"),
    pytest.param("jon smyth", id="lower-case"),
    pytest.param("Smith John", id="reversed"),
    pytest.param("Smyth, Jon", id="reversed-with-comma"),
    pytest.param("John Smiht", id="one-transposed-letter"),
    pytest.param("John Smitg", id="one-wrong-letter"),
    pytest.param("Jonh Smith", id="transposed-first-name"),
    pytest.param("2/1/1990", id="dob-d/m/yyyy"),
    pytest.param("02/01/1990", id="dob-dd/mm/yyyy"),
    pytest.param("1990-01-02", id="dob-iso"),
    pytest.param("1/2/1990", id="dob-day-and-month-swapped"),
    pytest.param("2.1.90", id="dob-two-digit-year"),
    pytest.param("ng68ab", id="postcode-no-space-lower"),
    pytest.param("NG6  8AB", id="postcode-two-spaces"),
    pytest.param(" Ng6 8aB ", id="postcode-mixed-case"),
    pytest.param("NG6", id="outward-code"),
    pytest.param("999 000 0018", id="nhs-with-spaces"),
    pytest.param("9990000018", id="nhs-digits"),
    pytest.param("999-000-0018", id="nhs-dashes"),
    pytest.param("Smith 2/1/1990", id="name-and-dob"),
    pytest.param("Jon Smyth NG6 8AB", id="name-and-postcode"),
]


@pytest.mark.parametrize("text", FINDS_JOHN)
def test_search_run_finds_john_smith(personas, smiths, text):
    """R-PEOPLE-6: typo-tolerant name, date of birth (any format, day and month swapped), postcode in
    any case and spacing, outward code, NHS number with spaces."""
    _, john = smiths
    result = _run(personas.practitioner, text)
    assert john in result.people, (text, result.query, [p.display_name for p in result.people])


@pytest.mark.parametrize(
    "text", ["Jon Smyth", "Smith John", "John Smiht", "1/2/1990", "ng68ab", "999 000 0018"]
)
def test_search_page_finds_john_smith(personas, smiths, client_for, text):
    """R-PEOPLE-6 through the UI: the result links to John's record and shows his family and postcode."""
    household, john = smiths
    response = _search_page(client_for(personas.practitioner), text)
    assert john in response.context["result"].people
    body = response.content.decode()
    assert reverse("people:person_detail", args=[john.uuid]) in body
    assert reverse("people:household_detail", args=[household.uuid]) in body
    assert "John Smith" in body and "NG6 8AB" in body and "999 000 0018" in body


@pytest.mark.parametrize("text", ["Smiht", "Smitg", "Smyth"])
def test_surname_alone_with_one_typo_finds_john(personas, smiths, text):
    """R-PEOPLE-6: a single typo letter in the only word typed."""
    _, john = smiths
    assert john in _run(personas.practitioner, text).people


def test_surname_alone_finds_the_family(personas, smiths):
    _household, _john = smiths
    found = _run(personas.practitioner, "Smith").people
    assert {p.given_name for p in found if p.family_name == "Smith"} == {"John", "Jack"}


def test_nhs_number_is_exact(personas, smiths):
    _, john = smiths
    assert _run(personas.practitioner, "999 000 0018").people == [john]
    wrong = _run(personas.practitioner, "999 000 0019")
    assert wrong.people == [] and wrong.query.notes  # 'not a valid NHS number' is explained


def test_date_of_birth_matches_only_that_date(personas, smiths):
    _, john = smiths
    found = _run(personas.practitioner, "2/1/1990").people
    assert john in found
    assert all(
        date(1990, 1, 2) in (p.date_of_birth, p.expected_date_of_delivery)
        or date(1990, 2, 1) in (p.date_of_birth, p.expected_date_of_delivery)
        for p in found
    )


def test_postcode_results_are_the_people_at_that_postcode(personas, smiths):
    household, _john = smiths
    found = set(_run(personas.practitioner, "ng68ab").people)
    at_ng68ab = {m.person for m in household.memberships.all()} | {
        m.person for m in personas.household.memberships.all()
    }
    assert found == at_ng68ab  # the partner's family at NG6 9ZZ is neither at it nor in scope


@pytest.mark.parametrize(
    "text", ["Jon Smyth", "Smith John", "2/1/1990", "ng68ab", "NG6", "999 000 0018"]
)
def test_results_are_limited_to_scope(personas, smiths, client_for, text):
    """R-ACCESS-2: the same search by a practitioner of another organisation finds nobody of the lead
    organisation's families (need to know is by allocation), nor does partner staff."""
    _, john = smiths
    assert john in _run(personas.practitioner, text).people
    assert _run(personas.other_org_staff, text).people == []
    assert john not in _run(personas.partner_staff, text).people
    response = _search_page(client_for(personas.other_org_staff), text)
    assert response.context["result"].people == []
    assert "John Smith" not in response.content.decode()
    assert "No matches" in response.content.decode()


def test_search_page_refused_to_roles_without_view_people(personas, smiths, client_for):
    for user in (personas.analyst, personas.dpo, personas.admin):
        assert client_for(user).get(reverse("people:search"), {"q": "Jon Smyth"}).status_code == 403
    assert not AccessLogEntry.objects.filter(action=AccessLogEntry.Action.SEARCH).exists()


SEARCHES = ["Jon Smyth", "Smith John", "2/1/1990", "ng68ab", "NG6", "999 000 0018"]


# Hex digests can hold '1990' or 'ng6'-like runs by chance; they are hashes, not typed words.
_HASH_COLUMNS = {"prev_hash", "row_hash", "subject_digest"}


def _log_columns(entry: AccessLogEntry) -> list[str]:
    return [
        str(getattr(entry, f.attname) or "")
        for f in AccessLogEntry._meta.concrete_fields
        if f.attname not in _HASH_COLUMNS
    ]


@pytest.mark.parametrize("text", SEARCHES)
def test_search_is_logged_with_exactly_the_people_shown_and_never_the_words(
    personas, smiths, client_for, text
):
    """R-ACCESS-3: one SEARCH entry per search naming exactly the people on the page (by their
    pseudonymous log_key); the words typed (personal data) are in no column of the log."""
    before = AccessLogEntry.objects.count()
    response = _search_page(client_for(personas.practitioner), text)
    shown = response.context["result"].people
    assert shown
    entries = list(AccessLogEntry.objects.order_by("id")[before:])
    assert [e.action for e in entries] == [AccessLogEntry.Action.SEARCH]
    entry = entries[0]
    assert entry.username == personas.practitioner.username and entry.channel == "web"
    assert entry.subject_count == len(shown)
    logged = set(AccessLogSubject.objects.filter(entry=entry).values_list("person_key", flat=True))
    assert logged == {p.log_key for p in shown}
    words = {
        text.strip().lower(),
        text.replace(" ", "").lower(),
        "smyth",
        "9990000018",
        "999 000 0018",
        "1990",
        "ng6",
        "john",
        "smith",
    }
    for e in AccessLogEntry.objects.all():
        for value in _log_columns(e):
            low = value.lower()
            leaked = [w for w in words if w and w in low]
            assert not leaked, f"access log entry #{e.pk} holds search words {leaked}: {value!r}"


def test_other_org_search_is_logged_with_nobody(personas, smiths, client_for):
    _search_page(client_for(personas.other_org_staff), "Jon Smyth")
    entry = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.SEARCH).latest("id")
    assert entry.username == personas.other_org_staff.username
    assert entry.subject_count == 0 and not entry.subjects.exists()


# --- query counts -------------------------------------------------------------------------------


def _add_smith_families(personas, count: int) -> None:
    for i in range(count):
        make_household(
            organisation=personas.lead,
            ward=personas.ward,
            family_name="Smith",
            adults=1,
            children=1,
            postcode="NG7 5HY" if i % 2 else "NG6 8AB",
        )


def _queries(client, text) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = _search_page(client, text)
    return len(ctx.captured_queries), len(response.context["result"].people)


@pytest.mark.parametrize("text", ["Smith", "Smith 1/1/2000", "NG6 8AB", "NG6"])
def test_search_page_query_count_is_the_same_for_2_and_20_results(personas, client_for, text):
    """Performance habit: a search page costs the same number of queries whatever it shows."""
    for p in Person.objects.exclude(family_name="Testington"):  # keep random names out of the way
        Person.objects.filter(pk=p.pk).update(
            family_name="Testperson", **person_search_fields(p.given_name, "Testperson", "")
        )
    client = client_for(personas.practitioner)
    _search_page(client, "warm up")  # first request of a session: user, session row
    _add_smith_families(personas, 1)
    small, shown_small = _queries(client, text)
    _add_smith_families(personas, 9)
    large, shown_large = _queries(client, text)
    if text.startswith("NG6"):
        # with the three Testingtons at NG6 8AB; 5 of the 9 new families are at NG6 8AB
        assert (shown_small, shown_large) == (3 + 2, 3 + 2 + 10)
    elif text == "Smith":
        assert (shown_small, shown_large) == (2, 20)
    assert small == large, (
        f"{text!r}: {small} queries for {shown_small} results, {large} for {shown_large}"
    )


def test_search_run_query_count_is_the_same_for_2_and_20_results(personas):
    personas.practitioner.has_capability("view_people")  # the user's roles, read once per request
    access.people_visible_to(personas.practitioner)  # and whatever else the scope reads once
    _add_smith_families(personas, 1)
    with CaptureQueriesContext(connection) as small:
        assert len(_run(personas.practitioner, "Smith").people) == 2
    _add_smith_families(personas, 9)
    with CaptureQueriesContext(connection) as large:
        assert len(_run(personas.practitioner, "Smith").people) == 20
    assert len(small.captured_queries) == len(large.captured_queries)


def test_search_backend_is_the_one_expected():
    """The test run exercises the database's own candidate generator (ADR 0002)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("SELECT name FROM sqlite_master WHERE name = 'people_person_fts'")
            assert cur.fetchone()
    else:
        assert connection.vendor == "postgresql"
        with connection.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            assert cur.fetchone()
