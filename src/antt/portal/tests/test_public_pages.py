"""Public portal pages: home, announcements, contacts, figures — anonymous, no personal data."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from antt.org.models import Unit
from antt.portal.demo import load_portal_demo
from antt.portal.models import Announcement, ContactPoint

pytestmark = pytest.mark.django_db


def make_announcement(title="Thông báo thử", *, published=True, **extra):
    slug = extra.pop("slug", None) or f"tb-{Announcement.objects.count() + 1}"
    extra.setdefault("body", "Nội dung.")
    return Announcement.objects.create(title=title, slug=slug, published=published, **extra)


class _Ids(HTMLParser):
    """Collects ids, label targets and h1 count: enough to catch duplicate ids and unlabelled inputs."""

    def __init__(self):
        super().__init__()
        self.ids, self.label_for, self.inputs, self.h1 = [], set(), [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.inputs.append(a.get("id"))
        if tag == "h1":
            self.h1 += 1


def check_html(html: str) -> None:
    parser = _Ids()
    parser.feed(html)
    duplicates = {i for i in parser.ids if parser.ids.count(i) > 1}
    assert not duplicates, f"duplicate ids: {duplicates}"
    unlabelled = [i for i in parser.inputs if i is None or i not in parser.label_for]
    assert not unlabelled, f"inputs without a label: {unlabelled}"
    assert parser.h1 == 1


@pytest.mark.parametrize("url", ["/", "/thong-bao/", "/lien-he/", "/so-lieu/"])
def test_public_pages_answer_200_to_anonymous_visitors_with_valid_structure(client, url):
    # given
    load_portal_demo()
    # when
    response = client.get(url)
    # then
    assert response.status_code == 200
    check_html(response.content.decode())


def test_home_leads_to_search_online_submission_lookups_news_and_hotline(client):
    # given
    load_portal_demo()
    pinned = Announcement.objects.get(pinned=True)
    # when
    html = client.get("/").content.decode()
    # then
    assert 'action="/thu-tuc/"' in html and 'name="q"' in html
    for url in ("/nop-ho-so/", "/so-lieu/", "/lien-he/"):
        assert f'href="{url}' in html
    assert "Tra cứu hồ sơ" in html and "Tra cứu, nộp phạt vi phạm hành chính" in html
    assert pinned.title in html
    assert "Đường dây nóng Công an tỉnh" in html and 'href="tel:02370000000"' in html
    # an announcement not published is not on the home page
    hidden = make_announcement("Bản nháp chưa công khai", published=False)
    assert hidden.title not in client.get("/").content.decode()


def test_home_shows_feedback_and_open_data_as_coming_when_their_pages_do_not_exist(client, monkeypatch):
    # given: neither page exists yet
    from antt.portal import views

    monkeypatch.setattr(
        views, "optional_url", lambda *names: "/thu-tuc/" if "catalog:procedure-list" in names else None
    )
    # when
    html = client.get("/").content.decode()
    # then
    assert html.count("sắp có") == 2


def test_unpublished_announcements_are_neither_listed_nor_reachable(client):
    # given
    draft = make_announcement("Bản nháp", published=False, slug="ban-nhap")
    # when / then
    assert "Bản nháp" not in client.get("/thong-bao/").content.decode()
    assert client.get("/thong-bao/ban-nhap/").status_code == 404
    draft.published = True
    draft.save()
    assert client.get("/thong-bao/ban-nhap/").status_code == 200


def test_the_publication_window_is_respected(client):
    # given
    now = timezone.now()
    make_announcement("Sắp tới", slug="sap-toi", publish_from=now + timedelta(hours=1))
    make_announcement("Đã hết hạn", slug="het-han", publish_until=now - timedelta(minutes=1))
    make_announcement(
        "Đang hiển thị", slug="dang-hien", publish_from=now - timedelta(days=1), publish_until=now + timedelta(days=1)
    )
    # when
    html = client.get("/thong-bao/").content.decode()
    # then
    assert "Đang hiển thị" in html
    assert "Sắp tới" not in html and "Đã hết hạn" not in html
    assert client.get("/thong-bao/sap-toi/").status_code == 404
    assert client.get("/thong-bao/het-han/").status_code == 404
    assert client.get("/thong-bao/dang-hien/").status_code == 200


def test_announcements_are_paged_pinned_first_then_newest(client):
    # given: 12 announcements a day apart, the oldest pinned
    now = timezone.now()
    for i in range(12):
        make_announcement(f"Tin số {i:02d}", slug=f"tin-{i}", publish_from=now - timedelta(days=i), pinned=(i == 11))
    # when
    first = client.get("/thong-bao/").content.decode()
    second = client.get("/thong-bao/", {"page": 2}).content.decode()
    junk = client.get("/thong-bao/", {"page": "abc"})
    # then
    assert first.index("Tin số 11") < first.index("Tin số 00") < first.index("Tin số 01")
    assert "Tin số 09" not in first and "Tin số 09" in second and "Tin số 10" in second
    assert "Trang 1/2" in first and 'rel="next"' in first
    assert junk.status_code == 200 and "Trang 1/2" in junk.content.decode()


def test_announcement_body_is_escaped_and_split_into_paragraphs(client):
    # given
    make_announcement(slug="an-toan", body="Đoạn một <script>alert(1)</script>\n\nĐoạn hai")
    # when
    html = client.get("/thong-bao/an-toan/").content.decode()
    # then
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "<p>Đoạn hai</p>" in html


def test_contacts_list_hotlines_first_the_centre_the_departments_and_office_hours(client, settings):
    # given
    settings.ANTT_OFFICE_HOURS = "07:00-11:30,13:30-17:00"
    Unit.objects.create(
        name="Trung tâm Phục vụ hành chính công tỉnh Thử",
        slug=settings.ANTT_FEEDBACK_INTAKE_UNIT,
        level=Unit.Level.OUTSIDE,
        address="28 Đại lộ Lê Lợi",
        phone="0237 3 000 111",
    )
    Unit.objects.create(name="Phòng Quản lý xuất nhập cảnh", slug="pa08", level=Unit.Level.DEPARTMENT, phone="0237 111")
    ContactPoint.objects.create(name="Tổ tiếp dân", order=0)
    ContactPoint.objects.create(name="Đường dây nóng", phone="113", is_hotline=True, order=5)
    ContactPoint.objects.create(name="Đầu mối đã thôi dùng", is_active=False)
    # when
    html = client.get("/lien-he/").content.decode()
    # then
    assert html.index("Đường dây nóng") < html.index("Tổ tiếp dân")
    assert "Đầu mối đã thôi dùng" not in html
    assert "28 Đại lộ Lê Lợi" in html and "Phòng Quản lý xuất nhập cảnh" in html
    assert "07:00–11:30, 13:30–17:00" in html


def test_demo_content_is_idempotent(db):
    # when
    first = load_portal_demo()
    second = load_portal_demo()
    # then
    assert "thêm 2 đầu mối liên hệ, 3 thông báo" in first
    assert "thêm 0 đầu mối liên hệ, 0 thông báo" in second
    assert ContactPoint.objects.filter(is_hotline=True).count() == 1
    assert Announcement.objects.filter(published=True).count() == 3


@pytest.mark.parametrize("value", ["abc", "2026-13", "2026-1", "99999-01", "1999-12", "2026-05-01", "\x00"])
def test_figures_refuse_a_junk_month_with_a_vietnamese_400(client, value):
    response = client.get("/so-lieu/", {"thang": value})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Tháng không hợp lệ" in html and 'aria-describedby="thang-loi"' in html


def test_figures_refuse_a_future_month(client):
    future = timezone.localdate().replace(day=1) + timedelta(days=40)
    response = client.get("/so-lieu/", {"thang": f"{future:%Y-%m}"})
    assert response.status_code == 400
    assert "Chưa có số liệu của tháng trong tương lai." in response.content.decode()


def test_figures_without_data_show_dashes_and_an_empty_state(client):
    response = client.get("/so-lieu/", {"thang": "2026-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Chưa có số liệu của tháng 01/2026." in html
    assert "—" in html and "<svg" in html


@pytest.mark.parametrize("url", ["/", "/thong-bao/", "/lien-he/", "/so-lieu/"])
def test_public_pages_run_a_constant_number_of_queries(client, url, django_assert_max_num_queries):
    # given: many announcements and contact points
    load_portal_demo()
    for i in range(15):
        make_announcement(
            f"Tin {i}",
            slug=f"tin-q-{i}",
            unit=Unit.objects.create(name=f"Đơn vị {i}", slug=f"dv-{i}", level=Unit.Level.COMMUNE),
        )
        ContactPoint.objects.create(name=f"Đầu mối {i}", is_hotline=i % 2 == 0)
    # when / then
    with django_assert_max_num_queries(6):
        assert client.get(url).status_code == 200
