"""`familyhub load_population FILE`: population estimates for the reach pages (R-SHARE-6).

CSV columns: ward_code, year, age_from, age_to, sex (blank: all), ethnic_group (ONS high-level
group; blank: all), count, source. Lines starting with # are comments. Loading a file twice
changes nothing. `familyhub load_population --example` loads the shipped SYNTHETIC EXAMPLE
(familyhub/places/data/population-example.csv: made-up figures, not ONS estimates).
"""

from __future__ import annotations

import functools
import operator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from familyhub.core.errors import ValidationFailed
from familyhub.sharing import reach


class Command(BaseCommand):
    help = "Load population estimates (CSV) for the reach pages."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="CSV file of population estimates")
        parser.add_argument("--source", default="", help="Source, for rows without one")
        parser.add_argument(
            "--example", action="store_true", help="Load the SYNTHETIC EXAMPLE file shipped"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            if opts["example"]:
                self.stdout.write(reach.load_example_population())
                return
            if not opts["file"]:
                raise CommandError("Name a CSV file, or use --example.")
            text = Path(opts["file"]).read_text(encoding="utf-8-sig")
            n = reach.population_load(text, source=opts["source"])
        except ValidationFailed as e:
            raise CommandError(
                "; ".join(functools.reduce(operator.iadd, (v for v in e.errors.values()), []))
                or e.message
            )
        except OSError as e:
            raise CommandError(str(e))
        self.stdout.write(self.style.SUCCESS(f"{n} population rows loaded."))
