"""Notifications outbox: queued with the caller's transaction, sent by a task, retried, masked."""

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from antt.core import notify
from antt.core.models import AuditEvent, CalendarDay, Notification
from antt.org.models import Role, Unit
from antt.org.tests.factories import make_officer, make_unit

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
BODY = "Hồ sơ H56.14-260423-0007 của ông/bà đã được tiếp nhận. Hẹn trả kết quả ngày 30/04/2026."


class BrokenBackend(notify.BaseBackend):
    """A provider that is down."""

    calls = 0

    def send(self, notification):
        BrokenBackend.calls += 1
        raise ConnectionError("cổng SMS không phản hồi")


class SlowBackend(notify.BaseBackend):
    """A provider that takes a while and counts what it sends."""

    sent: list[int] = []

    def send(self, notification):
        time.sleep(0.3)
        SlowBackend.sent.append(notification.pk)
        return "ok"


@pytest.fixture
def outbox_file(settings, tmp_path):
    settings.TASKS = IMMEDIATE
    settings.ANTT_NOTIFY_FILE = str(tmp_path / "notifications.jsonl")
    settings.ANTT_NOTIFY_BACKENDS = dict.fromkeys(["email", "sms", "zalo"], "file")
    return tmp_path / "notifications.jsonl"


def _queue_sms(**overrides):
    values = {"channel": "sms", "recipient": "0912 345 678", "body": BODY, "key": "dossier.received"}
    values.update(overrides)
    return notify.queue(**values)


def _make_due(notification):
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_notification_is_sent_only_after_the_callers_transaction_commits(
    outbox_file, django_capture_on_commit_callbacks
):
    # given a service's transaction that queues a message about the object it changed
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        day = CalendarDay.objects.create(date="2026-04-30", kind="day_off", name="Ngày Giải phóng miền Nam")
        notification = _queue_sms(obj=day)
        # when the transaction is still open
        # then the row waits and nothing went out
        assert Notification.objects.get(pk=notification.pk).state == Notification.State.PENDING
        assert not outbox_file.exists()
    # when it commits, then the task sent it
    notification.refresh_from_db()
    assert notification.state == Notification.State.SENT
    assert notification.attempts == 1
    assert notification.sent_at is not None
    assert (notification.object_type, notification.object_id) == ("core.calendarday", str(day.pk))
    assert len(outbox_file.read_text(encoding="utf-8").splitlines()) == 1


def test_a_rolled_back_transaction_queues_nothing_and_enqueues_no_task(settings, django_capture_on_commit_callbacks):
    # given the production task backend (a database queue)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

    # when the caller's transaction fails after queueing
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _queue_sms()
        raise RuntimeError("the change failed")

    # then neither the row nor a task exists
    assert callbacks == []
    assert not Notification.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_a_committed_notification_enqueues_one_database_task_for_the_worker(
    settings, django_capture_on_commit_callbacks
):
    # given the production task backend
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

    # when a message is queued and the transaction commits
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notification = _queue_sms()

    # then the worker's queue holds one task for that row, and the row still waits for it
    task = DBTaskResult.objects.get()
    assert task.task_path == "antt.core.tasks.send_notification"
    assert task.args_kwargs == {"args": [notification.pk], "kwargs": {}}
    assert Notification.objects.get(pk=notification.pk).state == Notification.State.PENDING


@pytest.mark.django_db(transaction=True)
def test_queueing_outside_a_transaction_is_refused():
    # a message queued in autocommit could go out for a change that is later rolled back
    with pytest.raises(RuntimeError, match="transaction"):
        _queue_sms()
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("channel", "recipient", "message"),
    [
        ("sms", "0212345678", "không hợp lệ"),
        ("email", "nguyen.van.a@", "thư điện tử không hợp lệ"),
        ("zalo", "abc", "số điện thoại hoặc mã người dùng Zalo"),
        ("fax", "0912345678", "Kênh thông báo không hợp lệ"),
    ],
)
def test_an_invalid_recipient_is_refused_in_vietnamese(channel, recipient, message):
    with pytest.raises(notify.NotifyError, match=message):
        notify.queue(channel=channel, recipient=recipient, body=BODY, key="dossier.received")
    assert not Notification.objects.exists()


