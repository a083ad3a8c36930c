"""Pages for businesses (tài khoản cơ sở) and the staff page that approves their accounts.

Business side (public layout; a business user has no role, so every staff page refuses it):
* `/doanh-nghiep/` (`business-home`): anonymous → what the account is for, sign in (the normal
  /dang-nhap/, coming back here) or sign up; a waiting or refused account → its state; an active
  account → its own establishment only: general data, certificates (PDF, QR check page),
  inspections it was told of, findings with deadlines (overdue ones highlighted), and the
  appendix-3 procedures to submit online with the form prefilled.
* `/doanh-nghiep/dang-ky/` (`business-signup`): sign-up (rate limited per address,
  `ANTT_BUSINESS_SIGNUP_RATE`, default 5 an hour).
* `/doanh-nghiep/tai-khoan/` (`business-accounts`): the manager account adds and disables its
  employees' accounts.

Staff side (`establishment.manage`):
* `/co-so/tai-khoan/` (`account-list`): accounts of the establishments of my units, waiting
  first; filter, sort, page; the applicant masked.
* `/co-so/tai-khoan/<id>/` (`account-detail`): the applicant in full (the read is logged), and
  approve / refuse with a reason.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from antt.dossiers import ratelimit
from antt.establishments import accounts
from antt.establishments import selectors_business as selectors
from antt.establishments.errors import EstablishmentError
from antt.establishments.forms_business import AccountFilterForm, DecisionForm, SignupForm, StaffAccountForm
from antt.establishments.models import EstablishmentAccount
from antt.establishments.views.common import error_status, optional_url, page_of, put_error, query_string
from antt.lodging import selectors_business as lodging_selectors
from antt.org.otp import staff_required

S = EstablishmentAccount.Status


def signup_rate() -> str:
    # Per client address; every POST counts, valid or not.
    return getattr(settings, "ANTT_BUSINESS_SIGNUP_RATE", "5/h")


def _sign_in_url() -> str:
    return f"{reverse('login')}?{urlencode({'next': reverse('establishments:business-home')})}"


# --- Business side ----------------------------------------------------------------------------


@never_cache
def business_home(request):
    user = request.user
    account = selectors.account_for(user)
    if account is None:
        context = {
            "sign_in_url": _sign_in_url(),
            "signed_in_without_account": user.is_authenticated,
            "is_officer": getattr(user, "is_officer", False),
        }
        return render(request, "establishments/business_welcome.html", context)
    if account.status != S.ACTIVE:
        return render(request, "establishments/business_pending.html", {"account": account})
    file = selectors.business_file(account)
    # The summary at the top of the page (the template cannot search the lists).
    planned = [i for i in file.inspections if i.status == "planned"]
    return render(
        request,
        "establishments/business_home.html",
        {
            "file": file,
            "e": file.establishment,
            "live_certificate": next((c for c in file.certificates if c.status in ("valid", "suspended")), None),
            "lodging_available": lodging_selectors.lodging_account(user) is not None,
            "open_findings": sum(1 for row in file.findings if row["finding"].status == "open"),
            "next_inspection": planned[-1] if planned else None,
            "today": timezone.localdate(),
            "pdf_available": True,
            "verify_available": True,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def business_signup(request):
    if request.user.is_authenticated:
        messages.info(request, "Bạn đang đăng nhập; đăng xuất trước nếu muốn đăng ký tài khoản khác.")
        return redirect("establishments:business-home")
    context = {"sign_in_url": _sign_in_url()}
    if request.method == "GET":
        return render(request, "establishments/business_signup.html", {**context, "form": SignupForm()})
    if not ratelimit.allow(request, "business-signup", signup_rate()):
        context.update(
            form=SignupForm(),
            error="Đã có quá nhiều lượt đăng ký từ địa chỉ mạng này trong thời gian ngắn. Vui lòng thử lại sau.",
        )
        response = render(request, "establishments/business_signup.html", context, status=429)
        response["Retry-After"] = str(ratelimit.retry_after(signup_rate()))
        return response
    form = SignupForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            account = accounts.business_signup(
                tax_code=form.cleaned_data["tax_code"], consent=form.cleaned_data["consent"], **form.person()
            )
        except EstablishmentError as exc:
            put_error(form, exc)
            status = error_status(exc)
        else:
            messages.success(
                request,
                f"Đã gửi đăng ký tài khoản cho cơ sở “{account.establishment.name}”. "
                f"{account.establishment.unit.name} sẽ xác minh và duyệt; sau đó đăng nhập bằng tên "
                f"đăng nhập “{account.user.username}”.",
            )
            return redirect("establishments:business-home")
    context.update(form=form, error="Chưa đăng ký được: vui lòng sửa các mục được đánh dấu.")
    return render(request, "establishments/business_signup.html", context, status=status)


def _manager_or_response(request):
    """(account, None) for an active manager account, else (None, the response)."""
    if not request.user.is_authenticated:
        return None, redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
    account = selectors.active_account(request.user)
    if account is None:
        return None, redirect("establishments:business-home")
    if not account.is_manager:
        return None, render(
            request,
            "establishments/business_pending.html",
            {"account": account, "not_manager": True},
            status=403,
        )
    return account, None


@never_cache
@require_http_methods(["GET", "POST"])
def business_accounts(request):
    """The manager's page: the establishment's accounts and the form that adds one."""
    account, response = _manager_or_response(request)
    if response is not None:
        return response
    form = StaffAccountForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                added = accounts.business_add_staff(manager=request.user, **form.person())
            except EstablishmentError as exc:
                put_error(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, f"Đã tạo tài khoản “{added.user.username}” cho {added.user.full_name}.")
                return redirect("establishments:business-accounts")
    rows = EstablishmentAccount.objects.filter(establishment=account.establishment).select_related("user")
    return render(
        request,
        "establishments/business_accounts.html",
        {"account": account, "rows": rows.order_by("-is_manager", "id"), "form": form},
        status=status,
    )


@require_POST
def business_account_disable(request, pk: int):
    account, response = _manager_or_response(request)
    if response is not None:
        return response
    target = EstablishmentAccount.objects.filter(pk=pk, establishment=account.establishment).first()
    if target is None:
        raise Http404("Không tìm thấy tài khoản.")
    try:
        accounts.business_disable_staff(manager=request.user, account=target)
    except EstablishmentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Đã khóa tài khoản “{target.user.username}”.")
    return redirect("establishments:business-accounts")


# --- Staff side ----------------------------------------------------------------------------------


@staff_required
def account_list(request):
    form = AccountFilterForm(request.GET or None)
    invalid = form.is_bound and not form.is_valid()
    data = {} if invalid or not form.is_bound else form.cleaned_data
    status = data.get("status", "") if "status" in request.GET else S.PENDING
    if not form.is_bound:
        form = AccountFilterForm(initial={"status": S.PENDING})
    qs = selectors.accounts_for_officer(request.user, status=status, q=data.get("q", ""), sort=data.get("sort", ""))
    if invalid:
        messages.error(request, "Bộ lọc không hợp lệ; vui lòng kiểm tra lại.")
        qs = qs.none()
    page = page_of(qs, request.GET.get("page"))
    rows = [{"account": a, "applicant": selectors.applicant_masked(a)} for a in page.object_list]
    return render(
        request,
        "establishments/business_account_list.html",
        {"form": form, "page": page, "rows": rows, "query": query_string(request), "status": status},
        status=400 if invalid else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def account_detail(request, pk: int):
    account = selectors.account_get_for_officer(request.user, pk)
    form = DecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                accounts.account_decide(
                    officer=request.user,
                    account=account,
                    approve=form.cleaned_data["decision"] == "approve",
                    reason=form.cleaned_data["reason"],
                )
            except EstablishmentError as exc:
                put_error(form, exc)
                status = error_status(exc)
            else:
                done = "Đã duyệt" if form.cleaned_data["decision"] == "approve" else "Đã từ chối"
                messages.success(request, f"{done} tài khoản “{account.user.username}” của {account.establishment}.")
                return redirect("establishments:account-list")
        account.refresh_from_db()
    context = {
        "account": account,
        "applicant": selectors.applicant_full(account),
        "form": form,
        "establishment_url": optional_url("establishments:detail", account.establishment_id),
    }
    return render(request, "establishments/business_account_detail.html", context, status=status)


urlpatterns = [
    path("doanh-nghiep/", business_home, name="business-home"),
    path("doanh-nghiep/dang-ky/", business_signup, name="business-signup"),
    path("doanh-nghiep/tai-khoan/", business_accounts, name="business-accounts"),
    path("doanh-nghiep/tai-khoan/<int:pk>/khoa/", business_account_disable, name="business-account-disable"),
    path("co-so/tai-khoan/", account_list, name="account-list"),
    path("co-so/tai-khoan/<int:pk>/", account_detail, name="account-detail"),
]
