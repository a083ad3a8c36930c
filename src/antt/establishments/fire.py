"""Fire-safety premises: the profile (category under ND 105/2025's appendices), the items of the
fire-safety file, what the file still lacks, and the records a returned one-stop dossier adds.

The law is data (`establishments/data/fire.yaml`, loaded into FireCategory, InspectionRule and
ProcedureAction; its `kinds`, `line_kinds` and `gap_rules` are read here; the categories' numeric
thresholds are fields of `FireCategory`):

* a premises' category comes from Phụ lục I (managed premises, Luật 55/2024 Art. 2(7)),
  Phụ lục II (fire/explosion danger, nhóm 1 = `high_risk`, Art. 2(8)) or Phụ lục III (design
  appraised by the police, ND 105 Art. 9(1)); `suggest_category` proposes one from the premises'
  kind and sizes, the officer chooses (`fire_profile_set`) and the flags follow the rule:
  `high_risk` and `insurance_required` from the category, `needs_design_approval` from the
  category or from a Phụ lục III threshold the sizes reach — never typed by hand;
* the fire-safety file (ND 105 Art. 4(1)) is a list of `FireRecord`s (`fire_record_add`,
  `apply_returned_dossier`); `fire_gaps` says what is missing (no firefighting plan, training
  missing or older than the 5 years of Art. 29(4), equipment inspection older than the unit's
  12 months, compulsory insurance missing, design appraisal missing) and feeds the risk score.

Every write: capability and unit checked, input validated (`EstablishmentError`, Vietnamese,
4xx, nothing written), one transaction, an audit entry. Fire data is not shared with other
agencies (`feed.establishment_public` has no fire fields), so no feed row is written.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from antt.core import audit
from antt.dossiers.workflow import TransitionError
from antt.establishments.errors import EstablishmentError
from antt.establishments.models import Establishment, FireCategory, FireProfile, FireRecord
from antt.establishments.services import strip_controls
from antt.org.roles import can
from antt.org.selectors import unit_is_visible
from antt.reports.formatting import number as dotted

DATA_FILE = Path(__file__).resolve().parent / "data" / "fire.yaml"
Kind = FireRecord.Kind
SIZE_FIELDS = {
    "floors": ("min_floors", "Số tầng", 200),
    "floor_area_m2": ("min_floor_area_m2", "Tổng diện tích sàn", 10_000_000),
    "volume_m3": ("min_volume_m3", "Khối tích", 100_000_000),
    "capacity": ("min_capacity", "Sức chứa", 1_000_000),
}
APPENDIX_RANK = {"III": 0, "I": 1, "II": 2}
INCIDENT_FIELDS = {"deaths": "Số người chết", "injuries": "Số người bị thương", "damage_vnd": "Thiệt hại ước tính"}
MAX_DAMAGE_VND = 10**15
NOTE_MAX = 2000
SUMMARY_MAX = 5000

__all__ = [
    "Gap",
    "Suggestion",
    "apply_returned_dossier",
    "category_in_force",
    "categories_in_force",
    "fire_gap_items",
    "fire_gaps",
    "fire_profile_set",
    "fire_record_add",
    "kind_choices",
    "kind_for_establishment",
    "suggest_category",
]


# --- the rules of fire.yaml that are not model rows ----------------------------------------------


@functools.cache
def _rules() -> dict:
    with DATA_FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return {
        "kinds": dict(data.get("kinds") or {}),
        "line_kinds": dict(data.get("line_kinds") or {}),
        "gaps": dict(data.get("gap_rules") or {}),
    }


THRESHOLD_FIELDS = ("min_floors", "min_floor_area_m2", "min_volume_m3", "min_capacity")


def _thresholds(day: date | None = None) -> dict[str, dict]:
    """{category code: {"kinds": [...], "any": {min_floors: ..}}} from the categories in force
    (`FireCategory.kinds` and its `min_*` fields, editable in the admin)."""
    day = day or timezone.localdate()
    out = {}
    rows = FireCategory.objects.filter(FireCategory.valid_on(day)).order_by("valid_from")
    for code, kinds, *minimums in rows.values_list("code", "kinds", *THRESHOLD_FIELDS):
        out[code] = {
            "kinds": [k.strip() for k in kinds.split(",") if k.strip()],
            "any": {name: value for name, value in zip(THRESHOLD_FIELDS, minimums, strict=True) if value is not None},
        }
    return out


def _gap_rule(name: str, default: int) -> int:
    return int(_rules()["gaps"].get(name, default))


def training_valid_months() -> int:
    """ND 105 Art. 29(4): training is repeated every 5 years (fire.yaml gap_rules)."""
    return _gap_rule("training_valid_months", 60)


def kind_choices() -> list[tuple[str, str]]:
    """(kind, Vietnamese label) for the profile page's select."""
    return list(_rules()["kinds"].items())


