"""Registry services: create, edit, status; refusals in Vietnamese with nothing written; audit
without personal data; feed rows without personal data."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from antt.core.models import AuditEvent
from antt.establishments.models import ChangeEntry, Establishment
from antt.establishments.services import (
    EstablishmentData,
    EstablishmentError,
    data_from,
    establishment_create,
    establishment_set_status,
    establishment_update,
)
from antt.establishments.tests.factories import establishments_world, make_establishment, valid_tax_code

pytestmark = pytest.mark.django_db

_codes = itertools.count(600_000, 10)  # distinct bodies (the factory's sequence may repeat a code)
PERSONAL_VALUES = ("Nguyễn Văn Chủ", "038090012345", "0912000111", "Lê Thị An Ninh", "038190054321", "0912000222")


@pytest.fixture
def w():
    return establishments_world()


def karaoke(w, **overrides) -> EstablishmentData:
    data = EstablishmentData(
        name="Karaoke Ánh Dương",
        trade_name="Ánh Dương Music",
        tax_code=valid_tax_code(next(_codes)),
        area_id=w.area_a.pk,
        unit_id=w.commune_a.pk,
        address="12 Lê Lợi",
        kind="enterprise",
        phone="0237 3852 111",
        owner_name="Nguyễn Văn Chủ",
        representative_name="Nguyễn Văn Chủ",
        representative_id_number="038090012345",
        representative_phone="0912000111",
        security_person_name="Lê Thị An Ninh",
        security_person_id_number="038190054321",
        security_person_phone="0912000222",
        line_codes=["t-karaoke"],
    )
    return replace(data, **overrides)


def _no_personal(value) -> None:
    text = str(value)
    for personal in PERSONAL_VALUES:
        assert personal not in text


def test_an_officer_adds_a_karaoke_with_an_audit_entry_and_a_feed_row(w):
    # when
    e = establishment_create(officer=w.processor_a, data=karaoke(w))
    # then
    assert e.pk and e.unit == w.commune_a and e.status == "active" and e.row_version == 1
    assert list(e.lines.values_list("code", flat=True)) == ["t-karaoke"]
    assert e.name_folded == "karaoke anh duong anh duong music"
    entry = AuditEvent.objects.get(object_type="establishments.establishment", object_id=str(e.pk))
    assert entry.action == "create" and entry.actor == w.processor_a
    assert entry.changes["tax_code"] == e.tax_code and entry.changes["lines"] == ["t-karaoke"]
    assert "representative_id_number" in entry.changes["personal_fields"]
    _no_personal(entry.changes)
    feed_row = ChangeEntry.objects.get(entity="establishment", object_id=e.pk)
    assert feed_row.action == "created" and feed_row.data["tax_code"] == e.tax_code
    assert feed_row.data["lines"] == ["t-karaoke"] and feed_row.data["unit"] == w.commune_a.name
    _no_personal(feed_row.data)


@pytest.mark.parametrize(
    ("typed", "stored", "kind"),
    [
        ("0100109106", "0100109106", "enterprise"),
        ("0100109106001", "0100109106-001", "branch"),
        ("038 190 012345", "038190012345", "household"),
    ],
)
def test_the_tax_code_is_stored_normalised(w, typed, stored, kind):
    e = establishment_create(officer=w.processor_a, data=karaoke(w, tax_code=typed, kind=kind))
    assert e.tax_code == stored


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"tax_code": "0100109107"}, "tax_code", "chữ số kiểm tra"),
        ({"tax_code": "12345"}, "tax_code", "10 chữ số"),
        ({"tax_code": ""}, "tax_code", "Vui lòng nhập mã số thuế"),
        ({"tax_code": "038190012345", "kind": "enterprise"}, "tax_code", "chỉ dùng cho hộ kinh doanh"),
        ({"name": "  "}, "name", "Vui lòng nhập tên cơ sở"),
        ({"name": "x" * 301}, "name", "dài quá 300"),
        ({"address": ""}, "address", "Vui lòng nhập địa chỉ"),
        ({"area_id": None}, "area", "xã, phường"),
        ({"unit_id": 999999}, "unit", "Đơn vị công an quản lý"),
        ({"kind": "corp"}, "kind", "Loại hình"),
        ({"line_codes": ["t-karaoke", "khong-co"]}, "line_codes", "khong-co"),
        ({"latitude": "abc", "longitude": "105.7"}, "latitude", "số thập phân"),
        ({"latitude": "95", "longitude": "105.7"}, "latitude", "phạm vi"),
        ({"latitude": "19.8"}, "latitude", "cả vĩ độ và kinh độ"),
        ({"email": "khong-phai-email"}, "email", "thư điện tử"),
        ({"phone": "gọi tôi"}, "phone", "Số điện thoại"),
        ({"representative_id_number": "003190012345"}, "representative_id_number", "mã tỉnh"),
        ({"security_person_id_number": "AB-12"}, "security_person_id_number", "hộ chiếu"),
        ({"rooms": -1}, "rooms", "Số phòng"),
    ],
)
def test_bad_input_is_refused_with_a_400_and_nothing_is_written(w, overrides, field, message):
    with pytest.raises(EstablishmentError) as exc:
        establishment_create(officer=w.processor_a, data=karaoke(w, **overrides))
    assert exc.value.status == 400 and exc.value.field == field and message in exc.value.message
    assert not Establishment.objects.exists() and not ChangeEntry.objects.exists()
    assert not AuditEvent.objects.filter(object_type="establishments.establishment").exists()


def test_a_registration_date_in_the_future_is_refused(w):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(EstablishmentError, match="không được sau ngày hôm nay"):
        establishment_create(officer=w.processor_a, data=karaoke(w, registration_date=tomorrow))


def test_a_duplicate_tax_code_is_refused_with_409_naming_the_registered_one(w):
    first = establishment_create(officer=w.processor_a, data=karaoke(w, tax_code="0100109106"))
    # when the same code is typed again, even as the branch of another unit's officer
    with pytest.raises(EstablishmentError) as exc:
        establishment_create(
            officer=w.processor_b,
            data=karaoke(w, name="Khác", tax_code="0100.109.106", unit_id=w.commune_b.pk, area_id=w.area_b.pk),
        )
    # then
    assert exc.value.status == 409 and exc.value.field == "tax_code"
    assert exc.value.message == f"Mã số thuế 0100109106 đã có trong sổ: {first.name}."
    assert Establishment.objects.count() == 1


def test_an_officer_cannot_register_into_a_unit_outside_their_scope(w):
    with pytest.raises(EstablishmentError) as exc:
        establishment_create(officer=w.processor_b, data=karaoke(w))  # commune A's unit
    assert exc.value.status == 400 and exc.value.field == "unit"
    assert not Establishment.objects.exists()


@pytest.mark.parametrize("who", ["receptionist_a", "supervisor", "system_admin"])
def test_roles_without_manage_are_refused_with_403(w, who):
    with pytest.raises(EstablishmentError) as exc:
        establishment_create(officer=getattr(w, who), data=karaoke(w))
    assert exc.value.status == 403
    assert not Establishment.objects.exists()


def test_an_update_changes_the_data_bumps_the_version_and_feeds_the_change(w):
    e = establishment_create(officer=w.processor_a, data=karaoke(w))
    data = data_from(e)
    # when
    changed = establishment_update(
        officer=w.head_a,
        establishment=e,
        data=replace(data, address="15 Lê Lợi", line_codes=["t-karaoke", "t-luu-tru"]),
        row_version=1,
    )
    # then
    assert changed.row_version == 2 and changed.address == "15 Lê Lợi"
    assert sorted(changed.lines.values_list("code", flat=True)) == ["t-karaoke", "t-luu-tru"]
    entry = AuditEvent.objects.filter(object_id=str(e.pk), action="update").get()
    assert entry.changes["address"] == ["12 Lê Lợi", "15 Lê Lợi"]
    assert entry.changes["lines"] == [["t-karaoke"], ["t-karaoke", "t-luu-tru"]]
    feed_rows = ChangeEntry.objects.filter(object_id=e.pk).order_by("id")
    assert [r.action for r in feed_rows] == ["created", "updated"]
    assert feed_rows.last().data["lines"] == ["t-karaoke", "t-luu-tru"]


def test_a_change_of_personal_data_only_is_audited_by_field_name_and_not_fed(w):
    e = establishment_create(officer=w.processor_a, data=karaoke(w))
    establishment_update(
        officer=w.processor_a,
        establishment=e,
        data=replace(data_from(e), security_person_phone="0988777666"),
        row_version=1,
    )
    entry = AuditEvent.objects.filter(object_id=str(e.pk), action="update").get()
    assert entry.changes == {"personal_fields": ["security_person_phone"]}
    assert "0988777666" not in str(entry.changes)
    assert ChangeEntry.objects.filter(object_id=e.pk).count() == 1  # only "created"


def test_an_update_from_a_stale_form_is_refused_with_409_and_changes_nothing(w):
    e = establishment_create(officer=w.processor_a, data=karaoke(w))
    stale = data_from(e)
    establishment_update(officer=w.head_a, establishment=e, data=replace(stale, address="Số 1"), row_version=1)
    # when the first officer sends the form they opened at version 1
    with pytest.raises(EstablishmentError) as exc:
        establishment_update(officer=w.processor_a, establishment=e, data=replace(stale, name="Tên mới"), row_version=1)
    # then
    assert exc.value.status == 409 and "vừa được cán bộ khác cập nhật" in exc.value.message
    e.refresh_from_db()
    assert e.name == "Karaoke Ánh Dương" and e.address == "Số 1" and e.row_version == 2


def test_an_update_to_another_establishments_tax_code_is_refused(w):
    a = establishment_create(officer=w.processor_a, data=karaoke(w, tax_code="0100109106"))
    b = establishment_create(officer=w.processor_a, data=karaoke(w, name="Massage Hoa Sen"))
    with pytest.raises(EstablishmentError) as exc:
        establishment_update(officer=w.processor_a, establishment=b, data=replace(data_from(b), tax_code="0100109106"))
    assert exc.value.status == 409 and a.name in exc.value.message


def test_an_officer_of_another_commune_cannot_update_nor_change_status(w):
    e = make_establishment(w)
    with pytest.raises(EstablishmentError) as exc:
        establishment_update(officer=w.processor_b, establishment=e, data=replace(data_from(e), name="X"))
    assert exc.value.status == 404
    with pytest.raises(EstablishmentError) as exc:
        establishment_set_status(officer=w.processor_b, establishment=e, status="paused", reason="Thử")
    assert exc.value.status == 404
    e.refresh_from_db()
    assert e.name == "Karaoke Ánh Dương" and e.status == "active"


def test_status_changes_follow_the_table_with_a_reason(w):
    e = make_establishment(w)
    # when
    establishment_set_status(officer=w.processor_a, establishment=e, status="paused", reason="Sửa chữa 2 tháng")
    # then
    e.refresh_from_db()
    assert e.status == "paused" and e.row_version == 2
    entry = AuditEvent.objects.get(object_id=str(e.pk), action="transition")
    assert entry.changes == {"status": ["active", "paused"]} and entry.reason == "Sửa chữa 2 tháng"
    assert ChangeEntry.objects.get(object_id=e.pk).data["status"] == "paused"
    establishment_set_status(officer=w.processor_a, establishment=e, status="ceased", reason="Giải thể")
    establishment_set_status(officer=w.processor_a, establishment=e, status="active", reason="Hoạt động lại")
    assert Establishment.objects.get(pk=e.pk).status == "active"


@pytest.mark.parametrize(
    ("start", "status", "reason", "code", "message"),
    [
        ("active", "active", "Thử", 409, "đã ở tình trạng"),
        ("ceased", "paused", "Thử", 409, "Không chuyển được"),
        ("active", "closed", "Thử", 400, "không hợp lệ"),
        ("active", "paused", "   ", 400, "lý do"),
    ],
)
def test_bad_status_changes_are_refused(w, start, status, reason, code, message):
    e = make_establishment(w, status=start)
    with pytest.raises(EstablishmentError) as exc:
        establishment_set_status(officer=w.processor_a, establishment=e, status=status, reason=reason)
    assert exc.value.status == code and message in exc.value.message
    e.refresh_from_db()
    assert e.status == start and e.row_version == 1
    assert not AuditEvent.objects.filter(object_id=str(e.pk)).exists()
