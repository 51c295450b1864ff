"""Subject access packs: generate, review other people's data item by item, release (R-RIGHTS-2).

Generating reads everything held about the person (`rights.sar.build_pack`) and keeps it as a
draft; the reviewer marks every flagged item 'release' or 'withhold' with a reason (each decision
and each change of mind is a change record); releasing applies the decisions, keeps exactly what
was sent, its SHA-256 checksums, a disclosure record, and an EXPORT entry in the access log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access import log
from familyhub.access.models import AccessLogEntry
from familyhub.access.roles import Capability
from familyhub.core.errors import ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet, model_update
from familyhub.people.models import Person
from familyhub.rights import sar
from familyhub.rights.models import (
    AccessPack,
    DisclosurePerson,
    DisclosureRecord,
    PackDecision,
    RequesterKind,
    RequestKind,
    RightsRequest,
)
from familyhub.rights.services.requests import IDENTITY_FIRST, _require_open, ready_to_act

MANAGE = Capability.MANAGE_PRIVACY
Action = AccessLogEntry.Action
LEGAL_BASIS = "UK GDPR Article 15: the right of access"


def _label(request: RightsRequest) -> str:
    return f"Rights request {request.reference}"


def _people_in(content: Mapping[str, Any], person: Person, item_ids: set[str] | None) -> list[Any]:
    """The subject and the other people whose data is in the pack (all flagged items, or only
    `item_ids`), for the access log and the disclosure record."""
    uuids = {
        u
        for review in content.get("review", [])
        if item_ids is None or review["item"] in item_ids
        for u in review.get("about_ids", [])
    }
    others = list(Person.objects.filter(uuid__in=uuids).exclude(pk=person.pk)) if uuids else []
    return [person, *others]


def pack_generate(*, actor: Any, request: RightsRequest) -> AccessPack:
    """Assemble the pack from the data map, as a draft for review. A later generation makes a new
    draft (the earlier ones and their decisions are kept)."""
    access.require(actor, MANAGE)
    person = ready_to_act(request, RequestKind.ACCESS)
    if request.packs.filter(state=AccessPack.State.RELEASED).exists():
        raise ValidationFailed("A pack was already released for this request.")
    now = timezone.now()
    with transaction.atomic():
        content = sar.build_pack(person, request=request, generated_at=now)
        pack = AccessPack.objects.create(
            request=request,
            person=person,
            generated_at=now,
            generated_by=actor if getattr(actor, "pk", None) else None,
            content=content,
        )
        changes = ChangeSet(actor=actor)
        counts = content["counts"]
        changes.record(
            request,
            action=ChangeRecord.Action.UPDATE,
            field_name="kind",
            new=(
                f"Subject access pack generated: {counts['records']} records, "
                f"{counts['history']} changes, {counts['access_log']} accesses, "
                f"{len(content['review'])} items to review"
            ),
            person=person,
            label=_label(request),
        )
        changes.flush()
        log.record(
            user=actor,
            action=Action.VIEW_PERSON,
            object_type="person",
            person_keys=[p.log_key for p in _people_in(content, person, None)],
            detail="subject access pack generated for review",
            reason=request.reference,
        )
    return pack


def pack_decide(
    *, actor: Any, pack: AccessPack, decisions: Mapping[str, tuple[str, str]]
) -> list[PackDecision]:
    """Record the reviewer's decisions: item id -> (decision, reason). Every decided item needs a
    reason; items not given are left as they are."""
    access.require(actor, MANAGE)
    if pack.state != AccessPack.State.DRAFT:
        raise ValidationFailed("This pack was released: its decisions can no longer change.")
    _require_open(pack.request)
    flagged = {r["item"]: r for r in pack.review_items}
    errors: dict[str, list[str]] = {}
    for item, (decision, reason) in decisions.items():
        if item not in flagged:
            errors[f"decision-{item}"] = ["This item is not one flagged for review."]
            continue
        if decision not in PackDecision.Decision.values:
            errors[f"decision-{item}"] = ["Choose to release or to withhold it."]
        if not reason.strip():
            errors[f"reason-{item}"] = [
                "Give the reason for the decision (for example 'the child's father agreed' or "
                "'about the partner, who did not agree')."
            ]
    if errors:
        raise ValidationFailed.from_errors(errors)
    existing = {d.item: d for d in pack.decisions.all()}
    saved = []
    now = timezone.now()
    changes = ChangeSet(actor=actor)
    with transaction.atomic():
        for item, (decision, reason) in decisions.items():
            where = flagged[item]["where"]
            d = existing.get(item)
            if d is None:
                d = PackDecision.objects.create(
                    pack=pack,
                    person=pack.person,
                    item=item,
                    decision=decision,
                    reason=reason.strip(),
                    decided_by=actor if getattr(actor, "pk", None) else None,
                    decided_at=now,
                )
                changes.record(
                    d,
                    action=ChangeRecord.Action.CREATE,
                    field_name="decision",
                    new=f"{d.get_decision_display()}: {d.reason}",
                    person=pack.person,
                    label=f"Subject access pack review: {where}"[:200],
                )
            else:
                model_update(
                    instance=d,
                    fields=["decision", "reason", "decided_by", "decided_at"],
                    data={
                        "decision": decision,
                        "reason": reason.strip(),
                        "decided_by": actor if getattr(actor, "pk", None) else None,
                        "decided_at": now,
                    }
                    if (d.decision, d.reason) != (decision, reason.strip())
                    else {},
                    changes=changes,
                    person=pack.person,
                )
            saved.append(d)
        changes.flush()
    return saved


def decisions_of(pack: AccessPack) -> dict[str, str]:
    return {d.item: d.decision for d in pack.decisions.all()}


def render_html(content: Mapping[str, Any], *, draft: bool) -> str:
    """The pack as a standalone, printable HTML document (the browser's print makes the PDF)."""
    return render_to_string("rights/pack_document.html", {"pack": content, "draft": draft})


def requester_text(request: RightsRequest) -> str:
    """Who asked, in words ('John Smith (the person themselves)', 'Ann Lee (solicitor)')."""
    if request.requester_kind == RequesterKind.SELF:
        name = request.person.display_name if request.person else "the person"
        return f"{name} (the person themselves)"
    if request.requester_person is not None:
        relation = request.requester_relationship or "parent or carer"
        return f"{request.requester_person.display_name} ({relation})"
    return f"{request.requester_name} ({request.requester_relationship or 'representative'})"


def pack_release(
    *,
    actor: Any,
    pack: AccessPack,
    recipient: str,
    recipient_kind: str,
    channel: str,
) -> DisclosureRecord:
    """Release the pack: the reviewer's decisions applied, what was sent kept with its checksums,
    a disclosure record, and an EXPORT in the access log (R-RIGHTS-2, invariant 5)."""
    access.require(actor, MANAGE)
    request = pack.request
    if pack.state != AccessPack.State.DRAFT:
        raise ValidationFailed("This pack was already released.")
    _require_open(request)
    if not request.identity_checked:
        raise ValidationFailed(IDENTITY_FIRST)
    decisions = decisions_of(pack)
    undecided = [r for r in pack.review_items if r["item"] not in decisions]
    errors: dict[str, list[str]] = {}
    if undecided:
        errors["decisions"] = [
            f"{len(undecided)} item{'s' if len(undecided) != 1 else ''} about other people "
            f"still need{'s' if len(undecided) == 1 else ''} a decision before the pack can be "
            f"released, starting with: {undecided[0]['where']}."
        ]
    if not recipient.strip():
        errors["recipient"] = ["Say who receives the pack."]
    if recipient_kind not in DisclosureRecord.RecipientKind.values:
        errors["recipient_kind"] = ["Choose who receives it."]
    if not channel.strip():
        errors["channel"] = ["Say how it is sent, for example 'by email' or 'collected in person'."]
    if errors:
        raise ValidationFailed.from_errors(errors)
    now = timezone.now()
    released = sar.apply_decisions(pack.content, decisions, release=True)
    released["released_at"] = now.isoformat()
    released["released_on"] = timezone.localtime(now).strftime("%d/%m/%Y")
    json_bytes = sar.canonical_json(released)
    html_bytes = render_html(released, draft=False).encode("utf-8")
    json_sha, html_sha = sar.sha256(json_bytes), sar.sha256(html_bytes)
    released_items = {item for item, decision in decisions.items() if decision == "release"}
    people = _people_in(pack.content, pack.person, released_items)
    base = f"{request.reference}-subject-access-pack"
    with transaction.atomic():
        disclosure = DisclosureRecord.objects.create(
            kind=DisclosureRecord.Kind.SUBJECT_ACCESS,
            disclosed_at=now,
            disclosed_by=actor if getattr(actor, "pk", None) else None,
            recipient=recipient.strip()[:200],
            recipient_kind=recipient_kind,
            what=f"Subject access pack for request {request.reference} (HTML and JSON)",
            legal_basis=LEGAL_BASIS,
            channel=channel.strip()[:100],
            request=request,
            person=pack.person,
            people_count=len(people),
            sha256=json_sha,
            files=[
                {"name": f"{base}.json", "bytes": len(json_bytes), "sha256": json_sha},
                {"name": f"{base}.html", "bytes": len(html_bytes), "sha256": html_sha},
            ],
        )
        DisclosurePerson.objects.bulk_create(
            [DisclosurePerson(disclosure=disclosure, person=p) for p in people]
        )
        # The content itself is not copied into a change record (it is the whole pack).
        AccessPack.objects.filter(pk=pack.pk).update(
            state=AccessPack.State.RELEASED,
            released_at=now,
            released_by=actor if getattr(actor, "pk", None) else None,
            released_content=released,
            json_sha256=json_sha,
            html_sha256=html_sha,
            disclosure=disclosure,
            updated_at=now,
        )
        pack.refresh_from_db()
        changes = ChangeSet(actor=actor)
        changes.record(
            request,
            action=ChangeRecord.Action.UPDATE,
            field_name="kind",
            new=(
                f"Subject access pack released to {disclosure.recipient} ({channel.strip()}); "
                f"{released['withheld']} item(s) withheld; SHA-256 {json_sha}"
            ),
            person=pack.person,
            label=_label(request),
        )
        changes.flush()
        log.record(
            user=actor,
            action=Action.EXPORT,
            object_type="person",
            person_keys=[p.log_key for p in people],
            detail="subject access pack released",
            reason=request.reference,
        )
    return disclosure
