"""The cube (R-SHARE-2): known answers on a tiny hand-made dataset, including the source documents'
examples ("10 children in Bulwell attended a Cook and Play session"; "7 fathers in St Ann's
attended FRED", published as '*'), and a hypothesis check that the cube's totals equal a naive
count in Python over random small data."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from familyhub.core.testing import PersonFactory
from familyhub.engagement.testing import a_service, a_session, attend
from familyhub.places.models import EthnicityCategory, Ward
from familyhub.privacy.models import Objection, Purpose
from familyhub.sharing import cube, sdc
from familyhub.sharing.testing import make_agreement
from familyhub.sharing.tests.reports_data import build_world

pytestmark = pytest.mark.django_db


def _q(**kw):
    defaults = {
        "measure": "attendances",
        "rows": "ward",
        "columns": None,
        "start": date(2026, 1, 1),
        "end": date(2026, 3, 31),
    }
    defaults.update(kw)
    return cube.CubeQuery(**defaults)


def _counts(result, **where):
    """{labels of the non-month dims: count} summed over the hidden month."""
    out: dict[tuple[str, ...], int] = {}
    dims = result.cube.dimensions
    keep = [i for i, d in enumerate(dims) if d != cube.MONTH]
    for key, n in result.cube.counts.items():
        if any(key[dims.index(d)] != v for d, v in where.items()):
            continue
        k = tuple(key[i] for i in keep)
        out[k] = out.get(k, 0) + n
    return out


@pytest.fixture
def world(personas):
    return build_world(personas)


def test_ten_children_in_bulwell_attended_cook_and_play(world):
    """The source documents' example: 10 children in Bulwell attended a Cook and Play session."""
    result = cube.build(
        _q(measure="children", filters={"service": ["cook-and-play"]}),
        agreement=world["agreement"],
        organisation=world["lead"],
    )
    assert _counts(result) == {("Bulwell",): 10}
    assert result.people == 10
    attendances = cube.build(
        _q(filters={"service": ["cook-and-play"]}),
        agreement=world["agreement"],
        organisation=world["lead"],
    )
    assert _counts(attendances) == {("Bulwell",): 14}  # 10 in January + 4 in February


def test_distinct_children_are_counted_in_the_month_of_their_first_attendance(world):
    result = cube.build(
        _q(measure="children", rows="period", filters={"service": ["cook-and-play"]}),
        agreement=world["agreement"],
        organisation=world["lead"],
    )
    assert _counts(result) == {("2026-01",): 10}
    feb_only = cube.build(
        _q(measure="children", rows="period", start=date(2026, 2, 1)),
        agreement=world["agreement"],
        organisation=world["lead"],
    )
    assert _counts(feb_only) == {("2026-02",): 4}


def test_seven_fathers_in_st_anns_attended_fred_shown_as_a_star(world):
    """'7 fathers in St Ann's attended FRED': true count 7, published as '*' (R-SHARE-2)."""
    query = _q(
        measure="adults",
        rows="ward",
        columns="ethnicity_group",
        filters={"service": ["fred"], "parent_role": ["father"]},
    )
    result = cube.build(query, agreement=world["agreement"], organisation=world["lead"])
    counts = _counts(result)
    assert sum(counts.values()) == 7
    assert counts[("St. Ann's", "White")] == 5
    assert counts[("St. Ann's", "Black, Black British, Black Welsh, Caribbean or African")] == 2
    out = sdc.protect(result.cube, cube.tables(result), sdc.get_rule_set("round-5-suppress-1-7"))
    main = out.table("main")
    assert main.cell("St. Ann's", "Total").display == "*"
    assert main.cell("Total", "Total").display == "*"
    assert main.cell("Bulwell", "Total").display == "0"
    assert all(cell.display in ("0", "*") for cell in main)


def test_parent_roles_age_bands_sex(world):
    by_role = cube.build(
        _q(measure="adults", rows="parent_role", filters={"service": ["fred"]}),
        agreement=world["agreement"],
        organisation=world["lead"],
    )
    assert _counts(by_role) == {("Father",): 7, ("Mother",): 1}
    ages = cube.build(
        _q(measure="attendances", rows="age_band", columns="sex"),
        agreement=world["agreement"],
        organisation=world["lead"],
    )
    counts = _counts(ages)
    # Children born 1/6/2024: 1-2 years old in January and February 2026.
    assert counts[("1-2", "Female")] == 5 + 2
    assert counts[("1-2", "Male")] == 5 + 2
    assert counts[("Adult", "Male")] == 7
    assert counts[("Adult", "Female")] == 1


def test_visits_and_registrations(world):
    visits = cube.build(
        _q(measure="visits", rows="ward"), agreement=world["agreement"], organisation=world["lead"]
    )
    assert _counts(visits) == {("Bulwell",): 2}
    regs = cube.build(
        _q(measure="registrations", rows="service", columns="area"),
        agreement=world["agreement"],
        organisation=world["lead"],
    )
    assert sum(_counts(regs).values()) == 1
    assert next(iter(_counts(regs)))[:1] == ("Cook and Play",)


