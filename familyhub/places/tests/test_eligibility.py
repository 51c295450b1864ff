"""The wards an organisation serves decide which partner serves a family and who is eligible
(R-PEOPLE-4, R-ENGAGE-2): changed through `places.services`, they change the decisions of the
existing eligibility code at once, for one family (with its reasons) and for a population in SQL."""

from __future__ import annotations

import pytest

from familyhub.access.helpers import household_queryset_for_page
from familyhub.engagement import eligibility, rules
from familyhub.engagement import services as engagement_services
from familyhub.engagement.testing import a_service, family
from familyhub.people.models import Household
from familyhub.places import services
from familyhub.places.models import Organisation, Ward

pytestmark = pytest.mark.django_db

ASPLEY, RADFORD = "E05012270", "E05012286"


def _decide(service, household):
    loaded = household_queryset_for_page(Household.objects.filter(pk=household.pk)).get()
    facts = rules.facts_for_household(loaded)
    decision = eligibility.decide_for_household(service, loaded).decision
    in_sql = eligibility.eligible_households(
        eligibility.current_rule(service), Household.objects.filter(pk=household.pk)
    ).exists()
    assert decision.eligible == in_sql, decision.explanation  # the two evaluators agree
    return decision, {name for _uuid, name in facts.ward.serving}


def test_changing_the_wards_an_organisation_serves_changes_who_is_eligible(personas):
    partner = services.organisation_create(
        actor=personas.admin,
        data={"name": "Radford Play Partners", "kind": Organisation.Kind.DELIVERY_PARTNER},
        served_wards=[Ward.objects.get(code=ASPLEY)],
    )
    service = a_service()
    current = eligibility.current_rule(service)
    engagement_services.rule_save(
        actor=personas.admin,
        service=service,
        conditions={"served_by": [str(partner.uuid)]},
        note="Only where Radford Play Partners works",
        based_on=current.number if current else 0,
    )
    radford_family = family(organisation=personas.lead, ward=Ward.objects.get(code=RADFORD))

    decision, serving = _decide(service, radford_family)
    assert not decision.eligible and "Radford Play Partners" not in serving

    # The administrator says the partner now serves Radford too: the family is eligible, and the
    # explanation names who serves it.
    services.organisation_update(
        actor=personas.admin,
        organisation=partner,
        data={"name": partner.name, "kind": partner.kind},
        served_wards=[Ward.objects.get(code=ASPLEY), Ward.objects.get(code=RADFORD)],
        expected_version=partner.version,
        reason="Took over Radford",
    )
    decision, serving = _decide(service, radford_family)
    assert decision.eligible, decision.explanation
    assert "Radford Play Partners" in serving
    assert "Radford Play Partners" in decision.explanation

    # Retired, it serves no ward: the family is no longer eligible through it.
    services.organisation_retire(actor=personas.admin, organisation=partner, reason="Closed")
    decision, serving = _decide(service, radford_family)
    assert not decision.eligible and "Radford Play Partners" not in serving
