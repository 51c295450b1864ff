"""Imagination Library returns (R-IMPORT-1, R-ENGAGE-1, R-CONSENT-3): a change of the child's
enrolment through the engagement services; nothing stored for a child the policy does not allow."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from familyhub.core.errors import ApplicationError
from familyhub.core.models import ChangeRecord
from familyhub.core.testing import PersonFactory, make_household
from familyhub.engagement.models import Enrolment
from familyhub.imports.models import ImportedRecord
from familyhub.imports.testing import csv_bytes, import_file, upload
from familyhub.people import choices as c
from familyhub.people.models import Membership, Relationship
from familyhub.privacy import purposes
from familyhub.privacy.models import ConsentState, Purpose
from familyhub.privacy.services import Answer, consents_record

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
HEADER = ["Reference", "First name", "Surname", "DOB", "Postcode", "Status", "Date", "Details"]


def _d(days_ago: int) -> str:
    return (TODAY - timedelta(days=days_ago)).strftime("%d/%m/%Y")


def _child(personas, name: str, born: date):
    child = PersonFactory(
        given_name=name, family_name="Testington", date_of_birth=born, nhs_number=""
    )
    Membership.objects.create(household=personas.il_family, person=child, role=c.MemberRole.CHILD)
    Relationship.objects.create(
        from_person=_parent(personas),
        to_person=child,
        kind=c.RelationshipKind.MOTHER,
        parental_responsibility=True,
    )
    return child


def _parent(personas):
    return personas.il_family.memberships.filter(role="parent_carer").first().person


def _answer(personas, child, state):
    parent = _parent(personas)
    consents_record(
        actor=personas.team_manager,
        answers=[
            Answer(child, Purpose.objects.get(code=purposes.IMAGINATION_LIBRARY), state, parent)
        ],
        method="paper",
        decided_on=TODAY - timedelta(days=60),
    )


@pytest.fixture
def children(personas):
    """A Bulwell family of the lead organisation with four toddlers: Ada (consent given), Bea
    (consent refused), Cal (never asked), Dot (given, not enrolled)."""
    personas.il_family = make_household(
        organisation=personas.lead, ward=personas.ward, children=0, family_name="Testington"
    )
    born = TODAY - timedelta(days=400)
    ada, bea, cal, dot = (_child(personas, n, born) for n in ("Ada", "Bea", "Cal", "Dot"))
    _answer(personas, ada, ConsentState.GIVEN)
    _answer(personas, bea, ConsentState.REFUSED)
    _answer(personas, dot, ConsentState.GIVEN)
    return ada, bea, cal, dot


def _rows(personas, children):
    ada, _bea, cal, dot = children
    dob = ada.date_of_birth.strftime("%d/%m/%Y")
    outsider = personas.partner_household.memberships.first().person
    return [
        HEADER,
        [ada.uuid, "", "", "", "", "Registered", _d(20), ""],
        ["", "ada", "TESTINGTON", dob, "ng68ab", "Books sent", _d(10), ""],
        # Refused, each for its own reason.
        ["", "Bea", "Testington", dob, "NG6 8AB", "Registered", _d(20), ""],
        [cal.uuid, "", "", "", "", "Registered", _d(20), ""],
        ["", "Eve", "Testington", dob, "NG6 8AB", "Registered", _d(20), ""],
        [ada.uuid, "", "", "", "", "Lost in the post", _d(20), ""],
        [ada.uuid, "", "", "", "", "Registered", "31/02/2026", ""],
        [outsider.uuid, "", "", "", "", "Registered", _d(20), ""],
        [dot.uuid, "", "", "", "", "Address returned", _d(20), ""],
        ["", "Ada", "Testington", "", "", "Registered", _d(20), ""],
    ]


def _errors(batch):
    return {r.row_number: dict(map(tuple, r.errors)) for r in batch.rejected.all()}


def test_a_known_good_file_enrols_and_a_return_ends_the_enrolment(personas, children):
    ada = children[0]
    batch = import_file(
        personas.team_manager, "imagination", csv_bytes(_rows(personas, children)[:3])
    )
    assert (batch.rows_loaded, batch.rows_unchanged, batch.rows_rejected) == (1, 1, 0), _errors(
        batch
    )
    enrolment = Enrolment.objects.get(person=ada)
    assert enrolment.service.consent_purpose == purposes.IMAGINATION_LIBRARY
    assert enrolment.started_on == TODAY - timedelta(days=20) and enrolment.ended_on is None
    assert ChangeRecord.objects.filter(object_uuid=enrolment.uuid).exists()
    returned = csv_bytes([HEADER, [ada.uuid, "", "", "", "", "Gone away", _d(5), "Moved"]])
    second = import_file(personas.team_manager, "imagination", returned, name="returns.csv")
    assert (second.rows_loaded, second.rows_rejected) == (1, 0), _errors(second)
    enrolment.refresh_from_db()
    assert enrolment.ended_on == TODAY - timedelta(days=5)
    assert enrolment.end_reason == "Imagination Library: books returned, address not known: Moved"


def test_each_bad_row_gets_its_own_message_and_refused_consent_is_not_kept(personas, children):
    batch = import_file(personas.team_manager, "imagination", csv_bytes(_rows(personas, children)))
    assert (batch.rows_loaded, batch.rows_unchanged, batch.rows_rejected) == (1, 1, 8)
    errors = _errors(batch)
    assert errors[4][""].startswith("Not stored: the Imagination Library needs consent.")
    assert errors[5][""].startswith("Not stored")
    assert "No child with this name, date of birth and postcode" in errors[6][""]
    assert "not a status we know" in errors[7]["Status"]
    assert "not a real date" in errors[8]["Date"]
    assert "No child with this reference" in errors[9]["Reference"]
    assert "nothing to end" in errors[10]["Status"]
    assert "date of birth and postcode" in errors[11]["DOB"]
    # Nothing of a row the policy refused is kept: only its status and date.
    kept = {r.row_number: r.values for r in batch.rejected.all()}
    assert set(kept[4].values()) == {"", "Registered", _d(20)}
    assert set(kept[5].values()) == {"", "Registered", _d(20)}
    assert kept[6]["First name"] == "Eve"  # an unmatched row keeps what the partner must fix
    assert not Enrolment.objects.filter(person__in=children[1:]).exists()
    assert not ImportedRecord.objects.filter(person__in=children[1:]).exists()


def test_running_again_changes_nothing(personas, children):
    data = csv_bytes(_rows(personas, children))
    import_file(personas.team_manager, "imagination", data)
    changes = ChangeRecord.objects.count()
    again = import_file(personas.team_manager, "imagination", data + b"\n")
    assert (again.rows_loaded, again.rows_unchanged, again.rows_rejected) == (0, 2, 8)
    assert Enrolment.objects.count() == 1
    assert ChangeRecord.objects.count() == changes


@pytest.mark.parametrize("persona", ["admin", "practitioner", "dpo", "analyst", "partner_staff"])
def test_only_an_importer_who_registers_families_may_load_returns(personas, children, persona):
    """As for the other personal kinds (ADR 0020, 5): IMPORT_DATA and EDIT_PEOPLE."""
    with pytest.raises(ApplicationError):
        upload(getattr(personas, persona), "imagination", csv_bytes(_rows(personas, children)[:2]))
    assert not Enrolment.objects.exists()


@given(
    status=st.sampled_from(
        ["Registered", "Books sent", "Registration refused", "Address returned"]
    ),
    noise=st.lists(st.sampled_from([" ", "-", "_", "."]), max_size=3),
    upper=st.booleans(),
)
def test_a_status_is_read_whatever_its_case_and_punctuation(status, noise, upper):
    """However the partner's spreadsheet spells a status, it reads as the same one (R-IMPORT-1)."""
    from familyhub.imports.kinds.imagination import STATUSES
    from familyhub.imports.values import normalise_header

    text = "".join(noise) + (status.upper() if upper else status.lower()) + "".join(noise)
    assert STATUSES[normalise_header(text)] == STATUSES[normalise_header(status)]
