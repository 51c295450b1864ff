"""The duplicate-review routes' rows of the authorization matrix (R-ACCESS-1, R-LINK-1; ADR 0021).

`familyhub/core/tests/test_authorization_matrix.py` adds LINKAGE_TABLE to its TABLE and the
records below to the ones it requests. Columns, in order: practitioner group_worker team_manager
partner_staff analyst dpo admin other_org_staff anonymous.

Only MANAGE_DUPLICATES (team manager, DPO) reaches the pages. Records (made by `_setup`):
- candidate: a pair of the lead organisation's family (team manager and DPO: ok) and a pair of the
  partner organisation's family (the DPO works across organisations: ok; the lead's team manager:
  404, like a pair that does not exist).
- merge: a merge within each of those families, the same way.
Actions are POST only; an empty POST is refused with its errors (which record stays, or why).
"""

from __future__ import annotations

import uuid
from typing import Any

from familyhub.core.tests.access_matrix import LEAD, MISSING, PARTNER, Route, row

REVIEWERS = row("forbidden forbidden ok forbidden forbidden ok forbidden forbidden login")
REVIEWERS_405 = row("forbidden forbidden 405 forbidden forbidden 405 forbidden forbidden login")
REVIEWERS_INVALID = row(
    "forbidden forbidden invalid forbidden forbidden invalid forbidden forbidden login"
)
PARTNER_PAIR = row("forbidden forbidden 404 forbidden forbidden ok forbidden forbidden login")
PARTNER_PAIR_INVALID = row(
    "forbidden forbidden 404 forbidden forbidden invalid forbidden forbidden login"
)


def _setup(personas: Any) -> None:
    from familyhub.core.testing import PersonFactory
    from familyhub.linkage import services
    from familyhub.linkage.models import MatchCandidate
    from familyhub.people.models import Membership

    candidates, merges = {}, {}
    for pass_, household in ((LEAD, personas.household), (PARTNER, personas.partner_household)):
        people = [m.person for m in household.memberships.order_by("person_id")]
        a, b = people[0], people[1]
        c = MatchCandidate.objects.create(
            person_a=a, person_b=b, match_weight=1.0, probability=0.66, explanation=[]
        )
        candidates[pass_] = str(c.uuid)
        child = people[-1]
        dup = PersonFactory(
            given_name=child.given_name, family_name=child.family_name, nhs_number=""
        )
        Membership.objects.create(household=household, person=dup, role="child")
        merge = services.person_merge(actor=personas.dpo, keep=child, other=dup)
        merges[pass_] = str(merge.uuid)
    candidates[MISSING] = str(uuid.uuid4())
    merges[MISSING] = str(uuid.uuid4())
    personas.linkage_records = {"candidate": candidates, "merge": merges}


def _record(record: str, get: Any, post: Any, note: str = "") -> Route:
    partner_get = PARTNER_PAIR if get is REVIEWERS else get
    partner_post = post
    if post is REVIEWERS_INVALID:
        partner_post = PARTNER_PAIR_INVALID
    elif post is REVIEWERS:
        partner_post = PARTNER_PAIR
    return Route(
        methods={"GET": (get, partner_get), "POST": (post, partner_post)},
        record=record,
        setup=_setup,
        note=note,
    )


LINKAGE_TABLE: dict[str, Route] = {
    "linkage:queue": Route(
        methods={"GET": REVIEWERS, "POST": REVIEWERS},
        note="pairs of the reviewer's scope (the DPO: every organisation); people listed are logged",
    ),
    "linkage:run_start": Route(
        methods={"GET": REVIEWERS_405, "POST": REVIEWERS},
        note="starts the whole-database run as a background task",
    ),
    "linkage:merge_list": Route(methods={"GET": REVIEWERS, "POST": REVIEWERS}),
    "linkage:external_match": Route(
        methods={"GET": REVIEWERS, "POST": REVIEWERS_INVALID},
        note="an empty POST shows the form again with its errors; a file answers with the result",
    ),
    "linkage:pair": _record(
        "candidate", REVIEWERS, REVIEWERS, "the pair with its evidence in words: logged"
    ),
    "linkage:pair_merge": _record(
        "candidate",
        REVIEWERS_405,
        REVIEWERS_INVALID,
        "POST only; without the record to keep it is refused with the form again",
    ),
    "linkage:pair_not_same": _record(
        "candidate", REVIEWERS_405, REVIEWERS_INVALID, "POST only; a reason is required"
    ),
    "linkage:merge_detail": _record("merge", REVIEWERS, REVIEWERS, "what moved; unmerge form"),
    "linkage:merge_undo": _record(
        "merge", REVIEWERS_405, REVIEWERS_INVALID, "POST only; a reason is required"
    ),
}
