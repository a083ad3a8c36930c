"""Administrators' pages for agencies' API keys (/quan-ly/ket-noi/…, capability `agency.manage`).

- the keys list (filter by state and name, sort, pages), with the calls of the last 30 days;
- a new key (scopes, units, rate, daily quota, expiry) → the key shown once, never again;
- a key's detail: settings, a usage chart and a table by day and scope;
- edit scopes, units and limits; rotate (a new key, the old one stops) and revoke, each after a
  confirmation page. The writes are `antt.api.agency_services` (transaction + audit).

A page that shows a plaintext key is sent with `Cache-Control: no-store`; the key is in no
session, message, URL or log.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Prefetch, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache

from antt.api import agency_services as services
from antt.api.agency import META_SCOPE
from antt.api.models import AgencyKey, ApiUsage
from antt.api.scopes import SCOPES
from antt.org.models import Unit
from antt.org.otp import staff_required
from antt.reports import charts

PAGE_SIZE = 25
QUOTA_RANGE = f"Số lượt tối đa mỗi ngày phải từ 1 đến {services.MAX_DAILY_QUOTA:,}.".replace(",", ".")
USAGE_DAYS = 30
SCOPE_LABELS = {**SCOPES, META_SCOPE: "Thông tin khóa, số lượt gọi (/me, /usage)"}
STATE_CHOICES = [("", "Tất cả"), ("active", "Đang hiệu lực"), ("expired", "Hết hạn"), ("revoked", "Đã thu hồi")]
SORT_CHOICES = [
    ("name", "Tên (A→Z)"),
    ("-created", "Mới cấp trước"),
    ("-last_used", "Dùng gần nhất trước"),
    ("-calls", "Nhiều lượt gọi nhất trước"),
]
SORT_ORDER = {
    "name": ["name", "id"],
    "-created": ["-created_at", "-id"],
    "-last_used": [F("last_used_at").desc(nulls_last=True), "name"],
    "-calls": ["-calls_30", "name"],
}


def _require_manager(request) -> None:
    services.require_manager(request.user)


def key_state(key: AgencyKey) -> tuple[str, str]:
    """(code, label) of the key's state."""
    if not key.is_active or key.revoked_at is not None:
        return "revoked", "Đã thu hồi"
    if key.expires_at is not None and key.expires_at <= timezone.now():
        return "expired", "Hết hạn"
    return "active", "Đang hiệu lực"


# --- Forms --------------------------------------------------------------------------------


class UnitsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        depth = max(obj.path.count("/") - 2, 0)
        return f"{'— ' * depth}{obj.name}"


class KeyFilterForm(forms.Form):
    q = forms.CharField(label="Tìm theo tên, tiền tố", required=False, max_length=100)
    state = forms.ChoiceField(label="Trạng thái", required=False, choices=STATE_CHOICES)
    sort = forms.ChoiceField(label="Sắp xếp", required=False, choices=SORT_CHOICES)


