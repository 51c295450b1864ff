"""`familyhub find_duplicates`: the whole-database duplicate run (R-LINK-1, ADR 0021).

    familyhub find_duplicates               run now, in this process; print what was found
    familyhub find_duplicates --enqueue     queue it for the tasks worker (`familyhub db_worker`)
    familyhub find_duplicates --memory-limit 4GB

Schedule it (cron or a systemd timer) nightly; pairs go to the review queue, nothing is merged.
Exits 1 with a one-line reason when it fails.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from familyhub.linkage import services, tasks
from familyhub.linkage.models import LinkageRun


class Command(BaseCommand):
    help = "Compare every person in the database and put likely duplicates in the review queue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="Queue it for the worker")
        parser.add_argument("--memory-limit", default="3GB", help="DuckDB's memory limit")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            run = LinkageRun.objects.create()
            tasks.find_duplicates.enqueue(run.pk)
            self.stdout.write(f"Queued duplicate run {run.uuid}.")
            return
        try:
            run = services.duplicates_find_run(memory_limit=options["memory_limit"])
        except Exception as e:
            raise CommandError(f"The duplicate run failed: {e}") from e
        self.stdout.write(
            f"{run.people_compared} people compared in {run.seconds:.1f} s: "
            f"{run.pairs_found} pairs at or above the threshold, {run.candidates_new} new in the "
            f"review queue, {run.candidates_updated} refreshed."
        )
