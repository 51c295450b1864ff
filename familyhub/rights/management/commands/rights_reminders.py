"""`familyhub rights_reminders` (or rights-reminders): remind the DPO of rights requests due soon.

Lists every open request due within N days (default 7) and every overdue one, and writes a
notification on the DPO's dashboard for each (once per request and due date, so running it every
day adds only what changed). Requests whose clock is stopped are not listed. Exits 0; with
`--fail-if-overdue` exits 1 when any request is overdue, for a monitoring check. `--enqueue` hands
the same work to the tasks worker instead (`rights.tasks.send_reminders`).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from familyhub.rights.services.reminders import DEFAULT_WITHIN_DAYS, send_reminders


class Command(BaseCommand):
    help = "List rights requests due within N days (and overdue ones) and notify the DPO."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--within",
            type=int,
            default=DEFAULT_WITHIN_DAYS,
            metavar="DAYS",
            help=f"days ahead to look (default {DEFAULT_WITHIN_DAYS})",
        )
        parser.add_argument(
            "--enqueue", action="store_true", help="run it in the tasks worker instead"
        )
        parser.add_argument(
            "--fail-if-overdue", action="store_true", help="exit 1 if any request is overdue"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        within = options["within"]
        if within < 0:
            raise CommandError("--within must be 0 or more days")
        if options["enqueue"]:
            from familyhub.rights.tasks import send_reminders as task

            result = task.enqueue(within_days=within)
            self.stdout.write(f"Reminders queued for the tasks worker ({result.id}).")
            return
        reminders = send_reminders(within_days=within)
        if not reminders:
            self.stdout.write(f"No open request is due within {within} days.")
            return
        for r in reminders:
            self.stdout.write(r.line() + ("" if r.new else " (already notified)"))
        overdue = sum(1 for r in reminders if r.overdue)
        new = sum(1 for r in reminders if r.new)
        self.stdout.write(
            f"{len(reminders)} request{'s' if len(reminders) != 1 else ''} due within {within} "
            f"days or overdue ({overdue} overdue); {new} new notification{'s' if new != 1 else ''}."
        )
        if overdue and options["fail_if_overdue"]:
            raise CommandError(f"{overdue} rights request(s) overdue", returncode=1)
