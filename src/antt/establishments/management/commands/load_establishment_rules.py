"""Load the rules of security-conditional businesses and fire-safety premises from
establishments/data. Safe to run again."""

from django.core.management.base import BaseCommand, CommandError

from antt.core.context import acting_as


class Command(BaseCommand):
    help = (
        "Nạp quy định về cơ sở kinh doanh có điều kiện về ANTT và cơ sở về PCCC: ngành nghề, thẩm quyền "
        "cấp giấy, nhóm cơ sở PCCC, tần suất kiểm tra, căn cứ thu hồi, thủ tục tác động đến cơ sở."
    )

    def handle(self, *args, **options):
        from antt.establishments.loaders import RuleDataError, load_establishment_rules

        with acting_as(None, None):
            try:
                self.stdout.write(f"- {load_establishment_rules()}")
            except RuleDataError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("Đã nạp quy định về cơ sở."))
