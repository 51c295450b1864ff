"""The agreement register (R-SHARE-1): rules, history, suspend/resume, pages allowed and denied."""

from __future__ import annotations

from datetime import date

import pytest

from familyhub.core.errors import ApplicationError, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.sharing.models import Agreement
from familyhub.sharing.services import agreements as services
from familyhub.sharing.testing import make_agreement

pytestmark = pytest.mark.django_db

VALID = {
    "reference": "DSA-2026-01",
    "title": "SSBC evaluation",
    "recipient": "The evaluation partner",
    "purpose": "Evaluate how the programme reaches families",
    "level": "aggregate",
    "data_items": ["ward", "ethnicity_group", "attendances"],
    "lawful_basis": "public_task",
    "frequency": "quarterly",
    "starts_on": date(2026, 1, 1),
    "ends_on": date(2027, 12, 31),
    "responsible_name": "Dana Officer",
}


def _errors(data, **kw):
    with pytest.raises(ValidationFailed) as e:
        services.agreement_create(actor=None, data={**VALID, **data}, **kw)
    return e.value.errors


def test_create_records_history_and_makes_a_salt(personas):
    a = services.agreement_create(actor=personas.dpo, data=VALID)
    assert a.pseudonym_salt and len(a.pseudonym_salt) == 32
    assert a.rule_set == "round-5-suppress-1-7"
    history = list(services.agreement_history(a))
    assert {c.field for c in history} >= {"", "reference", "data_items", "level"}
    assert all(c.actor == personas.dpo for c in history)


def test_rules(personas):
    assert "data_items" in _errors({"data_items": ["name"]})  # identifiable item, aggregate level
    assert "data_items" in _errors({"data_items": ["shoe_size"]})
    assert "data_items" in _errors({"data_items": []})
    assert "ends_on" in _errors({"ends_on": date(2025, 1, 1)})
    assert "consent_purpose" in _errors({"lawful_basis": "consent"})
    assert "consent_purpose" in _errors(
        {"lawful_basis": "consent", "consent_purpose": "service-planning"}
    )
    assert "rule_set" in _errors({"rule_set": "round-to-the-nearest-hundred"})
    assert "title" in _errors({"title": ""})
    services.agreement_create(actor=None, data=VALID)
    assert "reference" in _errors({"reference": "dsa-2026-01"})
    ok = services.agreement_create(
        actor=None,
        data={
            **VALID,
            "reference": "DSA-IL",
            "level": "identifiable",
            "data_items": ["name", "address", "date_of_birth"],
            "lawful_basis": "consent",
            "consent_purpose": "imagination-library",
        },
    )
    assert ok.consent_purpose.code == "imagination-library"


def test_update_records_each_change_and_refuses_a_stale_edit(personas):
    a = services.agreement_create(actor=personas.dpo, data=VALID)
    changed = services.agreement_update(
        actor=personas.admin,
        agreement=a,
        data={**VALID, "title": "SSBC evaluation, phase 2", "reason": "Phase 2 signed"},
        expected_version=a.version,
    )
    assert changed == ["title"]
    rec = ChangeRecord.objects.get(object_uuid=a.uuid, field="title", action="update")
    assert (rec.old_value, rec.new_value, rec.reason) == (
        "SSBC evaluation",
        "SSBC evaluation, phase 2",
        "Phase 2 signed",
    )
    with pytest.raises(ApplicationError):
        services.agreement_update(
            actor=personas.admin, agreement=a, data={**VALID, "title": "x"}, expected_version=1
        )


def test_suspend_and_resume(personas):
    a = make_agreement()
    with pytest.raises(ValidationFailed):
        services.agreement_suspend(actor=personas.dpo, agreement=a, reason=" ")
    services.agreement_suspend(actor=personas.dpo, agreement=a, reason="Breach under review")
    a.refresh_from_db()
    assert a.suspended_at is not None
    assert a not in services.in_force()
    with pytest.raises(ApplicationError):
        services.agreement_suspend(actor=personas.dpo, agreement=a, reason="again")
    services.agreement_resume(actor=personas.dpo, agreement=a)
    a.refresh_from_db()
    assert a.suspended_at is None and a in services.in_force()


