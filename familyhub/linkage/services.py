"""Every write of the linkage app (invariant 1; R-LINK-1, ADR 0021).

- `duplicates_find_run`: the whole-database Splink run feeding the review queue (a background
  task, across organisations); never merges anything.
- `person_merge`: a person chooses each field's surviving value; every related row is re-pointed
  (found generically from the foreign keys, `core.personal_data.person_links`), both histories are
  kept (the other's change records move to the kept person), the other record is archived, and
  everything an exact unmerge needs is stored on the Merge row.
- `person_unmerge`: both people's rows back exactly as they were, every re-pointed row back to
  the other person, every removed row re-created with its own key.
- `mark_not_same`: the pair is never suggested again.
Each writes in one transaction, with change records and access-log entries.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from django.core import serializers
from django.db import IntegrityError, models, transaction
from django.db.models.deletion import Collector
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.errors import ApplicationError, NotFound, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.personal_data import Link, person_links
from familyhub.core.services import ChangeSet, model_update
from familyhub.linkage import comparisons, engine
from familyhub.linkage.models import LinkageRun, MatchCandidate, Merge, NotSamePerson
from familyhub.linkage.selectors import linkage_people
from familyhub.people.models import Person
from familyhub.people.search_keys import person_search_fields
from familyhub.people.services import PERSON_FIELDS, SPECIAL_CATEGORY_FIELDS

# The linkage app's own links to people are its decisions about the pair: never re-pointed.
OWN_MODELS = {"linkage.MatchCandidate", "linkage.NotSamePerson", "linkage.Merge"}
KEEP, OTHER = "keep", "other"


# --- rows as JSON and back ------------------------------------------------------------------------


def row_of(obj: models.Model) -> dict[str, Any]:
    """The whole row (every concrete field, foreign keys as keys), JSON-safe."""
    data = serializers.serialize("python", [obj])[0]
    return {"model": obj._meta.label, "pk": obj.pk, "fields": data["fields"]}


def _instance_of(row: Mapping[str, Any]) -> models.Model:
    decoded = serializers.deserialize(
        "python",
        [{"model": row["model"], "pk": row["pk"], "fields": dict(row["fields"])}],
        ignorenonexistent=True,
    )
    return next(decoded).object  # type: ignore[no-any-return]


def restore_row(row: Mapping[str, Any]) -> None:
    """Put the row back exactly: every column, including created_at and updated_at (written with
    UPDATE so that auto_now does not stamp them), re-creating it under its own key if it is gone."""
    obj = _instance_of(row)
    model = type(obj)
    values = {
        f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields if not f.primary_key
    }
    qs = model._default_manager.filter(pk=obj.pk)
    if not qs.exists():
        model._default_manager.bulk_create([obj])
    qs.update(**values)


# --- merge ----------------------------------------------------------------------------------------


def _links() -> list[Link]:
    return [link for link in person_links() if link.model._meta.label not in OWN_MODELS]


def _removable_alone(obj: models.Model) -> bool:
    """True when deleting `obj` deletes nothing else (so the snapshot of obj is complete)."""
    collector = Collector(using="default")
    collector.collect([obj])
    if sum(len(objs) for objs in collector.data.values()) != 1:
        return False
    return all(not qs.exists() for qs in collector.fast_deletes)


def _move_related(other: Person, keep: Person) -> list[dict[str, Any]]:
    moved: list[dict[str, Any]] = []
    for link in _links():
        model = link.model
        for obj in link.rows(other).order_by("pk"):
            row = row_of(obj)
            try:
                with transaction.atomic():
                    model._default_manager.filter(pk=obj.pk).update(**{link.field: keep})
                moved.append({"action": "repointed", "field": link.field, **row})
                continue
            except IntegrityError:
                pass
            # Re-pointing would break a rule (both already in the same household, a relationship
            # to themselves, one identifier per scheme): the kept person's row stands, the other's
            # is removed and kept here whole, so that unmerge puts it back.
            if not _removable_alone(obj):
                raise ApplicationError(
                    f"These records cannot be merged automatically: a {model._meta.verbose_name} "
                    "of the other record conflicts with the kept one and has records of its own. "
                    "Resolve it on the family's page first."
                )
            model._default_manager.filter(pk=obj.pk).delete()
            moved.append({"action": "removed", "field": link.field, **row})
    return moved


def _clean_choices(choices: Mapping[str, str], actor: Any) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    out: dict[str, str] = {}
    hidden = set() if access.can_see_special_category(actor) else set(SPECIAL_CATEGORY_FIELDS)
    for name, choice in choices.items():
        if name not in PERSON_FIELDS:
            errors.setdefault("choices", []).append(f"'{name}' is not a detail that can be chosen")
        elif choice not in (KEEP, OTHER):
            errors.setdefault(name, []).append("Choose which record's value to keep")
        elif name in hidden and choice == OTHER:
            errors.setdefault(name, []).append("Your role may not choose this detail")
        else:
            out[name] = choice
    if errors:
        raise ValidationFailed.from_errors(errors)
    return out


def person_merge(
    *,
    actor: Any,
    keep: Person,
    other: Person,
    choices: Mapping[str, str] | None = None,
    reason: str = "",
    confirm_different_nhs: bool = False,
    nhs_reason: str = "",
    candidate: MatchCandidate | None = None,
) -> Merge:
    """Merge `other` into `keep` (R-LINK-1). `choices` maps a person field to 'keep' or 'other'
    (default 'keep'). Two different NHS numbers are refused unless `confirm_different_nhs` with a
    reason. Never automatic: only a reviewer's action calls this."""
    scope = linkage_people(actor)
    choice = _clean_choices(choices or {}, actor)
    with transaction.atomic():
        locked = {p.pk: p for p in scope.select_for_update().filter(pk__in=[keep.pk, other.pk])}
        if keep.pk == other.pk:
            raise ApplicationError("A record cannot be merged with itself.")
        if len(locked) != 2:
            raise NotFound(access.NOT_FOUND)
        keep, other = locked[keep.pk], locked[other.pk]
        if keep.archived_at or other.archived_at:
            raise ApplicationError(
                "One of these records is archived (perhaps already merged); it cannot be merged."
            )
        nhs_conflict = bool(keep.nhs_number and other.nhs_number) and (
            keep.nhs_number != other.nhs_number
        )
        if nhs_conflict and not (confirm_different_nhs and nhs_reason.strip()):
            raise ValidationFailed.from_errors(
                {
                    "nhs_reason": [
                        "These records have different NHS numbers "
                        f"({keep.nhs_number} and {other.nhs_number}), which usually means two "
                        "people. To merge them anyway, confirm and say why (for example, one "
                        "number was recorded in error and the GP has confirmed the right one)."
                    ]
                }
            )
        if is_pair_not_same(keep, other):
            raise ApplicationError(
                "A reviewer decided these are not the same person; they cannot be merged."
            )

        keep_before, other_before = row_of(keep), row_of(other)
        changes = ChangeSet(actor=actor, reason=reason or "Duplicate records merged")
        moved = _move_related(other, keep)

        data = {name: getattr(other, name) for name, c in choice.items() if c == OTHER}
        if "nhs_number" not in data and not keep.nhs_number and other.nhs_number:
            data["nhs_number"] = other.nhs_number  # a number on one record only is never lost
        model_update(
            instance=keep,
            fields=PERSON_FIELDS,
            data=data,
            changes=changes,
            expected_version=keep.version,
            person=keep,
            special_fields=SPECIAL_CATEGORY_FIELDS,
        )
        Person.objects.filter(pk=keep.pk).update(
            **person_search_fields(keep.given_name, keep.family_name, keep.known_as)
        )
        now = timezone.now()
        Person.objects.filter(pk=other.pk).update(
            archived_at=now,
            archive_reason="Merged into another record as a duplicate (see the merge record)",
            updated_at=now,
        )
        changes.record(
            other,
            action=ChangeRecord.Action.ARCHIVE,
            # Names nobody: the merge record links the two (and goes if either is erased).
            new="Merged into another record as a duplicate (see the merge record)",
            person=other,
        )
        changes.record(
            keep,
            action=ChangeRecord.Action.LINK,
            new=f"{other.display_name}'s record merged into this one; "
            f"{len(moved)} related records moved",
            person=keep,
        )
        changes.flush()
        merge = Merge.objects.create(
            keep=keep,
            other=other,
            candidate=candidate,
            merged_by=actor if getattr(actor, "pk", None) else None,
            reason=reason,
            nhs_conflict_reason=nhs_reason.strip() if nhs_conflict else "",
            choices=choice,
            keep_before=keep_before,
            other_before=other_before,
            keep_version_after=Person.objects.values_list("version", flat=True).get(pk=keep.pk),
            moved=moved,
        )
        lo, hi = sorted((keep.pk, other.pk))
        MatchCandidate.objects.filter(person_a_id=lo, person_b_id=hi).update(
            status=MatchCandidate.Status.MERGED,
            decided_by=merge.merged_by,
            decided_at=now,
            updated_at=now,
        )
        access.log_change(actor, [keep, other], created=False, object_type="merge")
    return merge


