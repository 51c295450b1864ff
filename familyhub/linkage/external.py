"""Matching an external file to the people a purpose allows (R-LINK-2, ADR 0021).

The school census layout: one pupil a row with UPN, surname, forename (middle names), date of
birth, sex and postcode. Each row is compared with the people the purpose permits
(`privacy.policy.permitted`, the single decision point: consent, restriction, objection,
archiving) using the duplicate model's own comparisons and weights (`comparisons.score`), over
candidates found by the same indexed blocking as the check at registration. A UPN already held
for a person (PersonIdentifier, scheme UPN) that agrees is taken as a match.

Result per row: matched (probability >= threshold), possible (>= the lower threshold) or
unmatched. Estimated precision is the mean probability of the rows called matched; estimated
recall is the expected number of true matches found over the expected number there are (the sum
of every row's best probability): the model's own calibration, reported as an estimate.

The result file goes back with our person's public id only for matched rows (the agreement's
purpose is to tell the school team which pupils the family hubs know); it is recorded in the
disclosure log (rights.DisclosureRecord, kind 'matching') with its checksum and the people in it.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.access import log
from familyhub.access.models import AccessLogEntry
from familyhub.access.roles import Capability
from familyhub.core.errors import ValidationFailed
from familyhub.linkage import comparisons
from familyhub.linkage.engine import features_of_row, people_rows
from familyhub.linkage.features import features_of
from familyhub.linkage.models import ExternalMatch
from familyhub.linkage.selectors import linkage_people, registration_candidates
from familyhub.people import choices as c
from familyhub.people.models import Person, PersonIdentifier
from familyhub.privacy import policy

PURPOSE = "school-census-matching"
MATCH_THRESHOLD = 0.9
POSSIBLE_THRESHOLD = 0.5

# Column names as the census file may spell them -> our field.
COLUMNS = {
    "upn": "upn",
    "unique pupil number": "upn",
    "surname": "family_name",
    "legal surname": "family_name",
    "forename": "given_name",
    "legal forename": "given_name",
    "first name": "given_name",
    "middlenames": "middle_names",
    "middle names": "middle_names",
    "preferred surname": "preferred_surname",
    "preferred forename": "known_as",
    "dob": "date_of_birth",
    "date of birth": "date_of_birth",
    "sex": "sex",
    "gender": "sex",
    "postcode": "postcode",
    "post code": "postcode",
}
REQUIRED = ("family_name", "given_name", "date_of_birth")
SEX = {"f": "female", "female": "female", "m": "male", "male": "male"}


def _date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y%m%d"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


@dataclass
class RowResult:
    row: int
    upn: str
    status: str
    probability: float
    person: Person | None


@dataclass
class MatchReport:
    record: ExternalMatch
    rows: list[RowResult]
    result_csv: bytes


def _read(content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed.from_errors(
            {"file": ["The file is not UTF-8 text: save it as 'CSV UTF-8' and upload it again"]}
        )
    reader = csv.DictReader(io.StringIO(text))
    header = {h: COLUMNS.get((h or "").strip().lower(), "") for h in reader.fieldnames or []}
    missing = [f for f in REQUIRED if f not in header.values()]
    if missing:
        raise ValidationFailed.from_errors(
            {"file": [f"The file has no column for: {', '.join(missing)}"]}
        )
    rows = [
        {header[k]: (v or "").strip() for k, v in r.items() if k and header.get(k)} for r in reader
    ]
    if not rows:
        raise ValidationFailed.from_errors({"file": ["The file has no rows"]})
    return list(header.values()), rows


def _best(row: dict[str, str], allowed: Any) -> tuple[float, Person | None]:
    dob = _date(row.get("date_of_birth", ""))
    new = features_of(
        given_name=row.get("given_name", ""),
        middle_names=row.get("middle_names", ""),
        known_as=row.get("known_as", ""),
        family_name=row.get("family_name", ""),
        date_of_birth=dob,
        sex=SEX.get(row.get("sex", "").lower(), ""),
        postcode=row.get("postcode", ""),
    )
    upn = row.get("upn", "")
    if upn:
        held = (
            PersonIdentifier.objects.filter(scheme=c.IdentifierScheme.UPN, value=upn)
            .values_list("person_id", flat=True)
            .first()
        )
        if held is not None:
            person = allowed.filter(pk=held).first()
            if person is not None:
                return 1.0, person
    ids = list(
        registration_candidates(new)
        .filter(pk__in=allowed.values("pk"))
        .values_list("pk", flat=True)[:200]
    )
    best: tuple[float, int | None] = (0.0, None)
    for r in people_rows(Person.objects.filter(pk__in=ids)):
        p = comparisons.score(new, features_of_row(r)).probability
        if p > best[0]:
            best = (p, r[0])
    return best[0], (Person.objects.get(pk=best[1]) if best[1] else None)


def external_match(
    *,
    actor: Any,
    file_name: str,
    content: bytes,
    recipient: str,
    purpose: str = PURPOSE,
    threshold: float = MATCH_THRESHOLD,
    possible_threshold: float = POSSIBLE_THRESHOLD,
) -> MatchReport:
    """Match the file, write the result file, record the disclosure (R-LINK-2)."""
    from familyhub.rights.models import DisclosurePerson, DisclosureRecord

    access.require(actor, Capability.MANAGE_DUPLICATES)
    if not recipient.strip():
        raise ValidationFailed.from_errors({"recipient": ["Say who the result goes to"]})
    _, rows = _read(content)
    # Only people the matcher may see (R-ACCESS-2), as for duplicate review: the DPO across
    # organisations, a team manager among their own families. Otherwise any manager could upload
    # names and learn which children are known anywhere, with their familyhub ids.
    allowed = policy.permitted(linkage_people(actor), purpose)
    results: list[RowResult] = []
    for i, row in enumerate(rows, start=2):  # row 1 is the header
        probability, person = _best(row, allowed)
        if person is not None and probability >= threshold:
            status = "matched"
        elif person is not None and probability >= possible_threshold:
            status = "possible"
        else:
            status = "unmatched"
        results.append(RowResult(i, row.get("upn", ""), status, probability, person))
    matched = [r for r in results if r.status == "matched"]
    expected_true = sum(r.probability for r in results)
    precision = sum(r.probability for r in matched) / len(matched) if matched else None
    recall = sum(r.probability for r in matched) / expected_true if expected_true else None
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "upn", "result", "probability", "familyhub_id"])
    for r in results:
        writer.writerow(
            [
                r.row,
                r.upn,
                r.status,
                f"{r.probability:.4f}",
                str(r.person.uuid) if r.status == "matched" and r.person else "",
            ]
        )
    result_csv = out.getvalue().encode("utf-8")
    people = [r.person for r in matched if r.person is not None]
    with transaction.atomic():
        disclosure = DisclosureRecord.objects.create(
            kind=DisclosureRecord.Kind.MATCHING,
            disclosed_at=timezone.now(),
            disclosed_by=actor if getattr(actor, "pk", None) else None,
            recipient=recipient.strip()[:200],
            recipient_kind=DisclosureRecord.RecipientKind.ORGANISATION,
            what=f"Result of matching {file_name[:150]}: which rows are people we know"[:300],
            legal_basis=f"Purpose: {purpose}"[:200],
            people_count=len(people),
            sha256=hashlib.sha256(result_csv).hexdigest(),
            files=[
                {
                    "name": "match-result.csv",
                    "bytes": len(result_csv),
                    "sha256": hashlib.sha256(result_csv).hexdigest(),
                }
            ],
        )
        DisclosurePerson.objects.bulk_create(
            [DisclosurePerson(disclosure=disclosure, person=p) for p in people]
        )
        record = ExternalMatch.objects.create(
            uploaded_by=actor if getattr(actor, "pk", None) else None,
            file_name=file_name[:200],
            file_sha256=hashlib.sha256(content).hexdigest(),
            purpose=purpose,
            recipient=recipient.strip()[:200],
            threshold=threshold,
            rows_in=len(results),
            matched=len(matched),
            possible=sum(1 for r in results if r.status == "possible"),
            unmatched=sum(1 for r in results if r.status == "unmatched"),
            estimated_precision=precision,
            estimated_recall=recall,
            result_sha256=hashlib.sha256(result_csv).hexdigest(),
            disclosure=disclosure,
        )
        log.record(
            user=actor,
            action=AccessLogEntry.Action.EXPORT,
            object_type="person",
            person_keys=[p.log_key for p in people],
            detail=f"external matching result ({file_name[:80]})",
        )
    return MatchReport(record, results, result_csv)


def rows_summary(results: Iterable[RowResult]) -> dict[str, int]:
    out: dict[str, int] = {"matched": 0, "possible": 0, "unmatched": 0}
    for r in results:
        out[r.status] += 1
    return out
