"""Fixtures shared by every app's tests: fast password hashing and Debian's Chromium for Playwright
(PageProblems, the browser's console-error capture, is in familyhub.core.testing)."""

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

    The root conftest now does the same for every test (autouse); this stays so that these modules
    do not depend on it.
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
