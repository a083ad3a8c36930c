"""Daily (cron, after midnight): mark open feedback past its due date as late.

manage.py feedback_daily [--date YYYY-MM-DD]
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from antt.feedback.handling import mark_late


class Command(BaseCommand):
    help = "Đánh dấu quá hạn các phản ánh, kiến nghị chưa xử lý xong đã quá thời hạn."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Ngày tính hạn (YYYY-MM-DD), mặc định hôm nay.")

    def handle(self, *args, **options):
        today = None
        if options.get("date"):
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("Ngày không hợp lệ; dùng dạng YYYY-MM-DD.") from exc
        marked = mark_late(today=today)
        self.stdout.write(f"Đã đánh dấu quá hạn {marked} phản ánh, kiến nghị.")
