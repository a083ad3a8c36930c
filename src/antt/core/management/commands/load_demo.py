"""Demo accounts for `make run`: one per role, and a second commune so that scoping shows.

Safe to run again: accounts are brought back to the table below (passwords included). The
passwords are public by design; never run this command on a production database.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from antt.core.context import acting_as
from antt.org.loaders import ROOT_SLUG
from antt.org.models import Role, Unit

# (username, password, role, unit slug, full name, title, superuser)
COMMUNE = "ca-xa-14797"  # Công an phường Hạc Thành
SECOND_COMMUNE = "ca-xa-14758"  # Công an phường Hàm Rồng
DEMO_ACCOUNTS = [
    ("tiepnhan", "HacThanh#2026tn", Role.RECEPTIONIST, COMMUNE, "Lê Thị Thu Trang", "Cán bộ tiếp nhận", False),
    ("xuly", "HacThanh#2026xl", Role.PROCESSOR, COMMUNE, "Nguyễn Văn Hùng", "Cán bộ xử lý", False),
    ("lanhdao", "HacThanh#2026ld", Role.HEAD, COMMUNE, "Trịnh Đình Dũng", "Trưởng Công an phường", False),
    ("quantridv", "HacThanh#2026qt", Role.UNIT_ADMIN, COMMUNE, "Phạm Thị Hồng", "Quản trị đơn vị", False),
    ("tiepnhanxnc", "XuatNhapCanh#26", Role.RECEPTIONIST, "pa08", "Hoàng Minh Tuấn", "Cán bộ tiếp nhận", False),
    ("xulyxnc", "XuatNhapCanh#2026xl", Role.PROCESSOR, "pa08", "Đặng Quốc Việt", "Cán bộ xử lý", False),
    ("giamsat", "GiamSat#Tinh2026", Role.SUPERVISOR, ROOT_SLUG, "Đỗ Văn Thành", "Cán bộ giám sát", False),
    ("quantri", "QuanTri#Tinh2026", Role.SYSTEM_ADMIN, ROOT_SLUG, "Vũ Quốc Khánh", "Quản trị hệ thống", True),
    (
        "pakn",
        "TrungTam#2026pk",
        Role.RECEPTIONIST,
        "ttpvhcc",
        "Nguyễn Thị Minh Châu",
        "Cán bộ tiếp nhận phản ánh, kiến nghị",
        False,
    ),
    ("tiepnhanhr", "HamRong#2026tn", Role.RECEPTIONIST, SECOND_COMMUNE, "Mai Thị Lan", "Cán bộ tiếp nhận", False),
    ("xulyhr", "HamRong#2026xl", Role.PROCESSOR, SECOND_COMMUNE, "Lê Văn Nam", "Cán bộ xử lý", False),
]


class Command(BaseCommand):
    help = "Tạo tài khoản minh họa cho từng vai trò (chỉ dùng khi chạy thử, không dùng trên máy thật)."

    def handle(self, *args, **options):
        from antt.org.services import account_ensure

        if not settings.DEBUG:
            raise CommandError("Không tạo tài khoản minh họa khi ANTT_DEBUG tắt (máy chạy thật).")
        slugs = {row[3] for row in DEMO_ACCOUNTS}
        units = {u.slug: u for u in Unit.objects.filter(slug__in=slugs)}
        if missing := slugs - set(units):
            raise CommandError(f"Chưa có đơn vị {', '.join(sorted(missing))}: chạy `manage.py load_reference` trước.")
        rows = []
        with acting_as(None, None), transaction.atomic():
            for username, password, role, slug, full_name, title, superuser in DEMO_ACCOUNTS:
                account, created = account_ensure(
                    username=username,
                    full_name=full_name,
                    unit=units[slug],
                    role=role,
                    password=password,
                    title=title,
                    superuser=superuser,
                )
                rows.append((Role(role).label, username, password, units[slug].name, "mới" if created else "đã có"))
            from antt.violations.loaders import assign_demo_fining_titles

            titles = assign_demo_fining_titles()
            from antt.establishments.demo import make_demo_establishments

            establishments = make_demo_establishments()
            from antt.establishments.demo import ensure_demo_business_account

            business = ensure_demo_business_account()
            from antt.lodging.demo import ensure_demo_lodging

            lodging = ensure_demo_lodging()
            from antt.portal.demo import load_portal_demo

            portal = load_portal_demo()
            from antt.feedback.demo import load_feedback_demo

            feedback = load_feedback_demo(COMMUNE)
        self._print_table(rows)
        self.stdout.write(f"- {titles}")
        self.stdout.write(f"- {establishments}")
        self.stdout.write(
            f"- Tài khoản cơ sở kinh doanh minh họa: {business[0]} / {business[1]} ({business[2]}), đăng nhập tại /dang-nhap/"
        )
        self.stdout.write(f"- {lodging.message}")
        self.stdout.write(f"- {portal}")
        self.stdout.write(f"- {feedback}")
        if lodging.api_key:
            self.stdout.write(
                f"- Khóa API minh họa của cơ sở (chỉ hiện một lần, không lưu ở đâu khác): {lodging.api_key}"
            )

    def _print_table(self, rows):
        headers = ("Vai trò", "Tên đăng nhập", "Mật khẩu", "Đơn vị", "")
        widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
        line = "  ".join(f"{{:<{w}}}" for w in widths)
        self.stdout.write(self.style.SUCCESS("Tài khoản minh họa (mật khẩu công khai, chỉ để chạy thử):"))
        self.stdout.write(line.format(*headers))
        self.stdout.write("  ".join("-" * w for w in widths))
        for row in rows:
            self.stdout.write(line.format(*[str(c) for c in row]))