def test_the_file_backend_writes_one_json_line_with_vietnamese_unescaped(
    outbox_file, django_capture_on_commit_callbacks
):
    # when an e-mail and an SMS are queued and committed
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _queue_sms()
        notify.queue(
            channel="email",
            recipient="nguyen.van.a@example.vn",
            subject="Thông báo tiếp nhận hồ sơ",
            body=BODY,
            key="dossier.received",
        )

    # then the file has one line each, readable as UTF-8 text, not \\u escapes
    text = outbox_file.read_text(encoding="utf-8")
    assert "Hồ sơ H56.14-260423-0007 của ông/bà đã được tiếp nhận" in text
    assert "\\u" not in text
    sms, email = (json.loads(line) for line in text.splitlines())
    assert (sms["channel"], sms["to"], sms["body"]) == ("sms", "+84912345678", BODY)
    assert (email["channel"], email["to"], email["subject"]) == (
        "email",
        "nguyen.van.a@example.vn",
        "Thông báo tiếp nhận hồ sơ",
    )


def test_the_email_backend_sends_through_django_mail(settings, mailoutbox):
    # given the e-mail channel on Django's mail
    settings.ANTT_NOTIFY_BACKENDS = {"email": "email"}
    notification = notify.queue(
        channel="email", recipient="tran.thi.b@example.vn", subject="Kết quả hồ sơ", body=BODY, key="dossier.done"
    )

    # when
    notify.send(notification)

    # then
    assert [(m.to, m.subject, m.body) for m in mailoutbox] == [(["tran.thi.b@example.vn"], "Kết quả hồ sơ", BODY)]
    assert Notification.objects.get(pk=notification.pk).state == Notification.State.SENT


def test_a_failed_attempt_is_retried_with_backoff_then_fails_after_max_attempts(settings):
    # given an SMS gateway that is down and at most three attempts
    settings.ANTT_NOTIFY_BACKENDS = {"sms": "antt.core.tests.test_notify.BrokenBackend"}
    settings.ANTT_NOTIFY_MAX_ATTEMPTS = 3
    settings.ANTT_NOTIFY_RETRY_SECONDS = 60
    BrokenBackend.calls = 0
    notification = _queue_sms()

    # when the first attempt fails
    before = timezone.now()
    first = notify.send(notification)

    # then a retry is scheduled a minute later, with the error kept
    assert first.state == Notification.State.PENDING
    assert first.attempts == 1
    assert before + timedelta(seconds=59) <= first.next_attempt_at <= timezone.now() + timedelta(seconds=61)
    assert "cổng SMS không phản hồi" in first.last_response
    # and it is not tried again before then
    assert notify.send(notification) is None
    assert BrokenBackend.calls == 1

    # when the second attempt fails, the wait doubles
    _make_due(notification)
    second = notify.send(notification)
    assert (second.state, second.attempts) == (Notification.State.PENDING, 2)
    assert second.next_attempt_at >= timezone.now() + timedelta(seconds=119)

    # when the third (last) attempt fails, the message is given up and the transition audited
    _make_due(notification)
    third = notify.send(notification)
    assert (third.state, third.attempts) == (Notification.State.FAILED, 3)
    assert "Lần 3" in third.last_response
    assert notify.send(notification) is None
    assert BrokenBackend.calls == 3
    entry = AuditEvent.objects.get(object_type="core.notification", action=AuditEvent.Action.TRANSITION)
    assert entry.changes == {"state": ["pending", "failed"], "attempts": 3}


def test_a_retry_is_enqueued_for_the_worker_at_the_next_attempt_time(settings, django_capture_on_commit_callbacks):
    # given the production task backend, which can defer tasks, and a gateway that is down
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.ANTT_NOTIFY_BACKENDS = {"sms": "antt.core.tests.test_notify.BrokenBackend"}
    notification = _queue_sms()

    # when the attempt fails
    with django_capture_on_commit_callbacks(execute=True):
        result = notify.send(notification)

    # then the worker gets a task that runs when the retry is due
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [notification.pk]
    assert task.run_after == result.next_attempt_at


