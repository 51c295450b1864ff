"""Background work of the imports app (R-IMPORT-1): a batch runs in the tasks worker
(`familyhub db_worker`); the batch page polls its progress."""

from __future__ import annotations

from django_tasks import task

from familyhub.access import context
from familyhub.imports.models import ImportBatch


@task()
def run_import(batch_uuid: str) -> dict[str, object]:
    """Carry out (or resume from its checkpoint) one import batch; returns its counts."""
    from familyhub.imports import engine

    batch = ImportBatch.objects.get(uuid=batch_uuid)
    token = context.set_current(
        context.RequestContext(channel="task", path=f"task:run_import/{batch_uuid}")
    )
    try:
        batch = engine.run(batch)
    finally:
        context.reset(token)
    return {
        "status": batch.status,
        "in": batch.rows_in,
        "loaded": batch.rows_loaded,
        "unchanged": batch.rows_unchanged,
        "rejected": batch.rows_rejected,
    }
