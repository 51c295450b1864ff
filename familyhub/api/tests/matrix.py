"""The partner API's rows of the authorization matrix for the work with families (R-ACCESS-1,
R-ACCESS-2, R-IMPORT-2; ADR 0022): sessions and attendance, contacts, referrals and outcomes.

`familyhub/core/tests/test_authorization_matrix.py` adds API_WORK_TABLE to its TABLE, so that every
route is requested as every persona with a bearer token, and `docs/access-matrix.md` lists them.
Columns, in order: practitioner group_worker team_manager partner_staff analyst dpo admin
other_org_staff anonymous. "login" is 401 problem+json; "invalid" is the empty JSON body `{}`
refused with 400 problem+json by someone allowed to send it.

Records: households and people as for the other API routes; sessions from the engagement app's
matrix records (the lead organisation's, the group worker named on it, and the partner's);
referrals from casework's (made by the lead and by the partner organisation, both to the third
organisation, whose practitioner therefore sees both while it decides, ADR 0013).
"""

from __future__ import annotations

from typing import Any

from familyhub.core.tests.access_matrix import Route, row

VIEWERS = row("ok ok ok ok forbidden forbidden forbidden ok login")
# A record of the lead organisation (its family, its session), then the partner's.
RECORD = (
    row("ok ok ok 404 forbidden forbidden forbidden 404 login"),
    row("404 404 404 ok forbidden forbidden forbidden 404 login"),
)
RECORD_405 = (
    row("405 405 405 405 forbidden forbidden forbidden 405 login"),
    row("405 405 405 405 forbidden forbidden forbidden 405 login"),
)
# Writing with an empty body: refused as invalid (400) by whoever may write to the record.
RECORD_WRITE = (
    row("invalid invalid invalid 404 forbidden forbidden forbidden 404 login"),
    row("404 404 404 invalid forbidden forbidden forbidden 404 login"),
)
# Casework writes (Capability.CASEWORK): group workers see families but record no casework.
RECORD_CASEWORK_WRITE = (
    row("invalid forbidden invalid 404 forbidden forbidden forbidden 404 login"),
    row("404 forbidden 404 invalid forbidden forbidden forbidden 404 login"),
)
# Referrals to the third organisation: both the referring side and the receiving side see them.
REFERRAL = (
    row("ok ok ok 404 forbidden forbidden forbidden ok login"),
    row("404 404 404 ok forbidden forbidden forbidden ok login"),
)
# Deciding a referral (sent with an empty body). Only the receiving organisation (the third one)
# accepts (every field is optional: the family is allocated to the caller) or declines (a reason is
# needed); only the referring organisation withdraws (a reason is needed). The wrong side of a
# referral it can see is refused with 400, like a missing reason: 403 is only ever the role's.
REFERRAL_ACCEPT = (
    row("invalid forbidden invalid 404 forbidden forbidden forbidden ok login"),
    row("404 forbidden 404 invalid forbidden forbidden forbidden ok login"),
)
REFERRAL_DECIDE = (
    row("invalid forbidden invalid 404 forbidden forbidden forbidden invalid login"),
    row("404 forbidden 404 invalid forbidden forbidden forbidden invalid login"),
)


def _sessions(personas: Any) -> None:
    from familyhub.engagement.testing import matrix_records

    personas.engagement_records = matrix_records(personas)


def _referrals(personas: Any) -> None:
    from familyhub.casework.tests.matrix import casework_records

    personas.casework_records = casework_records(personas)


def _api(record: str | None = None, setup: Any = None, note: str = "", **methods: Any) -> Route:
    return Route(methods=methods, record=record, api=True, setup=setup, note=note)


API_WORK_TABLE: dict[str, Route] = {
    # --- sessions and attendance (R-ENGAGE-3) ---
    "api-session-list": _api(GET=VIEWERS, note="sessions of the user's organisations only"),
    "api-session-detail": _api("session", _sessions, GET=RECORD),
    "api-session-attendance": _api(
        "session",
        _sessions,
        GET=RECORD,
        POST=RECORD_WRITE,
        note="through the register's service: only people the user may register",
    ),
    # --- contacts and visits (R-ENGAGE-4) ---
    "api-household-contacts": _api("household", GET=RECORD, POST=RECORD_CASEWORK_WRITE),
    # --- referrals (R-ENGAGE-5) ---
    "api-household-referrals": _api("household", GET=RECORD_405, POST=RECORD_CASEWORK_WRITE),
    "api-referral-list": _api(GET=VIEWERS, note="made or received by the user's organisations"),
    "api-referral-detail": _api(
        "referral",
        _referrals,
        GET=REFERRAL,
        note="both sides see the status; the family only while it is in the user's scope",
    ),
    "api-referral-accept": _api(
        "referral",
        _referrals,
        GET=RECORD_405,
        POST=REFERRAL_ACCEPT,
        note="the receiving organisation's staff; the family is allocated to the caller",
    ),
    "api-referral-decline": _api(
        "referral", _referrals, GET=RECORD_405, POST=REFERRAL_DECIDE, note="the receiving side"
    ),
    "api-referral-withdraw": _api(
        "referral", _referrals, GET=RECORD_405, POST=REFERRAL_DECIDE, note="the referring side"
    ),
    # --- outcomes (R-ENGAGE-7) ---
    "api-household-outcome-records": _api("household", GET=RECORD, POST=RECORD_CASEWORK_WRITE),
    "api-household-outcome-reviews": _api("household", GET=RECORD, POST=RECORD_CASEWORK_WRITE),
}
