"""Reads of the access app: a person's access record (R-RIGHTS-6), the break-glass queue
(R-ACCESS-2), staff accounts, their roles and their history (R-ACCESS-1).

`accesses_of_person` is the one query behind "who has looked at my record": the page, its CSV and
(issue 6) the subject access pack all read it. It is built from the access log alone (the entries
that name the person's pseudonymous `log_key`), read against the roles staff held at the time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from familyhub.access import breakglass
from familyhub.access.models import (
    BREAK_GLASS_LOG_PREFIX,
    AccessLogEntry,
    ApiToken,
    BreakGlassGrant,
    Membership,
    SetUpLink,
    User,
)
from familyhub.core.models import ChangeRecord

Action = AccessLogEntry.Action

# --- who has looked at a person -------------------------------------------------------------------

# What happened to the person's record, as the person would read it.
_WHAT: dict[str, str] = {
    Action.VIEW_PERSON: "Opened this person's record",
    Action.VIEW_HOUSEHOLD: "Opened the family's page",
    Action.SEARCH: "Shown in search results",
    Action.LIST: "Shown in a list of records",
    Action.CREATE: "Registered the record",
    Action.UPDATE: "Changed the record",
    Action.EXPORT: "Exported the record",
    Action.BREAK_GLASS: "Asked for emergency access to the family",
    Action.VIEW_ACCESS_RECORD: "Looked at who has looked at this record",
}
_CHANNELS: dict[str, str] = {
    "web": "Staff website",
    "api": "Partner system (API)",
    "command": "Command",
    "task": "Task",
}


@dataclass(frozen=True)
class AccessRow:
    """One access to one person's record, as the family may read it (R-RIGHTS-6)."""

    entry_id: int
    at: datetime
    action: str
    what: str
    detail: str
    staff_name: str
    username: str
    role: str
    organisation: str
    why: str
    channel: str
    others: int  # other people in the same entry (a search result, a family page)

    CSV_HEADER = (
        "When",
        "Who",
        "Username",
        "Role",
        "Organisation",
        "What",
        "Detail",
        "Why",
        "Channel",
        "Other people in the same view",
    )

    def csv_row(self) -> tuple[str, ...]:
        from django.utils import timezone

        return (
            timezone.localtime(self.at).strftime("%d/%m/%Y %H:%M:%S"),
            self.staff_name,
            self.username,
            self.role,
            self.organisation,
            self.what,
            self.detail,
            self.why,
            self.channel,
            str(self.others),
        )


def _entries_of(person: Any) -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.filter(subjects__person_key=person.log_key).order_by("-at", "-id")


def count_accesses_of_person(person: Any) -> int:
    return _entries_of(person).count()


def _organisations_at(memberships: Sequence[Membership], when: datetime) -> str:
    names = sorted({m.organisation.name for m in memberships if m.held_at(when)})
    return ", ".join(names)


def _rows(entries: Sequence[AccessLogEntry]) -> list[AccessRow]:
    """Entries to rows: the staff account and its organisations at the time, in two queries."""
    user_ids = {e.user_id_at_time for e in entries if e.user_id_at_time}
    users = User.objects.in_bulk(user_ids) if user_ids else {}
    memberships: dict[int, list[Membership]] = defaultdict(list)
    for m in Membership.objects.filter(user_id__in=user_ids).select_related("organisation"):
        memberships[m.user_id].append(m)
    rows = []
    for e in entries:
        user = users.get(e.user_id_at_time or 0)
        name = (user.get_full_name() if user else "") or e.username
        if user is not None and user.is_service_account:
            name = f"Partner system: {name}"
        rows.append(
            AccessRow(
                entry_id=e.pk,
                at=e.at,
                action=e.action,
                what=_WHAT.get(e.action, e.get_action_display()),
                detail=e.detail,
                staff_name=name,
                username=e.username,
                role=e.roles,
                organisation=_organisations_at(memberships.get(e.user_id_at_time or 0, []), e.at),
                why=breakglass.readable_reason(e.reason),
                channel=_CHANNELS.get(e.channel, e.channel),
                others=max(0, e.subject_count - 1),
            )
        )
    return rows


def accesses_of_person(
    person: Any, *, offset: int = 0, limit: int | None = None, chunk: int = 500
) -> Iterator[AccessRow]:
    """Every access to the person's record, newest first (R-RIGHTS-6).

    Streams in chunks of `chunk` entries (three queries a chunk), so the CSV and the subject
    access pack run in constant memory however long the record; `offset` and `limit` give a page.
    """
    entries = _entries_of(person)
    position = offset
    end = offset + limit if limit is not None else None
    while end is None or position < end:
        stop = position + chunk if end is None else min(position + chunk, end)
        batch = list(entries[position:stop])
        if not batch:
            return
        yield from _rows(batch)
        if len(batch) < stop - position:
            return
        position = stop


# --- break glass: the review queue and what was done under a grant --------------------------------


def _with_people(qs: QuerySet[BreakGlassGrant]) -> QuerySet[BreakGlassGrant]:
    return qs.select_related("user", "organisation", "household", "reviewed_by", "followed_up_by")


