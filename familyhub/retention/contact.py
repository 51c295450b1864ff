"""'The last contact with the family', as one SQL expression per household (R-RETAIN-1).

Case records are kept for six years from the last contact with the family. familyhub has no single
"last contact" column; it is the latest date among the things that show someone worked with the
family (`CONTACT_SOURCES`):

- the family was registered (the household's creation date);
- a member of staff changed the family's record or a member's record (a change record with an
  author: automatic changes such as a consent reaching its expiry date do not count, nor the DPO's
  work on the family's rights: holds, restrictions, objections, requests, erasure);
- an allocation to an organisation ended;
- a contact or visit happened (recorded as done);
- a member attended a group session (present);
- a member's enrolment in a service ended; a referral about the family was made.

And a family is *in contact* (never due) while an allocation or an enrolment is still open.

`last_contact_date()` is the latest of those dates (each source a `MAX` over an index, the household
creation date standing in where a source has no row), `in_contact()` the open ones; the disposal job
filters on both (`retention.disposal`). A test fails when a model linked to a person or family is
neither a source here nor declared in `NOT_CONTACTS` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Exists, F, Func, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest, TruncDate

MEMBERS = "person__memberships__household"
# The reason erasure gives the change records it leaves on the family's and relatives' histories.
ERASURE_REASON = "Erasure "
# Change records that are the DPO's work on the family's rights, not a contact with the family.
ADMINISTRATIVE_MODELS = (
    "hold",
    "restriction",
    "objection",
    "rightsrequest",
    "requestpause",
    "accesspack",
    "packdecision",
    "disclosurerecord",
)
STAFF_CHANGES = (
    Q(actor__isnull=False)
    & ~Q(model__in=ADMINISTRATIVE_MODELS)
    & ~Q(reason__startswith=ERASURE_REASON)
)


@dataclass(frozen=True)
class ContactSource:
    model: str  # app_label.Model
    household: str  # the lookup from a row to its household's id
    date: str  # the date (or date and time) of the contact
    description: str
    only: Q = field(default_factory=Q)  # rows that count
    ongoing: Q | None = None  # rows meaning the family is still in contact

    def rows(self, condition: Q | None = None) -> models.QuerySet[Any]:
        """The source's rows of the household in the outer query (`OuterRef("pk")`)."""
        model = apps.get_model(self.model)
        qs = model._default_manager.filter(self.only if condition is None else condition)
        if self.household == MEMBERS:
            # Through the family's members first (an index on the person), never a join that
            # lets the planner scan the whole table in date order.
            return qs.filter(person_id__in=members_of_outer())
        return qs.filter(**{self.household: OuterRef("pk")})

    def latest(self) -> Any:
        model = apps.get_model(self.model)
        f = model._meta.get_field(self.date.split("__")[0])
        if "__" in self.date:
            target = f.related_model._meta.get_field(self.date.split("__")[1])  # type: ignore[union-attr]
        else:
            target = f
        newest = Subquery(
            self.rows()
            .order_by()
            .annotate(newest=Func(F(self.date), function="MAX", output_field=target))
            .values("newest")
        )
        if isinstance(target, models.DateTimeField):
            return TruncDate(newest)
        return newest


CONTACT_SOURCES: list[ContactSource] = [
    ContactSource(
        "core.ChangeRecord",
        "household",
        "at",
        "a member of staff changed the family's record",
        only=STAFF_CHANGES,
    ),
    ContactSource(
        "core.ChangeRecord",
        MEMBERS,
        "at",
        "a member of staff changed a family member's record",
        only=STAFF_CHANGES,
    ),
    ContactSource(
        "people.CaseAllocation",
        "household",
        "ended_on",
        "the family's allocation to an organisation ended (open: still in contact)",
        only=Q(ended_on__isnull=False),
        ongoing=Q(ended_on__isnull=True),
    ),
    ContactSource(
        "casework.Contact",
        "household",
        "occurred_at",
        "a contact or visit with the family happened",
        only=Q(status="done"),
    ),
    ContactSource(
        "casework.Referral",
        "household",
        "created_at",
        "a referral about the family was made",
    ),
    ContactSource(
        "engagement.Attendance",
        MEMBERS,
        "session__date",
        "a family member attended a group session",
        only=Q(present=True),
    ),
    ContactSource(
        "engagement.Enrolment",
        MEMBERS,
        "ended_on",
        "a family member's enrolment in a service ended (open: still in contact)",
        only=Q(ended_on__isnull=False),
        ongoing=Q(ended_on__isnull=True),
    ),
]

# Models linked to a person or a family that are not a contact in themselves, and why.
NOT_CONTACTS: dict[str, str] = {
    "people.Membership": "joining or leaving a family is in the change history",
    "people.Relationship": "recorded through services, so in the change history",
    "people.PersonIdentifier": "recorded through services, so in the change history",
    "people.Address": "a move is in the change history",
    "privacy.Consent": "recorded through services, so in the change history",
    "privacy.ContactPreference": "recorded through services, so in the change history",
    "privacy.Restriction": "the DPO's decision, not a contact with the family",
    "privacy.Objection": "the DPO's decision, not a contact with the family",
    "retention.Hold": "a hold keeps the records by itself; it is not a contact",
    "access.BreakGlassGrant": "emergency access by staff is not a contact with the family",
    "engagement.WalkIn": "the attendance it came with counts",
    "casework.FollowUp": "the contact it came from counts",
    "casework.OutcomeRecord": "recorded at a contact, which counts",
    "casework.OutcomeReview": "recorded at a contact, which counts",
    "casework.FeedbackLink": "sending a link is not a contact",
    "casework.FeedbackResponse": "feedback is given at or after a contact, which counts",
    "casework.Enquiry": "an enquiry is kept with the family's records, not a contact by itself",
}


def members_of_outer() -> Any:
    """The person ids of the household two queries out (inside a subquery of a household query)."""
    from familyhub.people.models import Membership

    return Membership.objects.filter(household_id=OuterRef(OuterRef("pk"))).values("person_id")


def _installed(source: ContactSource) -> bool:
    try:
        apps.get_model(source.model)
    except LookupError:
        return False
    return True


def sources() -> list[ContactSource]:
    return [s for s in CONTACT_SOURCES if _installed(s)]


def last_contact_date() -> Any:
    """A date per household (use with `Household.objects.annotate`): the latest contact."""
    registered = TruncDate("created_at")
    return Greatest(registered, *(Coalesce(s.latest(), registered) for s in sources()))


def in_contact() -> Any:
    """True for a household still in contact (an open allocation or enrolment)."""
    condition: Any = None
    for s in sources():
        if s.ongoing is None:
            continue
        exists = Exists(s.rows(s.ongoing))
        condition = exists if condition is None else (condition | exists)
    return condition


def person_last_contact_date() -> Any:
    """For people who belong to no family: their record's creation or the last staff change."""
    from familyhub.core.models import ChangeRecord

    registered = TruncDate("created_at")
    changed = TruncDate(
        Subquery(
            ChangeRecord.objects.filter(STAFF_CHANGES, person=OuterRef("pk"))
            .order_by()
            .annotate(newest=Func(F("at"), function="MAX", output_field=models.DateTimeField()))
            .values("newest")
        )
    )
    return Greatest(registered, Coalesce(changed, registered))
