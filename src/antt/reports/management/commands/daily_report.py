"""Write the daily report file(s) for the public service centre. Safe to run again (overwrites)."""

from datetime import date, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError

from antt.reports.selectors import VN
from antt.reports.services import daily_report_write


class Command(BaseCommand):
    help = (
        "Ghi báo cáo ngày cho Trung tâm Phục vụ hành chính công (Excel và CSV UTF-8 có BOM) vào ANTT_REPORTS_DIR: "
        "theo đơn vị và thủ tục, số tiếp nhận, giải quyết (trước hạn / đúng hạn / quá hạn), đang giải quyết, quá hạn."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Ngày báo cáo, YYYY-MM-DD hoặc dd/mm/yyyy (mặc định: hôm nay).")
        parser.add_argument("--yesterday", action="store_true", help="Báo cáo cho ngày hôm qua.")
        parser.add_argument("--output", help="Thư mục ghi tệp (mặc định: ANTT_REPORTS_DIR).")

    def handle(self, *args, **options):
        day = datetime.now(VN).date()
        if options.get("date"):
            raw = options["date"].strip()
            try:
                day = datetime.strptime(raw, "%d/%m/%Y").date() if "/" in raw else date.fromisoformat(raw)
            except ValueError as exc:
                raise CommandError(f"Ngày không hợp lệ: {raw!r} (dùng YYYY-MM-DD hoặc dd/mm/yyyy).") from exc
        elif options.get("yesterday"):
            day -= timedelta(days=1)
        for path in daily_report_write(day=day, directory=options.get("output")):
            self.stdout.write(f"- {path}")
        self.stdout.write(self.style.SUCCESS(f"Đã ghi báo cáo ngày {day:%d/%m/%Y}."))
