"""`familyhub staff-reopen USERNAME --reason REASON`: open a closed account again and print its new
one-time set-up link (ADR 0025). Roles are not given back: give them on the staff member's page."""

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
    help = "Reopen a closed staff account and print its new one-time set-up link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="Why, e.g. 'returned on 2/3'")

    def handle(self, *args: Any, **options: Any) -> None:
        user = account(options["username"])
        with refusals_as_errors():
            link, token = accounts.staff_account_reopen(
                actor=operator("staff-reopen"), user=user, reason=options["reason"]
            )
        self.stderr.write(f"The account {user.username} is open again (no roles yet).")
        print_link(self, user, link, token)
