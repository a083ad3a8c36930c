"""Trigram index for accent-insensitive procedure search (PostgreSQL only).

`name_folded` is already lower-case and accent-free, so the search runs
`name_folded LIKE '%word%'`, which a pg_trgm GIN index serves. On SQLite the
plain b-tree index of 0001 stays; the catalogue is small there.
"""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS catalog_procedure_name_trgm "
        "ON catalog_procedure USING gin (name_folded gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS catalog_procedure_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
