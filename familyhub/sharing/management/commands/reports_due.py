"""`familyhub reports_due`: produce every scheduled report that is due (R-SHARE-7).

Run daily (cron or the tasks worker's `sharing.tasks.produce_due_reports`). Each due report is
produced and kept (or refused, with the reason), and its next run date moves on; it enters the
disclosure log when someone downloads it or marks it sent. Safe to run twice: a report whose
next run date has moved on is not produced again.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from familyhub.core.errors import ApplicationError
from familyhub.sharing.services import reports


class Command(BaseCommand):
    help = "Produce every scheduled report that is due (monthly, bi-monthly, annual)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="Run as if today were this date (YYYY-MM-DD)")

    def handle(self, *args, **opts) -> None:
        try:
            today = date.fromisoformat(opts["today"]) if opts["today"] else None
        except ValueError:
            raise CommandError("--today must be a date like 2026-03-01") from None
        try:
            runs = reports.run_due(today=today)
        except ApplicationError as e:
            raise CommandError(e.message) from None
        for run in runs:
            o = run.output
            status = o.get_status_display()
            extra = f": {o.refusal_reason.splitlines()[0]}" if o.refusal_reason else ""
            self.stdout.write(f"{run.spec.name}: {o.title} - {status}{extra}")
        self.stdout.write(f"{len(runs)} report{'s' if len(runs) != 1 else ''} produced.")
