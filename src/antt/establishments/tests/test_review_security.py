"""Review tests across the whole app (issue 5): every staff URL tried by an officer of another
commune (404, nothing written), every POST without a CSRF token (403), junk in every query
parameter and form field (a Vietnamese 4xx, never a 500), personal data kept out of what is
shared, and query budgets of the list pages (no N+1)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from antt.core.models import AuditEvent
from antt.establishments import certificates as cert_svc
from antt.establishments import fire as fire_svc
from antt.establishments import inspections as insp_svc
from antt.establishments import services
from antt.establishments.models import (
    Certificate,
    CertificateEvent,
    ChangeEntry,
    Establishment,
    EstablishmentAccount,
    Finding,
    FireProfile,
    FireRecord,
    Inspection,
)
from antt.establishments.tests.factories import establishments_world, make_establishment, valid_tax_code
from antt.org.models import Role, User
from antt.org.otp import login_verified
from antt.org.tests.factories import make_officer

pytestmark = pytest.mark.django_db

# The people of commune A's establishment: none of these may leave the staff pages.
PERSONAL = {
    "owner_name": "Phạm Thị Chủ Sở Hữu",
    "representative_name": "Trương Văn Đại Diện",
    "representative_id_number": "038090077771",
    "representative_phone": "0912777111",
    "security_person_name": "Lương Thị An Ninh",
    "security_person_id_number": "038190077772",
    "security_person_phone": "0912777222",
}


@pytest.fixture
def w():
    return establishments_world()


@pytest.fixture
def a(w):
    """Commune A's establishment with a certificate, a fire profile and record, an inspection
    with an open finding, a planned inspection and a waiting business account."""
    today = timezone.localdate()
    e = make_establishment(w, name="Karaoke Ánh Dương", lines=["t-karaoke", "t-luu-tru"], **PERSONAL)
    cert = cert_svc.certificate_issue(officer=w.head_a, establishment=e, line_codes=["t-karaoke"])
    profile = fire_svc.fire_profile_set(officer=w.processor_a, establishment=e, category_code="t-shop", floors=2)
    record = fire_svc.fire_record_add(
        officer=w.processor_a, establishment=e, kind="training", issued_on=today - timedelta(days=10)
    )
    done = insp_svc.inspection_plan(
        officer=w.processor_a, establishment=e, domain="security", kind="surprise", planned_on=today, ground="Tố cáo"
    )
    insp_svc.inspection_record(
        officer=w.processor_a,
        inspection=done,
        inspected_on=today,
        outcome="findings",
        summary="Thiếu sổ",
        findings=[insp_svc.FindingData("Thiếu sổ ĐK20", "Lập sổ", today + timedelta(days=30))],
    )
    planned = insp_svc.inspection_plan(
        officer=w.processor_a,
        establishment=e,
        domain="fire",
        kind="periodic",
        planned_on=today + timedelta(days=20),
    )
    user = User.objects.create_user(username="doanhnghiep-a", password="x", full_name="Ngô Văn Doanh", role="")
    account = EstablishmentAccount.objects.create(user=user, establishment=e, is_manager=True)
    return {
        "e": e,
        "cert": cert,
        "profile": profile,
        "record": record,
        "done": done,
        "planned": planned,
        "finding": done.findings.get(),
        "account": account,
    }


@pytest.fixture
def head_b(w):
    return make_officer(w.commune_b, role=Role.HEAD, full_name="Hồ Văn Trưởng Bê")


def snapshot() -> dict:
    """Everything a refused request must leave as it was."""
    return {
        "establishments": list(Establishment.objects.order_by("pk").values()),
        "certificates": list(Certificate.objects.order_by("pk").values()),
        "events": CertificateEvent.objects.count(),
        "profiles": list(FireProfile.objects.order_by("pk").values()),
        "records": FireRecord.objects.count(),
        "inspections": list(Inspection.objects.order_by("pk").values()),
        "findings": list(Finding.objects.order_by("pk").values()),
        "accounts": list(EstablishmentAccount.objects.order_by("pk").values()),
        "feed": ChangeEntry.objects.count(),
        "audit_writes": AuditEvent.objects.exclude(action=AuditEvent.Action.READ_PERSONAL).count(),
        "audit_reads": AuditEvent.objects.filter(action=AuditEvent.Action.READ_PERSONAL).count(),
    }


def staff_urls(a) -> list[tuple[str, str, dict]]:
    """(method, url, data) of every staff URL that names one of commune A's objects."""
    e, cert, finding = a["e"], a["cert"], a["finding"]
    today = f"{timezone.localdate():%d/%m/%Y}"
    later = f"{timezone.localdate() + timedelta(days=100):%d/%m/%Y}"
    u = reverse
    return [
        ("get", u("establishments:detail", args=[e.pk]), {}),
        ("get", u("establishments:edit", args=[e.pk]), {}),
        ("post", u("establishments:edit", args=[e.pk]), {"name": "Đổi tên", "tax_code": e.tax_code}),
        ("post", u("establishments:status", args=[e.pk]), {"status": "ceased", "reason": "x", "row_version": 1}),
        ("post", u("establishments:personal", args=[e.pk]), {"reason": "xem"}),
        ("get", u("establishments:certificate-detail", args=[cert.pk]), {}),
        ("get", u("establishments:certificate-detail", args=[cert.pk]) + "?day-du=1", {}),
        ("get", u("establishments:certificate-pdf", args=[cert.pk]), {}),
        (
            "post",
            u("establishments:certificate-suspend", args=[cert.pk]),
            {
                "row_version": cert.row_version,
                "ground": "18.2.d",
                "until": later,
                "decision_number": "1/QĐ",
                "reason": "x",
            },
        ),
        (
            "post",
            u("establishments:certificate-revoke", args=[cert.pk]),
            {"row_version": cert.row_version, "ground": "18.1.a", "decision_number": "1/QĐ", "reason": "x"},
        ),
        ("get", u("establishments:certificate-issue", args=[e.pk]), {}),
        (
            "post",
            u("establishments:certificate-issue", args=[e.pk]),
            {"kind": "change", "unit": "", "issued_on": today, "lines": ["t-karaoke"]},
        ),
        ("get", u("establishments:fire-profile", args=[e.pk]), {}),
        ("post", u("establishments:fire-profile", args=[e.pk]), {"category": "t-hotel", "floors": "9"}),
        ("get", u("establishments:fire-record-new", args=[e.pk]), {}),
        ("post", u("establishments:fire-record-new", args=[e.pk]), {"kind": "drill", "issued_on": today}),
        ("get", u("establishments:inspection-new", args=[e.pk]), {}),
        (
            "post",
            u("establishments:inspection-new", args=[e.pk]),
            {"domain": "security", "kind": "surprise", "planned_on": today, "ground": "Tố cáo"},
        ),
        ("get", u("establishments:inspection-detail", args=[a["done"].pk]), {}),
        ("get", u("establishments:inspection-detail", args=[a["planned"].pk]), {}),
        (
            "post",
            u("establishments:inspection-record", args=[a["planned"].pk]),
            {
                "inspected_on": today,
                "outcome": "passed",
                "tt-TOTAL_FORMS": "0",
                "tt-INITIAL_FORMS": "0",
            },
        ),
        ("post", u("establishments:inspection-notify", args=[a["planned"].pk]), {"notified_on": today}),
        ("post", u("establishments:inspection-cancel", args=[a["planned"].pk]), {"reason": "Hủy"}),
        (
            "post",
            u("establishments:finding-resolve", args=[finding.pk]),
            {"resolved_on": today, "follow_up": "Đã lập sổ"},
        ),
        ("post", u("establishments:finding-escalate", args=[finding.pk]), {"record_number": "1/BB"}),
        ("get", u("establishments:plan") + f"?don-vi={e.unit_id}", {}),
        ("get", u("establishments:plan-export") + f"?don-vi={e.unit_id}", {}),
        ("get", u("establishments:account-detail", args=[a["account"].pk]), {}),
        ("post", u("establishments:account-detail", args=[a["account"].pk]), {"decision": "approve"}),
    ]


