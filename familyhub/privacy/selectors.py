"""Reads of the purposes register, the published notices and the 're-consent' list
(R-CONSENT-1, R-CONSENT-2, R-NOTICE-1).

The register and the notices hold no personal data. The re-consent list does: callers pass the
people the user may see (`access.people_visible_to(user)`) and log what they show.

Who needs to be asked again (ADR 0014): a consent points at the notice version the person was
shown (`Consent.notice`). For each consent-based purpose of the current notice, the versions whose
snapshot of that purpose differs materially from the current one (or do not have it) are worked
out from the notices' contents, in Python: there are tens of versions, not millions. The consents
are then one SQL query: given, not expired, for that purpose, and shown one of those versions (or
no recorded version at all).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from familyhub.core.errors import NotFound
from familyhub.core.models import ChangeRecord
from familyhub.privacy import notice as notice_content
from familyhub.privacy.models import Consent, ConsentState, PrivacyNotice, Purpose

# --- the register --------------------------------------------------------------------------------


def purpose_register(*, include_retired: bool = True) -> list[Purpose]:
    """Every purpose, in the register's order (one query), each with `.gaps`: what it lacks
    before a notice can be published (empty when it is complete)."""
    qs = Purpose.objects.order_by("-active", "sort_order", "name")
    if not include_retired:
        qs = qs.filter(active=True)
    purposes = list(qs)
    for p in purposes:
        p.gaps = [  # type: ignore[attr-defined]
            what
            for what, ok in (
                ("description", bool(p.description.strip())),
                ("lawful basis", bool(p.lawful_basis)),
                ("retention", bool(p.retention.strip())),
            )
            if not ok
        ]
    return purposes


def purpose_by_code(code: str) -> Purpose:
    purpose = Purpose.objects.filter(code=code).first()
    if purpose is None:
        raise NotFound(f"There is no purpose '{code}' in the register.")
    return purpose


def purpose_history(purpose: Purpose, *, limit: int = 200) -> list[ChangeRecord]:
    """Every recorded change to the purpose, newest first (one indexed query)."""
    return list(
        ChangeRecord.objects.filter(object_uuid=purpose.uuid)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )


# --- published notices ---------------------------------------------------------------------------


def current_notice() -> PrivacyNotice | None:
    return PrivacyNotice.objects.select_related("published_by").order_by("-version").first()


def notice_by_version(version: int) -> PrivacyNotice:
    found = PrivacyNotice.objects.filter(version=version).first()
    if found is None:
        raise NotFound(f"There is no version {version} of the privacy notice.")
    return found


def notice_versions() -> list[PrivacyNotice]:
    """Every published version, newest first, without their (large) contents."""
    return list(PrivacyNotice.objects.defer("content").order_by("-version"))


# --- needs re-consent ----------------------------------------------------------------------------


@dataclass
class ReconsentRules:
    """For each consent-based purpose of the current notice: the notice versions (their keys)
    whose snapshot of it differs materially from the current one, and what differs in each."""

    current: PrivacyNotice | None
    stale: dict[int, list[int]]  # purpose id -> notice ids
    changed: dict[tuple[int, int | None], list[str]]  # (purpose id, notice id) -> labels
    purposes: dict[int, dict[str, Any]]  # purpose id -> its snapshot in the current notice

    def q(self) -> Q | None:
        """The SQL condition on Consent, or None when nobody can need asking again."""
        conditions = []
        for purpose_id, notice_ids in self.stale.items():
            shown = Q(notice__isnull=True)
            if notice_ids:
                shown |= Q(notice_id__in=notice_ids)
            conditions.append(Q(purpose_id=purpose_id) & shown)
        if not conditions:
            return None
        q = conditions[0]
        for c in conditions[1:]:
            q |= c
        return q

    def what_changed(self, consent: Consent) -> list[str]:
        return self.changed.get((consent.purpose_id, consent.notice_id), [])


def reconsent_rules(notices: Sequence[PrivacyNotice] | None = None) -> ReconsentRules:
    """Compare every published version's snapshot of each purpose with the current one."""
    if notices is None:
        notices = list(PrivacyNotice.objects.order_by("version"))
    current = max(notices, key=lambda n: n.version) if notices else None
    rules = ReconsentRules(current, {}, {}, {})
    if current is None:
        return rules
    wanted = {p["code"]: p for p in current.content.get("purposes", []) if p.get("needs_consent")}
    ids = dict(Purpose.objects.filter(code__in=wanted).values_list("code", "pk"))
    for code, now in wanted.items():
        purpose_id = ids.get(code)
        if purpose_id is None:
            continue
        rules.purposes[purpose_id] = now
        rules.stale[purpose_id] = []
        rules.changed[(purpose_id, None)] = ["no notice version was recorded with the consent"]
        for n in notices:
            what = notice_content.material_changes(notice_content.purpose_in(n.content, code), now)
            if what:
                rules.stale[purpose_id].append(n.pk)
                rules.changed[(purpose_id, n.pk)] = what
    return rules


def consents_needing_reconsent(
    people: QuerySet[Any] | None = None,
    *,
    rules: ReconsentRules | None = None,
    on: date | None = None,
) -> QuerySet[Consent]:
    """Consents (given, not expired, of people not archived) to a purpose that changed materially
    since the version of the notice the person was shown; only among `people` when given."""
    rules = rules or reconsent_rules()
    q = rules.q()
    if q is None:
        return Consent.objects.none()
    on = on or timezone.localdate()
    qs = Consent.objects.filter(
        q, state=ConsentState.GIVEN, person__archived_at__isnull=True
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=on))
    if people is not None:
        qs = qs.filter(person__in=people.values("pk"))
    return qs


def reconsent_page(
    people: QuerySet[Any], *, page: int = 1, size: int = 50
) -> tuple[list[Consent], bool, ReconsentRules]:
    """One page of the list for a user (people in their scope), each consent with `.changed`
    (what changed since the version the person saw); and whether there is a next page."""
    rules = reconsent_rules()
    start = (page - 1) * size
    rows = list(
        consents_needing_reconsent(people, rules=rules)
        .select_related("person", "purpose", "notice", "given_by")
        .order_by("person__family_name", "person__given_name", "person_id", "purpose__sort_order")[
            start : start + size + 1
        ]
    )
    for c in rows:
        c.changed = rules.what_changed(c)  # type: ignore[attr-defined]
    return rows[:size], len(rows) > size, rules


def reconsent_counts() -> list[tuple[dict[str, Any], int]]:
    """For the DPO: how many people need asking again, per purpose (one grouped query)."""
    rules = reconsent_rules()
    counts = dict(
        consents_needing_reconsent(rules=rules)
        .values("purpose_id")
        .annotate(n=Count("id"))
        .values_list("purpose_id", "n")
    )
    return [
        (snapshot, counts.get(purpose_id, 0)) for purpose_id, snapshot in rules.purposes.items()
    ]
