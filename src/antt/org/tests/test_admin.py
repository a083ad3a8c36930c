"""Changes made in the Django admin leave audit entries like any other write."""

import pytest

from antt.core.models import AuditEvent
from antt.org.models import Role, Unit
from antt.org.tests.factories import make_officer, make_unit


@pytest.fixture
def admin_client(client, settings):
    settings.ANTT_REQUIRE_2FA = False
    province = make_unit("Công an tỉnh Thử", level=Unit.Level.PROVINCE)
    root = make_officer(province, role=Role.SYSTEM_ADMIN, full_name="Vũ Quốc Khánh")
    root.is_staff = root.is_superuser = True
    root.save()
    client.force_login(root)
    client.province, client.root = province, root
    return client


@pytest.mark.django_db
def test_editing_a_unit_in_the_admin_is_audited_with_the_change(admin_client):
    # given a commune police unit
    unit = make_unit("Công an xã Thử", parent=admin_client.province)
    # when the administrator changes its phone number in the admin
    response = admin_client.post(
        f"/quan-tri/org/unit/{unit.pk}/change/",
        {
            "name": unit.name,
            "short_name": "",
            "slug": unit.slug,
            "level": unit.level,
            "agency_code": "",
            "area": "",
            "address": "",
            "phone": "0237 3852 000",
            "is_active": "on",
            "active_until": "",
        },
    )
    # then it is saved and the audit trail says who changed what
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEvent.objects.get(object_type="org.unit", object_id=str(unit.pk), action="update")
    assert entry.actor == admin_client.root
    assert entry.changes["phone"] == ["", "0237 3852 000"]


@pytest.mark.django_db
def test_a_password_set_in_the_admin_is_audited_without_the_password(admin_client):
    # given an officer
    officer = make_officer(admin_client.province, full_name="Lê Văn Nam")
    # when an administrator sets a new password in the admin
    new = "Mat#Khau2026moi"
    response = admin_client.post(
        f"/quan-tri/org/user/{officer.pk}/password/", {"password1": new, "password2": new, "usable_password": "true"}
    )
    # then the change is recorded, the password itself is not
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEvent.objects.get(object_type="org.user", object_id=str(officer.pk), action="update")
    assert entry.changes == {"password": "[đã ẩn]"}
    assert new not in str(entry.changes)
