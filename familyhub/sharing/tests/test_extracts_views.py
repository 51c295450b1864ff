"""The extract pages (R-SHARE-3, R-SHARE-4; ADR 0019): produce, see the figures, download."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from familyhub.core.testing import make_household
from familyhub.sharing.models import Level, Output
from familyhub.sharing.testing import make_agreement

ITEMS = ["pseudonym", "birth_month_year", "sex_field", "ward_field"]


@pytest.fixture
def families(personas):
    for _ in range(6):
        make_household(organisation=personas.lead, ward=personas.ward, adults=1, children=1)
    return personas


def test_produce_a_depersonalised_extract_and_download_it(families, client_for):
    agreement = make_agreement(
        level=Level.DEPERSONALISED, items=ITEMS, k_threshold=3, l_threshold=1
    )
    client = client_for(families.analyst)
    response = client.post(
        reverse("sharing:extract_new"),
        {
            "level": "depersonalised",
            "agreement": agreement.reference,
            "population": "children",
            "items": ITEMS,
        },
    )
    assert response.status_code == 302
    output = Output.objects.get(status=Output.Status.RELEASED)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"k-anonymity" in page.content and b"Generalisations applied" in page.content
    file = client.get(reverse("sharing:extract_download", args=[output.uuid]))
    assert file.status_code == 200 and file["Content-Type"].startswith("text/csv")
    assert hashlib.sha256(file.content).hexdigest() == output.disclosure.sha256
    assert file["Cache-Control"] == "no-store"


def test_refusal_is_shown_at_the_field_and_kept(families, client_for):
    agreement = make_agreement(level=Level.DEPERSONALISED, items=["pseudonym"])
    response = client_for(families.dpo).post(
        reverse("sharing:extract_new"),
        {"level": "depersonalised", "agreement": agreement.reference, "items": ITEMS},
    )
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content and b"does not cover" in response.content
    # What was typed is kept: the chosen items are still ticked.
    assert response.content.count(b"checked") >= len(ITEMS)
    assert Output.objects.filter(status=Output.Status.REFUSED).count() == 1


def test_identifiable_extract_shows_the_password_once(families, client_for):
    agreement = make_agreement(level=Level.IDENTIFIABLE, items=["name", "postcode"])
    client = client_for(families.dpo)
    response = client.post(
        reverse("sharing:extract_new"),
        {"level": "identifiable", "agreement": agreement.reference, "items": ["name", "postcode"]},
    )
    assert response.status_code == 200 and b"extract-password" in response.content
    assert response["Cache-Control"] == "no-store"
    output = Output.objects.get(kind=Output.Kind.EXTRACT_IDENTIFIABLE)
    detail = client.get(reverse("sharing:extract_detail", args=[output.uuid]))
    assert b"extract-password" not in detail.content and b"not stored" in detail.content
    # Analysts and team managers produce de-personalised extracts only: an identifiable one is
    # not found for them.
    for user in (families.analyst, families.team_manager):
        got = client_for(user).get(reverse("sharing:extract_detail", args=[output.uuid]))
        assert got.status_code == 404


def test_extract_list_query_count(families, client_for, django_assert_max_num_queries):
    agreement = make_agreement(
        level=Level.DEPERSONALISED, items=ITEMS, k_threshold=1, l_threshold=1
    )
    from familyhub.sharing.services import extracts

    for _ in range(3):
        extracts.extract_produce(
            actor=families.dpo, agreement=agreement, level=Level.DEPERSONALISED, items=ITEMS
        )
    client = client_for(families.dpo)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("sharing:extract_list"))
    assert response.status_code == 200 and response.content.count(b"De-personalised extract") >= 3


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("practitioner", 403),
        ("group_worker", 403),
        ("admin", 403),
        ("partner_staff", 403),
        ("analyst", 200),
        ("team_manager", 200),
        ("dpo", 200),
    ],
)
def test_who_may_produce(personas, client_for, persona, status):
    response = client_for(getattr(personas, persona)).get(reverse("sharing:extract_new"))
    assert response.status_code == status
