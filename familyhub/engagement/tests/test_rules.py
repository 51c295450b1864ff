"""Eligibility rules as data (R-ENGAGE-2): their arithmetic, their refusals, the seeded rules of the
source documents, and the agreement of the two evaluators (one family explained; a population in
one SQL statement)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from familyhub.access.helpers import household_queryset_for_page
from familyhub.core.errors import ValidationFailed
from familyhub.core.testing import PersonFactory
from familyhub.engagement import eligibility, rules
from familyhub.engagement.models import EligibilityRule, Service
from familyhub.engagement.testing import family
from familyhub.people import choices as c
from familyhub.people.models import Household, Membership, Person
from familyhub.places.models import Area, Organisation, Ward

BULWELL, RADFORD, ASPLEY, ST_ANNS = "E05012275", "E05012286", "E05012270", "E05012287"
SSBC = ["E05012270", "E05012275", "E05012281", "E05012287"]


# --- calendar arithmetic ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day,months,expected",
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 1, 15), -13, date(2024, 12, 15)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_short_month(day, months, expected):
    assert rules.add_months(day, months) == expected


@given(
    on=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    months=st.integers(min_value=0, max_value=rules.MAX_AGE_MONTHS),
    dob_offset=st.integers(min_value=-40, max_value=40),
)
def test_born_by_is_the_boundary_of_having_reached_an_age(on, months, dob_offset):
    """A child born on or before born_by(on, m) has reached m months on `on`; one born after has not."""
    bound = rules.born_by(on, months)
    dob = bound + timedelta(days=dob_offset)
    reached = rules.add_months(dob, months) <= on
    assert reached == (dob <= bound)
    if dob <= on:
        assert (rules.age_in_months(dob, on) >= months) == reached


def test_age_words():
    on = date(2026, 11, 30)
    assert rules.age_words(date(2026, 11, 20), on) == "10 days"
    assert rules.age_words(date(2026, 4, 30), on) == "7 months"
    assert rules.age_words(date(2026, 5, 1), on) == "6 months"
    assert rules.age_words(date(2024, 8, 30), on) == "2 years 3 months"
    assert rules.age_words(date(2023, 11, 30), on) == "3 years"


# --- a rule that contradicts itself is refused, with the reason at its field ----------------------


@pytest.mark.parametrize(
    "conditions,field,words",
    [
        ({"child": {"born": True, "min_months": 24, "max_months": 12}}, "min_months", "below"),
        ({"child": {"born": True, "min_months": 12, "max_months": 12}}, "min_months", "below"),
        ({"wards": {"mode": "in", "codes": []}}, "wards", "at least one ward"),
        ({"wards": {"mode": "sideways", "codes": [BULWELL]}}, "ward_mode", "in, or outside"),
        ({"child": {"antenatal": True, "min_months": 3}}, "min_months", "no age yet"),
        ({"child": {"antenatal": True, "max_months": 12}}, "max_months", "no age yet"),
        ({"child": {"antenatal": False, "born": False}}, "child_kinds", "nobody is eligible"),
        ({"child": {"born": True, "max_months": -1}}, "max_months", "from 0 to"),
        ({"child": {"born": True, "max_months": "twelve"}}, "max_months", "whole number"),
        ({"circumstances": ["owns_a_yacht"]}, "circumstances", "Unknown"),
        ({"circumstances": []}, "circumstances", "at least one"),
        ({"served_by": []}, "served_by", "at least one"),
        ({"areas": {"mode": "in", "ids": []}}, "areas", "at least one area"),
        ({"shoe_size": 9}, "__all__", "Unknown condition"),
    ],
)
def test_contradictions_are_refused_with_a_clear_reason(conditions, field, words):
    with pytest.raises(ValidationFailed) as e:
        rules.parse(conditions)
    assert field in e.value.errors, e.value.errors
    assert words in " ".join(e.value.errors[field])


def test_an_antenatal_only_rule_without_ages_is_fine():
    parsed = rules.parse({"child": {"antenatal": True, "born": False, "min_months": 0}})
    assert parsed.antenatal and not parsed.born


def test_parse_round_trips_through_json():
    raw = {
        "wards": {"mode": "not_in", "codes": SSBC},
        "local_authorities": ["E06000018"],
        "child": {"antenatal": True, "born": True, "min_months": None, "max_months": 12},
    }
    parsed = rules.parse(raw)
    assert rules.parse(parsed.as_json()) == parsed
    assert rules.parse({}).open_to_all


@pytest.mark.django_db
@pytest.mark.parametrize(
    "conditions,field",
    [
        ({"wards": {"mode": "in", "codes": ["E05999999"]}}, "wards"),
        ({"local_authorities": ["E06000024"]}, "local_authorities"),
    ],
)
def test_unknown_places_are_refused(conditions, field):
    parsed = rules.parse(conditions)
    with pytest.raises(ValidationFailed) as e:
        rules.check_against_reference(parsed, rules.Names.load([parsed]))
    assert field in e.value.errors


@pytest.mark.django_db
def test_a_rule_excluding_every_ward_is_refused():
    every = list(Ward.objects.values_list("code", flat=True))
    parsed = rules.parse({"wards": {"mode": "not_in", "codes": every}})
    with pytest.raises(ValidationFailed) as e:
        rules.check_against_reference(parsed, rules.Names.load([parsed]))
    assert "excludes every ward" in e.value.errors["wards"][0]


@pytest.mark.django_db
def test_places_that_no_ward_can_satisfy_together_are_refused():
    toy_library = Organisation.objects.get(name="The Toy Library")
    parsed = rules.parse(
        {"wards": {"mode": "in", "codes": [RADFORD]}, "served_by": [str(toy_library.uuid)]}
    )
    with pytest.raises(ValidationFailed) as e:
        rules.check_against_reference(parsed, rules.Names.load([parsed]))
    assert "nobody could ever be eligible" in e.value.errors["served_by"][0]

    bulwell_area = Ward.objects.get(code=BULWELL).area
    parsed = rules.parse(
        {
            "wards": {"mode": "in", "codes": [RADFORD]},
            "areas": {"mode": "in", "ids": [str(bulwell_area.uuid)]},
        }
    )
    with pytest.raises(ValidationFailed) as e:
        rules.check_against_reference(parsed, rules.Names.load([parsed]))
    assert "areas" in e.value.errors


# --- the seeded rules of the source documents ---------------------------------------------------


@pytest.mark.django_db
def test_the_catalogue_of_the_source_documents_is_seeded():
    names = set(Service.objects.values_list("name", flat=True))
    for expected in (
        "Family Mentor Service",
        "Small Steps at Home",
        "Cook and Play",
        "FRED (Fathers Reading Every Day)",
        "Dolly Parton's Imagination Library",
        "Triple P groups",
        "Healthy Little Minds",
        "Hometalk",
        "Best Start team support",
    ):
        assert expected in names
    fms = Service.objects.get(code="family-mentor-service")
    assert fms.provider.name == "Nottingham CityCare Partnership"
    assert set(fms.delivered_by.values_list("name", flat=True)) == {
        "The Toy Library",
        "Framework",
        "Home-Start Nottingham",
    }
    assert "talk and communicate" in fms.target_outcomes
    assert fms.source.startswith("000")
    rule = eligibility.current_rule(fms)
    assert rule.number == 1 and rule.note.startswith("Seeded")
    assert rule.conditions["wards"] == {"mode": "in", "codes": sorted(SSBC)}
    partners = Organisation.objects.filter(uuid__in=rule.conditions["served_by"])
    assert {o.name for o in partners} == {"The Toy Library", "Framework", "Home-Start Nottingham"}
    served = {o.name: set(o.served_wards.values_list("code", flat=True)) for o in partners}
    assert served == {
        "The Toy Library": {BULWELL},
        "Framework": {ST_ANNS, "E05012281"},
        "Home-Start Nottingham": {ASPLEY},
    }
    assert "Aspley, Bulwell, Hyson Green & Arboretum or St. Ann's" in rule.summary
    ssah = eligibility.current_rule(Service.objects.get(code="small-steps-at-home"))
    assert ssah.conditions["wards"]["mode"] == "not_in"
    assert ssah.conditions["local_authorities"] == ["E06000018"]
    assert ssah.conditions["child"] == {
        "antenatal": True,
        "born": True,
        "min_months": None,
        "max_months": 12,
    }


def _months_ago(months: int, extra_days: int = 0) -> date:
    return rules.add_months(timezone.localdate(), -months) - timedelta(days=extra_days)


def _load(household: Household) -> Household:
    return household_queryset_for_page(Household.objects.filter(pk=household.pk)).get()


@pytest.mark.django_db
def test_family_mentor_service_in_bulwell_explains_itself(personas):
    fms = Service.objects.get(code="family-mentor-service")
    h = family(
        organisation=personas.lead,
        ward=Ward.objects.get(code=BULWELL),
        children=[_months_ago(7, 3)],
    )
    decided = eligibility.decide_for_household(fms, _load(h))
    assert decided.decision.eligible
    assert decided.decision.explanation == (
        "eligible: lives in Bulwell (E05012275); served by The Toy Library; child aged 7 months "
        "(rule v1)"
    )
    assert decided.decision.serving == ("The Toy Library",)

    radford = family(
        organisation=personas.lead,
        ward=Ward.objects.get(code=RADFORD),
        children=[_months_ago(7)],
    )
    no = eligibility.decide_for_household(fms, _load(radford)).decision
    assert not no.eligible
    assert no.explanation.startswith("not eligible: lives in Radford (E05012286), not in Aspley")
    assert "Radford is not served by" in no.explanation


@pytest.mark.django_db
def test_small_steps_at_home_from_antenatal_to_the_first_birthday(personas):
    ssah = Service.objects.get(code="small-steps-at-home")
    radford = Ward.objects.get(code=RADFORD)

    def decide(**shape):
        h = family(organisation=personas.lead, **shape)
        return eligibility.decide_for_household(ssah, _load(h)).decision

    unborn = decide(ward=radford, unborn=True, children=[_months_ago(30)])
    assert unborn.eligible and "unborn child, due" in unborn.explanation
    baby = decide(ward=radford, children=[_months_ago(11, 20)])
    assert baby.eligible and "child aged 11 months" in baby.explanation
    one = decide(ward=radford, children=[_months_ago(12)])
    assert not one.eligible
    assert "at or over the limit of 12 months (first birthday)" in one.explanation
    bulwell = decide(ward=Ward.objects.get(code=BULWELL), children=[_months_ago(2)])
    assert not bulwell.eligible
    assert "one of the wards the service does not cover" in bulwell.explanation
    nowhere = decide(ward=None, children=[_months_ago(2)])
    assert not nowhere.eligible and "ward is not known" in nowhere.explanation
    childless = decide(ward=radford, children=[])
    assert "no child recorded" in childless.explanation


@pytest.mark.django_db
def test_a_service_without_a_rule_is_open_to_every_family(personas):
    service = Service.objects.get(code="triple-p")
    EligibilityRule.objects.filter(service=service).delete()
    h = family(organisation=personas.lead, ward=None)
    decision = eligibility.decide_for_household(service, _load(h)).decision
    assert decision.eligible and "open to every family" in decision.explanation


@pytest.mark.django_db
def test_the_batch_filter_finds_the_same_families(personas):
    ssah = eligibility.current_rule(Service.objects.get(code="small-steps-at-home"))
    radford, bulwell = Ward.objects.get(code=RADFORD), Ward.objects.get(code=BULWELL)
    yes = [
        family(organisation=personas.lead, ward=radford, unborn=True),
        family(organisation=personas.lead, ward=radford, children=[_months_ago(3)]),
    ]
    no = [
        family(organisation=personas.lead, ward=bulwell, unborn=True),
        family(organisation=personas.lead, ward=radford, children=[_months_ago(13)]),
        family(organisation=personas.lead, ward=None, unborn=True),
    ]
    found = set(
        eligibility.eligible_households(
            ssah, Household.objects.filter(pk__in=[h.pk for h in yes + no])
        ).values_list("pk", flat=True)
    )
    assert found == {h.pk for h in yes}


# --- the two evaluators always agree --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("antenatal", [False, True])
@pytest.mark.parametrize("which", [None, rules.YOUNGEST, rules.ANY_CHILD])
def test_the_youngest_child_decides_in_both_evaluators(personas, antenatal, which):
    """A family with a child of 2 and a baby of 3 months: for a rule '6 to 36 months', the baby
    (the youngest) decides, so the family is not eligible, although the older child is in range.
    With "any child" (issue 7) the child of 2 qualifies the family, in both evaluators alike."""
    on = timezone.localdate()
    radford = Ward.objects.get(code=RADFORD)
    two_children = family(
        organisation=personas.lead,
        ward=radford,
        children=[rules.add_months(on, -24), rules.add_months(on, -3)],
    )
    one_child = family(
        organisation=personas.lead, ward=radford, children=[rules.add_months(on, -24)]
    )
    child = {"antenatal": antenatal, "born": True, "min_months": 6, "max_months": 36}
    conditions = rules.parse({"child": {**child, "which": which} if which else child})
    expected = {one_child.pk, two_children.pk} if which == rules.ANY_CHILD else {one_child.pk}
    both = Household.objects.filter(pk__in=[two_children.pk, one_child.pk])
    found = set(
        eligibility.eligible_households(conditions, both, on=on).values_list("pk", flat=True)
    )
    assert found == expected
    assert (
        set(both.filter(rules.household_filter(conditions, on)).values_list("pk", flat=True))
        == expected
    )
    h = household_queryset_for_page(Household.objects.filter(pk=two_children.pk)).get()
    decision = rules.decide(conditions, rules.facts_for_household(h), on, rules.Names())
    if which == rules.ANY_CHILD:
        assert decision.eligible and decision.explanation == "eligible: child aged 2 years"
    else:
        assert not decision.eligible and "youngest child aged 3 months, under 6 months" in (
            decision.explanation
        )


@pytest.mark.django_db
@pytest.mark.parametrize("which", [rules.YOUNGEST, rules.ANY_CHILD])
def test_age_boundaries_agree_day_by_day(personas, which):
    """A child on each side of every age limit, to the day: both evaluators draw the line alike.
    By any child (issue 7) each family also has an unborn child (who does not qualify for these
    born-only rules, and by the youngest child would refuse the family) and two children of six
    months who no longer count: one left the household, one's record is archived."""
    on = timezone.localdate()
    dobs = {on} | {
        rules.born_by(on, m) + timedelta(days=d) for m in (1, 6, 12, 48) for d in (-1, 0, 1)
    }
    radford = Ward.objects.get(code=RADFORD)
    homes = {}
    for dob in dobs:
        h = family(
            organisation=personas.lead,
            ward=radford,
            children=[dob],
            unborn=which == rules.ANY_CHILD,
        )
        if which == rules.ANY_CHILD:
            gone = _months_ago(6, 3)
            for left, archived in ((True, False), (False, True)):
                p = PersonFactory(
                    date_of_birth=gone,
                    nhs_number="",
                    archived_at=timezone.now() if archived else None,
                )
                Membership.objects.create(
                    household=h,
                    person=p,
                    role=c.MemberRole.CHILD,
                    left_on=on if left else None,
                )
        homes[dob] = h
    loaded = {h.pk: h for h in household_queryset_for_page(Household.objects.all())}
    for lo in (None, 1, 6, 12):
        for hi in (None, 12, 48):
            if lo is not None and hi is not None and lo >= hi:
                continue
            child = {"antenatal": False, "born": True, "min_months": lo, "max_months": hi}
            conditions = rules.parse({"child": {**child, "which": which}})
            found = set(
                eligibility.eligible_households(
                    conditions, Household.objects.all(), on=on
                ).values_list("pk", flat=True)
            )
            for dob, h in homes.items():
                facts = rules.facts_for_household(loaded[h.pk])
                decision = rules.decide(conditions, facts, on, rules.Names())
                assert decision.eligible == (h.pk in found), (lo, hi, dob, decision.explanation)
                months = rules.age_in_months(dob, on)
                expected = (lo is None or months >= lo) and (hi is None or months < hi)
                assert decision.eligible == expected, (lo, hi, dob, months)


