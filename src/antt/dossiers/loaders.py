"""Reference data of the dossiers app: the official forms (Mẫu) in `data/forms.yaml`.

Each YAML entry becomes one `FormTemplate` row, found again by its natural key
(key, set, code, valid_from), so loading twice changes nothing and a corrected
entry updates its row in place. Every create and update leaves an audit entry;
an entry that did not change leaves none. YAML `set` is the model's `form_set`,
`procedure_fields` its `field_slugs` (see the header of forms.yaml).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from django.db import transaction
from django.template import Engine, TemplateSyntaxError

from antt.catalog.models import Field
from antt.core import audit
from antt.dossiers.models import FormTemplate

DATA_DIR = Path(__file__).resolve().parent / "data"
FORMS_FILE = DATA_DIR / "forms.yaml"
_ENGINE = Engine(autoescape=False)
REASON = "Nạp mẫu biểu từ dossiers/data/forms.yaml"
REQUIRED = ("code", "key", "set", "name", "valid_from")
# Model field ← YAML key, for the values that are copied as they are.
COPIED = {
    "name": "name",
    "valid_to": "valid_to",
    "legal_basis": "legal_basis",
    "source": "source",
    "confidence": "confidence",
    "texts": "texts",
    "field_slugs": "procedure_fields",
}


class FormDataError(ValueError):
    """forms.yaml has an entry the loader cannot use (the message names it)."""


def read_entries(path: Path = FORMS_FILE) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        entries = yaml.safe_load(fh) or []
    if not isinstance(entries, list):
        raise FormDataError(f"{path.name}: phải là một danh sách mẫu biểu.")
    return entries


def _clean(entry: dict, n: int) -> tuple[dict, dict]:
    """(natural key, other values) of one YAML entry, checked."""
    where = f"forms.yaml, mục {n} ({entry.get('set', '?')} mẫu {entry.get('code', '?')})"
    missing = [k for k in REQUIRED if not entry.get(k)]
    if missing:
        raise FormDataError(f"{where}: thiếu {', '.join(missing)}.")
    if entry["key"] not in FormTemplate.Key.values:
        raise FormDataError(f"{where}: loại mẫu '{entry['key']}' không hợp lệ.")
    for name in ("valid_from", "valid_to"):
        if entry.get(name) is not None and not isinstance(entry[name], date):
            raise FormDataError(f"{where}: {name} phải là ngày dạng YYYY-MM-DD.")
    if entry.get("valid_to") and entry["valid_to"] < entry["valid_from"]:
        raise FormDataError(f"{where}: valid_to trước valid_from.")
    slugs = entry.get("procedure_fields") or []
    if not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs):
        raise FormDataError(f"{where}: procedure_fields phải là danh sách mã lĩnh vực.")
    if not isinstance(entry.get("texts") or {}, dict):
        raise FormDataError(f"{where}: texts phải là một bảng (mapping).")
    for sentence in _sentences(entry.get("texts") or {}):
        try:
            _ENGINE.from_string(sentence)
        except TemplateSyntaxError as exc:
            raise FormDataError(f"{where}: câu mẫu có lỗi cú pháp ({exc}): {sentence}") from exc
    natural = {
        "key": entry["key"],
        "form_set": str(entry["set"]),
        "code": str(entry["code"]),
        "valid_from": entry["valid_from"],
    }
    values = {field: entry.get(yaml_key) for field, yaml_key in COPIED.items()}
    values["texts"] = values["texts"] or {}
    values["field_slugs"] = slugs
    for text_field in ("legal_basis", "source", "confidence"):
        values[text_field] = str(values[text_field] or "").strip()
    return natural, values


def _sentences(value) -> list[str]:
    """Every string inside `texts` (values of mappings and lists, at any depth)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _sentences(v)]
    if isinstance(value, list):
        return [s for v in value for s in _sentences(v)]
    return []


def load_forms(path: Path = FORMS_FILE) -> str:
    """Create or update the FormTemplate rows from forms.yaml; idempotent. Returns a summary line."""
    entries = [_clean(entry, n) for n, entry in enumerate(read_entries(path), start=1)]
    created = updated = 0
    with transaction.atomic():
        for natural, values in entries:
            template = FormTemplate.objects.filter(**natural).first()
            if template is None:
                template = FormTemplate.objects.create(**natural, **values)
                audit.record(audit.Action.CREATE, template, changes=audit.snapshot(template), reason=REASON)
                created += 1
                continue
            before = audit.snapshot(template)
            for name, value in values.items():
                setattr(template, name, value)
            changes = audit.diff(before, audit.snapshot(template))
            if changes:
                template.save(update_fields=list(values))
                audit.record(audit.Action.UPDATE, template, changes=changes, reason=REASON)
                updated += 1
    message = f"Mẫu biểu: {len(entries)} mẫu (thêm mới {created}, cập nhật {updated})."
    unknown = unknown_field_slugs(entries)
    if unknown:
        message += f" Chú ý: chưa có lĩnh vực {', '.join(sorted(unknown))} trong danh mục."
    return message


def unknown_field_slugs(entries: list[tuple[dict, dict]]) -> set[str]:
    """Field slugs named by sector forms that the catalogue does not have (empty before it is loaded)."""
    wanted = {slug for _, values in entries for slug in values["field_slugs"]}
    if not wanted or not Field.objects.exists():
        return set()
    return wanted - set(Field.objects.filter(slug__in=wanted).values_list("slug", flat=True))
