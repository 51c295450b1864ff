"""An organisation's enquiries and complaints (R-ENGAGE-9)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.casework.models import (
    Enquiry,
)
from familyhub.casework.selectors._common import HANDLE, uuid_of
from familyhub.core.errors import NotFound


def enquiry_list(
    user: Any, *, show: str = "open", page: int = 1, per_page: int = 50
) -> tuple[list[Enquiry], bool]:
    org_ids = user.organisation_ids_with(HANDLE)
    qs = Enquiry.objects.filter(organisation_id__in=org_ids).select_related(
        "organisation", "service"
    )
    today = timezone.localdate()
    if show == "open":
        qs = qs.filter(status__in=[Enquiry.Status.RECEIVED, Enquiry.Status.ACKNOWLEDGED])
    elif show == "overdue":
        qs = qs.filter(status=Enquiry.Status.RECEIVED, acknowledgement_due_on__lt=today)
    qs = qs.order_by("acknowledgement_due_on", "-received_on", "-id") if show != "all" else qs
    rows = list(qs[(page - 1) * per_page : page * per_page + 1])
    return rows[:per_page], len(rows) > per_page


def enquiry_for(user: Any, enquiry_id: Any) -> Enquiry:
    enquiry = (
        Enquiry.objects.filter(
            organisation_id__in=user.organisation_ids_with(HANDLE), uuid=uuid_of(enquiry_id)
        )
        .select_related("organisation", "service", "household", "handled_by", "recorded_by")
        .first()
    )
    if enquiry is None:
        raise NotFound(access.NOT_FOUND)
    return enquiry