CIRCUMSTANCE_KEYS = list(rules.CIRCUMSTANCES)
WARD_CODES = [f"E050122{n}" for n in range(70, 90)]


@st.composite
def rule_conditions(draw):
    raw: dict = {}
    if draw(st.booleans()):
        raw["wards"] = {
            "mode": draw(st.sampled_from(rules.MODES)),
            "codes": draw(st.lists(st.sampled_from(WARD_CODES), min_size=1, max_size=6)),
        }
    if draw(st.integers(0, 3)) == 0:
        raw["local_authorities"] = ["E06000018"]
    if draw(st.integers(0, 3)) == 0:
        raw["areas"] = {
            "mode": draw(st.sampled_from(rules.MODES)),
            "names": draw(st.lists(st.sampled_from(AREA_NAMES), min_size=1, max_size=2)),
        }
    if draw(st.booleans()):
        antenatal, born = draw(st.sampled_from([(True, True), (True, False), (False, True)]))
        lo = hi = None
        if born:
            lo = draw(st.sampled_from(AGES))
            hi = draw(st.sampled_from(AGES))
            assume(hi != 0 and (lo is None or hi is None or lo < hi))
        raw["child"] = {"antenatal": antenatal, "born": born, "min_months": lo, "max_months": hi}
        which = draw(st.sampled_from([None, rules.YOUNGEST, rules.ANY_CHILD, rules.ANY_CHILD]))
        if which is not None:  # left out: a rule stored before the choice (the youngest child)
            raw["child"]["which"] = which
    if draw(st.integers(0, 2)) == 0:
        raw["circumstances"] = draw(
            st.lists(st.sampled_from(CIRCUMSTANCE_KEYS), min_size=1, max_size=3)
        )
    if draw(st.integers(0, 2)) == 0:
        raw["served_by"] = draw(st.lists(st.sampled_from(SERVING_ORGS), min_size=1, max_size=3))
    return raw