def test_every_url_of_another_communes_objects_is_404_and_changes_nothing(client, w, a, head_b):
    # given commune A's objects, and a head of commune B (every capability of the app)
    login_verified(client, head_b)
    before = snapshot()
    # when B opens or posts every URL that names one of them
    answers = {}
    for method, url, data in staff_urls(a):
        response = getattr(client, method)(url, data)
        answers[f"{method.upper()} {url}"] = response.status_code
    # then every answer is "not found", and nothing was written or read in full
    assert {k: v for k, v in answers.items() if v != 404} == {}
    assert snapshot() == before


def test_the_same_urls_work_for_the_managing_commune(client, w, a):
    # given the head of commune A (so that the 404s above are about the scope, not broken URLs)
    login_verified(client, w.head_a)
    for method, url, _data in staff_urls(a):
        if method != "get":
            continue
        # when A opens every page
        response = client.get(url)
        # then each one answers (the PDF and the plan's workbook included)
        assert response.status_code == 200, url


def test_lists_of_another_commune_do_not_show_communes_a_rows(client, w, a, head_b):
    # given B's own establishment next to A's
    mine = make_establishment(w, name="Nhà nghỉ Hàm Rồng Riêng", unit=w.commune_b)
    login_verified(client, head_b)
    pages = [
        reverse("establishments:list"),
        reverse("establishments:list") + "?q=anh+duong",
        reverse("establishments:certificate-list"),
        reverse("establishments:fire-list"),
        reverse("establishments:inspection-list"),
        reverse("establishments:plan"),
        reverse("establishments:account-list") + "?status=",
    ]
    for url in pages:
        # when B opens every list
        response = client.get(url)
        # then none shows A's establishment (B's own shows on the registry)
        assert response.status_code == 200, url
        assert "Karaoke Ánh Dương" not in response.content.decode(), url
    assert mine.name in client.get(reverse("establishments:list")).content.decode()
    # and the registry export holds only B's rows
    export = client.get(reverse("establishments:export"))
    assert export.status_code == 200
    assert export["X-Row-Count"] == "1"


