"""Builders for violation tests: two commune police units, officers with fining titles, and a
small deterministic rule set created directly (not the real catalogue), so that tests stay
stable when the law data in `violations/data/` changes.

    from antt.violations.tests.factories import violations_world, person, make_record, make_decision
    w = violations_world()
    record = make_record(w)                     # a helmet violation in w.unit, by w.officer
    decision = make_decision(w, record=record)  # the mean of 400.000–600.000 đ

The rule set (codes prefixed "t" so they never collide with the real catalogue):

| code | decree | valid | fine (person) | notes |
| --- | --- | --- | --- | --- |
| `t168:helmet` | T168 road | 2025-01-01 → | 400.000–600.000 | stat "4" |
| `t168:red_light_moto` | T168 | 2025-01-01 → | 4.000.000–6.000.000 | |
| `t168:phone_moto` | T168 | 2025-01-01 → | 2.000.000–3.000.000 | |
| `t168:alcohol_car` | T168 | 2025-01-01 → | 30.000.000–40.000.000 | suspension 22–24 months |
| `t168:pedestrian` | T168 | 2025-01-01 → | 150.000–250.000 | small enough for a fine on the spot |
| `t100:helmet` | T100 road | 2020-01-01 → 2025-01-01 | 200.000–300.000 | |
| `t282:residence` | T282 security | 2025-12-15 → | warning or 500.000–1.000.000 | stat "1.1" |
| `t144:residence` | T144 security | 2022-01-01 → 2025-12-15 | 500.000–1.000.000 | no warning |
| `t282:business` | T282 | 2025-12-15 → | 5.000.000–10.000.000; organisation 12.000.000–18.000.000 | own range |

Fields (maximum person / organisation): `road_traffic` 75.000.000 / 150.000.000,
`security_order` 40.000.000 / 80.000.000. Titles (code: before 01/07/2025, from 01/07/2025):
`officer_on_duty` 1% capped 500.000 then 10%; `commune_police_chief` 5% capped 2.500.000 then
50% (may suspend); `provincial_director` 100% (may suspend, expel). Parameters: the values of the
contract (7 working days, 1 month, 10 days, 50 đ per 100.000 đ per day, 250.000 đ / 500.000 đ...).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from antt.org.models import Role, Unit, User
from antt.org.tests.factories import make_officer, make_unit
from antt.violations.models import (
    Behaviour,
    Circumstance,
    Decree,
    FineField,
    FiningTitle,
    LegalParameter,
    OfficerFiningTitle,
    StatGroup,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# A Tuesday, after every current rule took effect: the default day of a test violation.
VIOLATED_AT = datetime(2026, 3, 10, 9, 0, tzinfo=VN)
LAW_START = date(2013, 7, 1)  # Luật XLVPHC 15/2012/QH13 in force
POWERS_CHANGE = date(2025, 7, 1)  # Nghị định 189/2025/NĐ-CP in force

PARAMETER_VALUES = {
    "decision_days": 7,
    "decision_months_explained": 1,
    "decision_months_max": 2,
    "transfer_days": 2,
    "decision_days_transferred": 10,
    "explanation_request_days": 2,
    "explanation_written_days": 5,
    "payment_days": 10,
    "surcharge_per_100000_per_day": 50,
    "seizure_days": 7,
    "seizure_months_complex": 1,
    "seizure_months_max": 2,
    "spot_fine_max_person": 250_000,
    "spot_fine_max_organisation": 500_000,
    "suspension_min_months": 1,
    "suspension_max_months": 24,
    "due_soon_days": 2,
    "instalment_min_fine_person": 15_000_000,
    "instalment_min_fine_organisation": 150_000_000,
    "instalment_max_months": 6,
    "instalment_max_count": 3,
    "instalment_first_percent": 40,
}

HELMET = "t168:helmet"
RED_LIGHT = "t168:red_light_moto"
PHONE = "t168:phone_moto"
ALCOHOL_CAR = "t168:alcohol_car"
PEDESTRIAN = "t168:pedestrian"
OLD_HELMET = "t100:helmet"
RESIDENCE = "t282:residence"
OLD_RESIDENCE = "t144:residence"
BUSINESS = "t282:business"

_seq = itertools.count(1)


@dataclass
class ViolationsWorld:
    province: Unit
    unit: Unit
    other_unit: Unit
    officer: User  # chiến sĩ on duty (10% from 01/07/2025), processor of `unit`
    chief: User  # Trưởng Công an xã (50%), head of `unit`
    director: User  # Giám đốc Công an tỉnh (100%), head at the province
    processor: User  # a processor of `unit` without a fining title
    receptionist: User  # takes payments at the counter of `unit`
    other_officer: User  # chiến sĩ of `other_unit`
    supervisor: User  # reads across the province, changes nothing
    road: StatGroup
    residence: StatGroup
    decree_road: Decree
    decree_road_old: Decree
    decree_security: Decree
    decree_security_old: Decree

    def behaviour(self, code: str) -> Behaviour:
        return Behaviour.objects.get(code=code)


def _rules() -> dict:
    def valid(start=LAW_START, end=None, basis="Dữ liệu kiểm thử"):
        return {"valid_from": start, "valid_to": end, "legal_basis": basis}

    road = StatGroup.objects.create(
        code="4", field_no=4, field_name="Giao thông đường bộ, đường sắt", name="", order=40
    )
    residence = StatGroup.objects.create(
        code="1.1", field_no=1, field_name="An ninh, trật tự, an toàn xã hội", name="Cư trú, CMND", order=11
    )
    FineField.objects.create(
        code="road_traffic",
        name="Giao thông đường bộ",
        individual_max=75_000_000,
        organisation_max=150_000_000,
        **valid(),
    )
    FineField.objects.create(
        code="security_order",
        name="An ninh, trật tự, an toàn xã hội",
        individual_max=40_000_000,
        organisation_max=80_000_000,
        **valid(),
    )
    decree_road_old = Decree.objects.create(
        code="T100/2019", title="Giao thông đường bộ (cũ, thử)", **valid(date(2020, 1, 1), date(2025, 1, 1))
    )
    decree_road = Decree.objects.create(
        code="T168/2024", title="Giao thông đường bộ (thử)", replaces=decree_road_old, **valid(date(2025, 1, 1))
    )
    decree_security_old = Decree.objects.create(
        code="T144/2021", title="An ninh, trật tự (cũ, thử)", **valid(date(2022, 1, 1), date(2025, 12, 15))
    )
    decree_security = Decree.objects.create(
        code="T282/2025", title="An ninh, trật tự (thử)", replaces=decree_security_old, **valid(date(2025, 12, 15))
    )

    def behaviour(code, decree, group, field, article, clause, point, name, low, high, **extra):
        return Behaviour.objects.create(
            code=code,
            decree=decree,
            stat_group=group,
            fine_field_code=field,
            article=article,
            clause=clause,
            point=point,
            short_name=name,
            description=name,
            fine_min=low,
            fine_max=high,
            valid_from=decree.valid_from,
            valid_to=decree.valid_to,
            legal_basis=f"Nghị định {decree.code}",
            confidence="test",
            **extra,
        )

    behaviour(
        HELMET,
        decree_road,
        road,
        "road_traffic",
        7,
        2,
        "h",
        "Không đội mũ bảo hiểm khi điều khiển xe mô tô",
        400_000,
        600_000,
        vehicle_related=True,
    )
    behaviour(
        RED_LIGHT,
        decree_road,
        road,
        "road_traffic",
        7,
        7,
        "c",
        "Không chấp hành hiệu lệnh của đèn tín hiệu",
        4_000_000,
        6_000_000,
        vehicle_related=True,
        licence_points=4,
    )
    behaviour(
        PHONE,
        decree_road,
        road,
        "road_traffic",
        7,
        6,
        "a",
        "Dùng điện thoại khi điều khiển xe mô tô",
        2_000_000,
        3_000_000,
        vehicle_related=True,
    )
    behaviour(
        ALCOHOL_CAR,
        decree_road,
        road,
        "road_traffic",
        6,
        11,
        "a",
        "Điều khiển ô tô có nồng độ cồn vượt quá 0,4 miligam/lít khí thở",
        30_000_000,
        40_000_000,
        vehicle_related=True,
        suspension_min_months=22,
        suspension_max_months=24,
    )
    behaviour(
        PEDESTRIAN,
        decree_road,
        road,
        "road_traffic",
        11,
        1,
        "a",
        "Người đi bộ không chấp hành hiệu lệnh, chỉ dẫn của đèn tín hiệu",
        150_000,
        250_000,
    )
    behaviour(
        OLD_HELMET,
        decree_road_old,
        road,
        "road_traffic",
        6,
        2,
        "i",
        "Không đội mũ bảo hiểm (quy định cũ)",
        200_000,
        300_000,
        vehicle_related=True,
    )
    behaviour(
        RESIDENCE,
        decree_security,
        residence,
        "security_order",
        10,
        1,
        "a",
        "Không thực hiện đúng quy định về đăng ký cư trú",
        500_000,
        1_000_000,
        warning_allowed=True,
    )
    behaviour(
        OLD_RESIDENCE,
        decree_security_old,
        residence,
        "security_order",
        9,
        1,
        "a",
        "Không thực hiện đúng quy định về đăng ký cư trú (quy định cũ)",
        500_000,
        1_000_000,
    )
    behaviour(
        BUSINESS,
        decree_security,
        residence,
        "security_order",
        12,
        3,
        "b",
        "Kinh doanh ngành nghề có điều kiện không đủ điều kiện",
        5_000_000,
        10_000_000,
        organisation_fine_min=12_000_000,
        organisation_fine_max=18_000_000,
    )

    for i, text in enumerate(
        [
            "Người vi phạm đã tự nguyện khai báo, thành thật hối lỗi",
            "Người vi phạm đã ngăn chặn, làm giảm bớt hậu quả",
            "Vi phạm do bị ép buộc",
        ],
        start=1,
    ):
        Circumstance.objects.create(kind="mitigating", code=f"GN{i}", text=text, order=i, **valid())
    for i, text in enumerate(
        ["Vi phạm có tổ chức", "Vi phạm nhiều lần; tái phạm", "Chống đối người thi hành công vụ"], start=1
    ):
        Circumstance.objects.create(kind="aggravating", code=f"TN{i}", text=text, order=i, **valid())
    for key, value in PARAMETER_VALUES.items():
        LegalParameter.objects.create(key=key, value=value, unit="", description=key, **valid())

    def title(code, name, rank, old_percent, old_cap, new_percent, **powers):
        FiningTitle.objects.create(
            code=code,
            name=f"{name} (trước 01/07/2025)",
            percent=old_percent,
            cap_amount=old_cap,
            rank=rank,
            **powers,
            **valid(LAW_START, POWERS_CHANGE),
        )
        FiningTitle.objects.create(
            code=code, name=name, percent=new_percent, rank=rank, **powers, **valid(POWERS_CHANGE)
        )

    title("officer_on_duty", "Chiến sĩ Công an nhân dân đang thi hành công vụ", 10, 1, 500_000, 10, may_confiscate=True)
    title("commune_police_chief", "Trưởng Công an cấp xã", 40, 5, 2_500_000, 50, may_suspend=True, may_confiscate=True)
    title(
        "provincial_director",
        "Giám đốc Công an cấp tỉnh",
        70,
        100,
        None,
        100,
        may_suspend=True,
        may_confiscate=True,
        may_expel=True,
    )
    return {
        "road": road,
        "residence": residence,
        "decree_road": decree_road,
        "decree_road_old": decree_road_old,
        "decree_security": decree_security,
        "decree_security_old": decree_security_old,
    }


def give_title(user: User, code: str) -> User:
    OfficerFiningTitle.objects.update_or_create(user=user, defaults={"title_code": code})
    return user


def violations_world() -> ViolationsWorld:
    n = next(_seq)
    province = make_unit("Công an tỉnh Thử", level=Unit.Level.PROVINCE, agency_code=f"H56.T{n}")
    unit = make_unit("Công an phường Hạc Thành", parent=province, agency_code=f"H56.T{n}.01")
    other = make_unit("Công an phường Hàm Rồng", parent=province, agency_code=f"H56.T{n}.02")
    rules = _rules() if not StatGroup.objects.filter(code="4").exists() else _existing_rules()
    return ViolationsWorld(
        province=province,
        unit=unit,
        other_unit=other,
        officer=give_title(
            make_officer(unit, role=Role.PROCESSOR, full_name="Nguyễn Văn Tuần", title="Chiến sĩ"), "officer_on_duty"
        ),
        chief=give_title(
            make_officer(
                unit,
                role=Role.HEAD,
                full_name="Lê Văn Trưởng",
                title="Trưởng Công an phường",
                email="truong@example.vn",
                phone="0912000111",
            ),
            "commune_police_chief",
        ),
        director=give_title(
            make_officer(province, role=Role.HEAD, full_name="Trần Quốc Giám", title="Giám đốc"),
            "provincial_director",
        ),
        processor=make_officer(unit, role=Role.PROCESSOR, full_name="Phạm Văn Xử"),
        receptionist=make_officer(unit, role=Role.RECEPTIONIST, full_name="Đỗ Thị Thu"),
        other_officer=give_title(
            make_officer(other, role=Role.PROCESSOR, full_name="Hoàng Văn Khác"), "officer_on_duty"
        ),
        supervisor=make_officer(province, role=Role.SUPERVISOR, full_name="Vũ Văn Giám Sát"),
        **rules,
    )


def _existing_rules() -> dict:
    return {
        "road": StatGroup.objects.get(code="4"),
        "residence": StatGroup.objects.get(code="1.1"),
        "decree_road": Decree.objects.get(code="T168/2024"),
        "decree_road_old": Decree.objects.get(code="T100/2019"),
        "decree_security": Decree.objects.get(code="T282/2025"),
        "decree_security_old": Decree.objects.get(code="T144/2021"),
    }


def person(**overrides) -> dict:
    """A Vietnamese person as the record form sends it."""
    values = {
        "kind": "person",
        "name": "Nguyễn Văn An",
        "id_number": "038090001234",
        "birth_date": date(1990, 5, 17),
        "address": "Số 12 đường Trần Phú, phường Hạc Thành",
        "phone": "0912345678",
        "occupation": "Lái xe",
    }
    values.update(overrides)
    return values


def organisation(**overrides) -> dict:
    """A company (tax code 2800123452: a valid check digit) with its legal representative."""
    values = {
        "kind": "organisation",
        "name": "Công ty TNHH Vận tải Hạc Thành",
        "tax_code": "2800123452",
        "address": "Số 5 Đại lộ Lê Lợi, phường Hạc Thành",
        "representative": "Lê Thị Bình",
        "representative_title": "Giám đốc",
    }
    values.update(overrides)
    return values


def make_record(w: ViolationsWorld, *, officer: User | None = None, behaviour_codes=(HELMET,), **overrides):
    """A record made through `services.record_create` (defaults: a motorbike without helmet)."""
    from antt.violations import services

    values = {
        "officer": officer or w.officer,
        "violator": person(),
        "violated_at": VIOLATED_AT,
        "made_at": VIOLATED_AT,
        "address": "Ngã tư Bà Triệu – Lê Lợi",
        "vehicle_kind": "motorbike",
        "plate": "36-B1 123.45",
        "behaviour_codes": list(behaviour_codes),
        "statement": "Tôi quên mang mũ bảo hiểm.",
    }
    values.update(overrides)
    return services.record_create(**values)


def make_decision(
    w: ViolationsWorld, *, record=None, records=None, officer: User | None = None, lines=None, **overrides
):
    """A decision issued through `services.decision_issue`, the day after the record, one line
    per behaviour of the records at the default amount (the line's own suspension minimum)."""
    from datetime import timedelta

    from antt.violations import services

    if records is None:
        records = [record or make_record(w)]
    if lines is None:
        codes = []
        for r in records:
            codes += [b.code for b in r.behaviours.all() if b.code not in codes]
        lines = [services.LineInput(behaviour_code=code) for code in codes]
    values = {
        "officer": officer or w.officer,
        "records": records,
        "lines": lines,
        "issued_at": max(r.made_at for r in records) + timedelta(days=1),
    }
    values.update(overrides)
    return services.decision_issue(**values)
