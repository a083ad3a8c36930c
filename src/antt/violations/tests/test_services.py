"""Writes of administrative violations (violations.services): records, decisions, payments,
seized items, and the daily sweep."""

import re
from datetime import date, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from antt.core.models import AuditEvent, Counter, Notification
from antt.org.models import Role
from antt.org.tests.factories import make_officer
from antt.violations import services
from antt.violations.models import (
    DecisionEvent,
    DecisionStatus,
    FinePayment,
    LicenceSuspension,
    PenaltyDecision,
    SeizedItem,
    ViolationRecord,
)
from antt.violations.rules import ViolationError
from antt.violations.services import LineInput
from antt.violations.tasks import violations_daily
from antt.violations.tests.factories import (
    ALCOHOL_CAR,
    HELMET,
    OLD_HELMET,
    PEDESTRIAN,
    PHONE,
    RED_LIGHT,
    RESIDENCE,
    VIOLATED_AT,
    VN,
    make_decision,
    make_record,
    organisation,
    person,
    violations_world,
)

pytestmark = pytest.mark.django_db
S = DecisionStatus
ISSUED = VIOLATED_AT.replace(hour=11)  # the same day as the violation
TODAY = date(2026, 3, 10)


@pytest.fixture
def w():
    return violations_world()


def _code(w):
    return services.numbering_code(w.unit)


def _issue(w, record=None, **kw):
    """A decision issued and delivered on the day of the violation: due Friday 20/03/2026."""
    kw.setdefault("issued_at", ISSUED)
    kw.setdefault("delivered_on", TODAY)
    return make_decision(w, record=record, **kw)


# --- records ---------------------------------------------------------------------------------


def test_records_of_a_unit_are_numbered_without_gaps_even_after_a_refusal(w):
    # given a first record
    first = make_record(w)
    # when the next attempt is refused, then a record is made
    with pytest.raises(ViolationError):
        make_record(w, plate="99Z")
    second = make_record(w)
    # then the numbers follow each other
    assert first.number == f"1/BB-VPHC/{_code(w)}/2026"
    assert second.number == f"2/BB-VPHC/{_code(w)}/2026"
    assert (first.seq, second.seq) == (1, 2)


def test_a_record_keeps_its_facts_its_behaviours_and_its_deadline(w):
    record = make_record(
        w,
        behaviour_codes=[HELMET, PHONE],
        notes={HELMET: "Không đội mũ"},
        witnesses=[{"name": "Trần Văn Chứng", "address": "Hạc Thành", "statement": "Tôi thấy anh ấy không đội mũ."}],
        latitude="19.807",
        longitude="105.776",
    )
    assert record.status == ViolationRecord.Status.OPEN
    assert record.unit == w.unit and record.officer == w.officer
    assert record.plate == "36B112345" and record.plate_display == "36-B1 123.45"
    assert set(record.behaviours.values_list("code", flat=True)) == {HELMET, PHONE}
    assert record.record_behaviours.get(behaviour__code=HELMET).note == "Không đội mũ"
    assert record.decision_due_on == date(2026, 3, 19)  # Tue 10/03 + 7 working days
    assert record.case.unit == w.unit
    assert record.witnesses == [
        {"name": "Trần Văn Chứng", "address": "Hạc Thành", "statement": "Tôi thấy anh ấy không đội mũ."}
    ]


def test_a_record_leaves_an_audit_entry_without_the_violators_personal_data(w):
    record = make_record(w)
    entry = AuditEvent.objects.get(object_type="violations.violationrecord", object_id=str(record.pk))
    assert entry.changes["number"] == record.number
    assert "Nguyễn Văn An" not in str(entry.changes) and "038090001234" not in str(entry.changes)


