"""`manage.py backup [--output DIR] [--no-archive]`: back up a running system."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from antt.core.backup import BackupError, create_backup, default_backup_dir, read_manifest


class Command(BaseCommand):
    help = "Sao lưu cơ sở dữ liệu và tệp tải lên khi hệ thống đang chạy (một tệp .tar.gz có manifest.json)."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help=f"Thư mục đích (mặc định {default_backup_dir()}).")
        parser.add_argument(
            "--no-archive", action="store_true", help="Để nguyên thư mục có dấu thời gian, không nén .tar.gz."
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        try:
            path = create_backup(options["output"], archive=not options["no_archive"], using=options["database"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if path.is_dir():
            audit = read_manifest(path)["audit"]
            self.stdout.write(f"Đầu chuỗi nhật ký: {audit['head_seq']}:{audit['head_hash']}")
        self.stdout.write(self.style.SUCCESS(f"Đã sao lưu vào {path}"))
        # Last line: the path alone, for scripts.
        self.stdout.write(str(path))
