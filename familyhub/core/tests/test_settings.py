"""Production settings pass Django's deployment checks, and refuse to start without a secret key.

Each check runs `django-admin check` in a fresh process, because settings are read once at start-up
from the environment (ADR 0001).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

# Variables of the test run that must not leak into a production start-up.
_DROP = ("FAMILYHUB_FAST_HASHER", "FAMILYHUB_DEBUG", "FAMILYHUB_DEMO", "DJANGO_ALLOW_ASYNC_UNSAFE")


def _production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROP}
    env.update(
        DJANGO_SETTINGS_MODULE="familyhub.config.settings",
        FAMILYHUB_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        FAMILYHUB_VAR_DIR=str(tmp_path / "var"),
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None and v != "<unset>"}


def _django(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "django", *args],
        env=env,
        cwd=settings.PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_in_production(tmp_path):
    done = _django(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "System check identified no issues" in output, output


@pytest.mark.parametrize(
    ("weak_key", "says"),
    [("short", "at least 50 characters"), ("a" * 60, "security.W009")],
)
def test_check_deploy_fails_with_a_weak_secret_key(tmp_path, weak_key, says):
    done = _django(
        _production_env(tmp_path, SECRET_KEY=weak_key),
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert done.returncode != 0
    assert says in done.stdout + done.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    done = _django(_production_env(tmp_path, SECRET_KEY="<unset>"), "check")
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr


def test_production_settings_protect_cookies_and_transport(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS >= 31536000, s.PASSWORD_HASHERS[0].endswith('Argon2PasswordHasher'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=_production_env(tmp_path),
        cwd=settings.PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True", "True", "True", "True", "True"]


@pytest.mark.django_db
def test_postgresql_connections_do_not_jit_compile():
    """ADR 0023: PostgreSQL's JIT compiled for 235 ms a register search that ran in 50 ms."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's JIT")
    with connection.cursor() as cur:
        cur.execute("SHOW jit")
        assert cur.fetchone()[0] == "off"