# --- pages -------------------------------------------------------------------------------------


def test_register_pages_for_the_dpo(personas, client_for, django_assert_max_num_queries):
    for i in range(30):
        make_agreement(reference=f"DSA-{i:03d}")
    client = client_for(personas.dpo)
    with django_assert_max_num_queries(15):
        response = client.get("/sharing/agreements/")
    assert response.status_code == 200
    assert b"DSA-000" in response.content and b"Page 1 of 2" in response.content
    response = client.post("/sharing/agreements/new/", {})
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert b"Enter a title" in response.content
    data = {**VALID, "starts_on": "1/1/2026", "ends_on": "31/12/2027", "rule_set": "ons-10-5"}
    bad = client.post("/sharing/agreements/new/", {**data, "ends_on": "1/1/2025"})
    assert b"The end date must be after the start date" in bad.content
    assert b'value="SSBC evaluation"' in bad.content  # what was typed is kept
    response = client.post("/sharing/agreements/new/", data)
    assert response.status_code == 302
    a = Agreement.objects.get(reference="DSA-2026-01")
    assert a.rule_set == "ons-10-5"
    detail = client.get(f"/sharing/agreements/{a.uuid}/")
    assert b"SSBC evaluation" in detail.content and b"History of changes" in detail.content
    edit = client.post(
        f"/sharing/agreements/{a.uuid}/edit/",
        {**data, "title": "Renamed", "version": a.version, "reason": "typo"},
    )
    assert edit.status_code == 302
    assert client.post(f"/sharing/agreements/{a.uuid}/suspend/", {}).status_code == 200
    assert (
        client.post(f"/sharing/agreements/{a.uuid}/suspend/", {"reason": "Review"}).status_code
        == 302
    )
    assert client.post(f"/sharing/agreements/{a.uuid}/resume/", {}).status_code == 302
    a.refresh_from_db()
    assert a.title == "Renamed" and a.suspended_at is None


@pytest.mark.parametrize(
    "persona,read,write",
    [
        ("dpo", 200, 200),
        ("admin", 200, 200),
        # Those who produce outputs under the register read it, and change nothing.
        ("team_manager", 200, 403),
        ("analyst", 200, 403),
        ("practitioner", 403, 403),
        ("group_worker", 403, 403),
        ("partner_staff", 403, 403),
        (None, 302, 302),
    ],
)
def test_register_allowed_and_denied(personas, client_for, persona, read, write):
    """R-SHARE-1, R-ACCESS-1: the register is kept by the DPO and administrators, read by those
    who produce reports under it (team managers, analysts)."""
    a = make_agreement()
    client = client_for(getattr(personas, persona) if persona else None)
    for path in ("/sharing/agreements/", f"/sharing/agreements/{a.uuid}/"):
        assert client.get(path).status_code == read, path
    for path in (
        "/sharing/agreements/new/",
        f"/sharing/agreements/{a.uuid}/edit/",
        f"/sharing/agreements/{a.uuid}/suspend/",
        f"/sharing/agreements/{a.uuid}/resume/",
    ):
        assert client.get(path).status_code == write, path
        assert client.post(path, {"reason": "x", "title": "Changed"}).status_code in (
            write,
            302 if write == 200 else write,
        ), path
    a.refresh_from_db()
    if write == 403 or persona is None:
        assert a.title == "Evaluation of the programme" and a.suspended_at is None


@pytest.mark.parametrize("persona", ["analyst", "team_manager"])
def test_register_read_only_shows_no_change_buttons(personas, client_for, persona):
    a = make_agreement(recipient_organisation=personas.partner)
    client = client_for(getattr(personas, persona))
    listing = client.get("/sharing/agreements/").content.decode()
    assert a.reference in listing and "Add an agreement" not in listing
    detail = client.get(f"/sharing/agreements/{a.uuid}/").content.decode()
    assert "Test Toy Library" in detail
    assert "/edit/" not in detail and "/suspend/" not in detail
    assert "the DPO and administrators keep it" in detail
    dpo = client_for(personas.dpo).get(f"/sharing/agreements/{a.uuid}/").content.decode()
    assert "/edit/" in dpo and "/suspend/" in dpo


