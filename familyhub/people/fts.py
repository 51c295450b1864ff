"""The SQLite full-text (trigram) index of names, kept in step with people_person by triggers.

SQLite rebuilds a table for some schema changes (a new column, for one), and dropping the old
table drops its triggers: every migration that changes people_person on SQLite must end with
`restore_sqlite_triggers` (see people/0004).
"""

from __future__ import annotations

from typing import Any

TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS people_person_fts_ai AFTER INSERT ON people_person BEGIN "
    "INSERT INTO people_person_fts(rowid, search_name) VALUES (new.id, new.search_name); END",
    "CREATE TRIGGER IF NOT EXISTS people_person_fts_ad AFTER DELETE ON people_person BEGIN "
    "INSERT INTO people_person_fts(people_person_fts, rowid, search_name) "
    "VALUES ('delete', old.id, old.search_name); END",
    "CREATE TRIGGER IF NOT EXISTS people_person_fts_au AFTER UPDATE OF search_name ON people_person "
    "BEGIN INSERT INTO people_person_fts(people_person_fts, rowid, search_name) "
    "VALUES ('delete', old.id, old.search_name); "
    "INSERT INTO people_person_fts(rowid, search_name) VALUES (new.id, new.search_name); END",
]


def restore_sqlite_triggers(apps: Any, schema_editor: Any) -> None:
    """Recreate the triggers and rebuild the index from the table (a migration step)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        for sql in TRIGGERS:
            cursor.execute(sql)
        cursor.execute("INSERT INTO people_person_fts(people_person_fts) VALUES ('rebuild')")
