"""The lodging demo of `make run` (`lodging.demo.ensure_demo_lodging`)."""

from __future__ import annotations

import pytest

from antt.core.context import acting_as
from antt.establishments.models import EstablishmentAccount
from antt.lodging import demo
from antt.lodging.models import ApiKey, Declaration, DeclarationBatch, Room, WatchEntry
from antt.lodging.tests.factories import lodging_world
from antt.org.models import Role, User
from antt.org.tests.factories import make_officer, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(settings):
    """The lodging world with the demo names: the hotel's manager is `khachsan`, the commune's head
    is `lanhdao`, the exit-entry unit has the slug `pa08`."""
    w = lodging_world(settings)
    User.objects.filter(pk=w.manager.pk).update(username=demo.DEMO_BUSINESS[0])
    head = make_officer(w.commune_a, role=Role.HEAD, full_name="Trịnh Đình Dũng")
    User.objects.filter(pk=head.pk).update(username=demo.DEMO_HEAD)
    w.pa08.slug = "pa08"
    w.pa08.save(update_fields=["slug"])
    return w


def test_given_the_demo_hotel_when_ensured_then_rooms_key_guests_watchlist_and_pa08_account(demo_world):
    w = demo_world

    with acting_as(None, None):
        result = demo.ensure_demo_lodging()

    assert Room.objects.filter(establishment=w.hotel).count() == 20
    key = ApiKey.objects.get(establishment=w.hotel, name=demo.DEMO_KEY_NAME)
    assert result.api_key and result.api_key not in result.message
    from antt.lodging.business import key_hash

    assert key.key_hash == key_hash(result.api_key)
    staying = Declaration.objects.filter(establishment=w.hotel, is_current=True, state="staying")
    assert staying.count() == 5 and staying.filter(nationality="KOR").count() == 1
    assert WatchEntry.objects.filter(doc_number=demo.DEMO_WANTED_DOC, kind="wanted", is_active=True).count() == 1
    name, born = demo.DEMO_MISSING
    assert WatchEntry.objects.filter(full_name=name, birth_date=born, kind="missing").count() == 1
    processor = User.objects.get(username=demo.DEMO_PA08_PROCESSOR[0])
    assert processor.unit_id == w.pa08.pk and processor.role == Role.PROCESSOR
    assert processor.check_password(demo.DEMO_PA08_PROCESSOR[1])


def test_given_the_demo_ensured_when_run_again_then_nothing_is_added_and_no_key_is_shown(demo_world):
    w = demo_world
    with acting_as(None, None):
        demo.ensure_demo_lodging()
        counts = (
            Room.objects.count(),
            ApiKey.objects.count(),
            Declaration.objects.count(),
            DeclarationBatch.objects.count(),
            WatchEntry.objects.count(),
            User.objects.count(),
        )

        again = demo.ensure_demo_lodging()

    assert again.api_key == ""
    assert counts == (
        Room.objects.count(),
        ApiKey.objects.count(),
        Declaration.objects.count(),
        DeclarationBatch.objects.count(),
        WatchEntry.objects.count(),
        User.objects.count(),
    )
    assert Room.objects.filter(establishment=w.hotel).count() == 20


def test_given_no_demo_business_account_then_a_message_and_nothing_for_hotels(settings):
    lodging_world(settings)
    make_unit("Phòng Quản lý xuất nhập cảnh (PA08)", slug="pa08")
    EstablishmentAccount.objects.all().delete()

    with acting_as(None, None):
        result = demo.ensure_demo_lodging()

    assert "chưa có tài khoản cơ sở" in result.message
    assert not Room.objects.exists() and not ApiKey.objects.exists()
