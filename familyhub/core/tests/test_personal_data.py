"""The finder of a person's rows (invariant 4): every model with personal data about family
members is reachable from a person or a household, so SAR, erasure and disposal miss nothing."""

from __future__ import annotations

from familyhub.core.datamap import DATA_MAP, Subject
from familyhub.core.personal_data import (
    household_links,
    person_links,
    rows_about_household,
    rows_about_person,
)
from familyhub.people.models import Person

# Models whose family data is reached another way, and why.
REACHED_OTHERWISE = {
    "people.Person": "it is the person",
    "people.Household": "it is the family",
    # The access log holds pseudonymous keys only (ADR 0005), reached through Person.log_key.
    "access.AccessLogEntry": "reached through the person's log key",
    "access.AccessLogSubject": "reached through the person's log key",
    # An extract's file (R-SHARE-3/4, ADR 0019): its people are listed by its disclosure record
    # (rights.DisclosurePerson); the file is emptied after its download window.
    "sharing.Output": "reached through its disclosure record's people (rights.DisclosurePerson)",
    # A partner's row that could not be imported is, by that fact, linked to nobody (ADR 0020).
    "imports.RejectedRow": "not linked: disposed of with its batch (docs/imports.md)",
}


def test_every_model_with_family_data_links_to_a_person_or_household():
    linked = {link.model._meta.label for link in person_links() + household_links()}
    unreachable = []
    for label, fields in DATA_MAP.items():
        holds_family_data = any(
            fc.personal and fc.subject == Subject.FAMILY for fc in fields.values()
        )
        if holds_family_data and label not in linked and label not in REACHED_OTHERWISE:
            unreachable.append(label)
    assert unreachable == [], (
        "These models hold family members' data but have no foreign key to a person or "
        f"household, so subject access and erasure cannot find them: {unreachable}"
    )


def test_known_links_are_found():
    labels = {link.label for link in person_links()}
    assert {
        "people.Membership.person",
        "people.Relationship.from_person",
        "core.ChangeRecord.person",
        "privacy.Consent.person",
    } <= labels
    assert "people.Address.household" in {link.label for link in household_links()}


def test_rows_about_a_person_and_their_family(personas):
    person = Person.objects.filter(memberships__household=personas.household).first()
    found = {link.label: qs.count() for link, qs in rows_about_person(person)}
    assert found["people.Membership.person"] == 1
    assert all(n > 0 for n in found.values())
    family = {link.label for link, _ in rows_about_household(personas.household)}
    assert {"people.Address.household", "people.Membership.household"} <= family
