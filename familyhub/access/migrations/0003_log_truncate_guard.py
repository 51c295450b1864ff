"""TRUNCATE is refused on both log tables; only a test database flush may empty them.

Django's test runner empties a PostgreSQL database between browser tests with TRUNCATE. The test
suite (and nothing else) sets the session setting `familyhub.test_flush` to 'on' for that; the
product never sets it. UPDATE and DELETE stay refused without exception (ADR 0005).
"""

from django.db import migrations

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION familyhub_refuse_log_change() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' AND current_setting('familyhub.test_flush', true) = 'on' THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'the access log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER access_log_subject_truncate_refused
    BEFORE TRUNCATE ON access_accesslogsubject
    FOR EACH STATEMENT EXECUTE FUNCTION familyhub_refuse_log_change()
    """,
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS access_log_subject_truncate_refused ON access_accesslogsubject",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("access", "0002_append_only_log")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
