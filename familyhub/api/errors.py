"""Errors as application/problem+json (RFC 9457), naming the field that failed."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from familyhub.core.errors import ApplicationError

PROBLEM = "application/problem+json"


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}{key}" if not prefix else f"{prefix}.{key}"
            out.update(_flatten(value, name if key != "non_field_errors" else prefix))
    elif isinstance(detail, list):
        if all(not isinstance(x, dict | list) for x in detail):
            out.setdefault(prefix or "non_field_errors", []).extend(str(x) for x in detail)
        else:
            for i, value in enumerate(detail):
                out.update(_flatten(value, f"{prefix}.{i}" if prefix else str(i)))
    else:
        out.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return out


def problem(
    status_code: int,
    title: str,
    detail: str,
    errors: dict[str, list[str]] | None = None,
    code: str = "",
) -> Response:
    body: dict[str, Any] = {
        "type": f"about:blank#{code}" if code else "about:blank",
        "title": title,
        "status": status_code,
        "detail": detail,
    }
    if errors:
        body["errors"] = [{"field": f, "messages": m} for f, m in errors.items()]
    return Response(body, status=status_code, content_type=PROBLEM)


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        errors = exc.errors or ({exc.field: [exc.message]} if exc.field else None)
        return problem(exc.status, exc.title, exc.message, errors, exc.code)
    if isinstance(exc, Http404):
        return problem(
            404, "Not found", "No such record, or you do not have access to it.", code="not_found"
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first = next(iter(errors.items()))
        detail = f"{first[0]}: {first[1][0]}"
        return problem(
            status.HTTP_400_BAD_REQUEST,
            "Some details need correcting",
            detail,
            errors,
            "validation",
        )
    detail = (
        response.data.get("detail", "") if isinstance(response.data, dict) else str(response.data)
    )
    titles = {
        401: "Sign in needed",
        403: "Not allowed",
        404: "Not found",
        405: "Method not allowed",
        406: "Not acceptable",
        415: "Unsupported media type",
        429: "Too many requests",
    }
    resp = problem(response.status_code, titles.get(response.status_code, "Error"), str(detail))
    for header in ("WWW-Authenticate", "Allow", "Retry-After"):
        if header in response:
            resp[header] = response[header]
    return resp
