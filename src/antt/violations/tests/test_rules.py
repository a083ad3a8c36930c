"""The legal rules (violations.rules) over the deterministic rule set of the factories."""

from datetime import date, datetime
from decimal import Decimal
from itertools import product

import pytest
from django.core.exceptions import ImproperlyConfigured

from antt.core.money import money_in_words
from antt.violations import rules
from antt.violations.models import LegalParameter, PenaltyDecision, ViolationRecord
from antt.violations.rules import ViolationError
from antt.violations.services import payment_record
from antt.violations.tests.factories import (
    ALCOHOL_CAR,
    BUSINESS,
    HELMET,
    OLD_HELMET,
    OLD_RESIDENCE,
    PHONE,
    RED_LIGHT,
    RESIDENCE,
    VIOLATED_AT,
    VN,
    make_decision,
    make_record,
    violations_world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return violations_world()


# --- ranges and the default ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "subject", "expected"),
    [
        (HELMET, "person", (400_000, 600_000)),
        (HELMET, "organisation", (800_000, 1_200_000)),  # the decree's multiplier, 2
        (BUSINESS, "person", (5_000_000, 10_000_000)),
        (BUSINESS, "organisation", (12_000_000, 18_000_000)),  # the decree's own range wins
    ],
)
def test_the_range_of_a_behaviour_depends_on_who_violated(w, code, subject, expected):
    assert rules.fine_range(w.behaviour(code), subject) == expected


@pytest.mark.parametrize(
    ("code", "subject", "mean"),
    [(HELMET, "person", 500_000), (HELMET, "organisation", 1_000_000), (BUSINESS, "organisation", 15_000_000)],
)
def test_without_circumstances_the_fine_is_the_mean_of_the_range(w, code, subject, mean):
    # when no circumstance is given and no amount chosen
    fine = rules.fine_for(w.behaviour(code), subject=subject)
    # then the fine is exactly the mean, and nothing else is allowed
    assert fine.amount == fine.default == mean
    assert (fine.allowed_min, fine.allowed_max) == (mean, mean)
    with pytest.raises(ViolationError) as refused:
        rules.fine_for(w.behaviour(code), subject=subject, amount=mean + 1000)
    assert refused.value.status == 422


# Nghị định 118/2021/NĐ-CP Art. 9(1) on the helmet range 400.000–600.000 (mean 500.000).
CIRCUMSTANCE_CASES = [
    # mitigating, aggravating, allowed band, suggested amount
    ([], [], (500_000, 500_000), 500_000),
    (["GN1"], [], (400_000, 500_000), 450_000),
    (["GN1", "GN2"], [], (400_000, 400_000), 400_000),
    (["GN1", "GN2", "GN3"], [], (400_000, 400_000), 400_000),
    ([], ["TN1"], (500_000, 600_000), 550_000),
    ([], ["TN1", "TN2"], (600_000, 600_000), 600_000),
    (["GN1"], ["TN1"], (500_000, 500_000), 500_000),  # one cancels one
    (["GN1", "GN2"], ["TN1"], (400_000, 500_000), 450_000),  # one mitigating left
    (["GN1"], ["TN1", "TN2"], (500_000, 600_000), 550_000),  # one aggravating left
    (["GN1", "GN2"], ["TN1", "TN2"], (500_000, 500_000), 500_000),
    (["GN1", "GN1"], [], (400_000, 500_000), 450_000),  # the same circumstance counts once
]


@pytest.mark.parametrize(("mitigating", "aggravating", "band", "suggested"), CIRCUMSTANCE_CASES)
def test_circumstances_move_the_fine_inside_the_band_the_decree_allows(w, mitigating, aggravating, band, suggested):
    helmet = w.behaviour(HELMET)
    # when the officer gives the circumstances without an amount
    fine = rules.fine_for(helmet, subject="person", mitigating=mitigating, aggravating=aggravating)
    # then the band and the suggestion follow Art. 9(1)
    assert (fine.allowed_min, fine.allowed_max) == band
    assert fine.amount == suggested
    # and each end of the band is accepted, one thousand beyond it is refused
    for amount in band:
        assert rules.fine_for(helmet, subject="person", mitigating=mitigating, aggravating=aggravating, amount=amount)
    for amount in (band[0] - 1000, band[1] + 1000):
        with pytest.raises(ViolationError, match="không đúng quy định"):
            rules.fine_for(helmet, subject="person", mitigating=mitigating, aggravating=aggravating, amount=amount)


