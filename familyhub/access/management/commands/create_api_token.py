"""`familyhub create_api_token USERNAME --name NAME [--days N]`: make an API token, show it once.

Only the token's hash is stored; the key is printed on standard output (alone, so a script can
capture it) and cannot be shown again. Lose it and make another; revoke the old one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from familyhub.access.models import ApiToken, User

DEFAULT_DAYS = 90


class Command(BaseCommand):
    help = "Make an API token for a user and print its key once (only its hash is kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The user the token acts as")
        parser.add_argument(
            "--name", required=True, help="What the token is for, e.g. 'Toy library sync'"
        )
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_DAYS,
            help=f"Days until the token expires (default {DEFAULT_DAYS}; 0 for a token that never expires)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username, name, days = options["username"], options["name"].strip(), options["days"]
        if not name:
            raise CommandError("Give the token a name (--name) saying what it is for.")
        if days < 0:
            raise CommandError("--days must be 0 (never expires) or more.")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user called {username!r}.")
        if not user.is_active:
            raise CommandError(
                f"The user {username!r} is not active: a token for them would not work."
            )
        key = ApiToken.new_key()
        expires_at = timezone.now() + timedelta(days=days) if days else None
        ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=key[:8],
            key_hash=ApiToken.hash_key(key),
            expires_at=expires_at,
        )
        when = (
            f"expires {timezone.localtime(expires_at):%d/%m/%Y %H:%M}"
            if expires_at
            else "never expires"
        )
        self.stderr.write(
            f"Token {name!r} for {username} ({when}). Copy the key now: it will not be shown again."
        )
        self.stdout.write(key)
