"""Views and the API cannot bypass the read and write paths (invariants 1 and 2; R-ACCESS-2, R-ACCESS-3).

Static checks over the source (ast, not regular expressions, so comments and strings do not count):

- no view or API module touches a people model's manager (`Person.objects`, ...): reads go through
  `familyhub.access.helpers`, which scope in SQL, log, and answer 404 alike for missing and forbidden;
- no view or API module writes those models itself (`.save()`, `.delete()`, `.objects.create()`,
  bulk writes): writes go through services, which validate, record history and log;
- every staff page that reads personal data is wrapped by `staff_view` with a capability, and every
  API route over people and households requires sign-in and VIEW_PEOPLE.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from familyhub.access.roles import Capability

PACKAGE = Path(__file__).resolve().parents[2]  # familyhub/

PROTECTED_MODELS = frozenset(
    {
        "Person",
        "Household",
        "Membership",
        "Relationship",
        "Address",
        "PersonIdentifier",
        "CaseAllocation",
        "ChangeRecord",
    }
)
MANAGER_ATTRIBUTES = frozenset({"objects", "_default_manager", "_base_manager"})
WRITE_METHODS = frozenset(
    {"save", "delete", "create", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
)


def read_path_modules() -> list[Path]:
    """familyhub/*/views*.py, familyhub/*/views/*.py and familyhub/api/**/*.py, tests excluded."""
    found: set[Path] = set()
    found.update(PACKAGE.glob("*/views*.py"))
    found.update(PACKAGE.glob("*/views/*.py"))
    found.update(PACKAGE.glob("api/*.py"))
    found.update(PACKAGE.glob("api/**/*.py"))
    return sorted(p for p in found if "tests" not in p.relative_to(PACKAGE).parts)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


def _protected_aliases(tree: ast.AST) -> set[str]:
    """Local names bound to a protected model: `from ...models import Person as P` gives {'P'}."""
    names = set(PROTECTED_MODELS)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in PROTECTED_MODELS and alias.asname:
                    names.add(alias.asname)
    return names


def _model_name(node: ast.AST, aliases: set[str]) -> str | None:
    """'Person' for `Person` or `models.Person` (or an alias of it), else None."""
    if isinstance(node, ast.Name) and node.id in aliases:
        return node.id
    if isinstance(node, ast.Attribute) and node.attr in PROTECTED_MODELS:
        return node.attr
    return None


# Functions that return querysets of people or households (the scoped read path).
SCOPED_QUERYSETS = frozenset(
    {
        "people_visible_to",
        "households_visible_to",
        "people_in_scope",
        "households_in_scope",
        "household_queryset_for_page",
        "person_list",
        "household_list",
    }
)


def _is_people_queryset_chain(node: ast.AST, aliases: set[str]) -> bool:
    """`access.people_visible_to(u).filter(...)` or `Person.objects.filter(...)`: a chain of calls
    that starts from a scoped queryset or a protected model."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in SCOPED_QUERYSETS or _model_name(node, aliases):
                return True
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id in SCOPED_QUERYSETS or node.id in aliases
        else:
            return False


