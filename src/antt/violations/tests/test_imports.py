"""Import of historical penalty decisions (issue 4 item 9): the template, row-by-row
validation with its report, all-or-nothing or skip mode, no duplicates on re-import,
nothing half-written, scope and permission."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from antt.core.models import AuditEvent
from antt.org.models import Role, Unit, User
from antt.org.tests.factories import make_officer, make_unit
from antt.violations import imports
from antt.violations.imports import ImportFileError, ViolationError, import_start
from antt.violations.models import (
    DecisionStatus,
    DecisionViolator,
    PenaltyDecision,
    Source,
    StatGroup,
    ViolationCase,
    ViolationImport,
)
from antt.violations.tests.data.appendix9 import seed_rows, tax_code

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
HEADER = "ma_vu_viec,so_quyet_dinh,ngay_quyet_dinh,don_vi,doi_tuong,so_doi_tuong,nhom_thong_ke,tien_phat,tien_da_nop,tang_vat,giay_phep_bi_tuoc,bien_so"


def make_stat_groups() -> None:
    """The rows of appendix 9 (the legal helper's loader makes the same codes)."""
    for order, row in enumerate(seed_rows()):
        StatGroup.objects.get_or_create(
            code=row.code,
            defaults={"field_no": row.field_no, "field_name": row.field_name, "name": row.group_name, "order": order},
        )


@dataclass
class World:
    province: Unit
    commune: Unit
    other: Unit
    head: User
    other_head: User
    processor: User


@pytest.fixture
def w(settings) -> World:
    settings.TASKS = IMMEDIATE
    make_stat_groups()
    province = make_unit("Công an tỉnh Thử", level=Unit.Level.PROVINCE, slug="ca-tinh-thu")
    commune = make_unit("Công an phường Hạc Thành", parent=province, slug="ca-hac-thanh", agency_code="H56.14.01")
    other = make_unit("Công an phường Hàm Rồng", parent=province, slug="ca-ham-rong")
    return World(
        province=province,
        commune=commune,
        other=other,
        head=make_officer(commune, role=Role.HEAD),
        other_head=make_officer(other, role=Role.HEAD),
        processor=make_officer(commune, role=Role.PROCESSOR),
    )


def csv_file(*lines: str, name: str = "du-lieu.csv", header: str = HEADER) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([header, *lines]) + "\n").encode(), content_type="text/csv")


def good_line(n: int = 1, *, unit: str = "ca-hac-thanh", case: str | None = None, **cells) -> str:
    row = {
        "ma_vu_viec": case or f"VV-{n}",
        "so_quyet_dinh": f"{n}/QĐ-XPVPHC",
        "ngay_quyet_dinh": "15/03/2019",
        "don_vi": unit,
        "doi_tuong": f"0380850{n:05d}",
        "so_doi_tuong": "",
        "nhom_thong_ke": "4",
        "tien_phat": "800000",
        "tien_da_nop": "800000",
        "tang_vat": "",
        "giay_phep_bi_tuoc": "",
        "bien_so": "",
    } | cells
    return ",".join(f'"{v}"' if ("," in v or ";" in v) else v for v in row.values())


def run(officer, file, mode=ViolationImport.Mode.ALL_OR_NOTHING, *, capture) -> ViolationImport:
    with capture(execute=True):
        batch = import_start(officer=officer, file=file, mode=mode)
    batch.refresh_from_db()
    return batch


# --- a good file -----------------------------------------------------------------------------