def person_unmerge(*, actor: Any, merge: Merge, reason: str = "") -> Merge:
    """Undo a merge exactly: both people's rows as they were before it, the re-pointed rows back to
    the other person, the removed rows re-created. Refused if the kept record was edited after the
    merge (undoing would silently lose that edit: change it back first, or edit after unmerging)."""
    linkage_people(actor)
    with transaction.atomic():
        merge = Merge.objects.select_for_update().get(pk=merge.pk)
        if merge.unmerged_at is not None:
            raise ApplicationError("This merge has already been undone.")
        keep = Person.objects.select_for_update().get(pk=merge.keep_id)
        if keep.version != merge.keep_version_after:
            raise ApplicationError(
                f"{keep.display_name}'s record was changed after the merge; undoing the merge "
                "would lose that change. Check the record's history, then ask an administrator."
            )
        for entry in reversed(merge.moved):
            if entry["action"] == "repointed":
                model = _instance_of(entry).__class__
                model._default_manager.filter(pk=entry["pk"]).update(
                    **{entry["field"]: merge.other_id}
                )
            else:
                restore_row(entry)
        restore_row(merge.keep_before)
        restore_row(merge.other_before)
        now = timezone.now()
        merge.unmerged_at = now
        merge.unmerged_by = actor if getattr(actor, "pk", None) else None
        merge.save(update_fields=["unmerged_at", "unmerged_by", "updated_at"])
        keep.refresh_from_db()
        other = Person.objects.get(pk=merge.other_id)
        changes = ChangeSet(actor=actor, reason=reason or "Merge undone")
        for person, partner in ((keep, other), (other, keep)):
            changes.record(
                person,
                action=ChangeRecord.Action.UNLINK,
                new=f"Merge with {partner.display_name}'s record undone",
                person=person,
            )
        changes.flush()
        if merge.candidate_id:
            MatchCandidate.objects.filter(pk=merge.candidate_id).update(
                status=MatchCandidate.Status.OPEN, decided_by=None, decided_at=None, updated_at=now
            )
        access.log_change(actor, [keep, other], created=False, object_type="unmerge")
    return merge


