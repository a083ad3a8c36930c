"""Editors' announcement pages: capability portal.edit, unit scope, slugs, audit on every change."""

import pytest

from antt.core.models import AuditEvent
from antt.org.models import Role, Unit
from antt.org.otp import login_verified
from antt.org.tests.factories import make_officer, make_unit
from antt.portal import services
from antt.portal.models import Announcement
from antt.portal.services import AnnouncementData, AnnouncementError

pytestmark = pytest.mark.django_db

MANAGE = "/can-bo/thong-bao/"
NEW = "/can-bo/thong-bao/moi/"


@pytest.fixture
def units(db):
    province = make_unit("Công an tỉnh Thử", level=Unit.Level.PROVINCE)
    commune_a = make_unit("Công an phường A", parent=province)
    commune_b = make_unit("Công an phường B", parent=province)
    return province, commune_a, commune_b


@pytest.fixture
def editor(units):
    return make_officer(units[0], role=Role.SYSTEM_ADMIN)


@pytest.fixture
def commune_editor(units):
    return make_officer(units[1], role=Role.UNIT_ADMIN)


def audits(row):
    return list(AuditEvent.objects.filter(object_type="portal.announcement", object_id=str(row.pk)).order_by("seq"))


def form(**values):
    data = {
        "title": "Thông báo nghỉ Tết Nguyên đán",
        "summary": "",
        "body": "Nội dung.",
        "publish_from": "",
        "publish_until": "",
    }
    data.update(values)
    return data


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (MANAGE, NEW, "/can-bo/thong-bao/1/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/dang-nhap/")
    assert client.post("/can-bo/thong-bao/1/cong-khai/").status_code == 302


def test_officers_without_portal_edit_are_refused(client, units):
    # given
    receptionist = make_officer(units[0], role=Role.RECEPTIONIST)
    row = Announcement.objects.create(title="T", slug="t", body="b", unit=units[0])
    login_verified(client, receptionist)
    # when / then
    assert client.get(MANAGE).status_code == 403
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form()).status_code == 403
    assert client.post(f"/can-bo/thong-bao/{row.pk}/cong-khai/").status_code == 403
    row.refresh_from_db()
    assert row.published is False and Announcement.objects.count() == 1


def test_an_editor_creates_an_announcement_with_a_folded_unique_slug_and_an_audit_entry(client, editor):
    # given
    login_verified(client, editor)
    # when
    first = client.post(NEW, form())
    second = client.post(NEW, form(publish="1"))
    # then
    assert first.status_code == 302 and second.status_code == 302
    a, b = Announcement.objects.order_by("pk")
    assert a.slug == "thong-bao-nghi-tet-nguyen-dan" and b.slug == "thong-bao-nghi-tet-nguyen-dan-2"
    assert a.published is False and b.published is True
    assert a.unit == editor.unit and a.created_by == editor
    assert [e.action for e in audits(a)] == ["create"]
    assert client.get("/thong-bao/thong-bao-nghi-tet-nguyen-dan-2/").status_code == 200


def test_slug_folds_vietnamese_letters_including_d_bar(editor):
    row = services.announcement_create(
        editor=editor, data=AnnouncementData(title="Đường dây nóng Đồn Công an", body="x")
    )
    assert row.slug == "duong-day-nong-don-cong-an"


def test_a_title_without_letters_or_digits_is_refused(editor):
    with pytest.raises(AnnouncementError) as caught:
        services.announcement_create(editor=editor, data=AnnouncementData(title="!!! ???", body="x"))
    assert caught.value.field == "title"
    assert Announcement.objects.count() == 0


def test_invalid_input_answers_400_in_vietnamese_and_saves_nothing(client, editor):
    # given
    login_verified(client, editor)
    # when
    response = client.post(
        NEW, form(title="", body="", publish_from="2026-03-02T08:00", publish_until="2026-03-01T08:00")
    )
    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert "Vui lòng nhập tiêu đề." in html and "Vui lòng nhập nội dung." in html
    assert "Ngày kết thúc hiển thị phải sau ngày bắt đầu." in html
    assert 'aria-describedby="id_title_error"' in html
    assert client.post(NEW, form(publish_from="hôm qua")).status_code == 400
    assert Announcement.objects.count() == 0