def kind_label(kind: str) -> str:
    return _rules()["kinds"].get(kind, kind)


def kind_for_establishment(establishment: Establishment) -> str:
    """The kind of premises read from the establishment's business lines (fire.yaml `line_kinds`)."""
    line_kinds = _rules()["line_kinds"]
    for line in establishment.lines.all():
        for key, kind in line_kinds.items():
            if key in line.code:
                return kind
    if establishment.lodging_kind:
        return "lodging"
    return ""


def _category_kinds(code: str) -> list[str]:
    return _thresholds().get(code, {}).get("kinds", [])


# --- categories -----------------------------------------------------------------------------------


def categories_in_force(day: date):
    return FireCategory.objects.filter(FireCategory.valid_on(day)).order_by("appendix", "item", "code")


def category_in_force(code: str, day: date) -> FireCategory | None:
    return (
        FireCategory.objects.filter(FireCategory.valid_on(day), code=(code or "").strip())
        .order_by("-valid_from")
        .first()
    )


def _rank(category: FireCategory, conditional: bool) -> tuple:
    """Higher wins: Phụ lục II nhóm 1 > II nhóm 2 > I > III; a row with a threshold before one
    without (the hospital of 300 beds is nhóm 1, not the catch-all nhóm 2)."""
    return (APPENDIX_RANK.get(category.appendix, 0), category.high_risk, conditional)


def _meets(rule: dict, sizes: dict) -> bool:
    conditions = rule.get("any") or {}
    if not conditions:
        return True
    for name, (key, _label, _max) in SIZE_FIELDS.items():
        minimum, value = conditions.get(key), sizes.get(name)
        if minimum is not None and value is not None and value >= minimum:
            return True
    return False


@dataclass
class Suggestion:
    """What the thresholds say about a premises of `kind` with the given sizes."""

    kind: str
    category: FireCategory | None = None
    needs_design_approval: bool = False
    design_category: FireCategory | None = None
    matched: list[FireCategory] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _describe(cat: FireCategory) -> str:
    item = f", mục {cat.item}" if cat.item else ""
    threshold = f": {cat.threshold}" if cat.threshold else ""
    return f"Phụ lục {cat.appendix}{item} — {cat.name}{threshold}"


def suggest_category(
    kind_hint: str,
    floors: int | None = None,
    floor_area_m2: int | None = None,
    volume_m3: int | None = None,
    capacity: int | None = None,
    *,
    day: date | None = None,
) -> Suggestion:
    """Best-effort category for a premises of `kind_hint` (a key of fire.yaml `kinds`) and sizes.

    Every category in force whose kind matches and whose threshold is reached (any of its
    minimums) is a candidate; the highest (`_rank`) is suggested. A Phụ lục III row reached
    also sets `needs_design_approval`; it is suggested as the category only when nothing in
    Phụ lục I or II matches. The officer decides: this only reads the data.
    """
    day = day or timezone.localdate()
    kind = (kind_hint or "").strip()
    suggestion = Suggestion(kind=kind)
    if not kind:
        suggestion.reasons.append("Chưa chọn loại cơ sở: không đủ dữ liệu để gợi ý nhóm.")
        return suggestion
    sizes = {"floors": floors, "floor_area_m2": floor_area_m2, "volume_m3": volume_m3, "capacity": capacity}
    rules = {code: rule for code, rule in _thresholds().items() if kind in rule["kinds"]}
    matched = [
        (cat, bool(rules[cat.code]["any"]))
        for cat in categories_in_force(day).filter(code__in=list(rules))
        if _meets(rules[cat.code], sizes)
    ]
    if not matched:
        suggestion.reasons.append(
            f"Không nhóm nào trong dữ liệu có hiệu lực khớp với loại “{kind_label(kind)}” và quy mô đã nhập."
        )
        return suggestion
    matched.sort(key=lambda pair: _rank(*pair), reverse=True)
    suggestion.matched = [cat for cat, _ in matched]
    suggestion.category = matched[0][0]
    design = [cat for cat, _ in matched if cat.appendix == FireCategory.Appendix.DESIGN_APPROVAL]
    if design:
        suggestion.needs_design_approval = True
        suggestion.design_category = design[0]
    suggestion.reasons = [_describe(cat) for cat in suggestion.matched]
    return suggestion


