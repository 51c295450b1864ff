"""`familyhub staff-close USERNAME --reason REASON`: close a leaver's account (ADR 0025).

Every active role ends, API tokens are revoked, set-up links cancelled, the password and second
factor removed and every session ended. Nothing is deleted: the account and its history stay. The
last open administrator's account cannot be closed. The same as "Close the account" on the staff
member's page; recorded as made at the command line, with the operating-system user.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from familyhub.access import accounts
from familyhub.access.management.commands._staff import account, operator, refusals_as_errors


class Command(BaseCommand):
    help = "Close a leaver's staff account: roles end, tokens and links stop, sessions end."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--reason", required=True, help="Why, e.g. 'left the organisation on 30/11'"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = account(options["username"])
        with refusals_as_errors():
            closed = accounts.staff_account_close(
                actor=operator("staff-close"), user=user, reason=options["reason"]
            )
        self.stdout.write(self.style.SUCCESS(f"The account {user.username} is closed: {closed}."))
