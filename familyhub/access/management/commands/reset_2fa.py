"""`familyhub reset-2fa USERNAME`: for a lost phone. Removes the user's authenticator app and
backup codes and ends their sessions; at their next sign-in they set up a new app (ADR 0008).
Check who is asking first. The same as "Reset second factor" on /staff/locked/.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from familyhub.access import signin


class Command(BaseCommand):
    help = "Reset a user's second factor (lost phone): they set up a new authenticator at next sign-in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **opts: Any) -> None:
        username = opts["username"]
        if not signin.reset_second_factor(username):
            raise CommandError(f"There is no account with the username {username!r}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"{username}'s second factor is reset and their sessions are ended. They will set "
                "up a new authenticator app when they next sign in."
            )
        )
