"""The purposes register (R-CONSENT-1): the seeded register, the DPO's services with their
validation, history and optimistic locking, and the register's pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from familyhub.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.privacy import purposes, registers, selectors
from familyhub.privacy.models import LawfulBasis, Purpose

VALID = {
    "name": "Baby massage group photos",
    "description": "Photos of babies at massage groups, for our noticeboard.",
    "lawful_basis": LawfulBasis.CONSENT,
    "data_categories": ["identity"],
    "retention": "until you withdraw consent",
    "parental_consent_for_children": True,
}


def _refused(data, field, fragment, existing=None):
    with pytest.raises(ValidationFailed) as caught:
        registers.clean_purpose_data(data, existing=existing)
    messages = caught.value.errors.get(field, [])
    assert any(fragment in m for m in messages), caught.value.errors
    return caught.value


# --- the seeded register -------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_purpose_code_asks_about_is_seeded_and_valid():
    """R-CONSENT-1: after migrate, every code in privacy.purposes exists, and every seeded
    purpose passes the same validation as the DPO's edits, with its source noted."""
    codes = set(Purpose.objects.values_list("code", flat=True))
    assert set(purposes.ALL) <= codes
    for p in Purpose.objects.all():
        registers.clean_purpose_data(
            {name: getattr(p, name) for name in registers.PURPOSE_FIELDS}, existing=p
        )
        assert p.description and p.retention and p.lawful_basis and p.source, p.code
        assert ("000" in p.source) or ("001" in p.source) or ("004" in p.source), p.source
    consent = set(Purpose.objects.filter(lawful_basis="consent").values_list("code", flat=True))
    assert {"service-delivery", "receiving-information", "evaluation", "photos-video"} <= consent
    assert Purpose.objects.get(code="legal-claims").allowed_when_restricted
    assert "outside the UK" in Purpose.objects.get(code="imagination-library").transfers


@pytest.mark.django_db
def test_seed_loader_adds_missing_purposes_and_never_overwrites():
    evaluation = Purpose.objects.get(code="evaluation")
    Purpose.objects.filter(pk=evaluation.pk).update(retention="changed by the DPO")
    # A purpose missing from the register (here: its code changed behind the loader's back).
    Purpose.objects.filter(code="photos-video").update(code="photos-video-old")
    assert registers.load_seed_purposes() == 1
    assert Purpose.objects.get(code="evaluation").retention == "changed by the DPO"
    assert Purpose.objects.get(code="photos-video").name == "Photographs and video"
    assert registers.load_seed_purposes() == 0


# --- validation: each refusal with a clear reason, at its field ---------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, field, fragment",
    [
        ({"lawful_basis": ""}, "lawful_basis", "Choose the lawful basis under UK GDPR Article 6"),
        ({"lawful_basis": "because"}, "lawful_basis", "not an Article 6 lawful basis"),
        ({"lawful_basis": "public_task"}, "basis_detail", "For public task, name the law"),
        ({"lawful_basis": "legal_obligation"}, "basis_detail", "legal obligation"),
        (
            {"data_categories": ["identity", "special category"]},
            "special_category_condition",
            "uses special-category data: give the Article 9(2) condition",
        ),
        (
            {
                "data_categories": ["special category"],
                "special_category_condition": "health reasons",
            },
            "special_category_condition",
            "Name the Article 9(2) condition",
        ),
        (
            {
                "data_categories": ["special category"],
                "special_category_condition": "Article 9(2)(h) health or social care",
            },
            "special_category_condition",
            "9(2)(h) also needs a condition from DPA 2018 Schedule 1",
        ),
        (
            {"special_category_condition": "Article 9(2)(a)"},
            "special_category_condition",
            "Only a purpose that uses special-category data",
        ),
        ({"data_categories": ["identity", "shoe size"]}, "data_categories", "shoe size"),
        ({"data_categories": ["not personal"]}, "data_categories", "not personal"),
        ({"data_categories": []}, "data_categories", "Choose the categories"),
        ({"name": "  "}, "name", "Enter the purpose's name"),
        ({"name": "Evaluating the programme"}, "name", "already a purpose called"),
        ({"retention": "x" * 121}, "retention", "120 characters or fewer"),
        ({"sort_order": "first"}, "sort_order", "whole number"),
    ],
)
def test_refusals(change, field, fragment):
    _refused({**VALID, **change}, field, fragment)


@pytest.mark.django_db
def test_valid_special_category_conditions_pass():
    for condition in (
        "Article 9(2)(a): explicit consent",
        "Article 9(2)(f): legal claims",
        "Article 9(2)(h) with DPA 2018 Schedule 1 Part 1 paragraph 2",
        "article 9 (2) (g) and schedule 1 part 2 paragraph 18",
    ):
        clean = registers.clean_purpose_data(
            {
                **VALID,
                "data_categories": ["special category", "identity"],
                "special_category_condition": condition,
            }
        )
        # Stored in the data map's order, whatever the order chosen.
        assert clean["data_categories"] == ["identity", "special category"]


