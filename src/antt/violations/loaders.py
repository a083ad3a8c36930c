"""Reference data of the violations app: the legal rules in `violations/data/*.yaml`.

What each file holds, with its sources and our confidence, is in the file's header and in
`docs/legal/violations.md`:

* `stat_groups.yaml`   rows of the statistics table (seed appendix 9)       -> StatGroup
* `fine_fields.yaml`   field maxima (Luật XLVPHC Art. 24)                    -> FineField
* `decrees.yaml`       fining decrees and their dates                        -> Decree
* `behaviours/*.yaml`  one file per decree: behaviours and fine ranges       -> Behaviour
* `fining_titles.yaml` fining powers (Art. 39 until 30/06/2025, ND 189/2025) -> FiningTitle
* `circumstances.yaml` mitigating (Art. 9) and aggravating (Art. 10)         -> Circumstance
* `parameters.yaml`    deadlines, limits, rates (keys of rules.PARAMETERS)   -> LegalParameter

Each entry is found again by its natural key (code; or code/key + valid_from for the
versioned tables), so loading twice changes nothing, and an entry whose data changed updates
its row in place with an audit entry. Rows that are not (or no longer) in the files are never
deleted: decisions point to them, and administrators may have added rows in the admin. A
corrected fine range therefore reaches new records only; decisions keep the range they copied
into `DecisionLine`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.db import models, transaction

from antt.core import audit
from antt.violations.models import (
    Behaviour,
    Circumstance,
    Decree,
    FineField,
    FiningTitle,
    LegalParameter,
    OfficerFiningTitle,
    StatGroup,
    Subject,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
REASON = "Nạp quy tắc xử phạt từ violations/data"
CONFIDENCE = {"confirmed", "secondary", "from memory", "not law"}

# Demo accounts of core/management/commands/load_demo.py -> fining title code (None: no title).
DEMO_FINING_TITLES: dict[str, str | None] = {
    "xuly": "officer_on_duty",
    "lanhdao": "commune_police_chief",
    "xulyhr": "officer_on_duty",
    "quantri": None,
}


class RuleDataError(ValueError):
    """A data file has an entry the loader cannot use (the message names the file and the entry)."""


def _read(path: Path):
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _date(value, where: str, name: str, *, required: bool = True) -> date | None:
    if value is None and not required:
        return None
    if not isinstance(value, date):
        raise RuleDataError(f"{where}: {name} phải là ngày dạng YYYY-MM-DD.")
    return value


def _validity(entry: dict, where: str, *, default_from=None, default_to=None) -> dict:
    valid_from = _date(entry.get("valid_from", default_from), where, "valid_from")
    valid_to = _date(entry.get("valid_to", default_to), where, "valid_to", required=False)
    if valid_to is not None and valid_to <= valid_from:
        raise RuleDataError(f"{where}: valid_to phải sau valid_from.")
    return {"valid_from": valid_from, "valid_to": valid_to}


def _text(entry: dict, name: str, where: str, *, required: bool = True, max_length: int | None = None) -> str:
    value = entry.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise RuleDataError(f"{where}: thiếu {name}.")
    if max_length is not None and len(value) > max_length:
        raise RuleDataError(f"{where}: {name} dài quá {max_length} ký tự.")
    return value


def _amount(entry: dict, name: str, where: str, *, required: bool = True) -> int | None:
    value = entry.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RuleDataError(f"{where}: {name} phải là số nguyên không âm.")
    return value


def _range(low, high, where: str, label: str) -> None:
    if (low is None) != (high is None):
        raise RuleDataError(f"{where}: {label} phải có cả mức tối thiểu và tối đa.")
    if low is not None and low > high:
        raise RuleDataError(f"{where}: {label} có mức tối thiểu lớn hơn mức tối đa.")


def _confidence(entry: dict, where: str) -> str:
    value = _text(entry, "confidence", where)
    if value not in CONFIDENCE:
        raise RuleDataError(f"{where}: confidence '{value}' không hợp lệ ({', '.join(sorted(CONFIDENCE))}).")
    return value


# --- reading and checking the files ------------------------------------------------------------


def stat_group_entries() -> list[tuple[dict, dict]]:
    rows = []
    for n, entry in enumerate(_read(DATA_DIR / "stat_groups.yaml"), start=1):
        where = f"stat_groups.yaml, mục {n}"
        rows.append(
            (
                {"code": _text(entry, "code", where, max_length=20)},
                {
                    "field_no": _amount(entry, "field_no", where),
                    "field_name": _text(entry, "field_name", where, max_length=200),
                    "name": _text(entry, "name", where, required=False, max_length=200),
                    "order": _amount(entry, "order", where),
                },
            )
        )
    return rows


def fine_field_entries() -> list[tuple[dict, dict]]:
    rows = []
    for n, entry in enumerate(_read(DATA_DIR / "fine_fields.yaml"), start=1):
        where = f"fine_fields.yaml, mục {n} ({entry.get('code', '?')})"
        validity = _validity(entry, where)
        individual = _amount(entry, "individual_max", where)
        organisation = _amount(entry, "organisation_max", where)
        if organisation < individual:
            raise RuleDataError(f"{where}: mức tối đa với tổ chức nhỏ hơn với cá nhân.")
        rows.append(
            (
                {"code": _text(entry, "code", where, max_length=40), "valid_from": validity["valid_from"]},
                {
                    "valid_to": validity["valid_to"],
                    "name": _text(entry, "name", where, max_length=200),
                    "individual_max": individual,
                    "organisation_max": organisation,
                    "legal_basis": _text(entry, "legal_basis", where, max_length=300),
                    "source": _sourced(entry, where),
                },
            )
        )
    return rows


def _sourced(entry: dict, where: str) -> str:
    """The `source` column: the reference we read, with our confidence in front of it."""
    source = _text(entry, "source", where)
    text = f"[{_confidence(entry, where)}] {source}"
    if len(text) > 500:
        raise RuleDataError(f"{where}: source dài quá 500 ký tự.")
    return text


def decree_entries() -> list[tuple[dict, dict, str]]:
    rows = []
    for n, entry in enumerate(_read(DATA_DIR / "decrees.yaml"), start=1):
        where = f"decrees.yaml, mục {n} ({entry.get('code', '?')})"
        validity = _validity(entry, where)
        multiplier = entry.get("organisation_multiplier", 2)
        if not isinstance(multiplier, int) or multiplier < 1:
            raise RuleDataError(f"{where}: organisation_multiplier phải là số nguyên dương.")
        rows.append(
            (
                {"code": _text(entry, "code", where, max_length=40)},
                {
                    **validity,
                    "title": _text(entry, "title", where, max_length=400),
                    "organisation_multiplier": multiplier,
                    "legal_basis": _text(entry, "legal_basis", where, max_length=300),
                    "source": _sourced(entry, where),
                },
                _text(entry, "replaces", where, required=False),
            )
        )
    return rows


BEHAVIOUR_FIELDS = {f.name for f in Behaviour._meta.fields}


def behaviour_files() -> list[Path]:
    return sorted((DATA_DIR / "behaviours").glob("*.yaml"))


def behaviour_entries(decrees: dict[str, dict], stat_codes: set[str], field_codes: set[str]) -> list[dict]:
    """Checked behaviour entries of every file: (values with `decree_code` and `stat_group_code`)."""
    rows: list[dict] = []
    seen: set[str] = set()
    for path in behaviour_files():
        data = _read(path) or {}
        decree_code = str(data.get("decree", "")).strip()
        if decree_code not in decrees:
            raise RuleDataError(f"{path.name}: nghị định '{decree_code}' không có trong decrees.yaml.")
        decree = decrees[decree_code]
        defaults = data.get("defaults") or {}
        for n, raw in enumerate(data.get("behaviours") or [], start=1):
            entry = {**defaults, **raw}
            where = f"{path.name}, mục {n} ({entry.get('code', '?')})"
            code = _text(entry, "code", where, max_length=60)
            if code in seen:
                raise RuleDataError(f"{where}: mã hành vi bị trùng.")
            seen.add(code)
            unknown = set(entry) - BEHAVIOUR_FIELDS - {"stat_group", "fine_field"}
            if unknown:
                raise RuleDataError(f"{where}: khóa không hiểu được: {', '.join(sorted(unknown))}.")
            stat_code = str(entry.get("stat_group", "")).strip()
            if stat_code not in stat_codes:
                raise RuleDataError(f"{where}: dòng thống kê '{stat_code}' không có trong stat_groups.yaml.")
            field_code = str(entry.get("fine_field", "")).strip()
            if field_code not in field_codes:
                raise RuleDataError(f"{where}: lĩnh vực '{field_code}' không có trong fine_fields.yaml.")
            validity = _validity(entry, where, default_from=decree["valid_from"], default_to=decree["valid_to"])
            fine_min, fine_max = _amount(entry, "fine_min", where), _amount(entry, "fine_max", where)
            _range(fine_min, fine_max, where, "khung tiền phạt")
            org_min = _amount(entry, "organisation_fine_min", where, required=False)
            org_max = _amount(entry, "organisation_fine_max", where, required=False)
            _range(org_min, org_max, where, "khung tiền phạt với tổ chức")
            sus_min = _amount(entry, "suspension_min_months", where, required=False)
            sus_max = _amount(entry, "suspension_max_months", where, required=False)
            _range(sus_min, sus_max, where, "thời hạn tước giấy phép")
            article, clause = _amount(entry, "article", where), _amount(entry, "clause", where)
            point = _text(entry, "point", where, required=False, max_length=4)
            subject = _text(entry, "subject", where, required=False)
            if subject and subject not in Subject.values:
                raise RuleDataError(f"{where}: subject '{subject}' không hợp lệ.")
            provision = (f"điểm {point} " if point else "") + f"khoản {clause} Điều {article} Nghị định {decree_code}"
            rows.append(
                {
                    "code": code,
                    "decree_code": decree_code,
                    "stat_group_code": stat_code,
                    "fine_field_code": field_code,
                    **validity,
                    "article": article,
                    "clause": clause,
                    "point": point,
                    "description": _text(entry, "description", where),
                    "short_name": _text(entry, "short_name", where, max_length=200),
                    "subject": subject,
                    "warning_allowed": bool(entry.get("warning_allowed", False)),
                    "fine_min": fine_min,
                    "fine_max": fine_max,
                    "organisation_fine_min": org_min,
                    "organisation_fine_max": org_max,
                    "suspension_min_months": sus_min,
                    "suspension_max_months": sus_max,
                    "licence_points": _amount(entry, "licence_points", where, required=False),
                    "confiscation": _text(entry, "confiscation", where, required=False, max_length=300),
                    "additional_penalties": _text(entry, "additional_penalties", where, required=False),
                    "remedial_measures": _text(entry, "remedial_measures", where, required=False),
                    "vehicle_related": bool(entry.get("vehicle_related", False)),
                    "legal_basis": _text(entry, "legal_basis", where, required=False, max_length=300) or provision,
                    "source": _text(entry, "source", where, max_length=500),
                    "confidence": _confidence(entry, where),
                }
            )
    return rows


def fining_title_entries() -> list[tuple[dict, dict]]:
    rows = []
    for n, entry in enumerate(_read(DATA_DIR / "fining_titles.yaml"), start=1):
        where = f"fining_titles.yaml, mục {n} ({entry.get('code', '?')})"
        validity = _validity(entry, where)
        percent = Decimal(str(entry.get("percent", "")).strip() or "-1").quantize(Decimal("0.01"))
        if not Decimal(0) < percent <= Decimal(100):
            raise RuleDataError(f"{where}: percent phải trong khoảng (0, 100].")
        multiple = _amount(entry, "confiscate_multiple", where, required=False)
        rows.append(
            (
                {"code": _text(entry, "code", where, max_length=40), "valid_from": validity["valid_from"]},
                {
                    "valid_to": validity["valid_to"],
                    "name": _text(entry, "name", where, max_length=300),
                    "percent": percent,
                    "cap_amount": _amount(entry, "cap_amount", where, required=False),
                    "may_warn": bool(entry.get("may_warn", True)),
                    "may_suspend": bool(entry.get("may_suspend", False)),
                    "may_confiscate": bool(entry.get("may_confiscate", False)),
                    "confiscate_multiple": multiple,
                    "may_expel": bool(entry.get("may_expel", False)),
                    "rank": _amount(entry, "rank", where),
                    "legal_basis": _text(entry, "legal_basis", where, max_length=300),
                    "source": _sourced(entry, where),
                },
            )
        )
    return rows


def circumstance_entries() -> list[tuple[dict, dict]]:
    data = _read(DATA_DIR / "circumstances.yaml")
    defaults = data.get("defaults") or {}
    rows = []
    for kind, prefix, article in (
        (Circumstance.Kind.MITIGATING, "GN", 9),
        (Circumstance.Kind.AGGRAVATING, "TN", 10),
    ):
        for n, text in enumerate(data.get(kind) or [], start=1):
            where = f"circumstances.yaml, {kind} mục {n}"
            entry = {**defaults, "text": text}
            clause = f"khoản {n} Điều 9" if article == 9 else f"khoản 1 Điều 10 (mục {n})"
            rows.append(
                (
                    {"code": f"{prefix}{n}"},
                    {
                        "kind": kind,
                        "text": _text(entry, "text", where, max_length=400),
                        "order": n,
                        **_validity(entry, where),
                        "legal_basis": f"{clause} Luật Xử lý vi phạm hành chính 2012 (sửa đổi 2020)",
                        "source": _sourced(entry, where),
                    },
                )
            )
    return rows


def parameter_entries() -> list[tuple[dict, dict]]:
    rows = []
    for n, entry in enumerate(_read(DATA_DIR / "parameters.yaml"), start=1):
        where = f"parameters.yaml, mục {n} ({entry.get('key', '?')})"
        validity = _validity(entry, where)
        rows.append(
            (
                {"key": _text(entry, "key", where, max_length=60), "valid_from": validity["valid_from"]},
                {
                    "valid_to": validity["valid_to"],
                    "value": _amount(entry, "value", where),
                    "unit": _text(entry, "unit", where, max_length=40),
                    "description": _text(entry, "description", where, max_length=300),
                    "legal_basis": _text(entry, "legal_basis", where, max_length=300),
                    "source": _sourced(entry, where),
                },
            )
        )
    return rows


# --- writing -----------------------------------------------------------------------------------


@dataclass
class Tally:
    """What one model's load did."""

    label: str
    total: int = 0
    created: int = 0
    updated: int = 0
    kept: int = 0
    keys: set = field(default_factory=set)