# Ages (months) that rules and children share, so that children sit on the rules' boundaries.
AGES = [None, 0, 1, 3, 6, 11, 12, 13, 24, 48, 60]
AREA_NAMES = ["Bulwell and Bestwood", "Aspley and Bilborough", "Central and Arboretum"]
SERVING_ORGS = [
    "The Toy Library",
    "Framework",
    "Home-Start Nottingham",
    "Nottingham CityCare Partnership",
    "Retired Partner",
]

adult = st.fixed_dictionaries(
    {
        "housing_status": st.sampled_from(c.HousingStatus.values),
        "relationship_status": st.sampled_from(c.RelationshipStatus.values),
        "employment_status": st.sampled_from(c.EmploymentStatus.values),
        "sex": st.sampled_from(c.Sex.values),
        "interpreter_needed": st.booleans(),
        "age": st.one_of(
            st.none(),
            st.tuples(st.sampled_from([216, 239, 240, 241, 300]), st.integers(-2, 2)),
        ),
    }
)
child = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["born", "born", "born", "unborn", "no_dob"]),
        "age": st.tuples(st.sampled_from([a for a in AGES if a is not None]), st.integers(-2, 2)),
        "sex": st.sampled_from(c.Sex.values),
        "archived": st.integers(0, 9).map(lambda n: n == 0),
        "left": st.integers(0, 9).map(lambda n: n == 0),
    }
)
shape = st.fixed_dictionaries(
    {
        "ward": st.one_of(st.none(), st.sampled_from(WARD_CODES)),
        "address": st.integers(0, 7).map(lambda n: n != 0),
        "adults": st.lists(adult, max_size=2),
        "children": st.lists(child, max_size=3),
    }
)


