"""Generate realistic demo penalty decisions: `manage.py generate_violations --decisions 20000`.

The mix of the seed's 2019 statistics table (about 91 % road traffic), spread over the
province's commune police and departments, with cases, repeat violators, Thanh Hóa plates,
fines within the catalogue's ranges, payments, records, seized items and suspensions
(`antt.violations.demo`). Rows are written in bulk (COPY on PostgreSQL): a million decisions
take minutes. Demo data only: refused when ANTT_DEBUG is off unless --force.
"""

from __future__ import annotations

import sys
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from antt.core.context import acting_as
from antt.violations.demo import DemoError, DemoGenerator, GenerateOptions, demo_decisions


def _vn(n: float) -> str:
    return f"{n:,.0f}".replace(",", ".")


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} giây"
    return f"{seconds // 60} phút {seconds % 60:02d} giây"


class Command(BaseCommand):
    help = (
        "Sinh quyết định xử phạt vi phạm hành chính minh họa theo cơ cấu bảng thống kê năm 2019 của Đề án "
        "(khoảng 90% giao thông đường bộ); chỉ dùng khi chạy thử, không dùng trên máy thật."
    )

    def add_arguments(self, parser):
        parser.add_argument("--decisions", type=int, default=20_000, help="Số quyết định cần sinh (mặc định 20.000).")
        parser.add_argument("--years", type=int, default=1, help="Số năm (tính ngược từ --until). Mặc định 1.")
        parser.add_argument("--seed", type=int, default=1, help="Hạt giống ngẫu nhiên (cùng hạt giống, cùng dữ liệu).")
        parser.add_argument(
            "--until", type=date.fromisoformat, default=None, help="Ngày cuối (YYYY-MM-DD), mặc định hôm nay."
        )
        parser.add_argument("--replace", action="store_true", help="Xóa dữ liệu minh họa đã sinh trước khi sinh mới.")
        parser.add_argument("--force", action="store_true", help="Cho phép chạy khi ANTT_DEBUG tắt.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Không làm gì nếu đã có quyết định minh họa (make run dùng cờ này: chạy lại không sinh thêm).",
        )

    def handle(self, *args, **o):
        if not settings.DEBUG and not o["force"]:
            raise CommandError(
                "Không sinh dữ liệu minh họa khi ANTT_DEBUG tắt (máy chạy thật). "
                "Dùng --force nếu đây là cơ sở dữ liệu thử nghiệm (ví dụ đo hiệu năng)."
            )
        if o["decisions"] < 1 or o["decisions"] > 20_000_000:
            raise CommandError("--decisions phải từ 1 đến 20.000.000.")
        if o["years"] < 1 or o["years"] > 20:
            raise CommandError("--years phải từ 1 đến 20.")
        if o["if_empty"] and not o["replace"]:
            existing = demo_decisions().count()
            if existing:
                self.stdout.write(
                    f"Đã có {_vn(existing)} quyết định minh họa: không sinh thêm (dùng --replace để sinh lại)."
                )
                return
        options = GenerateOptions(
            decisions=o["decisions"], years=o["years"], until=o["until"], seed=o["seed"], replace=o["replace"]
        )
        verbose = o["verbosity"] >= 1
        tty = verbose and hasattr(self.stdout, "isatty") and self.stdout.isatty()

        def progress(done: int, total: int, elapsed: float) -> None:
            if not verbose or not total:
                return
            rate = done / elapsed if elapsed else 0
            eta = (total - done) / rate if rate else 0
            line = (
                f"  {_vn(done)}/{_vn(total)} quyết định ({done * 100 // total}%) — {_vn(rate)} quyết định/giây, "
                f"còn khoảng {_duration(eta)}"
            )
            if tty:
                sys.stdout.write("\r" + line.ljust(96))
                sys.stdout.flush()
            else:
                self.stdout.write(line)

        try:
            with acting_as(None, None):
                summary = DemoGenerator(options, progress=progress).run()
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        if tty:
            sys.stdout.write("\n")
        if not verbose:
            return
        if summary.deleted:
            self.stdout.write(f"Đã xóa {_vn(summary.deleted)} quyết định minh họa cũ.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã sinh {_vn(summary.decisions)} quyết định minh họa ({summary.start:%d/%m/%Y}–"
                f"{summary.until:%d/%m/%Y}) trong {_vn(summary.cases)} vụ việc, {_vn(summary.records)} biên bản; "
                f"{_vn(summary.rows)} dòng dữ liệu trong {summary.seconds:.1f} giây "
                f"({_vn(summary.decisions_per_second)} quyết định/giây)."
            )
        )
        if not summary.catalogue:
            self.stdout.write(
                self.style.WARNING(
                    "Chưa có danh mục hành vi vi phạm: mức phạt lấy theo mức bình quân của bảng thống kê 2019 "
                    "(chạy `manage.py load_violation_rules` để dùng khung phạt của các nghị định)."
                )
            )
        for code, n in sorted(summary.per_group.items(), key=lambda kv: -kv[1]):
            self.stdout.write(f"  dòng {code:<6} {_vn(n):>10}")
