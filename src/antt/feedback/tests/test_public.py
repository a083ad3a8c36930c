"""Public feedback pages: form (PRG), sent page, lookup, published Q&A; the faults of issue 7."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from antt.feedback import intake
from antt.feedback.loaders import load_feedback_rules
from antt.feedback.models import Feedback, FeedbackState, FeedbackTopic
from antt.feedback.tests.test_intake import form, good_token, pdf_upload, png_upload, send
from antt.org.models import Unit
from antt.org.tests.factories import make_unit

NEW = reverse("feedback:new")
LOOKUP = reverse("feedback:lookup")
HOME = reverse("feedback:public-home")


@pytest.fixture(autouse=True)
def _world(db):
    """Every test: empty rate-limit counters, the legal rules and topics, the intake unit."""
    cache.clear()
    load_feedback_rules()
    make_unit("Trung tâm Phục vụ hành chính công tỉnh", level=Unit.Level.PROVINCE, slug="ttpvhcc")
    yield
    cache.clear()


def post_form(client, **overrides):
    data = {**form(**overrides), "ft": good_token(), "website": ""}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(NEW, data)


def unescaped_script(html: str) -> bool:
    return "<script>alert" in html


def one_h1(html: str) -> bool:
    return len(re.findall(r"<h1[\s>]", html)) == 1


# --- the form -----------------------------------------------------------------------------


def test_pages_render_with_one_h1(client):
    for url in (HOME, NEW, LOOKUP):
        response = client.get(url)
        assert response.status_code == 200, url
        assert one_h1(response.content.decode())


def test_form_shows_topics_procedure_select_consent_and_honeypot(client):
    html = client.get(NEW).content.decode()
    assert FeedbackTopic.objects.first().name in html
    assert 'name="consent"' in html and "13/2023/NĐ-CP" in html
    assert 'name="website"' in html and 'name="ft"' in html
    assert 'type="file"' in html and "multiple" in html


def test_valid_post_redirects_to_sent_page_with_code_and_due_date(client):
    response = post_form(client)
    assert response.status_code == 302 and response["Location"] == reverse("feedback:sent")
    fb = Feedback.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert fb.code in page and fb.classify_due.strftime("%d/%m/%Y") in page
    assert fb.state == FeedbackState.RECEIVED


def test_sent_page_without_a_submission_goes_back_to_the_form(client, db):
    response = client.get(reverse("feedback:sent"))
    assert response.status_code == 302 and response["Location"] == NEW


def test_invalid_post_keeps_text_and_links_errors(client):
    response = post_form(client, sender_phone="123", title="Tiêu đề còn giữ lại")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Tiêu đề còn giữ lại" in html and form()["content"] in html
    assert 'aria-describedby="id_sender_phone_error' in html
    assert 'id="id_sender_phone_error"' in html
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"content": "Nội dung có ký tự NUL \x00 ở giữa câu văn này."},
        {"content": "a" * 10_000},
        {"title": "Tiêu đề\x1bđiều khiển"},
        {"sender_name": "Tên\x00"},
        {"kind": "<script>"},
        {"dossier_code": "KHONG-CO-HO-SO-NAY"},
    ],
)
def test_junk_input_is_a_4xx_never_a_500(client, overrides):
    response = post_form(client, **overrides)
    assert response.status_code == 400
    assert not Feedback.objects.exists()


def test_script_in_text_is_escaped_when_the_form_comes_back(client):
    response = post_form(
        client, content='<script>alert("x")</script> nội dung dài hơn hai mươi ký tự', sender_phone="1"
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert not unescaped_script(html) and "&lt;script&gt;alert" in html


def test_oversized_body_is_413_before_it_is_read(client):
    response = client.post(NEW, {"title": "x"}, CONTENT_LENGTH=str(intake.max_body_bytes() + 1))
    assert response.status_code == 413
    assert "quá lớn" in response.content.decode()
    assert not Feedback.objects.exists()


def test_oversized_body_is_413_even_before_the_csrf_check_reads_it(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(NEW, {"title": "x"}, CONTENT_LENGTH=str(intake.max_body_bytes() + 1))
    assert response.status_code == 413


def test_csrf_is_still_enforced_on_the_form(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(NEW, {**form(), "ft": good_token()})
    assert response.status_code == 403
    assert not Feedback.objects.exists()
    page = client.get(NEW)
    token = page.cookies["csrftoken"].value
    response = client.post(NEW, {**form(), "ft": good_token(), "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and Feedback.objects.count() == 1


def test_forged_file_gives_a_clear_error_and_keeps_the_text(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("don.pdf", b"<?php system($_GET['c']); ?>", content_type="application/pdf")
    data = {**form(), "ft": good_token(), "files": [fake]}
    response = client.post(NEW, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "don.pdf" in html and "Chỉ nhận tệp" in html
    assert form()["title"] in html and "chọn lại tệp" in html
    assert not Feedback.objects.exists()


def test_too_many_files_are_refused(client, settings):
    settings.ANTT_FEEDBACK_MAX_FILES = 1
    data = {**form(), "ft": good_token(), "files": [png_upload("a.png"), png_upload("b.png")]}
    response = client.post(NEW, data)
    assert response.status_code == 400 and "tối đa 1 tệp" in response.content.decode()


def test_attachments_are_saved(client):
    data = {**form(), "ft": good_token(), "files": [pdf_upload(), png_upload()]}
    assert client.post(NEW, data).status_code == 302
    assert Feedback.objects.get().attachments.count() == 2


def test_flood_gets_429_with_the_form_filled_and_legit_ones_kept(client, settings):
    settings.ANTT_FEEDBACK_RATE = "2/h"
    codes = []
    for i in range(2):
        assert (
            post_form(client, title=f"Phản ánh {i}", content=f"Nội dung thứ {i} đủ dài để được nhận.").status_code
            == 302
        )
        codes.append(Feedback.objects.latest("id").code)
    response = post_form(client, title="Phản ánh bị chặn", content="Nội dung này vẫn phải hiện lại trên trang.")
    html = response.content.decode()
    assert response.status_code == 429 and response["Retry-After"]
    assert "Phản ánh bị chặn" in html and "Nội dung này vẫn phải hiện lại" in html
    assert "quá nhiều" in html
    assert sorted(Feedback.objects.values_list("code", flat=True)) == sorted(codes)


def test_duplicate_post_is_told_already_received(client):
    assert post_form(client).status_code == 302
    first = Feedback.objects.get()
    response = post_form(client)
    assert response.status_code == 409 and first.code in response.content.decode()
    other = post_form(client, sender_phone="0987111222")
    assert other.status_code == 409 and first.code not in other.content.decode()
    assert Feedback.objects.count() == 1


def test_honeypot_is_accepted_silently_but_held(client):
    data = {**form(), "ft": good_token(), "website": "http://spam.example"}
    response = client.post(NEW, data)
    assert response.status_code == 302
    assert Feedback.objects.get().state == FeedbackState.SUSPECTED_SPAM


def test_too_fast_form_is_held(client):
    data = {**form(), "ft": intake.form_token(), "website": ""}
    assert client.post(NEW, data).status_code == 302
    fb = Feedback.objects.get()
    assert fb.state == FeedbackState.SUSPECTED_SPAM and fb.spam_reasons == [intake.REASON_TOO_FAST]


# --- lookup -------------------------------------------------------------------------------


def test_lookup_needs_code_and_last4(client):
    fb = send().feedback
    wrong = client.post(LOOKUP, {"code": fb.code, "phone_last4": "0000"})
    unknown = client.post(LOOKUP, {"code": "PAKN-990101-0001", "phone_last4": "5678"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.content.decode().count("Không tìm thấy") == unknown.content.decode().count("Không tìm thấy")
    ok = client.post(LOOKUP, {"code": fb.code.lower(), "phone_last4": "5678"})
    html = ok.content.decode()
    assert ok.status_code == 200 and "Đã tiếp nhận" in html and fb.unit.name in html
    assert "Lê Văn Bình" not in html and "0912345678" not in html


def test_lookup_bad_input_is_400(client):
    assert client.post(LOOKUP, {"code": "", "phone_last4": "12"}).status_code == 400
    assert client.post(LOOKUP, {"code": "x\x00y", "phone_last4": "1234"}).status_code == 400


def test_lookup_brute_force_is_429(client, settings):
    settings.ANTT_LOOKUP_RATE = "5/m"
    fb = send().feedback
    statuses = [client.post(LOOKUP, {"code": fb.code, "phone_last4": f"{i:04d}"}).status_code for i in range(7)]
    assert statuses[:5] == [404] * 5 and statuses[5:] == [429, 429]
    # even the right digits are refused until the window ends
    assert client.post(LOOKUP, {"code": fb.code, "phone_last4": "5678"}).status_code == 429


def test_spam_hold_is_not_revealed_to_the_sender(client):
    fb = send(honeypot="x").feedback
    html = client.post(LOOKUP, {"code": fb.code, "phone_last4": "5678"}).content.decode()
    assert "Đã tiếp nhận" in html and "thư rác" not in html


def test_answer_is_shown_and_sender_says_satisfied_once(client):
    fb = send().feedback
    Feedback.objects.filter(pk=fb.pk).update(
        state=FeedbackState.ANSWERED, answer="Đã chấn chỉnh <b>cán bộ</b>.", answered_at=timezone.now()
    )
    page = client.post(LOOKUP, {"code": fb.code, "phone_last4": "5678"}).content.decode()
    assert "Đã chấn chỉnh &lt;b&gt;cán bộ&lt;/b&gt;." in page and 'value="yes"' in page
    done = client.post(LOOKUP, {"code": fb.code, "phone_last4": "5678", "satisfied": "yes"})
    assert done.status_code == 200 and "Cảm ơn" in done.content.decode()
    fb.refresh_from_db()
    assert fb.sender_satisfied is True
    again = client.post(LOOKUP, {"code": fb.code, "phone_last4": "5678", "satisfied": "no"})
    assert again.status_code == 409
    fb.refresh_from_db()
    assert fb.sender_satisfied is True


def test_satisfaction_before_answer_is_refused(client):
    fb = send().feedback
    response = client.post(LOOKUP, {"code": fb.code, "phone_last4": "5678", "satisfied": "yes"})
    assert response.status_code == 409
    fb.refresh_from_db()
    assert fb.sender_satisfied is None


# --- published answers --------------------------------------------------------------------


def publish(fb, question="Hỏi về thủ tục tạm trú.", answer="Trả lời: chỉ cần giấy tờ chỗ ở hợp pháp.", topic=None):
    Feedback.objects.filter(pk=fb.pk).update(
        state=FeedbackState.ANSWERED,
        answer="Trả lời riêng cho ông Lê Văn Bình, số 0912345678.",
        answered_at=timezone.now(),
        published=True,
        published_at=timezone.now(),
        public_question=question,
        public_answer=answer,
        topic=topic,
    )
    fb.refresh_from_db()
    return fb


def test_published_page_is_404_unless_published(client):
    fb = send().feedback
    url = reverse("feedback:published", args=[fb.code])
    assert client.get(url).status_code == 404
    Feedback.objects.filter(pk=fb.pk).update(state=FeedbackState.ANSWERED, public_answer="x", published=False)
    assert client.get(url).status_code == 404
    assert client.get(reverse("feedback:published", args=["không-có"])).status_code == 404


def test_published_pages_leak_no_personal_data(client):
    fb = publish(send().feedback)
    for url in (reverse("feedback:published", args=[fb.code]), HOME, "/api/v1/feedback/published"):
        html = client.get(url).content.decode()
        assert "Hỏi về thủ tục tạm trú." in html, url
        for secret in ("Lê Văn Bình", "0912345678", "0912 345 678", "binh@example.vn", "12 Lê Lợi", fb.content[:30]):
            assert secret not in html, (url, secret)


def test_published_script_is_escaped(client):
    fb = publish(send().feedback, question="<script>alert(1)</script> hỏi", answer="<script>alert(2)</script>")
    for url in (reverse("feedback:published", args=[fb.code]), HOME):
        html = client.get(url).content.decode()
        assert not unescaped_script(html)


def test_home_search_by_text_and_topic_and_paging(client, settings):
    settings.ANTT_FEEDBACK_RATE = settings.ANTT_FEEDBACK_DAILY_RATE = ""
    topic = FeedbackTopic.objects.get(code="cu-tru")
    other = FeedbackTopic.objects.get(code="dang-ky-xe")
    for i in range(12):
        fb = send(form(title=f"Phản ánh {i}", content=f"Nội dung phản ánh số {i} đủ dài.")).feedback
        publish(fb, question=f"Câu hỏi số {i} về cư trú", answer=f"Trả lời {i}", topic=topic)
    fb = send(form(title="Xe", content="Nội dung về đăng ký xe máy đủ dài.")).feedback
    publish(fb, question="Câu hỏi về biển số xe", answer="Trả lời xe", topic=other)
    first = client.get(HOME).content.decode()
    assert "13 câu trả lời" in first and "Trang 1/2" in first
    second = client.get(HOME, {"trang": "2"}).content.decode()
    assert "Trang 2/2" in second
    by_text = client.get(HOME, {"q": "biển số"}).content.decode()
    assert "1 câu trả lời" in by_text and fb.code in by_text
    by_topic = client.get(HOME, {"chu_de": "dang-ky-xe"}).content.decode()
    assert "1 câu trả lời" in by_topic
    junk = client.get(HOME, {"q": "\x00" * 5 + "a" * 500, "trang": "abc", "chu_de": "<x>"})
    assert junk.status_code == 200


def test_home_shows_the_legal_times_from_the_rule_rows(client):
    from antt.feedback.models import FeedbackDeadlineRule

    FeedbackDeadlineRule.objects.filter(subject="rule", stage="classify").update(working_days=7)
    html = client.get(HOME).content.decode()
    assert "7 ngày làm việc" in html and "20/2008/NĐ-CP" in html


def test_home_and_published_api_query_budget(client, django_assert_max_num_queries, settings):
    settings.ANTT_FEEDBACK_RATE = settings.ANTT_FEEDBACK_DAILY_RATE = ""
    for i in range(15):
        publish(send(form(title=f"P {i}", content=f"Nội dung phản ánh thứ {i} đủ dài.")).feedback)
    with django_assert_max_num_queries(6):
        assert client.get(HOME).status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/feedback/published").status_code == 200


def test_probing_dossier_codes_through_the_form_is_rate_limited(client, settings):
    settings.ANTT_LOOKUP_RATE = "3/m"
    statuses = [post_form(client, dossier_code=f"H56.14-260101-{i:04d}").status_code for i in range(5)]
    assert statuses == [400, 400, 400, 429, 429]