def test_the_backoff_doubles_and_is_capped(settings):
    settings.ANTT_NOTIFY_RETRY_SECONDS = 60
    assert [notify.retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert notify.retry_delay(30) == timedelta(hours=6)


def test_a_disabled_channel_cancels_the_message_instead_of_pretending_it_was_sent(settings):
    settings.ANTT_NOTIFY_BACKENDS = {"zalo": "disabled"}
    notification = notify.queue(channel="zalo", recipient="0912345678", body=BODY, key="dossier.received")

    result = notify.send(notification)

    assert result.state == Notification.State.CANCELLED
    assert "đang tắt" in result.last_response


def test_without_debug_zalo_is_disabled_until_a_token_is_configured(settings):
    settings.DEBUG = False
    settings.ANTT_NOTIFY_BACKENDS = {}
    settings.ANTT_ZALO_ACCESS_TOKEN = ""
    assert notify.backend_paths()["zalo"] == "antt.core.notify.DisabledBackend"
    assert notify.backend_paths()["sms"] == "antt.core.notify.SmsBackend"
    settings.ANTT_ZALO_ACCESS_TOKEN = "token"
    assert notify.backend_paths()["zalo"] == "antt.core.notify.ZaloOABackend"
    settings.DEBUG = True
    assert set(notify.backend_paths().values()) == {"antt.core.notify.FileBackend"}


def test_the_send_command_sends_what_is_due_and_leaves_the_rest(outbox_file, capsys):
    # given one due message and one whose retry is an hour away
    due = _queue_sms()
    later = _queue_sms(recipient="0987654321")
    Notification.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))

    # when
    call_command("notifications_send")

    # then
    assert Notification.objects.get(pk=due.pk).state == Notification.State.SENT
    assert Notification.objects.get(pk=later.pk).state == Notification.State.PENDING
    assert "1 đã gửi" in capsys.readouterr().out


def test_cancel_withdraws_a_pending_message_and_is_audited(outbox_file, django_user_model):
    officer = django_user_model.objects.create_user("canbo", password="mat-khau-dai-123")
    notification = _queue_sms()

    notify.cancel(notification=notification, actor=officer, reason="Đổi lịch hẹn")

    assert notify.send(notification) is None
    assert not outbox_file.exists()
    entry = AuditEvent.objects.filter(object_type="core.notification").order_by("seq").last()
    assert (entry.actor_id, entry.reason) == (officer.pk, "Đổi lịch hẹn")
    with pytest.raises(notify.NotifyError, match="Chỉ hủy được"):
        notify.cancel(notification=notification)


# --- Zalo Official Account against a local fake Zalo ------------------------------------


