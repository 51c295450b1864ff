"""`familyhub staff-add USERNAME --name "GIVEN FAMILY" --email EMAIL [--organisation ORG --role ROLE
[--team TEAM]] [--note NOTE]`: open a staff account and print its one-time set-up link (ADR 0025).

The same as "Add a member of staff" on /staff/, for the operator at the server, and the way to open
the very first administrator's account:

    familyhub staff-add anna.smith --name "Anna Smith" --email anna.smith@example.org \\
        --organisation "Nottingham CityCare Partnership" --role admin

Nobody chooses the password but the member of staff: the link (printed alone on standard output,
shown once, valid for 72 hours, single use) lets them choose it and set up their authenticator app.
The change is recorded as made at the command line, with the operating-system user.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from familyhub.access import accounts
from familyhub.access.management.commands._staff import operator, print_link, refusals_as_errors
from familyhub.access.roles import Role
from familyhub.places.models import Organisation, Team


def split_name(name: str) -> tuple[str, str]:
    """'Mary Ann Smith' -> ('Mary Ann', 'Smith'): the last word is the last name. Use --given-name
    and --family-name for any other shape."""
    given, _, family = name.strip().rpartition(" ")
    return given.strip(), family.strip()


class Command(BaseCommand):
    help = "Open a staff account (optionally with a first role) and print its one-time set-up link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="What they will sign in with, e.g. anna.smith")
        parser.add_argument(
            "--name",
            default="",
            help='First and last name, e.g. "Anna Smith" (last word: last name)',
        )
        parser.add_argument("--given-name", default="", help="First name (instead of --name)")
        parser.add_argument("--family-name", default="", help="Last name (instead of --name)")
        parser.add_argument("--email", required=True, help="Their work email address")
        parser.add_argument(
            "--organisation",
            default="",
            help="For a first role: the organisation's name or ODS code",
        )
        parser.add_argument("--team", default="", help="For a first role: a team's name (optional)")
        parser.add_argument(
            "--role", default="", choices=["", *Role.values], help="For a first role: the role"
        )
        parser.add_argument(
            "--note", default="", help="Why, e.g. 'starts as a family mentor on 1/12'"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        given, family = options["given_name"].strip(), options["family_name"].strip()
        if options["name"].strip():
            if given or family:
                raise CommandError(
                    "Give either --name or --given-name and --family-name, not both."
                )
            given, family = split_name(options["name"])
        organisation, team = self._role_place(
            options["organisation"].strip(), options["team"].strip()
        )
        if (organisation is None) != (not options["role"]):
            raise CommandError("A first role needs both --organisation and --role.")
        with refusals_as_errors():
            user, token = accounts.staff_account_create(
                actor=operator("staff-add"),
                username=options["username"],
                given_name=given,
                family_name=family,
                email=options["email"],
                organisation=organisation,
                team=team,
                role=options["role"],
                reason=options["note"],
            )
        link = user.set_up_links.get()
        roles = ", ".join(
            f"{m.get_role_display()} at {m.organisation.name}" for m in user.memberships.all()
        )
        self.stderr.write(f"Opened the account {user.username}" + (f": {roles}." if roles else "."))
        print_link(self, user, link, token)

    def _role_place(self, wanted: str, team_name: str) -> tuple[Organisation | None, Team | None]:
        if not wanted:
            if team_name:
                raise CommandError("--team needs --organisation.")
            return None, None
        organisation = Organisation.objects.filter(
            Q(name__iexact=wanted) | Q(ods_code__iexact=wanted)
        ).first()
        if organisation is None:
            raise CommandError(f"There is no organisation called {wanted!r}.")
        if not team_name:
            return organisation, None
        team = Team.objects.filter(organisation=organisation, name__iexact=team_name).first()
        if team is None:
            raise CommandError(f"{organisation.name} has no team called {team_name!r}.")
        return organisation, team
