"""The privacy notice (R-NOTICE-1, ADR 0014): generated from the registers and the data map,
published as frozen versions by the DPO, refused while incomplete, public without sign-in, and
compared version by version."""

from __future__ import annotations

import pytest
from django.urls import reverse

from familyhub.core.datamap import DATA_MAP, Subject
from familyhub.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.privacy import notice, registers
from familyhub.privacy.models import PrivacyNotice, Purpose

pytestmark = pytest.mark.django_db


def _edit(dpo, code, **data):
    purpose = Purpose.objects.get(code=code)
    registers.purpose_update(
        actor=dpo, purpose=purpose, data=data, expected_version=purpose.version
    )
    return purpose


@pytest.fixture
def two_versions(personas):
    """Version 1 as seeded; version 2 after the DPO changed evaluation's recipients."""
    v1 = registers.notice_publish(actor=personas.dpo, summary="First published version.")
    _edit(
        personas.dpo,
        "evaluation",
        recipients="Nottingham Trent University\nThe University of Nottingham",
        retention="evaluation data: 10 years",
    )
    v2 = registers.notice_publish(actor=personas.dpo, summary="A second evaluator.")
    return v1, v2


# --- what the notice says ------------------------------------------------------------------------


def test_content_comes_from_the_live_register_and_the_data_map(personas):
    Purpose.objects.filter(code="marketing-publicity").update(active=False)
    content = notice.build_content()
    codes = [p["code"] for p in content["purposes"]]
    assert "evaluation" in codes and "marketing-publicity" not in codes
    assert codes.index("service-delivery") < codes.index("legal-claims")  # register order
    evaluation = notice.purpose_in(content, "evaluation")
    assert evaluation["lawful_basis_label"] == "Consent (Article 6(1)(a))"
    assert evaluation["needs_consent"] is True
    assert evaluation["recipients"][0].startswith("Nottingham Trent University")
    assert "sensitive information (special category)" in evaluation["data_category_labels"]
    collected = {c["category"]: c["items"] for c in content["collected"]}
    assert "ethnic group" in collected["special category"]
    assert "NHS number" in collected["identity"]
    assert "staff" not in collected  # staff data belongs in the staff notice
    assert not any(
        "search" in item or "key" in item for items in collected.values() for item in items
    )
    assert content["complaints"]["phone"] == "0303 123 1113"
    assert content["dpo"]["email"] == "dpo@example.org"
    rights = {r["code"]: r["text"] for r in content["rights"]}
    assert set(rights) >= {
        "access",
        "rectification",
        "erasure",
        "restriction",
        "objection",
        "portability",
        "withdraw_consent",
        "automated_decisions",
    }
    # Worked out from the lawful bases: objection to public-task purposes, consent withdrawn.
    assert "Planning services and reporting to funders" in rights["objection"]
    assert "Keeping children and adults safe" not in rights["objection"]  # legal obligation
    assert "Evaluating the programme" in rights["withdraw_consent"]


def test_nothing_the_data_map_holds_about_a_family_is_left_out():
    """Every personal field about a family member is in 'What we keep', unless it is a link
    between records or is deliberately left out (derived search keys)."""
    shown = {item for group in notice.collected() for item in group["items"]}
    for model_label, fields in DATA_MAP.items():
        for name, fc in fields.items():
            if not fc.personal or fc.subject is not Subject.FAMILY:
                continue
            key = f"{model_label}.{name}"
            if key in notice.ITEM_LABELS:
                label = notice.ITEM_LABELS[key]
                assert label is None or label in shown, key
            elif not notice._is_link(model_label, name):
                assert notice._fallback_label(model_label, name) in shown, key


def test_item_labels_name_only_real_fields():
    for key in notice.ITEM_LABELS:
        model_label, name = key.rsplit(".", 1)
        assert name in DATA_MAP.get(model_label, {}), key


def test_the_fingerprint_changes_with_the_register(personas):
    before = notice.content_hash(notice.build_content())
    assert before == notice.content_hash(notice.build_content())
    _edit(personas.dpo, "evaluation", retention="evaluation data: 10 years")
    assert notice.content_hash(notice.build_content()) != before


