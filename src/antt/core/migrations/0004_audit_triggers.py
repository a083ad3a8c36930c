"""Make the audit table append-only in the database itself.

PostgreSQL: a plpgsql trigger function raising an exception on every UPDATE or
DELETE row of core_auditevent. TRUNCATE fires no row trigger, which is what
Django's `flush` (test teardown) uses there; the application role in production
should not hold the TRUNCATE privilege on this table.

SQLite: BEFORE UPDATE / BEFORE DELETE triggers with RAISE(ABORT). Django's
`flush` empties tables with DELETE FROM on SQLite, so the DELETE trigger lets
rows go while the one-row table core_audit_unlock holds a row; only the
`flush` command (antt.core.management.commands.flush) sets it, inside the
flush's own transaction, making SQLite's flush behave like PostgreSQL's TRUNCATE.

Caveat (SQLite): a later migration that makes Django rebuild core_auditevent
(most AlterField/RemoveField) drops these triggers with the old table; such a
migration must reinstall them. `test_audit_triggers` fails if they are missing.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PG_INSTALL = """
CREATE OR REPLACE FUNCTION core_auditevent_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'core_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Nhật ký kiểm tra không thể sửa hoặc xóa.';
END;
$$;
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
CREATE TRIGGER core_auditevent_append_only
    BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_refuse_change();
"""
PG_REMOVE = """
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS core_auditevent_refuse_change();
"""
SQLITE_INSTALL = [
    "CREATE TABLE IF NOT EXISTS core_audit_unlock (id INTEGER PRIMARY KEY CHECK (id = 1))",
    """CREATE TRIGGER IF NOT EXISTS core_auditevent_no_update BEFORE UPDATE ON core_auditevent
    BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS core_auditevent_no_delete BEFORE DELETE ON core_auditevent
    WHEN NOT EXISTS (SELECT 1 FROM core_audit_unlock)
    BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only: DELETE refused'); END""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update",
    "DROP TRIGGER IF EXISTS core_auditevent_no_delete",
    "DROP TABLE IF EXISTS core_audit_unlock",
]


def _run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, [PG_INSTALL])
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_INSTALL)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, [PG_REMOVE])
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_REMOVE)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_calendar_day"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(install, remove),
    ]
