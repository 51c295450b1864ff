"""The register of rights requests (R-RIGHTS-1): recording, the identity check, the clock, carrying
requests out (R-RIGHTS-5 through privacy's services), closing, and the reminders."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from familyhub.access.models import AccessLogEntry, AccessLogSubject
from familyhub.core.errors import ApplicationError, NotFound, PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.privacy import policy
from familyhub.privacy import services as privacy
from familyhub.privacy.models import ConsentMethod, ConsentState, LawfulBasis, Objection
from familyhub.privacy.testing import make_purpose
from familyhub.rights import services
from familyhub.rights.deadlines import add_months, one_month_after
from familyhub.rights.models import (
    IdentityMethod,
    Notification,
    Outcome,
    RequesterKind,
    RequestKind,
    RequestPause,
    RightsRequest,
    Status,
)
from familyhub.rights.services.requests import CANNOT_COMPLETE_WITHOUT_IDENTITY
from familyhub.rights.testing import IDENTITY, a_child, a_parent, make_request

pytestmark = pytest.mark.django_db


def _today() -> date:
    return timezone.localdate()


def _errors(excinfo) -> dict[str, list[str]]:
    return excinfo.value.errors


# --- recording ---------------------------------------------------------------------------------


def test_the_dpo_records_a_request_due_one_calendar_month_after_receipt(personas):
    person = a_parent(personas.household)
    received = _today() - timedelta(days=3)
    rr = make_request(personas.dpo, person, received_on=received, identity=False)
    assert rr.reference == f"RR-{received.year}-0001"
    assert rr.due_on == one_month_after(received)
    assert rr.status == Status.OPEN and not rr.identity_checked
    second = make_request(personas.dpo, person, received_on=received)
    assert second.reference == f"RR-{received.year}-0002"
    # History on the person's timeline, a notification for the dashboard, an access-log entry.
    assert ChangeRecord.objects.filter(object_uuid=rr.uuid, person=person).exists()
    note = Notification.objects.get(request=rr, kind=Notification.Kind.NEW)
    assert rr.reference in note.message and person.family_name not in note.message
    assert AccessLogSubject.objects.filter(
        person_key=person.log_key, entry__object_type="rights request"
    ).exists()


def test_a_request_may_be_recorded_before_the_person_is_found(personas):
    rr = services.request_record(
        actor=personas.dpo,
        kind=RequestKind.ERASURE,
        received_on=_today(),
        received_via="letter",
        description="Delete everything about me",
    )
    assert rr.person is None
    person = a_parent(personas.household)
    services.request_link_person(actor=personas.dpo, request=rr, person=person)
    rr.refresh_from_db()
    assert rr.person == person
    # The history written before the person was known joins theirs.
    assert not ChangeRecord.objects.filter(object_uuid=rr.uuid, person__isnull=True).exists()


@pytest.mark.parametrize(
    "change,field,words",
    [
        ({"kind": "gossip"}, "kind", "Choose what they asked for"),
        ({"received_via": "pigeon"}, "received_via", "Choose how the request arrived"),
        ({"received_on": None}, "received_on", "Enter the date"),
        ({"received_on": date.today() + timedelta(days=2)}, "received_on", "future"),
        ({"description": "  "}, "description", "Write down what they asked for"),
        ({"requester_kind": "parent"}, "requester_name", "parent or carer"),
        ({"requester_kind": "representative"}, "requester_name", "acting for them"),
        (
            {"requester_kind": "representative", "requester_name": "Ann Lee"},
            "requester_relationship",
            "how they are connected",
        ),
    ],
)
def test_bad_input_is_refused_at_its_field(personas, change, field, words):
    data = {
        "actor": personas.dpo,
        "kind": RequestKind.ACCESS,
        "received_on": _today(),
        "received_via": "email",
        "description": "Everything please",
        **change,
    }
    with pytest.raises(ValidationFailed) as excinfo:
        services.request_record(**data)
    assert any(words in m for m in _errors(excinfo)[field]), _errors(excinfo)
    assert not RightsRequest.objects.exists()


def test_a_parent_asks_for_their_child_only_with_parental_responsibility(personas):
    household = personas.household
    mother, child = a_parent(household), a_child(household)
    rr = make_request(
        personas.dpo,
        child,
        requester_kind=RequesterKind.PARENT,
        requester_person=mother,
        requester_relationship="mother",
    )
    assert rr.requester_person == mother
    # A parent cannot ask for an adult, and someone without parental responsibility cannot ask.
    with pytest.raises(ValidationFailed) as excinfo:
        make_request(
            personas.dpo,
            mother,
            requester_kind=RequesterKind.PARENT,
            requester_name="Someone",
        )
    assert "18 or over" in _errors(excinfo)["requester_kind"][0]
    other = a_parent(personas.partner_household)
    with pytest.raises(ValidationFailed) as excinfo:
        make_request(
            personas.dpo, child, requester_kind=RequesterKind.PARENT, requester_person=other
        )
    assert "does not have parental responsibility" in _errors(excinfo)["requester_person"][0]


def test_a_parent_or_representative_must_show_their_authority(personas):
    child = a_child(personas.household)
    with pytest.raises(ValidationFailed) as excinfo:
        services.request_record(
            actor=personas.dpo,
            kind=RequestKind.ACCESS,
            person=child,
            received_on=_today(),
            received_via="email",
            description="Her records",
            requester_kind=RequesterKind.REPRESENTATIVE,
            requester_name="Ann Lee",
            requester_relationship="solicitor",
            identity=IDENTITY,  # no authority_evidence
        )
    assert "may act for the person" in _errors(excinfo)["authority_evidence"][0]


def test_front_line_staff_record_a_request_about_a_family_in_their_scope(personas):
    person = a_parent(personas.household)
    rr = services.request_record(
        actor=personas.practitioner,
        kind=RequestKind.ACCESS,
        person=person,
        received_on=_today(),
        received_via="in_person",
        description="Asked at the group for a copy of her records",
        identity=IDENTITY,
    )
    assert rr.received_by == personas.practitioner and rr.identity_checked
    assert rr.identity_checked_by == personas.practitioner
    # Not about a family they do not work with (404 alike) ...
    with pytest.raises(NotFound):
        services.request_record(
            actor=personas.practitioner,
            kind=RequestKind.ACCESS,
            person=a_parent(personas.partner_household),
            received_on=_today(),
            received_via="in_person",
            description="x",
        )
    # ... not without saying whom it is about, and not at all for roles that are not front-line.
    with pytest.raises(ValidationFailed):
        services.request_record(
            actor=personas.group_worker,
            kind=RequestKind.ACCESS,
            received_on=_today(),
            received_via="in_person",
            description="x",
        )
    for who in (personas.analyst, personas.admin):
        with pytest.raises(PermissionRefused):
            services.request_record(
                actor=who,
                kind=RequestKind.ACCESS,
                person=person,
                received_on=_today(),
                received_via="in_person",
                description="x",
            )


@pytest.mark.parametrize(
    "service,kwargs",
    [
        (services.identity_check_record, {"check": IDENTITY}),
        (services.pause_start, {"reason": "clarification", "note": "which records?"}),
        (services.extension_grant, {"months": 1, "grounds": "complex", "reason": "many files"}),
        (services.request_close, {"outcome": "withdrawn", "outcome_note": "withdrawn"}),
        (services.pack_generate, {}),
    ],
)
def test_only_the_dpo_handles_a_request(personas, service, kwargs):
    rr = make_request(personas.dpo, a_parent(personas.household), identity=False)
    for who in (personas.practitioner, personas.team_manager, personas.analyst, personas.admin):
        with pytest.raises(PermissionRefused):
            service(actor=who, request=rr, **kwargs)


# --- identity and completion ---------------------------------------------------------------------


def test_a_request_without_a_completed_identity_check_cannot_be_completed(personas):
    rr = make_request(
        personas.dpo, a_parent(personas.household), kind=RequestKind.RECTIFICATION, identity=False
    )
    with pytest.raises(ValidationFailed) as excinfo:
        services.request_close(
            actor=personas.dpo,
            request=rr,
            outcome=Outcome.COMPLETED,
            outcome_note="Phone number corrected",
        )
    assert _errors(excinfo)["outcome"] == [CANNOT_COMPLETE_WITHOUT_IDENTITY]
    rr.refresh_from_db()
    assert rr.status == Status.OPEN
    # Refused because identity could not be confirmed: allowed, with the reasons.
    services.request_close(
        actor=personas.dpo,
        request=rr,
        outcome=Outcome.REFUSED,
        outcome_note="Told them we could not confirm who they are",
        refusal_reasons="Identity not confirmed (UK GDPR Article 12(6))",
    )
    assert rr.status == Status.CLOSED and rr.outcome == Outcome.REFUSED


def test_identity_check_then_completion(personas):
    rr = make_request(
        personas.dpo, a_parent(personas.household), kind=RequestKind.RECTIFICATION, identity=False
    )
    with pytest.raises(ValidationFailed) as excinfo:
        services.identity_check_record(
            actor=personas.dpo, request=rr, check=services.IdentityCheck("", "")
        )
    assert set(_errors(excinfo)) == {"identity_method", "identity_evidence"}
    services.identity_check_record(
        actor=personas.dpo,
        request=rr,
        check=services.IdentityCheck(IdentityMethod.KNOWN_IN_PERSON, "Known to her family worker"),
    )
    assert rr.identity_checked and rr.identity_checked_by == personas.dpo
    with pytest.raises(ValidationFailed) as excinfo:
        services.request_close(
            actor=personas.dpo, request=rr, outcome=Outcome.COMPLETED, outcome_note=""
        )
    assert "Say what was done" in _errors(excinfo)["outcome_note"][0]
    services.request_close(
        actor=personas.dpo,
        request=rr,
        outcome=Outcome.COMPLETED,
        outcome_note="Her phone number was corrected by her family worker",
    )
    assert rr.status == Status.CLOSED and rr.closed_by == personas.dpo
    with pytest.raises(ValidationFailed, match="closed"):
        services.request_close(
            actor=personas.dpo, request=rr, outcome=Outcome.WITHDRAWN, outcome_note="x"
        )


def test_a_partial_refusal_needs_its_reasons(personas):
    rr = make_request(personas.dpo, a_parent(personas.household), kind=RequestKind.RECTIFICATION)
    with pytest.raises(ValidationFailed) as excinfo:
        services.request_close(
            actor=personas.dpo,
            request=rr,
            outcome=Outcome.PARTLY_REFUSED,
            outcome_note="Corrected the phone number, not the visit notes",
        )
    assert "reasons for refusing" in _errors(excinfo)["refusal_reasons"][0]


def test_an_access_request_is_complete_only_once_its_pack_is_released(personas):
    rr = make_request(personas.dpo, a_parent(personas.household))
    with pytest.raises(ValidationFailed) as excinfo:
        services.request_close(
            actor=personas.dpo, request=rr, outcome=Outcome.COMPLETED, outcome_note="sent"
        )
    assert "Release the subject access pack first" in _errors(excinfo)["outcome"][0]


# --- the clock -----------------------------------------------------------------------------------


def test_waiting_for_identity_restarts_the_month_when_it_is_checked(personas):
    received = _today() - timedelta(days=10)
    rr = make_request(
        personas.dpo, a_parent(personas.household), received_on=received, identity=False
    )
    services.pause_start(
        actor=personas.dpo,
        request=rr,
        reason=RequestPause.Reason.IDENTITY,
        note="Asked for a copy of a passport or driving licence",
        started_on=received,
    )
    rr.refresh_from_db()
    assert rr.status == Status.WAITING
    assert ChangeRecord.objects.filter(
        object_uuid=rr.uuid, reason__contains="passport"
    ).exists()  # what was asked for is on the history
    services.identity_check_record(actor=personas.dpo, request=rr, check=IDENTITY)
    rr.refresh_from_db()
    assert rr.status == Status.OPEN
    assert rr.due_on == one_month_after(_today())  # from the day the proof arrived
    assert rr.pauses.get().ended_on == _today()


def test_clarification_adds_the_paused_days(personas):
    received = _today() - timedelta(days=12)
    rr = make_request(personas.dpo, a_parent(personas.household), received_on=received)
    services.pause_start(
        actor=personas.dpo,
        request=rr,
        reason=RequestPause.Reason.CLARIFICATION,
        note="Which years of records?",
        started_on=received + timedelta(days=2),
    )
    with pytest.raises(ValidationFailed, match="already stopped"):
        services.pause_start(actor=personas.dpo, request=rr, reason="clarification", note="again")
    services.pause_end(actor=personas.dpo, request=rr, ended_on=received + timedelta(days=9))
    rr.refresh_from_db()
    assert rr.due_on == one_month_after(received) + timedelta(days=7)
    assert rr.status == Status.OPEN
    with pytest.raises(ValidationFailed, match="not stopped"):
        services.pause_end(actor=personas.dpo, request=rr)


def test_bad_pauses_are_refused(personas):
    received = _today() - timedelta(days=40)
    rr = make_request(personas.dpo, a_parent(personas.household), received_on=received)
    with pytest.raises(ValidationFailed) as excinfo:
        services.pause_start(actor=personas.dpo, request=rr, reason="identity", note="")
    errors = _errors(excinfo)
    assert "already checked" in errors["reason"][0] and "what you asked" in errors["note"][0]
    with pytest.raises(ValidationFailed) as excinfo:
        services.pause_start(
            actor=personas.dpo, request=rr, reason="clarification", note="which?"
        )  # today: the request is already overdue
    assert "already overdue" in _errors(excinfo)["started_on"][0]
    with pytest.raises(ValidationFailed) as excinfo:
        services.pause_start(
            actor=personas.dpo,
            request=rr,
            reason="clarification",
            note="which?",
            started_on=received - timedelta(days=1),
        )
    assert "before the request was received" in _errors(excinfo)["started_on"][0]


def test_an_extension_needs_a_reason_and_is_at_most_two_months(personas):
    received = _today() - timedelta(days=5)
    rr = make_request(personas.dpo, a_parent(personas.household), received_on=received)
    with pytest.raises(ValidationFailed) as excinfo:
        services.extension_grant(
            actor=personas.dpo, request=rr, months=1, grounds="complex", reason=" "
        )
    assert "An extension needs a reason" in _errors(excinfo)["reason"][0]
    with pytest.raises(ValidationFailed) as excinfo:
        services.extension_grant(
            actor=personas.dpo, request=rr, months=3, grounds="complex", reason="a lot"
        )
    assert "at most two further months" in _errors(excinfo)["months"][0]
    rr.refresh_from_db()
    assert rr.extension_months == 0
    services.extension_grant(
        actor=personas.dpo, request=rr, months=1, grounds="complex", reason="Ten years of records"
    )
    assert rr.due_on == add_months(received, 2)
    services.extension_grant(
        actor=personas.dpo, request=rr, months=2, grounds="numerous", reason="Three requests"
    )
    assert rr.due_on == add_months(received, 3)
    with pytest.raises(ValidationFailed, match="already extended by 2"):
        services.extension_grant(
            actor=personas.dpo, request=rr, months=2, grounds="complex", reason="more"
        )


def test_an_extension_must_be_made_within_the_first_month(personas):
    received = _today() - timedelta(days=40)
    rr = make_request(personas.dpo, a_parent(personas.household), received_on=received)
    with pytest.raises(ValidationFailed) as excinfo:
        services.extension_grant(
            actor=personas.dpo, request=rr, months=2, grounds="complex", reason="a lot"
        )
    assert "Too late to extend" in _errors(excinfo)["months"][0]


# --- reminders -------------------------------------------------------------------------------------


def test_reminders_list_requests_due_soon_and_overdue_once(personas):
    person = a_parent(personas.household)
    today = _today()
    soon = make_request(personas.dpo, person, received_on=today - timedelta(days=27))
    late = make_request(personas.dpo, person, received_on=today - timedelta(days=45))
    make_request(personas.dpo, person, received_on=today)  # due in a month: not yet
    waiting = make_request(
        personas.dpo, person, received_on=today - timedelta(days=29), identity=False
    )
    services.pause_start(
        actor=personas.dpo, request=waiting, reason="identity", note="passport"
    )  # clock stopped: not reminded
    out = StringIO()
    call_command("rights_reminders", "--within", "7", stdout=out)
    text = out.getvalue()
    assert soon.reference in text and late.reference in text
    assert waiting.reference not in text
    assert "Overdue by" in text and "2 requests due within 7 days or overdue (1 overdue)" in text
    assert Notification.objects.filter(request=soon, kind=Notification.Kind.DUE_SOON).count() == 1
    assert Notification.objects.filter(request=late, kind=Notification.Kind.OVERDUE).count() == 1
    # Idempotent: a second run writes nothing new.
    out = StringIO()
    call_command("rights_reminders", stdout=out)
    assert "(already notified)" in out.getvalue() and "0 new notifications" in out.getvalue()
    assert Notification.objects.exclude(kind=Notification.Kind.NEW).count() == 2
    with pytest.raises(CommandError) as excinfo:
        call_command("rights_reminders", "--fail-if-overdue", stdout=StringIO())
    assert excinfo.value.returncode == 1


def test_the_reminder_task_runs_the_same_work(personas):
    from familyhub.rights.tasks import send_reminders

    rr = make_request(
        personas.dpo, a_parent(personas.household), received_on=_today() - timedelta(days=30)
    )
    result = send_reminders.enqueue(within_days=3)  # the test settings run tasks at once
    assert any(rr.reference in line for line in result.return_value)
    assert Notification.objects.filter(request=rr, kind=Notification.Kind.DUE_SOON).exists()
    out = StringIO()
    call_command("rights_reminders", "--enqueue", stdout=out)
    assert "queued" in out.getvalue()


# --- carrying requests out ---------------------------------------------------------------------------


def test_a_restriction_request_restricts_through_privacy_and_the_policy_sees_it(personas):
    person = a_parent(personas.household)
    purpose = make_purpose("service-planning", basis=LawfulBasis.PUBLIC_TASK)
    rr = make_request(personas.dpo, person, kind=RequestKind.RESTRICTION, identity=False)
    with pytest.raises(ValidationFailed, match="identity has not been checked"):
        services.request_restrict(actor=personas.dpo, request=rr, reason="accuracy contested")
    services.identity_check_record(actor=personas.dpo, request=rr, check=IDENTITY)
    assert policy.decide(person, purpose).allowed
    services.request_restrict(actor=personas.dpo, request=rr, reason="Accuracy contested")
    assert rr.restriction.request_reference == rr.reference
    assert policy.decide(person, purpose).code == policy.RESTRICTED
    services.request_close(
        actor=personas.dpo, request=rr, outcome=Outcome.COMPLETED, outcome_note="Restricted"
    )
    with pytest.raises(ValidationFailed, match="closed"):
        services.request_restrict(actor=personas.dpo, request=rr, reason="again")


def test_an_objection_request_records_and_decides_through_privacy(personas):
    person = a_parent(personas.household)
    planning = make_purpose("service-planning", basis=LawfulBasis.PUBLIC_TASK)
    photos = make_purpose("photos-video", basis=LawfulBasis.CONSENT)
    rr = make_request(personas.dpo, person, kind=RequestKind.OBJECTION)
    with pytest.raises(ValidationFailed, match="relies on consent"):
        services.request_record_objection(actor=personas.dpo, request=rr, purpose=photos)
    services.request_record_objection(actor=personas.dpo, request=rr, purpose=planning)
    assert rr.objection.decision == Objection.Decision.PENDING
    assert policy.decide(person, planning).code == policy.OBJECTED
    with pytest.raises(ValidationFailed) as excinfo:
        services.request_close(
            actor=personas.dpo, request=rr, outcome=Outcome.COMPLETED, outcome_note="x"
        )
    assert "decide the objection" in _errors(excinfo)["outcome"][0]
    services.request_decide_objection(actor=personas.dpo, request=rr, decision="upheld")
    rr.objection.refresh_from_db()
    assert rr.objection.decision == Objection.Decision.UPHELD
    services.request_close(
        actor=personas.dpo, request=rr, outcome=Outcome.COMPLETED, outcome_note="Upheld"
    )


def test_a_withdrawal_request_withdraws_the_consent_at_once(personas):
    person = a_parent(personas.household)
    purpose = make_purpose("receiving-information")
    consent = privacy.consent_record(
        actor=personas.practitioner,
        person=person,
        purpose=purpose,
        state=ConsentState.GIVEN,
        method=ConsentMethod.PAPER,
        decided_on=_today() - timedelta(days=30),
    )
    assert policy.decide(person, purpose).allowed
    rr = make_request(personas.dpo, person, kind=RequestKind.WITHDRAW_CONSENT, purpose=purpose)
    services.request_withdraw_consent(actor=personas.dpo, request=rr)
    consent.refresh_from_db()
    assert consent.state == ConsentState.WITHDRAWN and consent.withdrawn_on == _today()
    assert policy.decide(person, purpose).code == policy.CONSENT_WITHDRAWN
    assert ChangeRecord.objects.filter(
        object_uuid=consent.uuid, field="state", person=person, reason__contains=rr.reference
    ).exists()
    with pytest.raises(ValidationFailed, match="no consent to withdraw"):
        services.request_withdraw_consent(actor=personas.dpo, request=rr)
    services.request_close(
        actor=personas.dpo, request=rr, outcome=Outcome.COMPLETED, outcome_note="Withdrawn"
    )


def test_an_erasure_request_calls_the_erasure_service_and_keeps_none_of_the_data(personas):
    if not services.erasure_available():
        pytest.skip("the retention app's erasure service is not installed")
    person = a_parent(personas.partner_household)
    family_name = person.family_name
    rr = make_request(
        personas.dpo,
        person,
        kind=RequestKind.ERASURE,
        description=f"Please erase everything about me, {person.display_name}",
        reply_to="1 Test Street",
    )
    services.request_erase(actor=personas.dpo, request=rr)
    rr.refresh_from_db()
    assert rr.person is None and rr.erased_at is not None
    assert family_name not in rr.description and rr.reply_to == ""
    services.request_close(
        actor=personas.dpo,
        request=rr,
        outcome=Outcome.COMPLETED,
        outcome_note="Erased; the requester was told by letter",
    )
    assert AccessLogEntry.objects.exists()


def test_carrying_out_is_refused_for_the_wrong_kind(personas):
    rr = make_request(personas.dpo, a_parent(personas.household), kind=RequestKind.ACCESS)
    with pytest.raises(ValidationFailed, match="request about access"):
        services.request_restrict(actor=personas.dpo, request=rr, reason="x")
    with pytest.raises(ApplicationError):
        services.request_erase(actor=personas.dpo, request=rr)


# --- demo data ---------------------------------------------------------------------------------------


def test_the_demo_requests_show_every_state_of_the_dashboard(personas):
    from familyhub.core.demo.rights import load_rights_demo
    from familyhub.core.testing import make_household

    for _ in range(3):
        make_household(organisation=personas.lead, ward=personas.ward)
    assert load_rights_demo(seed=1).startswith("Made 7 rights requests")
    statuses = set(RightsRequest.objects.values_list("status", flat=True))
    assert statuses == {Status.OPEN, Status.WAITING, Status.CLOSED}
    today = _today()
    assert RightsRequest.objects.filter(status=Status.OPEN, due_on__lt=today).exists()  # overdue
    assert RightsRequest.objects.filter(extension_months=1).exists()
    assert RightsRequest.objects.filter(person__isnull=True).exists()
    # A correction being checked: the person's challenge, with their statement (ADR 0027).
    from familyhub.rights.models import AccuracyChallenge

    disputed = AccuracyChallenge.objects.get()
    assert disputed.request.kind == RequestKind.RECTIFICATION and disputed.is_open
    assert load_rights_demo(seed=1) == "Rights requests: already made, none added."


def test_the_exercise_helper_puts_the_person_in_every_rights_table(personas):
    from familyhub.rights.models import (
        AccessPack,
        DisclosurePerson,
        DisclosureRecord,
        PackDecision,
    )
    from familyhub.rights.testing import exercise_rights

    person = a_parent(personas.household)
    made = exercise_rights(personas.dpo, person, marker="ZZMARKER")
    assert made["pack"].state == AccessPack.objects.get().state == "released"
    assert PackDecision.objects.filter(person=person).exists()
    assert DisclosureRecord.objects.filter(person=person).count() == 2
    assert DisclosurePerson.objects.filter(person=person).count() == 2
    assert RequestPause.objects.filter(request=made["access"]).exists()
    assert ChangeRecord.objects.filter(person=person, reason__contains="ZZMARKER").exists()


def _disclosed_to(person, recipient: str) -> None:
    """The person's data went to another organisation (an identifiable extract, say)."""
    from familyhub.rights.models import DisclosurePerson, DisclosureRecord

    record = DisclosureRecord.objects.create(
        kind=DisclosureRecord.Kind.EXTRACT_IDENTIFIABLE,
        disclosed_at=timezone.now(),
        recipient=recipient,
        recipient_kind=DisclosureRecord.RecipientKind.ORGANISATION,
        what="Imagination Library registration list",
        legal_basis="Consent, agreement DSA-TEST",
        sha256="0" * 64,
    )
    DisclosurePerson.objects.create(disclosure=record, person=person)


