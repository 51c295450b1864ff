"""The other apps' features, used on the person whose erasure `test_erasure_completeness` proves.

Every app that stores data about a person or a family adds its feature here, through its own
services, so that the person's data is in every table before the erasure. Free text carries the
marker "zqxw" (the person's) so that the dump finds anything left behind.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.utils import timezone


def exercise_other_features(
    world: Any, *, household: Any, person: Any, child: Any, partner: Any
) -> None:
    """Engagement, casework, access and rights records about `person` (and their family)."""
    _engagement(world, household=household, person=person, child=child)
    _casework(world, household=household, person=person, child=child)
    _break_glass(world, household=household)
    _rights(world, person=person, child=child)
    _accuracy(world, household=household, person=person, partner=partner)
    _linkage(world, household=household, person=person)
    _imports(world, household=household, person=person)


def _imports(world: Any, *, household: Any, person: Any) -> None:
    """The person and family came from a partner's file (R-IMPORT-1): the record-id mapping."""
    from familyhub.imports.models import ImportedRecord

    ImportedRecord.objects.create(
        organisation=world.lead,
        kind="person",
        external_id="TOYLIB-000417",
        object_uuid=person.uuid,
        person=person,
        household=household,
    )


def _engagement(world: Any, *, household: Any, person: Any, child: Any) -> None:
    from familyhub.engagement import services as engagement
    from familyhub.engagement.models import WalkIn
    from familyhub.engagement.testing import a_service, a_session

    worker = world.practitioner
    session = a_session(organisation=world.lead, workers=[worker, world.group_worker])
    now = timezone.now()
    # A tick on the register (attendance) for the person, and a walk-in added at the door.
    engagement.register_apply(
        actor=worker,
        session=session,
        entries=[
            engagement.Tick(id=uuid.uuid4(), person=str(person.uuid), present=True, at=now),
            engagement.WalkInEntry(
                id=uuid.uuid4(),
                given_name="Walter",
                family_name="Walkin",
                adult=False,
                date_of_birth=timezone.localdate() - timedelta(days=500),
                unborn=False,
                expected_date_of_delivery=None,
                postcode="NG6 8AB",
                at=now,
            ),
        ],
    )
    # The walk-in belongs to the person's family in this test (the person is its parent).
    WalkIn.objects.filter(session=session).update(person=person, household=household)
    service = a_service("cook-and-play")
    enrolment = engagement.enrolment_create(
        actor=world.team_manager,
        household=household,
        person=person,
        service=service,
        override_reason="Zqxw needs it whatever the rules say",
    )
    engagement.enrolment_end(actor=worker, enrolment=enrolment, reason="Zqxw moved on")
    engagement.enrolment_create(
        actor=world.team_manager,
        household=household,
        person=child,
        service=service,
        override_reason="Sibling of Zqxwanda Zqxwellington's group",
    )


