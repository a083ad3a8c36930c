"""A small hand-counted world for the statistics tests (builders only, no tests here).

Decisions are created directly with the fields the statistics read (`unit_path`, `stat_group`,
`case`, amounts, counts, `DecisionViolator` keys), independent of the services, so that each
figure of the table can be counted by hand below.

Units: province P > commune A, commune B. Stat groups (as appendix 9): field 1 with groups 1.1
"Cư trú, CMND" and 1.2 "VK, VLN, CCHT...", field 2 with group 2.3 "Đánh bạc", field 4 road
traffic (no groups).

Decisions in 2025 (fined / paid / seized / suspended; violator keys):
  a1  A  1.1  case C1  03/01  1.000.000 / 1.000.000 / 0 / 0   id:001
  a2  A  1.1  case C1  03/01    500.000 /         0 / 1 / 0   id:002     (second decision, same case)
  a3  A  1.1  case C2  10/02    750.000 /   750.000 / 0 / 0   id:001     (id:001 fined twice)
  a4  A  4    case C3  01/01  4.000.000 / 4.000.000 / 1 / 1   id:003     (first day of the year)
  a5  A  4    case C4  31/12  6.000.000 /         0 / 2 / 1   id:001     (last day; id:001 in a 2nd field)
  a6  A  1.2  case C5  15/03 10.000.000 /10.000.000 / 3 / 0   id:004, id:005  (two violators)
  x1  A  4    case C6  20/03  9.000.000 /         0 / 1 / 1   id:006     CANCELLED
  o1  A  4    case C7  31/12/2024   1.000.000                   id:007    (day before the period)
  o2  A  4    case C8  01/01/2026   1.000.000                   id:008    (day after)
  b1  B  2.3  case C9  05/05  2.000.000 / 2.000.000 / 4 / 0   id:009
  b2  B  4    case C10 06/05  3.000.000 / 1.000.000 / 0 / 1   id:001     (id:001 in commune B too)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from antt.org.models import AdminArea, Role, Unit, User
from antt.org.tests.factories import make_officer, make_unit
from antt.violations.models import (
    DecisionLine,
    DecisionStatus,
    DecisionViolator,
    PenaltyDecision,
    StatGroup,
    ViolationCase,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR = (date(2025, 1, 1), date(2025, 12, 31))
_seq = itertools.count(1)
HELMET, PAPERS = "Không đội mũ bảo hiểm", "Không mang giấy phép lái xe"
PROVISIONS = {
    HELMET: "điểm h khoản 2 Điều 7 Nghị định 168/2024/NĐ-CP",
    PAPERS: "điểm b khoản 5 Điều 18 Nghị định 168/2024/NĐ-CP",
}


@dataclass
class StatsWorld:
    province: Unit
    commune_a: Unit
    commune_b: Unit
    supervisor: User
    head_a: User
    head_b: User
    processor_a: User
    groups: dict[str, StatGroup]
    decisions: dict[str, PenaltyDecision]
    area_a: AdminArea


def stat_groups() -> dict[str, StatGroup]:
    spec = [
        ("1.1", 1, "An ninh, trật tự, an toàn xã hội", "Cư trú, CMND", 10),
        ("1.2", 1, "An ninh, trật tự, an toàn xã hội", "VK, VLN, CCHT, pháo, đồ chơi nguy hiểm bị cấm", 20),
        ("2.3", 2, "Phòng, chống tệ nạn xã hội", "Đánh bạc", 90),
        ("4", 4, "Giao thông đường bộ, đường sắt", "", 110),
    ]
    return {
        code: StatGroup.objects.get_or_create(
            code=code, defaults={"field_no": no, "field_name": field, "name": name, "order": order}
        )[0]
        for code, no, field, name, order in spec
    }


def make_decision(
    unit: Unit,
    group: StatGroup,
    case: str,
    issued_on: date,
    keys: list[str],
    *,
    fined: int = 0,
    paid: int = 0,
    seized: int = 0,
    suspended: int = 0,
    status: str = DecisionStatus.UNPAID,
    area: AdminArea | None = None,
    lines: list[tuple[str, int]] = (),
) -> PenaltyDecision:
    n = next(_seq)
    case_obj, _ = ViolationCase.objects.get_or_create(
        code=f"TK-{case}", defaults={"unit": unit, "occurred_on": issued_on}
    )
    at = datetime.combine(issued_on, time(9), tzinfo=VN)
    decision = PenaltyDecision.objects.create(
        number=f"{n}/QĐ-XPHC-TK",
        payment_reference=f"TK{n:010d}",
        kind=PenaltyDecision.Kind.WITH_RECORD,
        unit=unit,
        unit_path=unit.path,
        case=case_obj,
        violated_at=at,
        issued_at=at,
        issued_on=issued_on,
        stat_group=group,
        violator_name=f"Người vi phạm {n}",
        violator_id_number=keys[0].removeprefix("id:") if keys else "",
        total_fine=fined,
        amount_paid=paid,
        seized_count=seized,
        suspension_count=suspended,
        violator_count=len(keys),
        status=status,
        area=area,
    )
    DecisionViolator.objects.bulk_create([DecisionViolator(decision=decision, violator_key=k) for k in keys])
    DecisionLine.objects.bulk_create(
        [
            DecisionLine(
                decision=decision, stat_group=group, description=text, provision=PROVISIONS[text], amount=amount
            )
            for text, amount in lines
        ]
    )
    return decision


def build_world() -> StatsWorld:
    """The world of the module docstring (callable twice: a second copy with its own units)."""
    w = next(_seq)
    province = make_unit("Công an tỉnh Thử", level=Unit.Level.PROVINCE)
    commune_a = make_unit("Công an phường Hạc Thành", parent=province)
    commune_b = make_unit("Công an phường Hàm Rồng", parent=province)
    area_a = AdminArea.objects.create(
        scheme=AdminArea.Scheme.CURRENT, code=f"9{w:04d}", name="Phường Hạc Thành", level=AdminArea.Level.COMMUNE
    )
    g = stat_groups()
    d = {}
    helmet, papers = HELMET, PAPERS
    d["a1"] = make_decision(
        commune_a, g["1.1"], f"{w}-C1", date(2025, 1, 3), ["id:001"], fined=1_000_000, paid=1_000_000
    )
    d["a2"] = make_decision(commune_a, g["1.1"], f"{w}-C1", date(2025, 1, 3), ["id:002"], fined=500_000, seized=1)
    d["a3"] = make_decision(commune_a, g["1.1"], f"{w}-C2", date(2025, 2, 10), ["id:001"], fined=750_000, paid=750_000)
    d["a4"] = make_decision(
        commune_a, g["4"], f"{w}-C3", date(2025, 1, 1), ["id:003"], fined=4_000_000, paid=4_000_000, seized=1,
        suspended=1, area=area_a, lines=[(helmet, 400_000), (papers, 3_600_000)],
    )  # fmt: skip
    d["a5"] = make_decision(
        commune_a, g["4"], f"{w}-C4", date(2025, 12, 31), ["id:001"], fined=6_000_000, seized=2, suspended=1,
        area=area_a, lines=[(helmet, 6_000_000)],
    )  # fmt: skip
    d["a6"] = make_decision(
        commune_a, g["1.2"], f"{w}-C5", date(2025, 3, 15), ["id:004", "id:005"], fined=10_000_000, paid=10_000_000,
        seized=3,
    )  # fmt: skip
    d["x1"] = make_decision(
        commune_a, g["4"], f"{w}-C6", date(2025, 3, 20), ["id:006"], fined=9_000_000, seized=1, suspended=1,
        status=DecisionStatus.CANCELLED, lines=[(helmet, 9_000_000)],
    )  # fmt: skip
    d["o1"] = make_decision(commune_a, g["4"], f"{w}-C7", date(2024, 12, 31), ["id:007"], fined=1_000_000)
    d["o2"] = make_decision(commune_a, g["4"], f"{w}-C8", date(2026, 1, 1), ["id:008"], fined=1_000_000)
    d["b1"] = make_decision(
        commune_b, g["2.3"], f"{w}-C9", date(2025, 5, 5), ["id:009"], fined=2_000_000, paid=2_000_000, seized=4
    )
    d["b2"] = make_decision(
        commune_b, g["4"], f"{w}-C10", date(2025, 5, 6), ["id:001"], fined=3_000_000, paid=1_000_000, suspended=1,
        lines=[(papers, 3_000_000)],
    )  # fmt: skip
    return StatsWorld(
        province=province,
        commune_a=commune_a,
        commune_b=commune_b,
        supervisor=make_officer(province, role=Role.SUPERVISOR, full_name="Đỗ Văn Thành"),
        head_a=make_officer(commune_a, role=Role.HEAD, full_name="Hoàng Văn Đạo"),
        head_b=make_officer(commune_b, role=Role.HEAD, full_name="Lê Văn Bình"),
        processor_a=make_officer(commune_a, role=Role.PROCESSOR, full_name="Nguyễn Văn Xử"),
        groups=g,
        decisions=d,
        area_a=area_a,
    )
