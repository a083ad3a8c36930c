"""The dossier state machine through its services: the whole way, the refusals and the rollbacks."""

from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from antt.core.models import AuditEvent
from antt.dossiers import services
from antt.dossiers.models import Dossier, DossierEvent, Status, StepState, Timeliness
from antt.dossiers.services import (
    DocumentReceipt,
    DossierInputError,
    UploadIn,
    dossier_accept,
    dossier_apologise,
    dossier_approve,
    dossier_attach_result,
    dossier_forward,
    dossier_receive,
    dossier_refuse,
    dossier_request_supplement,
    dossier_return,
    dossier_send_back,
    dossier_start,
    dossier_submit_online,
    dossier_supplement_submit,
)
from antt.dossiers.tests.factories import applicant, one_stop_world, pdf_upload
from antt.dossiers.workflow import TransitionError

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


@pytest.fixture
def w():
    return one_stop_world(days=3)


def receive(w, when=None, **kw):
    docs = [DocumentReceipt(required_document_id=d.pk, originals=1) for d in w.version.documents.all()]
    return dossier_receive(
        officer=w.receptionist,
        procedure=w.procedure,
        level="commune",
        applicant=kw.pop("applicant", applicant()),
        documents=docs,
        at=when,
        **kw,
    ).dossier


def test_counter_intake_gives_official_code_and_due_date_from_working_days(w):
    # given Thursday 23/4/2026 (Hùng Kings' day, Sunday 26/4, is taken on Monday 27/4)
    when = at(2026, 4, 23, 9, 30)
    # when
    d = receive(w, when)
    # then the code is <agency>-<yymmdd>-<NNNN> and 3 working days are Fri 24, Tue 28, Wed 29
    assert d.code == "H56.14-260423-0001"
    assert d.status == Status.RECEIVED
    assert d.due_at.astimezone(VN).date() == date(2026, 4, 29)
    assert d.documents.count() == 2
    assert d.steps.filter(state=StepState.DONE).count() == 1
    assert receive(w, when).code == "H56.14-260423-0002"
    assert AuditEvent.objects.filter(object_type="dossiers.dossier", object_id=str(d.pk), action="create").exists()


def test_intake_refuses_an_invalid_personal_id_and_changes_nothing(w):
    with pytest.raises(DossierInputError) as err:
        receive(w, applicant=applicant(id_number="999190000123"))
    assert "mã tỉnh" in err.value.message
    with pytest.raises(DossierInputError):
        receive(w, applicant=applicant(id_number="038190000123", birth_date=date(1985, 1, 1)))
    with pytest.raises(DossierInputError) as err:
        receive(w, applicant=applicant(phone="12345"))
    assert err.value.field == "phone"
    assert Dossier.objects.count() == 0


def test_intake_needs_a_legal_time_in_the_catalogue():
    w = one_stop_world(days=None)
    with pytest.raises(DossierInputError) as err:
        receive(w)
    assert "chưa có thời hạn" in err.value.message


def test_processor_cannot_receive_and_other_unit_cannot_act(w):
    with pytest.raises(TransitionError) as err:
        dossier_receive(officer=w.processor, procedure=w.procedure, level="commune", applicant=applicant())
    assert err.value.status == 403
    d = receive(w)
    with pytest.raises(TransitionError) as err:
        dossier_start(officer=w.other_receptionist, dossier=d)
    assert err.value.status == 404
    d.refresh_from_db()
    assert d.status == Status.RECEIVED


def test_idempotency_key_returns_the_first_dossier(w):
    first = dossier_receive(
        officer=w.receptionist, procedure=w.procedure, level="commune", applicant=applicant(), idempotency_key="k-1"
    )
    again = dossier_receive(
        officer=w.receptionist, procedure=w.procedure, level="commune", applicant=applicant(), idempotency_key="k-1"
    )
    assert first.created and not again.created
    assert again.dossier.pk == first.dossier.pk
    assert Dossier.objects.count() == 1


