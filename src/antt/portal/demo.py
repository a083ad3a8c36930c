"""Demo content of the portal: a hotline, the public service centre's desk and three announcements.

Idempotent (found again by name / slug, never duplicated). Phone numbers are placeholders, marked
as such on the page: replace them with the real ones in the admin before going live.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from antt.core import audit
from antt.org.models import Unit
from antt.portal.models import Announcement, ContactPoint

REASON = "Dữ liệu trình diễn"
DEMO_NOTE = "Số điện thoại trình diễn: thay bằng số thật trước khi sử dụng."

ANNOUNCEMENTS = [
    {
        "slug": "lich-lam-viec-dip-nghi-tet",
        "title": "Lịch tiếp nhận hồ sơ dịp nghỉ Tết Nguyên đán",
        "summary": "Bộ phận một cửa nghỉ theo lịch nghỉ Tết của cơ quan nhà nước; hồ sơ trực tuyến vẫn được nhận.",
        "body": (
            "Trong thời gian nghỉ Tết Nguyên đán theo thông báo của Bộ Lao động - Thương binh và Xã hội, "
            "bộ phận tiếp nhận và trả kết quả của Công an tỉnh và Công an các xã, phường tạm nghỉ.\n\n"
            "Người dân vẫn có thể nộp hồ sơ trực tuyến; hồ sơ được kiểm tra, tiếp nhận vào ngày làm việc "
            "đầu tiên sau kỳ nghỉ. Ngày hẹn trả kết quả không tính các ngày nghỉ."
        ),
        "pinned": True,
        "days_ago": 2,
    },
    {
        "slug": "nop-ho-so-truc-tuyen-tren-cong",
        "title": "Nộp hồ sơ trực tuyến các thủ tục về cư trú, căn cước",
        "summary": "Nhiều thủ tục được cung cấp trực tuyến toàn trình: không phải đến trụ sở để nộp hồ sơ.",
        "body": (
            "Người dân chọn thủ tục tại trang Thủ tục hành chính, bấm “Nộp hồ sơ trực tuyến”, khai thông tin và "
            "đính kèm giấy tờ. Mã hồ sơ được cấp ngay sau khi nộp.\n\n"
            "Tra cứu tình trạng hồ sơ bằng mã hồ sơ và 4 số cuối số điện thoại đã khai."
        ),
        "pinned": False,
        "days_ago": 10,
    },
    {
        "slug": "tra-cuu-va-nop-phat-vi-pham-giao-thong",
        "title": "Tra cứu và nộp tiền phạt vi phạm hành chính qua mạng",
        "summary": "Tra cứu quyết định xử phạt theo biển số xe và nộp phạt bằng mã VietQR.",
        "body": (
            "Trang Tra cứu vi phạm cho biết các quyết định xử phạt chưa nộp tiền của một biển số xe, "
            "hoặc theo số quyết định và 4 số cuối số định danh.\n\n"
            "Tiền phạt nộp vào tài khoản của Kho bạc Nhà nước ghi trên quyết định; mã VietQR điền sẵn số tiền và nội dung."
        ),
        "pinned": False,
        "days_ago": 20,
    },
]


def load_portal_demo() -> str:
    """Create the demo contact points and announcements that are missing; returns a summary line."""
    now = timezone.now()
    centre = Unit.objects.filter(slug=settings.ANTT_FEEDBACK_INTAKE_UNIT).first()
    points = [
        {
            "name": "Đường dây nóng Công an tỉnh",
            "phone": "0237.000.0000",
            "hours": "24/7",
            "is_hotline": True,
            "order": 1,
            "note": DEMO_NOTE,
        },
        {
            "name": "Bộ phận tiếp nhận và trả kết quả tại Trung tâm Phục vụ hành chính công",
            "unit": centre,
            "address": (centre.address if centre and centre.address else "Trung tâm Phục vụ hành chính công tỉnh"),
            "phone": (centre.phone if centre and centre.phone else "0237.000.0001"),
            "hours": "Thứ Hai đến thứ Sáu, " + ", ".join(settings.ANTT_OFFICE_HOURS.replace("-", "–").split(",")),
            "is_hotline": False,
            "order": 2,
            "note": "" if centre and centre.phone else DEMO_NOTE,
        },
    ]
    created_points = created_news = 0
    with transaction.atomic():
        for values in points:
            if ContactPoint.objects.filter(name=values["name"]).exists():
                continue
            row = ContactPoint.objects.create(**values)
            audit.record_create(row, reason=REASON)
            created_points += 1
        for entry in ANNOUNCEMENTS:
            if Announcement.objects.filter(slug=entry["slug"]).exists():
                continue
            row = Announcement.objects.create(
                slug=entry["slug"],
                title=entry["title"],
                summary=entry["summary"],
                body=entry["body"],
                pinned=entry["pinned"],
                published=True,
                publish_from=now - timedelta(days=entry["days_ago"]),
            )
            audit.record_create(row, reason=REASON)
            created_news += 1
    return f"Cổng thông tin: thêm {created_points} đầu mối liên hệ, {created_news} thông báo."