def test_a_valid_file_becomes_imported_decisions_with_their_cases_and_violators(w, django_capture_on_commit_callbacks):
    # given two decisions of one case (two violators in the second) and one of another case
    file = csv_file(
        good_line(1, case="VV-A"),
        good_line(2, case="VV-A", doi_tuong=f"038085000777;{tax_code(5)}", tien_da_nop="300000", bien_so="36A12345"),
        good_line(3, case="VV-B", nhom_thong_ke="1.1", tien_phat="0", tien_da_nop="0", tang_vat="2"),
    )

    # when the head of the commune imports it
    batch = run(w.head, file, capture=django_capture_on_commit_callbacks)

    # then three decisions, two cases and four violator keys exist, all marked as imported
    assert batch.state == ViolationImport.State.DONE
    assert (batch.total_rows, batch.created_rows, batch.duplicate_rows, batch.error_rows) == (3, 3, 0, 0)
    decisions = {d.external_ref: d for d in PenaltyDecision.objects.filter(import_batch=batch)}
    assert set(decisions) == {"1/QĐ-XPVPHC", "2/QĐ-XPVPHC", "3/QĐ-XPVPHC"}
    first, second, third = (decisions[f"{n}/QĐ-XPVPHC"] for n in (1, 2, 3))
    assert first.kind == PenaltyDecision.Kind.IMPORTED and first.source == Source.IMPORT
    assert first.unit == w.commune and first.unit_path == w.commune.path
    assert first.case == second.case != third.case
    assert first.case.source == Source.IMPORT and first.case.code == f"NK{w.commune.pk}-VV-A"
    assert first.number == f"NK{w.commune.pk}-1/QĐ-XPVPHC"
    assert str(first.issued_on) == "2019-03-15" and timezone.localtime(first.issued_at).date() == first.issued_on
    assert first.violator_id_number == "038085000001" and first.status == DecisionStatus.PAID
    assert (second.violator_count, second.status, second.plate) == (2, DecisionStatus.PARTLY_PAID, "36A12345")
    assert third.warning_only and third.status == DecisionStatus.WARNING and third.seized_count == 2
    assert third.stat_group.code == "1.1"
    keys = set(DecisionViolator.objects.filter(decision=second).values_list("violator_key", "kind"))
    assert keys == {("id:038085000777", "person"), (f"tax:{tax_code(5)}", "organisation")}
    # and one audit entry tells what the import did
    entry = (
        AuditEvent.objects.filter(object_type__endswith="violationimport", object_id=str(batch.pk))
        .order_by("seq")
        .last()
    )
    assert entry.changes["created"] == 3


def test_reimporting_the_same_file_creates_nothing_and_counts_the_rows_already_present(
    w, django_capture_on_commit_callbacks
):
    # given a file already imported once
    lines = [good_line(1, case="VV-A"), good_line(2, case="VV-A")]
    run(w.head, csv_file(*lines), capture=django_capture_on_commit_callbacks)

    # when the same file (plus one new row) is imported again
    batch = run(w.head, csv_file(*lines, good_line(3, case="VV-A")), capture=django_capture_on_commit_callbacks)

    # then only the new row is written, into the existing case
    assert (batch.created_rows, batch.duplicate_rows) == (1, 2)
    assert "2 dòng đã có" in batch.message
    assert PenaltyDecision.objects.count() == 3
    assert ViolationCase.objects.count() == 1
    assert DecisionViolator.objects.count() == 3


def test_violators_given_only_as_a_count_are_counted_as_distinct_anonymous_violators(
    w, django_capture_on_commit_callbacks
):
    # given a decision for three violators of which only one ID number is known
    batch = run(w.head, csv_file(good_line(1, so_doi_tuong="3")), capture=django_capture_on_commit_callbacks)

    # then three violator keys, one of them the known person
    keys = sorted(DecisionViolator.objects.values_list("violator_key", flat=True))
    assert batch.created_rows == 1 and len(keys) == 3
    assert keys[0] == "id:038085000001" and all(k.startswith(f"import:{w.commune.pk}:") for k in keys[1:])


def test_an_excel_file_imports_like_a_csv(w, django_capture_on_commit_callbacks):
    from openpyxl import Workbook

    # given the same rows in an .xlsx workbook with numbers and a real date cell
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(
        ["VV-X", "9/QĐ", timezone.datetime(2019, 5, 2), "ca-hac-thanh", "038085000009", None, "4", 1500000, 1500000]
    )
    ws.append(["VV-X", "10/QĐ", "03/05/2019", "H56.14.01", "038085000010", None, "1.2", 2000000.0, 0, 1])
    out = io.BytesIO()
    wb.save(out)
    file = SimpleUploadedFile("lich-su.xlsx", out.getvalue())

    # when imported
    batch = run(w.head, file, capture=django_capture_on_commit_callbacks)

    # then both rows are decisions with their amounts and dates
    assert batch.state == ViolationImport.State.DONE and batch.created_rows == 2
    d = PenaltyDecision.objects.get(external_ref="9/QĐ")
    assert (str(d.issued_on), d.total_fine, d.amount_paid) == ("2019-05-02", 1500000, 1500000)
    assert PenaltyDecision.objects.get(external_ref="10/QĐ").seized_count == 1


