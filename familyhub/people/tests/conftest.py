"""Fixtures for the people app's tests: fast password hashing and Debian's Chromium for Playwright."""

from __future__ import annotations

import pytest

FAST_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


@pytest.fixture
def fast_password_hasher(settings):
    """MD5 for test users (Argon2 costs ~0.14 s a user, ~1.1 s for `build_personas()`).

    The root conftest sets FAMILYHUB_FAST_HASHER=1 too late: pytest-django has already imported the
    settings by the time that conftest runs, so without this Argon2 is used in tests.
    """
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded browser (`playwright install` is not used)."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


# The access log's append-only triggers (access/migrations/0002) refuse the TRUNCATE with which
# Django's flush ends every transactional test (live_server, Playwright) on PostgreSQL. Browser tests
# request `flushable_access_log`: the triggers are on while the test runs and off only for the flush
# that follows it; they are switched back on before the next such test and at the end of the session.
APPEND_ONLY_TRIGGERS = (
    "access_log_entry_append_only",
    "access_log_subject_append_only",
    "access_log_truncate_refused",
)


def _set_append_only_triggers(enabled: bool) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgname = ANY(%s)",
            [list(APPEND_ONLY_TRIGGERS)],
        )
        for table, trigger in cursor.fetchall():
            action = "ENABLE" if enabled else "DISABLE"
            cursor.execute(f'ALTER TABLE {table} {action} TRIGGER "{trigger}"')


@pytest.fixture(scope="session")
def _append_only_triggers_restored(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        _set_append_only_triggers(True)


@pytest.fixture
def flushable_access_log(_append_only_triggers_restored, transactional_db):
    _set_append_only_triggers(True)
    yield
    _set_append_only_triggers(False)
