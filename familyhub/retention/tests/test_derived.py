"""Erasure reaches the derived stores (R-RIGHTS-4): generated exports, uploaded files, caches."""

from __future__ import annotations

import ast
import zipfile
from pathlib import Path

import pytest

from familyhub.retention import derived

PACKAGE = Path(derived.__file__).resolve().parents[1]


def test_no_code_caches_personal_data_without_a_cleaner():
    """Django's cache is not used; code that starts caching must add its cleaner to
    retention/derived.py (and list its module here)."""
    allowed = {"familyhub/retention/derived.py"}
    found = []
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if any(n.startswith("django.core.cache") for n in names):
                relative = str(path.relative_to(PACKAGE.parent))
                if relative not in allowed:
                    found.append(relative)
    assert not found, f"modules using Django's cache without an erasure cleaner: {found}"


def test_exports_mentioning_the_person_are_removed(settings, tmp_path):
    settings.FAMILYHUB_EXPORTS_DIR = tmp_path
    uid = "0b1e60bd-0445-4227-958d-975aceba0b55"
    (tmp_path / "list.csv").write_text(
        "given_name,family_name\nAnna,Smith\n"
    )  # both names on a line
    (tmp_path / "other.csv").write_text("given_name,family_name\nAnna,Jones\nBob,Smith\n")
    (tmp_path / "nhs.txt").write_text("patient 999 000 0018 seen")
    (tmp_path / uid).mkdir()
    (tmp_path / uid / "pack.json").write_text("{}")
    with zipfile.ZipFile(tmp_path / "report.xlsx", "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", "<t>anna.smith@example.org</t>")
    with zipfile.ZipFile(tmp_path / "clean.xlsx", "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", "<t>bob@example.org</t>")
    removed = derived.clean_exports(
        uuids={uid},
        strings=["999 000 0018", "anna.smith@example.org", "Anna Smith"],
        people=[("Anna", "Smith")],
    )
    assert removed == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean.xlsx", "other.csv"]


@pytest.mark.django_db
def test_a_file_still_used_by_a_kept_row_stays(settings, tmp_path, personas):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from familyhub.privacy.models import Consent
    from familyhub.privacy.testing import make_purpose

    settings.MEDIA_ROOT = tmp_path
    person = personas.household.memberships.first().person
    name = default_storage.save(f"consent-evidence/{person.uuid}/a.pdf", ContentFile(b"scan"))
    gone = default_storage.save(f"consent-evidence/{person.uuid}/b.pdf", ContentFile(b"scan"))
    Consent.objects.create(
        person=person,
        purpose=make_purpose(),
        state="given",
        decided_on="2026-01-01",
        method="paper",
        evidence=name,
    )
    assert derived.remove_files({gone}, {str(person.uuid)}) == 1
    assert (tmp_path / name).exists() and not (tmp_path / gone).exists()