def test_vietnamese_column_labels_are_accepted_as_the_header(w, django_capture_on_commit_callbacks):
    header = ",".join(f'"{c.label}"' for c in imports.COLUMNS if c.key in HEADER.split(","))
    batch = run(w.head, csv_file(good_line(1), header=header), capture=django_capture_on_commit_callbacks)
    assert batch.created_rows == 1


# --- the row report ----------------------------------------------------------------------------

BAD_ROWS = [
    ("bad date", {"ngay_quyet_dinh": "31/02/2019"}, "ngay_quyet_dinh", "không có thật"),
    ("unreadable date", {"ngay_quyet_dinh": "15.03.2019"}, "ngay_quyet_dinh", "không đúng định dạng"),
    ("missing date", {"ngay_quyet_dinh": ""}, "ngay_quyet_dinh", "Bắt buộc"),
    ("negative fine", {"tien_phat": "-500000"}, "tien_phat", "âm"),
    ("fine not a number", {"tien_phat": "năm trăm"}, "tien_phat", "không phải số nguyên"),
    ("paid more than fined", {"tien_da_nop": "900000"}, "tien_da_nop", "lớn hơn số tiền phạt"),
    ("unknown unit", {"don_vi": "khong-co"}, "don_vi", "Không có đơn vị"),
    ("unknown group", {"nhom_thong_ke": "11.9"}, "nhom_thong_ke", "Không có nhóm thống kê"),
    ("no group nor behaviour", {"nhom_thong_ke": ""}, "nhom_thong_ke", "Cần ghi nhóm thống kê"),
    ("malformed ID", {"doi_tuong": "03808500001X"}, "doi_tuong", "số định danh"),
    ("ID with a bad province", {"doi_tuong": "999085000001"}, "doi_tuong", "mã tỉnh"),
    ("tax code with a bad check digit", {"doi_tuong": "2800000010"}, "doi_tuong", "kiểm tra"),
    ("no violator", {"doi_tuong": ""}, "doi_tuong", "ít nhất 1"),
    (
        "count below the keys",
        {"doi_tuong": "038085000001;038085000002", "so_doi_tuong": "1"},
        "so_doi_tuong",
        "Nhỏ hơn",
    ),
    ("malformed plate", {"bien_so": "XYZ"}, "bien_so", "Biển số"),
]