# --- publishing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, words",
    [
        ("retention", "needs a retention period (how long the data is kept)"),
        ("description", "needs a description in plain English"),
        ("lawful_basis", "needs a lawful basis"),
    ],
)
def test_publishing_is_refused_naming_the_purpose_that_is_incomplete(personas, field, words):
    Purpose.objects.filter(code="photos-video").update(**{field: ""})
    with pytest.raises(ValidationFailed) as caught:
        registers.notice_publish(actor=personas.dpo, summary="First.")
    assert f"'Photographs and video' {words}" in caught.value.message
    assert not PrivacyNotice.objects.exists()
    problems = notice.publish_problems(notice.build_content())
    assert [p.purpose_code for p in problems] == ["photos-video"]


def test_a_retired_incomplete_purpose_does_not_block_publishing(personas):
    Purpose.objects.filter(code="photos-video").update(retention="", active=False)
    assert registers.notice_publish(actor=personas.dpo, summary="First.").version == 1


def test_publishing_needs_the_dpo_contact(personas, settings):
    settings.FAMILYHUB_PRIVACY_CONTACT = {**settings.FAMILYHUB_PRIVACY_CONTACT, "dpo_email": ""}
    with pytest.raises(ValidationFailed, match="FAMILYHUB_DPO_EMAIL"):
        registers.notice_publish(actor=personas.dpo, summary="First.")
    assert not PrivacyNotice.objects.exists()


def test_published_versions_are_frozen(personas, two_versions):
    v1, v2 = two_versions
    assert (v1.version, v2.version) == (1, 2)
    assert v2.published_by == personas.dpo and v2.summary == "A second evaluator."
    _edit(personas.dpo, "evaluation", retention="evaluation data: 20 years")
    v1.refresh_from_db()
    old = notice.purpose_in(v1.content, "evaluation")
    assert old["retention"].startswith("evaluation data: the lifetime")
    assert notice.purpose_in(v2.content, "evaluation")["retention"] == "evaluation data: 10 years"
    assert ChangeRecord.objects.filter(model="privacynotice", object_uuid=v2.uuid).exists()


def test_publishing_refuses_when_nothing_changed_or_without_summary(personas, two_versions):
    with pytest.raises(ValidationFailed, match="Nothing has changed since version 2"):
        registers.notice_publish(actor=personas.dpo, summary="Again.")
    _edit(personas.dpo, "evaluation", retention="evaluation data: 20 years")
    with pytest.raises(ValidationFailed, match="Say what changed") as caught:
        registers.notice_publish(actor=personas.dpo, summary="   ")
    assert "summary" in caught.value.errors
    assert PrivacyNotice.objects.count() == 2


def test_publishing_refuses_a_stale_preview(personas, two_versions):
    preview_hash = notice.content_hash(notice.build_content())
    with pytest.raises(ConcurrentEdit, match="Version 2 of the privacy notice was published"):
        registers.notice_publish(actor=personas.dpo, summary="x", expected_version=1)
    _edit(personas.dpo, "evaluation", retention="evaluation data: 20 years")
    with pytest.raises(ConcurrentEdit, match="register changed"):
        registers.notice_publish(
            actor=personas.dpo, summary="x", expected_version=2, expected_hash=preview_hash
        )
    assert PrivacyNotice.objects.count() == 2
    published = registers.notice_publish(
        actor=personas.dpo,
        summary="Kept 20 years.",
        expected_version=2,
        expected_hash=notice.content_hash(notice.build_content()),
    )
    assert published.version == 3


@pytest.mark.parametrize("who", ["practitioner", "team_manager", "admin", "analyst"])
def test_only_the_dpo_publishes(personas, who):
    with pytest.raises(PermissionRefused):
        registers.notice_publish(actor=getattr(personas, who), summary="First.")
    assert not PrivacyNotice.objects.exists()


# --- comparing versions --------------------------------------------------------------------------


def test_diff_purpose_by_purpose_field_by_field(personas, two_versions):
    v1, v2 = two_versions
    d = notice.diff(v1.content, v2.content)
    assert [(p.code, p.kind) for p in d.purposes] == [("evaluation", "changed")]
    fields = {f.key: f for f in d.purposes[0].fields}
    assert set(fields) == {"recipients", "retention"}
    assert fields["recipients"].kind == "list"
    assert fields["recipients"].added == [
        "Nottingham Trent University",
        "The University of Nottingham",
    ]
    assert fields["recipients"].removed == [
        "Nottingham Trent University, the programme's evaluation partner: de-personalised "
        "information only, never your name or address"
    ]
    assert fields["retention"].new == "evaluation data: 10 years"
    assert all(f.material for f in fields.values())
    assert notice.summary_of(d) == (
        "Evaluating the programme: changed who receives it, how long it is kept."
    )
    assert notice.diff(v2.content, v2.content).empty


