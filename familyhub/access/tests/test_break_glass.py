"""Break glass (R-ACCESS-2, ADR 0010): a stated reason opens one family, for a limited time, in the
SQL scope; every access under it is logged with the reason; every request is reviewed.

Personas (core.testing.build_personas): the lead organisation's practitioner cannot see the
partner organisation's family (`partner_household`) until they break glass for it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from familyhub.access import breakglass, helpers, log, services
from familyhub.access.models import AccessLogEntry, BreakGlassGrant
from familyhub.core.errors import ConcurrentEdit, NotFound, PermissionRefused, ValidationFailed
from familyhub.core.testing import make_household, make_staff
from familyhub.people.models import Person

pytestmark = pytest.mark.django_db
Reason = BreakGlassGrant.Reason
Decision = BreakGlassGrant.Decision
WHY = "Health visitor rang: bruising seen on the baby at clinic today"


@pytest.fixture(autouse=True)
def _logging_on(monkeypatch):
    monkeypatch.setattr(log, "_enabled", True)


def family_link(household) -> str:
    return f"https://familyhub.example/families/{household.uuid}/"


def ask(user, household, reason=Reason.SAFEGUARDING, explanation=WHY, reference=None):
    return services.break_glass_request(
        actor=user,
        reference=reference if reference is not None else family_link(household),
        reason=reason,
        explanation=explanation,
    )


def members(household) -> list[Person]:
    return [m.person for m in household.memberships.select_related("person")]


def fresh(user):
    """The user as a new request would load it (roles and grants read afresh)."""
    user.forget_access_cache()
    return user


def last_entry() -> AccessLogEntry:
    return AccessLogEntry.objects.order_by("-id").first()


def in_queue_of(reviewer, grant) -> bool:
    from familyhub.access import selectors

    return (
        selectors.break_glass_queue(services.reviewable_grants(reviewer))
        .filter(pk=grant.pk)
        .exists()
    )


# --- asking: refused without a reason, and nothing else changes -----------------------------------


@pytest.mark.parametrize(
    ("reason", "explanation", "field", "message"),
    [
        ("", WHY, "reason", "Choose why you need this family's record"),
        (Reason.SAFEGUARDING, "", "explanation", "Explain why you need this family's record now"),
        (
            Reason.SAFEGUARDING,
            "   ",
            "explanation",
            "Explain why you need this family's record now",
        ),
        (Reason.SAFEGUARDING, "urgent", "explanation", "at least 10 characters"),
        ("curiosity", WHY, "reason", "Choose why"),
    ],
)
def test_a_request_without_a_reason_is_refused_logged_and_changes_nothing(
    personas, reason, explanation, field, message
):
    before = AccessLogEntry.objects.count()
    with pytest.raises(ValidationFailed) as e:
        ask(personas.practitioner, personas.partner_household, reason, explanation)
    assert message in " ".join(e.value.errors[field])
    assert not BreakGlassGrant.objects.exists()
    assert AccessLogEntry.objects.count() == before + 1
    refused = last_entry()
    assert refused.action == AccessLogEntry.Action.BREAK_GLASS
    assert refused.detail == "refused: no reason given" and refused.subject_count == 0
    assert refused.username == personas.practitioner.username
    assert not helpers.households_visible_to(fresh(personas.practitioner)).filter(
        pk=personas.partner_household.pk
    )


@pytest.mark.parametrize("reference", ["", "Partnerfield family", "12345", "/families/not-a-uuid/"])
def test_a_reference_that_is_not_one_is_refused_before_any_lookup(personas, reference):
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationFailed) as e:
        ask(personas.practitioner, personas.partner_household, reference=reference)
    assert "reference" in e.value.errors
    assert not any("people_household" in q["sql"] for q in queries.captured_queries)
    assert last_entry().detail == "refused: reference not recognised"
    assert not BreakGlassGrant.objects.exists()


@pytest.mark.parametrize("persona", ["analyst", "dpo", "admin"])
def test_roles_that_do_not_see_families_cannot_break_glass(personas, persona):
    with pytest.raises(PermissionRefused):
        ask(getattr(personas, persona), personas.partner_household)
    assert not BreakGlassGrant.objects.exists()


def test_reference_forms_are_understood_without_the_database():
    uuid = "3f2b1c4d-0000-4000-8000-0000000000aa"
    assert breakglass.reference_from_text(f"http://x/families/{uuid}/") == breakglass.Reference(
        "household", uuid
    )
    assert breakglass.reference_from_text(f"/people/{uuid}/edit/").kind == "person"
    assert breakglass.reference_from_text(uuid.upper()).kind == "either"
    assert breakglass.reference_from_text("999 000 0018") == breakglass.Reference(
        "nhs_number", "9990000018"
    )
    assert breakglass.reference_from_text("999 000 0019") is None  # fails modulus 11
    assert breakglass.reference_from_text("Smith") is None


# --- the grant widens the SQL scope: that user, that family, until it ends -------------------------


def test_a_grant_opens_that_family_only_for_that_user_until_it_ends(personas):
    user, family = personas.practitioner, personas.partner_household
    assert not helpers.households_visible_to(user).filter(pk=family.pk).exists()
    outcome = ask(user, family)
    assert outcome.matched and len(outcome.grants) == 1
    grant = outcome.grants[0]
    assert grant.household == family and grant.organisation == personas.lead
    minutes = (grant.expires_at - grant.created_at).total_seconds() / 60
    assert 59.9 < minutes <= 60

    user = fresh(user)
    visible = helpers.households_visible_to(user)
    assert visible.filter(pk=family.pk).exists()
    assert visible.filter(pk=personas.household.pk).exists()  # their own still
    assert not visible.filter(pk=personas.other_household.pk).exists()  # nothing else
    people = helpers.people_visible_to(user)
    assert {p.pk for p in members(family)} <= set(people.values_list("pk", flat=True))
    assert not people.filter(pk__in=[p.pk for p in members(personas.other_household)]).exists()
    assert helpers.household_for(user, family.uuid) == family
    # Not a view check: a list built on the scope includes it too, and the page as well.
    assert helpers.person_for(user, members(family)[0].uuid)

    # Only for the user who asked.
    colleague = fresh(personas.team_manager)
    assert not helpers.households_visible_to(colleague).filter(pk=family.pk).exists()

    # Until it ends.
    BreakGlassGrant.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    user = fresh(user)
    assert not helpers.households_visible_to(user).filter(pk=family.pk).exists()
    with pytest.raises(NotFound):
        helpers.household_for(user, family.uuid)


def test_the_length_of_a_grant_is_a_setting(personas, settings):
    settings.FAMILYHUB_BREAK_GLASS_MINUTES = 15
    grant = ask(personas.practitioner, personas.partner_household).grants[0]
    assert abs((grant.expires_at - grant.created_at) - timedelta(minutes=15)) < timedelta(seconds=2)


def test_ending_early_closes_the_family_again(personas):
    user = personas.practitioner
    grant = ask(user, personas.partner_household).grants[0]
    services.break_glass_end(actor=fresh(user), grant=grant)
    assert (
        not helpers.households_visible_to(fresh(user))
        .filter(pk=personas.partner_household.pk)
        .exists()
    )
    assert last_entry().detail == "emergency access ended by the user"
    with pytest.raises(PermissionRefused):
        services.break_glass_end(actor=personas.team_manager, grant=grant)


def test_a_user_without_grants_gets_the_same_sql_as_before(personas):
    """No grant, no change: the scope query has no break-glass clause at all."""
    sql = str(helpers.households_visible_to(fresh(personas.practitioner)).query)
    ask(personas.team_manager, personas.partner_household)
    assert str(helpers.households_visible_to(fresh(personas.practitioner)).query) == sql
    widened = str(helpers.households_visible_to(fresh(personas.team_manager)).query)
    assert widened != sql and str(personas.partner_household.pk) in widened


# --- every access under the grant carries its reason ----------------------------------------------


def test_every_access_under_the_grant_is_logged_with_its_reason(personas):
    user, family = personas.practitioner, personas.partner_household
    grant = ask(user, family).grants[0]
    asked = last_entry()
    assert asked.action == AccessLogEntry.Action.BREAK_GLASS
    assert asked.reason == f"break glass {grant.uuid}: Safeguarding concern"
    assert asked.subject_count == len(members(family))
    assert WHY not in asked.reason  # the free text never enters the (never erased) log

    user = fresh(user)
    helpers.household_for(user, family.uuid)
    assert last_entry().reason == grant.log_reason
    helpers.person_for(user, members(family)[0].uuid)
    assert last_entry().reason == grant.log_reason
    helpers.log_people_shown(user, members(family)[:1] + members(personas.household)[:1])
    assert last_entry().reason == grant.log_reason
    # An access to their own organisation's family alone carries no break-glass reason.
    helpers.household_for(user, personas.household.uuid)
    assert last_entry().reason == ""
    # An explicit reason is kept beside the grant's.
    helpers.person_for(user, members(family)[0].uuid, reason="SAR-7")
    assert last_entry().reason == f"SAR-7; {grant.log_reason}"
    assert log.verify().ok


def test_a_change_made_under_the_grant_is_logged_with_the_reason(personas):
    from familyhub.people import services as people_services

    user, family = personas.practitioner, personas.partner_household
    grant = ask(user, family).grants[0]
    person = helpers.person_for(fresh(user), members(family)[0].uuid, log_view=False)
    people_services.person_update(
        actor=user,
        person=person,
        data={"phone": "0115 496 0456"},
        expected_version=person.version,
        reason="New number given by the school",
    )
    changed = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.UPDATE).last()
    assert changed is not None and grant.log_reason in changed.reason


# --- the other kinds of reference -------------------------------------------------------------------


def test_a_person_link_or_an_nhs_number_opens_their_family(personas):
    person = members(personas.partner_household)[0]
    by_link = ask(personas.practitioner, None, reference=f"/people/{person.uuid}/")
    assert [g.household for g in by_link.grants] == [personas.partner_household]
    by_nhs = ask(personas.team_manager, None, reference=person.nhs_number)
    assert [g.household for g in by_nhs.grants] == [personas.partner_household]
    by_id = ask(personas.group_worker, None, reference=str(personas.partner_household.uuid))
    assert [g.household for g in by_id.grants] == [personas.partner_household]


def test_a_reference_matching_nothing_is_recorded_for_review_and_opens_nothing(personas):
    outcome = ask(
        personas.practitioner, None, reference="/families/00000000-0000-4000-8000-000000000000/"
    )
    assert not outcome.matched and not outcome.grants
    request = outcome.request
    assert request is not None and request.household is None and not request.in_force
    assert last_entry().detail == "no family matched the reference"
    assert in_queue_of(personas.team_manager, request)


def test_a_family_already_in_scope_needs_no_grant(personas):
    outcome = ask(personas.practitioner, personas.household)
    assert outcome.matched and outcome.already_visible == [personas.household]
    assert not BreakGlassGrant.objects.exists()


def test_an_archived_family_cannot_be_opened(personas):
    family = personas.partner_household
    type(family).objects.filter(pk=family.pk).update(archived_at=timezone.now())
    outcome = ask(personas.practitioner, family)
    assert not outcome.matched and not outcome.grants


def test_too_many_requests_in_a_day_are_refused(personas, settings):
    settings.FAMILYHUB_BREAK_GLASS_DAILY_LIMIT = 2
    for _ in range(2):
        ask(personas.practitioner, None, reference=str(personas.other_household.uuid))
        BreakGlassGrant.objects.update(ended_at=timezone.now())
    with pytest.raises(PermissionRefused, match="2 times in the last 24 hours"):
        ask(personas.practitioner, personas.partner_household)
    assert last_entry().detail == "refused: daily limit reached"


# --- the review --------------------------------------------------------------------------------------


def test_a_manager_records_a_decision_and_the_request_leaves_the_queue(personas):
    grant = ask(personas.practitioner, personas.partner_household).grants[0]
    manager = personas.team_manager
    assert in_queue_of(manager, grant)
    services.break_glass_review(
        actor=manager, grant=grant, decision=Decision.JUSTIFIED, note="Confirmed with the HV"
    )
    grant.refresh_from_db()
    assert grant.decision == Decision.JUSTIFIED and grant.reviewed_by == manager
    assert grant.reviewed_at is not None and grant.in_force  # a justified grant runs its course
    assert not in_queue_of(manager, grant)
    with pytest.raises(ConcurrentEdit):
        services.break_glass_review(actor=personas.dpo, grant=grant, decision="justified", note="x")


def test_unjustified_access_ends_at_once_and_is_listed_for_follow_up(personas):
    from familyhub.access import selectors

    user = personas.practitioner
    grant = ask(user, personas.partner_household).grants[0]
    services.break_glass_review(
        actor=personas.dpo, grant=grant, decision=Decision.NOT_JUSTIFIED, note="No concern found"
    )
    grant.refresh_from_db()
    assert not grant.in_force and grant.ended_at is not None
    assert (
        not helpers.households_visible_to(fresh(user))
        .filter(pk=personas.partner_household.pk)
        .exists()
    )
    reviewable = services.reviewable_grants(personas.team_manager)
    assert list(selectors.break_glass_for_follow_up(reviewable)) == [grant]
    services.break_glass_follow_up(
        actor=personas.team_manager, grant=grant, note="Discussed in supervision on 3/12"
    )
    assert not selectors.break_glass_for_follow_up(reviewable).exists()
    grant.refresh_from_db()
    assert grant.followed_up_by == personas.team_manager


@pytest.mark.parametrize(
    ("decision", "note", "field"),
    [("", "fine", "decision"), ("maybe", "fine", "decision"), ("justified", " ", "note")],
)
def test_a_decision_needs_a_verdict_and_a_note(personas, decision, note, field):
    grant = ask(personas.practitioner, personas.partner_household).grants[0]
    with pytest.raises(ValidationFailed) as e:
        services.break_glass_review(
            actor=personas.team_manager, grant=grant, decision=decision, note=note
        )
    assert field in e.value.errors
    grant.refresh_from_db()
    assert grant.reviewed_at is None


def test_who_reviews_what(personas):
    """Managers review their own organisation's staff; the DPO everyone's; nobody their own."""
    by_practitioner = ask(personas.practitioner, personas.partner_household).grants[0]
    by_partner = ask(personas.partner_staff, personas.household).grants[0]
    by_manager = ask(personas.team_manager, personas.other_household).grants[0]
    manager, dpo = personas.team_manager, personas.dpo
    assert set(services.reviewable_grants(manager)) == {by_practitioner}
    assert set(services.reviewable_grants(dpo)) == {by_practitioner, by_partner, by_manager}
    with pytest.raises(PermissionRefused, match="Someone else must review"):
        services.break_glass_review(actor=manager, grant=by_manager, decision="justified", note="x")
    with pytest.raises(PermissionRefused):
        services.break_glass_review(actor=manager, grant=by_partner, decision="justified", note="x")
    with pytest.raises(PermissionRefused):
        services.break_glass_review(
            actor=personas.practitioner, grant=by_partner, decision="justified", note="x"
        )
    # The partner organisation's own manager reviews their request.
    partner_manager = make_staff("partner.manager", "team_manager", personas.partner)
    assert set(services.reviewable_grants(partner_manager)) == {by_partner}


# --- the web pages: asking, the banner, the review queue -------------------------------------------


def test_asking_in_the_browser_opens_the_family_with_a_banner(personas, client_for):
    client = client_for(personas.practitioner)
    family = personas.partner_household
    page = reverse("people:household_detail", args=[family.uuid])
    assert client.get(page).status_code == 404
    url = reverse("access:break_glass_request")
    response = client.post(
        url, {"reference": page, "reason": Reason.URGENT_CONTACT, "explanation": WHY}
    )
    assert response.status_code == 302 and response["Location"] == page
    body = client.get(page).content.decode()
    assert 'data-testid="break-glass-banner"' in body
    grant = BreakGlassGrant.objects.get()
    assert "Urgent need to contact the family" in body and WHY in body
    assert timezone.localtime(grant.expires_at).strftime("%H:%M") in body
    assert family.name in body
    person = members(family)[0]
    assert (
        'data-testid="break-glass-banner"'
        in client.get(reverse("people:person_detail", args=[person.uuid])).content.decode()
    )
    # Their own organisation's family: no banner.
    own = client.get(reverse("people:household_detail", args=[personas.household.uuid]))
    assert 'data-testid="break-glass-banner"' not in own.content.decode()


def test_the_form_shows_the_refusal_at_the_field(personas, client_for):
    client = client_for(personas.practitioner)
    response = client.post(
        reverse("access:break_glass_request"),
        {"reference": str(personas.partner_household.uuid), "reason": "", "explanation": ""},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Choose why you need this family&#x27;s record" in body
    assert "Explain why you need this family&#x27;s record now" in body
    assert not BreakGlassGrant.objects.exists()


def test_an_unmatched_reference_looks_the_same_whatever_exists_elsewhere(personas, client_for):
    """Given a reason, a missing family is reported as not found and recorded: the answer is the
    same page for a random id as for a malformed link (after the reason was given)."""
    client = client_for(personas.practitioner)
    response = client.post(
        reverse("access:break_glass_request"),
        {
            "reference": "00000000-0000-4000-8000-000000000000",
            "reason": Reason.SAFEGUARDING,
            "explanation": WHY,
        },
    )
    assert response.status_code == 200
    assert "No family matches that reference" in response.content.decode()


def test_the_404_page_offers_emergency_access_to_those_who_may_ask(personas, client_for):
    page = reverse("people:household_detail", args=[personas.partner_household.uuid])
    body = client_for(personas.practitioner).get(page).content.decode()
    assert "request emergency access" in body and "/emergency-access/?ref=" in body
    body = client_for(personas.analyst).get(page).content.decode()
    assert "request emergency access" not in body


def test_the_review_queue_and_a_decision_in_the_browser(personas, client_for):
    grant = ask(personas.practitioner, personas.partner_household).grants[0]
    helpers.household_for(fresh(personas.practitioner), personas.partner_household.uuid)
    client = client_for(personas.team_manager)
    queue = client.get(reverse("access:break_glass_queue")).content.decode()
    assert "Waiting for a decision (1)" in queue and personas.practitioner.username in queue
    page = reverse("access:break_glass_review", args=[grant.uuid])
    body = client.get(page).content.decode()
    assert WHY in body and "Viewed a family" in body  # what was done under it, from the log
    response = client.post(page, {"step": "decision", "decision": "not_justified", "note": "No"})
    assert response.status_code == 302
    queue = client.get(reverse("access:break_glass_queue")).content.decode()
    assert "Waiting for a decision (0)" in queue
    assert "Not justified: to follow up (1)" in queue
    response = client.post(page, {"step": "follow_up", "note": "Spoke to them"})
    assert response.status_code == 302
    assert (
        "Not justified: to follow up (0)"
        in client.get(reverse("access:break_glass_queue")).content.decode()
    )
    # The practitioner's own manager cannot see a partner organisation's request.
    other = ask(personas.partner_staff, personas.household).grants[0]
    assert client.get(reverse("access:break_glass_review", args=[other.uuid])).status_code == 404


def test_the_queue_costs_the_same_queries_for_2_and_12_requests(personas, client_for, settings):
    settings.FAMILYHUB_BREAK_GLASS_DAILY_LIMIT = 20
    client = client_for(personas.team_manager)
    url = reverse("access:break_glass_queue")
    client.get(url)

    def add(n):
        for _ in range(n):
            family = make_household(organisation=personas.other_org)
            ask(personas.practitioner, family)
            BreakGlassGrant.objects.update(ended_at=timezone.now())

    add(2)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(10)
    with CaptureQueriesContext(connection) as many:
        assert "Waiting for a decision (12)" in client.get(url).content.decode()
    assert len(few) == len(many)


def test_the_api_follows_the_grant_for_the_same_user(personas):
    from rest_framework.test import APIClient

    from familyhub.api.tests.conftest import make_token

    family = personas.partner_household
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(personas.practitioner)}")
    url = f"/api/v1/households/{family.uuid}/"
    assert client.get(url).status_code == 404
    grant = ask(personas.practitioner, family).grants[0]
    assert client.get(url).status_code == 200
    assert last_entry().reason == grant.log_reason
