"""Online submission (nộp hồ sơ trực tuyến), for citizens and businesses, without an account.

/nop-ho-so/ lists the procedures offered online (the version in force is full or partial
online, Nghị định 42/2022/NĐ-CP Art. 11, and has a legal time so that a due date can be
set); /nop-ho-so/<code>/ is the form: the handling unit (a provincial department for a
province-level procedure, a commune police for a commune-level one), the applicant, one
file per required document, the delivery of the result (online only for full-online
procedures) and the consent to the processing of personal data. A signed-in business account
(establishments app) finds the applicant filled in from its establishment and, for the security
certificate procedures, picks the lines; the dossier then carries the establishment in
`form_data["establishment"]` so that the certificate is issued when it is returned. The service
(`dossier_submit_online`) does the checking that matters; the page reports every problem
beside its field with a 400 and saves nothing. Browsers cannot re-fill file inputs, so
after an error the page says plainly that the files must be chosen again.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from antt.catalog import selectors as catalog_selectors
from antt.catalog.models import Level, OnlineLevel, ProcedureVersion, TimeUnit
from antt.core.text import fold
from antt.core.uploads import UploadError, check_upload, max_upload_bytes
from antt.dossiers import ratelimit, services
from antt.dossiers.api_public import find_by_token, summary
from antt.dossiers.models import ApplicantKind, Delivery, Dossier
from antt.dossiers.workflow import TransitionError
from antt.org.models import AdminArea, Unit

ONLINE_LEVELS = (OnlineLevel.FULL, OnlineLevel.PARTIAL)
# The units that handle a procedure at each level (the two-level local government since
# 1 July 2025: province-level procedures go to the provincial police's departments).
UNIT_LEVEL_FOR = {
    Level.PROVINCE: Unit.Level.DEPARTMENT,
    Level.DISTRICT: Unit.Level.DISTRICT,
    Level.COMMUNE: Unit.Level.COMMUNE,
}
LEVEL_FOR_UNIT = {v: k for k, v in UNIT_LEVEL_FOR.items()}
FILES_AGAIN = "Vì lý do bảo mật, trình duyệt không giữ các tệp đã chọn: vui lòng chọn lại các tệp trước khi gửi."
CONSENT_TEXT = (
    "Tôi đồng ý để cơ quan công an xử lý dữ liệu cá nhân đã khai trong hồ sơ này (họ tên, số định danh, ngày sinh, "
    "số điện thoại, thư điện tử, địa chỉ và giấy tờ đính kèm) chỉ để giải quyết thủ tục hành chính đã chọn, theo "
    "Nghị định 13/2023/NĐ-CP ngày 17/4/2023 về bảo vệ dữ liệu cá nhân và Luật Bảo vệ dữ liệu cá nhân số "
    "91/2025/QH15 (hiệu lực từ 01/01/2026)."
)


def submit_rate() -> str:
    # Per client address. Generous enough for several citizens behind one carrier-grade NAT
    # (mobile networks) or a commune's public kiosk; every POST counts, valid or not.
    return getattr(settings, "ANTT_SUBMIT_RATE", "10/h")


def offered_online(version: ProcedureVersion | None) -> bool:
    """Full or partial online AND a legal time (without one no due date can be given)."""
    if version is None or version.online_level not in ONLINE_LEVELS:
        return False
    if version.legal_time_unit == TimeUnit.SAME_DAY:
        return True
    return version.legal_time_amount is not None and bool(version.legal_time_unit)


def _levels(version: ProcedureVersion) -> list[str]:
    levels = {lv.level for lv in version.levels.all()}
    return [lv for lv in Level.values if lv in levels] or list(Level.values)


def _units(version: ProcedureVersion, q: str = "") -> list[tuple[str, list[Unit]]]:
    """The units an applicant may choose, grouped by level, optionally narrowed by a name search."""
    levels = _levels(version)
    qs = (
        Unit.objects.filter(is_active=True, level__in=[UNIT_LEVEL_FOR[lv] for lv in levels])
        .order_by("name_folded")
        .only("id", "name", "level")
    )
    for word in fold(q.replace("\x00", " ")).split()[:5]:
        qs = qs.filter(name_folded__contains=word)
    units = list(qs)
    groups = []
    for lv in levels:
        members = [u for u in units if u.level == UNIT_LEVEL_FOR[lv]]
        if members:
            groups.append((str(Level(lv).label), members))
    return groups


def _areas() -> list[tuple[str, str]]:
    rows = AdminArea.objects.filter(
        scheme=AdminArea.Scheme.CURRENT,
        level=AdminArea.Level.COMMUNE,
        parent__code=settings.ANTT_PROVINCE_CODE,
        parent__scheme=AdminArea.Scheme.CURRENT,
    ).order_by("name_folded")
    return [(str(a.pk), a.name) for a in rows.only("id", "name")]


def _document_required(doc) -> bool:
    """Every listed document is required except those the catalogue marks "nếu có" (if any)."""
    return "neu co" not in fold(f"{doc.name} {doc.note}")


class OnlineForm(forms.Form):
    """The applicant's part of the online form (files are read from request.FILES by the view)."""

    unit = forms.TypedChoiceField(
        label="Cơ quan giải quyết", coerce=int, error_messages={"required": "Vui lòng chọn cơ quan giải quyết."}
    )
    kind = forms.ChoiceField(
        label="Người nộp là", choices=ApplicantKind.choices, initial=ApplicantKind.PERSON, widget=forms.RadioSelect
    )
    name = forms.CharField(
        label="Họ và tên (hoặc tên tổ chức)",
        max_length=200,
        error_messages={"required": "Vui lòng nhập họ và tên (hoặc tên tổ chức)."},
    )
    id_number = forms.CharField(
        label="Số định danh cá nhân (hoặc mã số doanh nghiệp)",
        max_length=20,
        required=False,
        help_text="12 chữ số trên thẻ căn cước; tổ chức nhập mã số doanh nghiệp.",
    )
    birth_date = forms.DateField(
        label="Ngày sinh",
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Ngày sinh không hợp lệ (ngày/tháng/năm)."},
    )
    sex = forms.ChoiceField(
        label="Giới tính", required=False, choices=[("", "Không khai"), ("male", "Nam"), ("female", "Nữ")]
    )
    phone = forms.CharField(
        label="Số điện thoại di động",
        max_length=20,
        help_text="Để nhận tin nhắn về hồ sơ và tra cứu (4 số cuối).",
        error_messages={"required": "Vui lòng nhập số điện thoại di động."},
    )
    email = forms.CharField(label="Thư điện tử (không bắt buộc)", max_length=254, required=False)
    area = forms.TypedChoiceField(label="Xã, phường nơi cư trú", coerce=int, required=False, empty_value=None)
    address = forms.CharField(label="Địa chỉ chi tiết (số nhà, đường, thôn…)", max_length=255, required=False)
    representative_name = forms.CharField(label="Người nộp thay (nếu có)", max_length=200, required=False)
    delivery = forms.ChoiceField(label="Nhận kết quả", widget=forms.RadioSelect, initial=Delivery.COUNTER)
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        error_messages={"required": "Cần đồng ý cho xử lý dữ liệu cá nhân để cơ quan giải quyết được hồ sơ."},
    )

    def __init__(self, *args, version: ProcedureVersion, unit_groups, areas, business=None, **kwargs):
        super().__init__(*args, **kwargs)
        if business is not None and business.asks_lines:
            self.fields["establishment_lines"] = forms.MultipleChoiceField(
                label="Ngành, nghề đề nghị ghi trên giấy chứng nhận",
                choices=business.line_choices,
                required=business.lines_required,
                widget=forms.CheckboxSelectMultiple,
                error_messages={
                    "required": "Vui lòng chọn ít nhất một ngành, nghề.",
                    "invalid_choice": "Ngành, nghề đã chọn không có trong đăng ký của cơ sở.",
                },
            )
        self.fields["unit"].choices = [("", "— Chọn cơ quan —")] + [
            (label, [(u.pk, u.name) for u in members]) for label, members in unit_groups
        ]
        self.fields["unit"].error_messages["invalid_choice"] = "Cơ quan đã chọn không giải quyết thủ tục này."
        self.fields["area"].choices = [("", "— Chọn xã, phường —"), *areas]
        self.fields["area"].error_messages["invalid_choice"] = "Xã, phường không hợp lệ."
        deliveries = [Delivery.COUNTER, Delivery.POST]
        if version.online_level == OnlineLevel.FULL:
            deliveries.append(Delivery.ONLINE)
        self.fields["delivery"].choices = [(d, Delivery(d).label) for d in deliveries]
        self.fields["delivery"].error_messages["invalid_choice"] = (
            "Thủ tục này không trả kết quả theo hình thức đã chọn."
        )
        self.fields["kind"].error_messages["invalid_choice"] = "Loại người nộp không hợp lệ."
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        self.fields["email"].widget.input_type = "email"
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
        self.fields["id_number"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["name"].widget.attrs.update({"autocomplete": "name"})

    def applicant(self) -> services.ApplicantData:
        data = self.cleaned_data
        sex = data.get("sex")
        return services.ApplicantData(
            kind=data["kind"],
            name=data["name"],
            id_number=data.get("id_number") or "",
            birth_date=data.get("birth_date"),
            female=None if not sex else sex == "female",
            phone=data["phone"],
            email=data.get("email") or "",
            area_id=data.get("area"),
            address=data.get("address") or "",
            representative_name=data.get("representative_name") or "",
        )


# --- Views ------------------------------------------------------------------------------


@require_GET
def start(request):
    """/nop-ho-so/: the procedures offered online, searchable."""
    q = (request.GET.get("q") or "").strip()[: catalog_selectors.MAX_QUERY_LENGTH]
    rows = [r for r in catalog_selectors.procedure_search(q=q, include_inactive=False) if offered_online(r.version)]
    return render(request, "dossiers/online_start.html", {"rows": rows, "q": q})


def _procedure(code: str):
    row = catalog_selectors.procedure_get(code=code)
    if row is None or not row.in_force or not offered_online(row.version):
        raise Http404("Thủ tục này không được cung cấp trực tuyến.")
    return row


def _documents(version: ProcedureVersion) -> list[dict]:
    return [
        {"doc": doc, "name": f"doc_{doc.pk}", "required": _document_required(doc), "error": ""}
        for doc in version.documents.all()
    ]


def _business(request, version: ProcedureVersion, areas):
    """The prefill of a signed-in business account (establishments app), or None."""
    if not request.user.is_authenticated:
        return None
    from antt.establishments.selectors_business import online_prefill

    return online_prefill(request.user, version, area_ids=[pk for pk, _ in areas])


def _render_form(request, row, form, documents, unit_q, *, status=200, error="", business=None):
    context = {
        "business": business,
        "row": row,
        "procedure": row.procedure,
        "version": row.version,
        "form": form,
        "documents": documents,
        "unit_q": unit_q,
        "max_upload": max_upload_bytes(),
        "error": error,
    }
    return render(request, "dossiers/online_form.html", context, status=status)


_APPLICANT_FIELDS = {"kind", "name", "id_number", "birth_date", "phone", "email", "area", "address"}


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request, code: str):
    """/nop-ho-so/<code>/: the online form; a valid POST creates the dossier and redirects to its code."""
    row = _procedure(code)
    version = row.version
    unit_q = (request.GET.get("co_quan") or "").strip()[:100]
    groups = _units(version, unit_q)
    areas = _areas()
    documents = _documents(version)
    business = _business(request, version, areas)
    if request.method == "GET":
        initial = business.initial if business else None
        form = OnlineForm(version=version, unit_groups=groups, areas=areas, business=business, initial=initial)
        return _render_form(request, row, form, documents, unit_q, business=business)

    if not ratelimit.allow(request, "submit", submit_rate()):
        form = OnlineForm(version=version, unit_groups=_units(version), areas=areas, business=business)
        response = _render_form(
            request,
            row,
            form,
            documents,
            "",
            business=business,
            status=429,
            error="Đã có quá nhiều hồ sơ được gửi từ địa chỉ mạng này trong thời gian ngắn. Vui lòng thử lại sau.",
        )
        response["Retry-After"] = str(ratelimit.retry_after(submit_rate()))
        return response

    # The search may have narrowed the list; the POST accepts any unit of the procedure's levels.
    form = OnlineForm(request.POST, version=version, unit_groups=_units(version), areas=areas, business=business)
    uploads = []
    for item in documents:
        upload = request.FILES.get(item["name"])
        if upload is None:
            if item["required"]:
                item["error"] = "Vui lòng đính kèm giấy tờ này."
            continue
        try:
            check_upload(upload)
        except UploadError as exc:
            item["error"] = str(exc)
            continue
        uploads.append(services.UploadIn(file=upload, required_document_id=item["doc"].pk))
    valid = form.is_valid()
    applicant = None
    if valid:
        applicant = form.applicant()
        try:
            applicant.clean()
        except services.DossierInputError as exc:
            form.add_error(exc.field if exc.field in _APPLICANT_FIELDS else None, exc.message)
            valid = False
    if not valid or any(item["error"] for item in documents):
        return _render_form(
            request,
            row,
            form,
            documents,
            "",
            business=business,
            status=400,
            error="Hồ sơ chưa gửi được: vui lòng sửa các mục được đánh dấu. " + FILES_AGAIN,
        )

    unit = Unit.objects.get(pk=form.cleaned_data["unit"])
    try:
        dossier = services.dossier_submit_online(
            procedure=version,
            level=LEVEL_FOR_UNIT[unit.level],
            unit=unit,
            applicant=applicant,
            uploads=uploads,
            delivery=form.cleaned_data["delivery"],
            form_data=business.form_data(form.cleaned_data.get("establishment_lines")) if business else None,
        )
    except services.DossierInputError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)
        return _render_form(
            request, row, form, documents, "", status=400, error=exc.message + " " + FILES_AGAIN, business=business
        )
    except TransitionError as exc:
        return _render_form(request, row, form, documents, "", status=exc.status, error=exc.message, business=business)
    _remember_submission(request, dossier.token)
    return redirect("dossiers:online-done", token=dossier.token)


