"""Load the reference data every installation needs. Safe to run again."""

from django.core.management.base import BaseCommand
from django.db import transaction

from antt.core.context import acting_as


class Command(BaseCommand):
    help = (
        "Nạp dữ liệu danh mục: đơn vị hành chính, đơn vị công an, danh mục thủ tục hành chính, "
        "mẫu biểu một cửa, tiêu chí đánh giá hài lòng, thời hạn xử lý và chủ đề phản ánh, kiến nghị, danh mục hành vi vi phạm hành chính và tham số pháp lý, "
        "ngành nghề kinh doanh có điều kiện về ANTT và nhóm cơ sở về PCCC, danh mục giấy tờ, quốc tịch, cửa khẩu và thời hạn thông báo lưu trú, danh mục bộ dữ liệu mở."
    )

    def handle(self, *args, **options):
        from antt.api.loaders import load_datasets
        from antt.catalog.loaders import load_catalog
        from antt.dossiers.loaders import load_forms
        from antt.establishments.loaders import load_establishment_rules
        from antt.feedback.loaders import load_feedback_rules, load_rating_criteria
        from antt.lodging.loaders import load_lodging_rules
        from antt.org.loaders import load_admin_areas, load_units
        from antt.violations.loaders import load_violation_rules

        with acting_as(None, None), transaction.atomic():
            steps = (
                load_admin_areas,
                load_units,
                load_catalog,
                load_forms,
                load_rating_criteria,
                load_feedback_rules,
                load_violation_rules,
                load_establishment_rules,
                load_lodging_rules,
                load_datasets,
            )
            for step in steps:
                message = step()
                self.stdout.write(f"- {message}")
        self.stdout.write(self.style.SUCCESS("Đã nạp dữ liệu danh mục."))
