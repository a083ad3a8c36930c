"""Generate realistic demo dossiers: `manage.py generate_dossiers --months 3`.

The seed's monthly volumes per field (about 24,000 a month, `antt.dossiers.demo`),
spread over the province's units, working days and office hours, with statuses that
match their age. Rows are written in bulk (COPY on PostgreSQL); a million dossiers
take minutes, not hours. Demo data only: refused when ANTT_DEBUG is off unless --force.
"""

from __future__ import annotations

import sys
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from antt.core.context import acting_as
from antt.dossiers.demo import DemoError, DemoGenerator, GenerateOptions


def _vn(n: float) -> str:
    return f"{n:,.0f}".replace(",", ".")


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} giây"
    return f"{seconds // 60} phút {seconds % 60:02d} giây"


class Command(BaseCommand):
    help = (
        "Sinh hồ sơ minh họa theo số lượng hằng tháng của Đề án (QĐ 273/QĐ-UBND năm 2021), "
        "chỉ dùng khi chạy thử, không dùng trên máy thật."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=3, help="Số tháng (tính ngược từ --until). Mặc định 3.")
        parser.add_argument(
            "--per-month", type=int, default=None, help="Tổng số hồ sơ mỗi tháng (mặc định theo Đề án, ~24.000)."
        )
        parser.add_argument("--total", type=int, default=None, help="Tổng số hồ sơ cho cả khoảng (thay --per-month).")
        parser.add_argument("--seed", type=int, default=1, help="Hạt giống ngẫu nhiên (cùng hạt giống, cùng dữ liệu).")
        parser.add_argument(
            "--until", type=date.fromisoformat, default=None, help="Ngày cuối (YYYY-MM-DD), mặc định hôm nay."
        )
        parser.add_argument("--replace", action="store_true", help="Xóa hồ sơ minh họa đã sinh trước khi sinh mới.")
        parser.add_argument("--no-documents", action="store_true", help="Không sinh danh mục giấy tờ đã nộp.")
        parser.add_argument("--force", action="store_true", help="Cho phép chạy khi ANTT_DEBUG tắt.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Không làm gì nếu đã có hồ sơ minh họa (make run dùng cờ này: chạy lại không sinh thêm).",
        )

    def handle(self, *args, **o):
        if not settings.DEBUG and not o["force"]:
            raise CommandError(
                "Không sinh hồ sơ minh họa khi ANTT_DEBUG tắt (máy chạy thật). "
                "Dùng --force nếu đây là cơ sở dữ liệu thử nghiệm (ví dụ đo hiệu năng)."
            )
        if o["months"] < 1 or o["months"] > 120:
            raise CommandError("--months phải từ 1 đến 120.")
        for name in ("per_month", "total"):
            if o[name] is not None and o[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} phải là số nguyên dương.")
        if o["if_empty"] and not o["replace"]:
            from antt.dossiers.models import Dossier

            existing = Dossier.objects.filter(form_data__demo=True).count()
            if existing:
                self.stdout.write(
                    f"Đã có {_vn(existing)} hồ sơ minh họa: không sinh thêm (dùng --replace để sinh lại)."
                )
                return
        options = GenerateOptions(
            months=o["months"],
            per_month=o["per_month"],
            total=o["total"],
            seed=o["seed"],
            until=o["until"],
            replace=o["replace"],
            documents=not o["no_documents"],
        )
        verbose = o["verbosity"] >= 1
        tty = verbose and self.stdout.isatty() if hasattr(self.stdout, "isatty") else False

        def progress(done: int, total: int, elapsed: float) -> None:
            if not verbose or not total:
                return
            rate = done / elapsed if elapsed else 0
            eta = (total - done) / rate if rate else 0
            line = (
                f"  {_vn(done)}/{_vn(total)} hồ sơ ({done * 100 // total}%) — {_vn(rate)} hồ sơ/giây, "
                f"còn khoảng {_duration(eta)}"
            )
            if tty:
                sys.stdout.write("\r" + line.ljust(90))
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
            self.stdout.write(f"Đã xóa {_vn(summary.deleted)} hồ sơ minh họa cũ.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã sinh {_vn(summary.dossiers)} hồ sơ minh họa ({summary.start:%d/%m/%Y}–{summary.until:%d/%m/%Y}), "
                f"{_vn(summary.rows)} dòng dữ liệu trong {summary.seconds:.1f} giây "
                f"({_vn(summary.dossiers_per_second)} hồ sơ/giây)."
            )
        )
        for slug, n in sorted(summary.per_field.items(), key=lambda kv: -kv[1]):
            self.stdout.write(f"  {slug:<26} {_vn(n):>10}")
        for slug, n in sorted(summary.skipped.items()):
            self.stdout.write(
                self.style.WARNING(
                    f"  Bỏ qua {_vn(n)} hồ sơ lĩnh vực {slug}: chưa có thủ tục có thời hạn trong danh mục."
                )
            )