def _design_rule_reached(kinds: list[str], sizes: dict, day: date) -> bool:
    """Does a Phụ lục III threshold of one of these kinds apply to these sizes?"""
    if not kinds:
        return False
    rules = _thresholds()
    codes = [code for code, rule in rules.items() if set(kinds) & set(rule["kinds"]) and rule["any"]]
    if not codes:
        return False
    design = categories_in_force(day).filter(code__in=codes, appendix=FireCategory.Appendix.DESIGN_APPROVAL)
    return any(_meets(rules[cat.code], sizes) for cat in design)


# --- helpers --------------------------------------------------------------------------------------


def _require(officer, capability: str = "establishment.manage") -> None:
    if not can(officer, capability):
        raise EstablishmentError("Bạn không có quyền cập nhật hồ sơ PCCC của cơ sở.", status=403)


def _visible(officer, establishment: Establishment) -> None:
    if not unit_is_visible(officer, establishment.unit):
        raise EstablishmentError("Không tìm thấy cơ sở.", status=404)


def _size(name: str, value) -> int | None:
    _key, label, maximum = SIZE_FIELDS[name]
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise EstablishmentError(f"{label} phải là số nguyên không âm.", field=name)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise EstablishmentError(f"{label} phải là số nguyên không âm.", field=name) from None
    if number != value and not isinstance(value, str):
        raise EstablishmentError(f"{label} phải là số nguyên không âm.", field=name)
    if number < 0 or number > maximum:
        raise EstablishmentError(f"{label} phải là số nguyên từ 0 đến {dotted(maximum)}.", field=name)
    return number


PROFILE_FIELDS = [
    "category_id",
    "high_risk",
    "needs_design_approval",
    "insurance_required",
    "floors",
    "floor_area_m2",
    "volume_m3",
    "capacity",
    "note",
]
RECORD_FIELDS = [
    "establishment_id",
    "kind",
    "number",
    "issued_on",
    "valid_until",
    "issuer",
    "result",
    "summary",
    "details",
    "dossier_id",
]


def _refresh_due(establishment: Establishment, today: date) -> None:
    """The next fire inspection depends on the category and on the risk score, which counts the
    file's gaps and incidents: recompute them in the same transaction (inspections module)."""
    from antt.establishments.inspections import refresh_due_dates  # imports this module back

    refresh_due_dates(establishment, today)


# --- the profile ----------------------------------------------------------------------------------


def fire_profile_set(
    *,
    officer,
    establishment: Establishment,
    category_code: str,
    floors=None,
    floor_area_m2=None,
    volume_m3=None,
    capacity=None,
    note: str = "",
    kind_hint: str = "",
) -> FireProfile:
    """Put the establishment under fire-safety management in `category_code` (in force today),
    with its sizes. The flags follow the rule (module docstring), never the officer's hand."""
    _require(officer)
    _visible(officer, establishment)
    today = timezone.localdate()
    sizes = {
        name: _size(name, value)
        for name, value in (
            ("floors", floors),
            ("floor_area_m2", floor_area_m2),
            ("volume_m3", volume_m3),
            ("capacity", capacity),
        )
    }
    note = strip_controls(note).strip()
    if len(note) > NOTE_MAX:
        raise EstablishmentError(f"Ghi chú dài quá {NOTE_MAX} ký tự.", field="note")
    if not (category_code or "").strip():
        raise EstablishmentError("Vui lòng chọn nhóm cơ sở về PCCC.", field="category")
    category = category_in_force(category_code, today)
    if category is None:
        raise EstablishmentError(
            f"Nhóm cơ sở “{category_code}” không có trong danh mục PCCC đang có hiệu lực "
            f"ngày {today:%d/%m/%Y} (Phụ lục I, II, III Nghị định 105/2025/NĐ-CP).",
            field="category",
            status=422,
        )
    kinds = _category_kinds(category.code) or ([kind_hint] if kind_hint else [])
    needs_design = category.needs_design_approval or _design_rule_reached(kinds, sizes, today)
    with transaction.atomic():
        profile = FireProfile.objects.select_for_update().filter(establishment=establishment).first()
        created = profile is None
        if created:
            profile = FireProfile(establishment=establishment)
            before = {}
        else:
            before = audit.snapshot(profile, PROFILE_FIELDS)
        profile.category = category
        profile.high_risk = category.high_risk
        profile.insurance_required = category.insurance_required
        profile.needs_design_approval = needs_design
        profile.floors = sizes["floors"]
        profile.floor_area_m2 = sizes["floor_area_m2"]
        profile.volume_m3 = sizes["volume_m3"]
        profile.capacity = sizes["capacity"]
        profile.note = note
        profile.save()
        reason = f"Nhóm PCCC: {category.code} ({category.legal_basis})"
        if created:
            audit.record(audit.Action.CREATE, profile, changes=audit.snapshot(profile, PROFILE_FIELDS), reason=reason)
        else:
            audit.record_change(profile, before, reason=reason)
        _refresh_due(establishment, today)
    return profile


