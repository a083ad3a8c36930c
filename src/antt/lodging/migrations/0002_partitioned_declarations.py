"""`lodging_declaration` as a table partitioned by month of `arrived_at` (PostgreSQL only).

0001 created an ordinary table (what SQLite keeps). Here, on PostgreSQL, the empty table is
replaced by a partitioned one with the same columns; its primary key must include the partition
key, so it is (id, arrived_at) — ids stay unique because they come from one sequence
(`lodging.ids`). The indexes of the model's Meta are created on the parent (each partition gets
its own), plus a full-text index over the folded name (`to_tsvector('simple', name_folded)`: a
word of a name is found whatever its accents, "nguyen van an" finds "Nguyễn Văn An").
Partitions: DEFAULT plus the months from January 2025 to twelve months after today; the nightly
`lodging_daily` keeps three months ahead (`lodging.partitions`).
"""

from datetime import date

from django.db import migrations


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from antt.lodging.partitions import ensure_partitions, next_month

    model = apps.get_model("lodging", "Declaration")
    table = model._meta.db_table
    sql, params = schema_editor.table_sql(model)
    assert '"id" bigint NOT NULL PRIMARY KEY' in sql, sql
    sql = sql.replace('"id" bigint NOT NULL PRIMARY KEY', '"id" bigint NOT NULL')
    sql = sql.rstrip().rstrip(")") + ', PRIMARY KEY ("id", "arrived_at")) PARTITION BY RANGE ("arrived_at")'
    schema_editor.execute(f"DROP TABLE {table}")
    schema_editor.execute(sql, params or None)
    for index in model._meta.indexes:
        schema_editor.add_index(model, index)
    schema_editor.execute(
        f"CREATE INDEX lodg_decl_name_fts ON {table} USING gin (to_tsvector('simple'::regconfig, name_folded))"
    )
    schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS lodging_declaration_id_seq")
    schema_editor.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
    today = date.today()
    ensure_partitions(date(2025, 1, 1), next_month(date(today.year + 1, today.month, 1)))


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("lodging", "Declaration")
    schema_editor.execute(f"DROP TABLE {model._meta.db_table} CASCADE")
    schema_editor.execute("DROP SEQUENCE IF EXISTS lodging_declaration_id_seq")
    schema_editor.create_model(model)


class Migration(migrations.Migration):
    dependencies = [("lodging", "0001_initial")]

    operations = [migrations.RunPython(partition, unpartition)]
