"""Fire-safety services: the profile follows its category, records and their refusals (nothing
written), what the file lacks, and a returned appendix-7 dossier adding its record."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from antt.core.models import AuditEvent
from antt.dossiers.workflow import TransitionError
from antt.establishments import fire, selectors_fire
from antt.establishments.errors import EstablishmentError
from antt.establishments.models import FireCategory, FireProfile, FireRecord, ProcedureAction
from antt.establishments.tests.factories import establishments_world
from antt.establishments.tests.fire_factories import fire_dossier, load_fire_categories, premises

pytestmark = pytest.mark.django_db
K = FireRecord.Kind


@pytest.fixture
def w():
    return establishments_world()


@pytest.fixture
def today():
    return timezone.localdate()


def audit_count(object_type: str) -> int:
    return AuditEvent.objects.filter(object_type=object_type).count()


# --- profile --------------------------------------------------------------------------------------


def test_profile_copies_the_flags_of_its_category(w):
    # given a karaoke without a fire profile
    e = premises(w)
    # when an officer puts it in the high-risk test category
    profile = fire.fire_profile_set(
        officer=w.processor_a, establishment=e, category_code="t-hotel", floors=8, floor_area_m2=4000, note="Khu A"
    )
    # then the flags are the category's, the sizes stored, and the write audited
    profile.refresh_from_db()
    assert (profile.category.code, profile.high_risk, profile.needs_design_approval, profile.insurance_required) == (
        "t-hotel",
        True,
        True,
        True,
    )
    assert (profile.floors, profile.floor_area_m2, profile.note) == (8, 4000, "Khu A")
    assert AuditEvent.objects.filter(object_type="establishments.fireprofile", action="create").count() == 1


def test_changing_the_category_resets_the_flags_and_audits_the_change(w):
    e = premises(w, fire_category="t-hotel")
    fire.fire_profile_set(officer=w.processor_a, establishment=e, category_code="t-shop")
    profile = FireProfile.objects.get(establishment=e)
    assert (profile.high_risk, profile.needs_design_approval, profile.insurance_required) == (False, False, False)
    event = AuditEvent.objects.filter(object_type="establishments.fireprofile", action="update").get()
    assert event.changes["high_risk"] == [True, False]


def test_design_approval_follows_a_phu_luc_iii_threshold_not_the_officer(w):
    # given the real categories: a lodging of 8 floors is in Phụ lục I item 14 and reaches the
    # (secondary) Phụ lục III threshold of 7 floors
    load_fire_categories()
    e = premises(w, lines=["t-luu-tru"])
    profile = fire.fire_profile_set(officer=w.processor_a, establishment=e, category_code="pl1-14-luu-tru", floors=8)
    assert profile.needs_design_approval is True
    # and a 2-floor one does not
    profile = fire.fire_profile_set(officer=w.processor_a, establishment=e, category_code="pl1-14-luu-tru", floors=2)
    assert profile.needs_design_approval is False


@pytest.mark.parametrize(
    ("kwargs", "status", "field"),
    [
        ({"category_code": "khong-co"}, 422, "category"),
        ({"category_code": ""}, 400, "category"),
        ({"category_code": "t-shop", "floors": -1}, 400, "floors"),
        ({"category_code": "t-shop", "floor_area_m2": "nhiều"}, 400, "floor_area_m2"),
        ({"category_code": "t-shop", "capacity": 10**9}, 400, "capacity"),
        ({"category_code": "t-shop", "note": "x" * 2001}, 400, "note"),
    ],
)
def test_profile_bad_input_is_refused_and_nothing_is_written(w, kwargs, status, field):
    e = premises(w)
    with pytest.raises(EstablishmentError) as exc:
        fire.fire_profile_set(officer=w.processor_a, establishment=e, **kwargs)
    assert (exc.value.status, exc.value.field) == (status, field)
    assert exc.value.message
    assert not FireProfile.objects.filter(establishment=e).exists()
    assert audit_count("establishments.fireprofile") == 0


def test_a_category_no_longer_in_force_is_refused(w, today):
    FireCategory.objects.filter(code="t-shop").update(valid_to=today)
    e = premises(w)
    with pytest.raises(EstablishmentError) as exc:
        fire.fire_profile_set(officer=w.processor_a, establishment=e, category_code="t-shop")
    assert exc.value.status == 422
    assert "không có trong danh mục" in exc.value.message


def test_profile_scoping_and_capability(w):
    e = premises(w)  # commune A
    with pytest.raises(EstablishmentError) as exc:
        fire.fire_profile_set(officer=w.processor_b, establishment=e, category_code="t-shop")
    assert exc.value.status == 404
    with pytest.raises(EstablishmentError) as exc:
        fire.fire_profile_set(officer=w.receptionist_a, establishment=e, category_code="t-shop")
    assert exc.value.status == 403
    # the fire department above the commune is not its parent: it does not see it either
    with pytest.raises(EstablishmentError) as exc:
        fire.fire_profile_set(officer=w.processor_pc07, establishment=e, category_code="t-shop")
    assert exc.value.status == 404
    assert not FireProfile.objects.exists()


# --- records --------------------------------------------------------------------------------------


def test_record_add_stores_and_audits(w, today):
    e = premises(w, fire_category="t-hotel")
    r = fire.fire_record_add(
        officer=w.processor_a,
        establishment=e,
        kind=K.EQUIPMENT,
        issued_on=today - timedelta(days=3),
        number="12/KĐ",
        issuer="Trung tâm kiểm định",
        result="passed",
    )
    r.refresh_from_db()
    assert (r.kind, r.number, r.result, r.created_by) == (K.EQUIPMENT, "12/KĐ", "passed", w.processor_a)
    assert AuditEvent.objects.filter(object_type="establishments.firerecord", object_id=str(r.pk)).count() == 1


def test_training_without_end_date_is_valid_five_years(w, today):
    e = premises(w, fire_category="t-shop")
    issued = today - timedelta(days=10)
    r = fire.fire_record_add(officer=w.processor_a, establishment=e, kind=K.TRAINING, issued_on=issued)
    assert r.valid_until == issued + relativedelta(years=5)


def test_incident_keeps_casualties_and_damage(w, today):
    e = premises(w, fire_category="t-shop")
    r = fire.fire_record_add(
        officer=w.processor_a,
        establishment=e,
        kind=K.INCIDENT,
        issued_on=today,
        summary="Cháy kho chứa đồ, nguyên nhân do chập điện.",
        details={"deaths": 0, "injuries": "2", "damage_vnd": 150_000_000},
    )
    assert r.details == {"deaths": 0, "injuries": 2, "damage_vnd": 150_000_000}


def test_incident_fields_are_dropped_for_other_kinds(w, today):
    e = premises(w, fire_category="t-shop")
    r = fire.fire_record_add(
        officer=w.processor_a, establishment=e, kind=K.DRILL, issued_on=today, details={"deaths": 3}
    )
    assert r.details == {}


@pytest.mark.parametrize(
    ("case", "kwargs", "status", "field"),
    [
        ("tomorrow", {"kind": K.TRAINING, "issued_on": +1}, 422, "issued_on"),
        ("end before start", {"kind": K.INSURANCE, "issued_on": -5, "valid_until": -6}, 422, "valid_until"),
        ("incident without summary", {"kind": K.INCIDENT, "issued_on": 0}, 422, "summary"),
        ("unknown kind", {"kind": "bao_cao", "issued_on": 0}, 400, "kind"),
        ("no date", {"kind": K.DRILL, "issued_on": None}, 400, "issued_on"),
        ("bad result", {"kind": K.EQUIPMENT, "issued_on": 0, "result": "ok"}, 400, "result"),
        (
            "negative deaths",
            {"kind": K.INCIDENT, "issued_on": 0, "summary": "x", "details": {"deaths": -1}},
            400,
            "deaths",
        ),
        (
            "damage not a number",
            {"kind": K.INCIDENT, "issued_on": 0, "summary": "x", "details": {"damage_vnd": "nhiều"}},
            400,
            "damage_vnd",
        ),
        ("long number", {"kind": K.OTHER, "issued_on": 0, "number": "9" * 61}, 400, "number"),
    ],
)
def test_record_bad_input_is_refused_and_nothing_is_written(w, today, case, kwargs, status, field):
    e = premises(w, fire_category="t-shop")
    kwargs = dict(kwargs)
    for key in ("issued_on", "valid_until"):
        if isinstance(kwargs.get(key), int):
            kwargs[key] = today + timedelta(days=kwargs[key])
    with pytest.raises(EstablishmentError) as exc:
        fire.fire_record_add(officer=w.processor_a, establishment=e, **kwargs)
    assert (exc.value.status, exc.value.field) == (status, field), case
    assert not FireRecord.objects.exists()
    assert audit_count("establishments.firerecord") == 0


def test_record_scoping_and_capability(w, today):
    e = premises(w, fire_category="t-shop")
    for officer, status in ((w.processor_b, 404), (w.receptionist_a, 403), (w.supervisor, 403)):
        with pytest.raises(EstablishmentError) as exc:
            fire.fire_record_add(officer=officer, establishment=e, kind=K.DRILL, issued_on=today)
        assert exc.value.status == status
    # the head of commune A may
    fire.fire_record_add(officer=w.head_a, establishment=e, kind=K.DRILL, issued_on=today)
    assert FireRecord.objects.count() == 1


def test_record_list_is_scoped(w, today):
    from django.http import Http404

    e = premises(w, fire_category="t-shop")
    fire.fire_record_add(officer=w.processor_a, establishment=e, kind=K.DRILL, issued_on=today)
    assert selectors_fire.fire_record_list(w.processor_a, e).count() == 1
    assert selectors_fire.fire_record_list(w.supervisor, e, kind=K.DRILL).count() == 1
    with pytest.raises(Http404):
        selectors_fire.fire_record_list(w.processor_b, e)


# --- gaps -----------------------------------------------------------------------------------------


def full_file(e, today, **skip):
    """A complete fire-safety file; `skip` leaves items out or changes their dates."""
    rows = {
        "plan": FireRecord(kind=K.FIREFIGHTING_PLAN, issued_on=today - timedelta(days=100)),
        "training": FireRecord(kind=K.TRAINING, issued_on=today - timedelta(days=200)),
        "equipment": FireRecord(kind=K.EQUIPMENT, issued_on=today - timedelta(days=30), result="passed"),
        "insurance": FireRecord(
            kind=K.INSURANCE, issued_on=today - timedelta(days=30), valid_until=today + timedelta(days=335)
        ),
        "design": FireRecord(kind=K.DESIGN_APPROVAL, issued_on=date(2024, 5, 1)),
    }
    for key, change in skip.items():
        if change is None:
            rows.pop(key)
        else:
            for attr, value in change.items():
                setattr(rows[key], attr, value)
    for row in rows.values():
        row.establishment = e
        row.save()


@pytest.mark.parametrize(
    ("skip", "codes"),
    [
        ({}, []),
        ({"plan": None}, ["plan"]),
        ({"plan": {"valid_until": "yesterday"}}, ["plan"]),
        ({"training": None}, ["training_missing"]),
        ({"training": {"issued_on": "6 years ago"}}, ["training_expired"]),
        ({"training": {"valid_until": "yesterday"}}, ["training_expired"]),
        ({"equipment": None}, ["equipment_missing"]),
        ({"equipment": {"issued_on": "13 months ago"}}, ["equipment_old"]),
        ({"equipment": {"result": "failed"}}, ["equipment_failed"]),
        ({"insurance": None}, ["insurance"]),
        ({"insurance": {"valid_until": "yesterday"}}, ["insurance"]),
        ({"design": None}, ["design"]),
        ({"plan": None, "insurance": None}, ["plan", "insurance"]),
    ],
)
def test_gaps_of_a_high_risk_premises(w, today, skip, codes):
    words = {
        "yesterday": today - timedelta(days=1),
        "6 years ago": today - relativedelta(years=6),
        "13 months ago": today - relativedelta(months=13),
    }
    skip = {k: (None if v is None else {a: words.get(x, x) for a, x in v.items()}) for k, v in skip.items()}
    # given a premises of t-hotel (insurance required, design approval needed)
    e = premises(w, fire_category="t-hotel")
    full_file(e, today, **skip)
    # then exactly the missing items are reported, in Vietnamese
    items = fire.fire_gap_items(e, today)
    assert [g.code for g in items] == codes
    assert fire.fire_gaps(e, today) == [g.message for g in items]
    assert all(g.label and g.label != g.message for g in items)  # a short label for lists


def test_no_profile_no_gaps_and_a_small_shop_needs_no_insurance(w, today):
    assert fire.fire_gaps(premises(w), today) == []
    shop = premises(w, fire_category="t-shop")
    codes = [g.code for g in fire.fire_gap_items(shop, today)]
    assert codes == ["plan", "training_missing", "equipment_missing"]


def test_records_dated_after_the_day_do_not_count(w, today):
    e = premises(w, fire_category="t-shop")
    full_file(e, today, design=None, insurance=None)
    assert fire.fire_gaps(e, today - timedelta(days=150)) != []
    assert "plan" in [g.code for g in fire.fire_gap_items(e, today - timedelta(days=150))]


# --- returned dossiers ----------------------------------------------------------------------------


def action(kind="firefighting_plan", seed_ref="7.12"):
    return ProcedureAction(seed_ref=seed_ref, action=ProcedureAction.Action.FIRE_RECORD, fire_record_kind=kind)


def test_returned_dossier_adds_the_record_once(w, today):
    e = premises(w, fire_category="t-hotel")
    dossier, ow = fire_dossier(establishment=e, result_code="KQ-0001")
    r = fire.apply_returned_dossier(dossier=dossier, officer=ow.receptionist, action=action())
    r.refresh_from_db()
    assert (r.establishment, r.kind, r.number, r.issuer, r.dossier) == (
        e,
        K.FIREFIGHTING_PLAN,
        "KQ-0001",
        ow.unit.name,
        dossier,
    )
    assert r.issued_on == today
    assert dossier.code in r.summary
    # returning again adds nothing
    assert fire.apply_returned_dossier(dossier=dossier, officer=ow.receptionist, action=action()) == r
    assert FireRecord.objects.count() == 1
    assert "plan" not in [g.code for g in fire.fire_gap_items(e, today)]


def test_returned_dossier_without_result_uses_its_code_and_training_runs_five_years(w, today):
    e = premises(w, fire_category="t-shop")
    dossier, ow = fire_dossier(seed_ref="7.09", establishment=e)
    r = fire.apply_returned_dossier(dossier=dossier, officer=ow.head, action=action("training", "7.09"))
    assert r.number == dossier.code
    assert r.valid_until == today + relativedelta(years=5)


@pytest.mark.parametrize(
    "form_data",
    [
        {},
        {"establishment": {}},
        {"establishment": {"id": 999_999}},
        {"establishment": {"id": "abc"}},
        {"establishment": "1"},
    ],
)
def test_returned_dossier_without_establishment_is_refused(w, form_data):
    dossier, ow = fire_dossier(form_data=form_data)
    with pytest.raises(TransitionError) as exc:
        fire.apply_returned_dossier(dossier=dossier, officer=ow.receptionist, action=action())
    assert exc.value.status == 409
    assert dossier.code in exc.value.message
    assert not FireRecord.objects.exists()


def test_returned_dossier_with_a_misconfigured_action_is_refused(w):
    e = premises(w)
    dossier, ow = fire_dossier(establishment=e)
    with pytest.raises(TransitionError) as exc:
        fire.apply_returned_dossier(dossier=dossier, officer=ow.receptionist, action=action(kind=""))
    assert exc.value.status == 409
    assert not FireRecord.objects.exists()


def test_a_returned_7_12_dossier_goes_through_the_certificates_dispatcher(w, today):
    # given the factory's action 7.12 -> firefighting_plan and a dossier linked to a hotel
    from antt.establishments import certificates

    e = premises(w, fire_category="t-hotel")
    dossier, ow = fire_dossier(seed_ref="7.12", establishment=e, result_code="KQ-7-12")
    # when the dossier's return reaches the registry
    certificates.apply_returned_dossier(dossier=dossier, officer=ow.receptionist)
    # then its result is in the establishment's fire-safety file
    assert FireRecord.objects.get(establishment=e).number == "KQ-7-12"


@pytest.mark.parametrize(
    ("seed_ref", "returned", "kind"),
    [
        ("7.08", date(2026, 6, 30), "acceptance"),
        ("7.08", date(2026, 7, 1), None),  # the police acceptance check has ended
        ("7.14", date(2026, 6, 30), "equipment"),
        ("7.14", date(2026, 7, 1), None),  # ND 105 Art. 46(1): inspection certificates until 30/06/2026
        ("7.07", date(2026, 7, 1), "design_approval"),
        ("7.09", date(2027, 1, 4), "training"),
    ],
)
def test_shipped_procedure_actions_by_return_date(w, seed_ref, returned, kind):
    from datetime import datetime, time

    from antt.establishments import certificates
    from antt.establishments.tests.fire_factories import fire_data

    ProcedureAction.objects.filter(seed_ref__startswith="7.").delete()
    for row in fire_data()["procedure_actions"]:
        ProcedureAction.objects.create(**row)
    dossier, _ow = fire_dossier(seed_ref=seed_ref)
    dossier.returned_at = timezone.make_aware(datetime.combine(returned, time(10)))
    action = certificates.procedure_action(dossier)
    assert (action.fire_record_kind if action else None) == kind


def test_profile_and_incident_refresh_the_planning_fields(w, today):
    # given a premises without a fire profile: no fire inspection is due
    e = premises(w)
    assert e.next_fire_due is None
    # when it is put in a high-risk category
    fire.fire_profile_set(officer=w.processor_a, establishment=e, category_code="t-hotel")
    e.refresh_from_db()
    # then the fire inspection is planned (inspections.refresh_due_dates ran in the same write)
    assert e.next_fire_due is not None
    before = e.risk_score
    # and an incident raises the risk score
    fire.fire_record_add(officer=w.processor_a, establishment=e, kind=K.INCIDENT, issued_on=today, summary="Cháy bếp.")
    e.refresh_from_db()
    assert e.risk_score > before
