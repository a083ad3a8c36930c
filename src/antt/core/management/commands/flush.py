"""Django's `flush`, able to empty the append-only audit table on SQLite.

On PostgreSQL `flush` uses TRUNCATE, which the audit table's row triggers do not
see. On SQLite it uses DELETE FROM, which the BEFORE DELETE trigger refuses
unless core_audit_unlock holds a row (migration core.0004_audit_triggers). This
command sets that row inside the flush's own transaction and clears it before
the commit, so other connections never see the table unlocked and SQLite's
flush behaves like PostgreSQL's. Test teardown (TransactionTestCase,
pytest-django's transactional_db and live_server) runs this command.
"""

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections

UNLOCK_TABLE = "core_audit_unlock"


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options.get("database", DEFAULT_DB_ALIAS)]
        if connection.vendor != "sqlite" or UNLOCK_TABLE not in connection.introspection.table_names():
            return super().handle(**options)
        ops = connection.ops
        original = ops.execute_sql_flush

        def execute_sql_flush(sql_list):
            original(
                [
                    "INSERT OR IGNORE INTO core_audit_unlock (id) VALUES (1);",
                    *sql_list,
                    "DELETE FROM core_audit_unlock;",
                ]
            )

        ops.execute_sql_flush = execute_sql_flush
        try:
            return super().handle(**options)
        finally:
            del ops.execute_sql_flush
