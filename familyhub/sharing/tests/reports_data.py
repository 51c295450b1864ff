"""A tiny hand-made dataset with known counts, for the cube and report tests (synthetic only):
10 children at Cook and Play in Bulwell in January (4 back in February), 7 fathers (5 White,
2 Black) and 1 mother at FRED in St Ann's in January, an absence, an out-of-scope session of
another organisation, two home visits done and one cancelled, one enrolment."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django.utils import timezone

from familyhub.casework.models import Contact
from familyhub.core.testing import PersonFactory
from familyhub.engagement.models import Enrolment
from familyhub.engagement.testing import a_service, a_session, attend
from familyhub.people import choices as c
from familyhub.people.models import Address, Household, Membership, Relationship
from familyhub.places.models import EthnicityCategory, Ward
from familyhub.sharing.testing import make_agreement

JAN = date(2026, 1, 14)
FEB = date(2026, 2, 11)


def build_world(personas: Any) -> dict[str, Any]:
    bulwell = Ward.objects.get(code="E05012275")
    st_anns = Ward.objects.get(code="E05012287")
    cook, fred = a_service("cook-and-play"), a_service("fred")
    white = EthnicityCategory.objects.filter(high_level_group="White").first()
    black = EthnicityCategory.objects.filter(high_level_group__startswith="Black").first()
    household = Household.objects.create(name="Example family")
    Address.objects.create(
        household=household,
        line1="1 Test Street",
        postcode="NG6 8AB",
        postcode_key="NG68AB",
        ward=bulwell,
        valid_from=date(2020, 1, 1),
    )
    lead = personas.lead
    cook_jan = a_session(organisation=lead, service=cook, day=JAN, start=time(10), ward=bulwell)
    cook_feb = a_session(organisation=lead, service=cook, day=FEB, start=time(10), ward=bulwell)
    fred_jan = a_session(organisation=lead, service=fred, day=JAN, start=time(14), ward=st_anns)
    other_org = a_session(
        organisation=personas.other_org, service=cook, day=JAN, start=time(11), ward=bulwell
    )
    children = []
    for i in range(10):
        child = PersonFactory(date_of_birth=date(2024, 6, 1), sex=c.Sex.MALE if i % 2 else "female")
        children.append(child)
        attend(cook_jan, child)
        if i < 4:  # four of them came back in February: still 10 distinct children
            attend(cook_feb, child)
    attend(other_org, children[0])  # another organisation's session (out of scope for the lead)
    fathers = []
    for i in range(7):
        dad = PersonFactory(sex=c.Sex.MALE, ethnicity=white if i < 5 else black)
        Relationship.objects.create(from_person=dad, to_person=children[i], kind="father")
        attend(fred_jan, dad, as_child=False)
        fathers.append(dad)
    mum = PersonFactory(sex=c.Sex.FEMALE)
    Relationship.objects.create(from_person=mum, to_person=children[9], kind="mother")
    attend(fred_jan, mum, as_child=False)
    Membership.objects.create(household=household, person=mum, role=c.MemberRole.PARENT_CARER)
    absent = PersonFactory()
    attend(fred_jan, absent, present=False, as_child=False)
    # Two home visits in January, one cancelled; one enrolment.
    for status in (Contact.Status.DONE, Contact.Status.DONE, Contact.Status.CANCELLED):
        Contact.objects.create(
            household=household,
            person=mum,
            kind=Contact.Kind.HOME_VISIT,
            status=status,
            occurred_at=timezone.make_aware(timezone.datetime(2026, 1, 20, 10)),
            organisation=lead,
        )
    Enrolment.objects.create(
        person=children[9],
        household=household,
        service=cook,
        organisation=lead,
        started_on=date(2026, 1, 5),
        eligible=True,
        decision="Eligible",
    )
    return {
        "lead": lead,
        "children": children,
        "fathers": fathers,
        "mum": mum,
        "agreement": make_agreement(),
    }
