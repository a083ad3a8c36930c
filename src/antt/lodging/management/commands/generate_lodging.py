"""Generate realistic demo lodging declarations: `manage.py generate_lodging --declarations 30000`.

Over the lodging establishments already in the database (demo or generated ones), the last
`--months` months up to now; see `antt.lodging.generate`. 10,000,000 declarations on PostgreSQL
take minutes (COPY, indexes built once per month). Demo data only: refused when ANTT_DEBUG is off
unless --force.
"""

from __future__ import annotations

import sys
from datetime import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from antt.core.context import acting_as
from antt.lodging.generate import GenerateError, GenerateOptions, LodgingGenerator, generated_declarations
from antt.violations.management.commands.generate_violations import _duration, _vn


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = (
        "Sinh khai báo lưu trú minh họa cho các cơ sở lưu trú đã có (các tháng gần nhất, có mùa du lịch "
        "biển, khách nước ngoài, khai báo muộn); chỉ dùng khi chạy thử, không dùng trên máy thật."
    )

    def add_arguments(self, parser):
        parser.add_argument("--declarations", type=int, default=30_000, help="Số khai báo cần sinh (mặc định 30.000).")
        parser.add_argument("--months", type=int, default=12, help="Số tháng gần nhất (mặc định 12).")
        parser.add_argument("--seed", type=int, default=1, help="Hạt giống ngẫu nhiên (cùng hạt giống, cùng dữ liệu).")
        parser.add_argument(
            "--until", type=_moment, default=None, help="Thời điểm hiện tại của dữ liệu (ISO 8601), mặc định bây giờ."
        )
        parser.add_argument("--replace", action="store_true", help="Xóa khai báo minh họa đã sinh trước khi sinh mới.")
        parser.add_argument("--force", action="store_true", help="Cho phép chạy khi ANTT_DEBUG tắt.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Không làm gì nếu đã có khai báo minh họa do lệnh này sinh (chạy lại không sinh thêm).",
        )
        parser.add_argument("--no-occupancy", action="store_true", help="Không tính công suất phòng theo ngày.")

    def handle(self, *args, **o):
        if not settings.DEBUG and not o["force"]:
            raise CommandError(
                "Không sinh dữ liệu minh họa khi ANTT_DEBUG tắt (máy chạy thật). "
                "Dùng --force nếu đây là cơ sở dữ liệu thử nghiệm (ví dụ đo hiệu năng)."
            )
        if o["declarations"] < 1 or o["declarations"] > 100_000_000:
            raise CommandError("--declarations phải từ 1 đến 100.000.000.")
        if o["months"] < 1 or o["months"] > 60:
            raise CommandError("--months phải từ 1 đến 60.")
        if o["if_empty"] and not o["replace"] and generated_declarations().exists():
            self.stdout.write("Đã có khai báo lưu trú minh họa: không sinh thêm (dùng --replace để sinh lại).")
            return
        options = GenerateOptions(
            declarations=o["declarations"],
            months=o["months"],
            until=o["until"],
            seed=o["seed"],
            replace=o["replace"],
            occupancy=not o["no_occupancy"],
        )
        verbose = o["verbosity"] >= 1
        tty = verbose and hasattr(self.stdout, "isatty") and self.stdout.isatty()

        def progress(done: int, total: int, elapsed: float) -> None:
            if not verbose or not total:
                return
            rate = done / elapsed if elapsed else 0
            eta = max(total - done, 0) / rate if rate else 0
            line = (
                f"  {_vn(done)}/{_vn(total)} khai báo ({done * 100 // total}%) — {_vn(rate)} dòng/giây, "
                f"còn khoảng {_duration(eta)}"
            )
            if tty:
                sys.stdout.write("\r" + line.ljust(96))
                sys.stdout.flush()
            elif done == total or done % 1_000_000 < 50_000:
                self.stdout.write(line)

        try:
            with acting_as(None, None):
                summary = LodgingGenerator(options, progress=progress).run()
        except GenerateError as exc:
            raise CommandError(str(exc)) from exc
        if tty:
            sys.stdout.write("\n")
        if not verbose:
            return
        if summary.deleted:
            self.stdout.write(f"Đã xóa {_vn(summary.deleted)} khai báo minh họa cũ.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã sinh {_vn(summary.rows)} khai báo lưu trú ({summary.first:%d/%m/%Y}–{summary.last:%d/%m/%Y}) "
                f"tại {_vn(summary.establishments)} cơ sở ({_vn(summary.beach_establishments)} ở vùng biển): "
                f"{_vn(summary.foreigners)} khách nước ngoài, {_vn(summary.late)} khai báo muộn, "
                f"{_vn(summary.stays_staying)} khách đang lưu trú; trong {summary.seconds:.1f} giây "
                f"({_vn(summary.rows_per_second)} dòng/giây)."
            )
        )
        if summary.occupancy:
            self.stdout.write(f"- Công suất phòng: {summary.occupancy}.")
        if o["verbosity"] >= 2:
            for month, n in summary.per_month.items():
                self.stdout.write(f"  {month}: {_vn(n):>10} (biển {_vn(summary.beach_per_month.get(month, 0))})")
