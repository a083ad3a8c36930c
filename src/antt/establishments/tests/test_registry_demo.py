"""Demo establishments: about 80 in the demo units, valid and unique tax codes, fire profiles for
some, audited and fed, and a second run adds nothing."""

from __future__ import annotations

import pytest

from antt.core.identifiers import check_business_code
from antt.core.models import AuditEvent
from antt.establishments.demo import COMMUNE, DEPARTMENT, SECOND_COMMUNE, make_demo_establishments
from antt.establishments.loaders import load_establishment_rules
from antt.establishments.models import ChangeEntry, Establishment, FireProfile
from antt.org.models import AdminArea, Unit
from antt.org.tests.factories import make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_units():
    province_area = AdminArea.objects.create(scheme="2025", code="38", name="Tỉnh Thanh Hóa", level="province")
    units = {}
    province = make_unit("Công an tỉnh Thanh Hóa", level=Unit.Level.PROVINCE, slug="ca-tinh-test")
    for slug, code, name in ((COMMUNE, "14797", "Phường Hạc Thành"), (SECOND_COMMUNE, "14758", "Phường Hàm Rồng")):
        area = AdminArea.objects.create(scheme="2025", code=code, name=name, level="commune", parent=province_area)
        units[slug] = make_unit(f"Công an {name.lower()}", parent=province, slug=slug, area=area)
    units[DEPARTMENT] = make_unit("Phòng PC06", parent=province, level=Unit.Level.DEPARTMENT, slug=DEPARTMENT)
    return units


def test_without_reference_data_the_demo_says_what_to_run():
    assert "load_reference" in make_demo_establishments()
    assert not Establishment.objects.exists()


def test_the_demo_makes_about_80_realistic_establishments_once(demo_units):
    load_establishment_rules()
    # when
    message = make_demo_establishments()
    # then
    demo = Establishment.objects.filter(is_demo=True)
    assert 75 <= demo.count() <= 85, message
    assert demo.filter(unit=demo_units[COMMUNE]).count() + demo.filter(unit=demo_units[SECOND_COMMUNE]).count() >= 65
    assert demo.filter(unit=demo_units[DEPARTMENT]).exists()
    for e in demo:
        assert check_business_code(e.tax_code) == e.tax_code
        assert (len(e.tax_code) == 12) == (e.kind == "household")
        assert e.area.level == "commune" and e.owner_name and e.security_person_id_number
    assert demo.values("name").distinct().count() == demo.count()
    assert demo.filter(lines__code="luu-tru").distinct().count() >= 20
    assert demo.filter(lines__code="karaoke-vu-truong").exists() and demo.filter(lines__code="cam-do").exists()
    assert demo.filter(lines__code="san-xuat-con-dau").exists() and demo.filter(lines__code="bao-ve").exists()
    assert FireProfile.objects.filter(establishment__is_demo=True).count() >= 20
    assert demo.filter(created_at__year__lt=2026).exists()  # dated back to their registration
    assert (
        AuditEvent.objects.filter(object_type="establishments.establishment", action="create").count() == demo.count()
    )
    assert ChangeEntry.objects.filter(entity="establishment").count() == demo.count()
    # a second run adds nothing
    count = demo.count()
    assert "thêm 0 cơ sở" in make_demo_establishments()
    assert Establishment.objects.count() == count
