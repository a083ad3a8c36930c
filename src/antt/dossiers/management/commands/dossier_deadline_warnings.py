"""Warn officers and heads of dossiers and steps due soon or late (run by cron, e.g. at 07:00 and 13:00).

python -m django dossier_deadline_warnings            # send now
python -m django dossier_deadline_warnings --enqueue  # hand it to the task worker instead
"""

from django.core.management.base import BaseCommand

from antt.dossiers.tasks import deadline_warnings_send, warn_deadlines


class Command(BaseCommand):
    help = "Cảnh báo cán bộ và lãnh đạo về hồ sơ, bước xử lý sắp đến hạn hoặc quá hạn (mỗi ngày một lần)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="Đưa vào hàng đợi tác vụ thay vì chạy ngay (db_worker sẽ chạy)."
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            result = warn_deadlines.enqueue()
            self.stdout.write(f"Đã đưa tác vụ cảnh báo hạn xử lý vào hàng đợi (mã {result.id}).")
            return
        s = deadline_warnings_send()
        self.stdout.write(
            f"Hồ sơ sắp đến hạn/quá hạn: {s.dossiers}; bước xử lý: {s.steps}; "
            f"thông báo mới: {s.queued}; đã cảnh báo hôm nay: {s.already_warned}; "
            f"cán bộ không có thư điện tử/số điện thoại: {s.no_channel}."
        )