BAD_RECORDS = [
    ({"violator": person(id_number="12345")}, "12 chữ số"),
    ({"violator": person(id_number="038290001234")}, "không khớp với năm sinh"),
    ({"violator": person(id_number="")}, "số định danh cá nhân"),
    ({"violator": person(name="  ")}, "họ và tên"),
    ({"violator": person(nickname="x")}, "trường không hợp lệ"),
    ({"violator": person(phone="12345")}, "Số điện thoại không hợp lệ"),
    ({"violator": organisation(tax_code="2800123453")}, "sai chữ số kiểm tra"),
    ({"violator": person(nationality="Hàn Quốc", id_number="")}, "hộ chiếu"),
    ({"plate": "36-B1 12"}, "không đúng định dạng"),
    ({"plate": "10A-123.45"}, "Mã địa phương 10"),
    ({"behaviour_codes": []}, "ít nhất một hành vi"),
    ({"behaviour_codes": [OLD_HELMET]}, "không có hiệu lực vào ngày vi phạm"),
    ({"address": ""}, "địa điểm vi phạm"),
    ({"made_at": VIOLATED_AT - timedelta(hours=1)}, "trước thời điểm vi phạm"),
    ({"violated_at": datetime(2099, 1, 1, tzinfo=VN), "made_at": datetime(2099, 1, 1, tzinfo=VN)}, "sau thời điểm"),
    ({"vehicle_kind": "tank"}, "Loại phương tiện"),
    ({"latitude": "91"}, "Vĩ độ"),
    ({"notes": {"t168:other": "x"}}, "Mô tả cụ thể"),
    ({"seized": [{"kind": "vehicle", "description": "Xe máy"}]}, "nơi lưu giữ"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_RECORDS)
def test_bad_record_input_is_refused_in_vietnamese_and_nothing_is_written(w, overrides, message):
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ViolationError, match=message) as refused:
        make_record(w, **overrides)
    assert 400 <= refused.value.status < 500
    assert ViolationRecord.objects.count() == 0
    assert SeizedItem.objects.count() == 0
    assert AuditEvent.objects.count() == audit_before
    assert not Counter.objects.filter(key__startswith="violation-record:", value__gt=0).exists()


def test_an_organisation_is_recorded_by_its_tax_code(w):
    record = make_record(w, violator=organisation(), behaviour_codes=[HELMET], plate="36C-123.45", vehicle_kind="car")
    assert record.violator_kind == "organisation"
    assert record.violator_tax_code == "2800123452"
    assert record.violator_key == "tax:2800123452"


@pytest.mark.parametrize("who", ["receptionist", "supervisor"])
def test_a_role_without_violation_record_cannot_make_a_record(w, who):
    with pytest.raises(ViolationError) as refused:
        make_record(w, officer=getattr(w, who))
    assert refused.value.status == 403
    assert ViolationRecord.objects.count() == 0


def test_seized_items_written_in_the_record_enter_the_custody_register(w):
    record = make_record(
        w,
        seized=[
            {"kind": "vehicle", "description": "Xe mô tô Honda Wave", "plate": "36-B1 123.45", "storage_place": "Kho"},
            {"kind": "licence", "description": "Giấy phép lái xe hạng A1", "storage_place": "Tủ hồ sơ"},
        ],
    )
    items = list(record.seized_items.order_by("pk"))
    assert [i.kind for i in items] == ["vehicle", "licence"]
    assert items[0].plate == "36B112345"
    assert all(i.hold_until == date(2026, 3, 19) and i.status == "held" and i.unit == w.unit for i in items)
    assert all(i.seized_by == w.officer for i in items)


def test_a_record_can_be_transferred_and_decided_by_the_receiving_unit(w):
    # given a record beyond the officer's power, transferred to the province
    record = make_record(w, behaviour_codes=[ALCOHOL_CAR], plate="36A-123.45", vehicle_kind="car")
    services.record_transfer(officer=w.officer, record=record, to_unit=w.province, reason="Vượt thẩm quyền")
    record.refresh_from_db()
    assert record.status == "transferred" and record.transferred_to == w.province
    assert record.decision_due_on == date(2026, 3, 24)  # 10 working days when the file must be transferred
    # when the director decides it
    decision = _issue(w, record, officer=w.director, licence={"number": "360123456789", "class": "B"})
    # then the decision is the province's
    assert decision.unit == w.province and decision.total_fine == 35_000_000