# The receipt prints the applicant's ID number, birth date, phone and address. The token alone
# (in the SMS link, the QR code) opens the public page, which masks all of that; the receipt PDF
# goes only to the browser session that submitted the dossier. Later copies: the one-stop desk.
_SESSION_KEY = "dossiers_submitted_tokens"
_REMEMBERED = 10


def _remember_submission(request, token: str) -> None:
    tokens = [t for t in request.session.get(_SESSION_KEY, []) if t != token]
    request.session[_SESSION_KEY] = [*tokens, token][-_REMEMBERED:]


def _submitted_here(request, token: str) -> bool:
    return token in request.session.get(_SESSION_KEY, [])


def _receipt_pdf():
    """The receipt renderer of the forms module and its error class, when they exist (optional)."""
    try:
        from antt.dossiers.printing import PrintError, receipt_pdf
    except ImportError:
        return None, None
    return receipt_pdf, PrintError


@never_cache
@require_GET
def done(request, token: str):
    """After submission: the code, what happens next, the private link to bookmark, the receipt."""
    row = find_by_token(token)
    if row is None:
        raise Http404("Không tìm thấy hồ sơ.")
    link = settings.ANTT_PUBLIC_BASE_URL.rstrip("/") + reverse("dossiers:public-token", args=[token])
    context = {
        "dossier": summary(row, [], by_token=True),
        "token": token,
        "link": link,
        "has_receipt": _receipt_pdf()[0] is not None and _submitted_here(request, token),
    }
    return render(request, "dossiers/online_done.html", context)


@never_cache
@require_GET
def receipt(request, token: str):
    """The receipt PDF of an online dossier, for the browser session that submitted it."""
    render_pdf, print_error = _receipt_pdf()
    known = 0 < len(token) <= 40 and "\x00" not in token and _submitted_here(request, token)
    dossier = Dossier.objects.filter(token=token).first() if known else None
    if render_pdf is None or dossier is None:
        raise Http404("Không tìm thấy giấy tiếp nhận.")
    try:
        content = render_pdf(dossier, copies=(2,))  # the applicant's copy (liên 2)
    except print_error as exc:  # e.g. no receipt form in force for the dossier's date
        raise Http404("Chưa có mẫu giấy tiếp nhận áp dụng cho hồ sơ này.") from exc
    response = HttpResponse(bytes(content), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="giay-tiep-nhan-{dossier.code}.pdf"'
    return response


urlpatterns = [
    path("nop-ho-so/", start, name="online-start"),
    path("nop-ho-so/da-nop/<str:token>/", done, name="online-done"),
    path("nop-ho-so/da-nop/<str:token>/giay-tiep-nhan.pdf", receipt, name="online-receipt"),
    path("nop-ho-so/<str:code>/", submit, name="online-submit"),
]
