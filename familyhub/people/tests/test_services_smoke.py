from datetime import timedelta

import pytest
from django.utils import timezone

from familyhub.access.models import AccessLogEntry
from familyhub.core.errors import ConcurrentEdit, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.testing import register_smith_family
from familyhub.people import services
from familyhub.people.choices import MemberRole, RelationshipKind
from familyhub.people.models import Person


def _register(actor, **overrides):
    unborn = {
        "is_unborn": True,
        "expected_date_of_delivery": timezone.localdate() + timedelta(days=30),
    }
    return register_smith_family(actor, unborn, **overrides)


@pytest.mark.django_db
def test_register_creates_everything_with_history_and_log(personas):
    h = _register(personas.practitioner)
    assert h.memberships.count() == 2
    assert h.addresses.get().postcode == "NG6 8AB"
    assert ChangeRecord.objects.filter(household=h).count() >= 4
    assert AccessLogEntry.objects.filter(action="create").exists()
    john = Person.objects.get(given_name="John", family_name="Smith")
    assert john.nhs_number == "9990000018"
    assert john.family_key == "SM0"


@pytest.mark.django_db
def test_bad_input_reported_per_field_and_nothing_written(personas):
    before = Person.objects.count()
    with pytest.raises(ValidationFailed) as e:
        _register(
            personas.practitioner,
            members=[
                services.MemberSpec(
                    role=MemberRole.PARENT_CARER,
                    data={
                        "given_name": "A",
                        "family_name": "B",
                        "nhs_number": "9990000019",
                        "date_of_birth": timezone.localdate() + timedelta(days=3),
                    },
                )
            ],
            address={"line1": "", "postcode": "nonsense"},
        )
    assert set(e.value.errors) >= {
        "members-0-nhs_number",
        "members-0-date_of_birth",
        "address_line1",
        "address_postcode",
    }
    assert Person.objects.count() == before


@pytest.mark.django_db
def test_concurrent_edit_refused(personas):
    h = _register(personas.practitioner)
    p = Person.objects.get(given_name="John")
    services.person_update(
        actor=personas.practitioner, person=p, data={"phone": "0115 496 0000"}, expected_version=1
    )
    stale = Person.objects.get(pk=p.pk)
    stale.version = 1
    with pytest.raises(ConcurrentEdit):
        services.person_update(
            actor=personas.practitioner,
            person=stale,
            data={"phone": "0115 496 0001"},
            expected_version=1,
        )
    assert Person.objects.get(pk=p.pk).phone == "0115 496 0000"
    assert h


@pytest.mark.django_db
def test_services_refuse_people_outside_the_actors_scope(personas):
    """A service handed someone the actor may not see refuses, whoever called it (R-ACCESS-2)."""
    from familyhub.core.errors import NotFound

    outsider = personas.other_household.memberships.first().person
    mine = personas.household.memberships.first().person
    with pytest.raises(NotFound):
        services.relationship_add(
            actor=personas.practitioner,
            from_person=outsider,
            to_person=mine,
            kind=RelationshipKind.FRIEND,
        )
    with pytest.raises(NotFound):
        services.person_add_to_household(
            actor=personas.practitioner,
            household=personas.household,
            member=services.MemberSpec(role=MemberRole.OTHER_MEMBER, existing=outsider),
        )


@pytest.mark.django_db
def test_special_category_answers_not_taken_from_roles_without_them(personas):
    from familyhub.places.models import EthnicityCategory

    h = _register(personas.group_worker)
    services.person_add_to_household(
        actor=personas.group_worker,
        household=h,
        member=services.MemberSpec(
            role=MemberRole.OTHER_MEMBER,
            data={
                "given_name": "Ann",
                "family_name": "Smith",
                "religion": "muslim",
                "ethnicity": EthnicityCategory.objects.get(key="ons-1"),
            },
        ),
    )
    ann = Person.objects.get(given_name="Ann")
    assert ann.religion == "not_asked" and ann.ethnicity is None


@pytest.mark.django_db
def test_sqlite_name_index_follows_every_change_after_all_migrations(personas):
    """A table rebuild in a migration once dropped the FTS triggers: prove they are all there."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    h = _register(personas.practitioner)
    john = Person.objects.get(given_name="John", family_name="Smith")
    services.person_update(
        actor=personas.practitioner,
        person=john,
        data={"family_name": "Smithson"},
        expected_version=john.version,
        household=h,
    )
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO people_person_fts(people_person_fts, rank) VALUES('integrity-check', 1)"
        )
        cur.execute("SELECT rowid FROM people_person_fts WHERE people_person_fts MATCH 'smithson'")
        assert [r[0] for r in cur.fetchall()] == [john.pk]