def _casework(world: Any, *, household: Any, person: Any, child: Any) -> None:
    from familyhub.casework.models import Contact, OutcomeRecord, Referral
    from familyhub.casework.services import (
        contacts,
        enquiries,
        feedback,
        outcomes,
        referrals,
    )
    from familyhub.engagement.testing import a_service

    worker = world.practitioner
    at = timezone.now() - timedelta(hours=2)
    contacts.contact_record(
        actor=worker,
        household=household,
        person=person,
        kind=Contact.Kind.HOME_VISIT,
        occurred_at=at,
        duration_minutes=45,
        notes="Zqxw visit notes",
        follow_ups=[
            contacts.FollowUpSpec("Zqxw follow-up", timezone.localdate() + timedelta(days=7))
        ],
    )
    contacts.contact_record(
        actor=worker,
        household=household,
        kind=Contact.Kind.PHONE,
        occurred_at=at,
        duration_minutes=45,
        notes="Spoke to Paul; Zqxwanda Zqxwellington was out",
    )
    service = a_service("cook-and-play")
    from familyhub.casework.services import caseloads

    current = household.allocations.filter(ended_on__isnull=True).first()
    caseloads.allocation_open(
        actor=worker,
        household=household,
        worker=worker,
        reason="Hqkv family; Zqxwanda Zqxwellington asked for a mentor",
        replaces=current,
    )
    referrals.referral_make(
        actor=worker,
        household=household,
        service=service,
        to_organisation=service.provider,
        person=person,
        reason="Zqxw needs support",
        agreed_by=person,
        agreed_on=timezone.localdate(),
        agreement_method=Referral.Agreement.IN_PERSON,
    )
    other = a_service("fred")
    referrals.referral_make(
        actor=worker,
        household=household,
        service=other,
        to_organisation=other.provider,
        person=child,
        reason="For the child of Zqxwanda Zqxwellington",
        agreed_by=person,
        agreed_on=timezone.localdate(),
        agreement_method=Referral.Agreement.IN_PERSON,
    )
    from familyhub.casework.models import Outcome
    from familyhub.casework.reference import ensure_outcome_frameworks

    ensure_outcome_frameworks()
    outcome = Outcome.objects.filter(active=True).select_related("framework").first()
    outcomes.outcome_record_add(
        actor=worker,
        household=household,
        outcome=outcome,
        kind=OutcomeRecord.Kind.GOAL,
        description="Zqxw wants to return to work",
        person=person,
    )
    outcomes.outcome_review_record(
        actor=worker,
        household=household,
        reviewed_on=timezone.localdate(),
        scores={outcome: outcome.framework.scale_max},
        with_family="Zqxwanda Zqxwellington and Paul",
        notes="Hqkv review notes",
    )
    form = feedback.feedback_form_create(actor=world.team_manager, service=service, name="Feedback")
    feedback.feedback_question_add(
        actor=world.team_manager, form=form, text="Anything else?", kind="text", required=False
    )
    feedback.feedback_link_create(actor=worker, form=form, person=person)
    question = form.questions.first()
    feedback.feedback_record_with_staff(
        actor=worker,
        form=form,
        raw_answers={f"q_{question.pk}": "Zqxw feedback"},
        person=person,
    )
    enquiries.enquiry_record(
        actor=worker,
        kind="complaint",
        received_on=timezone.localdate(),
        channel="phone",
        from_name="Zqxwanda Zqxwellington",
        from_contact="zqxw.mail@example.org",
        about="Hqkv complaint",
        details="Hqkv details, raised by Zqxwanda Zqxwellington",
        household=household,
    )


def _break_glass(world: Any, *, household: Any) -> None:
    from familyhub.access import services as access_services

    access_services.break_glass_request(
        actor=world.other_org_staff,
        reference=str(household.uuid),
        reason="safeguarding",
        explanation="Hqkv concern: Zqxwanda Zqxwellington asked for help",
    )


def _rights(world: Any, *, person: Any, child: Any) -> None:
    from familyhub.rights.models import IdentityMethod, ReceivedVia, RequesterKind, RequestKind
    from familyhub.rights.services import packs
    from familyhub.rights.services import requests as rights

    dpo = world.dpo
    identity = rights.IdentityCheck(
        method=IdentityMethod.DOCUMENTS, evidence="Zqxw passport seen", authority_evidence=""
    )
    access_request = rights.request_record(
        actor=dpo,
        kind=RequestKind.ACCESS,
        received_on=timezone.localdate(),
        received_via=ReceivedVia.EMAIL,
        description="Zqxw asks for everything held",
        person=person,
        requester_name="Zqxwanda Zqxwellington",
        reply_to="zqxw.mail@example.org",
        identity=identity,
    )
    pack = packs.pack_generate(actor=dpo, request=access_request)
    # Every flagged item decided (release), one with a reason naming the person.
    flagged = [item["item"] for item in pack.review_items]
    assert flagged, "the family's pack flags the partner's and the child's data for review"
    packs.pack_decide(
        actor=dpo,
        pack=pack,
        decisions={
            item: ("release", "Zqxw agreed" if i == 0 else "agreed")
            for i, item in enumerate(flagged)
        },
    )
    packs.pack_release(
        actor=dpo,
        pack=pack,
        recipient="Zqxwanda Zqxwellington",
        recipient_kind="data_subject",
        channel="email to zqxw.mail@example.org",
    )
    rights.request_close(
        actor=dpo,
        request=access_request,
        outcome="completed",
        outcome_note="Pack sent to Zqxwanda Zqxwellington by email",
    )
    # A parent's request for their child: the person is the requester. (Withdrawn: an open
    # request holds the child's records, as any open request does.)
    child_request = rights.request_record(
        actor=dpo,
        kind=RequestKind.ACCESS,
        received_on=timezone.localdate(),
        received_via=ReceivedVia.LETTER,
        description="Access to my child's records",
        requester_kind=RequesterKind.PARENT,
        person=child,
        requester_person=person,
        requester_name="Zqxwanda Zqxwellington",
        requester_relationship="mother",
        reply_to="1 Hqkv Street",
        identity=rights.IdentityCheck(
            method=IdentityMethod.DOCUMENTS,
            evidence="Zqxw passport",
            authority_evidence="Zqxw birth certificate",
        ),
    )
    rights.request_close(
        actor=dpo,
        request=child_request,
        outcome="withdrawn",
        outcome_note="Zqxwanda Zqxwellington withdrew it",
    )


