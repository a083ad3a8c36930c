"""Writes of the org app: officers and the unit tree.

Every service checks the capability, checks that the target is inside the actor's scope (an
object outside it is reported as not found, so its existence is not revealed), validates, runs
in one transaction and leaves an audit record with the diff. Passwords never reach the audit
trail, not even hashed: the diff only says that the password was changed.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.http import Http404

from antt.core import audit
from antt.org.models import Role, Unit, User
from antt.org.roles import can
from antt.org.selectors import unit_is_visible

OFFICER_FIELDS = ["username", "full_name", "title", "phone", "email", "role", "unit_id", "is_active"]
EDITABLE_FIELDS = {"full_name", "title", "phone", "email", "role", "unit", "password"}
# Roles only a system administrator may hand out: they reach beyond one unit's officers.
RESERVED_ROLES = {Role.SYSTEM_ADMIN}


def _require(actor, capability: str) -> None:
    if not can(actor, capability):
        raise PermissionDenied("Bạn không có quyền thực hiện thao tác này.")


def _require_unit_in_scope(actor, unit: Unit | None) -> None:
    if unit is None:
        raise ValidationError({"unit": "Vui lòng chọn đơn vị."})
    if not unit_is_visible(actor, unit):
        raise PermissionDenied("Đơn vị này nằm ngoài phạm vi quản lý của bạn.")


def _require_officer_in_scope(actor, officer: User) -> None:
    # Out-of-scope officers are "not found" for the actor, as in the selectors.
    if not unit_is_visible(actor, officer.unit if officer.unit_id else None):
        raise Http404("Không tìm thấy cán bộ.")


def _check_role(actor, role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": "Vai trò không hợp lệ."})
    if role in RESERVED_ROLES and actor.role != Role.SYSTEM_ADMIN:
        raise PermissionDenied("Chỉ quản trị hệ thống được giao vai trò này.")


def _check_phone(phone: str) -> str:
    phone = (phone or "").strip()
    digits = phone.replace(" ", "").replace(".", "").replace("-", "")
    if phone and (not digits.lstrip("+").isdigit() or not 9 <= len(digits.lstrip("+")) <= 12):
        raise ValidationError({"phone": "Số điện thoại không hợp lệ."})
    return phone


def _reject_nul(values: dict) -> None:
    bad = {k: "Dữ liệu chứa ký tự không hợp lệ." for k, v in values.items() if isinstance(v, str) and "\x00" in v}
    if bad:
        raise ValidationError(bad)


def _snapshot(officer: User) -> dict:
    return audit.snapshot(officer, OFFICER_FIELDS)


@transaction.atomic
def officer_create(
    *,
    actor: User,
    unit: Unit,
    username: str,
    full_name: str,
    role: str,
    password: str,
    title: str = "",
    phone: str = "",
    email: str = "",
) -> User:
    """Create an officer account in a unit the actor manages."""
    _require(actor, "officer.manage")
    _require_unit_in_scope(actor, unit)
    _check_role(actor, role)
    _reject_nul({"username": username, "full_name": full_name, "title": title, "phone": phone, "email": email})
    username = (username or "").strip()
    full_name = (full_name or "").strip()
    if not username:
        raise ValidationError({"username": "Vui lòng nhập tên đăng nhập."})
    if not full_name:
        raise ValidationError({"full_name": "Vui lòng nhập họ và tên."})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "Tên đăng nhập này đã được dùng."})
    officer = User(
        username=username,
        full_name=full_name,
        role=role,
        unit=unit,
        title=(title or "").strip(),
        phone=_check_phone(phone),
        email=(email or "").strip(),
    )
    try:
        officer.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    _set_password(officer, password)
    officer.save()
    audit.record(audit.Action.CREATE, officer, changes={"after": _snapshot(officer), "password_set": True}, actor=actor)
    return officer


@transaction.atomic
def officer_update(*, actor: User, officer: User, **changes) -> User:
    """Change an officer's details, role, unit or password.

    Both the officer's current unit and, when moving them, the new unit must be in the actor's
    scope. Nothing is written when any check fails.
    """
    _require(actor, "officer.manage")
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Không được phép thay đổi trường này."))
    _reject_nul(changes)
    officer = User.objects.select_for_update(of=("self",)).select_related("unit").get(pk=officer.pk)
    _require_officer_in_scope(actor, officer)
    if officer.role in RESERVED_ROLES and actor.role != Role.SYSTEM_ADMIN:
        raise PermissionDenied("Chỉ quản trị hệ thống được thay đổi tài khoản này.")
    before = _snapshot(officer)
    password = changes.pop("password", None)
    if "unit" in changes:
        _require_unit_in_scope(actor, changes["unit"])
        officer.unit = changes.pop("unit")
    if "role" in changes:
        _check_role(actor, changes["role"])
    if "phone" in changes:
        changes["phone"] = _check_phone(changes["phone"])
    for field, value in changes.items():
        setattr(officer, field, (value or "").strip() if isinstance(value, str) else value)
    if "full_name" in changes and not officer.full_name:
        raise ValidationError({"full_name": "Vui lòng nhập họ và tên."})
    try:
        officer.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    if password:
        _set_password(officer, password)
    officer.save()
    diff = audit.diff(before, _snapshot(officer))
    if password:
        diff["password_changed"] = True
    if diff:
        audit.record(audit.Action.UPDATE, officer, changes=diff, actor=actor)
    return officer


@transaction.atomic
def officer_deactivate(*, actor: User, officer: User, reason: str = "") -> User:
    """Lock an officer out (accounts are never deleted: the audit trail refers to them)."""
    _require(actor, "officer.manage")
    officer = User.objects.select_for_update(of=("self",)).select_related("unit").get(pk=officer.pk)
    _require_officer_in_scope(actor, officer)
    if officer.pk == actor.pk:
        raise ValidationError("Bạn không thể tự khóa tài khoản của mình.")
    if officer.role in RESERVED_ROLES and actor.role != Role.SYSTEM_ADMIN:
        raise PermissionDenied("Chỉ quản trị hệ thống được thay đổi tài khoản này.")
    if not officer.is_active:
        return officer
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    audit.record(audit.Action.UPDATE, officer, changes={"is_active": [True, False]}, reason=reason, actor=actor)
    return officer


def rewrite_subtree_paths(unit: Unit, new_path: str) -> int:
    """Replace the path prefix of `unit` and of everything below it (one UPDATE)."""
    old_path = unit.path
    count = Unit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
    )
    unit.path = new_path
    return count


@transaction.atomic
def unit_move(*, actor: User, unit: Unit, new_parent: Unit) -> Unit:
    """Re-parent a unit and its whole subtree (e.g. a commune police moved under another unit)."""
    _require(actor, "unit.manage")
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    new_parent = Unit.objects.get(pk=new_parent.pk)
    if not unit_is_visible(actor, unit):
        raise Http404("Không tìm thấy đơn vị.")
    _require_unit_in_scope(actor, new_parent)
    if new_parent.path.startswith(unit.path):
        raise ValidationError({"parent": "Không thể chuyển một đơn vị vào chính nó hoặc đơn vị cấp dưới của nó."})
    if unit.parent_id == new_parent.pk:
        return unit
    old_parent_id, old_path = unit.parent_id, unit.path
    new_path = f"{new_parent.path}{unit.pk}/"
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    moved = rewrite_subtree_paths(unit, new_path)
    unit.parent = new_parent
    audit.record(
        audit.Action.UPDATE,
        unit,
        changes={"parent_id": [old_parent_id, new_parent.pk], "path": [old_path, new_path], "subtree": moved},
        actor=actor,
    )
    return unit


def officer_personal_read(*, actor: User, officer: User, fields: list[str]) -> None:
    """Record that `actor` looked at an officer's personal data (e.g. the full phone number)."""
    audit.record(audit.Action.READ_PERSONAL, officer, changes={"fields": list(fields)}, actor=actor)