def test_a_business_account_reaches_only_its_own_establishment(client, w, a):
    # given an active account of commune B's establishment
    other = make_establishment(w, name="Cầm đồ Hàm Rồng", unit=w.commune_b, lines=["t-cam-do"])
    user = User.objects.create_user(username="doanhnghiep-b", password="x", full_name="Vũ Văn Bê", role="")
    EstablishmentAccount.objects.create(
        user=user, establishment=other, is_manager=True, status=EstablishmentAccount.Status.ACTIVE
    )
    login_verified(client, user)
    # when it opens its home page, then only its own file shows
    home = client.get(reverse("establishments:business-home")).content.decode()
    assert "Cầm đồ Hàm Rồng" in home and "Karaoke Ánh Dương" not in home
    # when it asks for A's certificate PDF or disables A's account, then it is refused
    assert client.get(reverse("establishments:certificate-pdf", args=[a["cert"].pk])).status_code in (302, 403)
    before = snapshot()
    response = client.post(reverse("establishments:business-account-disable", args=[a["account"].pk]))
    assert response.status_code == 404
    # and every staff page refuses it (no role: 403)
    for method, url, data in staff_urls(a):
        assert getattr(client, method)(url, data).status_code == 403, url
    assert snapshot() == before


# --- junk input: a 4xx in Vietnamese, never a 500 ---------------------------------------------

JUNK_VALUES = ["abc", "-1", "0", "99999999999999999999", "2026-13", "31/02/2026", "\x00", "a\x00b", "²", "' OR 1=1 --"]
LIST_PARAMS = {
    "establishments:list": ["q", "status", "line", "fire", "unit", "area", "sort", "page"],
    "establishments:export": ["q", "status", "line", "fire", "unit", "area", "sort"],
    "establishments:certificate-list": ["q", "status", "unit", "line", "sort", "page"],
    "establishments:fire-list": ["q", "category", "appendix", "high_risk", "missing", "unit", "sort", "page"],
    "establishments:inspection-list": [
        "q",
        "status",
        "domain",
        "kind",
        "outcome",
        "unit",
        "date_from",
        "date_to",
        "sort",
        "page",
    ],
    "establishments:plan": ["thang", "don-vi", "den-han", "qua-han", "ke-hoach", "ton-tai"],
    "establishments:plan-export": ["thang", "don-vi"],
    "establishments:account-list": ["q", "status", "sort", "page"],
    "establishments:share-home": ["x"],
}


@pytest.fixture
def quiet():
    """A client that answers a 500 instead of raising, so that one test lists every failure."""
    return Client(raise_request_exception=False)


def test_junk_in_every_query_parameter_of_every_list_is_never_a_500(quiet, w, a):
    client = quiet
    login_verified(client, w.head_a)
    failures = []
    for name, params in LIST_PARAMS.items():
        for param in params:
            for value in JUNK_VALUES:
                # when a list is opened with junk in one parameter
                response = client.get(reverse(name), {param: value})
                # then it answers 200 (ignored), 302 (back to the page), 400 or 404, never a 500
                if response.status_code not in (200, 302, 400, 404):
                    failures.append((name, param, value, response.status_code))
    assert failures == []