def test_no_combination_of_circumstances_and_amount_is_accepted_outside_the_range(w):
    helmet = w.behaviour(HELMET)
    sets = [[], ["GN1"], ["GN1", "GN2"], ["GN1", "GN2", "GN3"]]
    aggr = [[], ["TN1"], ["TN1", "TN2"], ["TN1", "TN2", "TN3"]]
    amounts = [0, 1, 399_000, 400_000, 450_000, 500_000, 550_000, 600_000, 601_000, 10**9]
    for mitigating, aggravating, amount in product(sets, aggr, amounts):
        try:
            fine = rules.fine_for(
                helmet, subject="person", mitigating=mitigating, aggravating=aggravating, amount=amount
            )
        except ViolationError as exc:
            assert exc.status == 422
            continue
        assert 400_000 <= fine.amount <= 600_000


def test_an_unknown_or_wrong_kind_of_circumstance_is_refused(w):
    with pytest.raises(ViolationError, match="giảm nhẹ không hợp lệ: TN1"):
        rules.fine_for(w.behaviour(HELMET), subject="person", mitigating=["TN1"])
    with pytest.raises(ViolationError, match="tăng nặng không hợp lệ: X9"):
        rules.fine_for(w.behaviour(HELMET), subject="person", aggravating=["X9"])


def test_a_warning_only_where_the_decree_allows_it_and_without_money(w):
    # given the residence behaviour allows a warning, the helmet one does not
    fine = rules.fine_for(w.behaviour(RESIDENCE), subject="person", warning=True)
    assert (fine.amount, fine.allowed_min, fine.allowed_max) == (0, 0, 0)
    with pytest.raises(ViolationError, match="không được áp dụng hình thức cảnh cáo"):
        rules.fine_for(w.behaviour(HELMET), subject="person", warning=True)
    with pytest.raises(ViolationError, match="không kèm phạt tiền"):
        rules.fine_for(w.behaviour(RESIDENCE), subject="person", warning=True, amount=500_000)


def test_a_non_numeric_amount_is_refused_with_a_message(w):
    with pytest.raises(ViolationError, match="số nguyên"):
        rules.fine_for(w.behaviour(HELMET), subject="person", amount="năm trăm")


# --- the catalogue by date -------------------------------------------------------------------


def test_the_rules_in_force_on_the_day_of_the_violation_apply(w):
    # given the old helmet rule ended on 01/01/2025 when the new one began
    assert rules.behaviour_on(OLD_HELMET, date(2024, 12, 31)).fine_max == 300_000
    assert rules.behaviour_on(HELMET, date(2025, 1, 1)).fine_max == 600_000
    codes_2024 = set(rules.behaviours_on(date(2024, 12, 31)).values_list("code", flat=True))
    assert OLD_HELMET in codes_2024 and HELMET not in codes_2024 and OLD_RESIDENCE in codes_2024
    # then each is refused outside its dates
    with pytest.raises(ViolationError, match="không có hiệu lực vào ngày vi phạm \\(01/01/2025\\)"):
        rules.behaviour_on(OLD_HELMET, date(2025, 1, 1))
    with pytest.raises(ViolationError, match="Không tìm thấy hành vi"):
        rules.behaviour_on("t000:none", date(2025, 1, 1))


# --- authority -------------------------------------------------------------------------------


class _L:
    def __init__(self, behaviour, suspension_months=None, warning=False):
        self.behaviour, self.suspension_months, self.warning = behaviour, suspension_months, warning


NEW = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("who", "subject", "field", "limit"),
    [
        ("officer", "person", "road_traffic", 7_500_000),  # 10% of 75.000.000
        ("chief", "person", "road_traffic", 37_500_000),  # 50%
        ("director", "person", "road_traffic", 75_000_000),  # 100%
        ("officer", "organisation", "road_traffic", 15_000_000),  # 10% of the organisation maximum
        ("officer", "person", "security_order", 4_000_000),
        ("chief", "organisation", "security_order", 40_000_000),
    ],
)
def test_a_title_may_fine_its_share_of_the_fields_maximum(w, who, subject, field, limit):
    power = rules.officer_power(getattr(w, who), NEW)
    assert rules.power_limit(power, field, subject, NEW) == limit


