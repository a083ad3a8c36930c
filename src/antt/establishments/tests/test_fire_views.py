"""Fire-safety pages: the permission matrix (no capability 403, out of unit 404), the forms and
their Vietnamese refusals with nothing written, the list's filters and query budget, and the
establishment page's fire section."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from antt.establishments import fire, selectors_fire
from antt.establishments.models import FireProfile, FireRecord
from antt.establishments.tests.factories import establishments_world
from antt.establishments.tests.fire_factories import load_fire_categories, premises
from antt.org.models import Role
from antt.org.otp import login_verified
from antt.org.tests.factories import make_officer

pytestmark = pytest.mark.django_db
K = FireRecord.Kind


@pytest.fixture
def w():
    return establishments_world()


@pytest.fixture
def today():
    return timezone.localdate()


def as_user(client, user):
    login_verified(client, user)
    return client


def profile_url(e):
    return reverse("establishments:fire-profile", args=[e.pk])


def record_url(e):
    return reverse("establishments:fire-record-new", args=[e.pk])


# --- permission matrix ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["fire-profile", "fire-record-new"])
def test_pages_of_an_establishment_outside_the_unit_are_404(client, w, name):
    e = premises(w)  # commune A
    response = as_user(client, w.processor_b).get(reverse(f"establishments:{name}", args=[e.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["fire-profile", "fire-record-new"])
def test_pages_without_the_capability_are_403(client, w, name):
    e = premises(w)
    admin = make_officer(w.commune_a, role=Role.UNIT_ADMIN)
    assert as_user(client, admin).get(reverse(f"establishments:{name}", args=[e.pk])).status_code == 403
    assert client.get(reverse("establishments:fire-list")).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, w):
    e = premises(w)
    response = client.get(profile_url(e))
    assert response.status_code == 302
    assert "dang-nhap" in response["Location"] or "login" in response["Location"]


def test_a_reader_sees_the_profile_page_but_may_not_post(client, w):
    e = premises(w, fire_category="t-shop")
    c = as_user(client, w.receptionist_a)
    page = c.get(profile_url(e))
    assert page.status_code == 200
    assert "Cửa hàng, quán karaoke nhỏ" in page.content.decode()
    assert 'name="category"' not in page.content.decode()  # no form for a reader
    assert c.post(profile_url(e), {"category": "t-hotel", "action": "save"}).status_code == 403
    assert c.get(record_url(e)).status_code == 403
    assert FireProfile.objects.get(establishment=e).category.code == "t-shop"


# --- the profile page -----------------------------------------------------------------------------


def test_profile_page_saves_and_goes_back(client, w):
    e = premises(w)
    response = as_user(client, w.processor_a).post(
        profile_url(e), {"category": "t-hotel", "floors": "8", "floor_area_m2": "4000", "action": "save"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("establishments:detail", args=[e.pk])
    profile = FireProfile.objects.get(establishment=e)
    assert (profile.category.code, profile.high_risk, profile.floors) == ("t-hotel", True, 8)


def test_suggest_button_shows_the_suggestion_and_saves_nothing(client, w):
    load_fire_categories()
    e = premises(w, lines=["t-luu-tru"])
    c = as_user(client, w.processor_a)
    first = c.get(profile_url(e)).content.decode()
    assert 'value="lodging" selected' in first  # the kind read from the business lines
    response = c.post(profile_url(e), {"kind": "lodging", "floors": "8", "action": "suggest"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Khách sạn, nhà khách, nhà nghỉ" in body
    assert "thuộc diện Công an thẩm định thiết kế" in body
    assert not FireProfile.objects.exists()


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"category": "khong-co"}, 400, "Giá trị đã chọn không hợp lệ"),  # not among the choices
        ({"category": ""}, 400, "Vui lòng chọn nhóm cơ sở về PCCC"),
        ({"category": "t-shop", "floors": "-2"}, 400, "Không được là số âm"),
        ({"category": "t-shop", "floors": "ba"}, 400, "Phải là số nguyên"),
    ],
)
def test_profile_bad_input_is_4xx_with_a_vietnamese_message(client, w, data, status, message):
    e = premises(w)
    response = as_user(client, w.processor_a).post(profile_url(e), {**data, "action": "save"})
    assert response.status_code == status
    assert message in response.content.decode()
    assert not FireProfile.objects.exists()


def test_profile_category_ended_between_page_and_post_is_422(client, w, monkeypatch):
    # given a category that ends after the page was built (the form still offers it)
    e = premises(w)
    original = fire.category_in_force
    monkeypatch.setattr(fire, "category_in_force", lambda code, day: None if code == "t-shop" else original(code, day))
    # when the officer saves it
    response = as_user(client, w.processor_a).post(profile_url(e), {"category": "t-shop", "action": "save"})
    # then the service refuses it
    assert response.status_code == 422
    assert "không có trong danh mục PCCC" in response.content.decode()
    assert not FireProfile.objects.exists()


# --- the record form ------------------------------------------------------------------------------


def test_record_form_adds_an_incident(client, w, today):
    e = premises(w, fire_category="t-shop")
    response = as_user(client, w.processor_a).post(
        record_url(e),
        {
            "kind": "incident",
            "issued_on": today.strftime("%d/%m/%Y"),
            "summary": "Cháy quầy bar do chập điện.",
            "deaths": "0",
            "injuries": "1",
            "damage_vnd": "25.000.000",
        },
    )
    assert response.status_code == 302
    r = FireRecord.objects.get()
    assert (r.kind, r.details) == (K.INCIDENT, {"deaths": 0, "injuries": 1, "damage_vnd": 25_000_000})


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"kind": "training", "issued_on": "+1"}, 422, "ngày trong tương lai"),
        ({"kind": "insurance", "issued_on": "-3", "valid_until": "-4"}, 422, "không được trước ngày cấp"),
        ({"kind": "incident", "issued_on": "0"}, 422, "Vụ cháy, nổ, sự cố phải có nội dung"),
        ({"kind": "training", "issued_on": "31/02/2025"}, 400, "Ngày không hợp lệ"),
        ({"kind": "", "issued_on": "0"}, 400, "Vui lòng nhập mục này"),
        (
            {"kind": "incident", "issued_on": "0", "summary": "x", "damage_vnd": "nhiều"},
            400,
            "Số tiền phải là số nguyên",
        ),
    ],
)
def test_record_bad_input_is_4xx_and_nothing_is_written(client, w, today, data, status, message):
    e = premises(w, fire_category="t-shop")
    data = dict(data)
    for key in ("issued_on", "valid_until"):
        value = data.get(key, "")
        if value[:1] in "+-0" and value.lstrip("+-").isdigit():
            data[key] = (today + timedelta(days=int(value))).strftime("%d/%m/%Y")
    response = as_user(client, w.processor_a).post(record_url(e), data)
    assert response.status_code == status
    assert message in response.content.decode()
    assert not FireRecord.objects.exists()


def test_record_form_preselects_a_kind(client, w):
    e = premises(w, fire_category="t-shop")
    body = as_user(client, w.processor_a).get(record_url(e) + "?loai=equipment").content.decode()
    assert '<option value="equipment" selected>' in body


# --- the list -------------------------------------------------------------------------------------


def make_premises(w, today):
    a1 = premises(w, name="Khách sạn Sông Mã", fire_category="t-hotel")
    a2 = premises(w, name="Karaoke Hoa Sen", fire_category="t-shop")
    FireRecord.objects.create(establishment=a2, kind=K.FIREFIGHTING_PLAN, issued_on=today - timedelta(days=5))
    b1 = premises(w, name="Nhà nghỉ Hàm Rồng", unit=w.commune_b, fire_category="t-shop")
    premises(w, name="Cầm đồ Phú Quý")  # no fire profile: not listed
    return a1, a2, b1


def names(response) -> list[str]:
    return [row["p"].establishment.name for row in response.context["rows"]]


def test_list_shows_my_units_premises_with_their_gaps(client, w, today):
    make_premises(w, today)
    response = as_user(client, w.processor_a).get(reverse("establishments:fire-list"))
    assert response.status_code == 200
    assert names(response) == ["Karaoke Hoa Sen", "Khách sạn Sông Mã"]
    body = response.content.decode()
    assert "Thiếu phương án chữa cháy" in body  # the hotel's gap, short
    gaps = {row["p"].establishment.name: [g.code for g in row["gaps"]] for row in response.context["rows"]}
    assert "plan" not in gaps["Karaoke Hoa Sen"] and "plan" in gaps["Khách sạn Sông Mã"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?missing=plan", ["Khách sạn Sông Mã"]),
        ("?missing=insurance", ["Khách sạn Sông Mã"]),
        ("?missing=any", ["Karaoke Hoa Sen", "Khách sạn Sông Mã"]),
        ("?high_risk=1", ["Khách sạn Sông Mã"]),
        ("?high_risk=0", ["Karaoke Hoa Sen"]),
        ("?category=t-shop", ["Karaoke Hoa Sen"]),
        ("?appendix=II", ["Khách sạn Sông Mã"]),
        ("?q=khach+san+song+ma", ["Khách sạn Sông Mã"]),
        ("?sort=-name", ["Khách sạn Sông Mã", "Karaoke Hoa Sen"]),
        ("?sort=risk", ["Khách sạn Sông Mã", "Karaoke Hoa Sen"]),
    ],
)
def test_list_filters_and_sorts(client, w, today, query, expected):
    make_premises(w, today)
    response = as_user(client, w.processor_a).get(reverse("establishments:fire-list") + query)
    assert response.status_code == 200
    assert names(response) == expected


def test_list_bad_filter_is_400(client, w, today):
    make_premises(w, today)
    response = as_user(client, w.processor_a).get(reverse("establishments:fire-list") + "?missing=moi-thu")
    assert response.status_code == 400
    assert names(response) == []


def test_list_of_the_province_sees_every_commune_and_filters_by_unit(client, w, today):
    make_premises(w, today)
    c = as_user(client, w.supervisor)
    assert len(names(c.get(reverse("establishments:fire-list")))) == 3
    assert names(c.get(reverse("establishments:fire-list") + f"?unit={w.commune_b.pk}")) == ["Nhà nghỉ Hàm Rồng"]
    # a commune officer cannot pick another commune
    response = as_user(client, w.processor_a).get(reverse("establishments:fire-list") + f"?unit={w.commune_b.pk}")
    assert response.status_code == 400


def test_list_query_count_does_not_grow_with_rows(client, w, today):
    c = as_user(client, w.processor_a)
    url = reverse("establishments:fire-list")
    make_premises(w, today)
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        c.get(url)
    for n in range(6):
        e = premises(w, name=f"Nhà hàng {n}", fire_category="t-shop")
        FireRecord.objects.create(establishment=e, kind=K.TRAINING, issued_on=today)
    with CaptureQueriesContext(connection) as many:
        response = c.get(url)
    assert len(names(response)) == 8
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many.captured_queries) <= 15


def test_list_pages(client, w, today):
    for n in range(27):
        premises(w, name=f"Cơ sở {n:02d}", fire_category="t-shop")
    c = as_user(client, w.processor_a)
    first = c.get(reverse("establishments:fire-list"))
    second = c.get(reverse("establishments:fire-list") + "?page=2")
    assert (len(names(first)), len(names(second))) == (25, 2)
    assert "Trang sau" in first.content.decode()


# --- the establishment page's section -------------------------------------------------------------


def test_detail_context_and_section(w, today):
    e = premises(w, fire_category="t-hotel")
    fire.fire_record_add(
        officer=w.processor_a, establishment=e, kind=K.TRAINING, issued_on=today - timedelta(days=9), number="HL-01"
    )
    ctx = selectors_fire.detail_context(w.processor_a, e)
    assert ctx["fire"]["profile"].category.code == "t-hotel"
    assert [r.number for r in ctx["fire"]["records"]] == ["HL-01"]
    assert "plan" in [g.code for g in ctx["fire"]["gaps"]]
    assert ctx["fire"]["can_manage"] is True
    html = render_to_string("establishments/detail_fire.html", ctx)
    assert "Khách sạn từ 7 tầng trở lên" in html
    assert "HL-01" in html
    assert "Chưa có phương án chữa cháy" in html
    assert "Thêm tài liệu hồ sơ PCCC" in html
    # a reader gets no write links; another commune gets a 404
    reader = selectors_fire.detail_context(w.receptionist_a, e)
    assert "Thêm tài liệu hồ sơ PCCC" not in render_to_string("establishments/detail_fire.html", reader)
    from django.http import Http404

    with pytest.raises(Http404):
        selectors_fire.detail_context(w.processor_b, e)


def test_detail_context_without_profile_suggests_from_the_lines(w):
    load_fire_categories()
    e = premises(w, lines=["t-karaoke"])
    ctx = selectors_fire.detail_context(w.processor_a, e)
    assert ctx["fire"]["profile"] is None
    assert ctx["fire"]["suggestion"].category.code == "pl1-karaoke"
    html = render_to_string("establishments/detail_fire.html", ctx)
    assert "Cơ sở chưa được xếp nhóm về PCCC" in html
    assert "Xếp nhóm PCCC" in html


def test_the_establishment_page_carries_the_fire_section(client, w):
    e = premises(w, fire_category="t-hotel")
    body = as_user(client, w.processor_a).get(reverse("establishments:detail", args=[e.pk])).content.decode()
    assert 'id="pccc"' in body
    assert "Chưa có phương án chữa cháy" in body
    assert record_url(e) in body