def test_a_record_closed_without_a_decision_keeps_its_reason(w):
    record = make_record(w)
    services.record_close(officer=w.chief, record=record, reason="Người vi phạm đã chết")
    record.refresh_from_db()
    assert (record.status, record.closed_reason) == ("closed", "Người vi phạm đã chết")
    with pytest.raises(ViolationError) as refused:
        _issue(w, record)
    assert refused.value.status == 409


# --- decisions -------------------------------------------------------------------------------


def test_a_decision_from_one_record(w):
    # given a helmet record
    record = make_record(w)
    # when the officer issues the decision at the legal default
    decision = _issue(w, record)
    # then
    assert decision.number == f"1/QĐ-XPHC/{_code(w)}/2026"
    assert re.fullmatch(r"VP[A-Z2-7]{10}", decision.payment_reference)
    assert decision.status == S.UNPAID and decision.kind == "record"
    assert decision.total_fine == 500_000
    assert decision.unit_path == w.unit.path and decision.stat_group == w.road
    assert decision.violator_count == 1
    assert list(decision.violators.values_list("violator_key", flat=True)) == ["id:038090001234"]
    assert decision.issuer_title_code == "officer_on_duty" and decision.issuer_limit == 7_500_000
    assert decision.payment_due_on == date(2026, 3, 20)
    line = decision.lines.get()
    assert (line.fine_min, line.fine_max, line.amount) == (400_000, 600_000, 500_000)
    assert line.provision == "điểm h khoản 2 Điều 7 Nghị định T168/2024"
    record.refresh_from_db()
    assert record.status == "decided" and list(decision.records.all()) == [record]
    assert list(decision.events.values_list("action", flat=True)) == ["issue", "deliver"]
    assert AuditEvent.objects.filter(object_type="violations.penaltydecision", object_id=str(decision.pk)).count() == 2


def test_a_decision_from_two_records_of_the_same_violator(w):
    # given a residence record (mean 750.000) and a helmet record (mean 500.000) of one person
    residence = make_record(w, behaviour_codes=[RESIDENCE], plate="", vehicle_kind="")
    helmet = make_record(w)
    # when one decision covers both, with a mitigating circumstance on the helmet
    decision = _issue(
        w,
        records=[residence, helmet],
        lines=[LineInput(RESIDENCE), LineInput(HELMET, mitigating=["GN1"], amount=420_000)],
    )
    # then two lines, the total, and the statistics row of the larger fine
    assert sorted(decision.lines.values_list("amount", flat=True)) == [420_000, 750_000]
    assert decision.total_fine == 1_170_000
    assert decision.stat_group == w.residence
    assert decision.violator_count == 1 and decision.violators.count() == 1
    assert set(decision.records.all()) == {residence, helmet}
    assert decision.lines.get(behaviour__code=HELMET).mitigating == ["GN1"]


def test_records_of_two_violators_cannot_share_a_decision(w):
    first = make_record(w)
    second = make_record(w, violator=person(name="Lê Thị Hoa", id_number="038191004321", birth_date=date(1991, 1, 1)))
    with pytest.raises(ViolationError, match="cùng một người vi phạm") as refused:
        _issue(w, records=[first, second])
    assert refused.value.status == 422
    assert PenaltyDecision.objects.count() == 0


def test_a_warning_only_decision_has_no_money_to_pay(w):
    record = make_record(w, behaviour_codes=[RESIDENCE], plate="", vehicle_kind="")
    decision = _issue(w, record, lines=[LineInput(RESIDENCE, warning=True)])
    assert decision.status == S.WARNING and decision.warning_only
    assert decision.total_fine == 0 and decision.payment_due_on is None


