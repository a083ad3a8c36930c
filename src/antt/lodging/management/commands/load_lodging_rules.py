from django.core.management.base import BaseCommand, CommandError

from antt.lodging.loaders import RuleDataError, load_rules, summary_line


class Command(BaseCommand):
    help = "Nạp danh mục giấy tờ, quốc tịch, cửa khẩu, lý do lưu trú, thời hạn khai báo và lưu trữ (lodging/data)."

    def handle(self, *args, **options):
        try:
            summary = load_rules()
        except RuleDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(summary_line(summary))
