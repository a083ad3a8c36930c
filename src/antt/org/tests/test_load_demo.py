from io import StringIO

import pytest
from django.core.management import call_command

from antt.core.management.commands.load_demo import DEMO_ACCOUNTS
from antt.org.loaders import load_admin_areas, load_units
from antt.org.models import Role, User

pytestmark = pytest.mark.django_db


def test_load_demo_creates_one_account_per_role_and_is_idempotent(settings):
    # given the reference units
    settings.DEBUG = True
    load_admin_areas()
    load_units()
    # when the demo is loaded twice
    call_command("load_demo", stdout=StringIO())
    out = StringIO()
    call_command("load_demo", stdout=out)
    # then every role has an account, nothing is duplicated, and the table lists the passwords
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    # xulyxnc (exit-entry processor) since lodging, pakn (feedback intake at the centre) since the portal
    assert User.objects.count() == len(DEMO_ACCOUNTS) == 11
    admin = User.objects.get(username="quantri")
    assert admin.is_superuser and admin.is_staff and admin.unit.parent_id is None
    assert admin.check_password("QuanTri#Tinh2026")
    assert User.objects.get(username="tiepnhan").unit.name == "Công an phường Hạc Thành"
    assert "Cán bộ tiếp nhận" in out.getvalue() and "HacThanh#2026tn" in out.getvalue()
