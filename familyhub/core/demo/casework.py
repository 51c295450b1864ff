"""Demo casework (R-ENGAGE-4..9): visits and other contacts with follow-up actions, caseload
details with a single point of contact and review dates (some overdue), referrals between the lead
organisation and its delivery partners (waiting, accepted, declined), outcome reviews over time for
some families, a feedback form with answers, and a few enquiries and complaints.

Like the family loader, rows are written in bulk and have no change history (a fixture load, not
staff work); every note is made up from the phrases below. Reproducible with the same seed; safe to
run again (nothing is added once any contact exists). Services come from the engagement catalogue
and outcomes from the frameworks migration: what is missing is skipped, never made here.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from familyhub.casework.models import (
    AllocationDetail,
    Contact,
    Enquiry,
    FeedbackAnswer,
    FeedbackForm,
    FeedbackQuestion,
    FeedbackResponse,
    FollowUp,
    Outcome,
    OutcomeRecord,
    OutcomeReview,
    OutcomeScore,
    Referral,
)
from familyhub.casework.reference import ensure_outcome_frameworks
from familyhub.core.demo.organisations import FRAMEWORK, HOME_START, LEAD, TOY_LIBRARY
from familyhub.people.models import CaseAllocation, Membership
from familyhub.places.models import Organisation

PARTNERS = (TOY_LIBRARY, FRAMEWORK, HOME_START)
# Families per organisation given casework (the lead organisation has most of the families).
FAMILIES = {LEAD: 45, TOY_LIBRARY: 12, FRAMEWORK: 12, HOME_START: 12}
KINDS = (
    (Contact.Kind.HOME_VISIT, 0.55),
    (Contact.Kind.PHONE, 0.2),
    (Contact.Kind.FACE_TO_FACE, 0.12),
    (Contact.Kind.TEXT, 0.08),
    (Contact.Kind.VIDEO, 0.05),
)
NOTES = (
    "Talked about sleep and bedtime routines; mum keen to try a wind-down story.",
    "Played with shape sorter together; lots of babbling and pointing.",
    "Discussed weaning and finger foods. Leaflet left about Cook and Play.",
    "Dad joined the visit. Talked about reading together and FRED.",
    "Mum tired; baby feeding well. Agreed to look at the Stay and Play timetable.",
    "Shared the Imagination Library form. Family enjoying the books.",
    "Talked about nursery places and the two-year funding.",
    "Short call to confirm next visit and check in after the health visitor's review.",
)
ACTIONS = (
    "Send the Cook and Play dates",
    "Check the two-year funding form was received",
    "Bring sensory play ideas to the next visit",
    "Ask the health visitor about the weight review",
    "Share details of the fathers' group",
)
GOALS = {
    "talk-and-communicate": "Use ten words and join in songs",
    "confident-friendly-emotions": "Settle at Stay and Play without tears",
    "eating-well-healthy": "Try a new vegetable every week",
    "home-learning": "Share a book at bedtime most nights",
    "early-relationships": "Enjoy floor play together every day",
}


@dataclass
class CaseworkStats:
    contacts: int = 0
    follow_ups: int = 0
    allocations: int = 0
    referrals: int = 0
    reviews: int = 0
    responses: int = 0
    enquiries: int = 0
    mailing_organisations: int = 0
    skipped: str = ""

    def __str__(self) -> str:
        if self.skipped:
            return f"Casework: {self.skipped}"
        return (
            f"Made casework: {self.contacts} contacts ({self.follow_ups} follow-up actions), "
            f"{self.allocations} caseload details, {self.referrals} referrals, {self.reviews} "
            f"outcome reviews, {self.responses} feedback responses, {self.enquiries} enquiries, "
            f"{self.mailing_organisations} organisations on the mailing list."
        )


def _pick(rng: random.Random, weighted: tuple[tuple[Any, float], ...]) -> Any:
    r, total = rng.random(), 0.0
    for value, share in weighted:
        total += share
        if r < total:
            return value
    return weighted[0][0]


def _at(day: date, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(9, 16), rng.choice((0, 30)))))


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _services() -> dict[str, Any]:
    from familyhub.engagement.models import Service

    return {s.code: s for s in Service.objects.filter(active=True).prefetch_related("delivered_by")}


def _delivers(service: Any, org: Organisation) -> bool:
    return service.provider_id == org.pk or any(o.pk == org.pk for o in service.delivered_by.all())


def _allocations(org: Organisation, n: int) -> list[CaseAllocation]:
    """Open allocations of the organisation with a named worker; the demo 'practitioner' first."""
    qs = (
        CaseAllocation.objects.filter(organisation=org, ended_on__isnull=True, worker__isnull=False)
        .select_related("household", "worker", "organisation")
        .order_by("id")
    )
    mine = [a for a in qs.filter(worker__username="practitioner")[: n // 2]]
    rest = [a for a in qs.exclude(pk__in=[a.pk for a in mine])[: n - len(mine)]]
    return mine + rest


def load_casework_demo(*, seed: int = 2026, today: date | None = None) -> CaseworkStats:
    stats = CaseworkStats()
    if Contact.objects.exists():
        stats.skipped = "already recorded: none added."
        return stats
    orgs = {o.name: o for o in Organisation.objects.filter(name__in=(LEAD, *PARTNERS))}
    if LEAD not in orgs:
        stats.skipped = "no demo organisations: none made."
        return stats
    ensure_outcome_frameworks()
    today = today or timezone.localdate()
    rng = random.Random(seed + 7)
    services = _services()
    with transaction.atomic():
        chosen = {name: _allocations(org, FAMILIES.get(name, 0)) for name, org in orgs.items()}
        for name, allocations in chosen.items():
            service = services.get(
                "family-mentor-service" if name in PARTNERS else "small-steps-at-home"
            )
            _caseload(rng, allocations, service, today, stats)
        _referrals(rng, orgs, chosen, services, today, stats)
        _outcomes(rng, chosen, services, today, stats)
        _feedback(rng, orgs[LEAD], services, chosen[LEAD], today, stats)
        _enquiries(rng, orgs[LEAD], services, today, stats)
        _mailing_organisations(rng, orgs[LEAD], today, stats)
    return stats


def _mailing_organisations(
    rng: random.Random, lead: Organisation, today: date, stats: CaseworkStats
) -> None:
    """Organisations on the lead's mailing list (R-ENGAGE-9): made-up names, reserved addresses."""
    from familyhub.casework.models import MailingOrganisation

    rows = (
        ("Bulwell Community Nursery", "office@bulwell-nursery.example", "", ["news", "services"]),
        ("St Ann's Primary School", "office@stanns-primary.example", "", ["news"]),
        ("Hyson Green Surgery", "", "1 Example Road, Nottingham NG7 5HY", ["services"]),
        ("Aspley Community Centre", "info@aspley-centre.example", "", ["news", "evaluation"]),
    )
    for name, email, address, topics in rows:
        MailingOrganisation.objects.create(
            uuid=_uuid(rng),
            organisation=lead,
            name=name,
            email=email,
            by_email=bool(email),
            address=address,
            postcode="NG7 5HY" if address else "",
            by_post=bool(address),
            topics=topics,
            joined_on=today - timedelta(days=rng.randint(30, 400)),
        )
        stats.mailing_organisations += 1


