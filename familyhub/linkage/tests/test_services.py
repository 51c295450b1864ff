"""Merge, unmerge, 'not the same person' and the whole-database run (R-LINK-1, ADR 0021)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from familyhub.core.errors import ApplicationError, NotFound, PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.personal_data import person_links
from familyhub.core.testing import PersonFactory
from familyhub.linkage import selectors, services
from familyhub.linkage.models import MatchCandidate, Merge, NotSamePerson
from familyhub.people import choices as c
from familyhub.people.models import Membership, Person, PersonIdentifier, Relationship
from familyhub.people.services import PERSON_FIELDS


def _snapshot(people: list[Person]) -> dict[str, Any]:
    """Every row of the people and of everything that points at them, keyed by model and key."""
    rows: dict[str, Any] = {}
    for p in Person.objects.filter(pk__in=[x.pk for x in people]):
        rows[f"person:{p.pk}"] = services.row_of(p)
    for link in person_links():
        if link.model._meta.label in services.OWN_MODELS:
            continue
        for person in people:
            for obj in link.rows(person):
                if isinstance(obj, ChangeRecord):
                    continue  # the merge adds change records; the originals are checked below
                rows[f"{link.label}:{obj.pk}"] = services.row_of(obj)
    rows["changes"] = dict(
        ChangeRecord.objects.filter(person__in=people).values_list("pk", "person_id")
    )
    return rows


def _same_as_before(people: list[Person], before: dict[str, Any]) -> None:
    """Every row as it was; the change records there were point where they did (the merge and
    unmerge add their own, which stay: the audit trail)."""
    after = _snapshot(people)
    changes_after = after.pop("changes")
    changes_before = before.pop("changes")
    assert after == before
    assert {pk: changes_after.get(pk) for pk in changes_before} == changes_before


def _duplicate_of(person: Person, **over: Any) -> Person:
    household = person.memberships.first().household
    twin = PersonFactory(
        given_name=over.pop("given_name", person.given_name),
        family_name=over.pop("family_name", person.family_name),
        date_of_birth=over.pop("date_of_birth", person.date_of_birth),
        nhs_number=over.pop("nhs_number", ""),
        **over,
    )
    Membership.objects.create(household=household, person=twin, role=c.MemberRole.CHILD)
    return twin


def _child(personas) -> Person:
    return personas.household.memberships.filter(role=c.MemberRole.CHILD).first().person


def test_merge_moves_everything_and_archives_the_other(personas):
    keep = _child(personas)
    other = _duplicate_of(keep, given_name="Bobby", phone="07700900123")
    PersonIdentifier.objects.create(person=other, scheme=c.IdentifierScheme.UPN, value="A123")
    from familyhub.core.services import ChangeSet

    history = ChangeSet(actor=personas.practitioner)
    history.record(other, action=ChangeRecord.Action.CREATE, new="Bobby", person=other)
    history.flush()
    merge = services.person_merge(
        actor=personas.team_manager,
        keep=keep,
        other=other,
        choices={"given_name": "other", "phone": "other"},
    )
    keep.refresh_from_db()
    other.refresh_from_db()
    assert keep.given_name == "Bobby" and keep.phone == "07700900123"
    assert other.archived_at is not None and other.archive_reason.startswith("Merged")
    assert PersonIdentifier.objects.get(scheme=c.IdentifierScheme.UPN).person == keep
    # Both in the same household: the other's membership could not move and was removed whole.
    assert not Membership.objects.filter(person=other).exists()
    assert {m["action"] for m in merge.moved} == {"repointed", "removed"}
    # Both histories are on the kept record.
    assert ChangeRecord.objects.filter(
        person=keep, action=ChangeRecord.Action.CREATE, object_uuid=other.uuid
    ).exists()


def test_unmerge_restores_both_records_exactly(personas):
    keep = _child(personas)
    other = _duplicate_of(keep, given_name="Bobby")
    PersonIdentifier.objects.create(person=other, scheme=c.IdentifierScheme.UPN, value="A1")
    PersonIdentifier.objects.create(person=keep, scheme=c.IdentifierScheme.UPN, value="B2")
    before = _snapshot([keep, other])
    merge = services.person_merge(
        actor=personas.team_manager, keep=keep, other=other, choices={"given_name": "other"}
    )
    services.person_unmerge(actor=personas.team_manager, merge=merge)
    _same_as_before([keep, other], before)
    merge.refresh_from_db()
    assert merge.unmerged_at is not None
    with pytest.raises(ApplicationError):
        services.person_unmerge(actor=personas.team_manager, merge=merge)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    picks=st.dictionaries(
        st.sampled_from(["given_name", "family_name", "date_of_birth", "phone", "email", "sex"]),
        st.sampled_from(["keep", "other"]),
    ),
    same_household=st.booleans(),
    relationship=st.booleans(),
    identifiers=st.sampled_from(["none", "other", "both"]),
)
def test_merge_then_unmerge_is_the_identity(
    personas, picks, same_household, relationship, identifiers
):
    """Hypothesis: whatever is chosen and however the records are linked, unmerge gives back
    exactly the rows there were."""
    keep = _child(personas)
    other = PersonFactory(
        given_name="Robbie",
        family_name=keep.family_name,
        phone="07700900999",
        email="r@x.test",
        sex=c.Sex.MALE,
        date_of_birth=date(2022, 1, 2),
        nhs_number="",
    )
    household = personas.household if same_household else personas.partner_household
    Membership.objects.create(household=household, person=other, role=c.MemberRole.CHILD)
    if relationship:
        parent = personas.household.memberships.filter(role=c.MemberRole.PARENT_CARER).first()
        Relationship.objects.get_or_create(
            from_person=parent.person, to_person=other, kind=c.RelationshipKind.MOTHER
        )
        Relationship.objects.create(
            from_person=other, to_person=keep, kind=c.RelationshipKind.SIBLING
        )
    if identifiers in ("other", "both"):
        PersonIdentifier.objects.create(person=other, scheme=c.IdentifierScheme.UPN, value="O1")
    if identifiers == "both":
        PersonIdentifier.objects.get_or_create(
            person=keep, scheme=c.IdentifierScheme.UPN, defaults={"value": "K1"}
        )
    before = _snapshot([keep, other])
    merge = services.person_merge(actor=personas.dpo, keep=keep, other=other, choices=picks)
    services.person_unmerge(actor=personas.dpo, merge=merge)
    _same_as_before([keep, other], before)
    # Leave the next example a clean slate: the other record goes, the kept one stays as it was.
    Merge.objects.all().delete()
    PersonIdentifier.objects.filter(person=keep).delete()
    Relationship.objects.filter(to_person=other).delete()
    Relationship.objects.filter(from_person=other).delete()
    other.delete()


def test_different_nhs_numbers_need_confirmation_and_a_reason(personas):
    keep = _child(personas)
    other = _duplicate_of(keep, nhs_number="9990000026")
    with pytest.raises(ValidationFailed) as e:
        services.person_merge(actor=personas.team_manager, keep=keep, other=other)
    assert "nhs_reason" in e.value.errors
    with pytest.raises(ValidationFailed):
        services.person_merge(
            actor=personas.team_manager, keep=keep, other=other, confirm_different_nhs=True
        )
    merge = services.person_merge(
        actor=personas.team_manager,
        keep=keep,
        other=other,
        confirm_different_nhs=True,
        nhs_reason="GP confirmed the second number was a typing error",
    )
    assert merge.nhs_conflict_reason.startswith("GP confirmed")


def test_only_reviewers_in_scope_may_merge(personas):
    keep = _child(personas)
    other = _duplicate_of(keep)
    with pytest.raises(PermissionRefused):
        services.person_merge(actor=personas.practitioner, keep=keep, other=other)
    partner_child = personas.partner_household.memberships.first().person
    with pytest.raises(NotFound):
        services.person_merge(actor=personas.team_manager, keep=keep, other=partner_child)
    # The DPO works across organisations.
    services.person_merge(actor=personas.dpo, keep=keep, other=other)


def test_unmerge_refused_after_the_kept_record_changed(personas):
    keep = _child(personas)
    other = _duplicate_of(keep)
    merge = services.person_merge(actor=personas.team_manager, keep=keep, other=other)
    Person.objects.filter(pk=keep.pk).update(version=keep.version + 5)
    with pytest.raises(ApplicationError):
        services.person_unmerge(actor=personas.team_manager, merge=merge)


def test_run_finds_duplicates_across_organisations_and_respects_not_same(personas):
    keep = _child(personas)
    dup = _duplicate_of(keep, given_name=keep.given_name + "e")
    partner_child = personas.partner_household.memberships.first().person
    twin = PersonFactory(
        given_name=partner_child.given_name + "e",
        family_name=partner_child.family_name,
        date_of_birth=partner_child.date_of_birth,
        nhs_number=partner_child.nhs_number,
    )
    Membership.objects.create(
        household=personas.other_household, person=twin, role=c.MemberRole.CHILD
    )
    run = services.duplicates_find_run(actor=personas.dpo)
    assert run.status == run.Status.DONE and run.people_compared >= 8
    pairs = {(m.person_a_id, m.person_b_id) for m in MatchCandidate.objects.all()}
    assert tuple(sorted((keep.pk, dup.pk))) in pairs
    assert tuple(sorted((partner_child.pk, twin.pk))) in pairs  # across organisations
    candidate = MatchCandidate.objects.get(person_a_id=min(keep.pk, dup.pk))
    assert candidate.explanation and {"comparison", "weight", "words"} <= set(
        candidate.explanation[0]
    )

    services.mark_not_same(actor=personas.team_manager, candidate=candidate, reason="siblings")
    assert NotSamePerson.objects.count() == 1
    services.duplicates_find_run(actor=personas.dpo)
    candidate.refresh_from_db()
    assert candidate.status == MatchCandidate.Status.NOT_SAME
    with pytest.raises(ApplicationError):
        services.person_merge(actor=personas.team_manager, keep=keep, other=dup)
    # Scope: the team manager's queue holds only pairs of their families; the DPO's holds all.
    manager_queue = list(selectors.review_queue(personas.team_manager))
    assert all(
        personas.partner_household.memberships.filter(person=m.person_a).count() == 0
        for m in manager_queue
    )
    assert selectors.review_queue(personas.dpo).count() >= 1


def test_registration_check_finds_typos_and_hides_other_organisations(personas):
    keep = _child(personas)
    found = selectors.registration_matches(
        personas.practitioner,
        given_name=keep.given_name[:-1] + "x",
        family_name=keep.family_name,
        date_of_birth=keep.date_of_birth,
        postcode="NG6 8AB",
    )
    assert [m.person for m in found.shown][:1] == [keep]
    outsider = selectors.registration_matches(
        personas.other_org_staff,
        given_name=keep.given_name,
        family_name=keep.family_name,
        date_of_birth=keep.date_of_birth,
        postcode="NG6 8AB",
    )
    assert outsider.shown == [] and outsider.elsewhere >= 1


def test_field_choices_cover_every_person_field(personas):
    keep = _child(personas)
    other = _duplicate_of(keep, given_name="Zed")
    rows = selectors.field_choices_for(keep, other)
    assert [r["name"] for r in rows] == PERSON_FIELDS
    assert next(r for r in rows if r["name"] == "given_name")["differs"]


def test_drop_in_for_the_registration_pages_gives_reasons_in_words(personas):
    keep = _child(personas)
    found = selectors.likely_matches_for(
        personas.practitioner,
        given_name=keep.given_name,
        family_name=keep.family_name,
        date_of_birth=keep.date_of_birth,
        postcode="NG6 8AB",
    )
    assert found[0].person == keep
    assert "the same date of birth" in found[0].reasons
    assert found.elsewhere == 0
