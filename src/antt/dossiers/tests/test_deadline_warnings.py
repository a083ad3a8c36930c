"""Deadline warnings: assignees and heads are told of dossiers and steps due soon or late, once a
day per state, by e-mail and SMS through the outbox; other units' officers are not."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from antt.core import calendar
from antt.core.models import Notification
from antt.dossiers import deadlines
from antt.dossiers.deadlines import DeadlineState
from antt.dossiers.models import StepState
from antt.dossiers.tasks import WARNING_KEY, deadline_warnings_send, warn_deadlines
from antt.dossiers.tests.test_lists import NOW, at, build_desk, clock
from antt.org.models import Role
from antt.org.tests.factories import make_officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    d = build_desk()
    w = d.w
    for officer, email, phone in (
        (w.processor, "xu.ly@congan.vn", "0987654321"),
        (w.head, "lanh.dao@congan.vn", "0912000111"),
    ):
        officer.email, officer.phone = email, phone
        officer.save()
    d.other_head = make_officer(w.other_unit, role=Role.HEAD, email="ld.hamrong@congan.vn", phone="0934000222")
    return d


def warnings(**filters):
    return Notification.objects.filter(key=WARNING_KEY, **filters)


def warned(dossier_or_step, officer, state: str) -> set[str]:
    """The channels `officer` was warned through about this dossier or step in `state`."""
    rows = warnings(object_id=str(dossier_or_step.pk), object_type=f"dossiers.{type(dossier_or_step).__name__.lower()}")
    return {r.channel for r in rows if r.data.get("officer_id") == officer.pk and r.data.get("state") == state}


def test_assignee_and_head_are_warned_by_email_and_sms(desk):
    w = desk.w
    # when the task runs on Wednesday 6 May at 10:00
    with clock(NOW):
        summary = deadline_warnings_send()
    # then the processor hears of their dossier due on Thursday, the head of it and of the late one
    assert warned(desk.mine, w.processor, DeadlineState.DUE_SOON) == {"email", "sms"}
    assert warned(desk.mine, w.head, DeadlineState.DUE_SOON) == {"email", "sms"}
    assert warned(desk.late, w.head, DeadlineState.LATE) == {"email", "sms"}
    assert warned(desk.late, w.processor, DeadlineState.LATE) == set()  # not theirs
    assert warned(desk.other, w.processor, DeadlineState.DUE_SOON) == set()  # the second processor's
    # the other unit's late dossier goes to its own head only
    assert warned(desk.foreign, desk.other_head, DeadlineState.LATE) == {"email", "sms"}
    assert warned(desk.foreign, w.head, DeadlineState.LATE) == set()
    # dossiers on time or not yet received are not warned
    assert not warnings(
        object_type="dossiers.dossier", object_id__in=[str(desk.received.pk), str(desk.new.pk)]
    ).exists()
    assert summary.dossiers == 6  # four due soon, two late (ours and the other unit's)
    assert summary.queued == warnings().count()
    # the second processor has no e-mail or phone: nothing can be sent to them
    assert summary.no_channel >= 1


def test_active_steps_are_warned_too(desk):
    w = desk.w
    step = desk.mine.steps.get(state=StepState.ACTIVE)
    cutoff = deadlines.due_soon_cutoff(NOW)
    assert step.due_at < cutoff, "the processing step of a 3-day dossier started on Monday is due by Thursday"
    state = DeadlineState.LATE if step.due_at < NOW else DeadlineState.DUE_SOON
    with clock(NOW):
        deadline_warnings_send()
    assert warned(step, w.processor, state) == {"email", "sms"}
    row = warnings(object_type="dossiers.dossierstep", object_id=str(step.pk), channel="email").first()
    assert f"Bước “{step.name}” của hồ sơ {desk.mine.code}" in row.body


def test_messages_carry_the_code_and_no_personal_data(desk):
    with clock(NOW):
        deadline_warnings_send()
    soon = warnings(object_type="dossiers.dossier", object_id=str(desk.mine.pk), channel="sms").first()
    assert soon.body.startswith(f"Hồ sơ {desk.mine.code} (")
    assert f"sắp đến hạn: {calendar.local(desk.mine.due_at):%H:%M} ngày 07/05/2026" in soon.body
    late = warnings(object_type="dossiers.dossier", object_id=str(desk.late.pk), channel="email").first()
    assert "đã quá hạn" in late.body and "Mẫu 04" in late.body
    assert late.subject == f"Quá hạn: hồ sơ {desk.late.code}"
    for row in warnings():
        assert "Lê Văn Cường" not in row.body and "Đỗ Văn Hải" not in row.body
        assert "038190000123" not in row.body and "0912345678" not in row.body


def test_warnings_are_sent_once_a_day_per_state(desk):
    w = desk.w
    with clock(NOW):
        deadline_warnings_send()
    first = warnings().count()
    # a second run the same afternoon adds nothing
    with clock(at(2026, 5, 6, 15, 0)):
        again = deadline_warnings_send()
    assert again.queued == 0 and again.already_warned > 0
    assert warnings().count() == first
    # the next morning the still-due-soon dossier is warned again
    with clock(at(2026, 5, 7, 8, 0)):
        deadline_warnings_send()
    assert (
        len(warnings(object_type="dossiers.dossier", object_id=str(desk.mine.pk), data__officer_id=w.processor.pk)) == 4
    )
    # and when it turns late the same day, once more, as late, then not again
    after_due = desk.mine.due_at + timedelta(minutes=5)
    assert deadlines.local_date(after_due) == at(2026, 5, 7).date()
    with clock(after_due):
        deadline_warnings_send()
    assert warned(desk.mine, w.processor, DeadlineState.LATE) == {"email", "sms"}
    with clock(after_due + timedelta(minutes=30)):
        deadline_warnings_send()
    rows = warnings(object_type="dossiers.dossier", object_id=str(desk.mine.pk), data__officer_id=w.processor.pk)
    assert len([r for r in rows if r.data["state"] == DeadlineState.LATE]) == 2


def test_a_paused_or_closed_dossier_is_not_warned(desk):
    from antt.dossiers.services import dossier_request_supplement

    with clock(NOW):
        dossier_request_supplement(officer=desk.w.processor, dossier=desk.mine, items=["Giấy tờ"], reasons="Thiếu")
        deadline_warnings_send()
    assert not warnings(object_type="dossiers.dossier", object_id=str(desk.mine.pk)).exists()


def test_the_command_and_the_task_run_the_same_service(desk):
    out = io.StringIO()
    with clock(NOW):
        call_command("dossier_deadline_warnings", stdout=out)
    assert "Hồ sơ sắp đến hạn/quá hạn: 6" in out.getvalue()
    count = warnings().count()
    assert count > 0
    with clock(NOW):
        result = warn_deadlines.call()
    assert result["queued"] == 0 and result["already_warned"] > 0
    assert warnings().count() == count
