"""schemathesis against the published schema (R-IMPORT-2): every operation, with requests generated
from the schema, sent as a practitioner's bearer token on the personas' data. No answer may be a
5xx, and every answer must be one the schema describes (status, content type, body).

Runs in the ordinary suite, so CI runs it on SQLite and PostgreSQL. Bounded: a few examples per
operation (`EXAMPLES`, about 330 requests), derandomized (the same cases on every run), no
shrinking, no example database: about 30 s on SQLite and 65 s on PostgreSQL on the shared 2-core
machine under a load average of 10 (less on an idle one). Path ids
are the personas' real records most of the time (a random id only reaches the 404), so the
examples reach the serializers and services rather than stopping at the lookup.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from familyhub.api.tests.conftest import make_token
from familyhub.casework.tests.factories import make_referral
from familyhub.engagement.testing import a_session, attend
from familyhub.rights.testing import a_challenge, a_visit

pytestmark = pytest.mark.django_db

EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _records(personas: Any) -> dict[str, str]:
    """A real id for each kind of record in a path, in the practitioner's scope."""
    household = personas.household
    person = household.memberships.order_by("id").first().person
    session = a_session(organisation=personas.lead)
    attend(session, person, as_child=False)
    referral = make_referral(
        household, from_organisation=personas.lead, to_organisation=personas.other_org
    )
    # Something the person disputes, so that their challenges' answers are checked too.
    a_challenge(personas.practitioner, person)
    a_challenge(
        personas.practitioner,
        person,
        target="contact",
        contact=a_visit(personas.practitioner, household, person),
    )
    return {
        "/api/v1/households/": str(household.uuid),
        "/api/v1/people/": str(person.uuid),
        "/api/v1/sessions/": str(session.uuid),
        "/api/v1/referrals/": str(referral.uuid),
    }


def _real_id(path: str, records: dict[str, str]) -> str | None:
    return next((v for prefix, v in records.items() if path.startswith(prefix)), None)


def _exercise(operation: Any, real: str | None, headers: dict[str, str]) -> None:
    """EXAMPLES generated requests to one operation, each answer checked against the schema."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), use_real=st.integers(0, 4))
    def run(case: Any, use_real: int) -> None:
        if real is not None and "id" in (case.path_parameters or {}) and use_real:
            case.path_parameters["id"] = real  # four times in five: a record in scope
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


@pytest.fixture
def _keep_the_test_connection():
    """The WSGI handler closes the database connection after each request (as a server should);
    the test's transaction lives on that connection, so, like Django's test client, keep it."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield
    for signal in signals:
        signal.connect(close_old_connections)


@pytest.mark.usefixtures("_keep_the_test_connection")
def test_no_5xx_and_no_answer_outside_the_schema(personas):
    records = _records(personas)
    token = make_token(personas.practitioner)
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    failures: list[str] = []
    for operation in operations:
        try:
            _exercise(operation, _real_id(operation.path, records), headers)
        except Exception as e:  # every operation is tried; all failures are reported together
            failures.append(f"{operation.label}: {type(e).__name__}: {e}"[:3000])
    assert not failures, "\n\n".join(failures)
