"""`familyhub reapply-erasures`: after restoring a backup, erase again everyone erased since.

    familyhub reapply-erasures            list how many people and families would be erased again
    familyhub reapply-erasures --execute  erase them

Erasure records keep keyed hashes of the erased ids (ADR 0016), never the ids: the command hashes
every person's and family's id with the same key (the site's SECRET_KEY) and compares. Run it
after every restore, before the system takes traffic (docs/operating.md).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from familyhub.retention import erasure


class Command(BaseCommand):
    help = "After a restore from a backup, erase again the people and families erased since."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--execute", action="store_true", help="Erase them (else: only count)")

    def handle(self, *args: Any, **options: Any) -> None:
        people, households = erasure.erased_before()
        self.stdout.write(
            f"{len(people)} erased {'person' if len(people) == 1 else 'people'} and "
            f"{len(households)} erased {'family' if len(households) == 1 else 'families'} are back."
        )
        if not options["execute"]:
            if people or households:
                self.stdout.write("Run with --execute to erase them again.")
            return
        record = erasure.reapply_erasures()
        if record is not None:
            self.stdout.write(f"Erased again: erasure record {record.uuid}.")
