"""Who needs to be asked for consent again (R-CONSENT-2, R-NOTICE-1, ADR 0014): a consent points
at the notice version the person was shown; when a later version changes that purpose materially,
the person is on the list, for the staff who work with them, and counted for the DPO."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from familyhub.access.models import AccessLogEntry
from familyhub.people.models import Person
from familyhub.privacy import registers, selectors
from familyhub.privacy.models import Consent, ConsentState, Purpose
from familyhub.privacy.testing import make_purpose

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
MAX_QUERIES = 20


def _consent(person, code, notice, state=ConsentState.GIVEN, **kw):
    return Consent.objects.create(
        person=person,
        purpose=Purpose.objects.get(code=code),
        state=state,
        decided_on=TODAY - timedelta(days=30),
        method="paper",
        notice=notice,
        **kw,
    )


def _edit(dpo, code, **data):
    purpose = Purpose.objects.get(code=code)
    registers.purpose_update(
        actor=dpo, purpose=purpose, data=data, expected_version=purpose.version
    )


def _publish(dpo, summary="Changes."):
    return registers.notice_publish(actor=dpo, summary=summary)


def _flagged(people=None):
    return {
        (c.person_id, c.purpose.code)
        for c in selectors.consents_needing_reconsent(people).select_related("purpose")
    }


@pytest.fixture
def family(personas):
    members = list(Person.objects.filter(memberships__household=personas.household).order_by("id"))
    partner = Person.objects.filter(memberships__household=personas.partner_household).first()
    return members, partner


def test_a_material_change_puts_the_consent_on_the_list(personas, family):
    (mother, child, _unborn), partner = family
    v1 = _publish(personas.dpo, "First published version.")
    _consent(mother, "evaluation", v1)
    _consent(mother, "receiving-information", v1)
    _consent(partner, "evaluation", v1)
    assert _flagged() == set()

    _edit(personas.dpo, "evaluation", recipients="Nottingham Trent University\nA new evaluator")
    assert _flagged() == set()  # not until a new version is published
    v2 = _publish(personas.dpo)
    assert _flagged() == {(mother.pk, "evaluation"), (partner.pk, "evaluation")}

    # Consent given on version 2 already covers the change.
    _consent(child, "evaluation", v2)
    assert (child.pk, "evaluation") not in _flagged()

    # A change that is not material (the name only) asks nobody again.
    _edit(personas.dpo, "receiving-information", name="News about groups and events")
    _publish(personas.dpo)
    assert (mother.pk, "receiving-information") not in _flagged()

    # Compared with the current version: putting the recipients back as they were in version 1
    # clears those shown version 1, and puts those shown version 2 on the list.
    _edit(personas.dpo, "evaluation", recipients=_recipients_in(v1))
    _publish(personas.dpo)
    assert _flagged() == {(child.pk, "evaluation")}


def _recipients_in(version):
    snapshot = next(p for p in version.content["purposes"] if p["code"] == "evaluation")
    return "\n".join(snapshot["recipients"])


def test_each_material_field_counts(personas, family):
    (mother, _, _), _ = family
    v1 = _publish(personas.dpo, "First.")
    _consent(mother, "evaluation", v1)
    changes = [
        {"description": "We check whether the programme works."},
        {"retention": "evaluation data: 10 years"},
        {
            "data_categories": [
                "identity",
                "contact",
                "circumstances",
                "case note",
                "special category",
            ]
        },
        {"transfers": "Stored by the evaluator in Ireland (adequacy regulations)."},
        {"basis_detail": "Your consent, asked on the evaluation form."},
        {"recipients": "Nottingham Trent University"},
        {"special_category_condition": "Article 9(2)(a): explicit consent, in writing"},
    ]
    for change in changes:
        # Asked again on the current version: nothing to ask...
        Consent.objects.filter(person=mother).update(notice=selectors.current_notice())
        assert _flagged() == set()
        # ... until the next version changes this one field.
        _edit(personas.dpo, "evaluation", **change)
        _publish(personas.dpo)
        assert _flagged() == {(mother.pk, "evaluation")}, change


def test_a_change_of_data_categories_is_material(personas, family):
    (mother, _, _), _ = family
    v1 = _publish(personas.dpo, "First.")
    _consent(mother, "photos-video", v1)
    _edit(personas.dpo, "photos-video", data_categories=["identity", "case note"])
    _publish(personas.dpo)
    row = selectors.consents_needing_reconsent().get()
    assert selectors.reconsent_rules().what_changed(row) == ["Information used"]


def test_who_is_not_asked_again(personas, family):
    (mother, child, unborn), partner = family
    v1 = _publish(personas.dpo, "First.")
    _consent(mother, "evaluation", v1, state=ConsentState.REFUSED)
    _consent(child, "evaluation", v1, state=ConsentState.WITHDRAWN, withdrawn_on=TODAY)
    _consent(unborn, "evaluation", v1, expires_on=TODAY)  # lapsed today
    _consent(partner, "evaluation", v1)
    Person.objects.filter(pk=partner.pk).update(archived_at=timezone.now())
    _edit(personas.dpo, "evaluation", retention="evaluation data: 10 years")
    _publish(personas.dpo)
    assert _flagged() == set()


def test_consents_without_a_notice_version_or_for_a_purpose_not_in_it(personas, family):
    (mother, child, _), _ = family
    _consent(mother, "evaluation", None)
    assert _flagged() == set()  # no notice published: nothing to compare with
    v1 = _publish(personas.dpo, "First.")
    assert _flagged() == {(mother.pk, "evaluation")}
    rules = selectors.reconsent_rules()
    assert rules.what_changed(Consent.objects.get(person=mother)) == [
        "no notice version was recorded with the consent"
    ]
    # A purpose added to the register after version 1: a consent recorded against version 1 was
    # given without the person reading about it.
    make_purpose(
        "baby-massage",
        name="Baby massage photos",
        basis="consent",
        description="Photos at baby massage.",
    )
    _consent(child, "baby-massage", v1)
    _publish(personas.dpo)
    assert (child.pk, "baby-massage") in _flagged()
    row = Consent.objects.get(person=child)
    assert selectors.reconsent_rules().what_changed(row) == ["not in the version shown"]


def test_a_purpose_no_longer_relying_on_consent_asks_nobody(personas, family):
    (mother, _, _), _ = family
    v1 = _publish(personas.dpo, "First.")
    _consent(mother, "evaluation", v1)
    _edit(
        personas.dpo,
        "evaluation",
        lawful_basis="public_task",
        basis_detail="Childcare Act 2006 section 3",
        special_category_condition="Article 9(2)(j) with DPA 2018 Schedule 1 Part 1 paragraph 4",
    )
    _publish(personas.dpo)
    assert _flagged() == set()


def test_the_list_is_scoped_to_the_user(personas, family):
    (mother, _, _), partner = family
    v1 = _publish(personas.dpo, "First.")
    _consent(mother, "evaluation", v1)
    _consent(partner, "evaluation", v1)
    _edit(personas.dpo, "evaluation", retention="evaluation data: 10 years")
    _publish(personas.dpo)
    from familyhub.access import helpers as access

    assert {p for p, _ in _flagged(access.people_visible_to(personas.practitioner))} == {mother.pk}
    assert {p for p, _ in _flagged(access.people_visible_to(personas.partner_staff))} == {
        partner.pk
    }
    assert _flagged(access.people_visible_to(personas.other_org_staff)) == set()
    counts = {snap["code"]: n for snap, n in selectors.reconsent_counts()}
    assert counts["evaluation"] == 2 and counts["receiving-information"] == 0
    assert "service-planning" not in counts  # public task: nobody's consent to renew


# --- the page ------------------------------------------------------------------------------------


def test_the_page_lists_people_with_what_changed_and_logs_them(
    personas, family, client_for, django_assert_max_num_queries
):
    (mother, child, _), partner = family
    v1 = _publish(personas.dpo, "First.")
    _consent(mother, "evaluation", v1)
    _consent(child, "evaluation", v1, given_by=mother)
    _consent(partner, "evaluation", v1)
    _edit(personas.dpo, "evaluation", retention="evaluation data: 10 years")
    _publish(personas.dpo)
    client = client_for(personas.practitioner)
    before = AccessLogEntry.objects.count()
    # Sign-in and scope (about 6), the notices, the purposes' ids and one page of consents (3),
    # one access-log entry (6), the session (3): the same for 1 row or 50.
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("privacy:reconsent"))
    body = response.content.decode()
    assert response.status_code == 200
    assert mother.display_name in body and partner.display_name not in body
    assert "How long it is kept" in body and "shown version 1" in body
    assert f"by {mother.display_name}" in body  # the parent who answered for the child
    entry = AccessLogEntry.objects.order_by("-id").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert entry.detail == "needs re-consent list" and entry.subject_count == 2


def test_the_page_costs_the_same_for_many_rows(
    personas, family, client_for, django_assert_max_num_queries
):
    (mother, child, unborn), _ = family
    v1 = _publish(personas.dpo, "First.")
    codes = ["evaluation", "receiving-information", "photos-video", "imagination-library"]
    for person in (mother, child, unborn):
        for code in codes:
            _consent(person, code, v1)
    for code in codes:
        _edit(personas.dpo, code, retention="kept for 1 year")
    _publish(personas.dpo)
    client = client_for(personas.practitioner)
    with django_assert_max_num_queries(MAX_QUERIES):
        body = client.get(reverse("privacy:reconsent")).content.decode()
    assert body.count("shown version 1") == 12


@pytest.mark.parametrize("who", ["dpo", "analyst", "admin"])
def test_roles_without_families_do_not_see_the_list(personas, client_for, who):
    assert client_for(getattr(personas, who)).get(reverse("privacy:reconsent")).status_code == 403
