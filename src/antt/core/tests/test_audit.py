"""The audit trail: what `record()` and its helpers store, and who may see it."""

import pytest
from django.contrib import admin
from django.contrib.auth import authenticate, login, logout
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import PermissionDenied
from django.http import Http404

from antt.core import audit
from antt.core.context import acting_as
from antt.core.models import AuditEvent, AuditHead
from antt.org.models import Role, Unit, User

PASSWORD = "Nhat-Ky-Kiem-Tra#2026"


@pytest.fixture
def unit(db):
    return Unit.objects.create(name="Công an phường Hạc Thành", level=Unit.Level.COMMUNE, slug="audit-hac-thanh")


@pytest.fixture
def officer(unit):
    return User.objects.create_user(
        username="canbo_audit", password=PASSWORD, full_name="Lê Thị Hoa", unit=unit, role=Role.RECEPTIONIST
    )


def _web_request(rf, user=None, ip="203.0.113.7"):
    request = rf.post("/dang-nhap/", REMOTE_ADDR=ip)
    request.session = SessionStore()
    if user is not None:
        request.user = user
    return request


@pytest.mark.django_db
def test_record_links_each_entry_to_the_previous_one_and_the_chain_verifies(unit):
    # given / when
    first = audit.record("create", unit, changes={"name": unit.name})
    second = audit.record("update", unit, changes={"name": ["a", "b"]}, reason="sửa tên")

    # then
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == "" and second.prev_hash == first.hash
    head = AuditHead.objects.get(id=1)
    assert (head.seq, head.hash) == (2, second.hash)
    result = audit.verify_chain()
    assert result.ok and result.checked == 2


@pytest.mark.django_db
def test_record_takes_who_and_where_from_the_request_context(officer, unit):
    # given / when
    with acting_as(officer, "198.51.100.20"):
        event = audit.record("transition", unit, changes={"state": ["a", "b"]})

    # then
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor_id == officer.pk
    assert event.actor_name == str(officer)
    assert event.actor_unit_id == unit.pk
    assert event.ip == "198.51.100.20"
    assert (event.object_type, event.object_id) == ("org.unit", str(unit.pk))


@pytest.mark.django_db
def test_an_ipv6_address_written_long_form_still_verifies_after_reload(unit):
    # given: the database stores IPv6 addresses compressed
    audit.record("update", unit, ip="2001:0db8:0000:0000:0000:0000:0000:0001")

    # when
    result = audit.verify_chain()

    # then
    assert AuditEvent.objects.get().ip == "2001:db8::1"
    assert result.ok, result.problems


@pytest.mark.django_db
def test_snapshot_and_record_change_never_store_password_hashes(officer):
    # given
    before = audit.snapshot(officer)
    officer.set_password("Mat-Khau-Moi#2026")
    officer.full_name = "Lê Thị Hoa Mai"
    officer.save()

    # when
    event = audit.record_change(officer, before)

    # then
    assert "password" not in before
    assert event.changes == {
        "full_name": ["Lê Thị Hoa", "Lê Thị Hoa Mai"],
        "full_name_folded": ["le thi hoa", "le thi hoa mai"],
    }


@pytest.mark.django_db
def test_record_masks_secret_values_passed_in_changes(unit):
    # when
    event = audit.record("update", unit, changes={"api_key": "abc123", "nested": {"totp_secret": "JBSW"}, "name": "x"})

    # then
    stored = AuditEvent.objects.get(pk=event.pk).changes
    assert stored == {"api_key": audit.REDACTED, "nested": {"totp_secret": audit.REDACTED}, "name": "x"}


@pytest.mark.django_db
def test_record_personal_read_names_the_fields_read_and_why(officer, unit):
    # given
    subject = User.objects.create_user(username="congdan1", password=PASSWORD, full_name="Nguyễn Văn An")

    # when
    with acting_as(officer, "10.0.0.5"):
        event = audit.record_personal_read(subject, ["full_name", "phone"], reason="giải quyết hồ sơ")

    # then
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.action == AuditEvent.Action.READ_PERSONAL
    assert event.changes == {"fields": ["full_name", "phone"]}
    assert event.reason == "giải quyết hồ sơ"
    assert (event.actor_id, event.object_id) == (officer.pk, str(subject.pk))