def test_a_licence_suspension_is_registered_with_its_start_and_end(w):
    # given a drink-driving record decided by the director
    record = make_record(w, behaviour_codes=[ALCOHOL_CAR], plate="36A-123.45", vehicle_kind="car")
    decision = _issue(
        w,
        record,
        officer=w.director,
        lines=[LineInput(ALCOHOL_CAR, suspension_months=23)],
        licence={"number": "360123456789", "class": "b"},
    )
    # then the register has the licence for 23 months from the day of the decision
    suspension = decision.suspensions.get()
    assert (suspension.licence_number, suspension.licence_class, suspension.months) == ("360123456789", "B", 23)
    assert suspension.starts_on == date(2026, 3, 10)
    assert suspension.ends_on == date(2026, 3, 10) + relativedelta(months=23) - timedelta(days=1)
    assert suspension.holder_name == "Nguyễn Văn An" and suspension.unit == w.province
    assert decision.suspension_count == 1


def test_a_suspension_outside_the_behaviours_months_or_without_the_licence_is_refused(w):
    record = make_record(w, behaviour_codes=[ALCOHOL_CAR], plate="36A-123.45", vehicle_kind="car")
    with pytest.raises(ViolationError, match="từ 22 đến 24 tháng"):
        _issue(
            w,
            record,
            officer=w.director,
            lines=[LineInput(ALCOHOL_CAR, suspension_months=25)],
            licence={"number": "360123456789"},
        )
    with pytest.raises(ViolationError, match="số giấy phép"):
        _issue(w, record, officer=w.director)
    assert LicenceSuspension.objects.count() == 0 and PenaltyDecision.objects.count() == 0


def test_a_decision_beyond_the_issuers_authority_is_refused_and_changes_nothing(w):
    # given a drink-driving record (maximum 40.000.000 đ) and a commune chief (37.500.000 đ)
    record = make_record(w, behaviour_codes=[ALCOHOL_CAR], plate="36A-123.45", vehicle_kind="car")
    audit_before = AuditEvent.objects.count()
    # when the chief tries to decide it
    with pytest.raises(ViolationError, match="Vượt thẩm quyền.*37.500.000 đ") as refused:
        _issue(w, record, officer=w.chief, licence={"number": "360123456789"})
    # then 403, and nothing moved: no decision, the record still open, the number not used
    assert refused.value.status == 403
    assert PenaltyDecision.objects.count() == 0
    record.refresh_from_db()
    assert record.status == "open"
    assert AuditEvent.objects.count() == audit_before
    helmet = _issue(w, make_record(w))
    assert helmet.seq == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [("processor", 403), ("receptionist", 403), ("other_officer", 404), ("supervisor", 403)],
)
def test_who_may_not_decide_gets_a_refusal_and_changes_nothing(w, who, status):
    record = make_record(w)
    with pytest.raises(ViolationError) as refused:
        _issue(w, record, officer=getattr(w, who))
    assert refused.value.status == status
    assert PenaltyDecision.objects.count() == 0


def test_a_fine_outside_the_band_is_refused_and_changes_nothing(w):
    record = make_record(w)
    with pytest.raises(ViolationError, match="không đúng quy định") as refused:
        _issue(w, record, lines=[LineInput(HELMET, amount=450_000)])  # no circumstance: only 500.000
    assert refused.value.status == 422
    assert PenaltyDecision.objects.count() == 0


def test_a_line_for_a_behaviour_not_in_the_record_is_refused(w):
    record = make_record(w)
    with pytest.raises(ViolationError, match="không có trong biên bản"):
        _issue(w, record, lines=[LineInput(RED_LIGHT)])


def test_no_decision_after_the_deadline_of_article_66(w):
    record = make_record(w)  # due 19/03/2026
    with pytest.raises(ViolationError, match="quá thời hạn ra quyết định") as refused:
        _issue(w, record, issued_at=datetime(2026, 3, 20, 9, 0, tzinfo=VN), delivered_on=None)
    assert refused.value.status == 409


def test_the_same_idempotency_key_returns_the_decision_already_issued(w):
    record = make_record(w)
    first = _issue(w, record, idempotency_key="form-123")
    again = _issue(w, record, idempotency_key="form-123")
    assert again.pk == first.pk and PenaltyDecision.objects.count() == 1


