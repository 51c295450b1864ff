"""`familyhub create_api_token USERNAME --name NAME [--days N] [--organisation ORG] [--scope S ...]`:
make an API token, show it once.

Only the token's hash is stored; the key is printed on standard output (alone, so a script can
capture it) and cannot be shown again. Lose it and make another; revoke the old one.

A token can be narrower than its user (ADR 0010a): `--organisation` limits it to the user's roles
in that organisation (by name or ODS code), and `--scope` (repeatable: people:read, people:write)
to reading or writing households and people. Without them it has the user's full API rights.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone

from familyhub.access.models import ApiToken, User
from familyhub.places.models import Organisation

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
        parser.add_argument(
            "--organisation",
            default="",
            help="Limit the token to the user's roles in this organisation (its name or ODS code)",
        )
        parser.add_argument(
            "--scope",
            action="append",
            choices=ApiToken.Scope.values,
            default=[],
            help="What the token may do (repeatable): people:read, people:write. Default: both",
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
        organisation = None
        wanted = options["organisation"].strip()
        if wanted:
            organisation = Organisation.objects.filter(
                Q(name__iexact=wanted) | Q(ods_code__iexact=wanted)
            ).first()
            if organisation is None:
                raise CommandError(f"There is no organisation called {wanted!r}.")
            if not user.memberships.filter(organisation=organisation, active=True).exists():
                raise CommandError(
                    f"{username} has no role at {organisation.name}: a token limited to it could "
                    "do nothing."
                )
        scopes = [s for s in ApiToken.Scope.values if s in options["scope"]] or list(
            ApiToken.Scope.values
        )
        key = ApiToken.new_key()
        expires_at = timezone.now() + timedelta(days=days) if days else None
        ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=key[:8],
            key_hash=ApiToken.hash_key(key),
            expires_at=expires_at,
            organisation=organisation,
            scopes=" ".join(scopes),
        )
        when = (
            f"expires {timezone.localtime(expires_at):%d/%m/%Y %H:%M}"
            if expires_at
            else "never expires"
        )
        limits = f"may {' and '.join(s.split(':')[1] for s in scopes)} people"
        if organisation is not None:
            limits += f", only as {username} at {organisation.name}"
        self.stderr.write(
            f"Token {name!r} for {username} ({when}; {limits}). Copy the key now: it will not be "
            "shown again."
        )
        self.stdout.write(key)