# --- the fire-safety file -------------------------------------------------------------------------


def _clean_details(kind: str, details) -> dict:
    details = details or {}
    if not isinstance(details, dict):
        raise EstablishmentError("Chi tiết không hợp lệ.", field="details")
    clean = {}
    for key, value in details.items():
        if key in INCIDENT_FIELDS:
            if kind != Kind.INCIDENT or value in (None, ""):
                continue
            label = INCIDENT_FIELDS[key]
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise EstablishmentError(f"{label} phải là số nguyên không âm.", field=key) from None
            limit = MAX_DAMAGE_VND if key == "damage_vnd" else 100_000
            if (
                isinstance(value, bool)
                or number < 0
                or number > limit
                or (not isinstance(value, str) and number != value)
            ):
                raise EstablishmentError(f"{label} phải là số nguyên không âm, không quá {dotted(limit)}.", field=key)
            clean[key] = number
        elif isinstance(value, (str, int)) and not isinstance(value, bool):
            clean[str(key)[:40]] = value if isinstance(value, int) else str(value)[:200]
        else:
            raise EstablishmentError("Chi tiết chỉ gồm số hoặc chữ.", field="details")
    return clean


def fire_record_add(
    *,
    officer,
    establishment: Establishment,
    kind: str,
    issued_on: date | None,
    number: str = "",
    valid_until: date | None = None,
    issuer: str = "",
    result: str = "",
    summary: str = "",
    details: dict | None = None,
    dossier=None,
) -> FireRecord:
    """Add an item to the premises' fire-safety file (ND 105 Art. 4(1)).

    A training record without its own end date is valid for `training_valid_months` (5 years,
    Art. 29(4)). An incident needs what happened (`summary`); its casualties and damage go to
    `details` (deaths, injuries, damage_vnd in đồng). After 01/07/2026 an acceptance is what
    the investor declares (ND 347/2026 repealed the police check): it is added here too.
    """
    _require(officer)
    _visible(officer, establishment)
    today = timezone.localdate()
    if kind not in Kind.values:
        raise EstablishmentError("Loại tài liệu hồ sơ PCCC không hợp lệ.", field="kind")
    if not isinstance(issued_on, date):
        raise EstablishmentError("Vui lòng nhập ngày của tài liệu.", field="issued_on")
    if issued_on > today:
        raise EstablishmentError(
            f"Ngày {issued_on:%d/%m/%Y} là ngày trong tương lai: ngày của tài liệu không được sau "
            f"ngày hôm nay ({today:%d/%m/%Y}).",
            field="issued_on",
            status=422,
        )
    if valid_until is not None and not isinstance(valid_until, date):
        raise EstablishmentError("Ngày hết hạn không hợp lệ.", field="valid_until")
    if valid_until is not None and valid_until < issued_on:
        raise EstablishmentError(
            f"Ngày hết hạn ({valid_until:%d/%m/%Y}) không được trước ngày cấp ({issued_on:%d/%m/%Y}).",
            field="valid_until",
            status=422,
        )
    if result not in FireRecord.Result.values:
        raise EstablishmentError("Kết quả không hợp lệ.", field="result")
    number, issuer, summary = (strip_controls(v).strip() for v in (number, issuer, summary))
    if len(number) > 60:
        raise EstablishmentError("Số văn bản dài quá 60 ký tự.", field="number")
    if len(issuer) > 200:
        raise EstablishmentError("Tên cơ quan, đơn vị dài quá 200 ký tự.", field="issuer")
    if len(summary) > SUMMARY_MAX:
        raise EstablishmentError(f"Nội dung dài quá {SUMMARY_MAX} ký tự.", field="summary")
    if kind == Kind.INCIDENT and not summary:
        raise EstablishmentError(
            "Vụ cháy, nổ, sự cố phải có nội dung: diễn biến, nguyên nhân (nếu đã xác định), thiệt hại.",
            field="summary",
            status=422,
        )
    clean = _clean_details(kind, details)
    if kind == Kind.TRAINING and valid_until is None:
        valid_until = issued_on + relativedelta(months=training_valid_months())
    with transaction.atomic():
        record = FireRecord.objects.create(
            establishment=establishment,
            kind=kind,
            number=number,
            issued_on=issued_on,
            valid_until=valid_until,
            issuer=issuer,
            result=result,
            summary=summary,
            details=clean,
            dossier=dossier,
            created_by=officer if getattr(officer, "pk", None) else None,
        )
        audit.record(
            audit.Action.CREATE,
            record,
            changes=audit.snapshot(record, RECORD_FIELDS),
            reason=f"Hồ sơ PCCC của cơ sở #{establishment.pk}: {record.get_kind_display()}",
        )
        _refresh_due(establishment, today)
    return record


