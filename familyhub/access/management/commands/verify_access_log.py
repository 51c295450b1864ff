"""`familyhub verify-access-log` (or verify_access_log): walk the hash-chained access log.

Prints "OK: N rows verified" and the chain head, and exits 0; or names the first broken row and
exits 1, so that it can run from cron or a monitoring check (docs/operating.md). Constant memory
whatever the log's size.

The chain shows rows changed after they were written; someone able to rewrite the whole log could
rebuild a consistent chain. Against that, keep the printed head somewhere else and pass an earlier
one back with `--anchor ID:HASH`: row ID must still carry HASH.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from familyhub.access import log
from familyhub.access.models import AccessLogEntry


def _anchor(value: str) -> tuple[int, str]:
    row, sep, digest = value.strip().partition(":")
    if not sep or not row.isdigit() or len(digest) != 64:
        raise CommandError(f"--anchor takes ID:HASH as printed after 'Chain head:', not {value!r}")
    return int(row), digest.lower()


class Command(BaseCommand):
    help = (
        "Verify the access log's hash chain; exit 1 and name the first broken row if it is broken."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--chunk",
            type=int,
            default=5000,
            help="rows read per database round trip (default 5000)",
        )
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="ID:HASH",
            help="a chain head printed by an earlier run: row ID must still have HASH (repeatable)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        anchors = [_anchor(value) for value in options["anchor"]]
        result = log.verify(chunk=options["chunk"])
        seconds = time.perf_counter() - started
        rate = result.checked / seconds if seconds > 0 else 0.0
        timing = f"in {seconds:.2f} s ({rate:,.0f} rows/s)"
        if not result.ok:
            self.stderr.write(f"{result.checked} rows verified before the break {timing}.")
            raise CommandError(
                f"BROKEN at row #{result.first_broken_id}: {result.problem}", returncode=1
            )
        for row_id, digest in anchors:
            found = AccessLogEntry.objects.filter(pk=row_id).values_list("row_hash", flat=True)
            if list(found) != [digest]:
                raise CommandError(
                    f"BROKEN at row #{row_id}: it no longer has the hash recorded earlier "
                    "(the log was rewritten, or restored from an older copy)",
                    returncode=1,
                )
        self.stdout.write(f"OK: {result.checked} rows verified {timing}.")
        head = AccessLogEntry.objects.order_by("-id").values_list("id", "row_hash").first()
        if head is not None:
            self.stdout.write(f"Chain head: {head[0]}:{head[1]}")