def test_a_decided_record_cannot_be_decided_again(w):
    record = make_record(w)
    _issue(w, record)
    record.refresh_from_db()
    with pytest.raises(ViolationError, match="không còn chờ ra quyết định") as refused:
        _issue(w, record)
    assert refused.value.status == 409


def test_seized_items_of_the_records_count_on_the_decision(w):
    # given a record with a motorbike and ten packets of cigarettes seized
    record = make_record(
        w,
        seized=[
            {"kind": "vehicle", "description": "Xe mô tô", "storage_place": "Kho"},
            {"kind": "goods", "description": "Thuốc lá", "quantity": 10, "measure": "bao", "storage_place": "Kho"},
        ],
    )
    # when it is decided, then one more item is seized
    decision = _issue(w, record)
    assert decision.seized_count == 2  # items of the register, not their quantities
    assert set(record.seized_items.values_list("decision", flat=True)) == {decision.pk}
    record.refresh_from_db()
    services.seized_item_add(
        officer=w.officer, record=record, kind="document", description="Giấy đăng ký xe", storage_place="Tủ"
    )
    decision.refresh_from_db()
    assert decision.seized_count == 3
    assert decision.events.filter(action="seize").count() == 1


def test_a_fine_on_the_spot_within_the_limit(w):
    # when a pedestrian is fined 200.000 đ without a record
    decision = services.decision_issue_on_the_spot(
        officer=w.officer,
        violator=person(),
        violated_at=VIOLATED_AT,
        issued_at=ISSUED,
        address="Ngã tư Bà Triệu",
        line=LineInput(PEDESTRIAN),
    )
    # then it is delivered at once and due in 10 days
    assert decision.kind == "spot" and decision.total_fine == 200_000
    assert decision.delivered_on == TODAY and decision.payment_due_on == date(2026, 3, 20)
    assert decision.records.count() == 0 and decision.case.unit == w.unit


def test_a_fine_on_the_spot_above_the_limit_needs_a_record(w):
    with pytest.raises(ViolationError, match="250.000 đ") as refused:
        services.decision_issue_on_the_spot(
            officer=w.officer,
            violator=person(),
            violated_at=VIOLATED_AT,
            issued_at=ISSUED,
            address="Phố",
            line=LineInput(HELMET),
        )
    assert refused.value.status == 422
    assert PenaltyDecision.objects.count() == 0


def test_delivery_sets_the_payment_deadline_once(w):
    record = make_record(w)
    decision = _issue(w, record, delivered_on=None)
    assert decision.payment_due_on is None
    decision = services.decision_deliver(officer=w.officer, decision=decision, delivered_on=date(2026, 3, 11))
    assert decision.payment_due_on == date(2026, 3, 23)  # Saturday 21 → Monday 23
    with pytest.raises(ViolationError) as refused:
        services.decision_deliver(officer=w.officer, decision=decision, delivered_on=date(2026, 3, 12))
    assert refused.value.status == 409


# --- payments --------------------------------------------------------------------------------


def _pay(w, decision, amount, on=date(2026, 3, 12), **kw):
    kw.setdefault("channel", "counter")
    if kw["channel"] == "counter":
        kw.setdefault("officer", w.receptionist)
    return services.payment_record(
        decision=decision,
        amount=amount,
        received_at=datetime.combine(on, datetime.min.time(), VN).replace(hour=9),
        **kw,
    )


def test_the_exact_amount_pays_the_decision_with_a_counter_receipt(w):
    decision = _issue(w, make_record(w))
    payment, created = _pay(w, decision, 500_000)
    decision.refresh_from_db()
    assert created and decision.status == S.PAID and decision.paid_on == date(2026, 3, 12)
    assert (decision.amount_paid, decision.surcharge_paid) == (500_000, 0)
    assert payment.receipt_number == f"0000001/BL/{_code(w)}/2026"
    other = _issue(w, make_record(w))
    second, _ = _pay(w, other, 500_000)
    assert second.receipt_number == f"0000002/BL/{_code(w)}/2026"
    assert list(decision.events.values_list("action", flat=True)) == ["issue", "deliver", "pay"]