def test_article_19_the_recipients_are_told_before_a_restriction_is_completed(personas, client_for):
    """R-RIGHTS-1, Article 19: a rectification, erasure or restriction is told to each
    organisation the person's data was disclosed to; the request cannot be completed until the
    DPO records when and how."""
    from familyhub.rights import selectors

    person = a_parent(personas.household)
    _disclosed_to(person, "The Dollywood Foundation")
    rr = make_request(personas.dpo, person, kind=RequestKind.RESTRICTION)
    assert [d.recipient for d in selectors.recipients_to_tell(rr)] == ["The Dollywood Foundation"]
    services.request_restrict(actor=personas.dpo, request=rr, reason="Accuracy contested")
    with pytest.raises(ValidationFailed, match="Article 19"):
        services.request_close(
            actor=personas.dpo, request=rr, outcome=Outcome.COMPLETED, outcome_note="Restricted"
        )
    client = client_for(personas.dpo)
    page = client.get(reverse("rights:request_detail", args=[rr.uuid]))
    assert b"The Dollywood Foundation" in page.content and b"Article 19" in page.content
    told = reverse("rights:request_recipients_told", args=[rr.uuid])
    bad = client.post(told, {"told_on": "", "note": ""})
    assert bad.status_code == 200 and {"told_on", "note"} <= set(bad.context["form"].errors)
    assert (
        client.post(
            told, {"told_on": timezone.localdate().strftime("%d/%m/%Y"), "note": "By email"}
        ).status_code
        == 302
    )
    rr.refresh_from_db()
    assert rr.recipients_told_on == timezone.localdate() and rr.recipients_told == "By email"
    services.request_close(
        actor=personas.dpo, request=rr, outcome=Outcome.COMPLETED, outcome_note="Restricted"
    )