def test_the_whole_way_online_with_a_supplement(w):
    # given an online submission
    d = dossier_submit_online(
        procedure=w.procedure, level="commune", unit=w.unit, applicant=applicant(), uploads=[UploadIn(pdf_upload())]
    )
    assert d.status == Status.NEW_ONLINE and d.received_at is None and d.due_at is None
    # the officer asks for one more document: no clock yet
    req = dossier_request_supplement(
        officer=w.receptionist, dossier=d, items=["Giấy tờ chứng minh chỗ ở hợp pháp"], reasons="Thiếu giấy tờ"
    )
    assert req.number == 1
    d.refresh_from_db()
    assert d.status == Status.SUPPLEMENT_REQUESTED
    # the citizen adds it on the same dossier
    dossier_supplement_submit(dossier=d, uploads=[UploadIn(pdf_upload("cho-o.pdf"))])
    d.refresh_from_db()
    assert d.status == Status.NEW_ONLINE
    assert d.documents.filter(round=2).count() == 1
    # accepted: the clock starts
    d = dossier_accept(officer=w.receptionist, dossier=d)
    assert d.status == Status.RECEIVED and d.due_at is not None
    d = dossier_start(officer=w.receptionist, dossier=d, assignee=w.processor)
    assert d.status == Status.PROCESSING and d.assignee == w.processor
    dossier_attach_result(officer=w.processor, dossier=d, name="Xác nhận thông tin cư trú", upload=pdf_upload("kq.pdf"))
    d.refresh_from_db()
    d = dossier_forward(officer=w.processor, dossier=d, assignee=w.head, note="Đủ điều kiện")
    d = dossier_approve(officer=w.head, dossier=d)
    assert d.status == Status.PROCESSED and d.timeliness == Timeliness.EARLY
    assert d.results.get().code == f"{d.code}-KQ1"
    d = dossier_return(officer=w.receptionist, dossier=d)
    assert d.status == Status.RETURNED
    actions = list(DossierEvent.objects.filter(dossier=d).values_list("action", flat=True))
    assert actions == [
        "submit",
        "request_supplement",
        "supplement_submit",
        "accept",
        "start",
        "attach_result",
        "forward",
        "approve",
        "return",
    ]
    assert AuditEvent.objects.filter(object_id=str(d.pk), action="transition").count() >= 7


def test_supplement_during_processing_pauses_the_clock(w):
    # given a dossier received on Monday 4/5/2026, due Thursday 7/5
    d = receive(w, at(2026, 5, 4, 9, 0))
    assert d.due_at.astimezone(VN).date() == date(2026, 5, 7)
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 5, 4, 10, 0)):
        d = dossier_start(officer=w.receptionist, dossier=d, assignee=w.processor)
        dossier_request_supplement(officer=w.processor, dossier=d, items=["Bản sao giấy khai sinh"], reasons="Thiếu")
    # when the applicant completes it two working days later (Wednesday 6/5)
    d.refresh_from_db()
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 5, 6, 9, 0)):
        dossier_supplement_submit(dossier=d, uploads=[UploadIn(pdf_upload())])
    # then the due date moves on by the two paused working days
    d.refresh_from_db()
    assert d.status == Status.PROCESSING
    assert d.due_at.astimezone(VN).date() == date(2026, 5, 11)
    assert d.clock_paused_at is None


def test_refusal_needs_reasons_and_closes_the_online_dossier(w):
    d = dossier_submit_online(
        procedure=w.procedure, level="commune", unit=w.unit, applicant=applicant(), uploads=[UploadIn(pdf_upload())]
    )
    with pytest.raises(DossierInputError):
        dossier_refuse(officer=w.receptionist, dossier=d, reasons="  ")
    d = dossier_refuse(officer=w.receptionist, dossier=d, reasons="Không thuộc thẩm quyền")
    assert d.status == Status.NOT_RECEIVED
    with pytest.raises(TransitionError):
        dossier_accept(officer=w.receptionist, dossier=d)