@pytest.mark.parametrize(("label", "cells", "column", "reason"), BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_a_bad_row_is_reported_with_its_row_column_and_reason(
    w, django_capture_on_commit_callbacks, label, cells, column, reason
):
    # given a file whose second data row (line 3 of the file) is wrong
    file = csv_file(good_line(1), good_line(2, **cells), good_line(3))

    # when imported all-or-nothing
    batch = run(w.head, file, capture=django_capture_on_commit_callbacks)

    # then nothing is written and the report names line 3, the column and the reason
    assert batch.state == ViolationImport.State.REJECTED
    assert PenaltyDecision.objects.count() == 0 and ViolationCase.objects.count() == 0
    assert batch.error_rows == 1
    assert [(e["row"], e["column"]) for e in batch.errors] == [(3, column)]
    assert reason in batch.errors[0]["message"]


def test_a_future_date_is_refused(w, django_capture_on_commit_callbacks):
    tomorrow = timezone.localdate() + timedelta(days=1)
    batch = run(
        w.head,
        csv_file(good_line(1, ngay_quyet_dinh=f"{tomorrow:%d/%m/%Y}")),
        capture=django_capture_on_commit_callbacks,
    )
    assert batch.errors[0]["column"] == "ngay_quyet_dinh" and "tương lai" in batch.errors[0]["message"]


def test_a_row_repeated_in_the_file_is_reported_against_its_first_occurrence(w, django_capture_on_commit_callbacks):
    batch = run(w.head, csv_file(good_line(1), good_line(2), good_line(1)), capture=django_capture_on_commit_callbacks)
    assert batch.errors == [
        {"row": 4, "column": "so_quyet_dinh", "label": "Số quyết định", "message": batch.errors[0]["message"]}
    ]
    assert "dòng 2" in batch.errors[0]["message"]


def test_a_unit_outside_the_officers_scope_is_an_error_row(w, django_capture_on_commit_callbacks):
    # given a commune head importing a row of the neighbouring commune
    batch = run(w.head, csv_file(good_line(1, unit="ca-ham-rong")), capture=django_capture_on_commit_callbacks)
    # then the row is refused: the unit is not theirs
    assert batch.errors[0]["column"] == "don_vi" and "ngoài phạm vi" in batch.errors[0]["message"]
    assert PenaltyDecision.objects.count() == 0


def test_skip_mode_writes_the_good_rows_and_reports_the_bad_ones(w, django_capture_on_commit_callbacks):
    # given two good rows around a bad one
    file = csv_file(good_line(1), good_line(2, tien_phat="-1"), good_line(3))

    # when imported skipping bad rows
    batch = run(w.head, file, ViolationImport.Mode.SKIP_BAD, capture=django_capture_on_commit_callbacks)

    # then the good rows are written and the bad one reported
    assert batch.state == ViolationImport.State.DONE
    assert (batch.created_rows, batch.error_rows) == (2, 1)
    assert set(PenaltyDecision.objects.values_list("external_ref", flat=True)) == {"1/QĐ-XPVPHC", "3/QĐ-XPVPHC"}
    assert batch.errors[0]["row"] == 3


# --- the file as a whole -----------------------------------------------------------------------


def test_a_file_with_wrong_columns_is_refused_with_the_expected_columns(w):
    # given a header with a typo and a missing column
    file = csv_file(
        "VV-1,1/QĐ,15/03/2019,ca-hac-thanh,800000", header="ma_vu_viec,so_qd,ngay_quyet_dinh,don_vi,tien_phat"
    )

    # when uploaded, then it is refused at once, listing what the template expects
    with pytest.raises(ImportFileError) as exc:
        import_start(officer=w.head, file=file, mode="all")
    assert exc.value.status == 400
    assert "thiếu cột so_quyet_dinh" in exc.value.message and "“so_qd”" in exc.value.message
    assert "Các cột của mẫu: ma_vu_viec, so_quyet_dinh" in exc.value.message
    assert ViolationImport.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("du-lieu.xlsx", b"ma_vu_viec,so_quyet_dinh\n", "không phải tệp XLSX"),
        ("du-lieu.csv", b"PK\x03\x04" + b"\x00" * 40, "không phải tệp CSV"),
        ("du-lieu.csv", b"%PDF-1.7\n%%EOF", "không phải tệp CSV"),
        ("du-lieu.pdf", b"%PDF-1.7\n%%EOF", "Chỉ nhận tệp CSV hoặc Excel"),
        ("du-lieu.csv", "ma_vu_viec;Số".encode("utf-16"), "không phải tệp CSV"),
        ("du-lieu.csv", "ma_vu_viec,Đơn\n".encode("cp1258"), "UTF-8"),
        ("du-lieu.csv", b"", "rỗng"),
    ],
)
def test_a_file_that_is_not_what_its_extension_says_is_refused(w, name, content, reason):
    with pytest.raises(ImportFileError) as exc:
        import_start(officer=w.head, file=SimpleUploadedFile(name, content), mode="all")
    assert reason in exc.value.message
    assert ViolationImport.objects.count() == 0


