"""Fixes of the UI review: event labels, line forms, plates and money as shown, the on-the-spot
catalogue per subject, readable numbering codes, the import template on a demo install, the
stats dates, the bank name by the QR, and demo data that agrees with itself."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from antt.core.money import format_vnd
from antt.org.models import AdminArea, Role, Unit
from antt.org.otp import login_verified
from antt.org.tests.factories import make_officer, make_unit
from antt.violations import demo, forms, imports, rules, services, workflow
from antt.violations.models import (
    Behaviour,
    DecisionLine,
    DecisionStatus,
    LicenceSuspension,
    PenaltyDecision,
    SeizedItem,
    Subject,
    VehicleKind,
    ViolationRecord,
)
from antt.violations.tests.factories import (
    ALCOHOL_CAR,
    HELMET,
    PEDESTRIAN,
    PHONE,
    make_decision,
    make_record,
    violations_world,
)
from antt.violations.views import staff

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


@pytest.fixture
def w():
    return violations_world()


def as_user(client, user):
    login_verified(client, user)
    return client


def recent_record(w, **kw):
    at = timezone.now() - timedelta(days=1)
    kw.setdefault("violated_at", at)
    kw.setdefault("made_at", at)
    return make_record(w, **kw)


# --- 1. the history names every action ---------------------------------------------------------


def test_every_action_written_by_the_services_and_the_demo_has_a_vietnamese_label():
    # given the actions the services write (`_event(x, "action", ...)`), the workflow's actions,
    # the demo's and the status names older demo data wrote as actions
    source = Path(services.__file__).read_text(encoding="utf-8")
    written = set(re.findall(r'_event\(\s*\w+,\s*"(\w+)"', source))
    written |= set(workflow.TRANSITIONS) | set(demo.STATUS_ACTIONS.values()) | {"issue", "pay"}
    written |= {str(s) for s in DecisionStatus if s not in (DecisionStatus.UNPAID, DecisionStatus.WARNING)}
    assert {"issue", "deliver", "pay", "seize", "mark_late", "enforce", "appeal", "cancel"} <= written
    # then each has a label that is not the code itself
    missing = sorted(a for a in written if staff.EVENT_LABELS.get(a, a) == a)
    assert missing == []


def test_the_history_shows_an_enforcement_in_vietnamese(client, w):
    # given a decision whose history holds an "enforced" event (as older demo data wrote it)
    decision = make_decision(w, record=recent_record(w), issued_at=timezone.now())
    decision.events.create(at=timezone.now(), action="enforced", from_status="late", to_status="enforced")
    # when the officer opens it
    html = as_user(client, w.officer).get(reverse("violations:decision-detail", args=[decision.pk])).content.decode()
    # then the label is Vietnamese, not the code
    assert "Cưỡng chế thi hành" in html
    assert "· <strong>enforced</strong>" not in html


# --- 2. line forms keep their behaviour ---------------------------------------------------------


def test_the_decision_form_names_each_behaviour_of_the_record(client, w):
    # given a record of two behaviours
    record = recent_record(w, behaviour_codes=[HELMET, PHONE])
    # when the head opens the decision form
    html = as_user(client, w.chief).get(reverse("violations:decision-new"), {"bien_ban": record.pk}).content.decode()
    # then each line carries its behaviour's name and provision
    for code in (HELMET, PHONE):
        b = Behaviour.objects.get(code=code)
        assert re.search(rf"<h3>\d\. {re.escape(b.short_name)}</h3>", html), b.short_name
        assert b.provision in html


def test_a_line_form_without_a_preview_row_is_still_on_the_page(w):
    # given two line forms and a preview that knows only the first behaviour
    helmet, phone = Behaviour.objects.get(code=HELMET), Behaviour.objects.get(code=PHONE)
    line_forms = [forms.LineForm(behaviour=b, prefix=f"l{i}") for i, b in enumerate([helmet, phone])]
    pv = {"lines": [{"behaviour": helmet, "fine": None}]}
    # when the rows are paired
    rows = staff._line_rows(line_forms, pv)
    # then both lines are there, the second without a preview row
    assert [(f.rule.code, row is not None) for f, row in rows] == [(HELMET, True), (PHONE, False)]
    assert staff._line_rows(line_forms, None) == [(line_forms[0], None), (line_forms[1], None)]


# --- 3. plates as printed -----------------------------------------------------------------------


def render(text: str, **context) -> str:
    return Template("{% load violations_nav %}" + text).render(Context(context))


def test_a_stored_plate_is_shown_as_printed_and_anything_else_as_stored():
    assert render("{{ p|plate }}", p="36Y445224") == "36-Y4 452.24"
    assert render("{{ p|plate }}", p="36A12345") == "36A-123.45"
    assert render("{{ p|plate }}", p="KHONG-RO") == "KHONG-RO"
    assert render("{{ p|plate|default:'—' }}", p="") == "—"


def test_the_custody_register_shows_the_plate_as_printed(client, w):
    # given a seized motorbike (stored normalised)
    make_record(
        w, seized=[{"kind": "vehicle", "description": "Xe mô tô", "plate": "36-Y4 452.24", "storage_place": "Kho"}]
    )
    assert SeizedItem.objects.get().plate == "36Y445224"
    # when the register is shown
    html = as_user(client, w.officer).get(reverse("violations:seized-list")).content.decode()
    # then the plate reads as on the vehicle
    assert "36-Y4 452.24" in html and "36Y445224" not in html


# --- 4. money does not wrap before "đ" ----------------------------------------------------------


def test_money_on_pages_joins_the_figure_and_dong_with_a_no_break_space():
    assert render("{{ a|dong }}", a=500000) == f"500.000{NBSP}đ"
    assert render("{{ a|dong }}", a=None) == ""
    # PDFs and spreadsheets keep the plain space (their text is compared by the printing tests)
    assert format_vnd(500000) == "500.000 đ"


# --- 5. on the spot: the chosen subject's limit -------------------------------------------------


def spot_behaviour(w, code: str, low: int, high: int, **extra) -> Behaviour:
    return Behaviour.objects.create(
        code=code,
        decree=w.decree_road,
        stat_group=w.road,
        fine_field_code="road_traffic",
        article=30,
        clause=1,
        point="a",
        short_name=f"Hành vi thử {code}",
        description=f"Hành vi thử nghiệm {code}",
        fine_min=low,
        fine_max=high,
        valid_from=w.decree_road.valid_from,
        legal_basis="Thử",
        confidence="test",
        **extra,
    )


def test_the_on_the_spot_catalogue_follows_the_subjects_limit(w):
    # given the test limits (person 250.000 đ, organisation 500.000 đ) and three behaviours:
    # one for both, one only a person may be fined on the spot for (the organisation's own
    # range starts higher), one that allows a warning though its fine is above both limits
    spot_behaviour(w, "t:both", 100_000, 200_000)
    spot_behaviour(w, "t:person", 200_000, 300_000, organisation_fine_min=800_000, organisation_fine_max=900_000)
    spot_behaviour(w, "t:over", 300_000, 400_000)
    spot_behaviour(w, "t:warn", 2_000_000, 3_000_000, warning_allowed=True)
    today = timezone.localdate()
    # when the catalogue is read per subject
    person = set(
        rules.spot_behaviours(today, Subject.PERSON).filter(code__startswith="t:").values_list("code", flat=True)
    )
    org = set(
        rules.spot_behaviours(today, Subject.ORGANISATION).filter(code__startswith="t:").values_list("code", flat=True)
    )
    # then each matches `rules.fine_range` against that subject's limit, warnings aside
    assert person == {"t:both", "t:person", "t:warn"}
    assert org == {"t:both", "t:warn"}  # "t:over": 600.000 đ for an organisation


def spot_post(**overrides) -> dict:
    data = {
        "violator_kind": "person",
        "violator_name": "Phạm Văn Nhanh",
        "violator_id_number": "038090004321",
        "violated_on": timezone.localdate().strftime("%d/%m/%Y"),
        "violated_time": "00:01",
        "address": "Đường Bà Triệu",
        "idempotency_key": "spot-polish",
    }
    data.update(overrides)
    return data


def test_a_behaviour_over_the_persons_limit_is_refused_on_the_spot_and_nothing_is_written(client, w):
    # given a behaviour whose minimum (300.000 đ) is over the person's limit (250.000 đ)
    spot_behaviour(w, "t:over", 300_000, 400_000)
    # when a person is fined for it without a record
    response = as_user(client, w.officer).post(reverse("violations:decision-spot"), spot_post(behaviour="t:over"))
    # then a 400 in Vietnamese names the reason, and no decision exists
    assert response.status_code == 400
    assert "không được xử phạt không lập biên bản đối với đối tượng đã chọn" in response.content.decode()
    assert PenaltyDecision.objects.count() == 0


def test_the_spot_search_finds_words_without_diacritics_within_the_subjects_limit(client, w):
    spot_behaviour(w, "t:person", 200_000, 300_000, organisation_fine_min=800_000, organisation_fine_max=900_000)
    as_user(client, w.officer)
    url = reverse("violations:behaviour-search")
    params = {"q_hanh_vi": "hanh vi thu", "spot": "1", "field": "behaviour"}
    # when a person is searched for, then the behaviour is offered as a radio button
    person = client.get(url, {**params, "violator_kind": "person"}).content.decode()
    assert 'value="t:person"' in person and 'type="radio"' in person
    # when an organisation is, then it is not (its minimum is over 500.000 đ)
    assert 'value="t:person"' not in client.get(url, {**params, "violator_kind": "organisation"}).content.decode()


def test_spot_search_results_show_the_range_of_the_chosen_subject(client, w):
    # given a behaviour of 100.000–200.000 đ for a person (twice that for an organisation)
    spot_behaviour(w, "t:both", 100_000, 200_000)
    as_user(client, w.officer)
    url = reverse("violations:behaviour-search")
    params = {"q_hanh_vi": "hanh vi thu", "spot": "1", "field": "behaviour"}
    # when searched for each subject, then each sees its own range
    person = client.get(url, {**params, "violator_kind": "person"}).content.decode()
    org = client.get(url, {**params, "violator_kind": "organisation"}).content.decode()
    assert f"100.000{NBSP}đ – 200.000{NBSP}đ" in person
    assert f"200.000{NBSP}đ – 400.000{NBSP}đ" in org


def test_the_spot_page_has_a_search_instead_of_every_behaviour_and_keeps_the_pick(client, w):
    as_user(client, w.officer)
    url = reverse("violations:decision-spot")
    # given the page: a search box, no list of every behaviour
    html = client.get(url).content.decode()
    assert 'id="behaviour-search"' in html and 'name="behaviour"' not in html
    # when the search is sent without JavaScript, the words and the chosen subject are kept, no errors
    found = client.post(url, spot_post(q_hanh_vi="di bo", tim_hanh_vi="1", behaviour=PEDESTRIAN)).content.decode()
    assert 'value="di bo"' in found and "errorlist" not in found
    assert re.search(rf'name="behaviour" value="{PEDESTRIAN}" id="[^"]+" checked', found)
    # and a behaviour over the person's limit is not among the results
    over = client.post(url, spot_post(q_hanh_vi="mu bao hiem", tim_hanh_vi="1")).content.decode()
    assert f'value="{HELMET}"' not in over


# --- 6. numbers read the unit -------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug, agency_code, expected",
    [
        ("ca-xa-14797", "", "CAX14797"),
        ("ca-xa-cu-16387", "", "CAXC16387"),
        ("ca-huyen-380", "", "CAH380"),
        ("pc08", "", "PC08"),
        ("ca-tinh", "", "CATINH"),
        ("ca-xa-14797", "H56.14.01", "H56.14.01"),
    ],
)
def test_the_numbering_code_is_the_agency_code_else_read_from_the_slug(slug, agency_code, expected):
    unit = make_unit("Công an thử", slug=slug, agency_code=agency_code)
    assert services.numbering_code(unit) == expected


def test_a_slug_too_long_for_a_code_falls_back_to_the_unit_id():
    unit = make_unit("Công an thử", slug="mot-don-vi-co-ma-noi-bo-rat-dai")
    assert services.numbering_code(unit) == f"DV{unit.pk}"
    lookalike = make_unit("Công an thử", slug="dv-1")  # would read like another unit's fallback
    assert services.numbering_code(lookalike) == f"DV{lookalike.pk}"


def test_a_record_of_a_ward_without_an_agency_code_is_numbered_with_its_short_code(w):
    # given an officer of the ward as `load_reference` makes it (no agency code)
    ward = make_unit("Công an phường Hạc Thành", parent=w.province, slug="ca-xa-14797")
    officer = make_officer(ward, role=Role.PROCESSOR)
    # when a record is made
    record = make_record(w, officer=officer)
    # then its number reads the ward
    assert record.number == f"1/BB-VPHC/CAX14797/{timezone.localtime(record.made_at).year}"


def test_the_public_lookup_shows_a_whole_decision_number_as_its_example(client):
    html = client.get(reverse("violations:lookup")).content.decode()
    assert "15/QĐ-XPHC/CAX14797/2026" in html


# --- 7. the shipped import template imports on a demo install -----------------------------------


def test_the_shipped_import_template_imports_after_load_reference(settings, django_capture_on_commit_callbacks):
    from antt.org.loaders import load_admin_areas, load_units
    from antt.violations.tests.test_imports import IMMEDIATE, make_stat_groups, run

    # given the real units and the appendix 9 rows, and a head of the example's ward
    settings.TASKS = IMMEDIATE
    load_admin_areas()
    load_units()
    make_stat_groups()
    ward = Unit.objects.get(slug=imports.EXAMPLE_UNIT)
    assert ward.name == "Công an phường Hạc Thành"
    head = make_officer(ward, role=Role.HEAD)
    # when the template file shipped in the repository is imported as it is
    shipped = Path(imports.__file__).parent / "data" / "import-template.csv"
    file = SimpleUploadedFile("import-template.csv", shipped.read_bytes(), content_type="text/csv")
    batch = run(head, file, capture=django_capture_on_commit_callbacks)
    # then its example row is one decision of that ward
    assert (batch.created_rows, batch.error_rows) == (1, 0), batch.errors
    assert PenaltyDecision.objects.get().unit == ward


# --- 8. stats dates as dd/mm/yyyy ---------------------------------------------------------------


def test_the_stats_form_takes_dates_as_text_dd_mm_yyyy(client, w):
    as_user(client, w.director)
    url = reverse("violations:stats")
    html = client.get(url).content.decode()
    assert 'type="date"' not in html and 'placeholder="dd/mm/yyyy"' in html
    response = client.get(url, {"period": "custom", "date_from": "01/01/2025", "date_to": "31/12/2025"})
    assert response.status_code == 200
    assert 'value="01/01/2025"' in response.content.decode()


# --- 9. the bank by the QR ----------------------------------------------------------------------


def test_the_staff_decision_page_names_the_bank_next_to_the_qr(client, w):
    from antt.core import vietqr

    decision = make_decision(w, record=recent_record(w), issued_at=timezone.now())
    html = as_user(client, w.officer).get(reverse("violations:decision-detail", args=[decision.pk])).content.decode()
    assert vietqr.fine_bank_name() in html and vietqr.fine_bank_name() != vietqr.fine_bank_bin()


# --- 10. demo data agrees with itself -----------------------------------------------------------


def test_demo_vehicle_behaviours_licences_and_addresses_agree(w, settings):
    settings.DEBUG = True
    # given communes with their area, and demo data over the test catalogue (motorbike
    # behaviours and a car one)
    for n, unit in enumerate([w.unit, w.other_unit]):
        unit.area = AdminArea.objects.create(
            scheme=AdminArea.Scheme.CURRENT, code=f"9990{n}", name=f"Phường Thử {n}", level="commune"
        )
        unit.save()
    demo.DemoGenerator(demo.GenerateOptions(decisions=400, until=date(2026, 10, 30))).run()
    decisions = demo.demo_decisions()
    # then a behaviour that names a vehicle is on a decision of that vehicle
    expected = {HELMET: VehicleKind.MOTORBIKE, PHONE: VehicleKind.MOTORBIKE, ALCOHOL_CAR: VehicleKind.CAR}
    lines = DecisionLine.objects.filter(decision__in=decisions, behaviour__code__in=expected)
    pairs = set(lines.values_list("behaviour__code", "decision__vehicle_kind"))
    assert pairs and all(expected[code] == kind for code, kind in pairs), pairs
    # an organisation never loses a driving licence
    org_driving = LicenceSuspension.objects.filter(
        decision__in=decisions.filter(violator_kind=Subject.ORGANISATION), kind=LicenceSuspension.Kind.DRIVING
    )
    assert not org_driving.exists()
    # and a record's address does not repeat its commune (the page shows the area next to it)
    records = ViolationRecord.objects.filter(number__startswith=demo.PREFIX).exclude(area=None).select_related("area")
    assert records.exists()
    assert not [r.address for r in records if r.area.name in r.address]


def test_vehicle_of_reads_the_vehicle_from_the_behaviours_name():
    assert demo.vehicle_of("Mô tô: không đội mũ bảo hiểm") == VehicleKind.MOTORBIKE
    assert demo.vehicle_of("Không đội mũ bảo hiểm khi điều khiển xe mô tô") == VehicleKind.MOTORBIKE
    assert demo.vehicle_of("Xe tải: chở quá tải trên 10% đến 30%") == VehicleKind.CAR
    assert demo.vehicle_of("Ô tô: vượt đèn đỏ") == VehicleKind.CAR
    assert demo.vehicle_of("Người đi bộ không chấp hành hiệu lệnh") is None