# --- not the same person --------------------------------------------------------------------------


def is_pair_not_same(a: Person, b: Person) -> bool:
    lo, hi = sorted((a.pk, b.pk))
    return NotSamePerson.objects.filter(person_a_id=lo, person_b_id=hi).exists()


def mark_not_same(*, actor: Any, candidate: MatchCandidate, reason: str = "") -> NotSamePerson:
    """The reviewer says these are two people: the pair is closed and never suggested again."""
    scope = linkage_people(actor)
    if scope.filter(pk__in=[candidate.person_a_id, candidate.person_b_id]).count() != 2:
        raise NotFound(access.NOT_FOUND)
    with transaction.atomic():
        decision, _ = NotSamePerson.objects.get_or_create(
            person_a_id=candidate.person_a_id,
            person_b_id=candidate.person_b_id,
            defaults={
                "decided_by": actor if getattr(actor, "pk", None) else None,
                "reason": reason,
            },
        )
        now = timezone.now()
        MatchCandidate.objects.filter(pk=candidate.pk).update(
            status=MatchCandidate.Status.NOT_SAME,
            decided_by=decision.decided_by,
            decided_at=now,
            updated_at=now,
        )
        a, b = candidate.person_a, candidate.person_b
        changes = ChangeSet(actor=actor, reason=reason)
        for person, partner in ((a, b), (b, a)):
            changes.record(
                person,
                action=ChangeRecord.Action.UPDATE,
                new=f"Not the same person as {partner.display_name}",
                person=person,
            )
        changes.flush()
        access.log_change(actor, [a, b], created=False, object_type="not_same_person")
    return decision


