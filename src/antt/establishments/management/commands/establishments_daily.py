"""Daily sweep of establishments: `manage.py establishments_daily [--unit ID] [--date YYYY-MM-DD]`.

Lifts the certificate suspensions whose term ended (`certificates.restore_expired_suspensions`),
then recomputes every establishment's risk score and periodic due dates (`inspections.refresh_many`,
in batches), so that the monthly plan reads fresh values. Cron, once a night:

    15 1 * * *  cd /srv/antt && .venv/bin/python manage.py establishments_daily
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from antt.core.context import acting_as
from antt.establishments.inspections import establishments_daily
from antt.org.models import Unit


class Command(BaseCommand):
    help = (
        "Cập nhật hằng ngày: hết hạn thu hồi có thời hạn giấy chứng nhận, điểm rủi ro và hạn kiểm tra định kỳ "
        "của các cơ sở (toàn tỉnh hoặc một đơn vị và các đơn vị trực thuộc)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Ngày xét (YYYY-MM-DD), mặc định hôm nay.")
        parser.add_argument("--unit", help="Chỉ một đơn vị (mã số hoặc slug) và các đơn vị trực thuộc.")
        parser.add_argument("--batch", type=int, default=1000, help="Số cơ sở mỗi lượt (mặc định 1.000).")

    def handle(self, *args, **options):
        today = None
        if options.get("date"):
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("Ngày không hợp lệ (định dạng YYYY-MM-DD).") from exc
        unit = None
        if options.get("unit"):
            key = options["unit"]
            by_id = key.isascii() and key.isdigit() and len(key) <= 18
            unit = Unit.objects.filter(pk=int(key)).first() if by_id else Unit.objects.filter(slug=key).first()
            if unit is None:
                raise CommandError(f"Không tìm thấy đơn vị {key}.")
        if not 1 <= options["batch"] <= 10_000:
            raise CommandError("--batch phải từ 1 đến 10.000.")
        verbosity = options.get("verbosity", 1)

        def progress(result):
            if verbosity > 1:
                self.stdout.write(f"  … {result.processed} cơ sở")

        with acting_as(None):
            summary = establishments_daily(today, unit=unit, batch=options["batch"], progress=progress)
        r = summary.refresh
        self.stdout.write(
            f"Đã xét {r.processed} cơ sở: {r.changed} thay đổi ({r.risk_changed} điểm rủi ro, "
            f"{r.due_changed} hạn kiểm tra); {summary.restored} giấy chứng nhận hết thời hạn thu hồi."
        )