def _dob(on: date, age: tuple[int, int]) -> date:
    months, days = age
    return rules.add_months(on, -months) + timedelta(days=days)


def _build(shape: dict, org: Organisation, on: date) -> Household:
    from familyhub.core.testing import PersonFactory

    h = family(
        organisation=org,
        ward=Ward.objects.get(code=shape["ward"]) if shape["ward"] else None,
        adults=[],
        address=shape["address"],
    )
    for a in shape["adults"]:
        details = {k: v for k, v in a.items() if k != "age"}
        details["date_of_birth"] = _dob(on, a["age"]) if a["age"] is not None else None
        p = PersonFactory(family_name="Shape", **details)
        Membership.objects.create(household=h, person=p, role=c.MemberRole.PARENT_CARER)
    for ch in shape["children"]:
        p = PersonFactory(
            family_name="Shape",
            nhs_number="",
            is_unborn=ch["kind"] == "unborn",
            sex=ch["sex"],
            date_of_birth=_dob(on, ch["age"]) if ch["kind"] == "born" else None,
            expected_date_of_delivery=on + timedelta(days=30) if ch["kind"] == "unborn" else None,
            archived_at=timezone.now() if ch["archived"] else None,
        )
        Membership.objects.create(
            household=h, person=p, role=c.MemberRole.CHILD, left_on=on if ch["left"] else None
        )
    return h


