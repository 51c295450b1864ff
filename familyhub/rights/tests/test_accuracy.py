"""'The person says this is wrong' (R-RIGHTS-1; UK GDPR Articles 16 and 18(1)(a); ADR 0027).

A challenge to the accuracy of a record: recorded by front-line staff (from the person page) or by
the DPO (with a rectification request), decided corrected or not corrected, shown beside the
disputed data (person page, contacts page, outcomes page) to staff in scope only, part of the
person's subject access pack, deleted and swept by erasure, and required (or explicitly declined)
before a rectification not made can be closed.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from familyhub.access.models import AccessLogEntry
from familyhub.casework.models import Contact
from familyhub.casework.models import Outcome as OutcomeDefinition
from familyhub.casework.services import outcomes
from familyhub.core.errors import NotFound, PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.retention.decisions import ERASED_TEXT
from familyhub.retention.erasure import erase_person
from familyhub.rights import services
from familyhub.rights.models import AccuracyChallenge, Outcome, RequestKind, Status
from familyhub.rights.services import accuracy
from familyhub.rights.services.packs import render_html
from familyhub.rights.testing import a_challenge, a_child, a_parent, a_visit, make_request

pytestmark = pytest.mark.django_db
Target = AccuracyChallenge.Target
Result = AccuracyChallenge.Outcome
STATEMENT = "I never said I felt low: I said the flat was cold because the boiler broke."


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _today():
    return timezone.localdate()


def _need(worker, household, person=None):
    outcome = OutcomeDefinition.objects.filter(active=True).order_by("id").first()
    return outcomes.outcome_record_add(
        actor=worker,
        household=household,
        outcome=outcome,
        kind="need",
        description="Mum struggles to get to groups",
        person=person,
    )


# --- recording a challenge ------------------------------------------------------------------------


def test_front_line_staff_record_a_challenge_to_one_detail(personas):
    mother = a_parent(personas.household)
    before = AccessLogEntry.objects.count()
    challenge = a_challenge(personas.group_worker, mother)
    assert challenge.outcome == Result.CHECKING and challenge.stands and challenge.is_open
    assert challenge.title == "date of birth" and not challenge.special
    assert challenge.recorded_by == personas.group_worker and challenge.request is None
    # The history says what is disputed, never the statement (shown with the record instead).
    history = ChangeRecord.objects.get(model="accuracychallenge", person=mother)
    assert history.action == "create" and "date of birth" in history.new_value
    assert "March" not in history.new_value + history.object_label
    assert AccessLogEntry.objects.filter(
        id__gt=before, action="create", object_type="accuracy challenge"
    ).exists()


def test_a_challenge_can_dispute_a_visit_note_or_a_need_of_their_family(personas):
    mother, child = a_parent(personas.household), a_child(personas.household)
    visit = a_visit(personas.practitioner, personas.household, child)
    need = _need(personas.practitioner, personas.household)
    on_visit = a_challenge(
        personas.practitioner, mother, target=Target.CONTACT, contact=visit, statement=STATEMENT
    )
    assert on_visit.special  # about a case note: shown only to roles that see special category
    assert on_visit.title.startswith("the record of the home visit of ")
    on_need = a_challenge(
        personas.practitioner, mother, target=Target.OUTCOME_RECORD, outcome_record=need
    )
    assert on_need.title.startswith("the need recorded on ")
    whole = a_challenge(personas.practitioner, child, target=Target.DETAILS)
    assert whole.title == "their details"
    ethnicity = a_challenge(personas.practitioner, mother, field_name="ethnicity")
    assert ethnicity.special  # a special-category detail


@pytest.mark.parametrize(
    "fields,where",
    [
        ({"statement": "  "}, "statement"),
        ({"received_on": None}, "received_on"),
        ({"received_on": timezone.localdate() + timedelta(days=1)}, "received_on"),
        ({"field_name": "log_key"}, "target"),  # not one of their details
        ({"field_name": "no_such_field"}, "target"),
        ({"target": "everything"}, "target"),
        ({"target": Target.CONTACT, "contact": None}, "target"),
    ],
)
def test_what_is_wrong_with_a_challenge_is_said_at_its_field(personas, fields, where):
    with pytest.raises(ValidationFailed) as e:
        a_challenge(personas.practitioner, a_parent(personas.household), **fields)
    assert where in e.value.errors
    assert not AccuracyChallenge.objects.exists()


def test_a_contact_of_another_family_or_a_planned_visit_cannot_be_disputed(personas):
    mother = a_parent(personas.household)
    theirs = a_visit(personas.partner_staff, personas.partner_household)
    planned = a_visit(
        personas.practitioner,
        personas.household,
        occurred_at=timezone.now() + timedelta(days=2),
        duration_minutes=None,
        notes="",
        planned=True,
    )
    for contact in (theirs, planned):
        with pytest.raises(ValidationFailed) as e:
            a_challenge(personas.practitioner, mother, target=Target.CONTACT, contact=contact)
        assert "target" in e.value.errors


def test_only_staff_with_the_person_in_scope_record_a_challenge(personas):
    mother = a_parent(personas.household)
    with pytest.raises(NotFound):
        a_challenge(personas.partner_staff, mother)
    with pytest.raises(PermissionRefused):
        a_challenge(personas.analyst, mother)
    with pytest.raises(PermissionRefused):  # the DPO records one with a rectification request
        a_challenge(personas.dpo, mother)


def test_the_dpo_records_a_challenge_with_a_rectification_request_only(personas):
    mother, child = a_parent(personas.household), a_child(personas.household)
    rr = make_request(personas.dpo, mother, kind=RequestKind.RECTIFICATION)
    challenge = a_challenge(personas.dpo, mother, request=rr)
    assert challenge.request == rr
    assert "rights request" in ChangeRecord.objects.get(model="accuracychallenge").new_value
    with pytest.raises(ValidationFailed):  # someone else than the request's person
        a_challenge(personas.dpo, child, request=rr)
    with pytest.raises(ValidationFailed, match="request about access"):
        a_challenge(personas.dpo, mother, request=make_request(personas.dpo, mother))
    unchecked = make_request(personas.dpo, mother, kind=RequestKind.RECTIFICATION, identity=False)
    with pytest.raises(ValidationFailed, match="identity"):
        a_challenge(personas.dpo, mother, request=unchecked)
    with pytest.raises(ValidationFailed, match="before the request was received"):
        a_challenge(personas.dpo, mother, request=rr, received_on=rr.received_on - timedelta(1))


# --- its outcome ----------------------------------------------------------------------------------


def test_not_corrected_needs_the_reason_told_and_may_be_corrected_later(personas):
    mother = a_parent(personas.household)
    challenge = a_challenge(personas.practitioner, mother)
    with pytest.raises(ValidationFailed) as e:
        services.challenge_decide(
            actor=personas.practitioner, challenge=challenge, outcome="not_corrected", reason=""
        )
    assert "Information Commissioner" in e.value.errors["reason"][0]
    with pytest.raises(ValidationFailed) as e:
        services.challenge_decide(
            actor=personas.practitioner, challenge=challenge, outcome="checking", reason="x"
        )
    assert "outcome" in e.value.errors
    services.challenge_decide(
        actor=personas.team_manager,
        challenge=challenge,
        outcome=Result.NOT_CORRECTED,
        reason="Her birth certificate shows 3 May; she may complain to the ICO.",
        expected_version=challenge.version,
    )
    challenge.refresh_from_db()
    assert challenge.outcome == Result.NOT_CORRECTED and challenge.stands
    assert challenge.decided_by == personas.team_manager and challenge.decided_at
    # Later evidence: corrected after all. The first decision stays in the history.
    services.challenge_decide(
        actor=personas.practitioner,
        challenge=challenge,
        outcome=Result.CORRECTED,
        reason="New birth certificate seen: corrected to 3 March.",
    )
    challenge.refresh_from_db()
    assert challenge.outcome == Result.CORRECTED and not challenge.stands
    outcomes_seen = list(
        ChangeRecord.objects.filter(model="accuracychallenge", field="outcome")
        .order_by("id")
        .values_list("new_value", flat=True)
    )
    assert outcomes_seen == [
        "Not corrected: their statement stays with the record",
        "Corrected",
    ]
    with pytest.raises(ValidationFailed, match="new challenge"):
        services.challenge_decide(
            actor=personas.practitioner, challenge=challenge, outcome="not_corrected", reason="x"
        )
    assert AccuracyChallenge.objects.count() == 1  # nothing deleted: the challenge is history


def test_a_stale_decision_is_refused(personas):
    from familyhub.core.errors import ConcurrentEdit

    challenge = a_challenge(personas.practitioner, a_parent(personas.household))
    stale = challenge.version
    services.challenge_decide(
        actor=personas.practitioner, challenge=challenge, outcome="not_corrected", reason="Why"
    )
    again = AccuracyChallenge.objects.get()
    with pytest.raises(ConcurrentEdit):
        services.challenge_decide(
            actor=personas.team_manager,
            challenge=again,
            outcome="corrected",
            reason="Fixed",
            expected_version=stale,
        )


def test_the_reason_about_a_case_note_is_special_category_in_the_history(personas):
    mother = a_parent(personas.household)
    visit = a_visit(personas.practitioner, personas.household, mother)
    challenge = a_challenge(personas.practitioner, mother, target=Target.CONTACT, contact=visit)
    services.challenge_decide(
        actor=personas.practitioner,
        challenge=challenge,
        outcome="not_corrected",
        reason="The note records what the worker saw; your view is noted beside it.",
    )
    reason = ChangeRecord.objects.get(model="accuracychallenge", field="outcome_reason")
    assert reason.special_category
    assert not ChangeRecord.objects.get(model="accuracychallenge", field="outcome").special_category


def test_who_decides(personas):
    mother = a_parent(personas.household)
    told = a_challenge(personas.group_worker, mother)
    with pytest.raises(NotFound):
        services.challenge_decide(
            actor=personas.partner_staff, challenge=told, outcome="corrected", reason="x"
        )
    with pytest.raises(PermissionRefused):
        services.challenge_decide(
            actor=personas.dpo, challenge=told, outcome="corrected", reason="x"
        )
    rr = make_request(personas.dpo, mother, kind=RequestKind.RECTIFICATION)
    with_request = a_challenge(personas.dpo, mother, request=rr)
    with pytest.raises(PermissionRefused, match=rr.reference):
        services.challenge_decide(
            actor=personas.practitioner, challenge=with_request, outcome="corrected", reason="x"
        )
    services.challenge_decide(
        actor=personas.dpo, challenge=with_request, outcome="corrected", reason="Fixed"
    )


# --- closing a rectification request (completion_problem and the note) ---------------------------


def test_a_rectification_not_made_needs_the_challenge_noted_or_declined(personas):
    mother = a_parent(personas.household)
    rr = make_request(personas.dpo, mother, kind=RequestKind.RECTIFICATION)
    with pytest.raises(ValidationFailed) as e:
        services.request_close(
            actor=personas.dpo,
            request=rr,
            outcome=Outcome.REFUSED,
            outcome_note="Told her the record is accurate",
            refusal_reasons="The date of birth matches her birth certificate",
        )
    assert e.value.errors["no_challenge_note"] == [accuracy.NOTE_NEEDED]
    challenge = a_challenge(personas.dpo, mother, request=rr)
    # Still being checked: neither completed nor refused until it is decided.
    assert "still being checked" in services.requests.completion_problem(rr)
    for outcome in (Outcome.REFUSED, Outcome.PARTLY_REFUSED, Outcome.COMPLETED):
        with pytest.raises(ValidationFailed, match="still being checked"):
            services.request_close(
                actor=personas.dpo,
                request=rr,
                outcome=outcome,
                outcome_note="x",
                refusal_reasons="y",
            )
    services.challenge_decide(
        actor=personas.dpo,
        challenge=challenge,
        outcome="not_corrected",
        reason="It matches her birth certificate; she may complain to the ICO.",
    )
    services.request_close(
        actor=personas.dpo,
        request=rr,
        outcome=Outcome.REFUSED,
        outcome_note="Told her why; her statement is noted on her record",
        refusal_reasons="The record is accurate",
    )
    rr.refresh_from_db()
    assert rr.status == Status.CLOSED and not rr.no_challenge_note


def test_the_person_may_not_want_a_note(personas):
    mother = a_parent(personas.household)
    rr = make_request(personas.dpo, mother, kind=RequestKind.RECTIFICATION)
    services.request_close(
        actor=personas.dpo,
        request=rr,
        outcome=Outcome.PARTLY_REFUSED,
        outcome_note="Phone corrected; the visit note stays; she wanted no note of it",
        refusal_reasons="The visit note is the worker's opinion",
        no_challenge_note=True,
    )
    rr.refresh_from_db()
    assert rr.no_challenge_note and rr.status == Status.CLOSED
    history = ChangeRecord.objects.filter(object_uuid=rr.uuid, field="no_challenge_note")
    assert history.get().new_value == "Yes"


def test_the_note_is_not_asked_for_when_nothing_could_be_noted(personas):
    mother = a_parent(personas.household)
    corrected = make_request(personas.dpo, mother, kind=RequestKind.RECTIFICATION)
    services.request_close(
        actor=personas.dpo, request=corrected, outcome="completed", outcome_note="Corrected"
    )
    withdrawn = make_request(personas.dpo, mother, kind=RequestKind.RECTIFICATION)
    services.request_close(
        actor=personas.dpo, request=withdrawn, outcome="withdrawn", outcome_note="Withdrawn"
    )
    unidentified = make_request(
        personas.dpo, mother, kind=RequestKind.RECTIFICATION, identity=False
    )
    services.request_close(
        actor=personas.dpo,
        request=unidentified,
        outcome="refused",
        outcome_note="Could not confirm who asked",
        refusal_reasons="Identity not confirmed",
    )
    access = make_request(personas.dpo, mother)
    assert accuracy.note_problem(access, Outcome.REFUSED, False) == ""
    # The choice is kept only where it means something.
    services.request_close(
        actor=personas.dpo,
        request=access,
        outcome="refused",
        outcome_note="x",
        refusal_reasons="y",
        no_challenge_note=True,
    )
    access.refresh_from_db()
    assert not access.no_challenge_note


# --- the notices beside the disputed data -------------------------------------------------------


def test_the_person_page_shows_what_they_dispute(personas, client_for):
    mother = a_parent(personas.household)
    visit = a_visit(personas.practitioner, personas.household, mother)
    a_challenge(personas.practitioner, mother, statement="Born 3 March 1990, not 3 May.")
    a_challenge(
        personas.practitioner, mother, target=Target.CONTACT, contact=visit, statement=STATEMENT
    )
    url = reverse("people:person_detail", args=[mother.uuid])
    page = _text(client_for(personas.practitioner).get(url))
    assert f"Disputed by {mother.display_name}" in page
    assert f"{mother.display_name} says their date of birth is wrong" in page
    assert "Born 3 March 1990, not 3 May." in page
    assert f"{mother.display_name} disputes the record of the home visit of" in page
    assert STATEMENT in page
    assert "Still being checked" in page and "Record the outcome" in page
    assert "says their record is wrong" in page  # the link to record another
    # A role without special category data sees that the visit note is disputed, not what is said.
    page = _text(client_for(personas.group_worker).get(url))
    assert "Born 3 March 1990, not 3 May." in page
    assert STATEMENT not in page and "Their statement is hidden" in page
    # Out of scope: the page is not found, as for any person.
    assert client_for(personas.partner_staff).get(url).status_code == 404


def test_a_corrected_challenge_leaves_the_banner_and_stays_as_history(personas, client_for):
    mother = a_parent(personas.household)
    challenge = a_challenge(personas.practitioner, mother, statement="My phone is 07700 900 123")
    services.challenge_decide(
        actor=personas.practitioner, challenge=challenge, outcome="corrected", reason="Updated"
    )
    page = _text(
        client_for(personas.practitioner).get(reverse("people:person_detail", args=[mother.uuid]))
    )
    assert "Disputed by" not in page
    assert f"Corrected after {mother.display_name} said they were wrong (1)" in page


def test_the_contacts_page_shows_the_dispute_on_the_contact(
    personas, client_for, django_assert_max_num_queries
):
    mother = a_parent(personas.household)
    visit = a_visit(personas.practitioner, personas.household, mother)
    other = a_visit(
        personas.practitioner, personas.household, occurred_at=timezone.now() - timedelta(days=9)
    )
    a_challenge(
        personas.practitioner, mother, target=Target.CONTACT, contact=visit, statement=STATEMENT
    )
    url = reverse("casework:family_contacts", args=[personas.household.uuid])
    client = client_for(personas.practitioner)
    response = client.get(url)
    body = response.content.decode()
    card = body[body.index(f'id="contact-{visit.uuid}"') :]
    card = card[: card.index('class="govuk-summary-card"')]
    assert f'id="disputes-{visit.uuid}"' in card and STATEMENT in card
    assert f'id="disputes-{other.uuid}"' not in body
    assert "Still being checked" in card
    # A group worker sees that it is disputed, not the statement (as the notes themselves).
    page = _text(client_for(personas.group_worker).get(url))
    assert "disputes the record of the home visit" in page and STATEMENT not in page
    # Out of scope: not found, as before.
    assert client_for(personas.partner_staff).get(url).status_code == 404
    # One query for the family's challenges, whatever their number.
    client = client_for(personas.practitioner)
    with django_assert_max_num_queries(200) as few:
        client.get(url)
    for _ in range(4):
        a_challenge(personas.practitioner, mother, target=Target.CONTACT, contact=other)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_outcomes_page_shows_the_dispute_on_the_need(personas, client_for):
    mother = a_parent(personas.household)
    need = _need(personas.practitioner, personas.household, mother)
    a_challenge(
        personas.practitioner,
        mother,
        target=Target.OUTCOME_RECORD,
        outcome_record=need,
        statement="I get to groups fine: it was one bad week.",
    )
    page = _text(
        client_for(personas.practitioner).get(
            reverse("casework:family_outcomes", args=[personas.household.uuid])
        )
    )
    assert f"{mother.display_name} disputes the need recorded on" in page
    assert "I get to groups fine" in page


def test_recording_and_deciding_from_the_person_page(personas, client_for):
    mother = a_parent(personas.household)
    visit = a_visit(personas.practitioner, personas.household, mother)
    client = client_for(personas.practitioner)
    new = reverse("rights:person_challenge_new", args=[mother.uuid])
    form = client.get(new)
    assert form.status_code == 200
    choices = dict(
        c for group in form.context["form"].fields["target"].choices[1:] for c in group[1]
    )
    assert choices["field:date_of_birth"] == "Date of birth" and "field:log_key" not in choices
    assert f"contact:{visit.uuid}" in choices
    bad = client.post(new, {"target": "", "statement": "", "received_on": ""})
    assert bad.status_code == 200
    assert {"target", "statement", "received_on"} <= set(bad.context["form"].errors)
    assert bad.context["form"]["statement"].value() == ""
    done = client.post(
        new,
        {
            "target": f"contact:{visit.uuid}",
            "statement": STATEMENT,
            "received_on": _today().strftime("%d/%m/%Y"),
        },
    )
    assert done.status_code == 302 and done["Location"].endswith(f"/people/{mother.uuid}/")
    challenge = AccuracyChallenge.objects.get()
    assert challenge.contact == visit and challenge.statement == STATEMENT
    outcome = reverse("rights:person_challenge_outcome", args=[challenge.uuid])
    page = client.get(outcome)
    assert page.status_code == 200 and STATEMENT in page.content.decode()
    kept = client.post(outcome, {"version": challenge.version, "outcome": "not_corrected"})
    assert kept.status_code == 200 and "reason" in kept.context["form"].errors
    client.post(
        outcome,
        {"version": challenge.version, "outcome": "not_corrected", "reason": "The worker's view"},
    )
    challenge.refresh_from_db()
    assert challenge.outcome == Result.NOT_CORRECTED
    # Out of scope, or no such challenge: the same 404.
    partner = client_for(personas.partner_staff)
    assert partner.get(outcome).status_code == 404
    assert partner.get(new).status_code == 404


def test_a_challenge_with_a_request_is_decided_by_the_dpo_not_from_the_person_page(
    personas, client_for
):
    mother = a_parent(personas.household)
    rr = make_request(personas.dpo, mother, kind=RequestKind.RECTIFICATION)
    challenge = a_challenge(personas.dpo, mother, request=rr)
    client = client_for(personas.practitioner)
    page = client.get(reverse("people:person_detail", args=[mother.uuid]))
    assert f"with rights request {rr.reference}" in _text(page)
    assert reverse("rights:person_challenge_outcome", args=[challenge.uuid]) not in (
        page.content.decode()
    )
    url = reverse("rights:person_challenge_outcome", args=[challenge.uuid])
    shown = client.get(url)
    assert shown.status_code == 200 and rr.reference in _text(shown)
    client.post(url, {"version": challenge.version, "outcome": "corrected", "reason": "x"})
    challenge.refresh_from_db()
    assert challenge.outcome == Result.CHECKING


def test_the_dpo_records_and_decides_from_the_rectification_request(personas, client_for):
    mother = a_parent(personas.household)
    visit = a_visit(personas.practitioner, personas.household, mother)
    rr = make_request(personas.dpo, mother, kind=RequestKind.RECTIFICATION)
    client = client_for(personas.dpo)
    detail = reverse("rights:request_detail", args=[rr.uuid])
    assert "Record what they say is wrong" in _text(client.get(detail))
    new = reverse("rights:request_challenge_new", args=[rr.uuid])
    assert client.get(new).status_code == 200
    response = client.post(
        new,
        {
            "target": f"contact:{visit.uuid}",
            "statement": STATEMENT,
            "received_on": _today().strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 302 and response["Location"] == detail
    challenge = AccuracyChallenge.objects.get(request=rr)
    page = _text(client.get(detail))
    assert "What the person says is wrong" in page and STATEMENT in page
    assert "still being checked" in page  # the completion problem
    outcome = reverse("rights:request_challenge_outcome", args=[challenge.uuid])
    client.post(
        outcome,
        {
            "version": challenge.version,
            "outcome": "not_corrected",
            "reason": "The note is the worker's opinion; your statement is kept beside it.",
        },
    )
    challenge.refresh_from_db()
    assert challenge.outcome == Result.NOT_CORRECTED and challenge.decided_by == personas.dpo
    close = reverse("rights:request_close", args=[rr.uuid])
    assert "They did not want a note" in _text(client.get(close))
    client.post(
        close,
        {"outcome": "refused", "outcome_note": "Told her why", "refusal_reasons": "Opinion"},
    )
    rr.refresh_from_db()
    assert rr.status == Status.CLOSED
    # Not a rectification request: sent back to the request with a message.
    access_request = make_request(personas.dpo, mother)
    not_here = reverse("rights:request_challenge_new", args=[access_request.uuid])
    back = client.get(not_here)
    assert back.status_code == 302
    assert AccuracyChallenge.objects.count() == 1
    page = client.get(reverse("rights:request_detail", args=[access_request.uuid]))
    assert not_here not in page.content.decode()


def test_the_close_form_asks_for_the_note_or_the_choice(personas, client_for):
    mother = a_parent(personas.household)
    rr = make_request(personas.dpo, mother, kind=RequestKind.RECTIFICATION)
    client = client_for(personas.dpo)
    close = reverse("rights:request_close", args=[rr.uuid])
    refused = client.post(
        close, {"outcome": "refused", "outcome_note": "Told her", "refusal_reasons": "Accurate"}
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["no_challenge_note"] == [accuracy.NOTE_NEEDED]
    assert refused.context["form"]["outcome_note"].value() == "Told her"
    client.post(
        close,
        {
            "outcome": "refused",
            "outcome_note": "Told her",
            "refusal_reasons": "Accurate",
            "no_challenge_note": "on",
        },
    )
    rr.refresh_from_db()
    assert rr.status == Status.CLOSED and rr.no_challenge_note
    assert "did not want a note" in _text(
        client.get(reverse("rights:request_detail", args=[rr.uuid]))
    )
    # Another kind of request: no such choice on its form.
    other = make_request(personas.dpo, mother)
    assert (
        "no_challenge_note"
        not in client.get(reverse("rights:request_close", args=[other.uuid])).content.decode()
    )


# --- the subject access pack ---------------------------------------------------------------------


def test_the_statement_is_in_the_subject_access_pack_html_and_json(personas, client_for):
    mother = a_parent(personas.household)
    visit = a_visit(personas.practitioner, personas.household, mother)
    challenge = a_challenge(
        personas.practitioner, mother, target=Target.CONTACT, contact=visit, statement=STATEMENT
    )
    services.challenge_decide(
        actor=personas.practitioner,
        challenge=challenge,
        outcome="not_corrected",
        reason="The note is the worker's opinion at the time.",
    )
    rr = make_request(personas.dpo, mother)
    pack = services.pack_generate(actor=personas.dpo, request=rr)
    records = [r for s in pack.content["sections"] for r in s["records"]]
    mine = [r for r in records if r["model"] == "rights.AccuracyChallenge"]
    assert len(mine) == 1
    fields = {f["name"]: f for f in mine[0]["fields"]}
    assert fields["statement"]["value"] == STATEMENT
    assert fields["outcome_reason"]["value"] == "The note is the worker's opinion at the time."
    assert fields["contact"]["value"].startswith("Home visit on")
    assert mine[0]["kind"] == "Something you told us is wrong on your record"
    assert mine[0]["label"].startswith("the record of the home visit of")
    html = render_html(pack.content, draft=True)
    assert STATEMENT.replace("'", "&#x27;") in html or STATEMENT in html
    document = client_for(personas.dpo).get(reverse("rights:pack_json", args=[pack.uuid]))
    assert STATEMENT in json.dumps(json.loads(document.content))
    # Another family member's challenge is their data, not hers.
    partner_pack = services.pack_generate(
        actor=personas.dpo, request=make_request(personas.dpo, a_child(personas.household))
    )
    assert STATEMENT not in json.dumps(partner_pack.content)


# --- erasure ---------------------------------------------------------------------------------------


def test_erasure_removes_the_statement_with_the_person_and_sweeps_a_relatives(personas):
    mother, child = a_parent(personas.household), a_child(personas.household)
    visit = a_visit(personas.practitioner, personas.household, child)
    hers = a_challenge(personas.practitioner, mother, statement="Zqxw: my date of birth")
    about_child_visit = a_challenge(
        personas.practitioner,
        mother,
        target=Target.CONTACT,
        contact=visit,
        statement=f"The note about {child.display_name} is wrong.",
    )
    childs = a_challenge(
        personas.practitioner,
        child,
        target=Target.DETAILS,
        statement=f"My mum {mother.display_name} gave the wrong details.",
    )
    services.challenge_decide(
        actor=personas.practitioner,
        challenge=childs,
        outcome="not_corrected",
        reason=f"Checked with {mother.display_name}: the details are right.",
    )
    erase_person(actor=personas.dpo, person=mother)
    assert not AccuracyChallenge.objects.filter(pk__in=[hers.pk, about_child_visit.pk]).exists()
    assert not ChangeRecord.objects.filter(object_uuid=hers.uuid).exists()
    childs.refresh_from_db()
    assert mother.display_name not in childs.statement + childs.outcome_reason
    assert childs.statement == f"My mum {ERASED_TEXT} gave the wrong details."
    assert ERASED_TEXT in childs.outcome_reason


def test_a_challenge_goes_with_the_contact_it_disputes(personas):
    mother, child = a_parent(personas.household), a_child(personas.household)
    visit = a_visit(personas.practitioner, personas.household, child)
    a_challenge(personas.practitioner, mother, target=Target.CONTACT, contact=visit)
    erase_person(actor=personas.dpo, person=child)  # the visit about the child is deleted
    assert not Contact.objects.filter(pk=visit.pk).exists()
    assert not AccuracyChallenge.objects.exists()
