"""Open datasets: their rows, the three download formats, caching, limits and errors, the pages."""

import csv
import io
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from antt.api.loaders import load_datasets
from antt.api.models import Dataset
from antt.api.opendata import BUILDERS, PERSONAL_MARKERS, Period, published_rows
from antt.api.suppression import FLAG_KEY
from antt.catalog.tests.conftest import catalog  # noqa: F401 (the fixture: the seed catalogue)
from antt.reports.tests.conftest import world  # noqa: F401 (the fixture: hand-counted dossiers, May 2026)

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # the rate-limit counters
    yield
    cache.clear()


@pytest.fixture
def datasets(db):
    load_datasets()
    return {d.slug: d for d in Dataset.objects.all()}


def rows_of(slug: str, *, period: Period | None = None) -> list[list]:
    dataset = Dataset.objects.get(slug=slug)
    return list(published_rows(BUILDERS[slug], min_cell=dataset.min_cell, period=period))


def as_dicts(slug: str, rows: list[list]) -> list[dict]:
    keys = [c.key for c in BUILDERS[slug].all_columns]
    return [dict(zip(keys, r, strict=True)) for r in rows]


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # the test client closes the response at the end
    return response.content


# --- loader --------------------------------------------------------------------------------------------


def test_load_datasets_creates_every_dataset_with_a_builder_and_keeps_admin_edits():
    # when the datasets are loaded
    message = load_datasets()
    # then every dataset of the file exists, each with a builder
    assert set(Dataset.objects.values_list("slug", flat=True)) == set(BUILDERS)
    assert "5 mới" in message
    # given an administrator's edits
    Dataset.objects.filter(slug="vi-pham-thong-ke").update(title="Tên đã sửa", min_cell=10, is_published=False)
    # when the file is loaded again
    message = load_datasets()
    # then nothing is created twice and the edits are kept
    assert Dataset.objects.count() == len(BUILDERS)
    assert "0 mới" in message
    kept = Dataset.objects.get(slug="vi-pham-thong-ke")
    assert (kept.title, kept.min_cell, kept.is_published) == ("Tên đã sửa", 10, False)
    # and every creation left an audit entry
    from antt.core.models import AuditEvent

    assert AuditEvent.objects.filter(reason__startswith="Nạp danh mục bộ dữ liệu mở").count() == len(BUILDERS)


def test_no_dataset_publishes_a_personal_column():
    for slug, builder in BUILDERS.items():
        for column in builder.all_columns:
            for marker in PERSONAL_MARKERS:
                assert marker not in column.key, f"{slug}.{column.key} looks personal"
            assert column.title and column.type


# --- ho-so-theo-thang -------------------------------------------------------------------------------------


def test_dossier_figures_by_month_follow_the_reports_definitions(world, datasets):  # noqa: F811
    # given the hand-counted world and no suppression (min_cell 1)
    Dataset.objects.filter(slug="ho-so-theo-thang").update(min_cell=1)
    unit_a = world.w.unit.name
    # when the dataset is read for May 2026
    rows = as_dicts("ho-so-theo-thang", rows_of("ho-so-theo-thang", period=Period(date(2026, 5, 1), date(2026, 5, 1))))
    # then unit A's row has the counts of the reports' definitions
    (a,) = [r for r in rows if r["don_vi"] == unit_a]
    assert a["thang"] == "2026-05"
    assert (a["tiep_nhan"], a["da_giai_quyet"]) == (5, 4)  # d2 d3 d4 d5 d6 / d1 d2 d3 d5
    assert (a["truoc_han"], a["dung_han"], a["qua_han"]) == (2, 1, 1)
    assert a["ty_le_dung_han"] == 0.75
    assert (a["so_danh_gia"], a["hai_long"], a["ty_le_hai_long"]) == (2, 1, 0.5)
    assert a[FLAG_KEY] is False
    # and only May is in the rows
    assert {r["thang"] for r in rows} == {"2026-05"}
    everything = as_dicts("ho-so-theo-thang", rows_of("ho-so-theo-thang"))
    assert {r["thang"] for r in everything} == {"2026-04", "2026-05", "2026-06"}