def _caseload(
    rng: random.Random,
    allocations: list[CaseAllocation],
    service: Any,
    today: date,
    stats: CaseworkStats,
) -> None:
    details, contacts, follow_ups = [], [], []
    for i, a in enumerate(allocations):
        details.append(
            AllocationDetail(
                uuid=_uuid(rng),
                allocation=a,
                household_id=a.household_id,
                service=service,
                single_point_of_contact=True,
                review_due_on=today + timedelta(days=rng.randint(-25, 70)),
                reason="Referred at the antenatal contact" if i % 3 == 0 else "",
            )
        )
        for k in range(rng.randint(1, 4)):
            day = today - timedelta(days=rng.randint(1, 120))
            c = Contact(
                uuid=_uuid(rng),
                household_id=a.household_id,
                kind=_pick(rng, KINDS),
                status=Contact.Status.DONE,
                occurred_at=_at(day, rng),
                duration_minutes=rng.choice((10, 20, 30, 45, 60, 75, 90)),
                worker_id=a.worker_id,
                recorded_by_id=a.worker_id,
                organisation_id=a.organisation_id,
                service=service,
                notes=rng.choice(NOTES),
            )
            contacts.append(c)
            if k == 0 and rng.random() < 0.45:
                due = day + timedelta(days=rng.randint(5, 30))
                done = due < today and rng.random() < 0.6
                follow_ups.append(
                    FollowUp(
                        uuid=_uuid(rng),
                        household_id=a.household_id,
                        contact=c,
                        description=rng.choice(ACTIONS),
                        due_on=due,
                        assigned_to_id=a.worker_id,
                        done_at=_at(due, rng) if done else None,
                        done_by_id=a.worker_id if done else None,
                    )
                )
        if rng.random() < 0.3:
            contacts.append(
                Contact(
                    uuid=_uuid(rng),
                    household_id=a.household_id,
                    kind=Contact.Kind.HOME_VISIT,
                    status=Contact.Status.PLANNED,
                    occurred_at=_at(today + timedelta(days=rng.randint(1, 14)), rng),
                    worker_id=a.worker_id,
                    recorded_by_id=a.worker_id,
                    organisation_id=a.organisation_id,
                    service=service,
                )
            )
    AllocationDetail.objects.bulk_create(details)
    Contact.objects.bulk_create(contacts)
    FollowUp.objects.bulk_create(follow_ups)
    stats.allocations += len(details)
    stats.contacts += len(contacts)
    stats.follow_ups += len(follow_ups)


