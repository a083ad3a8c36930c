"""Reference data of the api app: the open datasets' metadata (`data/datasets.yaml`).

`load_datasets()` is idempotent and keeps the administrators' edits: the YAML values are the
defaults of a dataset when it is *created*; a dataset that already exists (same slug) is left as
it is, whatever was changed in the admin (title, description, licence, `min_cell`,
`is_published`…). Only `order` follows the file, so that the list keeps the file's order. To
take a changed YAML value, edit the row in the admin (or delete it and load again).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from django.db import transaction

from antt.api.models import Dataset
from antt.core import audit

DATASETS_FILE = Path(__file__).resolve().parent / "data" / "datasets.yaml"
FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "annual", "irregular")
REQUIRED = ("slug", "title", "description", "frequency")
REASON = "Nạp danh mục bộ dữ liệu mở (api/data/datasets.yaml)"


def _check(entry: dict, builders) -> None:
    missing = [k for k in REQUIRED if not entry.get(k)]
    if missing:
        raise ValueError(f"dataset {entry.get('slug')!r}: missing {', '.join(missing)}")
    if entry["frequency"] not in FREQUENCIES:
        raise ValueError(f"dataset {entry['slug']!r}: unknown frequency {entry['frequency']!r}")
    if entry["slug"] not in builders:
        raise ValueError(f"dataset {entry['slug']!r}: no builder in antt.api.opendata.BUILDERS")


def _date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def load_datasets(path: Path = DATASETS_FILE) -> str:
    """Create the datasets missing from the database; returns a one-line Vietnamese summary."""
    from antt.api.opendata import BUILDERS

    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    defaults = data.get("defaults") or {}
    created = kept = 0
    with transaction.atomic():
        for order, entry in enumerate(data.get("datasets") or [], start=1):
            _check(entry, BUILDERS)
            values = {
                "title": entry["title"].strip(),
                "description": " ".join(entry["description"].split()),
                "keywords": list(entry.get("keywords") or []),
                "theme": entry.get("theme") or "",
                "licence_name": entry.get("licence_name") or defaults.get("licence_name") or "",
                "licence_url": entry.get("licence_url") or defaults.get("licence_url") or "",
                "frequency": entry["frequency"],
                "publisher": entry.get("publisher") or defaults.get("publisher") or "",
                "min_cell": int(entry.get("min_cell") or defaults.get("min_cell") or 5),
                "issued": _date(entry.get("issued")),
                "order": order,
            }
            dataset = Dataset.objects.filter(slug=entry["slug"]).first()
            was_created = dataset is None
            if was_created:
                dataset = Dataset.objects.create(slug=entry["slug"], **values)
                audit.record_create(dataset, reason=REASON)
            elif dataset.order != order:
                before = audit.snapshot(dataset, fields=["order"])
                dataset.order = order
                dataset.save(update_fields=["order"])
                audit.record_change(dataset, before, reason=REASON)
            created += was_created
            kept += not was_created
    return f"Bộ dữ liệu mở: {created} mới, {kept} đã có (giữ nguyên nội dung đã chỉnh sửa)."
