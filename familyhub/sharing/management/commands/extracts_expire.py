"""`familyhub extracts_expire`: delete the file of every extract past its download window.

The retention decision for `sharing.Output` (familyhub/retention/decisions.py): an extract's file
is kept only for FAMILYHUB_EXTRACT_DOWNLOAD_DAYS (14 by default) after it is produced, then its
content is emptied; the output's record, its re-identification figures and the checksum stay, and
the people in it stay listed by its disclosure record. Run daily (cron, beside `reports_due`).
Safe to run any number of times. ADR 0019.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from familyhub.sharing.services import extracts


class Command(BaseCommand):
    help = "Empty the files of extracts past their download window."

    def handle(self, *args: Any, **opts: Any) -> None:
        n = extracts.extracts_expire()
        self.stdout.write(f"{n} extract file(s) deleted after their download window.")
