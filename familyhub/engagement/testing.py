"""Test helpers for the engagement app: families of a chosen shape, sessions, and the records the
authorization matrix requests (synthetic data only)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from familyhub.core.testing import PersonFactory, fake
from familyhub.engagement.models import Attendance, Service, Session, WalkIn
from familyhub.engagement.services import ADDRESS_TO_COMPLETE
from familyhub.people import choices as c
from familyhub.people.models import Address, CaseAllocation, Household, Membership
from familyhub.places.models import Organisation, Venue, Ward


def family(
    *,
    organisation: Organisation,
    ward: Ward | None,
    children: list[date | None] = (),  # type: ignore[assignment]
    unborn: bool = False,
    adults: list[dict[str, Any]] | None = None,
    address: bool = True,
    family_name: str | None = None,
) -> Household:
    """A household of an exact shape: `children` are dates of birth (None: no date recorded)."""
    family_name = family_name or fake.last_name()
    household = Household.objects.create(name=f"{family_name} family")
    if address:
        Address.objects.create(
            household=household,
            line1="1 Test Street",
            postcode="NG6 8AB",
            postcode_key="NG68AB",
            ward=ward,
            valid_from=timezone.localdate() - timedelta(days=300),
        )
    CaseAllocation.objects.create(
        household=household,
        organisation=organisation,
        started_on=timezone.localdate() - timedelta(days=200),
    )
    for details in adults if adults is not None else [{}]:
        person: Any = PersonFactory(family_name=family_name, **details)
        Membership.objects.create(
            household=household, person=person, role=c.MemberRole.PARENT_CARER
        )
    for dob in children:
        child: Any = PersonFactory(family_name=family_name, date_of_birth=dob, nhs_number="")
        Membership.objects.create(household=household, person=child, role=c.MemberRole.CHILD)
    if unborn:
        baby: Any = PersonFactory(
            given_name="",
            family_name=family_name,
            date_of_birth=None,
            is_unborn=True,
            expected_date_of_delivery=timezone.localdate() + timedelta(days=60),
            nhs_number="",
        )
        Membership.objects.create(household=household, person=baby, role=c.MemberRole.CHILD)
    return household


def a_service(code: str = "cook-and-play") -> Service:
    from familyhub.engagement.catalogue import ensure_catalogue

    ensure_catalogue()
    return Service.objects.get(code=code)


def a_session(
    *,
    organisation: Organisation,
    service: Service | None = None,
    workers: list[Any] = (),  # type: ignore[assignment]
    day: date | None = None,
    start: time | None = None,
    minutes: int = 90,
    venue: Venue | None = None,
    ward: Ward | None = None,
) -> Session:
    """A session (by default today, started an hour ago, so that its register is open)."""
    now = timezone.localtime()
    if day is None and start is None:
        begin = (now - timedelta(hours=1)).replace(second=0, microsecond=0)
        if begin.date() != now.date():
            begin = now.replace(hour=0, minute=0, second=0, microsecond=0)
        day, start = begin.date(), begin.time()
    day = day or now.date()
    start = start or time(10, 0)
    end_dt = datetime.combine(day, start) + timedelta(minutes=minutes)
    end = end_dt.time() if end_dt.date() == day else time(23, 59)
    session = Session.objects.create(
        service=service or a_service(),
        title=(service.name if service else "Cook and Play"),
        date=day,
        start_time=start,
        end_time=end,
        venue=venue,
        ward=ward or (venue.ward if venue else None),
        organisation=organisation,
    )
    session.workers.set(workers)
    return session


def attend(session: Session, person: Any, *, present: bool = True, as_child: bool = True) -> Any:
    now = timezone.now()
    return Attendance.objects.create(
        session=session,
        person=person,
        present=present,
        as_child=as_child,
        client_id=uuid.uuid4(),
        client_at=now,
        recorded_at=now,
    )


def walk_in_for(session: Session, household: Household) -> WalkIn:
    """A 'to complete' record for a family built in set-up (its address made a placeholder)."""
    Address.objects.filter(household=household, valid_to__isnull=True).update(
        line1=ADDRESS_TO_COMPLETE, ward=None
    )
    first = household.memberships.order_by("id").first()
    assert first is not None, "a household with nobody in it"
    person = first.person
    return WalkIn.objects.create(
        client_id=uuid.uuid4(), session=session, person=person, household=household
    )


def matrix_records(personas: Any) -> dict[str, dict[str, str]]:
    """Records for the authorization matrix: a session run by the lead organisation (the group
    worker on it) and one by the partner; a walk-in family allocated to each of them."""
    from familyhub.core.tests.access_matrix import LEAD, MISSING, PARTNER

    lead_session = a_session(organisation=personas.lead, workers=[personas.group_worker])
    partner_session = a_session(organisation=personas.partner)
    lead_walk_in = walk_in_for(
        lead_session, family(organisation=personas.lead, ward=None, family_name="Doorstep")
    )
    partner_walk_in = walk_in_for(
        partner_session, family(organisation=personas.partner, ward=None, family_name="Porchley")
    )
    return {
        "session": {
            LEAD: str(lead_session.uuid),
            PARTNER: str(partner_session.uuid),
            MISSING: str(uuid.uuid4()),
        },
        "walk_in": {
            LEAD: str(lead_walk_in.uuid),
            PARTNER: str(partner_walk_in.uuid),
            MISSING: str(uuid.uuid4()),
        },
    }