# --- the recipient's organisation (R-SHARE-1) ----------------------------------------------------


def test_recipient_organisation_chosen_validated_and_shown(personas, client_for):
    client = client_for(personas.dpo)
    form = client.get("/sharing/agreements/new/").content.decode()
    assert 'name="recipient_organisation"' in form and "Test Toy Library" in form
    data = {**VALID, "starts_on": "1/1/2026", "ends_on": "31/12/2027"}
    # Not an organisation familyhub knows: refused at the field, what was typed kept.
    bad = client.post(
        "/sharing/agreements/new/", {**data, "recipient_organisation": str(personas.team.uuid)}
    )
    assert bad.status_code == 200
    assert b"Choose the recipient&#x27;s organisation from the list, or none" in bad.content
    assert not Agreement.objects.filter(reference="DSA-2026-01").exists()
    # Chosen, with the recipient left empty: the organisation names the recipient.
    response = client.post(
        "/sharing/agreements/new/",
        {**data, "recipient": "", "recipient_organisation": str(personas.partner.uuid)},
    )
    assert response.status_code == 302
    a = Agreement.objects.get(reference="DSA-2026-01")
    assert a.recipient_organisation == personas.partner and a.recipient == "Test Toy Library"
    detail = client.get(f"/sharing/agreements/{a.uuid}/").content.decode()
    assert "Recipient's organisation in familyhub" in detail
    assert "Test Toy Library (delivery partner)" in detail
    listing = client.get("/sharing/agreements/").content.decode()
    assert "Test Toy Library" in listing
    # The edit form starts from it; choosing none takes it off, in the history.
    edit = client.get(f"/sharing/agreements/{a.uuid}/edit/").content.decode()
    assert f'value="{personas.partner.uuid}" selected' in edit
    changed = client.post(
        f"/sharing/agreements/{a.uuid}/edit/",
        {
            **data,
            "recipient": "Toy Library evaluation team",
            "recipient_organisation": "",
            "version": a.version,
            "reason": "Recipient is now the evaluation team",
        },
    )
    assert changed.status_code == 302
    a.refresh_from_db()
    assert a.recipient_organisation is None and a.recipient == "Toy Library evaluation team"
    fields = set(services.agreement_history(a).values_list("field", flat=True))
    assert "recipient_organisation" in fields


def test_recipient_organisation_rules(personas):
    from familyhub.places.models import Organisation

    assert "recipient_organisation" in _errors({"recipient_organisation": "not-a-uuid"})
    gone = Organisation.objects.create(name="Closed charity", kind="other", active=False)
    assert "recipient_organisation" in _errors({"recipient_organisation": str(gone.uuid)})
    # Neither a recipient nor an organisation: the recipient is still required.
    assert "recipient" in _errors({"recipient": "", "recipient_organisation": None})
    ok = services.agreement_create(
        actor=personas.dpo, data={**VALID, "recipient_organisation": personas.partner}
    )
    assert ok.recipient == "The evaluation partner"  # a typed recipient is kept


def test_demo_agreements_and_governance_reports(personas):
    from familyhub.sharing.demo import load_sharing_demo
    from familyhub.sharing.models import ReportSpec

    assert "6 agreements and 3 scheduled reports" in load_sharing_demo()
    assert "0 agreements and 0 scheduled reports" in load_sharing_demo()
    il = Agreement.objects.get(reference="DSA-IMAGINATION-LIBRARY")
    assert il.consent_purpose.code == "imagination-library" and il.level == "identifiable"
    assert sorted(ReportSpec.objects.values_list("schedule", flat=True)) == [
        "annual",
        "bimonthly",
        "monthly",
    ]
