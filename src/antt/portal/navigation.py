"""What a signed-in officer is offered: navigation links and home-page actions, by capability.

Links whose page does not exist yet (a later release) have no URL: the home page
shows them as "sắp có", the navigation leaves them out. URL names are tried in
order, so a link appears as soon as the app that owns the page defines one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.core.signals import setting_changed
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from antt.org.roles import can


def optional_url(*names: str) -> str | None:
    # Every page builds the navigation (about twenty reverses, most of them failing for a visitor):
    # the answers only change with the URL configuration and the script prefix, so they are kept.
    return _optional_url(names, get_urlconf(), get_script_prefix())


@lru_cache(maxsize=512)
def _optional_url(names: tuple[str, ...], urlconf, prefix: str) -> str | None:
    for name in names:
        try:
            return reverse(name, urlconf=urlconf)
        except NoReverseMatch:
            continue
    return None


def _forget_urls(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":  # tests that swap the URL configuration
        _optional_url.cache_clear()


setting_changed.connect(_forget_urls)

CATALOG_URLS = ("catalog:procedure-list", "catalog:procedure_list", "catalog:list", "catalog:index")
OFFICER_URLS = ("org:officer-list", "org:officer_list", "org:officers")
UNIT_URLS = ("org:unit-tree", "org:unit-list")


@dataclass(frozen=True)
class Action:
    """One card on the staff home page."""

    capability: str
    title: str
    description: str
    url_names: tuple[str, ...] = ()

    @property
    def url(self) -> str | None:
        return optional_url(*self.url_names) if self.url_names else None


# In the order officers meet them; each role sees the ones its capabilities allow.
ACTIONS: tuple[Action, ...] = (
    Action(
        "catalog.view", "Tra cứu thủ tục", "Tìm thủ tục hành chính, thành phần hồ sơ, thời hạn, lệ phí.", CATALOG_URLS
    ),
    Action(
        "dossier.receive",
        "Tiếp nhận hồ sơ",
        "Tiếp nhận hồ sơ, in giấy tiếp nhận và hẹn trả kết quả.",
        ("dossiers:intake",),
    ),
    Action(
        "dossier.view",
        "Danh sách hồ sơ",
        "Hồ sơ chờ tiếp nhận, đang xử lý, chờ phê duyệt, chờ trả, quá hạn; sổ theo dõi hồ sơ.",
        ("dossiers:list",),
    ),
    Action("dossier.return", "Trả kết quả", "Trả kết quả giải quyết thủ tục cho người dân.", ("dossiers:list",)),
    Action(
        "dossier.receive",
        "Đánh giá tại quầy",
        "Người dân đánh giá mức độ hài lòng trên máy tính bảng.",
        ("feedback:counter",),
    ),
    Action("dossier.process", "Xử lý hồ sơ", "Thẩm định, xử lý hồ sơ được giao.", ("dossiers:list",)),
    Action("dossier.approve", "Phê duyệt hồ sơ", "Xem xét, phê duyệt kết quả giải quyết.", ("dossiers:list",)),
    Action(
        "reports.view",
        "Thống kê",
        "Số liệu tiếp nhận, giải quyết, trước hạn / đúng hạn / quá hạn, hài lòng; biểu đồ và xuất Excel.",
        ("reports:statistics",),
    ),
    Action(
        "violation.record",
        "Lập biên bản vi phạm",
        "Biên bản vi phạm hành chính: người vi phạm, hành vi theo danh mục, tang vật tạm giữ.",
        ("violations:record-new",),
    ),
    Action(
        "violation.view",
        "Biên bản và quyết định xử phạt",
        "Biên bản chờ ra quyết định, quyết định chưa nộp phạt, quá hạn; thu tiền phạt tại quầy.",
        ("violations:decision-list",),
    ),
    Action(
        "violation.seize",
        "Tang vật, phương tiện tạm giữ",
        "Sổ theo dõi tang vật, phương tiện, giấy tờ tạm giữ; quá hạn tạm giữ.",
        ("violations:seized-list",),
    ),
    Action(
        "violation.view",
        "Giấy phép bị tước",
        "Sổ giấy phép lái xe, giấy phép bị tước quyền sử dụng có thời hạn.",
        ("violations:suspension-list",),
    ),
    Action(
        "reports.view",
        "Thống kê vi phạm hành chính",
        "Bảng thống kê theo Phụ lục 9, xu hướng theo tháng, hành vi, địa bàn; xuất Excel, PDF.",
        ("violations:stats",),
    ),
    Action(
        "violation.import",
        "Nhập dữ liệu vi phạm",
        "Nhập quyết định xử phạt cũ từ Excel, CSV.",
        ("violations:import-new",),
    ),
    Action(
        "violation.reconcile",
        "Đối soát sao kê Kho bạc",
        "Nhập sao kê, đối chiếu tiền phạt đã nộp.",
        ("violations:treasury-list",),
    ),
    Action("officer.manage", "Quản lý cán bộ", "Tài khoản, vai trò và đơn vị của cán bộ.", OFFICER_URLS),
    Action("unit.manage", "Đơn vị", "Cây đơn vị Công an và địa bàn phụ trách.", UNIT_URLS),
    Action("catalog.manage", "Quản trị danh mục", "Lĩnh vực, thủ tục, lệ phí, ngày nghỉ.", ("admin:index",)),
    Action("audit.view", "Nhật ký kiểm tra", "Ai đã làm gì, khi nào, từ đâu."),
    Action(
        "establishment.view",
        "Cơ sở kinh doanh, PCCC",
        "Sổ theo dõi cơ sở kinh doanh có điều kiện về ANTT và cơ sở thuộc diện quản lý về PCCC; giấy chứng nhận.",
        ("establishments:list",),
    ),
    Action(
        "establishment.view",
        "Kế hoạch kiểm tra",
        "Cơ sở đến hạn kiểm tra trong tháng, quá hạn; tồn tại quá hạn khắc phục.",
        ("establishments:plan",),
    ),
    Action(
        "establishment.manage",
        "Tài khoản cơ sở kinh doanh",
        "Duyệt tài khoản doanh nghiệp đăng ký để xem hồ sơ cơ sở và nộp hồ sơ trực tuyến.",
        ("establishments:account-list",),
    ),
    Action(
        "establishment.view",
        "Chia sẻ dữ liệu cơ sở",
        "Tệp CSV, Excel, JSON và API cho cơ quan thuế, văn hóa, quy hoạch (không có dữ liệu cá nhân).",
        ("establishments:share-home",),
    ),
    Action(
        "lodging.view",
        "Lưu trú",
        "Khách đang lưu trú trên địa bàn, khai báo muộn, người nước ngoài tạm trú.",
        ("lodging:police-home",),
    ),
    Action(
        "lodging.search",
        "Tra cứu lưu trú",
        "Tìm khách theo họ tên, ngày sinh, số giấy tờ; lịch sử lưu trú của một người (ghi lý do tra cứu).",
        ("lodging:police-search",),
    ),
    Action(
        "watchlist.view",
        "Cảnh báo lưu trú",
        "Đối tượng truy nã, người mất tích đến lưu trú: tiếp nhận và xử lý cảnh báo.",
        ("lodging:alert-list",),
    ),
    Action(
        "lodging.stats",
        "Thống kê lưu trú",
        "Lượt khách, ngày khách theo quốc tịch, loại cơ sở, xã phường; công suất phòng.",
        ("lodging:stats",),
    ),
    Action(
        "feedback.view",
        "Phản ánh, kiến nghị",
        "Tiếp nhận, phân loại, chuyển xử lý, trả lời và công khai phản ánh, kiến nghị của người dân.",
        ("feedback:staff-list",),
    ),
    Action(
        "feedback.stats",
        "Thống kê phản ánh, kiến nghị",
        "Số phản ánh, kiến nghị theo chủ đề, đơn vị, tháng; tỷ lệ trả lời đúng hạn, hài lòng.",
        ("feedback:staff-stats",),
    ),
    Action(
        "portal.edit",
        "Thông báo trên cổng",
        "Đăng, sửa, ghim, gỡ thông báo cho người dân trên cổng dịch vụ công.",
        ("portal:announcement-manage",),
    ),
    Action(
        "agency.manage",
        "Kết nối cơ quan",
        "Khóa API của cơ quan, hệ thống khác: phạm vi dữ liệu, giới hạn, lượt gọi; sự kiện (webhook) và nhật ký gửi.",
        ("api:agency-key-list",),
    ),
)


def actions_for(user) -> list[Action]:
    return [action for action in ACTIONS if can(user, action.capability)]


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


def _is_current(path: str, url: str) -> bool:
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url)


def nav_items(request) -> list[NavItem]:
    """Main navigation: public links for everyone, then what the officer's role allows."""
    user = getattr(request, "user", None)
    entries: list[tuple[str, str | None]] = []
    if user is not None and user.is_authenticated and getattr(user, "is_officer", False):
        entries.append(("Trang cán bộ", optional_url("portal:staff-home")))
    else:
        entries.append(("Trang chủ", optional_url("portal:home")))
    entries.append(("Thủ tục hành chính", optional_url(*CATALOG_URLS)))
    if can(user, "dossier.receive"):
        entries.append(("Tiếp nhận", optional_url("dossiers:intake")))
    if can(user, "dossier.view"):
        entries.append(("Hồ sơ", optional_url("dossiers:list")))
    if can(user, "violation.view"):
        entries.append(("Vi phạm hành chính", optional_url("violations:record-list")))
    if can(user, "establishment.view"):
        entries.append(("Cơ sở", optional_url("establishments:list")))
    if can(user, "lodging.view"):
        entries.append(("Lưu trú", optional_url("lodging:police-home")))
    if can(user, "reports.view"):
        entries.append(("Thống kê", optional_url("reports:statistics")))
    if can(user, "feedback.view"):
        entries.append(("Phản ánh, kiến nghị", optional_url("feedback:staff-list")))
    if can(user, "portal.edit"):
        entries.append(("Thông báo", optional_url("portal:announcement-manage")))
    if can(user, "agency.manage"):
        entries.append(("Kết nối", optional_url("api:agency-key-list")))
    if not (user is not None and user.is_authenticated and getattr(user, "is_officer", False)):
        entries.append(("Nộp hồ sơ trực tuyến", optional_url("dossiers:online-start")))
        entries.append(("Tra cứu hồ sơ", optional_url("dossiers:public-lookup")))
        entries.append(("Tra cứu vi phạm", optional_url("violations:lookup")))
        entries.append(("Doanh nghiệp", optional_url("establishments:business-home")))
        entries.append(("Phản ánh, kiến nghị", optional_url("feedback:public-home")))
        entries.append(("Dữ liệu mở", optional_url("api:opendata-list")))
        entries.append(("Liên hệ", optional_url("portal:contacts")))
    if can(user, "officer.view"):
        entries.append(("Cán bộ", optional_url(*OFFICER_URLS)))
        entries.append(("Đơn vị", optional_url(*UNIT_URLS)))
    if user is not None and user.is_authenticated and (can(user, "unit.manage") or user.is_superuser):
        entries.append(("Quản trị", optional_url("admin:index")))
    path = request.path
    # The establishments app lives under several prefixes; all of them belong to "Cơ sở".
    establishments = optional_url("establishments:list")
    if establishments and any(
        (prefix := optional_url(name)) and path.startswith(prefix)
        for name in (
            "establishments:certificate-list",
            "establishments:fire-list",
            "establishments:inspection-list",
            "establishments:share-home",
        )
    ):
        path = establishments
    # The most specific match is the current page ("/" must not win over "/thu-tuc/").
    matches = [url for _, url in entries if url and _is_current(path, url)]
    current = max(matches, key=len) if matches else None
    return [NavItem(label, url, url == current) for label, url in entries if url]
