"""violations/data → rule rows: complete, idempotent, audited, versioned by date; and the admin."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from antt.core.models import AuditEvent
from antt.org.models import Role, Unit
from antt.org.tests.factories import make_officer, make_unit
from antt.violations import loaders
from antt.violations.loaders import RuleDataError, assign_demo_fining_titles, load_violation_rules
from antt.violations.models import (
    Behaviour,
    Circumstance,
    Decree,
    FineField,
    FiningTitle,
    LegalParameter,
    OfficerFiningTitle,
    StatGroup,
)
from antt.violations.rules import PARAMETERS

pytestmark = pytest.mark.django_db

SEED_CSV = Path(__file__).resolve().parents[1] / "data" / "seed-violations-2019.csv"  # copy of the seed's table
RULE_MODELS = [StatGroup, FineField, Decree, Behaviour, FiningTitle, Circumstance, LegalParameter]


def _counts() -> dict:
    return {model.__name__: model.objects.count() for model in RULE_MODELS}


def test_loading_twice_creates_everything_once_and_the_second_run_changes_nothing():
    # given an empty database; when loaded
    first = load_violation_rules()
    counts = _counts()
    audits = AuditEvent.objects.count()
    # then every table has rows and the summary says what was created
    assert all(counts.values()), counts
    assert "thêm mới 0" not in first
    # when loaded again
    second = load_violation_rules()
    # then nothing is created, updated or audited
    assert _counts() == counts
    assert AuditEvent.objects.count() == audits
    assert "thêm mới 0, cập nhật 0" in second


def test_a_changed_entry_updates_its_row_in_place_with_an_audit_entry(monkeypatch):
    # given loaded rules
    load_violation_rules()
    behaviour = Behaviour.objects.get(code="168/2024:7.2.h")
    original = loaders.behaviour_entries

    def corrected(*args):
        rows = original(*args)
        for row in rows:
            if row["code"] == "168/2024:7.2.h":
                row["short_name"] = "Mô tô: không đội mũ bảo hiểm (sửa)"
        return rows

    monkeypatch.setattr(loaders, "behaviour_entries", corrected)
    # when the data changed and is loaded again
    message = load_violation_rules()
    # then the same row is updated, its folded text follows, and the change is audited
    behaviour.refresh_from_db()
    assert behaviour.short_name.endswith("(sửa)")
    assert "sua" in behaviour.description_folded
    assert "cập nhật 1" in message
    assert AuditEvent.objects.filter(object_type="violations.behaviour", action="update").count() == 1


def test_rows_missing_from_the_files_are_kept_not_deleted():
    # given loaded rules and a row an administrator added
    load_violation_rules()
    decree = Decree.objects.get(code="168/2024/NĐ-CP")
    Behaviour.objects.create(
        decree=decree,
        code="168/2024:99.1.a",
        article=99,
        clause=1,
        point="a",
        description="Hành vi do quản trị thêm",
        short_name="Thêm tay",
        fine_field_code="road",
        stat_group=StatGroup.objects.get(code="4"),
        fine_min=1,
        fine_max=2,
        valid_from=date(2025, 1, 1),
        legal_basis="x",
    )
    # when loaded again
    message = load_violation_rules()
    # then it is still there and the summary says one row was kept
    assert Behaviour.objects.filter(code="168/2024:99.1.a").exists()
    assert "Giữ nguyên 1 dòng" in message


def test_stat_groups_are_exactly_the_rows_of_the_seed_csv_in_order():
    # given the seed's 2019 table; when loaded
    load_violation_rules()
    with SEED_CSV.open(encoding="utf-8", newline="") as fh:
        seed = [(int(r["group_no"]), r["group"], r["behaviour_group"]) for r in csv.DictReader(fh)]
    # then one StatGroup per CSV row, same field, same behaviour group, same order
    rows = [(g.field_no, g.field_name, g.name) for g in StatGroup.objects.order_by("order")]
    assert rows == seed
    codes = list(StatGroup.objects.order_by("order").values_list("code", flat=True))
    assert codes[:9] == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "2.1", "2.2", "2.3"]
    assert codes[9:] == [str(n) for n in range(3, 11)]


@pytest.mark.parametrize(
    ("day", "expected_code", "absent_code"),
    [
        (date(2019, 6, 15), "46/2016:6.2.i", "168/2024:7.2.h"),
        (date(2021, 3, 1), "100/2019:6.2.i", "46/2016:6.2.i"),
        (date(2025, 3, 1), "168/2024:7.2.h", "100/2019:6.2.i"),
    ],
)
def test_the_helmet_rule_of_each_day_is_the_decree_in_force_that_day(day, expected_code, absent_code):
    # given loaded rules; when asking for the behaviours valid on a day
    load_violation_rules()
    codes = set(Behaviour.objects.filter(Behaviour.valid_on(day)).values_list("code", flat=True))
    # then that day's decree answers, and the other one does not
    assert expected_code in codes
    assert absent_code not in codes


def test_security_rules_switch_from_144_to_282_on_15_december_2025():
    load_violation_rules()
    before = set(Behaviour.objects.filter(Behaviour.valid_on(date(2025, 12, 14))).values_list("code", flat=True))
    after = set(Behaviour.objects.filter(Behaviour.valid_on(date(2025, 12, 15))).values_list("code", flat=True))
    assert "144/2021:9.1.a" in before and "282/2025:10.1.a" not in before
    assert "282/2025:10.1.a" in after and "144/2021:9.1.a" not in after


def test_2019_records_find_a_behaviour_for_the_seed_groups_of_security_social_evils_fire_and_roads():
    # given the seed's 2019 data: its rows 1.x, 2.x, 3 and 4 must be reachable from behaviours of 2019
    load_violation_rules()
    groups = set(
        Behaviour.objects.filter(Behaviour.valid_on(date(2019, 6, 15))).values_list("stat_group__code", flat=True)
    )
    assert {"1.1", "1.2", "1.3", "1.5", "1.6", "2.1", "2.2", "2.3", "3", "4"} <= groups


def test_every_behaviour_has_a_source_a_confidence_a_stat_group_and_sane_ranges():
    load_violation_rules()
    fields = set(FineField.objects.values_list("code", flat=True))
    for b in Behaviour.objects.select_related("stat_group", "decree"):
        assert b.source.strip(), b.code
        assert b.confidence in {"confirmed", "secondary", "from memory"}, b.code
        assert b.stat_group_id, b.code
        assert b.fine_field_code in fields, b.code
        assert b.fine_min <= b.fine_max, b.code
        if b.organisation_fine_min is not None:
            assert b.organisation_fine_min <= b.organisation_fine_max, b.code
        if b.suspension_min_months is not None:
            assert 1 <= b.suspension_min_months <= b.suspension_max_months <= 24, b.code
        # a behaviour is valid only while its decree is
        assert b.valid_from >= b.decree.valid_from, b.code
        if b.decree.valid_to:
            assert b.valid_to is not None and b.valid_to <= b.decree.valid_to, b.code


# Keys a later law introduced: rules.py falls back to the general rule before that day.
INTRODUCED = {"decision_days_transferred": date(2022, 1, 1)}  # Luật 67/2020/QH14, Art. 66(1)


def test_every_parameter_the_code_reads_has_a_value_in_force_in_2019_and_today():
    load_violation_rules()
    for key in PARAMETERS:
        for day in (date(2019, 6, 15), date(2026, 1, 15)):
            expected = 0 if day < INTRODUCED.get(key, date.min) else 1
            assert LegalParameter.objects.filter(LegalParameter.valid_on(day), key=key).count() == expected, (key, day)


def test_a_parameter_introduced_by_a_later_law_starts_on_that_law_s_day():
    load_violation_rules()
    for key, day in INTRODUCED.items():
        assert LegalParameter.objects.filter(key=key).order_by("valid_from").first().valid_from == day, key


def test_fining_powers_change_on_1_july_2025_and_keep_their_codes():
    load_violation_rules()
    old = FiningTitle.objects.get(FiningTitle.valid_on(date(2025, 6, 30)), code="officer_on_duty")
    new = FiningTitle.objects.get(FiningTitle.valid_on(date(2025, 7, 1)), code="officer_on_duty")
    assert (old.percent, old.cap_amount) == (1, 500000)
    assert (new.percent, new.cap_amount) == (10, None)
    chief = FiningTitle.objects.get(FiningTitle.valid_on(date(2025, 7, 1)), code="commune_police_chief")
    assert chief.percent == 50 and chief.may_suspend


def test_road_maximum_is_40_million_before_2022_and_75_million_after():
    load_violation_rules()
    assert FineField.objects.get(FineField.valid_on(date(2019, 6, 15)), code="road").individual_max == 40_000_000
    assert FineField.objects.get(FineField.valid_on(date(2025, 3, 1)), code="road").individual_max == 75_000_000


def test_circumstances_are_coded_gn_and_tn():
    load_violation_rules()
    assert Circumstance.objects.filter(kind="mitigating", code__startswith="GN").count() == 8
    assert Circumstance.objects.filter(kind="aggravating", code__startswith="TN").count() == 12


def test_a_range_with_minimum_above_maximum_is_refused_and_nothing_is_written(tmp_path, monkeypatch):
    # given a copy of the data where one behaviour's range is upside down
    data = tmp_path / "data"
    (data / "behaviours").mkdir(parents=True)
    for path in loaders.DATA_DIR.glob("*.yaml"):
        (data / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    bad = yaml.safe_load((loaders.DATA_DIR / "behaviours" / "168-2024.yaml").read_text(encoding="utf-8"))
    bad["behaviours"][0]["fine_min"] = 900000
    (data / "behaviours" / "168-2024.yaml").write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(loaders, "DATA_DIR", data)
    # when loaded; then a Vietnamese error names the entry, and no row was written
    with pytest.raises(RuleDataError, match="mức tối thiểu lớn hơn mức tối đa"):
        load_violation_rules()
    assert sum(_counts().values()) == 0


def test_demo_accounts_get_their_titles_and_a_second_run_changes_nothing(django_user_model):
    # given the demo accounts, one of which wrongly holds a title
    for name in ("xuly", "lanhdao", "xulyhr", "quantri"):
        django_user_model.objects.create(username=name)
    OfficerFiningTitle.objects.create(user=django_user_model.objects.get(username="quantri"), title_code="x")
    # when assigned
    first = assign_demo_fining_titles()
    # then each has the title of the table, the administrator none
    titles = dict(OfficerFiningTitle.objects.values_list("user__username", "title_code"))
    assert titles == {"xuly": "officer_on_duty", "lanhdao": "commune_police_chief", "xulyhr": "officer_on_duty"}
    assert "thay đổi 4" in first
    # when run again: nothing changes
    assert "thay đổi 0" in assign_demo_fining_titles()


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


def test_rule_admin_filters_by_validity_and_confidence_and_files_are_read_only(admin_client):
    # given loaded rules; when an administrator lists the behaviours in force today, confirmed
    load_violation_rules()
    listing = reverse("admin:violations_behaviour_changelist")
    page = admin_client.get(listing + "?hieu_luc=yes&tin_cay=confirmed").content.decode()
    # then the current helmet rule shows and the 2019 one does not
    assert "168/2024:7.2.h" in page
    assert "46/2016:6.2.i" not in page
    # and decisions cannot be added from the admin
    assert admin_client.get(reverse("admin:violations_penaltydecision_add")).status_code == 403


def test_editing_a_rule_in_the_admin_leaves_an_audit_entry(admin_client):
    load_violation_rules()
    parameter = LegalParameter.objects.get(key="payment_days")
    url = reverse("admin:violations_legalparameter_change", args=[parameter.pk])
    data = {
        "key": parameter.key,
        "value": 11,
        "unit": parameter.unit,
        "description": parameter.description,
        "valid_from": parameter.valid_from.isoformat(),
        "valid_to": "",
        "legal_basis": parameter.legal_basis,
        "source": parameter.source,
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEvent.objects.filter(object_type="violations.legalparameter", action="update").latest("id")
    assert entry.actor_id == admin_client.root.pk and entry.changes["value"] == [10, 11]


def test_a_behaviour_used_by_a_record_cannot_be_deleted_in_the_admin(admin_client):
    load_violation_rules()
    behaviour = Behaviour.objects.get(code="168/2024:7.2.h")
    page = admin_client.get(reverse("admin:violations_behaviour_delete", args=[behaviour.pk]))
    assert page.status_code == 200  # unused: deletable
    from django.contrib.admin import site

    from antt.violations.admin import BehaviourAdmin

    model_admin = BehaviourAdmin(Behaviour, site)
    model_admin.is_used = lambda obj: True
    request = page.wsgi_request
    assert model_admin.has_delete_permission(request, behaviour) is False


# --- versions by date (Luật 67/2020, Luật 88/2025, Nghị định 282/2025) ---------------------------


@pytest.mark.parametrize(
    ("day", "person", "organisation"),
    [
        (date(2019, 6, 15), 250_000, 500_000),
        (date(2025, 6, 30), 250_000, 500_000),
        (date(2025, 7, 1), 500_000, 1_000_000),
        (date(2026, 1, 15), 500_000, 1_000_000),
    ],
)
def test_the_on_the_spot_limit_doubles_on_1_july_2025(day, person, organisation):
    # given the loaded rules (Art. 56 as amended by Luật 88/2025/QH15 from 01/07/2025)
    load_violation_rules()
    # when asking the limit of a fine without a record on that day; then it is that day's value
    from antt.violations import rules
    from antt.violations.models import Subject

    assert rules.spot_fine_limit(Subject.PERSON, day) == person
    assert rules.spot_fine_limit(Subject.ORGANISATION, day) == organisation


def test_no_two_versions_of_a_rule_are_in_force_on_the_same_day():
    # given the loaded rules; then for every versioned key the periods follow one another
    load_violation_rules()
    for model, key in ((LegalParameter, "key"), (FineField, "code"), (FiningTitle, "code")):
        rows = sorted(model.objects.values_list(key, "valid_from", "valid_to"))
        for (k1, _from1, to1), (k2, from2, _to2) in zip(rows, rows[1:], strict=False):
            if k1 == k2:
                assert to1 is not None and to1 <= from2, (model.__name__, k1, from2)


def test_the_written_explanation_counts_calendar_days_before_2022_and_working_days_after():
    # given the loaded rules (Art. 61(2): "05 ngày" in 2012, "05 ngày làm việc" from Luật 67/2020)
    load_violation_rules()
    old = LegalParameter.objects.get(LegalParameter.valid_on(date(2019, 6, 15)), key="explanation_written_days")
    new = LegalParameter.objects.get(LegalParameter.valid_on(date(2026, 1, 15)), key="explanation_written_days")
    request = LegalParameter.objects.get(LegalParameter.valid_on(date(2026, 1, 15)), key="explanation_request_days")
    # then the number stays 5 and only the unit changes; a direct explanation is asked within 2 working days
    assert (old.value, old.unit) == (5, "ngày")
    assert (new.value, new.unit) == (5, "ngày làm việc")
    assert (request.value, request.unit) == (2, "ngày làm việc")


def test_social_evils_maximum_is_40_million_before_2022_and_75_million_after():
    load_violation_rules()
    before = FineField.objects.get(FineField.valid_on(date(2019, 6, 15)), code="social_evils")
    after = FineField.objects.get(FineField.valid_on(date(2026, 1, 15)), code="social_evils")
    assert (before.individual_max, before.organisation_max) == (40_000_000, 80_000_000)
    assert (after.individual_max, after.organisation_max) == (75_000_000, 150_000_000)


def test_from_15_december_2025_records_of_id_exit_entry_drugs_prostitution_and_gambling_find_a_behaviour():
    # given the loaded rules; when asking the behaviours of the first day of Nghị định 282/2025
    load_violation_rules()
    valid = Behaviour.objects.filter(Behaviour.valid_on(date(2025, 12, 15)))
    groups = set(valid.values_list("stat_group__code", flat=True))
    # then the groups the sources cover have a behaviour of ND 282 (1.2, 1.3, 1.4 do not yet:
    # see docs/legal/violations.md), and the ID-card rule is ND 282 Art. 11 with a warning
    assert {"1.1", "1.5", "1.6", "2.1", "2.2", "2.3", "3"} <= groups
    assert not valid.filter(decree__code="144/2021/NĐ-CP").exists()
    id_card = valid.get(code="282/2025:11.1.a")
    assert (id_card.fine_min, id_card.fine_max, id_card.warning_allowed) == (500_000, 1_000_000, True)
    drugs = valid.get(code="282/2025:30.1")
    assert drugs.fine_field_code == "social_evils" and drugs.stat_group.code == "2.1"


def test_the_id_card_range_rises_from_144_to_282():
    load_violation_rules()
    old = Behaviour.objects.get(Behaviour.valid_on(date(2025, 12, 14)), code="144/2021:10.1.a")
    new = Behaviour.objects.get(Behaviour.valid_on(date(2025, 12, 15)), code="282/2025:11.1.a")
    assert (old.fine_min, old.fine_max) == (300_000, 500_000)
    assert (new.fine_min, new.fine_max) == (500_000, 1_000_000)
