"""Writes to the catalogue. Every change is validated, atomic and audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from antt.catalog import rules
from antt.catalog.models import (
    Fee,
    Field,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureLevel,
    ProcedureVersion,
    ProcessStep,
    RequiredDocument,
    TimeUnit,
)
from antt.core import audit
from antt.org.models import Role, Unit

Action = audit.Action


def field_create(*, actor, slug: str, name: str, appendix: int | None = None) -> Field:
    with transaction.atomic():
        field = Field(slug=slug, name=name, appendix=appendix)
        field.full_clean()
        field.save()
        audit.record(Action.CREATE, field, changes=audit.snapshot(field), actor=actor)
    return field


def procedure_create(
    *,
    actor,
    field: Field,
    code: str,
    name: str,
    seed_name: str = "",
    seed_ref: str = "",
    code_verified: bool = False,
) -> Procedure:
    with transaction.atomic():
        procedure = Procedure(
            field=field, code=code, name=name, seed_name=seed_name, seed_ref=seed_ref, code_verified=code_verified
        )
        procedure.full_clean()
        procedure.save()
        audit.record(Action.CREATE, procedure, changes=audit.snapshot(procedure), actor=actor)
    return procedure


def _decimal(value, message: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(message) from None
    if not result.is_finite():
        raise ValidationError(message)
    return result


def _clean_legal_time(amount, unit: str) -> Decimal | None:
    if unit and unit not in TimeUnit.values:
        raise ValidationError("Đơn vị thời hạn giải quyết không hợp lệ.")
    if unit == TimeUnit.SAME_DAY:
        return None
    if amount is None:
        if unit:
            raise ValidationError("Thiếu số lượng của thời hạn giải quyết.")
        return None
    if not unit:
        raise ValidationError("Thiếu đơn vị của thời hạn giải quyết.")
    amount = _decimal(amount, "Thời hạn giải quyết phải là số.")
    if amount <= 0:
        raise ValidationError("Thời hạn giải quyết phải lớn hơn 0.")
    return amount


def _clean_steps(steps: Iterable[dict], amount: Decimal | None, unit: str) -> tuple[list[dict], Decimal | None]:
    """Check the steps and the 20%-below rule; return them with their total."""
    cleaned = []
    for index, step in enumerate(steps, start=1):
        name = (step.get("name") or "").strip()
        role = step.get("role") or ""
        unit_level = step.get("unit_level") or ""
        if not name:
            raise ValidationError(f"Bước {index}: thiếu nội dung bước.")
        if role and role not in Role.values:
            raise ValidationError(f"Bước {index}: vai trò không hợp lệ.")
        if unit_level and unit_level not in Unit.Level.values:
            raise ValidationError(f"Bước {index}: cấp đơn vị không hợp lệ.")
        if not role and not unit_level:
            raise ValidationError(f"Bước {index}: cần chỉ rõ vai trò hoặc cấp đơn vị thực hiện.")
        hours = _decimal(step.get("budget_hours"), f"Bước {index}: thời gian phải là số giờ.")
        if hours <= 0:
            raise ValidationError(f"Bước {index}: thời gian phải lớn hơn 0.")
        cleaned.append(
            {
                "order": step.get("order") or index,
                "name": name,
                "role": role,
                "unit_level": unit_level,
                "budget_hours": hours,
            }
        )
    if not cleaned:
        return [], None
    total = sum((s["budget_hours"] for s in cleaned), Decimal(0))
    check_internal_target(total, amount, unit)
    return cleaned, total


def check_internal_target(total_hours: Decimal, amount: Decimal | None, unit: str) -> None:
    """Refuse an internal process that is not at least 20% shorter than the legal time."""
    limit = rules.max_internal_hours(amount, unit)
    if limit is None:
        raise ValidationError(
            "Chưa có thời hạn giải quyết theo quy định nên không thể đặt quy trình nội bộ có định mức thời gian."
        )
    if total_hours > limit:
        raise ValidationError(
            f"Tổng thời gian các bước ({_hours(total_hours)} giờ làm việc) vượt quá 80% thời hạn theo quy định "
            f"({rules.format_legal_time(amount, unit)}, tối đa {_hours(limit)} giờ làm việc): "
            "mục tiêu là giải quyết nhanh hơn ít nhất 20% so với quy định."
        )


def _hours(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}".replace(".", ",")


@transaction.atomic
def procedure_version_publish(
    *,
    actor,
    procedure: Procedure,
    valid_from: date,
    valid_to: date | None = None,
    legal_time_amount=None,
    legal_time_unit: str = "",
    legal_time_note: str = "",
    legal_basis: str = "",
    result: str = "",
    online_level: str = OnlineLevel.NONE,
    levels: Iterable[str] = (),
    documents: Iterable[dict] = (),
    fees: Iterable[dict] = (),
    steps: Iterable[dict] | None = None,
    verified: bool = False,
    sources: str = "",
) -> ProcedureVersion:
    """Publish the rules in force from `valid_from`; close the version before it.

    Versions are never edited in place: a dossier points to the version it was
    received under. The previous open version gets valid_to = the day before.
    A version may only start after every existing one. `steps=None` gives the
    default process (`rules.default_steps`); `valid_to` records a version that
    is already known to end (e.g. a procedure abolished by a later law).
    """
    amount = _clean_legal_time(legal_time_amount, legal_time_unit)
    if online_level not in OnlineLevel.values:
        raise ValidationError("Mức độ dịch vụ công trực tuyến không hợp lệ.")
    levels = list(dict.fromkeys(levels))
    if not levels:
        raise ValidationError("Cần ít nhất một cấp thực hiện.")
    for level in levels:
        if level not in Level.values:
            raise ValidationError("Cấp thực hiện không hợp lệ.")
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError("Ngày hết hiệu lực phải sau ngày bắt đầu áp dụng.")
    if steps is None:
        steps = rules.default_steps(amount, legal_time_unit)
    steps, total = _clean_steps(steps, amount, legal_time_unit)
    documents = list(documents)
    for index, doc in enumerate(documents, start=1):
        if not (doc.get("name") or "").strip():
            raise ValidationError(f"Giấy tờ thứ {index}: thiếu tên giấy tờ.")
        if int(doc.get("originals", 1)) < 0 or int(doc.get("copies", 0)) < 0:
            raise ValidationError(f"Giấy tờ thứ {index}: số bản không được âm.")
    fees = list(fees)
    for index, fee in enumerate(fees, start=1):
        if fee.get("channel") not in Fee.Channel.values:
            raise ValidationError(f"Khoản phí thứ {index}: hình thức nộp không hợp lệ.")
        if not isinstance(fee.get("amount"), int) or fee["amount"] < 0:
            raise ValidationError(f"Khoản phí thứ {index}: mức thu phải là số đồng nguyên, không âm.")

    # Lock the procedure so two publications cannot interleave.
    Procedure.objects.select_for_update().filter(pk=procedure.pk).first()
    latest = procedure.versions.order_by("-valid_from").first()
    if latest is not None and valid_from <= latest.valid_from:
        raise ValidationError(
            f"Ngày áp dụng phải sau ngày áp dụng của phiên bản gần nhất ({latest.valid_from:%d/%m/%Y})."
        )
    if latest is not None and (latest.valid_to is None or latest.valid_to >= valid_from):
        before = audit.snapshot(latest, ["valid_to"])
        latest.valid_to = valid_from - timedelta(days=1)
        latest.save(update_fields=["valid_to"])
        audit.record(
            Action.UPDATE,
            latest,
            changes=audit.diff(before, audit.snapshot(latest, ["valid_to"])),
            reason="Hết hiệu lực do ban hành phiên bản mới",
            actor=actor,
        )

    version = ProcedureVersion.objects.create(
        procedure=procedure,
        valid_from=valid_from,
        valid_to=valid_to,
        legal_time_amount=amount,
        legal_time_unit=legal_time_unit,
        legal_time_note=legal_time_note,
        legal_basis=legal_basis,
        result=result,
        online_level=online_level,
        internal_target_hours=total,
        verified=verified,
        sources=sources,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    ProcedureLevel.objects.bulk_create([ProcedureLevel(version=version, level=level) for level in levels])
    RequiredDocument.objects.bulk_create(
        [
            RequiredDocument(
                version=version,
                order=doc.get("order") or index,
                name=doc["name"].strip(),
                form_code=doc.get("form_code", ""),
                originals=int(doc.get("originals", 1)),
                copies=int(doc.get("copies", 0)),
                note=doc.get("note", ""),
            )
            for index, doc in enumerate(documents, start=1)
        ]
    )
    Fee.objects.bulk_create(
        [
            Fee(
                version=version,
                order=index,
                channel=fee["channel"],
                amount=fee["amount"],
                description=fee.get("description", ""),
                exemptions=fee.get("exemptions", ""),
            )
            for index, fee in enumerate(fees, start=1)
        ]
    )
    ProcessStep.objects.bulk_create([ProcessStep(version=version, **step) for step in steps])
    changes = audit.snapshot(version)
    changes.update(
        levels=levels,
        documents=[d["name"] for d in documents],
        fees=[[f["channel"], f["amount"]] for f in fees],
        steps=[[s["name"], s["role"] or s["unit_level"], str(s["budget_hours"])] for s in steps],
    )
    audit.record(Action.CREATE, version, changes=changes, actor=actor)
    return version


@transaction.atomic
def procedure_withdraw(*, actor, procedure: Procedure, valid_to: date, reason: str = "") -> ProcedureVersion:
    """End a procedure: close its last version without publishing a successor."""
    Procedure.objects.select_for_update().filter(pk=procedure.pk).first()
    latest = procedure.versions.order_by("-valid_from").first()
    if latest is None:
        raise ValidationError("Thủ tục chưa có phiên bản nào.")
    if valid_to < latest.valid_from:
        raise ValidationError(
            f"Ngày hết hiệu lực phải từ ngày áp dụng của phiên bản cuối ({latest.valid_from:%d/%m/%Y}) trở đi."
        )
    before = audit.snapshot(latest, ["valid_to"])
    latest.valid_to = valid_to
    latest.save(update_fields=["valid_to"])
    audit.record(
        Action.UPDATE,
        latest,
        changes=audit.diff(before, audit.snapshot(latest, ["valid_to"])),
        reason=reason or "Thủ tục hết hiệu lực",
        actor=actor,
    )
    return latest