def _referrals(
    rng: random.Random,
    orgs: dict[str, Organisation],
    chosen: dict[str, list[CaseAllocation]],
    services: dict[str, Any],
    today: date,
    stats: CaseworkStats,
) -> None:
    """Lead to partners for the Family Mentor Service (waiting, accepted, declined), and partners to
    the lead for a Best Start team's offer."""
    lead = orgs[LEAD]
    mentor = services.get("family-mentor-service")
    best_start = services.get("best-start-team")
    lead_families = chosen.get(LEAD, [])[20:]  # not the ones of the demo practitioner's caseload
    partner_workers = {
        name: next((a.worker_id for a in chosen.get(name, [])), None) for name in PARTNERS
    }
    statuses = (Referral.Status.SENT, Referral.Status.ACCEPTED, Referral.Status.DECLINED)
    made = []
    for i, a in enumerate(lead_families[:12]):
        name = PARTNERS[i % len(PARTNERS)]
        to = orgs.get(name)
        if mentor is None or to is None or not _delivers(mentor, to):
            continue
        made.append(
            _referral(rng, a, lead, to, mentor, statuses[i % 3], partner_workers[name], today)
        )
    for name in PARTNERS:
        family = next(iter(chosen.get(name, [])[5:6]), None)
        if family is None or best_start is None or not _delivers(best_start, lead):
            continue
        made.append(
            _referral(rng, family, orgs[name], lead, best_start, Referral.Status.SENT, None, today)
        )
    stats.referrals += len(made)


def _parent_id(household_id: int) -> int | None:
    return (
        Membership.objects.filter(household_id=household_id, role="parent_carer")
        .order_by("id")
        .values_list("person_id", flat=True)
        .first()
    )


