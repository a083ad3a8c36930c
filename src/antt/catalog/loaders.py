"""Reference data of the catalogue: the seed's 120 procedures, enriched from the legal texts.

`data/procedures.csv` is a copy of the seed extracted from Quyết định 273/QĐ-UBND
(21/01/2021) of Thanh Hóa Provincial People's Committee, appendices 1–8: field, row
number, 2021 name and the levels (province / district / commune) of each procedure.
`data/legal.yaml` adds, for the procedures we could research, the national code,
the current name, the legal time, basis, fees, documents and online level, each
with its source. See the header of legal.yaml.

Idempotent: fields and procedures are created when missing (by slug and by code);
a procedure gets its initial version only when it has none, so versions that an
administrator published later are never touched.
"""

from __future__ import annotations

import csv
from datetime import date
from functools import cache
from pathlib import Path

import yaml
from django.db import transaction

from antt.catalog import services
from antt.catalog.models import Field, Level, OnlineLevel, Procedure

DATA_DIR = Path(__file__).resolve().parent / "data"
SEED_DATE = date(2021, 1, 21)  # Quyết định 273/QĐ-UBND
LEVEL_COLUMNS = (
    ("level_province", Level.PROVINCE),
    ("level_district", Level.DISTRICT),
    ("level_commune", Level.COMMUNE),
)

SOURCE_LABELS = {
    "code": "Mã thủ tục",
    "name": "Tên hiện hành",
    "valid_from": "Ngày áp dụng",
    "valid_to": "Ngày hết hiệu lực",
    "legal_time": "Thời hạn giải quyết",
    "legal_time_note": "Ghi chú thời hạn",
    "legal_basis": "Căn cứ pháp lý",
    "result": "Kết quả",
    "online_level": "Mức độ trực tuyến",
    "fees": "Phí, lệ phí",
    "documents": "Thành phần hồ sơ",
    "steps": "Quy trình nội bộ",
}


def seed_rows() -> list[dict]:
    with (DATA_DIR / "procedures.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def legal_data() -> dict:
    with (DATA_DIR / "legal.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def local_code(appendix: int, no: int) -> str:
    """A code that is clearly not national: TH273.<appendix>.<row>."""
    return f"TH273.{appendix}.{no:02d}"


def _cite(source: str, citations: dict) -> str:
    head, _, rest = str(source).partition(" ")
    if head.rstrip(":;,") in citations:
        return (citations[head.rstrip(":;,")] + (" — " + rest if rest else "")).strip()
    return str(source)


def _value(entry: dict, key: str, default=None):
    item = entry.get(key)
    return item.get("value", default) if isinstance(item, dict) else default


def version_kwargs(row: dict, entry: dict, citations: dict) -> dict:
    """The arguments of the initial version of one seed row."""
    legal_time = entry.get("legal_time") or {}
    lines = []
    for key, label in SOURCE_LABELS.items():
        item = entry.get(key)
        if isinstance(item, dict) and item.get("source"):
            lines.append(f"{label}: {_cite(item['source'], citations)}")
    if "online_level" not in entry:
        lines.append(f"{SOURCE_LABELS['online_level']}: {citations['qd273']}")
    lines.append(f"Tên năm 2021, cấp thực hiện: {citations['qd273']}")
    steps = entry.get("steps")
    return {
        "valid_from": _value(entry, "valid_from", SEED_DATE),
        "valid_to": _value(entry, "valid_to"),
        "legal_time_amount": legal_time.get("amount"),
        "legal_time_unit": legal_time.get("unit", ""),
        "legal_time_note": _value(entry, "legal_time_note", ""),
        "legal_basis": _value(entry, "legal_basis", ""),
        "result": _value(entry, "result", ""),
        "online_level": _value(entry, "online_level", OnlineLevel.NONE),
        "levels": [level for column, level in LEVEL_COLUMNS if row[column].strip() == "1"],
        "documents": (entry.get("documents") or {}).get("items", []),
        "fees": (entry.get("fees") or {}).get("items", []),
        "steps": steps["items"] if steps else None,
        "verified": bool(entry.get("verified", False)),
        "sources": "\n".join(lines),
    }


def load_catalog() -> str:
    data = legal_data()
    citations = data.get("sources", {})
    legal = data.get("procedures", {})
    counts = {"fields": 0, "procedures": 0, "versions": 0}
    with transaction.atomic():
        fields = {f.slug: f for f in Field.objects.all()}
        procedures = {p.code: p for p in Procedure.objects.all()}
        has_versions = set(Procedure.objects.filter(versions__isnull=False).values_list("code", flat=True))
        for row in seed_rows():
            appendix, no = int(row["appendix"]), int(row["no"])
            field = fields.get(row["field_slug"])
            if field is None:
                field = services.field_create(
                    actor=None, slug=row["field_slug"], name=row["field_name"], appendix=appendix
                )
                fields[field.slug] = field
                counts["fields"] += 1
            entry = legal.get(f"{appendix}.{no}", {})
            national = _value(entry, "code")
            code = national or local_code(appendix, no)
            procedure = procedures.get(code)
            if procedure is None:
                procedure = services.procedure_create(
                    actor=None,
                    field=field,
                    code=code,
                    name=_value(entry, "name", row["name"]),
                    seed_name=row["name"],
                    seed_ref=f"{appendix}.{no:02d}",
                    code_verified=bool(national),
                )
                procedures[code] = procedure
                counts["procedures"] += 1
            if code not in has_versions:
                services.procedure_version_publish(
                    actor=None, procedure=procedure, **version_kwargs(row, entry, citations)
                )
                has_versions.add(code)
                counts["versions"] += 1
    return (
        f"Danh mục thủ tục: {len(procedures)} thủ tục, {len(fields)} lĩnh vực "
        f"(thêm mới {counts['procedures']} thủ tục, {counts['fields']} lĩnh vực, {counts['versions']} phiên bản)."
    )
