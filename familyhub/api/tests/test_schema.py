"""The OpenAPI schema is valid, complete and warning-free; the docs page keeps to the CSP."""

from __future__ import annotations

import io
import re

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/households/": {"get", "post"},
    "/api/v1/households/{id}/": {"get", "patch"},
    "/api/v1/households/{id}/move/": {"post"},
    "/api/v1/households/{id}/members/": {"post"},
    "/api/v1/households/{id}/members/{person_id}/": {"patch"},
    "/api/v1/people/": {"get"},
    "/api/v1/people/{id}/": {"get", "patch"},
    "/api/v1/people/{id}/birth/": {"post"},
    "/api/v1/people/{id}/relationships/": {"get"},
    "/api/v1/people/{id}/accuracy-challenges/": {"get"},
    "/api/v1/relationships/": {"post"},
    "/api/v1/people/{id}/consents/": {"get", "post"},
    "/api/v1/people/{id}/consents/withdraw/": {"post"},
    "/api/v1/people/{id}/contact-preferences/": {"get", "put"},
    "/api/v1/sessions/": {"get"},
    "/api/v1/sessions/{id}/": {"get"},
    "/api/v1/sessions/{id}/attendance/": {"get", "post"},
    "/api/v1/households/{id}/contacts/": {"get", "post"},
    "/api/v1/households/{id}/referrals/": {"post"},
    "/api/v1/referrals/": {"get"},
    "/api/v1/referrals/{id}/": {"get"},
    "/api/v1/referrals/{id}/accept/": {"post"},
    "/api/v1/referrals/{id}/decline/": {"post"},
    "/api/v1/referrals/{id}/withdraw/": {"post"},
    "/api/v1/households/{id}/outcome-records/": {"get", "post"},
    "/api/v1/households/{id}/outcome-reviews/": {"get", "post"},
}
PAGE_PARAMETERS = {"page", "page_size", "changed_since", "cursor"}


def test_schema_endpoint_serves_valid_openapi3():
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    assert {p: set(ops) - {"parameters"} for p, ops in schema["paths"].items()} == PATHS
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    # Errors are documented as problem+json; lists as pages.
    create = schema["paths"]["/api/v1/households/"]["post"]["responses"]
    assert "application/problem+json" in create["400"]["content"]
    people = schema["paths"]["/api/v1/people/"]["get"]
    assert {p["name"] for p in people["parameters"]} == {"q", *PAGE_PARAMETERS}
    # An update always needs the version read (the optimistic lock).
    patch = schema["paths"]["/api/v1/people/{id}/"]["patch"]["requestBody"]["content"][
        "application/json"
    ]
    name = patch["schema"]["$ref"].rsplit("/", 1)[1]
    assert "version" in schema["components"]["schemas"][name]["required"]


def test_schema_json():
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert set(response.json()["paths"]) == set(PATHS)


def test_schema_generates_without_warnings(tmp_path):
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "s.yaml"),
        stderr=io.StringIO(),
    )


def test_docs_page_uses_only_same_origin_scripts_and_styles():
    client = APIClient()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<style" not in html and " style=" not in html
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    script = next(s for s in sources if "script" in s)
    init = client.get(script)
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in init.content.decode()


def _operations(schema):
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            if method != "parameters":
                yield path, method, op


def test_every_operation_has_examples_and_every_list_syncs():
    """R-IMPORT-2: every route has an example (request or response); every list is paginated and
    takes changed_since; every create takes an Idempotency-Key and documents its 422."""
    schema = yaml.safe_load(APIClient().get("/api/schema/").content)
    missing, lists, creates = [], [], []
    for path, method, op in _operations(schema):
        contents = [
            c
            for r in op["responses"].values()
            for c in r.get("content", {}).values()
            if r is not None
        ] + list(op.get("requestBody", {}).get("content", {}).values())
        if not any(c.get("examples") for c in contents):
            missing.append(f"{method.upper()} {path}")
        names = {p["name"] for p in op.get("parameters", [])}
        ok = op["responses"].get("200", {}).get("content", {}).get("application/json", {})
        if method == "get" and "Paginated" in ok.get("schema", {}).get("$ref", ""):
            lists.append(path)
            assert names >= PAGE_PARAMETERS, (path, names)
            assert "400" in op["responses"], path  # a bad changed_since or cursor
        if method == "post" and "201" in op["responses"]:
            creates.append(path)
            assert "Idempotency-Key" in names, path
            assert "422" in op["responses"], path
    assert not missing, f"operations without an example: {missing}"
    assert len(lists) == 10, lists
    assert len(creates) == 9, creates
