"""The review pages (R-LINK-1): the queue, a pair with its evidence in words, merge with
per-field choice, not the same person, unmerge. Who may reach each route is proven by the
authorization matrix (familyhub/linkage/tests/matrix.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from familyhub.access.models import AccessLogEntry
from familyhub.core.testing import PersonFactory
from familyhub.linkage.models import MatchCandidate, Merge, NotSamePerson
from familyhub.people import choices as c
from familyhub.people.models import Membership, Person


def _pair(personas: Any, **over: Any) -> MatchCandidate:
    child = personas.household.memberships.filter(role=c.MemberRole.CHILD).first().person
    dup = PersonFactory(
        given_name=over.get("given_name", child.given_name + "e"),
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        nhs_number=over.get("nhs_number", ""),
        phone="07700900555",
    )
    Membership.objects.create(household=personas.household, person=dup, role=c.MemberRole.CHILD)
    a, b = sorted((child, dup), key=lambda p: p.pk)
    return MatchCandidate.objects.create(
        person_a=a, person_b=b, match_weight=20.0, probability=0.999, explanation=[]
    )


def test_queue_lists_pairs_in_few_queries_and_logs_them(
    personas, client_for, django_assert_max_num_queries
):
    for _ in range(3):
        _pair(personas)
    client = client_for(personas.team_manager)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("linkage:queue"))
    assert response.status_code == 200
    assert response.content.count(b"Review<span") == 3
    assert AccessLogEntry.objects.filter(detail="duplicate review queue").exists()


def test_pair_page_explains_the_weights_in_words(personas, client_for):
    candidate = _pair(personas)
    response = client_for(personas.team_manager).get(reverse("linkage:pair", args=[candidate.uuid]))
    text = response.content.decode()
    assert "Why the model thinks so" in text
    assert "The same date of birth" in text and "strong evidence for" in text


def test_merge_with_field_choice_then_unmerge(personas, client_for):
    candidate = _pair(personas)
    client = client_for(personas.team_manager)
    url = reverse("linkage:pair_merge", args=[candidate.uuid])
    # Without choosing which record stays: the form again, with the error at the field.
    response = client.post(url, {"field_phone": "b", "reason": "typed twice"})
    assert response.status_code == 400
    assert "Choose which record stays" in response.content.decode()
    assert 'value="typed twice"' not in response.content.decode()  # textarea keeps it instead
    assert "typed twice" in response.content.decode()

    response = client.post(url, {"keep": "a", "field_phone": "b", "reason": "typed twice"})
    merge = Merge.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"{merge.uuid}/")
    keep = Person.objects.get(pk=candidate.person_a_id)
    assert keep.phone == "07700900555"
    assert Person.objects.get(pk=candidate.person_b_id).archived_at is not None

    page = client.get(reverse("linkage:merge_detail", args=[merge.uuid])).content.decode()
    assert "Undo the merge" in page
    refused = client.post(reverse("linkage:merge_undo", args=[merge.uuid]), {"reason": ""})
    assert refused.status_code == 400 and "Say why" in refused.content.decode()
    client.post(reverse("linkage:merge_undo", args=[merge.uuid]), {"reason": "wrong pair"})
    assert Person.objects.get(pk=candidate.person_b_id).archived_at is None
    assert Person.objects.get(pk=candidate.person_a_id).phone == candidate.person_a.phone


def test_different_nhs_numbers_ask_for_confirmation(personas, client_for):
    candidate = _pair(personas, nhs_number="9990000026")
    client = client_for(personas.team_manager)
    url = reverse("linkage:pair_merge", args=[candidate.uuid])
    response = client.post(url, {"keep": "a"})
    assert response.status_code == 400
    assert "different NHS numbers" in response.content.decode()
    assert not Merge.objects.exists()
    response = client.post(
        url, {"keep": "a", "confirm_different_nhs": "yes", "nhs_reason": "GP confirmed"}
    )
    assert response.status_code == 302


def test_not_same_person_needs_a_reason_and_closes_the_pair(personas, client_for):
    candidate = _pair(personas, given_name="Zachariah")
    client = client_for(personas.dpo)
    url = reverse("linkage:pair_not_same", args=[candidate.uuid])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "twins"}).status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == MatchCandidate.Status.NOT_SAME
    assert NotSamePerson.objects.get().reason == "twins"


@pytest.mark.django_db
def test_run_button_starts_the_background_run(personas, client_for):
    _pair(personas)
    client = client_for(personas.dpo)
    response = client.post(reverse("linkage:run_start"))
    assert response.status_code == 302
    page = client.get(reverse("linkage:queue")).content.decode()
    assert "records compared" in page


def test_merge_list_in_few_queries(personas, client_for, django_assert_max_num_queries):
    from familyhub.linkage import services

    for _ in range(3):
        candidate = _pair(personas)
        services.person_merge(actor=personas.dpo, keep=candidate.person_a, other=candidate.person_b)
    client = client_for(personas.dpo)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("linkage:merge_list"))
    assert response.content.count(b"/duplicates/merges/") >= 3
