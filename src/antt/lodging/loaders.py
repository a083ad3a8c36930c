"""Reference data of the lodging app: `lodging/data/rules.yaml` and `countries.yaml`.

| key | model | natural key |
| --- | --- | --- |
| `document_types` | DocumentType | code |
| `stay_reasons` | StayReason | code |
| `ports_of_entry` | PortOfEntry | code |
| `deadline_rules` | DeadlineRule | guest_kind, valid_from |
| `retention_rules` | RetentionRule | category, valid_from |
| `countries`, `icao_special` | Country | code |

Loading twice changes nothing: a row is found by its natural key and updated in place when its
data changed (one audit entry per changed row), created otherwise; rows are never deleted
(administrators may add rows in the admin). A row with an unknown key or a bad value stops the
load with a Vietnamese message naming the file and the row; nothing is written.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction

from antt.core import audit
from antt.lodging.models import Country, DeadlineRule, DocumentType, PortOfEntry, RetentionRule, StayReason

DATA_DIR = Path(__file__).resolve().parent / "data"
REASON = "Nạp danh mục và quy định về lưu trú từ lodging/data"
PORT_DEFAULTS = {
    "valid_from": date(2016, 1, 1),
    "legal_basis": "Danh mục cửa khẩu quốc tế (Bộ Công an, Cục Quản lý xuất nhập cảnh); chưa đối chiếu văn bản gốc",
}
SECTIONS = (
    ("document_types", DocumentType, ("code",), "loại giấy tờ"),
    ("stay_reasons", StayReason, ("code",), "lý do lưu trú"),
    ("ports_of_entry", PortOfEntry, ("code",), "cửa khẩu"),
    ("deadline_rules", DeadlineRule, ("guest_kind", "valid_from"), "thời hạn khai báo"),
    ("retention_rules", RetentionRule, ("category", "valid_from"), "thời hạn lưu trữ"),
)


class RuleDataError(ValueError):
    pass


def _check(model, row: dict, where: str) -> dict:
    for key in row:
        try:
            model._meta.get_field(key)
        except FieldDoesNotExist as exc:
            raise RuleDataError(f"{where}: trường “{key}” không có trong {model._meta.verbose_name}.") from exc
    return row


def _upsert(model, natural: tuple[str, ...], row: dict, where: str) -> str:
    key = {k: row[k] for k in natural}
    obj = model.objects.filter(**key).first()
    if obj is None:
        obj = model(**row)
        try:
            obj.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            raise RuleDataError(f"{where}: {'; '.join(exc.messages)}") from exc
        obj.save()
        audit.record_create(obj, reason=REASON)
        return "created"
    before = audit.snapshot(obj)
    for name, value in row.items():
        setattr(obj, name, value)
    try:
        obj.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise RuleDataError(f"{where}: {'; '.join(exc.messages)}") from exc
    if audit.snapshot(obj) == before:
        return "same"
    obj.save()
    audit.record_change(obj, before, reason=REASON)
    return "updated"


def load_rules(data_dir: Path = DATA_DIR) -> dict[str, dict[str, int]]:
    """Load both files in one transaction; return {label: {created/updated/same: n}}."""
    rules = yaml.safe_load((data_dir / "rules.yaml").read_text(encoding="utf-8")) or {}
    countries = yaml.safe_load((data_dir / "countries.yaml").read_text(encoding="utf-8")) or {}
    summary: dict[str, dict[str, int]] = {}
    with transaction.atomic():
        for key, model, natural, label in SECTIONS:
            counts = summary.setdefault(label, {"created": 0, "updated": 0, "same": 0})
            for i, raw in enumerate(rules.get(key) or [], start=1):
                row = dict(raw)
                if model is PortOfEntry:
                    row = {**PORT_DEFAULTS, **row}
                where = f"rules.yaml, {key}, dòng {i}"
                counts[_upsert(model, natural, _check(model, row, where), where)] += 1
        counts = summary.setdefault("quốc tịch", {"created": 0, "updated": 0, "same": 0})
        source = countries.get("source", "")
        for special, section in ((False, "countries"), (True, "icao_special")):
            for i, (code, name, name_en, stats_code) in enumerate(countries.get(section) or [], start=1):
                row = {
                    "code": code,
                    "name": name,
                    "name_en": name_en,
                    "stats_code": stats_code,
                    "is_icao_special": special,
                    "source": source,
                }
                counts[_upsert(Country, ("code",), row, f"countries.yaml, {section}, dòng {i}")] += 1
    return summary


def summary_line(summary: dict[str, dict[str, int]]) -> str:
    parts = [f"{sum(c.values())} {label}" for label, c in summary.items()]
    return "Danh mục lưu trú: " + ", ".join(parts)


def load_lodging_rules() -> str:
    """For `load_reference`: load and return the summary line."""
    return summary_line(load_rules())
