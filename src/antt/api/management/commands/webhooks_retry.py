"""`manage.py webhooks_retry [--limit N]`: send every due webhook delivery.

For cron (every minute): retries on a task backend that cannot defer, deliveries whose task was
lost, deliveries left by a worker that died mid-send, deliveries that waited behind an earlier one
of the same subscription. Safe to run in parallel with itself and with the task workers: due rows
are claimed with SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL) and leased before the network call.
"""

from django.core.management.base import BaseCommand

from antt.api import webhooks


class Command(BaseCommand):
    help = "Gửi các sự kiện (webhook) đến hạn gửi hoặc gửi lại."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=200, help="Gửi tối đa chừng này lượt (mặc định 200).")

    def handle(self, *args, **options):
        summary = webhooks.deliver_due(limit=max(options["limit"], 1))
        self.stdout.write(
            f"Đã xử lý {summary.total} lượt gửi sự kiện: {summary.delivered} thành công, "
            f"{summary.failed} lỗi (sẽ thử lại), {summary.dead} ngừng thử lại."
        )
