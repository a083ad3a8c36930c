"""Officers' pages of feedback (/can-bo/phan-anh-kien-nghi/…).

Thin: reads through `feedback.selectors_staff` (no `feedback.view` → 403; a feedback outside
the officer's units → 404 on every URL, GET and POST alike), writes through `feedback.handling`
(a `FeedbackError` re-renders the page with its Vietnamese message and a 4xx, nothing written).
Sender names are masked in the list; the detail page shows the sender in full and writes a
READ_PERSONAL audit entry, as does every attachment download (streamed through a scoped view,
never a media URL). Statistics need `feedback.stats` (`feedback.stats`, `feedback.exports`).
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET

from antt.establishments.forms import VietnameseForm
from antt.establishments.views.common import page_of, query_string, sort_links
from antt.feedback import exports, handling, redaction, stats, workflow
from antt.feedback import selectors_staff as selectors
from antt.feedback.models import FeedbackState, FeedbackSubject, FeedbackTopic
from antt.org.models import Unit
from antt.org.otp import staff_required
from antt.org.roles import can
from antt.reports import charts

PAGE_SIZE = selectors.PAGE_SIZE
SATISFIED_CHOICES = [("", "Không rõ"), ("yes", "Hài lòng"), ("no", "Không hài lòng")]


# --- Forms ----------------------------------------------------------------------------------


class StaffForm(VietnameseForm):
    """Errors named by the field (`aria-describedby`, `aria-invalid`) for screen readers."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-describedby"] = f"{self[name].auto_id}_error"
                attrs["aria-invalid"] = "true"


class UnitField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ListFilterForm(StaffForm):
    q = forms.CharField(
        label="Tìm theo mã, tiêu đề, nội dung",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    state = forms.ChoiceField(label="Trạng thái", required=False, choices=[("", "Tất cả"), *FeedbackState.choices])
    topic = forms.ModelChoiceField(
        label="Chủ đề", required=False, queryset=FeedbackTopic.objects.all(), empty_label="Tất cả"
    )
    subject = forms.ChoiceField(
        label="Nội dung liên quan", required=False, choices=[("", "Tất cả"), *FeedbackSubject.choices]
    )
    unit = UnitField(label="Đơn vị xử lý", required=False, queryset=Unit.objects.none(), empty_label="Tất cả")
    due = forms.ChoiceField(
        label="Thời hạn",
        required=False,
        choices=[("", "Tất cả"), ("overdue", "Quá hạn"), ("soon", "Sắp đến hạn (2 ngày làm việc)")],
    )
    sort = forms.ChoiceField(
        label="Sắp xếp",
        required=False,
        choices=[
            ("-received", "Mới nhận trước"),
            ("received", "Nhận sớm trước"),
            ("due", "Hạn gần nhất trước"),
            ("-due", "Hạn xa nhất trước"),
            ("code", "Theo mã"),
            ("state", "Theo trạng thái"),
        ],
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.filter_units(user)


class AcceptForm(StaffForm):
    topic = forms.ModelChoiceField(
        label="Chủ đề", queryset=FeedbackTopic.objects.filter(is_active=True), empty_label="— Chọn chủ đề —"
    )
    unit = UnitField(
        label="Đơn vị xử lý (để trống nếu giữ nguyên)",
        required=False,
        queryset=Unit.objects.none(),
        empty_label="Giữ nguyên",
    )
    note = forms.CharField(label="Ghi chú", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class RefuseForm(StaffForm):
    reason = forms.CharField(
        label="Lý do không tiếp nhận (người gửi xem được)", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class NoteForm(StaffForm):
    note = forms.CharField(label="Ghi chú", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class TransferForm(StaffForm):
    unit = UnitField(label="Chuyển đến đơn vị", queryset=Unit.objects.none(), empty_label="— Chọn đơn vị —")
    note = forms.CharField(label="Ghi chú", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class AnswerForm(StaffForm):
    answer = forms.CharField(
        label="Nội dung trả lời", max_length=handling.TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 8})
    )
    attachment = forms.FileField(label="Tệp đính kèm (PDF, JPG, PNG; không bắt buộc)", required=False)


class PublishForm(StaffForm):
    public_question = forms.CharField(
        label="Nội dung công khai", max_length=handling.TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 6})
    )
    public_answer = forms.CharField(
        label="Trả lời công khai", max_length=handling.TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 8})
    )


