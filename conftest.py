import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Argon2 is slow by design; tests hash with MD5 (the product never does)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def personas(db):
    from familyhub.core.testing import build_personas

    return build_personas()


@pytest.fixture
def client_for(client):
    """client_for(user) -> a test client signed in as that user (or anonymous for None)."""

    def _client(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return _client
