"""Officers' pages of feedback: scoping, masking, logging, actions, escaping, junk input."""

from datetime import date
from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from openpyxl import load_workbook

from antt.core.models import AuditEvent, Notification
from antt.feedback.models import Feedback, FeedbackAttachment, FeedbackEvent, FeedbackState
from antt.feedback.redaction import MASK
from antt.feedback.tests.factories_pakn import PHONE, SENDER, at, frozen, make_feedback, pakn_world

S = FeedbackState
pytestmark = pytest.mark.django_db

ACTION_SLUGS = [
    "tiep-nhan",
    "khong-tiep-nhan",
    "bo-nghi-rac",
    "chuyen",
    "tra-loi",
    "cong-khai",
    "huy-cong-khai",
    "ket-thuc",
]


@pytest.fixture(autouse=True)
def _env(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ANTT_REQUIRE_2FA = False
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def w():
    return pakn_world()


def login(client, user):
    client.force_login(user)
    return client


def _detail(fb):
    return reverse("feedback:staff-detail", args=[fb.code])


def _action(fb, slug):
    return reverse("feedback:staff-action", args=[fb.code, slug])


def _attachment(fb):
    default_storage.save("feedback/2026/05/x.pdf", ContentFile(b"%PDF-1.4 test"))
    return FeedbackAttachment.objects.create(
        feedback=fb, file="feedback/2026/05/x.pdf", name="anh-chup.pdf", kind="pdf", size=13, sha256="0" * 64
    )


# --- List -----------------------------------------------------------------------------------


def test_list_shows_only_the_units_feedback_with_names_masked(client, w):
    mine = make_feedback(w.commune_a, title="Của phường A")
    theirs = make_feedback(w.commune_b, title="Của phường B")
    html = login(client, w.receptionist_a).get(reverse("feedback:staff-list")).content.decode()
    assert mine.code in html and theirs.code not in html
    assert SENDER not in html and "Đ*** T** N*** H****" in html
    assert PHONE not in html


def test_province_supervisor_sees_both_communes(client, w):
    a, b = make_feedback(w.commune_a), make_feedback(w.commune_b)
    html = login(client, w.supervisor).get(reverse("feedback:staff-list")).content.decode()
    assert a.code in html and b.code in html


def test_list_needs_feedback_view(client, w):
    assert login(client, w.unit_admin_a).get(reverse("feedback:staff-list")).status_code == 403


def test_list_requires_sign_in(client, w):
    response = client.get(reverse("feedback:staff-list"))
    assert response.status_code == 302 and "next=" in response["Location"]


def test_list_filters(client, w):
    received = make_feedback(w.commune_a, title="Chưa phân loại")
    accepted = make_feedback(
        w.commune_a, state=S.ACCEPTED, topic=w.topic, answer_due=date(2026, 5, 19), title="Đang xử lý xyz"
    )
    other_topic = make_feedback(w.commune_a, state=S.ACCEPTED, topic=w.topic2, answer_due=date(2099, 1, 1))
    login(client, w.head_a)
    url = reverse("feedback:staff-list")

    def codes(**params):
        html = client.get(url, params).content.decode()
        return {fb.code for fb in (received, accepted, other_topic) if fb.code in html}

    assert codes(state="accepted") == {accepted.code, other_topic.code}
    assert codes(topic=w.topic.pk) == {accepted.code}
    assert codes(q="xyz") == {accepted.code}
    assert codes(q=accepted.code) == {accepted.code}
    assert codes(due="overdue") == {received.code, accepted.code}  # both dates are in the past
    assert codes(unit=w.commune_a.pk) == {received.code, accepted.code, other_topic.code}
    Feedback.objects.filter(pk=other_topic.pk).update(subject="officer")
    assert codes(subject="officer") == {other_topic.code}


def test_list_due_soon(client, w):
    from antt.core import calendar

    today = calendar.local(__import__("django.utils.timezone").utils.timezone.now()).date()
    soon = make_feedback(w.commune_a, state=S.ACCEPTED, answer_due=calendar.add_working_days(today, 1))
    later = make_feedback(w.commune_a, state=S.ACCEPTED, answer_due=calendar.add_working_days(today, 10))
    html = login(client, w.head_a).get(reverse("feedback:staff-list"), {"due": "soon"}).content.decode()
    assert soon.code in html and later.code not in html


def test_list_sort_and_paging(client, w):
    for day in range(1, 28):
        make_feedback(w.commune_a, received_at=at(2026, 4, day, 9))
    login(client, w.head_a)
    first = client.get(reverse("feedback:staff-list"), {"sort": "received"}).content.decode()
    assert "PAKN-260401-" in first and "PAKN-260427-" not in first
    newest = client.get(reverse("feedback:staff-list")).content.decode()
    assert "PAKN-260427-" in newest and "PAKN-260401-" not in newest
    page2 = client.get(reverse("feedback:staff-list"), {"sort": "received", "page": "2"}).content.decode()
    assert "PAKN-260427-" in page2


@pytest.mark.parametrize(
    "params",
    [
        {"state": "bogus"},
        {"topic": "abc"},
        {"unit": "999999"},
        {"sort": "'; DROP TABLE"},
        {"due": "yesterday"},
        {"q": "x" * 500},
    ],
)
def test_junk_filters_answer_400_not_500(client, w, params):
    response = login(client, w.head_a).get(reverse("feedback:staff-list"), params)
    assert response.status_code == 400
    assert "Bộ lọc không hợp lệ" in response.content.decode()


def test_junk_page_number_falls_back(client, w):
    make_feedback(w.commune_a)
    assert login(client, w.head_a).get(reverse("feedback:staff-list"), {"page": "abc\x00"}).status_code == 200


def test_other_communes_unit_is_not_a_filter_choice(client, w):
    response = login(client, w.head_a).get(reverse("feedback:staff-list"), {"unit": w.commune_b.pk})
    assert response.status_code == 400


# --- Detail ---------------------------------------------------------------------------------


def test_detail_shows_the_sender_and_logs_the_read(client, w):
    fb = make_feedback(w.commune_a)
    html = login(client, w.receptionist_a).get(_detail(fb)).content.decode()
    assert SENDER in html and PHONE in html
    read = AuditEvent.objects.get(action=AuditEvent.Action.READ_PERSONAL, object_id=str(fb.pk))
    assert read.actor == w.receptionist_a
    assert "sender_phone" in read.changes["fields"]


def test_detail_escapes_everything(client, w):
    fb = make_feedback(
        w.commune_a,
        state=S.ANSWERED,
        title="<script>alert(1)</script>",
        content="<img src=x onerror=alert(2)>",
        sender_name='<script>alert("n")</script>',
        org_name="<b>Công ty</b>",
        sender_address="<iframe src=//x>",
        answer="<script>alert(3)</script>",
        spam_reasons=["<script>alert(4)</script>"],
    )
    html = login(client, w.head_a).get(_detail(fb)).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for raw in (
        "<img src=x",
        '<script>alert("n")',
        "<b>Công ty</b>",
        "<iframe",
        "<script>alert(3)",
        "<script>alert(4)",
    ):
        assert raw not in html, raw
    assert "&lt;b&gt;Công ty&lt;/b&gt;" in html
    listing = client.get(reverse("feedback:staff-list")).content.decode()
    assert "<script>alert(1)" not in listing


def test_detail_offers_actions_by_state_and_capability(client, w):
    fb = make_feedback(w.commune_a)
    html = login(client, w.receptionist_a).get(_detail(fb)).content.decode()
    assert _action(fb, "tiep-nhan") in html and _action(fb, "khong-tiep-nhan") in html
    assert _action(fb, "tra-loi") not in html and _action(fb, "cong-khai") not in html
    client.force_login(w.processor_a)
    html = client.get(_detail(fb)).content.decode()
    assert _action(fb, "tiep-nhan") not in html and _action(fb, "tra-loi") not in html  # not accepted yet


def test_publish_form_is_prefilled_with_the_redaction_proposal(client, w):
    fb = make_feedback(w.commune_a, state=S.ANSWERED, answer=f"Chào chị {SENDER}, đã trả kết quả.")
    html = login(client, w.head_a).get(_detail(fb)).content.decode()
    assert f"Chào chị {MASK}, đã trả kết quả." in html
    assert f"Tôi là {MASK}, số điện thoại {MASK}" in html


def test_history_lists_the_events(client, w):
    fb = make_feedback(w.commune_a)
    login(client, w.head_a).post(_action(fb, "tiep-nhan"), {"accept-topic": w.topic.pk})
    html = client.get(_detail(fb)).content.decode()
    assert "Nhận xử lý (Đã tiếp nhận → Đang xử lý)" in html


# --- Scoping: every URL, GET and POST, for another commune's officer --------------------------


def test_another_communes_officer_gets_404_everywhere_and_nothing_is_written(client, w):
    fb = make_feedback(w.commune_a, state=S.ANSWERED, answer="Đã trả", published=True)
    att = _attachment(fb)
    login(client, w.head_b)  # (the sign-in is an audit entry of its own)
    before = (AuditEvent.objects.count(), FeedbackEvent.objects.count(), Notification.objects.count())
    snapshot = Feedback.objects.filter(pk=fb.pk).values().get()
    urls = [_detail(fb), reverse("feedback:staff-attachment", args=[fb.code, att.pk])]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    for slug in ACTION_SLUGS:
        post = {
            "accept-topic": w.topic.pk,
            "refuse-reason": "x",
            "transfer-unit": w.commune_b.pk,
            "answer-answer": "x",
            "publish-public_question": "a",
            "publish-public_answer": "b",
        }
        assert client.post(_action(fb, slug), post).status_code == 404, slug
        assert client.get(_action(fb, slug)).status_code == 404, slug
    assert (AuditEvent.objects.count(), FeedbackEvent.objects.count(), Notification.objects.count()) == before
    assert Feedback.objects.filter(pk=fb.pk).values().get() == snapshot


def test_unknown_code_is_404(client, w):
    login(client, w.head_a)
    assert client.get(reverse("feedback:staff-detail", args=["PAKN-000000-0000"])).status_code == 404
    assert client.get(reverse("feedback:staff-detail", args=["x" * 300])).status_code == 404
    assert client.get("/can-bo/phan-anh-kien-nghi/PAKN%00-1/").status_code == 404
    assert client.post("/can-bo/phan-anh-kien-nghi/PAKN%00-1/tiep-nhan/").status_code == 404
    assert client.get(reverse("feedback:staff-list"), {"q": "a\x00b"}).status_code == 400


# --- Actions through the pages --------------------------------------------------------------


def test_accept_through_the_page(client, w):
    fb = make_feedback(w.commune_a)
    response = login(client, w.receptionist_a).post(_action(fb, "tiep-nhan"), {"accept-topic": w.topic.pk})
    assert response.status_code == 302 and response["Location"] == _detail(fb)
    fb.refresh_from_db()
    assert fb.state == S.ACCEPTED and fb.topic == w.topic and fb.answer_due


def test_action_with_missing_field_is_400_and_writes_nothing(client, w):
    fb = make_feedback(w.commune_a)
    response = login(client, w.head_a).post(_action(fb, "khong-tiep-nhan"), {"refuse-reason": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and "aria-describedby" in html
    fb.refresh_from_db()
    assert fb.state == S.RECEIVED and not fb.events.exists()


def test_action_in_the_wrong_state_is_409(client, w):
    fb = make_feedback(w.commune_a, state=S.CLOSED)
    response = login(client, w.head_a).post(_action(fb, "tiep-nhan"), {"accept-topic": w.topic.pk})
    assert response.status_code == 409
    assert "Không thể thực hiện" in response.content.decode()


def test_action_without_the_capability_is_403(client, w):
    fb = make_feedback(w.commune_a, state=S.ACCEPTED, answer_due=date(2026, 5, 19))
    response = login(client, w.receptionist_a).post(_action(fb, "tra-loi"), {"answer-answer": "Trả lời"})
    assert response.status_code == 403
    fb.refresh_from_db()
    assert fb.state == S.ACCEPTED


def test_wrong_methods_in_scope(client, w):
    fb = make_feedback(w.commune_a)
    att = _attachment(fb)
    login(client, w.head_a)
    assert client.post(_detail(fb)).status_code == 405
    assert client.post(reverse("feedback:staff-attachment", args=[fb.code, att.pk])).status_code == 405
    response = client.get(_action(fb, "tiep-nhan"))
    assert response.status_code == 302 and response["Location"] == _detail(fb)
    fb.refresh_from_db()
    assert fb.state == S.RECEIVED


def test_unknown_action_is_404(client, w):
    fb = make_feedback(w.commune_a)
    assert login(client, w.head_a).post(_action(fb, "xoa"), {}).status_code == 404


@pytest.mark.parametrize(
    ("state", "slug", "post"),
    [
        (S.ANSWERED, "ket-thuc", {"close-satisfied": "maybe"}),
        (S.RECEIVED, "chuyen", {"transfer-unit": "abc"}),
        (S.RECEIVED, "khong-tiep-nhan", {"refuse-reason": "x" * 2001}),
        (S.ANSWERED, "cong-khai", {"publish-public_question": "", "publish-public_answer": "b"}),
    ],
)
def test_junk_action_input_is_400_and_changes_nothing(client, w, state, slug, post):
    fb = make_feedback(w.commune_a, state=state, answer="Đã trả")
    response = login(client, w.head_a).post(_action(fb, slug), post)
    assert response.status_code == 400
    fb.refresh_from_db()
    assert fb.state == state and fb.unit == w.commune_a and not fb.published and not fb.events.exists()


def test_junk_topic_id_is_400(client, w):
    fb = make_feedback(w.commune_a)
    response = login(client, w.head_a).post(_action(fb, "tiep-nhan"), {"accept-topic": "1 OR 1=1"})
    assert response.status_code == 400


def test_transfer_to_another_commune_is_refused_by_the_form(client, w):
    fb = make_feedback(w.commune_a)
    response = login(client, w.head_a).post(_action(fb, "chuyen"), {"transfer-unit": w.commune_b.pk})
    assert response.status_code == 400
    fb.refresh_from_db()
    assert fb.unit == w.commune_a


def test_transfer_to_the_province_leaves_the_commune_on_the_list(client, w):
    fb = make_feedback(w.commune_a)
    response = login(client, w.head_a).post(_action(fb, "chuyen"), {"transfer-unit": w.province.pk})
    assert response.status_code == 302 and response["Location"] == reverse("feedback:staff-list")


def test_answer_with_file_then_publish_then_close(client, w):
    from antt.dossiers.tests.factories import pdf_upload

    fb = make_feedback(w.commune_a, state=S.ACCEPTED, topic=w.topic, answer_due=date(2099, 1, 1))
    login(client, w.head_a)
    response = client.post(
        _action(fb, "tra-loi"), {"answer-answer": "Đã trả kết quả.", "answer-attachment": pdf_upload("tl.pdf")}
    )
    assert response.status_code == 302
    fb.refresh_from_db()
    assert fb.state == S.ANSWERED and Notification.objects.filter(key="feedback.answered").exists()
    att = fb.attachments.get()
    download = client.get(reverse("feedback:staff-attachment", args=[fb.code, att.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    refused = client.post(
        _action(fb, "cong-khai"),
        {"publish-public_question": f"Tôi là {SENDER}", "publish-public_answer": "Đã trả kết quả."},
    )
    assert refused.status_code == 400 and "họ tên người gửi" in refused.content.decode()
    fb.refresh_from_db()
    assert not fb.published
    ok = client.post(
        _action(fb, "cong-khai"),
        {"publish-public_question": f"Tôi là {MASK}, hồ sơ chậm", "publish-public_answer": "Đã trả kết quả."},
    )
    assert ok.status_code == 302
    closed = client.post(_action(fb, "ket-thuc"), {"close-satisfied": "yes"})
    assert closed.status_code == 302
    fb.refresh_from_db()
    assert fb.published and fb.state == S.CLOSED and fb.sender_satisfied is True


def test_attachment_download_is_logged_and_not_a_media_url(client, w):
    fb = make_feedback(w.commune_a)
    att = _attachment(fb)
    html = login(client, w.head_a).get(_detail(fb)).content.decode()
    assert "/media/" not in html
    url = reverse("feedback:staff-attachment", args=[fb.code, att.pk])
    assert url in html
    before = AuditEvent.objects.filter(action=AuditEvent.Action.READ_PERSONAL).count()
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.READ_PERSONAL).count() == before + 1


def test_attachment_of_another_feedback_is_404(client, w):
    fb, other = make_feedback(w.commune_a), make_feedback(w.commune_a)
    att = _attachment(other)
    assert login(client, w.head_a).get(reverse("feedback:staff-attachment", args=[fb.code, att.pk])).status_code == 404


# --- Stats page ----------------------------------------------------------------------------


def test_stats_page_needs_feedback_stats(client, w):
    assert login(client, w.receptionist_a).get(reverse("feedback:staff-stats")).status_code == 403


def test_stats_page_and_excel(client, w):
    fb = make_feedback(w.commune_a, received_at=at(2026, 3, 2, 9), topic=w.topic)
    Feedback.objects.filter(pk=fb.pk).update(
        state=S.ANSWERED, answered_at=at(2026, 3, 9, 9), answer_due=date(2026, 3, 16)
    )
    login(client, w.head_a)
    params = {"date_from": "01/01/2026", "date_to": "31/12/2026"}
    with frozen(at(2026, 6, 1, 9)):
        html = client.get(reverse("feedback:staff-stats"), params).content.decode()
        xlsx = client.get(reverse("feedback:staff-stats"), {**params, "xuat": "xlsx"})
    assert "Thủ tục hành chính" in html and "<svg" in html
    assert "100,0%" in html
    assert xlsx.status_code == 200
    wb = load_workbook(BytesIO(b"".join(xlsx.streaming_content)), read_only=True)
    assert wb.sheetnames == ["Theo chủ đề", "Theo đơn vị", "Theo tháng"]
    rows = list(wb["Theo chủ đề"].iter_rows(values_only=True))
    assert rows[2][:5] == ("Thủ tục hành chính", 1, 1, 1, 0)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, object_type="feedback.feedback").count() == 1


@pytest.mark.parametrize(
    "params",
    [{"date_from": "32/13/2026"}, {"date_from": "01/06/2026", "date_to": "01/01/2026"}, {"unit": "abc"}],
)
def test_stats_junk_is_400(client, w, params):
    response = login(client, w.head_a).get(reverse("feedback:staff-stats"), params)
    assert response.status_code == 400


def test_stats_junk_does_not_export(client, w):
    response = login(client, w.head_a).get(reverse("feedback:staff-stats"), {"date_from": "x", "xuat": "xlsx"})
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")


def test_list_queries_do_not_grow_with_rows(client, w):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, w.head_a)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("feedback:staff-list")).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(26):  # past one page: the pager counts
        make_feedback(w.commune_a, topic=w.topic)
    few = count()
    for _ in range(30):
        make_feedback(w.commune_a, topic=w.topic2)
    assert count() == few
    assert few <= 10
