from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse


def posted(request: HttpRequest) -> Any:
    """The data to bind a form to: the POST body on a POST (even an empty one), else None.

    `request.POST or None` leaves a form unbound on an empty POST, which then has no errors
    to show and no cleaned data to read.
    """
    return request.POST if request.method == "POST" else None


def csv_attachment(content: bytes, name: str) -> HttpResponse:
    """A CSV file to download, never cached (it may hold personal data)."""
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
