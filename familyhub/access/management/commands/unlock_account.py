"""`familyhub unlock-account USERNAME`: clear a locked account's failed sign-in attempts.

The account was locked after 5 wrong passwords or codes in a row (django-axes, ADR 0008). Check
with the person that the attempts were theirs before unlocking. The same as the Unlock button on
/staff/locked/.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from familyhub.access import signin


class Command(BaseCommand):
    help = "Unlock an account locked after repeated failed sign-ins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The locked account's username")

    def handle(self, *args: Any, **opts: Any) -> None:
        username = opts["username"]
        was_locked = username in signin.locked_usernames()
        signin.unlock(username)
        if was_locked:
            self.stdout.write(self.style.SUCCESS(f"{username} is unlocked and can sign in again."))
        else:
            self.stdout.write(f"{username} was not locked; any failed attempts are cleared.")
