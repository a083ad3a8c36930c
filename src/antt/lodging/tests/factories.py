"""Builders for lodging tests, on top of `establishments_world`.

    from antt.lodging.tests.factories import lodging_world, make_declaration, guest_row
    w = lodging_world()                  # rules loaded, hotel in commune A, hotel_b in commune B,
                                         # an active manager account for the hotel, a PA08 unit
    d = make_declaration(w.hotel)        # one arrival written directly (no service, no audit)
    row = guest_row(full_name="Trần Thị Bình")      # a raw row as a form/file/API would send it

`fast_rules()` bulk-creates the real code tables of `lodging/data/` (document types, countries, ports,
reasons, deadline and retention rules): they are small and the tests check the law's deadlines.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import yaml
from django.db import transaction
from django.utils import timezone

from antt.core.text import fold
from antt.establishments.models import Establishment, EstablishmentAccount
from antt.establishments.tests.factories import EstablishmentsWorld, establishments_world, make_establishment
from antt.lodging import ids
from antt.lodging.loaders import DATA_DIR, PORT_DEFAULTS, SECTIONS
from antt.lodging.models import Country, DeadlineRule, Declaration, PortOfEntry
from antt.org.models import Role, Unit, User
from antt.org.tests.factories import make_officer, make_unit

VN = ZoneInfo("Asia/Ho_Chi_Minh")
_seq = itertools.count(1)
# Synthetic passport MRZ (docs/legal/lodging.md §5.3): valid check digits.
MRZ_VN = "P<VNMNGUYEN<<VAN<AN<<<<<<<<<<<<<<<<<<<<<<<<<\nC1234567<0VNM9001158M3001145038090012345<<72"
MRZ_ICAO = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"


@dataclass
class LodgingWorld:
    est: EstablishmentsWorld
    hotel: Establishment
    hotel_b: Establishment
    manager: User  # the hotel's active manager account
    receptionist: User  # an active staff account of the hotel
    manager_b: User
    pa08: Unit
    pa08_officer: User  # processor of the exit-entry department

    def __getattr__(self, name):  # w.commune_a, w.processor_a, w.head_a … from the establishments world
        return getattr(self.est, name)


def _business_user(establishment: Establishment, *, manager: bool) -> User:
    n = next(_seq)
    user = User.objects.create_user(
        username=f"ks{n}", password="Mat-khau#2026", full_name=f"Lễ tân {n}", role="", unit=None, is_staff=False
    )
    EstablishmentAccount.objects.create(
        user=user, establishment=establishment, is_manager=manager, status=EstablishmentAccount.Status.ACTIVE
    )
    return user


_RULES_CACHE: dict = {}


def fast_rules() -> None:
    """The real code tables and rules of `lodging/data/`, bulk-created without audit entries
    (the loader itself, with its audit trail, is tested in test_foundation): ~20 ms, not ~1 s."""
    if DeadlineRule.objects.exists():
        return
    if not _RULES_CACHE:
        rules = yaml.safe_load((DATA_DIR / "rules.yaml").read_text(encoding="utf-8"))
        countries = yaml.safe_load((DATA_DIR / "countries.yaml").read_text(encoding="utf-8"))
        _RULES_CACHE.update(rules=rules, countries=countries)
    rules, countries = _RULES_CACHE["rules"], _RULES_CACHE["countries"]
    for key, model, _natural, _label in SECTIONS:
        defaults = PORT_DEFAULTS if model is PortOfEntry else {}
        model.objects.bulk_create([model(**{**defaults, **row}) for row in rules.get(key) or []])
    Country.objects.bulk_create(
        [
            Country(code=c, name=n, name_en=e, name_folded=fold(f"{n} {e}"), stats_code=s, is_icao_special=special)
            for special, section in ((False, "countries"), (True, "icao_special"))
            for c, n, e, s in countries.get(section) or []
        ]
    )


def lodging_world(settings=None) -> LodgingWorld:
    """The establishments world + lodging rules + two hotels with accounts + an exit-entry unit.
    Pass pytest's `settings` fixture to point ANTT_LODGING_EXIT_ENTRY_UNITS at the new PA08."""
    fast_rules()
    est = establishments_world()
    hotel = make_establishment(est, name="Khách sạn Sông Mã", lines=["t-luu-tru"], lodging_kind="Khách sạn", rooms=20)
    hotel_b = make_establishment(
        est, name="Nhà nghỉ Hàm Rồng", lines=["t-luu-tru"], unit=est.commune_b, lodging_kind="Nhà nghỉ", rooms=8
    )
    pa08 = make_unit("Phòng Quản lý xuất nhập cảnh", parent=est.province, level=Unit.Level.DEPARTMENT)
    if settings is not None:
        settings.ANTT_LODGING_EXIT_ENTRY_UNITS = pa08.slug
    return LodgingWorld(
        est=est,
        hotel=hotel,
        hotel_b=hotel_b,
        manager=_business_user(hotel, manager=True),
        receptionist=_business_user(hotel, manager=False),
        manager_b=_business_user(hotel_b, manager=True),
        pa08=pa08,
        pa08_officer=make_officer(pa08, role=Role.PROCESSOR, full_name="Hà Văn Xuất"),
    )


