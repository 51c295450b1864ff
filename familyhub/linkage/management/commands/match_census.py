"""`familyhub match_census FILE --user NAME --recipient ORG --out RESULT.csv` (R-LINK-2).

Matches a school-census-layout CSV (UPN, Surname, Forename, DOB, Sex, Postcode) to the people the
'school-census-matching' purpose allows, writes the result file and records the disclosure.
Prints matched / possible / unmatched and the estimated precision and recall. Exits 1 with a
one-line reason when refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from familyhub.core.errors import ApplicationError
from familyhub.linkage import external


class Command(BaseCommand):
    help = "Match an external (school census layout) file to the people a purpose allows."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="Who is matching (MANAGE_DUPLICATES)")
        parser.add_argument("--recipient", required=True, help="Who the result goes to")
        parser.add_argument("--out", required=True, help="Where to write the result CSV")
        parser.add_argument("--purpose", default=external.PURPOSE)
        parser.add_argument("--threshold", type=float, default=external.MATCH_THRESHOLD)

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user '{options['user']}'")
        path = Path(options["file"])
        try:
            report = external.external_match(
                actor=user,
                file_name=path.name,
                content=path.read_bytes(),
                recipient=options["recipient"],
                purpose=options["purpose"],
                threshold=options["threshold"],
            )
        except ApplicationError as e:
            raise CommandError(e.message) from e
        Path(options["out"]).write_bytes(report.result_csv)
        r = report.record
        precision = "n/a" if r.estimated_precision is None else f"{r.estimated_precision:.3f}"
        recall = "n/a" if r.estimated_recall is None else f"{r.estimated_recall:.3f}"
        self.stdout.write(
            f"{r.rows_in} rows: {r.matched} matched, {r.possible} possible, {r.unmatched} "
            f"unmatched; estimated precision {precision}, recall {recall} at {r.threshold}. "
            f"Result: {options['out']}"
        )
