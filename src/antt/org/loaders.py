"""Reference data of the org app: administrative units and police units.

Sources
- Administrative units: the `vietnam-provinces` package (GPL-3.0-or-later, pinned 2026.9.0), built
  from the GSO lists. Current units: the two-level structure in force since 1 July 2025; for Thanh
  Hóa, the 166 communes/wards (147 xã, 19 phường) of Nghị quyết 1686/NQ-UBTVQH15 (16/06/2025).
  Legacy units: the GSO list of 04/01/2025 (26 district-level units, 549 communes). Old → new
  links: the package's conversion table (`BangChuyendoiĐVHCmoi_cu_khong_merge.csv`).
- Police units: district-level police were abolished and commune police placed directly under
  the provincial police from 1 July 2025 (the 2025 reorganisation of the local police, "công an
  địa phương ba cấp → hai cấp", carried out with the end of district-level government under
  Luật Tổ chức chính quyền địa phương 72/2025/QH15). So: one commune police per current commune
  or ward; the former district police and their commune police are kept as historical units
  (inactive, active until 30/06/2025) so that records made before that date stay attached.

Agency codes (mã định danh điện tử, QĐ 20/2020/QĐ-TTg) are filled only where known; unknown ones
stay blank rather than invented.

Both loaders are idempotent (keys: AdminArea (scheme, code), Unit slug) and use bulk writes with
in-memory maps: they run in `make run` and in tests.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction

from antt.core import audit
from antt.core.text import fold
from antt.org.models import AdminArea, Unit

LEGACY_END = date(2025, 6, 30)

# Legacy communes that the package's conversion table has no row for. GSO's list of 04/01/2025
# (sunshine-tech/VietnamProvinces dev/seed-data/Xa_2025-01-04.csv) still carries them in the
# former Đông Sơn area of Thành phố Thanh Hóa, next to 16408 "Xã Đông Khê" which the table maps
# to Phường Đông Sơn: 16387 is a second "Xã Đông Khê" and 16411 "Xã Đông Xuân". We attach them to
# the successors of 16408. This is an inference from the neighbouring rows, NOT from a legal text:
# confirm against NQ 1686/NQ-UBTVQH15 Art. 1 (Phường Đông Sơn) before relying on it.
LEGACY_SUCCESSOR_GAPS: dict[int, int] = {16387: 16408, 16411: 16408}

# Departments of Công an tỉnh that handle administrative procedures of the police catalogue.
# Names as used by the provincial police; their agency codes are not published where we could
# check (see docs/architecture.md), so they are left blank.
DEPARTMENTS: list[tuple[str, str, str]] = [
    # (slug, name, short name)
    ("pa08", "Phòng Quản lý xuất nhập cảnh", "PA08"),
    ("pc06", "Phòng Cảnh sát quản lý hành chính về trật tự xã hội", "PC06"),
    ("pc07", "Phòng Cảnh sát phòng cháy, chữa cháy và cứu nạn, cứu hộ", "PC07"),
    ("pc08", "Phòng Cảnh sát giao thông", "PC08"),
]

# The provincial public service centre belongs to the provincial People's Committee, not the
# police; it receives police procedures at its counters. Agency code from a real receipt
# (000.00.06.H56-231027-0361, legal-facts.md §1.4).
SERVICE_CENTRE = ("ttpvhcc", "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa", "TTPVHCC", "000.00.06.H56")

ROOT_SLUG = "ca-tinh"


def _province_code() -> int:
    return int(settings.ANTT_PROVINCE_CODE)


def _strip_type(name: str, division_type: str) -> str:
    """'Phường Hàm Rồng', 'phường' -> 'Hàm Rồng'."""
    prefix = division_type.strip()
    if prefix and name.lower().startswith(prefix.lower() + " "):
        return name[len(prefix) + 1 :]
    return name


def police_name(area_name: str, division_type: str) -> str:
    """Name of the police of an administrative unit: 'Công an phường Hàm Rồng'."""
    kind = division_type.strip().lower()
    return f"Công an {kind} {_strip_type(area_name, division_type)}".replace("  ", " ")


def _area(scheme: str, code: int | str, name: str, division_type: str, level: str, parent=None) -> AdminArea:
    return AdminArea(
        scheme=scheme,
        code=str(code),
        name=name,
        name_folded=fold(name),
        division_type=str(division_type),
        level=level,
        parent=parent,
    )


def _upsert_areas(scheme: str, wanted: list[AdminArea]) -> tuple[dict[str, AdminArea], int]:
    """Create the missing rows of one scheme, refresh names; return {code: row} and the number created."""
    existing = {a.code: a for a in AdminArea.objects.filter(scheme=scheme, code__in=[w.code for w in wanted])}
    missing, changed = [], []
    for w in wanted:
        row = existing.get(w.code)
        if row is None:
            missing.append(w)
            continue
        if (row.name, row.division_type, row.level, row.parent_id) != (
            w.name,
            w.division_type,
            w.level,
            w.parent.pk if w.parent else None,
        ):
            row.name, row.name_folded, row.division_type, row.level = w.name, w.name_folded, w.division_type, w.level
            row.parent = w.parent
            changed.append(row)
    if missing:
        AdminArea.objects.bulk_create(missing)
        # bulk_create sets primary keys on SQLite and PostgreSQL; re-read to be safe on any backend.
        existing.update(
            {a.code: a for a in AdminArea.objects.filter(scheme=scheme, code__in=[m.code for m in missing])}
        )
    if changed:
        AdminArea.objects.bulk_update(changed, ["name", "name_folded", "division_type", "level", "parent"])
    return existing, len(missing)


def legacy_successor_codes() -> dict[int, list[int]]:
    """{legacy commune code: [current commune codes]} for the configured province."""
    from vietnam_provinces._ward_conversion_2025 import OLD_TO_NEW
    from vietnam_provinces.legacy import base as legacy
    from vietnam_provinces.legacy.codes import ProvinceCode as LegacyProvinceCode

    result: dict[int, list[int]] = {}
    for ward in legacy.Ward.iter_by_province(LegacyProvinceCode(_province_code())):
        code = ward.code.value
        entry = OLD_TO_NEW.get(code) or OLD_TO_NEW.get(LEGACY_SUCCESSOR_GAPS.get(code, -1))
        result[code] = [ref.code for ref in entry.new_wards] if entry else []
    return result


@transaction.atomic
def load_admin_areas() -> str:
    from vietnam_provinces import Province, ProvinceCode, Ward
    from vietnam_provinces.legacy import base as legacy
    from vietnam_provinces.legacy.codes import ProvinceCode as LegacyProvinceCode

    code = _province_code()
    current, legacy_scheme = AdminArea.Scheme.CURRENT, AdminArea.Scheme.LEGACY
    Level = AdminArea.Level

    province = Province.from_code(ProvinceCode(code))
    provinces, created = _upsert_areas(
        current, [_area(current, code, province.name, province.division_type, Level.PROVINCE)]
    )
    province_row = provinces[str(code)]
    wards = list(Ward.iter_by_province(ProvinceCode(code)))
    current_rows, n = _upsert_areas(
        current, [_area(current, w.code.value, w.name, w.division_type, Level.COMMUNE, province_row) for w in wards]
    )
    created += n

    old_province = legacy.Province.from_code(LegacyProvinceCode(code))
    old_provinces, n = _upsert_areas(
        legacy_scheme, [_area(legacy_scheme, code, old_province.name, old_province.division_type, Level.PROVINCE)]
    )
    created += n
    old_province_row = old_provinces[str(code)]
    districts = list(legacy.District.iter_by_province(LegacyProvinceCode(code)))
    district_rows, n = _upsert_areas(
        legacy_scheme,
        [
            _area(legacy_scheme, d.code.value, d.name, d.division_type, Level.DISTRICT, old_province_row)
            for d in districts
        ],
    )
    created += n
    old_wards = list(legacy.Ward.iter_by_province(LegacyProvinceCode(code)))
    old_ward_rows, n = _upsert_areas(
        legacy_scheme,
        [
            _area(
                legacy_scheme,
                w.code.value,
                w.name,
                w.division_type,
                Level.COMMUNE,
                district_rows[str(w.district_code.value)],
            )
            for w in old_wards
        ],
    )
    created += n

    # Successor links: legacy province -> current province, legacy commune -> current commune(s).
    through = AdminArea.successors.through
    wanted = {(old_province_row.pk, province_row.pk)}
    for old_code, new_codes in legacy_successor_codes().items():
        for new_code in new_codes:
            new_row = current_rows.get(str(new_code))
            if new_row is not None:
                wanted.add((old_ward_rows[str(old_code)].pk, new_row.pk))
    have = set(
        through.objects.filter(
            from_adminarea__scheme=legacy_scheme, from_adminarea__code__in=[*old_ward_rows, str(code)]
        ).values_list("from_adminarea_id", "to_adminarea_id")
    )
    new_links = [through(from_adminarea_id=a, to_adminarea_id=b) for a, b in sorted(wanted - have)]
    through.objects.bulk_create(new_links)

    if created or new_links:
        _record_bulk_load(
            "org.adminarea", f"Nạp đơn vị hành chính {province.name}", created=created, links=len(new_links)
        )
    return (
        f"Đơn vị hành chính {province.name}: {len(wards)} xã, phường hiện hành; "
        f"{len(districts)} huyện và {len(old_wards)} xã cũ (trước 01/07/2025); "
        f"thêm mới {created} đơn vị, {len(new_links)} liên kết cũ → mới."
    )


def _unit(slug: str, name: str, level: str, parent: Unit | None, **extra) -> Unit:
    return Unit(slug=slug, name=name, name_folded=fold(name), level=level, parent=parent, **extra)


def _upsert_units(wanted: list[Unit]) -> tuple[dict[str, Unit], int]:
    """Create the missing units (one tree level), refresh the reference fields of the others."""
    fields = ["name", "short_name", "level", "agency_code", "area_id", "is_active", "active_until", "parent_id"]
    existing = {u.slug: u for u in Unit.objects.filter(slug__in=[w.slug for w in wanted])}
    missing, changed = [], []
    for w in wanted:
        row = existing.get(w.slug)
        if row is None:
            missing.append(w)
        elif any(getattr(row, f) != getattr(w, f) for f in fields):
            for f in fields:
                setattr(row, f, getattr(w, f))
            row.name_folded = fold(row.name)
            changed.append(row)
    if missing:
        Unit.objects.bulk_create(missing)
        rows = {u.slug: u for u in Unit.objects.filter(slug__in=[m.slug for m in missing]).select_related("parent")}
        for u in rows.values():
            u.path = (u.parent.path if u.parent_id else "/") + f"{u.pk}/"
        Unit.objects.bulk_update(list(rows.values()), ["path"])
        existing.update(rows)
    if changed:
        Unit.objects.bulk_update(changed, [f.removesuffix("_id") for f in fields] + ["name_folded"])
        for row in changed:
            expected = (row.parent.path if row.parent_id else "/") + f"{row.pk}/"
            if row.path != expected:
                # A reference unit moved in the data: re-parent its subtree like org.services.unit_move.
                from antt.org.services import rewrite_subtree_paths

                rewrite_subtree_paths(row, expected)
    return existing, len(missing)


@transaction.atomic
def load_units() -> str:
    code = str(_province_code())
    areas = {
        (a.scheme, a.code): a
        for a in AdminArea.objects.filter(
            level__in=[AdminArea.Level.PROVINCE, AdminArea.Level.DISTRICT, AdminArea.Level.COMMUNE]
        )
    }
    province_area = areas.get((AdminArea.Scheme.CURRENT, code))
    if province_area is None:
        load_admin_areas()
        return load_units()
    L = Unit.Level
    inactive = {"is_active": False, "active_until": LEGACY_END}

    roots, created = _upsert_units(
        [
            _unit(
                ROOT_SLUG,
                f"Công an {province_area.name[0].lower()}{province_area.name[1:]}",
                L.PROVINCE,
                None,
                short_name="CAT",
                agency_code=settings.ANTT_POLICE_AGENCY_CODE,
                area=province_area,
            ),
            _unit(
                SERVICE_CENTRE[0],
                SERVICE_CENTRE[1],
                L.OUTSIDE,
                None,
                short_name=SERVICE_CENTRE[2],
                agency_code=SERVICE_CENTRE[3],
                area=province_area,
            ),
        ]
    )
    root = roots[ROOT_SLUG]

    current_communes = sorted(
        (
            a
            for (scheme, _), a in areas.items()
            if scheme == AdminArea.Scheme.CURRENT and a.level == AdminArea.Level.COMMUNE
        ),
        key=lambda a: a.code,
    )
    districts = sorted(
        (
            a
            for (scheme, _), a in areas.items()
            if scheme == AdminArea.Scheme.LEGACY and a.level == AdminArea.Level.DISTRICT
        ),
        key=lambda a: a.code,
    )
    wanted = [_unit(slug, name, L.DEPARTMENT, root, short_name=short) for slug, name, short in DEPARTMENTS]
    wanted += [
        _unit(f"ca-xa-{a.code}", police_name(a.name, a.division_type), L.COMMUNE, root, area=a)
        for a in current_communes
    ]
    wanted += [
        _unit(f"ca-huyen-{a.code}", police_name(a.name, a.division_type), L.DISTRICT, root, area=a, **inactive)
        for a in districts
    ]
    second, n = _upsert_units(wanted)
    created += n

    by_district = {a.pk: second[f"ca-huyen-{a.code}"] for a in districts}
    old_communes = sorted(
        (
            a
            for (scheme, _), a in areas.items()
            if scheme == AdminArea.Scheme.LEGACY and a.level == AdminArea.Level.COMMUNE
        ),
        key=lambda a: a.code,
    )
    _, n = _upsert_units(
        [
            _unit(
                f"ca-xa-cu-{a.code}",
                police_name(a.name, a.division_type),
                L.COMMUNE,
                by_district[a.parent_id],
                area=a,
                **inactive,
            )
            for a in old_communes
        ]
    )
    created += n
    if created:
        _record_bulk_load("org.unit", f"Nạp đơn vị công an của {root.name}", created=created)
    return (
        f"Đơn vị công an: {root.name}, {len(DEPARTMENTS)} phòng, {len(current_communes)} công an xã, phường; "
        f"{len(districts)} công an huyện và {len(old_communes)} công an xã cũ (đến 30/06/2025); thêm mới {created}."
    )


def _record_bulk_load(object_type: str, label: str, **counts: int) -> None:
    """One audit entry per bulk load (rows are inserted with bulk_create, not one by one)."""
    audit.record(
        audit.Action.CREATE,
        object_type=object_type,
        object_id="bulk",
        object_repr=label,
        changes={"source": "vietnam-provinces", **counts},
    )