def on_time_arrival() -> datetime:
    """An arrival about an hour ago (Vietnam time) whose deadline is still ahead, whatever the hour
    the tests run: after 23:00 an arrival before 23:00 would already be late, so it is 23:00."""
    now = timezone.now().astimezone(VN).replace(second=0, microsecond=0)
    if now.hour == 23:
        return now.replace(minute=0)
    return now - timedelta(hours=1)


def guest_row(**overrides) -> dict:
    """A raw Vietnamese guest as a form, a file or the API sends it (strings, as typed)."""
    n = next(_seq)
    arrived = on_time_arrival()
    row = {
        "full_name": "Nguyễn Văn An",
        "birth_date": "15/01/1990",
        "sex": "M",
        "doc_type": "CCCD",
        "doc_number": f"0380900{n:05d}",
        "nationality": "VNM",
        "address": "Số 5 Trần Phú, phường Hạc Thành, tỉnh Thanh Hóa",
        "phone": "",
        "arrived_at": arrived.strftime("%d/%m/%Y %H:%M"),
        "expected_departure": (arrived.date() + timedelta(days=2)).strftime("%d/%m/%Y"),
        "room": "101",
        "reason": "DL",
    }
    row.update(overrides)
    return row


def foreign_row(**overrides) -> dict:
    """A raw foreign guest (the ICAO specimen's data, a Korean passport number)."""
    n = next(_seq)
    arrived = on_time_arrival()
    row = {
        "full_name": "KIM MIN JUN",
        "birth_date": "12/08/1985",
        "sex": "M",
        "doc_type": "PP",
        "doc_number": f"M{n:08d}",
        "nationality": "KOR",
        "address": "Seoul, Hàn Quốc",
        "arrived_at": arrived.strftime("%d/%m/%Y %H:%M"),
        "expected_departure": (arrived.date() + timedelta(days=3)).strftime("%d/%m/%Y"),
        "room": "202",
        "reason": "DL",
        "visa_kind": "MIENTT",
        "visa_number": "",
        "visa_expiry": "",
        "entry_date": arrived.strftime("%d/%m/%Y"),
        "port_of_entry": "VVTX",
    }
    row.update(overrides)
    return row


def make_declaration(
    establishment: Establishment,
    *,
    full_name: str = "Nguyễn Văn An",
    birth_date: date | None = date(1990, 1, 15),
    doc_type: str = "CCCD",
    doc_number: str | None = None,
    nationality: str = "VNM",
    arrived_at: datetime | None = None,
    state: str = Declaration.State.STAYING,
    source: str = "form",
    **extra,
) -> Declaration:
    """One arrival written directly (no validation, no watchlist, no audit): for reads."""
    n = next(_seq)
    arrived_at = arrived_at or timezone.now() - timedelta(hours=2)
    with transaction.atomic():
        (pk,) = ids.allocate(1)
        fields = {
            "id": pk,
            "stay_id": pk,
            "kind": Declaration.Kind.ARRIVAL,
            "is_current": True,
            "state": state,
            "establishment": establishment,
            "unit_id": establishment.unit_id,
            "area_id": establishment.area_id,
            "lodging_kind": establishment.lodging_kind,
            "room": "101",
            "full_name": full_name,
            "name_folded": fold(full_name),
            "birth_date": birth_date,
            "birth_year": birth_date.year if birth_date else None,
            "sex": "M",
            "doc_type": doc_type,
            "doc_number": doc_number or f"0380900{n:05d}",
            "nationality": nationality,
            "stats_nationality": nationality,
            "address": "Số 5 Trần Phú",
            "arrived_at": arrived_at,
            "expected_departure": (arrived_at + timedelta(days=2)).date(),
            "reason": "DL",
            "declared_at": arrived_at + timedelta(minutes=5),
            "due_at": arrived_at + timedelta(hours=6),
            "source": source,
            **extra,
        }
        return Declaration.objects.create(**fields)