def test_a_wrong_amount_is_refused_and_changes_nothing(w):
    decision = _issue(w, make_record(w))
    for amount in (499_000, 600_000):
        with pytest.raises(ViolationError, match="không khớp với số phải nộp") as refused:
            _pay(w, decision, amount)
        assert refused.value.status == 422
    decision.refresh_from_db()
    assert decision.status == S.UNPAID and decision.amount_paid == 0
    assert FinePayment.objects.count() == 0


def test_a_repeated_transaction_id_returns_the_first_payment_and_changes_nothing(w):
    decision = _issue(w, make_record(w))
    first, created = _pay(w, decision, 500_000, channel="transfer", transaction_id="FT26071ABC")
    again, created_again = _pay(w, decision, 500_000, channel="transfer", transaction_id="FT26071ABC")
    decision.refresh_from_db()
    assert created and not created_again and again.pk == first.pk
    assert decision.amount_paid == 500_000 and FinePayment.objects.count() == 1
    with pytest.raises(ViolationError, match="khoản nộp khác") as refused:
        _pay(w, decision, 400_000, channel="transfer", transaction_id="FT26071ABC")
    assert refused.value.status == 409


def test_a_late_payment_must_include_the_surcharge(w):
    # given a 500.000 đ decision due 20/03, paid on 25/03: 5 days x 250 đ
    decision = _issue(w, make_record(w))
    with pytest.raises(ViolationError, match="tiền chậm nộp 1.250 đ"):
        _pay(w, decision, 500_000, on=date(2026, 3, 25))
    payment, _ = _pay(w, decision, 501_250, on=date(2026, 3, 25))
    decision.refresh_from_db()
    assert (payment.fine_part, payment.surcharge_part) == (500_000, 1_250)
    assert decision.status == S.PAID and decision.surcharge_paid == 1_250


def test_a_partial_payment_only_when_instalments_are_allowed(w):
    # given a 35.000.000 đ decision of the province (paid at its desk) without instalments: a
    # partial payment is refused
    licence = {"kind": "driving", "number": "380123456789", "class": "B"}
    decision = _issue(w, make_record(w, behaviour_codes=[ALCOHOL_CAR]), officer=w.director, licence=licence)
    with pytest.raises(ViolationError, match="không khớp"):
        _pay(w, decision, 20_000_000, officer=w.director)
    # when instalments are allowed (Art. 79: fine >= 15.000.000 đ, <= 3 payments, first >= 40%)
    allowed = _issue(
        w,
        make_record(w, behaviour_codes=[ALCOHOL_CAR]),
        officer=w.director,
        licence=licence,
        instalments_allowed=True,
    )
    with pytest.raises(ViolationError, match="ít nhất 14.000.000 đ"):
        _pay(w, allowed, 10_000_000, officer=w.director)
    _pay(w, allowed, 14_000_000, officer=w.director)
    allowed.refresh_from_db()
    assert allowed.status == S.PARTLY_PAID and allowed.amount_paid == 14_000_000
    _pay(w, allowed, 11_000_000, on=date(2026, 3, 13), officer=w.director)
    allowed.refresh_from_db()
    # then the third payment must settle everything
    with pytest.raises(ViolationError, match="lần nộp thứ 3"):
        _pay(w, allowed, 5_000_000, on=date(2026, 3, 16), officer=w.director)
    allowed.refresh_from_db()
    _pay(w, allowed, 10_000_000, on=date(2026, 3, 16), officer=w.director)
    allowed.refresh_from_db()
    assert allowed.status == S.PAID and FinePayment.objects.filter(decision=allowed).count() == 3


def test_instalments_are_refused_below_the_legal_minimum_fine(w):
    # given a 5.000.000 đ fine: Art. 79 allows instalments from 15.000.000 đ for a person
    with pytest.raises(ViolationError, match="từ 15.000.000 đ trở lên") as refused:
        _issue(w, make_record(w, behaviour_codes=[RED_LIGHT]), instalments_allowed=True)
    # then nothing was issued
    assert refused.value.status == 422
    assert not PenaltyDecision.objects.filter(instalments_allowed=True).exists()


