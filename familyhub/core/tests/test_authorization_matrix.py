"""Every route of the project, requested as every persona (R-ACCESS-1, R-ACCESS-2, invariant 2).

TABLE below declares, for each URL pattern of the project (found by walking the URLconf), the
outcome every persona gets for every method the view accepts. Record routes are requested with the
lead organisation's family (or one of its members), with the partner organisation's family, and with
a random uuid4: a family out of scope must answer exactly like one that does not exist (same status,
same body). A route missing from the table fails `test_every_route_is_declared`, naming it; the
table is also rendered as docs/access-matrix.md (`access_matrix.py`), which must stay current.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from familyhub.access.models import ApiToken
from familyhub.api.tests.matrix import API_WORK_TABLE
from familyhub.casework.tests.matrix import CASEWORK_TABLE
from familyhub.core.testing import sign_in_verified
from familyhub.core.tests.access_matrix import (
    FORBIDDEN,
    INVALID,
    LEAD,
    LOGIN,
    MISSING,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    PARTNER,
    PASS_LABELS,
    PERSONAS,
    FoundRoute,
    Route,
    doc_path,
    render_markdown,
    row,
    walk_urlpatterns,
)
from familyhub.engagement.tests.matrix import ENGAGEMENT_TABLE
from familyhub.imports.tests.matrix import IMPORTS_TABLE
from familyhub.linkage.tests.matrix import LINKAGE_TABLE
from familyhub.places.tests.matrix import PLACES_TABLE
from familyhub.rights.tests.matrix import RIGHTS_TABLE
from familyhub.sharing.tests.matrix_extracts import EXTRACTS_TABLE
from familyhub.sharing.tests.matrix_reports import REPORTS_TABLE

# ---------------------------------------------------------------------------------------------
# The table. Columns, in order:
#   practitioner group_worker team_manager partner_staff analyst dpo admin other_org_staff anonymous
# practitioner, group_worker, team_manager, analyst, dpo and admin are the lead organisation's;
# partner_staff is the partner organisation's; other_org_staff is a practitioner of a third one.
# ---------------------------------------------------------------------------------------------
EVERYONE = row("ok ok ok ok ok ok ok ok ok")
SIGNED_IN = row("ok ok ok ok ok ok ok ok login")
NOBODY_405 = row("405 405 405 405 405 405 405 405 405")
EVERYONE_404 = row("404 404 404 404 404 404 404 404 404")
SIGNED_IN_405 = row("405 405 405 405 405 405 405 405 login")
# Administrators (MANAGE_REFERENCE): the locked-accounts page and its two POST actions.
ADMINS = row("forbidden forbidden forbidden forbidden forbidden forbidden ok forbidden login")
ADMINS_405 = row("forbidden forbidden forbidden forbidden forbidden forbidden 405 forbidden login")
# Roles with VIEW_PEOPLE (see and search families in scope) / EDIT_PEOPLE (register and change):
# today the same five roles; analysts, the DPO and administrators browse no case records.
VIEWERS = row("ok ok ok ok forbidden forbidden forbidden ok login")
EDITORS = row("ok ok ok ok forbidden forbidden forbidden ok login")
# A record of personas.household (allocated to the lead organisation) ...
LEAD_FAMILY = row("ok ok ok 404 forbidden forbidden forbidden 404 login")
# ... and of personas.partner_household (allocated to the partner organisation).
PARTNER_FAMILY = row("404 404 404 ok forbidden forbidden forbidden 404 login")
# The API: 401 problem+json when not signed in ("login"), 403 without VIEW_PEOPLE, 404 out of
# scope; an empty JSON body sent by someone allowed is refused as invalid (400).
API_VIEWERS = VIEWERS
API_EDITORS_EMPTY_BODY = row(
    "invalid invalid invalid invalid forbidden forbidden forbidden invalid login"
)
API_NO_SUCH_METHOD = row("405 405 405 405 forbidden forbidden forbidden 405 login")
API_LEAD_WRITE = row("invalid invalid invalid 404 forbidden forbidden forbidden 404 login")
API_PARTNER_WRITE = row("404 404 404 invalid forbidden forbidden forbidden 404 login")
# Break glass (BREAK_GLASS: the roles that see families) and the access log's readers
# (VIEW_ACCESS_LOG: the team manager and the DPO); ADR 0010. *_404: a random id in the URL.
ADMINS_404 = row("forbidden forbidden forbidden forbidden forbidden forbidden 404 forbidden login")
BREAKERS = VIEWERS
BREAKERS_405 = row("405 405 405 405 forbidden forbidden forbidden 405 login")
BREAKERS_404 = row("404 404 404 404 forbidden forbidden forbidden 404 login")
LOG_READERS = row("forbidden forbidden ok forbidden forbidden ok forbidden forbidden login")
LOG_READERS_405 = row("forbidden forbidden 405 forbidden forbidden 405 forbidden forbidden login")
LOG_READERS_404 = row("forbidden forbidden 404 forbidden forbidden 404 forbidden forbidden login")
# The access record of a person: the team manager for people in their scope, the DPO for anyone.
ACCESS_RECORD = (
    LOG_READERS,
    row("forbidden forbidden 404 forbidden forbidden ok forbidden forbidden login"),
)
NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"
# The purposes register, the privacy notice and the Article 30 record (R-CONSENT-1, R-NOTICE-1):
# every member of staff reads the register; the DPO (MANAGE_PRIVACY) changes it, publishes the
# notice and reads the record; staff who see families see who to ask for consent again; the
# notice itself is public (ADR 0014).
DPO = row("forbidden forbidden forbidden forbidden forbidden ok forbidden forbidden login")
DPO_405 = row("forbidden forbidden forbidden forbidden forbidden 405 forbidden forbidden login")
DPO_404 = row("forbidden forbidden forbidden forbidden forbidden 404 forbidden forbidden login")
VIEWERS_405 = row("405 405 405 405 forbidden forbidden forbidden 405 login")


def _notice_versions(personas: Any) -> None:
    """Versions 1 and 2 of the privacy notice, for the public notice routes."""
    from familyhub.privacy import registers, selectors

    registers.notice_publish(actor=personas.dpo, summary="First published version.")
    purpose = selectors.purpose_by_code("evaluation")
    registers.purpose_update(
        actor=personas.dpo,
        purpose=purpose,
        data={"retention": "evaluation data: 10 years"},
        expected_version=purpose.version,
    )
    registers.notice_publish(actor=personas.dpo, summary="Evaluation data kept 10 years.")


def public_notice(**kwargs: Any) -> Route:
    return Route(
        methods={"GET": EVERYONE, "POST": NOBODY_405},
        setup=_notice_versions,
        note="public, without sign-in (requested with versions 1 and 2 published)",
        **kwargs,
    )


def page(**methods: Any) -> Route:
    return Route(methods=methods)


def household_page(**methods: Any) -> Route:
    return Route(methods=methods, record="household")


def person_page(**methods: Any) -> Route:
    return Route(methods=methods, record="person")


RECORD = (LEAD_FAMILY, PARTNER_FAMILY)
RECORD_405 = (API_NO_SUCH_METHOD, API_NO_SUCH_METHOD)
RECORD_WRITE = (API_LEAD_WRITE, API_PARTNER_WRITE)

TABLE: dict[str, Route] = {
    # --- core ---
    "home": page(GET=SIGNED_IN, POST=SIGNED_IN),
    "login": Route(
        methods={"GET": EVERYONE, "POST": EVERYONE, "PUT": EVERYONE},
        note="signed-in users are redirected home; an empty sign-in form is shown again with errors",
    ),
    "logout": Route(
        methods={"GET": NOBODY_405, "POST": EVERYONE},
        note="POST only; it signs out and redirects to /sign-in/ (without next=, so not 'login')",
    ),
    "healthz": Route(
        methods={"GET": EVERYONE, "POST": EVERYONE}, note="public: load balancer check"
    ),
    # --- sign-in steps and the account (R-ACCESS-4); the personas' sessions are verified ---
    "login_code": Route(
        methods={"GET": SIGNED_IN, "POST": SIGNED_IN},
        note="the second-factor step: a verified user is sent on (home or next=); a password-only "
        "session is asked for the code",
    ),
    "login_setup": Route(
        methods={"GET": SIGNED_IN, "POST": SIGNED_IN},
        note="first sign-in: set up an authenticator; refused (sent to the code step) once one exists",
    ),
    "login_backup_codes": Route(
        methods={"GET": SIGNED_IN, "POST": SIGNED_IN_405},
        note="the backup codes, shown once after set-up; otherwise a redirect home",
    ),
    "logout_everywhere": Route(
        methods={"GET": SIGNED_IN_405, "POST": SIGNED_IN},
        note="POST only: ends every session of the user and redirects to /sign-in/",
    ),
    "account": Route(methods={"GET": SIGNED_IN, "POST": SIGNED_IN_405}),
    "access:locked_accounts": Route(methods={"GET": ADMINS, "POST": ADMINS}),
    "access:unlock": Route(
        methods={"GET": ADMINS_405, "POST": ADMINS},
        note="POST only; an empty form redirects back to /staff/locked/ with an error",
    ),
    "access:reset_second_factor": Route(
        methods={"GET": ADMINS_405, "POST": ADMINS},
        note="POST only; removes the user's authenticator and backup codes and ends their sessions",
    ),
    # --- staff roles, break glass, the access record and review (R-ACCESS-1..3, R-RIGHTS-6) ---
    "access:staff_roles": Route(
        methods={"GET": ADMINS, "POST": ADMINS},
        note="administrators give and end roles; never their own",
    ),
    "access:staff_role_end": Route(
        methods={"GET": ADMINS_405, "POST": ADMINS_404},
        sample_path=f"/staff/roles/{NO_SUCH_ID}/end/",
        note="POST only; requested with an id that does not exist",
    ),
    # Staff accounts, joiner to leaver (R-ACCESS-1, ADR 0025): administrators only; the one-time
    # set-up link is for the new member of staff, signed out, and gated by its token alone.
    "access:staff_new": Route(
        methods={"GET": ADMINS, "POST": ADMINS},
        note="an empty form is shown again with its errors; nothing is saved",
    ),
    "access:staff_set_up_link": Route(
        methods={"GET": ADMINS_404, "POST": ADMINS_404},
        sample_path=f"/staff/{NO_SUCH_ID}/set-up-link/",
        note="GET shows a link just made, once; POST makes a new one; requested with an id that "
        "does not exist",
    ),
    "access:staff_close": Route(
        methods={"GET": ADMINS_404, "POST": ADMINS_404},
        sample_path=f"/staff/{NO_SUCH_ID}/close/",
        note="never one's own account, nor the last administrator's; requested with an id that "
        "does not exist",
    ),
    "access:staff_reopen": Route(
        methods={"GET": ADMINS_404, "POST": ADMINS_404},
        sample_path=f"/staff/{NO_SUCH_ID}/reopen/",
        note="requested with an id that does not exist",
    ),
    "access:account_set_up": Route(
        methods={"GET": EVERYONE_404, "POST": EVERYONE_404},
        sample_path="/set-up-account/not-a-real-token/",
        note="public, no sign-in: a new member of staff's one-time link; an unknown token answers "
        "exactly as an expired or replaced one (404)",
    ),
    "access:break_glass_request": Route(
        methods={"GET": BREAKERS, "POST": BREAKERS},
        note="emergency access: an empty form is refused (and the refusal logged)",
    ),
    "access:break_glass_end": Route(
        methods={"GET": BREAKERS_405, "POST": BREAKERS_404},
        sample_path=f"/emergency-access/{NO_SUCH_ID}/end/",
        note="POST only, for the user's own grant; requested with an id that does not exist",
    ),
    "access:break_glass_queue": Route(methods={"GET": LOG_READERS, "POST": LOG_READERS_405}),
    "access:break_glass_review": Route(
        methods={"GET": LOG_READERS_404, "POST": LOG_READERS_404},
        sample_path=f"/emergency-access/reviews/{NO_SUCH_ID}/",
        note="requested with an id that does not exist",
    ),
    "access:person_lookup": Route(
        methods={"GET": LOG_READERS, "POST": LOG_READERS},
        note="the DPO finds anyone, a team manager the people in their scope; logged",
    ),
    "access:who_looked": person_page(GET=ACCESS_RECORD, POST=(LOG_READERS_405, LOG_READERS_405)),
    "access:access_review": Route(methods={"GET": LOG_READERS, "POST": LOG_READERS_405}),
    # --- people: search and the registration wizard ---
    "people:search": page(GET=VIEWERS, POST=VIEWERS),
    "people:household_list": page(GET=VIEWERS, POST=VIEWERS),
    "people:household_register_start": page(GET=EDITORS, POST=EDITORS),
    "people:household_register_members": page(GET=EDITORS, POST=EDITORS),
    "people:household_register_relationships": page(GET=EDITORS, POST=EDITORS),
    "people:household_register_check": page(GET=EDITORS, POST=EDITORS),
    "people:household_register_cancel": page(GET=EDITORS, POST=EDITORS),
    # --- people: family and person pages (the id is personas.household / one of its members) ---
    "people:household_detail": household_page(GET=RECORD, POST=RECORD),
    "people:household_history": household_page(GET=RECORD, POST=RECORD),
    "people:household_edit": household_page(GET=RECORD, POST=RECORD),
    "people:household_move": household_page(GET=RECORD, POST=RECORD),
    "people:household_add_member": household_page(GET=RECORD, POST=RECORD),
    "people:relationship_add": household_page(GET=RECORD, POST=RECORD),
    "people:membership_change": Route(
        methods={"GET": RECORD, "POST": RECORD},
        record="membership",
        note="an empty POST shows the form again with its errors",
    ),
    "people:person_detail": person_page(GET=RECORD, POST=RECORD),
    "people:person_edit": person_page(GET=RECORD, POST=RECORD),
    "people:person_record_birth": person_page(GET=RECORD, POST=RECORD),
    "people:person_identifiers": person_page(GET=RECORD, POST=RECORD),
    # --- privacy: consent, contact preferences, purpose-dependent lists (R-CONSENT-2..4) ---
    "privacy:household_consent": household_page(GET=RECORD, POST=RECORD),
    "privacy:person_consent": person_page(GET=RECORD, POST=RECORD),
    "privacy:consent_withdraw": person_page(GET=RECORD, POST=RECORD),
    "privacy:consent_evidence": Route(
        methods={"GET": RECORD, "POST": RECORD},
        record="person",
        note="the scanned form of ?purpose=<code>; without one, a redirect to the consent page",
    ),
    "privacy:contact_preferences": person_page(GET=RECORD, POST=RECORD),
    "privacy:photo_consent": person_page(GET=RECORD, POST=RECORD),
    "privacy:mailing_list": page(GET=VIEWERS, POST=VIEWERS),
    "privacy:mailing_list_csv": page(GET=VIEWERS, POST=VIEWERS),
    "privacy:imagination_library": page(GET=VIEWERS, POST=VIEWERS),
    "privacy:imagination_library_csv": page(GET=VIEWERS, POST=VIEWERS),
    # --- privacy: the purposes register, the notice and the Article 30 record (R-NOTICE-1) ---
    "privacy:register": page(GET=SIGNED_IN, POST=SIGNED_IN_405),
    "privacy:purpose_create": Route(
        methods={"GET": DPO, "POST": DPO},
        note="an empty form is shown again with its errors; nothing is saved",
    ),
    "privacy:purpose_detail": Route(
        methods={"GET": SIGNED_IN, "POST": SIGNED_IN_405},
        sample_path="/privacy/purposes/service-delivery/",
    ),
    "privacy:purpose_edit": Route(
        methods={"GET": DPO, "POST": DPO},
        sample_path="/privacy/purposes/service-delivery/edit/",
        note="an empty form is shown again with its errors; nothing is saved",
    ),
    "privacy:reconsent": page(GET=VIEWERS, POST=VIEWERS_405),
    "privacy:notice_manage": Route(
        methods={"GET": DPO, "POST": DPO},
        note="an empty form publishes nothing: it is shown again with its errors",
    ),
    "privacy:ropa": page(GET=DPO, POST=DPO_405),
    "privacy:ropa_csv": Route(methods={"GET": DPO, "POST": DPO_405}, note="downloads are logged"),
    "privacy:ropa_xlsx": Route(methods={"GET": DPO, "POST": DPO_405}, note="downloads are logged"),
    "privacy:notice": public_notice(),
    "privacy:notice_versions": public_notice(),
    "privacy:notice_version": public_notice(sample_path="/privacy-notice/v1/"),
    "privacy:notice_changes": public_notice(sample_path="/privacy-notice/changes/1/2/"),
    # --- retention: disposal, rules, holds, erasure (R-RIGHTS-4, R-RETAIN-1/2): the DPO only ---
    "retention:dashboard": page(GET=DPO, POST=DPO),
    "retention:preview": page(GET=DPO, POST=DPO),
    "retention:run_list": page(GET=DPO, POST=DPO),
    "retention:run_start": Route(
        methods={"GET": DPO_405, "POST": DPO},
        note="POST only; an empty form is shown again with its errors",
    ),
    "retention:run_detail": Route(
        methods={"GET": DPO_404, "POST": DPO_404}, sample_path=f"/retention/runs/{NO_SUCH_ID}/"
    ),
    "retention:rule_list": page(GET=DPO, POST=DPO),
    "retention:rule_edit": Route(
        methods={"GET": DPO, "POST": DPO},
        sample_path="/retention/rules/CASE_RECORD/edit/",
        note="an empty form saves nothing: it is shown again with its errors",
    ),
    "retention:hold_list": page(GET=DPO, POST=DPO),
    "retention:hold_release": Route(
        methods={"GET": DPO_405, "POST": DPO_404},
        sample_path=f"/retention/holds/{NO_SUCH_ID}/release/",
    ),
    "retention:erasure_list": page(GET=DPO, POST=DPO),
    "retention:erasure_detail": Route(
        methods={"GET": DPO_404, "POST": DPO_404},
        sample_path=f"/retention/erasures/{NO_SUCH_ID}/",
    ),
    "retention:erase_person": Route(
        methods={"GET": DPO_404, "POST": DPO_404},
        sample_path=f"/retention/people/{NO_SUCH_ID}/erase/",
        note="any person, found by id (the DPO has no case scope); every look is logged",
    ),
}

# The REST API (familyhub/api/urls.py), checked when its routes exist. Bearer tokens, as partner
# systems use it; "login" means 401 application/problem+json.
API_TABLE: dict[str, Route] = {
    "api-schema": Route(methods={"GET": EVERYONE}, api=True, note="the OpenAPI schema is public"),
    "api-docs": Route(methods={"GET": EVERYONE}, api=True, note="Swagger UI, public"),
    "api-household-list": Route(
        methods={"GET": API_VIEWERS, "POST": API_EDITORS_EMPTY_BODY}, api=True
    ),
    "api-household-detail": Route(
        methods={"GET": RECORD, "POST": RECORD_405, "PATCH": RECORD_WRITE},
        record="household",
        api=True,
    ),
    "api-household-move": Route(
        methods={"GET": RECORD_405, "POST": RECORD_WRITE}, record="household", api=True
    ),
    "api-household-members": Route(
        methods={"GET": RECORD_405, "POST": RECORD_WRITE}, record="household", api=True
    ),
    "api-household-member": Route(
        methods={"GET": RECORD_405, "PATCH": RECORD_WRITE}, record="household_member", api=True
    ),
    "api-person-list": Route(methods={"GET": API_VIEWERS, "POST": API_NO_SUCH_METHOD}, api=True),
    "api-person-detail": Route(
        methods={"GET": RECORD, "POST": RECORD_405, "PATCH": RECORD_WRITE},
        record="person",
        api=True,
    ),
    "api-person-birth": Route(
        methods={"GET": RECORD_405, "POST": RECORD_WRITE}, record="person", api=True
    ),
    "api-person-relationships": Route(
        methods={"GET": RECORD, "POST": RECORD_405}, record="person", api=True
    ),
    "api-person-accuracy-challenges": Route(
        methods={"GET": RECORD, "POST": RECORD_405},
        record="person",
        api=True,
        note="statements about case notes or special-category details hidden as on the staff pages",
    ),
    "api-relationship-list": Route(
        methods={"GET": API_NO_SUCH_METHOD, "POST": API_EDITORS_EMPTY_BODY}, api=True
    ),
    "api-person-consents": Route(
        methods={"GET": RECORD, "POST": RECORD_WRITE}, record="person", api=True
    ),
    "api-person-consent-withdraw": Route(
        methods={"GET": RECORD_405, "POST": RECORD_WRITE}, record="person", api=True
    ),
    "api-person-contact-preferences": Route(
        methods={"GET": RECORD, "PUT": RECORD_WRITE}, record="person", api=True
    ),
    "api/^": Route(
        methods={m: EVERYONE_404 for m in ("GET", "POST", "PUT", "PATCH", "DELETE")},
        api=True,
        sample_path="/api/v1/no-such-route/",
        note="any other path under /api/ is a problem+json 404, whoever asks",
    ),
}
# The partner API's sessions, casework and outcomes (R-IMPORT-2): familyhub/api/tests/matrix.py.
API_TABLE.update(API_WORK_TABLE)
TABLE.update(API_TABLE)
# Casework's routes (R-ENGAGE-4..9) are declared in familyhub/casework/tests/matrix.py.
TABLE.update(CASEWORK_TABLE)
# Engagement's routes (R-ENGAGE-1..3) are declared in familyhub/engagement/tests/matrix.py.
TABLE.update(ENGAGEMENT_TABLE)
# Rights requests' routes (R-RIGHTS-1..3) are declared in familyhub/rights/tests/matrix.py.
TABLE.update(RIGHTS_TABLE)
# Partner imports' routes (R-IMPORT-1) are declared in familyhub/imports/tests/matrix.py.
TABLE.update(IMPORTS_TABLE)
# The agreement register and reports (R-SHARE-1, R-SHARE-2): familyhub/sharing/tests/matrix_reports.py.
TABLE.update(REPORTS_TABLE)
# Duplicate review's routes (R-LINK-1) are declared in familyhub/linkage/tests/matrix.py.
TABLE.update(LINKAGE_TABLE)
# Extracts, the disclosure log and reach (R-SHARE-3..6): familyhub/sharing/tests/matrix_extracts.py.
TABLE.update(EXTRACTS_TABLE)
# Organisations, teams, venues, wards and areas (R-PEOPLE-4): familyhub/places/tests/matrix.py.
TABLE.update(PLACES_TABLE)


# ---------------------------------------------------------------------------------------------
# Walking the URLconf
# ---------------------------------------------------------------------------------------------
FOUND: list[FoundRoute] = list(walk_urlpatterns())
FOUND_BY_KEY = {f.key: f for f in FOUND}
API_PRESENT = any(f.api for f in FOUND)
UNSAFE_DEFAULT = ("GET", "POST")


def implemented_methods(found: FoundRoute) -> set[str]:
    """The methods the view answers: handlers of a class-based view, GET and POST for a function."""
    callback = found.pattern.callback
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:
        return set(UNSAFE_DEFAULT)
    names = getattr(view_class, "http_method_names", [])
    return {
        m.upper() for m in names if m not in ("options", "head", "trace") and hasattr(view_class, m)
    }


def test_every_route_is_declared():
    """A new route fails here until TABLE says who may use it (and the docs are regenerated)."""
    assert FOUND, "the URLconf walk found no routes"
    undeclared = [f"{f.key!r} (/{f.route})" for f in FOUND if f.key not in TABLE]
    assert not undeclared, (
        "routes missing from TABLE in familyhub/core/tests/test_authorization_matrix.py: "
        + ", ".join(undeclared)
        + ". Declare the expected outcome for every persona, then run "
        "`.venv/bin/python -m familyhub.core.tests.access_matrix`."
    )


def test_no_stale_declarations():
    """Every UI entry names a real route; API entries too once the API has routes."""
    stale = [
        key
        for key, spec in TABLE.items()
        if key not in FOUND_BY_KEY and (not spec.api or API_PRESENT)
    ]
    assert not stale, f"TABLE declares routes the URLconf does not have: {stale}"


def test_every_accepted_method_is_declared():
    missing = []
    for f in FOUND:
        spec = TABLE.get(f.key)
        if spec is None:
            continue  # reported by test_every_route_is_declared
        undeclared = implemented_methods(f) - set(spec.methods)
        if undeclared:
            missing.append(f"{f.key}: {sorted(undeclared)}")
        if "GET" not in spec.methods:
            missing.append(f"{f.key}: GET (always declared)")
    assert not missing, f"methods the views accept but TABLE does not declare: {missing}"


def test_access_matrix_doc_is_current():
    expected = render_markdown(TABLE, FOUND)
    path = doc_path()
    assert path.exists(), (
        f"{path} is missing: run `.venv/bin/python -m familyhub.core.tests.access_matrix`"
    )
    assert path.read_text(encoding="utf-8") == expected, (
        f"{path} is out of date: run `.venv/bin/python -m familyhub.core.tests.access_matrix`"
    )


# ---------------------------------------------------------------------------------------------
# Requesting every route as every persona
# ---------------------------------------------------------------------------------------------
_CSRF = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]+(")')


def _normalised_body(response: Any, ids: list[str]) -> bytes:
    """The body with what differs per request anyway (masked CSRF tokens, the id asked for) blanked."""
    body = _CSRF.sub(rb"\1-\2", response.content)
    for value in ids:
        body = body.replace(value.encode(), b"<id>")
    return body


def classify(response: Any, api: bool) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        target = urlsplit(response["Location"])
        if target.path == reverse("login") and "next=" in target.query:
            return LOGIN
        return OK
    if status in (200, 201, 204):
        return OK
    if status == 401 and api:
        return LOGIN
    return {400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND, 405: NOT_ALLOWED}.get(
        status, f"HTTP {status}"
    )


class Requester:
    """One signed-in client per persona: a session for the web UI, a bearer token for the API."""

    def __init__(self, personas: Any) -> None:
        self.personas = personas
        self.clients: dict[tuple[str, bool], Client] = {}

    def client(self, persona: str, api: bool) -> Client:
        key = (persona, api)
        if key not in self.clients:
            user = None if persona == "anonymous" else getattr(self.personas, persona)
            if api:
                headers = {}
                if user is not None:
                    secret = ApiToken.new_key()
                    ApiToken.objects.create(
                        user=user,
                        name="matrix",
                        prefix=secret[:8],
                        key_hash=ApiToken.hash_key(secret),
                    )
                    headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
                client = Client(**headers)
            else:
                client = Client()
                if user is not None:
                    sign_in_verified(client, user)
            self.clients[key] = client
        return self.clients[key]

    def request(self, persona: str, api: bool, method: str, path: str) -> Any:
        client = self.client(persona, api)
        call: Callable[..., Any] = getattr(client, method.lower())
        if method in ("POST", "PUT", "PATCH") and api:
            response = call(path, data="{}", content_type="application/json")
        elif method in ("POST", "PUT", "PATCH"):
            # What a browser's form always sends (the CSRF token; the test client does not check
            # it), so that the forms are bound; an empty form, refused by the form's own rules.
            response = call(
                path, data="csrfmiddlewaretoken=x", content_type="application/x-www-form-urlencoded"
            )
        else:
            response = call(path)
        if not api and persona != "anonymous" and "_auth_user_id" not in client.session:
            del self.clients[(persona, api)]  # signed out (the sign-out route): sign in afresh
        return response


def _records(personas: Any) -> dict[str, dict[str, str]]:
    def a_parent(household: Any) -> Any:
        return household.memberships.filter(role="parent_carer").order_by("id").first().person

    return {
        "household": {
            LEAD: str(personas.household.uuid),
            PARTNER: str(personas.partner_household.uuid),
            MISSING: str(uuid.uuid4()),
        },
        "person": {
            LEAD: str(a_parent(personas.household).uuid),
            PARTNER: str(a_parent(personas.partner_household).uuid),
            MISSING: str(uuid.uuid4()),
        },
        # Routes naming a family and one of its members: "<household id>/<person id>".
        "household_member": {
            LEAD: f"{personas.household.uuid}/{a_parent(personas.household).uuid}",
            PARTNER: f"{personas.partner_household.uuid}/"
            f"{a_parent(personas.partner_household).uuid}",
            MISSING: f"{uuid.uuid4()}/{uuid.uuid4()}",
        },
        "membership": {
            LEAD: str(personas.household.memberships.order_by("id").first().uuid),
            PARTNER: str(personas.partner_household.memberships.order_by("id").first().uuid),
            MISSING: str(uuid.uuid4()),
        },
        **getattr(personas, "casework_records", {}),  # made by casework routes' setup
        **getattr(personas, "engagement_records", {}),  # made by engagement routes' setup
        **getattr(personas, "rights_records", {}),  # made by rights routes' setup
        **getattr(personas, "imports_records", {}),  # made by imports routes' setup
        **getattr(personas, "reports_records", {}),  # made by sharing reports routes' setup
        **getattr(personas, "linkage_records", {}),  # made by linkage routes' setup
        **getattr(personas, "extracts_records", {}),  # made by extract routes' setup
    }


def _path(found: FoundRoute, spec: Route, record_id: str | None) -> str:
    if spec.sample_path:
        return spec.sample_path
    converters = getattr(found.pattern.pattern, "converters", {})
    if record_id and "/" in record_id:  # one id per converter, in the URL's order
        return reverse(found.name, kwargs=dict(zip(converters, record_id.split("/"), strict=True)))
    kwargs = {name: record_id for name in converters}
    return reverse(found.name, kwargs=kwargs)


ROUTE_KEYS = [k for k in TABLE if k in FOUND_BY_KEY]


@pytest.fixture
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.usefixtures("_fast_hasher")
@pytest.mark.parametrize("key", ROUTE_KEYS)
def test_route_access(key, personas):
    """R-ACCESS-1/2: each persona gets the declared outcome; out of scope looks exactly like missing."""
    found, spec = FOUND_BY_KEY[key], TABLE[key]
    api = spec.api
    requester = Requester(personas)
    if spec.setup is not None:
        spec.setup(personas)
    records = _records(personas).get(spec.record or "", {})
    problems: list[str] = []
    missing_bodies: dict[tuple[str, str], bytes] = {}
    compared = 0
    for method in spec.methods:
        for pass_ in sorted(spec.passes(), key=lambda p: p != MISSING):  # the random id first
            record_id = records.get(pass_)
            path = _path(found, spec, record_id)
            expected = spec.expected(method, pass_)
            for persona in PERSONAS:
                response = requester.request(persona, api, method, path)
                got = classify(response, api)
                where = f"{method} {path} [{PASS_LABELS[pass_] or 'no record'}] as {persona}"
                if got != expected[persona]:
                    problems.append(
                        f"{where}: expected {expected[persona]}, got {got} ({response.status_code})"
                    )
                    continue
                if api and response.status_code >= 400:
                    ctype = response.get("Content-Type", "")
                    if not ctype.startswith("application/problem+json"):
                        problems.append(
                            f"{where}: {response.status_code} is {ctype!r}, not problem+json"
                        )
                if not spec.record or got != NOT_FOUND:
                    continue
                body = _normalised_body(
                    response, [part for v in records.values() for part in v.split("/")]
                )
                if pass_ == MISSING:
                    missing_bodies[(method, persona)] = body
                elif body != missing_bodies.get((method, persona)):
                    problems.append(
                        f"{where}: the 404 body differs from the one for a record that does not exist"
                    )
                else:
                    compared += 1
    assert not problems, f"{key}: {len(problems)} mismatch(es):\n" + "\n".join(problems)
    if spec.record and any(
        NOT_FOUND in spec.expected(m, p).values() for m in spec.methods for p in (LEAD, PARTNER)
    ):
        assert compared, f"{key}: no out-of-scope 404 was compared with a missing record's 404"


@pytest.mark.usefixtures("_fast_hasher")
@pytest.mark.skipif(not API_PRESENT, reason="familyhub/api/urls.py has no routes yet")
def test_api_malformed_id_is_not_found(personas):
    """An id that is not a uuid is 'no such record' (404 problem+json), never a 500 or a 400."""
    requester = Requester(personas)
    checked = 0
    for key, spec in API_TABLE.items():
        if not spec.record or key not in FOUND_BY_KEY:
            continue
        for method in spec.methods:
            for persona in ("practitioner", "partner_staff"):
                expected = spec.expected(method, MISSING)[persona]
                response = requester.request(
                    persona, True, method, _path(FOUND_BY_KEY[key], spec, "not-a-uuid")
                )
                assert classify(response, True) == expected, (
                    key,
                    method,
                    persona,
                    response.content,
                )
                assert response["Content-Type"].startswith("application/problem+json")
                checked += 1
    assert checked


def test_table_rows_are_consistent():
    """Sanity of the table itself: the partner pass mirrors the lead pass for the two organisations."""
    for key, spec in TABLE.items():
        if not spec.record:
            continue
        for method in spec.methods:
            lead, partner = spec.expected(method, LEAD), spec.expected(method, PARTNER)
            for persona in ("analyst", "dpo", "admin", "anonymous", "other_org_staff"):
                assert lead[persona] == partner[persona], (key, method, persona)
            if lead["practitioner"] == FORBIDDEN:
                continue  # a record route for other roles (the access record: see ACCESS_RECORD)
            assert {lead["practitioner"], partner["partner_staff"]} <= {OK, INVALID, NOT_ALLOWED}, (
                key
            )
            if lead["practitioner"] != NOT_ALLOWED:
                assert lead["partner_staff"] == partner["practitioner"] == NOT_FOUND, key
    assert FORBIDDEN in VIEWERS.values()
