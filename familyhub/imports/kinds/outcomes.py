"""Programme outcome data from partners: Hometalk, Triple P, Healthy Little Minds (R-IMPORT-1,
R-ENGAGE-7).

The programme's provider sends the scores it recorded with the family (the SSBC privacy notice,
Appendix 2: "provide us with identifiable data to allow us to evidence the success of the
service"). One row is one score of one outcome for one family member, on one date, or (with a
record type instead of a score) a need, strength or goal agreed with them: the partner's record id
(the row key), the person (familyhub id or NHS number; their family must be one the
importer works with), the outcomes framework and the outcome (their codes, e.g. `ssbc` and
`talk-and-communicate`), the score on the framework's scale, the date, and optionally the service
(its code, e.g. `hometalk`), who took part and notes.

A scored row goes through `casework.services.outcomes.outcome_review_record`, the service the
outcome review form calls, so the same rules apply (a score on the framework's scale, a review that
has happened, notes only from roles that may read them back) and the same change record and access
log are written; a need, strength or goal goes through `outcome_record_add`, the outcome record
form's service. A row whose record id was imported before changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.casework.models import Outcome, OutcomeFramework, OutcomeRecord
from familyhub.casework.services import outcomes as casework
from familyhub.core.errors import ApplicationError
from familyhub.engagement.models import Service
from familyhub.imports.kinds.base import (
    ChunkOutcome,
    Column,
    Kind,
    Row,
    RowErrors,
    already_imported,
)
from familyhub.imports.models import ImportedRecord
from familyhub.imports.values import BadValue, parse_date, parse_uuid
from familyhub.people import validators as v
from familyhub.people.models import Person

RECORD_KIND = "outcome"
# Service field -> import column, so that the service's refusal lands on the partner's column.
FIELD_COLUMNS = {
    "reviewed_on": "reviewed_on",
    "scores": "score",
    "service": "service_code",
    "with_family": "with_family",
    "notes": "notes",
    "recorded_on": "reviewed_on",
    "kind": "record_type",
    "description": "description",
    "outcome": "outcome_code",
}
RECORD_TYPES = {
    "need": OutcomeRecord.Kind.NEED,
    "strength": OutcomeRecord.Kind.STRENGTH,
    "goal": OutcomeRecord.Kind.GOAL,
}


class OutcomeKind(Kind):
    code = "outcomes"
    label = "Programme outcome scores"
    description = (
        "Outcome scores a programme recorded with a family (Hometalk, Triple P, Healthy Little "
        "Minds): your record id, the person (familyhub id or NHS number), framework code, outcome "
        "code, score (or, for a need, strength or goal: its type and description), date, and "
        "optionally the service code, who took part and notes."
    )
    columns = (
        Column("record_id", "Your record id", True, ("id", "recordid", "reference", "ref")),
        Column("person_id", "Person id (familyhub)", False, ("person", "familyhubid")),
        Column("nhs_number", "NHS number", False, ("nhs", "nhsno", "nhsnumber")),
        Column("framework", "Outcomes framework code", True, ("frameworkcode", "framework")),
        Column("outcome_code", "Outcome code", True, ("outcome", "outcomecode", "measure")),
        Column("score", "Score", False, ("score", "rating", "value")),
        Column(
            "record_type", "Need, strength or goal", False, ("type", "recordtype", "needorgoal")
        ),
        Column("description", "Description", False, ("description", "details", "detail")),
        Column("reviewed_on", "Date", True, ("date", "reviewdate", "reviewedon", "scoredon")),
        Column("service_code", "Service code", False, ("service", "servicecode", "programme")),
        Column("with_family", "Who took part", False, ("withfamily", "whotookpart", "attendees")),
        Column("notes", "Notes", False, ("notes", "comments")),
    )
    one_of = (("person_id", "nhs_number"), ("score", "record_type"))
    chunk_size = 200

    def prepare(self, *, batch: Any, actor: Any, options: dict[str, Any]) -> Any:
        access.require(actor, Capability.CASEWORK)
        return {}

    def process(self, *, batch: Any, actor: Any, ctx: Any, rows: list[Row]) -> ChunkOutcome:
        outcome = ChunkOutcome()
        done = already_imported(batch, RECORD_KIND, rows)
        for row in rows:
            errs = RowErrors()
            key = row.values.get("record_id", "").strip()
            if not key:
                errs.add("record_id", "Enter your id for this score")
            elif key in done:
                outcome.unchanged += 1
                continue
            else:
                try:
                    with transaction.atomic():  # a row is written whole or not at all
                        self._import_row(batch, actor, row, key, errs)
                except ApplicationError as e:
                    _service_refusal(e, errs)
            if errs:
                outcome.reject(row, errs.items)
            else:
                done.add(key)
                outcome.loaded += 1
        return outcome

    def _person(self, actor: Any, vals: dict[str, str], errs: RowErrors) -> Person | None:
        name = "person_id" if (vals.get("person_id") or "").strip() else "nhs_number"
        text = (vals.get(name) or "").strip()
        if not text:
            errs.add(name, "Enter the person's familyhub id or NHS number")
            return None
        visible = access.people_visible_to(actor)
        try:
            if name == "person_id":
                found = visible.filter(uuid=parse_uuid(text)).first()
            else:
                found = visible.filter(nhs_number=v.normalise_nhs_number(text)).first()
        except (BadValue, v.InvalidValue) as e:
            errs.add(name, str(e))
            return None
        if found is None:
            errs.add(name, "Nobody with this id or NHS number is in the families you work with")
        return found

    def _outcome(self, vals: dict[str, str], errs: RowErrors) -> Outcome | None:
        code = (vals.get("framework") or "").strip().lower()
        framework = OutcomeFramework.objects.filter(code=code, active=True).first()
        if framework is None:
            codes = ", ".join(
                OutcomeFramework.objects.filter(active=True).values_list("code", flat=True)
            )
            errs.add("framework", f"No outcomes framework with the code '{code}': use {codes}")
            return None
        text = (vals.get("outcome_code") or "").strip().lower()
        found = Outcome.objects.filter(framework=framework, code=text, active=True).first()
        if found is None:
            codes = ", ".join(
                framework.outcomes.filter(active=True)
                .order_by("position")
                .values_list("code", flat=True)
            )
            errs.add(
                "outcome_code",
                f"'{text}' is not an outcome of {framework.name}: use one of {codes}",
            )
        return found

    def _import_row(self, batch: Any, actor: Any, row: Row, key: str, errs: RowErrors) -> None:
        vals = row.values
        person = self._person(actor, vals, errs)
        outcome = self._outcome(vals, errs)
        score: int | None = None
        text = (vals.get("score") or "").strip()
        type_text = (vals.get("record_type") or "").strip()
        record_type = RECORD_TYPES.get(type_text.lower())
        if text:
            try:
                score = int(text)
            except ValueError:
                errs.add("score", f"'{text}' is not a score: enter a whole number")
            if type_text:
                errs.add("record_type", "Send either a score or a need, strength or goal, not both")
        elif not type_text:
            errs.add("score", "Enter a score, or say whether this is a need, strength or goal")
        elif record_type is None:
            errs.add("record_type", f"'{type_text}' is not a type: use Need, Strength or Goal")
        reviewed_on = errs.value("reviewed_on", parse_date, vals.get("reviewed_on", ""))
        service = None
        service_code = (vals.get("service_code") or "").strip()
        if service_code:
            service = Service.objects.filter(code=service_code).first()
            if service is None:
                errs.add("service_code", f"No service with the code '{service_code}'")
        if errs or person is None or outcome is None:
            return
        household = (
            access.households_visible_to(actor)
            .filter(memberships__person=person, memberships__left_on__isnull=True)
            .first()
        )
        if household is None:
            errs.add("person_id" if vals.get("person_id") else "nhs_number", access.NOT_FOUND)
            return
        made: Any
        if record_type is not None:
            made = casework.outcome_record_add(
                actor=actor,
                household=household,
                outcome=outcome,
                kind=record_type,
                description=vals.get("description", ""),
                person=person,
                service=service,
                recorded_on=reviewed_on,
                organisation=batch.organisation,
            )
        else:
            made = casework.outcome_review_record(
                actor=actor,
                household=household,
                reviewed_on=reviewed_on,
                scores={outcome: score},
                service=service,
                with_family=vals.get("with_family", ""),
                notes=vals.get("notes", ""),
                organisation=batch.organisation,
            )
        ImportedRecord.objects.create(
            organisation=batch.organisation,
            kind=RECORD_KIND,
            external_id=key,
            object_uuid=made.uuid,
            person=person,
            household=household,
            batch=batch,
        )


def _service_refusal(e: ApplicationError, errs: RowErrors) -> None:
    """The review service's refusal at the partner's columns (`score_<outcome id>` is the score)."""
    if not e.errors:
        errs.add("", e.message)
        return
    for name, messages in e.errors.items():
        target = "score" if name.startswith("score_") else FIELD_COLUMNS.get(name, "")
        for m in messages:
            errs.add(target, m)
