"""Open-data download benchmark of issue 7 (point 3): `python bench/opendata.py`.

Claim under test: the downloads `/data/<slug>.csv|json|xlsx` stream, so the memory a download
needs does not grow with the dataset. For each format, the same dataset is served with N rows and
with 10·N rows through the whole Django stack (django.test.Client, every middleware, the real
view: rate limit off, ETag, suppression, formatting) and the response is consumed chunk by chunk
as a client would; the peak of Python memory (tracemalloc) and the wall time are measured.

- figure: the peak at 10·N ÷ the peak at N (about 1 when the download streams; 10 if it held
  the rows);
- baseline, same run, same rows: the naive way, building the rows as a list in memory and then
  the whole file (CSV into a string, JSON with one `json.dumps`, Excel with a normal openpyxl
  workbook), whose ratio is about 10.

The rows come from a synthetic builder registered for the run (`bench-du-lieu`: a dataset with
the shape of the certificates dataset, text with diacritics, dates, counts with small values that
are suppressed), so that N can be large without generating domain data; the builders of the real
datasets read their rows the same way, with `.iterator()`. tracemalloc sees Python's allocations
only (not lxml's C buffers inside openpyxl), and it slows Python down about 2×: the times are for
comparing, not for the record.

Environment:
  DATABASE_URL        PostgreSQL for the Dataset row (default: a scratch SQLite file)
  BENCH_OPENDATA_ROWS N (default 50,000; 10·N = 500,000 rows); Excel uses N ÷ 10 (openpyxl
                      without lxml writes a few thousand rows a second, and tracemalloc slows it
                      down about 20×)
  BENCH_SHORT=1       a quick smoke run (N = 1,000), for CI; its figures are not for the record
"""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import run as common  # noqa: E402  (bench/run.py: environment helpers)

