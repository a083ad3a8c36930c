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


# --- Phản ánh, kiến nghị (citizen feedback and complaints) -----------------------------------
#
# Nghị định 20/2008/NĐ-CP (as amended by ND 63/2010, 48/2013, 92/2017) on feedback about
# administrative rules, and feedback about how a dossier or an officer was handled (the
# one-stop rules, ND 61/2018 → ND 118/2025). The legal times are `FeedbackDeadlineRule` rows
# (data file `feedback/data/feedback_rules.yaml`), the topics `FeedbackTopic` rows; the state
# machine is in `feedback.workflow` (one place), every transition a function of
# `feedback.handling`, every transition an `FeedbackEvent` row and an audit entry.


class FeedbackKind(models.TextChoices):
    REFLECTION = "reflection", _("Phản ánh")
    PROPOSAL = "proposal", _("Kiến nghị")


class FeedbackSubject(models.TextChoices):
    """What the feedback is about: decides the legal time and who handles it."""

    RULE = "rule", _("Quy định hành chính")
    DOSSIER = "dossier", _("Việc giải quyết một hồ sơ")
    OFFICER = "officer", _("Hành vi, thái độ của cán bộ")
    OTHER = "other", _("Nội dung khác")


class FeedbackState(models.TextChoices):
    RECEIVED = "received", _("Đã tiếp nhận")
    SUSPECTED_SPAM = "suspected_spam", _("Chờ kiểm tra (nghi thư rác)")
    ACCEPTED = "accepted", _("Đang xử lý")
    ANSWERED = "answered", _("Đã trả lời")
    NOT_ACCEPTED = "not_accepted", _("Không thuộc phạm vi xử lý")
    CLOSED = "closed", _("Đã kết thúc")


class SenderKind(models.TextChoices):
    PERSON = "person", _("Cá nhân")
    ORGANISATION = "organisation", _("Tổ chức, doanh nghiệp")


class FeedbackTopic(models.Model):
    """A topic officers classify feedback under (the statistics group by it); data, admin-editable."""

    code = models.SlugField(_("mã chủ đề"), max_length=40, unique=True)
    name = models.CharField(_("tên chủ đề"), max_length=200)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    field = models.ForeignKey(
        Field, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("lĩnh vực thủ tục")
    )
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("chủ đề phản ánh, kiến nghị")
        verbose_name_plural = _("chủ đề phản ánh, kiến nghị")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class FeedbackDeadlineRule(models.Model):
    """A legal time for one stage of handling, per subject, in working days, with its basis.

    `stage` is "classify" (accept or refuse and route, counted from receipt) or "answer"
    (counted from acceptance). Valid from `valid_from` to `valid_to` (inclusive); the row in
    force on the receipt date applies. Loaded from `feedback/data/feedback_rules.yaml`.
    """

    class Stage(models.TextChoices):
        CLASSIFY = "classify", _("Phân loại, chuyển xử lý")
        ANSWER = "answer", _("Xử lý, trả lời")

    subject = models.CharField(_("nội dung"), max_length=10, choices=FeedbackSubject.choices)
    stage = models.CharField(_("giai đoạn"), max_length=10, choices=Stage.choices)
    working_days = models.PositiveSmallIntegerField(_("số ngày làm việc"))
    valid_from = models.DateField(_("áp dụng từ ngày"))
    valid_to = models.DateField(_("áp dụng đến ngày"), null=True, blank=True)
    legal_basis = models.TextField(_("căn cứ pháp lý"))
    source = models.TextField(_("nguồn"), blank=True)
    verified = models.BooleanField(_("đã xác minh"), default=False)

    class Meta:
        verbose_name = _("thời hạn xử lý phản ánh, kiến nghị")
        verbose_name_plural = _("thời hạn xử lý phản ánh, kiến nghị")
        ordering = ["subject", "stage", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "stage", "valid_from"], name="feedbackrule_uniq"),
        ]

    def __str__(self):
        return f"{self.get_subject_display()} — {self.get_stage_display()}: {self.working_days} ngày làm việc"


