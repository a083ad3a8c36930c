"""Generate realistic demo establishments and inspections:
`manage.py generate_establishments --establishments 2000 --inspections 10000`.

Business lines, fire categories and inspection rules in force come from the loaded rules data;
units and areas from the reference data (`antt.establishments.generate`). Rows are written in
bulk (COPY on PostgreSQL): 200,000 establishments with 1,000,000 inspections take minutes.
Demo data only: refused when ANTT_DEBUG is off unless --force.
"""

from __future__ import annotations

import sys
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from antt.core.context import acting_as
from antt.establishments.generate import (
    EstablishmentGenerator,
    GenerateError,
    GenerateOptions,
    generated_establishments,
)
from antt.violations.management.commands.generate_violations import _duration, _vn


class Command(BaseCommand):
    help = (
        "Sinh cơ sở kinh doanh có điều kiện về ANTT, cơ sở thuộc diện quản lý về PCCC và các cuộc kiểm tra "
        "minh họa (5 năm gần nhất); chỉ dùng khi chạy thử, không dùng trên máy thật."
    )

    def add_arguments(self, parser):
        parser.add_argument("--establishments", type=int, default=2_000, help="Số cơ sở cần sinh (mặc định 2.000).")
        parser.add_argument(
            "--inspections", type=int, default=None, help="Tổng số cuộc kiểm tra (mặc định gấp 5 lần số cơ sở)."
        )
        parser.add_argument("--seed", type=int, default=1, help="Hạt giống ngẫu nhiên (cùng hạt giống, cùng dữ liệu).")
        parser.add_argument(
            "--until",
            type=date.fromisoformat,
            default=None,
            help="Ngày hiện tại của dữ liệu (YYYY-MM-DD), mặc định hôm nay.",
        )
        parser.add_argument("--replace", action="store_true", help="Xóa cơ sở minh họa đã sinh trước khi sinh mới.")
        parser.add_argument("--force", action="store_true", help="Cho phép chạy khi ANTT_DEBUG tắt.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Không làm gì nếu đã có cơ sở minh họa do lệnh này sinh (chạy lại không sinh thêm).",
        )

    def handle(self, *args, **o):
        if not settings.DEBUG and not o["force"]:
            raise CommandError(
                "Không sinh dữ liệu minh họa khi ANTT_DEBUG tắt (máy chạy thật). "
                "Dùng --force nếu đây là cơ sở dữ liệu thử nghiệm (ví dụ đo hiệu năng)."
            )
        establishments = o["establishments"]
        inspections = 5 * establishments if o["inspections"] is None else o["inspections"]
        if establishments < 1 or establishments > 5_000_000:
            raise CommandError("--establishments phải từ 1 đến 5.000.000.")
        if inspections < 0 or inspections > 50 * establishments:
            raise CommandError("--inspections phải từ 0 đến 50 lần số cơ sở.")
        if o["if_empty"] and not o["replace"]:
            existing = generated_establishments().count()
            if existing:
                self.stdout.write(
                    f"Đã có {_vn(existing)} cơ sở minh họa: không sinh thêm (dùng --replace để sinh lại)."
                )
                return
        options = GenerateOptions(
            establishments=establishments,
            inspections=inspections,
            until=o["until"],
            seed=o["seed"],
            replace=o["replace"],
        )
        verbose = o["verbosity"] >= 1
        tty = verbose and hasattr(self.stdout, "isatty") and self.stdout.isatty()

        def progress(done: int, total: int, elapsed: float) -> None:
            if not verbose or not total:
                return
            rate = done / elapsed if elapsed else 0
            eta = (total - done) / rate if rate else 0
            line = (
                f"  {_vn(done)}/{_vn(total)} cơ sở ({done * 100 // total}%) — {_vn(rate)} cơ sở/giây, "
                f"còn khoảng {_duration(eta)}"
            )
            if tty:
                sys.stdout.write("\r" + line.ljust(96))
                sys.stdout.flush()
            else:
                self.stdout.write(line)

        try:
            with acting_as(None, None):
                summary = EstablishmentGenerator(options, progress=progress).run()
        except GenerateError as exc:
            raise CommandError(str(exc)) from exc
        if tty:
            sys.stdout.write("\n")
        if not verbose:
            return
        if summary.deleted:
            self.stdout.write(f"Đã xóa {_vn(summary.deleted)} cơ sở minh họa cũ.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã sinh {_vn(summary.establishments)} cơ sở ({_vn(summary.fire_profiles)} có hồ sơ PCCC), "
                f"{_vn(summary.inspections)} cuộc kiểm tra ({summary.start:%d/%m/%Y}–{summary.until:%d/%m/%Y}), "
                f"{_vn(summary.findings)} tồn tại ({_vn(summary.open_overdue_findings)} quá hạn chưa khắc phục); "
                f"{_vn(summary.rows)} dòng dữ liệu trong {summary.seconds:.1f} giây "
                f"({_vn(summary.rows_per_second)} dòng/giây)."
            )
        )
        for name, n in summary.per_unit_top:
            self.stdout.write(f"  {name:<40} {_vn(n):>8} cơ sở")
