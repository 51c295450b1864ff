"""Retention rules as data (R-RETAIN-1): seeded from the data map, covering every model with personal
data, editable by the DPO with history, stated in the privacy notice; period arithmetic."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from hypothesis import given
from hypothesis import strategies as st

from familyhub.core.datamap import DATA_MAP, Retention
from familyhub.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.retention import selectors, services
from familyhub.retention.disposal import SOURCES, cutoff
from familyhub.retention.models import RetentionRule
from familyhub.retention.periods import add_period, due_on, latest_due_start

pytestmark = pytest.mark.django_db


def test_one_rule_per_retention_category_of_the_data_map():
    categories = {r.name for r in Retention if r is not Retention.NONE}
    assert set(RetentionRule.objects.values_list("category", flat=True)) == categories


def _cascades_from(model, covered: set[str]) -> bool:
    """Deleted with a covered parent (a foreign key with on_delete=CASCADE to it)."""
    for f in model._meta.concrete_fields:
        if (
            isinstance(f, models.ForeignKey)
            and f.remote_field.on_delete is models.CASCADE
            and f.related_model._meta.label in covered
        ):
            return True
    return False


def test_every_model_with_personal_data_is_covered_by_a_retention_rule():
    """Every personal field's retention category has a rule, and a disposal source applies the rule
    to the field's model (or to the parent it is deleted with). A foreign key to a staff account
    is covered by the account's anonymisation."""
    User = get_user_model()
    rules = {r.category: r for r in RetentionRule.objects.all()}
    covered: dict[str, set[str]] = {}
    for source in SOURCES:
        covered.setdefault(source.category, set()).update(source.covers())
    problems = []
    for label, fields in DATA_MAP.items():
        model = apps.get_model(label)
        for name, fc in fields.items():
            if not fc.personal:
                continue
            category = Retention(fc.retention).name
            if category not in rules:
                problems.append(f"{label}.{name}: no rule for {category}")
                continue
            if not rules[category].has_period:
                continue
            f = model._meta.get_field(name)
            if f.is_relation and f.related_model is User:
                continue  # anonymised with the account (staff_accounts)
            mine = covered.get(category, set())
            if label not in mine and not _cascades_from(model, mine):
                problems.append(f"{label}.{name}: no disposal source applies {category} to it")
    assert not problems, (
        "Personal data not covered by a retention rule and its disposal (add a Source in "
        "familyhub/retention/disposal.py or correct the data map): " + "; ".join(problems)
    )


def test_rules_for_notice_states_each_rule():
    rules = selectors.rules_for_notice()
    by_category = {r["category"]: r for r in rules}
    case = by_category["CASE_RECORD"]
    assert case["period"] == "6 years"
    assert case["starts_from"] == "the last contact with the family"
    assert case["summary"] == "Kept for 6 years after the last contact with the family."
    assert "identity" in case["data_categories"]
    assert by_category["AUDIT_LOG"]["period"] == "7 years"
    assert by_category["REFERENCE"]["summary"] == "Kept while in use."
    assert "lifetime of the programme" in by_category["EVALUATION"]["summary"]


def test_the_dpo_edits_a_rule_with_history(personas):
    rule = RetentionRule.objects.get(category="CASE_RECORD")
    services.rule_update(
        actor=personas.dpo,
        rule=rule,
        data={"period_years": 7, "note": "Changed after review"},
        expected_version=rule.version,
    )
    rule.refresh_from_db()
    assert rule.period_years == 7 and rule.version == 2
    change = ChangeRecord.objects.get(object_uuid=rule.uuid, field="period_years")
    assert (change.old_value, change.new_value, change.actor) == ("6", "7", personas.dpo)
    assert selectors.rules_for_notice()[0]["period"] in {
        "7 years",
        "5 years",
        "1 year",
        "",
    }
    assert {
        r["period"] for r in selectors.rules_for_notice() if r["category"] == "CASE_RECORD"
    } == {"7 years"}
    with pytest.raises(ConcurrentEdit):
        services.rule_update(
            actor=personas.dpo, rule=rule, data={"period_years": 8}, expected_version=1
        )


@pytest.mark.parametrize(
    "data, field",
    [
        ({"period_years": 0, "period_months": 0}, "period_years"),
        ({"period_months": 12}, "period_months"),
        ({"period_years": 101}, "period_years"),
        ({"starts_from": "account_closed"}, "starts_from"),
        ({"name": "  "}, "name"),
    ],
)
def test_bad_rules_are_refused_at_the_field(personas, data, field):
    rule = RetentionRule.objects.get(category="CASE_RECORD")
    with pytest.raises(ValidationFailed) as e:
        services.rule_update(
            actor=personas.dpo, rule=rule, data=data, expected_version=rule.version
        )
    assert field in e.value.errors
    rule.refresh_from_db()
    assert rule.version == 1


def test_programme_end_is_needed_for_evaluation(personas):
    rule = RetentionRule.objects.get(category="EVALUATION")
    with pytest.raises(ValidationFailed) as e:
        services.rule_update(actor=personas.dpo, rule=rule, data={"note": "x"}, expected_version=1)
    assert "programme_ends_on" in e.value.errors
    services.rule_update(
        actor=personas.dpo,
        rule=rule,
        data={"programme_ends_on": date(2025, 3, 31)},
        expected_version=1,
    )
    rule.refresh_from_db()
    assert cutoff(rule, date(2030, 3, 30)) is None
    assert cutoff(rule, date(2030, 3, 31)) == date(2030, 3, 31)


def test_only_the_dpo_edits_rules(personas):
    rule = RetentionRule.objects.get(category="CASE_RECORD")
    for user in (personas.practitioner, personas.team_manager, personas.admin, personas.analyst):
        with pytest.raises(PermissionRefused):
            services.rule_update(
                actor=user, rule=rule, data={"period_years": 1}, expected_version=1
            )


# --- period arithmetic ---------------------------------------------------------------------------


def test_month_ends_and_leap_days():
    assert add_period(date(2020, 2, 29), 6) == date(2026, 2, 28)
    assert add_period(date(2020, 2, 29), 4) == date(2024, 2, 29)
    assert add_period(date(2021, 1, 31), 0, 1) == date(2021, 2, 28)
    assert add_period(date(2021, 3, 31), 0, -1) == date(2021, 2, 28)
    assert latest_due_start(date(2026, 2, 28), 6) == date(2020, 2, 29)
    assert latest_due_start(date(2026, 11, 30), 6) == date(2020, 11, 30)


dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31))


@given(start=dates, as_of=dates, years=st.integers(0, 20), months=st.integers(0, 11))
def test_the_sql_cutoff_agrees_with_the_due_date(start, as_of, years, months):
    """`start <= latest_due_start(as_of)` exactly when the period has ended by `as_of`."""
    if years == months == 0:
        months = 1
    assert (start <= latest_due_start(as_of, years, months)) == (
        due_on(start, years, months) <= as_of
    )


@given(start=dates, years=st.integers(0, 20), months=st.integers(0, 11))
def test_due_date_is_never_early(start, years, months):
    due = due_on(start, years, months)
    assert due >= start
    assert (due.year - start.year) * 12 + (due.month - start.month) == years * 12 + months
    assert due.day == start.day or (due.day < start.day and (due + timedelta(days=1)).day == 1)
