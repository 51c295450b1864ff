"""What the staff-account commands share (`familyhub staff-add`, `staff-link`, `staff-close`,
`staff-reopen`; ADR 0025): the command-line actor, finding an account, printing a set-up link,
and the application's refusals as one-line errors."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from familyhub.access import accounts
from familyhub.access.models import SetUpLink, User
from familyhub.access.services import CommandLine
from familyhub.core.errors import ApplicationError

DEVELOPMENT_SITE = "http://127.0.0.1:8000"  # what `make demo` serves


def operator(command: str) -> CommandLine:
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):  # no name for the process's user id (some containers)
        os_user = ""
    return CommandLine(command=command, os_user=os_user)


def account(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"There is no staff account with the username {username!r}.")
    return user


@contextmanager
def refusals_as_errors() -> Iterator[None]:
    """A service's refusal exits non-zero with its reason, field by field, on one line."""
    try:
        yield
    except ApplicationError as e:
        parts = [
            f"{k}: {'; '.join(v)}" if k != "__all__" else "; ".join(v) for k, v in e.errors.items()
        ]
        raise CommandError(" / ".join(parts) or e.message)


def print_link(command: BaseCommand, user: User, link: SetUpLink, token: str) -> None:
    """The link alone on standard output (a script can capture it); what to do with it on
    standard error."""
    url = accounts.set_up_url(token)
    if url.startswith("/"):
        if getattr(settings, "PRODUCTION", False):
            command.stderr.write(
                "FAMILYHUB_SITE_URL is not set: put the site's address (https://...) before this "
                "path, and set it to print whole links."
            )
        else:
            url = DEVELOPMENT_SITE + url
    command.stderr.write(
        f"Set-up link for {user.username} ({user.get_full_name()}), valid once until "
        f"{accounts.local_time(link.expires_at)}. Give it to them yourself; it will not be shown "
        "again. With it they choose their password and set up their authenticator app."
    )
    command.stdout.write(url)
