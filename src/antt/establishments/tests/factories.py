"""Builders for establishment tests: a province police with its PC06/PC07 departments, two
commune police units, officers, one commune area each, and a small deterministic rule set
created directly (codes prefixed "t-", never the real catalogue), so that tests stay stable
when the law data in `establishments/data/` changes.

    from antt.establishments.tests.factories import establishments_world, make_establishment
    w = establishments_world()
    e = make_establishment(w)                      # a karaoke in commune A, managed by w.commune_a
    hotel = make_establishment(w, lines=["t-luu-tru"], fire_category="t-hotel")

Rules created (valid from 2016-07-01, no end):

| table | rows |
| --- | --- |
| BusinessLine | `t-karaoke` (no plan), `t-luu-tru` (lodging), `t-cam-do` (pawnshop), `t-bao-ve` (plan) |
| LineAuthority | karaoke, lodging, pawnshop → commune; bao-ve → department |
| FireCategory | `t-hotel` (II, high risk, design approval), `t-shop` (I) |
| InspectionRule | security: 24 months, floor 12, risk ≥ 50 → 12, notice 5 wd; fire high risk: 12/12; fire other: 24, risk → 12 |
| RevocationGround | `18.1.a` indefinite (wait 12 months), `18.2.d` temporary 3–6 months |
| ProcedureAction | seed_ref 3.01 new, 3.02 change, 3.03 reissue, 7.12 fire record `firefighting_plan` |
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from antt.core.identifiers import tax_check_digit
from antt.establishments.models import (
    BusinessLine,
    Establishment,
    FireCategory,
    FireProfile,
    InspectionRule,
    LineAuthority,
    ProcedureAction,
    RevocationGround,
)
from antt.org.models import AdminArea, Role, Unit, User
from antt.org.tests.factories import make_officer, make_unit

RULES_FROM = date(2016, 7, 1)
BASIS = "Thử nghiệm (không phải văn bản thật)"
_seq = itertools.count(1)


_handed_out: set[str] = set()


def valid_tax_code(n: int | None = None) -> str:
    """A 10-digit tax code with a correct check digit (body 28xxxxxxx, Thanh Hóa-like).

    Without `n`, never the same code twice in a test run (a body without a check digit moves
    on to the next number, which would otherwise be the next call's own)."""
    explicit = n is not None
    n = next(_seq) if n is None else n
    while True:
        body = f"28{n % 10_000_000:07d}"
        digit = tax_check_digit(body)
        code = f"{body}{digit}" if digit is not None else None
        if code is not None and (explicit or code not in _handed_out):
            _handed_out.add(code)
            return code
        n = n + 1 if explicit else next(_seq)


@dataclass
class EstablishmentsWorld:
    province: Unit
    pc06: Unit  # department: security-conditional businesses
    pc07: Unit  # department: fire safety
    commune_a: Unit
    commune_b: Unit
    area_a: AdminArea
    area_b: AdminArea
    processor_a: User
    head_a: User
    receptionist_a: User
    processor_b: User
    head_pc06: User
    processor_pc07: User
    supervisor: User
    system_admin: User


def make_rules() -> None:
    """The deterministic rule set of the module docstring (idempotent)."""
    if BusinessLine.objects.filter(code="t-karaoke").exists():
        return
    common = {"valid_from": RULES_FROM, "legal_basis": BASIS}
    BusinessLine.objects.bulk_create(
        [
            BusinessLine(code="t-karaoke", order=21, name="Kinh doanh dịch vụ karaoke", register_form="ĐK20", **common),
            BusinessLine(
                code="t-luu-tru",
                order=22,
                name="Kinh doanh dịch vụ lưu trú",
                is_lodging=True,
                register_form="ĐK26",
                **common,
            ),
            BusinessLine(code="t-cam-do", order=4, name="Kinh doanh dịch vụ cầm đồ", register_form="ĐK19", **common),
            BusinessLine(
                code="t-bao-ve",
                order=7,
                name="Kinh doanh dịch vụ bảo vệ",
                needs_security_plan=True,
                register_form="ĐK27",
                **common,
            ),
        ]
    )
    LineAuthority.objects.bulk_create(
        [
            LineAuthority(line_code="t-karaoke", unit_level=Unit.Level.COMMUNE, **common),
            LineAuthority(line_code="t-luu-tru", unit_level=Unit.Level.COMMUNE, **common),
            LineAuthority(line_code="t-cam-do", unit_level=Unit.Level.COMMUNE, **common),
            LineAuthority(line_code="t-bao-ve", unit_level=Unit.Level.DEPARTMENT, **common),
        ]
    )
    FireCategory.objects.bulk_create(
        [
            FireCategory(
                code="t-hotel",
                appendix=FireCategory.Appendix.HIGH_RISK,
                item="t1",
                name="Khách sạn từ 7 tầng trở lên",
                threshold="≥ 7 tầng hoặc ≥ 10.000 m³",
                high_risk=True,
                needs_design_approval=True,
                insurance_required=True,
                **common,
            ),
            FireCategory(
                code="t-shop",
                appendix=FireCategory.Appendix.MANAGED,
                item="t2",
                name="Cửa hàng, quán karaoke nhỏ",
                **common,
            ),
        ]
    )
    InspectionRule.objects.bulk_create(
        [
            InspectionRule(
                domain="security",
                interval_months=24,
                min_interval_months=12,
                risk_threshold=50,
                risk_interval_months=12,
                notice_working_days=5,
                **common,
            ),
            InspectionRule(
                domain="fire",
                high_risk_only=True,
                interval_months=12,
                min_interval_months=12,
                risk_interval_months=12,
                **common,
            ),
            InspectionRule(
                domain="fire",
                interval_months=24,
                min_interval_months=12,
                risk_threshold=50,
                risk_interval_months=12,
                **common,
            ),
        ]
    )
    RevocationGround.objects.bulk_create(
        [
            RevocationGround(
                code="18.1.a", reissue_wait_months=12, text="Giả mạo giấy tờ, khai man thông tin", **common
            ),
            RevocationGround(
                code="18.2.d",
                temporary=True,
                min_months=3,
                max_months=6,
                text="Bị xử phạt vi phạm hành chính về ANTT từ 02 lần trở lên trong một năm",
                **common,
            ),
        ]
    )
    ProcedureAction.objects.bulk_create(
        [
            ProcedureAction(seed_ref="3.01", action=ProcedureAction.Action.CERT_NEW, **common),
            ProcedureAction(seed_ref="3.02", action=ProcedureAction.Action.CERT_CHANGE, **common),
            ProcedureAction(seed_ref="3.03", action=ProcedureAction.Action.CERT_REISSUE, **common),
            ProcedureAction(
                seed_ref="7.12",
                action=ProcedureAction.Action.FIRE_RECORD,
                fire_record_kind="firefighting_plan",
                **common,
            ),
        ]
    )


def _area(name: str, code: str, parent: AdminArea) -> AdminArea:
    return AdminArea.objects.create(
        scheme=AdminArea.Scheme.CURRENT, code=code, name=name, level=AdminArea.Level.COMMUNE, parent=parent
    )


def establishments_world() -> EstablishmentsWorld:
    make_rules()
    n = next(_seq)
    province_area = AdminArea.objects.create(
        scheme=AdminArea.Scheme.CURRENT, code=f"9{n:03d}"[-4:], name="Tỉnh Thử", level=AdminArea.Level.PROVINCE
    )
    province = make_unit("Công an tỉnh Thử", level=Unit.Level.PROVINCE)
    pc06 = make_unit("Phòng Cảnh sát QLHC về TTXH", parent=province, level=Unit.Level.DEPARTMENT)
    pc07 = make_unit("Phòng Cảnh sát PCCC và CNCH", parent=province, level=Unit.Level.DEPARTMENT)
    area_a = _area("Phường Hạc Thành", f"8{n:04d}"[-5:], province_area)
    area_b = _area("Phường Hàm Rồng", f"7{n:04d}"[-5:], province_area)
    commune_a = make_unit("Công an phường Hạc Thành", parent=province, area=area_a)
    commune_b = make_unit("Công an phường Hàm Rồng", parent=province, area=area_b)
    return EstablishmentsWorld(
        province=province,
        pc06=pc06,
        pc07=pc07,
        commune_a=commune_a,
        commune_b=commune_b,
        area_a=area_a,
        area_b=area_b,
        processor_a=make_officer(commune_a, role=Role.PROCESSOR, full_name="Lê Văn Xử"),
        head_a=make_officer(commune_a, role=Role.HEAD, full_name="Trịnh Văn Trưởng"),
        receptionist_a=make_officer(commune_a, role=Role.RECEPTIONIST, full_name="Lê Thị Nhận"),
        processor_b=make_officer(commune_b, role=Role.PROCESSOR, full_name="Nguyễn Văn Bê"),
        head_pc06=make_officer(pc06, role=Role.HEAD, full_name="Hoàng Văn Phòng"),
        processor_pc07=make_officer(pc07, role=Role.PROCESSOR, full_name="Đào Văn Lửa"),
        supervisor=make_officer(province, role=Role.SUPERVISOR, full_name="Đỗ Văn Thành"),
        system_admin=make_officer(province, role=Role.SYSTEM_ADMIN, full_name="Vũ Quốc Khánh"),
    )


def make_establishment(
    w: EstablishmentsWorld,
    *,
    name: str = "Karaoke Ánh Dương",
    lines: list[str] | tuple[str, ...] = ("t-karaoke",),
    unit: Unit | None = None,
    area: AdminArea | None = None,
    fire_category: str | None = None,
    **extra,
) -> Establishment:
    """An establishment created directly (no service, no audit): for tests of other features."""
    unit = unit or w.commune_a
    area = area or (w.area_b if unit == w.commune_b else w.area_a)
    fields = {
        "name": name,
        "tax_code": valid_tax_code(),
        "area": area,
        "address": "12 Lê Lợi",
        "unit": unit,
        "owner_name": "Nguyễn Văn Chủ",
        "representative_name": "Nguyễn Văn Chủ",
        "representative_id_number": "038090012345",
        "representative_phone": "0912000111",
        "security_person_name": "Lê Thị An Ninh",
        "security_person_id_number": "038190054321",
        "security_person_phone": "0912000222",
        **extra,
    }
    e = Establishment.objects.create(**fields)
    e.lines.set(BusinessLine.objects.filter(code__in=lines))
    if fire_category:
        cat = FireCategory.objects.get(code=fire_category)
        FireProfile.objects.create(
            establishment=e,
            category=cat,
            high_risk=cat.high_risk,
            needs_design_approval=cat.needs_design_approval,
            insurance_required=cat.insurance_required,
        )
    return e
