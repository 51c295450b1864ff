"""A worker's caseload and a manager's team view (R-ENGAGE-6), in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db.models import (
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.models import Membership as StaffMembership
from familyhub.access.models import User
from familyhub.access.roles import Capability, capabilities_of
from familyhub.casework.models import (
    AllocationDetail,
    Contact,
    FollowUp,
)
from familyhub.casework.selectors._common import CASEWORK, VIEW
from familyhub.casework.selectors.family import detail_of
from familyhub.people.models import Address, CaseAllocation, Household, Membership, Person


@dataclass
class CaseloadRow:
    household: Household
    allocation: CaseAllocation
    detail: AllocationDetail | None
    postcode: str
    ward: str
    children: list[Any]
    last_contact: Any
    next_visit: Any
    overdue_follow_ups: int

    @property
    def review_overdue(self) -> bool:
        return bool(
            self.detail
            and self.detail.review_due_on
            and self.detail.review_due_on < timezone.localdate()
        )


@dataclass
class Caseload:
    worker: Any
    rows: list[CaseloadRow]
    open_families: int
    overdue_reviews: int
    overdue_follow_ups: int
    page: int
    has_next: bool
    people_shown: list[Any] = field(default_factory=list)


# What a caseload row shows of a person: the name (Person.display_name) and the access-log key.
PERSON_SHOWN = ("given_name", "family_name", "known_as", "is_unborn", "log_key")


@dataclass(frozen=True)
class Shown:
    """A person as a caseload row shows them, and as the access log records them."""

    display_name: str
    log_key: Any

    @classmethod
    def of(
        cls, given_name: str, family_name: str, known_as: str, is_unborn: bool, log_key: Any
    ) -> Shown:
        name = SimpleNamespace(
            given_name=given_name, family_name=family_name, known_as=known_as, is_unborn=is_unborn
        )
        return cls(Person.display_name.fget(name), log_key)  # type: ignore[attr-defined]


def _open_caseload(viewer: Any, worker: Any) -> QuerySet[CaseAllocation]:
    """The worker's open allocations in organisations where the viewer sees families (the rule of
    `access.scopes`, ADR 0004); the families themselves are fetched through the scope."""
    return CaseAllocation.objects.filter(
        worker=worker,
        ended_on__isnull=True,
        organisation_id__in=viewer.organisation_ids_with(VIEW),
        household__archived_at__isnull=True,
    )


def caseload(viewer: Any, worker: Any, *, page: int = 1, per_page: int = 50) -> Caseload:
    """A worker's open families, by family name: last contact, next planned visit, next review
    (overdue flagged) and overdue follow-up actions. A fixed number of queries (R-ENGAGE-6)."""
    today = timezone.localdate()
    base = _open_caseload(viewer, worker)
    # One query for the page: the page's allocations are chosen first (the inner, sorted and
    # limited query), and only their rows get the per-family figures.
    family = OuterRef("household_id")
    current_address = Address.objects.filter(household_id=family, valid_to__isnull=True)
    page_ids = base.order_by("household__name", "household_id", "id").values("id")[
        (page - 1) * per_page : page * per_page + 1
    ]
    page_rows = list(
        CaseAllocation.objects.filter(pk__in=page_ids)
        .select_related("household", "detail", "detail__service")
        # The columns the page shows: every other column would be read and converted for nothing.
        .only(
            "household__uuid",
            "household__name",
            "detail__review_due_on",
            "detail__single_point_of_contact",
            "detail__service__name",
        )
        .annotate(
            last_contact=Subquery(
                Contact.objects.filter(household_id=family, status=Contact.Status.DONE)
                .order_by("-occurred_at")
                .values("occurred_at")[:1]
            ),
            next_visit=Subquery(
                Contact.objects.filter(
                    household_id=family,
                    status=Contact.Status.PLANNED,
                    occurred_at__gte=timezone.now(),
                )
                .order_by("occurred_at")
                .values("occurred_at")[:1]
            ),
            overdue_follow_ups=Coalesce(
                Subquery(
                    FollowUp.objects.filter(
                        household_id=family, done_at__isnull=True, due_on__lt=today
                    )
                    .order_by()
                    .values("household_id")
                    .annotate(n=Count("id"))
                    .values("n")[:1]
                ),
                0,
            ),
            postcode=Subquery(current_address.values("postcode")[:1]),
            ward_name=Subquery(current_address.values("ward__name")[:1]),
        )
        .order_by("household__name", "household_id", "id")
    )
    has_next = len(page_rows) > per_page
    page_rows = page_rows[:per_page]
    household_ids = list(dict.fromkeys(a.household_id for a in page_rows))
    # The families of the page go through the scope (ADR 0004) before anything of them is shown.
    visible = set(
        access.households_visible_to(viewer)
        .filter(pk__in=household_ids)
        .values_list("pk", flat=True)
    )
    # Only what the rows show, as plain values: a page of fifty families is hundreds of people,
    # and model instances cost more to build than the rows cost to fetch.
    people: dict[int, list[tuple[str, Shown]]] = defaultdict(list)
    for household_id, role, *person in (
        Membership.objects.filter(household_id__in=household_ids)
        .order_by("role", "id")
        .values_list("household_id", "role", *(f"person__{f}" for f in PERSON_SHOWN))
    ):
        people[household_id].append((role, Shown.of(*person)))
    rows = []
    shown: list[Shown] = []
    for allocation in page_rows:
        household_id = allocation.household_id
        if household_id not in visible:
            continue  # not in the viewer's scope after all
        members = people.get(household_id, [])
        shown += [p for _, p in members]
        a: Any = allocation
        rows.append(
            CaseloadRow(
                household=allocation.household,
                allocation=allocation,
                detail=detail_of(allocation),
                postcode=a.postcode or "",
                ward=a.ward_name or "",
                children=[p for role, p in members if role == "child"],
                last_contact=a.last_contact,
                next_visit=a.next_visit,
                overdue_follow_ups=a.overdue_follow_ups,
            )
        )
    totals = base.aggregate(
        families=Count("household_id", distinct=True),
        reviews=Count("id", filter=Q(detail__review_due_on__lt=today)),
    )
    overdue_total = FollowUp.objects.filter(
        household_id__in=base.values("household_id"), done_at__isnull=True, due_on__lt=today
    ).count()
    return Caseload(
        worker=worker,
        rows=rows,
        open_families=totals["families"],
        overdue_reviews=totals["reviews"],
        overdue_follow_ups=overdue_total,
        page=page,
        has_next=has_next,
        people_shown=shown,
    )


def caseload_roles() -> list[str]:
    from familyhub.access.roles import Role

    return [r.value for r in Role if CASEWORK in capabilities_of(r.value)]


def workers_visible_to(viewer: Any) -> QuerySet[Any]:
    """Staff whose caseloads the viewer may open: the viewer, and for a team manager the caseworkers
    of their team(s) (of their organisation(s), if they manage without a team)."""
    teams, orgs = manager_scope(viewer)
    q = Q(pk=viewer.pk)
    if teams or orgs:
        q |= Q(
            memberships__active=True,
            memberships__role__in=caseload_roles(),
        ) & (Q(memberships__team_id__in=teams) | Q(memberships__organisation_id__in=orgs))
    return (
        User.objects.filter(q, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def manager_scope(viewer: Any) -> tuple[list[int], list[int]]:
    """(team ids, organisation ids) the viewer manages: a TEAM_CASELOADS role with a team covers
    that team; one without a team covers the whole organisation."""
    teams: set[int] = set()
    orgs: set[int] = set()
    for m in getattr(viewer, "active_memberships", []):
        if Capability.TEAM_CASELOADS in capabilities_of(m.role):
            if m.team_id:
                teams.add(m.team_id)
            else:
                orgs.add(m.organisation_id)
    return sorted(teams), sorted(orgs)


@dataclass
class TeamRow:
    worker: Any
    open_families: int = 0
    last_contact: Any = None
    overdue_reviews: int = 0
    overdue_follow_ups: int = 0
    teams: list[str] = field(default_factory=list)


def team_caseloads(viewer: Any) -> tuple[list[TeamRow], int]:
    """Per caseworker of the manager's team(s): open families, their last recorded contact,
    overdue reviews and overdue follow-ups; plus the number of open allocations of the team(s)
    with no named worker. Five queries whatever the team's size."""
    teams, orgs = manager_scope(viewer)
    view_orgs = viewer.organisation_ids_with(VIEW)
    if not (teams or orgs):
        return [], 0
    in_team = Q(team_id__in=teams) | Q(organisation_id__in=orgs)
    staff = (
        StaffMembership.objects.filter(in_team, active=True, role__in=caseload_roles())
        .select_related("user", "team")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    rows: dict[int, TeamRow] = {}
    for m in staff:
        row = rows.setdefault(m.user_id, TeamRow(worker=m.user))
        if m.team is not None and m.team.name not in row.teams:
            row.teams.append(m.team.name)
    ids = list(rows)
    today = timezone.localdate()
    open_allocations = CaseAllocation.objects.filter(
        ended_on__isnull=True,
        organisation_id__in=view_orgs,
        household__archived_at__isnull=True,
    )
    for r in (
        open_allocations.filter(worker_id__in=ids)
        .values("worker_id")
        .annotate(
            families=Count("household_id", distinct=True),
            reviews=Count("id", filter=Q(detail__review_due_on__lt=today)),
        )
    ):
        rows[r["worker_id"]].open_families = r["families"]
        rows[r["worker_id"]].overdue_reviews = r["reviews"]
    # The latest contact of each worker: one index probe per worker (contact_worker), rather than
    # reading all their contacts to find the maximum.
    latest = (
        Contact.objects.filter(worker_id=OuterRef("pk"), status=Contact.Status.DONE)
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    for worker_id, last in (
        User.objects.filter(pk__in=ids).annotate(last=Subquery(latest)).values_list("pk", "last")
    ):
        rows[worker_id].last_contact = last
    for worker_id, n in (
        FollowUp.objects.filter(assigned_to_id__in=ids, done_at__isnull=True, due_on__lt=today)
        .values("assigned_to_id")
        .annotate(n=Count("id"))
        .values_list("assigned_to_id", "n")
    ):
        rows[worker_id].overdue_follow_ups = n
    unallocated = open_allocations.filter(in_team, worker__isnull=True).count()
    return list(rows.values()), unallocated
