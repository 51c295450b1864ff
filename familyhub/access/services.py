"""Every write of the access app that people make: break glass and its review (R-ACCESS-2, ADR
0010), and staff role assignments (R-ACCESS-1). Each validates, writes in one transaction, and
records what it did: the access log for break glass, change records for roles (invariant 1).
Staff accounts themselves (opened, closed, reopened, set-up links; ADR 0025) are in
`access.accounts`, which gives and ends roles through the functions here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from familyhub.access import breakglass, log
from familyhub.access.models import AccessLogEntry, BreakGlassGrant, Membership, User
from familyhub.access.roles import Capability, Role
from familyhub.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet, model_update
from familyhub.people.models import Household, Person
from familyhub.people.models import Membership as HouseholdMembership
from familyhub.places.models import Organisation, Team

Action = AccessLogEntry.Action
MIN_EXPLANATION = 10

# --- break glass ----------------------------------------------------------------------------------


@dataclass
class BreakGlassOutcome:
    """What a request for emergency access came to.

    `grants`: one per family opened (usually one); empty with `matched` False when the reference
    matched no family (the request is still recorded for review). `already_visible`: families the
    user could already see, for which nothing was granted.
    """

    matched: bool
    grants: list[BreakGlassGrant] = field(default_factory=list)
    already_visible: list[Household] = field(default_factory=list)
    request: BreakGlassGrant | None = None


def _require(actor: Any, capability: str, message: str) -> None:
    if not (getattr(actor, "is_authenticated", False) and actor.has_capability(capability)):
        raise PermissionRefused(message)


def _refused(actor: Any, detail: str) -> None:
    """A refused request changes nothing but is itself recorded (who tried, when, why refused)."""
    log.record(user=actor, action=Action.BREAK_GLASS, object_type="household", detail=detail)


def _households_for(reference: breakglass.Reference) -> list[Household]:
    """The families a reference points at, whoever asks (only after a reason was given)."""
    households = Household.objects.filter(archived_at__isnull=True)
    if reference.kind == "household":
        return list(households.filter(uuid=reference.uuid))
    if reference.kind == "nhs_number":
        people = Person.objects.filter(nhs_number=reference.value, archived_at__isnull=True)
    else:
        people = Person.objects.filter(uuid=reference.uuid, archived_at__isnull=True)
        if reference.kind == "either":
            direct = list(households.filter(uuid=reference.uuid))
            if direct:
                return direct
    household_ids = HouseholdMembership.objects.filter(person__in=people).values("household_id")
    return list(households.filter(pk__in=household_ids).order_by("id"))


def break_glass_request(
    *, actor: Any, reference: str, reason: str, explanation: str
) -> BreakGlassOutcome:
    """Open a family outside the actor's need to know, for a stated reason, for a limited time.

    The reason and explanation are checked before the reference is looked up, so that nothing is
    learnt about any record without them; every request, found or not, is recorded in the access
    log and waits for review.
    """
    _require(actor, Capability.BREAK_GLASS, "Your role does not include emergency access.")
    explanation = (explanation or "").strip()
    errors: dict[str, list[str]] = {}
    if reason not in BreakGlassGrant.Reason.values:
        errors["reason"] = ["Choose why you need this family's record"]
    if not explanation:
        errors["explanation"] = ["Explain why you need this family's record now"]
    elif len(explanation) < MIN_EXPLANATION:
        errors["explanation"] = [
            f"Explain in at least {MIN_EXPLANATION} characters why you need this record now"
        ]
    if errors:
        _refused(actor, "refused: no reason given")
        raise ValidationFailed.from_errors(errors)
    ref = breakglass.reference_from_text(reference)
    if ref is None:
        _refused(actor, "refused: reference not recognised")
        raise ValidationFailed(breakglass.REFERENCE_HELP, field="reference")
    now = timezone.now()
    asked_today = BreakGlassGrant.objects.filter(
        user=actor, created_at__gte=now - timedelta(days=1)
    ).count()
    if asked_today >= breakglass.daily_limit():
        _refused(actor, "refused: daily limit reached")
        raise PermissionRefused(
            f"You have asked for emergency access {asked_today} times in the last 24 hours, the "
            "most allowed. Ask your team manager or the DPO."
        )

    households = _households_for(ref)
    from familyhub.access.helpers import households_visible_to

    visible = set(
        households_visible_to(actor)
        .filter(pk__in=[h.pk for h in households])
        .values_list("pk", flat=True)
    )
    outcome = BreakGlassOutcome(matched=bool(households))
    outcome.already_visible = [h for h in households if h.pk in visible]
    to_open = [h for h in households if h.pk not in visible]
    if households and not to_open:
        return outcome  # nothing to grant: the user can already see every family it points at

    org_ids = actor.organisation_ids_with(Capability.BREAK_GLASS)
    common = {
        "user": actor,
        "organisation_id": org_ids[0] if org_ids else None,
        "roles": (getattr(actor, "role_labels", "") or "")[:300],
        "reference": reference.strip()[:100],
        "reason": reason,
        "explanation": explanation,
    }
    with transaction.atomic():
        if not households:
            # Nothing to open: recorded for review all the same (probing is visible), never in force.
            request = BreakGlassGrant.objects.create(household=None, expires_at=now, **common)
            log.record(
                user=actor,
                action=Action.BREAK_GLASS,
                object_type="household",
                detail="no family matched the reference",
                reason=request.log_reason,
            )
            outcome.request = request
        expires = now + timedelta(minutes=breakglass.grant_minutes())
        for household in to_open:
            grant = BreakGlassGrant.objects.create(
                household=household, expires_at=expires, **common
            )
            keys = HouseholdMembership.objects.filter(household=household).values_list(
                "person__log_key", flat=True
            )
            log.record(
                user=actor,
                action=Action.BREAK_GLASS,
                object_type="household",
                person_keys=list(keys),
                detail=f"emergency access for {breakglass.grant_minutes()} minutes",
                reason=grant.log_reason,
            )
            outcome.grants.append(grant)
    actor.forget_access_cache()
    return outcome


def break_glass_end(*, actor: Any, grant: BreakGlassGrant) -> BreakGlassGrant:
    """The user is done before the time is up: the family leaves their scope now."""
    if grant.user_id != getattr(actor, "pk", None):
        raise PermissionRefused("Only the person who asked for emergency access can end it.")
    if grant.in_force:
        now = timezone.now()
        BreakGlassGrant.objects.filter(pk=grant.pk, ended_at__isnull=True).update(
            ended_at=now, updated_at=now
        )
        grant.ended_at = now
        log.record(
            user=actor,
            action=Action.BREAK_GLASS,
            object_type="household",
            detail="emergency access ended by the user",
            reason=grant.log_reason,
        )
    actor.forget_access_cache()
    return grant


def reviewable_grants(actor: Any) -> Any:
    """Grants the actor may review: every one for those who oversee all organisations (the DPO),
    otherwise those asked by staff of the organisations where the actor reads the access log (a
    team manager). Never the actor's own."""
    from familyhub.access.helpers import can

    qs = BreakGlassGrant.objects.exclude(user_id=getattr(actor, "pk", None) or 0)
    if can(actor, Capability.OVERSEE_ACCESS):
        return qs
    if can(actor, Capability.VIEW_ACCESS_LOG):
        return qs.filter(
            organisation_id__in=actor.organisation_ids_with(Capability.VIEW_ACCESS_LOG)
        )
    return qs.none()


