"""The consent pages (R-CONSENT-2..4): recording a household at once, a person's panel with the
policy's reasons and history, withdrawing, the scanned form (scoped and logged), contact
preferences, and 'may we use photos of this person?'."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from familyhub.access.models import AccessLogEntry
from familyhub.core.models import ChangeRecord
from familyhub.people.models import Person
from familyhub.privacy import policy, services
from familyhub.privacy.models import Consent, ConsentState, ContactPreference, Purpose
from familyhub.privacy.services import Answer
from familyhub.privacy.testing import make_purpose

TODAY = timezone.localdate()
PDF = b"%PDF-1.4\n% a scanned consent form\n"
Action = AccessLogEntry.Action


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def register(db):
    """Exactly two consent purposes in use (the seeded register's others switched off), and one
    purpose on another basis."""
    Purpose.objects.update(active=False)
    return (
        make_purpose("receiving-information", name="Receiving information", active=True),
        make_purpose("photos-video", name="Photographs and video", active=True, sort_order=5),
        make_purpose("service-planning", basis="public_task", name="Service planning", active=True),
    )


@pytest.fixture
def family(personas):
    people = [
        m.person for m in personas.household.memberships.select_related("person").order_by("id")
    ]
    mother = people[0]
    child = next(p for p in people[1:] if not p.is_unborn)
    unborn = next(p for p in people[1:] if p.is_unborn)
    return mother, child, unborn


def url(name, obj):
    return reverse(name, args=[obj.uuid])


def cell(person, purpose):
    return f"{person.uuid}-{purpose.code}"


# --- one screen for the whole household --------------------------------------------------------


def test_the_screen_has_every_member_and_consent_purpose(personas, family, register, client_for):
    info, photos, planning = register
    mother, child, unborn = family
    response = client_for(personas.practitioner).get(
        url("privacy:household_consent", personas.household)
    )
    assert response.status_code == 200
    html = response.content.decode()
    for person in family:
        for purpose in (info, photos):
            assert f'name="{cell(person, purpose)}"' in html
    assert cell(mother, planning) not in html  # public task: nothing to ask
    # Yes / No / Not asked, 'Not asked' chosen, for every cell.
    radios = re.findall(rf'name="{cell(mother, info)}" type="radio" value="(\w*)"( checked)?', html)
    assert radios == [("given", ""), ("refused", ""), ("", " checked")]
    # Who answered for the child: only the people with parental responsibility (the mother).
    assert f'name="given_by-{child.uuid}"' in html
    assert re.findall(rf'name="given_by-{child.uuid}" type="radio" value="([-0-9a-f]+)"', html) == [
        str(mother.uuid)
    ]
    # The unborn baby has nobody with parental responsibility recorded: a warning, no choice.
    assert f'name="given_by-{unborn.uuid}"' not in html
    assert "needs a parent or carer to answer" in html
    assert f'name="given_by-{mother.uuid}"' not in html  # an adult answers for herself


def test_recording_the_household_saves_every_answer_at_once(personas, family, register, client_for):
    info, photos, _ = register
    mother, child, _ = family
    client = client_for(personas.group_worker)
    response = client.post(
        url("privacy:household_consent", personas.household),
        {
            cell(mother, info): "given",
            cell(mother, photos): "refused",
            cell(child, photos): "given",
            f"given_by-{child.uuid}": str(mother.uuid),
            "decided_on": TODAY.strftime("%d/%m/%Y"),
            "method": "verbal",
            "note": "at the door",
            "evidence": SimpleUploadedFile("form.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/families/{personas.household.uuid}/#consent")
    got = {(c.person_id, c.purpose.code): c for c in Consent.objects.select_related("purpose")}
    assert {k: c.state for k, c in got.items()} == {
        (mother.pk, "receiving-information"): "given",
        (mother.pk, "photos-video"): "refused",
        (child.pk, "photos-video"): "given",
    }
    assert got[(child.pk, "photos-video")].given_by == mother
    assert {c.evidence.name for c in got.values()} == {
        got[(mother.pk, "photos-video")].evidence.name
    }
    assert all(
        c.recorded_by == personas.group_worker and c.method == "verbal" for c in got.values()
    )
    page = client.get(url("people:household_detail", personas.household)).content.decode()
    assert "3 answers saved for the" in page


def test_not_asked_leaves_an_earlier_answer_as_it_is(personas, family, register, client_for):
    info, photos, _ = register
    mother, _, _ = family
    services.consents_record(
        actor=personas.practitioner,
        answers=[Answer(mother, info, ConsentState.GIVEN)],
        method="paper",
        decided_on=TODAY - timedelta(days=20),
    )
    client = client_for(personas.practitioner)
    html = client.get(url("privacy:household_consent", personas.household)).content.decode()
    assert f"Now: given {(TODAY - timedelta(days=20)):%d/%m/%Y}" in html
    client.post(
        url("privacy:household_consent", personas.household),
        {
            cell(mother, info): "",
            cell(mother, photos): "given",
            "decided_on": TODAY.strftime("%d/%m/%Y"),
            "method": "paper",
        },
    )
    c = Consent.objects.get(person=mother, purpose=info)
    assert (c.state, c.decided_on, c.version) == ("given", TODAY - timedelta(days=20), 1)
    assert Consent.objects.get(person=mother, purpose=photos).state == "given"


def test_errors_show_at_their_field_and_typed_values_are_kept(
    personas, family, register, client_for, media
):
    info, photos, _ = register
    mother, child, _ = family
    future = (TODAY + timedelta(days=3)).strftime("%d/%m/%Y")
    response = client_for(personas.practitioner).post(
        url("privacy:household_consent", personas.household),
        {
            cell(mother, info): "given",
            cell(child, photos): "given",
            "decided_on": future,
            "method": "paper",
            "note": "typed note",
            "evidence": SimpleUploadedFile("form.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["decided_on"] == ["The date the answer was given cannot be in the future."]
    # The child's answer needs someone who answered: said at the "who answered" choice.
    assert "a child under 13" in form.errors[f"given_by-{child.uuid}"][0]
    html = response.content.decode()
    assert 'class="govuk-error-summary"' in html
    assert f'value="{future}"' in html and "typed note" in html
    assert re.search(rf'name="{cell(mother, info)}" type="radio" value="given" checked', html)
    assert "choose it again" in html  # the scan is not kept by the browser
    assert not Consent.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_a_choice_of_someone_without_parental_responsibility_is_refused(
    personas, family, register, client_for
):
    info, _, _ = register
    _, child, unborn = family
    response = client_for(personas.practitioner).post(
        url("privacy:household_consent", personas.household),
        {
            cell(child, info): "given",
            f"given_by-{child.uuid}": str(unborn.uuid),  # forged: not offered
            "decided_on": TODAY.strftime("%d/%m/%Y"),
            "method": "paper",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors[f"given_by-{child.uuid}"] == [
        f"Choose someone with parental responsibility for {child.display_name} from the list"
    ]
    assert not Consent.objects.exists()


def test_nothing_chosen_is_refused(personas, register, client_for):
    response = client_for(personas.practitioner).post(
        url("privacy:household_consent", personas.household),
        {"decided_on": TODAY.strftime("%d/%m/%Y"), "method": "paper"},
    )
    assert "Choose yes or no for at least one purpose." in response.content.decode()


def test_wrong_evidence_type_is_refused_at_the_field(personas, family, register, client_for, media):
    info, _, _ = register
    mother, _, _ = family
    response = client_for(personas.practitioner).post(
        url("privacy:household_consent", personas.household),
        {
            cell(mother, info): "given",
            "decided_on": TODAY.strftime("%d/%m/%Y"),
            "method": "paper",
            "evidence": SimpleUploadedFile("form.html", b"<html>", content_type="text/html"),
        },
    )
    assert response.context["form"].errors["evidence"] == [
        "Upload the scan as a PDF, JPEG, PNG or TIFF file."
    ]
    assert not Consent.objects.exists() and not [p for p in media.rglob("*") if p.is_file()]


# --- the family page's panel and the person's panel ---------------------------------------------


def test_the_family_page_shows_the_panel_with_a_fixed_number_of_queries(
    personas, family, register, client_for, django_assert_max_num_queries
):
    info, photos, _ = register
    mother, child, _ = family
    client = client_for(personas.practitioner)
    page = url("people:household_detail", personas.household)
    client.get(page)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(page)
    services.consents_record(
        actor=personas.practitioner,
        answers=[
            Answer(mother, info, ConsentState.GIVEN),
            Answer(child, photos, ConsentState.REFUSED, given_by=mother),
        ],
        method="paper",
    )
    services.contact_preference_set(
        actor=personas.practitioner,
        person=mother,
        data={"agreed": "yes", "by_post": True, "topics": ["news"]},
    )
    with CaptureQueriesContext(connection) as after:
        response = client.get(page)
    assert len(after) == len(before)
    html = response.content.decode()
    panel = html[html.index('id="consent-panel"') :]
    assert "Record consent for the family" in html
    assert reverse("privacy:household_consent", args=[personas.household.uuid]) in html
    row = panel[panel.index(f'data-person="{mother.uuid}"') :]
    assert "Given" in row[: row.index("</tr>")] and "In use" in row[: row.index("</tr>")]
    assert "By post" in row[: row.index("</tr>")]
    row = panel[panel.index(f'data-person="{child.uuid}"') :]
    assert "Refused" in row[: row.index("</tr>")] and "In use" not in row[: row.index("</tr>")]


def test_the_family_page_panel_says_when_consent_is_given_but_not_in_use(
    personas, family, register, client_for
):
    info, _, _ = register
    mother, _, _ = family
    services.consents_record(
        actor=personas.practitioner, answers=[Answer(mother, info, "given")], method="paper"
    )
    services.restriction_start(actor=personas.dpo, person=mother, reason="accuracy contested")
    html = client_for(personas.practitioner).get(url("people:household_detail", personas.household))
    html = html.content.decode()
    assert "Not in use" in html
    assert f"Processing is restricted since {TODAY:%d/%m/%Y}" in html  # the policy's reason


def test_a_group_worker_sees_the_panel_without_edit_links_when_they_cannot_edit(
    personas, register, client_for
):
    html = client_for(personas.partner_staff).get(
        url("people:household_detail", personas.partner_household)
    )
    assert 'id="consent-panel"' in html.content.decode()


def test_the_person_panel_gives_the_policy_reason_and_history(
    personas, family, register, client_for, django_assert_max_num_queries
):
    info = register[0]
    mother = family[0]
    services.consents_record(
        actor=personas.practitioner,
        answers=[Answer(mother, info, ConsentState.GIVEN)],
        method="paper",
        decided_on=TODAY - timedelta(days=3),
        evidence=SimpleUploadedFile("f.pdf", PDF, content_type="application/pdf"),
    )
    consent = Consent.objects.get(person=mother, purpose=info)
    services.consent_withdraw(actor=personas.practitioner, consent=consent, note="by phone")
    client = client_for(personas.practitioner)
    with django_assert_max_num_queries(40):
        response = client.get(url("privacy:person_consent", mother))
    html = response.content.decode()
    for purpose in register:
        assert policy.decide(mother, purpose).reason.replace("'", "&#x27;") in html
    assert f"Consent withdrawn on {TODAY:%d/%m/%Y}." in html
    assert "Lawful basis: Public task" in html
    assert "Reason: by phone" in html  # the history, from the change records
    assert "Consent: Receiving information" in html
    assert (
        f"{reverse('privacy:consent_evidence', args=[mother.uuid])}?purpose=receiving-information"
        in html
    )
    assert "Withdraw<span" not in html  # nothing given any more


def test_the_panel_offers_withdrawal_only_for_given_consent_and_only_to_editors(
    personas, family, register, client_for
):
    info, photos, _ = register
    mother, _, _ = family
    services.consents_record(
        actor=personas.practitioner,
        answers=[Answer(mother, info, "given"), Answer(mother, photos, "refused")],
        method="paper",
    )
    link = f"{reverse('privacy:consent_withdraw', args=[mother.uuid])}?purpose="
    html = (
        client_for(personas.practitioner)
        .get(url("privacy:person_consent", mother))
        .content.decode()
    )
    assert f"{link}receiving-information" in html and f"{link}photos-video" not in html


# --- withdrawal --------------------------------------------------------------------------------


@pytest.fixture
def given(personas, family, register):
    info = register[0]
    mother = family[0]
    services.consents_record(
        actor=personas.practitioner,
        answers=[Answer(mother, info, ConsentState.GIVEN)],
        method="paper",
        decided_on=TODAY - timedelta(days=5),
    )
    return Consent.objects.get(person=mother, purpose=info)


def test_withdrawal_is_confirmed_then_takes_effect(personas, family, given, client_for):
    mother = family[0]
    client = client_for(personas.practitioner)
    page = f"{url('privacy:consent_withdraw', mother)}?purpose=receiving-information"
    html = client.get(page).content.decode()
    assert "Withdraw consent to 'Receiving information'?" in html
    assert "This takes effect at once" in html
    assert Consent.objects.get(pk=given.pk).state == "given"  # asking is not withdrawing
    response = client.post(
        page,
        {
            "purpose": "receiving-information",
            "withdrawn_on": TODAY.strftime("%d/%m/%Y"),
            "note": "x",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("privacy:person_consent", mother)
    assert Consent.objects.get(pk=given.pk).state == "withdrawn"
    assert not policy.decide(mother, "receiving-information").allowed


def test_withdrawal_dated_before_the_consent_is_refused_at_its_field(
    personas, family, given, client_for
):
    mother = family[0]
    early = (given.decided_on - timedelta(days=1)).strftime("%d/%m/%Y")
    response = client_for(personas.practitioner).post(
        url("privacy:consent_withdraw", mother),
        {"purpose": "receiving-information", "withdrawn_on": early, "note": "typed"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["withdrawn_on"] == [
        f"The withdrawal cannot be dated before the consent was given ({given.decided_on:%d/%m/%Y})."
    ]
    assert f'value="{early}"' in response.content.decode()
    assert Consent.objects.get(pk=given.pk).state == "given"


def test_withdraw_without_a_purpose_offers_the_given_consents(personas, family, given, client_for):
    mother = family[0]
    html = client_for(personas.practitioner).get(url("privacy:consent_withdraw", mother))
    assert 'name="purpose" type="radio" value="receiving-information"' in html.content.decode()
    response = client_for(personas.practitioner).get(url("privacy:consent_withdraw", family[1]))
    assert "There is no consent to withdraw" in response.content.decode()


# --- the scanned form --------------------------------------------------------------------------


def test_the_scan_downloads_for_staff_who_see_the_person_and_is_logged(
    personas, family, register, client_for
):
    info = register[0]
    mother = family[0]
    services.consents_record(
        actor=personas.practitioner,
        answers=[Answer(mother, info, ConsentState.GIVEN)],
        method="paper",
        evidence=SimpleUploadedFile("Testington.pdf", PDF, content_type="application/pdf"),
    )
    page = f"{url('privacy:consent_evidence', mother)}?purpose=receiving-information"
    response = client_for(personas.team_manager).get(page)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="consent-form-receiving-information.pdf"'
    )
    assert response["Cache-Control"] == "no-store"
    entry = AccessLogEntry.objects.get(action=Action.EXPORT, object_type="consent evidence")
    assert entry.username == personas.team_manager.username
    assert entry.subjects.get().person_key == mother.log_key
    # Out of scope, or no such purpose or scan: "not found", and nothing logged.
    for user in (personas.partner_staff, personas.other_org_staff):
        assert client_for(user).get(page).status_code == 404
    assert client_for(personas.analyst).get(page).status_code == 403
    client = client_for(personas.practitioner)
    assert (
        client.get(f"{url('privacy:consent_evidence', mother)}?purpose=photos-video").status_code
        == 404
    )
    assert client.get(url("privacy:consent_evidence", mother)).status_code == 302
    assert AccessLogEntry.objects.filter(action=Action.EXPORT).count() == 1


# --- contact preferences ------------------------------------------------------------------------


def test_contact_preferences_are_saved_and_errors_shown_at_their_field(
    personas, family, client_for
):
    mother = family[0]
    Person.objects.filter(pk=mother.pk).update(email="", phone="0115 496 0000")
    client = client_for(personas.practitioner)
    page = url("privacy:contact_preferences", mother)
    response = client.post(page, {"agreed": "yes", "channels": ["by_email"], "topics": ["news"]})
    assert response.status_code == 200
    assert response.context["form"].errors["channels"] == [
        "Add an email address to their details before choosing email."
    ]
    assert re.search(
        r'name="topics" type="checkbox" value="news" checked', response.content.decode()
    )
    response = client.post(
        page, {"agreed": "yes", "channels": ["by_text", "by_post"], "topics": ["news", "service"]}
    )
    assert response.status_code == 302
    pref = ContactPreference.objects.get(person=mother)
    assert (pref.channels, pref.topics) == (["text", "post"], ["service", "news"])
    html = client.get(url("privacy:person_consent", mother)).content.decode()
    assert "Text, post" in html and "News, groups and events" in html
    # A stale form (someone saved in between) is refused, and the form shows the new version.
    response = client.post(page, {"agreed": "no", "version": "1"})
    assert "Someone else saved changes" in response.content.decode()
    assert ContactPreference.objects.get(person=mother).agreed == "yes"
    assert ChangeRecord.objects.filter(model="contactpreference", person=mother).exists()


# --- photos --------------------------------------------------------------------------------------


def test_may_we_use_photos_answers_from_the_policy(personas, family, register, client_for):
    photos = register[1]
    mother, child, _ = family
    client = client_for(personas.group_worker)
    html = client.get(url("privacy:photo_consent", child)).content.decode()
    assert "No: do not use photos" in html and "has not been asked" in html
    services.consents_record(
        actor=personas.practitioner,
        answers=[Answer(child, photos, ConsentState.GIVEN, given_by=mother)],
        method="paper",
    )
    html = client.get(url("privacy:photo_consent", child)).content.decode()
    assert '<h2 class="govuk-panel__title">Yes</h2>' in html
    assert f"by {mother.display_name} (parental responsibility)" in html
    services.objection_record(actor=personas.dpo, person=child, purpose=photos, grounds="no")
    html = client.get(url("privacy:photo_consent", child)).content.decode()
    assert "No: do not use photos" in html and "objected" in html