def test_article_19_needs_nothing_when_nothing_was_disclosed_or_for_other_rights(personas):
    from familyhub.rights import selectors

    person = a_parent(personas.household)
    rr = make_request(personas.dpo, person, kind=RequestKind.RESTRICTION)
    assert selectors.recipients_to_tell(rr) == []
    _disclosed_to(person, "The evaluation team")
    access_request = make_request(personas.dpo, person, kind=RequestKind.ACCESS)
    assert selectors.recipients_to_tell(access_request) == []  # not a change to tell
    with pytest.raises(ValidationFailed, match="Only a rectification"):
        services.recipients_told_record(
            actor=personas.dpo, request=access_request, told_on=timezone.localdate(), note="x"
        )


def test_article_19_the_organisations_told_stay_on_the_request_after_erasure(personas, client_for):
    """R-RIGHTS-1, Article 19: after an erasure the person's disclosures can no longer be found,
    but the names of the organisations recorded as told stay on the request as evidence; the
    free-text note about it goes with the person's details."""
    if not services.erasure_available():
        pytest.skip("the retention app's erasure service is not installed")
    person = a_parent(personas.partner_household)
    name = f"{person.given_name} {person.family_name}"  # a full name: what erasure sweeps
    _disclosed_to(person, "The Dollywood Foundation")
    rr = make_request(personas.dpo, person, kind=RequestKind.ERASURE)
    services.recipients_told_record(
        actor=personas.dpo,
        request=rr,
        told_on=timezone.localdate(),
        note=f"Emailed them about {name}",
    )
    services.request_erase(actor=personas.dpo, request=rr)
    rr.refresh_from_db()
    assert rr.person is None and name not in rr.recipients_told
    assert rr.recipients_told_to == ["The Dollywood Foundation"]
    page = client_for(personas.dpo).get(reverse("rights:request_detail", args=[rr.uuid]))
    assert b"The Dollywood Foundation" in page.content
    services.request_close(
        actor=personas.dpo, request=rr, outcome=Outcome.COMPLETED, outcome_note="Erased"
    )