# --- the whole-database run -----------------------------------------------------------------------


def _upsert_candidates(run: LinkageRun, pairs: Iterable[engine.Pair]) -> tuple[int, int, int]:
    """Open candidates for new pairs; refreshed weights for open ones; decided pairs untouched."""
    decided = set(NotSamePerson.objects.values_list("person_a_id", "person_b_id").iterator())
    existing = {
        (a, b): (pk, status)
        for pk, a, b, status in MatchCandidate.objects.values_list(
            "pk", "person_a_id", "person_b_id", "status"
        ).iterator()
    }
    found = new = updated = 0
    batch: list[MatchCandidate] = []
    for pair in pairs:
        found += 1
        key = (pair.left_id, pair.right_id)
        if key in decided:
            continue
        explanation = comparisons.score_from_levels(pair.levels).as_json()
        if key in existing:
            pk, status = existing[key]
            if status == MatchCandidate.Status.OPEN:
                MatchCandidate.objects.filter(pk=pk).update(
                    match_weight=pair.match_weight,
                    probability=pair.probability,
                    explanation=explanation,
                    found_by=run,
                    updated_at=timezone.now(),
                )
                updated += 1
            continue
        batch.append(
            MatchCandidate(
                person_a_id=pair.left_id,
                person_b_id=pair.right_id,
                match_weight=pair.match_weight,
                probability=pair.probability,
                explanation=explanation,
                found_by=run,
            )
        )
        if len(batch) >= 2_000:
            MatchCandidate.objects.bulk_create(batch, ignore_conflicts=True)
            new += len(batch)
            batch = []
    if batch:
        MatchCandidate.objects.bulk_create(batch, ignore_conflicts=True)
        new += len(batch)
    return found, new, updated


def duplicates_run_request(*, actor: Any) -> LinkageRun:
    """Queue a whole-database run for the tasks worker (the queue page's button)."""
    from familyhub.linkage import tasks

    access.require(actor, Capability.MANAGE_DUPLICATES)
    run = LinkageRun.objects.create(requested_by=actor if getattr(actor, "pk", None) else None)
    tasks.find_duplicates.enqueue(run.pk)
    return run


def duplicates_find_run(
    *,
    actor: Any = None,
    run: LinkageRun | None = None,
    threshold: float = comparisons.QUEUE_THRESHOLD,
    memory_limit: str = "3GB",
) -> LinkageRun:
    """Compare everyone in the database (every organisation) and feed the review queue.

    Runs as a background task (`linkage.tasks.find_duplicates`) or the `find_duplicates` command;
    `actor` is whoever asked (None for the schedule)."""
    if actor is not None:
        access.require(actor, Capability.MANAGE_DUPLICATES)
    if run is None:
        run = LinkageRun.objects.create(requested_by=actor if getattr(actor, "pk", None) else None)
    started = time.monotonic()
    LinkageRun.objects.filter(pk=run.pk).update(
        status=LinkageRun.Status.RUNNING, started_at=timezone.now()
    )
    con = engine.connect(memory_limit=memory_limit)
    try:
        count = engine.load_duckdb(
            con, engine.iter_batches(engine.features_of_row(r) for r in engine.people_rows())
        )
        with transaction.atomic():
            found, new, updated = _upsert_candidates(run, engine.predict(con, threshold=threshold))
    except Exception as e:
        LinkageRun.objects.filter(pk=run.pk).update(
            status=LinkageRun.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(e).__name__}: {e}"[:2000],
            seconds=time.monotonic() - started,
        )
        raise
    finally:
        con.close()
    LinkageRun.objects.filter(pk=run.pk).update(
        status=LinkageRun.Status.DONE,
        finished_at=timezone.now(),
        people_compared=count,
        pairs_found=found,
        candidates_new=new,
        candidates_updated=updated,
        seconds=time.monotonic() - started,
    )
    run.refresh_from_db()
    return run