def break_glass_review(
    *, actor: Any, grant: BreakGlassGrant, decision: str, note: str
) -> BreakGlassGrant:
    """A team manager or the DPO records whether the access was justified; the item leaves the
    queue. An unjustified grant still in force ends at once and is listed for follow-up."""
    _require(actor, Capability.VIEW_ACCESS_LOG, "Your role does not include reviewing access.")
    if grant.user_id == getattr(actor, "pk", None):
        raise PermissionRefused("Someone else must review your own emergency access.")
    if not reviewable_grants(actor).filter(pk=grant.pk).exists():
        raise PermissionRefused("This request is reviewed by another organisation's managers.")
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if decision not in BreakGlassGrant.Decision.values:
        errors["decision"] = ["Choose whether the access was justified"]
    if not note:
        errors["note"] = ["Say what you based the decision on"]
    if errors:
        raise ValidationFailed.from_errors(errors)
    now = timezone.now()
    values: dict[str, Any] = {
        "decision": decision,
        "decision_note": note,
        "reviewed_at": now,
        "reviewed_by": actor,
        "updated_at": now,
    }
    if decision == BreakGlassGrant.Decision.NOT_JUSTIFIED and grant.ended_at is None:
        values["ended_at"] = min(now, grant.expires_at)
    with transaction.atomic():
        if not BreakGlassGrant.objects.filter(pk=grant.pk, reviewed_at__isnull=True).update(
            **values
        ):
            raise ConcurrentEdit("Someone else has already recorded a decision on this request.")
    grant.refresh_from_db()
    return grant


def break_glass_follow_up(*, actor: Any, grant: BreakGlassGrant, note: str) -> BreakGlassGrant:
    """Record what was done about an unjustified access; it leaves the follow-up list."""
    _require(actor, Capability.VIEW_ACCESS_LOG, "Your role does not include reviewing access.")
    if not reviewable_grants(actor).filter(pk=grant.pk).exists():
        raise PermissionRefused("This request is followed up by another organisation's managers.")
    if grant.decision != BreakGlassGrant.Decision.NOT_JUSTIFIED:
        raise ValidationFailed("Only access found not justified is followed up.", field="note")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(
            "Say what was done (for example, discussed in supervision)", field="note"
        )
    now = timezone.now()
    updated = BreakGlassGrant.objects.filter(pk=grant.pk, followed_up_at__isnull=True).update(
        follow_up_note=note, followed_up_at=now, followed_up_by=actor, updated_at=now
    )
    if not updated:
        raise ConcurrentEdit("Someone else has already recorded the follow-up.")
    grant.refresh_from_db()
    return grant


