"""Rating pages: by link (public) and on the counter tablet (staff)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from antt.dossiers.tests.factories import one_stop_world
from antt.feedback.models import Rating, RatingChannel
from antt.feedback.tests.builders import at, finish, receive
from antt.feedback.tests.test_services import answers
from antt.org.otp import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def w(criteria):
    return one_stop_world(days=3)


@pytest.fixture
def returned(w):
    return finish(w, receive(w, at(2026, 5, 4, 9)), at(2026, 5, 5, 10))


def form_data(**kw):
    return {f"q-{code}": value for code, value in answers(**kw).items()}


def test_link_page_shows_every_question_as_a_fieldset_and_masks_the_name(client, returned):
    response = client.get(reverse("feedback:rate-token", args=[returned.token]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<fieldset") == 11 and html.count("<legend") == 11
    assert "Đánh giá tổng thể dịch vụ" in html and 'type="radio"' in html
    assert "Đặng Thị Ngọc Hường" not in html and "Đ***" in html
    assert returned.code in html


def test_link_rating_is_recorded_once_then_409(client, returned):
    url = reverse("feedback:rate-token", args=[returned.token])
    response = client.post(url, form_data(overall="b"))
    assert response.status_code == 200 and "Cảm ơn" in response.content.decode()
    rating = Rating.objects.get(dossier=returned)
    assert rating.channel == RatingChannel.LINK and rating.overall_level == "satisfied"
    again = client.post(url, form_data(overall="c"))
    assert again.status_code == 409 and "đã được đánh giá" in again.content.decode()
    assert client.get(url).status_code == 409
    assert Rating.objects.count() == 1


def test_link_with_a_missing_answer_answers_400_and_keeps_the_choices(client, returned):
    data = form_data()
    del data["q-nd61-7"]
    response = client.post(reverse("feedback:rate-token", args=[returned.token]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Chỉ số 7" in html and 'role="alert"' in html and "checked" in html
    assert Rating.objects.count() == 0


def test_unknown_token_is_404_and_an_open_dossier_is_409(client, w):
    assert client.get(reverse("feedback:rate-token", args=["khong-co"])).status_code == 404
    d = receive(w, at(2026, 5, 4, 9))
    response = client.get(reverse("feedback:rate-token", args=[d.token]))
    assert response.status_code == 409 and "chưa được trả kết quả" in response.content.decode()


def test_link_page_is_rate_limited_softly(client, returned, monkeypatch):
    from antt.feedback import views

    monkeypatch.setattr(views, "LINK_RATE_LIMIT", 3)
    url = reverse("feedback:rate-token", args=["khong-co"])
    codes = [client.get(url).status_code for _ in range(5)]
    assert codes == [404, 404, 404, 429, 429]


def test_link_post_needs_the_csrf_token(returned):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("feedback:rate-token", args=[returned.token]), form_data())
    assert response.status_code == 403 and Rating.objects.count() == 0


def test_counter_tablet_flow(client, w, returned):
    login_verified(client, w.receptionist)
    url = reverse("feedback:counter")
    assert client.get(url).status_code == 200
    opened = client.post(url, {"code": returned.code.lower()})
    assert opened.status_code == 200 and opened.content.decode().count("<fieldset") == 11
    done = client.post(url, {"code": returned.code, "step": "submit", **form_data()})
    assert done.status_code == 200 and "trả lại máy" in done.content.decode()
    rating = Rating.objects.get(dossier=returned)
    assert rating.channel == RatingChannel.COUNTER_TABLET and rating.recorded_by == w.receptionist
    again = client.post(url, {"code": returned.code})
    assert again.status_code == 409


def test_counter_tablet_refuses_other_units_and_other_roles(client, w, returned):
    login_verified(client, w.other_receptionist)
    response = client.post(reverse("feedback:counter"), {"code": returned.code})
    assert response.status_code == 404 and "Không tìm thấy" in response.content.decode()
    response = client.post(reverse("feedback:counter"), {"code": returned.code, "step": "submit", **form_data()})
    assert response.status_code == 404 and Rating.objects.count() == 0
    client.logout()
    login_verified(client, w.processor)
    assert client.get(reverse("feedback:counter")).status_code == 403