class UnpublishForm(StaffForm):
    reason = forms.CharField(
        label="Lý do hủy công khai", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseForm(StaffForm):
    satisfied = forms.ChoiceField(label="Ý kiến của người gửi về kết quả", required=False, choices=SATISFIED_CHOICES)
    note = forms.CharField(label="Ghi chú", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class StatsForm(StaffForm):
    date_from = forms.DateField(label="Từ ngày", required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                                widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}))  # fmt: skip
    date_to = forms.DateField(label="Đến ngày", required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                              widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}))  # fmt: skip
    unit = UnitField(label="Đơn vị", required=False, queryset=Unit.objects.none(), empty_label="Tất cả")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.filter_units(user)

    def clean(self):
        data = super().clean()
        a, b = data.get("date_from"), data.get("date_to")
        if a and b and a > b:
            self.add_error("date_to", "“Đến ngày” phải sau “Từ ngày”.")
        if a and b and (b - a).days > 3 * 366:
            self.add_error("date_to", "Chỉ thống kê tối đa 3 năm mỗi lần.")
        return data


# --- Actions --------------------------------------------------------------------------------

ACTIONS = {
    # url part: (action, form); who may: handling.CAPABILITIES; from which state: workflow
    "tiep-nhan": ("accept", AcceptForm),
    "khong-tiep-nhan": ("refuse", RefuseForm),
    "bo-nghi-rac": ("release", NoteForm),
    "chuyen": ("transfer", TransferForm),
    "tra-loi": ("answer", AnswerForm),
    "cong-khai": ("publish", PublishForm),
    "huy-cong-khai": ("unpublish", UnpublishForm),
    "ket-thuc": ("close", CloseForm),
}
DONE = {
    "accept": "Đã nhận xử lý phản ánh, kiến nghị.",
    "refuse": "Đã ghi nhận không tiếp nhận xử lý.",
    "release": "Đã chuyển về trạng thái chờ phân loại.",
    "transfer": "Đã chuyển phản ánh, kiến nghị đến đơn vị khác.",
    "answer": "Đã lưu trả lời; người gửi được báo để tra cứu.",
    "publish": "Đã công khai câu hỏi và trả lời.",
    "unpublish": "Đã hủy công khai.",
    "close": "Đã kết thúc xử lý.",
}


def may(user, fb, action: str) -> bool:
    """Whether the action's form is offered: the officer's capability and the feedback's state."""
    if not handling.may_act(user, action):
        return False
    if action == "publish":
        return fb.state in workflow.PUBLISHABLE
    if action == "unpublish":
        return fb.published
    return workflow.allowed(action, fb.state)


def _blank_forms(user, fb) -> dict:
    names = [fb.sender_name, fb.org_name]
    targets = handling.transfer_targets(user, fb.unit)
    out = {}
    for slug, (action, form_class) in ACTIONS.items():
        if not may(user, fb, action):
            continue
        if action == "publish":
            form = form_class(
                initial={
                    "public_question": fb.public_question or redaction.propose_public(fb.content, names),
                    "public_answer": fb.public_answer or redaction.propose_public(fb.answer, names),
                },
                prefix=action,
            )
        else:
            form = form_class(prefix=action)
        if "unit" in form.fields:
            form.fields["unit"].queryset = targets
        out[action] = {"form": form, "slug": slug}
    return out


def _detail_context(request, fb, bound: tuple[str, forms.Form] | None = None) -> dict:
    user = request.user
    selectors.log_personal_read(fb)
    action_forms = _blank_forms(user, fb)
    if bound is not None and bound[0] in action_forms:
        action_forms[bound[0]]["form"] = bound[1]
    return {
        "fb": fb,
        "events": selectors.feedback_history(fb),
        "attachments": list(fb.attachments.all()),
        "action_forms": action_forms,
        "due": handling.due_date(fb),
        "today": selectors.today(),
        "mask": redaction.MASK,
    }