def apply_returned_dossier(*, dossier, officer, action) -> FireRecord:
    """A returned appendix-7 dossier adds its result to the establishment's fire-safety file.

    Called inside the transaction that returns the dossier (`certificates.apply_returned_dossier`
    dispatches FIRE_RECORD actions here). The establishment is `dossier.form_data
    ["establishment"]["id"]`; without it the return is refused (409) so that the officer links
    the dossier first. Number = the dossier's (first) result code, issuer = the dossier's unit.
    Returning twice adds nothing.
    """
    from antt.establishments.certificates import dossier_link  # certificates dispatches here

    pk, _lines = dossier_link(dossier)
    establishment = Establishment.objects.filter(pk=pk).first() if pk else None
    if establishment is None:
        raise TransitionError(
            f"Hồ sơ {dossier.code} chưa gắn cơ sở: gắn cơ sở cho hồ sơ trước khi trả kết quả "
            "để kết quả được ghi vào hồ sơ PCCC của cơ sở.",
            409,
        )
    kind = getattr(action, "fire_record_kind", "")
    if kind not in Kind.values:
        raise TransitionError(
            f"Thủ tục {getattr(action, 'seed_ref', '')} chưa được cấu hình loại tài liệu hồ sơ PCCC hợp lệ: "
            "báo quản trị hệ thống.",
            409,
        )
    existing = FireRecord.objects.filter(dossier=dossier, kind=kind).first()
    if existing is not None:
        return existing
    result = dossier.results.order_by("number", "id").first()
    number = (result.code if result is not None else dossier.code)[:60]
    day = timezone.localdate(dossier.returned_at) if dossier.returned_at else timezone.localdate()
    valid_until = day + relativedelta(months=training_valid_months()) if kind == Kind.TRAINING else None
    with transaction.atomic():
        record = FireRecord.objects.create(
            establishment=establishment,
            kind=kind,
            number=number,
            issued_on=day,
            valid_until=valid_until,
            issuer=(dossier.unit.name if dossier.unit_id else "")[:200],
            summary=f"Kết quả thủ tục “{dossier.procedure.name}” (hồ sơ {dossier.code})"[:SUMMARY_MAX],
            dossier=dossier,
            created_by=officer if getattr(officer, "pk", None) else None,
        )
        audit.record(
            audit.Action.CREATE,
            record,
            changes=audit.snapshot(record, RECORD_FIELDS),
            reason=f"Trả kết quả hồ sơ {dossier.code}",
        )
        _refresh_due(establishment, day)
    return record


# --- what the file lacks ------------------------------------------------------------------------


GAP_LABELS = {
    "plan": "Thiếu phương án chữa cháy",
    "training_missing": "Chưa huấn luyện PCCC",
    "training_expired": "Huấn luyện PCCC hết hạn",
    "equipment_missing": "Chưa kiểm định phương tiện",
    "equipment_old": "Kiểm định phương tiện quá hạn",
    "equipment_failed": "Kiểm định phương tiện không đạt",
    "insurance": "Thiếu bảo hiểm cháy, nổ bắt buộc",
    "design": "Thiếu văn bản thẩm định thiết kế",
}