def _is_own_model_chain(node: ast.AST, aliases: set[str]) -> bool:
    """`IdempotencyKey.objects.filter(...)`: a queryset chain from the manager of a model that is
    not a protected one (only the API's own bookkeeping models are named so in these modules)."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in MANAGER_ATTRIBUTES:
                return isinstance(node.value, ast.Name) and node.value.id in OWN_MODELS
            node = node.value
        else:
            return False


# Models of the API app itself, which hold no family data (api.IdempotencyKey: ADR 0022).
OWN_MODELS = frozenset({"IdempotencyKey"})


def check_source(source: str, path: str = "<source>") -> list[Finding]:
    tree = ast.parse(source, filename=path)
    aliases = _protected_aliases(tree)
    lines = source.splitlines()
    findings: list[Finding] = []

    def add(node: ast.AST, why: str) -> None:
        line = getattr(node, "lineno", 0)
        text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        findings.append(Finding(path, line, f"{why}: {text}"))

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in MANAGER_ATTRIBUTES:
            model = _model_name(node.value, aliases)
            if model:
                add(node, f"{model}.{node.attr} (read through familyhub.access.helpers)")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method, receiver = node.func.attr, node.func.value
            if method == "delete" and _is_own_model_chain(receiver, aliases):
                pass  # the API's own bookkeeping (idempotency keys): no personal data
            elif method in ("save", "delete"):
                # An instance's save()/delete(): views and the API have no business calling either
                # on anything (forms never save here; sessions save themselves).
                add(node, f".{method}() in a view or API module (write through a service)")
            elif (method in WRITE_METHODS or method == "update") and _is_people_queryset_chain(
                receiver, aliases
            ):
                add(node, f".{method}() on a people model or queryset (write through a service)")
    return findings


MODULES = read_path_modules()


def test_the_lint_sees_the_view_and_api_modules():
    rel = {str(p.relative_to(PACKAGE)) for p in MODULES}
    assert {"core/views.py", "people/views/records.py", "people/views/search.py"} <= rel, rel
    assert any(r.startswith("api/") for r in rel), rel


@pytest.mark.parametrize(
    "source",
    [
        "from familyhub.people.models import Person\nPerson.objects.filter(pk=1)",
        "from familyhub.people.models import Person as P\nP.objects.all()",
        "from familyhub.people import models\nmodels.Household.objects.get(pk=1)",
        "from familyhub.core.models import ChangeRecord\nChangeRecord._default_manager.all()",
        "CaseAllocation.objects.create(household=h)",
        "person.save()",
        "relationship.delete()",
        "Person.objects.filter(pk=1).delete()",
        "key.delete()",
        "access.people_visible_to(user).filter(pk=1).update(phone='')",
        "access.people_visible_to(user).bulk_create([])",
        "Address.objects.bulk_create([])",
    ],
)
def test_the_lint_catches(source):
    assert check_source(source), f"not caught: {source!r}"


@pytest.mark.parametrize(
    "source",
    [
        "access.person_for(user, pk)",
        "draft.update({'name': 'x'})",
        "IdempotencyKey.objects.filter(pk=1).delete()",
        "Ward.objects.all()",  # reference data is not personal data
        "ApiToken.objects.filter(pk=1).update(last_used_at=now)",  # not a family's record
        "services.person_update(actor=user, person=p, data={}, expected_version=1)",
        "# Person.objects in a comment\n'Person.objects in a string'",
    ],
)
def test_the_lint_allows(source):
    assert not check_source(source), check_source(source)


def test_no_view_or_api_module_reads_or_writes_people_models_directly():
    """Invariant 2 (one read path) and invariant 1 (one write path), for views and the API."""
    findings: list[Finding] = []
    for path in MODULES:
        findings += check_source(
            path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent))
        )
    assert not findings, "bypasses of the access helpers / services:\n" + "\n".join(
        map(str, findings)
    )


# --- staff_view on every staff page, permissions on every API route ---------------------------


def _patterns(patterns=None, prefix="", namespace=None):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(x for x in (namespace, p.namespace) if x) or None
            yield from _patterns(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), namespace, p


PEOPLE_ROUTES = [(route, p) for route, ns, p in _patterns() if ns == "people"]
PERSONAL_DATA_CAPABILITIES = {Capability.VIEW_PEOPLE, Capability.EDIT_PEOPLE}


def test_people_routes_exist():
    assert len(PEOPLE_ROUTES) >= 10


@pytest.mark.parametrize("route,pattern", PEOPLE_ROUTES, ids=[r for r, _ in PEOPLE_ROUTES])
def test_every_people_route_is_a_staff_view_with_a_capability(route, pattern):
    """R-ACCESS-1: signed in, and a role that works with family records, before anything is read."""
    capability = getattr(pattern.callback, "required_capability", "<no staff_view>")
    assert capability in PERSONAL_DATA_CAPABILITIES, (
        f"/{route} ({pattern.name}): required_capability={capability!r}; wrap the view in "
        "@staff_view(Capability.VIEW_PEOPLE or EDIT_PEOPLE)"
    )


def _decorator_names(func: ast.FunctionDef) -> set[str]:
    names = set()
    for dec in func.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        if isinstance(target, ast.Attribute):
            names.add(target.attr)
        elif isinstance(target, ast.Name):
            names.add(target.id)
    return names


def _uses_access_helpers(func: ast.FunctionDef) -> bool:
    for node in ast.walk(func):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("access", "selectors", "search")
        ):
            return True
    return False


def test_every_view_function_that_reads_personal_data_is_a_staff_view():
    """Also views not (yet) routed: a public function taking `request` that calls the access
    helpers, selectors or search in people/views or core/views must carry @staff_view."""
    files = [*sorted(PACKAGE.glob("people/views/*.py")), PACKAGE / "core" / "views.py"]
    bare = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            args = [a.arg for a in node.args.args]
            if args[:1] != ["request"]:
                continue
            if _uses_access_helpers(node) and "staff_view" not in _decorator_names(node):
                bare.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}")
    assert not bare, f"views reading personal data without @staff_view: {bare}"


API_ROUTES = [(route, p) for route, ns, p in _patterns() if route.startswith("api/v1/")]


@pytest.mark.skipif(not API_ROUTES, reason="familyhub/api/urls.py has no v1 routes yet")
def test_every_api_route_requires_sign_in_and_view_people():
    from rest_framework.permissions import IsAuthenticated

    from familyhub.api.permissions import HasCapability

    weak = []
    for route, pattern in API_ROUTES:
        view_class = getattr(pattern.callback, "view_class", None) or getattr(
            pattern.callback, "cls", None
        )
        perms = list(getattr(view_class, "permission_classes", []))
        signed_in = any(issubclass(p, IsAuthenticated) for p in perms)
        viewers = any(
            issubclass(p, HasCapability)
            and p.capability == Capability.VIEW_PEOPLE
            and not p.unsafe_only
            for p in perms
        )
        if not (signed_in and viewers):
            weak.append(f"/{route}: {[p.__name__ for p in perms]}")
    assert not weak, f"API routes without IsAuthenticated + VIEW_PEOPLE: {weak}"