def _referral(
    rng: random.Random,
    allocation: CaseAllocation,
    from_org: Organisation,
    to_org: Organisation,
    service: Any,
    status: str,
    worker_id: int | None,
    today: date,
) -> Referral:
    referred_on = today - timedelta(
        days=rng.randint(1, 40) if status != "sent" else rng.randint(0, 6)
    )
    decided = status != Referral.Status.SENT
    new_allocation = None
    if status == Referral.Status.ACCEPTED:
        new_allocation = CaseAllocation.objects.create(
            household_id=allocation.household_id,
            organisation=to_org,
            worker_id=worker_id,
            started_on=referred_on + timedelta(days=3),
        )
    referral = Referral.objects.create(
        uuid=_uuid(rng),
        household_id=allocation.household_id,
        service=service,
        from_organisation=from_org,
        to_organisation=to_org,
        referred_on=referred_on,
        referrer_id=allocation.worker_id,
        reason="Mum would like some support with play and talking, and to meet other parents.",
        family_agreed=True,
        agreed_by_id=_parent_id(allocation.household_id),
        agreed_on=referred_on,
        agreement_method=Referral.Agreement.IN_PERSON,
        status=status,
        decided_at=_at(referred_on + timedelta(days=3), rng) if decided else None,
        decided_by_id=worker_id if decided else None,
        decision_reason="No mentor free in the family's area this month"
        if status == "declined"
        else "",
        allocation=new_allocation,
    )
    if new_allocation is not None:
        AllocationDetail.objects.create(
            uuid=_uuid(rng),
            allocation=new_allocation,
            household_id=allocation.household_id,
            service=service,
            referral=referral,
            review_due_on=today + timedelta(days=rng.randint(10, 60)),
            reason=f"Referral from {from_org.name}",
        )
    return referral


def _outcomes(
    rng: random.Random,
    chosen: dict[str, list[CaseAllocation]],
    services: dict[str, Any],
    today: date,
    stats: CaseworkStats,
) -> None:
    outcomes = {
        o.code: o for o in Outcome.objects.filter(code__in=list(GOALS)).select_related("framework")
    }
    if not outcomes:
        return
    families = chosen.get(LEAD, [])[:25] + [a for n in PARTNERS for a in chosen.get(n, [])[:4]]
    for a in families:
        service = services.get(
            "family-mentor-service" if a.organisation.name in PARTNERS else "small-steps-at-home"
        )
        focus = rng.sample(sorted(outcomes), k=min(3, len(outcomes)))
        started = today - timedelta(days=rng.randint(150, 300))
        OutcomeRecord.objects.bulk_create(
            [
                OutcomeRecord(
                    uuid=_uuid(rng),
                    household_id=a.household_id,
                    outcome=outcomes[code],
                    kind=OutcomeRecord.Kind.GOAL if k else OutcomeRecord.Kind.NEED,
                    description=GOALS[code],
                    service=service,
                    organisation_id=a.organisation_id,
                    recorded_by_id=a.worker_id,
                    recorded_on=started,
                )
                for k, code in enumerate(focus)
            ]
        )
        level = {code: rng.randint(1, 3) for code in focus}
        n = rng.randint(2, 4)
        for r in range(n):
            on = started + timedelta(days=int(r * (today - started).days / n) + 1)
            review = OutcomeReview.objects.create(
                uuid=_uuid(rng),
                household_id=a.household_id,
                service=service,
                organisation_id=a.organisation_id,
                reviewer_id=a.worker_id,
                reviewed_on=on,
                with_family="Mum" if rng.random() < 0.6 else "Mum and dad",
            )
            OutcomeScore.objects.bulk_create(
                [
                    OutcomeScore(
                        uuid=_uuid(rng),
                        review=review,
                        household_id=a.household_id,
                        outcome=outcomes[code],
                        score=level[code],
                    )
                    for code in focus
                ]
            )
            for code in focus:  # most families make progress, some slip back
                level[code] = max(1, min(5, level[code] + rng.choice((0, 1, 1, 1, -1))))
            stats.reviews += 1