def _as_stored(raw: dict) -> dict:
    out = dict(raw)
    if "areas" in raw:
        ids = [str(a.uuid) for a in Area.objects.filter(name__in=raw["areas"]["names"])]
        out["areas"] = {"mode": raw["areas"]["mode"], "ids": ids}
    if "served_by" in raw:
        out["served_by"] = [
            str(o.uuid) for o in Organisation.objects.filter(name__in=raw["served_by"])
        ]
    return out


@pytest.mark.django_db
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    raw=rule_conditions(),
    shapes=st.lists(shape, min_size=1, max_size=4),
    on_offset=st.integers(-400, 400),
)
def test_the_explanation_and_the_batch_filter_always_agree(personas, raw, shapes, on_offset):
    """R-ENGAGE-2: for any rule and any family, the one-family decision (with its reasons) and
    the compiled SQL filter give the same answer (the child condition by the youngest child and
    by any child: issue 7)."""
    retired, _ = Organisation.objects.get_or_create(
        name="Retired Partner", defaults={"kind": "delivery_partner", "active": False}
    )
    retired.served_wards.add(Ward.objects.get(code=RADFORD))
    on = timezone.localdate() + timedelta(days=on_offset)
    stored = _as_stored(raw)
    # The whole rule, and each of its conditions on its own (so that one failing condition cannot
    # hide a disagreement in another).
    variants = [rules.parse(stored)] + [rules.parse({k: v}) for k, v in stored.items()]
    names = rules.Names.load(variants)
    with transaction.atomic():
        # A ward whose area is not known (an area is optional reference data).
        Ward.objects.filter(code="E05012289").update(area=None)
        built = [_build(s, personas.lead, on) for s in shapes]
        ids = [h.pk for h in built]
        loaded = list(household_queryset_for_page(Household.objects.filter(pk__in=ids)))
        facts = {h.pk: rules.facts_for_household(h) for h in loaded}
        for conditions in variants:
            in_sql = set(
                Household.objects.filter(pk__in=ids)
                .filter(rules.household_filter(conditions, on))
                .values_list("pk", flat=True)
            )
            # The same, with each subquery limited to the households decided for.
            within = set(
                eligibility.eligible_households(
                    conditions, Household.objects.filter(pk__in=ids), on=on
                ).values_list("pk", flat=True)
            )
            assert within == in_sql, conditions.as_json()
            for pk, fact in facts.items():
                decision = rules.decide(conditions, fact, on, names)
                assert decision.eligible == (pk in in_sql), (
                    conditions.as_json(),
                    decision.explanation,
                    fact,
                )
                assert decision.reasons and all(r.text for r in decision.reasons)
        transaction.set_rollback(True)
    assert Person.objects.filter(family_name="Shape").count() == 0


