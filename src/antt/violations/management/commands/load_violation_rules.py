"""Load the legal rules of administrative violations from violations/data. Safe to run again."""

from django.core.management.base import BaseCommand, CommandError

from antt.core.context import acting_as


class Command(BaseCommand):
    help = (
        "Nạp quy tắc xử phạt vi phạm hành chính: dòng bảng thống kê, mức phạt tối đa theo lĩnh vực, "
        "nghị định và hành vi vi phạm, chức danh có thẩm quyền, tình tiết, tham số pháp lý."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-titles",
            action="store_true",
            help="Gán thêm chức danh xử phạt cho các tài khoản minh họa (sau load_demo).",
        )

    def handle(self, *args, **options):
        from antt.violations.loaders import RuleDataError, assign_demo_fining_titles, load_violation_rules

        with acting_as(None, None):
            try:
                self.stdout.write(f"- {load_violation_rules()}")
                if options["demo_titles"]:
                    self.stdout.write(f"- {assign_demo_fining_titles()}")
            except RuleDataError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("Đã nạp quy tắc xử phạt."))
