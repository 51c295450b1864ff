"""Demo data for the administrator's pages (R-ACCESS-1, R-PEOPLE-4; ADRs 0025, 0026): a new
starter whose set-up link is waiting, a leaver whose account is closed, and a venue that closed
for good, each made through the services so that their pages show a history. Safe to run again."""

from __future__ import annotations

from faker import Faker

from familyhub.access import accounts
from familyhub.access.models import User
from familyhub.places import services as places
from familyhub.places.models import Organisation, Venue

STARTER = "new.starter"
LEAVER = "former.mentor"
OLD_VENUE = "Old Library Community Room"


def load_admin_demo(orgs: dict[str, Organisation], *, seed: int = 2026) -> str:
    admin = User.objects.filter(username="admin").first()
    lead = next((o for o in orgs.values() if o.kind == Organisation.Kind.LEAD), None)
    if admin is None or lead is None:
        return "Administration: no demo administrator or lead organisation; nothing added."
    fake = Faker("en_GB")
    fake.seed_instance(seed + 25)
    made = []
    if not User.objects.filter(username__iexact=STARTER).exists():
        accounts.staff_account_create(
            actor=admin,
            username=STARTER,
            given_name=fake.first_name(),
            family_name=fake.last_name(),
            email=f"{STARTER}@example.org",
            organisation=lead,
            role="practitioner",
            reason="Starts as a family mentor next week",
        )
        made.append(f"{STARTER} (set-up link waiting)")
    if not User.objects.filter(username__iexact=LEAVER).exists():
        leaver, _ = accounts.staff_account_create(
            actor=admin,
            username=LEAVER,
            given_name=fake.first_name(),
            family_name=fake.last_name(),
            email=f"{LEAVER}@example.org",
            organisation=lead,
            role="practitioner",
            reason="Family mentor",
        )
        accounts.staff_account_close(
            actor=admin, user=leaver, reason="Left the organisation at the end of last month"
        )
        made.append(f"{LEAVER} (closed)")
    if not Venue.objects.filter(name__iexact=OLD_VENUE).exists():
        venue = places.venue_create(
            actor=admin,
            data={"name": OLD_VENUE, "organisation": lead, "address": "1 Library Lane"},
        )
        places.venue_retire(
            actor=admin, venue=venue, reason="The library closed; groups moved to the hub"
        )
        made.append(f"{OLD_VENUE} (retired)")
    if not made:
        return "Administration: demo accounts and venue already there."
    return "Administration: " + ", ".join(made) + "."
