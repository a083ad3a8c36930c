"""Administrators' pages for webhooks (/quan-ly/ket-noi/su-kien/…, capability `agency.manage`).

- the delivery log of every agency: filter by state, agency key and event type; dead and failing
  deliveries first (what needs attention), then pending, then delivered, newest first;
- one delivery: its event (payload without personal data) and every attempt; a replay button
  (POST; `webhooks.replay` sends it now and audits who asked);
- the subscriptions, per key, with pause (a reason is required) and resume (POST, audited).

The signing secrets are never shown here (the agency sees a secret once, when it subscribes).
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from antt.api import agency_services, webhooks
from antt.api.models import AgencyKey, DeliveryState, WebhookDelivery, WebhookSubscription
from antt.org.otp import staff_required

PAGE_SIZE = 25
STATE_ORDER = Case(
    When(state=DeliveryState.DEAD, then=Value(0)),
    When(state=DeliveryState.FAILED, then=Value(1)),
    When(state=DeliveryState.PENDING, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)
EVENT_CHOICES = [("", "Tất cả"), *webhooks.EVENT_TYPES.items(), (webhooks.PING, webhooks.PING_LABEL)]


def _require_manager(request) -> None:
    agency_services.require_manager(request.user)


class DeliveryFilterForm(forms.Form):
    state = forms.ChoiceField(label="Trạng thái", required=False, choices=[("", "Tất cả"), *DeliveryState.choices])
    key = forms.ModelChoiceField(
        label="Cơ quan (khóa API)",
        required=False,
        queryset=AgencyKey.objects.order_by("name"),
        empty_label="Tất cả",
        error_messages={"invalid_choice": "Cơ quan đã chọn không có trong danh sách."},
    )
    event = forms.ChoiceField(label="Loại sự kiện", required=False, choices=EVENT_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("state", "event"):
            self.fields[name].error_messages["invalid_choice"] = "Giá trị đã chọn không hợp lệ."


@staff_required
def delivery_list(request):
    _require_manager(request)
    form = DeliveryFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = WebhookDelivery.objects.select_related("event", "subscription__key")
    if data.get("state"):
        qs = qs.filter(state=data["state"])
    if data.get("key"):
        qs = qs.filter(subscription__key=data["key"])
    if data.get("event"):
        qs = qs.filter(event__type=data["event"])
    qs = qs.annotate(state_rank=STATE_ORDER).order_by("state_rank", "-created_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for d in page.object_list:
        d.event_label = webhooks.event_label(d.event.type)
    counts = dict(WebhookDelivery.objects.values_list("state").annotate(n=Count("id")).order_by())
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "api/webhooks_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "counts": [(label, counts.get(code, 0), code) for code, label in DeliveryState.choices],
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@staff_required
def delivery_detail(request, pk: int):
    _require_manager(request)
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("event__unit", "subscription__key"), pk=pk)
    return render(
        request,
        "api/webhooks_detail.html",
        {
            "delivery": delivery,
            "event_label": webhooks.event_label(delivery.event.type),
            "payload": json.dumps(delivery.event.payload, ensure_ascii=False, indent=2, sort_keys=True),
            "attempts": list(delivery.attempt_log.order_by("at", "id")),
        },
    )


@require_POST
@staff_required
def delivery_replay(request, pk: int):
    _require_manager(request)
    delivery = get_object_or_404(WebhookDelivery, pk=pk)
    try:
        done = webhooks.replay(delivery=delivery, actor=request.user)
    except webhooks.WebhookError as exc:
        messages.error(request, str(exc))
    else:
        if done.last_status is not None and 200 <= done.last_status < 300:
            messages.success(request, f"Đã gửi lại sự kiện; bên nhận trả mã {done.last_status}.")
        else:
            messages.error(request, f"Đã gửi lại nhưng không thành công: {done.last_error}")
    return redirect("api:webhooks-delivery", pk=pk)


@staff_required
def subscription_list(request):
    _require_manager(request)
    subscriptions = list(
        WebhookSubscription.objects.select_related("key")
        .annotate(
            failing=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
            dead=Count("deliveries", filter=Q(deliveries__state=DeliveryState.DEAD)),
            waiting=Count("deliveries", filter=Q(deliveries__state=DeliveryState.PENDING)),
        )
        .order_by("key__name", "key_id", "id")
    )
    for s in subscriptions:
        s.event_labels = [webhooks.event_label(e) for e in s.events or []]
    return render(request, "api/webhooks_subscriptions.html", {"subscriptions": subscriptions})


@require_POST
@staff_required
def subscription_pause(request, pk: int):
    return _set_active(request, pk, active=False)


@require_POST
@staff_required
def subscription_resume(request, pk: int):
    return _set_active(request, pk, active=True)


def _set_active(request, pk: int, *, active: bool):
    _require_manager(request)
    sub = get_object_or_404(WebhookSubscription.objects.select_related("key"), pk=pk)
    reason = request.POST.get("reason", "")
    if len(reason) > 255 or "\x00" in reason:
        messages.error(request, "Lý do dài quá 255 ký tự hoặc có ký tự không hợp lệ.")
        return redirect("api:webhooks-subscriptions")
    try:
        webhooks.subscription_set_active(subscription=sub, active=active, reason=reason, actor=request.user)
    except webhooks.WebhookError as exc:
        messages.error(request, f"{sub.key.name} → {sub.url}: {exc}")
    else:
        if active:
            messages.success(request, f"Đã cho hoạt động lại đăng ký của {sub.key.name} ({sub.url}).")
        else:
            messages.success(request, f"Đã tạm dừng đăng ký của {sub.key.name} ({sub.url}).")
    return redirect("api:webhooks-subscriptions")


urlpatterns = [
    path("quan-ly/ket-noi/su-kien/", delivery_list, name="webhooks-deliveries"),
    path("quan-ly/ket-noi/su-kien/<int:pk>/", delivery_detail, name="webhooks-delivery"),
    path("quan-ly/ket-noi/su-kien/<int:pk>/gui-lai/", delivery_replay, name="webhooks-replay"),
    path("quan-ly/ket-noi/su-kien/dang-ky/", subscription_list, name="webhooks-subscriptions"),
    path("quan-ly/ket-noi/su-kien/dang-ky/<int:pk>/tam-dung/", subscription_pause, name="webhooks-pause"),
    path("quan-ly/ket-noi/su-kien/dang-ky/<int:pk>/tiep-tuc/", subscription_resume, name="webhooks-resume"),
]
