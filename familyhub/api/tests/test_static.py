"""Invariant 2, enforced on the source: the API reads people and households only through the
access helpers, never through a people model's manager."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.apps import apps

API_DIR = Path(__file__).resolve().parents[1]
MANAGERS = {"objects", "_default_manager", "_base_manager"}


def api_modules() -> list[Path]:
    return sorted(p for p in API_DIR.rglob("*.py") if "tests" not in p.relative_to(API_DIR).parts)


def people_model_names() -> set[str]:
    return {m.__name__ for m in apps.get_app_config("people").get_models()}


def test_people_models_are_what_we_think():
    assert {"Person", "Household", "Membership", "Relationship", "Address"} <= people_model_names()


def test_no_people_manager_in_api_source_text():
    models = "|".join(sorted(people_model_names()))
    managers = "|".join(sorted(MANAGERS))
    pattern = re.compile(rf"\b({models})\s*\.\s*({managers})\b")
    offenders = [
        f"{path.relative_to(API_DIR)}:{n}: {line.strip()}"
        for path in api_modules()
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line) or "get_model(" in line or ".raw(" in line
    ]
    assert not offenders, "Read through familyhub.access.helpers instead:\n" + "\n".join(offenders)


def test_no_people_manager_in_api_syntax():
    """The same, on the syntax tree: catches aliases (`from ...models import Person as P`)."""
    offenders = []
    for path in api_modules():
        tree = ast.parse(path.read_text())
        people_names = set(people_model_names())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "familyhub.people.models"
            ):
                for alias in node.names:
                    people_names.add(alias.asname or alias.name)
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "familyhub.people"
                and any(alias.name == "models" for alias in node.names)
            ):
                offenders.append(f"{path.name}: imports familyhub.people.models as a module")
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in MANAGERS
                and isinstance(node.value, ast.Name)
                and node.value.id in people_names
            ):
                offenders.append(f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}")
    assert not offenders, offenders


def test_the_check_would_catch_a_bypass(tmp_path):
    source = "from familyhub.people.models import Household as H\nH.objects.all()\n"
    tree = ast.parse(source)
    names = {a.asname for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    hits = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute)
        and n.attr == "objects"
        and isinstance(n.value, ast.Name)
        and n.value.id in names
    ]
    assert hits
