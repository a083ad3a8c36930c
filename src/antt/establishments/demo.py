# S311: seeded pseudo-random numbers are the point here (reproducible demo data, never secrets).
# ruff: noqa: S311
"""Demo establishments for `make run`: about 80 realistic businesses in the demo units.

Most are in Công an phường Hạc Thành and Công an phường Hàm Rồng (the communes of the demo
accounts, `core/management/commands/load_demo.py`): hotels, guest houses and homestays,
karaoke bars, massage parlours, pawnshops; a few enterprises (a big hotel, security-guard
companies, seal makers) are managed by PC06 of the province, and a few premises (a market, a
kindergarten) are only under fire-safety management. About half carry a fire-safety profile in a
category of `fire.yaml` (copied flags, as `fire.fire_profile_set` does). The lines are those of
`lines.yaml`; tax codes are valid (10 digits with their check digit; household businesses: the
owner's 12-digit personal ID, Thông tư 86/2024/TT-BTC); owners and phones are invented.

Rows are marked `is_demo`, dated back to their registration so that the inspection plan has
establishments due and overdue, and written with an audit entry and a change-feed row each.
Idempotent: the same seed gives the same establishments; those whose tax code is already in the
registry are skipped.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from antt.core import audit
from antt.core.calendar import LOCAL_TZ
from antt.core.identifiers import tax_check_digit
from antt.dossiers.demo import PHONE_PREFIXES, STREETS, _person_name
from antt.establishments import feed
from antt.establishments.models import BusinessLine, Establishment, EstablishmentAccount, FireCategory, FireProfile
from antt.org.models import Unit, User

COMMUNE = "ca-xa-14797"  # Công an phường Hạc Thành (load_demo.COMMUNE)
SECOND_COMMUNE = "ca-xa-14758"  # Công an phường Hàm Rồng (load_demo.SECOND_COMMUNE)
DEPARTMENT = "pc06"  # Phòng Cảnh sát QLHC về TTXH
REASON = "Dữ liệu minh họa (make run)"
# Around the two wards (Thanh Hóa city centre and Hàm Rồng to the north).
CENTRES = {COMMUNE: (19.8070, 105.7770), SECOND_COMMUNE: (19.8460, 105.7920)}
NAME_WORDS = (
    "Ánh Dương",
    "Hoàng Gia",
    "Hạc Thành",
    "Lam Sơn",
    "Sông Mã",
    "Hàm Rồng",
    "Phú Quý",
    "Thành Đạt",
    "Minh Phát",
    "An Bình",
    "Trường Thịnh",
    "Đông Á",
    "Bình Minh",
    "Hoa Sen",
    "Sao Mai",
    "Thiên Ân",
    "Ngọc Lan",
    "Hồng Hà",
    "Kim Long",
    "Phương Đông",
    "Bảo Ngọc",
    "Hải Yến",
    "Mai Anh",
    "Thanh Xuân",
    "Như Ý",
    "Hưng Thịnh",
    "Vạn Phúc",
    "Cát Tường",
    "Đức Thịnh",
    "Hoàng Long",
)


@dataclass(frozen=True)
class DemoKind:
    """One kind of demo establishment: how many, how named, which lines and fire category."""

    key: str
    count: int
    prefix: str
    lines: tuple[str, ...]
    kind: str  # Establishment.Kind
    fire_category: str = ""
    fire_share: float = 0.0
    lodging_kind: str = ""
    rooms: tuple[int, int] | None = None
    unit: str = ""  # "" = one of the two communes
    suffix: str = ""


KINDS = (
    DemoKind("nha-nghi", 14, "Nhà nghỉ", ("luu-tru",), "household", "pl1-14-luu-tru", 0.5, "Nhà nghỉ", (6, 20)),
    DemoKind("homestay", 8, "Homestay", ("luu-tru",), "household", "pl1-14-luu-tru", 0.3, "Homestay", (3, 8)),
    DemoKind("khach-san", 8, "Khách sạn", ("luu-tru",), "enterprise", "pl1-14-luu-tru", 1.0, "Khách sạn", (20, 60)),
    DemoKind("karaoke", 16, "Karaoke", ("karaoke-vu-truong",), "household", "pl1-karaoke", 0.75),
    DemoKind("xoa-bop", 10, "Cơ sở xoa bóp", ("xoa-bop",), "household"),
    DemoKind("cam-do", 10, "Cầm đồ", ("cam-do",), "household"),
    DemoKind(
        "khach-san-lon",
        2,
        "Khách sạn",
        ("luu-tru", "karaoke-vu-truong", "xoa-bop"),
        "enterprise",
        "pl3-luu-tru-van-phong",
        1.0,
        "Khách sạn 4 sao",
        (120, 220),
        DEPARTMENT,
        " Palace",
    ),
    DemoKind("con-dau", 3, "Cơ sở khắc dấu", ("san-xuat-con-dau",), "enterprise", unit=DEPARTMENT),
    DemoKind("bao-ve", 4, "Công ty TNHH Dịch vụ Bảo vệ", ("bao-ve",), "enterprise", unit=DEPARTMENT),
    DemoKind("cho", 2, "Chợ", (), "public_unit", "pl1-cho-thuong-mai", 1.0),
    DemoKind("mam-non", 2, "Trường Mầm non", (), "public_unit", "pl2-02-mam-non-n2", 1.0),
)


def _tax_code(rng: random.Random) -> str:
    while True:
        body = f"28{rng.randrange(10_000_000):07d}"
        digit = tax_check_digit(body)
        if digit is not None:
            return f"{body}{digit}"


def _person_id(rng: random.Random, female: bool, year: int) -> str:
    century = 0 if year < 2000 else 2
    return f"038{century + int(female)}{year % 100:02d}{rng.randrange(1_000_000):06d}"


def _phone(rng: random.Random) -> str:
    return f"{rng.choice(PHONE_PREFIXES)}{rng.randrange(10_000_000):07d}"


def _plan(rng: random.Random) -> list[dict]:
    """The demo establishments (deterministic for a seed), not yet written."""
    words = list(NAME_WORDS)
    rows = []
    used: set[str] = set()
    today = timezone.localdate()
    for kind in KINDS:
        for i in range(kind.count):
            word = words[(len(rows) * 7 + i) % len(words)]
            name = f"{kind.prefix} {word}{kind.suffix}"
            n = 2
            while name in used:
                name = f"{kind.prefix} {word} {n}{kind.suffix}"
                n += 1
            used.add(name)
            unit = kind.unit or (COMMUNE if rng.random() < 0.6 else SECOND_COMMUNE)
            area_of = COMMUNE if unit == DEPARTMENT and rng.random() < 0.6 else unit
            if area_of == DEPARTMENT:
                area_of = SECOND_COMMUNE
            female = rng.random() < 0.45
            owner, _ = _person_name(rng, female)
            born = rng.randrange(1960, 2000)
            owner_id = _person_id(rng, female, born)
            security, security_id = owner, owner_id
            if kind.kind == "enterprise" or rng.random() < 0.3:
                security_female = rng.random() < 0.4
                security, _ = _person_name(rng, security_female)
                security_id = _person_id(rng, security_female, rng.randrange(1965, 2001))
            lat, lon = CENTRES[area_of]
            registered = today - timedelta(days=rng.randrange(120, 9 * 365))
            rows.append(
                {
                    "kind": kind,
                    "unit_slug": unit,
                    "area_unit_slug": area_of,
                    "name": name,
                    "trade_name": f"{word} Hotel" if kind.key.startswith("khach-san") else "",
                    "tax_code": owner_id if kind.kind == "household" else _tax_code(rng),
                    "registration_number": f"26{rng.choice('ABCDE')}8{rng.randrange(100000, 999999)}",
                    "registered": registered,
                    "address": f"{rng.randrange(1, 320)} {rng.choice(STREETS)}",
                    "latitude": Decimal(f"{lat + rng.uniform(-0.012, 0.012):.6f}"),
                    "longitude": Decimal(f"{lon + rng.uniform(-0.012, 0.012):.6f}"),
                    "phone": _phone(rng),
                    "owner_name": owner,
                    "representative_name": owner,
                    "representative_id_number": owner_id,
                    "representative_phone": _phone(rng),
                    "security_person_name": security,
                    "security_person_id_number": security_id,
                    "security_person_phone": _phone(rng),
                    "rooms": rng.randrange(*kind.rooms) if kind.rooms else None,
                    "fire": bool(kind.fire_category) and rng.random() < kind.fire_share,
                    "floors": rng.randrange(2, 6) if kind.key != "khach-san-lon" else rng.randrange(9, 16),
                }
            )
    return rows


def make_demo_establishments(*, seed: int = 2026) -> str:
    """Create the demo establishments (idempotent); returns a summary line."""
    units = {u.slug: u for u in Unit.objects.filter(slug__in=[COMMUNE, SECOND_COMMUNE, DEPARTMENT])}
    missing = {COMMUNE, SECOND_COMMUNE, DEPARTMENT} - set(units)
    lines = {line.code: line for line in BusinessLine.objects.filter(BusinessLine.valid_on(timezone.localdate()))}
    if missing or "luu-tru" not in lines:
        return "Cơ sở minh họa: chưa có đơn vị hoặc ngành nghề; chạy `manage.py load_reference` trước."
    categories = {c.code: c for c in FireCategory.objects.filter(FireCategory.valid_on(timezone.localdate()))}
    rng = random.Random(seed)
    plan = _plan(rng)
    existing = set(
        Establishment.objects.filter(tax_code__in=[r["tax_code"] for r in plan]).values_list("tax_code", flat=True)
    )
    created = profiles = 0
    with transaction.atomic():
        for row in plan:
            if row["tax_code"] in existing:
                continue
            kind: DemoKind = row["kind"]
            unit = units[row["unit_slug"]]
            area = units[row["area_unit_slug"]].area
            if area is None:
                continue
            e = Establishment.objects.create(
                name=row["name"],
                trade_name=row["trade_name"],
                tax_code=row["tax_code"],
                registration_number=row["registration_number"],
                registration_date=row["registered"],
                kind=kind.kind,
                area=area,
                address=row["address"],
                latitude=row["latitude"],
                longitude=row["longitude"],
                unit=unit,
                phone=row["phone"],
                lodging_kind=kind.lodging_kind,
                rooms=row["rooms"],
                owner_name=row["owner_name"],
                representative_name=row["representative_name"],
                representative_id_number=row["representative_id_number"],
                representative_phone=row["representative_phone"],
                security_person_name=row["security_person_name"],
                security_person_id_number=row["security_person_id_number"],
                security_person_phone=row["security_person_phone"],
                is_demo=True,
            )
            e.lines.set([lines[code] for code in kind.lines if code in lines])
            # Registered years ago: the periodic inspections fall due from then on.
            registered_at = datetime.combine(row["registered"], time(9, 0), tzinfo=LOCAL_TZ)
            Establishment.objects.filter(pk=e.pk).update(created_at=registered_at)
            category = categories.get(kind.fire_category)
            if row["fire"] and category is not None:
                FireProfile.objects.create(
                    establishment=e,
                    category=category,
                    high_risk=category.high_risk,
                    needs_design_approval=category.needs_design_approval,
                    insurance_required=category.insurance_required,
                    floors=row["floors"],
                )
                profiles += 1
            audit.record(
                audit.Action.CREATE,
                e,
                changes={"tax_code": e.tax_code, "lines": list(kind.lines), "unit_id": unit.pk, "demo": True},
                reason=REASON,
            )
            feed.record_establishment(e, "created")
            created += 1
    due = _refresh_due()
    message = f"Cơ sở minh họa: thêm {created} cơ sở ({profiles} có hồ sơ PCCC), đã có {len(existing)}."
    return message + (f" {due}" if due else "")


def _refresh_due() -> str:
    """Risk scores and due dates of the demo rows, by the inspections rules (when that module
    is there)."""
    try:
        from antt.establishments.inspections import refresh_many
    except ImportError:  # pragma: no cover - the inspections work is part of the same issue
        return ""
    result = refresh_many(Establishment.objects.filter(is_demo=True), timezone.localdate())
    return f"Đã tính hạn kiểm tra cho {result.processed} cơ sở."


# The demo business account: the manager of one demo hotel of Hạc Thành, approved, so that a
# business's side (its own file, online submission of the certificate procedure) can be tried.
DEMO_BUSINESS = ("khachsan", "KhachSan#2026cs", "Nguyễn Thị Lễ Tân")


def ensure_demo_business_account() -> tuple[str, str, str]:
    """Create or reset the demo business account (idempotent). Returns (username, password,
    establishment name), or an explanation in the third place when there is no demo hotel."""
    username, password, full_name = DEMO_BUSINESS
    hotel = (
        Establishment.objects.filter(is_demo=True, unit__slug=COMMUNE, lines__code="luu-tru", kind="enterprise")
        .order_by("id")
        .first()
    )
    if hotel is None:
        return username, password, "chưa có cơ sở lưu trú minh họa (chạy load_reference rồi load_demo)"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=password, full_name=full_name)
    else:
        user.set_password(password)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
    EstablishmentAccount.objects.update_or_create(
        user=user,
        defaults={
            "establishment": hotel,
            "is_manager": True,
            "status": EstablishmentAccount.Status.ACTIVE,
            "decided_at": timezone.now(),
        },
    )
    return username, password, hotel.name
