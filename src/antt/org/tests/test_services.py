import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from antt.core.models import AuditEvent
from antt.org.models import Role, Unit, User
from antt.org.services import officer_create, officer_deactivate, officer_update, unit_move
from antt.org.tests.factories import PASSWORD, make_unit

pytestmark = pytest.mark.django_db


def test_unit_admin_creates_an_officer_in_their_unit_with_audit(world):
    # when commune A's admin creates an officer
    officer = officer_create(
        actor=world.admin_a,
        unit=world.commune_a,
        username="canbomoi",
        full_name="Hoàng Văn Mới",
        role=Role.PROCESSOR,
        password="Moi-Mat#Khau2026",
        phone="0911222333",
    )
    # then the account exists, can sign in, and the audit entry has no password hash
    assert officer.check_password("Moi-Mat#Khau2026")
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_id=str(officer.pk))
    assert event.actor_id == world.admin_a.pk
    assert officer.password not in str(event.changes)
    assert "pbkdf2" not in str(event.changes)


def test_create_in_another_unit_is_refused_and_creates_nothing(world):
    with pytest.raises(PermissionDenied):
        officer_create(
            actor=world.admin_a,
            unit=world.commune_b,
            username="xamnhap",
            full_name="Không Được",
            role=Role.RECEPTIONIST,
            password="Moi-Mat#Khau2026",
        )
    assert not User.objects.filter(username="xamnhap").exists()


def test_create_with_weak_password_is_refused_in_vietnamese(world):
    with pytest.raises(ValidationError) as exc:
        officer_create(
            actor=world.admin_a,
            unit=world.commune_a,
            username="yeu",
            full_name="Mật Khẩu Yếu",
            role=Role.RECEPTIONIST,
            password="abc",
        )
    assert "password" in exc.value.message_dict
    assert not User.objects.filter(username="yeu").exists()


def test_unit_admin_cannot_grant_system_admin(world):
    with pytest.raises(PermissionDenied):
        officer_update(actor=world.admin_a, officer=world.receptionist_a, role=Role.SYSTEM_ADMIN)
    world.receptionist_a.refresh_from_db()
    assert world.receptionist_a.role == Role.RECEPTIONIST


def test_update_records_a_diff(world):
    # when the admin changes a title
    officer_update(actor=world.admin_a, officer=world.receptionist_a, title="Phó trưởng", password="Doi-Mat#Khau2026")
    # then the diff names the change, and the password only as "changed"
    event = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).latest("seq")
    assert event.changes["title"] == ["", "Phó trưởng"]
    assert "password_changed" in event.changes
    assert "pbkdf2" not in str(event.changes)
    world.receptionist_a.refresh_from_db()
    assert world.receptionist_a.check_password("Doi-Mat#Khau2026")


def test_changing_an_officer_of_another_commune_is_refused_and_changes_nothing(world):
    # given commune A's admin
    before = AuditEvent.objects.count()
    # when they try to change commune B's receptionist
    with pytest.raises(Http404):
        officer_update(actor=world.admin_a, officer=world.receptionist_b, full_name="Bị Sửa")
    with pytest.raises(Http404):
        officer_deactivate(actor=world.admin_a, officer=world.receptionist_b)
    # then nothing changed and nothing was recorded
    world.receptionist_b.refresh_from_db()
    assert world.receptionist_b.full_name == "Nguyễn Đức Anh"
    assert world.receptionist_b.is_active
    assert AuditEvent.objects.count() == before


def test_moving_an_officer_out_of_scope_is_refused(world):
    with pytest.raises(PermissionDenied):
        officer_update(actor=world.admin_a, officer=world.receptionist_a, unit=world.commune_b)
    world.receptionist_a.refresh_from_db()
    assert world.receptionist_a.unit == world.commune_a


def test_supervisor_sees_but_cannot_change(world):
    with pytest.raises(PermissionDenied):
        officer_update(actor=world.supervisor, officer=world.receptionist_a, title="x")
    with pytest.raises(PermissionDenied):
        officer_create(
            actor=world.supervisor,
            unit=world.commune_a,
            username="khongduoc",
            full_name="Không Được",
            role=Role.RECEPTIONIST,
            password=PASSWORD,
        )


def test_deactivate_locks_the_account_with_a_reason(world):
    officer_deactivate(actor=world.admin_a, officer=world.receptionist_a, reason="Chuyển công tác")
    world.receptionist_a.refresh_from_db()
    assert not world.receptionist_a.is_active
    event = AuditEvent.objects.latest("seq")
    assert event.reason == "Chuyển công tác"
    with pytest.raises(ValidationError):
        officer_deactivate(actor=world.admin_a, officer=world.admin_a)


def test_unit_move_rewrites_the_subtree_paths(world):
    # given a post below commune A, and a district-level unit under the province
    post = make_unit("Đồn thử", parent=world.commune_a)
    hub = make_unit("Cụm thử", parent=world.province, level=Unit.Level.DEPARTMENT)
    # when the system admin moves commune A under the hub
    unit_move(actor=world.system_admin, unit=world.commune_a, new_parent=hub)
    # then commune A and its post carry the new prefix, and the hub's scope covers them
    world.commune_a.refresh_from_db()
    post.refresh_from_db()
    assert world.commune_a.path == f"{hub.path}{world.commune_a.pk}/"
    assert post.path == f"{world.commune_a.path}{post.pk}/"
    assert post.is_within(hub)


def test_unit_move_refuses_cycles_and_needs_capability(world):
    post = make_unit("Đồn thử", parent=world.commune_a)
    with pytest.raises(ValidationError):
        unit_move(actor=world.system_admin, unit=world.commune_a, new_parent=post)
    with pytest.raises(PermissionDenied):
        unit_move(actor=world.admin_a, unit=post, new_parent=world.commune_a)
