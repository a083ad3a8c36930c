"""The audit table refuses changes in the database, and tampering that bypasses it is detected.

The "DBA" tests switch the triggers off inside the test's transaction (rolled
back afterwards) and edit the table with raw SQL, as someone with database
access could.
"""

import contextlib
import importlib
import io
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from antt.core import audit
from antt.core.models import AuditEvent, AuditHead

triggers_migration = importlib.import_module("antt.core.migrations.0004_audit_triggers")


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@contextlib.contextmanager
def triggers_off():
    """What a DBA does before editing the table: switch the guard off, then back on."""
    if connection.vendor == "postgresql":
        _sql("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
        yield
        _sql("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")
    else:
        for statement in triggers_migration.SQLITE_REMOVE:
            _sql(statement)
        yield
        for statement in triggers_migration.SQLITE_INSTALL:
            _sql(statement)


def _entries(n):
    return [audit.record("system", object_type="test.entry", object_id=str(i)) for i in range(1, n + 1)]


def _audit_verify(*anchors):
    """(exit_ok, message) of `manage.py audit_verify`."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", *[f"--anchor={a}" for a in anchors], stdout=out, stderr=err)
    except CommandError as exc:
        return False, err.getvalue() + str(exc)
    return True, out.getvalue()


@pytest.mark.django_db
def test_raw_sql_update_of_an_entry_is_refused_by_the_database():
    # given
    (event,) = _entries(1)

    # when / then
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql("UPDATE core_auditevent SET reason = %s WHERE id = %s", ["sửa lén", event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


@pytest.mark.django_db
def test_raw_sql_delete_of_an_entry_is_refused_by_the_database():
    # given
    _entries(2)

    # when / then
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql("DELETE FROM core_auditevent")
    assert AuditEvent.objects.count() == 2


@pytest.mark.django_db
def test_audit_verify_reports_an_intact_chain_in_vietnamese():
    # given
    _entries(3)

    # when
    ok, message = _audit_verify()

    # then
    assert ok
    assert "Đã kiểm tra 3 bản ghi: toàn vẹn" in message


@pytest.mark.django_db
def test_audit_verify_names_an_entry_edited_behind_the_applications_back():
    # given
    _entries(4)

    # when
    with triggers_off():
        _sql("UPDATE core_auditevent SET reason = %s WHERE seq = 2", ["sửa lén"])

    # then
    ok, message = _audit_verify()
    assert not ok
    assert "Bản ghi số 2: nội dung đã bị sửa" in message
    assert audit.verify_chain().broken == [2]


@pytest.mark.django_db
def test_audit_verify_names_an_entry_deleted_from_the_middle():
    # given
    _entries(4)

    # when
    with triggers_off():
        _sql("DELETE FROM core_auditevent WHERE seq = 2")

    # then
    ok, message = _audit_verify()
    assert not ok
    assert "Thiếu bản ghi số 2" in message
    assert audit.verify_chain().broken == [2, 3]


@pytest.mark.django_db
def test_audit_verify_notices_entries_deleted_from_the_end():
    # given
    _entries(5)

    # when
    with triggers_off():
        _sql("DELETE FROM core_auditevent WHERE seq >= 4")

    # then
    ok, message = _audit_verify()
    assert not ok
    assert "bản ghi cuối đã bị xóa" in message
    assert audit.verify_chain().broken == [4, 5]


@pytest.mark.django_db
def test_audit_verify_notices_a_tail_cut_with_the_head_rewound_through_an_anchor():
    # given: the head was logged elsewhere after entry 5
    events = _entries(5)
    anchor = f"{events[-1].seq}:{events[-1].hash}"

    # when: a DBA cuts entries 4-5 and rewinds the head to entry 3
    with triggers_off():
        _sql("DELETE FROM core_auditevent WHERE seq >= 4")
    _sql("UPDATE core_audithead SET seq = 3, hash = %s WHERE id = 1", [events[2].hash])

    # then
    assert _audit_verify()[0]  # the chain alone cannot tell
    ok, message = _audit_verify(anchor)
    assert not ok
    assert "Mốc đối chiếu số 5" in message


@pytest.mark.django_db
def test_audit_verify_notices_an_entry_forged_without_the_key():
    # given
    events = _entries(2)
    last = events[-1]

    # when: a forged entry appended with a plausible hash, head moved along
    forged_hash = "f" * 64
    _sql(
        "INSERT INTO core_auditevent (seq, at, actor_name, action, object_type, object_id, object_repr, changes,"
        " reason, prev_hash, hash) VALUES (3, %s, 'x', 'system', '', '', '', '{}', '', %s, %s)",
        [last.at, last.hash, forged_hash],
    )
    _sql("UPDATE core_audithead SET seq = 3, hash = %s WHERE id = 1", [forged_hash])

    # then
    ok, message = _audit_verify()
    assert not ok
    assert "Bản ghi số 3: nội dung đã bị sửa" in message


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_audit_table_and_leaves_it_guarded():
    # given: committed entries (this is what test teardown flushes, on both databases)
    _entries(3)

    # when
    call_command("flush", interactive=False, verbosity=0)

    # then
    assert AuditEvent.objects.count() == 0
    assert not AuditHead.objects.exists()
    (event,) = _entries(1)
    assert event.seq == 1
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql("DELETE FROM core_auditevent")
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_after_one_that_wrote_entries_starts_from_an_empty_trail():
    # given: the previous test committed entries and was flushed in its teardown
    assert AuditEvent.objects.count() == 0

    # when
    _entries(2)

    # then
    assert audit.verify_chain().ok


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises every write transaction; the row lock is PostgreSQL's"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_from_two_connections_keep_the_chain_linear():
    # given
    per_thread, errors = 60, []
    barrier = threading.Barrier(2)

    def append(name):
        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    audit.record("system", object_type="test.race", object_id=f"{name}-{i}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(name,)) for name in ("a", "b")]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert errors == []
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 2 * per_thread + 1))
    result = audit.verify_chain()
    assert result.ok, result.problems
