"""The declaration ledger is append-only in the database too (PostgreSQL).

A BEFORE UPDATE OR DELETE trigger on `lodging_declaration` refuses:
* a DELETE;
* an UPDATE of what was declared (every column except `is_current`, `state`, `departed_at`,
  `watch_hit` and the anonymisation);
* an UPDATE of the guest's personal columns other than by anonymisation (retention sets
  `anonymised_at` in the same statement, once).
Maintenance that must delete generated or benchmark rows, or a test that back-dates a row, runs
`SET LOCAL antt.ledger_maintenance = 'on'` in its transaction (`partitions.ledger_maintenance()`):
the trigger then lets it through. TRUNCATE (the test runner's flush) is not affected. SQLite keeps
the guarantee in the services only (`tests/test_review_ledger.py` checks them on both).
"""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION lodging_declaration_append_only() RETURNS trigger AS $$
BEGIN
  IF coalesce(current_setting('antt.ledger_maintenance', true), '') = 'on' THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'lodging_declaration is append-only (row %)', OLD.id;
  END IF;
  IF (NEW.id, NEW.stay_id, NEW.replaces_id, NEW.kind, NEW.establishment_id, NEW.unit_id, NEW.area_id,
      NEW.lodging_kind, NEW.room, NEW.sex, NEW.doc_type, NEW.nationality, NEW.stats_nationality,
      NEW.arrived_at, NEW.expected_departure, NEW.reason, NEW.visa_kind, NEW.visa_expiry,
      NEW.entry_date, NEW.port_of_entry, NEW.mrz_checked, NEW.declared_at, NEW.due_at, NEW.is_late,
      NEW.source, NEW.batch_id, NEW.created_by_id)
     IS DISTINCT FROM
     (OLD.id, OLD.stay_id, OLD.replaces_id, OLD.kind, OLD.establishment_id, OLD.unit_id, OLD.area_id,
      OLD.lodging_kind, OLD.room, OLD.sex, OLD.doc_type, OLD.nationality, OLD.stats_nationality,
      OLD.arrived_at, OLD.expected_departure, OLD.reason, OLD.visa_kind, OLD.visa_expiry,
      OLD.entry_date, OLD.port_of_entry, OLD.mrz_checked, OLD.declared_at, OLD.due_at, OLD.is_late,
      OLD.source, OLD.batch_id, OLD.created_by_id) THEN
    RAISE EXCEPTION 'lodging_declaration: only is_current, state, departed_at, watch_hit and anonymisation may change (row %)', OLD.id;
  END IF;
  IF NEW.anonymised_at IS NULL OR OLD.anonymised_at IS NOT NULL THEN
    IF (NEW.full_name, NEW.name_folded, NEW.birth_date, NEW.birth_year, NEW.doc_number, NEW.address,
        NEW.phone, NEW.visa_number, NEW.note, NEW.anonymised_at)
       IS DISTINCT FROM
       (OLD.full_name, OLD.name_folded, OLD.birth_date, OLD.birth_year, OLD.doc_number, OLD.address,
        OLD.phone, OLD.visa_number, OLD.note, OLD.anonymised_at) THEN
      RAISE EXCEPTION 'lodging_declaration: guest data changes only by anonymisation (row %)', OLD.id;
    END IF;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER lodging_declaration_append_only BEFORE UPDATE OR DELETE ON lodging_declaration
  FOR EACH ROW EXECUTE FUNCTION lodging_declaration_append_only();
"""
REVERSE = """
DROP TRIGGER IF EXISTS lodging_declaration_append_only ON lodging_declaration;
DROP FUNCTION IF EXISTS lodging_declaration_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL, None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE)


class Migration(migrations.Migration):
    dependencies = [("lodging", "0002_partitioned_declarations")]

    operations = [migrations.RunPython(forwards, backwards)]
