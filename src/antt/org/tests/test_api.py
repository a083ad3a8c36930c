import json

import pytest

from antt.org.models import AdminArea, Role
from antt.org.tests.factories import make_officer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2fa")]


def _patch(client, officer_id, data, **extra):
    return client.patch(f"/api/v1/officers/{officer_id}", json.dumps(data), content_type="application/json", **extra)


def test_public_units_list_is_flat_with_parent_ids(client, world):
    response = client.get("/api/v1/units")
    assert response.status_code == 200
    rows = {r["id"]: r for r in response.json()}
    assert rows[world.commune_a.pk]["parent_id"] == world.province.pk
    assert client.get("/api/v1/units", {"level": "province"}).json()[0]["id"] == world.province.pk


def test_public_unit_detail_and_404(client, world):
    assert client.get(f"/api/v1/units/{world.commune_b.pk}").json()["name"] == "Công an phường Hàm Rồng"
    response = client.get("/api/v1/units/999999")
    assert response.status_code == 404
    assert response.json()["detail"] == "Không tìm thấy."


def test_admin_areas_filter_by_scheme_parent_and_folded_text(client, db):
    province = AdminArea.objects.create(scheme="2025", code="38", name="Tỉnh Thanh Hóa", level="province")
    AdminArea.objects.create(scheme="2025", code="14758", name="Phường Hàm Rồng", level="commune", parent=province)
    AdminArea.objects.create(scheme="legacy", code="14758", name="Phường Đông Thọ", level="commune")
    response = client.get("/api/v1/admin-areas", {"scheme": "2025", "parent": province.pk, "q": "ham rong"})
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 1
    assert body["items"][0]["name"] == "Phường Hàm Rồng"
    assert client.get("/api/v1/admin-areas", {"scheme": "bogus"}).status_code == 422


def test_officers_api_needs_a_session(client, world):
    response = client.get("/api/v1/officers")
    assert response.status_code == 401


def test_officers_api_lists_only_in_unit_rows(client, world, django_assert_max_num_queries):
    for _ in range(5):
        make_officer(world.commune_b)
    client.force_login(world.admin_a)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/officers")
    body = response.json()
    assert response.status_code == 200
    assert {r["unit_id"] for r in body["items"]} == {world.commune_a.pk}
    assert all("xx xxx" in r["phone_masked"] or r["phone_masked"] == "" for r in body["items"])


def test_officers_api_without_capability_is_403(client, world):
    client.force_login(world.receptionist_a)
    assert client.get("/api/v1/officers").status_code == 403
    assert client.get(f"/api/v1/officers/{world.admin_a.pk}").status_code == 403


def test_officer_of_another_commune_is_404_through_the_api(client, world):
    client.force_login(world.admin_a)
    assert client.get(f"/api/v1/officers/{world.receptionist_b.pk}").status_code == 404
    response = _patch(client, world.receptionist_b.pk, {"full_name": "Bị Sửa"})
    assert response.status_code == 404
    world.receptionist_b.refresh_from_db()
    assert world.receptionist_b.full_name == "Nguyễn Đức Anh"


def test_patch_in_own_commune_changes_the_officer(client, world):
    client.force_login(world.admin_a)
    response = _patch(client, world.receptionist_a.pk, {"title": "Tổ trưởng", "role": "processor"})
    assert response.status_code == 200
    assert response.json()["role"] == Role.PROCESSOR
    world.receptionist_a.refresh_from_db()
    assert world.receptionist_a.title == "Tổ trưởng"


def test_patch_moving_to_another_commune_is_refused(client, world):
    client.force_login(world.admin_a)
    response = _patch(client, world.receptionist_a.pk, {"unit_id": world.commune_b.pk})
    assert response.status_code == 400
    world.receptionist_a.refresh_from_db()
    assert world.receptionist_a.unit == world.commune_a


def test_supervisor_reads_all_communes_but_cannot_patch(client, world):
    client.force_login(world.supervisor)
    assert client.get(f"/api/v1/officers/{world.receptionist_b.pk}").status_code == 200
    response = _patch(client, world.receptionist_b.pk, {"title": "x"})
    assert response.status_code == 403
    world.receptionist_b.refresh_from_db()
    assert world.receptionist_b.title == ""


def test_patch_without_csrf_token_is_refused(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin_a)
    response = _patch(client, world.receptionist_a.pk, {"title": "x"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_bad_patch_values_are_4xx_in_vietnamese(client, world):
    client.force_login(world.admin_a)
    assert _patch(client, world.receptionist_a.pk, {"role": "king"}).status_code == 422
    response = _patch(client, world.receptionist_a.pk, {"phone": "abc"})
    assert response.status_code == 400
    assert "điện thoại" in response.json()["detail"]
    assert client.get("/api/v1/officers/99999999999999999999").status_code == 422


@pytest.mark.parametrize("body", ["[null, null]", "[]", '"text"', "5"])
def test_patch_body_must_be_a_json_object(client, world, no_2fa, body):
    # given a unit administrator and an officer of their unit
    client.force_login(world.admin_a)
    client.get("/can-bo/danh-sach/")
    token = client.cookies["csrftoken"].value
    # when the body is JSON but not an object
    response = client.patch(
        f"/api/v1/officers/{world.receptionist_a.pk}",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    # then it is refused, not read as "change nothing"
    assert response.status_code == 422
