"""The intake service of feedback (phản ánh, kiến nghị): validation, the one transaction,
abuse controls. Fixtures here are shared by test_public*.py and test_api*.py."""

from __future__ import annotations

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from antt.core.models import AuditEvent, Counter, Notification
from antt.feedback import intake
from antt.feedback.loaders import load_feedback_rules
from antt.feedback.models import (
    Feedback,
    FeedbackAttachment,
    FeedbackDeadlineRule,
    FeedbackEvent,
    FeedbackState,
    FeedbackTopic,
)
from antt.org.models import Unit
from antt.org.tests.factories import make_unit

CLIENT = intake.client_hash("203.0.113.7")


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rules(db):
    load_feedback_rules()


@pytest.fixture
def intake_unit(db):
    return make_unit("Trung tâm Phục vụ hành chính công tỉnh", level=Unit.Level.PROVINCE, slug="ttpvhcc")


@pytest.fixture
def ready(rules, intake_unit):
    return intake_unit


def form(**overrides) -> dict:
    values = {
        "kind": "reflection",
        "subject": "rule",
        "title": "Thủ tục đăng ký tạm trú còn yêu cầu giấy tờ thừa",
        "content": "Khi đăng ký tạm trú, cán bộ yêu cầu bản sao hợp đồng thuê nhà có công chứng, "
        "trong khi quy định chỉ yêu cầu giấy tờ chứng minh chỗ ở hợp pháp.",
        "sender_kind": "person",
        "sender_name": "Lê Văn Bình",
        "sender_phone": "0912 345 678",
        "sender_email": "binh@example.vn",
        "sender_address": "12 Lê Lợi, phường Hạc Thành",
        "consent": "on",
    }
    values.update(overrides)
    return values


def good_token() -> str:
    return intake.form_token(now_ts=timezone.now().timestamp() - 60)


def send(data=None, *, client=CLIENT, files=(), token="good", honeypot=""):  # noqa: S107
    token = good_token() if token == "good" else token
    return intake.submit(
        data=intake.validate(data or form()), client=client, files=files, form_token=token, honeypot=honeypot
    )


def png_bytes() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, "PNG")
    return buf.getvalue()