# --- Views ----------------------------------------------------------------------------------


@staff_required
@require_GET
def staff_list(request):
    user = request.user
    selectors.require(user, "feedback.view")
    form = ListFilterForm(request.GET or None, user=user)
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
        messages.error(request, "Bộ lọc không hợp lệ; vui lòng kiểm tra lại.")
        qs = selectors.feedback_for(user).none()
    else:
        data = form.cleaned_data if form.is_bound else {}
        qs = selectors.feedback_list(
            user,
            state=data.get("state") or "",
            topic=data.get("topic"),
            subject=data.get("subject") or "",
            unit=data.get("unit"),
            overdue=data.get("due") == "overdue",
            due_soon=data.get("due") == "soon",
            q=data.get("q") or "",
            sort=data.get("sort") or selectors.DEFAULT_SORT,
        )
    page = page_of(qs, request.GET.get("page"), PAGE_SIZE)
    rows = [{"fb": fb, "name": selectors.mask_name(fb.sender_name)} for fb in page.object_list]
    current_sort = (
        form.cleaned_data.get("sort") if form.is_bound and form.is_valid() else ""
    ) or selectors.DEFAULT_SORT
    ctx = {
        "form": form,
        "page": page,
        "rows": rows,
        "today": selectors.today(),
        "query": query_string(request),
        "sorts": sort_links(request, current_sort, ["received", "due", "code", "state"]),
        "may_stats": can(user, "feedback.stats"),
    }
    return render(request, "feedback/staff_list.html", ctx, status=status)


@staff_required
def staff_detail(request, code: str):
    fb = selectors.feedback_get(request.user, code)  # 404 first: the method says nothing either
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    return render(request, "feedback/staff_detail.html", _detail_context(request, fb))


@staff_required
def staff_action(request, code: str, action_slug: str):
    user = request.user
    fb = selectors.feedback_get(user, code)  # 404 outside the officer's units, before anything else
    if action_slug not in ACTIONS:
        raise Http404("Không có thao tác này.")
    if request.method != "POST":
        return redirect("feedback:staff-detail", code=fb.code)
    action, form_class = ACTIONS[action_slug]
    if not handling.may_act(user, action):
        raise PermissionDenied(handling.NOT_ALLOWED)
    form = form_class(request.POST, request.FILES, prefix=action)
    if "unit" in form.fields:
        form.fields["unit"].queryset = handling.transfer_targets(user, fb.unit)
    status = 400
    if form.is_valid():
        try:
            fb = _run(user, fb, action, form.cleaned_data)
        except handling.FeedbackError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            status = exc.status
        except workflow.TransitionError as exc:
            form.add_error(None, str(exc))
            messages.error(request, str(exc))
            status = 409
        else:
            messages.success(request, DONE[action])
            if selectors.feedback_for(user).filter(pk=fb.pk).exists():
                return redirect("feedback:staff-detail", code=fb.code)
            return redirect("feedback:staff-list")
    messages.error(request, "Chưa thực hiện được: vui lòng kiểm tra lại.")
    fb = selectors.feedback_get(user, code)
    return render(request, "feedback/staff_detail.html", _detail_context(request, fb, (action, form)), status=status)


def _run(user, fb, action: str, data: dict):
    if action == "accept":
        return handling.feedback_accept(
            officer=user, feedback=fb, topic=data["topic"], unit=data.get("unit"), note=data.get("note", "")
        )
    if action == "refuse":
        return handling.feedback_refuse(officer=user, feedback=fb, reason=data["reason"])
    if action == "release":
        return handling.feedback_release(officer=user, feedback=fb, note=data.get("note", ""))
    if action == "transfer":
        return handling.feedback_transfer(officer=user, feedback=fb, unit=data["unit"], note=data.get("note", ""))
    if action == "answer":
        return handling.feedback_answer(officer=user, feedback=fb, text=data["answer"], upload=data.get("attachment"))
    if action == "publish":
        return handling.feedback_publish(
            officer=user, feedback=fb, public_question=data["public_question"], public_answer=data["public_answer"]
        )
    if action == "unpublish":
        return handling.feedback_unpublish(officer=user, feedback=fb, reason=data.get("reason", ""))
    satisfied = {"yes": True, "no": False}.get(data.get("satisfied") or "")
    return handling.feedback_close(officer=user, feedback=fb, sender_satisfied=satisfied, note=data.get("note", ""))