@pytest.mark.django_db
def test_every_problem_is_reported_at_once():
    e = _refused(
        {"name": "", "lawful_basis": "", "data_categories": ["shoe size"]}, "name", "Enter"
    )
    assert {"name", "lawful_basis", "data_categories"} <= set(e.errors)


@pytest.mark.django_db
def test_a_purpose_without_a_lawful_basis_is_refused_and_nothing_is_saved(personas):
    before = Purpose.objects.count(), ChangeRecord.objects.count()
    with pytest.raises(ValidationFailed, match="lawful basis"):
        registers.purpose_create(actor=personas.dpo, data={**VALID, "lawful_basis": ""})
    assert (Purpose.objects.count(), ChangeRecord.objects.count()) == before


# --- create and update: history and optimistic locking (ADR 0003) --------------------------------


@pytest.mark.django_db
def test_create_makes_a_stable_code_and_records_it(personas):
    purpose = registers.purpose_create(actor=personas.dpo, data=VALID, reason="new group")
    assert purpose.code == "baby-massage-group-photos"
    assert purpose.version == 1 and purpose.active
    history = selectors.purpose_history(purpose)
    assert [(h.action, h.actor, h.reason) for h in history] == [
        ("create", personas.dpo, "new group")
    ]
    again = registers.purpose_create(actor=personas.dpo, data={**VALID, "name": "Baby massage!"})
    assert again.code == "baby-massage"


@pytest.mark.django_db
def test_update_records_each_changed_field_in_words(personas):
    purpose = Purpose.objects.get(code="evaluation")
    changed = registers.purpose_update(
        actor=personas.dpo,
        purpose=purpose,
        data={
            "retention": "evaluation data: 10 years",
            "data_categories": ["identity", "case note", "special category", "circumstances"],
            "parental_consent_for_children": False,
        },
        expected_version=purpose.version,
        reason="evaluation contract renewed",
    )
    assert set(changed) == {"retention", "parental_consent_for_children"}
    purpose.refresh_from_db()
    assert purpose.version == 2 and purpose.retention == "evaluation data: 10 years"
    rows = {h.field: h for h in selectors.purpose_history(purpose)}
    assert rows["retention"].old_value.startswith("evaluation data: the lifetime")
    assert rows["retention"].new_value == "evaluation data: 10 years"
    assert (
        rows["parental_consent_for_children"].old_value,
        rows["parental_consent_for_children"].new_value,
    ) == ("Yes", "No")
    assert rows["retention"].reason == "evaluation contract renewed"
    assert rows["retention"].actor == personas.dpo

    registers.purpose_update(
        actor=personas.dpo,
        purpose=purpose,
        data={"data_categories": ["identity", "case note"], "special_category_condition": ""},
        expected_version=purpose.version,
    )
    row = next(h for h in selectors.purpose_history(purpose) if h.field == "data_categories")
    assert row.old_value == "identity, circumstances, special category, case note"
    assert row.new_value == "identity, case note"


@pytest.mark.django_db
def test_a_stale_edit_is_refused_and_writes_nothing(personas):
    purpose = Purpose.objects.get(code="evaluation")
    read_at = purpose.version
    registers.purpose_update(
        actor=personas.dpo, purpose=purpose, data={"retention": "A"}, expected_version=read_at
    )
    stale = Purpose.objects.get(code="evaluation")
    stale.version = read_at
    before = ChangeRecord.objects.count()
    with pytest.raises(ConcurrentEdit):
        registers.purpose_update(
            actor=personas.dpo, purpose=stale, data={"retention": "B"}, expected_version=read_at
        )
    assert Purpose.objects.get(code="evaluation").retention == "A"
    assert ChangeRecord.objects.count() == before


@pytest.mark.django_db
def test_update_validates_the_whole_purpose(personas):
    purpose = Purpose.objects.get(code="service-planning")
    with pytest.raises(ValidationFailed) as caught:
        registers.purpose_update(
            actor=personas.dpo,
            purpose=purpose,
            data={"special_category_condition": ""},
            expected_version=purpose.version,
        )
    assert "special_category_condition" in caught.value.errors
    assert Purpose.objects.get(code="service-planning").special_category_condition


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["practitioner", "team_manager", "admin", "analyst"])
def test_only_the_dpo_writes_the_register(personas, who):
    user = getattr(personas, who)
    purpose = Purpose.objects.get(code="evaluation")
    with pytest.raises(PermissionRefused):
        registers.purpose_create(actor=user, data=VALID)
    with pytest.raises(PermissionRefused):
        registers.purpose_update(
            actor=user, purpose=purpose, data={"retention": "x"}, expected_version=1
        )


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["practitioner", "analyst", "admin", "dpo", "partner_staff"])
def test_every_member_of_staff_reads_the_register(
    personas, client_for, who, django_assert_max_num_queries
):
    for i in range(20):  # however long the register, the page costs the same
        Purpose.objects.create(code=f"extra-{i}", name=f"Extra {i}", lawful_basis="consent")
    client = client_for(getattr(personas, who))
    # Session, user, second factor, roles, break-glass grants, session save (3): 7; then the
    # purposes and the current notice: 2, whatever the number of purposes.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("privacy:register"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Evaluating the programme" in body and "Keeping children and adults safe" in body
    assert ("Add a purpose" in body) == (who == "dpo")
    assert ("Record of processing activities" in body) == (who == "dpo")