# --- which child: the youngest, or any child (issue 7, R-ENGAGE-2) -------------------------------

IMAGINATION = {"antenatal": False, "born": True, "min_months": None, "max_months": 60}


def test_which_child_is_the_youngest_unless_the_rule_says_any():
    """A rule stored before the choice existed (no "which") keeps meaning the youngest child, and
    a rule by the youngest child is stored exactly as before, so old versions read the same."""
    old = rules.parse({"child": IMAGINATION})
    assert old.which_child == rules.YOUNGEST
    assert old.as_json() == {"child": IMAGINATION}
    assert rules.parse({"child": {**IMAGINATION, "which": "youngest"}}) == old
    new = rules.parse({"child": {**IMAGINATION, "which": "any"}})
    assert new.which_child == rules.ANY_CHILD and new != old
    assert new.as_json() == {"child": {**IMAGINATION, "which": "any"}}
    assert rules.parse(new.as_json()) == new
    assert rules.summary(old, rules.Names()) == (
        "Families with a youngest child (born) under 60 months (fifth birthday)."
    )
    assert rules.summary(new, rules.Names()) == (
        "Families with a child (born) under 60 months (fifth birthday)."
    )
    both = rules.parse(
        {"child": {"antenatal": True, "born": True, "max_months": 12, "which": "any"}}
    )
    assert rules.summary(both, rules.Names()) == (
        "Families with a child from pregnancy (unborn) to under 12 months (first birthday)."
    )


