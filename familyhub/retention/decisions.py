"""What erasure does to each kind of record (R-RIGHTS-4, ADR 0016): the decision table.

`core.personal_data` finds every foreign key to a person or a family; this table says, for each of
them, what happens to the rows when that person (or that family) is erased:

- DELETE: the rows are only about them: deleted, with whatever depends on them (Django's cascade)
  and any file they hold;
- CUT: the rows belong to someone else too (a child's consent answered by the erased parent, a
  referral the erased parent agreed to): they stay, the link is emptied and `blank` fields are set
  to the given values, and a change record on the row says why.

`sweep` names the free-text fields of rows that *survive* an erasure (the family's, the relatives')
in which the erased person's names and identifiers are replaced by "[erased]": the relationship
entry filed on the child's history ("Anna Smith is the mother of ..."), a family note, a worker's
note about the household. Rows are swept only within the person's families and relatives.

A test (`retention/tests/test_decisions.py`) fails when a model of the data map holding family data,
a foreign key to a person or family, or a free-text field of such a model has no decision here, so a
new feature cannot be forgotten by erasure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

ERASED_TEXT = "[erased]"


class Action(StrEnum):
    DELETE = "delete"
    CUT = "cut"


class Kind(StrEnum):
    ROWS = "rows"  # an ordinary model: its links decide
    PERSON = "person"  # people.Person itself (deleted, or a stub under a legal exception)
    HOUSEHOLD = "household"  # people.Household itself (erased with its last member)
    PSEUDONYM = "pseudonym"  # the access log: people by log key only; the key is cut instead


@dataclass(frozen=True)
class Link:
    action: Action
    blank: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    why: str
    links: Mapping[str, Link] = field(default_factory=dict)
    sweep: tuple[str, ...] = ()
    not_swept: str = ""
    kind: Kind = Kind.ROWS
    # Rows that reach the person by a longer path (lookup -> fields swept before anything is
    # deleted): a disclosure record through its list of people, a request's pauses.
    via: tuple[tuple[str, tuple[str, ...]], ...] = ()


DELETE = Link(Action.DELETE)
CUT = Link(Action.CUT)

DECISIONS: dict[str, Decision] = {
    # --- people ---
    "people.Person": Decision(
        "The person: deleted (and with them the only link from their access-log key to them). "
        "Under a legal exception that keeps an item pointing at them, a stub stays with every "
        "personal field emptied except the identity the exception needs, a new log key, archived.",
        kind=Kind.PERSON,
    ),
    "people.Household": Decision(
        "The family: erased with its last member (or by disposal); otherwise it stays for the "
        "others, its name and notes swept for the person's names.",
        sweep=("name", "notes", "archive_reason"),
        kind=Kind.HOUSEHOLD,
    ),
    "people.Membership": Decision(
        "The person's place in a family: deleted; the other members keep theirs.",
        links={"person": DELETE, "household": DELETE},
    ),
    "people.Relationship": Decision(
        "A relationship involves two people: deleted whichever side is erased, so the other "
        "person keeps their record without a link to the erased one.",
        links={"from_person": DELETE, "to_person": DELETE},
    ),
    "people.PersonIdentifier": Decision(
        "The person's other identifiers: deleted.", links={"person": DELETE}
    ),
    "people.Address": Decision(
        "The family's addresses: kept while the family is, deleted with it.",
        links={"household": DELETE},
        not_swept="an address names a place, not a person",
    ),
    "people.CaseAllocation": Decision(
        "Which organisation works with the family: deleted with the family.",
        links={"household": DELETE},
    ),
    "core.ChangeRecord": Decision(
        "The person's history is deleted; the history of the family and of their relatives "
        "stays, with the person's names and identifiers replaced in its texts.",
        links={"person": DELETE, "household": DELETE},
        sweep=("object_label", "old_value", "new_value", "reason"),
    ),
    # --- the access log (ADR 0005): no family data, people by pseudonymous key only ---
    "access.AccessLogEntry": Decision(
        "Holds no family data; untouched, so the hash chain still verifies.", kind=Kind.PSEUDONYM
    ),
    "access.AccessLogSubject": Decision(
        "Holds the person's log key only: the key is deleted with the person (or replaced on a "
        "kept stub), so these rows no longer lead to anyone. Untouched: the chain still verifies.",
        kind=Kind.PSEUDONYM,
    ),
    "access.BreakGlassGrant": Decision(
        "A member of staff's emergency access is kept for accountability; when the family is "
        "erased the link and the words that identified it are removed.",
        links={
            "household": Link(
                Action.CUT,
                {"reference": ERASED_TEXT, "explanation": ERASED_TEXT},
            )
        },
        sweep=("reference", "explanation", "decision_note", "follow_up_note"),
    ),
    # --- privacy ---
    "privacy.Consent": Decision(
        "The person's consents (and their scanned forms) are deleted. A child's consent answered "
        "by the erased parent stays, without the link to them.",
        links={"person": DELETE, "given_by": CUT},
        sweep=("note",),
    ),
    "privacy.ContactPreference": Decision(
        "The person's contact preferences: deleted.", links={"person": DELETE}
    ),
    "privacy.Restriction": Decision(
        "Restrictions of the person's data: deleted with it (an erasure the person asked for "
        "ends the restriction; disposal skips restricted people).",
        links={"person": DELETE},
        sweep=("reason",),
    ),
    "privacy.Objection": Decision(
        "The person's objections: deleted with their data.",
        links={"person": DELETE},
        sweep=("grounds", "compelling_grounds"),
    ),
    # --- retention ---
    "retention.Hold": Decision(
        "Holds that have ended (erasure is refused while one is in force): deleted.",
        links={"person": DELETE, "household": DELETE},
        not_swept="a hold is only ever about its own person or family, deleted with them",
    ),
    # --- engagement ---
    "engagement.Enrolment": Decision(
        "The person's enrolments in services: deleted; the family's go with the family.",
        links={"person": DELETE, "household": DELETE},
        sweep=("end_reason", "decision", "override_reason"),
    ),
    "engagement.Attendance": Decision(
        "The person's attendance at sessions: deleted (the session stays).",
        links={"person": DELETE},
    ),
    "engagement.WalkIn": Decision(
        "The walk-in registration of the person: deleted.",
        links={"person": DELETE, "household": DELETE},
    ),
    # --- casework ---
    "casework.Contact": Decision(
        "Contacts and visits about the person are deleted; the family's go with the family, and "
        "notes of the family's other contacts are swept for the person's names.",
        links={"person": DELETE, "household": DELETE},
        sweep=("notes", "cancelled_reason"),
    ),
    "casework.FollowUp": Decision(
        "Follow-up actions: deleted with the family (or with the contact they came from).",
        links={"household": DELETE},
        sweep=("description",),
    ),
    "casework.Referral": Decision(
        "Referrals of the person are deleted; the family's go with the family. A referral of a "
        "child that the erased parent agreed to stays, without the link to them.",
        links={"person": DELETE, "household": DELETE, "agreed_by": CUT},
        sweep=("referrer_name", "reason", "decision_reason"),
    ),
    "casework.OutcomeRecord": Decision(
        "Needs, strengths and goals recorded for the person: deleted; the family's with the family.",
        links={"person": DELETE, "household": DELETE},
        sweep=("description",),
    ),
    "casework.OutcomeReview": Decision(
        "Outcome reviews (and their scores): deleted with the family.",
        links={"household": DELETE},
        sweep=("with_family", "notes"),
    ),
    "casework.OutcomeScore": Decision(
        "Scores of the family's outcome reviews: deleted with the family (they hold no text).",
        links={"household": DELETE},
    ),
    "casework.AllocationDetail": Decision(
        "Details of an allocation: deleted with the family; the reasons of the family's "
        "allocations are swept for an erased member's names.",
        links={"household": DELETE},
        sweep=("reason", "end_reason"),
    ),
    "casework.FeedbackLink": Decision(
        "One-time feedback links made for the person: deleted.", links={"person": DELETE}
    ),
    "casework.FeedbackResponse": Decision(
        "Feedback linked to the person (with their consent): deleted with its answers.",
        links={"person": DELETE},
    ),
    "casework.FeedbackAnswer": Decision(
        "Answers linked to the person (with their consent): deleted with the response; anonymous "
        "feedback holds no link to anyone. A relative's answers are swept for the person's names.",
        links={"person": DELETE},
        sweep=("text_value",),
    ),
    # --- rights ---
    "rights.RightsRequest": Decision(
        "The record of the request stays: it is the minimal record of what was asked and done. "
        "The link to the person and every detail that identifies them or who asked for them are "
        "removed; its reference, kind, dates, status and outcome stay.",
        links={
            "person": Link(
                Action.CUT,
                {
                    "requester_name": "",
                    "requester_relationship": "",
                    "reply_to": "",
                    "identity_evidence": "",
                    "authority_evidence": "",
                    "description": ERASED_TEXT,
                },
            ),
            "requester_person": Link(
                Action.CUT,
                {
                    "requester_name": "",
                    "requester_relationship": "",
                    "reply_to": "",
                    "identity_evidence": "",
                    "authority_evidence": "",
                },
            ),
        },
        sweep=(
            "requester_name",
            "requester_relationship",
            "reply_to",
            "description",
            "identity_evidence",
            "authority_evidence",
            "extension_reason",
            "outcome_note",
            "refusal_reasons",
            "recipients_told",
        ),
    ),
    "rights.RequestPause": Decision(
        "The clock's pauses stay with the request (dates and reasons from a list, no text)."
    ),
    "rights.AccessPack": Decision(
        "Subject access packs are copies of the person's data: deleted (with their review).",
        links={"person": DELETE},
    ),
    "rights.DisclosurePerson": Decision(
        "The person's place in a disclosure record: deleted; the record of the disclosure stays.",
        links={"person": DELETE},
    ),
    # Partner imports (R-IMPORT-1, ADR 0020).
    "imports.ImportedRecord": Decision(
        "Which partner record id an import made this person or family from: only about them, "
        "deleted with them (a later file repeating the id would register them again).",
        links={"person": DELETE, "household": DELETE},
        not_swept="external_id is the partner's identifier for the person, not free text; the "
        "row is deleted with the person or family",
    ),
    "imports.RejectedRow": Decision(
        "A row a partner sent that could not be imported: linked to nobody (that is why it was "
        "rejected). It stays with its batch for the partner to correct, for three months (its "
        "own retention rule, IMPORT_REJECTS, as neither subject access nor erasure can find it "
        "by person; docs/imports.md).",
    ),
    "sharing.Output": Decision(
        "An output has no link to a person. A report holds counts after disclosure control; an "
        "extract's file is kept only for its download window (then its content is emptied), and "
        "the people in it are listed by its disclosure record, whose link is cut on erasure.",
    ),
    "rights.DisclosureRecord": Decision(
        "The record of what left familyhub stays (count, checksum, date) without the link to the "
        "person; the recipient and the description are swept for their names (a pack sent to "
        "the person names them).",
        links={"person": CUT},
        sweep=("recipient", "what", "channel"),
        via=(("subjects__person", ("recipient", "what", "channel")),),
    ),
    "rights.PackDecision": Decision(
        "A reviewer's decision on an item of the person's pack: deleted with the pack; the "
        "reasons given on a relative's pack are swept for the person's names.",
        links={"person": DELETE},
        sweep=("reason",),
    ),
    "rights.AccuracyChallenge": Decision(
        "The person's challenges to the accuracy of their record, with their statements in their "
        "own words: deleted with them (and with the contact or need they dispute, by cascade). A "
        "relative's statement, and what they were told, are swept for the person's names.",
        links={"person": DELETE},
        sweep=("statement", "outcome_reason"),
    ),
    "casework.Enquiry": Decision(
        "Enquiries and complaints about the family: deleted with the family.",
        links={"household": DELETE},
        sweep=("from_name", "from_contact", "about", "details", "outcome_details"),
    ),
    # --- linkage (R-LINK-1, ADR 0021) ---
    "linkage.MatchCandidate": Decision(
        "A suggested duplicate pair involving the person: deleted.",
        links={"person_a": DELETE, "person_b": DELETE},
    ),
    "linkage.NotSamePerson": Decision(
        "A reviewer's 'not the same person' decision involving the person: deleted.",
        links={"person_a": DELETE, "person_b": DELETE},
        sweep=("reason",),
    ),
    "linkage.Merge": Decision(
        "A merge record holds copies of both people's rows (for unmerge): deleted when either "
        "is erased; the merge can then no longer be undone.",
        links={"keep": DELETE, "other": DELETE},
        sweep=("reason", "nhs_conflict_reason"),
    ),
}


def decision_for(label: str) -> Decision | None:
    return DECISIONS.get(label)


def link_decision(label: str, field_name: str) -> Link | None:
    decision = DECISIONS.get(label)
    return decision.links.get(field_name) if decision else None