@transaction.atomic
def account_ensure(
    *,
    username: str,
    full_name: str,
    unit: Unit,
    role: str,
    password: str,
    title: str = "",
    phone: str = "",
    superuser: bool = False,
) -> tuple[User, bool]:
    """Make sure an account exists as described (system use: demo data, first administrator).

    Idempotent: an existing account is brought back to the description (unit, role, password)
    and only real changes are audited. Returns (account, created).
    """
    if role not in Role.values:
        raise ValidationError({"role": "Vai trò không hợp lệ."})
    officer = User.objects.select_for_update().filter(username=username).first()
    created = officer is None
    before = {} if created else _snapshot(officer)
    officer = officer or User(username=username)
    officer.full_name, officer.unit, officer.role, officer.title = full_name, unit, role, title
    officer.phone, officer.is_active = phone, True
    officer.is_staff = officer.is_superuser = superuser
    password_changed = created or not officer.check_password(password)
    if password_changed:
        _set_password(officer, password)
    officer.save()
    if created:
        audit.record(audit.Action.CREATE, officer, changes={"after": _snapshot(officer), "password_set": True})
    else:
        changes = audit.diff(before, _snapshot(officer))
        if password_changed:
            changes["password_changed"] = True
        if changes:
            audit.record(audit.Action.UPDATE, officer, changes=changes)
    return officer, created


def _set_password(officer: User, password: str) -> None:
    """Check the password against the validators (errors keyed "password"), then hash it."""
    try:
        validate_password(password, user=officer)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    officer.set_password(password)
