"""The rules loader: the real data files load, twice without change, bad rows stop the load in
Vietnamese with nothing written, and rows the files no longer name are kept."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from django.core.management import call_command

from antt.core.models import AuditEvent
from antt.establishments.loaders import DATA_DIR, RuleDataError, load_establishment_rules, read_rules
from antt.establishments.models import (
    BusinessLine,
    InspectionRule,
    LineAuthority,
    ProcedureAction,
    RevocationGround,
)
from antt.establishments.selectors import lines_in_force

pytestmark = pytest.mark.django_db


def test_the_real_files_load_the_22_lines_in_force_and_the_rules():
    # when
    message = load_establishment_rules()
    # then the 23 clauses of ND 96 Art. 3 are there, 22 in force today (debt collection repealed)
    assert BusinessLine.objects.filter(code__in=["luu-tru", "karaoke-vu-truong", "cam-do", "doi-no"]).count() == 4
    assert lines_in_force(date(2026, 11, 28)).count() == 22
    assert not lines_in_force(date(2026, 11, 28)).filter(code="doi-no").exists()
    assert lines_in_force(date(2020, 6, 1)).filter(code="doi-no").exists()
    lodging = BusinessLine.objects.get(code="luu-tru")
    assert lodging.is_lodging and lodging.register_form == "ĐK26" and lodging.source.startswith("[confirmed]")
    assert BusinessLine.objects.get(code="cong-cu-ho-tro").needs_security_plan
    # the 2016 district-police lines move to the commune police from 01/03/2025 (marked as assumed)
    karaoke_now = LineAuthority.objects.filter(LineAuthority.valid_on(date(2026, 1, 1)), line_code="karaoke-vu-truong")
    assert {(a.unit_level, a.condition) for a in karaoke_now} == {("department", "Vũ trường"), ("commune", "Karaoke")}
    commune = karaoke_now.get(unit_level="commune")
    assert "giả định sau 01/03/2025" in commune.source and commune.source.startswith("[from memory]")
    assert not LineAuthority.objects.filter(LineAuthority.valid_on(date(2026, 1, 1)), unit_level="district").exists()
    # revocation grounds with the Art. 22 waits
    assert RevocationGround.objects.filter(temporary=False).count() == 8
    assert RevocationGround.objects.filter(temporary=True, min_months=3, max_months=6).count() == 5
    assert RevocationGround.objects.get(code="18.1.g").reissue_wait_months == 24
    assert set(ProcedureAction.objects.filter(seed_ref__startswith="3.").values_list("seed_ref", "action")) >= {
        ("3.01", "cert_new"),
        ("3.02", "cert_change"),
        ("3.03", "cert_reissue"),
    }
    rule = InspectionRule.objects.filter(InspectionRule.valid_on(date(2026, 1, 1)), domain="security").get()
    assert (rule.interval_months, rule.min_interval_months, rule.risk_interval_months) == (24, 12, 12)
    assert rule.notice_working_days == 5 and rule.risk_threshold == 50
    assert "thêm mới" in message


def test_loading_twice_changes_nothing_and_audits_nothing_more():
    load_establishment_rules()
    counts = (BusinessLine.objects.count(), LineAuthority.objects.count(), AuditEvent.objects.count())
    # when
    message = load_establishment_rules()
    # then
    assert (BusinessLine.objects.count(), LineAuthority.objects.count(), AuditEvent.objects.count()) == counts
    assert "thêm mới 0, cập nhật 0" in message


def test_a_changed_row_is_updated_in_place_with_an_audit_entry(tmp_path):
    load_establishment_rules()
    line = BusinessLine.objects.get(code="cam-do")
    line.name = "Tên đã bị sửa tay"
    line.save()
    before = AuditEvent.objects.filter(object_type="establishments.businessline", object_id=str(line.pk)).count()
    # when
    load_establishment_rules()
    # then
    line.refresh_from_db()
    assert line.name == "Kinh doanh dịch vụ cầm đồ"
    entries = AuditEvent.objects.filter(object_type="establishments.businessline", object_id=str(line.pk))
    assert entries.count() == before + 1
    assert entries.order_by("-seq").first().changes["name"] == ["Tên đã bị sửa tay", "Kinh doanh dịch vụ cầm đồ"]


def test_rows_the_files_no_longer_name_are_kept_and_reported():
    load_establishment_rules()
    BusinessLine.objects.create(code="them-tay", name="Thêm trong trang quản trị", valid_from=date(2026, 1, 1))
    message = load_establishment_rules()
    assert BusinessLine.objects.filter(code="them-tay").exists()
    assert "Giữ nguyên 1 ngành, nghề" in message


def _folder_with(tmp_path, text: str):
    shutil.copy(DATA_DIR / "lines.yaml", tmp_path / "lines.yaml")
    (tmp_path / "zz.yaml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lines:\n  - {code: x, name: X, valid_from: 2020-01-01, legal_basis: L, colour: red}\n", "khóa không hiểu"),
        ("lines:\n  - {code: x, name: X, valid_from: 2020-01-01}\n", "thiếu legal_basis"),
        ("lines:\n  - {code: x, name: X, valid_from: 1/1/2020, legal_basis: L}\n", "YYYY-MM-DD"),
        (
            "lines:\n  - {code: x, name: X, valid_from: 2020-01-01, valid_to: 2019-01-01, legal_basis: L}\n",
            "sau valid_from",
        ),
        (
            "lines:\n  - {code: x, name: X, valid_from: 2020-01-01, legal_basis: L, is_lodging: 'yes'}\n",
            "true hoặc false",
        ),
        ("lines:\n  - {code: x, name: X, valid_from: 2020-01-01, legal_basis: L, confidence: sure}\n", "confidence"),
        ("lines:\n  - {code: luu-tru, name: X, valid_from: 2016-07-01, legal_basis: L}\n", "trùng khóa"),
        (
            "authorities:\n  - {line_code: khong-co, unit_level: commune, valid_from: 2020-01-01, legal_basis: L}\n",
            "không có",
        ),
        (
            "authorities:\n  - {line_code: cam-do, unit_level: village, valid_from: 2020-01-01, legal_basis: L}\n",
            "không hợp lệ",
        ),
        (
            "procedure_actions:\n  - {seed_ref: 3.01, action: cert_new, valid_from: 2020-01-01, legal_basis: L}\n",
            "chuỗi",
        ),
        (
            "procedure_actions:\n  - {seed_ref: '7.99', action: fire_record, valid_from: 2020-01-01, legal_basis: L}\n",
            "fire_record_kind",
        ),
        (
            "inspection_rules:\n  - {domain: security, interval_months: 6, risk_interval_months: 6,"
            " valid_from: 2030-01-01, legal_basis: L}\n",
            "tối thiểu",
        ),
        (
            "inspection_rules:\n  - {domain: fire, fire_category_code: khong-co, interval_months: 24,"
            " risk_interval_months: 12, valid_from: 2030-01-01, legal_basis: L}\n",
            "nhóm PCCC",
        ),
        (
            "revocation_grounds:\n  - {code: x, temporary: true, text: T, valid_from: 2020-01-01, legal_basis: L}\n",
            "min_months",
        ),
    ],
)
def test_a_bad_row_stops_the_load_in_vietnamese_and_writes_nothing(tmp_path, text, message):
    folder = _folder_with(tmp_path, text)
    with pytest.raises(RuleDataError, match=message) as exc:
        load_establishment_rules(folder)
    assert "zz.yaml" in str(exc.value) or "trùng" in str(exc.value)
    assert BusinessLine.objects.count() == 0


def test_other_top_level_keys_of_other_modules_are_left_alone(tmp_path):
    folder = _folder_with(tmp_path, "weights:\n  open_finding: 10\ncategory_thresholds:\n  x: {min_floors: 7}\n")
    tallies = read_rules(folder)
    assert len(tallies["lines"].rows) == 23


def test_the_command_loads_and_reports(capsys):
    call_command("load_establishment_rules")
    assert "Đã nạp quy định về cơ sở" in capsys.readouterr().out
    assert BusinessLine.objects.filter(code="luu-tru").exists()


# --- the admin: rules editable and audited, the registry read-only ----------------------------


@pytest.fixture
def admin_client(client, settings):
    from antt.org.models import Role, Unit
    from antt.org.tests.factories import make_officer, make_unit

    settings.ANTT_REQUIRE_2FA = False
    province = make_unit("Công an tỉnh Thử", level=Unit.Level.PROVINCE)
    root = make_officer(province, role=Role.SYSTEM_ADMIN, full_name="Vũ Quốc Khánh")
    root.is_staff = root.is_superuser = True
    root.save()
    client.force_login(root)
    client.root = root
    return client


def test_editing_a_line_in_the_admin_leaves_an_audit_entry_and_its_code_is_fixed(admin_client):
    from django.urls import reverse

    load_establishment_rules()
    line = BusinessLine.objects.get(code="cam-do")
    url = reverse("admin:establishments_businessline_change", args=[line.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="code"' not in page  # read-only once saved
    data = {
        "order": 4,
        "name": "Kinh doanh dịch vụ cầm đồ (sửa)",
        "scope_note": line.scope_note,
        "register_form": line.register_form,
        "valid_from": line.valid_from.isoformat(),
        "valid_to": "",
        "legal_basis": line.legal_basis,
        "source": line.source,
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEvent.objects.filter(object_type="establishments.businessline", action="update").latest("id")
    assert entry.actor_id == admin_client.root.pk
    assert entry.changes["name"] == ["Kinh doanh dịch vụ cầm đồ", "Kinh doanh dịch vụ cầm đồ (sửa)"]


def test_the_registry_is_read_only_in_the_admin_and_opening_one_is_logged(admin_client):
    from django.urls import reverse

    from antt.establishments.tests.factories import establishments_world, make_establishment

    w = establishments_world()
    e = make_establishment(w)
    listing = admin_client.get(reverse("admin:establishments_establishment_changelist")).content.decode()
    assert e.name in listing and "Lê Thị An Ninh" not in listing
    assert admin_client.get(reverse("admin:establishments_establishment_add")).status_code == 403
    assert admin_client.get(reverse("admin:establishments_establishment_change", args=[e.pk])).status_code == 200
    entry = AuditEvent.objects.get(action="read_personal", object_id=str(e.pk))
    assert entry.actor_id == admin_client.root.pk
    for name in ("lineauthority", "firecategory", "inspectionrule", "revocationground", "procedureaction"):
        assert admin_client.get(reverse(f"admin:establishments_{name}_changelist")).status_code == 200
    for name in ("certificate", "inspection", "fireprofile", "establishmentaccount", "changeentry"):
        assert admin_client.get(reverse(f"admin:establishments_{name}_changelist")).status_code == 200


def test_a_line_used_by_an_establishment_cannot_be_deleted_in_the_admin(admin_client):
    from django.urls import reverse

    from antt.establishments.tests.factories import establishments_world, make_establishment

    w = establishments_world()
    e = make_establishment(w)
    line = e.lines.get()
    assert admin_client.get(reverse("admin:establishments_businessline_delete", args=[line.pk])).status_code == 403
    unused = BusinessLine.objects.get(code="t-bao-ve")
    assert admin_client.get(reverse("admin:establishments_businessline_delete", args=[unused.pk])).status_code == 200


def test_the_three_certificate_procedures_are_offered_fully_online():
    # docs/legal/establishments.md §4: "toàn trình" (secondary), so a business can submit them online
    from antt.catalog.loaders import load_catalog
    from antt.catalog.models import Procedure

    load_catalog()
    for seed_ref in ("3.01", "3.02", "3.03"):
        procedure = Procedure.objects.get(seed_ref=seed_ref)
        version = procedure.versions.order_by("-valid_from").first()
        assert version.online_level == "full", seed_ref
        assert "docs/legal/establishments.md §4" in version.sources
