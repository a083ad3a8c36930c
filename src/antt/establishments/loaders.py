"""Reference data of the establishments app: the rules in `establishments/data/*.yaml`.

Every `*.yaml` file of the folder is read (`lines.yaml` by the registry, `fire.yaml` by the fire
work, others later). Its top-level keys that name a rule table are loaded; other keys
(`sources:` anchors, `kinds:`, `weights:` of other modules) are left to their
owners. `defaults:` of a file is merged under every row of that file.

| key | model | natural key |
| --- | --- | --- |
| `lines` | BusinessLine | code, valid_from |
| `authorities` | LineAuthority | line_code, unit_level, condition, valid_from |
| `fire_categories` | FireCategory | code, valid_from |
| `inspection_rules` | InspectionRule | domain, fire_category_code, high_risk_only, valid_from |
| `revocation_grounds` | RevocationGround | code, valid_from |
| `procedure_actions` | ProcedureAction | seed_ref, valid_from |

A row holds the model's fields by name, `valid_from`, optional `valid_to`, `legal_basis`,
`source` and `confidence` (confirmed / secondary / from memory / not law), stored as
"[confidence] source" as the violations rules do. A row with a key the model does not have, a
wrong type, an unknown choice, or a reference to a line or fire category that exists nowhere
stops the load with a Vietnamese message naming the file and the row; nothing is written.

Loading twice changes nothing: each row is found again by its natural key, updated in place
when its data changed (with an audit entry) and created otherwise. Rows are never deleted
(certificates and inspections point to them, administrators may add rows in the admin): the
summary counts the rows the files no longer name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from django.db import models, transaction

from antt.core import audit
from antt.establishments.models import (
    BusinessLine,
    FireCategory,
    FireRecord,
    InspectionRule,
    LineAuthority,
    ProcedureAction,
    RevocationGround,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
REASON = "Nạp quy định về cơ sở kinh doanh có điều kiện và PCCC từ establishments/data"
CONFIDENCE = ("confirmed", "secondary", "from memory", "not law")
EXTRA_KEYS = {"confidence"}


class RuleDataError(ValueError):
    """A data file has a row the loader cannot use (the message names the file and the row)."""


@dataclass(frozen=True)
class Section:
    key: str
    model: type[models.Model]
    natural: tuple[str, ...]
    label: str


SECTIONS = (
    Section("lines", BusinessLine, ("code", "valid_from"), "ngành, nghề"),
    Section(
        "authorities", LineAuthority, ("line_code", "unit_level", "condition", "valid_from"), "thẩm quyền cấp giấy"
    ),
    Section("fire_categories", FireCategory, ("code", "valid_from"), "nhóm cơ sở về PCCC"),
    Section(
        "inspection_rules",
        InspectionRule,
        ("domain", "fire_category_code", "high_risk_only", "valid_from"),
        "quy định tần suất kiểm tra",
    ),
    Section("revocation_grounds", RevocationGround, ("code", "valid_from"), "căn cứ thu hồi"),
    Section("procedure_actions", ProcedureAction, ("seed_ref", "valid_from"), "thủ tục tác động đến cơ sở"),
)


def data_files(folder: Path | None = None) -> list[Path]:
    return sorted((folder or DATA_DIR).glob("*.yaml"))


def _fields(model: type[models.Model]) -> dict[str, models.Field]:
    return {f.name: f for f in model._meta.concrete_fields if not f.primary_key}


def _clean_value(f: models.Field, value, where: str):
    """The value as the model stores it, or RuleDataError in Vietnamese."""
    name = f.name
    if value is None:
        if f.null:
            return None
        if isinstance(f, models.CharField | models.TextField):
            value = ""
        elif f.has_default():
            return f.get_default()
        else:
            raise RuleDataError(f"{where}: thiếu {name}.")
    if isinstance(f, models.DateField):
        if not isinstance(value, date):
            raise RuleDataError(f"{where}: {name} phải là ngày dạng YYYY-MM-DD.")
        return value
    if isinstance(f, models.BooleanField):
        if not isinstance(value, bool):
            raise RuleDataError(f"{where}: {name} phải là true hoặc false.")
        return value
    if isinstance(f, models.IntegerField):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RuleDataError(f"{where}: {name} phải là số nguyên không âm.")
        return value
    if isinstance(f, models.CharField | models.TextField):
        if not isinstance(value, str):
            raise RuleDataError(f'{where}: {name} phải là chuỗi (đặt trong dấu nháy, ví dụ "3.01").')
        value = value.strip()
        if not value and not f.blank:
            raise RuleDataError(f"{where}: thiếu {name}.")
        if f.max_length and len(value) > f.max_length:
            raise RuleDataError(f"{where}: {name} dài quá {f.max_length} ký tự.")
        if f.choices and value not in {str(c) for c, _ in f.flatchoices} and not (f.blank and value == ""):
            allowed = ", ".join(str(c) for c, _ in f.flatchoices if c != "")
            raise RuleDataError(f"{where}: {name} '{value}' không hợp lệ ({allowed}).")
        return value
    raise RuleDataError(f"{where}: không nạp được trường {name}.")  # pragma: no cover - no such field today


def _row(section: Section, raw: dict, defaults: dict, where: str) -> tuple[dict, dict]:
    if not isinstance(raw, dict):
        raise RuleDataError(f"{where}: mỗi dòng phải là một bảng khóa: giá trị.")
    fields = _fields(section.model)
    entry = {**{k: v for k, v in defaults.items() if k in fields or k in EXTRA_KEYS}, **raw}
    unknown = set(entry) - set(fields) - EXTRA_KEYS
    if unknown:
        raise RuleDataError(f"{where}: khóa không hiểu được: {', '.join(sorted(unknown))}.")
    confidence = entry.pop("confidence", None)
    values = {}
    for name, f in fields.items():
        if name in entry:
            values[name] = _clean_value(f, entry[name], where)
        elif not f.has_default() and not f.null and not f.blank:
            raise RuleDataError(f"{where}: thiếu {name}.")
    if values.get("valid_to") is not None and values["valid_to"] <= values["valid_from"]:
        raise RuleDataError(f"{where}: valid_to phải sau valid_from.")
    if confidence is not None:
        if confidence not in CONFIDENCE:
            raise RuleDataError(f"{where}: confidence '{confidence}' không hợp lệ ({', '.join(CONFIDENCE)}).")
        text = f"[{confidence}] {values.get('source', '')}".strip()
        if len(text) > 500:
            raise RuleDataError(f"{where}: source dài quá 500 ký tự.")
        values["source"] = text
    _check_row(section, values, where)
    natural = {name: values.get(name, fields[name].get_default()) for name in section.natural}
    rest = {k: v for k, v in values.items() if k not in natural}
    return natural, rest


def _check_row(section: Section, v: dict, where: str) -> None:
    """Rules a row must keep beyond its field types."""
    if section.model is InspectionRule:
        floor = v.get("min_interval_months", 12)
        if v["interval_months"] < floor or v["risk_interval_months"] < floor:
            raise RuleDataError(
                f"{where}: chu kỳ kiểm tra không được ngắn hơn chu kỳ tối thiểu theo luật ({floor} tháng)."
            )
        if v["risk_interval_months"] > v["interval_months"]:
            raise RuleDataError(f"{where}: chu kỳ khi rủi ro cao phải ngắn hơn hoặc bằng chu kỳ thường.")
    if section.model is RevocationGround:
        low, high = v.get("min_months"), v.get("max_months")
        if v.get("temporary") and (low is None or high is None or low > high or low == 0):
            raise RuleDataError(f"{where}: thu hồi có thời hạn cần min_months và max_months (min ≤ max).")
        if not v.get("temporary") and (low is not None or high is not None):
            raise RuleDataError(f"{where}: thu hồi không thời hạn không có min_months, max_months.")
    if section.model is ProcedureAction:
        kind = v.get("fire_record_kind", "")
        if kind and kind not in FireRecord.Kind.values:
            raise RuleDataError(
                f"{where}: fire_record_kind '{kind}' không hợp lệ ({', '.join(FireRecord.Kind.values)})."
            )
        if (v["action"] == ProcedureAction.Action.FIRE_RECORD) != bool(kind):
            raise RuleDataError(f"{where}: fire_record_kind chỉ dùng (và bắt buộc) với action fire_record.")


@dataclass
class Tally:
    section: Section
    rows: list[tuple[dict, dict, str]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    kept: int = 0


def read_rules(folder: Path | None = None) -> dict[str, Tally]:
    """Every rule row of every data file, checked (no database writes)."""
    tallies = {s.key: Tally(s) for s in SECTIONS}
    seen: dict[tuple, str] = {}
    for path in data_files(folder):
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
        if not isinstance(data, dict):
            raise RuleDataError(f"{path.name}: tệp phải là một bảng khóa: giá trị.")
        defaults = data.get("defaults") or {}
        for section in SECTIONS:
            rows = data.get(section.key)
            if rows is None:
                continue
            if not isinstance(rows, list):
                raise RuleDataError(f"{path.name}: {section.key} phải là một danh sách.")
            for n, raw in enumerate(rows, start=1):
                label = raw.get("code") or raw.get("line_code") or raw.get("seed_ref") or raw.get("domain") or "?"
                where = f"{path.name}, {section.key} mục {n} ({label})"
                natural, values = _row(section, raw, defaults, where)
                key = (section.key, *natural.values())
                if key in seen:
                    raise RuleDataError(f"{where}: trùng khóa với {seen[key]}.")
                seen[key] = where
                tallies[section.key].rows.append((natural, values, where))
    _check_references(tallies)
    return tallies


def _check_references(tallies: dict[str, Tally]) -> None:
    lines = {n["code"] for n, _, _ in tallies["lines"].rows} | set(BusinessLine.objects.values_list("code", flat=True))
    for natural, _, where in tallies["authorities"].rows:
        if natural["line_code"] not in lines:
            raise RuleDataError(f"{where}: ngành nghề '{natural['line_code']}' không có trong dữ liệu.")
    categories = {n["code"] for n, _, _ in tallies["fire_categories"].rows} | set(
        FireCategory.objects.values_list("code", flat=True)
    )
    for natural, _, where in tallies["inspection_rules"].rows:
        code = natural["fire_category_code"]
        if code and code not in categories:
            raise RuleDataError(f"{where}: nhóm PCCC '{code}' không có trong dữ liệu.")


def _upsert(model: type[models.Model], natural: dict, values: dict, tally: Tally) -> None:
    """Create or update one row by its natural key; audit only what changed."""
    obj = model.objects.filter(**natural).order_by("pk").first()
    if obj is None:
        obj = model(**natural, **values)
        obj.save()
        audit.record(audit.Action.CREATE, obj, changes=audit.snapshot(obj), reason=REASON)
        tally.created += 1
        return
    before = audit.snapshot(obj)
    for name, value in values.items():
        setattr(obj, name, value)
    changes = audit.diff(before, audit.snapshot(obj))
    if changes:
        obj.save()
        audit.record(audit.Action.UPDATE, obj, changes=changes, reason=REASON)
        tally.updated += 1


def load_establishment_rules(folder: Path | None = None) -> str:
    """Create or update every rule row from the data files; idempotent. Returns a summary line."""
    tallies = read_rules(folder)
    with transaction.atomic():
        for tally in tallies.values():
            model = tally.section.model
            for natural, values, _ in tally.rows:
                _upsert(model, natural, values, tally)
            in_files = {tuple(n.values()) for n, _, _ in tally.rows}
            in_db = set(model.objects.values_list(*tally.section.natural))
            tally.kept = len(in_db - in_files)
    parts = ", ".join(f"{len(t.rows)} {t.section.label}" for t in tallies.values())
    created = sum(t.created for t in tallies.values())
    updated = sum(t.updated for t in tallies.values())
    message = f"Quy định cơ sở kinh doanh có điều kiện, PCCC: {parts} (thêm mới {created}, cập nhật {updated})."
    kept = {t.section.label: t.kept for t in tallies.values() if t.kept}
    if kept:
        listed = ", ".join(f"{n} {label}" for label, n in kept.items())
        message += f" Giữ nguyên {listed} không còn trong tệp dữ liệu (không xóa)."
    return message