def _accuracy(world: Any, *, household: Any, person: Any, partner: Any) -> None:
    """Challenges to the accuracy of the record (ADR 0027): the person disputes their date of birth
    with a rectification request (not corrected, the request refused) and their visit's note; their
    partner disputes the family's phone call, naming them (swept when the person is erased)."""
    from familyhub.casework.models import Contact
    from familyhub.rights import services as rights
    from familyhub.rights.models import AccuracyChallenge, IdentityMethod, ReceivedVia, RequestKind

    dpo, today = world.dpo, timezone.localdate()
    full_name = f"{person.given_name} {person.family_name}"
    request = rights.request_record(
        actor=dpo,
        kind=RequestKind.RECTIFICATION,
        received_on=today,
        received_via=ReceivedVia.EMAIL,
        description="Zqxw says the date of birth is wrong",
        person=person,
        identity=rights.IdentityCheck(method=IdentityMethod.DOCUMENTS, evidence="Zqxw passport"),
    )
    challenge = rights.challenge_record(
        actor=dpo,
        person=person,
        target=AccuracyChallenge.Target.FIELD,
        field_name="date_of_birth",
        statement="Zqxw: I was born in 1962",
        received_on=today,
        request=request,
    )
    rights.challenge_decide(
        actor=dpo,
        challenge=challenge,
        outcome=AccuracyChallenge.Outcome.NOT_CORRECTED,
        reason="Zqxw birth certificate says 1961",
    )
    rights.request_close(
        actor=dpo,
        request=request,
        outcome="refused",
        outcome_note=f"Told {full_name} why; the statement is noted",
        refusal_reasons=f"The record of {full_name} matches the birth certificate",
    )
    visit = Contact.objects.filter(household=household, person=person).order_by("id").first()
    rights.challenge_record(
        actor=world.practitioner,
        person=person,
        target=AccuracyChallenge.Target.CONTACT,
        contact=visit,
        statement="Zqxw never said that at the visit",
        received_on=today,
    )
    call = Contact.objects.filter(household=household, person__isnull=True).order_by("id").first()
    rights.challenge_record(
        actor=world.practitioner,
        person=partner,
        target=AccuracyChallenge.Target.CONTACT,
        contact=call,
        statement=f"{full_name} was in, not out",
        received_on=today,
    )


def _linkage(world: Any, *, household: Any, person: Any) -> None:
    """Duplicate review (R-LINK-1): a suggested pair and a 'not the same' decision each way
    round, a merge kept into the person, and a merge of the person that was undone (everything
    the person has goes across and back). The other records are the person's relatives."""
    from familyhub.core.testing import PersonFactory
    from familyhub.linkage import services as linkage
    from familyhub.linkage.models import MatchCandidate, NotSamePerson
    from familyhub.people.models import Person, Relationship

    def relative() -> Any:
        other = PersonFactory(given_name="Pat", family_name="Lindqvist", nhs_number="")
        Relationship.objects.create(from_person=other, to_person=person, kind="other_relative")
        return other

    earlier = Person.objects.filter(pk__lt=person.pk).order_by("pk").first()
    assert earlier is not None, "a record older than the person (another family's)"
    first, second = relative(), relative()
    MatchCandidate.objects.create(
        person_a=person, person_b=first, match_weight=3.0, probability=0.9, explanation=[]
    )
    MatchCandidate.objects.create(
        person_a=earlier, person_b=person, match_weight=1.0, probability=0.6, explanation=[]
    )
    linkage.mark_not_same(
        actor=world.dpo,
        candidate=MatchCandidate.objects.get(person_a=person, person_b=first),
        reason="a cousin of the same name",
    )
    NotSamePerson.objects.create(person_a=earlier, person_b=person, reason="different families")
    # The person merged into a relative and back (everything of theirs moves across and back).
    undone = linkage.person_merge(actor=world.dpo, keep=second, other=person)
    linkage.person_unmerge(actor=world.dpo, merge=undone, reason="wrong way round")
    linkage.person_merge(
        actor=world.dpo, keep=Person.objects.get(pk=person.pk), other=relative(), reason="dup"
    )
