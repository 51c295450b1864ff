"""Eligibility decisions (R-ENGAGE-2): for one family with its reasons, or for a whole population in
one SQL statement. Both read the same rule version and apply `engagement.rules`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from familyhub.engagement import rules
from familyhub.engagement.models import EligibilityRule, Service
from familyhub.people.models import Household


def current_rule(service: Service) -> EligibilityRule | None:
    """The rule in force: the highest version (None: the service has no rule, open to all)."""
    return EligibilityRule.objects.filter(service=service).order_by("-number").first()


def current_rules(services: Iterable[Service]) -> dict[int, EligibilityRule]:
    """The rule in force of each service, in one query."""
    ids = [s.pk for s in services]
    latest = (
        EligibilityRule.objects.filter(service=OuterRef("service"))
        .values("service")
        .annotate(top=Max("number"))
        .values("top")
    )
    found = EligibilityRule.objects.filter(service_id__in=ids, number=Subquery(latest))
    return {r.service_id: r for r in found}


@dataclass(frozen=True)
class ServiceDecision:
    service: Service
    rule: EligibilityRule | None
    decision: rules.Decision


def _decision(
    rule: EligibilityRule | None,
    facts: rules.FamilyFacts,
    on: date,
    names: rules.Names,
    parsed: rules.Conditions | None = None,
) -> rules.Decision:
    if rule is None:
        return rules.Decision(
            True, (rules.Reason(True, "no eligibility rule: open to every family"),)
        )
    conditions = parsed or rules.parse(rule.conditions)
    return rules.decide(conditions, facts, on, names, rule_label=rule.label)


def decide_for_household(
    service: Service,
    household: Household,
    *,
    on: date | None = None,
    rule: EligibilityRule | None = None,
) -> ServiceDecision:
    """One service, one family (fetched through the access helpers), with its reasons."""
    on = on or timezone.localdate()
    rule = rule if rule is not None else current_rule(service)
    parsed = rules.parse(rule.conditions) if rule else None
    names = rules.Names.load([parsed] if parsed else [])
    facts = rules.facts_for_household(household)
    return ServiceDecision(service, rule, _decision(rule, facts, on, names, parsed))


def decisions_for_household(
    household: Household, services: Sequence[Service], *, on: date | None = None
) -> list[ServiceDecision]:
    """Every service for one family, in a fixed number of queries (the family page's panel)."""
    on = on or timezone.localdate()
    by_service = current_rules(services)
    parsed = {sid: rules.parse(r.conditions) for sid, r in by_service.items()}
    names = rules.Names.load(parsed.values())
    facts = rules.facts_for_household(household)
    return [
        ServiceDecision(
            s,
            by_service.get(s.pk),
            _decision(by_service.get(s.pk), facts, on, names, parsed.get(s.pk)),
        )
        for s in services
    ]


def eligible_households(
    rule: EligibilityRule | rules.Conditions | None,
    households: QuerySet[Household],
    *,
    on: date | None = None,
) -> QuerySet[Household]:
    """The families of `households` the rule finds eligible: one SQL statement for any number.

    `households` is the population to decide for (for a user, `access.households_visible_to`).
    """
    on = on or timezone.localdate()
    if rule is None:
        return households
    conditions = rule if isinstance(rule, rules.Conditions) else rules.parse(rule.conditions)
    within = households.order_by().values("pk")
    return households.filter(rules.household_filter(conditions, on, within=within))


def describe(conditions: dict[str, Any]) -> str:
    parsed = rules.parse(conditions)
    return rules.summary(parsed, rules.Names.load([parsed]))
