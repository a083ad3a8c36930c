"""Business accounts (tài khoản cơ sở, issue 5 point 6): a business signs up, its managing police
unit approves, the business then sees its own file and submits procedures online.

* `business_signup`: anyone may ask for an account for an establishment that is already in the
  registry (the police register the business first, during the certificate procedure or an
  inspection); the applicant gives their name, phone, e-mail, a username and a password and
  consents to the processing of these personal data (Nghị định 13/2023/NĐ-CP; Luật Bảo vệ dữ liệu
  cá nhân 91/2025/QH15). The result is a `User` with no role and no unit (never staff: every
  staff page and endpoint checks a role) and an `EstablishmentAccount` waiting for approval. The
  view limits sign-ups per client address.
* `account_decide`: an officer with `establishment.manage` whose units include the
  establishment's approves or refuses (with a reason) a waiting account.
* `business_add_staff` / `business_disable_staff`: the approved manager account of an
  establishment adds accounts for its own employees (active at once: the police approved the
  manager, who answers for them) and disables them.

Every write is validated first (a Vietnamese `EstablishmentError` with its HTTP status, nothing
written on refusal), runs in one transaction and leaves an audit entry (never the password).
"""

from __future__ import annotations

import re

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from antt.core import audit
from antt.core.identifiers import IdentifierError, check_business_code
from antt.core.models import AuditEvent
from antt.establishments.errors import EstablishmentError
from antt.establishments.models import Establishment, EstablishmentAccount
from antt.org.models import User
from antt.org.roles import can
from antt.org.selectors import unit_is_visible

CONSENT_TEXT = (
    "Tôi đồng ý để cơ quan công an xử lý dữ liệu cá nhân đã khai khi đăng ký tài khoản (họ tên, số điện thoại, "
    "thư điện tử) chỉ để xác minh người đăng ký, quản lý tài khoản của cơ sở và liên hệ về hồ sơ, thủ tục của cơ "
    "sở, theo Nghị định 13/2023/NĐ-CP ngày 17/4/2023 về bảo vệ dữ liệu cá nhân và Luật Bảo vệ dữ liệu cá nhân số "
    "91/2025/QH15 (hiệu lực từ 01/01/2026)."
)
NOT_REGISTERED = "Mã số thuế chưa có trong sổ theo dõi của Công an; liên hệ Công an xã, phường nơi cơ sở hoạt động."
_PHONE = re.compile(r"^(0|\+?84)(3|5|7|8|9)[0-9]{8}$")
S = EstablishmentAccount.Status


# --- checks shared by sign-up and staff accounts ------------------------------------------------


def _clean_person(*, full_name: str, phone: str, email: str, username: str, password: str) -> dict:
    """The new user's fields, checked (400/409 with the field); the password by Django's validators."""
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise EstablishmentError("Vui lòng nhập họ và tên người đăng ký.", "full_name")
    if len(full_name) > 150:
        raise EstablishmentError("Họ và tên quá dài (tối đa 150 ký tự).", "full_name")
    digits = re.sub(r"[\s.\-()]", "", phone or "")
    if not _PHONE.match(digits):
        raise EstablishmentError(
            "Số điện thoại di động không hợp lệ (10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09).", "phone"
        )
    phone = "0" + digits[-9:]
    email = (email or "").strip()
    if not email:
        raise EstablishmentError("Vui lòng nhập thư điện tử.", "email")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise EstablishmentError("Địa chỉ thư điện tử không hợp lệ.", "email") from exc
    username = (username or "").strip()
    if not username or len(username) > 150:
        raise EstablishmentError("Vui lòng nhập tên đăng nhập (tối đa 150 ký tự).", "username")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise EstablishmentError(
            "Tên đăng nhập chỉ gồm chữ, chữ số và các ký tự @ . + - _ (không có dấu cách).", "username"
        ) from exc
    if User.objects.filter(username__iexact=username).exists():
        raise EstablishmentError(
            f"Tên đăng nhập “{username}” đã có người dùng; vui lòng chọn tên khác.", "username", 409
        )
    candidate = User(username=username, full_name=full_name, email=email)
    try:
        validate_password(password or "", user=candidate)
    except ValidationError as exc:
        raise EstablishmentError(" ".join(exc.messages), "password") from exc
    return {"username": username, "full_name": full_name, "phone": phone, "email": email}


def _create_user(fields: dict, password: str) -> User:
    """A user with no role and no unit: never staff."""
    try:
        with transaction.atomic():
            return User.objects.create_user(password=password, role="", unit=None, is_staff=False, **fields)
    except IntegrityError as exc:  # the same username taken a moment ago
        raise EstablishmentError(
            f"Tên đăng nhập “{fields['username']}” đã có người dùng; vui lòng chọn tên khác.", "username", 409
        ) from exc


# --- sign-up and approval -------------------------------------------------------------------