def test_junk_in_the_pages_of_one_object_is_never_a_500(quiet, w, a):
    client = quiet
    login_verified(client, w.head_a)
    e = a["e"]
    urls = [
        reverse("establishments:inspection-new", args=[e.pk]),
        reverse("establishments:fire-record-new", args=[e.pk]),
        reverse("establishments:fire-profile", args=[e.pk]),
        reverse("establishments:certificate-detail", args=[a["cert"].pk]),
    ]
    failures = []
    for url in urls:
        for param in ("linh-vuc", "hinh-thuc", "loai", "day-du", "page"):
            for value in JUNK_VALUES:
                response = client.get(url, {param: value})
                if response.status_code not in (200, 400, 403, 404):
                    failures.append((url, param, value, response.status_code))
    assert failures == []


@pytest.mark.parametrize(
    "path",
    [
        "/co-so/999999999/",
        "/co-so/99999999999999999999/",
        "/co-so/99999999999999999999/sua/",
        "/co-so/99999999999999999999/pccc/",
        "/co-so/99999999999999999999/kiem-tra/moi/",
        "/co-so/99999999999999999999/cap-giay-chung-nhan/",
        "/giay-chung-nhan/99999999999999999999/",
        "/giay-chung-nhan/99999999999999999999/pdf/",
        "/kiem-tra/99999999999999999999/",
        "/co-so/tai-khoan/99999999999999999999/",
        "/xac-minh-giay-chung-nhan/khong-co/",
        "/xac-minh-giay-chung-nhan/" + "x" * 300 + "/",
        "/ho-so/KHONG-CO/co-so/",
        "/ho-so/A%00B/co-so/",
        "/xac-minh-giay-chung-nhan/a%00b/",
    ],
)
def test_ids_that_do_not_exist_are_404(client, w, path):
    login_verified(client, w.head_a)
    assert client.get(path).status_code == 404


def test_the_dossier_link_page_takes_junk(client, w):
    # given a dossier code that does not exist, with junk parameters
    login_verified(client, w.head_a)
    for value in JUNK_VALUES:
        response = client.get("/ho-so/KHONG-CO/co-so/", {"q": value, "co-so": value})
        assert response.status_code == 404


def _field_junk(form_fields: list[str]) -> list[dict]:
    """One POST body per (field, junk value), the other fields empty."""
    bodies = []
    for name in form_fields:
        for value in JUNK_VALUES + ["x" * 5000]:
            bodies.append({name: value})
    return bodies


def test_junk_in_every_form_field_is_a_4xx_and_writes_nothing(quiet, w, a):
    client = quiet
    login_verified(client, w.head_a)
    e, cert, finding, planned = a["e"], a["cert"], a["finding"], a["planned"]
    forms = {
        reverse("establishments:new"): [
            "name",
            "tax_code",
            "kind",
            "registration_date",
            "line_codes",
            "unit",
            "area",
            "latitude",
            "longitude",
            "rooms",
            "email",
            "representative_id_number",
            "security_person_phone",
        ],
        reverse("establishments:edit", args=[e.pk]): ["tax_code", "unit", "area", "row_version", "rooms"],
        reverse("establishments:status", args=[e.pk]): ["status", "reason", "row_version"],
        reverse("establishments:certificate-suspend", args=[cert.pk]): [
            "row_version",
            "ground",
            "until",
            "decision_number",
            "lines",
        ],
        reverse("establishments:certificate-revoke", args=[cert.pk]): ["row_version", "ground", "lines"],
        reverse("establishments:certificate-issue", args=[e.pk]): ["kind", "number", "unit", "issued_on", "lines"],
        reverse("establishments:fire-profile", args=[e.pk]): ["category", "floors", "volume_m3", "kind"],
        reverse("establishments:fire-record-new", args=[e.pk]): [
            "kind",
            "issued_on",
            "valid_until",
            "result",
            "deaths",
            "damage_vnd",
        ],
        reverse("establishments:inspection-new", args=[e.pk]): ["domain", "kind", "planned_on", "ground"],
        reverse("establishments:inspection-record", args=[planned.pk]): [
            "inspected_on",
            "outcome",
            "violation_records",
            "violation_numbers",
            "tt-TOTAL_FORMS",
            "tt-0-due",
        ],
        reverse("establishments:inspection-notify", args=[planned.pk]): ["notified_on"],
        reverse("establishments:finding-resolve", args=[finding.pk]): ["resolved_on", "follow_up"],
        reverse("establishments:finding-escalate", args=[finding.pk]): ["record_number"],
        reverse("establishments:account-detail", args=[a["account"].pk]): ["decision", "reason"],
    }
    before = snapshot()
    failures = []
    for url, fields in forms.items():
        for body in _field_junk(fields):
            response = client.post(url, body)
            if not 400 <= response.status_code < 500:
                failures.append((url, body if len(str(body)) < 80 else list(body), response.status_code))
    # a cancel reason is free text: only what no reason may be is junk
    cancel = reverse("establishments:inspection-cancel", args=[planned.pk])
    for body in ({}, {"reason": "\x00"}, {"reason": " "}, {"reason": "x" * 5000}):
        response = client.post(cancel, body)
        if response.status_code != 400:
            failures.append((cancel, list(body), response.status_code))
    assert failures == [], "\n".join(map(str, failures))
    after = snapshot()
    # the personal reads of the account page are logged on every render; nothing else moved
    before.pop("audit_reads"), after.pop("audit_reads")
    assert after == before


