"""forms.yaml → FormTemplate: idempotent, updates in place, audited; its field slugs are the catalogue's;
and the admin for the templates (audited) and for dossiers (read-only, reads logged)."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.urls import reverse

from antt.catalog.loaders import DATA_DIR as CATALOG_DATA
from antt.core.models import AuditEvent
from antt.dossiers.loaders import FORMS_FILE, FormDataError, load_forms, read_entries
from antt.dossiers.models import FormTemplate
from antt.dossiers.services import dossier_receive
from antt.dossiers.tests.factories import applicant, one_stop_world
from antt.org.models import Role, Unit
from antt.org.tests.factories import make_officer, make_unit

pytestmark = pytest.mark.django_db


def _audits(action: str) -> int:
    return AuditEvent.objects.filter(object_type="dossiers.formtemplate", action=action).count()


def test_loading_creates_every_form_once_and_a_second_load_changes_nothing():
    # given an empty table; when loaded
    first = load_forms()
    # then one row per YAML entry, each with a create audit entry
    entries = read_entries()
    assert FormTemplate.objects.count() == len(entries) == 18
    assert _audits("create") == len(entries)
    assert "thêm mới 18" in first
    # when loaded again: nothing new, nothing updated, nothing audited
    second = load_forms()
    assert FormTemplate.objects.count() == len(entries)
    assert _audits("create") == len(entries) and _audits("update") == 0
    assert "thêm mới 0, cập nhật 0" in second


def test_yaml_keys_map_to_the_model_fields():
    load_forms()
    ct04 = FormTemplate.objects.get(code="CT04")
    assert ct04.key == "receipt"
    assert ct04.form_set.startswith("TT 56/2021/TT-BCA")
    assert ct04.field_slugs == ["cu-tru"]
    assert ct04.valid_from == date(2021, 7, 1) and ct04.valid_to is None
    old = FormTemplate.objects.get(key="apology", form_set="TT 01/2018/TT-VPCP")
    assert old.valid_to == date(2025, 9, 14)
    assert old.texts["title"] == "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
    assert FormTemplate.objects.get(key="apology", form_set="TT 03/2025/TT-VPCP").field_slugs == []


def test_a_corrected_entry_updates_its_row_in_place_and_is_audited(tmp_path):
    # given the loaded forms, then a corrected copy of the file
    load_forms()
    entries = read_entries()
    entries[0]["texts"]["title"] = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ (SỬA)"
    entries[0]["confidence"] = "confirmed"
    corrected = tmp_path / "forms.yaml"
    corrected.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    row = FormTemplate.objects.get(key="receipt", form_set=entries[0]["set"], code=entries[0]["code"])
    # when
    message = load_forms(corrected)
    # then the same row changed, and the change is in the trail
    row.refresh_from_db()
    assert row.texts["title"].endswith("(SỬA)") and row.confidence == "confirmed"
    assert FormTemplate.objects.count() == len(entries)
    assert "cập nhật 1" in message
    update = AuditEvent.objects.get(object_type="dossiers.formtemplate", action="update")
    assert update.object_id == str(row.pk)
    assert set(update.changes) == {"texts", "confidence"}


def test_a_bad_entry_is_refused_with_a_message_and_nothing_is_loaded(tmp_path):
    entries = read_entries()
    entries[3]["key"] = "receipt_typo"
    bad = tmp_path / "forms.yaml"
    bad.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FormDataError) as err:
        load_forms(bad)
    assert "mục 4" in str(err.value) and "receipt_typo" in str(err.value)
    assert FormTemplate.objects.count() == 0


def test_a_sentence_with_broken_template_syntax_is_refused(tmp_path):
    entries = read_entries()
    entries[1]["texts"]["reason"] = "Lý do: {% if %}{{ reason }}"
    bad = tmp_path / "forms.yaml"
    bad.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FormDataError) as err:
        load_forms(bad)
    assert "mục 2" in str(err.value) and "cú pháp" in str(err.value)
    assert FormTemplate.objects.count() == 0


def test_sector_forms_name_real_catalogue_fields():
    # the field slugs of procedures.csv are the ones dossiers carry
    with (CATALOG_DATA / "procedures.csv").open(encoding="utf-8", newline="") as fh:
        catalogue = {row["field_slug"] for row in csv.DictReader(fh)}
    named = {slug for e in read_entries() for slug in e.get("procedure_fields") or []}
    assert named == {"cu-tru", "can-cuoc"}
    assert named <= catalogue


def test_every_set_has_at_most_one_general_form_per_key_on_any_day():
    # overlapping general forms would make the printed set depend on row order
    entries = read_entries(FORMS_FILE)
    general = [e for e in entries if not e.get("procedure_fields")]
    for a in general:
        for b in general:
            if a is b or a["key"] != b["key"]:
                continue
            a_end, b_end = a["valid_to"] or date.max, b["valid_to"] or date.max
            assert a_end < b["valid_from"] or b_end < a["valid_from"], (a["set"], b["set"], a["key"])


# --- admin --------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, settings):
    settings.ANTT_REQUIRE_2FA = False
    province = make_unit("Công an tỉnh Thử", level=Unit.Level.PROVINCE)
    root = make_officer(province, role=Role.SYSTEM_ADMIN, full_name="Vũ Quốc Khánh")
    root.is_staff = root.is_superuser = True
    root.save()
    client.force_login(root)
    client.root = root
    return client


def test_the_admin_edits_a_form_template_with_an_audit_entry(admin_client):
    # given
    load_forms()
    template = FormTemplate.objects.get(key="stop_notice")
    url = reverse("admin:dossiers_formtemplate_change", args=[template.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    # when the administrator corrects the name
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data.update(
        {
            "name": "Thông báo về việc dừng giải quyết hồ sơ",
            "valid_to": "",
            "texts": json.dumps(template.texts, ensure_ascii=False),
            "field_slugs": "[]",
        }
    )
    response = admin_client.post(url, data)
    # then
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.name == "Thông báo về việc dừng giải quyết hồ sơ"
    entry = AuditEvent.objects.filter(object_type="dossiers.formtemplate", action="update").get()
    assert entry.actor_id == admin_client.root.pk and "name" in entry.changes


def test_the_dossier_admin_is_read_only_and_logs_opening_a_dossier(admin_client):
    w = one_stop_world()
    d = dossier_receive(
        officer=w.receptionist,
        procedure=w.procedure,
        level="commune",
        applicant=applicant(),
        at=datetime(2026, 4, 23, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
    ).dossier
    listing = admin_client.get(reverse("admin:dossiers_dossier_changelist"))
    assert listing.status_code == 200 and d.code in listing.text
    assert "Đặng Thị Ngọc Hường" not in listing.text
    assert admin_client.get(reverse("admin:dossiers_dossier_add")).status_code == 403
    detail = admin_client.get(reverse("admin:dossiers_dossier_change", args=[d.pk]))
    assert detail.status_code == 200 and "Đặng Thị Ngọc Hường" in detail.text
    read = AuditEvent.objects.get(action="read_personal", object_id=str(d.pk))
    assert read.reason == "Quản trị: xem hồ sơ" and read.actor_id == admin_client.root.pk
    # a POST cannot change it
    admin_client.post(reverse("admin:dossiers_dossier_change", args=[d.pk]), {"status": "returned"})
    d.refresh_from_db()
    assert d.status == "received"