SHORT = common.SHORT
N = 1_000 if SHORT else int(os.environ.get("BENCH_OPENDATA_ROWS", "50000"))
SLUG = "bench-du-lieu"
FORMATS = ("csv", "json", "xlsx")
XLSX_N = max(N // 10, 100)  # openpyxl writes ~4,000 rows/s here (no lxml), ~20× slower under tracemalloc
TARGET = 1.5  # the streamed peak at 10·N may be at most 1.5× the peak at N


def synthetic_builder(size: int):
    from antt.api.opendata import DATE, INTEGER, STRING, Builder, Column
    from antt.api.suppression import Rule

    def rows(period):
        start = date(2020, 1, 1)
        for i in range(size):
            yield {
                "so": f"GCN-{i:08d}/ANTT",
                "ten": f"Công ty TNHH Dịch vụ Thương mại Hòa Bình số {i}",
                "nganh": "Kinh doanh dịch vụ lưu trú; Kinh doanh dịch vụ karaoke, vũ trường",
                "xa": f"Phường Hạc Thành {i % 97}",
                "ngay": start + timedelta(days=i % 2000),
                "so_nguoi": i % 13,  # 1..4 are suppressed
                "so_lan": (i * 7) % 31,
            }

    return Builder(
        slug=SLUG,
        columns=(
            Column("so", "Số giấy chứng nhận", STRING),
            Column("ten", "Tên cơ sở", STRING),
            Column("nganh", "Ngành nghề", STRING),
            Column("xa", "Xã, phường", STRING),
            Column("ngay", "Ngày cấp", DATE),
            Column("so_nguoi", "Số người", INTEGER),
            Column("so_lan", "Số lần", INTEGER),
        ),
        rows=rows,
        last_modified=lambda: None,
        rule=Rule(people=("so_nguoi",), depends={"so_lan": ("so_nguoi",)}),
    )


def measure(fn) -> tuple[float, float, object]:
    """(peak MiB of Python allocations during fn, seconds, fn's result)."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, seconds, result


def stream_download(fmt: str) -> int:
    """GET the download and consume it chunk by chunk; returns the bytes received."""
    from django.test import Client

    response = Client(HTTP_HOST="localhost").get(f"/data/{SLUG}.{fmt}")
    if response.status_code != 200:
        raise SystemExit(f"/data/{SLUG}.{fmt} answered {response.status_code}: {response.content[:200]!r}")
    total = 0
    for chunk in response.streaming_content:
        total += len(chunk)
    return total


def in_memory(fmt: str) -> int:
    """The baseline: the same published rows as a list, then the whole file at once."""
    from antt.api.models import Dataset
    from antt.api.opendata import BUILDERS, published_rows

    builder = BUILDERS[SLUG]
    dataset = Dataset.objects.get(slug=SLUG)
    rows = list(published_rows(builder, min_cell=dataset.min_cell))
    columns = builder.all_columns
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([c.key for c in columns])
        writer.writerows(rows)
        return len(("\ufeff" + out.getvalue()).encode())
    if fmt == "json":
        keys = [c.key for c in columns]
        doc = {
            "dataset": {"identifier": SLUG},
            "columns": keys,
            "rows": [dict(zip(keys, r, strict=True)) for r in rows],
        }
        return len(json.dumps(doc, ensure_ascii=False).encode())
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append([c.title for c in columns])
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return len(buffer.getvalue())


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="antt-bench-opendata-"))
    env = common.prepare_env(tmp)
    env["ANTT_OPENDATA_RATE"] = "0"  # no rate limit for the benchmark's own requests
    db = "PostgreSQL" if env.get("DATABASE_URL") else "SQLite"
    print(
        f"# ANTT open-data download benchmark — {time.strftime('%Y-%m-%d %H:%M')} — {db}, in process "
        f"(django.test.Client), N = {N:,} and 10·N = {10 * N:,} rows, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    sys.stdout.flush()
    results = []
    try:
        common.manage(env, "migrate", "--noinput")
        os.environ.update(env)
        import django

        django.setup()
        from antt.api.models import Dataset
        from antt.api.opendata import BUILDERS

        Dataset.objects.update_or_create(
            slug=SLUG,
            defaults={
                "title": "Bộ dữ liệu thử",
                "description": "Dữ liệu tổng hợp cho benchmark.",
                "licence_name": "CC BY 4.0",
                "frequency": "daily",
                "min_cell": 5,
            },
        )
        for fmt in FORMATS:
            row = {"format": fmt, "rows": 10 * (XLSX_N if fmt == "xlsx" else N)}
            n = XLSX_N if fmt == "xlsx" else N
            for label, size in (("n", n), ("n10", 10 * n)):
                BUILDERS[SLUG] = synthetic_builder(size)
                stream_download(fmt)  # warm-up: imports, template and URL caches
                peak, seconds, size_bytes = measure(lambda fmt=fmt: stream_download(fmt))
                base_peak, base_seconds, base_bytes = measure(lambda fmt=fmt: in_memory(fmt))
                row[label] = {
                    "peak": peak,
                    "s": seconds,
                    "bytes": size_bytes,
                    "base_peak": base_peak,
                    "base_s": base_seconds,
                }
                print(
                    f"{fmt} {size:>9,} rows: streamed peak {peak:7.2f} MiB in {seconds:6.2f} s "
                    f"({size_bytes / 2**20:.1f} MiB sent); in memory peak {base_peak:8.2f} MiB in {base_seconds:6.2f} s"
                )
                sys.stdout.flush()
            results.append(row)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print("| format | rows at 10·N | streamed peak N → 10·N | ratio (figure) | in-memory peak N → 10·N (baseline) | baseline ratio | "
          "streamed ÷ in-memory at 10·N | rows/s streamed at 10·N | target |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    problems = []
    for r in results:
        a, b = r["n"], r["n10"]
        ratio = b["peak"] / a["peak"] if a["peak"] else float("inf")
        base_ratio = b["base_peak"] / a["base_peak"] if a["base_peak"] else float("inf")
        met = ratio <= TARGET
        print(
            f"| {r['format']} | {r['rows']:,} | {a['peak']:.2f} → {b['peak']:.2f} MiB | {ratio:.2f}× | "
            f"{a['base_peak']:.1f} → {b['base_peak']:.1f} MiB | {base_ratio:.2f}× | "
            f"{b['peak'] / b['base_peak']:.4f}× | {r['rows'] / b['s']:,.0f} | ≤ {TARGET}×: {'met' if met else 'NOT met'} |"
        )
        if not met:
            problems.append(f"{r['format']}: the streamed peak grew {ratio:.2f}× from N to 10·N")
    print()
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    for p in problems:
        print("ERROR:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
