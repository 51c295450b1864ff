"""'Who has looked at my record' (R-RIGHTS-6): one person's accesses from the access log, readable,
by role, organisation and name; for the DPO through a logged lookup; as CSV; and the selector that
the subject access pack will reuse (`access.selectors.accesses_of_person`)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from familyhub.access import helpers, log, selectors, services
from familyhub.access.models import AccessLogEntry, BreakGlassGrant
from familyhub.access.models import Membership as StaffMembership
from familyhub.core.errors import NotFound, PermissionRefused

pytestmark = pytest.mark.django_db
Action = AccessLogEntry.Action


@pytest.fixture(autouse=True)
def _logging_on(monkeypatch):
    monkeypatch.setattr(log, "_enabled", True)


def parent(household):
    return household.memberships.filter(role="parent_carer").order_by("id").first().person


def fresh(user):
    user.forget_access_cache()
    return user


@pytest.fixture
def looked_at(personas):
    """The lead family's parent: opened by the practitioner, shown in the manager's search, and
    changed; a partner family's parent looked at by the partner (never in the lead's rows)."""
    personas.practitioner.first_name, personas.practitioner.last_name = "Priya", "Patel"
    personas.practitioner.save()
    person = parent(personas.household)
    helpers.person_for(personas.practitioner, person.uuid)
    helpers.household_for(personas.practitioner, personas.household.uuid)
    helpers.log_people_shown(
        personas.team_manager,
        [person, parent(personas.household)],
        action=Action.SEARCH,
        detail="search by name",
    )
    helpers.log_change(personas.group_worker, [person], created=False, object_type="person")
    helpers.person_for(personas.partner_staff, parent(personas.partner_household).uuid)
    return person


def test_accesses_of_person_reads_every_access_newest_first(personas, looked_at):
    rows = list(selectors.accesses_of_person(looked_at))
    assert [r.action for r in rows] == [
        Action.UPDATE,
        Action.SEARCH,
        Action.VIEW_HOUSEHOLD,
        Action.VIEW_PERSON,
    ]
    opened = rows[-1]
    assert opened.what == "Opened this person's record"
    assert opened.staff_name == "Priya Patel" and opened.username == "practitioner"
    assert opened.role == "Practitioner (family worker or mentor)"
    assert opened.organisation == personas.lead.name
    assert opened.channel == "Command" and opened.why == "" and opened.others == 0
    family_page = rows[-2]
    assert family_page.what == "Opened the family's page"
    assert family_page.others == personas.household.memberships.count() - 1
    assert rows[1].detail == "search by name" and rows[1].role.startswith("Team manager")
    assert rows[0].what == "Changed the record" and rows[0].role == "Group worker"
    assert selectors.count_accesses_of_person(looked_at) == 4
    # Someone else's record is not in it.
    assert all(r.username != personas.partner_staff.username for r in rows)


def test_paging_and_streaming_give_the_same_rows(personas, looked_at):
    every = [r.entry_id for r in selectors.accesses_of_person(looked_at)]
    paged = [
        r.entry_id
        for start in range(0, 4, 3)
        for r in selectors.accesses_of_person(looked_at, offset=start, limit=3)
    ]
    small_chunks = [r.entry_id for r in selectors.accesses_of_person(looked_at, chunk=1)]
    assert every == paged == small_chunks


def test_the_organisation_is_the_one_at_the_time(personas):
    """A member of staff who moved organisation is shown with the one they worked for then."""
    person = parent(personas.household)
    worker = personas.practitioner
    helpers.person_for(worker, person.uuid)
    services.membership_end(
        actor=personas.admin,
        membership=StaffMembership.objects.get(user=worker),
        reason="Moved to the partner",
    )
    services.membership_add(
        actor=personas.admin, user=worker, organisation=personas.partner, role="partner_staff"
    )
    # Allocated to the partner too, so the worker can still open the family.
    from familyhub.people.models import CaseAllocation

    CaseAllocation.objects.create(
        household=personas.household, organisation=personas.partner, started_on=timezone.localdate()
    )
    helpers.person_for(fresh(worker), person.uuid)
    later, earlier = list(selectors.accesses_of_person(person))
    assert earlier.organisation == personas.lead.name
    assert later.organisation == personas.partner.name
    assert later.role == "Partner organisation staff"


def test_break_glass_accesses_say_why(personas):
    family = personas.partner_household
    services.break_glass_request(
        actor=personas.practitioner,
        reference=str(family.uuid),
        reason=BreakGlassGrant.Reason.SAFEGUARDING,
        explanation="Police called about the family this morning",
    )
    person = parent(family)
    helpers.person_for(fresh(personas.practitioner), person.uuid)
    opened, asked = list(selectors.accesses_of_person(person))[:2]
    assert asked.what == "Asked for emergency access to the family"
    assert opened.why == asked.why == "Emergency access: Safeguarding concern"
    assert "Police" not in opened.why


# --- who may read it -----------------------------------------------------------------------------------


def test_the_dpo_reads_anyone_a_manager_their_scope_others_nobody(personas, looked_at):
    partner_parent = parent(personas.partner_household)
    assert helpers.person_for_access_record(personas.dpo, partner_parent.uuid) == partner_parent
    assert helpers.person_for_access_record(personas.team_manager, looked_at.uuid) == looked_at
    with pytest.raises(NotFound):
        helpers.person_for_access_record(personas.team_manager, partner_parent.uuid)
    for persona in ("practitioner", "partner_staff", "analyst", "admin", "group_worker"):
        with pytest.raises(PermissionRefused):
            helpers.person_for_access_record(getattr(personas, persona), looked_at.uuid)


def test_reading_the_record_is_itself_logged(personas, looked_at):
    helpers.person_for_access_record(personas.dpo, looked_at.uuid, reason="SAR-2026-014")
    entry = AccessLogEntry.objects.order_by("-id").first()
    assert entry.action == Action.VIEW_ACCESS_RECORD and entry.reason == "SAR-2026-014"
    assert entry.subjects.get().person_key == looked_at.log_key
    newest = next(selectors.accesses_of_person(looked_at))
    assert newest.what == "Looked at who has looked at this record" and newest.why == "SAR-2026-014"


def test_the_lookup_needs_exact_details_and_is_logged(personas, looked_at):
    dpo = personas.dpo
    found = helpers.people_for_access_lookup(
        dpo, reference="SAR-1", nhs_number=looked_at.nhs_number
    )
    assert found == [looked_at]
    entry = AccessLogEntry.objects.order_by("-id").first()
    assert entry.action == Action.SEARCH and entry.reason == "SAR-1"
    assert entry.detail == "access record lookup by NHS number" and entry.subject_count == 1
    by_name = helpers.people_for_access_lookup(
        dpo,
        reference="SAR-1",
        family_name=looked_at.family_name.upper(),
        date_of_birth=looked_at.date_of_birth,
    )
    assert by_name == [looked_at]
    assert not helpers.people_for_access_lookup(
        dpo,
        reference="SAR-1",
        family_name=looked_at.family_name,
        date_of_birth=looked_at.date_of_birth + timedelta(days=1),
    )
    # A manager finds only people in their scope.
    other = parent(personas.partner_household)
    assert not helpers.people_for_access_lookup(
        personas.team_manager, reference="x", nhs_number=other.nhs_number
    )
    assert helpers.people_for_access_lookup(dpo, reference="x", nhs_number=other.nhs_number)


# --- the pages ---------------------------------------------------------------------------------------


def test_the_dpo_finds_the_person_and_reads_their_record(personas, client_for, looked_at):
    client = client_for(personas.dpo)
    response = client.post(
        reverse("access:person_lookup"),
        {"reference": "SAR-2026-014", "nhs_number": looked_at.nhs_number},
    )
    body = response.content.decode()
    link = reverse("access:who_looked", args=[looked_at.uuid]) + "?ref=SAR-2026-014"
    assert response.status_code == 200 and link in body
    page = client.get(link)
    assert page.status_code == 200
    body = page.content.decode()
    assert f"Who has looked at {looked_at.display_name}" in body
    assert "Priya Patel" in body and personas.lead.name in body
    assert "Opened this person&#x27;s record" in body and "Shown in search results" in body
    assert "Practitioner (family worker or mentor)" in body
    # The lookup and this page are both in the record now.
    assert page.context["page"].paginator.count == 4 + 2


def test_the_lookup_form_asks_for_a_reference_and_details(personas, client_for):
    response = client_for(personas.dpo).post(reverse("access:person_lookup"), {})
    body = response.content.decode()
    assert "Enter the reference of the request you are answering" in body
    response = client_for(personas.dpo).post(
        reverse("access:person_lookup"), {"reference": "x", "nhs_number": "999 000 0019"}
    )
    assert "not a valid NHS number" in response.content.decode()


def test_the_record_downloads_as_csv(personas, client_for, looked_at):
    client = client_for(personas.team_manager)
    response = client.get(
        reverse("access:who_looked", args=[looked_at.uuid]), {"download": "csv", "ref": "R1"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert tuple(rows[0]) == selectors.AccessRow.CSV_HEADER
    assert len(rows) == 1 + 5  # four accesses, and this download
    assert rows[1][5] == "Exported the record" and rows[1][7] == "R1"
    assert rows[-1][1] == "Priya Patel" and rows[-1][4] == personas.lead.name
    exported = AccessLogEntry.objects.order_by("-id").first()
    assert exported.action == Action.EXPORT and exported.detail.endswith("(CSV file)")


def test_the_page_costs_the_same_queries_for_few_and_many_accesses(personas, client_for):
    person = parent(personas.household)
    client = client_for(personas.dpo)
    url = reverse("access:who_looked", args=[person.uuid])
    client.get(url)
    staff = [personas.practitioner, personas.team_manager, personas.group_worker]
    for user in staff:
        helpers.person_for(user, person.uuid)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(20):
        for user in [*staff, personas.partner_staff]:
            helpers.log_people_shown(user, [person])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["rows"]) > 60
    assert len(few) == len(many)
