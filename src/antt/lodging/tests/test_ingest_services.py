"""Declaring guests (`services.declare_batch`, `declare_one`) and changing a stay (`depart`,
`correct`, `cancel`): what is written, the two modes, duplicates, idempotency, a crash, the
watchlist, the audit trail, and the ledger's rule that an old row never changes but for
`is_current`."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from antt.core.models import AuditEvent
from antt.lodging import bulk, services
from antt.lodging.errors import LodgingError
from antt.lodging.models import Alert, Declaration, DeclarationBatch, WatchEntry
from antt.lodging.partitions import ledger_maintenance
from antt.lodging.tests.factories import MRZ_VN, VN, foreign_row, guest_row, lodging_world, make_declaration

pytestmark = pytest.mark.django_db
Status = DeclarationBatch.Status
ALL, VALID = DeclarationBatch.Mode.ALL_OR_NOTHING, DeclarationBatch.Mode.KEEP_VALID


@pytest.fixture
def w():
    return lodging_world()


def declare(w, rows, **kw):
    kw.setdefault("source", "api")
    return services.declare_batch(establishment=w.hotel, rows=rows, **kw)


def snapshot(row: Declaration) -> dict:
    return {name: getattr(row, name) for name in bulk.COLUMNS}


def batch_audits(batch):
    return AuditEvent.objects.filter(object_type="lodging.declarationbatch", object_id=str(batch.pk))


# --- arrivals --------------------------------------------------------------------------------------


def test_a_batch_writes_every_row_with_the_establishment_and_the_deadline(w):
    # given two Vietnamese guests and a foreign one
    rows = [guest_row(), guest_row(full_name="Trần Thị Bình", sex="Nữ"), foreign_row()]
    # when
    result = declare(w, rows, user=w.receptionist)
    # then
    assert result.batch.status == Status.DONE and not result.replayed
    assert (result.batch.total_rows, result.batch.accepted, result.batch.rejected) == (3, 3, 0)
    written = list(Declaration.objects.filter(pk__in=result.declarations).order_by("id"))
    assert [d.pk for d in written] == result.declarations  # row order
    for d in written:
        assert d.stay_id == d.pk and d.kind == "arrival" and d.is_current and d.state == "staying"
        assert (d.unit_id, d.area_id, d.lodging_kind) == (w.hotel.unit_id, w.hotel.area_id, "Khách sạn")
        assert d.batch_id == result.batch.pk and d.created_by_id == w.receptionist.pk and d.source == "api"
        assert d.declared_at == result.batch.finished_at and not d.is_late
    assert written[1].name_folded == "tran thi binh" and written[1].sex == "F"
    assert written[2].nationality == "KOR" and written[2].port_of_entry == "VVTX" and written[2].visa_kind == "MIENTT"
    # Vietnamese: 23:00 of the arrival day or 08:00 the next; the foreigner: due within hours
    arrival = written[0].arrived_at.astimezone(VN)
    assert written[0].due_at.astimezone(VN).hour in (23, 8)
    assert written[2].due_at > written[2].arrived_at and arrival.tzinfo is not None


def test_a_batch_is_audited_once_with_counts_and_no_personal_data(w):
    rows = [guest_row(full_name="Lê Văn Mật", doc_number="038090099999")]
    result = declare(w, rows, user=w.receptionist)
    (entry,) = batch_audits(result.batch)
    assert entry.changes["accepted"] == 1 and entry.changes["total_rows"] == 1 and entry.changes["source"] == "api"
    text = str(entry.changes) + entry.object_repr + entry.reason
    assert "Mật" not in text and "038090099999" not in text


def test_values_round_trip_through_the_bulk_writer(w):
    # the COPY (PostgreSQL) or executemany (SQLite) stores what the ORM reads back
    row = foreign_row(visa_kind="VISA", visa_number="VN778899", visa_expiry="30/12/2026", phone="+82 10 1234 5678")
    result = declare(w, [row])
    d = Declaration.objects.get(pk=result.declarations[0])
    assert d.visa_expiry.isoformat() == "2026-12-30" and d.visa_number == "VN778899" and d.phone == "+82 10 1234 5678"
    assert d.arrived_at.astimezone(VN).strftime("%d/%m/%Y %H:%M") == row["arrived_at"]
    assert d.birth_date.isoformat() == "1985-08-12" and d.birth_year == 1985
    assert d.batch_id == result.batch.pk and d.replaces_id is None and d.departed_at is None


def test_a_late_arrival_is_flagged(w):
    # given a Vietnamese guest who arrived two days ago at 10:00, declared now
    two_days = (timezone.now().astimezone(VN) - timedelta(days=2)).replace(hour=10, minute=0)
    result = declare(w, [guest_row(arrived_at=two_days.strftime("%d/%m/%Y %H:%M"), expected_departure="")])
    assert Declaration.objects.get(pk=result.declarations[0]).is_late


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(w):
    # given three rows, the second with a future birth date
    rows = [guest_row(), guest_row(birth_date="01/01/2099"), guest_row()]
    # when
    result = declare(w, rows, mode=ALL)
    # then
    assert result.batch.status == Status.REJECTED and result.declarations == []
    assert (result.batch.accepted, result.batch.rejected) == (0, 1)
    assert result.batch.report == [{"row": 2, "field": "birth_date", "message": "Ngày sinh ở tương lai."}]
    assert not Declaration.objects.filter(establishment_id=w.hotel.pk).exists()
    assert batch_audits(result.batch).count() == 1


def test_keep_valid_writes_the_valid_rows_and_reports_the_others(w):
    rows = [guest_row(), guest_row(doc_number="12"), guest_row(reason="???"), guest_row()]
    result = declare(w, rows, mode=VALID)
    assert result.batch.status == Status.DONE
    assert (result.batch.accepted, result.batch.rejected, len(result.declarations)) == (2, 2, 2)
    assert [(e["row"], e["field"]) for e in result.batch.report] == [(2, "doc_number"), (3, "reason")]
    assert Declaration.objects.filter(establishment_id=w.hotel.pk).count() == 2


def test_keep_valid_with_no_valid_row_is_rejected(w):
    result = declare(w, [guest_row(sex="?")], mode=VALID)
    assert result.batch.status == Status.REJECTED and result.declarations == []


def test_the_senders_row_numbers_are_used_in_the_report(w):
    result = declare(w, [{**guest_row(), "_row": 5}, {**guest_row(full_name=""), "_row": 6}])
    assert result.batch.report[0]["row"] == 6


def test_the_same_document_twice_in_a_batch_is_refused(w):
    rows = [guest_row(doc_number="038090011111"), guest_row(doc_number="0380 9001 1111")]
    result = declare(w, rows, mode=VALID)
    assert result.batch.accepted == 1
    (error,) = result.batch.report
    assert error["row"] == 2 and error["field"] == "doc_number" and "dòng 1" in error["message"]


def test_a_guest_staying_now_is_a_duplicate_with_the_stay_number(w):
    # given a guest staying at the hotel, and one who left
    staying = make_declaration(w.hotel, doc_number="038090022222")
    make_declaration(w.hotel, doc_number="038090033333", state="departed")
    make_declaration(w.hotel_b, doc_number="038090044444")  # staying at another establishment
    rows = [guest_row(doc_number=n) for n in ("038090022222", "038090033333", "038090044444")]
    # when
    result = declare(w, rows, mode=VALID)
    # then
    assert result.batch.accepted == 2
    assert result.batch.report == [
        {
            "row": 1,
            "field": "doc_number",
            "message": f"Khách đã được khai báo đang lưu trú tại cơ sở (lượt #{staying.stay_id}).",
            "code": "duplicate",
        }
    ]


def test_duplicate_check_is_one_query_for_the_whole_batch(w, django_assert_max_num_queries):
    rows = [guest_row() for _ in range(200)]
    declare(w, rows[:1])  # warm the caches (code tables, rules, watchlist)
    # the whole batch: batch insert/lock, rules, remote, duplicates, watchlist version, ids, write, audit
    with django_assert_max_num_queries(20):
        result = declare(w, rows[1:])
    assert result.batch.accepted == 199


def test_batch_level_refusals(w, settings):
    with pytest.raises(LodgingError) as exc:
        declare(w, [])
    assert exc.value.status == 400
    settings.ANTT_LODGING_MAX_ROWS = 2
    with pytest.raises(LodgingError) as exc:
        declare(w, [guest_row(), guest_row(), guest_row()])
    assert exc.value.status == 413 and exc.value.field == "rows"
    with pytest.raises(LodgingError):
        declare(w, [guest_row()], source="fax")
    with pytest.raises(LodgingError):
        declare(w, [guest_row()], mode="some")
    with pytest.raises(LodgingError) as exc:
        declare(w, [guest_row()], idempotency_key="k" * 81)
    assert exc.value.field == "idempotency_key"
    assert not DeclarationBatch.objects.exists()


def test_a_row_that_is_not_a_mapping_is_reported(w):
    result = declare(w, [guest_row(), ["Nguyễn Văn An"]], mode=VALID)
    assert result.batch.accepted == 1 and result.batch.report[0]["row"] == 2


def test_progress_is_reported(w, monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_EVERY", 2)
    seen = []
    declare(w, [guest_row() for _ in range(5)], progress=seen.append)
    assert seen == [2, 4, 5]


def test_mrz_checked_is_stored(w):
    row = guest_row(doc_type="HCVN", doc_number="", birth_date="", sex="", mrz=MRZ_VN)
    result = declare(w, [row])
    d = Declaration.objects.get(pk=result.declarations[0])
    assert d.mrz_checked and d.doc_number == "C1234567"


# --- idempotency and faults ------------------------------------------------------------------------


def test_a_retried_batch_with_the_same_key_writes_nothing_new(w):
    rows = [guest_row(), guest_row()]
    first = declare(w, rows, idempotency_key="pms-2026-0001")
    # when the PMS retries after a network failure
    again = declare(w, rows, idempotency_key="pms-2026-0001")
    # then
    assert again.replayed and not first.replayed
    assert again.batch.pk == first.batch.pk and again.declarations == first.declarations
    assert Declaration.objects.filter(establishment_id=w.hotel.pk).count() == 2
    assert DeclarationBatch.objects.count() == 1


def test_the_same_key_at_another_establishment_is_another_batch(w):
    declare(w, [guest_row()], idempotency_key="k1")
    other = services.declare_batch(establishment=w.hotel_b, rows=[guest_row()], source="api", idempotency_key="k1")
    assert not other.replayed and other.batch.accepted == 1


def test_a_rejected_batch_is_replayed_as_rejected(w):
    first = declare(w, [guest_row(sex="?")], idempotency_key="k2")
    again = declare(w, [guest_row()], idempotency_key="k2")
    assert again.replayed and again.batch.status == Status.REJECTED and again.batch.pk == first.batch.pk


def test_a_crash_mid_way_writes_nothing_and_records_a_failed_batch(w, monkeypatch):
    # given a bulk writer that dies after writing
    real = bulk.write_declarations

    def dying(rows):
        real(rows)
        raise RuntimeError("disk full")

    monkeypatch.setattr(bulk, "write_declarations", dying)
    # when
    result = declare(w, [guest_row(), guest_row()], idempotency_key="k3", user=w.receptionist)
    # then
    assert result.batch.status == Status.FAILED and result.declarations == [] and not result.replayed
    assert not Declaration.objects.filter(establishment_id=w.hotel.pk).exists()
    stored = DeclarationBatch.objects.get(establishment=w.hotel, idempotency_key="k3")
    assert stored.status == Status.FAILED and stored.accepted == 0
    assert batch_audits(stored).get().action == AuditEvent.Action.SYSTEM
    # and a retry with the same key runs again (a failed batch is not replayed)
    monkeypatch.setattr(bulk, "write_declarations", real)
    retry = declare(w, [guest_row(), guest_row()], idempotency_key="k3")
    assert not retry.replayed and retry.batch.status == Status.DONE and retry.batch.pk == stored.pk
    assert Declaration.objects.filter(establishment_id=w.hotel.pk).count() == 2


def test_a_crash_in_the_watchlist_alerts_writes_nothing(w, monkeypatch):
    from antt.lodging import watch

    monkeypatch.setattr(watch, "find_matches", lambda rows: {0: [(999, "document")]})

    def broken(items):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(watch, "raise_alerts", broken)
    result = declare(w, [guest_row()])
    assert result.batch.status == Status.FAILED
    assert not Declaration.objects.filter(establishment_id=w.hotel.pk).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one write transaction at a time")
def test_two_concurrent_batches_with_one_key_declare_once():
    # given
    w = lodging_world()
    rows = [guest_row(), guest_row()]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def send():
        try:
            barrier.wait()
            results.append(declare(w, rows, idempotency_key="same-key"))
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    # when two sendings with the same key race
    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then the unique constraint lets one write, the other replays it
    assert errors == []
    assert sorted(r.replayed for r in results) == [False, True]
    assert results[0].declarations == results[1].declarations
    assert Declaration.objects.filter(establishment_id=w.hotel.pk).count() == 2
    assert DeclarationBatch.objects.filter(idempotency_key="same-key").count() == 1


# --- the watchlist ---------------------------------------------------------------------------------


def test_a_watched_guest_is_flagged_and_alerted_in_the_same_transaction(w):
    # given a wanted person on the watchlist
    entry = WatchEntry.objects.create(
        kind="wanted", doc_number="M77777777", basis="QĐ truy nã số 1", unit=w.commune_a, created_by=w.processor_a
    )
    rows = [guest_row(), foreign_row(doc_number="M77777777")]
    # when
    result = declare(w, rows)
    # then
    assert result.alerts == 1
    plain, watched = Declaration.objects.filter(pk__in=result.declarations).order_by("id")
    assert watched.watch_hit and not plain.watch_hit
    alert = Alert.objects.get()
    assert (alert.watch_entry_id, alert.stay_id, alert.matched_on) == (entry.pk, watched.pk, "document")
    assert (alert.establishment_id, alert.unit_id) == (w.hotel.pk, w.hotel.unit_id)


def test_the_watchlist_matcher_gets_the_clean_rows(w, monkeypatch):
    from antt.lodging import watch

    seen = {}

    def fake_find(rows):
        seen["rows"] = rows
        return {}

    monkeypatch.setattr(watch, "find_matches", fake_find)
    result = declare(w, [guest_row(full_name="Đỗ Thị Hà", birth_date="02/03/1991")])
    (row,) = seen["rows"]
    assert (row.name_folded, row.birth_date.isoformat()) == ("do thi ha", "1991-03-02")
    assert result.alerts == 0


# --- the quick form --------------------------------------------------------------------------------


def test_declare_one_returns_the_declaration(w):
    d = services.declare_one(establishment=w.hotel, raw=guest_row(), user=w.receptionist)
    assert isinstance(d, Declaration) and d.source == "form" and d.stay_id == d.pk


def test_declare_one_bad_row_is_a_400_naming_the_field(w):
    with pytest.raises(LodgingError) as exc:
        services.declare_one(establishment=w.hotel, raw=guest_row(birth_date="32/01/1990", reason=""))
    assert exc.value.status == 400 and exc.value.field == "birth_date"
    assert {e["field"] for e in exc.value.errors} == {"birth_date", "reason"}


def test_declare_one_duplicate_is_a_409(w):
    first = services.declare_one(establishment=w.hotel, raw=guest_row(doc_number="038090055555"))
    with pytest.raises(LodgingError) as exc:
        services.declare_one(establishment=w.hotel, raw=guest_row(doc_number="038090055555"))
    assert exc.value.status == 409 and exc.value.field == "doc_number" and f"#{first.stay_id}" in exc.value.message


# --- departures, corrections, cancellations ----------------------------------------------------------


def _arrival(w, **raw):
    return services.declare_one(establishment=w.hotel, raw=guest_row(**raw), user=w.receptionist)


def _stay_audits(stay_id):
    return AuditEvent.objects.filter(object_type="lodging.declaration", object_id=str(stay_id))


def test_depart_writes_a_departure_row_and_keeps_the_old_one(w):
    # given
    arrival = _arrival(w)
    before = snapshot(Declaration.objects.get(pk=arrival.pk))
    # when
    dep = services.depart(establishment=w.hotel, stay_id=arrival.stay_id, user=w.receptionist)
    # then
    assert (dep.kind, dep.state, dep.replaces_id, dep.stay_id) == ("departure", "departed", arrival.pk, arrival.stay_id)
    assert dep.departed_at is not None and dep.is_current and dep.full_name == arrival.full_name
    old = snapshot(Declaration.objects.get(pk=arrival.pk))
    assert old == {**before, "is_current": False}
    assert services.stay_current(w.hotel, arrival.stay_id).pk == dep.pk
    (entry,) = _stay_audits(arrival.stay_id)
    assert entry.changes["kind"] == "departure" and entry.action == AuditEvent.Action.TRANSITION


def test_depart_twice_is_a_409(w):
    arrival = _arrival(w)
    services.depart(establishment=w.hotel, stay_id=arrival.stay_id)
    with pytest.raises(LodgingError) as exc:
        services.depart(establishment=w.hotel, stay_id=arrival.stay_id)
    assert exc.value.status == 409


@pytest.mark.parametrize("action", ["depart", "correct", "cancel", "stay_current"])
def test_another_establishments_stay_is_a_404(w, action):
    arrival = _arrival(w)
    with pytest.raises(LodgingError) as exc:
        if action == "depart":
            services.depart(establishment=w.hotel_b, stay_id=arrival.stay_id)
        elif action == "correct":
            services.correct(establishment=w.hotel_b, stay_id=arrival.stay_id, raw={"room": "9"}, note="đổi phòng")
        elif action == "cancel":
            services.cancel(establishment=w.hotel_b, stay_id=arrival.stay_id, note="khai nhầm khách")
        else:
            services.stay_current(w.hotel_b, arrival.stay_id)
    assert exc.value.status == 404
    assert Declaration.objects.get(pk=arrival.pk).is_current


def test_depart_before_arrival_or_in_the_future_is_refused(w):
    arrival = _arrival(w)
    for when in (arrival.arrived_at - timedelta(hours=1), timezone.now() + timedelta(hours=1)):
        with pytest.raises(LodgingError) as exc:
            services.depart(establishment=w.hotel, stay_id=arrival.stay_id, departed_at=when)
        assert exc.value.status == 400 and exc.value.field == "departed_at"


def test_correct_writes_the_whole_record_with_the_change(w):
    # given
    arrival = _arrival(w, room="101")
    before = snapshot(Declaration.objects.get(pk=arrival.pk))
    # when
    new = services.correct(
        establishment=w.hotel,
        stay_id=arrival.stay_id,
        raw={"room": "305", "full_name": "Nguyễn Văn Ân"},
        note="Lễ tân gõ nhầm",
        user=w.receptionist,
    )
    # then
    assert (new.kind, new.replaces_id, new.state, new.note) == ("correction", arrival.pk, "staying", "Lễ tân gõ nhầm")
    assert (new.room, new.full_name, new.name_folded) == ("305", "Nguyễn Văn Ân", "nguyen van an")
    assert (new.doc_number, new.birth_date, new.arrived_at) == (
        arrival.doc_number,
        arrival.birth_date,
        arrival.arrived_at,
    )
    assert snapshot(Declaration.objects.get(pk=arrival.pk)) == {**before, "is_current": False}
    (entry,) = _stay_audits(arrival.stay_id)
    assert sorted(entry.changes["fields"]) == ["full_name", "room"]
    assert "Ân" not in str(entry.changes)  # names of fields, never the values


def test_correct_validates_like_an_arrival(w):
    arrival = _arrival(w)
    with pytest.raises(LodgingError) as exc:
        services.correct(
            establishment=w.hotel, stay_id=arrival.stay_id, raw={"birth_date": "2099-01-01"}, note="sửa ngày"
        )
    assert exc.value.status == 400 and exc.value.field == "birth_date"


def test_correct_needs_a_note_and_a_change(w):
    arrival = _arrival(w, room="101")
    with pytest.raises(LodgingError) as exc:
        services.correct(establishment=w.hotel, stay_id=arrival.stay_id, raw={"room": "102"}, note="")
    assert exc.value.field == "note"
    with pytest.raises(LodgingError) as exc:
        services.correct(establishment=w.hotel, stay_id=arrival.stay_id, raw={"room": "101"}, note="không đổi gì")
    assert exc.value.status == 400


def test_correct_to_the_document_of_another_staying_guest_is_a_409(w):
    other = _arrival(w, doc_number="038090066666")
    arrival = _arrival(w)
    with pytest.raises(LodgingError) as exc:
        services.correct(
            establishment=w.hotel, stay_id=arrival.stay_id, raw={"doc_number": "038090066666"}, note="sửa số"
        )
    assert exc.value.status == 409 and f"#{other.stay_id}" in exc.value.message


def test_correcting_the_arrival_time_recomputes_the_deadline(w):
    arrival = _arrival(w)
    earlier = (timezone.now().astimezone(VN) - timedelta(days=3)).replace(hour=9, minute=0)
    new = services.correct(
        establishment=w.hotel,
        stay_id=arrival.stay_id,
        raw={"arrived_at": earlier.strftime("%d/%m/%Y %H:%M")},
        note="sửa giờ đến",
    )
    assert new.due_at.astimezone(VN).date() == earlier.date() and new.is_late


def test_a_correction_runs_the_watchlist_again(w):
    arrival = _arrival(w)
    WatchEntry.objects.create(
        kind="missing",
        doc_number="038090077777",
        basis="Tin báo mất tích số 2",
        unit=w.commune_a,
        created_by=w.processor_a,
    )
    new = services.correct(
        establishment=w.hotel, stay_id=arrival.stay_id, raw={"doc_number": "038090077777"}, note="sửa số giấy tờ"
    )
    assert new.watch_hit
    assert Alert.objects.get().stay_id == arrival.stay_id


def test_a_departed_stay_cannot_be_corrected(w):
    arrival = _arrival(w)
    services.depart(establishment=w.hotel, stay_id=arrival.stay_id)
    with pytest.raises(LodgingError) as exc:
        services.correct(establishment=w.hotel, stay_id=arrival.stay_id, raw={"room": "9"}, note="đổi phòng")
    assert exc.value.status == 409


def test_cancel_within_24_hours(w):
    arrival = _arrival(w)
    before = snapshot(Declaration.objects.get(pk=arrival.pk))
    new = services.cancel(establishment=w.hotel, stay_id=arrival.stay_id, note="Khai nhầm khách", user=w.manager)
    assert (new.kind, new.state, new.replaces_id) == ("cancellation", "cancelled", arrival.pk)
    assert snapshot(Declaration.objects.get(pk=arrival.pk)) == {**before, "is_current": False}
    for call in (
        lambda: services.depart(establishment=w.hotel, stay_id=arrival.stay_id),
        lambda: services.correct(establishment=w.hotel, stay_id=arrival.stay_id, raw={"room": "9"}, note="đổi phòng"),
        lambda: services.cancel(establishment=w.hotel, stay_id=arrival.stay_id, note="hủy lần nữa"),
    ):
        with pytest.raises(LodgingError) as exc:
            call()
        assert exc.value.status == 409


def test_cancel_after_24_hours_asks_the_commune_police(w):
    # given a stay declared 25 hours ago
    old = make_declaration(w.hotel, arrived_at=timezone.now() - timedelta(hours=26))
    ledger_maintenance()  # back-date the row past the append-only trigger (PostgreSQL)
    Declaration.objects.filter(pk=old.pk).update(declared_at=timezone.now() - timedelta(hours=25))
    with pytest.raises(LodgingError) as exc:
        services.cancel(establishment=w.hotel, stay_id=old.stay_id, note="Khai nhầm khách")
    assert exc.value.status == 409 and "Công an xã" in exc.value.message
    assert Declaration.objects.get(pk=old.pk).is_current


def test_cancel_window_counts_from_the_arrivals_declaration_not_the_last_correction(w):
    old = make_declaration(w.hotel, arrived_at=timezone.now() - timedelta(hours=30))
    ledger_maintenance()  # back-date the row past the append-only trigger (PostgreSQL)
    Declaration.objects.filter(pk=old.pk).update(declared_at=timezone.now() - timedelta(hours=29))
    services.correct(establishment=w.hotel, stay_id=old.stay_id, raw={"room": "707"}, note="đổi phòng")
    with pytest.raises(LodgingError) as exc:
        services.cancel(establishment=w.hotel, stay_id=old.stay_id, note="Khai nhầm khách")
    assert exc.value.status == 409


def test_a_change_by_api_key_is_recorded_as_api(w):
    from antt.lodging.models import ApiKey

    key = ApiKey.objects.create(establishment=w.hotel, name="PMS", prefix="abc123", key_hash="0" * 64)
    arrival = _arrival(w)
    dep = services.depart(establishment=w.hotel, stay_id=arrival.stay_id, api_key=key)
    assert dep.source == "api" and dep.created_by_id is None
    assert "PMS" in _stay_audits(arrival.stay_id).get().actor_name


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one write transaction at a time")
def test_two_concurrent_departures_of_one_stay_write_one_row():
    # given a staying guest
    w = lodging_world()
    arrival = services.declare_one(establishment=w.hotel, raw=guest_row())
    barrier = threading.Barrier(2)
    outcomes = []

    def leave():
        try:
            barrier.wait()
            services.depart(establishment=w.hotel, stay_id=arrival.stay_id)
            outcomes.append(200)
        except LodgingError as exc:
            outcomes.append(exc.status)
        finally:
            connections.close_all()

    # when two desks record the departure at once
    threads = [threading.Thread(target=leave) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then the row lock lets one through; the other sees the stay ended
    assert sorted(outcomes) == [200, 409]
    rows = Declaration.objects.filter(stay_id=arrival.stay_id)
    assert rows.count() == 2 and rows.filter(is_current=True).count() == 1