@dataclass(frozen=True)
class Gap:
    """One thing the fire-safety file lacks: a code, the full message (with its article) and a
    short label for lists."""

    code: str
    message: str

    @property
    def label(self) -> str:
        return GAP_LABELS.get(self.code, self.message)


def _profile_of(establishment: Establishment) -> FireProfile | None:
    try:
        return establishment.fire
    except FireProfile.DoesNotExist:
        return None


def fire_gap_items(
    establishment: Establishment,
    today: date,
    *,
    profile: FireProfile | None = None,
    records: list[FireRecord] | None = None,
) -> list[Gap]:
    """What the fire-safety file of a fire-managed establishment lacks on `today` (none when the
    establishment has no fire profile). Pass `profile` and `records` (all of the establishment's
    records) to compute a page of rows without a query each."""
    profile = profile if profile is not None else _profile_of(establishment)
    if profile is None:
        return []
    if records is None:
        records = list(FireRecord.objects.filter(establishment=establishment))
    records = [r for r in records if r.issued_on <= today]
    by_kind: dict[str, list[FireRecord]] = {}
    for r in records:
        by_kind.setdefault(r.kind, []).append(r)
    gaps: list[Gap] = []

    def in_force(r: FireRecord) -> bool:
        return r.valid_until is None or r.valid_until >= today

    if not any(in_force(r) for r in by_kind.get(Kind.FIREFIGHTING_PLAN, [])):
        gaps.append(
            Gap(
                "plan",
                "Chưa có phương án chữa cháy, cứu nạn, cứu hộ của cơ sở "
                "(điểm đ khoản 1 Điều 4, Điều 15 Nghị định 105/2025/NĐ-CP).",
            )
        )
    trainings = by_kind.get(Kind.TRAINING, [])
    if not trainings:
        gaps.append(
            Gap(
                "training_missing",
                "Chưa có kết quả huấn luyện nghiệp vụ PCCC, CNCH (điểm d khoản 1 Điều 4 Nghị định 105/2025/NĐ-CP).",
            )
        )
    else:
        months = training_valid_months()
        expiry = max(r.valid_until or (r.issued_on + relativedelta(months=months)) for r in trainings)
        if expiry < today:
            gaps.append(
                Gap(
                    "training_expired",
                    f"Chứng nhận huấn luyện nghiệp vụ PCCC đã hết hạn ngày {expiry:%d/%m/%Y} "
                    "(huấn luyện lại 05 năm một lần: khoản 4 Điều 29 Nghị định 105/2025/NĐ-CP).",
                )
            )
    equipment = sorted(by_kind.get(Kind.EQUIPMENT, []), key=lambda r: (r.issued_on, r.pk or 0))
    max_age = _gap_rule("equipment_max_age_months", 12)
    if not equipment:
        gaps.append(Gap("equipment_missing", "Chưa có kết quả kiểm định, kiểm tra phương tiện PCCC."))
    else:
        last = equipment[-1]
        if last.issued_on < today - relativedelta(months=max_age):
            gaps.append(
                Gap(
                    "equipment_old",
                    f"Lần kiểm định phương tiện PCCC gần nhất ({last.issued_on:%d/%m/%Y}) đã quá {max_age} tháng.",
                )
            )
        elif last.result == FireRecord.Result.FAILED:
            gaps.append(
                Gap(
                    "equipment_failed", f"Kết quả kiểm định phương tiện PCCC ngày {last.issued_on:%d/%m/%Y}: không đạt."
                )
            )
    if profile.insurance_required and not any(in_force(r) for r in by_kind.get(Kind.INSURANCE, [])):
        gaps.append(
            Gap(
                "insurance",
                "Chưa có Giấy chứng nhận bảo hiểm cháy, nổ bắt buộc còn hiệu lực "
                "(điểm i khoản 1 Điều 4, Điều 35 Nghị định 105/2025/NĐ-CP).",
            )
        )
    if profile.needs_design_approval and not by_kind.get(Kind.DESIGN_APPROVAL):
        gaps.append(
            Gap(
                "design",
                "Chưa có văn bản thẩm định (thẩm duyệt) thiết kế về PCCC "
                "(điểm c khoản 1 Điều 4, Điều 9 Nghị định 105/2025/NĐ-CP).",
            )
        )
    return gaps


def fire_gaps(establishment: Establishment, today: date) -> list[str]:
    """What the establishment's fire-safety file lacks on `today`, in Vietnamese (risk score, pages)."""
    return [gap.message for gap in fire_gap_items(establishment, today)]
