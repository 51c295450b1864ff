"""`familyhub staff-link USERNAME [--note NOTE]`: a new one-time set-up link for an open account
(the first one was lost or expired, or they forgot their password); earlier links stop working.
The same as "Make a new set-up link" on the staff member's page (ADR 0025)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from familyhub.access import accounts
from familyhub.access.management.commands._staff import (
    account,
    operator,
    print_link,
    refusals_as_errors,
)


class Command(BaseCommand):
    help = "Make a new one-time set-up link for a staff account and print it (older ones stop working)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--note", default="", help="Why, e.g. 'first link expired'")

    def handle(self, *args: Any, **options: Any) -> None:
        user = account(options["username"])
        with refusals_as_errors():
            link, token = accounts.set_up_link_issue(
                actor=operator("staff-link"), user=user, reason=options["note"]
            )
        print_link(self, user, link, token)