def test_a_transition_not_allowed_answers_409_and_changes_nothing(w):
    d = receive(w)
    with pytest.raises(TransitionError) as err:
        dossier_approve(officer=w.head, dossier=d)
    assert err.value.status == 409
    assert "Được tiếp nhận" in err.value.message
    d.refresh_from_db()
    assert d.status == Status.RECEIVED


def test_two_officers_on_the_same_dossier_cannot_both_succeed(w):
    # given two officers who loaded the same dossier
    d = receive(w)
    seen_by_a = Dossier.objects.get(pk=d.pk)
    seen_by_b = Dossier.objects.get(pk=d.pk)
    # when both hand it to processing
    dossier_start(officer=w.receptionist, dossier=seen_by_a, assignee=w.processor)
    with pytest.raises(TransitionError) as err:
        dossier_start(officer=w.head, dossier=seen_by_b, assignee=w.processor2)
    # then the second one is told to reload
    assert err.value.status == 409
    d.refresh_from_db()
    assert d.assignee == w.processor
    assert d.events.filter(action="start").count() == 1


def test_a_crash_mid_transition_leaves_the_previous_state(w):
    d = receive(w)
    with mock.patch.object(services, "_event", side_effect=RuntimeError("boom")), pytest.raises(RuntimeError):
        dossier_start(officer=w.receptionist, dossier=d, assignee=w.processor)
    d.refresh_from_db()
    assert d.status == Status.RECEIVED and d.assignee is None and d.current_step is None
    assert d.steps.filter(state=StepState.ACTIVE).count() == 0


def test_late_dossier_cannot_be_returned_before_the_apology(w):
    # given a dossier received Monday 4/5/2026 (due Thursday 7/5), approved late on Friday 8/5
    d = receive(w, at(2026, 5, 4, 9, 0))
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 5, 8, 9, 0)):
        d = dossier_start(officer=w.receptionist, dossier=d, assignee=w.processor)
        dossier_attach_result(officer=w.processor, dossier=d, name="Kết quả")
        d.refresh_from_db()
        d = dossier_forward(officer=w.processor, dossier=d, assignee=w.head)
        d = dossier_approve(officer=w.head, dossier=d)
        assert d.timeliness == Timeliness.LATE
        # when the receptionist tries to return it
        with pytest.raises(TransitionError) as err:
            dossier_return(officer=w.receptionist, dossier=d)
        assert "xin lỗi" in err.value.message
        # the head issues the apology with a new date (Monday 11/5)
        apology = dossier_apologise(
            officer=w.head, dossier=d, reason="Cần xác minh thêm", new_due_date=date(2026, 5, 11)
        )
        assert apology.previous_due_at.astimezone(VN).date() == date(2026, 5, 7)
        d.refresh_from_db()
        d = dossier_return(officer=w.receptionist, dossier=d)
    assert d.status == Status.RETURNED and d.timeliness == Timeliness.LATE


def test_apology_only_when_due_soon_or_late_and_on_a_working_day(w):
    d = receive(w, at(2026, 5, 4, 9, 0))
    with (
        mock.patch("django.utils.timezone.now", return_value=at(2026, 5, 4, 10, 0)),
        pytest.raises(TransitionError),
    ):
        dossier_apologise(officer=w.head, dossier=d, reason="x", new_due_date=date(2026, 5, 12))
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 5, 6, 10, 0)):
        with pytest.raises(DossierInputError):
            dossier_apologise(officer=w.head, dossier=d, reason="x", new_due_date=date(2026, 5, 9))  # Saturday
        with pytest.raises(TransitionError) as err:
            dossier_apologise(officer=w.receptionist, dossier=d, reason="x", new_due_date=date(2026, 5, 11))
        assert err.value.status == 403


