"""The erasure service's rules (R-RIGHTS-4): who may erase, holds, legal exceptions, the stub kept for
an exception, the records left on the family's history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from familyhub.access import log as access_log
from familyhub.core.errors import PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.people.models import Household, Membership, Person, PersonIdentifier
from familyhub.retention import services
from familyhub.retention.erasure import (
    IDENTITY_ITEM,
    ExceptionKind,
    LegalException,
    PersonUnderHold,
    erase_person,
    identifying_strings,
    inventory,
)
from familyhub.retention.models import ErasureRecord, Hold

pytestmark = pytest.mark.django_db


def _parent(household):
    return household.memberships.filter(role="parent_carer").order_by("id").first().person


def test_only_the_dpo_erases(personas):
    person = _parent(personas.household)
    for user in (personas.practitioner, personas.team_manager, personas.admin, personas.analyst):
        with pytest.raises(PermissionRefused):
            erase_person(actor=user, person=person)
    assert Person.objects.filter(pk=person.pk).exists()


def test_a_hold_refuses_erasure_and_names_itself(personas):
    person = _parent(personas.household)
    services.hold_place(
        actor=personas.dpo, kind=Hold.Kind.LEGAL, reason="claim", person=person, reference="LC-3"
    )
    with pytest.raises(PersonUnderHold) as e:
        erase_person(actor=personas.dpo, person=person)
    assert "a legal claim or proceedings hold (reference LC-3) in force since" in e.value.message
    assert Person.objects.filter(pk=person.pk).exists() and not ErasureRecord.objects.exists()


def test_a_family_hold_covers_its_members_and_a_future_hold_does_not(personas):
    person = _parent(personas.household)
    hold = services.hold_place(
        actor=personas.dpo,
        kind=Hold.Kind.SAFEGUARDING,
        reason="plan",
        household=personas.household,
        starts_on=timezone.localdate() + timedelta(days=5),
    )
    assert not hold.in_force_on(timezone.localdate())
    Hold.objects.filter(pk=hold.pk).update(starts_on=timezone.localdate())
    with pytest.raises(PersonUnderHold, match="safeguarding hold"):
        erase_person(actor=personas.dpo, person=person)


def test_the_open_request_being_answered_does_not_hold_its_own_erasure(personas):
    person = _parent(personas.other_household)
    services.hold_place(
        actor=personas.dpo,
        kind=Hold.Kind.RIGHTS_REQUEST,
        reason="erasure request open",
        person=person,
        reference="RR-2026-0007",
    )
    with pytest.raises(PersonUnderHold):
        erase_person(actor=personas.dpo, person=person, request="RR-2026-0001")
    record = erase_person(actor=personas.dpo, person=person, request="RR-2026-0007")
    assert record.request_reference == "RR-2026-0007"
    assert not Person.objects.filter(pk=person.pk).exists()


def test_exceptions_are_checked(personas):
    person = _parent(personas.household)
    bad = [
        LegalException(
            "people.PersonIdentifier:00000000-0000-4000-8000-000000000000", "safeguarding", "x"
        ),
        LegalException(IDENTITY_ITEM, "because", "x"),
        LegalException(IDENTITY_ITEM, ExceptionKind.LEGAL_CLAIMS, " "),
    ]
    with pytest.raises(ValidationFailed) as e:
        erase_person(actor=personas.dpo, person=person, exceptions=bad)
    assert set(e.value.errors) == {"exceptions-0", "exceptions-1", "exceptions-2"}
    assert "not part of the person's records" in e.value.errors["exceptions-0"][0]
    assert Person.objects.filter(pk=person.pk).exists()


def test_keeping_the_identity_keeps_a_stub_without_anything_else(personas):
    person = _parent(personas.household)
    Person.objects.filter(pk=person.pk).update(phone="07700 900 111", email="kept@example.org")
    person.refresh_from_db()
    old_key = person.log_key
    record = erase_person(
        actor=personas.dpo,
        person=person,
        exceptions=[LegalException(IDENTITY_ITEM, ExceptionKind.STATUTORY_DUTY, "Court order")],
    )
    stub = Person.objects.get(pk=person.pk)
    assert (stub.given_name, stub.family_name, stub.date_of_birth) == (
        person.given_name,
        person.family_name,
        person.date_of_birth,
    )
    assert stub.phone == "" and stub.email == "" and stub.search_name == ""
    assert stub.log_key != old_key and stub.archived_at is not None
    assert not Membership.objects.filter(person=stub).exists()
    assert record.kept[0]["exception"] == "statutory_duty"
    assert access_log.verify().ok


def test_the_family_history_says_a_member_was_erased(personas):
    household = personas.household
    person = _parent(household)
    others = list(household.memberships.exclude(person=person).values_list("person_id", flat=True))
    record = erase_person(actor=personas.dpo, person=person)
    assert Household.objects.filter(pk=household.pk).exists()
    note = ChangeRecord.objects.get(household=household, new_value="A member's record was erased")
    assert note.reason == f"Erasure {record.uuid}" and note.actor == personas.dpo
    assert set(
        Membership.objects.filter(household=household).values_list("person_id", flat=True)
    ) == set(others)


def test_inventory_lists_what_would_go(personas):
    person = _parent(personas.household)
    ident = PersonIdentifier.objects.create(person=person, scheme="upn", value="A123456789012")
    groups = {g.link: g for g in inventory(person)}
    assert groups["people.Membership.person"].count == 1
    assert groups["people.Relationship.from_person"].action == "delete"
    keys = [i.key for g in groups.values() for i in g.items]
    assert f"people.PersonIdentifier:{ident.uuid}" in keys
    assert person.given_name not in str([i.label for g in groups.values() for i in g.items])


def test_identifying_strings_leave_out_names_shared_with_relatives(personas):
    person = _parent(personas.household)
    Person.objects.filter(pk=person.pk).update(known_as="", middle_names="", phone="0115 496 0000")
    person.refresh_from_db()
    strings = identifying_strings(person)
    assert f"{person.given_name} {person.family_name}" in strings
    assert person.family_name not in strings and person.given_name not in strings
    assert "01154960000" in strings and person.nhs_number in strings
    assert date.today().isoformat() not in strings


def test_another_open_rights_request_holds_the_erasure(personas):
    from familyhub.rights.models import ReceivedVia, RequestKind
    from familyhub.rights.services import requests as rights

    person = _parent(personas.other_household)
    access_request = rights.request_record(
        actor=personas.dpo,
        kind=RequestKind.ACCESS,
        received_on=timezone.localdate(),
        received_via=ReceivedVia.EMAIL,
        description="A copy of my records first",
        person=person,
    )
    with pytest.raises(PersonUnderHold) as e:
        erase_person(actor=personas.dpo, person=person, request="RR-OTHER")
    assert f"an open rights request (reference {access_request.reference})" in e.value.message
    # Answering that very request is not held by it.
    erase_person(actor=personas.dpo, person=person, request=access_request)
    assert not Person.objects.filter(pk=person.pk).exists()


def test_erasures_are_reapplied_after_a_restore(personas, django_capture_on_commit_callbacks):
    """The record's keyed hashes find the person again in a restored copy (simulated by putting
    the same ids back), without the record holding the ids."""
    from io import StringIO

    from django.core.management import call_command

    person = _parent(personas.other_household)
    uuid, household = person.uuid, personas.other_household
    record = erase_person(actor=personas.dpo, person=person)
    assert str(uuid) not in str(record.subject_digests) and len(record.subject_digests) == 1
    restored = Person.objects.create(uuid=uuid, family_name="Restored", given_name="Again")
    Membership.objects.create(household=household, person=restored, role="parent_carer")
    out = StringIO()
    call_command("reapply_erasures", stdout=out)
    assert "1 erased person and 0 erased families are back" in out.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reapply_erasures", "--execute", stdout=out)
    assert not Person.objects.filter(uuid=uuid).exists()
    assert ErasureRecord.objects.filter(ground="reapplied").count() == 1


def test_a_record_merged_into_the_person_is_erased_with_them(personas):
    """An archived record merged into the person (R-LINK-1) is the same person's data; an undone
    merge no longer is (R-RIGHTS-4, ADR 0016, ADR 0021)."""
    from familyhub.core.testing import PersonFactory
    from familyhub.linkage import services as linkage

    person = _parent(personas.household)
    merged = PersonFactory(
        given_name=person.given_name, family_name=person.family_name, nhs_number=""
    )
    undone = PersonFactory(given_name="Quill", family_name="Osei", nhs_number="")
    Membership.objects.create(household=personas.household, person=merged, role="parent_carer")
    Membership.objects.create(household=personas.household, person=undone, role="parent_carer")
    linkage.person_merge(actor=personas.dpo, keep=person, other=merged, reason="same mother")
    merge = linkage.person_merge(actor=personas.dpo, keep=person, other=undone, reason="mistake")
    linkage.person_unmerge(actor=personas.dpo, merge=merge)
    erase_person(actor=personas.dpo, person=person)
    assert not Person.objects.filter(pk__in=[person.pk, merged.pk]).exists()
    assert Person.objects.filter(pk=undone.pk).exists()


def test_an_extract_file_holding_the_person_is_emptied(personas):
    """Erasure reaches generated extracts kept for download (R-RIGHTS-4, ADR 0019): the file is
    emptied, the record of what left stays."""
    from familyhub.rights.models import DisclosurePerson, DisclosureRecord
    from familyhub.sharing.models import Output

    person = _parent(personas.household)
    disclosure = DisclosureRecord.objects.create(
        kind=DisclosureRecord.Kind.EXTRACT_DEPERSONALISED,
        disclosed_at=timezone.now(),
        recipient="Evaluator",
        recipient_kind=DisclosureRecord.RecipientKind.ORGANISATION,
        what="extract",
        legal_basis="public task",
        people_count=1,
        sha256="0" * 64,
    )
    DisclosurePerson.objects.create(disclosure=disclosure, person=person)
    output = Output.objects.create(
        kind=Output.Kind.EXTRACT_DEPERSONALISED,
        title="extract",
        status=Output.Status.RELEASED,
        content=b"pseudonym,ward\nABC,Bulwell\n",
        disclosure=disclosure,
    )
    record = erase_person(actor=personas.dpo, person=person)
    output.refresh_from_db()
    assert output.content is None
    assert record.neutralised.get("sharing.Output.content") == 1
    assert DisclosureRecord.objects.filter(pk=disclosure.pk).exists()
