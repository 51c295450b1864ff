"""The demo commands: reproducible, realistic families, consistent rows, idempotent set-up."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count

from familyhub.access.models import Membership as StaffMembership
from familyhub.access.models import User
from familyhub.access.roles import Role
from familyhub.core.demo import load_families
from familyhub.core.demo.generator import PERSON_COLS, TABLE_COLS, FamilyGenerator
from familyhub.core.demo.organisations import (
    ASPLEY,
    BULWELL,
    FRAMEWORK,
    HOME_START,
    HYSON_GREEN,
    LEAD,
    ST_ANNS,
    TOY_LIBRARY,
    ensure_organisations,
    ensure_staff,
)
from familyhub.core.demo.pools import Weighted, nhs_numbers_999
from familyhub.core.demo.reference import build_reference
from familyhub.people import choices as c
from familyhub.people import validators as v
from familyhub.people.models import (
    Address,
    Household,
    Membership,
    Person,
    Relationship,
)
from familyhub.people.search_keys import person_search_fields
from familyhub.places.models import Organisation

TODAY = date(2026, 11, 23)
N = 20
SERVING = {BULWELL: TOY_LIBRARY, ASPLEY: HOME_START, ST_ANNS: FRAMEWORK, HYSON_GREEN: FRAMEWORK}


def _rows(seed: int, families: int = N) -> dict[str, list[tuple]]:
    generator = FamilyGenerator(seed, build_reference(), today=TODAY)
    out: dict[str, list[tuple]] = {t: [] for t in TABLE_COLS}
    for chunk in generator.chunks(families=families, batch=7):
        for t in TABLE_COLS:
            out[t].extend(chunk.rows(t))
    return out


@pytest.fixture
def orgs(db):
    orgs = ensure_organisations()
    ensure_staff(orgs)
    return orgs


@pytest.fixture
def loaded(orgs):
    stats = load_families(families=N, seed=11, today=TODAY)
    assert stats.families == N
    return stats


def test_same_seed_same_rows_and_another_seed_differs(orgs):
    first, second = _rows(5), _rows(5)
    assert first == second
    names = [(r[2], r[3], r[5]) for r in first["person"]]
    assert names == [(r[2], r[3], r[5]) for r in second["person"]]
    assert names != [(r[2], r[3], r[5]) for r in _rows(6)["person"]]


def test_same_seed_gives_same_people_in_two_loads(orgs):
    load_families(families=N, seed=3, today=TODAY)
    wanted = list(
        Person.objects.order_by("id").values_list(
            "given_name", "family_name", "date_of_birth", "uuid"
        )
    )
    Household.objects.all().delete()
    Person.objects.all().delete()
    load_families(families=N, seed=3, today=TODAY, threaded=False)
    again = list(
        Person.objects.order_by("id").values_list(
            "given_name", "family_name", "date_of_birth", "uuid"
        )
    )
    assert again == wanted


@pytest.mark.parametrize("options", [{"mode": "orm"}, {"shortcuts": False}])
def test_other_write_paths_write_the_same_rows(orgs, options):
    def snapshot():
        return (
            sorted(
                Person.objects.values_list(
                    "uuid", "given_name", "search_name", "date_of_birth", "log_key"
                )
            ),
            sorted(
                Relationship.objects.values_list("from_person__uuid", "to_person__uuid", "kind")
            ),
            sorted(
                Address.objects.values_list("household__uuid", "postcode", "valid_from", "valid_to")
            ),
        )

    load_families(families=8, seed=8, today=TODAY, **options)
    other = snapshot()
    Household.objects.all().delete()
    Person.objects.all().delete()
    load_families(families=8, seed=8, today=TODAY)
    assert snapshot() == other


def test_families_have_the_expected_shapes(orgs):
    load_families(families=150, seed=2026, today=TODAY)
    unborn = Person.objects.filter(is_unborn=True)
    assert unborn.exists()
    for p in unborn:
        assert p.date_of_birth is None and p.given_name == ""
        assert (
            TODAY + timedelta(weeks=1) <= p.expected_date_of_delivery <= TODAY + timedelta(weeks=30)
        )
    # Parents living apart: a parent who is a member without living there.
    apart = Membership.objects.filter(role=c.MemberRole.PARENT_CARER, lives_here=False)
    assert apart.exists()
    assert Relationship.objects.filter(
        kind=c.RelationshipKind.STEP_PARENT, parental_responsibility=False
    ).exists()
    assert not Relationship.objects.filter(
        kind=c.RelationshipKind.STEP_PARENT, parental_responsibility=True
    ).exists()
    assert not Relationship.objects.filter(
        kind__in=[c.RelationshipKind.MOTHER, c.RelationshipKind.FATHER],
        parental_responsibility=False,
    ).exists()
    assert Relationship.objects.filter(kind=c.RelationshipKind.SIBLING).exists()
    ec = Membership.objects.filter(role=c.MemberRole.EMERGENCY_CONTACT)
    assert ec.exists() and not ec.filter(lives_here=True).exists()
    # Some fathers living apart have a household of their own too.
    assert Person.objects.annotate(n=Count("memberships")).filter(n__gt=1).exists()
    children = Person.objects.filter(memberships__role=c.MemberRole.CHILD, is_unborn=False)
    assert all(
        0 <= (TODAY - d).days < 18 * 366 for d in children.values_list("date_of_birth", flat=True)
    )
    assert Address.objects.filter(valid_to__isnull=False).exists()  # previous addresses


def test_every_person_has_search_keys(loaded):
    for p in Person.objects.all():
        keys = person_search_fields(p.given_name, p.family_name, p.known_as)
        assert (p.search_name, p.given_key, p.family_key) == (
            keys["search_name"],
            keys["given_key"],
            keys["family_key"],
        )
        assert p.search_name and p.family_key
        assert p.given_key or p.is_unborn


def test_households_have_one_current_address_and_an_open_allocation_to_the_ward_org(loaded):
    lead = Organisation.objects.get(name=LEAD)
    for h in Household.objects.prefetch_related("addresses__ward", "allocations__organisation"):
        current = [a for a in h.addresses.all() if a.valid_to is None]
        assert len(current) == 1
        address = current[0]
        assert v.looks_like_postcode(address.postcode)
        assert address.postcode == v.normalise_postcode(address.postcode)
        assert address.postcode_key == address.postcode.replace(" ", "")
        assert re.match(r"^NG(1[01]?|[2-9]) ", address.postcode)
        open_allocations = [a for a in h.allocations.all() if a.ended_on is None]
        assert len(open_allocations) == 1
        org = open_allocations[0].organisation
        expected = SERVING.get(address.ward.code)
        assert org.name == expected if expected else org == lead
        assert address.ward in org.served_wards.all()
        team, worker = open_allocations[0].team, open_allocations[0].worker
        assert team is None or team.organisation == org
        if worker is not None:
            assert StaffMembership.objects.filter(user=worker, organisation=org).exists()


def test_nhs_numbers_are_valid_999_numbers_and_unique(loaded):
    numbers = list(Person.objects.exclude(nhs_number="").values_list("nhs_number", flat=True))
    assert numbers
    assert len(numbers) == len(set(numbers))
    for n in numbers:
        assert n.startswith("999") and len(n) == 10
        assert v.nhs_number_checksum_ok(n) and v.nhs_number_valid_by_library(n)
    share = len(numbers) / Person.objects.filter(is_unborn=False).count()
    assert 0.6 < share <= 1


def test_nhs_999_range_covers_a_million_people_without_repeats():
    numbers = list(nhs_numbers_999(123_456))
    assert len(numbers) == len(set(numbers)) == 909_091
    assert all(v.nhs_number_checksum_ok(n) for n in numbers[::997])


def test_contact_details_are_reserved_for_fiction(loaded):
    phone = re.compile(r"^(07700 900\d{3}|0115 496 0\d{3})$")
    for p in Person.objects.exclude(phone=""):
        assert phone.match(p.phone), p.phone
    for h in Household.objects.exclude(phone=""):
        assert phone.match(h.phone), h.phone
    for email in Person.objects.exclude(email="").values_list("email", flat=True):
        assert email.endswith(("@example.com", "@example.org")), email


def test_log_keys_and_uuids_are_unique_version_4(loaded):
    people = list(Person.objects.values_list("uuid", "log_key"))
    keys = [k for pair in people for k in pair]
    assert len(keys) == len(set(keys))
    assert all(k.version == 4 for k in keys)


def test_uuid_shortcut_matches_the_uuid_module():
    import random

    a, b = random.Random(42), random.Random(42)
    generator = FamilyGenerator.__new__(FamilyGenerator)
    generator.rng = a
    for _ in range(100):
        assert generator._uuid() == uuid.UUID(int=b.getrandbits(128), version=4).hex


def test_special_category_answers_keep_not_asked_and_prefer_not_apart(orgs):
    rows = _rows(2026, families=400)["person"]
    ethnicity = PERSON_COLS.index("ethnicity_id")
    born_adults = [r for r in rows if r[PERSON_COLS.index("employment_status")] != "not_applicable"]
    from familyhub.places.models import EthnicityCategory

    prefer = EthnicityCategory.objects.get(key="prefer-not-to-say").pk
    share_prefer = sum(r[ethnicity] == prefer for r in born_adults) / len(born_adults)
    share_not_asked = sum(r[ethnicity] is None for r in born_adults) / len(born_adults)
    assert 0.04 < share_prefer < 0.13
    assert 0.05 < share_not_asked < 0.16


def test_weighted_pick_respects_weights():
    w = Weighted({"a": 1, "b": 3})
    assert (
        w.pick(0.0) == "a" and w.pick(0.24) == "a" and w.pick(0.26) == "b" and w.pick(0.999) == "b"
    )


def test_demo_data_command_reports_rate_and_refuses_the_same_seed_twice(orgs):
    out = StringIO()
    call_command("demo_data", "--families", "5", "--seed", "4", stdout=out)
    assert "people per second" in out.getvalue()
    with pytest.raises(CommandError, match="already in this database"):
        call_command("demo_data", "--families", "5", "--seed", "4", stdout=StringIO())


def test_sqlite_fts_stays_in_step_with_people(loaded):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM people_person_fts")
        assert cur.fetchone()[0] == Person.objects.count()
        cur.execute(
            "INSERT INTO people_person_fts(people_person_fts, rank) VALUES('integrity-check', 1)"
        )
        cur.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'people_person_fts_ai'"
        )
        assert cur.fetchone()[0] == 1


def test_demo_setup_is_idempotent_and_makes_a_user_for_every_role(db, monkeypatch):
    monkeypatch.setenv("FAMILYHUB_DEMO_PASSWORD", "a-demo-password-for-tests")
    out = StringIO()
    call_command("demo_setup", "--families", str(N), stdout=out)
    text = out.getvalue()
    counts = (
        Organisation.objects.count(),
        User.objects.count(),
        StaffMembership.objects.count(),
        Household.objects.count(),
        Person.objects.count(),
    )
    assert "Open http://127.0.0.1:8000 and sign in" in text
    assert "partner.toylibrary" in text and "a-demo-password-for-tests" in text
    for role in Role:
        assert StaffMembership.objects.filter(role=role).exists(), role
    for name in (TOY_LIBRARY, FRAMEWORK, HOME_START):
        roles = set(
            StaffMembership.objects.filter(organisation__name=name).values_list("role", flat=True)
        )
        assert {Role.PARTNER_STAFF, Role.PRACTITIONER} <= roles
    lead_roles = set(
        StaffMembership.objects.filter(organisation__name=LEAD).values_list("role", flat=True)
    )
    assert set(Role) - {Role.PARTNER_STAFF} <= lead_roles
    user = User.objects.get(username="practitioner")
    assert user.check_password("a-demo-password-for-tests")
    # The administrator's pages have something to show (ADRs 0025, 0026).
    from familyhub.access.models import SetUpLink
    from familyhub.places.models import Venue

    assert SetUpLink.objects.filter(user__username="new.starter", used_at__isnull=True).exists()
    assert not User.objects.get(username="former.mentor").is_active
    assert not Venue.objects.get(name="Old Library Community Room").active

    again = StringIO()
    call_command("demo_setup", "--families", str(N), stdout=again)
    assert "already" in again.getvalue()
    assert counts == (
        Organisation.objects.count(),
        User.objects.count(),
        StaffMembership.objects.count(),
        Household.objects.count(),
        Person.objects.count(),
    )
    lead = Organisation.objects.get(name=LEAD)
    assert lead.kind == Organisation.Kind.LEAD and lead.served_wards.count() == 16
    assert not lead.served_wards.filter(code__in=list(SERVING)).exists()
    assert set(Organisation.objects.values_list("kind", flat=True)) >= {
        "lead",
        "delivery_partner",
        "health",
        "local_authority",
        "funder",
        "evaluator",
    }


def test_the_demo_postcode_directory_agrees_with_every_demo_address(loaded):
    """The demo's made-up directory (R-PEOPLE-2) puts each family's postcode in the family's own
    ward, so the demo never refuses an address it made; loading it again adds nothing."""
    from familyhub.core.demo.postcodes import DEMO_SOURCE, load_demo_postcodes
    from familyhub.places.models import PostcodeWard

    said = load_demo_postcodes(seed=11)
    assert PostcodeWard.objects.count() > 30_000  # 400 units in each of the wards' sectors
    assert f"{PostcodeWard.objects.count():,} made-up demo postcodes added" in said
    directory = dict(PostcodeWard.objects.values_list("postcode_key", "ward_id"))
    addresses = list(Address.objects.values_list("postcode_key", "ward_id"))
    assert addresses and all(directory[key] == ward for key, ward in addresses)
    assert set(PostcodeWard.objects.values_list("source", flat=True)) == {DEMO_SOURCE}
    assert "0 made-up demo postcodes added" in load_demo_postcodes(seed=11)


def test_practitioner_of_the_lead_sees_only_lead_families(loaded):
    from familyhub.access.helpers import people_visible_to

    user = User.objects.get(username="practitioner")
    visible = people_visible_to(user)
    assert 0 < visible.count() < Person.objects.count()
    outside = visible.exclude(
        memberships__household__allocations__organisation__name=LEAD,
    )
    assert not outside.exists()
