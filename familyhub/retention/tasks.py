"""Background work of the retention app: disposal runs (R-RETAIN-2), run by `familyhub db_worker`."""

from __future__ import annotations

from django_tasks import task

from familyhub.access import context
from familyhub.retention.models import DisposalRun


@task()
def dispose_run(run_uuid: str) -> dict[str, object]:
    """Carry out (or resume) one disposal run; returns its counts."""
    from familyhub.retention import disposal

    run = DisposalRun.objects.get(uuid=run_uuid)
    token = context.set_current(
        context.RequestContext(channel="task", path=f"task:dispose_run/{run_uuid}")
    )
    try:
        run = disposal.execute(run)
    finally:
        context.reset(token)
    return {"status": run.status, "counts": run.counts}