@staff_required
def staff_attachment(request, code: str, pk: int):
    """A file of the feedback (the sender's or the answer's), streamed; the read is logged."""
    fb = selectors.feedback_get(request.user, code)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    att = fb.attachments.filter(pk=pk).first()
    if att is None or not att.file.name or not default_storage.exists(att.file.name):
        raise Http404("Không tìm thấy tệp.")
    response = FileResponse(default_storage.open(att.file.name, "rb"), as_attachment=True, filename=att.name or "tep")
    response["Content-Type"] = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}.get(
        att.kind, "application/octet-stream"
    )
    response["X-Content-Type-Options"] = "nosniff"
    selectors.log_personal_read(fb, reason=f"Tải tệp đính kèm: {att.name}")
    return response


def _default_period() -> tuple[date, date]:
    today = selectors.today()
    return date(today.year, 1, 1), today


@staff_required
@require_GET
def staff_stats(request):
    user = request.user
    if not can(user, "feedback.stats"):
        raise PermissionDenied("Bạn không có quyền xem thống kê phản ánh, kiến nghị.")
    date_from, date_to = _default_period()
    form = StatsForm(request.GET or None, user=user, initial={"date_from": date_from, "date_to": date_to})
    unit = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            date_from = form.cleaned_data.get("date_from") or date_from
            date_to = form.cleaned_data.get("date_to") or date_to
            unit = form.cleaned_data.get("unit")
            if date_from > date_to:
                date_from = date(date_to.year, 1, 1)
        else:
            status = 400
            messages.error(request, "Bộ lọc không hợp lệ; vui lòng kiểm tra lại.")
    fig = stats.feedback_figures(user, date_from=date_from, date_to=date_to, unit=unit)
    if status == 200 and request.GET.get("xuat") == "xlsx":
        out = exports.figures_workbook(user, fig)
        return FileResponse(out.file, as_attachment=True, filename=out.filename, content_type=exports.XLSX_CONTENT_TYPE)
    months = [r.label for r in fig.by_month]
    ctx = {
        "form": form,
        "fig": fig,
        "query": query_string(request, ("page", "xuat")),
        "chart_months": charts.bar_chart(
            "Tiếp nhận và trả lời theo tháng",
            "Số phản ánh, kiến nghị tiếp nhận và đã trả lời mỗi tháng; số liệu trong bảng bên dưới.",
            months,
            {"Tiếp nhận": [r.received for r in fig.by_month], "Đã trả lời": [r.answered for r in fig.by_month]},
        ),
        "chart_on_time": charts.line_chart(
            "Tỷ lệ xử lý đúng hạn theo tháng",
            "Tỷ lệ phản ánh, kiến nghị trả lời đúng hạn mỗi tháng; số liệu trong bảng bên dưới.",
            months,
            [r.on_time_rate for r in fig.by_month],
            "Tỷ lệ đúng hạn",
        ),
        "on_time_doc": stats.ON_TIME_RATE_DOC,
        "satisfaction_doc": stats.SATISFACTION_DOC,
        "groups": [
            ("Theo chủ đề", "Chủ đề", fig.by_topic),
            ("Theo đơn vị", "Đơn vị", fig.by_unit),
            ("Theo tháng", "Tháng", fig.by_month),
        ],
    }
    return render(request, "feedback/staff_stats.html", ctx, status=status)


urlpatterns = [
    path("can-bo/phan-anh-kien-nghi/", staff_list, name="staff-list"),
    path("can-bo/phan-anh-kien-nghi/thong-ke/", staff_stats, name="staff-stats"),
    path("can-bo/phan-anh-kien-nghi/<str:code>/", staff_detail, name="staff-detail"),
    path("can-bo/phan-anh-kien-nghi/<str:code>/tep/<int:pk>/", staff_attachment, name="staff-attachment"),
    path("can-bo/phan-anh-kien-nghi/<str:code>/<slug:action_slug>/", staff_action, name="staff-action"),
]
