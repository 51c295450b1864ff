"""The engagement routes' rows of the authorization matrix (R-ACCESS-1, R-ACCESS-2, R-ENGAGE-1..3).

`familyhub/core/tests/test_authorization_matrix.py` adds ENGAGEMENT_TABLE to its TABLE and the
records below to the ones it requests, so that every engagement route is requested as every
persona, allowed and denied, and `docs/access-matrix.md` lists them. Columns, in order:
practitioner group_worker team_manager partner_staff analyst dpo admin other_org_staff anonymous.

Records (made by the route's `setup`, afresh for each route that needs them):
- household: the lead organisation's and the partner organisation's families (as for people's pages);
- session: a session run by the lead organisation (the group worker named on it) and one run by the
  partner; staff of another organisation get 404, as for a session that does not exist;
- walk_in: someone added at the door, in a family allocated to the lead / the partner organisation.
"""

from __future__ import annotations

from typing import Any

from familyhub.core.tests.access_matrix import Route, row

SIGNED_IN = row("ok ok ok ok ok ok ok ok login")
VIEWERS = row("ok ok ok ok forbidden forbidden forbidden ok login")
EDITORS = VIEWERS
# MANAGE_SERVICES: team managers and administrators keep the catalogue and its rules.
MANAGERS = row("forbidden forbidden ok forbidden forbidden forbidden ok forbidden login")

# A record of the lead organisation (its family, its session, its walk-in), then the partner's.
RECORD = (
    row("ok ok ok 404 forbidden forbidden forbidden 404 login"),
    row("404 404 404 ok forbidden forbidden forbidden 404 login"),
)
# The register's JSON queue: an empty (non-JSON) POST is refused as invalid (400) by those allowed.
RECORD_JSON_POST = (
    row("invalid invalid invalid 404 forbidden forbidden forbidden 404 login"),
    row("404 404 404 invalid forbidden forbidden forbidden 404 login"),
)


def _setup_records(personas: Any) -> None:
    from familyhub.engagement.testing import matrix_records

    personas.engagement_records = matrix_records(personas)


def _record(kind: str, rows: Any, post: Any = None, note: str = "") -> Route:
    return Route(
        methods={"GET": rows, "POST": post or rows},
        record=kind,
        note=note,
        setup=None if kind == "household" else _setup_records,
    )


def _page(get: Any, post: Any = None, **kwargs: Any) -> Route:
    return Route(methods={"GET": get, "POST": post or get}, **kwargs)


ENGAGEMENT_TABLE: dict[str, Route] = {
    # --- the catalogue and eligibility rules (R-ENGAGE-1, R-ENGAGE-2) ---
    "engagement:service_list": _page(SIGNED_IN, note="every member of staff reads the catalogue"),
    "engagement:service_add": _page(
        MANAGERS, note="an empty form is shown again with its errors; nothing is saved"
    ),
    "engagement:service_detail": _page(SIGNED_IN, sample_path="/services/cook-and-play/"),
    "engagement:service_edit": _page(
        MANAGERS,
        sample_path="/services/cook-and-play/edit/",
        note="an empty form is shown again with its errors; nothing is saved",
    ),
    "engagement:rule_edit": _page(
        MANAGERS,
        sample_path="/services/cook-and-play/eligibility/",
        note="saves the next version of the rule; an empty form is refused (no reason given)",
    ),
    "engagement:rule_history": _page(
        SIGNED_IN, sample_path="/services/cook-and-play/eligibility/history/"
    ),
    # --- a family's services, eligibility and enrolments ---
    "engagement:household_services": _record("household", RECORD),
    "engagement:household_enrol": _record(
        "household", RECORD, note="an empty form is shown again with its errors"
    ),
    "engagement:enrolment_end": _record(
        "household",
        RECORD,
        note="GET without an enrolment redirects to the family's services; an empty POST is refused",
    ),
    # --- sessions and the register (R-ENGAGE-3) ---
    "engagement:session_list": _page(VIEWERS),
    "engagement:session_add": _page(
        EDITORS, note="an empty form is shown again with its errors; nothing is saved"
    ),
    "engagement:register": _record(
        "session", RECORD, note="POST is the register's save without JavaScript"
    ),
    "engagement:session_edit": _record("session", RECORD),
    "engagement:session_cancel": _record("session", RECORD),
    "engagement:register_search": _record("session", RECORD),
    "engagement:register_entries": _record(
        "session",
        RECORD,
        RECORD_JSON_POST,
        note="the register's queue (JSON); GET answers the saved register",
    ),
    "engagement:register_walk_in": _record("session", RECORD),
    # --- people added at the door, to complete ---
    "engagement:walk_in_list": _page(EDITORS),
    "engagement:walk_in_complete": _record(
        "walk_in", RECORD, note="an empty form is shown again with its errors"
    ),
}