def test_head_sends_back_and_the_step_is_redone_then_approved(w):
    d = receive(w)
    d = dossier_start(officer=w.receptionist, dossier=d, assignee=w.processor)
    dossier_attach_result(officer=w.processor, dossier=d, name="Kết quả")
    d.refresh_from_db()
    d = dossier_forward(officer=w.processor, dossier=d, assignee=w.head)
    d = dossier_send_back(officer=w.head, dossier=d, reasons="Sai địa chỉ")
    assert d.current_step.role == "processor" and d.assignee == w.processor
    d = dossier_forward(officer=w.processor, dossier=d, assignee=w.head)
    d = dossier_approve(officer=w.head, dossier=d)
    assert d.status == Status.PROCESSED
    orders = list(d.steps.order_by("order").values_list("order", "role", "state"))
    assert [o for o, _, _ in orders] == list(range(1, len(orders) + 1))
    assert orders[-1][1:] == ("receptionist", "active")


def test_forward_to_an_officer_of_another_unit_is_refused(w):
    d = receive(w)
    with pytest.raises(DossierInputError) as err:
        dossier_start(officer=w.receptionist, dossier=d, assignee=w.other_receptionist)
    assert err.value.field == "assignee"


def test_approval_needs_a_result(w):
    d = receive(w)
    d = dossier_start(officer=w.receptionist, dossier=d, assignee=w.processor)
    d = dossier_forward(officer=w.processor, dossier=d, assignee=w.head)
    with pytest.raises(TransitionError) as err:
        dossier_approve(officer=w.head, dossier=d)
    assert "kết quả" in err.value.message


def test_online_submission_needs_an_online_procedure_and_files():
    w = one_stop_world(online="none")
    with pytest.raises(DossierInputError):
        dossier_submit_online(
            procedure=w.procedure, level="commune", unit=w.unit, applicant=applicant(), uploads=[UploadIn(pdf_upload())]
        )
    w2 = one_stop_world()
    with pytest.raises(DossierInputError) as err:
        dossier_submit_online(procedure=w2.procedure, level="commune", unit=w2.unit, applicant=applicant(), uploads=[])
    assert err.value.field == "documents"


def test_notifications_are_queued_for_the_applicant(w):
    from antt.core.models import Notification

    d = receive(w)
    rows = Notification.objects.filter(object_id=str(d.pk))
    assert {r.channel for r in rows} == {"sms", "email"}
    sms = rows.get(channel="sms")
    assert d.code in sms.body and "đã được tiếp nhận" in sms.body
    assert "038190000123" not in sms.body and "Hường" not in sms.body


def test_due_date_of_a_dossier_handed_in_after_hours_counts_from_the_next_day(w):
    d = receive(w, at(2026, 5, 4, 17, 30))
    assert d.due_at.astimezone(VN).date() == date(2026, 5, 8)
    assert timezone.localtime(d.due_at).hour == 17


def test_a_scan_at_the_counter_fills_its_checklist_row(w):
    # given the first required document is ticked and scanned
    first = w.version.documents.order_by("order").first()
    result = dossier_receive(
        officer=w.receptionist,
        procedure=w.procedure,
        level="commune",
        applicant=applicant(),
        documents=[DocumentReceipt(required_document_id=first.pk, originals=1)],
        uploads=[UploadIn(pdf_upload("scan.pdf"), required_document_id=first.pk)],
    )
    # then one row carries both the counts and the file
    rows = list(result.dossier.documents.all())
    assert len(rows) == 1
    assert rows[0].originals == 1 and rows[0].file and len(rows[0].sha256) == 64


def test_an_inactive_unit_cannot_be_chosen(w):
    w.other_unit.is_active = False
    w.other_unit.save()
    with pytest.raises(DossierInputError) as err:
        receive(w, unit=w.other_unit)
    assert err.value.field == "unit"
