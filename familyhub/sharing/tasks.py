"""Background work of the sharing app: the scheduled governance reports (R-SHARE-7), produced by
the tasks worker (`familyhub db_worker`); enqueue daily, or run `familyhub reports_due`."""

from __future__ import annotations

from django_tasks import task

from familyhub.access import context


@task()
def produce_due_reports(today: str | None = None) -> dict[str, object]:
    """Produce every scheduled report due by `today` (ISO date; default today)."""
    from datetime import date

    from familyhub.sharing.services import reports

    token = context.set_current(
        context.RequestContext(channel="task", path="task:produce_due_reports")
    )
    try:
        runs = reports.run_due(today=date.fromisoformat(today) if today else None)
    finally:
        context.reset(token)
    return {
        "produced": [str(r.output.uuid) for r in runs if r.output.status != "refused"],
        "refused": [str(r.output.uuid) for r in runs if r.output.status == "refused"],
    }