def break_glass_queue(grants: QuerySet[BreakGlassGrant]) -> QuerySet[BreakGlassGrant]:
    """Requests waiting for a decision, oldest first."""
    return _with_people(grants.filter(reviewed_at__isnull=True)).order_by("created_at", "id")


def break_glass_for_follow_up(grants: QuerySet[BreakGlassGrant]) -> QuerySet[BreakGlassGrant]:
    """Access found not justified and not yet followed up, oldest first."""
    return _with_people(
        grants.filter(decision=BreakGlassGrant.Decision.NOT_JUSTIFIED, followed_up_at__isnull=True)
    ).order_by("reviewed_at", "id")


def break_glass_recently_reviewed(
    grants: QuerySet[BreakGlassGrant], limit: int = 20
) -> list[BreakGlassGrant]:
    return list(
        _with_people(grants.filter(reviewed_at__isnull=False)).order_by("-reviewed_at", "-id")[
            :limit
        ]
    )


def accesses_under(grant: BreakGlassGrant) -> QuerySet[AccessLogEntry]:
    """The access-log entries written under a grant (its reason names the grant's id)."""
    return AccessLogEntry.objects.filter(
        user_id_at_time=grant.user_id,
        at__gte=grant.created_at,
        reason__contains=f"{BREAK_GLASS_LOG_PREFIX}{grant.uuid}:",
    ).order_by("at", "id")


def count_accesses_under(grants: Iterable[BreakGlassGrant]) -> dict[int, int]:
    """grant pk -> number of access-log entries under it, for a page of grants in one query."""
    grants = list(grants)
    if not grants:
        return {}
    condition = Q()
    for g in grants:
        condition |= Q(
            user_id_at_time=g.user_id,
            at__gte=g.created_at,
            reason__contains=f"{BREAK_GLASS_LOG_PREFIX}{g.uuid}:",
        )
    by_reason = (
        AccessLogEntry.objects.filter(condition).values("reason").annotate(n=Count("id")).order_by()
    )
    counts: dict[int, int] = defaultdict(int)
    by_uuid = {str(g.uuid): g.pk for g in grants}
    for row in by_reason:
        for part in row["reason"].split("; "):
            grant_id = breakglass.grant_id_in_reason(part)
            if grant_id in by_uuid:
                counts[by_uuid[grant_id]] += row["n"]
    return dict(counts)


def my_break_glass(user: Any, limit: int = 10) -> list[BreakGlassGrant]:
    return list(
        BreakGlassGrant.objects.filter(user=user)
        .select_related("household")
        .order_by("-created_at", "-id")[:limit]
    )


# --- staff and their roles --------------------------------------------------------------------------


def staff_list(search: str = "") -> QuerySet[User]:
    """Staff accounts with their roles (current and ended), by name, for the administrators' page."""
    users = User.objects.order_by("last_name", "first_name", "username")
    search = search.strip()
    if search:
        users = users.filter(
            Q(username__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
        )
    return users.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("organisation", "team").order_by(
                "-active", "-created_at", "-id"
            ),
        )
    )


def role_history(user: User) -> list[Membership]:
    """A member of staff's roles, current first, each with who started and ended it."""
    return list(
        Membership.objects.filter(user=user)
        .select_related("organisation", "team", "started_by", "ended_by")
        .order_by("-active", "-created_at", "-id")
    )


def role_changes(user: User, limit: int = 50) -> list[ChangeRecord]:
    """The change records of a member of staff's account and roles: opened, closed and reopened,
    each role given or ended, set-up links made, used or cancelled, API tokens revoked (who, when,
    what and why; R-ACCESS-1, ADR 0025). Four queries whatever the history's length."""
    uuids: list[Any] = [user.uuid]
    uuids += Membership.objects.filter(user=user).values_list("uuid", flat=True)
    uuids += SetUpLink.objects.filter(user=user).values_list("uuid", flat=True)
    uuids += ApiToken.objects.filter(user=user).values_list("uuid", flat=True)
    return list(
        ChangeRecord.objects.filter(object_uuid__in=uuids)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )


@dataclass(frozen=True)
class AccountState:
    """What the staff member's page says about the account itself (ADR 0025)."""

    has_password: bool
    second_factor: bool
    latest_link: SetUpLink | None
    link_usable: bool
    api_tokens: int

    @property
    def waiting_for_set_up(self) -> bool:
        return not self.has_password and self.link_usable


def account_state(user: User) -> AccountState:
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    link = SetUpLink.objects.filter(user=user).select_related("created_by").first()
    return AccountState(
        has_password=user.has_usable_password(),
        second_factor=TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        latest_link=link,
        link_usable=link is not None and link.usable_at(timezone.now()),
        api_tokens=ApiToken.objects.filter(user=user, revoked_at__isnull=True).count(),
    )


def staff_by_uuid(value: Any) -> User | None:
    from uuid import UUID

    try:
        key = value if isinstance(value, UUID) else UUID(str(value))
    except (TypeError, ValueError):
        return None
    return User.objects.filter(uuid=key).first()


def membership_by_uuid(value: Any) -> Membership | None:
    from uuid import UUID

    try:
        key = value if isinstance(value, UUID) else UUID(str(value))
    except (TypeError, ValueError):
        return None
    return (
        Membership.objects.select_related("user", "organisation", "team").filter(uuid=key).first()
    )