def png_upload(name="anh.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def pdf_upload(name="tai-lieu.pdf") -> SimpleUploadedFile:
    from antt.dossiers.tests.factories import pdf_upload as make

    return make(name)


# --- validation ---------------------------------------------------------------------------


def test_valid_input_is_accepted_and_phone_normalised(db):
    data = intake.validate(form(sender_phone="+84 912.345.678"))
    assert data.sender_phone == "0912345678"


@pytest.mark.parametrize(
    ("field", "value", "message_part"),
    [
        ("content", "Nội dung\x00 có ký tự NUL ở giữa, đủ dài để qua giới hạn", "ký tự điều khiển"),
        ("content", "x" * 10_000, "tối đa 5000"),
        ("content", "ngắn", "ít nhất"),
        ("title", "Tiêu đề\x07chuông", "ký tự điều khiển"),
        ("title", "", "Vui lòng nhập"),
        ("sender_phone", "12345", "không hợp lệ"),
        ("sender_email", "khong-phai-email", "không hợp lệ"),
        ("kind", "complaint", "phản ánh hay kiến nghị"),
        ("subject", "", "nội dung liên quan"),
        ("consent", "", "đồng ý"),
        ("topic", "999999", "Chủ đề"),
        ("procedure", "abc", "Thủ tục"),
    ],
)
def test_bad_input_is_refused_with_a_vietnamese_message(db, field, value, message_part):
    with pytest.raises(intake.IntakeInvalid) as caught:
        intake.validate(form(**{field: value}))
    assert message_part in caught.value.errors[field]


def test_organisation_needs_its_name(db):
    with pytest.raises(intake.IntakeInvalid) as caught:
        intake.validate(form(sender_kind="organisation", org_name=""))
    assert "org_name" in caught.value.errors


def test_unknown_dossier_code_is_refused(db):
    with pytest.raises(intake.IntakeInvalid) as caught:
        intake.validate(form(dossier_code="H56.14-260101-9999"))
    assert "Không tìm thấy hồ sơ" in caught.value.errors["dossier_code"]


# --- the service --------------------------------------------------------------------------


def test_submit_writes_row_event_audit_and_notification_in_one_go(ready):
    # given a valid feedback
    # when it is submitted
    result = send()
    # then
    fb = Feedback.objects.get()
    assert fb == result.feedback
    assert fb.code.startswith("PAKN-") and intake.codes.looks_valid(fb.code)
    assert fb.state == FeedbackState.RECEIVED
    assert fb.unit == ready
    assert fb.client_hash == CLIENT and len(fb.content_hash) == 64
    rule = FeedbackDeadlineRule.objects.get(subject="rule", stage="classify")
    from antt.core import calendar

    assert fb.classify_due == calendar.due_date(fb.received_at, rule.working_days)
    event = FeedbackEvent.objects.get(feedback=fb)
    assert (event.action, event.to_state) == ("submit", "received")
    entry = AuditEvent.objects.filter(object_type="feedback.feedback", object_id=str(fb.pk)).get()
    assert "0912345678" not in str(entry.changes) and fb.content not in str(entry.changes)
    notes = Notification.objects.filter(key="feedback.received").order_by("channel")
    assert [n.channel for n in notes] == ["email", "sms"]
    for note in notes:
        assert fb.code in note.body
        assert "tạm trú" not in note.body  # never the content
    assert result.notified == ["sms", "email"]


def test_codes_are_consecutive_per_day(ready):
    a = send().feedback
    b = send(form(title="Một phản ánh khác hẳn", content="Nội dung khác hẳn với phản ánh trước đó nhiều.")).feedback
    assert int(b.code.rsplit("-", 1)[1]) == int(a.code.rsplit("-", 1)[1]) + 1


def test_tied_dossier_sets_unit_and_procedure_without_phone_match(ready):
    from antt.dossiers.tests.factories import one_stop_world
    from antt.feedback.tests.builders import at, receive

    w = one_stop_world()
    dossier = receive(w, at(2026, 5, 4, 9))
    fb = send(form(dossier_code=dossier.code.lower(), subject="dossier", sender_phone="0987654321")).feedback
    assert fb.dossier_id == dossier.pk
    assert fb.unit_id == dossier.unit_id
    assert fb.procedure_id == dossier.procedure_id


def test_missing_intake_unit_is_unavailable_and_writes_nothing(rules):
    with pytest.raises(intake.IntakeUnavailable):
        send()
    assert not Feedback.objects.exists()


def test_rollback_mid_submit_writes_nothing(ready):
    # given the notification outbox fails after the row, the event and a file were written
    files = [pdf_upload()]
    with mock.patch("antt.core.notify.queue", side_effect=RuntimeError("outbox down")), pytest.raises(RuntimeError):
        send(files=files)
    # then nothing is left: no row, no event, no attachment, no stored file, no counter step
    assert not Feedback.objects.exists()
    assert not FeedbackEvent.objects.exists()
    assert not FeedbackAttachment.objects.exists()
    assert not AuditEvent.objects.filter(object_type="feedback.feedback").exists()
    assert Counter.objects.filter(key="feedback").first() is None or Counter.objects.get(key="feedback").value == 0
    assert _all_files("feedback") == []


def _all_files(prefix: str) -> list[str]:
    if not default_storage.exists(prefix):
        return []
    dirs, files = default_storage.listdir(prefix)
    out = [f"{prefix}/{f}" for f in files]
    for d in dirs:
        out += _all_files(f"{prefix}/{d}")
    return out


# --- attachments --------------------------------------------------------------------------


def test_attachments_are_checked_and_stored(ready):
    fb = send(files=[pdf_upload(), png_upload()]).feedback
    kinds = sorted(a.kind for a in fb.attachments.all())
    assert kinds == ["pdf", "png"]
    assert all(default_storage.exists(a.file.name) for a in fb.attachments.all())


def test_forged_file_is_refused_with_a_clear_message(ready):
    fake = SimpleUploadedFile("hop-dong.pdf", b"MZ\x90\x00 this is a program", content_type="application/pdf")
    with pytest.raises(intake.IntakeInvalid) as caught:
        send(files=[fake])
    assert "hop-dong.pdf" in caught.value.errors["files"]
    assert not Feedback.objects.exists()


def test_too_many_files_are_refused(ready, settings):
    settings.ANTT_FEEDBACK_MAX_FILES = 2
    with pytest.raises(intake.IntakeInvalid) as caught:
        send(files=[png_upload("1.png"), png_upload("2.png"), png_upload("3.png")])
    assert "tối đa 2 tệp" in caught.value.errors["files"]


def test_oversized_file_and_total_are_refused(ready, settings):
    settings.ANTT_UPLOAD_MAX_BYTES = 200
    with pytest.raises(intake.IntakeInvalid) as caught:
        send(files=[pdf_upload()])
    assert "vượt quá" in caught.value.errors["files"]
    settings.ANTT_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    settings.ANTT_FEEDBACK_MAX_TOTAL_BYTES = len(png_bytes()) + 10
    with pytest.raises(intake.IntakeInvalid) as caught:
        send(files=[png_upload("1.png"), png_upload("2.png")])
    assert "Tổng dung lượng" in caught.value.errors["files"]
    assert not Feedback.objects.exists()


# --- abuse controls -----------------------------------------------------------------------


def test_script_in_text_is_stored_as_typed(ready):
    text = 'Cán bộ nói <script>alert("x")</script> rồi bỏ đi, tôi phải chờ hai giờ đồng hồ.'
    fb = send(form(content=text, title="<b>Tiêu đề</b>")).feedback
    fb.refresh_from_db()
    assert fb.content == text and fb.title == "<b>Tiêu đề</b>"


def test_honeypot_keeps_item_as_suspected_spam_and_sends_nothing(ready):
    result = send(honeypot="http://spam.example")
    fb = result.feedback
    assert fb.state == FeedbackState.SUSPECTED_SPAM
    assert intake.REASON_HONEYPOT in fb.spam_reasons
    assert result.notified == [] and not Notification.objects.filter(key="feedback.received").exists()


@pytest.mark.parametrize(
    ("age", "reason"),
    [(1, intake.REASON_TOO_FAST), (3 * 3600, intake.REASON_STALE), (None, intake.REASON_NO_TOKEN)],
)
def test_form_timing_outside_3s_2h_is_suspicious(ready, age, reason):
    token = None if age is None else intake.form_token(now_ts=timezone.now().timestamp() - age)
    fb = send(token=token).feedback
    assert fb.state == FeedbackState.SUSPECTED_SPAM
    assert fb.spam_reasons == [reason]


def test_forged_form_token_is_suspicious(ready):
    assert intake.form_token_reason("1700000000:forged") == intake.REASON_NO_TOKEN
    assert intake.form_token_reason(good_token()) is None


def test_link_stuffing_and_gibberish_are_held_not_deleted(ready):
    links = " ".join(f"http://ban-thuoc-{i}.example.com" for i in range(5))
    fb = send(form(content="Mua ngay hàng giảm giá " + links)).feedback
    assert fb.state == FeedbackState.SUSPECTED_SPAM and intake.REASON_LINKS in fb.spam_reasons
    fb2 = send(form(title="xkcd qwrt", content="sdfghj qwrtpz xcvbnm kjhgfd plmnbv zxcvbn qwrtyp")).feedback
    assert intake.REASON_GIBBERISH in fb2.spam_reasons
    assert Feedback.objects.count() == 2


def test_normal_vietnamese_text_without_accents_is_not_gibberish():
    assert (
        intake.content_reasons("Thu tuc cu tru", "Toi da nop ho so dang ky tam tru tu thang truoc ma chua co ket qua")
        == []
    )


def test_duplicate_within_24h_gives_the_earlier_code_only_when_phone_matches(ready):
    first = send().feedback
    with pytest.raises(intake.Duplicate) as same_phone:
        send()
    assert same_phone.value.code == first.code and first.code in str(same_phone.value)
    with pytest.raises(intake.Duplicate) as other_phone:
        send(form(sender_phone="0987000111"))
    assert other_phone.value.code == "" and first.code not in str(other_phone.value)
    assert Feedback.objects.count() == 1


def test_same_text_after_24h_or_from_another_client_is_new(ready):
    first = send().feedback
    Feedback.objects.filter(pk=first.pk).update(received_at=timezone.now() - timedelta(hours=25))
    send()
    send(client=intake.client_hash("198.51.100.1"), data=form(title="Khác", content=form()["content"] + " Thêm."))
    assert Feedback.objects.count() == 3


def test_flood_from_one_client_is_rate_limited_and_nothing_legitimate_is_lost(ready, settings):
    settings.ANTT_FEEDBACK_RATE = "3/h"
    kept = []
    for i in range(3):
        kept.append(
            send(form(title=f"Phản ánh số {i}", content=f"Nội dung riêng của phản ánh số {i}, đủ dài.")).feedback
        )
    with pytest.raises(intake.RateLimited) as caught:
        send(form(title="Thứ tư", content="Nội dung của phản ánh thứ tư, đủ dài để hợp lệ."))
    assert caught.value.retry_after > 0
    assert sorted(Feedback.objects.values_list("code", flat=True)) == sorted(f.code for f in kept)
    # another client is not affected
    send(client=intake.client_hash("198.51.100.9"))
    assert Feedback.objects.count() == 4


def test_daily_rate_applies_too(ready, settings):
    settings.ANTT_FEEDBACK_RATE = "100/h"
    settings.ANTT_FEEDBACK_DAILY_RATE = "2/d"
    send(form(title="Một"))
    send(form(title="Hai"))
    with pytest.raises(intake.RateLimited):
        send(form(title="Ba"))


def test_client_hash_is_keyed_and_not_the_address(settings):
    h = intake.client_hash("203.0.113.7")
    assert "203.0.113.7" not in h and len(h) == 64
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert intake.client_hash("203.0.113.7") != h


# --- reference data -----------------------------------------------------------------------


def test_loader_is_idempotent_and_covers_every_subject_and_stage(db):
    first = load_feedback_rules()
    second = load_feedback_rules()
    assert "mới" in first and "0 mới" in second
    from antt.feedback.models import FeedbackSubject

    for subject in FeedbackSubject.values:
        for stage in FeedbackDeadlineRule.Stage.values:
            row = FeedbackDeadlineRule.objects.get(subject=subject, stage=stage)
            assert row.legal_basis and row.working_days > 0
    assert FeedbackTopic.objects.count() >= 10


def test_satisfaction_once_after_answer(ready):
    fb = send().feedback
    with pytest.raises(intake.NotAllowed):
        intake.record_satisfaction(feedback_id=fb.pk, satisfied=True)
    Feedback.objects.filter(pk=fb.pk).update(state=FeedbackState.ANSWERED, answer="Đã sửa.")
    intake.record_satisfaction(feedback_id=fb.pk, satisfied=False)
    fb.refresh_from_db()
    assert fb.sender_satisfied is False
    with pytest.raises(intake.NotAllowed):
        intake.record_satisfaction(feedback_id=fb.pk, satisfied=True)