@pytest.mark.parametrize(
    "child,field,words",
    [
        ({**IMAGINATION, "which": "eldest"}, "which_child", "youngest child, or any child"),
        ({**IMAGINATION, "whcih": "any"}, "child", "Unknown part of the child condition 'whcih'"),
        # Contradictions stay contradictions whichever child is tested.
        (
            {"born": True, "min_months": 24, "max_months": 12, "which": "any"},
            "min_months",
            "no child could ever qualify",
        ),
        ({"antenatal": True, "max_months": 12, "which": "any"}, "max_months", "no age yet"),
        ({"antenatal": False, "born": False, "which": "any"}, "child_kinds", "nobody is eligible"),
    ],
)
def test_which_child_and_contradictions_are_checked(child, field, words):
    with pytest.raises(ValidationFailed) as e:
        rules.parse({"child": child})
    assert words in " ".join(e.value.errors[field]), e.value.errors


def _both_evaluators(conditions, households, on):
    """The one-family decisions (with reasons), after checking that the batch agrees."""
    ids = [h.pk for h in households]
    batch = set(
        eligibility.eligible_households(
            conditions, Household.objects.filter(pk__in=ids), on=on
        ).values_list("pk", flat=True)
    )
    loaded = {h.pk: h for h in household_queryset_for_page(Household.objects.filter(pk__in=ids))}
    decisions = []
    for h in households:
        d = rules.decide(conditions, rules.facts_for_household(loaded[h.pk]), on, rules.Names())
        assert d.eligible == (h.pk in batch), d.explanation
        decisions.append(d)
    return decisions


@pytest.mark.django_db
def test_any_child_decides_by_a_child_who_qualifies(personas):
    """R-ENGAGE-2, issue 7: the Imagination Library (every child under five) is seeded by any
    child. A family expecting a baby with a two-year-old qualifies through the two-year-old; by
    the youngest child, the unborn baby refuses it. Twins both qualify; a child is refused on the
    day of the fifth birthday and qualifies the day before; a family with only an unborn child is
    refused with why."""
    on = timezone.localdate()
    bulwell = Ward.objects.get(code=BULWELL)

    def home(children=(), unborn=False):
        return family(
            organisation=personas.lead, ward=bulwell, children=list(children), unborn=unborn
        )

    two = rules.add_months(on, -24)
    at_limit = rules.add_months(on, -60)
    day_before = rules.born_by(on, 60) + timedelta(days=1)
    homes = {
        "expecting, with a two-year-old": home([two], unborn=True),
        "only unborn": home(unborn=True),
        "twins": home([two, two]),
        "fifth birthday today": home([at_limit]),
        "fifth birthday tomorrow": home([day_before]),
        "fifth birthday today, and an unborn baby": home([at_limit], unborn=True),
        "a child with no date of birth": home([None]),
    }
    il = eligibility.current_rule(Service.objects.get(code="imagination-library"))
    any_child = rules.parse(il.conditions)
    assert any_child.which_child == rules.ANY_CHILD
    youngest = rules.parse({**il.conditions, "child": IMAGINATION})
    by_any = dict(zip(homes, _both_evaluators(any_child, list(homes.values()), on), strict=True))
    by_youngest = dict(
        zip(homes, _both_evaluators(youngest, list(homes.values()), on), strict=True)
    )

    lives = "lives in Bulwell (E05012275)"
    expecting = by_any["expecting, with a two-year-old"]
    assert expecting.explanation == f"eligible: {lives}; child aged 2 years"
    assert not by_youngest["expecting, with a two-year-old"].eligible
    assert "the youngest child is not born yet" in str(
        by_youngest["expecting, with a two-year-old"]
    )

    due = f"due {on + timedelta(days=60):%d/%m/%Y}"
    only_unborn = by_any["only unborn"]
    assert not only_unborn.eligible
    assert only_unborn.explanation == (
        "not eligible: no born child under 60 months (fifth birthday): an unborn child, " + due
    )
    assert by_any["twins"].explanation == f"eligible: {lives}; child aged 2 years"
    assert by_youngest["twins"].eligible

    today = by_any["fifth birthday today"]
    assert not today.eligible and today.explanation == (
        "not eligible: no born child under 60 months (fifth birthday): a child aged 5 years"
    )
    assert not by_youngest["fifth birthday today"].eligible
    tomorrow = by_any["fifth birthday tomorrow"]
    assert tomorrow.eligible and "child aged 4 years 11 months" in tomorrow.explanation
    assert not by_any["fifth birthday today, and an unborn baby"].eligible
    assert "an unborn child, " + due + " and a child aged 5 years" in (
        by_any["fifth birthday today, and an unborn baby"].explanation
    )
    undated = by_any["a child with no date of birth"]
    assert not undated.eligible and "a child with no date of birth recorded" in str(undated)


