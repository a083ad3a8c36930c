"""Lodging demo for `make run` (called by `load_demo`): `ensure_demo_lodging()`.

* The demo hotel of the business account `khachsan` (`establishments.demo.DEMO_BUSINESS`) gets
  20 rooms (101–110, 201–210), an API key for its software — the secret is returned once, for
  `load_demo` to print on the console of `make run`, and never written anywhere else — and a few
  guests staying now (declared through `services.declare_batch`, one of them Korean, under a
  fixed idempotency key so that a second run writes nothing).
* Two watchlist entries entered by the demo head `lanhdao` (Công an phường Hạc Thành): a wanted
  person by document number (`DEMO_WANTED_DOC`: declare a guest with this number to see an
  alert) and a missing person by name and date of birth (`DEMO_MISSING`).
* The demo processor of the exit-entry department, `xulyxnc` (`DEMO_PA08_PROCESSOR`), who sees
  every foreign guest of the province.

Idempotent: rooms, the key, the guests, the entries and the account are created only when missing
(the account is brought back to its description, as `load_demo` does for the others).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from antt.establishments.demo import DEMO_BUSINESS
from antt.establishments.models import EstablishmentAccount
from antt.lodging.models import ApiKey, DeclarationBatch, Room, WatchEntry
from antt.org.models import Role, Unit, User

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DEMO_KEY_NAME = "Phần mềm quản lý khách sạn (minh họa)"
DEMO_IDEMPOTENCY = "demo-lodging-guests-v1"
DEMO_WANTED_DOC = "038090099999"
DEMO_WANTED_NAME = "Lê Văn Truy"
DEMO_MISSING = ("Nguyễn Thị Mất Tích", date(2008, 3, 14))
# (username, password, unit slug, full name, title): public by design, as every demo account.
DEMO_PA08_PROCESSOR = ("xulyxnc", "XuatNhapCanh#2026xl", "pa08", "Đặng Quốc Việt", "Cán bộ xử lý")
DEMO_HEAD = "lanhdao"
ROOMS = [f"{floor}{n:02d}" for floor in (1, 2) for n in range(1, 11)]


@dataclass
class DemoLodging:
    message: str
    api_key: str = ""  # the full key, only when created by this run (print it, store it nowhere)


def _guests(now) -> list[dict]:
    local = now.astimezone(VN).replace(second=0, microsecond=0)

    def at(hours: float) -> str:
        return (local - timedelta(hours=hours)).strftime("%d/%m/%Y %H:%M")

    def leave(days: int) -> str:
        return (local.date() + timedelta(days=days)).strftime("%d/%m/%Y")

    base = {"nationality": "VNM", "doc_type": "CCCD", "reason": "DL", "phone": ""}
    return [
        {
            **base,
            "full_name": "Trần Văn Bình",
            "birth_date": "12/05/1985",
            "sex": "M",
            "doc_number": "038085001234",
            "address": "Số 12 đường Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa",
            "arrived_at": at(20),
            "expected_departure": leave(1),
            "room": "101",
            "reason": "CONGTAC",
            "phone": "0912345678",
        },
        {
            **base,
            "full_name": "Phạm Thị Thu Hà",
            "birth_date": "03/11/1990",
            "sex": "F",
            "doc_number": "001190004567",
            "address": "Số 8 phố Huế, thành phố Hà Nội",
            "arrived_at": at(6),
            "expected_departure": leave(2),
            "room": "102",
        },
        {
            **base,
            "full_name": "Đỗ Minh Đức",
            "birth_date": "21/07/1988",
            "sex": "M",
            "doc_number": "001088007788",
            "address": "Số 8 phố Huế, thành phố Hà Nội",
            "arrived_at": at(6),
            "expected_departure": leave(2),
            "room": "102",
        },
        {
            **base,
            "full_name": "Lương Thị Ngọc Ánh",
            "birth_date": "30/01/1979",
            "sex": "F",
            "doc_number": "040179002345",
            "address": "Xã Diễn Châu, tỉnh Nghệ An",
            "arrived_at": at(3),
            "expected_departure": leave(3),
            "room": "201",
            "reason": "THAMTHAN",
        },
        {
            "full_name": "PARK JI HOON",
            "birth_date": "18/09/1987",
            "sex": "M",
            "doc_type": "PP",
            "doc_number": "M70865432",
            "nationality": "KOR",
            "address": "Seoul, Hàn Quốc",
            "phone": "",
            "arrived_at": at(2),
            "expected_departure": leave(4),
            "room": "205",
            "reason": "DL",
            "visa_kind": "MIENTT",
            "entry_date": (local.date() - timedelta(days=1)).strftime("%d/%m/%Y"),
            "port_of_entry": "VVTX",
        },
    ]


def _rooms(hotel, manager) -> int:
    from antt.lodging import business

    have = set(Room.objects.filter(establishment=hotel).values_list("number", flat=True))
    added = 0
    for number in ROOMS:
        if number not in have:
            business.room_add(establishment=hotel, user=manager, number=number, floor=number[0], beds=2)
            added += 1
    return added


def _api_key(hotel, manager) -> str:
    from antt.lodging import business

    if ApiKey.objects.filter(establishment=hotel, name=DEMO_KEY_NAME, revoked_at__isnull=True).exists():
        return ""
    _key, full = business.key_create(establishment=hotel, name=DEMO_KEY_NAME, user=manager)
    return full


def _staying_guests(hotel, manager) -> str:
    from antt.lodging import services

    if DeclarationBatch.objects.filter(establishment=hotel, idempotency_key=DEMO_IDEMPOTENCY).exists():
        return "đã có"
    result = services.declare_batch(
        establishment=hotel,
        rows=_guests(timezone.now()),
        source=DeclarationBatch.Source.FORM,
        mode=DeclarationBatch.Mode.KEEP_VALID,
        idempotency_key=DEMO_IDEMPOTENCY,
        user=manager,
    )
    return f"{len(result.declarations)} khách"


def _watchlist() -> int:
    from antt.lodging import watch

    head = User.objects.filter(username=DEMO_HEAD, is_active=True).first()
    if head is None:
        return 0
    added = 0
    wanted = WatchEntry.objects.filter(doc_number=DEMO_WANTED_DOC, is_active=True).exists()
    if not wanted:
        watch.watch_add(
            user=head,
            kind=WatchEntry.Kind.WANTED,
            doc_number=DEMO_WANTED_DOC,
            full_name=DEMO_WANTED_NAME,
            nationality="VNM",
            basis="Quyết định truy nã số 01/QĐ-TN (minh họa)",
            note="Dữ liệu minh họa: khai báo một khách có số giấy tờ này để thấy cảnh báo.",
        )
        added += 1
    name, born = DEMO_MISSING
    from antt.core.text import fold

    if not WatchEntry.objects.filter(name_folded=fold(name), birth_date=born, is_active=True).exists():
        watch.watch_add(
            user=head,
            kind=WatchEntry.Kind.MISSING,
            full_name=name,
            birth_date=born,
            nationality="VNM",
            basis="Thông báo tìm người mất tích số 02/TB (minh họa)",
        )
        added += 1
    return added


def _pa08_processor() -> str:
    from antt.org.services import account_ensure

    username, password, slug, full_name, title = DEMO_PA08_PROCESSOR
    unit = Unit.objects.filter(slug=slug).first()
    if unit is None:
        return "chưa có đơn vị PA08"
    account_ensure(
        username=username, full_name=full_name, unit=unit, role=Role.PROCESSOR, password=password, title=title
    )
    return f"{username} / {password} ({unit.name})"


def ensure_demo_lodging() -> DemoLodging:
    """Create what is missing of the lodging demo; a summary line (and a new API key, once)."""
    pa08 = _pa08_processor()
    username = DEMO_BUSINESS[0]
    account = (
        EstablishmentAccount.objects.select_related("establishment", "user")
        .filter(user__username=username, status=EstablishmentAccount.Status.ACTIVE)
        .first()
    )
    if account is None:
        return DemoLodging(f"Lưu trú minh họa: chưa có tài khoản cơ sở {username}; tài khoản xử lý PA08: {pa08}.")
    hotel, manager = account.establishment, account.user
    with transaction.atomic():
        rooms = _rooms(hotel, manager)
        key = _api_key(hotel, manager)
        entries = _watchlist()
    guests = _staying_guests(hotel, manager)
    message = (
        f"Lưu trú minh họa ({hotel.name}): thêm {rooms} phòng, khách đang lưu trú: {guests}, "
        f"thêm {entries} đối tượng theo dõi; tài khoản xử lý PA08: {pa08}."
    )
    return DemoLodging(message, key)
