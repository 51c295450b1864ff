"""The demo's consents and contact preferences (`familyhub.core.demo.consents`): realistic, valid by
the services' rules, reproducible, and made once."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from familyhub.core.demo import load_families
from familyhub.core.demo.consents import load_demo_consents
from familyhub.core.demo.organisations import ensure_organisations, ensure_staff
from familyhub.people.models import Person, Relationship
from familyhub.privacy import policy
from familyhub.privacy.models import Consent, ContactPreference, Purpose
from familyhub.privacy.services import needs_parent
from familyhub.privacy.testing import make_purpose

TODAY = date(2026, 11, 23)
CODES = ("service-delivery", "receiving-information", "photos-video", "imagination-library")


@pytest.fixture
def demo(db):
    ensure_staff(ensure_organisations())
    Purpose.objects.update(active=False)
    for code in CODES:
        make_purpose(code, active=True)
    make_purpose("service-planning", basis="public_task", active=True)
    load_families(families=40, seed=3, today=TODAY)
    return load_demo_consents(seed=3, today=TODAY)


def test_demo_consents_are_a_realistic_mix(demo):
    assert demo.consents == Consent.objects.count() > 100
    assert demo.withdrawn == Consent.objects.filter(state="withdrawn").count() > 0
    states = Counter(
        Consent.objects.filter(purpose__code="service-delivery").values_list("state", flat=True)
    )
    assert states["given"] > 0.75 * sum(states.values())  # most gave consent for service delivery
    photos = Counter(
        Consent.objects.filter(purpose__code="photos-video").values_list("state", flat=True)
    )
    assert photos["refused"] > 0 and photos["given"] > 0
    assert not Consent.objects.filter(purpose__code="service-planning").exists()
    assert demo.preferences == ContactPreference.objects.count() > 10
    assert ContactPreference.objects.filter(agreed="yes", topics__icontains='"news"').exists()
    assert "consent answers" in str(demo)


def test_demo_consents_keep_the_services_rules(demo):
    for c in Consent.objects.select_related("person", "given_by"):
        assert c.decided_on <= TODAY
        if c.state == "withdrawn":
            assert c.decided_on <= c.withdrawn_on <= TODAY
        if needs_parent(c.person, c.decided_on):
            assert Relationship.objects.filter(
                from_person=c.given_by, to_person=c.person, parental_responsibility=True
            ).exists()
        if c.purpose.code == "imagination-library":
            assert not c.person.is_unborn and c.person.age_on(TODAY) < 5
    for pref in ContactPreference.objects.select_related("person"):
        if pref.by_email:
            assert pref.person.email
        if pref.agreed != "yes":
            assert pref.topics == [] and not pref.channels


def test_the_policy_reads_the_demo_rows(demo):
    withdrawn = Consent.objects.filter(state="withdrawn").select_related("person", "purpose")[0]
    assert policy.decide(withdrawn.person, withdrawn.purpose).code == policy.CONSENT_WITHDRAWN
    given = Consent.objects.filter(state="given", purpose__code="service-delivery").count()
    assert policy.permitted(Person.objects.all(), "service-delivery").count() == given


def test_demo_consents_are_made_once(demo):
    again = load_demo_consents(seed=3, today=TODAY)
    assert again.skipped and Consent.objects.count() == demo.consents


def test_no_consent_purposes_no_consents(db):
    Purpose.objects.update(active=False)
    stats = load_demo_consents()
    assert stats.skipped and "no consent purposes" in str(stats)
