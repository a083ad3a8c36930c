"""Trigram index for the registry search (PostgreSQL only).

`Establishment.name_folded` (name and trade name, lower-case, accents and đ folded) is searched
with `name_folded LIKE '%word%'` per word (`establishments.selectors`); a pg_trgm GIN index
serves that on 200,000 rows. On SQLite the b-tree index of 0001 stays.
"""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS est_name_folded_trgm "
        "ON establishments_establishment USING gin (name_folded gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS est_name_folded_trgm")


class Migration(migrations.Migration):
    dependencies = [("establishments", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
