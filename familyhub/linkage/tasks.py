"""Background work of the linkage app (ADR 0009): the whole-database duplicate run (R-LINK-1)."""

from __future__ import annotations

from django_tasks import task


@task()
def find_duplicates(run_id: int) -> int:
    """Run duplicate detection for a LinkageRun made by the view or the schedule; returns the
    number of new candidates."""
    from familyhub.linkage.models import LinkageRun
    from familyhub.linkage.services import duplicates_find_run

    run = LinkageRun.objects.get(pk=run_id)
    return duplicates_find_run(run=run).candidates_new