@pytest.mark.django_db
def test_the_register_flags_what_blocks_publishing(personas, client_for):
    Purpose.objects.filter(code="evaluation").update(retention="")
    body = client_for(personas.dpo).get(reverse("privacy:register")).content.decode()
    assert "No retention" in body


@pytest.mark.django_db
def test_purpose_page_shows_its_history(personas, client_for):
    purpose = Purpose.objects.get(code="evaluation")
    registers.purpose_update(
        actor=personas.dpo,
        purpose=purpose,
        data={"recipients": "Nottingham Trent University\nA second evaluator"},
        expected_version=purpose.version,
        reason="second evaluator appointed",
    )
    response = client_for(personas.practitioner).get(
        reverse("privacy:purpose_detail", args=["evaluation"])
    )
    body = response.content.decode()
    assert "A second evaluator" in body and "second evaluator appointed" in body
    assert "Change this purpose" not in body
    assert client_for(personas.practitioner).get("/privacy/purposes/nope/").status_code == 404


@pytest.mark.django_db
def test_create_page_shows_errors_at_the_field_and_keeps_what_was_typed(personas, client_for):
    client = client_for(personas.dpo)
    response = client.post(
        reverse("privacy:purpose_create"),
        {
            "name": "Stay and play photos",
            "description": "Typed description",
            "data_categories": ["identity", "special category"],
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Choose the lawful basis under UK GDPR Article 6" in body
    assert "give the Article 9(2) condition" in body
    assert 'value="Stay and play photos"' in body and "Typed description" in body
    assert 'id="id_lawful_basis_0"' in body and "govuk-error-summary" in body
    assert not Purpose.objects.filter(name="Stay and play photos").exists()

    response = client.post(
        reverse("privacy:purpose_create"),
        {**VALID, "data_categories": ["identity"], "reason": "requested by the hub"},
    )
    assert response.status_code == 302
    assert Purpose.objects.get(code="baby-massage-group-photos").lawful_basis == "consent"


@pytest.mark.django_db
def test_edit_page_saves_and_shows_someone_elses_change(personas, client_for):
    purpose = Purpose.objects.get(code="evaluation")
    client = client_for(personas.dpo)
    form = client.get(reverse("privacy:purpose_edit", args=["evaluation"]))
    assert form.status_code == 200 and 'name="version" value="1"' in form.content.decode()
    data = {
        name: value
        for name, value in registers.clean_purpose_data(
            {n: getattr(purpose, n) for n in registers.PURPOSE_FIELDS}, existing=purpose
        ).items()
        if value not in (False, None)
    }
    # Meanwhile someone else saves the purpose.
    registers.purpose_update(
        actor=personas.dpo, purpose=purpose, data={"retention": "theirs"}, expected_version=1
    )
    response = client.post(
        reverse("privacy:purpose_edit", args=["evaluation"]),
        {**data, "retention": "mine", "version": "1"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this record" in body and "theirs" in body
    assert 'value="mine"' in body and 'name="version" value="2"' in body
    assert Purpose.objects.get(code="evaluation").retention == "theirs"
    # Saving again, on the fresh version, keeps the typed value.
    response = client.post(
        reverse("privacy:purpose_edit", args=["evaluation"]),
        {**data, "retention": "mine", "version": "2"},
    )
    assert response.status_code == 302
    assert Purpose.objects.get(code="evaluation").retention == "mine"


@pytest.mark.django_db
def test_retiring_a_purpose_moves_it_out_of_use(personas, client_for):
    purpose = Purpose.objects.get(code="marketing-publicity")
    data = {n: getattr(purpose, n) for n in registers.PURPOSE_FIELDS if n != "active"}
    data = {k: v for k, v in data.items() if v not in (False, None)}
    response = client_for(personas.dpo).post(
        reverse("privacy:purpose_edit", args=["marketing-publicity"]),
        {**data, "version": str(purpose.version)},  # "In use" left unticked
    )
    assert response.status_code == 302
    assert not Purpose.objects.get(code="marketing-publicity").active
    body = client_for(personas.dpo).get(reverse("privacy:register")).content.decode()
    assert 'id="retired"' in body


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["practitioner", "team_manager", "admin", "analyst"])
def test_only_the_dpo_sees_the_forms(personas, client_for, who):
    client = client_for(getattr(personas, who))
    assert client.get(reverse("privacy:purpose_create")).status_code == 403
    assert client.post(reverse("privacy:purpose_create"), VALID).status_code == 403
    assert client.get(reverse("privacy:purpose_edit", args=["evaluation"])).status_code == 403
    assert not Purpose.objects.filter(name=VALID["name"]).exists()
