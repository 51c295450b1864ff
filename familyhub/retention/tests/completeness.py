"""Dumping everything familyhub stores, to prove an erasure complete (R-RIGHTS-4).

`database_text()` is the whole database as text: SQLite's own dump (`iterdump`: every row of every
table, the search index's shadow tables included), or on PostgreSQL every row of every table cast to
text. Binary values (SQLite blobs, PostgreSQL bytea) are decoded and appended, so that a value
hidden in a blob is found too. `files_text(root)` is every file under a folder, ZIP members
included, with the file names.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from django.db import connection

_SQLITE_BLOB = re.compile(r"X'([0-9a-fA-F]+)'")
_PG_BYTEA = re.compile(r"\\\\x([0-9a-fA-F]+)")


def _decoded(text: str, pattern: re.Pattern[str]) -> str:
    parts = []
    for m in pattern.finditer(text):
        try:
            parts.append(bytes.fromhex(m.group(1)).decode("latin-1"))
        except ValueError:
            continue
    return "\n".join(parts)


def database_text() -> str:
    """Every row of every table, as text (lines), plus the decoded binary values."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        dump = "\n".join(connection.connection.iterdump())
        return dump + "\n" + _decoded(dump, _SQLITE_BLOB)
    lines: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor, include_views=False):
            cursor.execute(f'SELECT t::text FROM "{table}" t')
            lines.extend(f"{table}: {row[0]}" for row in cursor.fetchall())
    dump = "\n".join(lines)
    return dump + "\n" + _decoded(dump, _PG_BYTEA)


def files_text(root: Path) -> str:
    """Every file under `root` (names and contents, ZIP members unpacked), as text."""
    if not root.exists():
        return ""
    parts: list[str] = []
    for path in sorted(root.rglob("*")):
        parts.append(str(path.relative_to(root)))
        if path.is_file():
            data = path.read_bytes()
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as z:
                    data += b"".join(z.read(m) for m in z.infolist() if not m.is_dir())
            parts.append(data.decode("latin-1"))
    return "\n".join(parts)


def lines_with(text: str, value: str) -> list[str]:
    """The lines of `text` that contain `value` (case-insensitive), shortened for a message."""
    needle = value.lower()
    return [line[:300] for line in text.splitlines() if needle in line.lower()]