@pytest.mark.parametrize(
    ("who", "codes", "subject", "allowed"),
    [
        ("officer", [HELMET], "person", True),
        ("officer", [ALCOHOL_CAR], "person", False),  # 40.000.000 > 7.500.000
        ("chief", [ALCOHOL_CAR], "person", False),  # 40.000.000 > 37.500.000
        ("director", [ALCOHOL_CAR], "person", True),
        # two behaviours: 6.000.000 + 3.000.000 exceed 7.500.000 together, but authority is
        # judged per behaviour (Luật XLVPHC Art. 52(1))
        ("officer", [RED_LIGHT, PHONE], "person", True),
        ("officer", [HELMET], "organisation", True),  # 1.200.000 <= 15.000.000
        ("officer", [BUSINESS], "organisation", False),  # 18.000.000 > 8.000.000 (10% of 80M)
        ("chief", [BUSINESS], "organisation", True),  # 18.000.000 <= 40.000.000
    ],
)
def test_authority_is_judged_per_behaviour_by_the_maximum_of_its_range(w, who, codes, subject, allowed):
    power = rules.officer_power(getattr(w, who), NEW)
    lines = [_L(w.behaviour(code)) for code in codes]
    if allowed:
        rules.check_authority(power, lines, subject, NEW)
    else:
        with pytest.raises(ViolationError, match="Vượt thẩm quyền") as refused:
            rules.check_authority(power, lines, subject, NEW)
        assert refused.value.status == 403
        assert " đ" in refused.value.message  # the limit, in Vietnamese money


def test_only_a_title_with_that_power_may_suspend_a_licence(w):
    alcohol = w.behaviour(ALCOHOL_CAR)
    helmet = w.behaviour(HELMET)
    with pytest.raises(ViolationError, match="không có thẩm quyền tước") as refused:
        rules.check_authority(rules.officer_power(w.officer, NEW), [_L(helmet, suspension_months=1)], "person", NEW)
    assert refused.value.status == 403
    rules.check_authority(rules.officer_power(w.director, NEW), [_L(alcohol, suspension_months=22)], "person", NEW)


def test_the_old_powers_apply_to_decisions_issued_before_decree_189(w):
    # given the officer's title: 1% capped at 500.000 before 01/07/2025, 10% from then
    old = rules.officer_power(w.officer, date(2025, 6, 30))
    new = rules.officer_power(w.officer, date(2025, 7, 1))
    assert (old.percent, old.cap_amount) == (Decimal("1.00"), 500_000)
    assert rules.power_limit(old, "road_traffic", "person", date(2025, 6, 30)) == 500_000  # 750.000 capped
    assert rules.power_limit(new, "road_traffic", "person", date(2025, 7, 1)) == 7_500_000
    helmet = [_L(w.behaviour(HELMET))]  # maximum 600.000
    with pytest.raises(ViolationError, match="500.000 đ"):
        rules.check_authority(old, helmet, "person", date(2025, 6, 30))
    rules.check_authority(new, helmet, "person", date(2025, 7, 1))


def test_an_officer_without_a_title_has_no_fining_power(w):
    with pytest.raises(ViolationError, match="Bạn chưa được giao thẩm quyền xử phạt") as refused:
        rules.officer_power(w.processor, NEW)
    assert refused.value.status == 403


# --- deadlines -------------------------------------------------------------------------------


def _record(made_at, **flags):
    return ViolationRecord(made_at=made_at, **{"explanation_requested": False, "complex_case": False, **flags})


@pytest.mark.parametrize(
    ("made_at", "flags", "due"),
    [
        # Friday: 7 working days over one weekend (Mon 9 … Tue 17)
        (datetime(2026, 3, 6, 15, 0, tzinfo=VN), {}, date(2026, 3, 17)),
        # Friday 24/04/2026: Mon 27/04 (Hùng Kings, observed), Thu 30/04 and Fri 01/05 are days off
        (datetime(2026, 4, 24, 9, 0, tzinfo=VN), {}, date(2026, 5, 8)),
        # the violator asked to explain: one month
        (datetime(2026, 3, 6, 15, 0, tzinfo=VN), {"explanation_requested": True}, date(2026, 4, 6)),
        (datetime(2026, 1, 31, 8, 0, tzinfo=VN), {"complex_case": True}, date(2026, 2, 28)),
    ],
)
def test_the_decision_deadline_counts_working_days_or_a_month(w, made_at, flags, due):
    assert rules.decision_due_on(_record(made_at, **flags)) == due


@pytest.mark.parametrize(
    ("delivered", "due"),
    [
        (date(2026, 3, 10), date(2026, 3, 20)),  # Tuesday + 10 days = Friday
        (date(2026, 3, 11), date(2026, 3, 23)),  # ends on Saturday: the next working day
        (date(2026, 4, 20), date(2026, 5, 4)),  # 30/04 and 01/05 days off, then the weekend: Mon 04/05
    ],
)
def test_the_payment_deadline_is_ten_days_moved_off_days_off(w, delivered, due):
    assert rules.payment_due_on(delivered) == due


def test_custody_lasts_seven_working_days_or_a_month_when_complex(w):
    assert rules.hold_until(datetime(2026, 3, 6, 10, 0, tzinfo=VN)) == date(2026, 3, 17)
    assert rules.hold_until(datetime(2026, 3, 6, 10, 0, tzinfo=VN), complex=True) == date(2026, 4, 6)