@pytest.mark.django_db
def test_any_child_from_pregnancy_counts_an_unborn_child_first(personas):
    on = timezone.localdate()
    radford = Ward.objects.get(code=RADFORD)
    old = family(organisation=personas.lead, ward=radford, children=[rules.add_months(on, -30)])
    expecting = family(
        organisation=personas.lead,
        ward=radford,
        children=[rules.add_months(on, -30)],
        unborn=True,
    )
    conditions = rules.parse(
        {"child": {"antenatal": True, "born": True, "max_months": 12, "which": "any"}}
    )
    no, yes = _both_evaluators(conditions, [old, expecting], on)
    assert yes.eligible and yes.explanation.startswith("eligible: unborn child, due ")
    assert not no.eligible and no.explanation == (
        "not eligible: no unborn child and no child under 12 months (first birthday): "
        "a child aged 2 years 6 months"
    )
    unborn_only = rules.parse({"child": {"antenatal": True, "which": "any"}})
    no, yes = _both_evaluators(unborn_only, [old, expecting], on)
    assert yes.eligible and not no.eligible
    assert no.explanation == "not eligible: no unborn child: a child aged 2 years 6 months"


@pytest.mark.django_db
def test_the_seeded_imagination_library_rule_goes_by_any_child():
    il = eligibility.current_rule(Service.objects.get(code="imagination-library"))
    assert il.number == 1 and il.conditions["child"] == {**IMAGINATION, "which": "any"}
    assert il.summary == (
        "Families living in Aspley, Bulwell, Hyson Green & Arboretum or St. Ann's; "
        "with a child (born) under 60 months (fifth birthday)."
    )
    # Small Steps at Home stays by the youngest child, stored as before.
    ssah = eligibility.current_rule(Service.objects.get(code="small-steps-at-home"))
    assert "which" not in ssah.conditions["child"]


@pytest.mark.django_db
def test_a_database_seeded_before_any_child_gets_a_next_version(personas):
    """engagement 0005: where the seeded Imagination Library rule (by the youngest child) is still
    in force, a version 2 by any child is written and the change recorded; run again, or over a
    version a manager wrote, nothing happens."""
    from django.apps import apps

    from familyhub.core.models import ChangeRecord
    from familyhub.engagement import catalogue

    models = {
        name: apps.get_model(app, name)
        for app, name in [
            ("engagement", "Service"),
            ("engagement", "EligibilityRule"),
            ("places", "Ward"),
            ("places", "Area"),
            ("places", "Organisation"),
            ("core", "ChangeRecord"),
        ]
    }
    service = Service.objects.get(code="imagination-library")
    seeded = eligibility.current_rule(service)
    before = rules.parse({**seeded.conditions, "child": IMAGINATION})
    seeded.conditions = before.as_json()
    seeded.summary = rules.summary(before, rules.Names.load([before]))
    seeded.save()
    assert catalogue.any_child_for_seeded_rules(**models) == 1
    v2 = eligibility.current_rule(service)
    assert v2.number == 2 and v2.conditions["child"]["which"] == "any"
    assert v2.summary.endswith("with a child (born) under 60 months (fifth birthday).")
    assert "issue 7" in v2.note and v2.created_by is None
    change = ChangeRecord.objects.get(object_uuid=v2.uuid)
    assert change.old_value == seeded.summary and change.new_value == v2.summary
    assert catalogue.any_child_for_seeded_rules(**models) == 0
    assert EligibilityRule.objects.filter(service=service).count() == 2

    # A version written in the application is the manager's: left alone.
    EligibilityRule.objects.filter(service=service, number=2).delete()
    EligibilityRule.objects.create(
        service=service,
        number=2,
        conditions=before.as_json(),
        summary=seeded.summary,
        note="Youngest child only, by contract",
        created_by=personas.team_manager,
    )
    assert catalogue.any_child_for_seeded_rules(**models) == 0
