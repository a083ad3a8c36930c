"""The legal rules of administrative violations, read from the versioned data.

Nothing here holds a number the law sets: fine ranges come from `Behaviour`, field maxima from
`FineField`, powers from `FiningTitle`, deadlines, rates and limits from `LegalParameter`
(keys in `PARAMETERS`), each row valid on given dates. The functions only apply the rules:

* the fine of one behaviour (Luật XLVPHC 15/2012/QH13 Art. 23(4); Nghị định 118/2021/NĐ-CP
  Art. 9(1)): the mean of the range by default; one mitigating circumstance cancels one
  aggravating one; what remains moves the fine inside the range, never outside it;
* the issuer's authority (Art. 52(2) and Nghị định 189/2025/NĐ-CP Art. 8): a title may fine up
  to its share of the field's maximum (Art. 24), judged per behaviour by the maximum of that
  behaviour's range;
* deadlines: the decision (Art. 66(1)), the payment (Art. 73(1)), custody (Art. 125(8));
* the late-payment surcharge (Art. 78(1)): 0.05% of the unpaid fine per day late.

Dates: a behaviour's range is the one in force on the day of the violation; an issuer's power
is the one in force on the day the decision is issued (powers are procedure, the range is the
substance of the rule; Luật Ban hành văn bản quy phạm pháp luật: a rule applies to acts done
while it is in force).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ImproperlyConfigured
from django.db.models import BigIntegerField, Case, F, Q, QuerySet, When

from antt.core import calendar
from antt.core.money import format_vnd
from antt.violations.models import (
    Behaviour,
    Circumstance,
    FineField,
    FiningTitle,
    LegalParameter,
    OfficerFiningTitle,
    Subject,
)


class ViolationError(Exception):
    """A refusal with a Vietnamese message shown as is, and the HTTP status it maps to
    (400 bad input, 403 no authority, 404 not found, 409 wrong state, 422 a value the law refuses)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


# Every LegalParameter key the code reads: key -> (unit, what it is). The values, their legal
# basis and validity are data (violations/data/parameters.yaml).
PARAMETERS: dict[str, tuple[str, str]] = {
    "decision_days": ("ngày làm việc", "Thời hạn ra quyết định xử phạt kể từ ngày lập biên bản (Điều 66 khoản 1)"),
    "decision_months_explained": (
        "tháng",
        "Thời hạn ra quyết định khi cá nhân, tổ chức giải trình hoặc vụ việc phức tạp (Điều 66 khoản 1)",
    ),
    "decision_months_max": ("tháng", "Thời hạn ra quyết định tối đa khi được gia hạn (Điều 66 khoản 1)"),
    "decision_days_transferred": (
        "ngày làm việc",
        "Thời hạn ra quyết định khi phải chuyển hồ sơ đến người có thẩm quyền (Điều 66 khoản 1, sửa đổi 2020)",
    ),
    "transfer_days": ("ngày làm việc", "Thời hạn chuyển biên bản cho người có thẩm quyền (Điều 58 khoản 5)"),
    "explanation_request_days": ("ngày làm việc", "Thời hạn yêu cầu giải trình trực tiếp (Điều 61 khoản 3)"),
    "explanation_written_days": ("ngày làm việc", "Thời hạn giải trình bằng văn bản (Điều 61 khoản 2)"),
    "payment_days": ("ngày", "Thời hạn chấp hành quyết định xử phạt kể từ ngày nhận (Điều 73 khoản 1)"),
    "surcharge_per_100000_per_day": (
        "đồng/100.000 đồng/ngày",
        "Tiền chậm nộp phạt mỗi ngày trên 100.000 đồng tiền phạt chưa nộp (0,05%, Điều 78 khoản 1)",
    ),
    "seizure_days": ("ngày làm việc", "Thời hạn tạm giữ tang vật, phương tiện (Điều 125 khoản 8)"),
    "seizure_months_complex": ("tháng", "Thời hạn tạm giữ với vụ việc phức tạp (Điều 125 khoản 8)"),
    "seizure_months_max": ("tháng", "Thời hạn tạm giữ tối đa khi được gia hạn (Điều 125 khoản 8)"),
    "spot_fine_max_person": ("đồng", "Mức phạt tiền tối đa xử phạt không lập biên bản với cá nhân (Điều 56)"),
    "spot_fine_max_organisation": ("đồng", "Mức phạt tiền tối đa xử phạt không lập biên bản với tổ chức (Điều 56)"),
    "suspension_min_months": ("tháng", "Thời hạn tước quyền sử dụng giấy phép tối thiểu (Điều 25)"),
    "suspension_max_months": ("tháng", "Thời hạn tước quyền sử dụng giấy phép tối đa (Điều 25)"),
    "instalment_min_fine_person": ("đồng", "Mức phạt tối thiểu để được nộp phạt nhiều lần, cá nhân (Điều 79 khoản 1)"),
    "instalment_min_fine_organisation": (
        "đồng",
        "Mức phạt tối thiểu để được nộp phạt nhiều lần, tổ chức (Điều 79 khoản 1)",
    ),
    "instalment_max_months": ("tháng", "Thời hạn nộp tiền phạt nhiều lần (Điều 79 khoản 2)"),
    "instalment_max_count": ("lần", "Số lần nộp tiền phạt tối đa (Điều 79 khoản 2)"),
    "instalment_first_percent": ("%", "Lần nộp đầu tối thiểu, phần trăm tổng tiền phạt (Điều 79 khoản 2)"),
    "due_soon_days": (
        "ngày",
        "Số ngày trước hạn để cảnh báo sắp đến hạn (quy ước nội bộ, không phải quy định pháp luật)",
    ),
}


