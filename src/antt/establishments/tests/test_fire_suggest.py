"""The category suggestion, computed from the thresholds that ship in data/fire.yaml, and the
file's own consistency (every row loadable, every category computable, the dated actions)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from antt.establishments import fire
from antt.establishments.models import FireCategory, InspectionRule, ProcedureAction
from antt.establishments.tests.factories import establishments_world
from antt.establishments.tests.fire_factories import fire_data, load_fire_categories, premises

pytestmark = pytest.mark.django_db


@pytest.fixture
def categories():
    return load_fire_categories()


# kind, floors, floor area m², volume m³, capacity -> suggested code, needs design approval
CASES = [
    ("lodging", 1, 40, None, None, None, False),  # below Phụ lục I item 14 (2 floors or 50 m²)
    ("lodging", 1, 50, None, None, "pl1-14-luu-tru", False),
    ("lodging", 2, None, None, None, "pl1-14-luu-tru", False),
    ("lodging", 7, None, None, None, "pl1-14-luu-tru", True),  # Phụ lục III reached (secondary row)
    ("lodging", 3, None, 10_000, None, "pl1-14-luu-tru", True),
    ("karaoke", 1, 100, None, None, "pl1-karaoke", False),
    ("karaoke", 3, None, None, None, "pl1-karaoke", True),
    ("market", 2, 800, None, None, "pl1-cho-thuong-mai", False),
    ("school", 2, 1000, None, None, None, False),  # below Phụ lục II item 3
    ("school", 3, None, None, None, "pl2-03-truong-hoc-n2", False),
    ("school", 4, 1500, None, None, "pl2-03-truong-hoc-n2", False),
    ("school", 5, None, None, None, "pl2-03-truong-hoc-n1", True),
    ("school", 1, 3000, None, None, "pl2-03-truong-hoc-n1", True),
    ("kindergarten", 1, None, None, 49, None, False),
    ("kindergarten", 1, None, None, 50, "pl2-02-mam-non-n2", False),
    ("kindergarten", 1, None, None, 150, "pl2-02-mam-non-n1", False),
    ("hospital", 2, None, None, 30, "pl2-04-benh-vien-n2", False),  # any hospital is at least nhóm 2
    ("hospital", 2, None, None, 120, "pl2-04-benh-vien-n2", True),  # ≥ 50 beds: Phụ lục III (secondary)
    ("hospital", 6, None, None, 250, "pl2-04-benh-vien-n1", True),
    ("apartment", 4, 900, None, None, "pl1-01-chung-cu", False),
    ("apartment", 6, None, None, None, "pl2-01-chung-cu-n2", False),
    ("apartment", 9, None, None, None, "pl2-01-chung-cu-n1", False),
    ("stadium", None, None, None, 4_999, "pl2-06-san-van-dong-n2", False),
    ("stadium", None, None, None, 5_000, "pl2-06-san-van-dong-n1", False),
    ("office", 3, 500, None, None, "pl1-tru-so", False),
    ("office", 8, None, None, None, "pl1-tru-so", True),
    ("factory", 1, 6000, None, None, "pl1-san-xuat", True),
    ("warehouse", 1, 2000, 9_000, None, "pl1-kho", False),
    ("warehouse", 1, 2000, 12_000, None, "pl1-kho", True),
    ("petrol", 1, 60, None, None, "pl1-xang-dau", True),
]


def test_an_administrator_changes_a_threshold_and_the_suggestion_follows(categories):
    """The thresholds are fields of the category (admin), not constants: raising item 14's floor
    count changes what a 2-storey guest house is suggested."""
    assert fire.suggest_category("lodging", 2, None, None, None).category.code == "pl1-14-luu-tru"
    FireCategory.objects.filter(code="pl1-14-luu-tru").update(min_floors=3, min_floor_area_m2=None)
    assert fire.suggest_category("lodging", 2, None, None, None).category is None
    assert fire.suggest_category("lodging", 3, None, None, None).category.code == "pl1-14-luu-tru"


@pytest.mark.parametrize(("kind", "floors", "area", "volume", "capacity", "code", "design"), CASES)
def test_suggestion_from_the_shipped_thresholds(categories, kind, floors, area, volume, capacity, code, design):
    s = fire.suggest_category(kind, floors, area, volume, capacity)
    assert (s.category.code if s.category else None) == code
    assert s.needs_design_approval is design
    assert s.reasons  # always says why (or why not)


def test_high_risk_follows_the_group(categories):
    assert fire.suggest_category("hospital", capacity=300).category.high_risk is True
    assert fire.suggest_category("hospital", capacity=100).category.high_risk is False


def test_only_categories_in_force_are_suggested(categories):
    day = date(2025, 6, 30)  # the day before ND 105/2025 took effect
    s = fire.suggest_category("school", floors=6, day=day)
    assert s.category is None
    FireCategory.objects.filter(code="pl2-03-truong-hoc-n1").update(valid_to=timezone.localdate())
    assert fire.suggest_category("school", floors=6).category.code == "pl2-03-truong-hoc-n2"


def test_unknown_or_missing_kind_gives_no_suggestion(categories):
    assert fire.suggest_category("", floors=10).category is None
    assert fire.suggest_category("tau-vu-tru", floors=10).category is None


def test_a_phu_luc_iii_row_is_the_suggestion_only_when_nothing_else_matches(categories):
    FireCategory.objects.filter(code="pl1-xang-dau").delete()
    s = fire.suggest_category("petrol", floors=1)
    assert s.category.code == "pl3-xang-dau"
    assert s.needs_design_approval


def test_kind_read_from_the_business_lines():
    w = establishments_world()
    assert fire.kind_for_establishment(premises(w, lines=["t-luu-tru"])) == "lodging"
    assert fire.kind_for_establishment(premises(w, lines=["t-karaoke"])) == "karaoke"
    assert fire.kind_for_establishment(premises(w, lines=["t-cam-do"])) == ""
    assert fire.kind_for_establishment(premises(w, lines=["t-cam-do"], lodging_kind="homestay")) == "lodging"


# --- the data file itself -------------------------------------------------------------------------


def test_every_row_of_fire_yaml_is_a_valid_model_row(categories):
    data = fire_data()
    for row in data["inspection_rules"]:
        InspectionRule(**row).full_clean()
    for row in data["procedure_actions"]:
        ProcedureAction(**row).full_clean()
    for cat in categories:
        cat.full_clean()
    assert len(categories) == len({c.code for c in categories}) == len(data["fire_categories"])


def test_every_category_is_computable_and_every_kind_labelled(categories):
    data = fire_data()
    codes = {row["code"] for row in data["fire_categories"]}
    thresholds = fire._thresholds()
    assert set(thresholds) == codes
    kinds = set(data["kinds"])
    for code, rule in thresholds.items():
        assert rule["kinds"] and set(rule["kinds"]) <= kinds, code
        assert set(rule["any"]) <= {"min_floors", "min_floor_area_m2", "min_volume_m3", "min_capacity"}, code
    assert set(data["line_kinds"].values()) <= kinds


def test_every_row_cites_its_basis_and_confidence():
    data = fire_data()
    for key in ("fire_categories", "inspection_rules", "procedure_actions"):
        for row in data[key]:
            assert row["legal_basis"].strip()
            assert row["source"].startswith(("[xác nhận]", "[thứ cấp]", "[chưa xác minh]")), row


def test_group_one_is_high_risk_and_inspected_yearly():
    data = fire_data()
    for row in data["fire_categories"]:
        assert row["high_risk"] is row["code"].endswith("-n1"), row["code"]
        assert row["needs_design_approval"] is (row["appendix"] == "III"), row["code"]
        assert row["insurance_required"] is False  # Phụ lục VII not read: see the file's header
    rules = {(r["fire_category_code"], r["high_risk_only"]): r for r in data["inspection_rules"]}
    assert rules[("", True)]["interval_months"] == 12
    assert rules[("", False)]["interval_months"] == 24
    for row in data["fire_categories"]:
        if row["appendix"] == "I":
            assert rules[(row["code"], False)]["interval_months"] == 36


def test_procedure_actions_of_appendix_7_and_their_end_dates():
    actions = {row["seed_ref"]: row for row in fire_data()["procedure_actions"]}
    kinds = {ref: row["fire_record_kind"] for ref, row in actions.items()}
    assert kinds["7.02"] == kinds["7.07"] == "design_approval"
    assert kinds["7.08"] == "acceptance"
    assert kinds["7.12"] == "firefighting_plan"
    assert kinds["7.14"] == "equipment"
    assert {kinds[r] for r in ("7.01", "7.09", "7.10", "7.11", "7.15", "7.16")} == {"training"}
    # the police acceptance check ends 01/07/2026; equipment inspection certificates after 30/06/2026
    assert actions["7.08"]["valid_to"] == date(2026, 7, 1)
    assert actions["7.14"]["valid_to"] == date(2026, 7, 1)
    assert all(row["action"] == "fire_record" for row in actions.values())


def test_fire_yaml_loads_with_the_registry_loader_twice_without_change():
    from antt.establishments import loaders

    loaders.load_establishment_rules()
    counts = (FireCategory.objects.count(), InspectionRule.objects.count(), ProcedureAction.objects.count())
    loaders.load_establishment_rules()
    assert (FireCategory.objects.count(), InspectionRule.objects.count(), ProcedureAction.objects.count()) == counts
    data = fire_data()
    assert set(FireCategory.objects.values_list("code", flat=True)) >= {r["code"] for r in data["fire_categories"]}
    acceptance = ProcedureAction.objects.get(seed_ref="7.08")
    assert (acceptance.fire_record_kind, acceptance.valid_to) == ("acceptance", date(2026, 7, 1))
    # and the loaded rows give the same suggestion as the file
    assert fire.suggest_category("school", floors=5).category.code == "pl2-03-truong-hoc-n1"
