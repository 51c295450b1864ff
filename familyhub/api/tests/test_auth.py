"""Bearer tokens: the real authentication path (no force_authenticate here)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from familyhub.access.models import ApiToken
from familyhub.api.tests.conftest import PROBLEM, make_token

pytestmark = pytest.mark.django_db
LIST = "/api/v1/households/"


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_valid_token_works_and_records_use(personas):
    key = make_token(personas.practitioner)
    response = bearer(key).get(LIST)
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert ApiToken.objects.get(prefix=key[:8]).last_used_at is not None


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda user: make_token(user, revoked=True), "This token has been revoked."),
        (lambda user: make_token(user, days=-1), "This token has expired."),
        (lambda user: "fh_" + "x" * 43, "This token is not recognised."),
    ],
    ids=["revoked", "expired", "unknown"],
)
def test_unusable_tokens_are_401_with_a_clear_message(personas, make, message):
    response = bearer(make(personas.practitioner)).get(LIST)
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"] == message


def test_token_of_inactive_user_refused(personas):
    key = make_token(personas.practitioner)
    personas.practitioner.is_active = False
    personas.practitioner.save()
    assert bearer(key).get(LIST).status_code == 401


def test_malformed_header_is_401(personas):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer two parts")
    response = client.get(LIST)
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["detail"]


def test_anonymous_is_401_everywhere(personas):
    client = APIClient()
    for response in (
        client.get(LIST),
        client.get("/api/v1/people/"),
        client.get(f"/api/v1/people/{personas.household.uuid}/"),
        client.post("/api/v1/relationships/", {}, format="json"),
    ):
        assert response.status_code == 401
        assert response["Content-Type"] == PROBLEM


def test_token_for_role_without_family_access_is_403(personas):
    response = bearer(make_token(personas.analyst)).get(LIST)
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM


def test_create_api_token_command(personas):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token",
        "practitioner",
        "--name",
        "Toy library sync",
        "--days",
        "7",
        stdout=out,
        stderr=err,
    )
    key = out.getvalue().strip()
    assert key.startswith("fh_") and "\n" not in key
    assert "will not be shown again" in err.getvalue()
    token = ApiToken.objects.get(prefix=key[:8])
    assert token.key_hash == ApiToken.hash_key(key) and key not in token.key_hash
    assert token.name == "Toy library sync"
    assert (
        timezone.now() + timedelta(days=6) < token.expires_at < timezone.now() + timedelta(days=8)
    )
    assert bearer(key).get(LIST).status_code == 200


def test_create_api_token_never_expiring(personas):
    out = io.StringIO()
    call_command(
        "create_api_token",
        "practitioner",
        "--name",
        "x",
        "--days",
        "0",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert ApiToken.objects.get(prefix=out.getvalue().strip()[:8]).expires_at is None


def test_create_api_token_unknown_user(personas):
    with pytest.raises(CommandError, match="no user called"):
        call_command(
            "create_api_token", "nobody", "--name", "x", stdout=io.StringIO(), stderr=io.StringIO()
        )
