"""Recording and withdrawing consent, and contact preferences, through `privacy.services`
(R-CONSENT-2, R-CONSENT-4): who may answer for a child, dates, evidence files, all-or-nothing saves,
history, and the policy seeing every change at once (R-CONSENT-3)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from familyhub.core.errors import ConcurrentEdit, NotFound, PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.people.models import Person, Relationship
from familyhub.privacy import policy, services
from familyhub.privacy.models import Consent, ConsentState, ContactPreference, LawfulBasis
from familyhub.privacy.services import Answer
from familyhub.privacy.testing import make_purpose

TODAY = timezone.localdate()
PDF = b"%PDF-1.4\n% a scanned consent form\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.fixture
def family(personas):
    """The Testingtons: mother (parental responsibility), a child under 5, an unborn baby."""
    h = personas.household
    members = {m.role: [] for m in h.memberships.all()}
    for m in h.memberships.select_related("person").order_by("id"):
        members[m.role].append(m.person)
    mother = members["parent_carer"][0]
    child = next(p for p in members["child"] if not p.is_unborn)
    unborn = next(p for p in members["child"] if p.is_unborn)
    return mother, child, unborn


@pytest.fixture
def info():
    return make_purpose("receiving-information", name="Receiving information")


@pytest.fixture
def photos():
    return make_purpose("photos-video", name="Photographs and video")


def record(actor, *answers, **kwargs):
    kwargs.setdefault("method", "paper")
    return services.consents_record(actor=actor, answers=list(answers), **kwargs)


def test_a_household_is_recorded_at_once_with_history(personas, family, info, photos):
    mother, child, _ = family
    saved = record(
        personas.practitioner,
        Answer(mother, info, ConsentState.GIVEN),
        Answer(mother, photos, ConsentState.REFUSED),
        Answer(child, photos, ConsentState.GIVEN, given_by=mother),
        note="asked at Stay and Play",
    )
    assert len(saved) == 3
    assert policy.decide(mother, info).code == policy.CONSENT_GIVEN
    assert policy.decide(mother, photos).code == policy.CONSENT_REFUSED
    d = policy.decide(child, photos)
    assert d.allowed and f"by {mother.display_name} (parental responsibility)" in d.reason
    c = Consent.objects.get(person=child, purpose=photos)
    assert (c.given_by, c.recorded_by, c.method) == (mother, personas.practitioner, "paper")
    labels = set(
        ChangeRecord.objects.filter(person=child, model="consent").values_list(
            "object_label", flat=True
        )
    )
    assert labels == {"Consent: Photographs and video"}
    assert ChangeRecord.objects.get(person=child, model="consent").reason == (
        "asked at Stay and Play"
    )


def test_a_new_answer_replaces_the_old_one_and_keeps_it_in_the_history(personas, family, info):
    mother, _, _ = family
    record(personas.practitioner, Answer(mother, info, ConsentState.REFUSED))
    before = Consent.objects.get(person=mother, purpose=info).version
    record(personas.group_worker, Answer(mother, info, ConsentState.GIVEN), method="verbal")
    c = Consent.objects.get(person=mother, purpose=info)
    assert (c.state, c.method, c.recorded_by) == ("given", "verbal", personas.group_worker)
    assert c.version == before + 1
    change = ChangeRecord.objects.get(
        person=mother, model="consent", field="state", action="update"
    )
    assert (change.old_value, change.new_value) == ("Refused", "Given")
    assert change.object_label == "Consent: Receiving information"


def test_a_child_cannot_be_answered_for_without_parental_responsibility(personas, family, info):
    mother, child, _ = family
    stranger = Person.objects.filter(memberships__household=personas.household).exclude(
        pk__in=[mother.pk, child.pk]
    )[0]  # the unborn baby: in the family, no parental responsibility for the child
    with pytest.raises(ValidationFailed) as e:
        record(
            personas.practitioner,
            Answer(mother, info, ConsentState.GIVEN),
            Answer(child, info, ConsentState.GIVEN, given_by=stranger),
        )
    assert e.value.errors[f"given_by-{child.uuid}"] == [
        f"{stranger.display_name} does not have parental responsibility for "
        f"{child.display_name}, so cannot answer for them. Choose someone who does, or record "
        "parental responsibility on the family page first."
    ]
    assert not Consent.objects.exists()  # the mother's good answer was not saved either


def test_a_child_or_unborn_baby_needs_someone_to_answer(personas, family, info):
    _, child, unborn = family
    with pytest.raises(ValidationFailed) as e:
        record(
            personas.practitioner,
            Answer(child, info, ConsentState.GIVEN),
            Answer(unborn, info, ConsentState.GIVEN),
        )
    assert "a child under 13" in e.value.errors[f"given_by-{child.uuid}"][0]
    assert "an unborn child" in e.value.errors[f"given_by-{unborn.uuid}"][0]
    assert not Consent.objects.exists()


def test_ended_parental_responsibility_no_longer_counts(personas, family, info):
    mother, child, _ = family
    Relationship.objects.filter(from_person=mother, to_person=child).update(ended_on=TODAY)
    with pytest.raises(ValidationFailed, match="does not have parental responsibility"):
        record(personas.practitioner, Answer(child, info, ConsentState.GIVEN, given_by=mother))


def test_dates_in_the_future_and_bad_methods_are_refused(personas, family, info):
    mother, _, _ = family
    with pytest.raises(ValidationFailed) as e:
        record(
            personas.practitioner,
            Answer(mother, info, ConsentState.GIVEN),
            decided_on=TODAY + timedelta(days=1),
            method="telepathy",
            expires_on=TODAY - timedelta(days=3),
        )
    assert set(e.value.errors) == {"decided_on", "method", "expires_on"}
    assert "cannot be in the future" in e.value.errors["decided_on"][0]
    assert not Consent.objects.exists()


def test_a_purpose_not_relying_on_consent_or_not_in_use_is_refused(personas, family):
    mother, _, _ = family
    planning = make_purpose("service-planning", basis=LawfulBasis.PUBLIC_TASK)
    old = make_purpose("old-purpose", active=False)
    with pytest.raises(ValidationFailed) as e:
        record(
            personas.practitioner,
            Answer(mother, planning, ConsentState.GIVEN),
            Answer(mother, old, ConsentState.GIVEN),
            Answer(mother, old, "withdrawn"),
        )
    assert "does not rely on consent" in e.value.errors[f"{mother.uuid}-service-planning"][0]
    assert "no longer in use" in e.value.errors[f"{mother.uuid}-old-purpose"][0]
    assert not Consent.objects.exists()


def test_nothing_to_record_is_refused(personas):
    with pytest.raises(ValidationFailed, match="at least one purpose"):
        record(personas.practitioner)


def test_roles_and_scope(personas, family, info):
    mother, child, _ = family
    with pytest.raises(PermissionRefused):
        record(personas.dpo, Answer(mother, info, ConsentState.GIVEN))
    with pytest.raises(NotFound):
        record(personas.partner_staff, Answer(mother, info, ConsentState.GIVEN))
    # A parent the actor may not see cannot be named as the one who answered.
    other_parent = personas.other_household.memberships.filter(role="parent_carer")[0].person
    Relationship.objects.create(
        from_person=other_parent, to_person=child, kind="father", parental_responsibility=True
    )
    with pytest.raises(NotFound):
        record(
            personas.practitioner, Answer(child, info, ConsentState.GIVEN, given_by=other_parent)
        )
    assert not Consent.objects.exists()


# --- evidence: the scanned form -----------------------------------------------------------------


def test_one_scan_covers_every_answer_and_is_named_by_uuid(personas, family, info, photos, media):
    mother, child, _ = family
    scan = SimpleUploadedFile("Testington consent.pdf", PDF, content_type="application/pdf")
    saved = record(
        personas.practitioner,
        Answer(mother, info, ConsentState.GIVEN),
        Answer(child, photos, ConsentState.GIVEN, given_by=mother),
        evidence=scan,
    )
    names = {Consent.objects.get(pk=c.pk).evidence.name for c in saved}
    assert len(names) == 1
    (name,) = names
    assert name.startswith(f"consent-evidence/{mother.uuid}/") and name.endswith(".pdf")
    assert "Testington" not in name  # file names never say who the scan is about
    files = stored_files(media)
    assert len(files) == 1 and files[0].read_bytes() == PDF
    created = ChangeRecord.objects.filter(model="consent", action="create")
    assert all(r.new_value.endswith(", scanned form attached") for r in created)
    assert created.count() == 2
    # A later scan for an answer given again is its own change, saying an earlier scan existed.
    record(
        personas.practitioner,
        Answer(mother, info, ConsentState.GIVEN),
        evidence=SimpleUploadedFile("again.png", PNG, content_type="image/png"),
    )
    change = ChangeRecord.objects.get(field="evidence", person=mother)
    assert (change.old_value, change.new_value) == ("an earlier scan", "scanned form uploaded")
    assert len(stored_files(media)) == 2  # the earlier scan is kept with the history


@pytest.mark.parametrize(
    "upload,message",
    [
        (
            SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "application/pdf"),
            "larger than 10 MB",
        ),
        (SimpleUploadedFile("form.docx", b"PK\x03\x04 word", "application/msword"), "PDF, JPEG"),
        # The name and the browser's type say PDF; the bytes say otherwise.
        (SimpleUploadedFile("form.pdf", b"MZ\x90\x00 a program", "application/pdf"), "PDF, JPEG"),
        (SimpleUploadedFile("empty.pdf", b"", "application/pdf"), "empty"),
    ],
    ids=["too-big", "wrong-type", "disguised", "empty"],
)
def test_bad_evidence_is_refused_and_nothing_is_saved(
    personas, family, info, media, upload, message
):
    mother, _, _ = family
    with pytest.raises(ValidationFailed) as e:
        record(personas.practitioner, Answer(mother, info, ConsentState.GIVEN), evidence=upload)
    assert message in e.value.errors["evidence"][0]
    assert not Consent.objects.exists()
    assert stored_files(media) == []


def test_no_file_is_left_on_disk_when_the_transaction_fails(
    personas, family, info, media, monkeypatch
):
    """The scan is written inside the transaction; a failure after that must remove it again."""
    mother, _, _ = family

    def broken_log(*args, **kwargs):
        raise RuntimeError("the access log is unavailable")

    monkeypatch.setattr(services.access, "log_change", broken_log)
    scan = SimpleUploadedFile("form.png", PNG, content_type="image/png")
    with pytest.raises(RuntimeError):
        record(personas.practitioner, Answer(mother, info, ConsentState.GIVEN), evidence=scan)
    assert not Consent.objects.exists()
    assert not ChangeRecord.objects.filter(model="consent").exists()
    assert stored_files(media) == []


def test_file_is_removed_when_the_update_after_writing_it_fails(
    personas, family, info, media, monkeypatch
):
    mother, _, _ = family
    real = services.ChangeSet.flush

    def failing_flush(self):
        if any("scanned form" in r.new_value for r in self.pending):
            raise RuntimeError("database went away")
        return real(self)

    monkeypatch.setattr(services.ChangeSet, "flush", failing_flush)
    scan = SimpleUploadedFile("form.pdf", PDF, content_type="application/pdf")
    with pytest.raises(RuntimeError):
        record(personas.practitioner, Answer(mother, info, ConsentState.GIVEN), evidence=scan)
    assert stored_files(media) == [] and not Consent.objects.exists()


# --- withdrawal --------------------------------------------------------------------------------


def test_withdrawal_takes_effect_at_once_with_history(personas, family, info):
    mother, _, _ = family
    (c,) = record(
        personas.practitioner,
        Answer(mother, info, ConsentState.GIVEN),
        decided_on=TODAY - timedelta(days=30),
    )
    assert policy.permitted(Person.objects.filter(pk=mother.pk), info).exists()
    services.consent_withdraw(
        actor=personas.group_worker, consent=c, withdrawn_on=TODAY, note="phoned us"
    )
    d = policy.decide(mother, info)
    assert d.code == policy.CONSENT_WITHDRAWN and TODAY.strftime("%d/%m/%Y") in d.reason
    assert not policy.permitted(Person.objects.filter(pk=mother.pk), info).exists()
    change = ChangeRecord.objects.get(model="consent", field="state", action="update")
    assert (change.old_value, change.new_value, change.reason) == (
        "Given",
        "Withdrawn",
        "phoned us",
    )
    assert change.actor == personas.group_worker


def test_withdrawal_dated_before_the_consent_or_in_the_future_is_refused(personas, family, info):
    mother, _, _ = family
    given_on = TODAY - timedelta(days=10)
    (c,) = record(
        personas.practitioner, Answer(mother, info, ConsentState.GIVEN), decided_on=given_on
    )
    with pytest.raises(ValidationFailed) as e:
        services.consent_withdraw(
            actor=personas.practitioner, consent=c, withdrawn_on=given_on - timedelta(days=1)
        )
    assert e.value.errors["withdrawn_on"] == [
        f"The withdrawal cannot be dated before the consent was given ({given_on:%d/%m/%Y})."
    ]
    with pytest.raises(ValidationFailed, match="in the future"):
        services.consent_withdraw(
            actor=personas.practitioner, consent=c, withdrawn_on=TODAY + timedelta(days=1)
        )
    c.refresh_from_db()
    assert c.state == ConsentState.GIVEN and c.withdrawn_on is None
    assert policy.decide(mother, info).allowed


def test_only_given_consent_can_be_withdrawn_and_only_once(personas, family, info):
    mother, _, _ = family
    (c,) = record(personas.practitioner, Answer(mother, info, ConsentState.REFUSED))
    with pytest.raises(ValidationFailed, match="it is refused"):
        services.consent_withdraw(actor=personas.practitioner, consent=c)
    (c,) = record(personas.practitioner, Answer(mother, info, ConsentState.GIVEN))
    stale = Consent.objects.get(pk=c.pk)
    services.consent_withdraw(actor=personas.practitioner, consent=c)
    with pytest.raises(ValidationFailed, match="it is withdrawn"):
        services.consent_withdraw(actor=personas.practitioner, consent=stale)  # read before
    assert ChangeRecord.objects.filter(field="state", new_value="Withdrawn").count() == 1


def test_withdrawal_with_a_stale_version_is_refused(personas, family, info):
    mother, _, _ = family
    (c,) = record(personas.practitioner, Answer(mother, info, ConsentState.GIVEN))
    with pytest.raises(ConcurrentEdit):
        services.consent_withdraw(
            actor=personas.practitioner, consent=c, expected_version=c.version + 5
        )
    assert Consent.objects.get(pk=c.pk).state == ConsentState.GIVEN


def test_a_withdrawn_consent_can_be_given_again(personas, family, info):
    mother, _, _ = family
    (c,) = record(personas.practitioner, Answer(mother, info, ConsentState.GIVEN))
    services.consent_withdraw(actor=personas.practitioner, consent=c)
    record(personas.practitioner, Answer(mother, info, ConsentState.GIVEN))
    c.refresh_from_db()
    assert (c.state, c.withdrawn_on) == ("given", None)
    assert policy.decide(mother, info).allowed


# --- contact preferences -----------------------------------------------------------------------


def _pref(actor, person, **data):
    return services.contact_preference_set(actor=actor, person=person, data=data)


def test_contact_preferences_yes_needs_a_channel_a_topic_and_the_details(personas, family):
    mother, _, _ = family
    Person.objects.filter(pk=mother.pk).update(email="", phone="")
    mother.refresh_from_db()
    with pytest.raises(ValidationFailed) as e:
        _pref(personas.practitioner, mother, agreed="yes")
    assert set(e.value.errors) == {"channels", "topics"}
    with pytest.raises(ValidationFailed) as e:
        _pref(
            personas.practitioner,
            mother,
            agreed="yes",
            by_email=True,
            by_text=True,
            topics=["news"],
        )
    assert e.value.errors["channels"] == [
        "Add an email address to their details before choosing email.",
        "Add a phone number to their details before choosing phone or text.",
    ]
    with pytest.raises(ValidationFailed, match="Unknown topic: spam"):
        _pref(personas.practitioner, mother, agreed="yes", by_post=True, topics=["spam"])
    with pytest.raises(ValidationFailed, match="Choose whether"):
        _pref(personas.practitioner, mother, agreed="perhaps")
    assert not ContactPreference.objects.exists()


def test_contact_preferences_saved_ordered_and_cleared_by_no(personas, family):
    mother, _, _ = family
    pref = _pref(
        personas.practitioner,
        mother,
        agreed="yes",
        by_post=True,
        topics=["news", "service", "news"],
    )
    assert (pref.topics, pref.channels, pref.version) == (["service", "news"], ["post"], 2)
    topics = ChangeRecord.objects.get(model="contactpreference", person=mother, field="topics")
    assert (topics.old_value, topics.new_value) == (
        "",
        "About the support they receive (appointments, visits); News, groups and events",
    )
    assert set(
        ChangeRecord.objects.filter(model="contactpreference").values_list(
            "object_label", flat=True
        )
    ) == {"Contact preferences"}
    pref = _pref(personas.practitioner, mother, agreed="no", by_post=True, topics=["news"])
    assert (pref.agreed, pref.by_post, pref.topics) == ("no", False, [])
    with pytest.raises(ConcurrentEdit):
        services.contact_preference_set(
            actor=personas.practitioner,
            person=mother,
            data={"agreed": "not_asked"},
            expected_version=1,
        )