def test_dossier_small_counts_are_suppressed(world, datasets):  # noqa: F811
    # given the default threshold of 5
    rows = as_dicts("ho-so-theo-thang", rows_of("ho-so-theo-thang", period=Period(date(2026, 5, 1), date(2026, 5, 1))))
    a = next(r for r in rows if r["don_vi"] == world.w.unit.name)
    # then received (5) is published, every count from 1 to 4 and the rates are not
    assert a["tiep_nhan"] == 5
    for key in ("da_giai_quyet", "truoc_han", "dung_han", "qua_han", "so_danh_gia", "hai_long"):
        assert a[key] is None, key
    assert a["ty_le_dung_han"] is None and a["ty_le_hai_long"] is None
    assert a[FLAG_KEY] is True


# --- vi-pham-thong-ke -------------------------------------------------------------------------------------


@pytest.fixture
def decisions(db):
    from antt.violations.tests.factories import make_decision, violations_world

    w = violations_world()
    made = [make_decision(w) for _ in range(2)]
    return w, made


def test_violation_statistics_count_decisions_and_hide_the_fines_of_small_cells(decisions, datasets):
    w, made = decisions
    # given no suppression
    Dataset.objects.filter(slug="vi-pham-thong-ke").update(min_cell=1)
    rows = as_dicts("vi-pham-thong-ke", rows_of("vi-pham-thong-ke"))
    # then the decisions of one unit, month and statistics row are one row with their sums
    (row,) = rows
    assert row["don_vi"] == w.unit.name
    assert row["so_quyet_dinh"] == 2
    assert row["tien_phat"] == sum(d.total_fine for d in made)
    assert row["thang"] == f"{made[0].issued_on:%Y-%m}"
    # when the threshold is 5: the count and every amount of the cell are hidden
    Dataset.objects.filter(slug="vi-pham-thong-ke").update(min_cell=5)
    (hidden,) = as_dicts("vi-pham-thong-ke", rows_of("vi-pham-thong-ke"))
    assert [hidden[k] for k in ("so_quyet_dinh", "tien_phat", "da_nop", "tang_vat", "tuoc_giay_phep")] == [None] * 5
    assert hidden["don_vi"] == w.unit.name and hidden[FLAG_KEY] is True


def test_cancelled_decisions_are_not_counted(decisions, datasets):
    from antt.violations.models import DecisionStatus, PenaltyDecision

    _, made = decisions
    Dataset.objects.filter(slug="vi-pham-thong-ke").update(min_cell=1)
    PenaltyDecision.objects.filter(pk=made[0].pk).update(status=DecisionStatus.CANCELLED)
    (row,) = as_dicts("vi-pham-thong-ke", rows_of("vi-pham-thong-ke"))
    assert row["so_quyet_dinh"] == 1


# --- luu-tru-quoc-tich ------------------------------------------------------------------------------------


def test_lodging_guests_by_nationality_with_small_counts_hidden(datasets, settings):
    from antt.lodging.models import Country
    from antt.lodging.tests.factories import lodging_world, make_declaration

    # given 6 Korean guests and 2 Japanese guests in March 2026, each staying 2 nights
    lw = lodging_world(settings)
    Country.objects.get_or_create(code="KOR", defaults={"name": "Hàn Quốc", "stats_code": "KOR"})
    Country.objects.get_or_create(code="JPN", defaults={"name": "Nhật Bản", "stats_code": "JPN"})
    arrived = datetime(2026, 3, 10, 14, tzinfo=VN)
    for i in range(6):
        make_declaration(lw.hotel, nationality="KOR", doc_type="PASSPORT", doc_number=f"M{i:07d}", arrived_at=arrived)
    for i in range(2):
        make_declaration(lw.hotel, nationality="JPN", doc_type="PASSPORT", doc_number=f"T{i:07d}", arrived_at=arrived)
    # when the dataset is read
    rows = {r["ma_quoc_tich"]: r for r in as_dicts("luu-tru-quoc-tich", rows_of("luu-tru-quoc-tich"))}
    # then Korea is published, Japan's guests and nights are hidden
    assert rows["KOR"]["thang"] == "2026-03"
    assert (rows["KOR"]["luot_khach"], rows["KOR"]["ngay_khach"], rows["KOR"][FLAG_KEY]) == (6, 12, False)
    assert (rows["JPN"]["luot_khach"], rows["JPN"]["ngay_khach"], rows["JPN"][FLAG_KEY]) == (None, None, True)


