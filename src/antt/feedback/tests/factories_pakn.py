"""Builders for the officers' side of feedback: rows made directly (the citizens' intake is
another module's), deadline rules of our own, a two-commune world with every role.

    w = pakn_world()
    fb = make_feedback(w.commune_a, received_at=at(2026, 5, 4, 9))
    fb = make_feedback(w.commune_a, state="accepted", topic=w.topic, answer_due=date(2026, 5, 20))
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

from antt.core import calendar
from antt.feedback.models import Feedback, FeedbackDeadlineRule, FeedbackSubject, FeedbackTopic
from antt.org.models import Role, Unit, User
from antt.org.tests.factories import make_officer, make_unit

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CLASSIFY_DAYS = 3
ANSWER_DAYS = 10
SENDER = "Đặng Thị Ngọc Hường"
PHONE = "0912345678"
_seq = itertools.count(1)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


def frozen(when: datetime):
    return mock.patch("django.utils.timezone.now", return_value=when)


@dataclass
class PaknWorld:
    province: Unit
    commune_a: Unit
    commune_b: Unit
    closed_unit: Unit
    receptionist_a: User  # feedback.intake
    processor_a: User  # feedback.answer
    head_a: User  # intake, answer, publish, stats
    head_b: User
    supervisor: User  # view + stats, changes nothing
    unit_admin_a: User  # no feedback capability
    topic: FeedbackTopic
    topic2: FeedbackTopic


def make_rules(*, classify: int = CLASSIFY_DAYS, answer: int = ANSWER_DAYS, valid_from=date(2020, 1, 1)) -> None:
    for subject in FeedbackSubject.values:
        for stage, days in (
            (FeedbackDeadlineRule.Stage.CLASSIFY, classify),
            (FeedbackDeadlineRule.Stage.ANSWER, answer),
        ):
            FeedbackDeadlineRule.objects.create(
                subject=subject,
                stage=stage,
                working_days=days,
                valid_from=valid_from,
                legal_basis="Quy định thử nghiệm (tests)",
            )


def pakn_world(*, rules: bool = True) -> PaknWorld:
    province = make_unit("Công an tỉnh Thử", level=Unit.Level.PROVINCE)
    a = make_unit("Công an phường Hạc Thành", parent=province)
    b = make_unit("Công an phường Hàm Rồng", parent=province)
    closed = make_unit("Công an xã Đã Sáp Nhập", parent=province, is_active=False)
    if rules:
        make_rules()
    return PaknWorld(
        province=province,
        commune_a=a,
        commune_b=b,
        closed_unit=closed,
        receptionist_a=make_officer(a, role=Role.RECEPTIONIST, full_name="Lê Thị Thu Trang"),
        processor_a=make_officer(a, role=Role.PROCESSOR, full_name="Nguyễn Văn Xử"),
        head_a=make_officer(a, role=Role.HEAD, full_name="Hoàng Văn Đạo"),
        head_b=make_officer(b, role=Role.HEAD, full_name="Trần Văn Bình"),
        supervisor=make_officer(province, role=Role.SUPERVISOR, full_name="Đỗ Văn Thành"),
        unit_admin_a=make_officer(a, role=Role.UNIT_ADMIN, full_name="Phạm Thị Hồng"),
        topic=FeedbackTopic.objects.create(code=f"thu-tuc-{next(_seq)}", name="Thủ tục hành chính", order=1),
        topic2=FeedbackTopic.objects.create(code=f"thai-do-{next(_seq)}", name="Thái độ cán bộ", order=2),
    )


def make_feedback(unit: Unit, *, received_at: datetime | None = None, **fields) -> Feedback:
    """One feedback row as the intake would leave it (state received unless given)."""
    received_at = received_at or at(2026, 5, 4, 9)
    n = next(_seq)
    values = {
        "code": f"PAKN-{received_at:%y%m%d}-{n:04d}",
        "kind": "reflection",
        "subject": FeedbackSubject.DOSSIER,
        "title": "Hồ sơ chậm trả kết quả",
        "content": f"Tôi là {SENDER}, số điện thoại {PHONE}, hồ sơ của tôi chưa có kết quả.",
        "sender_kind": "person",
        "sender_name": SENDER,
        "sender_phone": PHONE,
        "sender_email": "huong@example.vn",
        "sender_address": "Số 5 đường Lê Lợi",
        "received_at": received_at,
        "classify_due": calendar.due_date(received_at, CLASSIFY_DAYS),
    }
    values.update(fields)
    return Feedback.objects.create(unit=unit, **values)
