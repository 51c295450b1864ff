from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from familyhub.access.models import ApiToken
from familyhub.core.testing import register_smith_family

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """The personas' passwords are hashed with Argon2 otherwise (~0.3 s each): the root conftest's
    FAMILYHUB_FAST_HASHER is set after pytest-django has already loaded the settings."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api():
    """api(user) -> an APIClient authenticated as that user (anonymous for None)."""

    def _client(user: Any) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return _client


def make_token(user: Any, *, days: int | None = 30, revoked: bool = False) -> str:
    key = ApiToken.new_key()
    now = timezone.now()
    ApiToken.objects.create(
        user=user,
        name="test",
        prefix=key[:8],
        key_hash=ApiToken.hash_key(key),
        expires_at=now + timedelta(days=days) if days is not None else None,
        revoked_at=now if revoked else None,
    )
    return key


def register_smiths(actor: Any) -> Any:
    """John Smith and his child Amy, through the service (the one write path)."""
    return register_smith_family(actor, {"given_name": "Amy", "date_of_birth": date(2023, 5, 6)})


def household_payload(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    body: dict[str, Any] = {
        "name": "Jones family",
        "phone": "0115 496 0000",
        "address": {"line1": "2 Test Road", "postcode": "ng7 5hy", "ward": "E05012275"},
        "members": [
            {
                "role": "parent_carer",
                "person": {
                    "given_name": "Carys",
                    "family_name": "Jones",
                    "date_of_birth": "1992-03-04",
                    "nhs_number": "999 000 0026",
                    "ethnicity": "ons-13",
                    "religion": "none",
                },
            },
            {
                "role": "child",
                "person": {
                    "family_name": "Jones",
                    "is_unborn": True,
                    "expected_date_of_delivery": (today + timedelta(days=40)).isoformat(),
                },
            },
        ],
        "relationships": [{"from": 0, "to": 1, "kind": "mother", "parental_responsibility": True}],
    }
    body.update(overrides)
    return body


def member_uuids(household: Any) -> list[str]:
    return [
        str(m.person.uuid) for m in household.memberships.select_related("person").order_by("id")
    ]


def problem_fields(response: Any) -> set[str]:
    assert response["Content-Type"] == PROBLEM, response.content
    return {e["field"] for e in response.json().get("errors", [])}
