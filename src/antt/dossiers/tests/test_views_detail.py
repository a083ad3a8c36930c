"""The staff page of a dossier and its action forms, walked through the pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from antt.core import calendar
from antt.core.models import AuditEvent
from antt.dossiers.models import Dossier, DossierEvent, Status
from antt.dossiers.services import (
    DocumentReceipt,
    UploadIn,
    dossier_attach_result,
    dossier_receive,
    dossier_start,
    dossier_submit_online,
)
from antt.dossiers.tests.factories import applicant, one_stop_world, pdf_upload
from antt.org.otp import login_verified

pytestmark = pytest.mark.django_db
READ = AuditEvent.Action.READ_PERSONAL


@pytest.fixture
def w():
    return one_stop_world(days=3, fee=50000)


def receive(w, **kw) -> Dossier:
    docs = [DocumentReceipt(required_document_id=d.pk, originals=1) for d in w.version.documents.all()]
    kw.setdefault("fee_paid", True)
    kw.setdefault("fee_receipt_ref", "BL-1")
    return dossier_receive(
        officer=w.receptionist, procedure=w.procedure, level="commune", applicant=applicant(), documents=docs, **kw
    ).dossier


def online(w) -> Dossier:
    return dossier_submit_online(
        procedure=w.procedure, level="commune", unit=w.unit, applicant=applicant(), uploads=[UploadIn(pdf_upload())]
    )


def detail(d) -> str:
    return reverse("dossiers:detail", args=[d.pk])


def act(client, d, action, data=None, row_version=None, via_page=True):
    """POST an action form as the page would: the page must offer it, with the row version it showed."""
    if via_page and row_version is None:
        offered = {f["action"]: f["form"] for f in client.get(detail(d)).context["action_forms"]}
        assert action in offered, f"{action} not offered; offered: {sorted(offered)}"
        row_version = offered[action].initial["row_version"]
    elif row_version is None:
        d.refresh_from_db()
        row_version = d.row_version
    payload = {"row_version": row_version, **(data or {})}
    return client.post(reverse(f"dossiers:action-{action}", args=[d.pk]), payload)


def as_user(client, user):
    client.logout()
    login_verified(client, user)
    return client


def status_of(d) -> str:
    d.refresh_from_db()
    return d.status


# --- Reading ------------------------------------------------------------------------------


def test_an_officer_of_another_unit_gets_404(client, w):
    d = receive(w)
    as_user(client, w.other_receptionist)
    assert client.get(detail(d)).status_code == 404
    assert act(client, d, "start", via_page=False).status_code == 404
    assert status_of(d) == Status.RECEIVED


def test_supervisor_sees_masked_data_and_no_read_is_logged(client, w):
    # given a dossier with a scan, and a supervisor of the province
    d = receive(w, uploads=[UploadIn(pdf_upload("cccd.pdf"), required_document_id=w.version.documents.first().pk)])
    as_user(client, w.supervisor)
    before = AuditEvent.objects.filter(action=READ).count()
    # when the supervisor opens the dossier
    response = client.get(detail(d))
    # then the applicant is masked, no action is offered, and no personal read is logged
    body = response.content.decode()
    assert response.status_code == 200
    assert "Đặng Thị Ngọc Hường" not in body and "Đ*** T** N*** H***" in body
    assert "038190000123" not in body and "0912345678" not in body and "huong@example.vn" not in body
    assert response.context["action_forms"] == []
    assert AuditEvent.objects.filter(action=READ).count() == before
    # and the scan cannot be downloaded
    doc = d.documents.exclude(file="").get()
    assert client.get(reverse("dossiers:document-file", args=[d.pk, doc.pk])).status_code == 403


def test_receptionist_sees_full_data_and_the_read_is_logged(client, w):
    d = receive(w)
    as_user(client, w.receptionist)
    response = client.get(detail(d))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Đặng Thị Ngọc Hường" in body and "038190000123" in body and "0912345678" in body
    assert "17/02/1990" in body
    event = AuditEvent.objects.get(action=READ, object_id=str(d.pk))
    assert event.actor_id == w.receptionist.pk and "applicant_id_number" in event.changes["fields"]


def test_detail_shows_status_deadline_steps_and_history(client, w):
    d = receive(w)
    as_user(client, w.receptionist)
    body = client.get(detail(d)).content.decode()
    assert d.code in body and "Được tiếp nhận" in body
    assert "Thời hạn: Trong hạn" in body or "Thời hạn: Sắp đến hạn" in body
    assert "Tiếp nhận hồ sơ tại bộ phận một cửa" in body
    assert "badge--ok" in body or "badge--warn" in body


def test_late_dossier_is_flagged_with_colour_and_text(client, w):
    past = timezone.now() - timedelta(days=20)
    d = receive(w, at=past)
    as_user(client, w.receptionist)
    body = client.get(detail(d)).content.decode()
    assert "badge--late" in body and "Thời hạn: Quá hạn" in body


def test_detail_query_count_does_not_grow_with_the_history(client, w, django_assert_max_num_queries):
    # given a dossier with a long history, results and scans
    d = receive(w, uploads=[UploadIn(pdf_upload(f"scan{i}.pdf")) for i in range(5)])
    d = dossier_start(officer=w.receptionist, dossier=d, assignee=w.processor)
    for i in range(5):
        dossier_attach_result(officer=w.processor, dossier=d, name=f"Kết quả {i}", upload=pdf_upload())
        d.refresh_from_db()
    for _ in range(20):
        DossierEvent.objects.create(dossier=d, at=timezone.now(), action="assign", to_user=w.processor, to_unit=w.unit)
    as_user(client, w.head)
    # when the head opens it (every action form, officer choices, history) then the budget holds
    with django_assert_max_num_queries(30):
        response = client.get(detail(d))
    assert response.status_code == 200
    assert len(response.context["events"]) >= 22


def test_document_download_streams_the_stored_bytes_and_is_logged(client, w):
    d = receive(w, uploads=[UploadIn(pdf_upload("cccd.pdf"), required_document_id=w.version.documents.first().pk)])
    doc = d.documents.exclude(file="").get()
    as_user(client, w.processor)
    response = client.get(reverse("dossiers:document-file", args=[d.pk, doc.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf_upload().read()
    assert AuditEvent.objects.filter(action=READ, object_id=str(d.pk), reason__startswith="Tải giấy tờ").exists()
    as_user(client, w.other_receptionist)
    assert client.get(reverse("dossiers:document-file", args=[d.pk, doc.pk])).status_code == 404


# --- Actions ------------------------------------------------------------------------------


def test_online_dossier_accepted_through_the_page(client, w):
    d = online(w)
    as_user(client, w.receptionist)
    assert "accept" in [f["action"] for f in client.get(detail(d)).context["action_forms"]]
    response = act(client, d, "accept", {"note": "Đủ giấy tờ"})
    assert response.status_code == 302 and response["Location"] == detail(d)
    assert status_of(d) == Status.RECEIVED
    page = client.get(response["Location"])
    assert "Đã tiếp nhận hồ sơ" in page.content.decode()


def test_supplement_request_lists_catalogue_documents_and_free_lines(client, w):
    d = online(w)
    as_user(client, w.receptionist)
    doc = w.version.documents.first()
    response = act(
        client,
        d,
        "request_supplement",
        {"items": [doc.name], "other_items": "Bản sao giấy khai sinh\n\n", "reasons": "Thiếu giấy tờ"},
    )
    assert response.status_code == 302
    assert status_of(d) == Status.SUPPLEMENT_REQUESTED
    assert d.supplement_requests.get().items == [doc.name, "Bản sao giấy khai sinh"]
    # the page now lists the request and links its printable form (Mẫu 02)
    page = client.get(detail(d))
    body = page.content.decode()
    assert "Bản sao giấy khai sinh" in body
    assert reverse("dossiers:print-supplement-request", args=[d.pk, 1]) in body


def test_supplement_request_without_items_is_400_and_changes_nothing(client, w):
    d = online(w)
    as_user(client, w.receptionist)
    response = act(client, d, "request_supplement", {"reasons": "Thiếu"})
    assert response.status_code == 400
    assert "giấy tờ cần bổ sung" in response.content.decode()
    assert status_of(d) == Status.NEW_ONLINE


def test_refusal_through_the_page_needs_reasons(client, w):
    d = online(w)
    as_user(client, w.receptionist)
    response = act(client, d, "refuse", {"reasons": ""})
    assert response.status_code == 400 and "Vui lòng nêu lý do" in response.content.decode()
    assert status_of(d) == Status.NEW_ONLINE
    assert act(client, d, "refuse", {"reasons": "Không thuộc thẩm quyền"}).status_code == 302
    assert status_of(d) == Status.NOT_RECEIVED


def test_the_whole_processing_way_through_the_page(client, w):
    d = receive(w)
    # the receptionist hands it to a processor of the unit (only the right officers are offered)
    as_user(client, w.receptionist)
    offered = client.get(detail(d)).context["action_forms"]
    start_form = next(f["form"] for f in offered if f["action"] == "start")
    assert set(start_form.fields["assignee"].queryset) >= {w.processor, w.processor2}
    assert w.other_receptionist not in start_form.fields["assignee"].queryset
    assert act(client, d, "start", {"assignee": w.processor.pk, "note": ""}).status_code == 302
    assert status_of(d) == Status.PROCESSING and d.assignee == w.processor
    # the processor attaches the result file, then forwards to the head
    as_user(client, w.processor)
    d.refresh_from_db()
    response = client.post(
        reverse("dossiers:action-attach_result", args=[d.pk]),
        {"row_version": d.row_version, "name": "Xác nhận thông tin cư trú", "file": pdf_upload("kq.pdf")},
    )
    assert response.status_code == 302
    result = d.results.get()
    assert result.code == f"{d.code}-KQ1" and result.size > 0
    assert act(client, d, "forward", {"assignee": w.head.pk, "note": "Đủ điều kiện"}).status_code == 302
    # the head sends it back once, the processor forwards again, the head approves
    as_user(client, w.head)
    assert act(client, d, "send_back", {"reasons": "Sai địa chỉ"}).status_code == 302
    d.refresh_from_db()
    assert d.assignee == w.processor
    as_user(client, w.processor)
    assert act(client, d, "forward", {"assignee": w.head.pk}).status_code == 302
    as_user(client, w.head)
    assert act(client, d, "approve", {"note": ""}).status_code == 302
    assert status_of(d) == Status.PROCESSED
    # the receptionist returns it
    as_user(client, w.receptionist)
    result_url = reverse("dossiers:result-file", args=[d.pk, result.pk])
    assert client.get(result_url).status_code == 200
    assert act(client, d, "return", {"note": "Trả tại quầy"}).status_code == 302
    assert status_of(d) == Status.RETURNED
    actions = list(d.events.values_list("action", flat=True))
    assert actions == [
        "receive",
        "start",
        "attach_result",
        "forward",
        "send_back",
        "forward",
        "approve",
        "return",
    ]


def test_head_assigns_the_current_step(client, w):
    d = receive(w)
    d = dossier_start(officer=w.receptionist, dossier=d)
    as_user(client, w.head)
    assert act(client, d, "assign", {"assignee": w.processor2.pk}).status_code == 302
    d.refresh_from_db()
    assert d.assignee == w.processor2
    # an officer of another unit is not a valid choice: 400, nothing changes
    response = act(client, d, "assign", {"assignee": w.other_receptionist.pk})
    assert response.status_code == 400
    d.refresh_from_db()
    assert d.assignee == w.processor2


def test_fee_requested_then_paid_at_the_counter(client, w):
    d = receive(w, fee_paid=False, fee_receipt_ref="")
    as_user(client, w.receptionist)
    assert act(client, d, "request_fee", {"amount": "50.000", "note": ""}).status_code == 302
    assert status_of(d) == Status.FEE_REQUESTED
    assert act(client, d, "record_payment", {"reference": ""}).status_code == 400
    assert act(client, d, "record_payment", {"reference": "BL-2026-01"}).status_code == 302
    d.refresh_from_db()
    assert d.status == Status.RECEIVED and d.fee_paid_at is not None and d.fee_receipt_ref == "BL-2026-01"


def test_apology_with_a_new_date_for_a_late_dossier(client, w):
    d = receive(w, at=timezone.now() - timedelta(days=20))
    as_user(client, w.head)
    new_date = calendar.next_working_day(timezone.localdate())
    response = act(
        client, d, "apologise", {"reason": "Cần xác minh thêm", "new_due_date": new_date.strftime("%d/%m/%Y")}
    )
    assert response.status_code == 302
    apology = d.apologies.get()
    assert calendar.local(apology.new_due_at).date() == new_date
    # a date in the past is refused with the service's message
    response = act(client, d, "apologise", {"reason": "Lần nữa", "new_due_date": "01/01/2020"}, via_page=False)
    assert response.status_code == 400 and "Ngày hẹn mới" in response.content.decode()


def test_apology_is_not_offered_while_the_dossier_is_on_time(client, w):
    # given a dossier just received with 3 working days: on time
    d = receive(w)
    as_user(client, w.head)
    page = client.get(detail(d))
    offered = [f["action"] for f in page.context["action_forms"]]
    assert page.context["deadline"]["css"] == "ok"
    assert "apologise" not in offered
    assert "stop" in offered and "approve" not in offered


def test_stop_and_withdraw(client, w):
    d = receive(w)
    as_user(client, w.head)
    assert act(client, d, "stop", {"reasons": "Công dân không bổ sung"}).status_code == 302
    assert status_of(d) == Status.STOPPED
    d2 = receive(w)
    as_user(client, w.receptionist)
    assert act(client, d2, "withdraw", {"reasons": ""}).status_code == 302
    assert status_of(d2) == Status.WITHDRAWN and d2.reasons == "Công dân yêu cầu rút hồ sơ"


def test_a_stale_page_conflicts_with_409_and_changes_nothing(client, w):
    # given a page loaded before a colleague started the dossier
    d = receive(w)
    stale = d.row_version
    dossier_start(officer=w.receptionist, dossier=Dossier.objects.get(pk=d.pk), assignee=w.processor)
    # when the head sends the old form
    as_user(client, w.head)
    response = act(client, d, "stop", {"reasons": "Dừng"}, row_version=stale)
    # then 409 with the reload message, and the dossier stays as the colleague left it
    assert response.status_code == 409
    assert "vừa được cán bộ khác cập nhật" in response.content.decode()
    assert status_of(d) == Status.PROCESSING


def test_an_action_not_allowed_now_is_409_not_500(client, w):
    d = receive(w)
    as_user(client, w.head)
    assert "approve" not in [f["action"] for f in client.get(detail(d)).context["action_forms"]]
    response = act(client, d, "approve", {"note": ""}, via_page=False)
    assert response.status_code == 409
    assert "Không thể thực hiện" in response.content.decode()
    assert status_of(d) == Status.RECEIVED


def test_an_action_of_another_role_is_403(client, w):
    d = online(w)
    as_user(client, w.processor)
    response = act(client, d, "refuse", {"reasons": "Không"}, via_page=False)
    assert response.status_code == 403
    assert status_of(d) == Status.NEW_ONLINE


def test_actions_need_post_and_csrf(client, w):
    d = receive(w)
    as_user(client, w.receptionist)
    assert client.get(reverse("dossiers:action-start", args=[d.pk])).status_code == 405
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    login_verified(strict, w.receptionist)
    response = strict.post(reverse("dossiers:action-start", args=[d.pk]), {"row_version": d.row_version})
    assert response.status_code == 403
    assert status_of(d) == Status.RECEIVED