def test_a_counter_payment_needs_the_pay_capability_and_the_unit(w):
    decision = _issue(w, make_record(w))
    with pytest.raises(ViolationError) as refused:
        _pay(w, decision, 500_000, officer=w.processor)
    assert refused.value.status == 403
    other_desk = make_officer(w.other_unit, role=Role.RECEPTIONIST)
    with pytest.raises(ViolationError) as hidden:
        _pay(w, decision, 500_000, officer=other_desk)
    assert hidden.value.status == 404
    with pytest.raises(ViolationError, match="mã giao dịch"):
        _pay(w, decision, 500_000, channel="transfer")
    assert FinePayment.objects.count() == 0


def test_a_cancelled_decision_takes_no_payment(w):
    decision = _issue(w, make_record(w))
    services.decision_cancel(officer=w.chief, decision=decision, reason="Sai đối tượng")
    with pytest.raises(ViolationError) as refused:
        _pay(w, decision, 500_000)
    assert refused.value.status == 409


# --- cancel, appeal, enforce, late -------------------------------------------------------------


def test_cancel_needs_a_reason_and_nothing_paid_and_cancels_the_suspensions(w):
    record = make_record(w, behaviour_codes=[ALCOHOL_CAR], plate="36A-123.45", vehicle_kind="car")
    decision = _issue(w, record, officer=w.director, licence={"number": "360123456789"})
    with pytest.raises(ViolationError, match="lý do"):
        services.decision_cancel(officer=w.director, decision=decision, reason=" ")
    decision = services.decision_cancel(officer=w.director, decision=decision, reason="Quyết định sai thẩm quyền")
    assert decision.status == S.CANCELLED
    assert decision.suspensions.get().cancelled
    paid = _issue(w, make_record(w))
    _pay(w, paid, 500_000)
    with pytest.raises(ViolationError) as refused:
        services.decision_cancel(officer=w.chief, decision=paid, reason="x")
    assert refused.value.status == 409


def test_an_appeal_and_its_end(w):
    decision = _issue(w, make_record(w), delivered_on=None)  # not delivered: nothing late yet
    decision = services.decision_appeal(officer=w.chief, decision=decision, note="Đơn khiếu nại ngày 12/03")
    assert decision.status == S.APPEALED
    _pay_allowed = services.workflow.check("pay", decision.status)
    assert _pay_allowed.action == "pay"  # a complaint does not stop payment
    decision = services.decision_appeal_close(officer=w.chief, decision=decision, note="Giữ nguyên quyết định")
    assert decision.status == S.UNPAID
    actions = list(decision.events.values_list("action", "from_status", "to_status"))
    assert actions[-2:] == [("appeal", "unpaid", "appealed"), ("close_appeal", "appealed", "unpaid")]


def test_late_marking_is_idempotent_and_enforcement_follows_it(w):
    decision = _issue(w, make_record(w))  # due 20/03/2026
    assert services.decisions_mark_late(date(2026, 3, 20)) == 0
    with pytest.raises(ViolationError, match="quá hạn chấp hành"):
        PenaltyDecision.objects.filter(pk=decision.pk).update(payment_due_on=date(2099, 1, 1))
        services.decision_enforce(officer=w.chief, decision=decision, note="QĐ cưỡng chế số 1")
    PenaltyDecision.objects.filter(pk=decision.pk).update(payment_due_on=date(2026, 3, 20))
    assert services.decisions_mark_late(date(2026, 3, 21)) == 1
    assert services.decisions_mark_late(date(2026, 3, 22)) == 0
    decision.refresh_from_db()
    assert decision.status == S.LATE
    assert decision.events.filter(action="mark_late").count() == 1
    decision = services.decision_enforce(officer=w.chief, decision=decision, note="QĐ cưỡng chế số 1")
    assert decision.status == S.ENFORCED