def test_diff_added_removed_renamed_and_word_by_word(personas):
    old = notice.build_content()
    Purpose.objects.filter(code="marketing-publicity").update(active=False)
    registers.purpose_create(
        actor=personas.dpo,
        data={
            "name": "Baby massage photos",
            "description": "Photos at baby massage.",
            "lawful_basis": "consent",
            "data_categories": ["identity"],
            "retention": "until you withdraw consent",
        },
    )
    _edit(
        personas.dpo,
        "evaluation",
        name="Evaluating our work",
        description=Purpose.objects.get(code="evaluation").description.replace(
            "find out whether", "check whether"
        ),
    )
    d = notice.diff(old, notice.build_content())
    kinds = {p.code: p.kind for p in d.purposes}
    assert kinds == {
        "baby-massage-photos": "added",
        "marketing-publicity": "removed",
        "evaluation": "changed",
    }
    evaluation = next(p for p in d.purposes if p.code == "evaluation")
    fields = {f.key: f for f in evaluation.fields}
    assert not fields["name"].material and fields["description"].material
    segments = [(s.op, s.text) for s in fields["description"].segments if s.op != "same"]
    assert segments == [("del", "find out"), ("ins", "check")]
    assert "No longer done: Your quotes and stories in our publicity." in notice.summary_of(d)


def test_material_changes_of_one_purpose():
    a = {"name": "A", "description": "x", "retention": "1 year", "recipients": ["R"]}
    assert notice.material_changes(a, {**a, "name": "B"}) == []
    assert notice.material_changes(a, {**a, "retention": "2 years"}) == ["How long it is kept"]
    assert notice.material_changes(a, {**a, "description": " x "}) == []  # spacing only
    assert notice.material_changes(None, a) == ["not in the version shown"]


def test_diff_shows_changes_to_what_is_collected_and_contacts(personas, two_versions):
    _v1, v2 = two_versions
    newer = dict(v2.content)
    newer["collected"] = [dict(c) for c in newer["collected"]]
    newer["collected"][0]["items"] = [*newer["collected"][0]["items"], "shoe size"]
    newer["dpo"] = {**newer["dpo"], "phone": "0115 496 0999"}
    d = notice.diff(v2.content, newer)
    labels = {s.label: s for s in d.sections}
    assert labels["What we collect: Who you are"].added == ["shoe size"]
    assert "Our Data Protection Officer" in labels


# --- the public pages: no sign-in -----------------------------------------------------------------


def test_before_the_first_version_the_page_says_so(client):
    response = client.get(reverse("privacy:notice"))
    assert response.status_code == 200
    assert "has not been published yet" in response.content.decode()


@pytest.mark.parametrize("who", [None, "practitioner", "dpo", "analyst"])
def test_anyone_reads_the_notice(personas, client_for, two_versions, who):
    client = client_for(getattr(personas, who) if who else None)
    body = client.get(reverse("privacy:notice")).content.decode()
    assert "How we use your family's information" in body
    assert "Version 2, published" in body
    assert "The University of Nottingham" in body and "Evaluating the programme" in body
    assert "ico.org.uk" in body and "0303 123 1113" in body
    assert "dpo@example.org" in body
    assert "Ethnic group" in body  # what is collected, from the data map
    assert reverse("privacy:notice_changes", args=[1, 2]) in body
    assert 'name="viewport"' in body


def test_an_earlier_version_reads_as_published(personas, client, two_versions):
    body = client.get(reverse("privacy:notice_version", args=[1])).content.decode()
    assert "This is an earlier version" in body
    assert "The University of Nottingham" not in body
    assert "Nottingham Trent University" in body
    assert "earlier version" not in client.get("/privacy-notice/v2/").content.decode()
    assert client.get("/privacy-notice/v3/").status_code == 404