class Feedback(models.Model):
    """One feedback or complaint (phản ánh, kiến nghị), from anyone, without signing in.

    `code` is the tracking code given to the sender (`PAKN-<yymmdd>-<seq>`); the lookup asks for
    it and the last four digits of `sender_phone`. `unit` is the unit responsible now (routed by
    an officer; at first the unit of the tied dossier, or the intake unit). Personal data:
    sender_name, sender_phone, sender_email, sender_address, org_name, and the free text; the
    published versions (`public_question`, `public_answer`) are written by the officer from the
    redaction helper's proposal and never carry them.
    """

    code = models.CharField(_("mã phản ánh, kiến nghị"), max_length=30, unique=True)
    kind = models.CharField(_("loại"), max_length=12, choices=FeedbackKind.choices)
    subject = models.CharField(_("nội dung liên quan"), max_length=10, choices=FeedbackSubject.choices)
    topic = models.ForeignKey(
        FeedbackTopic, models.PROTECT, null=True, blank=True, related_name="feedback", verbose_name=_("chủ đề")
    )
    title = models.CharField(_("tiêu đề"), max_length=200)
    content = models.TextField(_("nội dung"))
    dossier = models.ForeignKey(
        "dossiers.Dossier", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("hồ sơ liên quan")
    )
    procedure = models.ForeignKey(
        Procedure, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("thủ tục liên quan")
    )
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("đơn vị xử lý"))
    state = models.CharField(
        _("trạng thái"), max_length=16, choices=FeedbackState.choices, default=FeedbackState.RECEIVED
    )

    sender_kind = models.CharField(_("người gửi là"), max_length=12, choices=SenderKind.choices)
    sender_name = models.CharField(_("họ và tên"), max_length=150)
    org_name = models.CharField(_("tên tổ chức"), max_length=255, blank=True)
    sender_phone = models.CharField(_("số điện thoại"), max_length=20)
    sender_email = models.EmailField(_("thư điện tử"), blank=True)
    sender_address = models.CharField(_("địa chỉ"), max_length=255)

    received_at = models.DateTimeField(_("thời điểm tiếp nhận"))
    classify_due = models.DateField(_("hạn phân loại"))
    accepted_at = models.DateTimeField(_("thời điểm nhận xử lý"), null=True, blank=True)
    answer_due = models.DateField(_("hạn trả lời"), null=True, blank=True)
    answered_at = models.DateTimeField(_("thời điểm trả lời"), null=True, blank=True)
    is_late = models.BooleanField(_("quá hạn"), default=False)
    refusal_reason = models.TextField(_("lý do không tiếp nhận xử lý"), blank=True)

    answer = models.TextField(_("nội dung trả lời"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người trả lời"),
    )
    published = models.BooleanField(_("đã công khai"), default=False)
    published_at = models.DateTimeField(_("thời điểm công khai"), null=True, blank=True)
    public_question = models.TextField(_("nội dung công khai"), blank=True)
    public_answer = models.TextField(_("trả lời công khai"), blank=True)
    sender_satisfied = models.BooleanField(_("người gửi hài lòng"), null=True, blank=True)

    # Abuse controls (no sign-in): a keyed hash of the address, never the address itself.
    client_hash = models.CharField(max_length=64, blank=True, db_index=True)
    content_hash = models.CharField(max_length=64, blank=True, db_index=True)
    spam_reasons = models.JSONField(_("dấu hiệu thư rác"), default=list, blank=True)

    class Meta:
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "state", "received_at"], name="feedback_unit_state_idx"),
            models.Index(fields=["received_at", "topic", "unit"], name="feedback_stats_idx"),
            models.Index(fields=["published", "published_at"], name="feedback_published_idx"),
        ]

    def __str__(self):
        return self.code


class FeedbackAttachment(models.Model):
    """A file sent with the feedback (by the sender) or with the answer (by the officer)."""

    feedback = models.ForeignKey(Feedback, models.CASCADE, related_name="attachments")
    from_officer = models.BooleanField(_("tệp của cơ quan trả lời"), default=False)
    file = models.FileField(_("tệp"), upload_to="feedback/%Y/%m/", max_length=255)
    name = models.CharField(_("tên tệp"), max_length=200)
    kind = models.CharField(_("loại tệp"), max_length=10)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("thời điểm gửi"), auto_now_add=True)

    class Meta:
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")
        ordering = ["feedback", "id"]

    def __str__(self):
        return self.name


class FeedbackEvent(models.Model):
    """The history of one feedback: every transition, routing and note (shown to officers; the
    public lookup shows the states only)."""

    feedback = models.ForeignKey(Feedback, models.CASCADE, related_name="events")
    action = models.CharField(_("thao tác"), max_length=20)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("diễn biến xử lý")
        verbose_name_plural = _("diễn biến xử lý")
        ordering = ["feedback", "at", "id"]

    def __str__(self):
        return f"{self.feedback_id}: {self.action}"
