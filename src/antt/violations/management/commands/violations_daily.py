"""Daily sweep of violation files: late decisions, overdue seized items, decision deadlines."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from antt.violations.tasks import violations_daily


class Command(BaseCommand):
    help = (
        "Đánh dấu quyết định quá hạn nộp phạt và gửi cảnh báo tang vật quá hạn, biên bản sắp/quá hạn (chạy hằng ngày)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Ngày xét (YYYY-MM-DD), mặc định hôm nay.")

    def handle(self, *args, **options):
        today = None
        if options.get("date"):
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("Ngày không hợp lệ (định dạng YYYY-MM-DD).") from exc
        summary = violations_daily(today)
        self.stdout.write(
            f"Đã đánh dấu {summary.marked_late} quyết định quá hạn nộp phạt; cảnh báo {summary.seized_alerted} tang vật "
            f"quá hạn tạm giữ, {summary.records_alerted} biên bản sắp/quá hạn ra quyết định, "
            f"{summary.late_alerted} quyết định quá hạn."
        )