def test_ethnicity_not_asked_and_prefer_not_to_say_are_their_own_values(world):
    prefer = EthnicityCategory.objects.get(kind=EthnicityCategory.Kind.PREFER_NOT_TO_SAY)
    world["mum"].ethnicity = prefer
    world["mum"].save()
    result = cube.build(
        _q(measure="adults", rows="ethnicity_group", filters={"service": ["fred"]}),
        agreement=world["agreement"],
        organisation=world["lead"],
    )
    counts = _counts(result)
    assert counts[("Prefer not to say",)] == 1
    assert cube.NOT_ASKED in result.cube.domains[0]
    detailed = cube.build(
        _q(measure="children", rows="ethnicity_detailed"),
        agreement=world["agreement"],
        organisation=world["lead"],
    )
    assert _counts(detailed) == {(cube.NOT_ASKED,): 10}


def test_scope_follows_the_consent_purpose_and_objections(world):
    """Only people `privacy.policy.permitted` allows for the agreement's purpose are counted."""
    evaluation = Purpose.objects.get(code="evaluation")  # relies on consent: nobody consented
    by_consent = make_agreement(lawful_basis="consent", consent_purpose=evaluation)
    result = cube.build(_q(), agreement=by_consent, organisation=world["lead"])
    assert result.cube.counts == {}
    planning = Purpose.objects.get(code="service-planning")
    Objection.objects.create(
        person=world["fathers"][0], purpose=planning, received_on=date(2026, 1, 1)
    )
    fathers = cube.build(
        _q(measure="adults", filters={"parent_role": ["father"]}),
        agreement=world["agreement"],
        organisation=world["lead"],
    )
    assert sum(_counts(fathers).values()) == 6


def test_one_sql_statement_per_measure(world, django_assert_max_num_queries):
    query = _q(measure="children", rows="ward", columns="ethnicity_group")
    # Reference lists (wards, services, ethnicity, purpose), the GROUP BY, the people count.
    with django_assert_max_num_queries(7):
        cube.build(query, agreement=world["agreement"], organisation=world["lead"])


def test_bad_queries_are_refused(world):
    from familyhub.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        cube.build(_q(rows="shoe_size"), agreement=None, organisation=world["lead"])
    with pytest.raises(ValidationFailed):
        cube.build(_q(columns="ward"), agreement=None, organisation=world["lead"])
    with pytest.raises(ValidationFailed):
        cube.build(_q(end=date(2025, 1, 1)), agreement=None, organisation=world["lead"])


# --- hypothesis: the cube's counts equal a naive count in Python ------------------------------


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 2),  # ward
            st.integers(0, 1),  # service
            st.integers(0, 2),  # month
            st.integers(0, 4),  # person
            st.booleans(),  # present
        ),
        max_size=25,
    )
)
def test_cube_totals_equal_a_naive_count(personas, rows):
    from django.db import transaction

    wards = list(Ward.objects.order_by("code")[:3])
    services = [a_service("cook-and-play"), a_service("fred")]
    with transaction.atomic():
        sid = transaction.savepoint()
        people = [PersonFactory() for _ in range(5)]
        sessions: dict[tuple[int, int, int], object] = {}
        seen: set[tuple[int, int, int, int]] = set()
        expected_att: dict[tuple[str, str], int] = {}
        first: dict[int, tuple[date, int, int, int]] = {}
        for w, s, m, p, present in rows:
            if (w, s, m, p) in seen:
                continue
            seen.add((w, s, m, p))
            key = (w, s, m)
            if key not in sessions:
                sessions[key] = a_session(
                    organisation=personas.lead,
                    service=services[s],
                    day=date(2026, m + 1, 10 + w),
                    start=time(9 + s),
                    ward=wards[w],
                )
            attend(sessions[key], people[p], present=present)  # type: ignore[arg-type]
            if present:
                label = (wards[w].name, services[s].name)
                expected_att[label] = expected_att.get(label, 0) + 1
                when = (date(2026, m + 1, 10 + w), w, s, p)
                if p not in first or when < first[p]:
                    first[p] = when
        agreement = make_agreement()
        result = cube.build(
            _q(rows="ward", columns="service"), agreement=agreement, organisation=personas.lead
        )
        assert {k: v for k, v in _counts(result).items() if v} == expected_att
        children = cube.build(
            _q(measure="children", rows="ward", columns="service"),
            agreement=agreement,
            organisation=personas.lead,
        )
        assert sum(children.cube.counts.values()) == len(first) == children.people
        transaction.savepoint_rollback(sid)


def test_a_visit_to_the_whole_family_counts_only_if_every_member_may_be_counted(world):
    from django.utils import timezone

    from familyhub.casework.models import Contact

    mum = world["mum"]
    household = mum.memberships.get().household
    Contact.objects.create(
        household=household,
        person=None,
        kind=Contact.Kind.HOME_VISIT,
        status=Contact.Status.DONE,
        occurred_at=timezone.make_aware(timezone.datetime(2026, 1, 21, 10)),
        organisation=world["lead"],
    )
    query = _q(measure="visits", rows="ward")
    result = cube.build(query, agreement=world["agreement"], organisation=world["lead"])
    assert _counts(result) == {("Bulwell",): 3}
    planning = Purpose.objects.get(code="service-planning")
    Objection.objects.create(person=mum, purpose=planning, received_on=date(2026, 1, 1))
    result = cube.build(query, agreement=world["agreement"], organisation=world["lead"])
    assert result.cube.counts == {}
