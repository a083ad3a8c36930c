"""The public page cache (core.pagecache) on the portal's home and the catalogue."""

import pytest
from django.test import Client

from antt.core.pagecache import forget_public_pages
from antt.org.models import Role
from antt.org.tests.factories import make_officer, make_unit
from antt.portal.models import Announcement


def _announce(title):
    from django.utils import timezone

    return Announcement.objects.create(
        title=title, slug=title.lower().replace(" ", "-"), body="Nội dung.", published=True, publish_from=timezone.now()
    )


@pytest.mark.django_db
def test_an_anonymous_page_is_kept_and_a_change_retires_it(django_assert_max_num_queries):
    client = Client()
    first = client.get("/")
    assert first.status_code == 200
    with django_assert_max_num_queries(0):
        again = client.get("/")
    assert again.content == first.content
    _announce("Thong bao nghi Tet")  # saving an announcement retires the kept pages
    assert "Thong bao nghi Tet" in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_query_string_is_part_of_the_key():
    client = Client()
    a = client.get("/thu-tuc/", {"q": "ho chieu"}).content
    b = client.get("/thu-tuc/", {"q": "tam tru"}).content
    assert a != b


@pytest.mark.django_db
def test_a_bad_request_is_not_kept():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    assert client.get("/thu-tuc/", {"level": "junk"}).status_code == 400
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/thu-tuc/", {"level": "junk"}).status_code == 400
    assert len(ctx.captured_queries) >= 1  # built again, not served from the cache


@pytest.mark.django_db
def test_a_signed_in_officer_never_gets_the_anonymous_copy():
    anonymous = Client()
    anonymous.get("/thu-tuc/")
    unit = make_unit("Công an phường Cache")
    officer = make_officer(unit, role=Role.PROCESSOR, full_name="Ngô Thị Bộ Nhớ")
    staff = Client()
    staff.force_login(officer)
    page = staff.get("/thu-tuc/").content.decode()
    assert "Ngô Thị Bộ Nhớ" in page or "Đăng xuất" in page
    assert page != anonymous.get("/thu-tuc/").content.decode()


@pytest.mark.django_db
def test_forget_public_pages_works_before_anything_was_kept():
    forget_public_pages()
    assert Client().get("/").status_code == 200