def test_the_inspection_record_page_adds_rows_with_a_junk_row_count(quiet, w, a):
    client = quiet
    # given the "add rows" button posted with a row count that is not a number
    login_verified(client, w.head_a)
    url = reverse("establishments:inspection-record", args=[a["planned"].pk])
    for value in ("abc", "-5", "\x00", "99999999999"):
        response = client.post(url, {"them_dong": "1", "tt-TOTAL_FORMS": value, "tt-INITIAL_FORMS": "0"})
        # then the page comes back (never a 500)
        assert response.status_code in (200, 400), value


# --- CSRF ---------------------------------------------------------------------------------------


def test_every_post_without_a_csrf_token_is_refused(w, a):
    # given a browser session of the managing head, with CSRF checks on (as in production)
    client = Client(enforce_csrf_checks=True)
    login_verified(client, w.head_a)
    posts = [(url, data) for method, url, data in staff_urls(a) if method == "post"]
    posts += [
        (reverse("establishments:new"), {"name": "X"}),
        (reverse("establishments:business-signup"), {"tax_code": a["e"].tax_code}),
        (reverse("establishments:business-accounts"), {"full_name": "X"}),
        (reverse("establishments:business-account-disable", args=[a["account"].pk]), {}),
        ("/ho-so/KHONG-CO/co-so/", {"establishment": a["e"].pk}),
    ]
    before = snapshot()
    # when each form is posted without its token, then every one is refused, nothing written
    refused = {url: client.post(url, data).status_code for url, data in posts}
    assert {url: code for url, code in refused.items() if code != 403} == {}
    assert snapshot() == before


# --- personal data never shared --------------------------------------------------------------


def _leaks(text: str, values=()) -> list[str]:
    """The personal values of `PERSONAL` (and `values`) found in `text`."""
    return [value for value in (*PERSONAL.values(), *values) if value in text]


def test_personal_data_is_in_no_shared_output_and_no_audit_diff(client, w, a, settings):
    # given an agency token, and the establishment changed through the services (feed rows,
    # audit entries), its certificate suspended (feed) and its people changed
    import hashlib

    settings.ANTT_SHARING_TOKENS = f"thue={hashlib.sha256(b'tok-thue').hexdigest()}"
    e = a["e"]
    data = services.data_from(e)
    data.trade_name = "Ánh Dương 2"
    data.security_person_name = "Lương Thị An Ninh Mới"
    data.security_person_phone = "0912777333"
    services.establishment_update(officer=w.processor_a, establishment=e, data=data)
    cert_svc.certificate_suspend(
        officer=w.head_a,
        certificate=Certificate.objects.get(pk=a["cert"].pk),
        ground_code="18.2.d",
        until=timezone.localdate() + timedelta(days=100),
        reason="Hai lần bị phạt",
        decision_number="5/QĐ-TH",
    )
    new_people = ("Lương Thị An Ninh Mới", "0912777333")
    agency = {"HTTP_AUTHORIZATION": "Bearer tok-thue"}
    outputs = {}
    for path in (
        "/api/v1/establishments/",
        "/api/v1/establishments/certificates",
        "/api/v1/establishments/changes",
        f"/api/v1/establishments/{e.tax_code}",
    ):
        outputs[path] = client.get(path, **agency).content.decode()
    for dataset in ("co-so", "giay-chung-nhan"):
        for fmt in ("csv", "json"):
            response = client.get(f"/chia-se/{dataset}.{fmt}", **agency)
            outputs[f"{dataset}.{fmt}"] = b"".join(response.streaming_content).decode()
    verify = reverse("establishments:certificate-verify", args=[a["cert"].verify_token])
    outputs["verify"] = client.get(verify).content.decode()
    outputs["feed rows"] = str(list(ChangeEntry.objects.values_list("data", flat=True)))
    outputs["audit diffs"] = str(
        list(AuditEvent.objects.filter(object_type__startswith="establishments.").values_list("changes", flat=True))
    )
    # then none holds a name, ID number or phone of the people
    leaks = {name: _leaks(text, new_people) for name, text in outputs.items()}
    assert {name: found for name, found in leaks.items() if found} == {}
    assert all(len(text) > 20 for text in outputs.values())  # each output was really read


