"""`familyhub demo_data --families N --seed S`: synthetic families, reproducible and fast."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from familyhub.core.demo import LoadStats, load_families
from familyhub.core.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Generate synthetic families (Faker en_GB names, NHS numbers in the 999 range) in bulk. "
        "The same seed gives the same families."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        size = parser.add_mutually_exclusive_group()
        size.add_argument("--families", type=int, help="How many families (default 300)")
        size.add_argument(
            "--people", type=int, help="Instead of --families: at least this many people"
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026)")
        parser.add_argument(
            "--batch",
            type=int,
            default=20000,
            help="Families per transaction (default 20000, about 75,000 people)",
        )
        parser.add_argument(
            "--writer",
            choices=["fast", "orm"],
            default="fast",
            help="fast: executemany / COPY (default); orm: bulk_create",
        )

    def handle(self, *args, **opts) -> None:
        families, people = opts["families"], opts["people"]
        if families is None and people is None:
            families = 300
        if (families is not None and families < 0) or (people is not None and people < 0):
            raise CommandError("--families and --people must be positive")
        if opts["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        try:
            stats = generate(
                self,
                verbosity=opts["verbosity"],
                families=families,
                people=people,
                seed=opts["seed"],
                batch=opts["batch"],
                mode=opts["writer"],
            )
        except ApplicationError as e:
            raise CommandError(e.message)
        self.stdout.write(self.style.SUCCESS(summary(stats)))


def generate(command: BaseCommand, *, verbosity: int = 1, **kwargs) -> LoadStats:
    """Run the loader, printing progress every 100,000 people."""
    last = [0]

    def progress(stats: LoadStats) -> None:
        if verbosity >= 1 and stats.people - last[0] >= 100_000:
            last[0] = stats.people
            command.stdout.write(
                f"  {stats.people:>10,} people  {stats.people_per_second:>9,.0f} people/s"
            )

    return load_families(progress=progress, **kwargs)


def summary(stats: LoadStats) -> str:
    rows = ", ".join(f"{n:,} {t}" for t, n in stats.rows.items())
    return (
        f"Made {stats.families:,} families, {stats.people:,} people in {stats.seconds:.1f} s: "
        f"{stats.people_per_second:,.0f} people per second.\n  Rows: {rows}"
    )