def _upsert(model: type[models.Model], natural: dict, values: dict, tally: Tally, *, reason: str = REASON):
    """Create or update one row by its natural key; audit only what changed."""
    tally.total += 1
    obj = model.objects.filter(**natural).first()
    if obj is None:
        obj = model(**natural, **values)
        obj.save()
        audit.record(audit.Action.CREATE, obj, changes=audit.snapshot(obj), reason=reason)
        tally.created += 1
        return obj
    before = audit.snapshot(obj)
    for name, value in values.items():
        setattr(obj, name, value)
    changes = audit.diff(before, audit.snapshot(obj))
    if changes:
        obj.save()  # full save: Behaviour.save() refreshes description_folded
        audit.record(audit.Action.UPDATE, obj, changes=changes, reason=reason)
        tally.updated += 1
    return obj


def _kept(model: type[models.Model], tally: Tally, names: list[str]) -> None:
    """Rows the files do not name (admin-added, or dropped from the files): kept, counted."""
    present = {tuple(row) for row in model.objects.values_list(*names)}
    tally.kept = len(present - tally.keys)


def load_violation_rules() -> str:
    """Create or update every rule row from the data files; idempotent. Returns a summary line."""
    stat_rows = stat_group_entries()
    field_rows = fine_field_entries()
    decree_rows = decree_entries()
    decrees_by_code = {natural["code"]: values for natural, values, _ in decree_rows}
    behaviour_rows = behaviour_entries(
        decrees_by_code,
        {natural["code"] for natural, _ in stat_rows},
        {natural["code"] for natural, _ in field_rows},
    )
    title_rows = fining_title_entries()
    circumstance_rows = circumstance_entries()
    parameter_rows = parameter_entries()

    tallies = {
        "stat": Tally("dòng thống kê"),
        "field": Tally("mức tối đa theo lĩnh vực"),
        "decree": Tally("nghị định"),
        "behaviour": Tally("hành vi"),
        "title": Tally("chức danh có thẩm quyền"),
        "circumstance": Tally("tình tiết"),
        "parameter": Tally("tham số pháp lý"),
    }
    with transaction.atomic():
        groups = {}
        for natural, values in stat_rows:
            groups[natural["code"]] = _upsert(StatGroup, natural, values, tallies["stat"])
            tallies["stat"].keys.add((natural["code"],))
        for natural, values in field_rows:
            _upsert(FineField, natural, values, tallies["field"])
            tallies["field"].keys.add((natural["code"], natural["valid_from"]))
        decrees = {}
        for natural, values, _ in decree_rows:
            decrees[natural["code"]] = _upsert(Decree, natural, values, tallies["decree"])
            tallies["decree"].keys.add((natural["code"],))
        for natural, _, replaces in decree_rows:
            decree = decrees[natural["code"]]
            target = decrees.get(replaces) if replaces else None
            if replaces and target is None:
                raise RuleDataError(f"decrees.yaml ({natural['code']}): nghị định bị thay thế '{replaces}' không có.")
            if decree.replaces_id != (target.pk if target else None):
                before = audit.snapshot(decree)
                decree.replaces = target
                decree.save(update_fields=["replaces"])
                audit.record_change(decree, before, reason=REASON)
        for row in behaviour_rows:
            values = dict(row)
            code = values.pop("code")
            values["decree"] = decrees[values.pop("decree_code")]
            values["stat_group"] = groups[values.pop("stat_group_code")]
            _upsert(Behaviour, {"code": code}, values, tallies["behaviour"])
            tallies["behaviour"].keys.add((code,))
        for natural, values in title_rows:
            _upsert(FiningTitle, natural, values, tallies["title"])
            tallies["title"].keys.add((natural["code"], natural["valid_from"]))
        for natural, values in circumstance_rows:
            _upsert(Circumstance, natural, values, tallies["circumstance"])
            tallies["circumstance"].keys.add((natural["code"],))
        for natural, values in parameter_rows:
            _upsert(LegalParameter, natural, values, tallies["parameter"])
            tallies["parameter"].keys.add((natural["key"], natural["valid_from"]))
        _kept(StatGroup, tallies["stat"], ["code"])
        _kept(FineField, tallies["field"], ["code", "valid_from"])
        _kept(Decree, tallies["decree"], ["code"])
        _kept(Behaviour, tallies["behaviour"], ["code"])
        _kept(FiningTitle, tallies["title"], ["code", "valid_from"])
        _kept(Circumstance, tallies["circumstance"], ["code"])
        _kept(LegalParameter, tallies["parameter"], ["key", "valid_from"])

    parts = ", ".join(f"{t.total} {t.label}" for t in tallies.values())
    created = sum(t.created for t in tallies.values())
    updated = sum(t.updated for t in tallies.values())
    message = f"Quy tắc xử phạt: {parts} (thêm mới {created}, cập nhật {updated})."
    kept = sum(t.kept for t in tallies.values())
    if kept:
        message += f" Giữ nguyên {kept} dòng không có trong tệp dữ liệu (không xóa)."
    return message


