import pytest
from django.urls import reverse

from antt.core.models import AuditEvent
from antt.org.models import Role, User
from antt.org.tests.factories import make_officer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2fa")]


def test_pages_need_sign_in(client, world):
    response = client.get(reverse("org:officer-list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_officer_list_shows_only_in_unit_rows_with_masked_phones(client, world, django_assert_max_num_queries):
    # given commune A's admin, and more officers in both communes
    for _ in range(5):
        make_officer(world.commune_a)
        make_officer(world.commune_b)
    client.force_login(world.admin_a)
    # when listing officers (query budget independent of the number of rows)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("org:officer-list"))
    # then only commune A's officers appear, and phones are masked
    assert response.status_code == 200
    page = response.context["page"]
    assert {o.unit_id for o in page.object_list} == {world.commune_a.pk}
    body = response.content.decode()
    assert "Nguyễn Đức Anh" not in body
    assert "09xx xxx 321" in body
    assert "0987654321" not in body


def test_supervisor_list_covers_every_commune_and_paginates(client, world, django_assert_max_num_queries):
    for _ in range(30):
        make_officer(world.commune_b)
    client.force_login(world.supervisor)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("org:officer-list"), {"sort": "unit", "page": 2})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == User.objects.exclude(role="").count()
    assert response.context["page"].number == 2


def test_officer_list_filters_by_text_without_diacritics(client, world):
    client.force_login(world.supervisor)
    response = client.get(reverse("org:officer-list"), {"q": "thu trang"})
    assert [o.pk for o in response.context["page"].object_list] == [world.receptionist_a.pk]


def test_officer_list_without_capability_is_forbidden(client, world):
    client.force_login(world.receptionist_a)
    assert client.get(reverse("org:officer-list")).status_code == 403


def test_detail_of_another_commune_is_not_found(client, world):
    client.force_login(world.admin_a)
    assert client.get(reverse("org:officer-detail", args=[world.receptionist_b.pk])).status_code == 404


def test_detail_shows_full_phone_and_records_the_read(client, world):
    # given commune A's admin
    client.force_login(world.admin_a)
    # when opening an officer's detail page
    response = client.get(reverse("org:officer-detail", args=[world.receptionist_a.pk]))
    # then the full number is shown and the read is in the audit trail
    assert response.status_code == 200
    assert "0987654321" in response.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.READ_PERSONAL, object_id=str(world.receptionist_a.pk))
    assert event.changes == {"fields": ["phone"]}
    assert event.actor_id == world.admin_a.pk


def test_unit_admin_creates_an_officer_through_the_form(client, world):
    client.force_login(world.admin_a)
    response = client.post(
        reverse("org:officer-create"),
        {
            "username": "canbomoi",
            "password": "Moi-Mat#Khau2026",
            "full_name": "Hoàng Văn Mới",
            "unit": world.commune_a.pk,
            "role": Role.PROCESSOR,
        },
    )
    officer = User.objects.get(username="canbomoi")
    assert response.status_code == 302
    assert officer.unit == world.commune_a


def test_create_form_refuses_another_commune_with_a_message(client, world):
    client.force_login(world.admin_a)
    response = client.post(
        reverse("org:officer-create"),
        {
            "username": "xamnhap",
            "password": "Moi-Mat#Khau2026",
            "full_name": "Không Được",
            "unit": world.commune_b.pk,
            "role": Role.PROCESSOR,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["unit"]
    assert not User.objects.filter(username="xamnhap").exists()


def test_weak_password_is_a_form_error_in_vietnamese(client, world):
    client.force_login(world.admin_a)
    response = client.post(
        reverse("org:officer-create"),
        {"username": "yeu", "password": "abc", "full_name": "Yếu", "unit": world.commune_a.pk, "role": Role.PROCESSOR},
    )
    assert response.status_code == 200
    assert "Mật khẩu" in " ".join(response.context["form"].errors["password"])


def test_edit_of_another_commune_is_not_found_and_changes_nothing(client, world):
    client.force_login(world.admin_a)
    url = reverse("org:officer-edit", args=[world.receptionist_b.pk])
    response = client.post(url, {"full_name": "Bị Sửa", "unit": world.commune_a.pk, "role": Role.RECEPTIONIST})
    assert response.status_code == 404
    world.receptionist_b.refresh_from_db()
    assert world.receptionist_b.full_name == "Nguyễn Đức Anh"


def test_edit_in_own_commune_saves(client, world):
    client.force_login(world.admin_a)
    url = reverse("org:officer-edit", args=[world.receptionist_a.pk])
    response = client.post(
        url, {"full_name": "Lê Thị Thu Trang", "title": "Tổ trưởng", "unit": world.commune_a.pk, "role": Role.PROCESSOR}
    )
    assert response.status_code == 302
    world.receptionist_a.refresh_from_db()
    assert (world.receptionist_a.title, world.receptionist_a.role) == ("Tổ trưởng", Role.PROCESSOR)


def test_supervisor_cannot_open_the_edit_form(client, world):
    client.force_login(world.supervisor)
    assert client.get(reverse("org:officer-edit", args=[world.receptionist_a.pk])).status_code == 403
    assert client.post(reverse("org:officer-deactivate", args=[world.receptionist_a.pk])).status_code == 403
    world.receptionist_a.refresh_from_db()
    assert world.receptionist_a.is_active


def test_unit_tree_shows_only_visible_units(client, world, django_assert_max_num_queries):
    client.force_login(world.admin_a)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("org:unit-tree"))
    assert [u for u, _ in response.context["rows"]] == [world.commune_a]


def test_staff_pages_ask_for_the_second_factor_when_required(client, world, settings):
    settings.ANTT_REQUIRE_2FA = True
    client.force_login(world.admin_a)
    response = client.get(reverse("org:officer-list"))
    assert response.status_code == 302
    assert reverse("login-otp") in response["Location"]
