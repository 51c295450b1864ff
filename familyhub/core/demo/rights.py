"""Demo rights requests for the DPO's dashboard (R-RIGHTS-1..3).

A handful of requests about demo families in every state the dashboard shows: an access request
overdue, one due within days with its pack waiting for review, one waiting for proof of identity, an
extended portability request, a new erasure request whose person is not found yet, a closed
correction, and a correction being checked: the mother disputes the note of a home visit, and her
statement is shown on that visit and on her page (ADR 0027). Made through `rights.services` as the demo DPO (so they carry their history and access
log like real ones), from a fixed seed; safe to run again (nothing is added once any request exists).
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone

from familyhub.access.models import User
from familyhub.people.choices import MemberRole
from familyhub.people.models import Person
from familyhub.rights import services
from familyhub.rights.models import IdentityMethod, RequestKind, RightsRequest

WORDS: dict[str, str] = {
    RequestKind.ACCESS: "Please send me a copy of all the information you hold on me.",
    RequestKind.PORTABILITY: "I am moving to Derby: please send my details to the family hub there.",
    RequestKind.ERASURE: "We no longer use the service; please delete our records.",
    RequestKind.RECTIFICATION: "My phone number on your records is wrong.",
}


def _parents(rng: random.Random, n: int) -> list[Person]:
    ids = list(
        Person.objects.filter(
            memberships__role=MemberRole.PARENT_CARER,
            archived_at__isnull=True,
            date_of_birth__isnull=False,
        )
        .order_by("id")
        .values_list("id", flat=True)[:2000]
    )
    if len(ids) < n:
        return []
    return list(Person.objects.filter(id__in=rng.sample(ids, n)).order_by("id"))


def load_rights_demo(*, seed: int = 2026) -> str:
    if RightsRequest.objects.exists():
        return "Rights requests: already made, none added."
    dpo = User.objects.filter(username="dpo").first()
    if dpo is None:
        return "Rights requests: no demo DPO account, none made."
    rng = random.Random(seed)
    people = _parents(rng, 5)
    if not people:
        return "Rights requests: not enough demo families, none made."
    today = timezone.localdate()
    seen = services.IdentityCheck(
        IdentityMethod.DOCUMENTS, "Passport and a council tax bill seen at the children's centre"
    )

    def record(
        person: Person | None, kind: str, days_ago: int, identity: bool = True
    ) -> RightsRequest:
        return services.request_record(
            actor=dpo,
            kind=kind,
            person=person,
            received_on=today - timedelta(days=days_ago),
            received_via=rng.choice(["email", "letter", "in_person", "phone"]),
            description=WORDS[kind],
            identity=seen if identity else None,
        )

    record(people[0], RequestKind.ACCESS, 38)  # overdue
    due_soon = record(people[1], RequestKind.ACCESS, 26)
    services.pack_generate(actor=dpo, request=due_soon)  # waiting for review
    waiting = record(people[2], RequestKind.ACCESS, 3, identity=False)
    services.pause_start(
        actor=dpo,
        request=waiting,
        reason="identity",
        note="Asked for a copy of a passport or driving licence and a recent bill",
        started_on=today - timedelta(days=2),
    )
    extended = record(people[3], RequestKind.PORTABILITY, 12)
    services.extension_grant(
        actor=dpo,
        request=extended,
        months=1,
        grounds="complex",
        reason="The receiving family hub needs the data in a format agreed with them first.",
    )
    record(None, RequestKind.ERASURE, 1, identity=False)  # the person is not found yet
    corrected = record(people[4], RequestKind.RECTIFICATION, 20)
    services.request_close(
        actor=dpo,
        request=corrected,
        outcome="completed",
        outcome_note="Her family worker corrected the phone number; she was told by letter.",
    )
    _disputed_visit(dpo, people[1], seen, today)
    return f"Made {RightsRequest.objects.count()} rights requests for the DPO's dashboard."


def _disputed_visit(dpo: User, person: Person, seen: Any, today: Any) -> None:
    """An open rectification request: the person disputes the note of their family's latest home
    visit (their details as a whole if the family has none), still being checked."""
    from familyhub.casework.models import Contact
    from familyhub.rights.models import AccuracyChallenge

    visit = (
        Contact.objects.filter(household__memberships__person=person, status=Contact.Status.DONE)
        .order_by("-occurred_at", "-id")
        .first()
    )
    received = today - timedelta(days=4)
    request = services.request_record(
        actor=dpo,
        kind=RequestKind.RECTIFICATION,
        person=person,
        received_on=received,
        received_via="email",
        description="The note of your home visit says I seemed low and the flat was untidy. "
        "That is not true and I want it changed.",
        identity=seen,
    )
    services.challenge_record(
        actor=dpo,
        person=person,
        target=AccuracyChallenge.Target.CONTACT if visit else AccuracyChallenge.Target.DETAILS,
        contact=visit,
        statement="I was tired because the baby had been up all night, not low. We had just "
        "moved in and the boxes were not unpacked yet.",
        received_on=received,
        request=request,
    )
