"""`manage.py restore BACKUP --yes`: put a backup back in place of the configured database.

Stop the application (gunicorn, task workers) first. The database is replaced
as a whole, MEDIA_ROOT gets the backed-up files back, and the audit chain is
verified at the end against the head recorded in the manifest.
"""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from antt.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    # The target may be an empty database: model checks (which query it) are for later.
    requires_system_checks = []
    help = "Khôi phục cơ sở dữ liệu và tệp tải lên từ một bản sao lưu (ghi đè dữ liệu hiện có)."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="Tệp .tar.gz hoặc thư mục do lệnh backup tạo ra.")
        parser.add_argument("--yes", action="store_true", help="Xác nhận ghi đè toàn bộ dữ liệu hiện có.")

    def handle(self, *args, **options):
        archive = options["archive"]
        if not archive.exists():
            raise CommandError(f"Không tìm thấy {archive}.")
        target = connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]
        if not options["yes"]:
            raise CommandError(
                f"Khôi phục sẽ XÓA và thay toàn bộ dữ liệu của cơ sở dữ liệu {target} và ghi đè tệp tải lên. "
                "Hãy dừng ứng dụng rồi chạy lại với --yes."
            )
        try:
            manifest = restore_backup(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Đã khôi phục bản sao lưu lúc {manifest['created_at']} vào {target}.")
        audit = manifest["audit"]
        anchors = [f"{audit['head_seq']}:{audit['head_hash']}"] if audit["head_seq"] else []
        call_command("audit_verify", anchor=anchors, stdout=self.stdout, stderr=self.stderr)
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write(
                self.style.WARNING("Bản sao lưu cũ hơn mã nguồn: chạy manage.py migrate trước khi mở lại ứng dụng.")
            )
        self.stdout.write(self.style.SUCCESS("Khôi phục xong."))