def test_an_oversized_file_is_refused_with_413(w, settings):
    settings.ANTT_IMPORT_MAX_BYTES = 200
    with pytest.raises(ImportFileError) as exc:
        import_start(officer=w.head, file=csv_file(*(good_line(n) for n in range(1, 10))), mode="all")
    assert exc.value.status == 413 and "vượt quá" in exc.value.message


def test_an_officer_without_the_import_capability_is_refused(w):
    with pytest.raises(ViolationError) as exc:
        import_start(officer=w.processor, file=csv_file(good_line(1)), mode="all")
    assert exc.value.status == 403
    assert ViolationImport.objects.count() == 0


# --- faults ------------------------------------------------------------------------------------


def test_a_crash_while_writing_leaves_nothing_and_marks_the_import_failed(
    w, django_capture_on_commit_callbacks, monkeypatch
):
    # given the database fails while writing the violators, after cases and decisions were sent
    original = imports._Table.write

    def failing(self, rows, with_id):
        if self.table == DecisionViolator._meta.db_table:
            raise RuntimeError("disk full")
        return original(self, rows, with_id)

    monkeypatch.setattr(imports._Table, "write", failing)

    # when a good file is imported
    batch = run(w.head, csv_file(good_line(1), good_line(2)), capture=django_capture_on_commit_callbacks)

    # then nothing of it is in the database and the batch says so
    assert batch.state == ViolationImport.State.FAILED
    assert "không dòng nào được ghi" in batch.message
    assert PenaltyDecision.objects.count() == 0 and ViolationCase.objects.count() == 0
    assert DecisionViolator.objects.count() == 0


def test_import_rows_is_callable_without_http_and_reports_progress(w):
    # given a batch and rows as the benchmark builds them
    batch = ViolationImport.objects.create(
        unit=w.commune, created_by=w.head, file_name="bench", file_sha256="0" * 64, mode="all"
    )
    header = HEADER.split(",")
    rows = [dict(zip(header, good_line(n).split(","), strict=True)) for n in range(1, 4501)]
    seen = []

    # when imported directly
    result = imports.import_rows(batch, rows, progress=lambda done, total: seen.append((done, total)))

    # then every row is written and the progress moved to the end
    assert result.created == 4500 and PenaltyDecision.objects.count() == 4500
    assert seen == [(2000, 4500), (4000, 4500), (4500, 4500)]


def test_import_run_of_a_finished_batch_changes_nothing(w, django_capture_on_commit_callbacks):
    batch = run(w.head, csv_file(good_line(1)), capture=django_capture_on_commit_callbacks)
    again = imports.import_run(batch.pk)
    assert again.state == ViolationImport.State.DONE and PenaltyDecision.objects.count() == 1


# --- the templates -----------------------------------------------------------------------------


def test_the_downloadable_templates_carry_every_column_and_import_as_they_are(w):
    from python_calamine import CalamineWorkbook

    csv_rows = imports.read_table("mau.csv", imports.template_csv())
    book = CalamineWorkbook.from_filelike(io.BytesIO(imports.template_xlsx()))
    header = book.get_sheet_by_index(0).to_python()[0]
    assert header == list(imports.COLUMN_KEYS)
    assert len(csv_rows) == 1 and set(csv_rows[0]) == set(imports.COLUMN_KEYS)
    assert "Huong dan" in book.sheet_names


def test_the_example_row_of_the_template_is_valid_and_the_stored_template_is_current(
    w, django_capture_on_commit_callbacks
):
    from pathlib import Path

    # given a unit with the example's code
    make_unit("Công an phường (ví dụ)", parent=w.commune, slug=imports.EXAMPLE_UNIT)
    stored = Path(imports.__file__).parent / "data" / "import-template.csv"

    # when the template is imported as downloaded
    file = SimpleUploadedFile("mau.csv", imports.template_csv())
    batch = run(w.head, file, capture=django_capture_on_commit_callbacks)

    # then its example row is one valid decision with two violators, and the file in the repo is the same
    assert (batch.created_rows, batch.error_rows) == (1, 0), batch.errors
    assert PenaltyDecision.objects.get().violator_count == 2
    assert stored.read_bytes() == imports.template_csv()
