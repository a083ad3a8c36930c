"""CalendarDay admin and services: every change leaves an audit entry."""

from datetime import date

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from antt.core import calendar, services
from antt.core.admin import CalendarDayAdmin
from antt.core.models import AuditEvent, CalendarDay

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("quantri", "quantri@example.com", "mat-khau-dai-123")


def test_calendar_day_save_creates_then_changes_with_before_and_after(superuser):
    # given
    day = CalendarDay(date=date(2026, 2, 23), kind=CalendarDay.Kind.DAY_OFF, name="Nghỉ thêm")

    # when
    services.calendar_day_save(day=day, actor=superuser)
    day.name = "Nghỉ Tết bổ sung"
    services.calendar_day_save(day=day, actor=superuser, reason="Sửa tên")

    # then
    created, changed = AuditEvent.objects.filter(object_type="core.calendarday").order_by("seq")
    assert created.action == AuditEvent.Action.CREATE
    assert created.changes["before"] is None
    assert created.changes["after"]["name"] == "Nghỉ thêm"
    assert changed.action == AuditEvent.Action.UPDATE
    assert changed.changes["before"]["name"] == "Nghỉ thêm"
    assert changed.changes["after"]["name"] == "Nghỉ Tết bổ sung"
    assert changed.reason == "Sửa tên"
    assert changed.actor_id == superuser.pk
    assert not calendar.is_working_day(date(2026, 2, 23))


def test_calendar_day_save_refuses_a_second_row_for_the_same_date():
    # given
    services.calendar_day_save(day=CalendarDay(date=date(2026, 3, 2), kind="day_off", name="A"))

    # when / then
    with pytest.raises(ValidationError):
        services.calendar_day_save(day=CalendarDay(date=date(2026, 3, 2), kind="working_day", name="B"))
    assert CalendarDay.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="core.calendarday").count() == 1


def test_calendar_day_delete_keeps_the_row_in_the_audit_trail(superuser):
    # given
    day = services.calendar_day_save(day=CalendarDay(date=date(2026, 3, 2), kind="day_off", name="A"))
    pk = day.pk

    # when
    services.calendar_day_delete(day=day, actor=superuser)

    # then
    assert not CalendarDay.objects.exists()
    event = AuditEvent.objects.filter(object_type="core.calendarday").order_by("-seq").first()
    assert event.action == AuditEvent.Action.DELETE
    assert event.object_id == str(pk)
    assert event.changes == {
        "before": {"date": "2026-03-02", "kind": "day_off", "name": "A", "legal_basis": ""},
        "after": None,
    }
    assert calendar.is_working_day(date(2026, 3, 2))


def test_model_admin_save_delete_and_bulk_delete_go_through_the_services(superuser):
    # given
    model_admin = CalendarDayAdmin(CalendarDay, admin.site)
    request = RequestFactory().post("/")
    request.user = superuser
    first = CalendarDay(date=date(2026, 6, 1), kind="day_off", name="Một")
    second = CalendarDay(date=date(2026, 6, 2), kind="day_off", name="Hai")

    # when
    model_admin.save_model(request, first, form=None, change=False)
    model_admin.save_model(request, second, form=None, change=False)
    model_admin.delete_model(request, first)
    model_admin.delete_queryset(request, CalendarDay.objects.all())

    # then
    actions = list(
        AuditEvent.objects.filter(object_type="core.calendarday").order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["create", "create", "delete", "delete"]
    assert not CalendarDay.objects.exists()


def test_admin_pages_list_and_add_calendar_days(client, superuser, settings):
    # given a signed-in superuser (second factor switched off for this test)
    settings.ANTT_REQUIRE_2FA = False
    client.force_login(superuser)
    CalendarDay.objects.create(
        date=date(2026, 2, 14), kind="day_off", name="Nghỉ Tết Nguyên Đán", legal_basis="Công văn 9859/VPCP-KGVX"
    )

    # when
    listing = client.get("/quan-tri/core/calendarday/")
    added = client.post(
        "/quan-tri/core/calendarday/add/",
        {"date": "23/02/2026", "kind": "day_off", "name": "Nghỉ thêm", "legal_basis": ""},
    )

    # then
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "Nghỉ Tết Nguyên Đán" in page and "Công văn 9859/VPCP-KGVX" in page
    assert added.status_code == 302, added.content.decode()[:2000]
    assert CalendarDay.objects.filter(date=date(2026, 2, 23)).exists()
    assert AuditEvent.objects.filter(object_type="core.calendarday", action="create").count() == 1
