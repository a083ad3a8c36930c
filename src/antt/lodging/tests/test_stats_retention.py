"""Retention (`retention.anonymise_due`): old stays anonymised on every row, the birth year kept,
legal holds, statistics unchanged, the RetentionRule months move the cut, search logs, batch
reports and closed watchlist entries, one audit entry."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from antt.core.models import AuditEvent
from antt.lodging import retention
from antt.lodging import selectors_stats as stats
from antt.lodging.models import Alert, Declaration, DeclarationBatch, RetentionRule, SearchLog, WatchEntry
from antt.lodging.tests.factories import VN, lodging_world, make_declaration

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=VN)  # the 36-month rule cuts at 15/06/2023 02:00


@pytest.fixture
def w(settings):
    return lodging_world(settings)


def departed_stay(est, arrived: datetime, departed: datetime, **extra) -> Declaration:
    """An arrival row and its departure row (the current one), as the services write them."""
    arrival = make_declaration(est, arrived_at=arrived, is_current=False, phone="0912345678", **extra)
    return make_declaration(
        est,
        arrived_at=arrived,
        departed_at=departed,
        state=Declaration.State.DEPARTED,
        kind=Declaration.Kind.DEPARTURE,
        stay_id=arrival.stay_id,
        replaces_id=arrival.pk,
        full_name=arrival.full_name,
        doc_number=arrival.doc_number,
        phone="0912345678",
        **extra,
    )


def rows_of(stay: Declaration):
    return Declaration.objects.filter(stay_id=stay.stay_id)


def test_old_stays_are_anonymised_on_every_row_and_the_rest_kept(w):
    # given a stay that ended before the cut, one that ended after, an open stay older than
    # cut + 30 days, and an open one inside the 30 days
    old = departed_stay(
        w.hotel,
        datetime(2023, 5, 1, 14, tzinfo=VN),
        datetime(2023, 5, 3, 9, tzinfo=VN),
        visa_number="V123",
        address="Số 5 Trần Phú",
        birth_year=None,
    )
    recent = departed_stay(w.hotel, datetime(2023, 6, 10, tzinfo=VN), datetime(2023, 6, 20, tzinfo=VN))
    open_old = make_declaration(w.hotel, arrived_at=datetime(2023, 5, 10, tzinfo=VN))
    open_recent = make_declaration(w.hotel, arrived_at=datetime(2023, 5, 20, tzinfo=VN))
    # when retention runs
    result = retention.anonymise_due(NOW)
    # then the old stays are anonymised, all their rows
    assert (result.stays, result.rows, result.held) == (2, 3, 0)
    for row in [*rows_of(old), open_old.__class__.objects.get(pk=open_old.pk)]:
        assert (row.full_name, row.name_folded, row.birth_date, row.doc_number) == ("", "", None, "")
        assert (row.address, row.phone, row.visa_number) == ("", "", "")
        assert row.anonymised_at is not None
        # the statistical columns stay: the birth year (filled from the date when it was missing)
        assert row.birth_year == 1990 and row.nationality == "VNM" and row.sex == "M"
    # and the recent ones are untouched
    for row in [*rows_of(recent), Declaration.objects.get(pk=open_recent.pk)]:
        assert row.full_name == "Nguyễn Văn An" and row.anonymised_at is None
    # and one audit entry records the counts, nobody's name
    event = AuditEvent.objects.get(object_type="lodging.retention")
    assert event.changes["stays"] == 2 and event.changes["months"]["stay"] == 36
    assert "Nguyễn" not in str(event.changes)


def test_a_stay_with_an_open_alert_is_held(w):
    held = departed_stay(w.hotel, datetime(2023, 1, 1, tzinfo=VN), datetime(2023, 1, 2, tzinfo=VN), watch_hit=True)
    closed = departed_stay(w.hotel, datetime(2023, 1, 1, tzinfo=VN), datetime(2023, 1, 2, tzinfo=VN), watch_hit=True)
    entry = WatchEntry.objects.create(
        kind=WatchEntry.Kind.WANTED, doc_number="038090000001", basis="QĐ 1/2023", unit=w.commune_a, created_by=w.head_a
    )
    for stay, status in ((held, Alert.Status.ACKNOWLEDGED), (closed, Alert.Status.CLOSED)):
        Alert.objects.create(
            watch_entry=entry,
            declaration_id=stay.pk,
            stay_id=stay.stay_id,
            establishment=w.hotel,
            unit=w.commune_a,
            matched_on=Alert.Match.DOCUMENT,
            status=status,
            created_at=timezone.now(),
        )
    result = retention.anonymise_due(NOW)
    assert (result.stays, result.held) == (1, 1)
    assert all(r.full_name for r in rows_of(held))
    assert not any(r.full_name for r in rows_of(closed))


def test_statistics_are_unchanged(w):
    for month in (1, 3, 5, 8):
        departed_stay(w.hotel, datetime(2023, month, 2, tzinfo=VN), datetime(2023, month, 6, tzinfo=VN))
        make_declaration(w.hotel_b, nationality="KOR", arrived_at=datetime(2023, month, 4, tzinfo=VN))
    period = stats.Period.of(date(2023, 1, 1), date(2023, 12, 1))
    before = {d: stats.guests_by(stats.Scope.everything(), period, d) for d in stats.DIMENSIONS}
    result = retention.anonymise_due(NOW)
    assert result.stays > 0
    after = {d: stats.guests_by(stats.Scope.everything(), period, d) for d in stats.DIMENSIONS}
    assert after == before


def test_the_rule_months_move_the_cut(w):
    stay = departed_stay(w.hotel, datetime(2025, 1, 1, tzinfo=VN), datetime(2025, 1, 3, tzinfo=VN))
    # the 36-month rule keeps a 2025 stay
    assert retention.anonymise_due(NOW).stays == 0
    # a newer rule of 12 months, in force from 01/06/2026, anonymises it
    RetentionRule.objects.create(category="stay", months=12, valid_from=date(2026, 6, 1), legal_basis="QĐ thử")
    assert retention.anonymise_due(NOW).months["stay"] == 12
    assert not any(r.full_name for r in rows_of(stay))


def test_without_a_rule_in_force_nothing_is_touched(w):
    stay = departed_stay(w.hotel, datetime(2020, 1, 1, tzinfo=VN), datetime(2020, 1, 3, tzinfo=VN))
    RetentionRule.objects.update(valid_to=date(2026, 1, 1))
    result = retention.anonymise_due(NOW)
    assert result.stays == 0 and result.months["stay"] is None
    assert "Chưa có thời hạn lưu trữ" in result.summary()
    assert all(r.full_name for r in rows_of(stay))


def test_batches_cover_everything(w):
    for day in range(1, 8):
        make_declaration(w.hotel, arrived_at=datetime(2023, 1, day, tzinfo=VN))
    result = retention.anonymise_due(NOW, batch=3)
    assert result.stays == 7 and not Declaration.objects.exclude(full_name="").exists()


def test_search_logs_batch_reports_and_closed_watch_entries(w):
    # given a search log of 61 months ago and one of last month (rule: 60 months)
    old_log = SearchLog.objects.create(user=w.head_a, unit=w.commune_a, reason="Vụ án số 12/2021", criteria={})
    new_log = SearchLog.objects.create(user=w.head_a, unit=w.commune_a, reason="Vụ án số 12/2026", criteria={})
    SearchLog.objects.filter(pk=old_log.pk).update(at=NOW - timedelta(days=61 * 31))
    SearchLog.objects.filter(pk=new_log.pk).update(at=NOW - timedelta(days=31))
    # a batch report of 4 months ago and one of last week (rule: 3 months)
    report = [{"row": 2, "field": "birth_date", "message": "Ngày sinh không hợp lệ"}]
    old_batch = DeclarationBatch.objects.create(establishment=w.hotel, source="file", report=report)
    new_batch = DeclarationBatch.objects.create(establishment=w.hotel, source="file", report=report)
    DeclarationBatch.objects.filter(pk=old_batch.pk).update(created_at=NOW - timedelta(days=125))
    DeclarationBatch.objects.filter(pk=new_batch.pk).update(created_at=NOW - timedelta(days=7))

    # a watch entry closed 13 months ago and one closed last month (rule: 12 months)
    def closed_entry(days_ago):
        entry = WatchEntry.objects.create(
            kind=WatchEntry.Kind.MISSING,
            full_name="Lê Thị Mất",
            birth_date=date(2001, 2, 3),
            doc_number="038301000123",
            basis="Tin báo 5/2024",
            unit=w.commune_a,
            created_by=w.head_a,
        )
        WatchEntry.objects.filter(pk=entry.pk).update(
            is_active=False, closed_at=NOW - timedelta(days=days_ago), close_reason="Đã tìm thấy"
        )
        return entry

    old_entry, new_entry = closed_entry(400), closed_entry(30)
    # when retention runs
    result = retention.anonymise_due(NOW)
    # then the old ones are purged or anonymised, the recent ones kept
    assert (result.search_logs, result.batch_reports, result.watch_entries) == (1, 1, 1)
    assert list(SearchLog.objects.values_list("pk", flat=True)) == [new_log.pk]
    assert DeclarationBatch.objects.get(pk=old_batch.pk).report == []
    assert DeclarationBatch.objects.get(pk=new_batch.pk).report == report
    old_entry.refresh_from_db()
    new_entry.refresh_from_db()
    assert (old_entry.full_name, old_entry.name_folded, old_entry.birth_date) == ("", "", None)
    assert old_entry.doc_number.startswith(retention.WATCH_MARKER) and "038301000123" not in old_entry.doc_number
    assert new_entry.full_name == "Lê Thị Mất"
    # and a second run finds nothing more
    again = retention.anonymise_due(NOW)
    assert (again.stays, again.search_logs, again.batch_reports, again.watch_entries) == (0, 0, 0, 0)
