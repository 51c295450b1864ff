"""The DPO's retention pages: disposal (dry run by default), runs, rules, holds, erasure with a legal
exception, erasure refused under a hold; bounded query counts on the lists (R-RETAIN-1/2, R-RIGHTS-4).
Who may use each route (the DPO only) is proven by the authorization matrix."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from familyhub.access.models import AccessLogEntry, AccessLogSubject
from familyhub.core.testing import make_household
from familyhub.people.models import CaseAllocation, Household, Person, PersonIdentifier
from familyhub.retention import services
from familyhub.retention.models import DisposalRun, ErasureRecord, Hold, RetentionRule
from familyhub.retention.tests.test_disposal import old_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpo(personas, client_for):
    return client_for(personas.dpo)


def test_dashboard_shows_the_latest_dry_run_and_offers_a_dry_run_first(
    personas, dpo, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    old_family(personas, last_contact=date(2018, 1, 1))
    with django_assert_max_num_queries(15):
        response = dpo.get(reverse("retention:dashboard"))
    text = response.content.decode()
    assert "No dry run yet" in text
    assert 'value="dry_run" checked' in text  # the dry run is the default
    with django_capture_on_commit_callbacks(execute=True):
        dpo.post(reverse("retention:run_start"), {"mode": "dry_run"})
    for _ in range(10):
        old_family(personas, last_contact=date(2018, 1, 1))
    with django_assert_max_num_queries(15):  # the page counts nothing itself, whatever the size
        response = dpo.get(reverse("retention:dashboard"))
    text = response.content.decode()
    assert "From the latest dry run" in text
    assert "Kept for 6 years after the last contact with the family." in text
    row = text.split("Case records</th>")[1].split("</tr>")[0]
    assert '--numeric">1</td>' in row  # one family due when the dry run counted
    page = dpo.get(reverse("retention:preview")).content.decode()
    assert "Families (case records)" in page and "due since" in page


def test_a_dry_run_from_the_page_changes_nothing(personas, dpo, django_capture_on_commit_callbacks):
    h = old_family(personas, last_contact=date(2018, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        response = dpo.post(reverse("retention:run_start"), {"mode": "dry_run"})
    run = DisposalRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "retention:run_detail", args=[run.uuid]
    )
    assert run.dry_run and run.counts["case_records"]["to_dispose"] == 1
    assert Household.objects.filter(pk=h.pk).exists()
    page = dpo.get(response["Location"]).content.decode()
    assert f"Family record {str(h.uuid)[:8]}" in page and "due since" in page


def test_disposal_needs_confirmation_then_runs(personas, dpo, django_capture_on_commit_callbacks):
    h = old_family(personas, last_contact=date(2018, 1, 1))
    response = dpo.post(reverse("retention:run_start"), {"mode": "dispose"})
    assert response.status_code == 200
    assert "Confirm that you want to dispose of the records" in response.content.decode()
    assert not DisposalRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = dpo.post(reverse("retention:run_start"), {"mode": "dispose", "confirm": "on"})
    run = DisposalRun.objects.get()
    run.refresh_from_db()
    assert not run.dry_run and run.status == DisposalRun.Status.COMPLETED
    assert not Household.objects.filter(pk=h.pk).exists()
    page = dpo.get(reverse("retention:run_detail", args=[run.uuid])).content.decode()
    assert "Disposed of" in page and "Erasure record" in page


def test_run_history_is_paginated_with_bounded_queries(
    personas, dpo, django_assert_max_num_queries
):
    for _ in range(3):
        DisposalRun.objects.create(as_of=date(2026, 1, 1), started_by=personas.dpo)
    with django_assert_max_num_queries(12):
        first = dpo.get(reverse("retention:run_list"))
    for _ in range(30):
        DisposalRun.objects.create(as_of=date(2026, 1, 1), started_by=personas.dpo)
    with django_assert_max_num_queries(12):
        response = dpo.get(reverse("retention:run_list"))
    assert first.status_code == response.status_code == 200


def test_the_dpo_edits_a_rule_on_its_page(personas, dpo):
    url = reverse("retention:rule_edit", args=["CASE_RECORD"])
    form = dpo.get(url).content.decode()
    assert 'value="6"' in form
    response = dpo.post(
        url,
        {
            "name": "Case records",
            "applies_to": "Everything",
            "period_years": "0",
            "period_months": "0",
            "starts_from": "last_contact",
            "disposal_enabled": "on",
            "version": "1",
        },
    )
    assert "Enter how long the records are kept" in response.content.decode()
    response = dpo.post(
        url,
        {
            "name": "Case records",
            "applies_to": "Everything",
            "period_years": "8",
            "period_months": "0",
            "starts_from": "last_contact",
            "disposal_enabled": "on",
            "version": "1",
        },
    )
    assert response.status_code == 302
    assert RetentionRule.objects.get(category="CASE_RECORD").period_years == 8
    assert "Kept for 8 years" in dpo.get(reverse("retention:rule_list")).content.decode()
    assert dpo.get(reverse("retention:rule_edit", args=["NOPE"])).status_code == 404


def test_holds_are_placed_by_reference_and_released(personas, dpo, django_assert_max_num_queries):
    household = personas.household
    response = dpo.post(
        reverse("retention:hold_list"),
        {
            "reference_text": f"https://example.org/families/{household.uuid}/",
            "kind": "legal",
            "reason": "A claim is expected",
            "reference": "LC-9",
        },
    )
    assert response.status_code == 302
    hold = Hold.objects.get()
    assert hold.household == household and hold.placed_by == personas.dpo
    # the look at the family for the hold is logged
    entry = AccessLogEntry.objects.filter(reason="retention hold").get()
    assert entry.subject_count == household.memberships.count()
    response = dpo.post(
        reverse("retention:hold_list"),
        {"reference_text": "no id here", "kind": "legal", "reason": "x"},
    )
    assert "Give the id of the person or family" in response.content.decode()
    for _ in range(5):
        services.hold_place(
            actor=personas.dpo,
            kind="safeguarding",
            reason="r",
            household=make_household(organisation=personas.lead),
        )
    with django_assert_max_num_queries(12):
        page = dpo.get(reverse("retention:hold_list"))
    assert "LC-9" in page.content.decode()
    response = dpo.post(
        reverse("retention:hold_release", args=[hold.uuid]), {"reason": "Claim settled"}
    )
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.released_on is not None and hold.release_reason == "Claim settled"


def test_erasure_with_a_legal_exception_from_the_page(
    personas, dpo, django_capture_on_commit_callbacks
):
    person = personas.household.memberships.filter(role="parent_carer").first().person
    ident = PersonIdentifier.objects.create(person=person, scheme="social_care", value="SC-55501")
    url = reverse("retention:erase_person", args=[person.uuid])
    page = dpo.get(url + "?request=RR-2026-0042").content.decode()
    assert person.display_name in page and 'value="RR-2026-0042"' in page
    assert "Other identifiers" in page or "Person identifiers" in page
    assert AccessLogSubject.objects.filter(
        person_key=person.log_key, entry__reason="erasure: what would be erased"
    ).exists()
    form = dpo.get(url).context["form"]
    index = next(
        i for i, it in enumerate(form.items) if it["key"] == f"people.PersonIdentifier:{ident.uuid}"
    )
    response = dpo.post(
        url,
        {
            "request_reference": "RR-2026-0042",
            "confirm": "on",
            f"keep_{index}": "on",
            f"kind_{index}": "safeguarding",
            f"reason_{index}": f"Referenced by {person.display_name}",
        },
    )
    assert "Do not name the person" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = dpo.post(
            url,
            {
                "request_reference": "RR-2026-0042",
                "confirm": "on",
                f"keep_{index}": "on",
                f"kind_{index}": "safeguarding",
                f"reason_{index}": "Child protection enquiry open",
            },
        )
    record = ErasureRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "retention:erasure_detail", args=[record.uuid]
    )
    assert (
        record.kept[0]["exception"] == "safeguarding"
        and record.kept[0]["reason"] == "Child protection enquiry open"
    )
    assert PersonIdentifier.objects.filter(pk=ident.pk).exists()
    stub = Person.objects.get(pk=person.pk)  # kept, as a stub the item points at
    assert stub.archived_at and stub.given_name == "" and stub.log_key != person.log_key
    page = dpo.get(response["Location"]).content.decode()
    assert "Child protection enquiry open" in page and "RR-2026-0042" in page
    assert person.given_name not in page


def test_erasure_is_refused_under_a_hold_naming_it(personas, dpo):
    person = personas.household.memberships.first().person
    services.hold_place(
        actor=personas.dpo,
        kind="safeguarding",
        reason="s47 enquiry",
        household=personas.household,
        reference="SG-7",
        ends_on=date.today() + timedelta(days=30),
    )
    url = reverse("retention:erase_person", args=[person.uuid])
    page = dpo.get(url).content.decode()
    assert "This person is on hold" in page and "reference SG-7" in page
    response = dpo.post(url, {"confirm": "on"})
    text = response.content.decode()
    assert "cannot be erased while a safeguarding hold (reference SG-7)" in text
    assert Person.objects.filter(pk=person.pk).exists() and not ErasureRecord.objects.exists()


def test_erasure_list_and_finder(
    personas, dpo, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    from familyhub.retention.erasure import erase_person

    with django_capture_on_commit_callbacks(execute=True):
        for m in list(personas.other_household.memberships.all()):
            erase_person(actor=personas.dpo, person=m.person, request="RR-1")
    with django_assert_max_num_queries(12):
        page = dpo.get(reverse("retention:erasure_list")).content.decode()
    assert page.count("RR-1") == ErasureRecord.objects.count()
    person = personas.household.memberships.first().person
    response = dpo.post(
        reverse("retention:erasure_list"), {"reference_text": f"/people/{person.uuid}/"}
    )
    assert response["Location"] == reverse("retention:erase_person", args=[person.uuid])
    assert CaseAllocation.objects.exists()
