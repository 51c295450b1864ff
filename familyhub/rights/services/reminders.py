"""Reminders before the deadline (R-RIGHTS-1): open requests due within N days, and overdue ones,
each written once as a notification on the DPO's dashboard.

Run daily by `familyhub rights_reminders` or the `rights.tasks.send_reminders` task. Idempotent: a
notification is unique per request, kind and due date, so a second run the same day (or the next
day, when nothing changed) writes nothing new; a new due date (an extension, a pause) reminds again.
Requests whose clock is stopped are not due and are not reminded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from familyhub.rights import deadlines
from familyhub.rights.models import Notification, RightsRequest, Status

DEFAULT_WITHIN_DAYS = 7


@dataclass(frozen=True)
class Reminder:
    reference: str
    kind: str
    due_on: date
    days_left: int
    text: str  # 'Due 03/10/2026: 5 days left', 'Overdue by 2 days (due 01/10/2026)'
    new: bool  # a notification was written by this run

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    def line(self) -> str:
        return f"{self.reference} ({self.kind}): {self.text}"


def _as_deadline(due: date) -> deadlines.Deadline:
    return deadlines.Deadline(
        start=due, one_month=due, due=due, paused_days=0, waiting=False, waiting_for=""
    )


def due_requests(within_days: int, today: date) -> list[RightsRequest]:
    """Open requests (clock running) due on or before today + `within_days`, soonest first."""
    return list(
        RightsRequest.objects.filter(
            status=Status.OPEN, due_on__lte=today + timedelta(days=within_days)
        ).order_by("due_on", "reference")
    )


def send_reminders(
    *, within_days: int = DEFAULT_WITHIN_DAYS, today: date | None = None
) -> list[Reminder]:
    """Write a 'due soon' or 'overdue' notification for each request due within `within_days`
    (once per request and due date) and return them all, soonest first."""
    if within_days < 0:
        raise ValueError("within_days must not be negative")
    today = today or timezone.localdate()
    reminders = []
    with transaction.atomic():
        for request in due_requests(within_days, today):
            left = deadlines.days_left(request.due_on, today)
            kind = Notification.Kind.OVERDUE if left < 0 else Notification.Kind.DUE_SOON
            text = deadlines.describe(_as_deadline(request.due_on), today)
            _, created = Notification.objects.get_or_create(
                request=request,
                kind=kind,
                due_on=request.due_on,
                defaults={"message": f"{request.reference} ({request.kind_short}): {text}."},
            )
            reminders.append(
                Reminder(request.reference, request.kind_short, request.due_on, left, text, created)
            )
    return reminders
