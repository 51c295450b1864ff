"""Which sessions a user may run, and whom a register may show (R-ACCESS-1, R-ACCESS-2, R-ENGAGE-3).

- A session is open to the staff of the organisation running it (a role with VIEW_PEOPLE there)
  and to the workers named on it, whatever their organisation. Anyone else gets 404, as for a
  session that does not exist.
- The group-worker scope (R-ACCESS-1: "group workers see the people registered at their sessions
  with the minimum details needed to take attendance"): `people_at_sessions_of(user)` is everyone
  with an attendance row at a session open to the user. It does NOT widen `access.scopes`: these
  people appear on the register with their name, age and photo consent only, never on the family
  or person pages, which stay with the families the user's organisation works with.
- The register's search looks among both (`register_people`): the families in the user's scope,
  and the people registered at the user's sessions.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from familyhub.access.roles import Capability
from familyhub.access.scopes import people_in_scope
from familyhub.engagement.models import Attendance, Session
from familyhub.people.models import Person


def _org_ids(user: Any, capability: str = Capability.VIEW_PEOPLE) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    return user.organisation_ids_with(capability)


def _session_condition(user: Any, session: str = "") -> Q:
    """Run by the user's organisations, or naming the user as a worker; `session` is the path to
    the session from the rows filtered ("" for sessions themselves, "session" for attendances).
    Correlated, so that each row is checked by index rather than against a list of every session.
    """
    prefix = f"{session}__" if session else ""
    worker = Session.workers.through.objects.filter(
        session=OuterRef(f"{prefix}pk" if not session else f"{session}_id"), user=user.pk
    )
    return Q(**{f"{prefix}organisation_id__in": _org_ids(user)}) | Q(Exists(worker))


def sessions_visible_to(user: Any) -> QuerySet[Session]:
    """Sessions run by the user's organisations, or on which the user is a named worker."""
    if not _org_ids(user):
        return Session.objects.none()
    return Session.objects.filter(_session_condition(user))


def people_at_sessions_of(user: Any) -> QuerySet[Person]:
    """People registered at a session open to the user: the group-worker scope (R-ACCESS-1).

    For the register only (name, age, photo consent): see the module docstring.
    """
    if not _org_ids(user):
        return Person.objects.none()
    return Person.objects.filter(Exists(_attended(user)), archived_at__isnull=True)


def _attended(user: Any) -> QuerySet[Attendance]:
    return Attendance.objects.filter(person=OuterRef("pk")).filter(
        _session_condition(user, "session")
    )


def register_people(user: Any) -> QuerySet[Person]:
    """Whom the register's search may find: families in scope, and people at the user's sessions.

    Both as correlated EXISTS, so that a search's candidates (found by their name keys) are each
    checked by index: an IN over the whole scope costs seconds at a million people.
    """
    if not _org_ids(user):
        return Person.objects.none()
    in_scope = people_in_scope(user).filter(pk=OuterRef("pk"))
    return Person.objects.filter(
        Q(Exists(in_scope)) | Q(Exists(_attended(user))), archived_at__isnull=True
    )