def business_signup(
    *, tax_code: str, full_name: str, phone: str, email: str, username: str, password: str, consent: bool
) -> EstablishmentAccount:
    """A business asks for an account (PENDING until its managing unit approves it)."""
    if not consent:
        raise EstablishmentError(
            "Cần đồng ý cho xử lý dữ liệu cá nhân để cơ quan công an xác minh và quản lý tài khoản.", "consent"
        )
    try:
        code = check_business_code(tax_code)
    except IdentifierError as exc:
        raise EstablishmentError(str(exc), "tax_code") from exc
    establishment = Establishment.objects.filter(tax_code=code).select_related("unit").first()
    if establishment is None:
        raise EstablishmentError(NOT_REGISTERED, "tax_code", 404)
    if establishment.status == Establishment.Status.CEASED:
        raise EstablishmentError(
            "Cơ sở đã chấm dứt hoạt động trong sổ theo dõi; không đăng ký được tài khoản.", "tax_code", 409
        )
    fields = _clean_person(full_name=full_name, phone=phone, email=email, username=username, password=password)
    with transaction.atomic():
        user = _create_user(fields, password)
        account = EstablishmentAccount.objects.create(
            user=user, establishment=establishment, is_manager=True, status=S.PENDING
        )
        audit.record(
            AuditEvent.Action.CREATE,
            account,
            changes={"establishment": establishment.pk, "username": user.username, "status": S.PENDING},
            reason="Doanh nghiệp đăng ký tài khoản cơ sở, có đồng ý xử lý dữ liệu cá nhân",
            actor_name="Doanh nghiệp (đăng ký trực tuyến)",
        )
    return account


def _locked(account: EstablishmentAccount) -> EstablishmentAccount:
    return (
        EstablishmentAccount.objects.select_for_update(of=("self",))
        .select_related("establishment__unit", "user")
        .get(pk=account.pk)
    )


def account_decide(*, officer, account: EstablishmentAccount, approve: bool, reason: str = "") -> EstablishmentAccount:
    """Approve or refuse a waiting account. Only the establishment's managing unit (or a unit
    above it) decides: it knows who represents the business."""
    if not can(officer, "establishment.manage"):
        raise EstablishmentError("Vai trò của bạn không được duyệt tài khoản cơ sở.", "", 403)
    reason = " ".join((reason or "").split())
    if not approve and not reason:
        raise EstablishmentError("Vui lòng ghi lý do từ chối để báo cho doanh nghiệp.", "reason")
    if len(reason) > 300:
        raise EstablishmentError("Lý do quá dài (tối đa 300 ký tự).", "reason")
    with transaction.atomic():
        locked = _locked(account)
        if not unit_is_visible(officer, locked.establishment.unit):
            raise EstablishmentError("Không tìm thấy tài khoản cơ sở.", "", 404)
        if locked.status != S.PENDING:
            raise EstablishmentError(
                f"Tài khoản này đã được xử lý (tình trạng: {locked.get_status_display().lower()}).", "", 409
            )
        before = locked.status
        locked.status = S.ACTIVE if approve else S.REFUSED
        locked.refusal_reason = "" if approve else reason
        locked.decided_by = officer
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
        audit.record(
            AuditEvent.Action.TRANSITION,
            locked,
            changes={"status": [before, locked.status], "establishment": locked.establishment_id},
            reason=reason or "Duyệt tài khoản cơ sở",
            actor=officer,
        )
    return locked


# --- the business's own staff accounts ----------------------------------------------------------


def _manager_account(manager) -> EstablishmentAccount:
    account = (
        EstablishmentAccount.objects.select_related("establishment").filter(user=manager).first()
        if getattr(manager, "is_authenticated", False)
        else None
    )
    if account is None or account.status != S.ACTIVE or not account.is_manager or not manager.is_active:
        raise EstablishmentError("Chỉ tài khoản quản lý đã được duyệt của cơ sở mới quản lý được tài khoản.", "", 403)
    return account


def business_add_staff(
    *, manager, full_name: str, phone: str, email: str, username: str, password: str
) -> EstablishmentAccount:
    """An employee's account for the manager's own establishment (active at once, not a manager)."""
    own = _manager_account(manager)
    fields = _clean_person(full_name=full_name, phone=phone, email=email, username=username, password=password)
    with transaction.atomic():
        user = _create_user(fields, password)
        account = EstablishmentAccount.objects.create(
            user=user, establishment=own.establishment, is_manager=False, status=S.ACTIVE, decided_at=timezone.now()
        )
        audit.record(
            AuditEvent.Action.CREATE,
            account,
            changes={"establishment": own.establishment_id, "username": user.username, "status": S.ACTIVE},
            reason="Tài khoản quản lý của cơ sở thêm tài khoản nhân viên",
            actor=manager,
        )
    return account


def business_disable_staff(*, manager, account: EstablishmentAccount) -> EstablishmentAccount:
    """The manager disables an employee's account of the same establishment (it can no longer sign in)."""
    own = _manager_account(manager)
    with transaction.atomic():
        locked = _locked(account)
        if locked.establishment_id != own.establishment_id:
            raise EstablishmentError("Không tìm thấy tài khoản.", "", 404)
        if locked.is_manager:
            raise EstablishmentError(
                "Không khóa được tài khoản quản lý; liên hệ Công an quản lý cơ sở nếu cần thay người quản lý.", "", 409
            )
        if locked.status != S.ACTIVE:
            raise EstablishmentError("Tài khoản này không ở tình trạng đang sử dụng.", "", 409)
        locked.status = S.DISABLED
        locked.save(update_fields=["status"])
        User.objects.filter(pk=locked.user_id).update(is_active=False)
        audit.record(
            AuditEvent.Action.TRANSITION,
            locked,
            changes={"status": [S.ACTIVE, S.DISABLED], "establishment": locked.establishment_id},
            reason="Tài khoản quản lý của cơ sở khóa tài khoản nhân viên",
            actor=manager,
        )
    return locked
