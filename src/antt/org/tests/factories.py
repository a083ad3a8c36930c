"""Test data builders shared by every app (plain functions, no factory_boy).

from antt.org.tests.factories import two_communes_with_officers
world = two_communes_with_officers()
world.receptionist_a  # an officer of commune A, who must never see commune B's rows
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from antt.org.models import Role, Unit, User

PASSWORD = "Kiem-Thu#2026x"
_seq = itertools.count(1)


def make_unit(name: str, *, parent: Unit | None = None, level: str = Unit.Level.COMMUNE, **extra) -> Unit:
    slug = extra.pop("slug", None) or f"test-unit-{next(_seq)}"
    return Unit.objects.create(name=name, parent=parent, level=level, slug=slug, **extra)


def make_officer(
    unit: Unit | None,
    *,
    role: str = Role.RECEPTIONIST,
    username: str | None = None,
    full_name: str | None = None,
    phone: str = "",
    **extra,
) -> User:
    n = next(_seq)
    return User.objects.create_user(
        username=username or f"canbo{n}",
        password=PASSWORD,
        full_name=full_name or f"Cán bộ thử {n}",
        unit=unit,
        role=role,
        phone=phone,
        **extra,
    )


@dataclass
class TwoCommunes:
    province: Unit
    commune_a: Unit
    commune_b: Unit
    admin_a: User
    receptionist_a: User
    admin_b: User
    receptionist_b: User
    supervisor: User
    system_admin: User


def two_communes_with_officers() -> TwoCommunes:
    """A province police with two commune police units, each with officers, and provincial staff."""
    province = make_unit("Công an tỉnh Thử", level=Unit.Level.PROVINCE)
    commune_a = make_unit("Công an phường Hạc Thành", parent=province)
    commune_b = make_unit("Công an phường Hàm Rồng", parent=province)
    return TwoCommunes(
        province=province,
        commune_a=commune_a,
        commune_b=commune_b,
        admin_a=make_officer(commune_a, role=Role.UNIT_ADMIN, full_name="Phạm Thị Hồng", phone="0912345123"),
        receptionist_a=make_officer(commune_a, full_name="Lê Thị Thu Trang", phone="0987654321"),
        admin_b=make_officer(commune_b, role=Role.UNIT_ADMIN, full_name="Trần Văn Bình"),
        receptionist_b=make_officer(commune_b, full_name="Nguyễn Đức Anh", phone="0900111222"),
        supervisor=make_officer(province, role=Role.SUPERVISOR, full_name="Đỗ Văn Thành"),
        system_admin=make_officer(province, role=Role.SYSTEM_ADMIN, full_name="Vũ Quốc Khánh"),
    )