def assign_demo_fining_titles() -> str:
    """Give the demo accounts of `load_demo` their fining titles (DEMO_FINING_TITLES). Idempotent;
    accounts that do not exist yet are skipped and named in the message."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=DEMO_FINING_TITLES)}
    changed = 0
    missing = [name for name in DEMO_FINING_TITLES if name not in users]
    with transaction.atomic():
        for username, title_code in DEMO_FINING_TITLES.items():
            user = users.get(username)
            if user is None:
                continue
            current = OfficerFiningTitle.objects.filter(user=user).first()
            if title_code is None:
                if current is not None:
                    audit.record(audit.Action.DELETE, current, changes=audit.snapshot(current), reason=REASON)
                    current.delete()
                    changed += 1
                continue
            if current is None:
                current = OfficerFiningTitle.objects.create(user=user, title_code=title_code)
                audit.record(audit.Action.CREATE, current, changes=audit.snapshot(current), reason=REASON)
                changed += 1
            elif current.title_code != title_code:
                before = audit.snapshot(current)
                current.title_code = title_code
                current.save(update_fields=["title_code"])
                audit.record_change(current, before, reason=REASON)
                changed += 1
    message = f"Thẩm quyền xử phạt minh họa: {len(users)} tài khoản (thay đổi {changed})."
    if missing:
        message += f" Chưa có tài khoản {', '.join(missing)}."
    return message
