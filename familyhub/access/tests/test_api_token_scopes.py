"""Scoped API tokens for partner systems (R-ACCESS-4, R-IMPORT-2; ADR 0010a): a token may be limited
to reading or writing people, and to one organisation of its user; the API's permission classes
enforce both, allowed and denied, through the real bearer-token path."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from familyhub.access.models import ApiToken
from familyhub.access.models import Membership as StaffMembership
from familyhub.access.roles import Role
from familyhub.api.tests.conftest import household_payload

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
READ, WRITE = ApiToken.Scope.READ_PEOPLE, ApiToken.Scope.WRITE_PEOPLE


def token_for(user, *, scopes=(READ, WRITE), organisation=None) -> APIClient:
    key = ApiToken.new_key()
    ApiToken.objects.create(
        user=user,
        name="partner sync",
        prefix=key[:8],
        key_hash=ApiToken.hash_key(key),
        scopes=" ".join(scopes),
        organisation=organisation,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def patch_phone(client, person_uuid, version: int):
    return client.patch(
        f"/api/v1/people/{person_uuid}/",
        {"version": version, "phone": "0115 496 0777"},
        format="json",
    )


def a_parent(household):
    return household.memberships.filter(role="parent_carer").order_by("id").first().person


def test_a_read_only_token_reads_but_cannot_write(personas):
    client = token_for(personas.practitioner, scopes=[READ])
    assert client.get("/api/v1/households/").status_code == 200
    person = a_parent(personas.household)
    assert client.get(f"/api/v1/people/{person.uuid}/").status_code == 200
    for response in (
        client.post("/api/v1/households/", household_payload(), format="json"),
        patch_phone(client, person.uuid, person.version),
    ):
        assert response.status_code == 403
        assert response["Content-Type"] == PROBLEM
        assert "people:write" in response.json()["detail"]
    person.refresh_from_db()
    assert person.phone != "0115 496 0777"


def test_a_write_only_token_writes_but_cannot_read(personas):
    client = token_for(personas.practitioner, scopes=[WRITE])
    response = client.get("/api/v1/households/")
    assert response.status_code == 403 and "people:read" in response.json()["detail"]
    person = a_parent(personas.household)
    assert client.get(f"/api/v1/people/{person.uuid}/").status_code == 403
    assert patch_phone(client, person.uuid, person.version).status_code == 200
    person.refresh_from_db()
    assert person.phone.replace(" ", "") == "01154960777"


def test_a_full_token_and_a_session_are_unaffected(personas, client_for):
    client = token_for(personas.practitioner)
    person = a_parent(personas.household)
    assert client.get("/api/v1/people/").status_code == 200
    assert patch_phone(client, person.uuid, person.version).status_code == 200
    session = client_for(personas.practitioner)
    assert session.get("/api/v1/households/").status_code == 200


def test_an_organisation_limited_token_sees_only_that_organisations_families(personas):
    """A worker with roles at the lead organisation and the partner: one token per organisation."""
    worker = personas.practitioner
    StaffMembership.objects.create(
        user=worker, organisation=personas.partner, role=Role.PARTNER_STAFF
    )
    both = {h["id"] for h in token_for(worker).get("/api/v1/households/").json()["results"]}
    assert both == {str(personas.household.uuid), str(personas.partner_household.uuid)}

    partner_only = token_for(worker, organisation=personas.partner)
    found = {h["id"] for h in partner_only.get("/api/v1/households/").json()["results"]}
    assert found == {str(personas.partner_household.uuid)}
    assert partner_only.get(f"/api/v1/households/{personas.household.uuid}/").status_code == 404
    lead_only = token_for(worker, organisation=personas.lead)
    assert lead_only.get(f"/api/v1/households/{personas.household.uuid}/").status_code == 200
    assert (
        lead_only.get(f"/api/v1/households/{personas.partner_household.uuid}/").status_code == 404
    )


def test_a_token_limited_to_an_organisation_where_the_user_has_no_role_is_refused(personas):
    response = token_for(personas.practitioner, organisation=personas.other_org).get(
        "/api/v1/households/"
    )
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM


def test_an_organisation_limited_token_ignores_break_glass(personas):
    from familyhub.access import services
    from familyhub.access.models import BreakGlassGrant

    services.break_glass_request(
        actor=personas.practitioner,
        reference=str(personas.partner_household.uuid),
        reason=BreakGlassGrant.Reason.SAFEGUARDING,
        explanation="Police called about the family this morning",
    )
    url = f"/api/v1/households/{personas.partner_household.uuid}/"
    assert token_for(personas.practitioner).get(url).status_code == 200
    assert token_for(personas.practitioner, organisation=personas.lead).get(url).status_code == 404


@pytest.mark.parametrize("persona", ["analyst", "dpo", "admin"])
def test_scopes_never_widen_a_role(personas, persona):
    client = token_for(getattr(personas, persona))
    assert client.get("/api/v1/households/").status_code == 403


# --- the command --------------------------------------------------------------------------------------


def make(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_the_command_makes_scoped_and_limited_tokens(personas):
    key, said = make(
        "partner",
        "--name",
        "Toy Library sync",
        "--organisation",
        "test toy library",
        "--scope",
        "people:read",
    )
    token = ApiToken.objects.get(prefix=key[:8])
    assert token.scope_set == {READ} and token.organisation == personas.partner
    assert "may read people, only as partner at Test Toy Library" in said
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/households/").status_code == 200
    assert client.post("/api/v1/households/", {}, format="json").status_code == 403

    key, said = make("partner", "--name", "full")
    assert ApiToken.objects.get(prefix=key[:8]).scope_set == {READ, WRITE}
    assert "may read and write people" in said


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--organisation", "Nowhere Trust"], "no organisation called"),
        (["--organisation", "Test Lead Partnership"], "has no role at Test Lead Partnership"),
        (["--scope", "people:delete"], "invalid choice"),
    ],
)
def test_the_command_refuses_options_that_make_no_sense(personas, args, message):
    with pytest.raises(CommandError, match=message):
        make("partner", "--name", "x", *args)
    assert not ApiToken.objects.exists()
