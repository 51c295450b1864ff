"""The policy decision point (R-CONSENT-3, R-RIGHTS-5): every reason it can give, for one person
and as a SQL filter, and a property test that the two always agree."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from familyhub.people.models import Person
from familyhub.privacy import policy
from familyhub.privacy.models import Consent, ConsentState, LawfulBasis, Objection, Restriction
from familyhub.privacy.testing import make_purpose

TODAY = date(2026, 11, 30)


@pytest.fixture
def person(personas):
    return Person.objects.filter(memberships__household=personas.household).first()


def _consent(person, purpose, state=ConsentState.GIVEN, **kw):
    kw.setdefault("decided_on", TODAY - timedelta(days=10))
    return Consent.objects.create(person=person, purpose=purpose, state=state, method="paper", **kw)


def _both(person, purpose, on=TODAY):
    """All three forms of the policy give the same answer (and the two per-person forms the same
    reason): `decide`, `decide_many` and the SQL filter `permitted`."""
    one = policy.decide(person, purpose, on=on)
    many = policy.permitted(Person.objects.filter(pk=person.pk), purpose, on=on).exists()
    assert one.allowed == many, one
    assert policy.decide_many([person], [purpose], on=on)[(person.pk, purpose.pk)] == one
    return one


def test_not_asked_is_not_refused(person):
    purpose = make_purpose()
    d = _both(person, purpose)
    assert (d.allowed, d.code) == (False, policy.NOT_ASKED)
    _consent(person, purpose, ConsentState.REFUSED)
    d = _both(person, purpose)
    assert (d.allowed, d.code) == (False, policy.CONSENT_REFUSED)
    assert "refused on 20/11/2026" in d.reason


def test_consent_given_names_date_and_who(person, personas):
    purpose = make_purpose()
    _consent(person, purpose)
    d = _both(person, purpose)
    assert d.allowed and d.code == policy.CONSENT_GIVEN
    assert d.reason == "Consent given on 20/11/2026 by the person."


def test_consent_given_by_parent_is_named(personas):
    child = Person.objects.get(
        memberships__household=personas.household,
        date_of_birth__isnull=False,
        memberships__role="child",
    )
    mother = Person.objects.get(
        relationships_from__to_person=child, relationships_from__kind="mother"
    )
    purpose = make_purpose()
    _consent(child, purpose, given_by=mother)
    assert f"by {mother.display_name} (parental responsibility)" in _both(child, purpose).reason


def test_withdrawn_expired_and_future(person):
    purpose = make_purpose()
    c = _consent(person, purpose, expires_on=TODAY + timedelta(days=5))
    assert _both(person, purpose).allowed
    assert _both(person, purpose, on=TODAY + timedelta(days=5)).code == policy.CONSENT_EXPIRED
    assert _both(person, purpose, on=TODAY - timedelta(days=11)).code == policy.CONSENT_NOT_YET
    Consent.objects.filter(pk=c.pk).update(state=ConsentState.WITHDRAWN, withdrawn_on=TODAY)
    d = _both(person, purpose)
    assert d.code == policy.CONSENT_WITHDRAWN and "withdrawn on 30/11/2026" in d.reason
    Consent.objects.filter(pk=c.pk).update(state=ConsentState.EXPIRED)
    assert _both(person, purpose).code == policy.CONSENT_EXPIRED


def test_public_task_allowed_until_objection_unless_compelling_grounds(person):
    purpose = make_purpose("service-planning", basis=LawfulBasis.PUBLIC_TASK)
    d = _both(person, purpose)
    assert d.allowed and d.code == policy.LAWFUL_BASIS and "Public task" in d.reason
    o = Objection.objects.create(person=person, purpose=purpose, received_on=TODAY, grounds="x")
    d = _both(person, purpose)
    assert d.code == policy.OBJECTED and "waiting for a decision" in d.reason
    Objection.objects.filter(pk=o.pk).update(decision=Objection.Decision.UPHELD)
    assert "upheld" in _both(person, purpose).reason
    Objection.objects.filter(pk=o.pk).update(decision=Objection.Decision.OVERRIDDEN)
    assert _both(person, purpose).allowed
    Objection.objects.filter(pk=o.pk).update(decision=Objection.Decision.PENDING, ended_on=TODAY)
    assert _both(person, purpose).allowed  # the person withdrew the objection today


def test_restriction_stops_everything_but_storage(person):
    purpose = make_purpose()
    storage = make_purpose(
        "legal-claims", basis=LawfulBasis.LEGAL_OBLIGATION, allowed_when_restricted=True
    )
    _consent(person, purpose)
    r = Restriction.objects.create(person=person, started_on=TODAY, reason="accuracy contested")
    assert _both(person, purpose).code == policy.RESTRICTED
    assert _both(person, storage).allowed
    assert _both(person, purpose, on=TODAY - timedelta(days=1)).allowed
    Restriction.objects.filter(pk=r.pk).update(lifted_on=TODAY)
    assert _both(person, purpose).allowed


def test_archived_and_inactive(person):
    purpose = make_purpose()
    _consent(person, purpose)
    purpose.active = False
    purpose.save()
    assert _both(person, purpose).code == policy.PURPOSE_INACTIVE
    purpose.active = True
    purpose.save()
    Person.objects.filter(pk=person.pk).update(archived_at="2026-11-01T00:00Z")
    person.refresh_from_db()
    assert _both(person, purpose).code == policy.ARCHIVED


def test_unknown_purpose_is_a_clear_error(person):
    with pytest.raises(policy.NotFound, match="no purpose 'nope'"):
        policy.decide(person, "nope")


def test_queryset_decided_in_one_query(personas, django_assert_num_queries):
    purpose = make_purpose()
    people = list(Person.objects.all())
    for p in people[::2]:
        _consent(p, purpose)
    with django_assert_num_queries(1):
        allowed = set(policy.permitted(Person.objects.all(), purpose, on=TODAY))
    assert allowed == set(people[::2])


# --- the property: one answer and the SQL filter never disagree ---------------------------------

consent_states = st.one_of(st.none(), st.sampled_from(list(ConsentState.values)))
day = st.integers(min_value=-5, max_value=5)
objection = st.one_of(
    st.none(),
    st.tuples(day, st.sampled_from(list(Objection.Decision.values)), st.one_of(st.none(), day)),
)
restriction = st.one_of(st.none(), st.tuples(day, st.one_of(st.none(), day)))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    basis=st.sampled_from([LawfulBasis.CONSENT, LawfulBasis.PUBLIC_TASK]),
    state=consent_states,
    decided=day,
    expires=st.one_of(st.none(), day),
    objection=objection,
    restriction=restriction,
    restricted_ok=st.booleans(),
    archived=st.booleans(),
    active=st.booleans(),
)
def test_decide_and_permitted_always_agree(
    person, basis, state, decided, expires, objection, restriction, restricted_ok, archived, active
):
    Consent.objects.all().delete()
    Objection.objects.all().delete()
    Restriction.objects.all().delete()
    purpose = make_purpose("p", basis=basis, allowed_when_restricted=restricted_ok, active=active)
    if state is not None:
        _consent(
            person,
            purpose,
            state,
            decided_on=TODAY + timedelta(days=decided),
            expires_on=None if expires is None else TODAY + timedelta(days=expires),
        )
    if objection is not None:
        received, decision, ended = objection
        Objection.objects.create(
            person=person,
            purpose=purpose,
            received_on=TODAY + timedelta(days=received),
            decision=decision,
            grounds="g",
            ended_on=None if ended is None else TODAY + timedelta(days=ended),
        )
    if restriction is not None:
        started, lifted = restriction
        Restriction.objects.create(
            person=person,
            started_on=TODAY + timedelta(days=started),
            reason="r",
            lifted_on=None if lifted is None else TODAY + timedelta(days=lifted),
        )
    Person.objects.filter(pk=person.pk).update(
        archived_at="2026-11-01T00:00Z" if archived else None
    )
    person.refresh_from_db()
    d = _both(person, purpose)
    assert d.code in policy.CODES and d.reason


def test_decide_many_costs_three_queries_for_a_family(personas, django_assert_num_queries):
    people = [m.person for m in personas.household.memberships.select_related("person")]
    purposes = [make_purpose(f"p{i}", basis=LawfulBasis.CONSENT) for i in range(5)]
    _consent(people[0], purposes[0])
    Restriction.objects.create(person=people[-1], started_on=TODAY, reason="r")
    with django_assert_num_queries(3):
        decisions = policy.decide_many(people, purposes)
    assert len(decisions) == len(people) * len(purposes)
    for person in people:
        for purpose in purposes:
            assert decisions[(person.pk, purpose.pk)] == policy.decide(person, purpose)