class FakeZalo:
    """A local HTTP server answering like Zalo's open API, recording what it received."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.received = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.received.append({"path": self.path, "token": self.headers["access_token"], "body": body})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(fake.answers.pop(0)).encode())

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def zalo(settings):
    def start(*answers):
        fake = FakeZalo(answers)
        servers.append(fake)
        settings.ANTT_NOTIFY_BACKENDS = {"zalo": "zalo"}
        settings.ANTT_ZALO_ACCESS_TOKEN = "oa-access-token"
        settings.ANTT_ZALO_ZNS_URL = fake.url + "/message/template"
        settings.ANTT_ZALO_OA_URL = fake.url + "/v3.0/oa/message/cs"
        settings.ANTT_ZALO_ZNS_TEMPLATES = {"dossier.received": "231456"}
        return fake

    servers = []
    yield start
    for fake in servers:
        fake.close()


def test_zalo_zns_sends_the_registered_template_to_the_phone_number(zalo):
    # given Zalo accepting the message
    fake = zalo({"error": 0, "message": "Success", "data": {"msg_id": "a1b2c3", "sent_time": "1714000000000"}})
    notification = notify.queue(
        channel="zalo",
        recipient="0912 345 678",
        body=BODY,
        key="dossier.received",
        data={"ma_ho_so": "H56.14-260423-0007", "ngay_hen": "30/04/2026"},
    )

    # when
    result = notify.send(notification)

    # then Zalo got the token header and the ZNS payload, and the row holds Zalo's message id
    [call] = fake.received
    assert call["path"] == "/message/template"
    assert call["token"] == "oa-access-token"
    assert call["body"] == {
        "phone": "84912345678",
        "template_id": "231456",
        "template_data": {"ma_ho_so": "H56.14-260423-0007", "ngay_hen": "30/04/2026"},
        "tracking_id": f"antt-{notification.pk}",
    }
    assert (result.state, result.last_response) == (Notification.State.SENT, "a1b2c3")


def test_zalo_oa_sends_text_to_a_follower_user_id(zalo):
    fake = zalo({"error": 0, "message": "Success", "data": {"message_id": "m-9"}})
    notification = notify.queue(channel="zalo", recipient="7655909298596854389", body=BODY, key="dossier.done")

    result = notify.send(notification)

    [call] = fake.received
    assert call["path"] == "/v3.0/oa/message/cs"
    assert call["body"] == {"recipient": {"user_id": "7655909298596854389"}, "message": {"text": BODY}}
    assert result.state == Notification.State.SENT


def test_a_zalo_error_is_retried_but_an_unknown_number_fails_at_once(zalo):
    # given Zalo refusing an expired token, then a number that has no Zalo account
    fake = zalo(
        {"error": -124, "message": "Access token is invalid"},
        {"error": -118, "message": "Zalo account not existed"},
    )
    notification = notify.queue(channel="zalo", recipient="0912345678", body=BODY, key="dossier.received")

    # when / then: the token error is temporary (the token gets refreshed), so it is retried
    first = notify.send(notification)
    assert first.state == Notification.State.PENDING
    assert "-124" in first.last_response

    # when / then: a number without Zalo will not get one by retrying
    _make_due(notification)
    second = notify.send(notification)
    assert second.state == Notification.State.FAILED
    assert "-118" in second.last_response
    assert len(fake.received) == 2


def test_zalo_without_a_registered_template_fails_without_calling_zalo(zalo):
    fake = zalo()
    notification = notify.queue(channel="zalo", recipient="0912345678", body=BODY, key="violation.decided")

    result = notify.send(notification)

    assert result.state == Notification.State.FAILED
    assert "Chưa đăng ký mẫu ZNS" in result.last_response
    assert fake.received == []


# --- Masking ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "recipient", "masked"),
    [
        ("sms", "+84912345123", "09xx xxx 123"),
        ("email", "nguyen.van.a@example.vn", "ng•••@example.vn"),
        ("zalo", "7655909298596854389", "•••4389"),
        ("zalo", "+84987654321", "09xx xxx 321"),
    ],
)
def test_recipients_are_masked(channel, recipient, masked):
    assert notify.mask_recipient(channel, recipient) == masked


def test_str_of_a_notification_masks_the_recipient():
    notification = _queue_sms()
    assert "912345678" not in str(notification)
    assert "09xx xxx 678" in str(notification)


@pytest.fixture
def admin_client(client, settings):
    settings.ANTT_REQUIRE_2FA = False
    province = make_unit("Công an tỉnh Thử", level=Unit.Level.PROVINCE)
    root = make_officer(province, role=Role.SYSTEM_ADMIN, full_name="Vũ Quốc Khánh")
    root.is_staff = root.is_superuser = True
    root.save()
    client.force_login(root)
    client.root = root
    return client


def test_the_admin_list_masks_recipients_and_opening_one_is_a_logged_personal_read(admin_client):
    # given a queued SMS
    notification = _queue_sms()

    # when staff list the outbox
    listing = admin_client.get(reverse("admin:core_notification_changelist"))

    # then the number is masked there
    assert listing.status_code == 200
    assert "09xx xxx 678" in listing.text
    assert "912345678" not in listing.text

    # when staff open the message, they see it and the read is logged
    detail = admin_client.get(reverse("admin:core_notification_change", args=[notification.pk]))
    assert detail.status_code == 200
    assert "+84912345678" in detail.text
    read = AuditEvent.objects.get(action=AuditEvent.Action.READ_PERSONAL, object_type="core.notification")
    assert read.actor_id == admin_client.root.pk
    assert read.changes == {"fields": ["recipient", "body"]}


def test_the_admin_cancel_action_goes_through_the_audited_service(admin_client):
    notification = _queue_sms()

    response = admin_client.post(
        reverse("admin:core_notification_changelist"),
        {"action": "cancel_selected", "_selected_action": [notification.pk]},
    )

    assert response.status_code == 302
    assert Notification.objects.get(pk=notification.pk).state == Notification.State.CANCELLED
    assert AuditEvent.objects.filter(
        object_type="core.notification", action=AuditEvent.Action.TRANSITION, actor=admin_client.root
    ).exists()


# --- Two workers -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_the_same_notification_twice(settings):
    # given one due message and two workers (threads, each with its own connection)
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write transaction; the row lock is PostgreSQL's")
    settings.ANTT_NOTIFY_BACKENDS = {"sms": "antt.core.tests.test_notify.SlowBackend"}
    SlowBackend.sent = []
    with transaction.atomic():
        notification = _queue_sms()
    start = threading.Barrier(4)

    def worker():
        try:
            start.wait()
            notify.send(notification.pk)
            notify.send_due()
        finally:
            connection.close()

    # when they all try to send it at once
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    # then it went out exactly once
    assert SlowBackend.sent == [notification.pk]
    assert Notification.objects.get(pk=notification.pk).attempts == 1
