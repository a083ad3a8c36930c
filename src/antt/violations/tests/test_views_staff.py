"""Staff pages of violations: the permission matrix, the forms, refusals in Vietnamese with
nothing written, personal data masked or logged, and query budgets on the lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from antt.core.models import AuditEvent
from antt.dossiers.selectors import mask_name
from antt.org.models import Role
from antt.org.otp import login_verified
from antt.org.tests.factories import make_officer
from antt.violations.models import (
    DecisionStatus,
    FinePayment,
    LicenceSuspension,
    PenaltyDecision,
    SeizedItem,
    ViolationRecord,
)
from antt.violations.tests.factories import (
    ALCOHOL_CAR,
    HELMET,
    PHONE,
    RESIDENCE,
    make_decision,
    make_record,
    violations_world,
)

pytestmark = pytest.mark.django_db
READ = AuditEvent.Action.READ_PERSONAL


@pytest.fixture
def w():
    return violations_world()


def as_user(client, user):
    login_verified(client, user)
    return client


def record_post(**overrides) -> dict:
    """What the record form sends for a motorbike rider without a helmet, seized licence included."""
    data = {
        "violator_kind": "person",
        "violator_name": "Trần Thị Bích Ngọc",
        "violator_id_number": "038190001234",
        "violator_birth_date": "17/05/1990",
        "violator_nationality": "Việt Nam",
        "violator_address": "Số 3 đường Lê Lai",
        "violator_phone": "0912345678",
        "violated_on": (timezone.localdate() - timedelta(days=1)).strftime("%d/%m/%Y"),
        "violated_time": "08:15",
        "address": "Ngã tư Bà Triệu – Lê Lợi",
        "latitude": "19.807600",
        "longitude": "105.776800",
        "vehicle_kind": "motorbike",
        "plate": "36-B1 123.45",
        "behaviours": [HELMET],
        "witnesses": "Lê Văn Chứng, số 5 Lê Lợi",
        "statement": "Tôi quên mũ.",
        "tv-TOTAL_FORMS": "1",
        "tv-INITIAL_FORMS": "0",
        "tv-MIN_NUM_FORMS": "0",
        "tv-MAX_NUM_FORMS": "20",
        "tv-0-kind": "licence",
        "tv-0-description": "Giấy phép lái xe hạng A1",
        "tv-0-quantity": "1",
        "tv-0-measure": "chiếc",
        "tv-0-storage_place": "Kho Công an phường",
    }
    data.update(overrides)
    return data


def recent_record(w, **kw):
    """A record of yesterday (so its decision deadline is still ahead)."""
    at = timezone.now() - timedelta(days=1)
    kw.setdefault("violated_at", at)
    kw.setdefault("made_at", at)
    return make_record(w, **kw)


# --- the permission matrix ------------------------------------------------------------------

LIST_PAGES = ["record-list", "decision-list", "seized-list", "suspension-list"]


@pytest.mark.parametrize("name", [*LIST_PAGES, "record-new", "decision-spot"])
def test_a_role_without_violation_capabilities_gets_403(client, w, name):
    # given a unit administrator (no violation.* capability) of the same unit
    admin = make_officer(w.unit, role=Role.UNIT_ADMIN)
    # when they open a violations page
    response = as_user(client, admin).get(reverse(f"violations:{name}"))
    # then it is refused
    assert response.status_code == 403


def test_a_receptionist_may_not_make_a_record_or_decide(client, w):
    as_user(client, w.receptionist)
    assert client.get(reverse("violations:record-new")).status_code == 403
    assert client.post(reverse("violations:record-new"), record_post()).status_code == 403
    assert ViolationRecord.objects.count() == 0
    assert client.get(reverse("violations:decision-spot")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client, w):
    response = client.get(reverse("violations:record-list"))
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_a_record_of_another_unit_is_not_found(client, w):
    # given a record of w.unit
    record = recent_record(w)
    # when an officer of the other commune opens it, or acts on it
    as_user(client, w.other_officer)
    detail = client.get(reverse("violations:record-detail", args=[record.pk]))
    close = client.post(reverse("violations:record-close", args=[record.pk]), {"reason": "Nhầm"})
    decide = client.get(reverse("violations:decision-new") + f"?bien_ban={record.pk}")
    # then it does not exist for them, and nothing changed
    assert (detail.status_code, close.status_code, decide.status_code) == (404, 404, 404)
    record.refresh_from_db()
    assert record.status == ViolationRecord.Status.OPEN


def test_a_decision_of_another_unit_is_not_found_and_cannot_be_paid(client, w):
    decision = make_decision(w, record=recent_record(w), issued_at=timezone.now())
    other_cashier = make_officer(w.other_unit, role=Role.RECEPTIONIST)
    as_user(client, other_cashier)
    assert client.get(reverse("violations:decision-detail", args=[decision.pk])).status_code == 404
    response = client.post(
        reverse("violations:decision-pay", args=[decision.pk]),
        {"amount": str(decision.total_fine), "idempotency_key": "k1"},
    )
    assert response.status_code == 404
    assert FinePayment.objects.count() == 0


def test_lists_show_only_the_rows_of_the_officers_unit(client, w):
    # given a record and a decision in each commune
    mine = make_decision(w, record=recent_record(w), issued_at=timezone.now())
    theirs = make_decision(
        w, record=recent_record(w, officer=w.other_officer), officer=w.other_officer, issued_at=timezone.now()
    )
    as_user(client, w.officer)
    # when the officer of w.unit opens the lists
    records = client.get(reverse("violations:record-list")).content.decode()
    decisions = client.get(reverse("violations:decision-list")).content.decode()
    # then only their unit's rows are there
    assert mine.records.get().number in records and theirs.records.get().number not in records
    assert mine.number in decisions and theirs.number not in decisions


def test_the_province_supervisor_sees_both_communes_with_names_masked(client, w):
    decision = make_decision(w, record=recent_record(w), issued_at=timezone.now())
    as_user(client, w.supervisor)
    page = client.get(reverse("violations:decision-detail", args=[decision.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert decision.violator_name not in html and mask_name(decision.violator_name) in html
    assert decision.violator_id_number not in html
    assert not AuditEvent.objects.filter(action=READ).exists()


def test_the_full_violator_is_shown_to_the_officer_and_the_read_is_logged(client, w):
    record = recent_record(w)
    as_user(client, w.officer)
    html = client.get(reverse("violations:record-detail", args=[record.pk])).content.decode()
    assert record.violator_name in html and record.violator_id_number in html
    assert AuditEvent.objects.filter(action=READ).count() >= 1


def test_list_pages_mask_names(client, w):
    record = recent_record(w)
    as_user(client, w.officer)
    html = client.get(reverse("violations:record-list")).content.decode()
    assert record.number in html
    assert record.violator_name not in html


@pytest.mark.parametrize("name", LIST_PAGES)
def test_list_queries_do_not_grow_with_rows(client, w, name, django_assert_max_num_queries):
    # given a few files, then many more
    for _ in range(2):
        d = make_decision(w, record=recent_record(w), issued_at=timezone.now())
    as_user(client, w.chief)
    url = reverse(f"violations:{name}")
    client.get(url)  # warm the session and the catalogue caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(6):
        d = make_decision(w, record=recent_record(w), issued_at=timezone.now())
    assert d.pk
    # then the page costs the same number of queries (no query per row), within a fixed budget
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
    assert len(few.captured_queries) <= 15


def test_a_bad_filter_answers_400_in_vietnamese(client, w):
    as_user(client, w.officer)
    response = client.get(reverse("violations:decision-list"), {"date_from": "31/02/2026"})
    assert response.status_code == 400
    assert "Ngày không hợp lệ" in response.content.decode()


def test_filters_find_late_records_and_a_plate(client, w):
    late = make_record(w)  # 10/03/2026: long past its 7 working days
    fresh = recent_record(w, plate="36A-123.45", vehicle_kind="car")
    as_user(client, w.officer)
    html = client.get(reverse("violations:record-list"), {"due": "late"}).content.decode()
    assert late.number in html and fresh.number not in html
    html = client.get(reverse("violations:record-list"), {"plate": "36a12345"}).content.decode()
    assert fresh.number in html and late.number not in html


# --- records --------------------------------------------------------------------------------


def test_an_officer_makes_a_record_with_a_seized_licence(client, w):
    as_user(client, w.officer)
    assert client.get(reverse("violations:record-new")).status_code == 200
    response = client.post(reverse("violations:record-new"), record_post())
    assert response.status_code == 302, response.content.decode()[:2000]
    record = ViolationRecord.objects.get()
    assert response["Location"].startswith(reverse("violations:record-detail", args=[record.pk]))
    assert [b.code for b in record.behaviours.all()] == [HELMET]
    assert record.plate == "36B112345"
    assert record.witnesses[0]["name"] == "Lê Văn Chứng"
    item = SeizedItem.objects.get()
    assert item.record == record and item.status == SeizedItem.Status.HELD


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"plate": "XYZ"}, "Biển số"),
        ({"behaviours": []}, "Chọn ít nhất một hành vi"),
        ({"violator_id_number": "12345"}, "định danh"),
        ({"violator_name": ""}, "họ và tên"),
        ({"latitude": "abc"}, "Tọa độ"),
        ({"violated_time": "25:99"}, "Giờ không hợp lệ"),
        ({"tv-0-storage_place": ""}, "nơi lưu giữ"),
    ],
)
def test_bad_record_input_is_refused_in_vietnamese_and_nothing_is_written(client, w, change, message):
    as_user(client, w.officer)
    response = client.post(reverse("violations:record-new"), record_post(**change))
    assert 400 <= response.status_code < 500
    assert message.lower() in response.content.decode().lower()
    assert ViolationRecord.objects.count() == 0 and SeizedItem.objects.count() == 0


def test_a_behaviour_not_in_force_on_the_violation_day_is_refused(client, w):
    as_user(client, w.officer)
    response = client.post(reverse("violations:record-new"), record_post(violated_on="10/03/2024"))
    assert response.status_code == 400
    assert ViolationRecord.objects.count() == 0


def test_the_behaviour_search_finds_words_without_diacritics_in_force_that_day(client, w):
    as_user(client, w.officer)
    url = reverse("violations:behaviour-search")
    now = client.get(url, {"q_hanh_vi": "mu bao hiem", "violated_on": "10/03/2026"}).content.decode()
    then = client.get(url, {"q_hanh_vi": "mu bao hiem", "violated_on": "10/03/2023"}).content.decode()
    assert HELMET in now and "t100:helmet" not in now
    assert "t100:helmet" in then and HELMET not in then


def test_the_search_button_without_javascript_keeps_what_was_typed(client, w):
    as_user(client, w.officer)
    response = client.post(
        reverse("violations:record-new"), record_post(behaviours=[], tim_hanh_vi="1", q_hanh_vi="dien thoai")
    )
    html = response.content.decode()
    assert response.status_code == 200 and PHONE in html and "Trần Thị Bích Ngọc" in html
    assert ViolationRecord.objects.count() == 0


def test_a_record_is_transferred_and_closed_through_the_page(client, w):
    record = recent_record(w)
    as_user(client, w.officer)
    response = client.post(reverse("violations:record-transfer", args=[record.pk]), {"to_unit": "", "reason": ""})
    assert response.status_code == 400 and "Chọn đơn vị" in response.content.decode()
    record.refresh_from_db()
    assert record.status == ViolationRecord.Status.OPEN
    response = client.post(reverse("violations:record-close", args=[record.pk]), {"reason": "Hết thời hiệu"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == ViolationRecord.Status.CLOSED


# --- decisions ------------------------------------------------------------------------------


def decision_post(record, **overrides) -> dict:
    data = {"bien_ban": [record.pk], "idempotency_key": "key-1", "l0-behaviour": HELMET}
    data.update(overrides)
    return data


def test_the_decision_page_shows_the_range_the_default_and_the_issuers_limit(client, w):
    record = recent_record(w)
    as_user(client, w.officer)
    html = client.get(reverse("violations:decision-new"), {"bien_ban": record.pk}).content.decode()
    assert "400.000\u00a0đ – 600.000\u00a0đ" in html  # the range
    assert "500.000\u00a0đ" in html  # the mean, the legal default
    assert "7.500.000\u00a0đ" in html  # 10% of the road field's 75.000.000 đ
    assert "Năm trăm nghìn đồng" in html


def test_a_head_issues_a_decision_from_a_record(client, w):
    record = recent_record(w)
    as_user(client, w.chief)
    response = client.post(reverse("violations:decision-new"), decision_post(record, **{"l0-mitigating": ["GN1"]}))
    assert response.status_code == 302, response.content.decode()[:3000]
    decision = PenaltyDecision.objects.get()
    assert 400_000 <= decision.total_fine <= 500_000
    assert decision.status == DecisionStatus.UNPAID
    record.refresh_from_db()
    assert record.status == ViolationRecord.Status.DECIDED


def test_the_same_form_sent_twice_makes_one_decision(client, w):
    record = recent_record(w)
    as_user(client, w.chief)
    client.post(reverse("violations:decision-new"), decision_post(record))
    second = client.post(reverse("violations:decision-new"), decision_post(record))
    assert second.status_code in (302, 409)
    assert PenaltyDecision.objects.count() == 1


def test_two_records_of_the_same_violator_make_one_decision(client, w):
    first = recent_record(w)
    second = recent_record(w, behaviour_codes=[PHONE])
    as_user(client, w.chief)
    list_html = client.get(reverse("violations:record-list")).content.decode()
    assert f'name="bien_ban" value="{first.pk}"' in list_html
    page = client.get(reverse("violations:decision-new"), {"bien_ban": [first.pk, second.pk]})
    assert page.status_code == 200 and len(page.context["line_forms"]) == 2
    data = decision_post(first, bien_ban=[first.pk, second.pk], **{"l1-behaviour": PHONE})
    response = client.post(reverse("violations:decision-new"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    decision = PenaltyDecision.objects.get()
    assert decision.total_fine == 500_000 + 2_500_000
    assert decision.records.count() == 2


def test_a_decision_beyond_the_issuers_authority_is_refused_and_nothing_is_written(client, w):
    # given a drink-driving record (30–40 million) and an officer on duty (10% of 75 million)
    record = recent_record(w, behaviour_codes=[ALCOHOL_CAR], vehicle_kind="car", plate="36A-123.45")
    as_user(client, w.officer)
    # when the officer tries to decide it
    response = client.post(
        reverse("violations:decision-new"),
        decision_post(
            record, **{"l0-behaviour": ALCOHOL_CAR, "l0-suspension_months": "22", "licence_number": "380123456789"}
        ),
    )
    # then 403 with the limit in Vietnamese, and no decision
    assert response.status_code == 403
    assert "Vượt thẩm quyền" in response.content.decode()
    assert PenaltyDecision.objects.count() == 0
    record.refresh_from_db()
    assert record.status == ViolationRecord.Status.OPEN


def test_an_amount_outside_the_band_is_refused(client, w):
    record = recent_record(w)
    as_user(client, w.chief)
    response = client.post(reverse("violations:decision-new"), decision_post(record, **{"l0-amount": "700.000"}))
    assert response.status_code == 422
    assert "không đúng quy định" in response.content.decode()
    assert PenaltyDecision.objects.count() == 0


def test_the_live_calculation_follows_the_circumstances(client, w):
    record = recent_record(w)
    as_user(client, w.chief)
    url = reverse("violations:decision-preview")
    two_mitigating = client.post(url, decision_post(record, **{"l0-mitigating": ["GN1", "GN2"]})).content.decode()
    assert "400.000\u00a0đ" in two_mitigating and "Bốn trăm nghìn đồng" in two_mitigating
    assert PenaltyDecision.objects.count() == 0


def test_the_live_calculation_shows_the_suspension_period(client, w):
    record = recent_record(w, behaviour_codes=[ALCOHOL_CAR], vehicle_kind="car", plate="36A-123.45")
    as_user(client, w.director)
    data = decision_post(record, **{"l0-behaviour": ALCOHOL_CAR, "l0-suspension_months": "23"})
    html = client.post(reverse("violations:decision-preview"), data).content.decode()
    today = timezone.localdate()
    assert f"Tước giấy phép 23 tháng: {today:%d/%m/%Y}" in html
    assert "Ba mươi lăm triệu đồng" in html  # the mean of 30–40 million


def test_a_processor_without_a_fining_title_is_told_so(client, w):
    record = recent_record(w)
    as_user(client, w.processor)
    html = client.get(reverse("violations:decision-new"), {"bien_ban": record.pk}).content.decode()
    assert "Bạn chưa được giao thẩm quyền xử phạt" in html
    response = client.post(reverse("violations:decision-new"), decision_post(record))
    assert response.status_code == 403
    assert PenaltyDecision.objects.count() == 0


def spot_post(**overrides) -> dict:
    data = {
        "violator_kind": "person",
        "violator_name": "Phạm Văn Nhanh",
        "violator_id_number": "038090004321",
        "violated_on": timezone.localdate().strftime("%d/%m/%Y"),
        "violated_time": "00:01",
        "address": "Đường Bà Triệu",
        "behaviour": RESIDENCE,
        "warning": "on",
        "idempotency_key": "spot-1",
    }
    data.update(overrides)
    return data


def test_an_on_the_spot_warning_is_issued_without_a_record(client, w):
    as_user(client, w.officer)
    assert client.get(reverse("violations:decision-spot")).status_code == 200
    response = client.post(reverse("violations:decision-spot"), spot_post())
    assert response.status_code == 302, response.content.decode()[:3000]
    decision = PenaltyDecision.objects.get()
    assert decision.kind == PenaltyDecision.Kind.ON_THE_SPOT and decision.records.count() == 0


def test_an_on_the_spot_fine_above_the_limit_is_refused(client, w):
    as_user(client, w.officer)
    response = client.post(reverse("violations:decision-spot"), spot_post(warning="", amount="500.000"))
    assert 400 <= response.status_code < 500
    assert PenaltyDecision.objects.count() == 0


# --- decision detail: delivery, counter payment, QR -----------------------------------------


@pytest.fixture
def issued(w):
    decision = make_decision(w, record=recent_record(w), issued_at=timezone.now())
    return decision


def test_the_decision_page_shows_the_total_in_words_and_the_vietqr_code(client, w, issued):
    as_user(client, w.officer)
    html = client.get(reverse("violations:decision-detail", args=[issued.pk])).content.decode()
    assert "Năm trăm nghìn đồng" in html
    assert 'src="data:image/png;base64,' in html
    assert issued.payment_reference in html


def test_the_counter_takes_exactly_what_is_due_and_gives_a_receipt(client, w, issued):
    as_user(client, w.chief)
    url = reverse("violations:decision-deliver", args=[issued.pk])
    assert client.post(url, {"delivered_on": timezone.localdate().strftime("%d/%m/%Y")}).status_code == 302
    as_user(client, w.receptionist)
    pay = reverse("violations:decision-pay", args=[issued.pk])
    # a wrong amount is refused and nothing is paid
    wrong = client.post(pay, {"amount": "400.000", "idempotency_key": "k-1"})
    assert wrong.status_code == 422
    assert FinePayment.objects.count() == 0
    # the right amount is taken once, even if the form is sent twice
    right = client.post(pay, {"amount": "500.000", "payer_name": "Nguyễn Văn An", "idempotency_key": "k-2"})
    assert right.status_code == 302 and "bien_lai=" in right["Location"]
    client.post(pay, {"amount": "500.000", "idempotency_key": "k-2"})
    payment = FinePayment.objects.get()
    assert payment.channel == FinePayment.Channel.COUNTER and payment.receipt_number
    issued.refresh_from_db()
    assert issued.status == DecisionStatus.PAID


def test_a_processor_may_not_take_money(client, w, issued):
    as_user(client, w.processor)
    response = client.post(
        reverse("violations:decision-pay", args=[issued.pk]), {"amount": "500.000", "idempotency_key": "x"}
    )
    assert response.status_code == 403
    assert FinePayment.objects.count() == 0


def test_a_decision_is_cancelled_with_its_reason(client, w, issued):
    as_user(client, w.chief)
    empty = client.post(reverse("violations:decision-cancel", args=[issued.pk]), {"reason": ""})
    assert empty.status_code == 400 and "Vui lòng nhập lý do" in empty.content.decode()
    done = client.post(reverse("violations:decision-cancel", args=[issued.pk]), {"reason": "Sai đối tượng"})
    assert done.status_code == 302
    issued.refresh_from_db()
    assert issued.status == DecisionStatus.CANCELLED


def test_an_appeal_is_recorded_and_closed(client, w, issued):
    as_user(client, w.chief)
    assert (
        client.post(reverse("violations:decision-appeal", args=[issued.pk]), {"note": "Khiếu nại"}).status_code == 302
    )
    issued.refresh_from_db()
    assert issued.status == DecisionStatus.APPEALED
    html = client.get(reverse("violations:decision-detail", args=[issued.pk])).content.decode()
    assert "Khiếu nại, khởi kiện" in html and "Kết thúc khiếu nại" in html
    url = reverse("violations:decision-appeal-close", args=[issued.pk])
    assert client.post(url, {"note": "Giữ nguyên quyết định"}).status_code == 302
    issued.refresh_from_db()
    assert issued.status != DecisionStatus.APPEALED


# --- registers ------------------------------------------------------------------------------


def test_the_custody_register_highlights_overdue_items_and_releases_them(client, w):
    record = make_record(
        w,
        seized=[{"kind": "vehicle", "description": "Xe mô tô Honda", "plate": "36-B1 123.45", "storage_place": "Kho"}],
    )
    item = SeizedItem.objects.get()
    assert item.hold_until < timezone.localdate()
    as_user(client, w.officer)
    html = client.get(reverse("violations:seized-list")).content.decode()
    assert "Xe mô tô Honda" in html and "Quá hạn" in html and record.number in html
    url = reverse("violations:seized-close", args=[item.pk])
    missing = client.post(url, {"status": "released", "reason": "Đã nộp phạt"})
    assert missing.status_code == 400 and "người nhận lại" in missing.content.decode()
    done = client.post(url, {"status": "released", "reason": "Đã nộp phạt", "receiver_name": "Nguyễn Văn An"})
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.status == SeizedItem.Status.RELEASED


def test_the_suspension_register_lists_the_active_licence(client, w):
    record = recent_record(w, behaviour_codes=[ALCOHOL_CAR], vehicle_kind="car", plate="36A-123.45")
    decision = make_decision(
        w,
        record=record,
        officer=w.director,
        issued_at=timezone.now(),
        lines=None,
        licence={"kind": "driving", "number": "380123456789", "class": "B"},
        delivered_on=timezone.localdate(),
    )
    assert LicenceSuspension.objects.filter(decision=decision).exists()
    as_user(client, w.director)  # the decision belongs to the issuer's unit, the province
    html = client.get(reverse("violations:suspension-list")).content.decode()
    assert "380123456789" in html and decision.number in html
