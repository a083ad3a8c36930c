"""Satisfaction ratings of one-stop dossiers (đánh giá mức độ hài lòng).

The criteria are versioned data (`dossiers/data/rating_criteria.yaml`, loaded by
`feedback.loaders.load_rating_criteria`): the nine indices scored 2/1/0 of the
Nghị định 61/2018/NĐ-CP set and two three-level questions, as the Thanh Hóa
one-stop system asks them (docs/legal/one-stop.md §4). A rating is given once per
dossier, after its result is returned, at a counter tablet or by the link in the
applicant's notification. Each answer is a `RatingAnswer` row, so that averages per
criterion are one GROUP BY; the totals and the overall level are copied onto the
`Rating` for the satisfaction rate.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from antt.catalog.models import Field, Procedure
from antt.org.models import Unit


class CriterionKind(models.TextChoices):
    INDEX = "index", _("Chỉ số chấm điểm (2/1/0)")
    LEVEL3 = "level3", _("Câu hỏi ba mức độ hài lòng")


class SatisfactionLevel(models.TextChoices):
    """The three answers of the level questions; the overall one decides the satisfaction rate."""

    VERY_SATISFIED = "very_satisfied", _("Rất hài lòng")
    SATISFIED = "satisfied", _("Hài lòng")
    DISSATISFIED = "dissatisfied", _("Không hài lòng")


# Levels that count as satisfied in the satisfaction rate (see feedback.selectors.SATISFACTION_RATE_DOC).
SATISFIED_LEVELS = (SatisfactionLevel.VERY_SATISFIED, SatisfactionLevel.SATISFIED)


class RatingCriterion(models.Model):
    """One question of the rating form, in force from `valid_from` to `valid_to` (inclusive).

    `options` is a list of {"code", "label", "points"} (points null for level questions).
    `overall` marks the question whose answer is the rating's overall level (the
    "Đánh giá tổng thể dịch vụ" question of the current set).
    """

    code = models.CharField(_("mã tiêu chí"), max_length=30)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    kind = models.CharField(_("loại"), max_length=10, choices=CriterionKind.choices)
    question = models.TextField(_("nội dung"))
    options = models.JSONField(_("các phương án"), default=list)
    overall = models.BooleanField(_("đánh giá tổng thể"), default=False)
    valid_from = models.DateField(_("áp dụng từ ngày"))
    valid_to = models.DateField(_("áp dụng đến ngày"), null=True, blank=True)
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    source = models.TextField(_("nguồn"), blank=True)
    confidence = models.CharField(_("độ tin cậy"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("tiêu chí đánh giá")
        verbose_name_plural = _("tiêu chí đánh giá")
        ordering = ["valid_from", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["code", "valid_from"], name="ratingcriterion_code_from_uniq")]

    def __str__(self):
        return f"{self.code}: {self.question[:60]}"

    @property
    def max_points(self) -> int:
        points = [o.get("points") for o in self.options if o.get("points") is not None]
        return max(points) if points else 0

    def option(self, code: str) -> dict | None:
        return next((o for o in self.options if o.get("code") == code), None)


class RatingChannel(models.TextChoices):
    COUNTER_TABLET = "counter_tablet", _("Máy tính bảng tại quầy")
    LINK = "link", _("Đường liên kết gửi cho người dân")


class Rating(models.Model):
    """The applicant's rating of one returned dossier (at most one per dossier).

    `officer` is the officer who received the dossier (for the figures per
    officer); `unit`, `procedure` and `field` are copied from the dossier so that
    the aggregates group without joins. `total_points` / `max_points` sum the
    index answers; `overall_level` is the answer to the overall question.
    """

    dossier = models.OneToOneField("dossiers.Dossier", models.PROTECT, related_name="rating", verbose_name=_("hồ sơ"))
    channel = models.CharField(_("hình thức đánh giá"), max_length=20, choices=RatingChannel.choices)
    total_points = models.PositiveSmallIntegerField(_("tổng điểm"), default=0)
    max_points = models.PositiveSmallIntegerField(_("điểm tối đa"), default=0)
    overall_level = models.CharField(_("mức độ hài lòng chung"), max_length=20, choices=SatisfactionLevel.choices)
    comment = models.TextField(_("ý kiến khác"), blank=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ tiếp nhận"),
    )
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("đơn vị giải quyết"))
    procedure = models.ForeignKey(Procedure, models.PROTECT, related_name="+", verbose_name=_("thủ tục"))
    field = models.ForeignKey(Field, models.PROTECT, related_name="+", verbose_name=_("lĩnh vực"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ mở phiếu tại quầy"),
    )
    created_at = models.DateTimeField(_("thời điểm đánh giá"))

    class Meta:
        verbose_name = _("phiếu đánh giá mức độ hài lòng")
        verbose_name_plural = _("phiếu đánh giá mức độ hài lòng")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at", "unit", "procedure", "overall_level"], name="rating_stats_idx"),
            models.Index(fields=["officer", "created_at"], name="rating_officer_idx"),
        ]

    def __str__(self):
        return f"Đánh giá hồ sơ {self.dossier_id}"

    @property
    def satisfied(self) -> bool:
        return self.overall_level in SATISFIED_LEVELS


class RatingAnswer(models.Model):
    """The answer to one criterion: the option chosen and, for an index, its points."""

    rating = models.ForeignKey(Rating, models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(RatingCriterion, models.PROTECT, related_name="answers")
    option_code = models.CharField(_("phương án"), max_length=10)
    points = models.PositiveSmallIntegerField(_("điểm"), null=True, blank=True)

    class Meta:
        verbose_name = _("câu trả lời")
        verbose_name_plural = _("câu trả lời")
        ordering = ["rating", "criterion__order"]
        constraints = [models.UniqueConstraint(fields=["rating", "criterion"], name="ratinganswer_uniq")]

    def __str__(self):
        return f"{self.criterion.code}={self.option_code}"
