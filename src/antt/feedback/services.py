"""Writes of the feedback app: recording a satisfaction rating."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from antt.core import audit
from antt.core.models import AuditEvent
from antt.dossiers.deadlines import local_date
from antt.dossiers.models import Dossier, Status
from antt.feedback.models import (
    CriterionKind,
    Rating,
    RatingAnswer,
    RatingChannel,
    RatingCriterion,
    SatisfactionLevel,
)
from antt.org.roles import can
from antt.org.selectors import unit_is_visible

MAX_COMMENT = 2000
ALREADY_RATED = "Hồ sơ này đã được đánh giá. Mỗi hồ sơ chỉ được đánh giá một lần; xin cảm ơn Ông/Bà."
NOT_RETURNED = "Hồ sơ chưa được trả kết quả nên chưa thể đánh giá. Ông/Bà vui lòng đánh giá sau khi nhận kết quả."


class RatingError(ValueError):
    """A rating that cannot be recorded: a Vietnamese message and the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400, field: str = ""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field


_LEVEL_BY_LABEL = {str(level.label).casefold(): level.value for level in SatisfactionLevel}


def criteria_in_force(on: date) -> list[RatingCriterion]:
    """The criteria that apply on `on`, in form order."""
    return list(
        RatingCriterion.objects.filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("order", "code")
    )


def rating_date(dossier: Dossier) -> date:
    """The date whose criteria apply to a dossier: the day its result was returned."""
    return local_date(dossier.returned_at or timezone.now())


def check_can_rate(dossier: Dossier) -> None:
    """Raise RatingError (409) when the dossier is not returned or already rated."""
    if dossier.status != Status.RETURNED:
        raise RatingError(NOT_RETURNED, 409)
    if Rating.objects.filter(dossier_id=dossier.pk).exists():
        raise RatingError(ALREADY_RATED, 409)


def rating_submit(
    *,
    dossier: Dossier,
    answers: dict[str, str],
    channel: str,
    comment: str = "",
    staff=None,
) -> Rating:
    """Record the applicant's rating of a returned dossier.

    `answers` maps each criterion code in force on the return date to the chosen
    option code; every criterion must be answered. At the counter tablet `staff`
    is the signed-in receptionist, who must be allowed to return results and see
    the dossier's unit; by link the applicant is anonymous (the dossier's token is
    the secret). A second rating of the same dossier answers 409, also when two
    arrive at once (the unique dossier column decides).
    """
    if channel not in RatingChannel.values:
        raise RatingError("Hình thức đánh giá không hợp lệ.", 400, "channel")
    if channel == RatingChannel.COUNTER_TABLET:
        if staff is None or not can(staff, "dossier.return"):
            raise RatingError("Vai trò của bạn không được mở phiếu đánh giá tại quầy.", 403)
        if not (unit_is_visible(staff, dossier.receiving_unit) or unit_is_visible(staff, dossier.unit)):
            raise RatingError("Không tìm thấy hồ sơ.", 404)
    check_can_rate(dossier)
    criteria = criteria_in_force(rating_date(dossier))
    if not criteria:
        raise RatingError("Chưa có bộ tiêu chí đánh giá áp dụng; đề nghị quản trị hệ thống nạp danh mục.", 409)
    comment = (comment or "").replace("\x00", "").strip()
    if len(comment) > MAX_COMMENT:
        raise RatingError(f"Ý kiến khác dài quá {MAX_COMMENT} ký tự.", 400, "comment")
    rows, total, maximum, overall = [], 0, 0, ""
    for criterion in criteria:
        code = (answers or {}).get(criterion.code)
        option = criterion.option(code) if code else None
        if option is None:
            raise RatingError(f"Ông/Bà chưa chọn câu trả lời cho “{criterion.question}”.", 400, criterion.code)
        points = option.get("points") if criterion.kind == CriterionKind.INDEX else None
        if criterion.kind == CriterionKind.INDEX:
            total += points
            maximum += criterion.max_points
        if criterion.overall:
            overall = _LEVEL_BY_LABEL.get(option["label"].casefold(), "")
        rows.append(RatingAnswer(criterion=criterion, option_code=option["code"], points=points))
    if not overall:
        raise RatingError("Bộ tiêu chí chưa có câu hỏi đánh giá tổng thể; đề nghị quản trị hệ thống kiểm tra.", 409)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                dossier=dossier,
                channel=channel,
                total_points=total,
                max_points=maximum,
                overall_level=overall,
                comment=comment,
                officer_id=dossier.received_by_id,
                unit_id=dossier.unit_id,
                procedure_id=dossier.procedure_id,
                field_id=dossier.field_id,
                recorded_by=staff if channel == RatingChannel.COUNTER_TABLET else None,
                created_at=timezone.now(),
            )
            for row in rows:
                row.rating = rating
            RatingAnswer.objects.bulk_create(rows)
            kwargs = {"actor": staff} if staff is not None else {"actor_name": "Công dân (đánh giá qua liên kết)"}
            audit.record(
                AuditEvent.Action.CREATE,
                rating,
                changes={
                    "dossier": dossier.code,
                    "channel": channel,
                    "total_points": total,
                    "max_points": maximum,
                    "overall_level": overall,
                },
                **kwargs,
            )
    except IntegrityError as exc:
        raise RatingError(ALREADY_RATED, 409) from exc
    return rating
