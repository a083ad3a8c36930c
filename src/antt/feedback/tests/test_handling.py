"""The transitions of feedback handling: state, role, scope, fields, events, audit, notices."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import Http404

from antt.core import calendar
from antt.core.models import AuditEvent, Notification
from antt.dossiers.tests.factories import pdf_upload
from antt.feedback import handling, workflow
from antt.feedback.models import FeedbackAttachment, FeedbackEvent, FeedbackState
from antt.feedback.tests.factories_pakn import ANSWER_DAYS, PHONE, SENDER, at, frozen, make_feedback, pakn_world

S = FeedbackState
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def w():
    return pakn_world()


def _call(action, w, fb, officer=None):
    """Run `action` with valid input by an officer who holds every capability (the head)."""
    officer = officer or w.head_a
    if action == "accept":
        return handling.feedback_accept(officer=officer, feedback=fb, topic=w.topic)
    if action == "refuse":
        return handling.feedback_refuse(officer=officer, feedback=fb, reason="Không thuộc thẩm quyền")
    if action == "release":
        return handling.feedback_release(officer=officer, feedback=fb)
    if action == "transfer":
        return handling.feedback_transfer(officer=officer, feedback=fb, unit=w.province)
    if action == "answer":
        return handling.feedback_answer(officer=officer, feedback=fb, text="Đơn vị đã trả kết quả ngày 06/05.")
    if action == "close":
        return handling.feedback_close(officer=officer, feedback=fb)
    if action == "publish":
        return handling.feedback_publish(
            officer=officer, feedback=fb, public_question="Hồ sơ chậm?", public_answer="Đã trả kết quả."
        )
    if action == "unpublish":
        return handling.feedback_unpublish(officer=officer, feedback=fb)
    raise AssertionError(action)


def _accepted(w, **kw):
    kw.setdefault("accepted_at", at(2026, 5, 5, 9))
    kw.setdefault("answer_due", date(2026, 5, 19))
    return make_feedback(w.commune_a, state=S.ACCEPTED, topic=w.topic, **kw)


# --- The state machine, every action from every state ---------------------------------------

TRANSITION_CASES = [(a, s) for a in workflow.TRANSITIONS for s in S.values]


@pytest.mark.parametrize(("action", "state"), TRANSITION_CASES)
def test_each_transition_is_allowed_exactly_from_its_table_states(w, action, state):
    # given a feedback in `state` (with what that state carries)
    extra = {"topic": w.topic, "answer_due": date(2026, 5, 19)} if state != S.RECEIVED else {}
    fb = make_feedback(w.commune_a, state=state, **extra)
    events_before = FeedbackEvent.objects.count()
    # when / then
    with frozen(at(2026, 5, 5, 10)):
        if workflow.allowed(action, state):
            result = _call(action, w, fb)
            assert result.state == workflow.TRANSITIONS[action][state]
            assert FeedbackEvent.objects.count() == events_before + 1
        else:
            with pytest.raises(workflow.TransitionError):
                _call(action, w, fb)
            fb.refresh_from_db()
            assert fb.state == state
            assert FeedbackEvent.objects.count() == events_before


@pytest.mark.parametrize("state", S.values)
def test_publish_only_answered_or_closed(w, state):
    fb = make_feedback(w.commune_a, state=state, answer="Đã trả lời")
    if state in workflow.PUBLISHABLE:
        assert _call("publish", w, fb).published
    else:
        with pytest.raises(handling.FeedbackError):
            _call("publish", w, fb)
        fb.refresh_from_db()
        assert not fb.published


# --- Roles ----------------------------------------------------------------------------------

ROLE_CASES = [
    # (officer attribute, action, allowed)
    ("receptionist_a", "accept", True),
    ("receptionist_a", "refuse", True),
    ("receptionist_a", "answer", False),
    ("receptionist_a", "publish", False),
    ("receptionist_a", "close", False),
    ("processor_a", "accept", False),
    ("processor_a", "transfer", False),
    ("processor_a", "answer", True),
    ("processor_a", "close", True),
    ("processor_a", "publish", False),
    ("supervisor", "accept", False),
    ("supervisor", "answer", False),
    ("supervisor", "publish", False),
    ("supervisor", "close", False),
    ("unit_admin_a", "refuse", False),
    ("unit_admin_a", "answer", False),
]

STATE_FOR = {
    "accept": S.RECEIVED,
    "refuse": S.RECEIVED,
    "transfer": S.RECEIVED,
    "answer": S.ACCEPTED,
    "close": S.ANSWERED,
    "publish": S.ANSWERED,
}


@pytest.mark.parametrize(("who", "action", "allowed"), ROLE_CASES)
def test_capabilities_decide(w, who, action, allowed):
    fb = make_feedback(w.commune_a, state=STATE_FOR[action], topic=w.topic, answer_due=date(2026, 5, 19))
    audit_before = AuditEvent.objects.count()
    if allowed:
        _call(action, w, fb, officer=getattr(w, who))
        fb.refresh_from_db()
        assert fb.state != STATE_FOR[action] or action == "transfer" or fb.published
    else:
        with pytest.raises(PermissionDenied):
            _call(action, w, fb, officer=getattr(w, who))
        fb.refresh_from_db()
        assert fb.state == STATE_FOR[action]
        assert AuditEvent.objects.count() == audit_before


# --- Scope ----------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["accept", "refuse", "transfer", "answer", "close", "publish"])
def test_another_communes_officer_gets_404_and_nothing_is_written(w, action):
    fb = make_feedback(w.commune_a, state=STATE_FOR[action], topic=w.topic, answer_due=date(2026, 5, 19))
    audit_before, events_before = AuditEvent.objects.count(), FeedbackEvent.objects.count()
    with pytest.raises(Http404):
        _call(action, w, fb, officer=w.head_b)
    fb.refresh_from_db()
    assert fb.state == STATE_FOR[action] and not fb.published
    assert (AuditEvent.objects.count(), FeedbackEvent.objects.count()) == (audit_before, events_before)


# --- Accept ---------------------------------------------------------------------------------


def test_accept_sets_topic_and_answer_due_from_the_rule_and_records_event_and_audit(w):
    fb = make_feedback(w.commune_a, received_at=at(2026, 5, 4, 9))
    when = at(2026, 5, 5, 10)
    with frozen(when):
        fb = handling.feedback_accept(officer=w.receptionist_a, feedback=fb, topic=w.topic, note="Chuyển tổ xử lý")
    assert fb.state == S.ACCEPTED
    assert fb.topic == w.topic
    assert fb.accepted_at == when
    assert fb.answer_due == calendar.due_date(when, ANSWER_DAYS)
    assert fb.is_late is False
    event = fb.events.get()
    assert (event.action, event.from_state, event.to_state, event.actor, event.note) == (
        "accept", S.RECEIVED, S.ACCEPTED, w.receptionist_a, "Chuyển tổ xử lý"
    )  # fmt: skip
    entry = AuditEvent.objects.filter(object_type="feedback.feedback", object_id=str(fb.pk)).get()
    assert entry.action == AuditEvent.Action.TRANSITION
    assert entry.changes["state"] == [S.RECEIVED, S.ACCEPTED]
    assert entry.changes["topic_id"] == [None, w.topic.pk]
    assert SENDER not in str(entry.changes) and PHONE not in str(entry.changes)


def test_accept_needs_a_topic(w):
    fb = make_feedback(w.commune_a)
    with pytest.raises(handling.FeedbackError) as exc:
        handling.feedback_accept(officer=w.head_a, feedback=fb, topic=None)
    assert exc.value.field == "topic"
    fb.refresh_from_db()
    assert fb.state == S.RECEIVED


def test_accept_without_a_rule_is_refused_in_vietnamese(db):
    w = pakn_world(rules=False)
    fb = make_feedback(w.commune_a)
    with pytest.raises(handling.FeedbackError, match="Chưa có quy định thời hạn"):
        handling.feedback_accept(officer=w.head_a, feedback=fb, topic=w.topic)


def test_accept_after_the_classify_due_marks_late(w):
    fb = make_feedback(w.commune_a, received_at=at(2026, 5, 4, 9))
    with frozen(at(2026, 5, 20, 9)):
        fb = handling.feedback_accept(officer=w.head_a, feedback=fb, topic=w.topic)
    assert fb.is_late is True


def test_accept_may_route_to_the_province_at_once(w):
    fb = make_feedback(w.commune_a)
    fb = handling.feedback_accept(officer=w.head_a, feedback=fb, topic=w.topic, unit=w.province)
    assert fb.unit == w.province and fb.state == S.ACCEPTED


# --- Refuse, release, transfer --------------------------------------------------------------


def test_refuse_needs_a_reason(w):
    fb = make_feedback(w.commune_a)
    with pytest.raises(handling.FeedbackError) as exc:
        handling.feedback_refuse(officer=w.head_a, feedback=fb, reason="   ")
    assert exc.value.field == "reason"
    fb = handling.feedback_refuse(officer=w.head_a, feedback=fb, reason="Nội dung không thuộc phạm vi")
    assert (fb.state, fb.refusal_reason) == (S.NOT_ACCEPTED, "Nội dung không thuộc phạm vi")


def test_release_a_suspected_spam(w):
    fb = make_feedback(w.commune_a, state=S.SUSPECTED_SPAM)
    assert handling.feedback_release(officer=w.receptionist_a, feedback=fb).state == S.RECEIVED


def test_transfer_to_the_province_hands_it_over(w):
    fb = make_feedback(w.commune_a)
    fb = handling.feedback_transfer(officer=w.head_a, feedback=fb, unit=w.province, note="Thuộc phường khác")
    assert fb.unit == w.province
    event = fb.events.get()
    assert (event.action, event.unit) == ("transfer", w.province)
    # the commune no longer sees it
    with pytest.raises(Http404):
        handling.feedback_accept(officer=w.head_a, feedback=fb, topic=w.topic)


@pytest.mark.parametrize("target", ["commune_b", "closed_unit", "commune_a"])
def test_transfer_refused_outside_reach_inactive_or_same_unit(w, target):
    fb = make_feedback(w.commune_a)
    with pytest.raises(handling.FeedbackError) as exc:
        handling.feedback_transfer(officer=w.head_a, feedback=fb, unit=getattr(w, target))
    assert exc.value.field == "unit"
    fb.refresh_from_db()
    assert fb.unit == w.commune_a
    assert not fb.events.exists()


def test_province_officer_may_transfer_down_to_any_commune(w):
    from antt.org.tests.factories import make_officer

    province_head = make_officer(w.province, role="head")
    fb = make_feedback(w.province)
    fb = handling.feedback_transfer(officer=province_head, feedback=fb, unit=w.commune_b)
    assert fb.unit == w.commune_b


def test_transfer_targets_list_reach_and_province_only(w):
    targets = set(handling.transfer_targets(w.head_a, w.commune_a))
    assert targets == {w.province}
    from antt.org.tests.factories import make_unit

    team = make_unit("Tổ công tác số 1", parent=w.commune_a)
    assert set(handling.transfer_targets(w.head_a, w.commune_a)) == {w.province, team}


# --- Answer ---------------------------------------------------------------------------------


def test_answer_on_time_queues_a_notice_with_code_and_link_only(w):
    fb = _accepted(w)
    with frozen(at(2026, 5, 12, 15)):
        fb = handling.feedback_answer(officer=w.processor_a, feedback=fb, text="Kết quả đã trả ngày 06/05/2026.")
    assert fb.state == S.ANSWERED
    assert fb.answered_at == at(2026, 5, 12, 15)
    assert fb.answered_by == w.processor_a
    assert fb.is_late is False
    notes = Notification.objects.filter(key="feedback.answered").order_by("channel")
    assert [n.channel for n in notes] == ["email", "sms"]
    for n in notes:
        assert fb.code in n.body
        assert "/phan-anh-kien-nghi/tra-cuu/" in n.body
        assert "Kết quả đã trả" not in n.body and "Kết quả đã trả" not in n.subject


def test_answer_after_the_due_date_is_late(w):
    fb = _accepted(w, answer_due=date(2026, 5, 19))
    with frozen(at(2026, 5, 20, 8)):
        fb = handling.feedback_answer(officer=w.processor_a, feedback=fb, text="Trả lời muộn")
    assert fb.is_late is True


def test_answer_on_the_due_date_is_on_time(w):
    fb = _accepted(w, answer_due=date(2026, 5, 19))
    with frozen(at(2026, 5, 19, 16, 59)):
        fb = handling.feedback_answer(officer=w.processor_a, feedback=fb, text="Trả lời đúng hạn")
    assert fb.is_late is False


def test_answer_needs_text_and_writes_nothing_without(w):
    fb = _accepted(w)
    with pytest.raises(handling.FeedbackError) as exc:
        handling.feedback_answer(officer=w.processor_a, feedback=fb, text="")
    assert exc.value.field == "answer"
    assert not Notification.objects.exists()
    fb.refresh_from_db()
    assert fb.state == S.ACCEPTED


def test_answer_with_an_officer_attachment(w, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fb = _accepted(w)
    handling.feedback_answer(
        officer=w.processor_a, feedback=fb, text="Xem văn bản kèm theo", upload=pdf_upload("tl.pdf")
    )
    att = FeedbackAttachment.objects.get(feedback=fb)
    assert att.from_officer and att.kind == "pdf" and att.name == "tl.pdf"


def test_answer_attachment_that_is_not_a_pdf_or_image_is_refused(w, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fb = _accepted(w)
    junk = SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(handling.FeedbackError) as exc:
        handling.feedback_answer(officer=w.processor_a, feedback=fb, text="Trả lời", upload=junk)
    assert exc.value.field == "attachment"
    fb.refresh_from_db()
    assert fb.state == S.ACCEPTED and not FeedbackAttachment.objects.exists()


# --- Publish and close ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "answer", "label"),
    [
        (f"Tôi là {SENDER}, hồ sơ chậm", "Đã trả", "họ tên người gửi"),
        ("Hồ sơ chậm", f"Đã gọi số {PHONE}", "số điện thoại"),
        ("Hồ sơ chậm, CCCD 038190000123", "Đã trả", "số CMND/CCCD"),
        ("Xe 36A-123.45 bị giữ", "Đã trả", "biển số xe"),
        ("Hồ sơ chậm", "Đã gửi thư tới huong@example.vn", "thư điện tử"),
        ("Dang Thi Ngoc Huong hỏi", "Đã trả", "họ tên người gửi"),
    ],
)
def test_publish_refused_while_personal_data_remains(w, question, answer, label):
    fb = make_feedback(w.commune_a, state=S.ANSWERED, answer="Đã trả")
    with pytest.raises(handling.FeedbackError) as exc:
        handling.feedback_publish(officer=w.head_a, feedback=fb, public_question=question, public_answer=answer)
    assert label in exc.value.message
    fb.refresh_from_db()
    assert not fb.published and fb.public_question == ""


def test_publish_requires_both_texts(w):
    fb = make_feedback(w.commune_a, state=S.ANSWERED)
    with pytest.raises(handling.FeedbackError) as exc:
        handling.feedback_publish(officer=w.head_a, feedback=fb, public_question="Câu hỏi", public_answer="")
    assert exc.value.field == "public_answer"


def test_publish_then_unpublish(w):
    fb = make_feedback(w.commune_a, state=S.CLOSED)
    with frozen(at(2026, 5, 21, 9)):
        fb = handling.feedback_publish(
            officer=w.head_a, feedback=fb, public_question="Hỏi [đã ẩn]", public_answer="Trả lời"
        )
    assert fb.published and fb.published_at == at(2026, 5, 21, 9)
    fb = handling.feedback_unpublish(officer=w.head_a, feedback=fb, reason="Đăng nhầm")
    assert not fb.published
    assert [e.action for e in fb.events.all()] == ["publish", "unpublish"]
    with pytest.raises(handling.FeedbackError):
        handling.feedback_unpublish(officer=w.head_a, feedback=fb)


def test_close_records_the_senders_satisfaction(w):
    fb = make_feedback(w.commune_a, state=S.ANSWERED)
    fb = handling.feedback_close(officer=w.processor_a, feedback=fb, sender_satisfied=False)
    assert fb.state == S.CLOSED and fb.sender_satisfied is False


def test_close_keeps_what_the_sender_said_themselves(w):
    fb = make_feedback(w.commune_a, state=S.ANSWERED, sender_satisfied=True)
    fb = handling.feedback_close(officer=w.processor_a, feedback=fb, sender_satisfied=False)
    assert fb.state == S.CLOSED and fb.sender_satisfied is True


# --- Lateness -------------------------------------------------------------------------------


def test_mark_late_sets_open_items_past_due_only(w):
    received_late = make_feedback(w.commune_a, classify_due=date(2026, 5, 7))
    received_ok = make_feedback(w.commune_a, classify_due=date(2026, 5, 8))
    accepted_late = _accepted(w, answer_due=date(2026, 5, 7), classify_due=date(2026, 5, 1))
    accepted_ok = _accepted(w, answer_due=date(2026, 5, 8), classify_due=date(2026, 5, 1))
    answered = make_feedback(w.commune_a, state=S.ANSWERED, answer_due=date(2026, 5, 1), classify_due=date(2026, 5, 1))
    assert handling.mark_late(today=date(2026, 5, 8)) == 2
    flags = {
        fb.pk: fb.is_late
        for fb in [received_late, received_ok, accepted_late, accepted_ok, answered]
        if not fb.refresh_from_db()
    }
    assert flags == {
        received_late.pk: True,
        received_ok.pk: False,
        accepted_late.pk: True,
        accepted_ok.pk: False,
        answered.pk: False,
    }
    assert FeedbackEvent.objects.filter(action="mark_late").count() == 2
    assert AuditEvent.objects.filter(object_type="feedback.feedback", reason="Phản ánh, kiến nghị quá hạn").count() == 2
    # a second run changes nothing
    assert handling.mark_late(today=date(2026, 5, 8)) == 0


def test_feedback_daily_command(w, capsys):
    fb = make_feedback(w.commune_a, classify_due=date(2026, 5, 7))
    call_command("feedback_daily", "--date", "2026-05-08")
    fb.refresh_from_db()
    assert fb.is_late
    assert "1" in capsys.readouterr().out


def test_feedback_daily_refuses_a_bad_date(w):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("feedback_daily", "--date", "08/05/2026")


def test_the_intake_unit_routes_to_any_active_police_unit(db):
    """The public service centre is outside the police tree: its officers send a feedback about a
    rule to whichever police unit is responsible."""
    from antt.feedback import handling
    from antt.org.models import Role, Unit
    from antt.org.tests.factories import make_officer, make_unit

    centre = make_unit("Trung tâm Phục vụ hành chính công tỉnh", level=Unit.Level.OUTSIDE, slug="ttpvhcc")
    province = make_unit("Công an tỉnh", level=Unit.Level.PROVINCE, slug="ca-tinh-x")
    commune = make_unit("Công an phường A", level=Unit.Level.COMMUNE, parent=province, slug="ca-a-x")
    officer = make_officer(centre, role=Role.HEAD)
    targets = set(handling.transfer_targets(officer, centre))
    assert {province, commune} <= targets
    assert centre not in targets