def parameter(key: str, on: date) -> int:
    """The value of a legal parameter in force on `on` (ImproperlyConfigured when missing)."""
    if key not in PARAMETERS:
        raise ImproperlyConfigured(f"Unknown legal parameter {key!r}: add it to violations.rules.PARAMETERS.")
    row = (
        LegalParameter.objects.filter(LegalParameter.valid_on(on), key=key)
        .order_by("-valid_from")
        .values_list("value", flat=True)
        .first()
    )
    if row is None:
        raise ImproperlyConfigured(
            f"Legal parameter {key!r} has no value valid on {on:%d/%m/%Y}: run load_violation_rules."
        )
    return int(row)


def _day(value: date | datetime) -> date:
    return calendar.local(value).date() if isinstance(value, datetime) else value


# --- the catalogue --------------------------------------------------------------------------


def behaviours_on(day: date | datetime) -> QuerySet[Behaviour]:
    """The behaviours in force on `day` (the day of the violation)."""
    return Behaviour.objects.filter(Behaviour.valid_on(_day(day))).select_related("decree", "stat_group")


def behaviour_on(code: str, day: date | datetime) -> Behaviour:
    """The behaviour `code` as in force on `day`, else ViolationError 422."""
    behaviour = behaviours_on(day).filter(code=code).first()
    if behaviour is None:
        exists = Behaviour.objects.filter(code=code).exists()
        when = f"{_day(day):%d/%m/%Y}"
        if exists:
            raise ViolationError(f"Hành vi {code} không có hiệu lực vào ngày vi phạm ({when}).", 422)
        raise ViolationError(f"Không tìm thấy hành vi vi phạm có mã {code}.", 422)
    return behaviour


def fine_range(behaviour: Behaviour, subject: str) -> tuple[int, int]:
    """(minimum, maximum) of the behaviour's fine for a person or an organisation.

    Luật XLVPHC Art. 23(2) (as amended 2020): the decrees' amounts are for an individual; an
    organisation pays twice as much for the same behaviour (the decree's multiplier), unless
    the decree gives organisations their own range.
    """
    if subject == Subject.ORGANISATION:
        if behaviour.organisation_fine_min is not None and behaviour.organisation_fine_max is not None:
            return int(behaviour.organisation_fine_min), int(behaviour.organisation_fine_max)
        k = behaviour.decree.organisation_multiplier
        return int(behaviour.fine_min) * k, int(behaviour.fine_max) * k
    return int(behaviour.fine_min), int(behaviour.fine_max)


