"""`familyhub dispose`: the disposal job (R-RETAIN-2).

    familyhub dispose [--dry-run]          a dry run: what is due under each rule, why, how many
    familyhub dispose --execute            dispose of it (resumes an interrupted run first)
    familyhub dispose --execute --enqueue  queue the run for the worker (`familyhub db_worker`)
    familyhub dispose --category CASE_RECORD --batch-size 500

Exits 1 with a one-line reason when refused.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from familyhub.core.errors import ApplicationError
from familyhub.retention import disposal


class Command(BaseCommand):
    help = "Find the records due for disposal under the retention rules; with --execute, dispose."

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--dry-run",
            action="store_true",
            help="Only show what is due, why and how many (the default)",
        )
        mode.add_argument(
            "--execute",
            action="store_true",
            help="Dispose of what is due (without it: a dry run that changes nothing)",
        )
        parser.add_argument(
            "--enqueue", action="store_true", help="Queue the run for the tasks worker"
        )
        parser.add_argument(
            "--category",
            action="append",
            default=[],
            help="Only this retention category (CASE_RECORD, EVALUATION, STAFF_ACCOUNT, ...)",
        )
        parser.add_argument("--batch-size", type=int, default=200)
        parser.add_argument(
            "--as-of", type=date.fromisoformat, default=None, help="Count periods to this day"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["execute"]:
                self._execute(options)
            else:
                self._dry_run(options)
        except ApplicationError as e:
            raise CommandError(e.message, returncode=1)

    def _dry_run(self, options: dict[str, Any]) -> None:
        known = {s.category for s in disposal.SOURCES} | set(disposal.rules_by_category())
        unknown = set(options["category"]) - known
        if unknown:
            raise ApplicationError(f"Unknown retention category: {', '.join(sorted(unknown))}.")
        found = disposal.preview(as_of=options["as_of"], categories=options["category"], sample=5)
        self.stdout.write("Dry run: what is due for disposal under the retention rules.\n")
        for p in found:
            rule = p.rule.name if p.rule else "no rule"
            line = f"{p.source.label} ({rule}): {p.due} due"
            if p.due:
                line += f", {p.held} on hold, {p.to_dispose} to dispose of"
                if p.kept:
                    line += f", {p.kept} kept"
            self.stdout.write(line)
            if p.note:
                self.stdout.write(f"  {p.note}")
            for row in p.sample:
                held = f" [{row['held']}]" if row["held"] else ""
                self.stdout.write(f"  - {row['what']}: {row['why']}{held}")
        self.stdout.write("\nNothing was disposed of. Run with --execute to dispose.")

    def _execute(self, options: dict[str, Any]) -> None:
        unfinished = disposal.unfinished_run()
        if unfinished is not None:
            self.stdout.write(
                f"Resuming the unfinished run {unfinished.uuid} "
                f"(status: {unfinished.get_status_display().lower()})."
            )
        with transaction.atomic():
            run = disposal.start_run(
                actor=None,
                dry_run=False,
                categories=options["category"],
                as_of=options["as_of"],
                batch_size=options["batch_size"],
                enqueue=options["enqueue"],
            )
        if options["enqueue"]:
            self.stdout.write(f"Queued disposal run {run.uuid} for the worker.")
            return
        run.refresh_from_db()
        self.stdout.write(f"Disposal run {run.uuid}: {run.get_status_display().lower()}.")
        for key, counts in run.counts.items():
            parts = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            self.stdout.write(f"  {key}: {parts}")
