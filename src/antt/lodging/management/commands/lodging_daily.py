"""Nightly lodging job: `manage.py lodging_daily [--from YYYY-MM-DD --to YYYY-MM-DD] [--no-retention]`.

1. Monthly partitions of the declarations three months ahead (`partitions.ensure_partitions`;
   PostgreSQL only).
2. Occupancy of yesterday (Vietnam time), or of every day of `--from`…`--to` to backfill
   (`occupancy.compute_day`, an upsert: running twice gives the same rows).
3. Retention (`retention.anonymise_due`): what the `RetentionRule` rows in force say.

Prints a summary in Vietnamese; one audit entry for the occupancy run, one for retention.
Cron, once a night after midnight:

    30 0 * * *  cd /srv/antt && .venv/bin/python manage.py lodging_daily
"""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from antt.core import audit
from antt.core.context import acting_as
from antt.core.models import AuditEvent
from antt.lodging import occupancy, partitions, retention
from antt.lodging.selectors_stats import VN, add_months

MAX_BACKFILL_DAYS = 3 * 366


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{name}: ngày không hợp lệ (định dạng YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = (
        "Việc hằng đêm của lưu trú: tạo phân vùng bảng khai báo 3 tháng tới, tính công suất phòng "
        "(hôm qua hoặc một khoảng ngày) và ẩn danh dữ liệu cá nhân hết thời hạn lưu trữ."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", help="Tính công suất từ ngày (YYYY-MM-DD).")
        parser.add_argument("--to", dest="last", help="Đến ngày (YYYY-MM-DD), mặc định bằng --from.")
        parser.add_argument("--no-retention", action="store_true", help="Không chạy ẩn danh dữ liệu hết hạn.")

    def handle(self, *args, **options):
        today = timezone.now().astimezone(VN).date()
        if options.get("first"):
            first = _day(options["first"], "--from")
            last = _day(options["last"], "--to") if options.get("last") else first
        elif options.get("last"):
            raise CommandError("--to cần đi kèm --from.")
        else:
            first = last = today - timedelta(days=1)
        if last < first:
            raise CommandError("--to phải sau hoặc trùng --from.")
        if (last - first).days >= MAX_BACKFILL_DAYS:
            raise CommandError(f"Mỗi lần tính tối đa {MAX_BACKFILL_DAYS} ngày.")
        if last > today:
            raise CommandError("Không tính công suất cho ngày chưa qua.")

        with acting_as(None):
            made = partitions.ensure_partitions(today.replace(day=1), add_months(today.replace(day=1), 3))
            rows = occupancy.compute_range(first, last)
            with transaction.atomic():
                audit.record(
                    AuditEvent.Action.SYSTEM,
                    object_type="lodging.occupancy",
                    object_id=f"{first.isoformat()}/{last.isoformat()}",
                    object_repr="Tính công suất phòng lưu trú",
                    changes={"first": first.isoformat(), "last": last.isoformat(), "rows": rows},
                )
            kept = None if options["no_retention"] else retention.anonymise_due()

        period = f"ngày {first:%d/%m/%Y}" if first == last else f"từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}"
        self.stdout.write(f"Phân vùng mới: {len(made)}{' (' + ', '.join(made) + ')' if made else ''}.")
        self.stdout.write(f"Công suất phòng {period}: {rows} dòng (cơ sở × ngày).")
        self.stdout.write(kept.summary() if kept else "Bỏ qua ẩn danh dữ liệu hết hạn (--no-retention).")
