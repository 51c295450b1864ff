"""Erasure in the stores derived from the database (R-RIGHTS-4, ADR 0016).

- **Uploaded files** (every `FileField` of every model, found by scanning the models: today the
  scanned consent forms): the erasure collects the files of the rows it deletes and removes them once
  the transaction has committed (a rolled-back erasure keeps its files). Files left in a folder
  named by the person's or family's id (the upload convention, e.g.
  `consent-evidence/<person id>/...`) that no row refers to any more are removed too.
- **The search index**: on PostgreSQL the search keys are columns of the person's row (and the
  trigram index over them), gone with the row; on SQLite the FTS5 index is kept in step by
  triggers, and `optimize` is run after an erasure so that the deleted entries leave its segments
  rather than only being marked deleted.
- **Generated exports** (`settings.FAMILYHUB_EXPORTS_DIR`, `var/exports` by default): anything that
  writes a file holding personal data to disk writes it there. After an erasure every file there
  that mentions the person is removed: a file in a folder named by their (or their family's) id, a
  file containing one of their full names or identifiers, or a line with both their first and last
  name (a CSV row), looking inside ZIP containers (XLSX) too. Exports are transient and can be made
  again; removing a whole file that mentions someone else too is the safe side.
- **Caches**: familyhub configures no cache and caches no personal data (the only cache is the
  per-request user object). `retention/tests/test_derived.py` fails if code starts using Django's
  cache without a cleaner added here.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Iterable
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, models, transaction

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def exports_dir() -> Path:
    return Path(settings.FAMILYHUB_EXPORTS_DIR)


def media_dir() -> Path:
    return Path(settings.MEDIA_ROOT)


def after_erasure(
    *,
    files: set[str],
    uuids: set[str],
    strings: Iterable[str],
    people: Iterable[tuple[str, str]],
) -> None:
    """Called inside the erasure's transaction: index now, files once it commits."""
    optimise_search_index()
    strings = list(strings)
    people = list(people)
    transaction.on_commit(lambda: remove_files(files, uuids))
    transaction.on_commit(lambda: clean_exports(uuids=uuids, strings=strings, people=people))


def optimise_search_index() -> None:
    """SQLite FTS5: merge the segments so deleted entries are gone, not only marked deleted."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'people_person_fts'"
        )
        if cursor.fetchone():
            cursor.execute("INSERT INTO people_person_fts(people_person_fts) VALUES ('optimize')")


def _referenced(names: set[str]) -> set[str]:
    """Which of these stored file names a row still refers to."""
    found: set[str] = set()
    if not names:
        return found
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                found.update(
                    model._default_manager.filter(**{f"{f.name}__in": names}).values_list(
                        f.name, flat=True
                    )
                )
    return found


def _remove_empty_parents(path: Path, root: Path) -> None:
    parent = path.parent
    while parent != root and root in parent.parents:
        try:
            parent.rmdir()
        except OSError:
            return
        parent = parent.parent


def remove_files(names: set[str], uuids: set[str]) -> int:
    """Delete the erased rows' files, and unreferenced files in folders named by an erased id."""
    root = media_dir()
    candidates = set(names)
    if root.is_dir():
        for top in root.iterdir():
            if not top.is_dir():
                continue
            for uuid in uuids:
                folder = top / uuid
                if folder.is_dir():
                    candidates.update(
                        str(p.relative_to(root)) for p in folder.rglob("*") if p.is_file()
                    )
    still_used = _referenced(candidates)
    removed = 0
    for name in sorted(candidates - still_used):
        if default_storage.exists(name):
            default_storage.delete(name)
            removed += 1
        if root.is_dir():
            _remove_empty_parents(root / name, root)
    return removed


def _text_of(path: Path) -> str:
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        parts = []
        with zipfile.ZipFile(path) as z:
            for member in z.infolist():
                if not member.is_dir():
                    parts.append(z.read(member))
        data = b"\n".join(parts)
    return data.decode("utf-8", errors="ignore").lower()


def mentions(text: str, strings: Iterable[str], people: Iterable[tuple[str, str]]) -> bool:
    """Whether lower-cased `text` mentions someone: one of their strings, or both names on a line."""
    if any(s.lower() in text for s in strings if s):
        return True
    for given, family in people:
        if not (given and family):
            continue
        g = re.compile(rf"\b{re.escape(given.lower())}\b")
        f = re.compile(rf"\b{re.escape(family.lower())}\b")
        for line in text.splitlines():
            if f.search(line) and g.search(line):
                return True
    return False


def clean_exports(
    *, uuids: set[str], strings: Iterable[str], people: Iterable[tuple[str, str]]
) -> int:
    """Remove every generated export that mentions an erased person or family."""
    root = exports_dir()
    if not root.is_dir():
        return 0
    strings = [*strings, *uuids]
    people = list(people)
    removed = 0
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(root).parts
        if any(part in uuids for part in relative) or mentions(_text_of(path), strings, people):
            path.unlink()
            removed += 1
            _remove_empty_parents(path, root)
    for folder in sorted(root.rglob("*"), reverse=True):
        if folder.is_dir() and folder.name in uuids:
            shutil.rmtree(folder, ignore_errors=True)
    return removed