def test_edit_publish_unpublish_and_pin_each_leave_an_audit_entry(client, editor):
    # given
    login_verified(client, editor)
    client.post(NEW, form())
    row = Announcement.objects.get()
    base = f"/can-bo/thong-bao/{row.pk}/"
    # when
    assert client.post(base, form(title="Tiêu đề mới", publish_from="2026-03-01T07:30")).status_code == 302
    assert client.post(base + "cong-khai/").status_code == 302
    assert client.post(base + "ghim/").status_code == 302
    assert client.post(base + "bo-ghim/").status_code == 302
    assert client.post(base + "thoi-cong-khai/").status_code == 302
    # then
    row.refresh_from_db()
    assert row.title == "Tiêu đề mới" and row.slug == "thong-bao-nghi-tet-nguyen-dan"  # links keep working
    assert row.publish_from.hour == 0 and row.publish_from.minute == 30  # 07:30 in Hà Nội = 00:30 UTC
    assert row.published is False and row.pinned is False
    events = audits(row)
    assert [e.action for e in events] == ["create", "update", "transition", "transition", "transition", "transition"]
    assert events[1].changes["title"] == ["Thông báo nghỉ Tết Nguyên đán", "Tiêu đề mới"]
    assert events[2].changes == {"published": [False, True]}
    assert all(e.actor_id == editor.pk for e in events)


def test_an_action_that_changes_nothing_leaves_no_audit_entry(editor):
    row = services.announcement_create(editor=editor, data=AnnouncementData(title="Tin", body="x"), publish=True)
    services.announcement_publish(editor=editor, pk=row.pk)
    assert [e.action for e in audits(row)] == ["create"]


def test_actions_need_post_and_a_known_name(client, editor):
    login_verified(client, editor)
    row = services.announcement_create(editor=editor, data=AnnouncementData(title="Tin", body="x"))
    assert client.get(f"/can-bo/thong-bao/{row.pk}/cong-khai/").status_code == 405
    assert client.post(f"/can-bo/thong-bao/{row.pk}/xoa-het/").status_code == 404


def test_an_editor_of_another_unit_cannot_see_or_change_it(client, units, commune_editor):
    # given: an announcement of commune B and a province-wide one (no unit)
    other = Announcement.objects.create(title="Tin phường B", slug="tin-b", body="b", unit=units[2])
    province_wide = Announcement.objects.create(title="Tin toàn tỉnh", slug="tin-tinh", body="b")
    own = Announcement.objects.create(title="Tin phường A", slug="tin-a", body="b", unit=units[1])
    login_verified(client, commune_editor)
    # when
    listing = client.get(MANAGE).content.decode()
    # then
    assert "Tin phường A" in listing and "Tin phường B" not in listing and "Tin toàn tỉnh" not in listing
    for row in (other, province_wide):
        assert client.get(f"/can-bo/thong-bao/{row.pk}/").status_code == 404
        assert client.post(f"/can-bo/thong-bao/{row.pk}/cong-khai/").status_code == 404
        assert client.post(f"/can-bo/thong-bao/{row.pk}/", form(title="Sửa trộm")).status_code == 404
        row.refresh_from_db()
        assert row.published is False and row.title != "Sửa trộm"
        assert audits(row) == []
    assert client.get(f"/can-bo/thong-bao/{own.pk}/").status_code == 200


def test_the_top_unit_editor_manages_province_wide_announcements(client, editor):
    row = Announcement.objects.create(title="Tin toàn tỉnh", slug="tin-tinh", body="b")
    login_verified(client, editor)
    assert client.post(f"/can-bo/thong-bao/{row.pk}/cong-khai/").status_code == 302
    row.refresh_from_db()
    assert row.published is True


def test_the_editor_list_filters_by_state_and_title_and_pages(client, editor):
    # given
    login_verified(client, editor)
    for i in range(22):
        services.announcement_create(
            editor=editor, data=AnnouncementData(title=f"Bản tin {i:02d}", body="x"), publish=i == 0
        )
    services.announcement_create(editor=editor, data=AnnouncementData(title="Lịch tiếp dân", body="x"))
    # when
    shown = client.get(MANAGE, {"state": "shown"}).content.decode()
    search = client.get(MANAGE, {"q": "lich tiep"}).content.decode()
    page2 = client.get(MANAGE, {"page": 2}).content.decode()
    junk = client.get(MANAGE, {"state": "xyz"})
    # then
    assert "Danh sách: 1 thông báo" in shown and "Bản tin 00" in shown
    assert "Danh sách: 1 thông báo" in search and "Lịch tiếp dân" in search
    assert "Trang 2/2" in page2
    assert junk.status_code == 400 and "Trạng thái không hợp lệ." in junk.content.decode()


def test_editor_pages_have_labelled_inputs_unique_ids_and_one_h1(client, editor):
    # given
    from antt.portal.tests.test_public_pages import check_html

    login_verified(client, editor)
    row = services.announcement_create(editor=editor, data=AnnouncementData(title="Tin", body="x"))
    # when / then
    for url in (MANAGE, NEW, f"/can-bo/thong-bao/{row.pk}/"):
        response = client.get(url)
        assert response.status_code == 200
        check_html(response.content.decode())