def test_a_stale_page_cannot_overwrite_a_newer_change(w):
    decision = _issue(w, make_record(w))
    stale = PenaltyDecision.objects.get(pk=decision.pk)
    services.decision_appeal(officer=w.chief, decision=decision, note="Khiếu nại")
    with pytest.raises(ViolationError, match="vừa được cán bộ khác cập nhật") as refused:
        services.decision_cancel(officer=w.chief, decision=stale, reason="x")
    assert refused.value.status == 409


def test_an_officer_of_another_unit_cannot_touch_the_decision(w):
    decision = _issue(w, make_record(w))
    other_chief = violations_world().chief  # a head elsewhere
    with pytest.raises(ViolationError) as refused:
        services.decision_cancel(officer=other_chief, decision=decision, reason="x")
    assert refused.value.status == 404
    decision.refresh_from_db()
    assert decision.status == S.UNPAID


# --- seized items and the daily sweep ----------------------------------------------------------


def test_a_seized_item_is_released_to_a_named_receiver(w):
    record = make_record(w)
    item = services.seized_item_add(
        officer=w.officer,
        record=record,
        kind="vehicle",
        description="Xe mô tô",
        storage_place="Kho",
        seized_at=VIOLATED_AT,
    )
    assert item.hold_until == date(2026, 3, 19)
    with pytest.raises(ViolationError, match="người nhận lại"):
        services.seized_item_close(officer=w.officer, item=item, status="released", reason="Đã nộp phạt")
    with pytest.raises(ViolationError, match="theo quyết định xử phạt"):
        services.seized_item_close(officer=w.officer, item=item, status="confiscated", reason="x")
    item = services.seized_item_close(
        officer=w.officer, item=item, status="released", reason="Đã nộp phạt", receiver_name="Nguyễn Văn An"
    )
    assert item.status == "released" and item.closed_by == w.officer
    with pytest.raises(ViolationError) as refused:
        services.seized_item_close(officer=w.officer, item=item, status="released", reason="x", receiver_name="A")
    assert refused.value.status == 409


def test_overdue_seized_items_are_alerted_once(w):
    record = make_record(
        w, seized=[{"kind": "vehicle", "description": "Xe mô tô", "storage_place": "Kho"}]
    )  # held until 19/03/2026
    assert services.seized_items_alert_overdue(date(2026, 3, 19)) == 0
    assert services.seized_items_alert_overdue(date(2026, 3, 20)) == 1
    assert services.seized_items_alert_overdue(date(2026, 3, 21)) == 0
    sent = Notification.objects.filter(key="violations.seized_overdue")
    assert {n.channel for n in sent} == {"email", "sms"}  # the chief of the unit, by both channels
    assert all("Nguyễn Văn An" not in n.body for n in sent)
    assert record.seized_items.get().overdue_alerted_at is not None


def test_the_daily_sweep_is_idempotent(w):
    _issue(w, make_record(w))  # payment due 20/03
    make_record(w, violator=person(name="Lê Văn Bình", id_number="038092005678", birth_date=date(1992, 1, 1)))
    first = violations_daily(date(2026, 3, 25))
    second = violations_daily(date(2026, 3, 25))
    assert (first.marked_late, first.records_alerted, first.late_alerted) == (1, 1, 1)
    assert (second.marked_late, second.seized_alerted, second.records_alerted, second.late_alerted) == (0, 0, 0, 0)
    assert DecisionEvent.objects.filter(action="mark_late").count() == 1


def test_the_daily_command_reports_in_vietnamese_and_refuses_a_bad_date(w):
    from io import StringIO

    from django.core.management import CommandError, call_command

    _issue(w, make_record(w))
    out = StringIO()
    call_command("violations_daily", "--date", "2026-03-25", stdout=out)
    assert "Đã đánh dấu 1 quyết định quá hạn nộp phạt" in out.getvalue()
    with pytest.raises(CommandError, match="Ngày không hợp lệ"):
        call_command("violations_daily", "--date", "25/03/2026")