def _feedback(
    rng: random.Random,
    lead: Organisation,
    services: dict[str, Any],
    families: list[CaseAllocation],
    today: date,
    stats: CaseworkStats,
) -> None:
    service = services.get("cook-and-play")
    if service is None:
        return
    form = FeedbackForm.objects.create(
        uuid=_uuid(rng),
        organisation=lead,
        service=service,
        name="Cook and Play: end of course",
        introduction="Tell us what you thought of the course. Your answers help us improve it.",
    )
    useful = FeedbackQuestion.objects.create(
        uuid=_uuid(rng),
        form=form,
        position=1,
        text="How useful was the course for your family?",
        kind=FeedbackQuestion.Kind.SCALE,
        scale_low_label="Not useful",
        scale_high_label="Very useful",
    )
    cooking = FeedbackQuestion.objects.create(
        uuid=_uuid(rng),
        form=form,
        position=2,
        text="Have you cooked any of the recipes at home?",
        kind=FeedbackQuestion.Kind.CHOICE,
        choices="Yes, several\nYes, one\nNot yet",
    )
    comment = FeedbackQuestion.objects.create(
        uuid=_uuid(rng),
        form=form,
        position=3,
        text="Anything else you would like to tell us?",
        kind=FeedbackQuestion.Kind.TEXT,
        required=False,
    )
    comments = ("Loved it", "More sessions please", "My son now eats peas!", "")
    for _ in range(18):
        response = FeedbackResponse.objects.create(
            uuid=_uuid(rng),
            form=form,
            service=service,
            submitted_on=today - timedelta(days=rng.randint(1, 60)),
            channel=rng.choice(FeedbackResponse.Channel.values),
        )
        FeedbackAnswer.objects.bulk_create(
            [
                FeedbackAnswer(
                    uuid=_uuid(rng),
                    response=response,
                    question=useful,
                    scale_value=rng.choice((3, 4, 4, 5, 5)),
                ),
                FeedbackAnswer(
                    uuid=_uuid(rng),
                    response=response,
                    question=cooking,
                    text_value=rng.choice(cooking.choice_list),
                ),
                FeedbackAnswer(
                    uuid=_uuid(rng),
                    response=response,
                    question=comment,
                    text_value=rng.choice(comments),
                ),
            ]
        )
        stats.responses += 1


def _enquiries(
    rng: random.Random,
    lead: Organisation,
    services: dict[str, Any],
    today: date,
    stats: CaseworkStats,
) -> None:
    rows = (
        (Enquiry.Kind.ENQUIRY, 3, "Times of the fathers' group", Enquiry.Status.RECEIVED, ""),
        (
            Enquiry.Kind.ENQUIRY,
            12,
            "Can grandparents come to Stay and Play?",
            Enquiry.Status.ACKNOWLEDGED,
            "",
        ),
        (
            Enquiry.Kind.COMPLAINT,
            36,
            "Session cancelled without notice",
            Enquiry.Status.RECEIVED,
            "",
        ),
        (
            Enquiry.Kind.COMPLAINT,
            50,
            "Home visit arrived late twice",
            Enquiry.Status.RESOLVED,
            Enquiry.Result.PARTLY_UPHELD,
        ),
        (
            Enquiry.Kind.ENQUIRY,
            20,
            "Imagination Library books not arriving",
            Enquiry.Status.RESOLVED,
            Enquiry.Result.PASSED_ON,
        ),
    )
    names = ("Jordan Ellis", "Priya Shah", "Sam Okafor", "Alex Morgan", "Chris Bennett")
    for (kind, days, about, status, outcome), name in zip(rows, names, strict=True):
        received = today - timedelta(days=days)
        Enquiry.objects.create(
            uuid=_uuid(rng),
            organisation=lead,
            kind=kind,
            received_on=received,
            channel=rng.choice(Enquiry.Channel.values),
            from_name=name,
            from_contact=f"{name.split()[0].lower()}@example.org",
            about=about,
            acknowledgement_due_on=received + timedelta(days=30),
            acknowledged_on=received + timedelta(days=5)
            if status != Enquiry.Status.RECEIVED
            else None,
            status=status,
            outcome=outcome,
            outcome_details="Apologised and explained the change." if outcome else "",
            resolved_on=received + timedelta(days=20)
            if status == Enquiry.Status.RESOLVED
            else None,
            service=services.get("cook-and-play") if kind == Enquiry.Kind.COMPLAINT else None,
        )
        stats.enquiries += 1
