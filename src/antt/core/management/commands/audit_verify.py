"""`manage.py audit_verify [--anchor SEQ:HASH ...]`: check the audit hash chain.

Exit status 0 when the chain is intact, 1 (with every broken entry named on
stderr) when an entry was edited, removed or inserted.
"""

from django.core.management.base import BaseCommand, CommandError

from antt.core.audit import verify_chain


def _anchor(value: str) -> tuple[int, str]:
    seq, sep, digest = value.partition(":")
    if not sep or not seq.isdigit() or len(digest) != 64:
        raise CommandError(f"Mốc đối chiếu không hợp lệ: {value!r} (dạng SỐ:MÃ_BĂM).")
    return int(seq), digest.lower()


class Command(BaseCommand):
    help = "Kiểm tra tính toàn vẹn của chuỗi nhật ký kiểm tra."

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="SEQ:HASH",
            help="Một đầu chuỗi đã ghi lại ở nơi khác (nhật ký hệ thống, manifest sao lưu) phải còn trong chuỗi.",
        )

    def handle(self, *args, **options):
        anchors = [_anchor(value) for value in options["anchor"]]
        result = verify_chain(anchors=anchors)
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"Đã kiểm tra {result.checked} bản ghi: toàn vẹn."))
            return
        for problem in result.problems:
            self.stderr.write(problem)
        broken = ", ".join(str(seq) for seq in result.broken)
        raise CommandError(
            f"Đã kiểm tra {result.checked} bản ghi: chuỗi nhật ký KHÔNG toàn vẹn "
            f"({len(result.problems)} lỗi; bản ghi bị ảnh hưởng: {broken})."
        )