# --- co-so-co-giay-chung-nhan ---------------------------------------------------------------------------


def test_certificates_publish_business_data_only(datasets):
    from antt.establishments.models import Certificate, Establishment
    from antt.establishments.tests.factories import establishments_world, make_establishment

    # given a company's and a household business's certificates
    w = establishments_world()
    company = make_establishment(w, name="Công ty TNHH Karaoke Ánh Dương")
    household = make_establishment(
        w, name="Hộ kinh doanh Nguyễn Văn Chủ", kind=Establishment.Kind.HOUSEHOLD, trade_name="Karaoke Hoa Mai"
    )
    nameless = make_establishment(w, name="Hộ kinh doanh Trần Thị Bé", kind=Establishment.Kind.HOUSEHOLD)
    for n, e in enumerate((company, household, nameless)):
        cert = Certificate.objects.create(
            number=f"GCN-{n}",
            establishment=e,
            unit=e.unit,
            issued_on=date(2026, 2, n + 1),
            holder_name="Lê Thị An Ninh",
        )
        cert.lines.set(e.lines.all())
    # when the dataset is read
    rows = as_dicts("co-so-co-giay-chung-nhan", rows_of("co-so-co-giay-chung-nhan"))
    # then names are the company's and the households' signs, never a person's name or data
    assert [r["ten_co_so"] for r in rows] == [
        "Công ty TNHH Karaoke Ánh Dương",
        "Karaoke Hoa Mai",
        "Hộ kinh doanh (không công bố tên)",
    ]
    assert rows[0]["so_giay_chung_nhan"] == "GCN-0" and rows[0]["ngay_cap"] == "2026-02-01"
    assert rows[0]["tinh_trang"] == "Còn hiệu lực" and rows[0]["nganh_nghe"]
    text = json.dumps(rows, ensure_ascii=False)
    for personal in ("Nguyễn Văn Chủ", "Trần Thị Bé", "Lê Thị An Ninh", "038090012345", "0912000111", "12 Lê Lợi"):
        assert personal not in text
    assert company.tax_code not in text


def test_the_catalogue_dataset_lists_procedures_in_force(catalog, datasets):  # noqa: F811
    from antt.catalog.models import Procedure

    rows = as_dicts("thu-tuc-hanh-chinh", rows_of("thu-tuc-hanh-chinh"))
    assert 0 < len(rows) <= Procedure.objects.count()
    assert all(r["ma_thu_tuc"] and r["ten_thu_tuc"] and r["linh_vuc"] for r in rows)
    assert {r["muc_do_truc_tuyen"] for r in rows} <= {
        "Dịch vụ công trực tuyến toàn trình",
        "Dịch vụ công trực tuyến một phần",
        "Chưa cung cấp trực tuyến",
    }


# --- downloads -----------------------------------------------------------------------------------------


def _cell(value):
    return "" if value is None else ("1" if value is True else "0" if value is False else str(value))


