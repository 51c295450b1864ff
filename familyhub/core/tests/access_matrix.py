"""The access matrix: who gets what from every URL of the project (R-ACCESS-1, R-ACCESS-2).

The table itself is declared in `test_authorization_matrix.py` (the test proves it against the
running application); this module holds its vocabulary, walks the URLconf, and renders the table as
docs/access-matrix.md. Regenerate the document after changing the table or the routes:

    .venv/bin/python -m familyhub.core.tests.access_matrix

`test_access_matrix_doc_is_current` fails when the committed document and the rendering differ.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The personas of `familyhub.core.testing.build_personas()`, in the table's column order.
PERSONAS: tuple[str, ...] = (
    "practitioner",
    "group_worker",
    "team_manager",
    "partner_staff",
    "analyst",
    "dpo",
    "admin",
    "other_org_staff",
    "anonymous",
)
PERSONA_LABELS = {
    "practitioner": "Practitioner (lead org)",
    "group_worker": "Group worker (lead org)",
    "team_manager": "Team manager (lead org)",
    "partner_staff": "Partner org staff",
    "analyst": "Analyst",
    "dpo": "DPO",
    "admin": "Admin",
    "other_org_staff": "Practitioner of another org",
    "anonymous": "Not signed in",
}

OK = "ok"
LOGIN = "login"
FORBIDDEN = "forbidden"
NOT_FOUND = "404"
NOT_ALLOWED = "405"
INVALID = "invalid"
OUTCOMES = {
    OK: "allowed: 200 (or 201/204), or a redirect to a page other than sign-in",
    LOGIN: "sign-in needed: web pages redirect to /sign-in/?next=…; the API answers 401 problem+json",
    FORBIDDEN: "403: the role does not include this kind of work (decided before any record is read)",
    NOT_FOUND: "404: no such record, or not in the user's need-to-know scope; the two are "
    "indistinguishable (same status, same body)",
    NOT_ALLOWED: "405: the route does not accept this method",
    INVALID: "allowed, and the empty request was refused as invalid (API 400 problem+json)",
}

# Passes over a record route: the lead organisation's family (personas.household, or one of its
# members), the partner organisation's family (personas.partner_household), and a random uuid4.
LEAD = "lead"
PARTNER = "partner"
MISSING = "missing"
PASS_LABELS = {
    LEAD: "lead org's family",
    PARTNER: "partner org's family",
    MISSING: "no such record",
    "": "",
}

Row = dict[str, str]


def row(spec: str) -> Row:
    """'ok ok ok 404 forbidden forbidden forbidden 404 login' -> {persona: outcome}, in PERSONAS order."""
    outcomes = spec.split()
    if len(outcomes) != len(PERSONAS):
        raise ValueError(f"a row needs {len(PERSONAS)} outcomes, got {len(outcomes)}: {spec!r}")
    unknown = set(outcomes) - set(OUTCOMES)
    if unknown:
        raise ValueError(f"unknown outcome(s) {sorted(unknown)} in {spec!r}")
    return dict(zip(PERSONAS, outcomes, strict=True))


def missing_row(lead: Row) -> Row:
    """A record that does not exist: 404 for everyone who reaches the lookup, else as for a real one."""
    return {p: (NOT_FOUND if o in (OK, INVALID, NOT_FOUND) else o) for p, o in lead.items()}


@dataclass(frozen=True)
class Route:
    """Expected outcomes per method. `record` routes give (lead family row, partner family row)."""

    methods: Mapping[str, Any]
    record: str | None = None  # "household" or "person": which record fills the URL's id
    api: bool = False
    sample_path: str | None = None  # for unnamed or regex routes: a concrete path to request
    note: str = ""
    # Makes the rows the route needs before it is requested: setup(personas), e.g. a published
    # privacy notice for /privacy-notice/v1/.
    setup: Any = field(default=None, compare=False, repr=False)

    def passes(self) -> tuple[str, ...]:
        return (LEAD, PARTNER, MISSING) if self.record else ("",)

    def expected(self, method: str, pass_: str) -> Row:
        spec = self.methods[method]
        if not self.record:
            return spec
        lead, partner = spec
        return {LEAD: lead, PARTNER: partner, MISSING: missing_row(lead)}[pass_]


@dataclass(frozen=True)
class FoundRoute:
    key: str  # the URL name ("people:search"), or the route itself for an unnamed pattern
    route: str  # "families/<uuid:household_id>/"
    name: str | None
    pattern: Any = field(compare=False, repr=False)

    @property
    def api(self) -> bool:
        return self.route.startswith("api/")


SKIPPED_PREFIXES = ("static/", "media", "admin/", "__debug__/")


def walk_urlpatterns(
    patterns: Iterable[Any] | None = None, prefix: str = "", namespace: str | None = None
) -> Iterator[FoundRoute]:
    """Every URL pattern of the project, depth first, with its full route and namespaced name."""
    from django.urls import URLPattern, URLResolver, get_resolver

    if patterns is None:
        patterns = get_resolver().url_patterns
    for p in patterns:
        route = prefix + str(p.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(p, URLResolver):
            ns = ":".join(x for x in (namespace, p.namespace) if x) or None
            yield from walk_urlpatterns(p.url_patterns, route, ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if (namespace and p.name) else p.name
            yield FoundRoute(key=name or route, route=route, name=name, pattern=p)


def _cell(outcome: str) -> str:
    return {
        OK: "ok",
        LOGIN: "login",
        FORBIDDEN: "**403**",
        NOT_FOUND: "404",
        NOT_ALLOWED: "405",
        INVALID: "ok (400)",
    }[outcome]


def render_markdown(table: Mapping[str, Route], found: Iterable[FoundRoute]) -> str:
    """docs/access-matrix.md: one line per route, method and record, one column per persona."""
    found = [f for f in found if f.key in table]
    lines = [
        "# Access matrix",
        "",
        "Who gets what from every route of familyhub (R-ACCESS-1 roles, R-ACCESS-2 need to know).",
        "",
        "Generated from the table in `familyhub/core/tests/test_authorization_matrix.py` by "
        "`.venv/bin/python -m familyhub.core.tests.access_matrix`; do not edit by hand. That test "
        "requests every route as every persona and fails when the application and this table "
        "differ, when a route is not in the table, or when this document is out of date.",
        "",
        "Personas (`familyhub.core.testing.build_personas()`): the practitioner, group worker, team "
        "manager, analyst, DPO and admin work for the lead organisation; partner org staff work for a "
        "delivery partner; the last staff column is a practitioner of a third organisation.",
        "Record routes are requested three times: with the lead organisation's family (or one of its "
        "members), with the partner organisation's family, and with a random id. Need to know is by "
        "allocation (`familyhub/access/scopes.py`): a family is in scope for the organisations with "
        "an open case allocation for it.",
        "",
        "Outcomes:",
        "",
    ]
    lines += [f"- **{_cell(k).strip('*')}**: {v}" for k, v in OUTCOMES.items()]
    header = (
        "| Route | Name | Method | Record | "
        + " | ".join(PERSONA_LABELS[p] for p in PERSONAS)
        + " |"
    )
    rule = "|" + "---|" * (4 + len(PERSONAS))
    for title, api in (("Staff web UI", False), ("REST API", True)):
        section = [f for f in found if f.api == api]
        if not section:
            continue
        lines += ["", f"## {title}", "", header, rule]
        for f in sorted(section, key=lambda f: f.route):
            spec = table[f.key]
            for method in sorted(spec.methods, key=_method_order):
                for pass_ in spec.passes():
                    expected = spec.expected(method, pass_)
                    cells = [
                        f"`/{f.route}`",
                        f"`{f.name}`" if f.name else "(unnamed)",
                        method,
                        PASS_LABELS[pass_],
                    ]
                    cells += [_cell(expected[p]) for p in PERSONAS]
                    lines.append("| " + " | ".join(cells) + " |")
        notes = [
            (f, table[f.key].note)
            for f in sorted(section, key=lambda f: f.route)
            if table[f.key].note
        ]
        if notes:
            lines += ["", "Notes:", ""]
            lines += [f"- `/{f.route}`: {note}" for f, note in notes]
    return "\n".join(lines) + "\n"


def _method_order(method: str) -> int:
    order = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return order.index(method) if method in order else len(order)


def doc_path() -> Path:
    return Path(__file__).resolve().parents[3] / "docs" / "access-matrix.md"


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "familyhub.config.settings")
    import django

    django.setup()
    from familyhub.core.tests.test_authorization_matrix import TABLE

    text = render_markdown(TABLE, walk_urlpatterns())
    doc_path().write_text(text, encoding="utf-8")
    print(f"wrote {doc_path()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
