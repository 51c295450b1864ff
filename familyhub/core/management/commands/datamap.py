"""`familyhub datamap`: the data map (familyhub/core/datamap.py) as a readable Markdown document.

    familyhub datamap                            print it
    familyhub datamap --output docs/data-map.md  write it
    familyhub datamap --check                    exit 1 if docs/data-map.md is out of date

The test suite runs the same check (familyhub/core/tests/test_datamap.py), so the document in the
repository always says what the code does.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.management.base import BaseCommand, CommandError, CommandParser

from familyhub.core.datamap import DATA_MAP, Category, FieldClass, Retention

DEFAULT_PATH = Path("docs") / "data-map.md"
REGENERATE = "familyhub datamap --output docs/data-map.md"


def _cell(text: str) -> str:
    """A value that cannot break a Markdown table row."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _verbose_name(model: Any, field_name: str) -> str:
    if model is None:
        return ""
    try:
        f = model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return ""
    return str(getattr(f, "verbose_name", "") or field_name)


def _field_order(model: Any, classified: dict[str, FieldClass]) -> list[str]:
    """The model's own field order (what a reader sees in the code), then anything else."""
    if model is None:
        return list(classified)
    own = [f.name for f in model._meta.get_fields() if f.name in classified]
    return own + [name for name in classified if name not in own]


def render_markdown() -> str:
    """The whole document, deterministic (no dates), so that it can be compared with the file."""
    lines = [
        "# Data map",
        "",
        "Every field of every familyhub model, classified: what kind of information it holds, whose "
        "it is and how long it is kept. Subject access packs, erasure, retention, extracts and the "
        "privacy notice are driven from this classification, and a test fails when a model field "
        "is left out of it.",
        "",
        f"Generated from `familyhub/core/datamap.py` by `{REGENERATE}`; do not edit by hand "
        "(`familyhub datamap --check` and the test suite fail when this file is out of date).",
        "",
    ]

    counts: Counter[Category] = Counter(
        fc.category for fields in DATA_MAP.values() for fc in fields.values()
    )
    lines += ["## Categories", "", "| category | personal data | fields |", "|---|---|---|"]
    for category in Category:
        personal = "no" if category is Category.NOT_PERSONAL else "yes"
        lines.append(f"| {category.value} | {personal} | {counts.get(category, 0)} |")
    lines += ["", "## Retention rules", ""]
    lines += [f"- {r.value}" for r in Retention if r is not Retention.NONE]

    special = [
        f"`{label}.{name}`"
        for label, fields in DATA_MAP.items()
        for name, fc in fields.items()
        if fc.category is Category.SPECIAL
    ]
    lines += [
        "",
        "## Special category data (UK GDPR Article 9)",
        "",
        "Shown only to roles with the special-category capability (`familyhub/access/roles.py`); "
        "changes to these fields are hidden in the history from roles without it.",
        "",
        ", ".join(special) if special else "None.",
        "",
        "## Fields by model",
    ]

    for label, classified in DATA_MAP.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            model = None
        heading = label if model is None else f"{label} ({model._meta.verbose_name})"
        lines += [
            "",
            f"### {heading}",
            "",
            "| model | field | verbose name | category | subject | retention | description |",
            "|---|---|---|---|---|---|---|",
        ]
        for name in _field_order(model, classified):
            fc = classified[name]
            row = [
                label,
                f"`{name}`",
                _verbose_name(model, name),
                fc.category.value,
                fc.subject.value,
                fc.retention.value,
                fc.description,
            ]
            lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def default_path() -> Path:
    return Path(settings.PROJECT_DIR) / DEFAULT_PATH


class Command(BaseCommand):
    help = "Print the data map (field classification) as Markdown, write it, or check the file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            "-o",
            metavar="PATH",
            help=f"write the Markdown to PATH (the repository keeps it in {DEFAULT_PATH})",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help=f"exit 1 if the file (--output, default {DEFAULT_PATH}) differs from the data map",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = render_markdown()
        output = options.get("output")
        if options["check"]:
            path = Path(output) if output else default_path()
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current != text:
                state = "is missing" if current is None else "is out of date"
                raise CommandError(f"{path} {state}: run `{REGENERATE}`", returncode=1)
            self.stdout.write(f"{path} is up to date.")
            return
        if output:
            path = Path(output)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {path}.")
            return
        self.stdout.write(text, ending="")
