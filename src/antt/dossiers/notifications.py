"""What the applicant is told, and through which channel.

Messages are queued in the notification outbox (`core.notify`) inside the service's
transaction, so nothing is sent for a change that rolled back. A message carries the
dossier code and the public lookup link (its per-dossier token), never other personal
data: an SMS may be read by someone else. SMS goes to the applicant's phone, e-mail to
their address when they gave one; which backend delivers each channel (SMS gateway,
Zalo OA, e-mail, or the demo file) is configuration (`ANTT_NOTIFY_BACKENDS`).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from antt.core import notify
from antt.dossiers.deadlines import local_date

SUBJECTS = {
    "submitted": "Đã nhận hồ sơ trực tuyến {code}",
    "received": "Hồ sơ {code} đã được tiếp nhận",
    "supplement_requested": "Hồ sơ {code} cần bổ sung giấy tờ",
    "refused": "Hồ sơ {code} không được tiếp nhận",
    "fee_requested": "Hồ sơ {code}: đề nghị nộp phí, lệ phí",
    "result_ready": "Hồ sơ {code} đã có kết quả",
    "delayed": "Hồ sơ {code} trả kết quả chậm, hẹn lại ngày {new_date}",
    "returned": "Hồ sơ {code} đã trả kết quả",
    "stopped": "Hồ sơ {code} đã dừng giải quyết",
    "withdrawn": "Hồ sơ {code} đã được rút theo yêu cầu",
}

BODIES = {
    "submitted": (
        "Cơ quan công an đã nhận hồ sơ trực tuyến {code} ({procedure}). Cán bộ sẽ kiểm tra và thông báo kết quả "
        "tiếp nhận. Tra cứu: {link}"
    ),
    "received": "Hồ sơ {code} ({procedure}) đã được tiếp nhận. Hẹn trả kết quả: {due}. Tra cứu: {link}",
    "supplement_requested": (
        "Hồ sơ {code} cần bổ sung, hoàn thiện: {items}. Lý do: {reasons}. Vui lòng bổ sung tại: {link}"
    ),
    "refused": "Hồ sơ {code} không được tiếp nhận. Lý do: {reasons}. Chi tiết: {link}",
    "fee_requested": "Hồ sơ {code}: đề nghị nộp phí, lệ phí {amount}. Chi tiết: {link}",
    "result_ready": "Hồ sơ {code} đã có kết quả. {delivery}. Tra cứu: {link}",
    "delayed": (
        "Cơ quan công an xin lỗi vì hồ sơ {code} chưa có kết quả đúng hẹn. Lý do: {reason}. "
        "Ngày hẹn trả mới: {new_date}. Tra cứu: {link}"
    ),
    "returned": "Hồ sơ {code} đã trả kết quả. Mời ông/bà đánh giá mức độ hài lòng tại: {rating_link}",
    "stopped": "Hồ sơ {code} đã dừng giải quyết. Lý do: {reasons}. Chi tiết: {link}",
    "withdrawn": "Hồ sơ {code} đã được rút theo yêu cầu của ông/bà. Chi tiết: {link}",
}


def lookup_link(dossier) -> str:
    return settings.ANTT_PUBLIC_BASE_URL.rstrip("/") + reverse("dossiers:public-token", args=[dossier.token])


def rating_link(dossier) -> str:
    return settings.ANTT_PUBLIC_BASE_URL.rstrip("/") + reverse("feedback:rate-token", args=[dossier.token])


def message_for(dossier, key: str, **context) -> tuple[str, str]:
    from antt.core.money import format_vnd

    values = {
        "code": dossier.code,
        "procedure": dossier.procedure.name[:120],
        "link": lookup_link(dossier),
        "rating_link": rating_link(dossier) if key == "returned" else "",
        "due": f"{local_date(dossier.due_at):%d/%m/%Y}" if dossier.due_at else "",
        "reasons": (dossier.reasons or "")[:300],
        "amount": format_vnd(dossier.fee_amount),
        "delivery": dossier.get_delivery_display(),
        "items": "",
        "reason": "",
        "new_date": "",
    }
    request = context.get("request")
    if request is not None:
        values["items"] = "; ".join(request.items)[:300]
        values["reasons"] = request.reasons[:300]
    apology = context.get("apology")
    if apology is not None:
        values["reason"] = apology.reason[:300]
        values["new_date"] = f"{local_date(apology.new_due_at):%d/%m/%Y}"
    return SUBJECTS[key].format(**values), BODIES[key].format(**values)


def notify_applicant(dossier, key: str, **context) -> None:
    """Queue the message for `key` to the applicant's phone (SMS) and e-mail (if any)."""
    subject, body = message_for(dossier, key, **context)
    if dossier.applicant_phone:
        notify.queue(
            channel="sms",
            recipient=dossier.applicant_phone,
            subject=subject,
            body=body,
            key=f"dossier.{key}",
            obj=dossier,
        )
    if dossier.applicant_email:
        notify.queue(
            channel="email",
            recipient=dossier.applicant_email,
            subject=subject,
            body=body,
            key=f"dossier.{key}",
            obj=dossier,
        )
