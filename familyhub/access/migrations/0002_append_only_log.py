"""On PostgreSQL the database itself refuses UPDATE and DELETE on the access log (invariant 6).

SQLite has no such guard that the application could not drop; there the hash chain and
`familyhub verify-access-log` find any change (ADR 0005).
"""

from django.db import migrations

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION familyhub_refuse_log_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'the access log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER access_log_entry_append_only
    BEFORE UPDATE OR DELETE ON access_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION familyhub_refuse_log_change()
    """,
    """
    CREATE TRIGGER access_log_subject_append_only
    BEFORE UPDATE OR DELETE ON access_accesslogsubject
    FOR EACH ROW EXECUTE FUNCTION familyhub_refuse_log_change()
    """,
    """
    CREATE TRIGGER access_log_truncate_refused
    BEFORE TRUNCATE ON access_accesslogentry
    FOR EACH STATEMENT EXECUTE FUNCTION familyhub_refuse_log_change()
    """,
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS access_log_truncate_refused ON access_accesslogentry",
    "DROP TRIGGER IF EXISTS access_log_subject_append_only ON access_accesslogsubject",
    "DROP TRIGGER IF EXISTS access_log_entry_append_only ON access_accesslogentry",
    "DROP FUNCTION IF EXISTS familyhub_refuse_log_change()",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("access", "0001_initial")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