@pytest.mark.parametrize("slug", ["thu-tuc-hanh-chinh", "ho-so-theo-thang"])
def test_every_format_parses_and_equals_the_builder_rows(slug, world, catalog, datasets):  # noqa: F811
    expected = rows_of(slug)
    columns = BUILDERS[slug].all_columns
    assert expected
    client = Client()
    # CSV: UTF-8 with BOM, header of column keys, the same rows
    response = client.get(f"/data/{slug}.csv")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = body(response)
    assert raw.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == [c.key for c in columns]
    assert table[1:] == [[_cell(v) for v in r] for r in expected]
    # JSON: dataset, columns, rows as objects
    response = client.get(f"/data/{slug}.json")
    assert response.status_code == 200 and response.streaming
    doc = json.loads(body(response))
    assert doc["dataset"]["identifier"] == slug
    assert [c["key"] for c in doc["columns"]] == [c.key for c in columns]
    assert doc["rows"] == as_dicts(slug, expected)
    # Excel: a header of titles, then the same rows
    response = client.get(f"/data/{slug}.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(body(response)), read_only=True).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == [c.title for c in columns]
    assert values[1:] == [[None if v == "" else v for v in r] for r in expected]  # an empty cell reads None


def test_an_excel_file_continues_on_a_new_sheet_past_the_row_limit(catalog, datasets, monkeypatch):  # noqa: F811
    from antt.api import views_opendata

    # given a row limit of 3 per sheet (Excel's is 1,048,576)
    monkeypatch.setattr(views_opendata, "XLSX_MAX_ROWS", 3)
    expected = rows_of("thu-tuc-hanh-chinh")
    # when the file is downloaded
    workbook = load_workbook(io.BytesIO(body(Client().get("/data/thu-tuc-hanh-chinh.xlsx"))), read_only=True)
    # then every sheet has the header and two rows, and together they hold every row in order
    sheets = [[list(r) for r in ws.iter_rows(values_only=True)] for ws in workbook.worksheets]
    assert len(sheets) == -(-len(expected) // 2)
    assert workbook.sheetnames[:2] == ["Dữ liệu", "Dữ liệu (2)"]
    header = [c.title for c in BUILDERS["thu-tuc-hanh-chinh"].all_columns]
    assert all(s[0] == header for s in sheets)
    got = [r for s in sheets for r in s[1:]]
    assert got == [[None if v == "" else v for v in r] for r in expected]


def test_a_period_filter_narrows_the_download_and_junk_is_a_400(world, datasets):  # noqa: F811
    client = Client()
    doc = json.loads(body(client.get("/data/ho-so-theo-thang.json?tu=2026-05&den=2026-05")))
    assert {r["thang"] for r in doc["rows"]} == {"2026-05"}
    assert doc["dataset"]["period"] == {"tu": "2026-05", "den": "2026-05"}
    only_from = json.loads(body(client.get("/data/ho-so-theo-thang.json?tu=2026-06")))
    assert {r["thang"] for r in only_from["rows"]} == {"2026-06"}
    for query in ("tu=2026-13", "tu=05-2026", "den=abc", "tu=2026-06&den=2026-05", "tu=2026-1", "tu=%00"):
        response = client.get(f"/data/ho-so-theo-thang.csv?{query}")
        assert response.status_code == 400, query
        assert "tu" in response.json()["detail"] or "den" in response.json()["detail"]
    # a dataset without months refuses the filter
    response = client.get("/data/thu-tuc-hanh-chinh.csv?tu=2026-01")
    assert response.status_code == 400
    assert "không có chiều thời gian" in response.json()["detail"]


def test_unknown_dataset_or_format_is_a_vietnamese_404(datasets):
    client = Client()
    for url, message in (
        ("/data/khong-co.csv", "Không có bộ dữ liệu mở này."),
        ("/data/thu-tuc-hanh-chinh.pdf", "Định dạng không được hỗ trợ"),
        ("/data/thu-tuc-hanh-chinh.CSV", "Định dạng không được hỗ trợ"),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert message in response.json()["detail"]
    # an unpublished dataset is as unknown
    Dataset.objects.filter(slug="thu-tuc-hanh-chinh").update(is_published=False)
    assert client.get("/data/thu-tuc-hanh-chinh.csv").status_code == 404
    assert client.get("/du-lieu-mo/thu-tuc-hanh-chinh/").status_code == 404
    page = client.get("/du-lieu-mo/khong-co/")
    assert page.status_code == 404 and "Không có bộ dữ liệu mở này." in page.content.decode()


def test_conditional_get_answers_304_until_the_data_changes(catalog, datasets):  # noqa: F811
    from antt.catalog.models import ProcedureVersion

    client = Client()
    first = client.get("/data/thu-tuc-hanh-chinh.csv")
    body(first)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert "max-age" in first["Cache-Control"] and "public" in first["Cache-Control"]
    # when the client asks again with the ETag or the date
    again = client.get("/data/thu-tuc-hanh-chinh.csv", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    assert client.get("/data/thu-tuc-hanh-chinh.csv", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    # another format or period has another ETag
    other = client.get("/data/thu-tuc-hanh-chinh.json", HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200 and other["ETag"] != etag
    body(other)
    # when the data changes, the same ETag gets the new file
    version = ProcedureVersion.objects.order_by("-created_at").first()
    ProcedureVersion.objects.filter(pk=version.pk).update(created_at=timezone.now() + timedelta(minutes=1))
    assert client.get("/data/thu-tuc-hanh-chinh.csv", HTTP_IF_NONE_MATCH=etag).status_code == 304  # remembered 1 min
    cache.delete("opendata:modified:thu-tuc-hanh-chinh")  # the minute is over
    changed = client.get("/data/thu-tuc-hanh-chinh.csv", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    body(changed)


def test_downloads_are_rate_limited_per_client_in_vietnamese(catalog, datasets, settings):  # noqa: F811
    settings.ANTT_OPENDATA_RATE = "2/m"
    client = Client()
    for _ in range(2):
        body(client.get("/data/thu-tuc-hanh-chinh.csv"))
    response = client.get("/data/thu-tuc-hanh-chinh.json")
    assert response.status_code == 429
    assert "quá nhiều lần" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    assert client.get("/data/catalog.json").status_code == 429
    # another client address is not limited
    assert Client(REMOTE_ADDR="10.0.0.9").get("/data/thu-tuc-hanh-chinh.csv").status_code == 200


# --- pages -----------------------------------------------------------------------------------------------


def test_the_list_and_dataset_pages(world, datasets):  # noqa: F811
    client = Client()
    page = client.get("/du-lieu-mo/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("<h1") == 1
    for d in datasets.values():
        assert d.title in html
    detail = client.get("/du-lieu-mo/ho-so-theo-thang/")
    html = detail.content.decode()
    assert detail.status_code == 200
    assert html.count("<h1") == 1
    for text in ("Giấy phép", "Tần suất cập nhật", "Cập nhật lần cuối", "Số hồ sơ tiếp nhận", "/data/catalog.json"):
        assert text in html
    for fmt in ("csv", "json", "xlsx"):
        assert f"/data/ho-so-theo-thang.{fmt}" in html
    # the preview shows the first rows, suppressed like the downloads
    assert len(detail.context["rows"]) == min(20, len(rows_of("ho-so-theo-thang")))
    assert detail.context["rows"] == rows_of("ho-so-theo-thang")[:20]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_download_is_sent_while_its_rows_are_read(fmt, datasets, monkeypatch):
    from antt.api.opendata import INTEGER, STRING, Builder, Column

    # given a dataset of 20,000 rows whose reading is counted
    produced = []

    def rows(period):
        for i in range(20_000):
            produced.append(i)
            yield {"ma": f"dòng {i}", "so": i}

    builder = Builder(
        slug="thu-tuc-hanh-chinh",
        columns=(Column("ma", "Mã", STRING), Column("so", "Số", INTEGER)),
        rows=rows,
        last_modified=lambda: None,
        periodic=False,
    )
    monkeypatch.setitem(BUILDERS, "thu-tuc-hanh-chinh", builder)
    # when the client reads the first chunk of the download
    response = Client().get(f"/data/thu-tuc-hanh-chinh.{fmt}")
    chunks = iter(response.streaming_content)
    first = next(chunks)
    # then only a part of the rows has been read: the file is not built in memory first
    assert 0 < len(produced) < 20_000
    assert len(first) < 64 * 1024
    # and the whole file holds every row
    rest = b"".join(chunks)
    assert len(produced) == 20_000
    text = (first + rest).decode("utf-8-sig")
    assert "dòng 19999" in text and text.count("dòng ") == 20_000