class KeyForm(forms.Form):
    name = forms.CharField(label="Tên hệ thống, cơ quan", max_length=200)
    contact = forms.CharField(
        label="Đầu mối liên hệ",
        max_length=255,
        required=False,
        help_text="Cán bộ, số điện thoại hoặc thư điện tử công vụ của bên nhận.",
    )
    scopes = forms.MultipleChoiceField(
        label="Phạm vi dữ liệu",
        choices=list(SCOPES.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="Chỉ cấp phạm vi cơ quan thật sự cần (nguyên tắc tối thiểu).",
        error_messages={
            "required": "Vui lòng chọn ít nhất một phạm vi dữ liệu.",
            "invalid_choice": "Phạm vi %(value)s không có trong danh mục.",
        },
    )
    units = UnitsField(
        label="Đơn vị được xem dữ liệu",
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Gồm cả các đơn vị trực thuộc. Không chọn = toàn tỉnh.",
    )
    rate = forms.CharField(
        label="Giới hạn tần suất",
        max_length=20,
        initial="120/m",
        help_text="Số lượt/đơn vị thời gian: s (giây), m (phút), h (giờ); ví dụ 120/m.",
    )
    daily_quota = forms.IntegerField(
        label="Số lượt tối đa mỗi ngày",
        min_value=1,
        max_value=services.MAX_DAILY_QUOTA,
        initial=50_000,
        error_messages={
            "min_value": QUOTA_RANGE,
            "max_value": QUOTA_RANGE,
            "invalid": "Số lượt tối đa mỗi ngày phải là số nguyên.",
        },
    )
    expires_on = forms.DateField(
        label="Hiệu lực đến hết ngày",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Để trống nếu không hết hạn.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = Unit.objects.filter(is_active=True).order_by("path")
        for name, field in self.fields.items():
            described = []
            if field.help_text:
                described.append(f"id_{name}_helptext")
            if self.is_bound and name in self.errors:
                described.append(f"id_{name}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if described and not isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs["aria-describedby"] = " ".join(described)

    def clean_rate(self):
        try:
            return services.clean_rate(self.cleaned_data.get("rate"))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["rate"]) from exc

    def clean_expires_on(self):
        value = self.cleaned_data.get("expires_on")
        if value is not None and value < timezone.localdate():
            raise ValidationError("Ngày hết hiệu lực không được ở quá khứ.")
        return value

    def service_values(self) -> dict:
        data = self.cleaned_data
        expires_on = data.get("expires_on")
        expires_at = None
        if expires_on is not None:
            midnight = datetime.combine(expires_on + timedelta(days=1), time.min)
            expires_at = timezone.make_aware(midnight, timezone.get_current_timezone())
        return {
            "name": data["name"],
            "contact": data.get("contact", ""),
            "scopes": list(data["scopes"]),
            "units": list(data["units"]),
            "rate": data["rate"],
            "daily_quota": data["daily_quota"],
            "expires_at": expires_at,
        }


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = "expires_on" if field == "expires_at" else field
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- Pages --------------------------------------------------------------------------------


def _since():
    return timezone.localdate() - timedelta(days=USAGE_DAYS - 1)


@staff_required
def key_list(request):
    _require_manager(request)
    form = KeyFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    now = timezone.now()
    qs = AgencyKey.objects.annotate(
        calls_30=Sum("usage__calls", filter=Q(usage__day__gte=_since()), default=0)
    ).prefetch_related(Prefetch("units", queryset=Unit.objects.order_by("path").only("id", "name", "path")))
    if data.get("q"):
        qs = qs.filter(Q(name__icontains=data["q"]) | Q(prefix__iexact=data["q"]) | Q(contact__icontains=data["q"]))
    state = data.get("state") or ""
    live = Q(is_active=True, revoked_at__isnull=True)
    if state == "active":
        qs = qs.filter(live & (Q(expires_at__isnull=True) | Q(expires_at__gt=now)))
    elif state == "expired":
        qs = qs.filter(live, expires_at__lte=now)
    elif state == "revoked":
        qs = qs.exclude(live)
    sort = data.get("sort") or "name"
    qs = qs.order_by(*SORT_ORDER.get(sort, SORT_ORDER["name"]))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for key in page.object_list:
        key.state_code, key.state_label = key_state(key)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "api/agency_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "usage_days": USAGE_DAYS},
    )


def _shown_once(request, key: AgencyKey, plaintext: str, *, rotated: bool):
    response = render(request, "api/agency_key_shown.html", {"key": key, "plaintext": plaintext, "rotated": rotated})
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@staff_required
def key_new(request):
    _require_manager(request)
    form = KeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key, plaintext = services.issue_key(by=request.user, **form.service_values())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return _shown_once(request, key, plaintext, rotated=False)
    return render(
        request, "api/agency_form.html", {"form": form, "title": "Cấp khóa API mới", "key": None}, status=_status(form)
    )


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


@staff_required
def key_edit(request, pk: int):
    _require_manager(request)
    key = get_object_or_404(AgencyKey, pk=pk)
    if key_state(key)[0] == "revoked":
        messages.error(request, "Khóa đã bị thu hồi, không sửa được.")
        return redirect("api:agency-key-detail", pk=key.pk)
    initial = {
        "name": key.name,
        "contact": key.contact,
        "scopes": key.scopes,
        "units": list(key.units.all()),
        "rate": key.rate,
        "daily_quota": key.daily_quota,
        "expires_on": timezone.localtime(key.expires_at - timedelta(seconds=1)).date() if key.expires_at else None,
    }
    form = KeyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        if key.expires_at and form.cleaned_data.get("expires_on") == initial["expires_on"]:
            values["expires_at"] = key.expires_at
        try:
            services.update_key(key, by=request.user, **values)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Đã lưu thay đổi của khóa API.")
            return redirect("api:agency-key-detail", pk=key.pk)
    return render(
        request,
        "api/agency_form.html",
        {"form": form, "title": f"Sửa khóa API: {key.name}", "key": key},
        status=_status(form),
    )


@staff_required
def key_detail(request, pk: int):
    _require_manager(request)
    key = get_object_or_404(AgencyKey.objects.select_related("created_by"), pk=pk)
    key.state_code, key.state_label = key_state(key)
    since = _since()
    rows = list(
        ApiUsage.objects.filter(key=key, day__gte=since)
        .order_by("-day", "scope")
        .values("day", "scope", "calls", "errors", "throttled")
    )
    for row in rows:
        row["scope_label"] = SCOPE_LABELS.get(row["scope"], row["scope"])
    days = [since + timedelta(days=i) for i in range(USAGE_DAYS)]
    calls = dict.fromkeys(days, 0)
    errors = dict.fromkeys(days, 0)
    for row in rows:
        calls[row["day"]] += row["calls"]
        errors[row["day"]] += row["errors"]
    totals = {f: sum(r[f] for r in rows) for f in ("calls", "errors", "throttled")}
    chart = charts.bar_chart(
        f"Số lượt gọi API trong {USAGE_DAYS} ngày gần nhất",
        "Biểu đồ cột: mỗi ngày có hai cột, số lượt gọi và số lượt lỗi. Số liệu chi tiết ở bảng bên dưới.",
        [d.strftime("%d/%m") for d in days],
        {"Lượt gọi": [calls[d] for d in days], "Lượt lỗi": [errors[d] for d in days]},
    )
    return render(
        request,
        "api/agency_detail.html",
        {
            "key": key,
            "units": list(key.units.order_by("path")),
            "scopes": [(s, SCOPES.get(s, s)) for s in key.scopes or []],
            "rows": rows,
            "totals": totals,
            "chart": chart,
            "usage_days": USAGE_DAYS,
        },
    )


@never_cache
@staff_required
def key_rotate(request, pk: int):
    _require_manager(request)
    key = get_object_or_404(AgencyKey, pk=pk)
    if request.method == "POST":
        try:
            key, plaintext = services.rotate_key(key, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("api:agency-key-detail", pk=key.pk)
        return _shown_once(request, key, plaintext, rotated=True)
    return render(request, "api/agency_confirm.html", {"key": key, "action": "rotate"})


@staff_required
def key_revoke(request, pk: int):
    _require_manager(request)
    key = get_object_or_404(AgencyKey, pk=pk)
    error = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "").strip()
        if not reason:
            error = "Vui lòng nhập lý do thu hồi."
        elif len(reason) > 255 or "\x00" in reason:
            error = "Lý do thu hồi dài quá 255 ký tự hoặc có ký tự không hợp lệ."
        else:
            services.revoke_key(key, by=request.user, reason=reason)
            messages.success(request, f"Đã thu hồi khóa API của {key.name}. Khóa không dùng được nữa.")
            return redirect("api:agency-key-detail", pk=key.pk)
    return render(
        request,
        "api/agency_confirm.html",
        {"key": key, "action": "revoke", "error": error, "reason": request.POST.get("reason", "")[:255]},
        status=400 if error else 200,
    )


urlpatterns = [
    path("quan-ly/ket-noi/", key_list, name="agency-key-list"),
    path("quan-ly/ket-noi/cap-moi/", key_new, name="agency-key-new"),
    path("quan-ly/ket-noi/<int:pk>/", key_detail, name="agency-key-detail"),
    path("quan-ly/ket-noi/<int:pk>/sua/", key_edit, name="agency-key-edit"),
    path("quan-ly/ket-noi/<int:pk>/cap-lai/", key_rotate, name="agency-key-rotate"),
    path("quan-ly/ket-noi/<int:pk>/thu-hoi/", key_revoke, name="agency-key-revoke"),
]