def test_a_full_read_of_personal_data_is_logged(client, w, a):
    login_verified(client, w.head_a)
    e = a["e"]
    reads = AuditEvent.objects.filter(action=AuditEvent.Action.READ_PERSONAL)
    n = reads.count()
    # the masked page logs nothing and shows no full value
    page = client.get(reverse("establishments:detail", args=[e.pk])).content.decode()
    assert _leaks(page) == [] and reads.count() == n
    # the full read shows them and is logged
    page = client.post(reverse("establishments:personal", args=[e.pk]), {"reason": "Kiểm tra"}).content.decode()
    assert PERSONAL["security_person_id_number"] in page and reads.count() == n + 1
    # the certificate's holder in full and the PDF are logged too
    client.get(reverse("establishments:certificate-detail", args=[a["cert"].pk]) + "?day-du=1")
    client.get(reverse("establishments:certificate-pdf", args=[a["cert"].pk]))
    assert reads.count() == n + 3


# --- query budgets of the list pages (no N+1) -------------------------------------------------


_crowd_seq = itertools.count()


def _crowd(w, n: int) -> None:
    """`n` more establishments of commune A, each with a certificate, a fire profile and record,
    an inspection with an overdue finding, and a business account."""
    today = timezone.localdate()
    for _ in range(n):
        i = next(_crowd_seq)
        e = make_establishment(w, name=f"Cơ sở đông {i}", lines=["t-karaoke", "t-luu-tru"])
        Establishment.objects.filter(pk=e.pk).update(next_security_due=today - timedelta(days=40 + i))
        cert = cert_svc.certificate_issue(officer=w.head_a, establishment=e, line_codes=["t-karaoke", "t-luu-tru"])
        cert_svc.certificate_change(officer=w.head_a, certificate=cert, line_codes=["t-karaoke"])
        FireProfile.objects.create(establishment=e, category_id=a_category(), floors=2)
        FireRecord.objects.create(establishment=e, kind="training", issued_on=today)
        i1 = Inspection.objects.create(
            establishment=e, unit=w.commune_a, domain="security", kind="periodic", planned_on=today
        )
        Finding.objects.create(
            inspection=i1,
            establishment=e,
            unit=w.commune_a,
            description="Thiếu",
            requirement="Bổ sung",
            due_on=today - timedelta(days=3),
        )
        user = User.objects.create_user(username=f"dn-dong-{i}", password="x", full_name=f"Chủ {i}", role="")
        EstablishmentAccount.objects.create(user=user, establishment=e, is_manager=True)


def a_category() -> int:
    from antt.establishments.models import FireCategory

    return FireCategory.objects.get(code="t-shop").pk


LIST_PAGES = (
    "establishments:list",
    "establishments:certificate-list",
    "establishments:fire-list",
    "establishments:inspection-list",
    "establishments:plan",
    "establishments:account-list",
)


