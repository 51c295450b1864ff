import pytest

from familyhub.api.fieldpaths import (
    address_path,
    member_path,
    register_path,
    relationship_path,
    rename_errors,
    service_errors,
)
from familyhub.core.errors import ConcurrentEdit, NotFound, ValidationFailed


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("name", "name"),
        ("phone", "phone"),
        ("members", "members"),
        ("members-0-nhs_number", "members.0.person.nhs_number"),
        ("members-12-date_of_birth", "members.12.person.date_of_birth"),
        ("members-1-role", "members.1.role"),
        ("members-1-person", "members.1.existing_person"),
        ("address_postcode", "address.postcode"),
        ("address_line1", "address.line1"),
        ("relationships-0-to_person", "relationships.0.to"),
        ("relationships-3-from_person", "relationships.3.from"),
        ("relationships-2-kind", "relationships.2.kind"),
    ],
)
def test_register_path(key, path):
    assert register_path(key) == path


def test_other_paths():
    assert member_path("nhs_number") == "person.nhs_number"
    assert member_path("role") == "role"
    assert member_path("person") == "existing_person"
    assert address_path("postcode") == "address.postcode"
    assert address_path("moved_on") == "moved_on"
    assert relationship_path("to_person") == "to"
    assert relationship_path("kind") == "kind"


def test_rename_keeps_class_and_message_and_merges():
    exc = ValidationFailed.from_errors({"members-0-person": ["a"], "members-0-nhs_number": ["b"]})
    renamed = rename_errors(exc, register_path)
    assert type(renamed) is ValidationFailed
    assert renamed.message == "a"
    assert renamed.errors == {
        "members.0.existing_person": ["a"],
        "members.0.person.nhs_number": ["b"],
    }
    merged = rename_errors(ValidationFailed.from_errors({"x": ["1"], "y": ["2"]}), lambda k: "z")
    assert merged.errors == {"z": ["1", "2"]}


def test_service_errors_context():
    with pytest.raises(ValidationFailed) as e, service_errors(register_path):
        raise ValidationFailed("Enter a real postcode", field="address_postcode")
    assert e.value.errors == {"address.postcode": ["Enter a real postcode"]}
    with pytest.raises(ConcurrentEdit) as c, service_errors(version=3):
        raise ConcurrentEdit("form wording")
    assert c.value.errors == {"version": [c.value.message]} and "version 3" in c.value.message
    with pytest.raises(NotFound), service_errors(register_path):
        raise NotFound("No such record.")
