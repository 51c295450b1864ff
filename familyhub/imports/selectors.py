"""Reads of the imports app. A batch is seen only by people who may import for its organisation;
others get 404, as for a batch that does not exist (invariant 2)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from familyhub.access.roles import Capability
from familyhub.core.errors import NotFound
from familyhub.imports.kinds import reference_kinds
from familyhub.imports.models import ImportBatch, RejectedRow


def batches_visible_to(user: Any) -> QuerySet[ImportBatch]:
    """Batches of the organisations the user imports for; of those, files about people only where
    the user may also register families (EDIT_PEOPLE): their rejected rows hold personal data."""
    orgs = user.organisation_ids_with(Capability.IMPORT_DATA)
    people_orgs = [o for o in user.organisation_ids_with(Capability.EDIT_PEOPLE) if o in orgs]
    return ImportBatch.objects.filter(
        Q(organisation_id__in=people_orgs) | Q(organisation_id__in=orgs, kind__in=reference_kinds())
    )


def batch_for(user: Any, batch_uuid: Any) -> ImportBatch:
    batch = (
        batches_visible_to(user)
        .select_related("organisation", "uploaded_by")
        .filter(uuid=batch_uuid)
        .first()
    )
    if batch is None:
        raise NotFound("Not found, or you do not have access to it.")
    return batch


def rejected_rows(batch: ImportBatch) -> QuerySet[RejectedRow]:
    return RejectedRow.objects.filter(batch=batch).order_by("row_number")