def _count(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(ctx)


def test_list_pages_do_not_grow_with_their_rows(client, w, a, settings):
    # given the pages measured with one row, then with many more
    import hashlib

    settings.ANTT_SHARING_TOKENS = f"thue={hashlib.sha256(b'tok-thue').hexdigest()}"
    login_verified(client, w.head_a)
    agency = {"HTTP_AUTHORIZATION": "Bearer tok-thue"}
    urls = [reverse(name) for name in LIST_PAGES] + [reverse("establishments:account-list") + "?status="]
    shared = [
        "/api/v1/establishments/",
        "/api/v1/establishments/certificates",
        "/chia-se/co-so.csv",
        "/chia-se/giay-chung-nhan.csv",
        "/chia-se/giay-chung-nhan.json",
    ]
    _crowd(w, 2)
    few = {url: _count(client, url) for url in urls} | {url: _count(client, url, **agency) for url in shared}
    _crowd(w, 10)
    many = {url: _count(client, url) for url in urls} | {url: _count(client, url, **agency) for url in shared}
    # then no page runs more queries with 13 rows than with 3
    grown = {url: (few[url], many[url]) for url in few if many[url] > few[url]}
    assert grown == {}


def test_opening_the_edit_form_is_a_logged_full_read(client, w, a):
    # given the edit form, which shows the people in full
    login_verified(client, w.head_a)
    reads = AuditEvent.objects.filter(action=AuditEvent.Action.READ_PERSONAL, object_id=str(a["e"].pk))
    n = reads.count()
    # when it is opened
    page = client.get(reverse("establishments:edit", args=[a["e"].pk])).content.decode()
    # then the values are there and the read is in the audit trail
    assert PERSONAL["representative_id_number"] in page
    assert reads.count() == n + 1


def test_a_role_without_the_capability_gets_403_and_changes_nothing(client, w, a):
    # given the province supervisor: sees every commune (establishment.view) but changes nothing
    login_verified(client, w.supervisor)
    before = snapshot()
    writes = [(m, url, data) for m, url, data in staff_urls(a) if m == "post"]
    writes += [
        ("get", reverse("establishments:edit", args=[a["e"].pk]), {}),
        ("get", reverse("establishments:certificate-issue", args=[a["e"].pk]), {}),
        ("get", reverse("establishments:fire-record-new", args=[a["e"].pk]), {}),
        ("get", reverse("establishments:inspection-new", args=[a["e"].pk]), {}),
        ("get", reverse("establishments:account-detail", args=[a["account"].pk]), {}),
        ("get", reverse("establishments:certificate-pdf", args=[a["cert"].pk]), {}),
        ("get", reverse("establishments:certificate-detail", args=[a["cert"].pk]) + "?day-du=1", {}),
        ("post", reverse("establishments:new"), {"name": "X"}),
    ]
    # when it opens every page that writes or shows people in full
    answers = {f"{m} {url}": getattr(client, m)(url, data).status_code for m, url, data in writes}
    # then each is refused with 403 (it may see the objects, so not a 404), nothing written
    assert {k: v for k, v in answers.items() if v != 403} == {}
    assert snapshot() == before
    # and the pages it may read open
    for name, args in (("detail", [a["e"].pk]), ("certificate-detail", [a["cert"].pk]), ("plan", [])):
        assert client.get(reverse(f"establishments:{name}", args=args)).status_code == 200


def test_junk_in_the_shared_files_and_the_sign_up_is_a_4xx(quiet, w, a, settings):
    settings.ANTT_BUSINESS_SIGNUP_RATE = "1000/h"  # every junk sign-up reaches the form
    client = quiet
    login_verified(client, w.head_a)
    failures = []
    for dataset in ("co-so", "giay-chung-nhan"):
        for param in ("tax_code", "area_code", "line", "status", "updated_since"):
            for value in JUNK_VALUES:
                response = client.get(f"/chia-se/{dataset}.csv", {param: value})
                if response.status_code not in (200, 400):
                    failures.append((dataset, param, value, response.status_code))
    client.logout()
    before = snapshot()
    for field in ("tax_code", "full_name", "phone", "email", "username", "password1", "consent"):
        for value in JUNK_VALUES:
            response = client.post(reverse("establishments:business-signup"), {field: value})
            if response.status_code not in (400, 404, 409):
                failures.append(("signup", field, value, response.status_code))
    assert failures == []
    assert snapshot() == before


def test_a_tax_code_search_reads_the_unique_index_only_and_counts_nothing(client, w, a):
    # given the registry searched by a tax code (typed with spaces)
    login_verified(client, w.head_a)
    code = a["e"].tax_code
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("establishments:list"), {"q": f"{code[:4]} {code[4:]}"})
    sql = " ".join(q["sql"] for q in ctx.captured_queries if "establishments_establishment" in q["sql"])
    # then the one establishment is listed, found by its tax code alone, without a COUNT(*)
    assert response.status_code == 200 and "Karaoke Ánh Dương" in response.content.decode()
    assert "name_folded" not in sql.split("ORDER BY")[0].split("WHERE", 1)[-1]
    assert "COUNT(" not in sql.upper()