@pytest.mark.django_db
def test_entries_cannot_be_changed_or_deleted_through_the_orm(unit):
    # given
    event = audit.record("create", unit)

    # when / then
    event.reason = "sửa lén"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


@pytest.mark.django_db
def test_deleting_a_user_leaves_their_entries_and_the_chain_intact(officer, unit):
    # given
    with acting_as(officer):
        audit.record("update", unit)
    officer_id = officer.pk

    # when
    officer.delete()

    # then
    assert AuditEvent.objects.get().actor_id == officer_id
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_sign_in_is_audited_with_the_user_and_address(rf, officer):
    # given
    request = _web_request(rf)

    # when
    login(request, officer, backend="django.contrib.auth.backends.ModelBackend")

    # then
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert (event.actor_id, event.ip, event.object_id) == (officer.pk, "203.0.113.7", str(officer.pk))


@pytest.mark.django_db
def test_sign_out_is_audited(rf, officer):
    # given
    request = _web_request(rf, officer)

    # when
    logout(request)

    # then
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGOUT)
    assert (event.actor_id, event.ip) == (officer.pk, "203.0.113.7")


@pytest.mark.django_db
def test_failed_sign_in_keeps_the_attempted_username_never_the_password(rf, officer):
    # given
    request = _web_request(rf, ip="192.0.2.99")

    # when
    user = authenticate(request, username="canbo_audit", password="sai-mat-khau-123")

    # then
    assert user is None
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.changes == {"username": "canbo_audit"}
    assert event.ip == "192.0.2.99"
    assert event.actor_id is None
    assert "sai-mat-khau" not in str(event.changes) + event.reason + event.object_repr


@pytest.fixture
def audit_admin():
    return admin.site._registry[AuditEvent]


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(username="quantri_audit", password=PASSWORD, email="qt@example.vn")


@pytest.mark.django_db
def test_admin_refuses_adding_changing_and_deleting_entries_even_for_superusers(rf, audit_admin, superuser, unit):
    # given
    event = audit.record("create", unit)
    request = rf.get("/")
    request.user = superuser

    # when / then
    assert audit_admin.has_view_permission(request, event)
    assert not audit_admin.has_add_permission(request)
    assert not audit_admin.has_change_permission(request, event)
    assert not audit_admin.has_delete_permission(request, event)
    assert not audit_admin.get_actions(request)
    post = rf.post("/", {"reason": "sửa"})
    post.user = superuser
    post._dont_enforce_csrf_checks = True
    with pytest.raises(PermissionDenied):
        audit_admin.add_view(post)
    with pytest.raises((PermissionDenied, Http404)):
        audit_admin.delete_view(post, str(event.pk))


@pytest.mark.django_db
def test_admin_lists_entries_filtered_by_action_and_searched_by_object_id(rf, audit_admin, superuser, unit, officer):
    # given
    audit.record("create", unit)
    audit.record("read_personal", officer, changes={"fields": ["phone"]})
    request = rf.get("/", {"action": "read_personal", "q": str(officer.pk)})
    request.user = superuser

    # when
    response = audit_admin.changelist_view(request)

    # then
    assert response.status_code == 200
    rows = list(response.context_data["cl"].result_list)
    assert [(e.action, e.object_type) for e in rows] == [("read_personal", "org.user")]


@pytest.mark.django_db
def test_only_the_audit_capability_or_superusers_may_read_the_trail_in_admin(rf, audit_admin, officer, unit):
    # given
    admin_officer = User.objects.create_user(
        username="qtht_audit", password=PASSWORD, unit=unit, role=Role.SYSTEM_ADMIN, is_staff=True
    )
    request_officer, request_admin = rf.get("/"), rf.get("/")
    request_officer.user, request_admin.user = officer, admin_officer

    # then
    assert not audit_admin.has_view_permission(request_officer)
    assert audit_admin.has_view_permission(request_admin)
    assert not audit_admin.has_change_permission(request_admin)
