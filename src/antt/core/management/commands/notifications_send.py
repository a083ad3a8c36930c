"""`manage.py notifications_send [--limit N]`: send every due notification.

For cron (every few minutes) and for recovery: rows whose task was lost, retries on a
task backend that cannot defer, rows left by a worker that died mid-send.
"""

from django.core.management.base import BaseCommand

from antt.core import notify


class Command(BaseCommand):
    help = "Gửi các thông báo đến hạn trong hàng đợi (thư điện tử, SMS, Zalo)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="Gửi tối đa chừng này thông báo (mặc định 500).")

    def handle(self, *args, **options):
        summary = notify.send_due(limit=max(options["limit"], 1))
        self.stdout.write(
            f"Đã xử lý {summary.total} thông báo: {summary.sent} đã gửi, {summary.retrying} sẽ gửi lại, "
            f"{summary.failed} không thành công, {summary.cancelled} đã hủy."
        )