def test_workbooks_hold_typed_text_as_text_never_a_formula(client, w, a):
    # given names a spreadsheet would read as formulas, and a control character (only possible
    # in rows written around the services: the services drop them)
    import io

    from openpyxl import load_workbook

    e = a["e"]
    Establishment.objects.filter(pk=e.pk).update(name="=1+2", trade_name="Ánh\x01Dương")
    Finding.objects.filter(pk=a["finding"].pk).update(
        description='=HYPERLINK("http://x")\x02', due_on=timezone.localdate() - timedelta(days=1)
    )
    login_verified(client, w.head_a)
    # when the registry and the plan are exported
    for url in (reverse("establishments:export"), reverse("establishments:plan-export")):
        response = client.get(url)
        assert response.status_code == 200, url
        wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        values = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        # then every typed text is a text cell, without the control character
        assert values and all(c.data_type == "s" for c in values), url
        assert not any("\x01" in c.value or "\x02" in c.value for c in values), url
        assert any(c.value in ("=1+2", '=HYPERLINK("http://x")') for c in values), url


def test_the_services_drop_control_characters(w):
    data = services.EstablishmentData(
        name="Karaoke\x01Ánh\x0bDương",
        tax_code=valid_tax_code(),
        area_id=w.area_a.pk,
        unit_id=w.commune_a.pk,
        address="12\x1f Lê Lợi",
    )
    e = services.establishment_create(officer=w.processor_a, data=data)
    assert (e.name, e.address) == ("Karaoke Ánh Dương", "12 Lê Lợi")


# --- the issue's four faults, through the pages --------------------------------------------------


def test_the_issues_four_faults_are_vietnamese_4xx_pages_that_change_nothing(client, w, a):
    login_verified(client, w.head_a)
    e, cert, planned = a["e"], a["cert"], a["planned"]
    tomorrow = f"{timezone.localdate() + timedelta(days=1):%d/%m/%Y}"
    form = {
        "name": "Cầm đồ Mới",
        "kind": "enterprise",
        "tax_code": "2800000019",  # a wrong check digit
        "unit": w.commune_a.pk,
        "area": w.area_a.pk,
        "address": "1 Trần Phú",
    }
    Certificate.objects.filter(pk=cert.pk).update(status=Certificate.Status.REVOKED)
    cases = [
        (reverse("establishments:new"), form, 400, "Mã số thuế không hợp lệ"),
        (
            reverse("establishments:inspection-record", args=[planned.pk]),
            {"inspected_on": tomorrow, "outcome": "passed", "tt-TOTAL_FORMS": "0", "tt-INITIAL_FORMS": "0"},
            422,
            "Ngày kiểm tra không được sau ngày hiện tại",
        ),
        (
            reverse("establishments:certificate-issue", args=[e.pk]),
            {
                "kind": "new",
                "unit": w.commune_a.pk,
                "issued_on": f"{timezone.localdate():%d/%m/%Y}",
                "lines": "t-cam-do",
            },
            400,  # the form offers only the registered lines (the service's 422 is tested below)
            "không có trong các ngành, nghề cơ sở đã đăng ký",
        ),
        (
            reverse("establishments:certificate-revoke", args=[cert.pk]),
            {"row_version": cert.row_version, "ground": "18.1.a", "decision_number": "9/QĐ", "reason": "Lần hai"},
            409,
            "Giấy chứng nhận đã bị thu hồi",
        ),
    ]
    before = snapshot()
    for url, data, status, message in cases:
        response = client.post(url, data)
        assert (response.status_code, message in response.content.decode()) == (status, True), url
    assert snapshot() == before


def test_a_certificate_for_an_unregistered_line_is_422_from_the_service(w, a):
    from antt.establishments.errors import EstablishmentError

    other = make_establishment(w, name="Nhà nghỉ Chưa Cấp", lines=["t-luu-tru"])
    with pytest.raises(EstablishmentError) as exc:
        cert_svc.certificate_issue(officer=w.head_a, establishment=other, line_codes=["t-cam-do"])
    assert exc.value.status == 422 and "chưa đăng ký ngành, nghề" in exc.value.message
    assert not Certificate.objects.filter(establishment=other).exists()
