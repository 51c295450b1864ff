"""`familyhub demo_setup`: organisations, teams, venues, a sign-in for every role, and families.

Safe to run again: existing organisations are kept, staff sign-ins are made or reset to the demo
password, and families are added only when there are none.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from familyhub.core.demo import organisations, privacy_notice
from familyhub.core.demo.admin import load_admin_demo
from familyhub.core.demo.casework import load_casework_demo
from familyhub.core.demo.consents import load_demo_consents
from familyhub.core.demo.engagement import load_engagement_demo
from familyhub.core.demo.postcodes import load_demo_postcodes
from familyhub.core.demo.rights import load_rights_demo
from familyhub.core.errors import ApplicationError
from familyhub.core.management.commands.demo_data import generate, summary
from familyhub.people.models import Household
from familyhub.sharing.demo import load_sharing_demo
from familyhub.sharing.reach import load_example_population


class Command(BaseCommand):
    help = "Set up the demo: organisations, staff sign-ins for every role, and synthetic families."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--families", type=int, default=300, help="Families to make (default 300)"
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026)")

    def handle(self, *args, **opts) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "demo_setup refuses to run with FAMILYHUB_ENV=production: the demo password and "
                "second-factor secrets are public."
            )
        if opts["families"] < 0:
            raise CommandError("--families must be positive")
        seed = opts["seed"]
        if organisations.organisations_exist():
            self.stdout.write("Organisations are already set up.")
        else:
            self.stdout.write("Setting up organisations, teams and venues...")
        orgs = organisations.ensure_organisations(seed)
        staff = organisations.ensure_staff(orgs, seed)
        self.stdout.write(privacy_notice.ensure_published())

        if Household.objects.exists():
            self.stdout.write("Families are already loaded: none added.")
        elif opts["families"]:
            self.stdout.write(f"Making {opts['families']:,} families...")
            try:
                stats = generate(
                    self, verbosity=opts["verbosity"], families=opts["families"], seed=seed
                )
            except ApplicationError as e:
                raise CommandError(e.message)
            self.stdout.write(summary(stats))
        self.stdout.write(load_demo_postcodes(seed=seed))
        self.stdout.write(str(load_demo_consents(seed=seed)))
        self.stdout.write(str(load_casework_demo(seed=seed)))
        self.stdout.write(str(load_engagement_demo(seed=seed)))
        self.stdout.write(load_rights_demo(seed=seed))
        self.stdout.write(load_sharing_demo(seed=seed))
        self.stdout.write(load_admin_demo(orgs, seed=seed))
        self.stdout.write(load_example_population())  # SYNTHETIC EXAMPLE figures (R-SHARE-6)

        self.stdout.write("")
        self.stdout.write(sign_in_table(staff))
        self.stdout.write("")
        self.stdout.write(
            "After the password, familyhub asks for a 6-digit code. Get it with "
            "`.venv/bin/familyhub demo-code USERNAME`, or add the secret above to an authenticator app."
        )
        self.stdout.write(self.style.SUCCESS("Open http://127.0.0.1:8000 and sign in"))


def sign_in_table(staff: organisations.StaffResult) -> str:
    headers = ("Username", "Role", "Organisation", "Password", "Authenticator secret")
    rows = [
        (s.username, s.role, s.organisation, staff.password, s.totp_secret) for s in staff.sign_ins
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])
