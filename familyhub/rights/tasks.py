"""Background work of the rights app (django-tasks; `familyhub db_worker` runs the queue).

`send_reminders` is meant to be enqueued once a day (for example from cron:
`familyhub rights_reminders --enqueue`); it writes the 'due soon' and 'overdue' notifications on
the DPO's dashboard (R-RIGHTS-1). The work itself is `rights.services.send_reminders`.
"""

from __future__ import annotations

from django_tasks import task

from familyhub.rights.services.reminders import DEFAULT_WITHIN_DAYS
from familyhub.rights.services.reminders import send_reminders as _send


@task()
def send_reminders(within_days: int = DEFAULT_WITHIN_DAYS) -> list[str]:
    """Notify requests due within `within_days` days, and overdue ones; returns one line each."""
    return [r.line() for r in _send(within_days=within_days)]