def test_versions_and_changes_pages(personas, client, two_versions, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        body = client.get(reverse("privacy:notice_versions")).content.decode()
    assert "Version 2" in body and "A second evaluator." in body and "Version 1" in body
    body = client.get(reverse("privacy:notice_changes", args=[1, 2])).content.decode()
    assert "What changed from version 1 to version 2" in body
    assert "<ins>The University of Nottingham</ins>" in body
    assert "evaluation data: 10 years" in body and "Evaluating the programme" in body
    assert "Keeping children and adults safe" not in body  # unchanged purposes are not listed
    assert client.get("/privacy-notice/changes/1/9/").status_code == 404


def test_public_pages_answer_get_only(client, two_versions):
    for url in ("/privacy-notice/", "/privacy-notice/versions/", "/privacy-notice/v1/"):
        assert client.post(url).status_code == 405


# --- the DPO's preview and publish page ------------------------------------------------------------


def test_dpo_previews_the_next_version_against_the_current_one(personas, client_for, two_versions):
    _edit(personas.dpo, "photos-video", retention="until you withdraw consent, at most 3 years")
    client = client_for(personas.dpo)
    body = client.get(reverse("privacy:notice_manage")).content.decode()
    assert "Preview and publish version 3" in body
    assert 'id="change-photos-video"' in body and "at most 3 years" in body
    assert 'id="change-evaluation"' not in body  # already in version 2
    assert "Photographs and video: changed how long it is kept." in body  # suggested summary
    assert 'id="reconsent-counts"' in body


def test_dpo_publishes_from_the_page(personas, client_for):
    client = client_for(personas.dpo)
    page = client.get(reverse("privacy:notice_manage"))
    form = page.context["form"]
    response = client.post(
        reverse("privacy:notice_manage"),
        {
            "summary": "First published version.",
            "expected_version": form.initial["expected_version"],
            "expected_hash": form.initial["expected_hash"],
        },
    )
    assert response.status_code == 302
    assert PrivacyNotice.objects.get().version == 1


def test_the_page_refuses_a_stale_preview_and_an_empty_form(personas, client_for):
    client = client_for(personas.dpo)
    form = client.get(reverse("privacy:notice_manage")).context["form"]
    _edit(personas.dpo, "evaluation", retention="evaluation data: 10 years")
    response = client.post(
        reverse("privacy:notice_manage"),
        {
            "summary": "First.",
            "expected_version": form.initial["expected_version"],
            "expected_hash": form.initial["expected_hash"],
        },
        follow=True,
    )
    assert "The register changed while you were looking at the preview" in response.content.decode()
    assert not PrivacyNotice.objects.exists()
    response = client.post(reverse("privacy:notice_manage"), {})
    assert response.status_code == 200 and not PrivacyNotice.objects.exists()
    assert "govuk-error-summary" in response.content.decode()


def test_the_page_lists_what_blocks_publishing_and_offers_no_button(personas, client_for):
    Purpose.objects.filter(code="evaluation").update(retention="")
    body = client_for(personas.dpo).get(reverse("privacy:notice_manage")).content.decode()
    assert "The notice cannot be published yet" in body
    assert "&#x27;Evaluating the programme&#x27; needs a retention period" in body
    assert reverse("privacy:purpose_edit", args=["evaluation"]) in body
    assert "Publish version 1" not in body


@pytest.mark.parametrize("who", ["practitioner", "team_manager", "admin", "analyst"])
def test_only_the_dpo_sees_the_publish_page(personas, client_for, who):
    client = client_for(getattr(personas, who))
    assert client.get(reverse("privacy:notice_manage")).status_code == 403
    assert client.post(reverse("privacy:notice_manage"), {"summary": "x"}).status_code == 403
    assert not PrivacyNotice.objects.exists()


# --- the demo ------------------------------------------------------------------------------------


def test_demo_set_up_publishes_version_1_once(personas):
    from familyhub.core.demo import privacy_notice

    assert "version 1 published" in privacy_notice.ensure_published()
    notice_1 = PrivacyNotice.objects.get()
    assert notice_1.published_by == personas.dpo and notice_1.summary == privacy_notice.SUMMARY
    assert privacy_notice.ensure_published() == "Privacy notice: version 1 is published."
    assert PrivacyNotice.objects.count() == 1


def test_every_kind_of_record_about_a_family_is_named_in_plain_words():
    """A model the notice does not word field by field needs words in MODEL_WORDS: its verbose
    name ('break glass grants', 'import batchs') is not what a family would call it."""
    from django.apps import apps

    missing = []
    for model_label, fields in DATA_MAP.items():
        personal = [
            name
            for name, fc in fields.items()
            if fc.personal
            and fc.subject is Subject.FAMILY
            and f"{model_label}.{name}" not in notice.ITEM_LABELS
            and not notice._is_link(model_label, name)
        ]
        curated = model_label in notice._CURATED_MODELS or model_label in notice.MODEL_WORDS
        if personal and not curated:
            missing.append(model_label)
    assert not missing, f"add these to privacy.notice.MODEL_WORDS: {missing}"
    for model_label in notice.MODEL_WORDS:
        apps.get_model(model_label)  # a real model