@dataclass(frozen=True)
class FineDecision:
    """The fine for one behaviour: the range, the legal default, the band the circumstances
    allow, the amount chosen and, in words, the rule applied."""

    amount: int
    minimum: int
    maximum: int
    default: int
    allowed_min: int
    allowed_max: int
    rule: str


def _known_circumstances(codes: list[str], kind: str) -> list[str]:
    codes = list(dict.fromkeys(c.strip() for c in codes or [] if c and c.strip()))
    if not codes:
        return []
    known = set(Circumstance.objects.filter(kind=kind, code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        label = "giảm nhẹ" if kind == Circumstance.Kind.MITIGATING else "tăng nặng"
        raise ViolationError(f"Tình tiết {label} không hợp lệ: {', '.join(unknown)}.", 422)
    return codes


def _round_thousand_towards(value: int, target: int) -> int:
    """`value` rounded to a whole thousand đồng, towards `target` (stays inside the band)."""
    if value % 1000 == 0:
        return value
    return (value // 1000) * 1000 + (1000 if target > value else 0)


def fine_for(
    behaviour: Behaviour,
    *,
    subject: str,
    mitigating: list[str] = (),
    aggravating: list[str] = (),
    amount: int | None = None,
    warning: bool = False,
) -> FineDecision:
    """The fine for one behaviour, checked against the range and the circumstances.

    Luật XLVPHC Art. 23(4) and Nghị định 118/2021/NĐ-CP Art. 9(1): the fine is the mean of the
    range; one mitigating circumstance cancels one aggravating one (point c); with one
    mitigating circumstance left the fine may go down, not below the minimum; with two or more,
    it is the minimum (point a); symmetrically for aggravating ones and the maximum (point b).
    With one circumstance left the officer chooses inside the band; without an amount the
    suggestion is the middle of the band, to the thousand (not law: a starting value).
    """
    mitigating = _known_circumstances(list(mitigating), Circumstance.Kind.MITIGATING)
    aggravating = _known_circumstances(list(aggravating), Circumstance.Kind.AGGRAVATING)
    minimum, maximum = fine_range(behaviour, subject)
    default = (minimum + maximum) // 2
    if warning:
        if not behaviour.warning_allowed:
            raise ViolationError(f"Hành vi “{behaviour.short_name}” không được áp dụng hình thức cảnh cáo.", 422)
        if amount:
            raise ViolationError("Phạt cảnh cáo thì không kèm phạt tiền cho cùng hành vi.", 422)
        return FineDecision(0, minimum, maximum, default, 0, 0, "Phạt cảnh cáo (Điều 22 Luật XLVPHC).")
    net = len(mitigating) - len(aggravating)
    if net == 0:
        low = high = suggested = default
        rule = "Mức trung bình của khung tiền phạt"
        if mitigating:
            rule += f" ({len(mitigating)} tình tiết giảm nhẹ được giảm trừ bằng {len(aggravating)} tình tiết tăng nặng)"
    elif net == 1:
        low, high = minimum, default
        suggested = _round_thousand_towards((low + high) // 2, high)
        rule = "Có 01 tình tiết giảm nhẹ: từ mức tối thiểu đến mức trung bình của khung"
    elif net >= 2:
        low = high = suggested = minimum
        rule = "Có từ 02 tình tiết giảm nhẹ trở lên: mức tối thiểu của khung"
    elif net == -1:
        low, high = default, maximum
        suggested = _round_thousand_towards((low + high) // 2, low)
        rule = "Có 01 tình tiết tăng nặng: từ mức trung bình đến mức tối đa của khung"
    else:
        low = high = suggested = maximum
        rule = "Có từ 02 tình tiết tăng nặng trở lên: mức tối đa của khung"
    rule += " (Điều 23 Luật XLVPHC; Điều 9 Nghị định 118/2021/NĐ-CP)."
    if amount is None:
        amount = suggested
    try:
        amount = int(amount)
    except (TypeError, ValueError):
        raise ViolationError("Mức phạt tiền phải là số nguyên (đồng).", 422) from None
    if not low <= amount <= high:
        band = format_vnd(low) if low == high else f"từ {format_vnd(low)} đến {format_vnd(high)}"
        raise ViolationError(
            f"Mức phạt {format_vnd(amount)} không đúng quy định cho hành vi “{behaviour.short_name}”: "
            f"với các tình tiết đã nêu, mức phạt phải là {band}.",
            422,
        )
    return FineDecision(amount, minimum, maximum, default, low, high, rule)


# --- fining powers --------------------------------------------------------------------------


@dataclass(frozen=True)
class Power:
    """What an officer's title allows on a day (Nghị định 189/2025/NĐ-CP Art. 8; before
    01/07/2025 Luật XLVPHC Art. 39 as amended)."""

    title: FiningTitle
    percent: Decimal
    cap_amount: int | None
    may_warn: bool
    may_suspend: bool
    may_confiscate: bool
    may_expel: bool

    @property
    def name(self) -> str:
        return self.title.name


def officer_power(user, on: date | datetime) -> Power:
    """The fining power of `user` on `on`, else ViolationError 403."""
    day = _day(on)
    assignment = OfficerFiningTitle.objects.filter(user=user).first() if getattr(user, "pk", None) else None
    if assignment is None or (assignment.since and assignment.since > day):
        raise ViolationError("Bạn chưa được giao thẩm quyền xử phạt.", 403)
    title = (
        FiningTitle.objects.filter(FiningTitle.valid_on(day), code=assignment.title_code)
        .order_by("-valid_from")
        .first()
    )
    if title is None:
        raise ViolationError(
            f"Chức danh của bạn không có thẩm quyền xử phạt theo quy định có hiệu lực ngày {day:%d/%m/%Y}.", 403
        )
    return Power(
        title=title,
        percent=Decimal(title.percent),
        cap_amount=title.cap_amount,
        may_warn=title.may_warn,
        may_suspend=title.may_suspend,
        may_confiscate=title.may_confiscate,
        may_expel=title.may_expel,
    )


def fine_field(code: str, on: date | datetime) -> FineField:
    row = FineField.objects.filter(FineField.valid_on(_day(on)), code=code).order_by("-valid_from").first()
    if row is None:
        raise ImproperlyConfigured(f"No maximum fine for field {code!r} valid on {_day(on)}: run load_violation_rules.")
    return row


def power_limit(power: Power, fine_field_code: str, subject: str, on: date | datetime) -> int:
    """The largest fine the title may impose in the field: its percent of the field's maximum
    (Luật XLVPHC Art. 24 for the maximum; the organisation's maximum for an organisation),
    capped by the title's absolute amount when the rule in force has one (scaled for an
    organisation as the field's maxima are: twice, Art. 24(2), read from the data). Rounded down."""
    row = fine_field(fine_field_code, on)
    field_max = row.organisation_max if subject == Subject.ORGANISATION else row.individual_max
    limit = int((Decimal(field_max) * power.percent / 100).to_integral_value(rounding=ROUND_DOWN))
    if power.cap_amount is not None:
        cap = power.cap_amount
        if subject == Subject.ORGANISATION and row.individual_max:
            cap = cap * row.organisation_max // row.individual_max
        limit = min(limit, int(cap))
    return limit


def _line_parts(line):
    """(behaviour, warning, suspension_months) of a line: a Behaviour, or an object with them."""
    if isinstance(line, Behaviour):
        return line, False, None
    return line.behaviour, bool(getattr(line, "warning", False)), getattr(line, "suspension_months", None)


def check_authority(power: Power, lines, subject: str, on: date | datetime) -> None:
    """Raise ViolationError 403 unless the title may decide every line.

    Luật XLVPHC Art. 52(2): authority is judged for each behaviour by the maximum of its own
    fine range (not by the amount chosen, nor by the total of several behaviours). A warning needs `may_warn`, a licence suspension `may_suspend`.
    """
    for line in lines:
        behaviour, warning, suspension = _line_parts(line)
        if warning:
            if not power.may_warn:
                raise ViolationError(f"Chức danh “{power.name}” không có thẩm quyền phạt cảnh cáo.", 403)
        else:
            _minimum, maximum = fine_range(behaviour, subject)
            limit = power_limit(power, behaviour.fine_field_code, subject, on)
            if maximum > limit:
                raise ViolationError(
                    f"Vượt thẩm quyền: hành vi “{behaviour.short_name}” có mức phạt tối đa {format_vnd(maximum)}, "
                    f"chức danh “{power.name}” chỉ được phạt tiền đến {format_vnd(limit)}. "
                    "Chuyển hồ sơ cho người có thẩm quyền (Điều 58 khoản 5 Luật XLVPHC).",
                    403,
                )
        if suspension and not power.may_suspend:
            raise ViolationError(
                f"Chức danh “{power.name}” không có thẩm quyền tước quyền sử dụng giấy phép, chứng chỉ hành nghề.",
                403,
            )


def suspension_bounds(behaviour: Behaviour, on: date | datetime) -> tuple[int, int] | None:
    """The months of suspension the behaviour allows, inside Art. 25's general bounds; None
    when the behaviour carries no suspension."""
    if behaviour.suspension_min_months is None and behaviour.suspension_max_months is None:
        return None
    low = max(behaviour.suspension_min_months or 0, parameter("suspension_min_months", on))
    high = min(behaviour.suspension_max_months or 10**6, parameter("suspension_max_months", on))
    return low, high


# --- deadlines ------------------------------------------------------------------------------


def decision_due_on(record) -> date:
    """The last day to issue the decision on a record (Luật XLVPHC Art. 66(1)).

    7 working days counted from the day after the record was made; 10 working days when the
    file had to go to the competent person (a transferred record; the 2020 amendment, when the
    data has that parameter for the day); one month when the violator asks to explain or the
    case is complex (the extension to 2 months at most is a decision of the head, recorded on
    the record, not computed here).
    """
    made_on = _day(record.made_at)
    if record.explanation_requested or record.complex_case:
        return made_on + relativedelta(months=parameter("decision_months_explained", made_on))
    if getattr(record, "transferred_to_id", None):
        try:
            return calendar.add_working_days(made_on, parameter("decision_days_transferred", made_on))
        except ImproperlyConfigured:
            pass  # before the 2020 amendment: the general time limit
    return calendar.add_working_days(made_on, parameter("decision_days", made_on))


def decision_max_due_on(record) -> date:
    made_on = _day(record.made_at)
    return made_on + relativedelta(months=parameter("decision_months_max", made_on))


def transfer_due_on(record) -> date:
    """The last day to hand a record beyond the maker's power to the competent person (Art. 58(5))."""
    made_on = _day(record.made_at)
    return calendar.add_working_days(made_on, parameter("transfer_days", made_on))


def _end_of_period(day: date) -> date:
    """Bộ luật Dân sự 2015 Art. 148(5): a period whose last day is a weekend or a holiday ends
    at the end of the next working day (Luật XLVPHC Art. 8 sends the counting of periods to the
    Civil Code unless the law says working days)."""
    return day if calendar.is_working_day(day) else calendar.next_working_day(day)


def payment_due_on(delivered_on: date) -> date:
    """The last day to pay: 10 days from the day the decision was received (Luật XLVPHC
    Art. 73(1)), calendar days counted from the day after; moved to the next working day when it
    falls on a day off (Bộ luật Dân sự Art. 148(5))."""
    return _end_of_period(delivered_on + timedelta(days=parameter("payment_days", delivered_on)))


def hold_until(seized_at: date | datetime, *, complex: bool = False) -> date:
    """The last day of custody (Luật XLVPHC Art. 125(8)): 7 working days from the seizure, one
    month for a complex case (extensions up to two months are a decision of the head)."""
    day = _day(seized_at)
    if complex:
        return day + relativedelta(months=parameter("seizure_months_complex", day))
    return calendar.add_working_days(day, parameter("seizure_days", day))


def spot_fine_limit(subject: str, on: date | datetime) -> int:
    """The largest fine without a record (Luật XLVPHC Art. 56(1))."""
    key = "spot_fine_max_organisation" if subject == Subject.ORGANISATION else "spot_fine_max_person"
    return parameter(key, _day(on))


def spot_behaviours(day: date | datetime, subject: str) -> QuerySet[Behaviour]:
    """The behaviours in force on `day` that a decision without a record may cover for `subject`
    (Luật XLVPHC Art. 56(1): a warning, or a fine up to `spot_fine_limit` of that subject on that
    day, as the dated parameters say): those that allow a warning, and those whose minimum fine
    for that subject (`fine_range`) is within the limit. The organisation's minimum is its own
    when the decree gives both ends of an organisation range, else the individual's times the
    decree's multiplier."""
    limit = spot_fine_limit(subject, day)
    qs = behaviours_on(day)
    if subject != Subject.ORGANISATION:
        return qs.filter(Q(fine_min__lte=limit) | Q(warning_allowed=True))
    own_range = Q(organisation_fine_min__isnull=False, organisation_fine_max__isnull=False)
    return qs.alias(
        subject_min=Case(
            When(own_range, then=F("organisation_fine_min")),
            default=F("fine_min") * F("decree__organisation_multiplier"),
            output_field=BigIntegerField(),
        )
    ).filter(Q(subject_min__lte=limit) | Q(warning_allowed=True))


def instalments_check(subject: str, total_fine: int, on: date | datetime) -> None:
    """Paying in instalments needs a fine of at least the Art. 79(1) amount (ViolationError 422)."""
    key = "instalment_min_fine_organisation" if subject == Subject.ORGANISATION else "instalment_min_fine_person"
    minimum = parameter(key, _day(on))
    if total_fine < minimum:
        who = "tổ chức" if subject == Subject.ORGANISATION else "cá nhân"
        raise ViolationError(
            f"Chỉ được nộp tiền phạt nhiều lần khi {who} bị phạt từ {format_vnd(minimum)} trở lên "
            "(khoản 1 Điều 79 Luật Xử lý vi phạm hành chính).",
            422,
        )


def instalment_payment_check(decision, *, amount: int, total_due: int, earlier_payments: int, on: date) -> None:
    """A payment short of everything due, on a decision that allows instalments (Art. 79(2)): the
    first at least the set share of the fine, at most the set number of payments (the last one
    settles everything), all within the set months from the decision."""
    count = parameter("instalment_max_count", on)
    if earlier_payments + 1 >= count:
        raise ViolationError(
            f"Đây là lần nộp thứ {earlier_payments + 1}: phải nộp đủ số còn lại {format_vnd(total_due)} "
            f"(nộp tiền phạt nhiều lần không quá {count} lần, khoản 2 Điều 79).",
            422,
        )
    months = parameter("instalment_max_months", on)
    start = decision.delivered_on or decision.issued_on
    if on > start + relativedelta(months=months):
        raise ViolationError(
            f"Đã quá {months} tháng nộp tiền phạt nhiều lần: phải nộp đủ {format_vnd(total_due)} (khoản 2 Điều 79).",
            422,
        )
    if earlier_payments == 0:
        percent = parameter("instalment_first_percent", on)
        first = -(-int(decision.total_fine) * percent // 100)  # rounded up to the đồng
        if amount < first:
            raise ViolationError(
                f"Lần nộp đầu phải từ {percent}% tổng tiền phạt, tức ít nhất {format_vnd(first)} (khoản 2 Điều 79).",
                422,
            )


# --- money due ------------------------------------------------------------------------------


def _fine_paid_before(decision, day: date, payments=None) -> int:
    """Fine (not surcharge) paid on days strictly before `day`."""
    rows = payments if payments is not None else _payments(decision)
    return sum(fine for received_on, fine in rows if received_on < day)


def _payments(decision) -> list[tuple[date, int]]:
    if decision.pk is None:
        return []
    return [
        (calendar.local(at).date(), int(fine))
        for at, fine in decision.payments.values_list("received_at", "fine_part").order_by("received_at")
    ]


def surcharge(decision, on: date, *, payments=None, rates=None) -> int:
    """The late-payment surcharge owed on `on` (Luật XLVPHC Art. 78(1)), in whole đồng.

    Day by day, from the day after `payment_due_on` to `on` inclusive, each day counts the rate
    (`surcharge_per_100000_per_day`, 50 = 0.05%) on the fine still unpaid at the start of that
    day: a partial payment lowers the base from the next day. The exact sum is rounded down to
    the đồng once, at the end (never per day), so the violator never pays a rounding excess.

    `payments` ((local day, fine part) in order) and `rates` (from `_rates`) may be given by a
    caller that computes many decisions at once (`amounts_due_on`); else they are read here.
    """
    due = decision.payment_due_on
    if due is None or on <= due or decision.warning_only:
        return 0
    rows = payments if payments is not None else _payments(decision)
    if rates is None:
        rates = _rates("surcharge_per_100000_per_day", due + timedelta(days=1), on)
    total = int(decision.total_fine)
    numerator = 0
    day = due + timedelta(days=1)
    while day <= on:
        unpaid = total - _fine_paid_before(decision, day, rows)
        if unpaid <= 0:
            break
        numerator += unpaid * _rate_on(rates, day)
        day += timedelta(days=1)
    return numerator // 100_000


def _rates(key: str, start: date, end: date) -> list[tuple[date, date | None, int]]:
    """The rows of a parameter that overlap [start, end], newest first (one query for a span)."""
    rows = [
        (r.valid_from, r.valid_to, int(r.value))
        for r in LegalParameter.objects.filter(key=key, valid_from__lte=end).order_by("-valid_from")
        if r.valid_to is None or r.valid_to > start
    ]
    return rows


def _rate_on(rows, day: date) -> int:
    for valid_from, valid_to, value in rows:
        if valid_from <= day and (valid_to is None or valid_to > day):
            return value
    raise ImproperlyConfigured(f"Legal parameter surcharge_per_100000_per_day has no value valid on {day}.")


def amount_due_on(decision, on: date, *, payments=None, rates=None) -> tuple[int, int, int]:
    """(fine still unpaid, surcharge still unpaid, total) on `on`."""
    fine_due = max(int(decision.total_fine) - int(decision.amount_paid), 0)
    owed = surcharge(decision, on, payments=payments, rates=rates)
    surcharge_due = max(owed - int(decision.surcharge_paid), 0)
    return fine_due, surcharge_due, fine_due + surcharge_due


def amounts_due_on(decisions, on: date) -> dict[int, tuple[int, int, int]]:
    """`amount_due_on` for many decisions (pk -> amounts) in at most two queries, both only
    when one of them is late: their payments, and the surcharge rates since the earliest
    deadline. A list (the public lookup by plate) then costs the same for 1 or 50 fines."""
    late = [d for d in decisions if d.payment_due_on and on > d.payment_due_on and not d.warning_only]
    paid: dict[int, list[tuple[date, int]]] = {d.pk: [] for d in late}
    rates = None
    if late:
        from antt.violations.models import FinePayment

        rows = (
            FinePayment.objects.filter(decision__in=[d.pk for d in late])
            .order_by("received_at")
            .values_list("decision_id", "received_at", "fine_part")
        )
        for decision_id, at, fine in rows:
            paid[decision_id].append((calendar.local(at).date(), int(fine)))
        start = min(d.payment_due_on for d in late) + timedelta(days=1)
        rates = _rates("surcharge_per_100000_per_day", start, on)
    # a decision not late owes no surcharge: `surcharge` returns before reading either
    return {d.pk: amount_due_on(d, on, payments=paid.get(d.pk, []), rates=rates) for d in decisions}