# --- staff roles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandLine:
    """The operator at the server's command line (`familyhub staff-add`, ADR 0025): trusted to
    manage staff like an administrator, since whoever runs commands holds the database anyway,
    and the only way to open the very first administrator's account. Recorded as no account
    (ChangeRecord.actor empty), with the command and the operating-system user in the reason."""

    command: str
    os_user: str = ""
    pk: None = None
    is_authenticated: bool = False

    def note(self, reason: str = "") -> str:
        who = f"familyhub {self.command}" + (f", run by {self.os_user}" if self.os_user else "")
        return f"{reason} ({who})" if reason else who


def require_staff_manager(actor: Any) -> None:
    """An administrator (MANAGE_REFERENCE), or the operator at the command line."""
    if not isinstance(actor, CommandLine):
        _require(actor, Capability.MANAGE_REFERENCE, "Your role does not include managing staff.")


def recorded_reason(actor: Any, reason: str) -> str:
    reason = (reason or "").strip()
    return actor.note(reason) if isinstance(actor, CommandLine) else reason


def account_of(actor: Any) -> User | None:
    """The actor's account for a `…_by` column: none for the command line."""
    return actor if isinstance(actor, User) else None


def _role_label(membership: Membership) -> str:
    where = membership.organisation.name
    if membership.team_id:
        where = f"{membership.team.name}, {where}"  # type: ignore[union-attr]
    return f"{membership.user.username}: {membership.get_role_display()} at {where}"[:200]


def membership_add(
    *,
    actor: Any,
    user: User,
    organisation: Organisation,
    role: str,
    team: Team | None = None,
    reason: str = "",
    changes: ChangeSet | None = None,
) -> Membership:
    """Give a member of staff a role in an organisation (R-ACCESS-1); recorded as a change
    (in `changes` when the role is part of a larger step, such as opening an account)."""
    require_staff_manager(actor)
    errors: dict[str, list[str]] = {}
    if user.pk == getattr(actor, "pk", None):
        errors["user"] = ["You cannot change your own roles: ask another administrator"]
    elif not user.is_active:
        errors["user"] = ["This account is closed: it cannot be given a role"]
    errors.update(role_errors(organisation=organisation, role=role, team=team))
    if (
        not errors
        and Membership.objects.filter(
            user=user, organisation=organisation, team=team, role=role, active=True
        ).exists()
    ):
        errors["role"] = ["They already hold this role there"]
    if errors:
        raise ValidationFailed.from_errors(errors)
    changes = changes or ChangeSet(actor=actor, reason=recorded_reason(actor, reason))
    with transaction.atomic():
        membership = Membership.objects.create(
            user=user, organisation=organisation, team=team, role=role, started_by=account_of(actor)
        )
        label = _role_label(membership)
        changes.record(membership, action=ChangeRecord.Action.CREATE, new=label, label=label)
        changes.flush()
    user.forget_access_cache()
    return membership


def role_errors(
    *, organisation: Organisation | None, role: str, team: Team | None
) -> dict[str, list[str]]:
    """What is wrong with a role to give, whoever it is for (errors by field)."""
    errors: dict[str, list[str]] = {}
    if organisation is None:
        errors["organisation"] = ["Choose an organisation"]
    if role not in Role.values:
        errors["role"] = ["Choose a role"]
    if organisation is not None:
        if team is not None and team.organisation_id != organisation.pk:
            errors["team"] = [f"{team.name} is not a team of {organisation.name}"]
        elif team is not None and not team.active:
            errors["team"] = [f"{team.name} is retired: choose another team"]
        if not organisation.active:
            errors["organisation"] = [f"{organisation.name} is no longer active"]
    return errors


def membership_end(
    *, actor: Any, membership: Membership, reason: str, changes: ChangeSet | None = None
) -> Membership:
    """End a role: the row stays, end-dated, with who ended it and why (history is never deleted).
    `changes`: when the role ends as part of a larger step (closing the account)."""
    require_staff_manager(actor)
    if membership.user_id == getattr(actor, "pk", None):
        raise ValidationFailed("You cannot change your own roles: ask another administrator")
    if not membership.active:
        raise ValidationFailed("This role has already ended.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "Say why the role ends (for example, left the organisation)", field="reason"
        )
    changes = changes or ChangeSet(actor=actor, reason=recorded_reason(actor, reason))
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if not locked.active:
            raise ConcurrentEdit("Someone else has ended this role already.")
        model_update(
            instance=membership,
            fields=["active", "ended_at", "ended_by", "end_reason"],
            data={
                "active": False,
                "ended_at": changes.at,
                "ended_by": account_of(actor),
                "end_reason": reason[:300],
            },
            changes=changes,
        )
    return membership