def test_the_spot_fine_limit_is_read_from_the_parameters(w):
    assert rules.spot_fine_limit("person", NEW) == 250_000
    assert rules.spot_fine_limit("organisation", NEW) == 500_000


def test_a_parameter_missing_on_a_day_is_a_configuration_error(w):
    LegalParameter.objects.filter(key="payment_days").update(valid_to=date(2026, 1, 1))
    with pytest.raises(ImproperlyConfigured, match="payment_days"):
        rules.parameter("payment_days", date(2026, 3, 1))
    assert rules.parameter("payment_days", date(2025, 12, 31)) == 10


def test_a_new_value_of_a_parameter_applies_from_its_date(w):
    LegalParameter.objects.filter(key="payment_days").update(valid_to=date(2026, 6, 1))
    LegalParameter.objects.create(
        key="payment_days", value=15, unit="", description="", valid_from=date(2026, 6, 1), legal_basis="thử"
    )
    assert rules.payment_due_on(date(2026, 5, 29)) == date(2026, 6, 8)  # 10 days → Mon 08/06
    assert rules.payment_due_on(date(2026, 6, 1)) == date(2026, 6, 16)  # 15 days


# --- surcharge -------------------------------------------------------------------------------


def _unpaid(total, due):
    return PenaltyDecision(total_fine=total, payment_due_on=due, amount_paid=0, surcharge_paid=0)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 3, 19), 0),
        (date(2026, 3, 20), 0),  # the last day to pay: nothing yet
        (date(2026, 3, 21), 500),  # 0,05% of 1.000.000
        (date(2026, 3, 25), 2_500),  # five days, weekends included
        (date(2026, 4, 19), 15_000),
    ],
)
def test_the_surcharge_is_five_hundredths_percent_per_day_after_the_deadline(w, on, expected):
    assert rules.surcharge(_unpaid(1_000_000, date(2026, 3, 20)), on) == expected


def test_the_surcharge_is_rounded_down_once_on_the_exact_sum(w):
    # 1.001.999 đ: 500,9995 đ a day; two days = 1.001,999 đ → 1.001 (per-day rounding would give 1.000)
    assert rules.surcharge(_unpaid(1_001_999, date(2026, 3, 20)), date(2026, 3, 22)) == 1_001


def test_no_surcharge_before_delivery_or_on_a_warning(w):
    assert rules.surcharge(_unpaid(1_000_000, None), date(2026, 12, 31)) == 0
    warning = _unpaid(0, date(2026, 3, 20))
    warning.warning_only = True
    assert rules.surcharge(warning, date(2026, 12, 31)) == 0


def test_a_partial_payment_lowers_the_base_from_the_next_day(w):
    # given a 5.000.000 đ decision (red light) due Friday 20/03/2026, payable in instalments (set
    # directly: Art. 79's minimum fine is tested in test_services; here only the base matters)
    record = make_record(w, behaviour_codes=[RED_LIGHT])
    decision = make_decision(
        w,
        record=record,
        issued_at=VIOLATED_AT.replace(hour=11),
        delivered_on=date(2026, 3, 10),
    )
    PenaltyDecision.objects.filter(pk=decision.pk).update(instalments_allowed=True)
    decision.refresh_from_db()
    assert decision.payment_due_on == date(2026, 3, 20)
    # when 2.000.000 đ is paid on 22/03 (two days late: 2.500 đ a day so far)
    payment, _ = payment_record(
        decision=decision,
        amount=2_000_000,
        channel="counter",
        officer=w.receptionist,
        received_at=datetime(2026, 3, 22, 9, 0, tzinfo=VN),
    )
    decision.refresh_from_db()
    # then the fine is paid first, and from 23/03 the surcharge runs on 3.000.000 đ (1.500 đ a day)
    assert (payment.fine_part, payment.surcharge_part) == (2_000_000, 0)
    assert rules.surcharge(decision, date(2026, 3, 22)) == 5_000
    assert rules.surcharge(decision, date(2026, 3, 24)) == 5_000 + 3_000
    assert rules.amount_due_on(decision, date(2026, 3, 24)) == (3_000_000, 8_000, 3_008_000)


def test_the_total_is_written_in_vietnamese_words(w):
    # the words under the figures come from antt.core.money
    assert money_in_words(37_500_000) == "Ba mươi bảy triệu năm trăm nghìn đồng"
    assert money_in_words(500_000) == "Năm trăm nghìn đồng"
    assert money_in_words(5_002_500) == "Năm triệu không trăm linh hai nghìn năm trăm đồng"
