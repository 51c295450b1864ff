"""`familyhub wards-from-postcodes --user USERNAME [--apply]` (R-PEOPLE-2, ADR 0024).

After a postcode directory is loaded (`familyhub import postcodes FILE`), the current addresses of
the user's families whose ward the directory would change: without a ward, or with one the
directory contradicts. Without --apply nothing changes; with it, each ward is set from the
directory, recorded in the family's history with the reason, and logged.

Exits 1 with a one-line reason when refused.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from familyhub.access.models import User
from familyhub.core.errors import ApplicationError
from familyhub.people import services


class Command(BaseCommand):
    help = (
        "Set the ward of families' current addresses from the postcode directory (dry run first)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--user", required=True, help="The member of staff the changes are recorded against"
        )
        parser.add_argument(
            "--apply", action="store_true", help="Make the changes (without it: count them only)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user '{options['user']}'.", returncode=1)
        try:
            if options["apply"]:
                review = services.address_wards_from_postcodes(user)
            else:
                review = services.address_wards_review(user)
        except ApplicationError as e:
            raise CommandError(e.message, returncode=1)
        self.stdout.write(
            f"Current addresses of {user.username}'s families that the postcode directory "
            f"would change: {review.total} ({review.without_ward} without a ward, "
            f"{review.other_ward} with another ward)."
        )
        if options["apply"]:
            self.stdout.write(f"Ward set from the postcode on {review.changed} addresses.")
        elif review.total:
            self.stdout.write("Nothing was changed: run again with --apply to set them.")
