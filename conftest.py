import os

import pytest
from django.db.backends.signals import connection_created


def _allow_test_flush(sender, connection, **kwargs):
    """Let Django's test flush TRUNCATE the append-only log tables (see access/0003); tests only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET familyhub.test_flush = 'on'")


connection_created.connect(_allow_test_flush)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Argon2 is slow by design; tests hash with MD5 (the product never does)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _repeatable_fake_data():
    """Faker-made names are the same on every run, so a test cannot pass or fail by chance."""
    from familyhub.core.testing import fake

    fake.seed_instance(20261123)


@pytest.fixture
def personas(db):
    from familyhub.core.testing import build_personas

    return build_personas()


@pytest.fixture
def client_for(client):
    """client_for(user) -> a test client signed in as that user with both factors (a verified
    session, as after the code step), or anonymous for None."""
    from familyhub.core.testing import sign_in_verified

    def _client(user):
        client.logout()
        if user is not None:
            sign_in_verified(client, user)
        return client

    return _client


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Background tasks run inside the test, so a test sees their effect without a worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
